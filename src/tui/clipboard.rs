//! Copy to the operator's clipboard over SSH with OSC 52: the terminal on the operator's desk
//! sets its clipboard from an escape sequence the console writes, so nothing needs an X server
//! or a clipboard tool on the server. Inside tmux or GNU screen the sequence is also wrapped to
//! pass through them. Terminals that cannot take it (the Linux console, serial terminals) get
//! the text shown to copy by hand; OSC 52 has no answer, so the console says "sent", never
//! "copied".

use base64::Engine as _;

/// How the console can reach the clipboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A terminal that takes OSC 52 (most terminal emulators; assumed unless known otherwise).
    Osc52,
    /// Inside tmux: OSC 52 for tmux itself (`set -g set-clipboard on`), and again wrapped in
    /// tmux's passthrough (`allow-passthrough on`) for the terminal outside.
    Tmux,
    /// Inside GNU screen: OSC 52 wrapped in screen's passthrough.
    Screen,
    /// No clipboard: the text is shown instead; says why.
    Unsupported(String),
}

/// The most text sent at once: terminals drop longer sequences (xterm's default limit is
/// about 100 kB of base64).
pub const MAX_BYTES: usize = 64 * 1024;

/// The target for a terminal described by its environment (`TERM`, `TMUX`, `STY`).
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Target {
    let term = env("TERM").unwrap_or_default();
    let console = match term.as_str() {
        "" => Some("TERM is not set"),
        "linux" => Some("TERM=linux (the Linux console) has no clipboard"),
        "dumb" => Some("TERM=dumb has no clipboard"),
        t if t.starts_with("vt") || t == "ansi" || t.starts_with("cons") => {
            Some("a serial or text console has no clipboard")
        }
        _ => None,
    };
    if env("TMUX").is_some_and(|v| !v.is_empty()) {
        // tmux relays the clipboard even when the terminal it runs in is plain.
        return Target::Tmux;
    }
    if let Some(why) = console {
        return Target::Unsupported(why.to_string());
    }
    if env("STY").is_some_and(|v| !v.is_empty()) || term.starts_with("screen") {
        return Target::Screen;
    }
    Target::Osc52
}

/// The bytes that put `text` on the clipboard through `target`; `None` when the target has no
/// clipboard or the text is too long for one sequence.
pub fn sequence(target: &Target, text: &str) -> Option<Vec<u8>> {
    if text.len() > MAX_BYTES {
        return None;
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let osc = format!("\x1b]52;c;{b64}\x07");
    let out = match target {
        Target::Osc52 => osc,
        // tmux's passthrough doubles every ESC inside it.
        Target::Tmux => format!("{osc}\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b")),
        Target::Screen => format!("\x1bP{osc}\x1b\\"),
        Target::Unsupported(_) => return None,
    };
    Some(out.into_bytes())
}

/// Text made safe to paste: a name from disk with a control character in it (a newline would
/// run a command when pasted into a shell) is copied escaped, as the console shows it. With
/// `lines`, line breaks are kept (a multi-line SQL) and each line is escaped on its own.
/// Returns the text and whether anything was escaped.
pub fn pasteable(text: &str, lines: bool) -> (String, bool) {
    let out = if lines {
        text.lines()
            .map(|l| crate::escape::escape(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        crate::escape::escape(text).into_owned()
    };
    let changed = out != text.trim_end_matches('\n');
    (out, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_terminal_decides_how_the_clipboard_is_reached() {
        assert_eq!(detect(&env(&[("TERM", "xterm-256color")])), Target::Osc52);
        assert_eq!(
            detect(&env(&[("TERM", "tmux-256color"), ("TMUX", "/tmp/t,1,0")])),
            Target::Tmux
        );
        assert_eq!(
            detect(&env(&[("TERM", "screen"), ("STY", "1.pts-0")])),
            Target::Screen
        );
        for plain in ["linux", "vt100", "dumb", ""] {
            let vars: &'static [(&str, &str)] = match plain {
                "linux" => &[("TERM", "linux")],
                "vt100" => &[("TERM", "vt100")],
                "dumb" => &[("TERM", "dumb")],
                _ => &[],
            };
            assert!(
                matches!(detect(&env(vars)), Target::Unsupported(_)),
                "{plain}"
            );
        }
    }

    #[test]
    fn osc52_carries_the_text_in_base64_and_tmux_gets_it_twice() {
        let plain = sequence(&Target::Osc52, "drconsole restore all").unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            "\x1b]52;c;ZHJjb25zb2xlIHJlc3RvcmUgYWxs\x07"
        );
        let tmux = String::from_utf8(sequence(&Target::Tmux, "x").unwrap()).unwrap();
        assert_eq!(
            tmux,
            "\x1b]52;c;eA==\x07\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\"
        );
        let screen = String::from_utf8(sequence(&Target::Screen, "x").unwrap()).unwrap();
        assert_eq!(screen, "\x1bP\x1b]52;c;eA==\x07\x1b\\");
        assert_eq!(sequence(&Target::Unsupported("no".into()), "x"), None);
        assert_eq!(sequence(&Target::Osc52, &"a".repeat(MAX_BYTES + 1)), None);
    }

    #[test]
    fn names_with_control_characters_are_copied_escaped() {
        assert_eq!(
            pasteable("/srv/a\nrm -rf ~", false),
            ("/srv/a\\nrm -rf ~".to_string(), true)
        );
        assert_eq!(
            pasteable("TRUNCATE TABLE A\nUPDATE B SET c=3\n", true),
            ("TRUNCATE TABLE A\nUPDATE B SET c=3".to_string(), false)
        );
        assert_eq!(pasteable("plain", false), ("plain".to_string(), false));
    }
}
