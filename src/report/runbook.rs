//! Renderings of a runbook's state: text for the terminal, Markdown for the incident ticket,
//! JSON for tools. Pure functions of a `Runbook`; every name from disk goes through `escape`.

use crate::escape::escape;
use crate::runbook::{Runbook, StepState, StepStatus};
use serde_json::{Value, json};

/// The box a step's state is drawn with: `[x]` done, `[m]` marked, `[-]` skipped, `[ ]` open,
/// `[?]` cannot verify.
pub fn check_box(state: StepState) -> &'static str {
    match state {
        StepState::Done => "[x]",
        StepState::MarkedDone => "[m]",
        StepState::Skipped => "[-]",
        StepState::Open => "[ ]",
        StepState::CannotVerify => "[?]",
    }
}

/// The state in words, as the text and Markdown show it.
pub fn state_words(state: StepState) -> &'static str {
    match state {
        StepState::Done => "done",
        StepState::MarkedDone => "marked done",
        StepState::Skipped => "skipped",
        StepState::Open => "open",
        StepState::CannotVerify => "cannot verify",
    }
}

/// One line summing up: `3 of 11 done (1 marked), 1 skipped, 6 open, 1 cannot verify`.
pub fn summary(rb: &Runbook) -> String {
    let [done, marked, skipped, open, unknown] = rb.counts().map(|(_, n)| n);
    let mut s = format!("{} of {} done", done + marked, rb.steps.len());
    if marked > 0 {
        s.push_str(&format!(" ({marked} marked by hand)"));
    }
    for (n, what) in [
        (skipped, "skipped"),
        (open, "open"),
        (unknown, "cannot verify"),
    ] {
        if n > 0 {
            s.push_str(&format!(", {n} {what}"));
        }
    }
    s
}

fn heading(rb: &Runbook) -> String {
    let checked = match (rb.checked_at, rb.depth) {
        (Some(at), Some(d)) => format!(
            "checked {} ({} check)",
            at.format("%Y-%m-%d %H:%M UTC"),
            serde_json::to_value(d)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ),
        _ => "not checked yet".to_string(),
    };
    format!(
        "Runbook {} ({}), root {}, {checked}",
        escape(&rb.profile),
        escape(&rb.product),
        crate::escape::path(&rb.root)
    )
}

/// The runbook as text: a heading, one block per step, the next step at the end.
pub fn text(rb: &Runbook) -> String {
    let mut out = format!("{}\n{}\n\n", heading(rb), summary(rb));
    if rb.steps.is_empty() {
        out.push_str("This profile has no runbook.\n");
        return out;
    }
    for s in &rb.steps {
        out.push_str(&format!(
            "{:>2} {} {}  {}\n",
            s.n,
            check_box(s.state),
            escape(&s.step.id),
            escape(&s.step.title)
        ));
        for line in step_facts(s) {
            out.push_str(&format!("       {}\n", escape(&line)));
        }
        if let Some(t) = &s.step.command {
            out.push_str(&format!("       $ {}\n", escape(t)));
        }
        if let Some(t) = &s.step.sql {
            for l in t.lines() {
                out.push_str(&format!("       sql> {}\n", escape(l)));
            }
        }
    }
    match &rb.next {
        Some(id) => out.push_str(&format!(
            "\nNext: {} (mark a step by hand: drconsole runbook mark ID --done|--skip --note TEXT)\n",
            escape(id)
        )),
        None => out.push_str("\nEvery step is done, marked or skipped.\n"),
    }
    out
}

/// Why, then the state with its evidence, then the mark: one line each.
fn step_facts(s: &StepStatus) -> Vec<String> {
    let mut out = vec![format!("why: {}", s.step.why)];
    let mut state = state_words(s.state).to_string();
    if !s.evidence.is_empty() {
        state.push_str(": ");
        state.push_str(&s.evidence.join("; "));
    }
    out.push(state);
    if let Some(m) = &s.mark {
        out.push(m.describe());
    }
    out
}

/// The runbook as a Markdown check list for an incident ticket.
pub fn markdown(rb: &Runbook) -> String {
    let mut out = format!(
        "# Recovery runbook: {}\n\n{}.  \n{}.\n\n",
        md(&rb.product),
        md(&heading(rb)),
        summary(rb)
    );
    for s in &rb.steps {
        let tick = if s.state.settled() { "x" } else { " " };
        out.push_str(&format!(
            "- [{tick}] **{}. {}** (`{}`): {}\n",
            s.n,
            md(&s.step.title),
            md(&s.step.id),
            state_words(s.state)
        ));
        out.push_str(&format!("  - Why: {}\n", md(&s.step.why)));
        for e in &s.evidence {
            out.push_str(&format!("  - {}\n", md(e)));
        }
        if let Some(m) = &s.mark {
            out.push_str(&format!("  - {}\n", md(&m.describe())));
        }
        for (lang, body) in [("sh", &s.step.command), ("sql", &s.step.sql)] {
            if let Some(body) = body {
                out.push_str(&format!("\n  ```{lang}\n"));
                for l in body.lines() {
                    out.push_str(&format!("  {}\n", escape(l)));
                }
                out.push_str("  ```\n\n");
            }
        }
    }
    if let Some(id) = &rb.next {
        out.push_str(&format!("\nNext step: `{}`\n", md(id)));
    }
    out
}

/// Text made safe for the terminal and for Markdown: no control characters, and the
/// characters Markdown would read as markup escaped.
fn md(s: &str) -> String {
    let mut out = String::new();
    for c in escape(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The runbook as JSON (`runbook --json`).
pub fn json(rb: &Runbook) -> Value {
    let mut v = serde_json::to_value(rb).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut v {
        let counts: serde_json::Map<String, Value> = rb
            .counts()
            .into_iter()
            .map(|(s, n)| (s.as_str().to_string(), json!(n)))
            .collect();
        map.insert("counts".into(), Value::Object(counts));
    }
    v
}
