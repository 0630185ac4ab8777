//! What viewers of a demo see besides the console: the key-cast box (the last keys pressed, in
//! a corner, as screencast tools draw them) and the caption of a key script or tour, with the
//! "press Space" prompt while a tour waits for the trainee.

use crate::tui::theme::{Role, Theme};
use crate::tui::widgets;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};
use std::collections::VecDeque;

/// How many keys the key-cast box shows.
pub const KEYS_SHOWN: usize = 6;
/// Characters of typed text kept in one key-cast entry.
const TYPED_MAX: usize = 24;

/// The last keys pressed, newest last.
#[derive(Debug, Clone, Default)]
pub struct KeyCast {
    entries: VecDeque<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    label: String,
    /// Text typed into a filter or search: the next typed character joins it.
    typed: bool,
}

impl KeyCast {
    /// A key pressed: `label` as the keymap names it.
    pub fn key(&mut self, label: String) {
        self.push(Entry {
            label,
            typed: false,
        });
    }

    /// A character typed into a text field: runs of them read as one word.
    pub fn typed(&mut self, c: char) {
        if let Some(last) = self.entries.back_mut().filter(|e| e.typed) {
            last.label.push(c);
            let n = last.label.chars().count();
            if n > TYPED_MAX {
                last.label = last.label.chars().skip(n - TYPED_MAX).collect();
            }
            return;
        }
        self.push(Entry {
            label: c.to_string(),
            typed: true,
        });
    }

    fn push(&mut self, e: Entry) {
        self.entries.push_back(e);
        while self.entries.len() > KEYS_SHOWN {
            self.entries.pop_front();
        }
    }

    /// The labels shown, oldest first (typed text in quotes).
    pub fn labels(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|e| {
                if e.typed {
                    format!("\"{}\"", e.label)
                } else {
                    e.label.clone()
                }
            })
            .collect()
    }
}

/// Draw the caption (and the pause prompt) at the bottom of `body`, and the key-cast box above
/// it in the right corner. Returns nothing; reads only.
pub fn draw(
    frame: &mut Frame,
    body: Rect,
    caption: Option<&str>,
    paused: bool,
    keys: Option<&KeyCast>,
    theme: &Theme,
) {
    let mut bottom = body.bottom();
    if caption.is_some() || paused {
        // The full width of the body, its bottom border shared with the panes above.
        let w = body.width;
        if w >= 20 {
            let text = caption.unwrap_or("");
            let lines = widgets::wrap(
                &[Line::styled(
                    crate::escape::escape(text).into_owned(),
                    theme.style(Role::Text),
                )],
                w.saturating_sub(4) as usize,
            );
            let lines: Vec<Line<'static>> = lines.into_iter().take(3).collect();
            let h = (lines.len() as u16 + 2).min(body.height);
            let area = Rect::new(body.x, body.bottom().saturating_sub(h), w, h);
            let mut block = Block::bordered()
                .border_style(theme.style(Role::BorderFocused))
                .padding(Padding::horizontal(1));
            if paused {
                block = block.title_bottom(
                    Line::from(vec![
                        Span::styled(" Space", theme.style(Role::Key)),
                        Span::styled(" continue · ", theme.style(Role::Muted)),
                        Span::styled("Esc", theme.style(Role::Key)),
                        Span::styled(" leave the tour ", theme.style(Role::Muted)),
                    ])
                    .right_aligned(),
                );
            }
            frame.render_widget(Clear, area);
            frame.render_widget(Paragraph::new(lines).block(block), area);
            bottom = area.y;
        }
    }
    let Some(keys) = keys else { return };
    let labels = keys.labels();
    if labels.is_empty() {
        return;
    }
    let room = (body.width / 2).saturating_sub(4) as usize;
    // The newest keys matter most: drop the oldest until the line fits.
    let mut shown: Vec<String> = Vec::new();
    let mut used = 0;
    for l in labels.iter().rev() {
        let lw = widgets::width(l) + if shown.is_empty() { 0 } else { 2 };
        if used + lw > room {
            break;
        }
        used += lw;
        shown.insert(0, l.clone());
    }
    if shown.is_empty() || bottom < body.y + 3 {
        return;
    }
    let mut spans = Vec::new();
    for (i, l) in shown.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(
            crate::escape::escape(&l).into_owned(),
            theme.style(Role::Key),
        ));
    }
    let w = used as u16 + 4;
    let area = Rect::new(body.right().saturating_sub(w + 1), bottom - 3, w, 3);
    let block = Block::bordered()
        .border_style(theme.style(Role::Border))
        .padding(Padding::horizontal(1))
        .title(Span::styled(" keys ", theme.style(Role::Muted)));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(Line::from(spans)).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_keys_and_joins_typed_text() {
        let mut k = KeyCast::default();
        for l in ["j", "j", "Enter", "/"] {
            k.key(l.into());
        }
        for c in "Server".chars() {
            k.typed(c);
        }
        k.key("Enter".into());
        k.key("d".into());
        assert_eq!(
            k.labels(),
            vec!["j", "Enter", "/", "\"Server\"", "Enter", "d"]
        );
    }
}
