//! The help overlay (`?`), generated from the keymap so no key is described twice; in
//! read-only mode the dangerous bindings are not listed.

use super::frame_box;
use crate::tui::keymap;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::Status;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The help text.
pub fn lines(read_only: bool, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled("Keys", theme.style(Role::Title))];
    for b in keymap::offered(read_only) {
        let mut spans = vec![
            Span::styled(format!("  {:<16}", b.label()), theme.style(Role::Key)),
            Span::styled(b.description.to_string(), theme.style(Role::Text)),
        ];
        if b.journal_only {
            spans.push(Span::styled(
                "  (writes the journal)",
                theme.style(Role::Muted),
            ));
        } else if b.dangerous {
            spans.push(Span::styled(
                "  (changes files)",
                theme.style(Role::SeverityWarning),
            ));
        }
        out.push(Line::from(spans));
    }
    if read_only {
        out.push(Line::default());
        out.push(Line::styled(
            "Read-only mode: actions that change files are hidden.",
            theme.style(Role::Muted),
        ));
    }
    out.push(Line::default());
    out.push(Line::styled(
        "Row status: the worst finding about the row (f lists them all)",
        theme.style(Role::Title),
    ));
    for (st, meaning) in [
        (Status::Ok, "no finding about it"),
        (
            Status::Pending,
            "no finding, but not fully checked yet: cannot vouch for it",
        ),
        (Status::Info, "an info finding (e.g. the recommended set)"),
        (
            Status::Warning,
            "a warning (stale, expiring, out of sync, corrupt or incomplete backup)",
        ),
        (
            Status::Error,
            "an error (corrupt database, key mismatch, two masters, unreachable)",
        ),
        (
            Status::Critical,
            "critical: recovery or agents at risk (e.g. live identity differs from the backup)",
        ),
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("  {}  ", st.glyph()), theme.style(st.role())),
            Span::styled(meaning, theme.style(Role::Text)),
        ]));
    }
    out.push(Line::from(vec![
        Span::styled("  ★  ", theme.style(Role::VerdictRestorable)),
        Span::styled(
            "the recommended backup set (newest restorable)",
            theme.style(Role::Text),
        ),
    ]));
    out
}

/// Draw the help overlay scrolled by `scroll` rows.
pub fn draw(frame: &mut Frame, area: Rect, read_only: bool, scroll: usize, theme: &Theme) {
    let inner = frame_box(frame, area, "Help", "↑↓ scroll · Esc close", theme);
    let text = crate::tui::widgets::wrap(&lines(read_only, theme), inner.width as usize);
    let y = scroll.min(text.len().saturating_sub(inner.height as usize));
    frame.render_widget(
        Paragraph::new(text.into_iter().skip(y).collect::<Vec<_>>()),
        inner,
    );
}
