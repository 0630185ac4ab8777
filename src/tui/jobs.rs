//! Work the console hands to worker threads: diffs, plan previews, executing a confirmed plan
//! and reading the journal. Each job is plain data in, one result `Action` out, so the reducer
//! stays free of I/O and tests can run a job synchronously and feed its result back.

use super::action::Action;
use crate::context::Context;
use crate::diff::{self, DiffOptions};
use crate::inventory::{Inventory, ProgressSink};
use crate::journal::{self, Committed, ExecError, Journal, TxSummary};
use crate::plan::{self, Plan};

/// One piece of background work; `id` in the result matches the request that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Diff these component selectors between a backup set and live.
    Diff {
        /// Backup set id.
        set: String,
        /// Component selectors (`all`, `database:X`, ...).
        selectors: Vec<String>,
    },
    /// Build and check a restore plan (nothing is written).
    RestorePreview {
        /// Backup set id.
        set: String,
        /// Component selectors.
        selectors: Vec<String>,
    },
    /// Build and check the plan that undoes the newest committed transaction.
    UndoPreview,
    /// Build and check the plan that makes this distribution point the only master.
    PromotePreview {
        /// The point.
        name: String,
    },
    /// Build and check the plan that brings these mirrors up to the master.
    SyncPreview {
        /// The points.
        names: Vec<String>,
    },
    /// Check the plan again under the journal lock and run it if it is still ready.
    Execute(Box<Plan>),
    /// Read the journal's transactions.
    Journal,
    /// Judge the runbook against the console's inventory (a finished scan) and the journal.
    Runbook,
    /// Record a runbook mark in the journal.
    Mark {
        /// The step's id.
        step: String,
        /// Done, skipped or cleared.
        mark: crate::plan::MarkKind,
        /// The operator's note.
        note: String,
    },
}

/// A plan ready to be shown: the plan with checked preconditions and what it would change.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The plan, preconditions checked.
    pub plan: Plan,
    /// One line per component on how live differs from the set (restores only).
    pub summary: Vec<String>,
    /// What the operator must know before confirming (an undo putting back a database that
    /// fails its integrity check).
    pub warnings: Vec<String>,
}

/// What running a plan came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The committed transaction, or why nothing (or everything rolled back) changed.
    pub result: Result<Committed, String>,
    /// The journal line for the header after the run.
    pub journal: String,
}

/// Run `job` against `ctx` and the console's current inventory; returns the result action.
pub fn run(
    ctx: &Context,
    inv: &Inventory,
    id: u64,
    job: &Job,
    progress: &dyn ProgressSink,
) -> Action {
    match job {
        Job::Diff { set, selectors } => {
            Action::Diffed(id, diff_lines(ctx, inv, set, selectors, progress))
        }
        Job::RestorePreview { set, selectors } => Action::Previewed(
            id,
            restore_preview(ctx, inv, set, selectors, progress).map(Box::new),
        ),
        Job::UndoPreview => Action::Previewed(id, undo_preview(ctx).map(Box::new)),
        Job::PromotePreview { name } => {
            Action::Previewed(id, promote_preview(ctx, inv, name, progress).map(Box::new))
        }
        Job::SyncPreview { names } => {
            Action::Previewed(id, sync_preview(ctx, inv, names, progress).map(Box::new))
        }
        Job::Execute(plan) => Action::Executed(id, Box::new(execute(ctx, inv, plan, progress))),
        Job::Journal => Action::JournalListed(id, journal_list(ctx)),
        Job::Runbook => Action::RunbookReady(id, runbook(ctx, inv).map(Box::new)),
        Job::Mark { step, mark, note } => Action::Marked(
            id,
            journal::record_mark(ctx, step, *mark, note).map_err(|e| e.to_string()),
        ),
    }
}

/// The runbook of `ctx`'s profile judged against `inv` and the journal.
pub fn runbook(ctx: &Context, inv: &Inventory) -> Result<crate::runbook::Runbook, String> {
    let list = journal_list(ctx)?;
    Ok(crate::runbook::evaluate(
        &ctx.profile,
        &ctx.root,
        Some(inv),
        &list,
    ))
}

/// The result action of a job that could not finish (its worker failed).
pub fn failed(id: u64, job: &Job, why: String, ctx: &Context) -> Action {
    match job {
        Job::Diff { .. } => Action::Diffed(id, Err(why)),
        Job::RestorePreview { .. }
        | Job::UndoPreview
        | Job::PromotePreview { .. }
        | Job::SyncPreview { .. } => Action::Previewed(id, Err(why)),
        Job::Execute(_) => Action::Executed(
            id,
            Box::new(Outcome {
                result: Err(format!(
                    "{why}; see the journal (J): an unfinished transaction is rolled back at the next start"
                )),
                journal: crate::report::journal_line::journal_state(ctx),
            }),
        ),
        Job::Journal => Action::JournalListed(id, Err(why)),
        Job::Runbook => Action::RunbookReady(id, Err(why)),
        Job::Mark { .. } => Action::Marked(id, Err(why)),
    }
}

fn find_set<'a>(inv: &'a Inventory, set: &str) -> Result<&'a crate::inventory::BackupSet, String> {
    inv.backup_sets
        .iter()
        .find(|s| s.id == set)
        .ok_or_else(|| format!("backup set {set} is no longer in the inventory"))
}

/// The diff of `selectors` between `set` and live, as classified lines.
pub fn diff_lines(
    ctx: &Context,
    inv: &Inventory,
    set: &str,
    selectors: &[String],
    progress: &dyn ProgressSink,
) -> Result<Vec<diff::report::Line>, String> {
    let set = find_set(inv, set)?;
    let components =
        crate::component::resolve(&ctx.profile, selectors).map_err(|e| e.to_string())?;
    let report = diff::diff_set(
        ctx,
        set,
        &components,
        &DiffOptions::new(ctx.clock.now()),
        progress,
    );
    Ok(diff::report::lines(&report))
}

/// The restore plan of `selectors` from `set`, preconditions checked without taking the lock.
pub fn restore_preview(
    ctx: &Context,
    inv: &Inventory,
    set: &str,
    selectors: &[String],
    progress: &dyn ProgressSink,
) -> Result<Preview, String> {
    let mut plan =
        plan::restore::plan_restore(ctx, inv, selectors, Some(set)).map_err(|e| e.to_string())?;
    journal::prepare(ctx, &mut plan, true).map_err(|e| e.to_string())?;
    // The same one-line summaries the diff view heads its sections with.
    let summary = match (
        find_set(inv, set),
        crate::component::resolve(&ctx.profile, &plan.components),
    ) {
        (Ok(s), Ok(components)) => {
            let report = diff::diff_set(
                ctx,
                s,
                &components,
                &DiffOptions::new(ctx.clock.now()),
                progress,
            );
            report
                .components
                .iter()
                .map(|c| format!("{}: {}", c.component, c.summary))
                .collect()
        }
        (Err(e), _) => vec![e],
        (_, Err(e)) => vec![format!("no diff: {e}")],
    };
    Ok(Preview {
        plan,
        summary,
        warnings: Vec::new(),
    })
}

/// The plan promoting the point `name` to the only master, preconditions checked without
/// taking the lock; the summary says what changes in the definitions.
pub fn promote_preview(
    ctx: &Context,
    inv: &Inventory,
    name: &str,
    progress: &dyn ProgressSink,
) -> Result<Preview, String> {
    let change = plan::definitions::Change::Promote {
        name: name.to_string(),
        force: false,
    };
    let mut plan = plan::definitions::plan_change(
        ctx,
        &inv.distribution_points,
        &change,
        &plan::DiskProbe,
        progress,
    )
    .map_err(|e| e.to_string())?;
    journal::prepare(ctx, &mut plan, true).map_err(|e| e.to_string())?;
    let summary = plan
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            plan::StepKind::EditDatabase { edit, .. } => Some(edit.description.clone()),
            _ => None,
        })
        .collect();
    Ok(Preview {
        plan,
        summary,
        warnings: Vec::new(),
    })
}

/// The plan syncing the points `names` from the master, preconditions checked without taking
/// the lock; the summary says per point what is copied and stashed.
pub fn sync_preview(
    ctx: &Context,
    inv: &Inventory,
    names: &[String],
    progress: &dyn ProgressSink,
) -> Result<Preview, String> {
    // ePO repositories: from the recommended source, in replication order, catalog versions said.
    let mut versions = Vec::new();
    let req = if ctx.profile.repositories.is_some() {
        let s = crate::epo::sync::request(ctx, names, None, false, progress)
            .map_err(|e| e.to_string())?;
        versions = s
            .versions
            .iter()
            .map(|v| {
                format!(
                    "{}: catalog version {} -> {}",
                    v.name,
                    v.from.as_deref().unwrap_or("unreadable"),
                    v.to
                )
            })
            .chain(
                s.up_to_date
                    .iter()
                    .map(|n| format!("{n}: already equals the source")),
            )
            .collect();
        s.request
    } else {
        crate::dpsync::points::sync_request(ctx, &inv.distribution_points, names, None, false)
            .map_err(|e| e.to_string())?
    };
    let (mut plan, preview) =
        crate::dpsync::plan_sync(&ctx.root, &req, progress).map_err(|e| e.to_string())?;
    journal::prepare(ctx, &mut plan, true).map_err(|e| e.to_string())?;
    let warnings = preview
        .targets
        .iter()
        .flat_map(|t| t.skipped.iter().cloned())
        .collect();
    let mut summary = preview.summary();
    summary.extend(versions);
    Ok(Preview {
        plan,
        summary,
        warnings,
    })
}

/// The plan undoing the newest committed transaction, preconditions checked.
pub fn undo_preview(ctx: &Context) -> Result<Preview, String> {
    let journal = Journal::of(ctx);
    // Only this root's transactions: another root's undo would fail on paths it cannot see.
    let list = journal::list(&journal).map_err(|e| e.to_string())?;
    let mine = crate::report::journal_line::of_root(&list, &ctx.root);
    let newest = mine
        .iter()
        .find(|t| {
            matches!(
                t.state,
                journal::TxState::Committed | journal::TxState::Damaged
            )
        })
        .ok_or_else(|| {
            if mine.len() < list.len() {
                format!(
                    "nothing to undo under {}: the committed transactions in this state folder belong to other roots",
                    ctx.root.display()
                )
            } else {
                "nothing to undo: no committed transaction".to_string()
            }
        })?;
    let tx = journal::find_undo_target(&journal, &newest.id).map_err(|e| e.to_string())?;
    let mut plan = journal::build_undo_plan(&journal, &tx, &ctx.root, false, &plan::DiskProbe)
        .map_err(|e| e.to_string())?;
    journal::prepare(ctx, &mut plan, true).map_err(|e| e.to_string())?;
    let warnings = journal::put_back_warnings(&plan);
    Ok(Preview {
        plan,
        summary: Vec::new(),
        warnings,
    })
}

/// Check `plan` again under the journal lock (things may have changed since the preview) and
/// run it when it is still ready.
pub fn execute(
    ctx: &Context,
    inv: &Inventory,
    plan: &Plan,
    progress: &dyn ProgressSink,
) -> Outcome {
    let mut plan = plan.clone();
    let result = match journal::prepare(ctx, &mut plan, false) {
        Err(e) => Err(e.to_string()),
        Ok(_) if !plan.ready() => Err(format!(
            "not run, nothing changed: {}",
            plan.failed()
                .map(|p| format!("{} ({})", p.description, p.detail))
                .collect::<Vec<_>>()
                .join("; ")
        )),
        Ok(None) => Err("not run, nothing changed: the journal lock is not held".into()),
        Ok(Some(lock)) => journal::execute(
            ctx,
            &lock,
            &plan,
            &crate::dpsync::PerTarget {
                plan: &plan,
                inner: progress,
            },
        )
        .map_err(|e| {
            let mut msg = e.to_string();
            if let (ExecError::VerifyFailed { .. }, plan::Action::Restore { set }) =
                (&e, &plan.action)
            {
                match plan::restore::next_older_set(inv, set) {
                    Some(older) => msg.push_str(&format!(". Try the next older set: {}", older.id)),
                    None => {
                        msg.push_str(". No older set is left to try: contact the vendor's support")
                    }
                }
            }
            msg
        }),
    };
    Outcome {
        result,
        journal: crate::report::journal_line::journal_state(ctx),
    }
}

/// Every transaction, newest first.
pub fn journal_list(ctx: &Context) -> Result<Vec<TxSummary>, String> {
    journal::list(&Journal::of(ctx)).map_err(|e| e.to_string())
}
