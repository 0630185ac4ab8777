//! The one word for a backup file, from what the reader proved. Damage the file itself proves
//! wins; then a striped family without its partners; then "not a backup"; a structure the reader
//! does not know leaves the file unverified, never complete.

use super::{BackupReport, ProblemKind};
use serde::Serialize;

/// Verdict on one SQL Server backup file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileVerdict {
    /// Every set has its trailer, every header checksum and chunk checks out, one media family.
    Complete,
    /// A media family (stripe) or a set is missing: this file alone cannot be restored.
    Incomplete,
    /// Truncated, bad header checksums, chunks that do not decode.
    Damaged,
    /// Another format, a media header with no backup set, a Git LFS pointer.
    NotABackup,
    /// The reader met a structure it does not know: nothing proven either way.
    Unverified,
}

impl FileVerdict {
    /// Lower-case name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FileVerdict::Complete => "complete",
            FileVerdict::Incomplete => "incomplete",
            FileVerdict::Damaged => "damaged",
            FileVerdict::NotABackup => "not_a_backup",
            FileVerdict::Unverified => "unverified",
        }
    }
}

/// Judge a report.
pub fn judge(report: &BackupReport) -> FileVerdict {
    if report.not_a_backup.is_some() {
        return FileVerdict::NotABackup;
    }
    if report.problems.iter().any(|p| p.kind.is_damage()) {
        return FileVerdict::Damaged;
    }
    // Before "not a backup": a file that could not be read is not known to be anything.
    if report
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Unknown)
    {
        return FileVerdict::Unverified;
    }
    if report.layout.is_none() || report.sets.is_empty() {
        return FileVerdict::NotABackup;
    }
    if striped(report) {
        return FileVerdict::Incomplete;
    }
    FileVerdict::Complete
}

/// Whether this file is one of several media (a stripe of a multi-family media set, or a
/// continuation): any of the family or sequence counters above 1.
pub fn striped(report: &BackupReport) -> bool {
    let m = &report.media;
    [m.families, m.family, m.family_other, m.media_sequence]
        .iter()
        .any(|n| n.is_some_and(|n| n > 1))
}

/// The verdict of one set inside a file, in the words used for every backup set: `unverified`
/// at best, since page contents cannot be checked offline. The walk stops at the first damage,
/// so a set that reached its end-of-set block lies wholly before any damage.
pub fn set_verdict(report: &BackupReport, index: usize) -> crate::inventory::Verdict {
    use crate::inventory::Verdict;
    match report.sets.get(index) {
        None => Verdict::Incomplete,
        // Reading stopped on something that proves nothing (an I/O error, a structure this
        // reader does not know): a set cut off there is not shown damaged.
        Some(set) if !set.ended && judge(report) == FileVerdict::Unverified => Verdict::Unverified,
        Some(set) if !set.ended => Verdict::Corrupt,
        Some(_) if striped(report) => Verdict::Incomplete,
        Some(_) => Verdict::Unverified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Verdict;
    use crate::mssql::{BackupSet, Layout, Problem};

    #[test]
    fn a_set_cut_off_by_an_io_error_is_unverified_not_corrupt() {
        let report = BackupReport {
            layout: Some(Layout::Mtf),
            sets: vec![BackupSet::default()],
            problems: vec![Problem::at(ProblemKind::Unknown, 4096, "cannot read")],
            ..BackupReport::default()
        };
        assert_eq!(judge(&report), FileVerdict::Unverified);
        assert_eq!(set_verdict(&report, 0), Verdict::Unverified);
        let damaged = BackupReport {
            problems: vec![Problem::at(ProblemKind::Truncated, 4096, "cut")],
            ..report
        };
        assert_eq!(set_verdict(&damaged, 0), Verdict::Corrupt);
    }
}
