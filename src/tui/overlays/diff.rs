//! The diff overlay (`d`): the core's classified diff lines, one section per component,
//! coloured by added/removed/changed, one row per line: table rows are never wrapped, a line
//! wider than the view scrolls sideways (`←`/`→`); `n`/`N` jump between changes (or search
//! matches) and `/` searches.

use super::frame_box;
use crate::diff::report::{Line as DiffLine, LineKind};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::path::Path;

/// What the diff overlay shows.
#[derive(Debug, Clone)]
pub struct DiffState {
    /// Title: which set against live, which components.
    pub title: String,
    /// Job that computes it; older results are ignored.
    pub job: u64,
    /// `None` while computing.
    pub lines: Option<Result<Vec<DiffLine>, String>>,
    /// Search text (case-insensitive); empty when none.
    pub search: String,
    /// Cells scrolled sideways.
    pub hscroll: usize,
}

impl DiffState {
    /// Whether line `i` is a stop for `n`/`N`: a match after a search, else a change.
    pub fn is_stop(&self, i: usize) -> bool {
        let Some(Ok(lines)) = &self.lines else {
            return false;
        };
        let Some(l) = lines.get(i) else {
            return false;
        };
        if self.search.is_empty() {
            l.kind.is_change()
        } else {
            l.text.to_lowercase().contains(&self.search.to_lowercase())
        }
    }

    /// Number of logical lines.
    pub fn len(&self) -> usize {
        match &self.lines {
            Some(Ok(l)) => l.len(),
            _ => 0,
        }
    }

    /// Whether there are no lines (yet).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn role(kind: LineKind) -> Role {
    match kind {
        LineKind::Heading => Role::Title,
        LineKind::Info => Role::Text,
        LineKind::Added => Role::DiffAdded,
        LineKind::Removed => Role::DiffRemoved,
        LineKind::Changed => Role::DiffChanged,
        LineKind::Problem => Role::SeverityError,
    }
}

/// The styled lines, paths under `root` shown relative as in the panes.
pub fn lines(state: &DiffState, root: &Path, theme: &Theme) -> Vec<Line<'static>> {
    match &state.lines {
        None => vec![Line::styled(
            "computing the diff…",
            theme.style(Role::Pending),
        )],
        Some(Err(e)) => vec![Line::styled(
            format!("no diff: {e}"),
            theme.style(Role::SeverityError),
        )],
        Some(Ok(ls)) => ls
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut style = theme.style(role(l.kind));
                // Matches are underlined, which survives a theme without colour.
                if !state.search.is_empty() && state.is_stop(i) {
                    style = style.add_modifier(Modifier::UNDERLINED);
                }
                Line::from(Span::styled(widgets::relativize(&l.text, root), style))
            })
            .collect(),
    }
}

/// The widest line in cells: how far the view can scroll sideways.
pub fn widest(lines: &[Line<'static>]) -> usize {
    lines.iter().map(Line::width).max().unwrap_or(0)
}

/// How far `lines` can scroll sideways in a view `width` cells wide.
pub fn max_hscroll(lines: &[Line<'static>], width: usize) -> usize {
    widest(lines).saturating_sub(width)
}

/// `line` without its first `n` cells (a wide character cut in half becomes a space).
pub fn skip_cells(line: &Line<'static>, n: usize) -> Line<'static> {
    if n == 0 {
        return line.clone();
    }
    let mut left = n;
    let mut spans = Vec::new();
    for s in &line.spans {
        let mut text = String::new();
        for c in s.content.chars() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if left == 0 {
                text.push(c);
            } else if w > left {
                text.push_str(&" ".repeat(w - left));
                left = 0;
            } else {
                left -= w;
            }
        }
        if !text.is_empty() {
            spans.push(Span::styled(text, s.style));
        }
    }
    Line::from(spans)
}

/// Draw the overlay scrolled to `scroll` rows.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &DiffState,
    lines: Vec<Line<'static>>,
    scroll: usize,
    theme: &Theme,
) {
    let title = widgets::fit(&state.title, (area.width as usize).saturating_sub(6));
    // The inner width is the area less borders and padding.
    let sideways = max_hscroll(&lines, (area.width as usize).saturating_sub(4)) > 0;
    let mut hint = if state.search.is_empty() {
        "n/N change · / search · Esc close".to_string()
    } else {
        format!(
            "n/N match '{}' · Esc close",
            widgets::fit(&state.search, 12)
        )
    };
    if sideways {
        hint = format!("←→ sideways · {hint}");
    }
    let inner = frame_box(frame, area, &title, &hint, theme);
    let hscroll = state.hscroll.min(max_hscroll(&lines, inner.width as usize));
    let y = scroll.min(lines.len().saturating_sub(inner.height as usize));
    frame.render_widget(
        Paragraph::new(
            lines
                .iter()
                .skip(y)
                .take(inner.height as usize)
                .map(|l| skip_cells(l, hscroll))
                .collect::<Vec<_>>(),
        ),
        inner,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(search: &str) -> DiffState {
        DiffState {
            title: String::new(),
            job: 1,
            lines: Some(Ok(vec![
                DiffLine {
                    kind: LineKind::Heading,
                    text: "== settings:Server [different]".into(),
                },
                DiffLine {
                    kind: LineKind::Added,
                    text: "  + Port = 3971".into(),
                },
            ])),
            search: search.into(),
            hscroll: 0,
        }
    }

    #[test]
    fn changes_are_stops_until_a_search_makes_matches_the_stops() {
        assert!(!state("").is_stop(0));
        assert!(state("").is_stop(1));
        assert!(state("SERVER").is_stop(0), "search ignores case");
        assert!(!state("server").is_stop(1));
    }

    #[test]
    fn search_matches_are_underlined_and_added_lines_use_the_added_style() {
        let theme = Theme::default_theme();
        let ls = lines(&state("port"), Path::new("/srv"), &theme);
        let added = ls[1].spans[0].style;
        assert_eq!(added.fg, theme.style(Role::DiffAdded).fg);
        assert!(added.add_modifier.contains(Modifier::UNDERLINED));
        assert!(
            !ls[0].spans[0]
                .style
                .add_modifier
                .contains(Modifier::UNDERLINED)
        );
    }

    #[test]
    fn wide_rows_scroll_sideways_instead_of_wrapping() {
        let ls = vec![Line::raw("abcdefghij"), Line::raw("xy")];
        assert_eq!(max_hscroll(&ls, 4), 6);
        assert_eq!(max_hscroll(&ls, 20), 0);
        let text = |l: Line| {
            l.spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        assert_eq!(text(skip_cells(&ls[0], 3)), "defghij");
        assert_eq!(text(skip_cells(&ls[1], 3)), "");
        assert_eq!(text(skip_cells(&Line::raw("日本x"), 1)), " 本x");
    }
}
