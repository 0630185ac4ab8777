//! The one escaping function for text that reaches a terminal: every name from disk (sets,
//! files, folders, keys, database values) passes through [`escape`] before a text report,
//! plan, journal or diff prints it. JSON keeps the true string.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

/// `s` with every character a terminal would act on made visible: C0 controls (newline,
/// carriage return, tab, ESC, bell, …), DEL and C1 controls (`\u{9b}` is CSI to some
/// terminals) become `\n`, `\r`, `\t` or `\xNN`/`\u{NN}`, and bidirectional overrides and line
/// separators (which reorder or break what the eye reads) become `\u{NNNN}`. So a name can
/// neither clear the screen, set the window title, ring the bell, nor forge a line.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path as [`escape`]d text.
pub fn path(p: &Path) -> String {
    escape(&p.display().to_string()).into_owned()
}

/// Wraps a string so `{}` prints it [`escape`]d: `format!("{}", Shown(&name))`.
pub struct Shown<'a>(pub &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&escape(self.0))
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_newlines_and_overrides_become_visible() {
        assert_eq!(
            escape("a\x1b[2J\x1b]0;owned\x07b\nFAKE\r\t\u{9b}\u{202e}\x7f"),
            "a\\x1b[2J\\x1b]0;owned\\x07b\\nFAKE\\r\\t\\u{9b}\\u{202e}\\x7f"
        );
        assert!(matches!(escape("plain – ünïcode ✓"), Cow::Borrowed(_)));
        assert_eq!(format!("[{:<6}]", Shown("a\nb")), "[a\\nb  ]");
    }
}
