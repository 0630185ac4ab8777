//! McAfee ePO repository files, read tolerantly: `replica.log` (each folder's list of entries with
//! sizes and hashes), `SiteStat.xml` (Enabled/Disabled and catalog version), `catalog.z`
//! (structure only: it is signed and encrypted), `db.properties` and `SiteList.xml`.
//! Every reader takes bytes and returns data plus problems naming a line; none panics or
//! allocates more than its input.

pub mod catalog;
pub mod properties;
pub mod replica;
pub mod sitelist;
pub mod sitestat;
pub mod sync;
pub mod verify;

/// Name of the per-folder listing.
pub const REPLICA_LOG: &str = "replica.log";
/// Name of the repository status file at a repository's root.
pub const SITESTAT: &str = "SiteStat.xml";
/// Name of the signed catalog at a repository's root.
pub const CATALOG: &str = "catalog.z";

/// Largest replica.log, SiteStat.xml or SiteList.xml read (a real replica.log lists one folder:
/// a few hundred bytes per entry).
pub const MAX_METADATA_BYTES: u64 = 64 * 1024 * 1024;

/// One thing wrong in a file, at a 1-based line (0: the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// 1-based line number; 0 when the problem is about the whole file.
    pub line: usize,
    /// What is wrong, one sentence.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        Problem {
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// A 14-digit catalog version (`YYYYMMDDhhmmss`, UTC) as the timestamp it names.
pub fn catalog_time(version: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if version.len() != 14 || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(version, "%Y%m%d%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_version_is_a_utc_timestamp() {
        let t = catalog_time("20261122043000").map(|t| t.to_rfc3339());
        assert_eq!(t.as_deref(), Some("2026-11-22T04:30:00+00:00"));
        assert!(catalog_time("2026112204300").is_none());
        assert!(catalog_time("20261322043000").is_none());
        assert!(catalog_time("2026112204300x").is_none());
    }
}
