//! What a path holds, as one hash: a file's bytes, a link's target, a folder's whole tree
//! (names, kinds, modes and contents). Used to tell whether a path changed since a commit.

use crate::fs::{FsError, Kind, Meta, Root};
use std::io::Read;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3;

/// Hash of what is at `path` (never following links); `None` when nothing is there. The
/// folder holding `path` is opened by name; `path` and everything beneath it are read through
/// the root-confined layer (handles, one walk, no link followed).
pub fn content_hash(path: &Path) -> std::io::Result<Option<String>> {
    let (parent, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) => (p, Path::new(n)),
        // `/` or a path ending in `..`: hash it as a folder of its own.
        _ => (path, Path::new("")),
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let base = match Root::open_following(parent) {
        Ok(b) => b,
        Err(FsError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let meta = match base.stat(name) {
        Ok(Some(m)) => m,
        Ok(None) => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mut h = Xxh3::new();
    match meta.kind {
        Kind::Dir => {
            let dir = base.open_dir(name).map_err(io)?;
            tree_into(&mut h, &dir, &meta)?;
        }
        _ => entry_into(&mut h, &base, name, &meta, None)?,
    }
    Ok(Some(format!("xxh3:{:032x}", h.digest128())))
}

/// The hash [`content_hash`] gives a regular file, computed from its bytes as they stream by
/// (a copy hashes what it writes instead of reading the copy back).
#[derive(Clone)]
pub struct FileHasher(Xxh3);

impl FileHasher {
    /// A hasher for a file that will have `mode` and exactly `size` bytes.
    pub fn new(mode: u32, size: u64) -> Self {
        let mut h = Xxh3::new();
        file_header(&mut h, mode, size);
        FileHasher(h)
    }

    /// The next bytes of the file.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The hash, as `content_hash` writes it.
    pub fn finish(&self) -> String {
        format!("xxh3:{:032x}", self.0.digest128())
    }
}

/// The hash [`content_hash`] gives the regular file open as `f` (read from where it stands to
/// its end), which has `mode` and `size`.
pub fn open_file_hash(f: &mut std::fs::File, mode: u32, size: u64) -> std::io::Result<String> {
    let mut h = Xxh3::new();
    file_into(&mut h, f, mode, size)?;
    Ok(format!("xxh3:{:032x}", h.digest128()))
}

/// A regular file: its header, then every byte.
fn file_into(h: &mut Xxh3, f: &mut std::fs::File, mode: u32, size: u64) -> std::io::Result<()> {
    file_header(h, mode, size);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        h.update(&buf[..n]);
    }
}

/// What precedes a regular file's bytes in its hash: kind, mode and size.
fn file_header(h: &mut Xxh3, mode: u32, size: u64) {
    h.update(b"F");
    h.update(&mode.to_le_bytes());
    h.update(&size.to_le_bytes());
}

fn io(e: FsError) -> std::io::Error {
    match e {
        FsError::Io { source, .. } => source,
        FsError::NotFound { .. } => std::io::Error::new(std::io::ErrorKind::NotFound, e),
        e => std::io::Error::other(e),
    }
}

/// A folder and everything beneath it, in one walk: `D mode`, then per entry in name order
/// `N len name` and the entry, and `E` where each folder ends.
fn tree_into(h: &mut Xxh3, dir: &Root, meta: &Meta) -> std::io::Result<()> {
    h.update(b"D");
    h.update(&meta.mode.to_le_bytes());
    // Folders entered and not yet closed, innermost last.
    let mut open: Vec<PathBuf> = vec![PathBuf::new()];
    for item in dir.walk() {
        let e = item.map_err(io)?;
        let parent = e.rel.parent().unwrap_or(Path::new(""));
        while open.last().is_some_and(|o| o.as_path() != parent) {
            open.pop();
            h.update(b"E");
        }
        let name = e.rel.file_name().unwrap_or_default();
        h.update(b"N");
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_encoded_bytes());
        if e.meta.kind == Kind::Dir {
            h.update(b"D");
            h.update(&e.meta.mode.to_le_bytes());
            open.push(e.rel);
        } else {
            entry_into(h, dir, &e.rel, &e.meta, e.target.as_deref())?;
        }
    }
    for _ in open {
        h.update(b"E");
    }
    Ok(())
}

/// One entry that is not a folder.
fn entry_into(
    h: &mut Xxh3,
    base: &Root,
    rel: &Path,
    meta: &Meta,
    target: Option<&std::ffi::OsStr>,
) -> std::io::Result<()> {
    match meta.kind {
        Kind::Link => {
            h.update(b"L");
            match target {
                Some(t) => h.update(t.as_encoded_bytes()),
                None => h.update(base.read_link(rel).map_err(io)?.as_encoded_bytes()),
            }
        }
        Kind::File => {
            let (mut f, _) = base.open_file(rel).map_err(io)?;
            file_into(h, &mut f, meta.mode, meta.size)?;
        }
        Kind::Dir | Kind::Other => h.update(b"O"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path-by-path hash this module computed before the layer: the new one must equal it,
    /// or undo would refuse every transaction committed before.
    fn reference_hash(path: &Path) -> std::io::Result<Option<String>> {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut h = Xxh3::new();
        ref_entry_into(&mut h, path, &meta)?;
        Ok(Some(format!("xxh3:{:032x}", h.digest128())))
    }

    fn ref_entry_into(h: &mut Xxh3, path: &Path, meta: &std::fs::Metadata) -> std::io::Result<()> {
        let ft = meta.file_type();
        if ft.is_symlink() {
            h.update(b"L");
            h.update(std::fs::read_link(path)?.as_os_str().as_encoded_bytes());
        } else if ft.is_dir() {
            h.update(b"D");
            h.update(&ref_mode(meta).to_le_bytes());
            let mut names: Vec<_> = std::fs::read_dir(path)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<_, _>>()?;
            names.sort();
            for name in names {
                let child = path.join(&name);
                let m = std::fs::symlink_metadata(&child)?;
                h.update(b"N");
                h.update(&(name.len() as u64).to_le_bytes());
                h.update(name.as_encoded_bytes());
                ref_entry_into(h, &child, &m)?;
            }
            h.update(b"E");
        } else if ft.is_file() {
            h.update(b"F");
            h.update(&ref_mode(meta).to_le_bytes());
            h.update(&meta.len().to_le_bytes());
            let mut f = std::fs::File::open(path)?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
        } else {
            h.update(b"O");
        }
        Ok(())
    }

    fn ref_mode(meta: &std::fs::Metadata) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o7777
    }

    #[test]
    fn the_hash_is_the_one_recorded_before_the_layer() {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::{PermissionsExt, symlink};
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("t");
        std::fs::create_dir_all(t.join("a/b/c")).unwrap();
        std::fs::create_dir_all(t.join("a.d")).unwrap();
        std::fs::create_dir_all(t.join("empty")).unwrap();
        std::fs::write(t.join("a/b/c/deep"), b"deep").unwrap();
        std::fs::write(t.join("a/x"), vec![7u8; 3 << 20]).unwrap();
        std::fs::write(t.join("a.d/y"), b"y").unwrap();
        std::fs::write(t.join(std::ffi::OsStr::from_bytes(b"n\xffo")), b"z").unwrap();
        std::fs::set_permissions(t.join("a/x"), std::fs::Permissions::from_mode(0o600)).unwrap();
        symlink("/etc", t.join("a/b/link")).unwrap();
        symlink("b", t.join("a/self")).unwrap();
        for p in [
            t.clone(),
            t.join("a"),
            t.join("a/x"),
            t.join("a/b/link"),
            t.join("empty"),
            t.join("missing"),
        ] {
            assert_eq!(
                content_hash(&p).unwrap(),
                reference_hash(&p).unwrap(),
                "{}",
                p.display()
            );
        }
    }

    #[test]
    fn a_streamed_file_hash_equals_the_hash_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&f, &bytes).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        let mut h = FileHasher::new(0o640, bytes.len() as u64);
        for chunk in bytes.chunks(1 << 20) {
            h.update(chunk);
        }
        assert_eq!(Some(h.finish()), content_hash(&f).unwrap());
        // The mode is part of the hash: the same bytes with another mode hash differently.
        assert_ne!(
            Some(FileHasher::new(0o600, bytes.len() as u64).finish()),
            content_hash(&f).unwrap()
        );
    }

    #[test]
    fn hash_changes_with_content_and_is_none_for_absent_paths() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        assert_eq!(content_hash(&f).unwrap(), None);
        std::fs::write(&f, b"one").unwrap();
        let one = content_hash(&f).unwrap();
        std::fs::write(&f, b"two").unwrap();
        assert_ne!(one, content_hash(&f).unwrap());
        let tree = content_hash(dir.path()).unwrap();
        std::fs::write(dir.path().join("b"), b"").unwrap();
        assert_ne!(tree, content_hash(dir.path()).unwrap());
    }
}
