//! The inventory's plain data: what a scan found, serialisable for JSON, cache and console.
//! Every rendering (text report, JSON, panes) reads these types; none re-reads the disk.

use crate::findings::Finding;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Everything one scan found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Inventory {
    /// Profile name.
    pub profile: String,
    /// Root the profile's paths were resolved against.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub root: PathBuf,
    /// Instant of the scan (from the context's clock).
    pub scanned_at: DateTime<Utc>,
    /// How deep the database checks went.
    pub depth: CheckDepth,
    /// Live databases, in profile order.
    pub databases: Vec<LiveDatabase>,
    /// Backup sets, newest first.
    pub backup_sets: Vec<BackupSet>,
    /// Certificates found in live stores and in backup sets.
    pub certificates: Vec<Certificate>,
    /// Private keys found (never their material).
    pub keys: Vec<PrivateKey>,
    /// Settings files.
    pub settings: Vec<SettingsFile>,
    /// Folder components.
    pub folders: Vec<FolderState>,
    /// Distribution points.
    pub distribution_points: Vec<DistributionPoint>,
    /// Backup items found by pattern (key backups, configuration backups, packages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<ArtifactState>,
    /// Host state (processes, host name, disk space).
    pub host: HostState,
    /// Every finding, worst first.
    pub findings: Vec<Finding>,
    /// What the scan skipped and why, where no finding applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Which of the profile's candidate locations was found (server folder, program folder).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layout: Vec<crate::profile::LayoutChoice>,
    /// Days before expiry at which a certificate needs attention (the profile's `expiry_days`),
    /// so every rendering flags what `CERT_EXPIRING` flags.
    #[serde(skip_serializing, default)]
    pub expiry_window: ExpiryWindow,
}

/// Days before expiry at which a certificate needs attention; 30 unless configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ExpiryWindow(pub u32);

impl Default for ExpiryWindow {
    fn default() -> Self {
        ExpiryWindow(crate::inventory::certificates::EXPIRING_DAYS.unsigned_abs() as u32)
    }
}

impl Inventory {
    /// The recommended backup set, if any.
    pub fn recommended_set(&self) -> Option<&BackupSet> {
        self.backup_sets.iter().find(|s| s.recommended)
    }
}

/// How far database checks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckDepth {
    /// Completeness and `quick_check` only.
    Quick,
    /// Quick everywhere, full checks on live databases and sets newest first until one is restorable.
    #[default]
    Standard,
    /// Full `integrity_check` of everything.
    Full,
}

/// How far a single database file has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckLevel {
    /// Not opened as a database.
    #[default]
    None,
    /// `PRAGMA quick_check`.
    Quick,
    /// `PRAGMA integrity_check`.
    Full,
}

/// The state of one database file after its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DbState {
    /// No file.
    #[default]
    Missing,
    /// Zero bytes.
    Empty,
    /// Could not be opened or read.
    Unreadable,
    /// Not a SQLite database.
    NotSqlite,
    /// Present, not opened yet.
    Unchecked,
    /// Fails an integrity check.
    Corrupt,
    /// Could not be read or checked (permission, I/O error, lock, unknown collation): says
    /// nothing about damage. `DbFile::unverifiable` holds the reason.
    Unverifiable,
    /// Passes `quick_check`; full check not run.
    QuickOk,
    /// Passes a full `integrity_check`.
    Ok,
}

impl DbState {
    /// The state as the operator reads it (`corrupt`, `cannot verify`, ...).
    pub fn label(self) -> &'static str {
        match self {
            DbState::Missing => "missing",
            DbState::Empty => "empty",
            DbState::Unreadable => "unreadable",
            DbState::Unverifiable => "cannot verify",
            DbState::NotSqlite => "not sqlite",
            DbState::Corrupt => "corrupt",
            DbState::QuickOk => "quick ok",
            DbState::Unchecked => "unchecked",
            DbState::Ok => "ok",
        }
    }
}

/// One database file and what its checks said.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbFile {
    /// Absolute path.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time.
    pub modified: Option<DateTime<Utc>>,
    /// Result of the deepest check run.
    pub state: DbState,
    /// Deepest check run.
    pub level: CheckLevel,
    /// SQLite page size.
    pub page_size: Option<u64>,
    /// SQLite page count.
    pub page_count: Option<u64>,
    /// The first messages SQLite gave (integrity errors) or the open error.
    pub messages: Vec<String>,
    /// Whether this result came from the cache.
    pub cached: bool,
    /// Why the file could not be verified (state `unverifiable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unverifiable: Option<Unverifiable>,
    /// The write-ahead log the check included, when one was beside the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wal: Option<WalInfo>,
    /// The content key the folder listing that found the file already settled (this run
    /// only): the check cache is asked with it instead of stat'ing the file again.
    #[serde(skip)]
    pub listed: Option<crate::inventory::cache::FileKey>,
}

/// Why a database could not be verified: none of these says the file is damaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Unverifiable {
    /// The running user may not read it.
    Permission,
    /// The operating system reported an I/O error.
    Io,
    /// Another process holds a lock on it (pid and name when known).
    Locked {
        /// Process id holding the lock.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pid: Option<u32>,
        /// That process's name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process: Option<String>,
    },
    /// A rollback journal beside it must be replayed by a writer before it can be read.
    HotJournal,
    /// The schema needs a collation the application defines.
    Collation {
        /// Collation name.
        name: String,
    },
    /// The schema needs a function the application defines.
    Function {
        /// Function name.
        name: String,
    },
    /// The schema needs a virtual-table module this build lacks.
    Module {
        /// Module name.
        name: String,
    },
    /// The file or its WAL changed while it was being checked.
    Changed,
    /// SQLite refused for another reason that does not mean damage (its message says which).
    Other,
}

impl Unverifiable {
    /// What the operator can do about it, as a sentence.
    pub fn advice(&self) -> String {
        match self {
            Unverifiable::Permission => {
                "run drconsole as a user that may read it (e.g. root); the database may be fine"
                    .into()
            }
            Unverifiable::Io => {
                "the disk reported an I/O error: copy the file off (ddrescue) and check the copy; the database may be fine".into()
            }
            Unverifiable::Locked { pid, process } => match (pid, process) {
                (Some(p), Some(n)) => format!(
                    "process {n} (pid {p}) holds a lock on it: stop that process, then check again"
                ),
                (Some(p), None) => {
                    format!("process {p} holds a lock on it: stop that process, then check again")
                }
                _ => "another process holds a lock on it: stop the server (or whatever has it open), then check again".into(),
            },
            Unverifiable::HotJournal => {
                "a leftover rollback journal must be replayed first: start the server once (it replays it), or check a copy with its -journal using sqlite3".into()
            }
            Unverifiable::Collation { name } => format!(
                "its schema uses collation {name}, which only the server application defines; the database may be fine"
            ),
            Unverifiable::Function { name } => format!(
                "its schema uses function {name}, which only the server application defines; the database may be fine"
            ),
            Unverifiable::Module { name } => format!(
                "its schema uses the virtual-table module {name}, which this build lacks; the database may be fine"
            ),
            Unverifiable::Changed => {
                "it changed while it was being checked (is the server running?): stop the server, then check again".into()
            }
            Unverifiable::Other => "SQLite could not check it; the database may be fine".into(),
        }
    }
}

/// The write-ahead log (`-wal`) read together with a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WalInfo {
    /// Size of the `-wal` file in bytes.
    pub bytes: u64,
    /// Frames up to the last valid commit: what SQLite reads on open.
    pub frames: u64,
    /// Frames after the last valid commit (an unfinished write), which SQLite ignores.
    pub ignored_frames: u64,
}

/// A live database of the profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LiveDatabase {
    /// Name from the profile (`ServerDatabase`).
    pub name: String,
    /// Component id (`database:ServerDatabase`).
    pub component: String,
    /// The file and its checks.
    pub file: DbFile,
    /// Leftover companion files beside it (`-journal`, `-wal`, `-shm`), by suffix.
    pub leftovers: Vec<String>,
}

/// Verdict on a backup set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Complete and every database passes a full integrity check.
    Restorable,
    /// Complete and passes the quick check; full check not run yet.
    Unverified,
    /// A required database is missing or empty.
    Incomplete,
    /// A member fails its integrity check.
    Corrupt,
}

impl Verdict {
    /// Lower-case name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Restorable => "restorable",
            Verdict::Unverified => "unverified",
            Verdict::Incomplete => "incomplete",
            Verdict::Corrupt => "corrupt",
        }
    }
}

/// How a set's files are laid out under its backup root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SetLayout {
    /// A folder per set.
    Folder,
    /// Time-stamped files directly in the backup root.
    Flat,
}

/// Where a set's time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TakenFrom {
    /// A timestamp in the set's name.
    Name,
    /// The newest modification time of its members.
    Mtime,
    /// The newest modification time of its members, because the time in its name is not
    /// believable (`BACKUP_DATE_SUSPECT`; `backups::date_suspect_reason` says why).
    #[serde(rename = "mtime_over_name")]
    MtimeOverName,
    /// The backup's own header (SQL Server backup sets: when the backup finished).
    Header,
}

/// One backup set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupSet {
    /// Folder name, or the timestamp for flat sets.
    pub id: String,
    /// Component id (`backup:<id>`).
    pub component: String,
    /// The backup root it was found under.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub root: PathBuf,
    /// The set's folder (flat layout: the backup root).
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub path: PathBuf,
    /// Folder or flat.
    pub layout: SetLayout,
    /// When the set was taken.
    pub taken_at: DateTime<Utc>,
    /// Where `taken_at` came from.
    pub taken_from: TakenFrom,
    /// Age in hours at scan time.
    pub age_hours: f64,
    /// The verdict.
    pub verdict: Verdict,
    /// Whether this is the newest restorable set.
    pub recommended: bool,
    /// Database members found.
    pub members: Vec<BackupMember>,
    /// Required databases not found (or empty).
    pub missing: Vec<String>,
    /// Other components the set carries (`Certificates`, `CustomFieldScriptFiles`, `MDM`, plists).
    pub extras: Vec<String>,
    /// Total bytes of its database members.
    pub bytes: u64,
}

impl BackupSet {
    /// Why the set is incomplete: `X missing`, `Y empty` (empty when it is complete).
    pub fn gaps(&self) -> Vec<String> {
        let mut what: Vec<String> = self
            .missing
            .iter()
            .map(|m| format!("{m} missing"))
            .collect();
        what.extend(
            self.members
                .iter()
                .filter(|m| m.file.state == DbState::Empty)
                .map(|m| format!("{} empty", m.database)),
        );
        what
    }
}

/// A database inside a backup set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupMember {
    /// Database name from the profile.
    pub database: String,
    /// The file and its checks.
    pub file: DbFile,
    /// What the SQL Server backup reader found, for members that are `.bak` backup sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<SqlBackupInfo>,
}

/// One SQL Server backup set inside a `.bak` file, as read offline (`mssql`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SqlBackupInfo {
    /// The file's verdict: `complete`, `incomplete`, `damaged`, `not_a_backup`, `unverified`.
    pub file_verdict: String,
    /// Position of this set in the file, 1-based (`RESTORE … WITH FILE = n`).
    pub position: usize,
    /// Backup sets in the file.
    pub sets_in_file: usize,
    /// Database name from the header.
    pub database: Option<String>,
    /// Server name from the header.
    pub server: Option<String>,
    /// `full`, `differential`, `log` or `unknown`.
    #[serde(rename = "type")]
    pub backup_type: String,
    /// A copy-only backup.
    pub copy_only: bool,
    /// Start, server local time as written.
    pub started: Option<chrono::NaiveDateTime>,
    /// Finish, server local time as written.
    pub finished: Option<chrono::NaiveDateTime>,
    /// Compressed (`MSSQLBAK`) layout.
    pub compressed: bool,
    /// This file's media family, 1-based.
    pub family: Option<u16>,
    /// Media families of the media set.
    pub families: Option<u16>,
    /// Whether MTF checksum streams are present.
    pub checksums_present: bool,
    /// What an offline reader cannot check, stated so nobody reads it as checked.
    pub not_verified: Vec<String>,
}

/// A backup item found by pattern under the backup roots.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ArtifactState {
    /// Name from the profile.
    pub name: String,
    /// Component id (`artifact:NAME`).
    pub component: String,
    /// What it is.
    pub title: String,
    /// The pattern searched under each backup root.
    pub pattern: String,
    /// Every match, newest first.
    #[serde(serialize_with = "crate::pathser::vec::serialize")]
    pub found: Vec<PathBuf>,
    /// When the newest match was last written (a folder: its newest file).
    pub newest: Option<DateTime<Utc>>,
    /// Age of the newest match in hours at scan time.
    pub age_hours: Option<f64>,
}

/// Where a certificate, key or settings file was found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The live server.
    #[default]
    Live,
    /// The backup set with this id.
    Set(String),
}

/// Whether a certificate chains to an issuer that is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainStatus {
    /// Not evaluated.
    #[default]
    Unknown,
    /// Self-signed and its own signature verifies.
    SelfSigned,
    /// The issuer is present and its signature verifies.
    Verified,
    /// No issuer present, or the signature does not verify.
    Broken,
}

/// One certificate (public data only).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Certificate {
    /// Store name from the profile.
    pub store: String,
    /// Component id (`certificates:NAME`).
    pub component: String,
    /// Live or a backup set.
    pub source: Source,
    /// File it was read from.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub file: PathBuf,
    /// Position within the file (0 for single-object files).
    pub index: usize,
    /// Subject distinguished name.
    pub subject: String,
    /// Common name, if any.
    pub common_name: Option<String>,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Subject alternative names (DNS and IP).
    pub sans: Vec<String>,
    /// Serial number, hex.
    pub serial: String,
    /// Start of validity.
    pub not_before: Option<DateTime<Utc>>,
    /// End of validity.
    pub not_after: Option<DateTime<Utc>>,
    /// SHA-256 fingerprint, upper-case hex with colons.
    pub fingerprint_sha256: String,
    /// Key algorithm (`RSA`, `EC`, `Ed25519`).
    pub key_type: String,
    /// Key size in bits.
    pub key_bits: Option<u32>,
    /// Whether it is a CA certificate.
    pub is_ca: bool,
    /// File of the matching private key, when one was found.
    #[serde(serialize_with = "crate::pathser::option::serialize")]
    pub key_file: Option<PathBuf>,
    /// Chain verification.
    pub chain: ChainStatus,
    /// Unix mode of the file.
    pub mode: Option<u32>,
}

/// One private key: where it is and what it pairs with, never its material.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PrivateKey {
    /// Store name.
    pub store: String,
    /// Live or a backup set.
    pub source: Source,
    /// File holding it.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub file: PathBuf,
    /// Key algorithm.
    pub key_type: String,
    /// Fingerprint of the certificate it pairs with, if any.
    pub paired_with: Option<String>,
    /// Unix mode of the file.
    pub mode: Option<u32>,
}

/// One settings file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SettingsFile {
    /// Name from the profile.
    pub name: String,
    /// Component id (`settings:NAME`).
    pub component: String,
    /// Live or a backup set.
    pub source: Source,
    /// The file found (first existing candidate), if any.
    #[serde(serialize_with = "crate::pathser::option::serialize")]
    pub path: Option<PathBuf>,
    /// `xml`, `binary` or `openstep`.
    pub format: Option<String>,
    /// Number of top-level keys.
    pub keys: usize,
    /// Parser error, when unreadable.
    pub error: Option<String>,
    /// Top-level keys that differ from the compared backup set's copy, when compared.
    #[serde(default)]
    pub differs_from_set: Option<u64>,
}

/// One folder component.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FolderState {
    /// Name from the profile.
    pub name: String,
    /// Component id (`folder:NAME`).
    pub component: String,
    /// Absolute path.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub path: PathBuf,
    /// Whether it exists.
    pub present: bool,
    /// Regular files inside.
    pub files: u64,
    /// Bytes inside.
    pub bytes: u64,
    /// Files that differ from the recommended set (missing + extra + changed), when compared.
    pub differs_from_set: Option<u64>,
}

/// One distribution point.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DistributionPoint {
    /// Id in the definitions table.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Network address.
    pub address: String,
    /// Payload folder as reachable from this machine.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub path: PathBuf,
    /// Whether it is a master.
    pub is_master: bool,
    /// Whether the payload folder could be read.
    pub reachable: bool,
    /// Files in the payload.
    pub files: u64,
    /// Bytes in the payload.
    pub bytes: u64,
    /// Files the master has and this mirror lacks.
    pub missing: u64,
    /// Files this mirror has and the master lacks.
    pub extra: u64,
    /// Files present on both that differ.
    pub changed: u64,
    /// Up to a few example paths of missing/extra/changed files.
    pub samples: Vec<String>,
    /// For repositories verified from their own files (ePO): what they say and what was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<RepositoryState>,
}

/// A repository's own view of itself (SiteStat.xml, catalog.z) and its verification against
/// its replica.logs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RepositoryState {
    /// `master` or `distributed`.
    pub role: String,
    /// Where the repository came from: `profile`, `--repo` or `site-list`.
    pub origin: String,
    /// `Enabled` or `Disabled` from SiteStat.xml; `None` when it could not be read.
    pub status: Option<String>,
    /// The 14-digit catalog version from SiteStat.xml.
    pub catalog_version: Option<String>,
    /// Hours between the catalog version and now.
    pub catalog_age_hours: Option<f64>,
    /// `ok`, `missing` or `damaged`: catalog.z's frame.
    pub catalog: String,
    /// Counts of the replica.log verification.
    pub verification: RepositoryVerification,
    /// Whether the repository verifies completely (usable as a sync source).
    pub verified: bool,
    /// Whether this is the source stale repositories should be brought up to.
    pub recommended_source: bool,
}

/// What verifying every folder against its replica.log found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryVerification {
    /// Folders visited.
    pub folders: u64,
    /// Files the replica.logs list.
    pub files_listed: u64,
    /// Listed files present with the listed size and hashes.
    pub files_verified: u64,
    /// Listed entries that are absent.
    pub missing: u64,
    /// Listed files of another size.
    pub truncated: u64,
    /// Listed files of the right size whose hash differs.
    pub changed: u64,
    /// Listed files that could not be read (cannot verify).
    pub unreadable: u64,
    /// Files present but not listed (ignored by replication; counted only).
    pub unlisted: u64,
    /// Bytes hashed.
    pub bytes_hashed: u64,
    /// Problems in replica.log or SiteStat.xml files, and unsafe names.
    pub metadata_problems: u64,
}

/// The machine drconsole runs on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HostState {
    /// Host name (detected or `--hostname`).
    pub hostname: String,
    /// Server processes of the profile that are running, with their pids.
    pub running: Vec<RunningProcess>,
    /// Free bytes on the volume of the live components.
    pub free_bytes: Option<u64>,
    /// Bytes a restore of the recommended set would need.
    pub needed_bytes: Option<u64>,
}

/// A running server process.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunningProcess {
    /// Process name.
    pub name: String,
    /// Process id.
    pub pid: u32,
}
