//! Key scripts: the small text format trainers write to drive the console (`--keys FILE`,
//! the built-in tours). One action per line; parsing happens before the console starts, so a
//! bad line is an error naming it, never a surprise halfway through a recording.

use super::keymap::key_name;
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// Milliseconds a `pause` lasts when nobody can press Space (headless recordings).
pub const DEFAULT_PAUSE_MS: u64 = 3000;
/// The longest `wait` or `pause`: an hour (longer is a typo, and no recording wants it).
pub const MAX_WAIT_MS: u64 = 3_600_000;
/// The largest terminal a script may ask for (cells are kept in memory).
pub const MAX_SIZE: (u16, u16) = (1000, 500);

/// One action of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A key, played through the keymap as a person's key is.
    Key(KeyEvent),
    /// Text typed one character at a time (a filter or a search).
    Type(String),
    /// Let this many milliseconds pass.
    Wait(u64),
    /// Wait until every background job (a check, diff, restore, undo) has finished.
    WaitForJob,
    /// Show this line to viewers until the next caption; `None` clears it.
    Caption(Option<String>),
    /// Resize the (in-memory) terminal to columns × rows.
    Resize(u16, u16),
    /// Wait for the trainee's Space; headless it lasts this many milliseconds.
    Pause(u64),
}

/// A parsed script: its steps with the line each came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// `(line number, step)` in order.
    pub steps: Vec<(usize, Step)>,
}

/// A line that means nothing: which line, what it said and why it is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: '{text}': {why}")]
pub struct ScriptError {
    /// 1-based line number.
    pub line: usize,
    /// The line as written (trimmed, escaped for display).
    pub text: String,
    /// What is wrong and what would be right.
    pub why: String,
}

impl Script {
    /// Parse a whole script; the first bad line is the error.
    pub fn parse(text: &str) -> Result<Script, ScriptError> {
        let mut steps = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let step = parse_line(line).map_err(|why| ScriptError {
                line: i + 1,
                text: crate::escape::escape(line).into_owned(),
                why,
            })?;
            steps.push((i + 1, step));
        }
        Ok(Script { steps })
    }
}

fn parse_line(line: &str) -> Result<Step, String> {
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    match word {
        "type" => {
            if rest.is_empty() {
                Err("type needs the text to type: `type ServerDatabase`".into())
            } else {
                Ok(Step::Type(rest.to_string()))
            }
        }
        "wait" => millis(rest, "wait").map(Step::Wait),
        "wait-for" => match rest {
            "job" => Ok(Step::WaitForJob),
            _ => {
                Err("wait-for waits for `job` (the background check, diff, restore or undo)".into())
            }
        },
        "caption" => Ok(Step::Caption((!rest.is_empty()).then(|| rest.to_string()))),
        "resize" => resize(rest),
        "pause" if rest.is_empty() => Ok(Step::Pause(DEFAULT_PAUSE_MS)),
        "pause" => millis(rest, "pause").map(Step::Pause),
        _ if rest.is_empty() => key(word).map(Step::Key),
        _ => Err(
            "not a key or an action: use a key (j, Enter, Esc, Tab, Shift-Tab, Ctrl-C, F1, …), \
             type TEXT, wait MS, wait-for job, caption TEXT, resize COLSxROWS or pause [MS]"
                .into(),
        ),
    }
}

fn millis(arg: &str, word: &str) -> Result<u64, String> {
    let ms = arg
        .parse::<u64>()
        .map_err(|_| format!("{word} needs milliseconds as a whole number: `{word} 500`"))?;
    if ms > MAX_WAIT_MS {
        return Err(format!(
            "{word} {ms} is longer than an hour ({MAX_WAIT_MS} ms), the most a script may wait"
        ));
    }
    Ok(ms)
}

fn resize(arg: &str) -> Result<Step, String> {
    let (cols, rows) = parse_size(arg)?;
    if cols < MIN_WIDTH || rows < MIN_HEIGHT {
        return Err(format!(
            "{cols}x{rows} is below the console's minimum of {MIN_WIDTH}x{MIN_HEIGHT}"
        ));
    }
    Ok(Step::Resize(cols, rows))
}

/// Parse `COLSxROWS` (`100x30`), at most [`MAX_SIZE`].
pub fn parse_size(arg: &str) -> Result<(u16, u16), String> {
    let bad = || format!("'{arg}' is not a size: give COLSxROWS such as 100x30");
    let (c, r) = arg.split_once(['x', 'X']).ok_or_else(bad)?;
    let cols = c.trim().parse::<u16>().map_err(|_| bad())?;
    let rows = r.trim().parse::<u16>().map_err(|_| bad())?;
    if cols > MAX_SIZE.0 || rows > MAX_SIZE.1 {
        return Err(format!(
            "{cols}x{rows} is larger than the largest terminal a script may use ({}x{})",
            MAX_SIZE.0, MAX_SIZE.1
        ));
    }
    Ok((cols, rows))
}

/// Parse one key name: a single character, a named key, or `Ctrl-`/`Alt-` with a key.
pub fn key(name: &str) -> Result<KeyEvent, String> {
    let unknown = || {
        format!(
            "unknown key '{}': use a character (j, ?, 1), a name (Enter, Esc, Tab, Shift-Tab, \
             Space, Backspace, Up, Down, Left, Right, PageUp, PageDown, Home, End, F1–F12) \
             or Ctrl-/Alt- with a key",
            crate::escape::escape(name)
        )
    };
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        let mods = if c.is_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        return Ok(KeyEvent::new(KeyCode::Char(c), mods));
    }
    let lower = name.to_ascii_lowercase();
    for (prefix, m) in [
        ("ctrl-", KeyModifiers::CONTROL),
        ("alt-", KeyModifiers::ALT),
    ] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            // `Ctrl-C` and `Ctrl-c` are the same key, as terminals send them.
            let base = if rest.chars().count() == 1 {
                rest.to_string()
            } else {
                name[prefix.len()..].to_string()
            };
            let mut k = key(&base).map_err(|_| unknown())?;
            k.modifiers = (k.modifiers - KeyModifiers::SHIFT) | m;
            return Ok(k);
        }
    }
    let code = match lower.as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "shift-tab" | "backtab" | "s-tab" => {
            return Ok(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        }
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        f if f.starts_with('f') => match f[1..].parse::<u8>() {
            Ok(n @ 1..=12) => KeyCode::F(n),
            _ => return Err(unknown()),
        },
        _ => return Err(unknown()),
    };
    Ok(KeyEvent::new(code, KeyModifiers::NONE))
}

/// How the key-cast overlay writes a key: the keymap's names (`Enter`, `S-Tab`, `Ctrl-c`).
pub fn label(k: &KeyEvent) -> String {
    let mods = k.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
    let name = key_name((k.code, mods & KeyModifiers::CONTROL));
    if mods.contains(KeyModifiers::ALT) {
        format!("Alt-{name}")
    } else {
        name
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(k) => write!(f, "{}", label(k)),
            Step::Type(t) => write!(f, "type {t}"),
            Step::Wait(ms) => write!(f, "wait {ms}"),
            Step::WaitForJob => write!(f, "wait-for job"),
            Step::Caption(Some(t)) => write!(f, "caption {t}"),
            Step::Caption(None) => write!(f, "caption"),
            Step::Resize(c, r) => write!(f, "resize {c}x{r}"),
            Step::Pause(ms) => write!(f, "pause {ms}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_line_parses() {
        let s = Script::parse(
            "# a comment\n\nj\nEnter\n  Esc  \nTab\nShift-Tab\nCtrl-C\nF1\n1\n?\nSpace\n\
             type Server Database\nwait 500\nwait-for job\ncaption The newest set is corrupt\n\
             caption\nresize 80x24\npause\npause 1200\nAlt-x\n",
        )
        .expect("valid script");
        let steps: Vec<Step> = s.steps.iter().map(|(_, s)| s.clone()).collect();
        let k = |c, m| Step::Key(KeyEvent::new(c, m));
        assert_eq!(
            steps,
            vec![
                k(KeyCode::Char('j'), KeyModifiers::NONE),
                k(KeyCode::Enter, KeyModifiers::NONE),
                k(KeyCode::Esc, KeyModifiers::NONE),
                k(KeyCode::Tab, KeyModifiers::NONE),
                k(KeyCode::BackTab, KeyModifiers::SHIFT),
                k(KeyCode::Char('c'), KeyModifiers::CONTROL),
                k(KeyCode::F(1), KeyModifiers::NONE),
                k(KeyCode::Char('1'), KeyModifiers::NONE),
                k(KeyCode::Char('?'), KeyModifiers::NONE),
                k(KeyCode::Char(' '), KeyModifiers::NONE),
                Step::Type("Server Database".into()),
                Step::Wait(500),
                Step::WaitForJob,
                Step::Caption(Some("The newest set is corrupt".into())),
                Step::Caption(None),
                Step::Resize(80, 24),
                Step::Pause(DEFAULT_PAUSE_MS),
                Step::Pause(1200),
                k(KeyCode::Char('x'), KeyModifiers::ALT),
            ]
        );
        // Line numbers count comments and blank lines.
        assert_eq!(s.steps[0].0, 3);
    }

    #[test]
    fn unknown_lines_are_errors_naming_the_line() {
        let e = Script::parse("j\n\nEnterr\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().contains("line 3: 'Enterr'"), "{e}");
        assert!(e.why.contains("unknown key"), "{e}");
        for bad in [
            "wait soon",
            "wait-for godot",
            "type",
            "resize 100",
            "press j",
            "F13",
            "Ctrl-Nothing",
        ] {
            let e = Script::parse(bad).unwrap_err();
            assert_eq!(e.line, 1, "{bad}");
        }
    }

    #[test]
    fn a_resize_below_the_minimum_is_refused() {
        let e = Script::parse("resize 40x10").unwrap_err();
        assert!(e.why.contains("minimum of 60x16"), "{e}");
        assert!(Script::parse("resize 60x16").is_ok());
    }

    #[test]
    fn labels_use_the_keymap_names() {
        let l = |s: &str| label(&key(s).expect("key"));
        assert_eq!(l("Enter"), "Enter");
        assert_eq!(l("Shift-Tab"), "S-Tab");
        assert_eq!(l("Ctrl-C"), "Ctrl-c");
        assert_eq!(l("G"), "G");
        assert_eq!(l("Space"), "Space");
        assert_eq!(l("Alt-x"), "Alt-x");
    }

    #[test]
    fn sizes_parse_with_either_x() {
        assert_eq!(parse_size("100x30"), Ok((100, 30)));
        assert_eq!(parse_size("80X24"), Ok((80, 24)));
        assert!(parse_size("80").is_err());
        assert!(parse_size("60000x60000").unwrap_err().contains("largest"));
        assert!(
            Script::parse("wait 99999999999")
                .unwrap_err()
                .why
                .contains("an hour")
        );
        assert!(parse_size("axb").is_err());
    }
}
