//! The set cache: what was derived from a backup set's files (e.g. its certificate stores),
//! kept in the state folder with the stamps of every file and folder the derivation read, so
//! a warm run of a long, unchanged history stats those files instead of reading, parsing and
//! judging them again. One compact binary file (postcard), read in one go and checksummed:
//! a damaged, truncated or foreign file is ignored with a note, never believed.

use serde::{Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// First bytes of a set cache file; the last byte is the format version.
const MAGIC: &[u8; 8] = b"DRCSETC\x01";

/// Files whose status changed this close to (or after) the start of their reading are not
/// remembered: a change within the file system's timestamp granularity could hide behind an
/// unchanged stamp ("racy" entries, as git calls them).
pub const RACY_WINDOW: std::time::Duration = std::time::Duration::from_secs(2);
const RACY_NS: i64 = RACY_WINDOW.as_nanos() as i64;

/// What identifies one version of a file or folder without reading it: type and permission
/// bits, owner, size, modification and status-change times, inode and device. The status
/// change time moves with every write, rename onto, `chmod`, `chown` or `touch -r`, and
/// cannot be set back, so a file replaced with the same size and times still differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileStamp {
    /// `st_mode` (type and permissions).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    /// Status change time, nanoseconds since the epoch.
    pub ctime_ns: i64,
    /// Inode number.
    pub inode: u64,
    /// Device number.
    pub dev: u64,
}

impl FileStamp {
    /// The stamp of `path` itself (a link is not followed), `None` when it does not exist
    /// or cannot be stat'ed.
    pub fn of(path: &Path) -> Option<FileStamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::symlink_metadata(path).ok()?;
            Some(FileStamp {
                mode: m.mode(),
                uid: m.uid(),
                gid: m.gid(),
                size: m.size(),
                mtime_ns: m.mtime().saturating_mul(1_000_000_000) + m.mtime_nsec(),
                ctime_ns: m.ctime().saturating_mul(1_000_000_000) + m.ctime_nsec(),
                inode: m.ino(),
                dev: m.dev(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }
}

/// One set's remembered result: the files it was derived from with their stamps (`None`
/// would be a path that must still not exist; `put` records only present files), and the
/// result, encoded.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Entry {
    /// What else identified the derivation (the set's id, which labels the result, and
    /// whatever the caller adds): another identity is another result.
    id: String,
    files: Vec<(String, Option<FileStamp>)>,
    value: Vec<u8>,
}

/// The file's content after the magic and checksum.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct OnDisk {
    /// What every result also depends on (profile, anchors, …), as one digest.
    context: u128,
    /// By set folder.
    sets: Vec<(String, Entry)>,
}

/// Results of type `V` per backup set, proven current by the stamps of what they were read
/// from. Shared by worker threads.
#[derive(Debug)]
pub struct SetCache<V> {
    file: Option<PathBuf>,
    context: u128,
    old: Mutex<HashMap<String, Entry>>,
    new: Mutex<Vec<(String, Entry)>>,
    dirty: Mutex<bool>,
    note: Option<String>,
    _value: PhantomData<fn() -> V>,
}

impl<V: Serialize + DeserializeOwned> SetCache<V> {
    /// Load `name` from the cache folder `dir`. `context` digests everything besides the
    /// set's own files that the results depend on; a file made under another context, or
    /// not ours alone, or damaged, is not used.
    pub fn load(dir: &Path, name: &str, context: u128, read_existing: bool) -> Self {
        let file = dir.join(name);
        let mut note = None;
        let mut old = HashMap::new();
        if read_existing && file.exists() {
            match super::cache::read_trusted(dir, &file)
                .map_err(|e| e.to_string())
                .and_then(|bytes| decode(&bytes))
            {
                Ok(disk) if disk.context == context => old.extend(disk.sets),
                Ok(_) => {}
                Err(why) => {
                    note = Some(format!(
                        "the set cache {} was not used ({why}): every backup set was read afresh",
                        crate::escape::path(&file)
                    ))
                }
            }
        }
        SetCache {
            file: Some(file),
            context,
            old: Mutex::new(old),
            new: Mutex::new(Vec::new()),
            dirty: Mutex::new(false),
            note,
            _value: PhantomData,
        }
    }

    /// A cache that remembers nothing and saves nothing.
    pub fn disabled() -> Self {
        SetCache {
            file: None,
            context: 0,
            old: Mutex::new(HashMap::new()),
            new: Mutex::new(Vec::new()),
            dirty: Mutex::new(false),
            note: None,
            _value: PhantomData,
        }
    }

    /// Why the cache file on disk was ignored, if it was.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The remembered result for the set at `set` (identity `id`), if every file it was derived
    /// from still has the same stamp (and every path that was absent still is). Each set is
    /// asked for at most once per run.
    pub fn get(&self, set: &Path, id: &str) -> Option<V> {
        let key = set.to_str()?;
        let entry = self.old.lock().ok()?.remove(key)?;
        if entry.id != id
            || entry
                .files
                .iter()
                .any(|(path, stamp)| FileStamp::of(Path::new(path)) != *stamp)
        {
            self.mark_dirty();
            return None;
        }
        let value = postcard::from_bytes(&entry.value).ok()?;
        if let Ok(mut new) = self.new.lock() {
            new.push((key.to_string(), entry));
        }
        Some(value)
    }

    /// Remember `value` for the set at `set`, derived from `files` by a reading that began at
    /// `started`. Not remembered when a name is not UTF-8 (the format keeps text), or when a
    /// file changed during or just before the reading (its stamp may not tell the versions
    /// apart).
    pub fn put(&self, set: &Path, id: &str, files: &[PathBuf], started: SystemTime, value: &V) {
        self.mark_dirty();
        let Some(key) = set.to_str() else { return };
        let started_ns = started
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(i64::MAX, |d| {
                i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
            });
        let mut stamped = Vec::with_capacity(files.len());
        for f in files {
            let Some(path) = f.to_str() else { return };
            // Gone since it was read: what was read is no longer there to prove anything.
            let Some(stamp) = FileStamp::of(f) else {
                return;
            };
            if stamp.ctime_ns.max(stamp.mtime_ns) >= started_ns.saturating_sub(RACY_NS) {
                return;
            }
            stamped.push((path.to_string(), Some(stamp)));
        }
        let Ok(value) = postcard::to_stdvec(value) else {
            return;
        };
        if let Ok(mut new) = self.new.lock() {
            new.push((
                key.to_string(),
                Entry {
                    id: id.to_string(),
                    files: stamped,
                    value,
                },
            ));
        }
    }

    fn mark_dirty(&self) {
        if let Ok(mut d) = self.dirty.lock() {
            *d = true;
        }
    }

    /// Write the results of this run's sets back (only when something changed): sets not
    /// seen this run are dropped, so the file holds at most one entry per current set.
    /// Failing to save is not worth stopping for: the next run reads the sets again.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let stale = self.old.lock().map(|o| !o.is_empty()).unwrap_or(false);
        let dirty = self.dirty.lock().map(|d| *d).unwrap_or(false);
        if !dirty && !stale {
            return Ok(());
        }
        let Ok(mut sets) = self.new.lock().map(|n| n.clone()) else {
            return Ok(());
        };
        sets.sort_by(|a, b| a.0.cmp(&b.0));
        let disk = OnDisk {
            context: self.context,
            sets,
        };
        super::cache::write_trusted(file, &encode(&disk).map_err(std::io::Error::other)?)
    }
}

fn encode(disk: &OnDisk) -> Result<Vec<u8>, postcard::Error> {
    Ok(super::cache::frame(MAGIC, &postcard::to_stdvec(disk)?))
}

fn decode(bytes: &[u8]) -> Result<OnDisk, String> {
    postcard::from_bytes(super::cache::unframe(MAGIC, bytes)?)
        .map_err(|e| format!("undecodable: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old_file(p: &Path) {
        std::fs::write(p, b"content").unwrap();
    }

    /// A reading that "began" after every file's last change (the racy window is long past).
    fn later() -> SystemTime {
        SystemTime::now() + std::time::Duration::from_secs(10)
    }

    #[test]
    fn an_unchanged_set_is_answered_and_survives_a_save() {
        let t = tempfile::tempdir().unwrap();
        let set = t.path().join("set");
        std::fs::create_dir(&set).unwrap();
        let f = set.join("a.crt");
        old_file(&f);
        let dir = t.path().join("cache");
        let c: SetCache<Vec<String>> = SetCache::load(&dir, "sets.bin", 7, true);
        assert!(c.get(&set, "s").is_none());
        c.put(
            &set,
            "s",
            &[set.clone(), f.clone()],
            later(),
            &vec!["x".into()],
        );
        c.save().unwrap();
        let again: SetCache<Vec<String>> = SetCache::load(&dir, "sets.bin", 7, true);
        assert_eq!(again.get(&set, "s"), Some(vec!["x".to_string()]));
        // Another context (profile, anchors, …) answers nothing.
        let other: SetCache<Vec<String>> = SetCache::load(&dir, "sets.bin", 8, true);
        assert!(other.get(&set, "s").is_none());
        // Another id for the same folder answers nothing.
        let again: SetCache<Vec<String>> = SetCache::load(&dir, "sets.bin", 7, true);
        assert!(again.get(&set, "t").is_none());
    }

    #[test]
    fn a_file_changed_during_the_reading_is_not_remembered() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("a.crt");
        old_file(&f);
        let c: SetCache<u8> = SetCache::load(&t.path().join("cache"), "sets.bin", 0, true);
        // The reading began before the file's last change.
        let before = SystemTime::now() - std::time::Duration::from_secs(60);
        c.put(t.path(), "s", std::slice::from_ref(&f), before, &1);
        c.save().unwrap();
        let again: SetCache<u8> = SetCache::load(&t.path().join("cache"), "sets.bin", 0, true);
        assert!(again.get(t.path(), "s").is_none());
    }

    #[test]
    fn a_file_gone_since_its_reading_is_not_remembered() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("a.crt");
        let c: SetCache<u8> = SetCache::load(&t.path().join("cache"), "sets.bin", 0, true);
        c.put(t.path(), "s", std::slice::from_ref(&f), later(), &1);
        c.save().unwrap();
        let again: SetCache<u8> = SetCache::load(&t.path().join("cache"), "sets.bin", 0, true);
        assert!(again.get(t.path(), "s").is_none());
    }

    #[test]
    fn a_damaged_or_foreign_file_is_ignored_with_a_note() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("a.crt");
        old_file(&f);
        let dir = t.path().join("cache");
        let c: SetCache<u32> = SetCache::load(&dir, "sets.bin", 1, true);
        c.put(t.path(), "s", std::slice::from_ref(&f), later(), &42);
        c.save().unwrap();
        let file = dir.join("sets.bin");
        let good = std::fs::read(&file).unwrap();
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        for (what, bytes) in [
            ("flipped", flipped),
            ("truncated", good[..good.len() - 3].to_vec()),
            ("short", good[..10].to_vec()),
            ("foreign", b"{\"version\":4}".to_vec()),
        ] {
            std::fs::write(&file, &bytes).unwrap();
            let c: SetCache<u32> = SetCache::load(&dir, "sets.bin", 1, true);
            assert!(c.note().is_some(), "{what}");
            assert!(c.get(t.path(), "s").is_none(), "{what}");
        }
        std::fs::write(&file, &good).unwrap();
        let c: SetCache<u32> = SetCache::load(&dir, "sets.bin", 1, true);
        assert!(c.note().is_none());
        assert_eq!(c.get(t.path(), "s"), Some(42));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_and_others_writable_is_not_believed() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("a.crt");
        old_file(&f);
        let dir = t.path().join("cache");
        let c: SetCache<u32> = SetCache::load(&dir, "sets.bin", 1, true);
        c.put(t.path(), "s", std::slice::from_ref(&f), later(), &42);
        c.save().unwrap();
        let file = dir.join("sets.bin");
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        let c: SetCache<u32> = SetCache::load(&dir, "sets.bin", 1, true);
        assert!(c.get(t.path(), "s").is_none());
    }

    #[test]
    fn sets_not_seen_again_are_dropped_on_save() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("a.crt");
        old_file(&f);
        let dir = t.path().join("cache");
        let c: SetCache<u32> = SetCache::load(&dir, "sets.bin", 1, true);
        c.put(
            &t.path().join("one"),
            "1",
            std::slice::from_ref(&f),
            later(),
            &1,
        );
        c.put(
            &t.path().join("two"),
            "2",
            std::slice::from_ref(&f),
            later(),
            &2,
        );
        c.save().unwrap();
        let c: SetCache<u32> = SetCache::load(&dir, "sets.bin", 1, true);
        assert_eq!(c.get(&t.path().join("one"), "1"), Some(1));
        c.save().unwrap();
        let c: SetCache<u32> = SetCache::load(&dir, "sets.bin", 1, true);
        assert_eq!(c.get(&t.path().join("one"), "1"), Some(1));
        assert!(c.get(&t.path().join("two"), "2").is_none());
    }
}
