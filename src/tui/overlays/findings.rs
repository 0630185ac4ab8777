//! The findings view (`f`): every finding worst first, the selected one's hint and path below;
//! `Enter` jumps to the row the finding is about.

use super::frame_box;
use crate::findings::Finding;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{self, Status};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Lines below the list for the selected finding's hint, message and path.
pub fn detail_rows(inner_height: usize) -> u16 {
    if inner_height >= 30 { 8 } else { 5 }
}

/// Rows of findings visible in an overlay whose inside is `inner_height` rows.
pub fn list_rows(inner_height: usize) -> usize {
    inner_height.saturating_sub(detail_rows(inner_height) as usize + 1)
}

/// What the findings view shows.
pub struct FindingsView<'a> {
    /// Every finding.
    pub findings: &'a [Finding],
    /// Indices into `findings`, worst first.
    pub order: &'a [usize],
    /// Selected position in `order`.
    pub selected: usize,
    /// First position shown.
    pub offset: usize,
    /// The root, to shorten paths.
    pub root: &'a std::path::Path,
}

/// Draw the findings in worst-first order, the selected one highlighted.
pub fn draw(frame: &mut Frame, area: Rect, fv: &FindingsView, theme: &Theme) {
    let FindingsView {
        findings,
        order,
        selected,
        offset,
        root,
    } = *fv;
    let inner = frame_box(
        frame,
        area,
        &format!("Findings ({})", order.len()),
        "Enter go to row · Esc close",
        theme,
    );
    let [list, rule, detail] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(detail_rows(inner.height as usize)),
    ])
    .areas(inner);
    if order.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("  no findings", theme.style(Role::Muted))),
            list,
        );
        return;
    }
    let w = list.width as usize;
    let code_w = 22.min(w / 3);
    let comp_w = 26.min(w / 4);
    let msg_w = w.saturating_sub(2 + code_w + comp_w + 2);
    let mut lines = Vec::new();
    for (pos, &i) in order
        .iter()
        .enumerate()
        .skip(offset)
        .take(list.height as usize)
    {
        let Some(f) = findings.get(i) else { continue };
        let st = Status::from(f.severity);
        let sel = pos == selected;
        let selected_style = |s: ratatui::style::Style| {
            if sel {
                s.patch(theme.style(Role::ListSelected))
            } else {
                s
            }
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} ", st.glyph()),
                selected_style(theme.style(st.role())),
            ),
            Span::styled(
                widgets::cell(&f.code.as_str(), code_w),
                selected_style(theme.style(st.role())),
            ),
            Span::styled(" ", selected_style(theme.style(Role::Text))),
            Span::styled(
                widgets::cell(&f.component, comp_w),
                selected_style(theme.style(Role::Muted)),
            ),
            Span::styled(" ", selected_style(theme.style(Role::Text))),
            Span::styled(
                widgets::cell(&widgets::relativize(&f.message, root), msg_w),
                selected_style(theme.style(Role::Text)),
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), list);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "─".repeat(rule.width as usize),
            theme.style(Role::Border),
        )),
        rule,
    );
    if let Some(f) = order.get(selected).and_then(|&i| findings.get(i)) {
        let st = Status::from(f.severity);
        // What to do first: on a small screen the message is what gets cut, not the hint.
        let mut text = vec![
            Line::from(vec![
                Span::styled(
                    format!("{} {} ", st.glyph(), f.severity),
                    theme.style(st.role()),
                ),
                Span::styled("→ ", theme.style(Role::Key)),
                Span::styled(f.hint.clone(), theme.style(Role::Text)),
            ]),
            Line::from(Span::styled(
                widgets::relativize(&f.message, root),
                theme.style(Role::Text),
            )),
        ];
        if let Some(p) = &f.path {
            text.push(Line::styled(
                widgets::show_path(p, root),
                theme.style(Role::Muted),
            ));
        }
        let mut text = widgets::wrap(&text, detail.width as usize);
        if text.len() > detail.height as usize {
            text.truncate(detail.height as usize);
            if let Some(last) = text.last_mut() {
                let plain: String = last.spans.iter().map(|s| s.content.as_ref()).collect();
                let room = (detail.width as usize).saturating_sub(2);
                *last = Line::from(vec![
                    Span::styled(
                        widgets::fit(plain.trim_end(), room),
                        theme.style(Role::Text),
                    ),
                    Span::styled(" …", theme.style(Role::Muted)),
                ]);
            }
        }
        frame.render_widget(Paragraph::new(text), detail);
    }
}
