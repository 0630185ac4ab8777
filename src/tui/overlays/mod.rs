//! Overlays drawn over the body: details of a row, the help generated from the keymap, the
//! findings view, the diff view, the plan preview, the journal view, the filter input line and
//! the note of a runbook mark.

pub mod details;
pub mod diff;
pub mod filter;
pub mod findings;
pub mod help;
pub mod journal;
pub mod note;
pub mod restore;
pub mod training;

use super::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding};

/// Clear the area and draw a focused border with a title and a bottom hint; returns the inside.
pub fn frame_box(frame: &mut Frame, area: Rect, title: &str, bottom: &str, theme: &Theme) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_style(theme.style(Role::BorderFocused))
        .padding(Padding::horizontal(1))
        .title(Line::from(Span::styled(
            format!(" {title} "),
            theme.style(Role::Title),
        )))
        .title_bottom(
            Line::from(Span::styled(
                format!(" {bottom} "),
                theme.style(Role::Muted),
            ))
            .right_aligned(),
        );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Rows a list of lines takes once wrapped to `width` cells.
pub fn wrapped_height(lines: &[Line<'static>], width: u16) -> usize {
    super::widgets::wrap(lines, width as usize).len()
}
