//! The check cache: results of integrity checks kept in the state folder, keyed by path, size,
//! modification time and inode, so an unchanged multi-GB database is not read again.

use super::model::{CheckLevel, DbFile, DbState};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bump when the meaning of a cached result changes.
const VERSION: u32 = 4;

/// The check cache's file in the cache folder: postcard, framed and checksummed (a JSON file
/// of a long history took longer to parse than the checks it saved).
const CHECK_CACHE: &str = "integrity.bin";

/// The check cache's file before `CHECK_CACHE`: read when that is absent, removed on save.
const LEGACY_CHECK_CACHE: &str = "integrity.json";

/// First bytes of the check cache file; the last byte is the format version.
const MAGIC: &[u8; 8] = b"DRCCHK\x00\x01";

/// What identifies a file's content cheaply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileKey {
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Inode number (0 where unknown).
    pub inode: u64,
    /// Device number (0 where unknown).
    pub dev: u64,
    /// Size, modification time and inode of the `-wal` beside it, when there is one: its
    /// committed frames are part of what a check reads.
    #[serde(default)]
    pub wal: Option<(u64, i128, u64)>,
}

impl FileKey {
    /// The key of the file at `path` now, if it can be stat'ed.
    pub fn of(path: &Path) -> Option<FileKey> {
        let (size, mtime_ns, inode, dev) = stat_key(path)?;
        let wal = stat_key(&super::sqlite::sibling(path, "-wal"))
            .map(|(size, mtime, inode, _)| (size, mtime, inode));
        Some(FileKey {
            path: path.to_path_buf(),
            size,
            mtime_ns,
            inode,
            dev,
            wal,
        })
    }

    /// The key of `path` from a folder listing's stat of it and of the `-wal` beside it (the
    /// same key [`FileKey::of`] would stat, without the system calls).
    pub fn listed(path: &Path, file: &crate::fs::Meta, wal: Option<&crate::fs::Meta>) -> FileKey {
        // As `Stamp::of_meta` reads a time: nanoseconds since the epoch, 0 before it.
        let ns = |m: &crate::fs::Meta| {
            if m.mtime_secs < 0 {
                0
            } else {
                i128::from(m.mtime_secs) * 1_000_000_000 + i128::from(m.mtime_nsec)
            }
        };
        FileKey {
            path: path.to_path_buf(),
            size: file.size,
            mtime_ns: ns(file),
            inode: file.inode,
            dev: file.dev,
            wal: wal.map(|w| (w.size, ns(w), w.inode)),
        }
    }

    /// Size, modification time, inode and device of the file itself (not its `-wal`).
    pub fn stamp(&self) -> Stamp {
        Stamp {
            size: self.size,
            mtime_ns: self.mtime_ns,
            inode: self.inode,
            dev: self.dev,
        }
    }
}

/// What tells one version of a file from another cheaply: size, modification time (ns), inode
/// and device — the identity the cache trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Inode number (0 where unknown).
    pub inode: u64,
    /// Device number (0 where unknown).
    pub dev: u64,
}

impl Stamp {
    /// The stamp of what `meta` describes.
    pub fn of_meta(m: &std::fs::Metadata) -> Stamp {
        let mtime_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let (inode, dev) = {
            use std::os::unix::fs::MetadataExt;
            (m.ino(), m.dev())
        };
        #[cfg(not(unix))]
        let (inode, dev) = (0, 0);
        Stamp {
            size: m.len(),
            mtime_ns,
            inode,
            dev,
        }
    }

    /// The stamp of an open file.
    pub fn of_file(f: &std::fs::File) -> Option<Stamp> {
        f.metadata().ok().map(|m| Stamp::of_meta(&m))
    }
}

/// Whether this process may read `path` now (its effective ids, as an open would be judged).
fn readable(path: &Path) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{Access, AtFlags, CWD, accessat};
        match accessat(CWD, path, Access::READ_OK, AtFlags::EACCESS) {
            Ok(()) => true,
            // A system without `faccessat2` cannot ask for the effective ids: open it instead.
            Err(rustix::io::Errno::NOSYS | rustix::io::Errno::INVAL) => {
                std::fs::File::open(path).is_ok()
            }
            Err(_) => false,
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    std::fs::File::open(path).is_ok()
}

/// Size, modification time (ns), inode and device of a file.
fn stat_key(path: &Path) -> Option<(u64, i128, u64, u64)> {
    let s = Stamp::of_meta(&std::fs::metadata(path).ok()?);
    Some((s.size, s.mtime_ns, s.inode, s.dev))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    key: FileKey,
    page_size: Option<u64>,
    page_count: Option<u64>,
    /// The WAL the check included.
    #[serde(default)]
    wal: Option<crate::inventory::model::WalInfo>,
    /// What `quick_check` said, if it ran on these bytes.
    quick: Option<Outcome>,
    /// What the full `integrity_check` said, if it ran on these bytes.
    full: Option<Outcome>,
}

/// One check's verdict on a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Outcome {
    state: DbState,
    messages: Vec<String>,
}

impl Outcome {
    fn failed(&self) -> bool {
        matches!(self.state, DbState::Corrupt | DbState::NotSqlite)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct OnDisk {
    version: u32,
    entries: Vec<Entry>,
}

/// A cache of check results, shared by worker threads.
#[derive(Debug, Default)]
pub struct CheckCache {
    file: Option<PathBuf>,
    entries: Mutex<HashMap<PathBuf, Entry>>,
    dirty: Mutex<bool>,
}

impl CheckCache {
    /// A cache that remembers nothing and saves nothing (`--no-cache` still saves fresh results).
    pub fn disabled() -> Self {
        CheckCache::default()
    }

    /// Load the cache file in `dir`; a missing or unreadable cache is simply empty, and so is
    /// one that someone else owns or could have written (its verdicts would not be ours).
    pub fn load(dir: &Path, read_existing: bool) -> Self {
        let file = dir.join(CHECK_CACHE);
        let mut map = HashMap::new();
        let mut legacy = false;
        let disk = read_existing.then(|| match read_trusted(dir, &file) {
            Ok(bytes) => unframe(MAGIC, &bytes)
                .ok()
                .and_then(|body| postcard::from_bytes::<OnDisk>(body).ok()),
            // The JSON file of earlier versions, read once (and written anew in the new
            // format at the end of the run) so an upgrade re-checks nothing.
            Err(_) => {
                legacy = true;
                read_trusted(dir, &dir.join(LEGACY_CHECK_CACHE))
                    .ok()
                    .and_then(|bytes| serde_json::from_slice::<OnDisk>(&bytes).ok())
            }
        });
        if let Some(Some(disk)) = disk
            && disk.version == VERSION
        {
            for e in disk.entries {
                map.insert(e.key.path.clone(), e);
            }
        }
        CheckCache {
            file: Some(file),
            dirty: Mutex::new(legacy && !map.is_empty()),
            entries: Mutex::new(map),
        }
    }

    /// The cached answer to "what does a check of `level` say about `file`?", if the file is
    /// unchanged. A deeper pass answers a shallower question (a file that passed the full
    /// check passes the quick one), and a shallow failure answers a deeper one; the answer is
    /// never deeper than asked, so a report shows the same whether the cache is warm or cold.
    pub fn lookup(&self, file: &DbFile, level: CheckLevel) -> Option<DbFile> {
        let key = match &file.listed {
            Some(k) if k.path == file.path => k.clone(),
            _ => FileKey::of(&file.path)?,
        };
        // A verdict on bytes this user cannot read now (another user's run cached it) would
        // promise a restore that then fails: such a file is checked afresh, and says why.
        if !readable(&file.path) {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let e = entries.get(&file.path)?;
        if e.key != key {
            return None;
        }
        let (outcome, answered_level) = match level {
            CheckLevel::Quick => match (&e.quick, &e.full) {
                (Some(q), _) => (q.clone(), CheckLevel::Quick),
                (None, Some(f)) if f.state == DbState::Ok => (
                    Outcome {
                        state: DbState::QuickOk,
                        messages: Vec::new(),
                    },
                    CheckLevel::Quick,
                ),
                _ => return None,
            },
            CheckLevel::Full => match (&e.quick, &e.full) {
                (_, Some(f)) => (f.clone(), CheckLevel::Full),
                (Some(q), None) if q.failed() => (q.clone(), CheckLevel::Quick),
                _ => return None,
            },
            CheckLevel::None => return None,
        };
        let (state, messages) = (outcome.state, outcome.messages);
        let mut out = file.clone();
        out.state = state;
        out.level = answered_level;
        out.page_size = e.page_size;
        out.page_count = e.page_count;
        out.messages = messages;
        out.cached = true;
        out.wal = e.wal;
        Some(out)
    }

    /// The key of the bytes `path` held when a full integrity check last passed on them, if the
    /// cache remembers such a pass (whatever the file holds now: the caller compares).
    pub fn full_pass(&self, path: &Path) -> Option<FileKey> {
        let entries = self.entries.lock().ok()?;
        let e = entries.get(path)?;
        match &e.full {
            Some(f) if f.state == DbState::Ok => Some(e.key.clone()),
            _ => None,
        }
    }

    /// Remember a fresh result (only definite ones: unreadable files are tried again next time).
    pub fn store(&self, file: &DbFile, key_before: Option<FileKey>) {
        if !matches!(
            file.state,
            DbState::Ok | DbState::QuickOk | DbState::Corrupt | DbState::NotSqlite
        ) {
            return;
        }
        // If the file changed while it was being checked, the result describes neither version.
        let (Some(before), Some(after)) = (key_before, FileKey::of(&file.path)) else {
            return;
        };
        if before != after {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            let entry = entries.entry(file.path.clone()).or_insert_with(|| Entry {
                key: after.clone(),
                page_size: None,
                page_count: None,
                wal: None,
                quick: None,
                full: None,
            });
            // Results about other bytes are worthless: start the entry afresh.
            if entry.key != after {
                entry.key = after;
                entry.quick = None;
                entry.full = None;
            }
            entry.page_size = file.page_size;
            entry.page_count = file.page_count;
            entry.wal = file.wal;
            let outcome = Outcome {
                state: file.state,
                messages: file.messages.clone(),
            };
            match file.level {
                CheckLevel::Full => entry.full = Some(outcome),
                CheckLevel::Quick => entry.quick = Some(outcome),
                CheckLevel::None => return,
            }
            if let Ok(mut d) = self.dirty.lock() {
                *d = true;
            }
        }
    }

    /// Write the cache back atomically (temp file + rename). Failing to save is not an error
    /// worth stopping for: the next run just checks again.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        if !self.dirty.lock().map(|d| *d).unwrap_or(false) {
            return Ok(());
        }
        let entries: Vec<Entry> = match self.entries.lock() {
            Ok(m) => {
                let mut v: Vec<Entry> = m
                    .values()
                    .filter(|e| e.key.path.exists())
                    .cloned()
                    .collect();
                v.sort_by(|a, b| a.key.path.cmp(&b.key.path));
                v
            }
            Err(_) => return Ok(()),
        };
        let disk = OnDisk {
            version: VERSION,
            entries,
        };
        let body = postcard::to_stdvec(&disk).map_err(std::io::Error::other)?;
        write_trusted(file, &frame(MAGIC, &body))?;
        // The JSON file earlier versions kept is superseded (and only costs room).
        if let Some(dir) = file.parent() {
            let _ = std::fs::remove_file(dir.join(LEGACY_CHECK_CACHE));
        }
        Ok(())
    }
}

/// Write `bytes` to `file` in the state folder atomically and durably, readable by the owner
/// only: temp file + fsync + rename + fsync of the folder, like every file drconsole relies
/// on, so a power cut leaves the old file or the new one, never a torn one.
pub(crate) fn write_trusted(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let state = dir.parent().unwrap_or(dir);
    crate::state_dir::ensure_dir(state, dir).map_err(std::io::Error::other)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{}.{}",
        name.as_deref().unwrap_or("cache"),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    let mut f = opts.open(&tmp)?;
    std::io::Write::write_all(&mut f, bytes)?;
    f.sync_all()?;
    crate::journal::faults::synced(&tmp);
    drop(f);
    std::fs::rename(&tmp, file)?;
    crate::journal::fsops::fsync_dir(dir)
}

/// A cache file's bytes: `magic` (whose last byte is the format version), a 128-bit checksum
/// of `body`, then `body`.
pub(crate) fn frame(magic: &[u8; 8], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 24);
    out.extend_from_slice(magic);
    out.extend_from_slice(&xxhash_rust::xxh3::xxh3_128(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// The body of a [`frame`]d cache file, or why it cannot be believed (another format or
/// version, truncated, damaged).
pub(crate) fn unframe<'a>(magic: &[u8; 8], bytes: &'a [u8]) -> Result<&'a [u8], String> {
    let rest = bytes
        .strip_prefix(magic.as_slice())
        .ok_or("not a cache file of this version")?;
    if rest.len() < 16 {
        return Err("truncated".into());
    }
    let (sum, body) = rest.split_at(16);
    let mut want = [0u8; 16];
    want.copy_from_slice(sum);
    if xxhash_rust::xxh3::xxh3_128(body) != u128::from_le_bytes(want) {
        return Err("checksum mismatch: damaged or truncated".into());
    }
    Ok(body)
}

/// The bytes of a cache file, if the cache folder and file are ours alone.
pub(crate) fn read_trusted(dir: &Path, file: &Path) -> std::io::Result<Vec<u8>> {
    crate::state_dir::check(dir, true).map_err(std::io::Error::other)?;
    let mut f = crate::state_dir::open_file(file, std::fs::OpenOptions::new().read(true))
        .map_err(std::io::Error::other)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_from_a_listing_is_the_key_a_stat_gives() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (t.path().join("a.db"), t.path().join("b.db"));
        std::fs::write(&a, b"plain").unwrap();
        std::fs::write(&b, b"with a wal").unwrap();
        std::fs::write(t.path().join("b.db-wal"), b"frames").unwrap();
        let listing = crate::fs::Root::open(t.path())
            .unwrap()
            .list(Path::new(""))
            .unwrap();
        let meta = |name: &str| {
            listing
                .iter()
                .find(|e| e.name == name)
                .map(|e| e.meta)
                .unwrap()
        };
        assert_eq!(
            FileKey::listed(&a, &meta("a.db"), None),
            FileKey::of(&a).unwrap()
        );
        let listed = FileKey::listed(&b, &meta("b.db"), Some(&meta("b.db-wal")));
        assert!(listed.wal.is_some());
        assert_eq!(listed, FileKey::of(&b).unwrap());
        // A file changed since its listing no longer has the listed key.
        std::fs::write(&a, b"changed").unwrap();
        assert_ne!(
            FileKey::listed(&a, &meta("a.db"), None),
            FileKey::of(&a).unwrap()
        );
    }

    /// A one-byte file `a.db` in a fresh folder, and a cache (folder `cache` beside it, not
    /// saved yet) remembering a check of `level` that found `state`.
    fn stored(
        state: DbState,
        level: CheckLevel,
    ) -> (tempfile::TempDir, PathBuf, PathBuf, CheckCache, DbFile) {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("a.db");
        std::fs::write(&p, b"x").unwrap();
        let dir = t.path().join("cache");
        let cache = CheckCache::load(&dir, true);
        let mut f = super::super::sqlite::stat(&p);
        f.state = state;
        f.level = level;
        cache.store(&f, FileKey::of(&p));
        (t, p, dir, cache, f)
    }

    /// [`stored`] of a full pass.
    fn passed_once() -> (tempfile::TempDir, PathBuf, CheckCache, DbFile) {
        let (t, p, _, cache, f) = stored(DbState::Ok, CheckLevel::Full);
        (t, p, cache, f)
    }

    #[test]
    fn a_listed_key_answers_the_cache_and_a_stale_one_misses() {
        let (_t, p, cache, _) = passed_once();
        let mut asked = super::super::sqlite::stat(&p);
        asked.listed = FileKey::of(&p);
        assert!(cache.lookup(&asked, CheckLevel::Full).is_some());
        // A listing that saw other bytes (another size) is not answered for these.
        asked.listed.as_mut().unwrap().size += 1;
        assert!(cache.lookup(&asked, CheckLevel::Full).is_none());
    }

    #[test]
    fn a_changed_file_misses_the_cache() {
        let (t, p, cache, f) = passed_once();
        assert!(cache.lookup(&f, CheckLevel::Full).is_some());
        // A full pass answers the quick question, but only as deep as asked.
        let quick = cache.lookup(&f, CheckLevel::Quick).unwrap();
        assert_eq!(
            (quick.state, quick.level),
            (DbState::QuickOk, CheckLevel::Quick)
        );
        cache.save().unwrap();
        let again = CheckCache::load(&t.path().join("cache"), true);
        assert!(again.lookup(&f, CheckLevel::Quick).unwrap().cached);
        std::fs::write(&p, b"xy").unwrap();
        assert!(again.lookup(&f, CheckLevel::Quick).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_others_can_write_is_not_believed() {
        use std::os::unix::fs::PermissionsExt;
        let (_t, _, dir, cache, f) = stored(DbState::Ok, CheckLevel::Full);
        cache.save().unwrap();
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert!(
            CheckCache::load(&dir, true)
                .lookup(&f, CheckLevel::Full)
                .is_some()
        );
        // Anyone could have written "ok" into it: it answers nothing.
        let file = dir.join(CHECK_CACHE);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(
            CheckCache::load(&dir, true)
                .lookup(&f, CheckLevel::Full)
                .is_none()
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(
            CheckCache::load(&dir, true)
                .lookup(&f, CheckLevel::Full)
                .is_none()
        );
    }

    #[test]
    fn a_damaged_truncated_or_foreign_cache_answers_nothing() {
        let (_t, _, dir, cache, f) = stored(DbState::Ok, CheckLevel::Full);
        cache.save().unwrap();
        let file = dir.join(CHECK_CACHE);
        let good = std::fs::read(&file).unwrap();
        assert!(
            CheckCache::load(&dir, true)
                .lookup(&f, CheckLevel::Full)
                .is_some()
        );
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        for bytes in [flipped, good[..good.len() / 2].to_vec(), b"{}".to_vec()] {
            std::fs::write(&file, &bytes).unwrap();
            assert!(
                CheckCache::load(&dir, true)
                    .lookup(&f, CheckLevel::Full)
                    .is_none()
            );
        }
    }

    #[test]
    fn the_json_cache_of_earlier_versions_is_read_once_then_replaced() {
        let (_t, _, dir, cache, f) = stored(DbState::Ok, CheckLevel::Full);
        cache.save().unwrap();
        // What an earlier version left: the same entries as JSON, no binary file.
        let entries: Vec<Entry> = cache.entries.lock().unwrap().values().cloned().collect();
        let legacy = dir.join(LEGACY_CHECK_CACHE);
        std::fs::write(
            &legacy,
            serde_json::to_vec(&OnDisk {
                version: VERSION,
                entries,
            })
            .unwrap(),
        )
        .unwrap();
        std::fs::remove_file(dir.join(CHECK_CACHE)).unwrap();
        let upgraded = CheckCache::load(&dir, true);
        assert!(upgraded.lookup(&f, CheckLevel::Full).is_some());
        // Saved in the new format even though nothing new was learnt.
        upgraded.save().unwrap();
        assert!(!legacy.exists());
        assert!(
            CheckCache::load(&dir, true)
                .lookup(&f, CheckLevel::Full)
                .is_some()
        );
    }

    #[test]
    fn an_unverifiable_outcome_is_never_cached() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("a.db");
        std::fs::write(&p, b"x").unwrap();
        let cache = CheckCache::load(t.path(), true);
        let mut f = super::super::sqlite::stat(&p);
        f.state = DbState::Unverifiable;
        f.level = CheckLevel::Full;
        f.unverifiable = Some(crate::inventory::model::Unverifiable::Permission);
        cache.store(&f, FileKey::of(&p));
        assert!(cache.lookup(&f, CheckLevel::Full).is_none());
        assert!(cache.lookup(&f, CheckLevel::Quick).is_none());
    }

    #[test]
    fn a_changed_wal_misses_the_cache() {
        let (_t, p, cache, f) = passed_once();
        assert!(cache.lookup(&f, CheckLevel::Full).is_some());
        // Committed frames appear beside an unchanged main file.
        std::fs::write(super::super::sqlite::sibling(&p, "-wal"), b"frames").unwrap();
        assert!(cache.lookup(&f, CheckLevel::Full).is_none());
    }

    #[test]
    fn a_quick_result_does_not_answer_a_full_question() {
        let (_t, _, _, cache, f) = stored(DbState::QuickOk, CheckLevel::Quick);
        assert!(cache.lookup(&f, CheckLevel::Full).is_none());
        assert!(cache.lookup(&f, CheckLevel::Quick).is_some());
    }
}
