//! Live databases: locate each profile database under the root, note leftover journals, and
//! turn check results into findings.

use super::model::{DbFile, DbState, LiveDatabase};
use super::safepath::{self, Resolved};
use super::sqlite;
use crate::context::Context;
use crate::findings::{Code, Finding};

/// Companion files SQLite leaves beside a database.
pub const COMPANIONS: &[&str] = &["-journal", "-wal", "-shm"];

/// Stat every live database of the profile (no database is opened here).
pub fn discover(ctx: &Context, findings: &mut Vec<Finding>) -> Vec<LiveDatabase> {
    ctx.profile
        .databases
        .iter()
        .map(|spec| {
            let component = format!("database:{}", spec.name);
            let path = ctx.live(&spec.path);
            let file = match safepath::resolve(&path, &ctx.root, &component) {
                Resolved::Ok(_) => sqlite::stat(&path),
                Resolved::Missing => DbFile {
                    path: path.clone(),
                    state: DbState::Missing,
                    ..DbFile::default()
                },
                Resolved::Problem(f) => {
                    let msg = f.message.clone();
                    findings.push(f);
                    DbFile {
                        path: path.clone(),
                        state: DbState::Unreadable,
                        messages: vec![msg],
                        ..DbFile::default()
                    }
                }
            };
            let leftovers = COMPANIONS
                .iter()
                .filter(|suffix| {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    std::fs::symlink_metadata(&p).is_ok_and(|m| m.len() > 0)
                })
                .map(|s| s.to_string())
                .collect();
            LiveDatabase {
                name: spec.name.clone(),
                component,
                file,
                leftovers,
            }
        })
        .collect()
}

/// Findings for the live databases after their checks.
pub fn judge(dbs: &[LiveDatabase], findings: &mut Vec<Finding>) {
    for db in dbs {
        let p = &db.file.path;
        let first = db.file.messages.first().cloned().unwrap_or_default();
        let f = match db.file.state {
            DbState::Missing => Some(Finding::new(
                Code::DbMissing,
                &db.component,
                format!("{} is missing", p.display()),
            )),
            DbState::Empty => Some(Finding::new(
                Code::DbNotSqlite,
                &db.component,
                format!("{} is empty (0 bytes)", p.display()),
            )),
            DbState::NotSqlite => Some(Finding::new(
                Code::DbNotSqlite,
                &db.component,
                format!("{} is not a SQLite database: {first}", p.display()),
            )),
            DbState::Unreadable => Some(Finding::new(
                Code::DbUnreadable,
                &db.component,
                format!("{} cannot be read: {first}", p.display()),
            )),
            DbState::Corrupt => Some(Finding::new(
                Code::DbCorrupt,
                &db.component,
                format!(
                    "{} fails its {} check: {}",
                    p.display(),
                    level_name(db.file.level),
                    summary(&db.file.messages)
                ),
            )),
            DbState::Unverifiable => Some(Finding::new(
                Code::DbUnverifiable,
                &db.component,
                unverifiable_message(&db.file),
            )),
            DbState::Ok | DbState::QuickOk | DbState::Unchecked => None,
        };
        if let Some(f) = f {
            findings.push(f.at(p));
        }
        let hot: Vec<&str> = db
            .leftovers
            .iter()
            .map(String::as_str)
            .filter(|s| *s != "-shm")
            .collect();
        if !hot.is_empty() && db.file.state != DbState::Missing {
            findings.push(
                Finding::new(
                    Code::DbHotJournal,
                    &db.component,
                    format!(
                        "{} has a leftover {} beside it",
                        p.display(),
                        hot.join(" and ")
                    ),
                )
                .at(p),
            );
        }
    }
}

/// Why a file could not be verified and what to do, as one sentence.
pub fn unverifiable_message(f: &DbFile) -> String {
    let why = f.messages.first().map(String::as_str).unwrap_or("");
    let advice = f
        .unverifiable
        .as_ref()
        .map(|r| r.advice())
        .unwrap_or_else(|| "the database may be fine".into());
    format!(
        "{} could not be verified ({why}): {advice}",
        f.path.display()
    )
}

/// The first few messages on one line, with a count of the rest.
pub fn summary(messages: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut s = messages
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if messages.len() > SHOWN {
        s.push_str(&format!(" (and {} more)", messages.len() - SHOWN));
    }
    s
}

/// Human name of a check level.
pub fn level_name(level: super::model::CheckLevel) -> &'static str {
    match level {
        super::model::CheckLevel::Full => "full integrity",
        super::model::CheckLevel::Quick => "quick",
        super::model::CheckLevel::None => "",
    }
}
