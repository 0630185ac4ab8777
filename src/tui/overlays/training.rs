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

/// Rows of the caption band under the console: three lines of text and its border.
pub const CAPTION_ROWS: u16 = 5;

/// Draw the caption (with the pause prompt while the tour waits) into `band`, the rows below
/// the console.
pub fn draw_caption(
    frame: &mut Frame,
    band: Rect,
    caption: Option<&str>,
    paused: bool,
    keys: Option<&KeyCast>,
    theme: &Theme,
) {
    if band.height < 3 || band.width < 20 {
        return;
    }
    let inner_w = band.width.saturating_sub(4) as usize;
    let lines = widgets::wrap(
        &[Line::styled(
            crate::escape::escape(caption.unwrap_or("")).into_owned(),
            theme.style(Role::Text),
        )],
        inner_w,
    );
    let rows = (band.height - 2) as usize;
    let mut lines: Vec<Line<'static>> = lines.into_iter().take(rows + 1).collect();
    if lines.len() > rows {
        // Too long for the band: the last line shown says there is more.
        lines.truncate(rows);
        if let Some(last) = lines.last_mut() {
            let text: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
            *last = Line::styled(
                widgets::fit(&format!("{text} …"), inner_w),
                theme.style(Role::Text),
            );
        }
    }
    let mut block = Block::bordered()
        .border_style(theme.style(Role::BorderFocused))
        .padding(Padding::horizontal(1));
    if let Some(spans) = keys.and_then(|k| key_spans(k, (band.width / 2) as usize, theme)) {
        // The keys ride on the band's top border: they never hide the console.
        let mut title = vec![Span::styled(" keys ", theme.style(Role::Muted))];
        title.extend(spans);
        title.push(Span::raw(" "));
        block = block.title(Line::from(title).right_aligned());
    }
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
    frame.render_widget(Clear, band);
    frame.render_widget(Paragraph::new(lines).block(block), band);
}

/// A caption on a terminal too small for a band: drawn over the bottom of `body`.
pub fn draw_caption_over(
    frame: &mut Frame,
    body: Rect,
    caption: Option<&str>,
    paused: bool,
    theme: &Theme,
) {
    if caption.is_none() && !paused {
        return;
    }
    let h = CAPTION_ROWS.min(body.height);
    let band = Rect::new(body.x, body.bottom().saturating_sub(h), body.width, h);
    draw_caption(frame, band, caption, paused, None, theme);
}

/// The newest keys that fit in `room` cells, spaced, in the key style.
fn key_spans(keys: &KeyCast, room: usize, theme: &Theme) -> Option<Vec<Span<'static>>> {
    let labels = keys.labels();
    // The newest keys matter most: drop the oldest until the line fits.
    let mut shown: Vec<String> = Vec::new();
    let mut used = 0;
    for l in labels.iter().rev() {
        let l = crate::escape::escape(l).into_owned();
        let lw = widgets::width(&l) + if shown.is_empty() { 0 } else { 2 };
        if used + lw > room {
            break;
        }
        used += lw;
        shown.insert(0, l);
    }
    if shown.is_empty() {
        return None;
    }
    let mut spans = Vec::new();
    for (i, l) in shown.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(l, theme.style(Role::Key)));
    }
    Some(spans)
}

/// Draw the key-cast box in the bottom-right corner of `body` (live use without a caption
/// band), over what is there, as screencast tools do.
pub fn draw_keys(frame: &mut Frame, body: Rect, keys: &KeyCast, theme: &Theme) {
    if body.height < 3 {
        return;
    }
    let Some(spans) = key_spans(keys, (body.width / 2).saturating_sub(4) as usize, theme) else {
        return;
    };
    let line = Line::from(spans);
    let w = line.width() as u16 + 4;
    let area = Rect::new(body.right().saturating_sub(w + 1), body.bottom() - 3, w, 3);
    let block = Block::bordered()
        .border_style(theme.style(Role::Border))
        .padding(Padding::horizontal(1))
        .title(Span::styled(" keys ", theme.style(Role::Muted)));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(line).block(block), area);
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
