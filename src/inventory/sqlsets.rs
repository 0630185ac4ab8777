//! SQL Server backup sets: the `.bak` files of a profile's `sql_databases` under the backup
//! roots, read offline by `mssql`. Every backup set inside a file is one `BackupSet`, judged in
//! the words every set uses; never `restorable`, since only SQL Server can check the pages
//! (what an offline read proves is listed in docs/itms.md).

use super::matches::{self, Want};
use super::model::{
    BackupMember, BackupSet, DbFile, DbState, Inventory, SetLayout, SqlBackupInfo, TakenFrom,
    Unverifiable, Verdict,
};
use super::safepath::{Entry, EntryKind};
use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::fs::Confined;
use crate::mssql::{self, FileVerdict, Layout, media::FileMedia};
use crate::profile::SqlDatabaseSpec;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::path::Path;

/// Every SQL Server backup set of the profile's SQL databases, in root and file order.
pub fn discover(ctx: &Context, findings: &mut Vec<Finding>) -> Vec<BackupSet> {
    let now = ctx.clock.now();
    let mut sets = Vec::new();
    let profile_roots = ctx.profile.backups.roots.len();
    for (i, root) in ctx.backup_roots().iter().enumerate() {
        // Profile roots live under the root; `--backups` roots are their own boundary.
        let boundary = if i < profile_roots { &ctx.root } else { root };
        for spec in &ctx.profile.sql_databases {
            let component = format!("database:{}", spec.name);
            for e in matches::find(
                root,
                boundary,
                &spec.backups,
                Want::File,
                &component,
                findings,
            ) {
                sets.extend(sets_of_file(spec, root, boundary, &e, now));
            }
        }
    }
    super::backups::make_ids_unique(&mut sets);
    sets
}

/// The sets one `.bak` file holds (one set, judged as a whole, when it holds none).
fn sets_of_file(
    spec: &SqlDatabaseSpec,
    root: &Path,
    boundary: &Path,
    entry: &Entry,
    now: DateTime<Utc>,
) -> Vec<BackupSet> {
    let path = &entry.path;
    let size = match &entry.kind {
        EntryKind::File(m) => m.size,
        _ => 0,
    };
    let modified = match &entry.kind {
        EntryKind::File(m) => m.modified(),
        _ => None,
    };
    let base = DbFile {
        path: path.clone(),
        size,
        modified,
        level: super::model::CheckLevel::Quick,
        ..DbFile::default()
    };
    let opened = Confined::within(boundary, path)
        .map_err(|e| (Unverifiable::Other, e.to_string()))
        .and_then(|c| c.open_file().map_err(|e| (Unverifiable::Io, e.to_string())))
        .and_then(|(file, _)| FileMedia::new(file).map_err(|e| (io_reason(&e), e.to_string())));
    let report = match opened {
        Ok(media) => mssql::read_media(&media),
        Err((reason, msg)) => {
            let file = DbFile {
                state: DbState::Unverifiable,
                unverifiable: Some(reason),
                messages: vec![format!("cannot be opened: {msg}")],
                ..base
            };
            let info = SqlBackupInfo {
                file_verdict: FileVerdict::Unverified.as_str().into(),
                position: 1,
                sets_in_file: 0,
                ..SqlBackupInfo::default()
            };
            return vec![build(spec, root, entry, 0, 1, file, info, Vec::new(), now)];
        }
    };
    let verdict = report.verdict();
    let problems: Vec<String> = report
        .problems
        .iter()
        .map(|p| match p.offset {
            Some(at) if !p.message.contains(&format!("byte {at}")) => {
                format!("{} (byte {at})", p.message)
            }
            _ => p.message.clone(),
        })
        .collect();
    let info_of = |i: usize| {
        let s = report.sets.get(i);
        SqlBackupInfo {
            file_verdict: verdict.as_str().into(),
            position: i + 1,
            sets_in_file: report.sets.len(),
            database: s.and_then(|s| s.database.clone()),
            server: s.and_then(|s| s.server.clone()),
            backup_type: s.map_or("unknown", |s| s.backup_type().as_str()).into(),
            copy_only: s.is_some_and(|s| s.copy_only),
            started: s.and_then(|s| s.started),
            finished: s.and_then(|s| s.finished),
            compressed: report.layout == Some(Layout::Compressed),
            family: report.media.family,
            families: report.media.families,
            checksums_present: report.checksums_present,
            not_verified: report.not_verified.clone(),
        }
    };
    if report.sets.is_empty() {
        let why = report
            .not_a_backup
            .clone()
            .or_else(|| problems.first().cloned())
            .unwrap_or_else(|| "a media header with no backup set in it".into());
        let file = match verdict {
            FileVerdict::Unverified => DbFile {
                state: DbState::Unverifiable,
                unverifiable: Some(Unverifiable::Other),
                messages: problems.clone(),
                ..base
            },
            FileVerdict::Damaged => DbFile {
                state: DbState::Corrupt,
                messages: problems.clone(),
                ..base
            },
            _ => DbFile {
                state: DbState::Corrupt,
                messages: vec![format!("not a SQL Server backup: {why}")],
                ..base
            },
        };
        return vec![build(
            spec,
            root,
            entry,
            0,
            1,
            file,
            info_of(0),
            Vec::new(),
            now,
        )];
    }
    let n = report.sets.len();
    (0..n)
        .map(|i| {
            let set = &report.sets[i];
            let mut missing = Vec::new();
            let file = match mssql::verdict::set_verdict(&report, i) {
                Verdict::Corrupt => DbFile {
                    state: DbState::Corrupt,
                    messages: problems.clone(),
                    ..base.clone()
                },
                Verdict::Incomplete => {
                    missing.push(match (report.media.family, report.media.families) {
                        (Some(f), Some(n)) => format!(
                            "{} media families other than {f} of {n} (a striped backup)",
                            spec.name
                        ),
                        _ => format!(
                            "{}'s other media (a striped or continued backup)",
                            spec.name
                        ),
                    });
                    quick_ok(&base, &report)
                }
                Verdict::Unverified | Verdict::Restorable
                    if verdict == FileVerdict::Unverified && !set.ended =>
                {
                    DbFile {
                        state: DbState::Unverifiable,
                        unverifiable: Some(if problems.iter().any(|p| p.contains("cannot read")) {
                            Unverifiable::Io
                        } else {
                            Unverifiable::Other
                        }),
                        messages: problems.clone(),
                        ..base.clone()
                    }
                }
                Verdict::Unverified | Verdict::Restorable => quick_ok(&base, &report),
            };
            // A file holding another database's backup does not hold this one.
            if let Some(db) = &set.database
                && !db.eq_ignore_ascii_case(&spec.name)
            {
                missing.push(format!("{} (the file backs up database {db})", spec.name));
            }
            let at = set.finished.or(set.started);
            build(spec, root, entry, i, n, file, info_of(i), missing, now).dated(at)
        })
        .collect()
}

/// A member whose structure reads complete: quick-checked, the pages not verified.
fn quick_ok(base: &DbFile, report: &mssql::BackupReport) -> DbFile {
    let mut messages = vec![format!(
        "structure read offline: block and stream headers{}, end-of-set trailer",
        if report.layout == Some(Layout::Compressed) {
            ", every compressed chunk decoded"
        } else {
            ""
        }
    )];
    messages.extend(
        report
            .not_verified
            .iter()
            .map(|n| format!("not verified: {n}")),
    );
    DbFile {
        state: DbState::QuickOk,
        messages,
        ..base.clone()
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    spec: &SqlDatabaseSpec,
    root: &Path,
    entry: &Entry,
    index: usize,
    count: usize,
    file: DbFile,
    sql: SqlBackupInfo,
    missing: Vec<String>,
    now: DateTime<Utc>,
) -> BackupSet {
    let id = if count > 1 {
        format!("{}@{}", entry.name_lossy, index + 1)
    } else {
        entry.name_lossy.clone()
    };
    let (taken_at, taken_from) = match file.modified {
        Some(m) => (m, TakenFrom::Mtime),
        None => (DateTime::<Utc>::UNIX_EPOCH, TakenFrom::Mtime),
    };
    let bytes = file.size;
    let mut set = BackupSet {
        component: format!("backup:{id}"),
        id,
        root: root.to_path_buf(),
        path: root.to_path_buf(),
        layout: SetLayout::Flat,
        taken_at,
        taken_from,
        age_hours: 0.0,
        verdict: Verdict::Unverified,
        recommended: false,
        members: vec![BackupMember {
            database: spec.name.clone(),
            file,
            sql: Some(sql),
        }],
        missing,
        extras: Vec::new(),
        bytes,
    };
    set.age_hours = (now - set.taken_at).num_seconds() as f64 / 3600.0;
    set.verdict = super::backups::verdict(&set);
    set
}

trait Dated {
    fn dated(self, at: Option<NaiveDateTime>) -> Self;
}

impl Dated for BackupSet {
    /// Date the set by its header (server local time, read as UTC like names are).
    fn dated(mut self, at: Option<NaiveDateTime>) -> Self {
        if let Some(at) = at {
            let age_shift = (self.taken_at - at.and_utc()).num_seconds() as f64 / 3600.0;
            self.taken_at = at.and_utc();
            self.taken_from = TakenFrom::Header;
            self.age_hours += age_shift;
        }
        self
    }
}

/// Whether a set is a full backup (copy-only fulls restore on their own too).
pub fn is_full(set: &BackupSet) -> bool {
    set.members
        .iter()
        .any(|m| m.sql.as_ref().is_some_and(|i| i.backup_type == "full"))
}

fn io_reason(e: &std::io::Error) -> Unverifiable {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        Unverifiable::Permission
    } else {
        Unverifiable::Io
    }
}

/// Findings for SQL Server sets after the common verdicts: a database with no backup at all,
/// and the newest usable backup of each, which is named with what remains to be verified.
pub fn judge(ctx: &Context, inv: &Inventory, findings: &mut Vec<Finding>) {
    for spec in &ctx.profile.sql_databases {
        let component = format!("database:{}", spec.name);
        let of_db: Vec<&BackupSet> = inv
            .backup_sets
            .iter()
            .filter(|s| {
                s.members
                    .iter()
                    .any(|m| m.sql.is_some() && m.database == spec.name)
            })
            .collect();
        if of_db.is_empty() {
            if !inv.backup_sets.is_empty() {
                findings.push(Finding::new(
                    Code::BackupNone,
                    &component,
                    format!(
                        "no backup of {} matching {} was found under the backup roots",
                        spec.name, spec.backups
                    ),
                ));
            }
            continue;
        }
        // A restore starts from a full backup; differential and log backups apply on top.
        let readable = |s: &&&BackupSet| {
            s.verdict == Verdict::Unverified
                && s.members.iter().all(|m| m.file.state == DbState::QuickOk)
        };
        let Some(set) = of_db.iter().filter(readable).find(|s| is_full(s)) else {
            continue;
        };
        let on_top = of_db
            .iter()
            .filter(readable)
            .filter(|s| s.taken_at > set.taken_at && !is_full(s))
            .count();
        let Some((member, info)) = set
            .members
            .iter()
            .find_map(|m| m.sql.as_ref().map(|i| (m, i)))
        else {
            continue;
        };
        let file = member.file.path.display().to_string();
        let what = format!(
            "{} backup of {} on {}{}",
            info.backup_type,
            info.database.as_deref().unwrap_or("?"),
            info.server.as_deref().unwrap_or("?"),
            if info.copy_only { " (copy-only)" } else { "" }
        );
        findings.push(
            Finding::new(
                Code::SqlBackupUnverified,
                &set.component,
                format!(
                    "the newest readable full backup of {} is {} ({what}, taken {}): its structure reads complete offline; its pages are not verified{}",
                    spec.name,
                    set.id,
                    set.taken_at.format("%Y-%m-%d %H:%M"),
                    match on_top {
                        0 => String::new(),
                        n => format!(
                            "; {n} newer differential or log backup{} apply on top of it",
                            if n == 1 { "" } else { "s" }
                        ),
                    }
                ),
            )
            .hint(format!(
                "Only SQL Server can check its pages: RESTORE VERIFYONLY FROM DISK = N'{file}' WITH FILE = {}, CHECKSUM",
                info.position
            ))
            .at(&member.file.path),
        );
        if set.age_hours > f64::from(ctx.profile.rpo_hours) {
            findings.push(
                Finding::new(
                    Code::BackupStale,
                    &set.component,
                    format!(
                        "the newest readable full backup of {} ({}) is {} old, beyond the {} h recovery-point objective",
                        spec.name,
                        set.id,
                        crate::units::age_hours(set.age_hours),
                        ctx.profile.rpo_hours
                    ),
                )
                .hint(
                    "The newest readable backup is older than the recovery-point objective: check that the SQL Server backup job runs and writes where the profile looks",
                )
                .at(&member.file.path),
            );
        }
    }
}
