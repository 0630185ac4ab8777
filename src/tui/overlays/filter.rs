//! The filter input (`/`): typed text narrows the focused list at once; `Enter` keeps the
//! filter, `Esc` clears it. Drawn on the footer's first line with a cursor.

use crate::tui::action::Command;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// What a key does while the filter is being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// Add a character.
    Insert(char),
    /// Remove the last character.
    Delete,
    /// Keep the filter and leave the input.
    Accept,
    /// Clear the filter and leave the input.
    Cancel,
    /// Move in the list while typing.
    Move(Command),
}

/// Interpret a key in the filter input.
pub fn edit(key: KeyEvent) -> Option<Edit> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => Some(Edit::Cancel),
        KeyCode::Char('u') if ctrl => Some(Edit::Cancel),
        KeyCode::Char(c) if !ctrl && !c.is_control() => Some(Edit::Insert(c)),
        KeyCode::Backspace => Some(Edit::Delete),
        KeyCode::Enter => Some(Edit::Accept),
        KeyCode::Esc => Some(Edit::Cancel),
        KeyCode::Up => Some(Edit::Move(Command::Up)),
        KeyCode::Down => Some(Edit::Move(Command::Down)),
        KeyCode::PageUp => Some(Edit::Move(Command::PageUp)),
        KeyCode::PageDown => Some(Edit::Move(Command::PageDown)),
        _ => None,
    }
}

/// Draw `/text` with the cursor after it.
pub fn draw(frame: &mut Frame, area: Rect, text: &str, matches: usize, theme: &Theme) {
    let count = format!(
        "  {matches} match{}  Enter keep · Esc clear",
        if matches == 1 { "" } else { "es" }
    );
    let room = (area.width as usize).saturating_sub(2 + widgets::width(&count));
    let shown = widgets::fit_left(text, room);
    let line = Line::from(vec![
        Span::styled("/", theme.style(Role::Key)),
        Span::styled(shown.clone(), theme.style(Role::Text)),
        Span::styled(count, theme.style(Role::Muted)),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    let x = area.x + 1 + widgets::width(&shown) as u16;
    frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_that_are_keys_elsewhere_are_text_in_the_filter() {
        for c in ['q', 'j', 'f', '?', '/'] {
            let k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
            assert_eq!(edit(k), Some(Edit::Insert(c)));
        }
    }

    #[test]
    fn escape_clears_and_enter_keeps() {
        assert_eq!(
            edit(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            Some(Edit::Cancel)
        );
        assert_eq!(
            edit(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Edit::Accept)
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(edit(ctrl_c), Some(Edit::Cancel));
    }
}
