//! The details overlay (`Enter`) and the zoom side panel: everything the inventory knows about
//! the selected row, wrapped under its value column and scrollable.

use super::frame_box;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Padding, Paragraph};

/// Draw the details overlay with its lines scrolled by `scroll` rows.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    scroll: usize,
    theme: &Theme,
) {
    let inner = frame_box(frame, area, title, "↑↓ scroll · Esc close", theme);
    render(frame, inner, &lines, scroll);
}

/// Draw the zoom side panel (no overlay, ordinary border).
pub fn draw_panel(
    frame: &mut Frame,
    area: Rect,
    lines: Vec<Line<'static>>,
    scroll: usize,
    theme: &Theme,
) {
    let block = Block::bordered()
        .border_style(theme.style(Role::Border))
        .padding(Padding::horizontal(1))
        .title(Line::styled(" Details ", theme.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    render(frame, inner, &lines, scroll);
}

fn render(frame: &mut Frame, inner: Rect, lines: &[Line<'static>], scroll: usize) {
    let lines = widgets::wrap(lines, inner.width as usize);
    let y = scroll.min(lines.len().saturating_sub(inner.height as usize));
    frame.render_widget(
        Paragraph::new(lines.into_iter().skip(y).collect::<Vec<_>>()),
        inner,
    );
}
