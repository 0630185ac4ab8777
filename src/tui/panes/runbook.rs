//! The runbook pane (`5`): the product's recovery steps in the vendor's order, each with its
//! state (done, marked, skipped, open, cannot verify); details show why the step matters, what
//! the scan showed, the mark and the command or SQL to copy (`y`).

use super::{Cell, Column, View};
use crate::report::runbook::state_words;
use crate::runbook::{StepState, StepStatus};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::Status;
use ratatui::text::{Line, Span};

/// Columns of the runbook list.
pub const COLUMNS: &[Column] = &[
    Column::new("#", 2, u8::MAX).right(),
    // Wide enough that at 80 columns the title keeps the room and the id gives way.
    Column::new("Step", 40, u8::MAX).flex(),
    Column::new("State", 13, 9),
    Column::new("Id", 22, 2),
];

/// The row glyph for a state: settled steps are fine, open ones want attention, and what the
/// scan cannot tell is `?`, never a tick.
pub fn status(state: StepState) -> Status {
    match state {
        StepState::Done | StepState::MarkedDone => Status::Ok,
        StepState::Skipped => Status::Info,
        StepState::Open => Status::Warning,
        StepState::CannotVerify => Status::Pending,
    }
}

fn step<'a>(v: &View<'a>, i: usize) -> Option<&'a StepStatus> {
    v.runbook.and_then(|r| r.steps.get(i))
}

/// Number of steps (none until the runbook was judged).
pub fn len(v: &View) -> usize {
    v.runbook.map_or(0, |r| r.steps.len())
}

/// Status and cells of step `i`.
pub fn row(v: View, i: usize) -> (Status, Vec<Cell>) {
    let Some(s) = step(&v, i) else {
        return (Status::Pending, Vec::new());
    };
    let st = status(s.state);
    (
        st,
        vec![
            Cell::plain(s.n.to_string()),
            Cell::plain(s.step.title.clone()),
            Cell::styled(state_words(s.state), st.role()),
            Cell::styled(s.step.id.clone(), Role::Muted),
        ],
    )
}

/// The step's id: a selection survives a new judgement.
pub fn key(v: &View, i: usize) -> Option<String> {
    step(v, i).map(|s| format!("runbook:{}", s.step.id))
}

/// The text `y` copies for step `i`: its SQL or command.
pub fn copy_text(v: &View, i: usize) -> Result<String, String> {
    let s = step(v, i).ok_or("no runbook step is selected")?;
    s.step.copy_text().map(str::to_string).ok_or_else(|| {
        format!(
            "step {} has no command or SQL to copy: it is done in the product's own console",
            s.step.id
        )
    })
}

/// Everything about step `i`: why, state with the scan's evidence, the mark, the command.
pub fn details(v: View, i: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(s) = step(&v, i) else {
        return Vec::new();
    };
    let label = |l: &str| Span::styled(format!("{l:<10}"), theme.style(Role::HeaderLabel));
    // Titles and commands come from a profile file, evidence quotes names from disk: all are
    // shown escaped, like every name the console draws.
    let esc = |t: &str| crate::escape::escape(t).into_owned();
    let text = |t: String| Span::styled(esc(&t), theme.style(Role::Text));
    let st = status(s.state);
    let mut lines = vec![
        Line::from(Span::styled(
            format!("Step {}: {}", s.n, esc(&s.step.title)),
            theme.style(Role::Title),
        )),
        Line::from(vec![
            label("State"),
            Span::styled(
                format!("{} {}", st.glyph(), state_words(s.state)),
                theme.style(st.role()),
            ),
            Span::styled(format!("  ({})", s.kind), theme.style(Role::Muted)),
        ]),
        Line::from(vec![label("Id"), text(s.step.id.clone())]),
        Line::from(vec![label("Why"), text(s.step.why.clone())]),
    ];
    for (n, e) in s.evidence.iter().enumerate() {
        lines.push(Line::from(vec![
            label(if n == 0 { "Evidence" } else { "" }),
            text(e.clone()),
        ]));
    }
    if let Some(m) = &s.mark {
        lines.push(Line::from(vec![label("Mark"), text(m.describe())]));
        lines.push(Line::from(vec![
            label(""),
            Span::styled(format!("journal {}", m.txid), theme.style(Role::Muted)),
        ]));
    }
    if let Some(d) = &s.step.done_when {
        let mut conds: Vec<String> = Vec::new();
        let codes = |v: &[crate::findings::Code]| {
            v.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        };
        if !d.findings_absent.is_empty() {
            conds.push(format!("no {}", codes(&d.findings_absent)));
        }
        if !d.findings_present.is_empty() {
            conds.push(format!("{} present", codes(&d.findings_present)));
        }
        if !d.restored.is_empty() {
            conds.push(format!("restored: {}", d.restored.join(", ")));
        }
        if !d.healthy.is_empty() {
            conds.push(format!("sound: {}", d.healthy.join(", ")));
        }
        lines.push(Line::from(vec![label("Done when"), text(conds.join("; "))]));
    }
    for (what, body) in [("Command", &s.step.command), ("SQL", &s.step.sql)] {
        if let Some(body) = body {
            lines.push(Line::default());
            lines.push(Line::from(vec![
                label(what),
                Span::styled("y copies it", theme.style(Role::Muted)),
            ]));
            for l in body.lines() {
                lines.push(Line::from(Span::styled(
                    format!("  {}", esc(l)),
                    theme.style(Role::Key),
                )));
            }
        }
    }
    if !s.state.settled() || s.mark.is_some() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            "m marks it done, x skipped (each asks for a note), M clears the mark",
            theme.style(Role::Muted),
        )));
    }
    lines
}
