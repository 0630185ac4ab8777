//! `--output FILE`: write a report so a reader (e.g. the node_exporter textfile collector) sees
//! either the old file or the whole new one, never half of it.

use anyhow::{Context as _, bail};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `text` to `dest` atomically: a temporary file in the same folder, fsync, rename, fsync
/// of the folder. On any failure the temporary file is removed and `dest` is left as it was.
pub fn write_atomic(dest: &Path, text: &str) -> anyhow::Result<()> {
    let Some(name) = dest.file_name() else {
        bail!("--output {} names no file", dest.display());
    };
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if dest.is_dir() {
        bail!("--output {} is a folder, not a file", dest.display());
    }
    let tmp = dir.join(format!(
        ".{}.drconsole-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| -> std::io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, dest)
    })();
    if let Err(e) = written {
        // create_new failing means the name was someone else's: only remove what we made.
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            let _ = std::fs::remove_file(&tmp);
        }
        return Err(e).with_context(|| {
            format!(
                "cannot write --output {} (nothing was written)",
                dest.display()
            )
        });
    }
    // The rename is durable only once the folder is on disk; a failure here loses nothing.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
