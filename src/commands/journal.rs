//! `drconsole journal`: list the undo journal's transactions; `journal prune --keep N` frees
//! the stashes of older ones after a confirmation.

use super::restore::{Confirm, EXIT_REFUSED, confirm};
use crate::cli::{GlobalArgs, JournalAction, JournalArgs};
use crate::escape::{Shown, escape};
use crate::journal::{self, Journal, TxSummary};
use crate::plan::format_bytes;
use std::time::Duration;

/// Run `journal`.
pub fn run(g: &GlobalArgs, args: &JournalArgs) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    let j = Journal::of(&ctx);
    match &args.action {
        None => {
            let list = journal::list(&j)?;
            if args.json {
                println!("{}", crate::escape::json(&list)?);
            } else {
                print!("{}", table(&list));
            }
            Ok(0)
        }
        Some(JournalAction::Prune { keep, yes }) => {
            if g.read_only {
                eprintln!("drconsole: refused: {}", super::read_only_reason(g));
                return Ok(EXIT_REFUSED);
            }
            let preview = journal::prune_preview(&j.transactions()?, *keep);
            if preview.pruned.is_empty() {
                if args.json {
                    println!("{}", crate::escape::json(&preview)?);
                } else {
                    println!("Nothing to prune: at most {keep} transaction(s) hold a stash.");
                }
                return Ok(0);
            }
            let question = format!(
                "Free the stashes of {} transaction(s) ({}: {})? They can no longer be undone",
                preview.pruned.len(),
                format_bytes(preview.freed_bytes),
                crate::escape::escape(&preview.pruned.join(", "))
            );
            match confirm(&question, *yes) {
                Confirm::Yes => {}
                Confirm::No => {
                    eprintln!("drconsole: cancelled; nothing was pruned");
                    return Ok(EXIT_REFUSED);
                }
                Confirm::NoTerminal => {
                    eprintln!(
                        "drconsole: refused: no terminal to ask for confirmation on: pass --yes to prune"
                    );
                    return Ok(EXIT_REFUSED);
                }
            }
            let lock = j.lock(Duration::from_secs(5))?;
            let report = journal::prune(&lock, *keep, ctx.clock.now())?;
            if args.json {
                println!("{}", crate::escape::json(&report)?);
            } else {
                println!(
                    "Pruned {} transaction(s), freed {}.",
                    report.pruned.len(),
                    format_bytes(report.freed_bytes)
                );
            }
            Ok(0)
        }
    }
}

/// The journal as a text table, newest first.
fn table(list: &[TxSummary]) -> String {
    if list.is_empty() {
        return "The journal is empty: no restore or undo has run with this state folder.\n"
            .to_string();
    }
    let mut out = format!(
        "{:<22} {:<20} {:<8} {:<12} {:>10}  {:<24} {}\n",
        "ID", "TIME", "ACTION", "STATE", "STASHED", "FROM", "COMPONENTS"
    );
    for t in list {
        let from = match (&t.set, &t.undoes, &t.mark) {
            (Some(set), _, _) => format!("set {}", Shown(set)),
            (None, Some(tx), _) => format!("tx {}", Shown(tx)),
            (None, None, Some(m)) => m.mark.as_str().to_string(),
            _ => String::new(),
        };
        let mut state = t.state.as_str().to_string();
        if t.pruned {
            state.push_str(" (pruned)");
        }
        out.push_str(&format!(
            "{:<22} {:<20} {:<8} {:<12} {:>10}  {:<24} {}\n",
            Shown(&t.id),
            t.origin
                .wall_clock
                .unwrap_or(t.at)
                .format("%Y-%m-%d %H:%M:%SZ"),
            Shown(&t.action),
            state,
            format_bytes(t.bytes_stashed),
            from,
            escape(&t.components.join(", "))
        ));
        out.push_str(&format!(
            "{:<22} {} by {}\n",
            "",
            t.when(),
            escape(&t.who())
        ));
        if let Some(by) = &t.undone_by {
            out.push_str(&format!("{:<22} undone by {}\n", "", Shown(by)));
        }
        if let Some(m) = t.mark.as_ref().filter(|m| !m.note.is_empty()) {
            out.push_str(&format!("{:<22} note: {}\n", "", escape(&m.note)));
        }
        if let Some(reason) = &t.reason {
            out.push_str(&format!("{:<22} {}\n", "", escape(reason)));
        }
        if let Some(damage) = &t.damage {
            out.push_str(&format!("{:<22} {}\n", "", escape(damage)));
        }
    }
    out
}
