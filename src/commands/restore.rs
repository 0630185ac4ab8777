//! `drconsole restore`: build the plan, check its preconditions, show it, ask, then run it as
//! one journaled transaction. Exit 0 committed (or a clean dry run), 1 refused or declined
//! (nothing changed), 2 failed and rolled back, 3 could not run, 64 usage.

use crate::cli::{GlobalArgs, RestoreArgs};
use crate::context::Context;
use crate::escape::{Shown, escape, path};
use crate::inventory::{self, CheckDepth, Inventory, ScanOptions};
use crate::journal::{self, ExecError, JournalLock};
use crate::plan::{self, Plan};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};

/// Nothing changed: a precondition failed, the operator said no, or no terminal to ask on.
pub const EXIT_REFUSED: i32 = 1;
/// The transaction failed and was rolled back.
pub const EXIT_FAILED: i32 = 2;

/// Run `restore`.
pub fn run(g: &GlobalArgs, args: &RestoreArgs) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    let out = Output { json: args.json };
    if g.read_only {
        return Ok(out.refused(None, &super::read_only_reason(g)));
    }
    // A typo is a usage error, told before the (possibly long) scan.
    if let Err(e) = crate::component::resolve(&ctx.profile, &args.components) {
        eprintln!("drconsole: {}", escape(&e.to_string()));
        return Ok(super::EXIT_USAGE);
    }
    let progress = super::stderr_progress(args.json);
    let inv = inventory::scan(
        &ctx,
        &ScanOptions {
            depth: CheckDepth::Standard,
        },
        &progress,
    );
    let mut plan =
        match plan::restore::plan_restore(&ctx, &inv, &args.components, args.set.as_deref()) {
            Ok(p) => p,
            Err(plan::restore::RequestError::Component(e)) => {
                eprintln!("drconsole: {}", escape(&e.to_string()));
                return Ok(super::EXIT_USAGE);
            }
            Err(e) => return Ok(out.refused(None, &e.to_string())),
        };
    let lock = journal::prepare(&ctx, &mut plan, args.dry_run)?;
    let what = format!(
        "Restore {} from backup set {}",
        plan.components.join(", "),
        set_of(&plan)
    );
    run_plan(
        &ctx,
        plan,
        lock,
        args.dry_run,
        args.yes,
        &out,
        &what,
        Some(&inv),
    )
}

/// Show the plan, ask, execute, report. Shared by `restore` and `undo`.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_plan(
    ctx: &Context,
    plan: Plan,
    lock: Option<JournalLock>,
    dry_run: bool,
    yes: bool,
    out: &Output,
    what: &str,
    inv: Option<&Inventory>,
) -> anyhow::Result<i32> {
    let show = |plan: &Plan| println!("{plan}");
    let progress = super::stderr_progress(out.json);
    run_plan_shown(
        ctx, plan, lock, dry_run, yes, out, what, inv, &show, &progress,
    )
}

/// [`run_plan`], with the plan shown by `show` (text mode) and execution progress sent to
/// `progress`. Shared with `dp`, whose sync plans are shown per target.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_plan_shown(
    ctx: &Context,
    plan: Plan,
    lock: Option<JournalLock>,
    dry_run: bool,
    yes: bool,
    out: &Output,
    what: &str,
    inv: Option<&Inventory>,
    show: &dyn Fn(&Plan),
    progress: &dyn crate::inventory::ProgressSink,
) -> anyhow::Result<i32> {
    if !out.json {
        show(&plan);
    }
    if dry_run {
        out.finish(&plan, "dry_run", None, None);
        return Ok(if plan.ready() { 0 } else { EXIT_REFUSED });
    }
    if !plan.ready() {
        let n = plan.failed().count();
        return Ok(out.refused(
            Some(&plan),
            &format!("{n} precondition(s) failed (see above); nothing was changed"),
        ));
    }
    let Some(lock) = lock else {
        return Ok(out.refused(Some(&plan), "the journal lock is not held"));
    };
    match confirm(&format!("{}?", escape(what)), yes) {
        Confirm::Yes => {}
        Confirm::No => return Ok(out.refused(Some(&plan), "cancelled; nothing was changed")),
        Confirm::NoTerminal => {
            return Ok(out.refused(
                Some(&plan),
                "no terminal to ask for confirmation on: pass --yes to go ahead",
            ));
        }
    }
    match journal::execute(ctx, &lock, &plan, progress) {
        Ok(done) => {
            if !out.json {
                println!(
                    "Committed transaction {}: {} step(s), {} written, {} moved into the stash.",
                    Shown(&done.txid),
                    done.steps,
                    plan::format_bytes(done.bytes_written),
                    plan::format_bytes(done.bytes_stashed)
                );
                for s in &done.skipped {
                    println!("Not copied (symbolic link or special file): {}", path(s));
                }
                println!("Undo it with: drconsole undo {}", Shown(&done.txid));
            }
            out.finish(&plan, "committed", Some(json!(done)), None);
            Ok(0)
        }
        Err(e) => {
            let mut message = e.to_string();
            if let (ExecError::VerifyFailed { .. }, Some(inv), plan::Action::Restore { set }) =
                (&e, inv, &plan.action)
            {
                message.push_str(&match plan::restore::next_older_set(inv, set) {
                    Some(older) => format!(
                        ". Try the next older set: drconsole restore {} --set {}",
                        plan.components.join(" "),
                        older.id
                    ),
                    None => ". No older set is left to try: contact the vendor's support".into(),
                });
            }
            let (status, code) = match e {
                ExecError::NotReady(_) => ("refused", EXIT_REFUSED),
                ExecError::Journal(_) => ("error", super::EXIT_UNKNOWN),
                ExecError::RollbackIncomplete { .. } => ("rollback_incomplete", EXIT_FAILED),
                _ => ("rolled_back", EXIT_FAILED),
            };
            eprintln!("drconsole: {}", escape(&message));
            out.finish(&plan, status, None, Some(&message));
            Ok(code)
        }
    }
}

fn set_of(plan: &Plan) -> String {
    match &plan.action {
        plan::Action::Restore { set } => set.clone(),
        plan::Action::Undo { txid } => txid.clone(),
        plan::Action::Sync { from, .. } => from.clone(),
        plan::Action::Definitions { change } => change.clone(),
        plan::Action::Mark { step, .. } => step.clone(),
    }
}

/// The operator's answer.
pub(super) enum Confirm {
    Yes,
    No,
    NoTerminal,
}

/// Ask `question` on the terminal, default no; `--yes` answers for the operator.
pub(super) fn confirm(question: &str, yes: bool) -> Confirm {
    if yes {
        return Confirm::Yes;
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Confirm::NoTerminal;
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    match stdin.lock().read_line(&mut line) {
        Ok(_) if matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") => Confirm::Yes,
        _ => Confirm::No,
    }
}

/// Where results go: text on stdout as they come, or one JSON object at the end.
pub(super) struct Output {
    pub json: bool,
}

impl Output {
    /// Report a refusal and return its exit code.
    pub fn refused(&self, plan: Option<&Plan>, why: &str) -> i32 {
        eprintln!("drconsole: refused: {}", escape(why));
        if self.json {
            println!(
                "{}",
                crate::escape::json(&json!({
                    "plan": plan,
                    "status": "refused",
                    "error": why,
                }))
                .unwrap_or_default()
            );
        }
        EXIT_REFUSED
    }

    /// Print the JSON result (text mode printed as it went).
    pub fn finish(
        &self,
        plan: &Plan,
        status: &str,
        result: Option<serde_json::Value>,
        error: Option<&str>,
    ) {
        if self.json {
            println!(
                "{}",
                crate::escape::json(&json!({
                    "plan": plan,
                    "ready": plan.ready(),
                    "status": status,
                    "transaction": result,
                    "error": error,
                }))
                .unwrap_or_default()
            );
        }
    }
}
