//! The plan preview (`r` restore, `u` undo): the checked plan (preconditions with pass/fail,
//! steps, bytes), how live differs from the set, and a Cancel/confirm pair of buttons that
//! starts on Cancel. While the plan runs it shows the step in progress, then the result.

use super::frame_box;
use crate::inventory::Progress;
use crate::tui::jobs::{Outcome, Preview};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::path::Path;

/// Where a plan preview stands.
#[derive(Debug, Clone)]
pub enum Stage {
    /// The worker is building and checking the plan.
    Building,
    /// The plan could not be built.
    Failed(String),
    /// Shown, waiting for the operator.
    Ready(Box<Preview>),
    /// Confirmed and running.
    Running(Box<Preview>),
    /// Finished (committed, refused or rolled back).
    Done(Box<Preview>, Box<Outcome>),
}

/// The plan overlay's state.
#[derive(Debug, Clone)]
pub struct PlanState {
    /// `Restore` or `Undo`: the confirm button's word.
    pub verb: &'static str,
    /// Title: what is restored from where, or which transaction is undone.
    pub title: String,
    /// Job building or running it; older results are ignored.
    pub job: u64,
    /// Where it stands.
    pub stage: Stage,
    /// Whether the confirm button (not Cancel) is selected.
    pub confirm: bool,
}

impl PlanState {
    /// The preview, once built.
    pub fn preview(&self) -> Option<&Preview> {
        match &self.stage {
            Stage::Ready(p) | Stage::Running(p) | Stage::Done(p, _) => Some(p),
            Stage::Building | Stage::Failed(_) => None,
        }
    }
}

/// The preview's text lines (the buttons are drawn apart, always visible).
pub fn lines(
    state: &PlanState,
    progress: Option<&Progress>,
    root: &Path,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let text =
        |s: String, role: Role| Line::styled(widgets::relativize(&s, root), theme.style(role));
    let mut out = Vec::new();
    let preview = match &state.stage {
        Stage::Building => {
            return vec![text(
                "building the plan and checking its preconditions…".into(),
                Role::Pending,
            )];
        }
        Stage::Failed(e) => {
            return vec![
                text(format!("No plan: {e}"), Role::SeverityError),
                text("Nothing was changed.".into(), Role::Muted),
            ];
        }
        Stage::Ready(p) | Stage::Running(p) | Stage::Done(p, _) => p,
    };
    match &state.stage {
        Stage::Running(_) => {
            let what = progress
                .map(|p| {
                    format!(
                        "Running: {} {}/{} {}",
                        p.job,
                        p.done,
                        p.total,
                        widgets::show_path(Path::new(&p.label), root)
                    )
                })
                .unwrap_or_else(|| "Running…".into());
            out.push(text(what, Role::SeverityWarning));
            out.push(Line::raw(""));
        }
        Stage::Done(_, outcome) => {
            match &outcome.result {
                Ok(c) => {
                    out.push(text(
                        format!(
                            "Committed transaction {}: {}, {} written, {} moved into the stash.",
                            c.txid,
                            widgets::count(c.steps, "step"),
                            widgets::bytes(c.bytes_written),
                            widgets::bytes(c.bytes_stashed)
                        ),
                        Role::SeverityOk,
                    ));
                    out.push(text(
                        format!("Journal: {} · u undoes it", outcome.journal),
                        Role::Text,
                    ));
                }
                Err(e) => out.push(text(e.clone(), Role::SeverityError)),
            }
            out.push(Line::raw(""));
        }
        _ => {}
    }
    for w in &preview.warnings {
        out.push(text(format!("Warning: {w}"), Role::SeverityWarning));
    }
    if !preview.warnings.is_empty() {
        out.push(Line::raw(""));
    }
    let plan = &preview.plan;
    out.push(widgets::heading(theme, "Preconditions"));
    for p in &plan.preconditions {
        let (mark, role) = match p.status {
            crate::plan::Status::Pass => ("✓", Role::SeverityOk),
            crate::plan::Status::Overridden => ("!", Role::SeverityWarning),
            crate::plan::Status::Fail => ("✗", Role::SeverityError),
            crate::plan::Status::Pending => ("…", Role::Pending),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {mark} "), theme.style(role)),
            Span::styled(under(&p.description, root), theme.style(Role::Text)),
        ]));
        if !p.detail.is_empty() {
            out.push(text(format!("    {}", p.detail), Role::Muted));
        }
    }
    out.push(widgets::heading(theme, "Steps"));
    for (i, s) in plan.steps.iter().enumerate() {
        let size = if s.bytes > 0 {
            format!(" ({})", widgets::bytes(s.bytes))
        } else {
            String::new()
        };
        out.push(text(
            format!(
                "  {:>2}. {} {}{size}",
                i + 1,
                s.kind.verb(),
                s.target.display()
            ),
            Role::Text,
        ));
        // Where the new content comes from, as the CLI's plan says it.
        match &s.kind {
            crate::plan::StepKind::CopyFile { source }
            | crate::plan::StepKind::CopyTree { source }
            | crate::plan::StepKind::SyncFile { source } => {
                out.push(text(
                    format!("      from {}", source.display()),
                    Role::Muted,
                ));
            }
            crate::plan::StepKind::MoveBack { from } => {
                out.push(text(format!("      from {}", from.display()), Role::Muted));
            }
            crate::plan::StepKind::EditDatabase { edit, .. } => {
                out.push(text(format!("      {}", edit.description), Role::Muted));
            }
            crate::plan::StepKind::Stash
            | crate::plan::StepKind::CreateDir
            | crate::plan::StepKind::WriteFile { .. } => {}
        }
    }
    if !plan.verify.is_empty() {
        out.push(text(
            format!(
                "  then a full integrity check of {}; a failure rolls everything back",
                widgets::count(plan.verify.len(), "database")
            ),
            Role::Muted,
        ));
    }
    out.push(widgets::field(
        theme,
        "Writes",
        format!(
            "{} new; {} moved aside into the stash",
            widgets::bytes(plan.bytes_written()),
            widgets::bytes(plan.bytes_stashed())
        ),
    ));
    for n in &plan.notes {
        out.push(text(format!("Note: {n}"), Role::Muted));
    }
    if !preview.summary.is_empty() {
        out.push(widgets::heading(theme, "Live against the set"));
        for s in &preview.summary {
            out.push(text(format!("  {s}"), Role::Text));
        }
    }
    out
}

/// Paths under the root shown relative, as in the panes; the root itself stays as it is.
fn under(text: &str, root: &Path) -> String {
    let r = root.display().to_string();
    if r.is_empty() || r == "/" {
        return text.to_string();
    }
    text.replace(&format!("{r}{}", std::path::MAIN_SEPARATOR), "")
}

/// Draw the overlay: the lines scrolled by `scroll`, the buttons on the last row.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    state: &PlanState,
    lines: Vec<Line<'static>>,
    scroll: usize,
    theme: &Theme,
) {
    let title = widgets::fit(&state.title, (area.width as usize).saturating_sub(6));
    let hint = match state.stage {
        Stage::Ready(_) => "←→ choose · Enter · Esc cancel",
        Stage::Running(_) => "running, please wait",
        _ => "↑↓ scroll · Esc close",
    };
    let inner = frame_box(frame, area, &title, hint, theme);
    let body = Rect::new(
        inner.x,
        inner.y,
        inner.width,
        inner.height.saturating_sub(2),
    );
    let lines = widgets::wrap(&lines, body.width as usize);
    let y = scroll.min(lines.len().saturating_sub(body.height as usize));
    frame.render_widget(
        Paragraph::new(lines.into_iter().skip(y).collect::<Vec<_>>()),
        body,
    );
    let buttons = Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1);
    frame.render_widget(Paragraph::new(button_line(state, theme)), buttons);
}

fn button_line(state: &PlanState, theme: &Theme) -> Line<'static> {
    let ready = state.preview().is_some_and(|p| p.plan.ready());
    match &state.stage {
        Stage::Ready(_) if ready => {
            let button = |label: String, on: bool| {
                let style = if on {
                    theme.style(Role::ListSelected)
                } else {
                    theme.style(Role::Text)
                };
                Span::styled(label, style)
            };
            Line::from(vec![
                button("[ Cancel ]".into(), !state.confirm),
                Span::raw("  "),
                button(format!("[ {} ]", state.verb), state.confirm),
                Span::styled(
                    "  nothing changes until you choose it and press Enter",
                    theme.style(Role::Muted),
                ),
            ])
        }
        Stage::Ready(_) => Line::styled(
            "Preconditions failed: nothing can be changed · Esc close",
            theme.style(Role::SeverityError),
        ),
        Stage::Running(_) => Line::styled("running…", theme.style(Role::SeverityWarning)),
        Stage::Building => Line::styled("Esc cancel", theme.style(Role::Muted)),
        Stage::Failed(_) | Stage::Done(..) => {
            Line::styled("Enter or Esc close", theme.style(Role::Muted))
        }
    }
}
