//! Demo backup sets: a folder per set under the profile's backup root (databases as
//! `.dbbackup` files, certificates, scripts and settings as the server backs them up), and one
//! extra root in the flat layout (`ServerDatabase_2026-11-16_020000.dbbackup`).

use super::certificates::{Pki, write_stores};
use super::databases::{self, Snapshot};
use super::fleet::{DISTRIBUTION_POINTS, Fleet};
use super::folders::write_folders;
use super::settings::{SettingsView, write_settings};
use super::tree::Tree;
use super::{DemoError, Scenario, corruption};
use crate::profile::Profile;
use chrono::{DateTime, Duration, Utc};
use std::path::{Path, PathBuf};

/// Root-relative folder of the flat-layout backup root (an external backup volume).
pub(crate) const FLAT_ROOT: &str = "Volumes/Backup/LANrev";
/// Age of the set in the flat root.
const FLAT_HOURS: i64 = 150;

/// What is wrong with a planned set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetFault {
    /// Nothing: complete and passes every check.
    None,
    /// ServerDatabase's index disagrees with its table (only a full check notices).
    IndexMismatch,
    /// One database backup is zero bytes.
    Incomplete,
}

/// One backup set to write.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SetPlan {
    /// Hours before the reference clock.
    pub hours_ago: i64,
    /// The planted fault.
    pub fault: SetFault,
    /// Name the database files `NAME.db.dbbackup` (a spelling the field also uses).
    pub db_in_name: bool,
}

/// The folder sets of a scenario, newest first.
pub(crate) fn plans(scenario: Scenario) -> Vec<SetPlan> {
    let (newest, third) = match scenario {
        Scenario::CorruptDb => (SetFault::IndexMismatch, SetFault::Incomplete),
        _ => (SetFault::None, SetFault::None),
    };
    vec![
        SetPlan {
            hours_ago: 6,
            fault: newest,
            db_in_name: false,
        },
        SetPlan {
            hours_ago: 30,
            fault: SetFault::None,
            db_in_name: false,
        },
        SetPlan {
            hours_ago: 54,
            fault: third,
            db_in_name: false,
        },
        SetPlan {
            hours_ago: 78,
            fault: SetFault::None,
            db_in_name: true,
        },
    ]
}

/// The folder name of a set taken at `t`.
pub(crate) fn set_name(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H-%M-%S").to_string()
}

/// Everything a set writer needs.
pub(crate) struct SetSources<'a> {
    pub profile: &'a Profile,
    pub fleet: &'a Fleet,
    pub pki: &'a Pki,
    pub hostname: &'a str,
    pub seed: u64,
    pub now: DateTime<Utc>,
    /// Databases whose live file (not yet damaged) is copied instead of regenerated
    /// (the large ones when a size was asked for).
    pub copy_from_live: &'a [String],
}

/// The database that an incomplete set lacks: the first one that is not ServerDatabase.
pub(crate) fn incomplete_member(profile: &Profile) -> Option<&str> {
    profile
        .databases
        .iter()
        .map(|d| d.name.as_str())
        .find(|n| *n != "ServerDatabase")
        .or_else(|| profile.databases.first().map(|d| d.name.as_str()))
}

fn write_database(
    tree: &mut Tree,
    src: &SetSources<'_>,
    name: &str,
    live: &Path,
    rel: &Path,
    taken: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<(), DemoError> {
    if src.copy_from_live.iter().any(|n| n == name) {
        tree.copy(live, rel, at)?;
        return Ok(());
    }
    let path = tree.abs(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| DemoError::io("create folder", parent, e))?;
    }
    let snap = Snapshot {
        fleet: src.fleet,
        at: taken,
        distribution_points: DISTRIBUTION_POINTS,
        seed: src.seed,
    };
    databases::write(&path, name, &snap, None)?;
    tree.stamp(rel, at);
    Ok(())
}

/// Write one folder set under the profile's first backup root; returns its folder.
pub(crate) fn write_set(
    tree: &mut Tree,
    src: &SetSources<'_>,
    plan: &SetPlan,
) -> Result<Option<PathBuf>, DemoError> {
    let Some(backup_root) = src.profile.backups.roots.first() else {
        return Ok(None);
    };
    let taken = src.now - Duration::hours(plan.hours_ago);
    let dir = backup_root.join(set_name(taken));
    tree.mkdir(&dir)?;
    let ext = &src.profile.backups.extension;
    let empty = (plan.fault == SetFault::Incomplete)
        .then(|| incomplete_member(src.profile))
        .flatten();
    // The server writes one member after another; later members are a little newer.
    let mut at = taken;
    for db in &src.profile.databases {
        at += Duration::seconds(11);
        let file = if plan.db_in_name {
            format!("{}.db.{ext}", db.name)
        } else {
            format!("{}.{ext}", db.name)
        };
        let rel = dir.join(file);
        if empty == Some(db.name.as_str()) {
            // The backup was interrupted: the file was created and never written.
            tree.write(&rel, b"", at)?;
            continue;
        }
        write_database(tree, src, &db.name, &db.path, &rel, taken, at)?;
        if plan.fault == SetFault::IndexMismatch && db.name == "ServerDatabase" {
            corruption::mismatch_index(&tree.abs(&rel))?;
        }
    }
    at += Duration::seconds(30);
    write_stores(tree, src.profile, &src.pki.original, &dir, true, at)?;
    write_folders(tree, src.profile, src.fleet, &dir, true, taken, at)?;
    let view = SettingsView {
        fleet: src.fleet,
        at: taken,
        mdm_hostname: src.hostname,
        hostname: src.hostname,
    };
    write_settings(tree, src.profile, &view, &dir, true, at)?;
    Ok(Some(dir))
}

/// Write the flat-layout set (databases only) into [`FLAT_ROOT`]; returns that root.
pub(crate) fn write_flat_set(tree: &mut Tree, src: &SetSources<'_>) -> Result<PathBuf, DemoError> {
    let taken = src.now - Duration::hours(FLAT_HOURS);
    let stamp = taken.format("%Y-%m-%d_%H%M%S");
    let root = PathBuf::from(FLAT_ROOT);
    tree.mkdir(&root)?;
    let ext = &src.profile.backups.extension;
    let mut at = taken;
    for db in &src.profile.databases {
        at += Duration::seconds(11);
        let rel = root.join(format!("{}_{stamp}.{ext}", db.name));
        write_database(tree, src, &db.name, &db.path, &rel, taken, at)?;
    }
    Ok(root)
}
