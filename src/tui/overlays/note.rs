//! The note of a runbook mark (`m`, `x`): typed on the footer's first line, `Enter` records
//! the mark in the journal, `Esc` cancels. The same keys as the filter input.

use crate::tui::app::runbook_state::NoteState;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draw `done ID, note: text` with the cursor after the text.
pub fn draw(frame: &mut Frame, area: Rect, n: &NoteState, theme: &Theme) {
    let prompt = match n.mark {
        crate::plan::MarkKind::Skipped => format!("skip {}, because: ", n.step),
        _ => format!("done {}, note: ", n.step),
    };
    let help = "  Enter record · Esc cancel";
    let room =
        (area.width as usize).saturating_sub(widgets::width(&prompt) + widgets::width(help) + 1);
    let shown = widgets::fit_left(&n.text, room);
    let line = Line::from(vec![
        Span::styled(
            widgets::fit(&prompt, area.width as usize),
            theme.style(Role::Key),
        ),
        Span::styled(shown.clone(), theme.style(Role::Text)),
        Span::styled(help, theme.style(Role::Muted)),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    let x = area.x + (widgets::width(&prompt) + widgets::width(&shown)) as u16;
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}
