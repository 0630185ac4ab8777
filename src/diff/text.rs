//! Unified line diffs of text files (scripts in folder components), for display on request.
//! Binary or very large files get no line diff: their hashes already say they differ.

use similar::TextDiff;
use std::path::Path;

/// Files larger than this are not line-diffed (a diff nobody reads costs memory).
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// Unified diff (3 lines of context) from `old` to `new`, headed by the two labels;
/// empty when the texts are equal.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
        .to_string()
}

/// Unified diff of two files, or `None` when either is not text (NUL bytes, invalid UTF-8)
/// or larger than [`MAX_TEXT_BYTES`].
pub fn unified_files(
    old: &Path,
    new: &Path,
    old_label: &str,
    new_label: &str,
) -> std::io::Result<Option<String>> {
    let (Some(a), Some(b)) = (read_text(old)?, read_text(new)?) else {
        return Ok(None);
    };
    Ok(Some(unified(&a, &b, old_label, new_label)))
}

fn read_text(path: &Path) -> std::io::Result<Option<String>> {
    if std::fs::symlink_metadata(path)?.len() > MAX_TEXT_BYTES {
        return Ok(None);
    }
    let bytes = std::fs::read(path)?;
    if bytes.contains(&0) {
        return Ok(None);
    }
    Ok(String::from_utf8(bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_marks_removed_and_added_lines() {
        let d = unified("a\nb\nc\n", "a\nB\nc\n", "set/x.sh", "live/x.sh");
        assert!(d.starts_with("--- set/x.sh\n+++ live/x.sh\n"), "{d}");
        assert!(d.contains("\n-b\n+B\n"), "{d}");
        assert_eq!(unified("same\n", "same\n", "a", "b"), "");
    }
}
