//! Unified line diffs of text files (scripts in folder components), for display on request.
//! Binary or very large files get no line diff: their hashes already say they differ.

use similar::TextDiff;

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
