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

/// Pretty JSON that keeps every true string yet is safe to print on a terminal: serde_json
/// writes DEL, C1 controls and bidirectional overrides raw, so they are written as `\uXXXX`
/// escapes instead (valid JSON that decodes to the same string; outside strings JSON never
/// holds these characters).
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    // serde_json escapes C0 controls inside strings; outside them only its own line ends and
    // spaces appear. What is left is DEL and above, all in the Basic Multilingual Plane.
    let raw = |c: char| c >= '\x7f' && needs_escape(c);
    let text = serde_json::to_string_pretty(value)?;
    if !text.chars().any(raw) {
        return Ok(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if raw(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Pretty JSON as [`json`] makes it, written to `out` as it is produced (a long history's
/// report is never held whole in memory).
pub fn json_to_writer<T: serde::Serialize + ?Sized, W: std::io::Write>(
    value: &T,
    out: W,
) -> std::io::Result<()> {
    let mut safe = JsonSafe {
        out: std::io::BufWriter::with_capacity(64 * 1024, out),
        pending: Vec::new(),
    };
    let mut chunks = std::io::BufWriter::with_capacity(64 * 1024, &mut safe);
    serde_json::to_writer_pretty(&mut chunks, value).map_err(std::io::Error::other)?;
    std::io::Write::flush(&mut chunks)?;
    drop(chunks);
    std::io::Write::write_all(&mut safe.out, &safe.pending)?;
    std::io::Write::flush(&mut safe.out)
}

/// A writer that passes serde_json's pretty output on with the characters [`json`] escapes
/// written as `\uXXXX`; a character split between two writes waits for its end.
struct JsonSafe<W: std::io::Write> {
    out: W,
    pending: Vec<u8>,
}

impl<W: std::io::Write> std::io::Write for JsonSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
        let mut from = 0;
        for (i, c) in text.char_indices() {
            if c >= '\x7f' && needs_escape(c) {
                self.out.write_all(&text.as_bytes()[from..i])?;
                write!(self.out, "\\u{:04x}", c as u32)?;
                from = i + c.len_utf8();
            }
        }
        self.out.write_all(&text.as_bytes()[from..])?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// `s` as one word for a POSIX shell: unchanged when it is plain, else in single quotes (a
/// command line the operator copies or reads must mean exactly this name).
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
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

    #[test]
    fn streamed_json_equals_the_whole_string_even_when_characters_are_split() {
        let names: Vec<String> = (0..5000)
            .map(|i| format!("set {i} \u{202e}gpj.exe\u{7f}\u{9b} é€😀"))
            .collect();
        let whole = json(&names).unwrap();
        assert!(whole.contains("\\u202e"));
        let mut streamed = Vec::new();
        json_to_writer(&names, &mut streamed).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), whole);
        // A writer fed one byte at a time splits every multi-byte character.
        let mut out = Vec::new();
        let mut safe = JsonSafe {
            out: &mut out,
            pending: Vec::new(),
        };
        let raw = serde_json::to_string_pretty(&names).unwrap();
        for b in raw.as_bytes() {
            std::io::Write::write_all(&mut safe, std::slice::from_ref(b)).unwrap();
        }
        assert!(safe.pending.is_empty());
        assert_eq!(String::from_utf8(out).unwrap(), whole);
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_keeps_the_string() {
        let name = "a\u{9b}2J\u{202e}b\x7f\x1b\n";
        let text = json(&serde_json::json!({ "name": name })).unwrap();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], name);
    }
}
