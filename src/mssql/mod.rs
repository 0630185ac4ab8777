//! The SQL Server backup reader: what a `.bak`/`.trn` file holds, read offline without SQL Server.
//! `mtf` walks Microsoft Tape Format blocks and streams, `compressed` the `MSSQLBAK` container of
//! compressed backups (chunks decoded by `xpress`), `header` the SQL Server backup-set descriptor
//! and `verdict` turns what was seen into the one word an admin acts on.

pub mod compressed;
pub mod header;
pub mod media;
pub mod mtf;
pub mod verdict;
pub mod writer;
pub mod xpress;

use chrono::NaiveDateTime;
use media::{FileMedia, Media};
use serde::Serialize;
use std::path::Path;

pub use verdict::FileVerdict;

/// The magic of an uncompressed backup: the MTF tape descriptor block.
pub const MTF_MAGIC: &[u8; 4] = b"TAPE";
/// The magic of a compressed backup's container.
pub const COMPRESSED_MAGIC: &[u8; 8] = b"MSSQLBAK";

/// How the backup is laid out on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Microsoft Tape Format blocks, as written without compression.
    Mtf,
    /// The `MSSQLBAK` container of XPRESS-compressed chunks holding the same MTF blocks.
    Compressed,
}

/// What kind of damage or doubt a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A block, stream or chunk runs past the end of the file.
    Truncated,
    /// A block or stream header whose checksum does not match.
    BadChecksum,
    /// A compressed chunk that does not decode.
    Undecodable,
    /// A backup set without its end-of-set block.
    MissingTrailer,
    /// Bytes where a block must be that are no block.
    NotABlock,
    /// A striped backup: the other media families are needed.
    MissingFamily,
    /// A structure this reader does not know: nothing proven either way.
    Unknown,
}

impl ProblemKind {
    /// Whether the file itself proves damage.
    pub fn is_damage(self) -> bool {
        !matches!(self, ProblemKind::MissingFamily | ProblemKind::Unknown)
    }
}

/// One thing wrong with (or not understood in) the file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// Byte offset in the file (or, for compressed backups, in the decoded stream), if any.
    pub offset: Option<u64>,
    /// What happened, for a person.
    pub message: String,
}

impl Problem {
    /// A problem at an offset.
    pub fn at(kind: ProblemKind, offset: u64, message: impl Into<String>) -> Self {
        Problem {
            kind,
            offset: Some(offset),
            message: message.into(),
        }
    }
}

/// Full, differential or log, as SQL Server's `backupset.type` D/I/L (file and partial
/// variants fold into full and differential).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupType {
    /// A full database (or file/partial) backup.
    Full,
    /// A differential backup, restorable only over its base full backup.
    Differential,
    /// A transaction log backup.
    Log,
    /// A type letter this reader does not know.
    Unknown,
}

impl BackupType {
    /// From SQL Server's type letter.
    pub fn from_letter(letter: u8) -> Self {
        match letter {
            b'D' | b'F' | b'P' => BackupType::Full,
            b'I' | b'G' | b'Q' => BackupType::Differential,
            b'L' => BackupType::Log,
            _ => BackupType::Unknown,
        }
    }

    /// Lower-case name as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BackupType::Full => "full",
            BackupType::Differential => "differential",
            BackupType::Log => "log",
            BackupType::Unknown => "unknown",
        }
    }
}

/// One backup set found in the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackupSet {
    /// Byte offset of its SSET block (in the decoded stream for compressed backups).
    pub offset: u64,
    /// Database name.
    pub database: Option<String>,
    /// Server (instance) name.
    pub server: Option<String>,
    /// Backup type letter as SQL Server wrote it.
    pub type_letter: Option<u8>,
    /// Whether the MTF set is marked as a copy (does not affect the backup chain).
    pub copy_only: bool,
    /// When the backup started, server local time.
    pub started: Option<NaiveDateTime>,
    /// When it finished (from the trailer), server local time.
    pub finished: Option<NaiveDateTime>,
    /// SQL Server version that wrote it (major, minor, build).
    pub version: Option<(u8, u8, u16)>,
    /// Whether its end-of-set block was found.
    pub ended: bool,
}

impl BackupSet {
    /// Full, differential or log.
    pub fn backup_type(&self) -> BackupType {
        self.type_letter
            .map(BackupType::from_letter)
            .unwrap_or(BackupType::Unknown)
    }
}

/// What the media header (TAPE block) says about the media set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MediaSet {
    /// Media name given with `MEDIANAME`, if any.
    pub name: Option<String>,
    /// Software that wrote it ("Microsoft SQL Server").
    pub software: Option<String>,
    /// Media families in the media set (striped backups have more than one).
    pub families: Option<u16>,
    /// This file's family number, 1-based.
    pub family: Option<u16>,
    /// Soft filemark block size in bytes.
    pub filemark_bytes: u64,
    /// The TAPE block's media sequence number (above 1: a continuation of earlier media).
    pub media_sequence: Option<u16>,
    /// The third counter of the media-family fields (1 in every backup seen; read so that any
    /// value above 1 is treated as "more media needed" rather than ignored).
    pub family_other: Option<u16>,
}

/// Everything the reader learned about one file.
#[derive(Debug, Clone, Default)]
pub struct BackupReport {
    /// Layout, when the file is a backup at all.
    pub layout: Option<Layout>,
    /// The media header.
    pub media: MediaSet,
    /// Backup sets in file order.
    pub sets: Vec<BackupSet>,
    /// Damage and doubts.
    pub problems: Vec<Problem>,
    /// Whether the streams carry MTF checksum (`CSUM`) streams.
    pub checksums_present: bool,
    /// What could not be checked offline, stated so nobody reads it as checked.
    pub not_verified: Vec<String>,
    /// Why the file is not a backup, if it is not one.
    pub not_a_backup: Option<String>,
}

impl BackupReport {
    /// The file's verdict.
    pub fn verdict(&self) -> FileVerdict {
        verdict::judge(self)
    }
}

/// Whether the first bytes look like a SQL Server backup of either layout.
pub fn sniff(head: &[u8]) -> Option<Layout> {
    if head.starts_with(COMPRESSED_MAGIC) {
        Some(Layout::Compressed)
    } else if head.starts_with(MTF_MAGIC) {
        Some(Layout::Mtf)
    } else {
        None
    }
}

/// Read a backup held in memory.
pub fn read_bytes(data: &[u8]) -> BackupReport {
    read_media(&media::Bytes(data))
}

/// Read a backup file. Only I/O errors are errors; a damaged file is a report.
pub fn read_file(path: &Path) -> std::io::Result<BackupReport> {
    let media = FileMedia::new(std::fs::File::open(path)?)?;
    Ok(read_media(&media))
}

/// Read any media.
pub fn read_media(media: &dyn Media) -> BackupReport {
    let mut report = BackupReport::default();
    let mut head = [0u8; 8];
    let n = match media.read_at(0, &mut head) {
        Ok(n) => n,
        Err(e) => {
            report.problems.push(Problem::at(
                ProblemKind::Unknown,
                0,
                format!("cannot read: {e}"),
            ));
            return report;
        }
    };
    report.layout = sniff(&head[..n]);
    match report.layout {
        None => {
            report.not_a_backup = Some(if n == 0 {
                "the file is empty".into()
            } else {
                "starts with neither a TAPE media header nor MSSQLBAK".into()
            });
        }
        Some(Layout::Mtf) => mtf::walk(media, &mut report),
        Some(Layout::Compressed) => {
            let inner = compressed::open(media, &mut report);
            let container_problems = report.problems.len();
            mtf::walk(&inner, &mut report);
            // The decoded stream ends where the container walk stopped: when it stopped early,
            // that problem says why, and "the stream ends too soon" adds nothing true.
            if container_problems > 0 {
                let mut i = 0;
                report.problems.retain(|p| {
                    i += 1;
                    i <= container_problems
                        || !matches!(p.kind, ProblemKind::Truncated | ProblemKind::MissingTrailer)
                });
            }
        }
    }
    if report.layout.is_some() {
        report.not_verified.push(
            "page checksums (WITH CHECKSUM) and page contents: only RESTORE VERIFYONLY on a SQL Server can check them"
                .into(),
        );
        report.not_verified.push(
            "whether the backup is encrypted (ENCRYPTION): this reader does not detect it".into(),
        );
    }
    report
}
