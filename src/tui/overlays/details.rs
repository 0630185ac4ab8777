//! The details overlay (`Enter`) and the zoom side panel: everything the inventory knows about
//! the selected row, wrapped and scrollable.

use super::{frame_box, wrapped_height};
use crate::tui::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

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
    let max = wrapped_height(&lines, inner.width).saturating_sub(inner.height as usize);
    let y = scroll.min(max).min(u16::MAX as usize) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((y, 0)),
        inner,
    );
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
    let max = wrapped_height(&lines, inner.width).saturating_sub(inner.height as usize);
    let y = scroll.min(max).min(u16::MAX as usize) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((y, 0)),
        inner,
    );
}
