//! Plans that change distribution-point definitions in the server's database (`dp promote`,
//! `dp retire`, `dp add`): one `EditDatabase` step that replaces the database as a whole by a
//! modified copy, with the server stopped, the database whole before and after, and — for a
//! promotion — the new master holding every payload file the other points hold.

use super::restore::with_suffix;
use super::{
    Action, Check, DbEdit, Plan, Precondition, Probe, SqlStatement, SqlValue, Status, Step,
    StepKind,
};
use crate::context::Context;
use crate::fs::Confined;
use crate::inventory::tree::{self, Depth};
use crate::inventory::{DistributionPoint, ProgressSink};
use crate::profile::DistributionPointSource;
use std::path::{Path, PathBuf};

/// A change to the definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Make this point the only master.
    Promote {
        /// The point.
        name: String,
        /// Promote even when its payload lacks files other points hold.
        force: bool,
    },
    /// Delete this point's definition.
    Retire {
        /// The point.
        name: String,
        /// Retire even the master.
        force: bool,
    },
    /// Define a new point.
    Add {
        /// Its name.
        name: String,
        /// Its network address.
        address: String,
        /// Its payload folder, as stored.
        path: PathBuf,
        /// Whether it becomes the (only) master.
        master: bool,
    },
}

impl Change {
    /// The change in words (`promote Mirror London`).
    pub fn describe(&self) -> String {
        match self {
            Change::Promote { name, .. } => format!("promote {name} to master"),
            Change::Retire { name, .. } => format!("retire {name}"),
            Change::Add { name, master, .. } => {
                format!("add {}{name}", if *master { "master " } else { "" })
            }
        }
    }
}

/// Why a definitions change cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionsError {
    /// The profile keeps no definitions.
    #[error("the profile {0} keeps no distribution-point definitions in a database")]
    NoAdapter(String),
    /// No such point.
    #[error("no distribution point named '{name}' (defined: {known})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names defined.
        known: String,
    },
    /// The change is refused.
    #[error("{0}")]
    Refused(String),
}

/// The live database holding the definitions and the adapter that reads them.
pub fn definitions_db(
    ctx: &Context,
) -> Result<(&DistributionPointSource, PathBuf), DefinitionsError> {
    let src = ctx
        .profile
        .distribution_points
        .as_ref()
        .ok_or_else(|| DefinitionsError::NoAdapter(ctx.profile.name.clone()))?;
    let db = ctx
        .profile
        .database(&src.database)
        .ok_or_else(|| DefinitionsError::NoAdapter(ctx.profile.name.clone()))?;
    Ok((src, db.path.clone()))
}

/// Plan `change` against the definitions in `points` (as the scan read them from the live
/// database). Reads payload folders for a promotion; writes nothing. Preconditions are pending.
pub fn plan_change(
    ctx: &Context,
    points: &[DistributionPoint],
    change: &Change,
    probe: &dyn Probe,
    progress: &dyn ProgressSink,
) -> Result<Plan, DefinitionsError> {
    let (src, db_rel) = definitions_db(ctx)?;
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let (t, id, master) = (q(&src.table), q(&src.id_column), q(&src.master_column));
    let find = |name: &str| -> Result<&DistributionPoint, DefinitionsError> {
        let found: Vec<&DistributionPoint> = points.iter().filter(|p| p.name == name).collect();
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(DefinitionsError::Unknown {
                name: name.to_string(),
                known: points
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            many => Err(DefinitionsError::Refused(format!(
                "{} definitions are named '{name}' (ids {}): correct the duplicate first",
                many.len(),
                many.iter()
                    .map(|p| p.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    };
    let mut plan = Plan::new(
        Action::Definitions {
            change: change.describe(),
        },
        &ctx.root,
    );
    let mut decided: Option<Precondition> = None;
    let edit = match change {
        Change::Promote { name, force } => {
            let p = find(name)?;
            let masters: Vec<&DistributionPoint> = points.iter().filter(|p| p.is_master).collect();
            if p.is_master && masters.len() == 1 {
                return Err(DefinitionsError::Refused(format!(
                    "{name} is already the only master: nothing to change"
                )));
            }
            let dir = Confined::stored(&ctx.root, &p.path).map_err(|e| {
                DefinitionsError::Refused(format!(
                    "{name}'s payload folder is refused ({e}): correct its path first"
                ))
            })?;
            if !p.reachable || dir.open_dir().is_err() {
                return Err(DefinitionsError::Refused(format!(
                    "{name}'s payload folder {} cannot be read: a master clients cannot be served from is no master; mount it or promote another point",
                    dir.path().display()
                )));
            }
            let (lacking, notes) = lacking(ctx, points, p, &dir, progress);
            plan.notes.extend(notes);
            decided = Some(completeness(name, &lacking, *force));
            let demoted: Vec<&str> = masters
                .iter()
                .filter(|m| m.id != p.id)
                .map(|m| m.name.as_str())
                .collect();
            DbEdit {
                description: format!(
                    "set {master} of {name} (id {}) to 1{}",
                    p.id,
                    if demoted.is_empty() {
                        String::new()
                    } else {
                        format!(" and of {} to 0", demoted.join(", "))
                    }
                ),
                statements: vec![SqlStatement {
                    sql: format!(
                        "UPDATE {t} SET {master} = CASE WHEN {id} = ?1 THEN 1 ELSE 0 END WHERE {id} = ?1 OR COALESCE({master}, 0) <> 0"
                    ),
                    params: vec![SqlValue::Int(p.id)],
                    rows: None,
                }],
                checks: vec![
                    (
                        format!("SELECT count(*) FROM {t} WHERE COALESCE({master}, 0) <> 0"),
                        1,
                    ),
                    (
                        format!(
                            "SELECT count(*) FROM {t} WHERE {id} = {} AND {master} = 1",
                            p.id
                        ),
                        1,
                    ),
                ],
            }
        }
        Change::Retire { name, force } => {
            let p = find(name)?;
            if p.is_master {
                let others = points
                    .iter()
                    .filter(|o| o.is_master && o.id != p.id)
                    .count();
                let status = if others > 0 {
                    None
                } else if *force {
                    Some(Status::Overridden)
                } else {
                    Some(Status::Fail)
                };
                if let Some(status) = status {
                    decided = Some(Precondition {
                        check: Check::Decided { force: *force },
                        description: format!("{name} is not the only master"),
                        status,
                        detail: format!(
                            "{name} is the only master: retiring it leaves no master (DP_NO_MASTER); promote another point first{}",
                            if *force {
                                " (overridden by --force)"
                            } else {
                                ", or pass --force"
                            }
                        ),
                    });
                }
            }
            if p.reachable {
                plan.notes.push(format!(
                    "{name}'s payload folder is still readable: retiring removes only its definition, its files stay where they are"
                ));
            }
            DbEdit {
                description: format!("delete the definition of {name} (id {})", p.id),
                statements: vec![SqlStatement {
                    sql: format!("DELETE FROM {t} WHERE {id} = ?1"),
                    params: vec![SqlValue::Int(p.id)],
                    rows: Some(1),
                }],
                checks: vec![(format!("SELECT count(*) FROM {t} WHERE {id} = {}", p.id), 0)],
            }
        }
        Change::Add {
            name,
            address,
            path,
            master: make_master,
        } => {
            if name.trim().is_empty() {
                return Err(DefinitionsError::Refused(
                    "a distribution point needs a name".into(),
                ));
            }
            if let Some(p) = points.iter().find(|p| &p.name == name) {
                return Err(DefinitionsError::Refused(format!(
                    "a distribution point named '{name}' exists already (id {}): retire it first or choose another name",
                    p.id
                )));
            }
            let dir = Confined::stored(&ctx.root, path).map_err(|e| {
                DefinitionsError::Refused(format!(
                    "the payload folder {} is refused: {e}; give a folder beneath the root {}",
                    path.display(),
                    ctx.root.display()
                ))
            })?;
            if let Some(p) = points.iter().find(|p| p.path == dir.path()) {
                return Err(DefinitionsError::Refused(format!(
                    "{} is already the payload folder of {} (id {}): every point needs its own folder",
                    dir.path().display(),
                    p.name,
                    p.id
                )));
            }
            if dir.open_dir().is_err() {
                plan.notes.push(format!(
                    "{} does not exist yet: `drconsole dp sync {name}` creates it and fills it from the master",
                    dir.path().display()
                ));
            }
            let text = |s: &str| SqlValue::Text(s.to_string());
            let mut statements = Vec::new();
            if *make_master {
                statements.push(SqlStatement {
                    sql: format!("UPDATE {t} SET {master} = 0 WHERE COALESCE({master}, 0) <> 0"),
                    params: vec![],
                    rows: None,
                });
            }
            let mut columns = vec![
                q(&src.name_column),
                q(&src.address_column),
                q(&src.path_column),
                master.clone(),
            ];
            let mut params = vec![
                text(name),
                text(address),
                text(&path.to_string_lossy()),
                SqlValue::Int(i64::from(*make_master)),
            ];
            for (column, value) in &src.add_defaults {
                columns.push(q(column));
                params.push(text(value));
            }
            let marks: Vec<String> = (1..=params.len()).map(|i| format!("?{i}")).collect();
            statements.push(SqlStatement {
                sql: format!(
                    "INSERT INTO {t} ({}) VALUES ({})",
                    columns.join(", "),
                    marks.join(", ")
                ),
                params,
                rows: Some(1),
            });
            let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
            let mut checks = vec![(
                format!(
                    "SELECT count(*) FROM {t} WHERE {} = {}",
                    q(&src.name_column),
                    lit(name)
                ),
                1,
            )];
            if *make_master {
                checks.push((
                    format!("SELECT count(*) FROM {t} WHERE COALESCE({master}, 0) <> 0"),
                    1,
                ));
            }
            DbEdit {
                description: format!(
                    "add {name} ({address}, {}){}",
                    path.display(),
                    if *make_master {
                        " as the only master"
                    } else {
                        ""
                    }
                ),
                statements,
                checks,
            }
        }
    };
    plan.components.push(format!("database:{}", src.database));
    edit_steps(&mut plan, &src.database, &db_rel, edit, probe)?;
    preconditions(ctx, &mut plan, &db_rel);
    if let Some(d) = decided {
        plan.preconditions.push(d);
    }
    Ok(plan)
}

/// The steps that replace the database by an edited copy: a non-empty `-wal` moves into the
/// stash first (its content goes into the copy), with a stale `-shm`; the edit follows.
fn edit_steps(
    plan: &mut Plan,
    database: &str,
    db: &Path,
    edit: DbEdit,
    probe: &dyn Probe,
) -> Result<(), DefinitionsError> {
    let component = format!("database:{database}");
    let main = probe.entry(&plan.abs(db));
    if main.is_none_or(|e| e.kind != super::EntryKind::File) {
        return Err(DefinitionsError::Refused(format!(
            "{} is not a database file",
            plan.abs(db).display()
        )));
    }
    let journal = with_suffix(db, "-journal");
    if probe
        .entry(&plan.abs(&journal))
        .is_some_and(|e| e.bytes > 0)
    {
        return Err(DefinitionsError::Refused(format!(
            "{} holds an interrupted transaction: open the database once with sqlite3 (or start and stop the server) so SQLite rolls it back, then try again",
            plan.abs(&journal).display()
        )));
    }
    let mut wal = None;
    for suffix in ["-wal", "-shm"] {
        let companion = with_suffix(db, suffix);
        if let Some(found) = probe.entry(&plan.abs(&companion)) {
            if suffix == "-wal" && found.bytes > 0 {
                wal = Some(plan.steps.len());
            }
            plan.steps.push(Step {
                component: component.clone(),
                target: companion,
                kind: StepKind::Stash,
                bytes: 0,
                replaces: Some(found),
            });
        }
    }
    plan.steps.push(Step {
        component,
        target: db.to_path_buf(),
        kind: StepKind::EditDatabase { edit, wal },
        bytes: main.map_or(0, |e| e.bytes),
        replaces: main,
    });
    plan.verify.push(db.to_path_buf());
    Ok(())
}

fn preconditions(ctx: &Context, plan: &mut Plan, db: &Path) {
    let procs = ctx.profile.processes.join(", ");
    let abs = plan.abs(db);
    let size = plan.bytes_written();
    let p = &mut plan.preconditions;
    p.push(Precondition::pending(
        Check::ServerStopped,
        if procs.is_empty() {
            "no server process running (the profile names none)".to_string()
        } else {
            format!("no server process running ({procs})")
        },
    ));
    p.push(Precondition::pending(
        Check::DatabasesNotInUse,
        super::restore::IN_USE,
    ));
    p.push(Precondition::pending(
        Check::SourceReadable {
            source: abs.clone(),
            database: true,
        },
        format!("{} passes a full integrity check now", abs.display()),
    ));
    p.push(Precondition::pending(
        Check::JournalLock,
        "no other drconsole holds the journal lock",
    ));
    p.push(Precondition::pending(
        Check::TargetsInsideRoot,
        format!("every target inside the root {}", plan.root.display()),
    ));
    p.push(Precondition::pending(
        Check::FreeSpace {
            folder: db.parent().map(Path::to_path_buf).unwrap_or_default(),
            needed: size,
        },
        format!("room for the edited copy ({})", super::format_bytes(size)),
    ));
}

/// Payload files the old master holds that `candidate` lacks — or, when no other master can
/// be read, files any readable point holds (the best evidence of what the dead master had) —
/// and notes on what could not be compared.
fn lacking(
    ctx: &Context,
    points: &[DistributionPoint],
    candidate: &DistributionPoint,
    dir: &Confined,
    progress: &dyn ProgressSink,
) -> (Vec<String>, Vec<String>) {
    let mut lacking: std::collections::BTreeSet<String> = Default::default();
    let mut notes = Vec::new();
    let readable: Vec<(&DistributionPoint, Confined)> = points
        .iter()
        .filter(|o| o.id != candidate.id)
        .filter_map(|o| {
            let d = Confined::stored(&ctx.root, &o.path).ok()?;
            (o.reachable && d.open_dir().is_ok()).then_some((o, d))
        })
        .collect();
    let masters_readable = readable.iter().any(|(o, _)| o.is_master);
    for other in points
        .iter()
        .filter(|o| o.is_master && o.id != candidate.id)
        .filter(|o| !readable.iter().any(|(r, _)| r.id == o.id))
    {
        notes.push(format!(
            "the master {} cannot be read: {} was compared with {} instead (cannot verify it holds everything the old master had)",
            other.name,
            candidate.name,
            if masters_readable { "the readable master" } else { "every readable point" }
        ));
    }
    for (other, odir) in readable {
        if masters_readable && !other.is_master {
            continue;
        }
        let d = tree::compare(
            &odir,
            dir,
            Depth::SizeAndTime,
            &format!("dp:{}", other.name),
            progress,
        );
        lacking.extend(d.missing.into_iter().map(|e| e.path));
    }
    (lacking.into_iter().collect(), notes)
}

/// The decided precondition "the candidate holds every payload file".
fn completeness(name: &str, lacking: &[String], force: bool) -> Precondition {
    let status = if lacking.is_empty() {
        Status::Pass
    } else if force {
        Status::Overridden
    } else {
        Status::Fail
    };
    let shown: Vec<&str> = lacking.iter().take(10).map(String::as_str).collect();
    let detail = if lacking.is_empty() {
        String::new()
    } else {
        format!(
            "{name} lacks {} file(s) other points hold: {}{}{}",
            lacking.len(),
            shown.join(", "),
            if lacking.len() > shown.len() {
                ", …"
            } else {
                ""
            },
            if force {
                " (promoted anyway: --force)"
            } else {
                "; sync it first (`drconsole dp sync`), or pass --force to promote anyway"
            }
        )
    };
    Precondition {
        check: Check::Decided { force },
        description: format!("{name} holds every payload file the other points hold"),
        status,
        detail,
    }
}
