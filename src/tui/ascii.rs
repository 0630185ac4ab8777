//! ASCII mode: for terminals that cannot show UTF-8 (LANG=C, a Latin-1 codeset, vt100, the
//! Linux console, serial and iLO/IPMI consoles) every cell drawn is translated to ASCII after
//! the frame is built, so no pane, overlay or name from disk can slip a multi-byte symbol out.

use ratatui::buffer::Buffer;

/// The ASCII stand-in of one drawn symbol: borders become `+-|`, status glyphs `v x ! ? X`, the
/// recommended star `*`, and anything else outside ASCII `?`.
pub fn symbol(s: &str) -> &str {
    if s.is_ascii() {
        return s;
    }
    match s {
        "─" | "━" | "═" | "╌" | "┄" => "-",
        "│" | "┃" | "║" | "╎" | "┆" => "|",
        "┌" | "┐" | "└" | "┘" | "╭" | "╮" | "╯" | "╰" | "├" | "┤" | "┬" | "┴" | "┼" | "╔" | "╗"
        | "╚" | "╝" => "+",
        "✓" | "✔" => "v",
        "✗" | "✘" => "x",
        "‼" => "X",
        "★" => "*",
        "…" => "~",
        "·" | "•" => "-",
        "→" => ">",
        "←" => "<",
        "↑" => "^",
        "↓" => "v",
        "×" => "x",
        "–" | "—" => "-",
        "\u{a0}" => " ",
        "" => "",
        _ => "?",
    }
}

/// Translate every cell of `buf` to ASCII in place.
pub fn transliterate(buf: &mut Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buf[(x, y)];
            if !cell.symbol().is_ascii() {
                let s = symbol(cell.symbol()).to_string();
                cell.set_symbol(&s);
            }
        }
    }
}

/// Whether the environment asks for ASCII: `--ascii`, a C/POSIX or non-UTF-8 locale (the
/// first set of `LC_ALL`, `LC_CTYPE`, `LANG`, as the C library reads them), or a terminal type
/// without line-drawing UTF-8 (`vt100`, `vt220`, `linux`).
pub fn wanted(flag: bool, env: &dyn Fn(&str) -> Option<String>) -> bool {
    if flag {
        return true;
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|k| env(k))
        .find(|v| !v.is_empty());
    let utf8_locale = match locale {
        // No locale at all is the C locale.
        None => false,
        Some(l) => {
            let l = l.to_ascii_lowercase();
            let codeset = l.split('.').nth(1).unwrap_or("");
            let codeset = codeset.split('@').next().unwrap_or("");
            codeset == "utf-8" || codeset == "utf8"
        }
    };
    let term = env("TERM").unwrap_or_default();
    let plain_term = matches!(
        term.as_str(),
        "vt100" | "vt102" | "vt220" | "vt52" | "linux" | "ansi"
    );
    !utf8_locale || plain_term
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::widgets::{Block, Widget};

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn borders_and_glyphs_become_ascii() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 3));
        Block::bordered().title("✓‼★").render(buf.area, &mut buf);
        transliterate(&mut buf);
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert!(text.is_ascii(), "{text}");
        assert_eq!(&text[..6], "+vX*-+");
        assert_eq!(&text[6..12], "|    |");
        assert_eq!(symbol("✗"), "x");
        assert_eq!(symbol("日"), "?");
    }

    #[test]
    fn c_and_latin1_locales_and_old_terminals_want_ascii() {
        let utf8 = [("LANG", "en_US.UTF-8"), ("TERM", "xterm-256color")];
        assert!(!wanted(false, &env(&utf8)));
        assert!(wanted(true, &env(&utf8)));
        assert!(wanted(false, &env(&[("LANG", "C"), ("TERM", "xterm")])));
        assert!(wanted(
            false,
            &env(&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8"), ("TERM", "xterm")])
        ));
        assert!(wanted(
            false,
            &env(&[("LANG", "de_DE.ISO-8859-1"), ("TERM", "xterm")])
        ));
        assert!(wanted(
            false,
            &env(&[("LANG", "en_US.UTF-8"), ("TERM", "vt100")])
        ));
        assert!(wanted(
            false,
            &env(&[("LANG", "en_US.UTF-8"), ("TERM", "linux")])
        ));
        assert!(wanted(false, &env(&[("TERM", "xterm")])), "no locale is C");
        assert!(!wanted(
            false,
            &env(&[("LC_ALL", ""), ("LANG", "C.utf8"), ("TERM", "screen")])
        ));
    }
}
