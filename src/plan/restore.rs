//! Building a restore plan: components of a backup set onto the live server, following the
//! recovery guide (live copies moved aside, the set's copies put in place with the `.dbbackup`
//! extension dropped, stale `-wal`/`-shm`/`-journal` files moved aside with their database).

use super::probe::{EntryKind, Probe};
use super::{Action, Check, Plan, Precondition, Step, StepKind, is_plain_relative};
use crate::component::Component;
use crate::inventory::{BackupSet, DbState, Inventory};
use crate::profile::{CertStoreKind, Profile};
use std::path::{Path, PathBuf};

/// Companion files SQLite keeps beside a database; they travel with it.
pub const DB_COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// The description of `Check::DatabasesNotInUse` (restores and undos word it alike).
pub const IN_USE: &str = "no other process has a database being replaced open or locked";

/// How a missing source is worded (and recognised when a group member may be skipped).
const ABSENT: &str = "the set does not carry";

/// The components named one by one (`KIND:NAME`), as opposed to brought in by a group.
pub fn explicit_components(selectors: &[String]) -> Vec<Component> {
    selectors
        .iter()
        .filter_map(|s| Component::parse(s).ok())
        .collect()
}

/// Why a restore plan cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// Nothing asked for.
    #[error(
        "nothing to restore: name components (databases, certificates, settings, folders, all or KIND:NAME)"
    )]
    NothingSelected,
    /// The set carries none of the components asked for.
    #[error("backup set '{set}' carries none of the components asked for")]
    NothingInSet {
        /// The set's id.
        set: String,
    },
    /// No set is recommended (none is restorable, or a newer one could not be verified) and
    /// none was named.
    #[error(
        "no backup set is recommended (none is restorable, or a newer set could not be verified): run `drconsole backups` and pick one with --set ID if you accept its problems"
    )]
    NoRecommendedSet,
    /// `--set ID` names no set found.
    #[error("no backup set '{id}' (found: {known}); see `drconsole backups`")]
    UnknownSet {
        /// The id asked for.
        id: String,
        /// Ids found.
        known: String,
    },
    /// The set cannot give this component back.
    #[error("backup set '{set}' cannot restore {component}: {why}")]
    NotRestorable {
        /// The set's id.
        set: String,
        /// The component id.
        component: String,
        /// What is wrong, naming the path.
        why: String,
    },
    /// This kind of component is not restored by `restore`.
    #[error("{component} is not restored with `restore`: {hint}")]
    Unsupported {
        /// The component id.
        component: String,
        /// What to use instead.
        hint: String,
    },
}

/// Build the plan that restores `components` from the set `set_id` (default: the recommended
/// set) of `inventory`. Reads nothing but what `probe` answers. Components in `optional` (those
/// a group such as `all` brought in) are skipped with a note when the set does not carry them;
/// any other problem refuses the whole plan.
pub fn build_restore_plan(
    profile: &Profile,
    root: &Path,
    inventory: &Inventory,
    components: &[Component],
    optional: &[Component],
    set_id: Option<&str>,
    probe: &dyn Probe,
) -> Result<Plan, RestoreError> {
    if components.is_empty() {
        return Err(RestoreError::NothingSelected);
    }
    let set = choose_set(inventory, set_id)?;
    let mut b = Builder {
        plan: Plan::new(
            Action::Restore {
                set: set.id.clone(),
            },
            root,
        ),
        profile,
        set,
        probe,
    };
    for c in components {
        let steps = b.plan.steps.len();
        match b.component(c) {
            Ok(()) => b.plan.components.push(c.to_string()),
            Err(RestoreError::NotRestorable { why, .. })
                if optional.contains(c) && why.starts_with(ABSENT) =>
            {
                b.plan.steps.truncate(steps);
                b.plan
                    .notes
                    .push(format!("{c} skipped: the set does not carry it"));
            }
            Err(e) => return Err(e),
        }
    }
    if b.plan.steps.is_empty() {
        return Err(RestoreError::NothingInSet {
            set: b.set.id.clone(),
        });
    }
    b.preconditions();
    Ok(b.plan)
}

/// Why the operator's restore request cannot become a plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A selector is not a component of the profile (a usage error).
    #[error(transparent)]
    Component(#[from] crate::component::ComponentError),
    /// The plan cannot be built.
    #[error(transparent)]
    Restore(#[from] RestoreError),
}

/// The restore plan for what an operator typed (`databases`, `certificates:Certificates`, ...)
/// against a scanned inventory, reading the disk through `DiskProbe`. The CLI and the console
/// both start here; preconditions are still pending (see `journal::prepare`).
pub fn plan_restore(
    ctx: &crate::context::Context,
    inventory: &Inventory,
    selectors: &[String],
    set_id: Option<&str>,
) -> Result<Plan, RequestError> {
    let components = crate::component::resolve(&ctx.profile, selectors)?;
    let explicit = explicit_components(selectors);
    let optional: Vec<Component> = components
        .iter()
        .filter(|c| !explicit.contains(c))
        .cloned()
        .collect();
    Ok(build_restore_plan(
        &ctx.profile,
        &ctx.root,
        inventory,
        &components,
        &optional,
        set_id,
        &super::DiskProbe,
    )?)
}

/// The named set, or the recommended one.
pub fn choose_set<'a>(
    inventory: &'a Inventory,
    set_id: Option<&str>,
) -> Result<&'a BackupSet, RestoreError> {
    match set_id {
        Some(id) => inventory
            .backup_sets
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| RestoreError::UnknownSet {
                id: id.to_string(),
                known: if inventory.backup_sets.is_empty() {
                    "none".into()
                } else {
                    inventory
                        .backup_sets
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            }),
        None => inventory
            .recommended_set()
            .ok_or(RestoreError::NoRecommendedSet),
    }
}

/// The next older set after `set_id` that could be tried instead (restorable or unverified).
pub fn next_older_set<'a>(inventory: &'a Inventory, set_id: &str) -> Option<&'a BackupSet> {
    use crate::inventory::Verdict;
    let pos = inventory.backup_sets.iter().position(|s| s.id == set_id)?;
    inventory.backup_sets[pos + 1..]
        .iter()
        .find(|s| matches!(s.verdict, Verdict::Restorable | Verdict::Unverified))
}

struct Builder<'a> {
    plan: Plan,
    profile: &'a Profile,
    set: &'a BackupSet,
    probe: &'a dyn Probe,
}

impl Builder<'_> {
    fn refuse(&self, c: &Component, why: String) -> RestoreError {
        RestoreError::NotRestorable {
            set: self.set.id.clone(),
            component: c.to_string(),
            why,
        }
    }

    fn component(&mut self, c: &Component) -> Result<(), RestoreError> {
        match c {
            Component::Database(name) => self.database(c, name),
            Component::Certificates(name) => {
                let store = self
                    .profile
                    .certificates
                    .iter()
                    .find(|s| &s.name == name)
                    .ok_or_else(|| self.refuse(c, "the profile has no such store".into()))?;
                let tree = store.kind == CertStoreKind::Folder;
                self.copy(c, &store.path.clone(), tree)
            }
            Component::Settings(name) => {
                let spec = self
                    .profile
                    .settings
                    .iter()
                    .find(|s| &s.name == name)
                    .ok_or_else(|| {
                        self.refuse(c, "the profile has no such settings file".into())
                    })?;
                // Restore over whichever spelling the server uses now; else the first one.
                let target = spec
                    .paths
                    .iter()
                    .find(|p| self.probe.entry(&self.plan.abs(p)).is_some())
                    .unwrap_or(&spec.paths[0])
                    .clone();
                self.copy(c, &target, false)
            }
            Component::Folder(name) => {
                let spec = self
                    .profile
                    .folders
                    .iter()
                    .find(|f| &f.name == name)
                    .ok_or_else(|| self.refuse(c, "the profile has no such folder".into()))?;
                if !spec.restorable {
                    return Err(RestoreError::Unsupported {
                        component: c.to_string(),
                        hint: "the profile marks this folder as inspected only (reinstall the program instead)".into(),
                    });
                }
                self.copy(c, &spec.path.clone(), true)
            }
            Component::Dp(_) => Err(RestoreError::Unsupported {
                component: c.to_string(),
                hint: "distribution points are brought back with `drconsole dp sync`".into(),
            }),
        }
    }

    fn database(&mut self, c: &Component, name: &str) -> Result<(), RestoreError> {
        let spec = self
            .profile
            .database(name)
            .ok_or_else(|| self.refuse(c, "the profile has no such database".into()))?;
        let member = self
            .set
            .members
            .iter()
            .find(|m| m.database == name)
            .ok_or_else(|| self.refuse(c, format!("the set holds no copy of {name}")))?;
        let path = member.file.path.display();
        let bad = match member.file.state {
            DbState::Missing => Some(format!("{path} is missing")),
            DbState::Empty => Some(format!("{path} is empty")),
            DbState::Unreadable => Some(format!("{path} cannot be read")),
            DbState::Unverifiable => Some(format!(
                "{path} could not be verified ({}); drconsole restores only what it could check",
                member
                    .file
                    .messages
                    .first()
                    .map_or("no details", |m| m.as_str())
            )),
            DbState::NotSqlite => Some(format!("{path} is not a SQLite database")),
            DbState::Corrupt => Some(format!(
                "{path} fails its integrity check ({})",
                member
                    .file
                    .messages
                    .first()
                    .map_or("no details", |m| m.as_str())
            )),
            // Checked in full right before the restore, whatever the scan got to.
            DbState::Unchecked | DbState::QuickOk | DbState::Ok => None,
        };
        if let Some(why) = bad {
            return Err(self.refuse(c, why));
        }
        let source = member.file.path.clone();
        let entry = self.probe.entry(&source);
        match entry.map(|e| e.kind) {
            Some(EntryKind::File) => {}
            Some(EntryKind::Symlink) => {
                return Err(self.refuse(
                    c,
                    format!("{path} is a symbolic link; drconsole does not follow it"),
                ));
            }
            _ => return Err(self.refuse(c, format!("{path} is not a readable file"))),
        }
        let target = spec.path.clone();
        self.parents(c, &target);
        let source_wal = with_suffix(&source, "-wal");
        let carries_wal = self
            .probe
            .entry(&source_wal)
            .is_some_and(|e| e.kind == EntryKind::File && e.bytes > 0);
        // Old companions go first: a stale -wal beside the new database would be replayed into it.
        for suffix in DB_COMPANIONS {
            let companion = with_suffix(&target, suffix);
            if suffix == "-wal" && carries_wal {
                continue;
            }
            if let Some(found) = self.probe.entry(&self.plan.abs(&companion)) {
                self.plan.steps.push(Step {
                    component: c.to_string(),
                    target: companion,
                    kind: StepKind::Stash,
                    bytes: 0,
                    replaces: Some(found),
                });
            }
        }
        self.push_copy(c, &target, source, entry.map_or(0, |e| e.bytes), false);
        if carries_wal {
            let bytes = self.probe.entry(&source_wal).map_or(0, |e| e.bytes);
            self.push_copy(c, &with_suffix(&target, "-wal"), source_wal, bytes, false);
        }
        self.plan.verify.push(target);
        Ok(())
    }

    fn copy(&mut self, c: &Component, target: &Path, tree: bool) -> Result<(), RestoreError> {
        let source = c.path_in_set(self.profile, &self.set.path).ok_or_else(|| {
            self.refuse(
                c,
                "the profile does not say where it lives in a backup set".into(),
            )
        })?;
        let want = if tree {
            EntryKind::Dir
        } else {
            EntryKind::File
        };
        let entry = self.probe.entry(&source);
        match entry {
            Some(e) if e.kind == want => {}
            Some(e) if e.kind == EntryKind::Symlink => {
                return Err(self.refuse(
                    c,
                    format!(
                        "{} is a symbolic link; drconsole does not follow it",
                        source.display()
                    ),
                ));
            }
            Some(_) => {
                return Err(self.refuse(
                    c,
                    format!(
                        "{} is not a {}",
                        source.display(),
                        if tree { "folder" } else { "file" }
                    ),
                ));
            }
            None => {
                return Err(self.refuse(c, format!("{ABSENT} {}", source.display())));
            }
        }
        if tree {
            for link in self.probe.skipped_inside(&source) {
                self.plan.notes.push(format!(
                    "{} is a symbolic link or special file: it is not copied",
                    link.display()
                ));
            }
        }
        self.parents(c, target);
        self.push_copy(c, target, source, entry.map_or(0, |e| e.bytes), tree);
        Ok(())
    }

    fn push_copy(&mut self, c: &Component, target: &Path, source: PathBuf, bytes: u64, tree: bool) {
        let replaces = self.probe.entry(&self.plan.abs(target));
        self.plan.steps.push(Step {
            component: c.to_string(),
            target: target.to_path_buf(),
            kind: if tree {
                StepKind::CopyTree { source }
            } else {
                StepKind::CopyFile { source }
            },
            bytes,
            replaces,
        });
    }

    /// Missing parent folders become `CreateDir` steps, outermost first.
    fn parents(&mut self, c: &Component, target: &Path) {
        let mut missing = Vec::new();
        let mut cur = target.parent();
        while let Some(dir) = cur {
            if dir.as_os_str().is_empty() {
                break;
            }
            let planned = self
                .plan
                .steps
                .iter()
                .any(|s| s.target == dir && s.kind == StepKind::CreateDir);
            if planned || self.probe.entry(&self.plan.abs(dir)).is_some() {
                break;
            }
            missing.push(dir.to_path_buf());
            cur = dir.parent();
        }
        for dir in missing.into_iter().rev() {
            self.plan.steps.push(Step {
                component: c.to_string(),
                target: dir,
                kind: StepKind::CreateDir,
                bytes: 0,
                replaces: None,
            });
        }
    }

    fn preconditions(&mut self) {
        let p = &mut self.plan;
        let procs = self.profile.processes.join(", ");
        p.preconditions.push(Precondition::pending(
            Check::ServerStopped,
            if procs.is_empty() {
                "no server process running (the profile names none)".to_string()
            } else {
                format!("no server process running ({procs})")
            },
        ));
        if p.steps.iter().any(super::preconditions::is_database_step) {
            p.preconditions
                .push(Precondition::pending(Check::DatabasesNotInUse, IN_USE));
        }
        p.preconditions.push(Precondition::pending(
            Check::JournalLock,
            "no other drconsole holds the journal lock",
        ));
        p.preconditions.push(Precondition::pending(
            Check::TargetsInsideRoot,
            format!(
                "every target inside the root {} with no symbolic link on the way",
                p.root.display()
            ),
        ));
        debug_assert!(p.steps.iter().all(|s| is_plain_relative(&s.target)));
        let mut space: Vec<(PathBuf, u64)> = Vec::new();
        for s in &p.steps {
            let folder = s.target.parent().map(Path::to_path_buf).unwrap_or_default();
            match space.iter_mut().find(|(f, _)| *f == folder) {
                Some((_, n)) => *n += s.bytes,
                None => space.push((folder, s.bytes)),
            }
        }
        for (folder, needed) in space.into_iter().filter(|(_, n)| *n > 0) {
            p.preconditions.push(Precondition::pending(
                Check::FreeSpace {
                    folder: folder.clone(),
                    needed,
                },
                format!(
                    "free space for {} of new content near {}",
                    super::text::bytes(needed),
                    folder.display()
                ),
            ));
        }
        let mut sources = Vec::new();
        for s in &p.steps {
            let (source, database) = match &s.kind {
                StepKind::CopyFile { source } => (source, p.verify.contains(&s.target)),
                StepKind::CopyTree { source } => (source, false),
                _ => continue,
            };
            sources.push(Precondition::pending(
                Check::SourceReadable {
                    source: source.clone(),
                    database,
                },
                if database {
                    format!(
                        "{} readable and passing a full integrity check now",
                        source.display()
                    )
                } else {
                    format!("{} readable", source.display())
                },
            ));
        }
        p.preconditions.extend(sources);
    }
}

/// `path` with `suffix` appended to its file name (`X.db` + `-wal` = `X.db-wal`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{BackupMember, DbFile, SetLayout, TakenFrom, Verdict};
    use crate::plan::probe::MapProbe;

    const SERVER: &str = "Library/Application Support/LANrev Server";

    fn profile() -> Profile {
        crate::profile::load("lanrev-macos").unwrap()
    }

    fn set(id: &str, verdict: Verdict, recommended: bool, corrupt: Option<&str>) -> BackupSet {
        let path = PathBuf::from(format!("/r/{SERVER}/Database Backups/{id}"));
        BackupSet {
            id: id.into(),
            component: format!("backup:{id}"),
            root: PathBuf::from("/r/backups"),
            path: path.clone(),
            layout: SetLayout::Folder,
            taken_at: chrono::DateTime::UNIX_EPOCH,
            taken_from: TakenFrom::Name,
            age_hours: 1.0,
            verdict,
            recommended,
            members: profile()
                .databases
                .iter()
                .map(|d| BackupMember {
                    database: d.name.clone(),
                    file: DbFile {
                        path: path.join(format!("{}.dbbackup", d.name)),
                        size: 4096,
                        state: if corrupt == Some(d.name.as_str()) {
                            DbState::Corrupt
                        } else {
                            DbState::Ok
                        },
                        ..DbFile::default()
                    },
                    sql: None,
                })
                .collect(),
            missing: vec![],
            extras: vec![],
            bytes: 6 * 4096,
        }
    }

    fn inventory() -> Inventory {
        Inventory {
            backup_sets: vec![
                set(
                    "2026-11-22",
                    Verdict::Corrupt,
                    false,
                    Some("ServerDatabase"),
                ),
                set("2026-11-21", Verdict::Restorable, true, None),
                set("2026-11-20", Verdict::Restorable, false, None),
            ],
            ..Inventory::default()
        }
    }

    fn probe_for(inv: &Inventory) -> MapProbe {
        let mut p = MapProbe::default();
        for s in &inv.backup_sets {
            for m in &s.members {
                p = p.file(m.file.path.clone(), 4096);
            }
            p = p.dir(s.path.join("Certificates"), 3000);
        }
        p.file(format!("/r/{SERVER}/ServerDatabase.db"), 5000)
            .file(format!("/r/{SERVER}/ServerDatabase.db-wal"), 800)
            .dir(format!("/r/{SERVER}"), 0)
            .dir(format!("/r/{SERVER}/Certificates"), 2000)
    }

    fn build_with(sel: &[&str], set: Option<&str>, probe: &MapProbe) -> Result<Plan, RestoreError> {
        let inv = inventory();
        let sel: Vec<String> = sel.iter().map(|s| s.to_string()).collect();
        let comps = crate::component::resolve(&profile(), &sel).unwrap();
        let explicit = explicit_components(&sel);
        let optional: Vec<Component> = comps
            .iter()
            .filter(|c| !explicit.contains(c))
            .cloned()
            .collect();
        build_restore_plan(
            &profile(),
            Path::new("/r"),
            &inv,
            &comps,
            &optional,
            set,
            probe,
        )
    }

    fn build(sel: &[&str], set: Option<&str>) -> Result<Plan, RestoreError> {
        build_with(sel, set, &probe_for(&inventory()))
    }

    #[test]
    fn database_restore_uses_the_recommended_set_and_moves_the_stale_wal_aside_first() {
        let plan = build(&["database:ServerDatabase"], None).unwrap();
        assert_eq!(
            plan.action,
            Action::Restore {
                set: "2026-11-21".into()
            }
        );
        assert_eq!(plan.steps.len(), 2);
        assert_eq!(plan.steps[0].kind, StepKind::Stash);
        assert!(plan.steps[0].target.ends_with("ServerDatabase.db-wal"));
        match &plan.steps[1].kind {
            StepKind::CopyFile { source } => {
                assert!(source.ends_with("2026-11-21/ServerDatabase.dbbackup"))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(plan.steps[1].replaces.map(|e| e.bytes), Some(5000));
        assert_eq!(
            plan.verify,
            vec![PathBuf::from(format!("{SERVER}/ServerDatabase.db"))]
        );
        assert_eq!(plan.bytes_written(), 4096);
        assert_eq!(plan.bytes_stashed(), 5800);
    }

    #[test]
    fn a_set_whose_member_is_corrupt_is_refused_naming_the_file() {
        let err = build(&["databases"], Some("2026-11-22"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ServerDatabase.dbbackup"), "{err}");
        assert!(err.contains("integrity"), "{err}");
        // The same set can still give back a database that is fine in it.
        assert!(build(&["database:EnumValues"], Some("2026-11-22")).is_ok());
    }

    #[test]
    fn missing_parent_folders_become_create_steps_and_new_targets_replace_nothing() {
        let err = build(&["certificates:TrustedCertificates"], None).unwrap_err();
        assert!(
            err.to_string().contains("MDM/TrustedCertificates.pem"),
            "{err}"
        );
        let inv = inventory();
        let probe = probe_for(&inv).file(
            format!("/r/{SERVER}/Database Backups/2026-11-21/MDM/TrustedCertificates.pem"),
            900,
        );
        let plan = build_with(&["certificates:TrustedCertificates"], None, &probe).unwrap();
        let kinds: Vec<(&StepKind, &Path)> = plan
            .steps
            .iter()
            .map(|s| (&s.kind, s.target.as_path()))
            .collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        assert_eq!(kinds[0], (&StepKind::CreateDir, Path::new("etc")));
        assert_eq!(
            kinds[2],
            (&StepKind::CreateDir, Path::new("etc/lighttpd/certs"))
        );
        assert_eq!(plan.steps[3].replaces, None);
        assert_eq!(plan.bytes_written(), 900);
    }

    #[test]
    fn group_members_the_set_lacks_are_skipped_with_a_note_but_named_ones_refuse() {
        let plan = build(&["all"], None).unwrap();
        assert!(
            plan.notes
                .iter()
                .any(|n| n.contains("certificates:lighttpd skipped"))
        );
        assert!(
            plan.components
                .contains(&"certificates:Certificates".to_string())
        );
        assert!(
            !plan
                .components
                .contains(&"certificates:lighttpd".to_string())
        );
    }

    #[test]
    fn certificates_folder_is_copied_as_a_tree() {
        let plan = build(&["certificates:Certificates"], None).unwrap();
        assert_eq!(plan.steps.len(), 1);
        assert!(matches!(plan.steps[0].kind, StepKind::CopyTree { .. }));
        assert!(
            plan.preconditions
                .iter()
                .any(|p| p.check == Check::ServerStopped)
        );
    }

    #[test]
    fn plan_text_shows_preconditions_steps_and_bytes() {
        let mut plan = build(
            &["database:ServerDatabase", "certificates:Certificates"],
            None,
        )
        .unwrap();
        plan.preconditions[0].status = crate::plan::Status::Fail;
        plan.preconditions[0].detail = "the server is running: LANrev Server (pid 42)".into();
        insta::assert_snapshot!(plan.to_string());
    }

    #[test]
    fn unknown_set_lists_the_known_ones() {
        let err = build(&["databases"], Some("nope")).unwrap_err().to_string();
        assert!(err.contains("2026-11-20"), "{err}");
    }

    #[test]
    fn next_older_set_skips_the_chosen_one() {
        let inv = inventory();
        assert_eq!(next_older_set(&inv, "2026-11-21").unwrap().id, "2026-11-20");
        assert!(next_older_set(&inv, "2026-11-20").is_none());
    }
}
