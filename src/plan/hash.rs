//! What a path holds, as one hash: a file's bytes, a link's target, a folder's whole tree
//! (names, kinds, modes and contents). Used to tell whether a path changed since a commit.

use std::io::Read;
use std::path::Path;
use xxhash_rust::xxh3::Xxh3;

/// Hash of what is at `path` (never following links); `None` when nothing is there.
pub fn content_hash(path: &Path) -> std::io::Result<Option<String>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut h = Xxh3::new();
    entry_into(&mut h, path, &meta)?;
    Ok(Some(format!("xxh3:{:032x}", h.digest128())))
}

fn entry_into(h: &mut Xxh3, path: &Path, meta: &std::fs::Metadata) -> std::io::Result<()> {
    let ft = meta.file_type();
    if ft.is_symlink() {
        h.update(b"L");
        h.update(std::fs::read_link(path)?.as_os_str().as_encoded_bytes());
    } else if ft.is_dir() {
        h.update(b"D");
        h.update(&mode(meta).to_le_bytes());
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
            entry_into(h, &child, &m)?;
        }
        h.update(b"E");
    } else if ft.is_file() {
        h.update(b"F");
        h.update(&mode(meta).to_le_bytes());
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

#[cfg(unix)]
fn mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode(meta: &std::fs::Metadata) -> u32 {
    u32::from(meta.permissions().readonly())
}

#[cfg(test)]
mod tests {
    use super::*;

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
