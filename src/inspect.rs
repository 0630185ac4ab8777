//! "What is this file?" for any file an admin finds on a rescue disk: recognised by its content
//! (never by its name alone) and judged by the reader of its kind — the SQL Server backup reader,
//! SQLite's integrity check, the certificate parser, the plist reader. Plain data for the
//! `inspect` command's text and JSON faces.

use crate::inventory::sqlite;
use crate::inventory::{CheckLevel, DbState};
use crate::mssql::{self, BackupReport};
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The first line of a Git LFS pointer file (the real content was never fetched).
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";

/// What one file is and what its reader said.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The path as given.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub path: PathBuf,
    /// What the file is.
    pub kind: Kind,
    /// The reader's one word (for SQL Server backups: complete, incomplete, damaged,
    /// not_a_backup or unverified).
    pub verdict: String,
    /// What is wrong, one sentence each.
    pub problems: Vec<String>,
    /// What could not be checked offline (never read as checked).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_verified: Vec<String>,
    /// SQL Server backups: whether MTF checksum streams are present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksums: Option<bool>,
    /// SQL Server backups: the sets the file holds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backup_sets: Vec<SetReport>,
    /// Other facts worth a line (SQLite page count, certificate subject...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A SQL Server backup (`TAPE` or `MSSQLBAK`).
    SqlServerBackup,
    /// A SQLite database.
    SqliteDatabase,
    /// A PKCS#12 archive.
    Pkcs12,
    /// Certificates (PEM or DER), possibly with keys.
    Certificate,
    /// Private keys only.
    PrivateKey,
    /// A property list.
    Plist,
    /// An ePO signed catalog (`catalog.z`, `PkgCatalog.z`).
    EpoCatalog,
    /// An ePO repository folder listing (`replica.log`).
    EpoReplicaLog,
    /// An ePO repository status file (`SiteStat.xml`).
    EpoSiteStat,
    /// A Git LFS pointer standing in for a file that was never fetched.
    GitLfsPointer,
    /// Zero bytes.
    Empty,
    /// A folder.
    Folder,
    /// Nothing at that path.
    Missing,
    /// Cannot be read.
    Unreadable,
    /// None of the above.
    Unknown,
}

/// One backup set of a SQL Server backup.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    /// Database name.
    pub database: Option<String>,
    /// Server (instance) name.
    pub server: Option<String>,
    /// full, differential or log.
    #[serde(rename = "type")]
    pub backup_type: &'static str,
    /// A copy-only backup (does not affect the backup chain).
    pub copy_only: bool,
    /// Start, server local time (the file holds no time zone).
    pub started: Option<String>,
    /// Finish, server local time.
    pub finished: Option<String>,
    /// Whether the backup is compressed.
    pub compressed: bool,
    /// This file's media family (stripe) number.
    pub family: Option<u16>,
    /// Media families in the media set.
    pub families: Option<u16>,
    /// restorable, unverified, incomplete or corrupt, as for every backup set.
    pub verdict: &'static str,
    /// SQL Server version that wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_server_version: Option<String>,
}

/// Inspect one file. `password` opens PKCS#12 archives.
pub fn inspect(path: &Path, password: Option<&str>) -> FileReport {
    let mut report = FileReport {
        path: path.to_path_buf(),
        kind: Kind::Unknown,
        verdict: String::new(),
        problems: Vec::new(),
        not_verified: Vec::new(),
        checksums: None,
        backup_sets: Vec::new(),
        details: Vec::new(),
    };
    let backup_name = has_backup_name(path);
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return report.with(Kind::Missing, "missing", None);
        }
        Err(e) => {
            return report.with(
                Kind::Unreadable,
                "unreadable",
                Some(format!("cannot read: {e}")),
            );
        }
    };
    if meta.is_dir() {
        return report.with(Kind::Folder, "not_a_file", None);
    }
    if !meta.is_file() {
        // A FIFO or device could block or never end: not opened.
        return report.with(
            Kind::Unknown,
            "not_a_file",
            Some("a device, FIFO or socket, not a regular file: not read".into()),
        );
    }
    let head = match read_head(path) {
        Ok(h) => h,
        Err(e) => {
            return report.with(
                Kind::Unreadable,
                "unreadable",
                Some(format!("cannot read: {e}")),
            );
        }
    };
    let not_backup_word = if backup_name {
        "not_a_backup"
    } else {
        "unknown"
    };
    if head.is_empty() {
        let problem = backup_name.then(|| "the file is empty (zero bytes)".to_string());
        return report.with(
            Kind::Empty,
            if backup_name { "not_a_backup" } else { "empty" },
            problem,
        );
    }
    if mssql::sniff(&head).is_some() {
        return match mssql::read_file(path) {
            Ok(backup) => {
                report.kind = Kind::SqlServerBackup;
                fill_backup(&mut report, &backup);
                report
            }
            Err(e) => report.with(
                Kind::Unreadable,
                "unreadable",
                Some(format!("cannot read: {e}")),
            ),
        };
    }
    if head.starts_with(LFS_POINTER) {
        return report.with(
            Kind::GitLfsPointer,
            "not_a_backup",
            Some("a Git LFS pointer: the real file was never downloaded (run git lfs pull)".into()),
        );
    }
    if head.starts_with(b"SQLite format 3\0") {
        report.kind = Kind::SqliteDatabase;
        let mut db = sqlite::stat(path);
        sqlite::check(&mut db, CheckLevel::Full, sqlite::Mutability::Frozen);
        report.verdict = serde_json::to_value(db.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "unverifiable".into());
        if matches!(
            db.state,
            DbState::Corrupt | DbState::Unverifiable | DbState::Unreadable
        ) {
            report.problems.extend(db.messages.iter().cloned());
        }
        if let Some(pages) = db.page_count {
            report.details.push(format!("{pages} pages"));
        }
        if backup_name {
            report
                .problems
                .push("a SQLite database, not a SQL Server backup".into());
        }
        return report;
    }
    if let Some(r) = epo_file(path, &head, meta.len()) {
        let mut r = r;
        r.path = report.path;
        return r;
    }
    let plist_name = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("plist"));
    if plist_name || looks_like_plist(&head) {
        report.kind = Kind::Plist;
        // The operator named this file: it is read where it lies (its folder is the base), but
        // the file itself must not be a link, as everywhere else.
        let base = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(std::path::PathBuf::from)
            .unwrap_or_default();
        let read = crate::fs::Confined::new(base, &name)
            .map_err(|e| e.to_string())
            .and_then(|c| crate::inventory::settings::read(&c).map_err(|e| e.to_string()));
        match read {
            Ok((format, dict)) => {
                report.verdict = "readable".into();
                report.details.push(format!(
                    "{} plist, {} top-level keys",
                    format.as_str(),
                    dict.len()
                ));
            }
            Err(e) => {
                report.verdict = "unreadable".into();
                report.problems.push(e);
            }
        }
        return report;
    }
    let cert_name = crate::inventory::certificates::parse::looks_like_cert_file(path);
    if cert_name || looks_like_der_or_pem(&head) {
        let objects = crate::inventory::certificates::parse::read_file(path, password, cert_name);
        use crate::inventory::certificates::parse::Problem;
        let any = |f: fn(&Problem) -> bool| objects.problems.iter().any(f);
        let locked = any(|p| matches!(p, Problem::Locked(_)));
        let unsupported = any(|p| matches!(p, Problem::Unsupported(_)));
        let unreadable = any(|p| matches!(p, Problem::Unreadable(_)));
        if objects.pkcs12 || locked || unsupported {
            report.kind = Kind::Pkcs12;
        } else if !objects.certs.is_empty() {
            report.kind = Kind::Certificate;
        } else if !objects.keys.is_empty() || any(|p| matches!(p, Problem::KeyUnsupported(_))) {
            report.kind = Kind::PrivateKey;
        }
        for p in &objects.problems {
            report.problems.push(match p {
                Problem::Unreadable(m)
                | Problem::Locked(m)
                | Problem::Unsupported(m)
                | Problem::KeyUnsupported(m) => m.clone(),
            });
        }
        if report.kind != Kind::Unknown {
            // A scheme or key type drconsole cannot handle says nothing about damage.
            report.verdict = if locked {
                "locked".into()
            } else if unsupported {
                "unverifiable".into()
            } else if unreadable {
                "unreadable".into()
            } else {
                "readable".into()
            };
            if !objects.certs.is_empty() || !objects.keys.is_empty() {
                report.details.push(format!(
                    "{} certificate(s), {} private key(s)",
                    objects.certs.len(),
                    objects.keys.len()
                ));
            }
            return report;
        }
        report.problems.clear();
    }
    let problem = backup_name
        .then(|| "neither a SQL Server backup nor any other format drconsole knows".to_string());
    report.with(Kind::Unknown, not_backup_word, problem)
}

/// ePO repository files, recognised by content (catalog.z's magic, an INI `[General]` with
/// items, a `<SiteStatus>` element) or by their fixed names.
fn epo_file(path: &Path, head: &[u8], size: u64) -> Option<FileReport> {
    use crate::epo::{catalog, replica, sitestat};
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let blank = FileReport {
        path: PathBuf::new(),
        kind: Kind::Unknown,
        verdict: String::new(),
        problems: Vec::new(),
        not_verified: Vec::new(),
        checksums: None,
        backup_sets: Vec::new(),
        details: Vec::new(),
    };
    if catalog::looks_like(head) || name == "catalog.z" || name == "pkgcatalog.z" {
        let mut r = blank;
        r.kind = Kind::EpoCatalog;
        match catalog::check(head, size) {
            Ok(payload) => {
                r.verdict = "complete".into();
                r.details.push(format!(
                    "ePO catalog frame, format 2, {payload} payload bytes in whole 8-byte blocks"
                ));
            }
            Err(e) => {
                r.verdict = "damaged".into();
                r.problems.push(e.to_string());
            }
        }
        r.not_verified
            .push("the payload is signed and encrypted: its signature is not checked".into());
        return Some(r);
    }
    let is_replica = name == crate::epo::REPLICA_LOG
        || (text.len() >= 9 && text[..9].eq_ignore_ascii_case(b"[General]"));
    let is_sitestat =
        name == "sitestat.xml" || String::from_utf8_lossy(head).contains("<SiteStatus");
    if !is_replica && !is_sitestat {
        return None;
    }
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file = PathBuf::from(path.file_name()?);
    let mut r = blank;
    r.kind = if is_replica {
        Kind::EpoReplicaLog
    } else {
        Kind::EpoSiteStat
    };
    let data = match crate::fs::Confined::new(base, &file)
        .map_err(|e| e.to_string())
        .and_then(|c| {
            crate::fs::read_limited(&c, crate::epo::MAX_METADATA_BYTES).map_err(|e| e.to_string())
        }) {
        Ok(d) => d,
        Err(e) => {
            r.verdict = "unreadable".into();
            r.problems.push(format!("cannot read: {e}"));
            return Some(r);
        }
    };
    if is_replica {
        let log = replica::parse(&data);
        let files = log
            .items
            .iter()
            .filter(|i| i.kind == replica::ItemKind::File)
            .count();
        r.details.push(format!(
            "lists {} entries ({files} files, {} folders){}",
            log.items.len(),
            log.items.len() - files,
            log.num_items
                .map(|n| format!("; NumItems={n}"))
                .unwrap_or_default()
        ));
        r.problems
            .extend(log.problems.iter().map(|p| p.to_string()));
        r.problems.extend(log.unsafe_names.iter().map(|u| {
            format!(
                "line {}: name '{}' would lead outside the folder",
                u.line, u.name
            )
        }));
        r.verdict = if log.is_clean() {
            "readable"
        } else {
            "damaged"
        }
        .into();
        r.not_verified.push(
            "the folder's files are not compared with it: `drconsole check --profile epo-windows --repo NAME=DIR` verifies a whole repository".into(),
        );
    } else {
        match sitestat::parse(&data) {
            Ok(s) => {
                r.verdict = "readable".into();
                r.details.push(format!(
                    "{}, catalog version {}",
                    s.status.as_str(),
                    s.catalog_version
                ));
            }
            Err(p) => {
                r.verdict = "damaged".into();
                r.problems.push(p.to_string());
            }
        }
    }
    Some(r)
}

impl FileReport {
    fn with(mut self, kind: Kind, verdict: &str, problem: Option<String>) -> Self {
        self.kind = kind;
        self.verdict = verdict.to_string();
        self.problems.extend(problem);
        self
    }
}

fn fill_backup(report: &mut FileReport, backup: &BackupReport) {
    report.verdict = backup.verdict().as_str().to_string();
    if let Some(why) = &backup.not_a_backup {
        report.problems.push(why.clone());
    } else if backup.sets.is_empty() && backup.problems.is_empty() {
        report.problems.push(
            "a media header with no backup set in it (media formatted, nothing written)".into(),
        );
    }
    report
        .problems
        .extend(backup.problems.iter().map(|p| p.message.clone()));
    if mssql::verdict::striped(backup) {
        let m = &backup.media;
        let count = |n: Option<u16>| n.map_or("?".to_string(), |n| n.to_string());
        report.problems.push(format!(
            "one of several media (family {} of {}, media sequence {}): restorable only together with the other files of its media set",
            count(m.family),
            count(m.families),
            count(m.media_sequence),
        ));
    }
    report.not_verified = backup.not_verified.clone();
    // Checksum streams follow the data: a walk that stopped before any data stream (damage,
    // an unreadable stretch) cannot say they are absent.
    report.checksums = match backup.verdict() {
        mssql::FileVerdict::Complete | mssql::FileVerdict::Incomplete => {
            Some(backup.checksums_present)
        }
        _ if backup.checksums_present => Some(true),
        mssql::FileVerdict::NotABackup => None,
        _ => {
            report.details.push(
                "backup checksums (WITH CHECKSUM): not known, reading stopped before the data streams"
                    .into(),
            );
            None
        }
    };
    let compressed = backup.layout == Some(mssql::Layout::Compressed);
    for (i, set) in backup.sets.iter().enumerate() {
        report.backup_sets.push(SetReport {
            database: set.database.clone(),
            server: set.server.clone(),
            backup_type: set.backup_type().as_str(),
            copy_only: set.copy_only,
            started: set
                .started
                .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string()),
            finished: set
                .finished
                .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string()),
            compressed,
            family: backup.media.family,
            families: backup.media.families,
            verdict: mssql::verdict::set_verdict(backup, i).as_str(),
            sql_server_version: set
                .version
                .map(|(major, minor, build)| format!("{major}.{minor}.{build}")),
        });
    }
}

fn has_backup_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "bak" | "trn" | "dif" | "diff"
        )
    })
}

fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)?
        .take(512)
        .read_to_end(&mut head)?;
    Ok(head)
}

fn looks_like_plist(head: &[u8]) -> bool {
    if head.starts_with(b"bplist00") {
        return true;
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with("<?xml") && (text.contains("<plist") || text.contains("PLIST"))
        || text.starts_with("<plist")
        || text.starts_with("<!DOCTYPE plist")
}

fn looks_like_der_or_pem(head: &[u8]) -> bool {
    // DER: a SEQUENCE with a long-form length; PEM: an armour line near the start.
    (head.len() > 4 && head[0] == 0x30 && (head[1] == 0x82 || head[1] == 0x81 || head[1] == 0x83))
        || String::from_utf8_lossy(head).contains("-----BEGIN ")
}
