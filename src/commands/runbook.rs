//! `drconsole runbook`: the profile's recovery steps with their state (text, `--json`,
//! `--markdown`); `runbook mark ID` records a step done, skipped or cleared in the journal;
//! `runbook show ID` prints (or writes) a step's command or SQL alone.

use super::UsageError;
use super::restore::EXIT_REFUSED;
use crate::cli::{GlobalArgs, RunbookAction, RunbookArgs};
use crate::context::Context;
use crate::escape::{Shown, escape};
use crate::inventory::{self, CheckDepth, ScanOptions};
use crate::journal::{self, Journal};
use crate::plan::MarkKind;
use crate::report;
use anyhow::Context as _;

/// Run `runbook`.
pub fn run(g: &GlobalArgs, args: &RunbookArgs) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    match &args.action {
        None => print(&ctx, args),
        Some(RunbookAction::Mark {
            id,
            done,
            skip,
            clear,
            note,
        }) => {
            let mark = match (done, skip, clear) {
                (_, true, _) => MarkKind::Skipped,
                (_, _, true) => MarkKind::Cleared,
                _ => MarkKind::Done,
            };
            mark_step(&ctx, g, args.json, id, mark, note.as_deref().unwrap_or(""))
        }
        Some(RunbookAction::Show { id, output }) => show(&ctx, id, output.as_deref()),
    }
}

/// The runbook evaluated against a fresh scan of `depth` and the journal.
pub fn evaluate(
    ctx: &Context,
    depth: CheckDepth,
    quiet: bool,
) -> anyhow::Result<crate::runbook::Runbook> {
    let progress = super::stderr_progress(quiet);
    let inv = inventory::scan(ctx, &ScanOptions { depth }, &progress);
    let list = journal::list(&Journal::of(ctx))
        .context("the journal (which holds the runbook marks) cannot be read")?;
    Ok(crate::runbook::evaluate(
        &ctx.profile,
        &ctx.root,
        Some(&inv),
        &list,
    ))
}

fn print(ctx: &Context, args: &RunbookArgs) -> anyhow::Result<i32> {
    let depth = if args.full {
        CheckDepth::Full
    } else if args.quick {
        CheckDepth::Quick
    } else {
        CheckDepth::Standard
    };
    let rb = evaluate(ctx, depth, args.json || args.markdown)?;
    if args.json {
        println!("{}", crate::escape::json(&report::runbook::json(&rb))?);
    } else if args.markdown {
        print!("{}", report::runbook::markdown(&rb));
    } else {
        print!("{}", report::runbook::text(&rb));
    }
    Ok(0)
}

/// The step with this id, or a usage error listing the ids there are.
fn step<'a>(ctx: &'a Context, id: &str) -> anyhow::Result<&'a crate::profile::RunbookStep> {
    ctx.profile
        .runbook
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| {
            let known: Vec<&str> = ctx.profile.runbook.iter().map(|s| s.id.as_str()).collect();
            UsageError(if known.is_empty() {
                format!("the profile {} has no runbook", ctx.profile.name)
            } else {
                format!(
                    "the runbook of {} has no step '{}' (steps: {})",
                    ctx.profile.name,
                    escape(id),
                    known.join(", ")
                )
            })
            .into()
        })
}

fn mark_step(
    ctx: &Context,
    g: &GlobalArgs,
    json: bool,
    id: &str,
    mark: MarkKind,
    note: &str,
) -> anyhow::Result<i32> {
    step(ctx, id)?;
    if mark == MarkKind::Skipped && note.trim().is_empty() {
        return Err(
            UsageError("a skipped step needs its reason: add --note TEXT".to_string()).into(),
        );
    }
    if note.chars().any(char::is_control) {
        return Err(UsageError("the note must be one line of text".to_string()).into());
    }
    if g.read_only {
        eprintln!(
            "drconsole: refused: {} (runbook marks included)",
            super::read_only_reason(g)
        );
        return Ok(EXIT_REFUSED);
    }
    let txid = journal::record_mark(ctx, id, mark, note)?;
    if json {
        println!(
            "{}",
            crate::escape::json(&serde_json::json!({
                "txid": txid,
                "step": id,
                "mark": mark,
                "note": note,
            }))?
        );
    } else {
        println!(
            "Marked {} {} (journal transaction {}).",
            Shown(id),
            mark.as_str(),
            Shown(&txid)
        );
    }
    Ok(0)
}

fn show(ctx: &Context, id: &str, output: Option<&std::path::Path>) -> anyhow::Result<i32> {
    let s = step(ctx, id)?;
    let Some(text) = s.copy_text() else {
        return Err(UsageError(format!(
            "step '{}' has no command or SQL: it is done in the product's own console ({})",
            escape(id),
            escape(&s.title)
        ))
        .into());
    };
    let mut text = text.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match output {
        // Line by line: the line breaks of a multi-line SQL are its own, anything else is shown.
        None => {
            for line in text.lines() {
                println!("{}", escape(line));
            }
        }
        Some(dest) => {
            // Never replace a file the operator has: a kept script may hold their own edits.
            if std::fs::symlink_metadata(dest).is_ok() {
                anyhow::bail!(
                    "{} exists: choose another name (nothing was written)",
                    dest.display()
                );
            }
            super::output::write_atomic(dest, &text)?;
            eprintln!("drconsole: wrote {}", escape(&dest.display().to_string()));
        }
    }
    Ok(0)
}
