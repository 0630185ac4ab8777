//! Drawing helpers shared by every pane and overlay: status glyphs, byte and age formatting,
//! fitting text into columns without cutting words silently, and a text progress bar.

use super::theme::{Role, Theme};
use crate::findings::Severity;
use crate::inventory::{DbState, Verdict};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::path::Path;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The state a row is in, as one glyph and one style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Checked and fine.
    Ok,
    /// Not checked yet (or only partly).
    Pending,
    /// Worth knowing.
    Info,
    /// Look at it soon.
    Warning,
    /// Broken.
    Error,
    /// Recovery at risk.
    Critical,
}

impl Status {
    /// One-cell glyph, readable without colour.
    pub fn glyph(self) -> &'static str {
        match self {
            Status::Ok => "✓",
            Status::Pending => "?",
            Status::Info => "i",
            Status::Warning => "!",
            Status::Error => "✗",
            Status::Critical => "‼",
        }
    }

    /// The theme role for this status.
    pub fn role(self) -> Role {
        match self {
            Status::Ok => Role::SeverityOk,
            Status::Pending => Role::Pending,
            Status::Info => Role::SeverityInfo,
            Status::Warning => Role::SeverityWarning,
            Status::Error => Role::SeverityError,
            Status::Critical => Role::SeverityCritical,
        }
    }
}

impl From<Severity> for Status {
    fn from(s: Severity) -> Status {
        match s {
            Severity::Ok => Status::Ok,
            Severity::Info => Status::Info,
            Severity::Warning => Status::Warning,
            Severity::Error => Status::Error,
            Severity::Critical => Status::Critical,
        }
    }
}

/// Status of a database file after its checks.
pub fn db_status(state: DbState) -> Status {
    match state {
        DbState::Ok => Status::Ok,
        DbState::QuickOk | DbState::Unchecked => Status::Pending,
        DbState::Unverifiable => Status::Warning,
        DbState::Empty | DbState::Missing => Status::Error,
        DbState::Corrupt | DbState::NotSqlite | DbState::Unreadable => Status::Error,
    }
}

/// How a database state reads in a list.
pub fn db_state_name(state: DbState) -> &'static str {
    state.label()
}

/// Status and style role of a backup set's verdict.
pub fn verdict_status(v: Verdict) -> (Status, Role) {
    match v {
        Verdict::Restorable => (Status::Ok, Role::VerdictRestorable),
        Verdict::Unverified => (Status::Pending, Role::VerdictUnverified),
        Verdict::Incomplete => (Status::Error, Role::VerdictIncomplete),
        Verdict::Corrupt => (Status::Error, Role::VerdictCorrupt),
    }
}

/// Bytes with a binary unit: `0 B`, `512 B`, `1.5 KiB`, `12 MiB`, `1.2 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// An age in hours as the operator says it: `now`, `45m`, `5h`, `3d 4h`, `40d` — the one
/// format the reports use too.
pub fn age(hours: f64) -> String {
    crate::units::age_hours(hours)
}

/// A count with its noun, singular or plural: `1 file`, `2 files`.
pub fn count(n: usize, noun: &str) -> String {
    crate::units::count(n as u64, noun)
}

/// Display width of a string in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Fit text into `w` cells: unchanged when it fits, else cut with `…` at the end. Names from
/// disk pass through the core's one escaping function here, so the console shows `\x1b` where
/// the text reports do (and a bidirectional override cannot reorder the row).
pub fn fit(s: &str, w: usize) -> String {
    let s = &*crate::escape::escape(s);
    if width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w - 1 {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    out
}

/// Fit a path into `w` cells keeping its end (the file name matters most): `…/Server/x.db`.
pub fn fit_left(s: &str, w: usize) -> String {
    let s = &*crate::escape::escape(s);
    if width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w - 1 {
            break;
        }
        tail.push(c);
        used += cw;
    }
    tail.reverse();
    let tail: String = tail.into_iter().collect();
    // Cut at a folder boundary (`…/srv/old-disk`, not `…v/old-disk`) when one is left;
    // a single name longer than the room is cut where it must be.
    let sep = |c: char| c == '/' || c == std::path::MAIN_SEPARATOR;
    match tail.find(sep) {
        Some(at) if at > 0 => format!("…{}", &tail[at..]),
        _ => format!("…{tail}"),
    }
}

/// Pad or fit to exactly `w` cells.
pub fn cell(s: &str, w: usize) -> String {
    let f = fit(s, w);
    let pad = w.saturating_sub(width(&f));
    format!("{f}{}", " ".repeat(pad))
}

/// Pad on the left (numbers) or fit to exactly `w` cells.
pub fn cell_right(s: &str, w: usize) -> String {
    let f = fit(s, w);
    let pad = w.saturating_sub(width(&f));
    format!("{}{f}", " ".repeat(pad))
}

/// A path shown relative to the root when it lies under it (the header shows the root).
pub fn show_path(path: &Path, root: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if !root.as_os_str().is_empty() && rel.as_os_str().is_empty() => ".".into(),
        Ok(rel) if !root.as_os_str().is_empty() => crate::escape::path(rel),
        _ => crate::escape::path(path),
    }
}

/// `text` with the path of a demo's temporary folder shown as `demo:` (it differs on every run
/// and every machine, and a recording must not).
pub fn demo_alias(text: &str, folder: &Path) -> String {
    let dir = folder.display().to_string();
    if dir.is_empty() || !text.contains(&dir) {
        return text.to_string();
    }
    text.replace(&dir, "demo:")
}

/// Text (a finding message) with absolute paths under the root made relative, as in the panes.
pub fn relativize(text: &str, root: &Path) -> String {
    let text = &*crate::escape::escape(text);
    let r = root.display().to_string();
    if r.is_empty() || r == "/" {
        return text.to_string();
    }
    text.replace(&format!("{r}{}", std::path::MAIN_SEPARATOR), "")
        .replace(&r, ".")
}

/// A text progress bar of `w` cells: `━━━━━━────`.
pub fn bar(ratio: f64, w: usize) -> (String, String) {
    let r = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = (r * w as f64).round() as usize;
    ("━".repeat(filled), "─".repeat(w - filled.min(w)))
}

/// Spans that fill one line from left-aligned parts, dropping whole parts that do not fit:
/// used for hints so nothing is cut mid-word.
pub fn fitting_spans(
    parts: Vec<Vec<Span<'static>>>,
    w: usize,
    sep: &'static str,
    sep_style: Style,
) -> Line<'static> {
    let mut spans = Vec::new();
    let mut used = 0;
    for part in parts {
        let pw: usize = part.iter().map(|s| width(&s.content)).sum();
        let extra = if spans.is_empty() { 0 } else { width(sep) };
        if used + extra + pw > w {
            break;
        }
        if extra > 0 {
            spans.push(Span::styled(sep, sep_style));
        }
        spans.extend(part);
        used += extra + pw;
    }
    Line::from(spans)
}

/// A labelled line for details views: `label  value`.
pub fn field(theme: &Theme, label: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<14} "), theme.style(Role::Muted)),
        Span::styled(value.into(), theme.style(Role::Text)),
    ])
}

/// A section heading for details views.
pub fn heading(theme: &Theme, text: &str) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), theme.style(Role::Title)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_show_hostile_names_escaped_and_measure_them_so() {
        let name = "set\x1b]0;t\x07\nFAKE";
        assert_eq!(cell(name, 22), "set\\x1b]0;t\\x07\\nFAKE ");
        assert_eq!(fit_left(name, 8), "…7\\nFAKE");
        assert_eq!(
            show_path(Path::new("/r/a\u{202e}b"), Path::new("/r")),
            "a\\u{202e}b"
        );
    }

    #[test]
    fn bytes_use_binary_units_with_one_decimal_below_ten() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(50 * 1024 * 1024), "50 MiB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
    }

    #[test]
    fn ages_read_like_an_operator_says_them() {
        assert_eq!(age(0.0), "now");
        assert_eq!(age(0.75), "45m");
        assert_eq!(age(5.2), "5h");
        assert_eq!(age(76.0), "3d 4h");
        assert_eq!(age(24.0 * 40.0), "40d");
        assert_eq!(age(24.0 * 3009.0), "8.2y");
        assert_eq!(age(-2.0), "in 2h");
    }

    #[test]
    fn fitting_text_marks_the_cut_with_an_ellipsis() {
        assert_eq!(fit("ServerDatabase", 20), "ServerDatabase");
        assert_eq!(fit("ServerDatabase", 7), "Server…");
        assert_eq!(fit_left("a/b/ServerDatabase.db", 10), "…tabase.db");
        assert_eq!(fit_left("/mnt/rescue/srv/old-disk", 15), "…/srv/old-disk");
        assert_eq!(fit_left("/mnt/rescue/srv/old-disk", 13), "…/old-disk");
        assert_eq!(width(&cell("x", 5)), 5);
        assert_eq!(width(&cell("abcdefgh", 5)), 5);
    }

    #[test]
    fn paths_under_the_root_are_shown_relative() {
        assert_eq!(
            show_path(Path::new("/r/Library/x.db"), Path::new("/r")),
            "Library/x.db"
        );
        assert_eq!(
            show_path(Path::new("/elsewhere/x.db"), Path::new("/r")),
            "/elsewhere/x.db"
        );
    }

    #[test]
    fn hints_that_do_not_fit_are_dropped_whole() {
        let parts = vec![
            vec![Span::raw("q quit")],
            vec![Span::raw("? help")],
            vec![Span::raw("f findings")],
        ];
        let line = fitting_spans(parts, 15, "  ", Style::default());
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "q quit  ? help");
    }
}

/// Wrap lines to `width` cells at spaces, continuing under the value column: a line whose
/// first span is a padded label (`"Folder         "`) or that starts with spaces keeps that
/// indent on its continuation lines, so details and help stay readable when narrow.
pub fn wrap(lines: &[Line<'static>], width: usize) -> Vec<Line<'static>> {
    let width = width.max(8);
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width() <= width {
            out.push(line.clone());
            continue;
        }
        let cells: Vec<(char, Style)> = line
            .spans
            .iter()
            .flat_map(|s| {
                let style = line.style.patch(s.style);
                s.content.chars().map(move |c| (c, style))
            })
            .collect();
        let indent = hanging_indent(line).min(width / 2);
        let mut start = 0;
        let mut first = true;
        while start < cells.len() {
            let room = if first { width } else { width - indent };
            // Find how many chars fit in `room` cells, then back up to the last space.
            let mut used = 0;
            let mut end = start;
            while end < cells.len() {
                let cw = cells[end].0.width().unwrap_or(0);
                if used + cw > room {
                    break;
                }
                used += cw;
                end += 1;
            }
            // Break after a space (or a ':' or '/' inside long fingerprints and paths), never
            // inside the label column of the first line.
            let floor = if first { start + indent } else { start + 1 };
            if end < cells.len()
                && let Some(brk) = (floor..end).rev().find(|&i| cells[i].0 == ' ').or_else(|| {
                    (floor..end)
                        .rev()
                        .find(|&i| matches!(cells[i].0, ':' | '/'))
                })
            {
                end = brk + 1;
            }
            let mut spans: Vec<Span<'static>> = Vec::new();
            if !first {
                spans.push(Span::raw(" ".repeat(indent)));
            }
            let chunk = &cells[start..end];
            let trimmed = if first {
                chunk
            } else {
                trim_leading_spaces(chunk)
            };
            let mut i = 0;
            while i < trimmed.len() {
                let style = trimmed[i].1;
                let mut text = String::new();
                while i < trimmed.len() && trimmed[i].1 == style {
                    text.push(trimmed[i].0);
                    i += 1;
                }
                spans.push(Span::styled(text, style));
            }
            out.push(Line::from(spans));
            start = end.max(start + 1);
            first = false;
        }
    }
    out
}

fn trim_leading_spaces(cells: &[(char, Style)]) -> &[(char, Style)] {
    let n = cells.iter().take_while(|(c, _)| *c == ' ').count();
    &cells[n..]
}

fn hanging_indent(line: &Line) -> usize {
    let leading: usize = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars())
        .take_while(|c| *c == ' ')
        .count();
    match line.spans.first() {
        Some(s) if line.spans.len() > 1 && s.content.ends_with(' ') && width(&s.content) <= 20 => {
            width(&s.content)
        }
        // Indented text (a hint under a finding) continues a little further in; flush text
        // (a paragraph) stays flush.
        _ if leading > 0 => leading + 2,
        _ => 0,
    }
}

#[cfg(test)]
mod wrap_tests {
    use super::*;

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn long_field_values_continue_under_the_value_column() {
        let line = Line::from(vec![
            Span::raw("File           "),
            Span::raw("Library/Application Support/LANrev Server/ServerDatabase.db"),
        ]);
        let out = wrap(&[line], 50);
        assert_eq!(
            text(&out[0]),
            "File           Library/Application Support/LANrev "
        );
        assert_eq!(text(&out[1]), "               Server/ServerDatabase.db");
        assert!(out.iter().all(|l| l.width() <= 50));
    }

    #[test]
    fn fingerprints_break_after_a_colon_beside_their_label() {
        let line = Line::from(vec![
            Span::raw("SHA-256        "),
            Span::raw("99:BC:7A:73:D1:E0:B2:65:50:B9:D1:A4"),
        ]);
        let out = wrap(&[line], 36);
        assert_eq!(text(&out[0]), "SHA-256        99:BC:7A:73:D1:E0:B2:");
        assert_eq!(text(&out[1]), "               65:50:B9:D1:A4");
    }

    #[test]
    fn words_longer_than_the_width_are_cut_hard_and_nothing_is_lost() {
        let long = "x".repeat(30);
        let out = wrap(&[Line::raw(format!("  {long}"))], 12);
        let joined: String = out.iter().map(|l| text(l).trim().to_string()).collect();
        assert_eq!(joined, long);
        assert!(out.iter().all(|l| l.width() <= 12));
    }
}
