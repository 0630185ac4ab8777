//! Backup sets: discovery under the backup roots (folder-per-set and flat time-stamped
//! layouts), verdicts, the recommended set, and their findings.

use super::cache::FileKey;
use super::model::{BackupMember, BackupSet, DbState, Inventory, SetLayout, TakenFrom, Verdict};
use super::safepath::{self, Entry, EntryKind};
use super::sqlite;
use super::timestamp;
use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::fs::Meta;
use crate::profile::Profile;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A set member as listed: database name, file, and what the listing knows of it.
type Listed = (String, PathBuf, Option<Known>);

/// Files of one flat-layout set: its instant and its listed members.
type FlatGroup = (DateTime<Utc>, Vec<Listed>);

/// What a folder's listing already says of a member file: its stat, and (when the listing was
/// clean) the key the check cache knows its content by, so a warm run stats nothing again.
#[derive(Debug, Clone)]
struct Known {
    meta: Meta,
    key: Option<FileKey>,
}

/// What the listing `listing` (of the folder holding `e`) knows of the file entry `e`. A key
/// needs the `-wal` beside it settled by the same listing: only a listing that reported
/// nothing (no link, no unreadable or odd name that could hide a `-wal`) settles it, and a
/// `-wal` that is anything but a file leaves it to a fresh stat.
fn known(e: &Entry, listing: &[Entry], clean: bool) -> Option<Known> {
    let EntryKind::File(meta) = &e.kind else {
        return None;
    };
    let key = clean
        .then(|| {
            let mut wal_name = e.name.clone();
            wal_name.push("-wal");
            match listing.iter().find(|x| x.name == wal_name).map(|x| &x.kind) {
                None => Some(None),
                Some(EntryKind::File(w)) => Some(Some(*w)),
                Some(_) => None,
            }
        })
        .flatten()
        .map(|wal| FileKey::listed(&e.path, meta, wal.as_ref()));
    Some(Known { meta: *meta, key })
}

/// Find every backup set under the context's backup roots, newest first (nothing opened yet).
pub fn discover(ctx: &Context, findings: &mut Vec<Finding>) -> Vec<BackupSet> {
    let now = ctx.clock.now();
    let mut sets = Vec::new();
    let profile_roots = ctx.profile.backups.roots.len();
    for (i, root) in ctx.backup_roots().iter().enumerate() {
        // Profile roots live under the root; `--backups` roots are their own boundary.
        let boundary = if i < profile_roots {
            ctx.root.clone()
        } else {
            root.clone()
        };
        let component = format!("backups:{}", root.display());
        match safepath::resolve(root, &boundary, &component) {
            safepath::Resolved::Ok(m) if m.is_dir() => {}
            safepath::Resolved::Ok(_) | safepath::Resolved::Missing => continue,
            safepath::Resolved::Problem(f) => {
                findings.push(f);
                continue;
            }
        }
        let reported = findings.len();
        let entries = match safepath::list_dir(root, &boundary, &component, findings) {
            Ok(e) => e,
            Err(f) => {
                findings.push(f);
                continue;
            }
        };
        let clean = findings.len() == reported;
        // Opened once for every set folder beneath it (the listing above just opened it).
        let handle = crate::fs::Root::open(&boundary).ok();
        let listed = Listing {
            boundary: &boundary,
            handle: handle.as_ref(),
            entries: &entries,
            clean,
        };
        scan_root(ctx, root, &listed, now, &mut sets, findings);
    }
    make_ids_unique(&mut sets);
    sets.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then_with(|| a.id.cmp(&b.id)));
    sets
}

/// Ids must be unique across roots (the same set may be reachable twice, e.g. a copy): the
/// second and later get `#2`, `#3`, … in discovery order.
pub fn make_ids_unique(sets: &mut [BackupSet]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for s in sets.iter_mut() {
        let n = seen.entry(s.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            s.id = format!("{}#{}", s.id, n);
            s.component = format!("backup:{}", s.id);
        }
    }
}

/// A backup root as listed: its boundary (and a handle on it, when it opened), its entries,
/// and whether the listing reported nothing.
struct Listing<'a> {
    boundary: &'a Path,
    handle: Option<&'a crate::fs::Root>,
    entries: &'a [Entry],
    clean: bool,
}

fn scan_root(
    ctx: &Context,
    root: &Path,
    listed: &Listing<'_>,
    now: DateTime<Utc>,
    sets: &mut Vec<BackupSet>,
    findings: &mut Vec<Finding>,
) {
    let (boundary, entries, clean) = (listed.boundary, listed.entries, listed.clean);
    let profile = &ctx.profile;
    let ext = &profile.backups.extension;
    // Folder layout: every sub-folder holding database backups is a set. The folders are
    // listed side by side (a long history is thousands of them); sets and findings keep the
    // listing's order.
    let folders: Vec<(Option<BackupSet>, Vec<Finding>)> = entries
        .par_iter()
        .filter(|e| matches!(e.kind, EntryKind::Dir))
        .map(|e| {
            let mut found = Vec::new();
            let set = folder_set(profile, root, boundary, listed.handle, e, now, &mut found);
            (set, found)
        })
        .collect();
    for (set, mut found) in folders {
        findings.append(&mut found);
        sets.extend(set);
    }
    // Flat layout: time-stamped backups directly in the root, grouped by their timestamp.
    // Un-stamped backups directly in the root mean the root is itself one set (an operator
    // pointing --backups at a single set's folder).
    let mut flat: BTreeMap<String, FlatGroup> = BTreeMap::new();
    let mut loose: Vec<Listed> = Vec::new();
    for e in entries {
        if !matches!(e.kind, EntryKind::File(_)) {
            continue;
        }
        let Some(stem) = strip_ext(&e.name_lossy, ext) else {
            continue;
        };
        match timestamp::find(stem) {
            Some(t) => {
                let db = stem[..t.start].trim_end_matches(['_', '-', ' ', '.']);
                if let Some(name) = match_database(profile, db) {
                    flat.entry(t.text(stem).to_string())
                        .or_insert_with(|| (t.at, Vec::new()))
                        .1
                        .push((name, e.path.clone(), known(e, entries, clean)));
                }
            }
            None => {
                if let Some(name) = member_name(profile, &e.name_lossy, ext) {
                    loose.push((name, e.path.clone(), known(e, entries, clean)));
                }
            }
        }
    }
    for (id, (at, members)) in flat {
        sets.push(build_set(
            profile,
            &id,
            root,
            root,
            SetLayout::Flat,
            Some(at),
            members.into_iter(),
            Vec::new(),
            now,
        ));
    }
    if !loose.is_empty() {
        let id = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| root.display().to_string());
        let stamp = timestamp::find(&id).map(|t| t.at);
        let extras = extras_of(profile, root, entries);
        sets.push(build_set(
            profile,
            &id,
            root,
            root,
            SetLayout::Folder,
            stamp,
            loose.into_iter(),
            extras,
            now,
        ));
    }
}

/// The set a folder of the backup root holds, if it holds database backups.
#[allow(clippy::too_many_arguments)]
fn folder_set(
    profile: &Profile,
    root: &Path,
    boundary: &Path,
    handle: Option<&crate::fs::Root>,
    e: &Entry,
    now: DateTime<Utc>,
    findings: &mut Vec<Finding>,
) -> Option<BackupSet> {
    let ext = &profile.backups.extension;
    let component = format!("backup:{}", e.name_lossy);
    // `list_dir` never yields a link (it reports each one instead), so a folder listed here
    // lies inside the root and cannot lead back to it: no path resolution needed.
    let reported = findings.len();
    let inner = match handle {
        Some(h) => safepath::list_dir_in(h, &e.path, boundary, &component, findings),
        None => safepath::list_dir(&e.path, boundary, &component, findings),
    };
    let inner = match inner {
        Ok(i) => i,
        Err(f) => {
            findings.push(f);
            return None;
        }
    };
    let clean = findings.len() == reported;
    let files: Vec<(&Entry, String)> = inner
        .iter()
        .filter(|i| matches!(i.kind, EntryKind::File(_)))
        .filter_map(|i| member_name(profile, &i.name_lossy, ext).map(|n| (i, n)))
        .collect();
    if files.is_empty() {
        return None;
    }
    let extras = extras_of(profile, &e.path, &inner);
    let stamp = timestamp::find(&e.name_lossy).map(|t| t.at);
    Some(build_set(
        profile,
        &e.name_lossy,
        root,
        &e.path,
        SetLayout::Folder,
        stamp,
        files
            .iter()
            .map(|(i, n)| (n.clone(), i.path.clone(), known(i, &inner, clean))),
        extras,
        now,
    ))
}

#[allow(clippy::too_many_arguments)]
fn build_set(
    profile: &Profile,
    id: &str,
    root: &Path,
    path: &Path,
    layout: SetLayout,
    stamp: Option<DateTime<Utc>>,
    files: impl Iterator<Item = Listed>,
    extras: Vec<String>,
    now: DateTime<Utc>,
) -> BackupSet {
    let mut by_db: BTreeMap<String, (PathBuf, Option<Known>)> = BTreeMap::new();
    for (name, p, meta) in files {
        // `X.dbbackup` and `X.db.dbbackup` both present: the first (sorted) wins.
        by_db.entry(name).or_insert((p, meta));
    }
    let mut members = Vec::new();
    let mut missing = Vec::new();
    for spec in &profile.databases {
        match by_db.get(&spec.name) {
            Some((p, meta)) => members.push(BackupMember {
                database: spec.name.clone(),
                file: match meta {
                    Some(k) => {
                        let mut f = sqlite::stat_listed(p, &k.meta);
                        f.listed = k.key.clone();
                        f
                    }
                    None => sqlite::stat(p),
                },
                sql: None,
            }),
            None if spec.required => missing.push(spec.name.clone()),
            None => {}
        }
    }
    let newest_mtime = members.iter().filter_map(|m| m.file.modified).max();
    let suspect = stamp.and_then(|t| date_suspect(t, newest_mtime, now));
    let (taken_at, taken_from) = match (stamp, newest_mtime) {
        // A name contradicted by the files is not evidence: the files' own times are.
        (Some(_), Some(m)) if suspect.is_some() => (m, TakenFrom::MtimeOverName),
        (Some(t), _) => (t, TakenFrom::Name),
        (None, Some(m)) => (m, TakenFrom::Mtime),
        (None, None) => (DateTime::<Utc>::UNIX_EPOCH, TakenFrom::Mtime),
    };
    let bytes = members.iter().map(|m| m.file.size).sum();
    let mut set = BackupSet {
        id: id.to_string(),
        component: format!("backup:{id}"),
        root: root.to_path_buf(),
        path: path.to_path_buf(),
        layout,
        taken_at,
        taken_from,
        age_hours: (now - taken_at).num_seconds() as f64 / 3600.0,
        verdict: Verdict::Unverified,
        recommended: false,
        members,
        missing,
        extras,
        bytes,
    };
    set.verdict = verdict(&set);
    set
}

/// How far a name's time may lie ahead of the clock before it is called the future: names
/// carry no zone and are read as UTC, so a server east of Greenwich names its sets up to 14
/// hours "ahead".
const FUTURE_SLACK_HOURS: i64 = 14;

/// How much later than its newest file a set's name may claim to be (zone offsets, a backup
/// that ran for hours) before the name is not believed.
const NAME_AFTER_FILES_HOURS: i64 = 24;

/// Why a set's name-time cannot be trusted, if it cannot. Only names the files contradict
/// count: a name in the future, or later than the newest file was written (data cannot be
/// newer than its last write). Files *newer* than the name are normal for a copied backup
/// (`cp` without `-p` gives every file the copy's time) and say nothing against the name.
fn date_suspect(
    name: DateTime<Utc>,
    newest_mtime: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<String> {
    let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    if name > now + chrono::Duration::hours(FUTURE_SLACK_HOURS) {
        return Some(match newest_mtime {
            Some(m) => format!(
                "its name says {}, which is in the future (now is {}); it is dated by its files instead, last written {}",
                fmt(name),
                fmt(now),
                fmt(m)
            ),
            None => format!(
                "its name says {}, which is in the future (now is {})",
                fmt(name),
                fmt(now)
            ),
        });
    }
    let m = newest_mtime?;
    let gap = name - m;
    (gap > chrono::Duration::hours(NAME_AFTER_FILES_HOURS)).then(|| {
        format!(
            "its name says {}, but its newest file was last written {} ({} earlier); it is dated by its files instead",
            fmt(name),
            fmt(m),
            crate::units::age_hours(gap.num_seconds() as f64 / 3600.0)
        )
    })
}

/// Why the time in a set's name is not believed, if it is not (against the clock `now`).
pub fn date_suspect_reason(set: &BackupSet, now: DateTime<Utc>) -> Option<String> {
    // A set dated by its own header (SQL Server backups) is not dated by its name at all.
    if set.taken_from == TakenFrom::Header {
        return None;
    }
    let name = timestamp::find(&set.id)?.at;
    let newest_mtime = set.members.iter().filter_map(|m| m.file.modified).max();
    date_suspect(name, newest_mtime, now)
}

/// Members that could not be read or checked (state `unverifiable`).
pub fn unverifiable_members(set: &BackupSet) -> Vec<&BackupMember> {
    set.members
        .iter()
        .filter(|m| m.file.state == DbState::Unverifiable)
        .collect()
}

/// The verdict the members' current check results support.
pub fn verdict(set: &BackupSet) -> Verdict {
    let empty = set.members.iter().any(|m| m.file.state == DbState::Empty);
    if !set.missing.is_empty() || empty {
        return Verdict::Incomplete;
    }
    let states = || set.members.iter().map(|m| m.file.state);
    if states().any(|s| {
        matches!(
            s,
            DbState::Corrupt | DbState::NotSqlite | DbState::Unreadable | DbState::Missing
        )
    }) {
        return Verdict::Corrupt;
    }
    // A member that could not be read or checked keeps the set unverified: neither corrupt
    // (nothing says it is damaged) nor restorable (nothing says it is not).
    if !set.members.is_empty() && states().all(|s| s == DbState::Ok) {
        Verdict::Restorable
    } else {
        Verdict::Unverified
    }
}

/// Whether a set is worth a full check: complete and nothing failed so far.
pub fn is_candidate(set: &BackupSet) -> bool {
    matches!(verdict(set), Verdict::Unverified | Verdict::Restorable)
}

/// Recompute verdicts, mark the recommended set and add the backup findings.
pub fn judge(inv: &mut Inventory, rpo_hours: u32, findings: &mut Vec<Finding>) {
    for s in &mut inv.backup_sets {
        s.verdict = verdict(s);
        s.recommended = false;
    }
    if inv.backup_sets.is_empty() {
        findings.push(Finding::new(
            Code::BackupNone,
            "backups",
            "no backup set was found under the backup roots",
        ));
        return;
    }
    for s in &inv.backup_sets {
        match s.verdict {
            Verdict::Incomplete => {
                let what = s.gaps();
                findings.push(
                    Finding::new(
                        Code::BackupIncomplete,
                        &s.component,
                        format!("set {} is incomplete: {}", s.id, what.join(", ")),
                    )
                    .at(&s.path),
                );
            }
            Verdict::Corrupt => {
                let bad: Vec<String> = s
                    .members
                    .iter()
                    .filter(|m| {
                        !matches!(
                            m.file.state,
                            DbState::Ok | DbState::QuickOk | DbState::Unchecked
                        )
                    })
                    .map(|m| {
                        format!(
                            "{} ({})",
                            m.file
                                .path
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                            m.file
                                .messages
                                .first()
                                .cloned()
                                .unwrap_or_else(|| "unreadable".into())
                        )
                    })
                    .collect();
                findings.push(
                    Finding::new(
                        Code::BackupCorrupt,
                        &s.component,
                        format!("set {} fails its integrity check: {}", s.id, bad.join("; ")),
                    )
                    .at(&s.path),
                );
            }
            Verdict::Restorable | Verdict::Unverified => {}
        }
        if let Some(why) = date_suspect_reason(s, inv.scanned_at) {
            findings.push(
                Finding::new(
                    Code::BackupDateSuspect,
                    &s.component,
                    format!("set {}: {why}", s.id),
                )
                .at(&s.path),
            );
        }
    }
    let newest_restorable = inv
        .backup_sets
        .iter()
        .position(|s| s.verdict == Verdict::Restorable);
    // A newer set that could not be read or checked may be the better one: no set is
    // recommended past it, and the operator is told why.
    let blocker = inv
        .backup_sets
        .iter()
        .take(newest_restorable.unwrap_or(inv.backup_sets.len()))
        .position(|s| s.verdict == Verdict::Unverified && !unverifiable_members(s).is_empty());
    for s in &inv.backup_sets {
        let members = unverifiable_members(s);
        if members.is_empty() || s.verdict != Verdict::Unverified {
            continue;
        }
        let what: Vec<String> = members
            .iter()
            .map(|m| {
                format!(
                    "{}: {}",
                    m.database,
                    super::databases::unverifiable_message(&m.file)
                )
            })
            .collect();
        let older = match newest_restorable {
            Some(r) if blocker.is_some_and(|b| inv.backup_sets[b].id == s.id) => format!(
                "; it is newer than {}, the newest restorable set, so no set is recommended until it is checked (restore {} only with --set if you must)",
                inv.backup_sets[r].id, inv.backup_sets[r].id
            ),
            _ => String::new(),
        };
        findings.push(
            Finding::new(
                Code::BackupUnverifiable,
                &s.component,
                format!(
                    "set {} could not be verified: {}{older}",
                    s.id,
                    what.join("; ")
                ),
            )
            .at(&s.path),
        );
    }
    if let Some(i) = newest_restorable {
        let s = &inv.backup_sets[i];
        if s.age_hours > f64::from(rpo_hours) {
            findings.push(
                Finding::new(
                    Code::BackupStale,
                    &s.component,
                    format!(
                        "the newest restorable set {} is {} old, beyond the {} h recovery-point objective",
                        s.id,
                        crate::units::age_hours(s.age_hours),
                        rpo_hours
                    ),
                )
                .at(&s.path),
            );
        }
    }
    let recommended = newest_restorable.filter(|_| blocker.is_none());
    match recommended {
        Some(i) => {
            let s = &mut inv.backup_sets[i];
            s.recommended = true;
            findings.push(
                Finding::new(
                    Code::BackupRecommended,
                    &s.component,
                    format!(
                        "set {} (taken {}, {}) is complete and passes a full integrity check",
                        s.id,
                        s.taken_at.format("%Y-%m-%d %H:%M UTC"),
                        crate::units::age_hours(s.age_hours)
                    ),
                )
                .at(&s.path),
            );
        }
        None => {
            let unverified = inv
                .backup_sets
                .iter()
                .filter(|s| s.verdict == Verdict::Unverified)
                .count();
            if unverified == 0 {
                findings.push(Finding::new(
                    Code::BackupNoneRestorable,
                    "backups",
                    format!(
                        "none of the {} backup sets is complete and passes its integrity check",
                        inv.backup_sets.len()
                    ),
                ));
            }
        }
    }
}

fn strip_ext<'a>(name: &'a str, ext: &str) -> Option<&'a str> {
    let stem = name.strip_suffix(ext)?.strip_suffix('.')?;
    (!stem.is_empty()).then_some(stem)
}

/// The database a backup file name stands for (`X.dbbackup`, `X.db.dbbackup`).
fn member_name(profile: &Profile, file_name: &str, ext: &str) -> Option<String> {
    let stem = strip_ext(file_name, ext)?;
    match_database(profile, stem)
}

fn match_database(profile: &Profile, stem: &str) -> Option<String> {
    let stem = stem.strip_suffix(".db").unwrap_or(stem);
    profile
        .databases
        .iter()
        .find(|d| d.name == stem)
        .or_else(|| {
            profile
                .databases
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(stem))
        })
        .map(|d| d.name.clone())
}

/// Other components a set folder carries, by their names in the set.
fn extras_of(profile: &Profile, dir: &Path, inner: &[Entry]) -> Vec<String> {
    let mut out = Vec::new();
    let mut wanted: Vec<PathBuf> = Vec::new();
    wanted.extend(profile.certificates.iter().map(|c| c.backup.clone()));
    wanted.extend(profile.folders.iter().map(|f| f.backup.clone()));
    wanted.extend(profile.settings.iter().map(|s| s.backup.clone()));
    for w in wanted {
        // Only the first component is listed (e.g. `MDM/lighttpd.pem` shows as `MDM`).
        let first = w
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        // A one-part name is settled by the listing (which holds no links); a longer one
        // is looked up.
        let present = inner.iter().any(|e| e.name_lossy == first)
            && (w.components().count() == 1 || dir.join(&w).exists());
        if present && !out.contains(&first) {
            out.push(first);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::model::{CheckLevel, DbFile};

    #[test]
    fn only_a_clean_listing_settles_a_members_cache_key() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path();
        std::fs::write(dir.join("a.dbbackup"), b"a").unwrap();
        std::fs::write(dir.join("a.dbbackup-wal"), b"frames").unwrap();
        std::fs::write(dir.join("b.dbbackup"), b"b").unwrap();
        std::fs::create_dir(dir.join("b.dbbackup-wal")).unwrap();
        std::fs::write(dir.join("c.dbbackup"), b"c").unwrap();
        let mut findings = Vec::new();
        let listing = safepath::list_dir(dir, dir, "backup:t", &mut findings).unwrap();
        assert!(findings.is_empty());
        let entry = |n: &str| listing.iter().find(|e| e.name_lossy == n).unwrap();
        let a = known(entry("a.dbbackup"), &listing, true).unwrap();
        assert_eq!(a.key, FileKey::of(&dir.join("a.dbbackup")));
        assert!(a.key.unwrap().wal.is_some());
        let c = known(entry("c.dbbackup"), &listing, true).unwrap();
        assert_eq!(c.key, FileKey::of(&dir.join("c.dbbackup")));
        // A `-wal` that is not a file, or a listing that reported something (a link could
        // have hidden a `-wal`), leaves the key to a fresh stat.
        assert_eq!(
            known(entry("b.dbbackup"), &listing, true).unwrap().key,
            None
        );
        assert_eq!(
            known(entry("a.dbbackup"), &listing, false).unwrap().key,
            None
        );
    }

    fn set_with(states: &[DbState], missing: &[&str]) -> BackupSet {
        BackupSet {
            id: "s".into(),
            component: "backup:s".into(),
            root: PathBuf::new(),
            path: PathBuf::new(),
            layout: SetLayout::Folder,
            taken_at: DateTime::<Utc>::UNIX_EPOCH,
            taken_from: TakenFrom::Name,
            age_hours: 1.0,
            verdict: Verdict::Unverified,
            recommended: false,
            members: states
                .iter()
                .enumerate()
                .map(|(i, s)| BackupMember {
                    database: format!("D{i}"),
                    file: DbFile {
                        state: *s,
                        level: CheckLevel::Full,
                        ..DbFile::default()
                    },
                    sql: None,
                })
                .collect(),
            missing: missing.iter().map(|s| s.to_string()).collect(),
            extras: vec![],
            bytes: 0,
        }
    }

    #[test]
    fn restorable_needs_every_member_fully_checked() {
        assert_eq!(
            verdict(&set_with(&[DbState::Ok, DbState::Ok], &[])),
            Verdict::Restorable
        );
        assert_eq!(
            verdict(&set_with(&[DbState::Ok, DbState::QuickOk], &[])),
            Verdict::Unverified
        );
    }

    #[test]
    fn a_missing_or_empty_member_makes_a_set_incomplete() {
        assert_eq!(
            verdict(&set_with(&[DbState::Ok], &["X"])),
            Verdict::Incomplete
        );
        assert_eq!(
            verdict(&set_with(&[DbState::Ok, DbState::Empty], &[])),
            Verdict::Incomplete
        );
    }

    #[test]
    fn any_failing_member_makes_a_set_corrupt() {
        assert_eq!(
            verdict(&set_with(&[DbState::Ok, DbState::Corrupt], &[])),
            Verdict::Corrupt
        );
        assert_eq!(
            verdict(&set_with(&[DbState::QuickOk, DbState::NotSqlite], &[])),
            Verdict::Corrupt
        );
    }

    #[test]
    fn an_unverifiable_member_is_neither_corrupt_nor_restorable() {
        assert_eq!(
            verdict(&set_with(&[DbState::Ok, DbState::Unverifiable], &[])),
            Verdict::Unverified
        );
        // Real damage elsewhere in the set still makes it corrupt.
        assert_eq!(
            verdict(&set_with(&[DbState::Corrupt, DbState::Unverifiable], &[])),
            Verdict::Corrupt
        );
    }

    #[test]
    fn names_the_files_contradict_are_suspect() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let now = t("2026-11-22T08:00:00Z");
        // In the future beyond any zone offset.
        assert!(
            date_suspect(
                t("2099-01-01T02:00:00Z"),
                Some(t("2026-11-19T02:00:00Z")),
                now
            )
            .is_some()
        );
        assert!(date_suspect(t("2026-11-23T08:00:00Z"), None, now).is_some());
        // A server east of Greenwich naming its sets in local time is not the future.
        assert!(
            date_suspect(
                t("2026-11-22T18:00:00Z"),
                Some(t("2026-11-22T08:00:00Z")),
                now
            )
            .is_none()
        );
        // Later than its newest file by more than a day: renamed, not taken then.
        assert!(
            date_suspect(
                t("2026-11-21T23:00:00Z"),
                Some(t("2026-11-19T02:00:00Z")),
                now
            )
            .is_some()
        );
        assert!(
            date_suspect(
                t("2026-11-21T02:00:00Z"),
                Some(t("2026-11-20T06:00:00Z")),
                now
            )
            .is_none()
        );
        // Files newer than the name: a copy that did not keep times; the name stands.
        assert!(
            date_suspect(
                t("2026-11-10T02:00:00Z"),
                Some(t("2026-11-21T02:00:00Z")),
                now
            )
            .is_none()
        );
    }

    #[test]
    fn member_names_accept_both_spellings() {
        let p = crate::profile::load("lanrev-macos").unwrap();
        assert_eq!(
            member_name(&p, "ServerDatabase.dbbackup", "dbbackup").as_deref(),
            Some("ServerDatabase")
        );
        assert_eq!(
            member_name(&p, "ServerDatabase.db.dbbackup", "dbbackup").as_deref(),
            Some("ServerDatabase")
        );
        assert_eq!(member_name(&p, "Other.dbbackup", "dbbackup"), None);
        assert_eq!(member_name(&p, ".dbbackup", "dbbackup"), None);
    }
}
