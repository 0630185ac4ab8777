//! The console's drawing: header, tab bar, panes, overlays and footer, a pure function of the
//! `App` state (`draw` only reads). The reducer lives in `app.rs`; panes and overlays draw
//! themselves from their own files.

use super::{App, Overlay, depth_name};
use crate::findings::Severity;
use crate::tui::action::PaneId;
use crate::tui::keymap;
use crate::tui::layout::{self, Mode};
use crate::tui::overlays;
use crate::tui::panes::{self, ListView};
use crate::tui::theme::Role;
use crate::tui::widgets::{self, Status};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

impl App {
    /// Draw the whole screen. Reads state only.
    pub fn draw(&self, frame: &mut Frame) {
        let area = self.console_rect(frame.area());
        if area != frame.area() {
            let full = frame.area();
            let band = Rect::new(full.x, area.bottom(), full.width, full.height - area.height);
            overlays::training::draw_caption(
                frame,
                band,
                self.caption.as_deref(),
                self.paused,
                self.presentation.show_keys.then_some(&self.keycast),
                &self.opts.theme,
            );
        }
        let mode = layout::mode(area);
        let theme = &self.opts.theme;
        if mode == Mode::TooSmall {
            let msg = vec![
                Line::styled(
                    format!(
                        "terminal too small (need {}×{})",
                        layout::MIN_WIDTH,
                        layout::MIN_HEIGHT
                    ),
                    theme.style(Role::SeverityWarning),
                ),
                Line::styled(
                    format!("now {}×{} · q quits", area.width, area.height),
                    theme.style(Role::Muted),
                ),
            ];
            let y = area.y + area.height.saturating_sub(2) / 2;
            let r = Rect::new(area.x, y, area.width, 2.min(area.height));
            frame.render_widget(Paragraph::new(msg).alignment(Alignment::Center), r);
            if theme.is_ascii() {
                crate::tui::ascii::transliterate(frame.buffer_mut());
            }
            return;
        }
        let s = layout::screen(area, mode, self.zoom);
        self.draw_header(frame, s.header);
        if let Some(t) = s.tabs {
            self.draw_tabs(frame, t);
        }
        let body = layout::body(s.body, mode, self.focus, self.zoom);
        for (p, rect) in &body.panes {
            let st = &self.panes[p.index()];
            let empty = if !self.loaded {
                "scanning…".to_string()
            } else if *p == PaneId::Runbook && self.rb.runbook.is_none() {
                "judging the runbook…".to_string()
            } else if !st.filter.is_empty() {
                format!("no rows match '{}'", st.filter)
            } else {
                format!("no {} found", p.title().to_lowercase())
            };
            let lv = ListView {
                pane: *p,
                view: self.view(),
                visible: &st.visible,
                selected: st.selected,
                offset: st.offset,
                filter: &st.filter,
                focused: *p == self.focus,
                empty: &empty,
                flags: &self.flags[p.index()],
            };
            panes::draw(frame, *rect, &lv, theme);
        }
        if let Some(side) = body.side {
            overlays::details::draw_panel(
                frame,
                side,
                self.details_lines(),
                self.side_scroll,
                theme,
            );
        }
        match self.overlay {
            Some(Overlay::Details { scroll }) => {
                let title = format!("Details · {}", self.focus.title());
                let title = widgets::fit(
                    &title,
                    (layout::overlay(s.body).width as usize).saturating_sub(30),
                );
                overlays::details::draw(
                    frame,
                    layout::overlay(s.body),
                    &title,
                    self.details_lines(),
                    scroll,
                    theme,
                );
            }
            Some(Overlay::Help { scroll }) => overlays::help::draw(
                frame,
                layout::overlay(s.body),
                self.opts.read_only,
                scroll,
                theme,
            ),
            Some(Overlay::Findings { selected, offset }) => overlays::findings::draw(
                frame,
                layout::overlay(s.body),
                &overlays::findings::FindingsView {
                    findings: &self.inv.findings,
                    order: &self.findings_order,
                    selected,
                    offset,
                    root: &self.inv.root,
                },
                theme,
            ),
            Some(Overlay::Diff { scroll }) => {
                if let Some(d) = &self.diff {
                    overlays::diff::draw(
                        frame,
                        layout::overlay(s.body),
                        d,
                        self.diff_lines(),
                        scroll,
                        theme,
                    );
                }
            }
            Some(Overlay::Plan { scroll }) => {
                if let Some(p) = &self.plan {
                    overlays::restore::draw(
                        frame,
                        layout::overlay(s.body),
                        p,
                        self.plan_lines(),
                        scroll,
                        theme,
                    );
                }
            }
            Some(Overlay::Journal { scroll }) => overlays::details::draw(
                frame,
                layout::overlay(s.body),
                "Journal",
                self.journal_lines(),
                scroll,
                theme,
            ),
            Some(Overlay::Copy { scroll }) => {
                let what = self.rb.copied.as_ref().map_or("", |(w, _)| w.as_str());
                overlays::details::draw(
                    frame,
                    layout::overlay(s.body),
                    &format!("Copy by hand · {what}"),
                    self.copy_lines(),
                    scroll,
                    theme,
                )
            }
            None => {}
        }
        if area == frame.area() {
            // No room for a band: the caption goes over the bottom of the body.
            overlays::training::draw_caption_over(
                frame,
                s.body,
                self.caption.as_deref(),
                self.paused,
                theme,
            );
        }
        if self.presentation.show_keys && area == frame.area() {
            overlays::training::draw_keys(frame, s.body, &self.keycast, theme);
        }
        self.draw_footer(frame, s.footer);
        if theme.is_ascii() {
            crate::tui::ascii::transliterate(frame.buffer_mut());
        }
    }

    fn draw_header(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.opts.theme;
        let label = theme.style(Role::HeaderLabel);
        let value = theme.style(Role::Header);
        let sep = theme.style(Role::Muted);
        let host = if !self.inv.host.hostname.is_empty() {
            self.inv.host.hostname.clone()
        } else {
            self.opts.hostname.clone().unwrap_or_else(|| "…".into())
        };
        // The server state in words, and a short form (pids only) for narrow terminals.
        let (server, server_short, server_role) = if !self.loaded {
            ("…".to_string(), None, Role::Pending)
        } else if self.inv.host.running.is_empty() {
            ("stopped".to_string(), None, Role::SeverityOk)
        } else {
            let running = &self.inv.host.running;
            let names: Vec<String> = running
                .iter()
                .map(|p| format!("{} ({})", p.name, p.pid))
                .collect();
            let pids: Vec<String> = running.iter().map(|p| p.pid.to_string()).collect();
            (
                format!("RUNNING {}", names.join(", ")),
                Some(format!("RUNNING pid {}", pids.join(", "))),
                Role::SeverityWarning,
            )
        };
        let w = area.width as usize;
        let room = w.saturating_sub(1);
        let part = |name: &'static str, text: String, role: Role| {
            vec![
                Span::styled(name, label),
                Span::styled(text, theme.style(role)),
            ]
        };
        let profile = part("profile ", self.opts.profile.clone(), Role::Header);
        let host = part("host ", host, Role::Header);
        let server_full = part("server ", server, server_role);
        let server_short = server_short.map(|t| part("server ", t, server_role));
        let title = vec![Span::styled("drconsole", theme.style(Role::Title))];
        let fits = |parts: &[&Vec<Span<'static>>]| {
            parts
                .iter()
                .map(|p| p.iter().map(|s| widgets::width(&s.content)).sum::<usize>())
                .sum::<usize>()
                + 3 * parts.len().saturating_sub(1)
                <= room
        };
        // Whether the server runs is what the operator must always see: when the line is
        // short, the product name goes first, then the host name, then the process names
        // (their pids stay), and the profile last.
        let mut candidates: Vec<Vec<&Vec<Span<'static>>>> = Vec::new();
        if w >= 90 {
            candidates.push(vec![&title, &profile, &host, &server_full]);
        }
        candidates.push(vec![&profile, &host, &server_full]);
        candidates.push(vec![&profile, &server_full]);
        if let Some(short) = &server_short {
            candidates.push(vec![&profile, short]);
            candidates.push(vec![short]);
        }
        candidates.push(vec![&server_full]);
        let chosen = candidates
            .into_iter()
            .find(|c| fits(c))
            .unwrap_or_else(|| vec![server_short.as_ref().unwrap_or(&server_full)]);
        let first: Vec<Vec<Span<'static>>> = chosen.into_iter().cloned().collect();
        let line1 = widgets::fitting_spans(first, room, " │ ", sep);
        // What the scan is doing is in the footer; the header says where and when.
        let mut fixed = vec![vec![
            Span::styled("journal ", label),
            Span::styled(self.journal.clone(), value),
        ]];
        if let Some(now) = self.opts.fixed_now {
            fixed.push(vec![
                Span::styled("clock ", label),
                Span::styled(now.format("%Y-%m-%d %H:%M UTC").to_string(), value),
            ]);
        }
        // Which candidate layout this disk has, when the profile lists several (Windows XP's
        // All Users folder or ProgramData): the operator must know which files are meant.
        if !self.inv.layout.is_empty() {
            let mut words: Vec<String> = self
                .inv
                .layout
                .iter()
                .map(|c| match (&c.label, c.found) {
                    (Some(l), true) => l.clone(),
                    (None, true) => c.path.display().to_string(),
                    (_, false) => format!("{} not found", c.var),
                })
                .collect();
            // Several variables in one layout (`Program Files` for each) say it once; a
            // mixed one says which variable is where.
            if words.windows(2).all(|w| w[0] == w[1]) {
                words.truncate(1);
            } else {
                for (w, c) in words.iter_mut().zip(&self.inv.layout) {
                    if c.found {
                        *w = format!("{} {w}", c.var);
                    }
                }
            }
            let found = self.inv.layout.iter().all(|c| c.found);
            fixed.push(vec![
                Span::styled("layout ", label),
                Span::styled(
                    words.join(", "),
                    if found {
                        value
                    } else {
                        theme.style(Role::SeverityWarning)
                    },
                ),
            ]);
        }
        // The root takes what is left, cut at its start so its last folders stay readable.
        let fixed_w: usize = fixed
            .iter()
            .flatten()
            .map(|s| widgets::width(&s.content))
            .sum::<usize>()
            + 3 * fixed.len()
            + "root ".len()
            + 1;
        let root_room = w.saturating_sub(fixed_w).max(8);
        let mut second = fixed;
        second.push(vec![
            Span::styled("root ", label),
            Span::styled(
                widgets::fit_left(
                    &self
                        .presentation
                        .alias(&self.opts.root.display().to_string()),
                    root_room,
                ),
                value,
            ),
        ]);
        let line2 = widgets::fitting_spans(second, w.saturating_sub(1), " │ ", sep);
        let pad = |l: Line<'static>| {
            let mut spans = vec![Span::raw(" ")];
            spans.extend(l.spans);
            Line::from(spans)
        };
        frame.render_widget(
            Paragraph::new(vec![pad(line1), pad(line2)]).style(value),
            area,
        );
    }

    fn draw_tabs(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.opts.theme;
        // Long titles with counts, else short titles with counts, else short titles alone:
        // every tab stays visible down to the minimum width.
        let build = |short: bool, counts: bool| -> Line<'static> {
            let mut spans = vec![Span::raw(" ")];
            for p in PaneId::ALL {
                let title = if short { p.short_title() } else { p.title() };
                let role = if p == self.focus {
                    Role::TabActive
                } else {
                    Role::Tab
                };
                spans.push(Span::styled(
                    format!("{} {title}", p.index() + 1),
                    theme.style(role),
                ));
                // The runbook has no count until it was judged: "(0)" would say it is empty.
                if counts && (p != PaneId::Runbook || self.rb.runbook.is_some()) {
                    let n = panes::len(p, self.view());
                    spans.push(Span::styled(format!(" ({n})"), theme.style(Role::Muted)));
                }
                if let Some(st) = self.pane_worst[p.index()] {
                    spans.push(Span::styled(
                        format!(" {}", st.glyph()),
                        theme.style(st.role()),
                    ));
                }
                spans.push(Span::raw("  "));
            }
            Line::from(spans)
        };
        let w = area.width as usize;
        let line = [(false, true), (true, true), (true, false)]
            .into_iter()
            .map(|(short, counts)| build(short, counts))
            .find(|l| l.width() <= w + 2)
            .unwrap_or_else(|| build(true, false));
        frame.render_widget(Paragraph::new(line), area);
    }

    fn draw_footer(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.opts.theme;
        let [top, bottom] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        let top = Rect::new(top.x + 1, top.y, top.width.saturating_sub(2), 1);
        let bottom = Rect::new(bottom.x + 1, bottom.y, bottom.width.saturating_sub(2), 1);
        if self.searching {
            let d = self.diff.as_ref().map(|d| d.search.as_str()).unwrap_or("");
            let hits = self
                .diff
                .as_ref()
                .filter(|d| !d.search.is_empty())
                .map(|d| (0..d.len()).filter(|&i| d.is_stop(i)).count())
                .unwrap_or(0);
            overlays::filter::draw(frame, top, d, hits, theme);
        } else if let Some(n) = &self.rb.note {
            overlays::note::draw(frame, top, n, theme);
        } else if self.editing_filter {
            let st = &self.panes[self.focus.index()];
            overlays::filter::draw(frame, top, &st.filter, st.visible.len(), theme);
        } else {
            self.draw_progress(frame, top);
        }
        // Findings by severity, then hints for the focused pane, whole hints only.
        let mut parts: Vec<Vec<Span<'static>>> = Vec::new();
        let mut counts = Vec::new();
        for sev in [
            Severity::Critical,
            Severity::Error,
            Severity::Warning,
            Severity::Info,
        ] {
            let n = self
                .inv
                .findings
                .iter()
                .filter(|f| f.severity == sev)
                .count();
            // Zero counts are left out: at 80 columns their cells go to the action hints.
            if n == 0 {
                continue;
            }
            let st = Status::from(sev);
            if !counts.is_empty() {
                counts.push(Span::raw(" "));
            }
            counts.push(Span::styled(
                format!("{}{n}", st.glyph()),
                theme.style(st.role()),
            ));
        }
        if counts.is_empty() && self.loaded {
            counts.push(Span::styled(
                format!("{} no findings", Status::Ok.glyph()),
                theme.style(Role::SeverityOk),
            ));
        }
        counts.push(Span::styled(" │", theme.style(Role::Muted)));
        parts.push(counts);
        for (key, word) in keymap::hints(self.focus, self.opts.read_only) {
            parts.push(vec![
                Span::styled(key, theme.style(Role::Key)),
                Span::styled(format!(" {word}"), theme.style(Role::Footer)),
            ]);
        }
        frame.render_widget(
            Paragraph::new(widgets::fitting_spans(
                parts,
                bottom.width as usize,
                "  ",
                theme.style(Role::Footer),
            )),
            bottom,
        );
    }

    fn draw_progress(&self, frame: &mut Frame, area: Rect) {
        let theme = &self.opts.theme;
        let w = area.width as usize;
        let gauge_w = if w >= 100 { 24 } else { 12 };
        let (text, gauge) = match (&self.progress, self.scanning) {
            (Some(p), _) => {
                let mut t = format!("{} {}/{}", p.job, p.done, p.total);
                if p.bytes_total > 0 {
                    t.push_str(&format!(
                        " · {} of {}",
                        widgets::bytes(p.bytes_done),
                        widgets::bytes(p.bytes_total)
                    ));
                }
                let ratio = if p.bytes_total > 0 {
                    p.bytes_done as f64 / p.bytes_total as f64
                } else if p.total > 0 {
                    p.done as f64 / p.total as f64
                } else {
                    0.0
                };
                (Some((t, p.label.clone())), Some(ratio))
            }
            (None, Some(d)) => (
                Some((format!("{} check starting", depth_name(d)), String::new())),
                Some(0.0),
            ),
            // Idle with no message: say what the panes show and when it was checked.
            (None, None) if self.loaded && self.status.is_none() => (
                Some((
                    format!(
                        "{} check at {}: {}",
                        depth_name(self.inv.depth),
                        self.inv.scanned_at.format("%H:%M:%S UTC"),
                        widgets::count(self.inv.findings.len(), "finding")
                    ),
                    String::new(),
                )),
                None,
            ),
            _ => (None, None),
        };
        let mut spans = Vec::new();
        let mut used = 0;
        if let Some(ratio) = gauge {
            let (done, rest) = widgets::bar(ratio, gauge_w);
            spans.push(Span::styled(done, theme.style(Role::Gauge)));
            spans.push(Span::styled(rest, theme.style(Role::Muted)));
            spans.push(Span::raw(" "));
            used += gauge_w + 1;
        }
        if let Some((t, label)) = text {
            let t = widgets::fit(&t, w.saturating_sub(used));
            used += widgets::width(&t);
            spans.push(Span::styled(t, theme.style(Role::Status)));
            if !label.is_empty() && used + 4 < w {
                spans.push(Span::styled(
                    format!(
                        " {}",
                        widgets::fit_left(
                            &widgets::show_path(std::path::Path::new(&label), &self.inv.root),
                            w - used - 1
                        )
                    ),
                    theme.style(Role::Muted),
                ));
                used = w;
            }
        }
        if let Some(msg) = &self.status
            && used + 4 < w
        {
            let msg = &self.presentation.alias(msg);
            let sep = if used > 0 { " · " } else { "" };
            spans.push(Span::styled(
                format!("{sep}{}", widgets::fit(msg, w - used - widgets::width(sep))),
                theme.style(Role::Status),
            ));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}
