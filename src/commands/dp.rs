//! `drconsole dp list|promote|retire|add|sync`: distribution points from the scan, definition
//! changes as journaled database edits, payload syncs through the one sync engine. Exit codes
//! of the changes as for `restore`; `dp list` exits like `check` on the points' findings.

use super::restore::{Output, run_plan, run_plan_shown};
use crate::cli::{DpArgs, DpChangeArgs, DpCommand, GlobalArgs};
use crate::dpsync::{self, Preview, points};
use crate::escape::{Shown, escape, path};
use crate::journal;
use crate::plan::{self, DiskProbe, Plan, definitions};
use serde_json::json;

/// Run `dp`.
pub fn run(g: &GlobalArgs, args: &DpArgs) -> anyhow::Result<i32> {
    match &args.command {
        DpCommand::List(a) => list(g, a.json),
        DpCommand::Promote {
            name,
            force,
            change,
        } => edit(
            g,
            change,
            definitions::Change::Promote {
                name: name.clone(),
                force: *force,
            },
        ),
        DpCommand::Retire {
            name,
            force,
            change,
        } => edit(
            g,
            change,
            definitions::Change::Retire {
                name: name.clone(),
                force: *force,
            },
        ),
        DpCommand::Add {
            name,
            address,
            path,
            master,
            change,
        } => edit(
            g,
            change,
            definitions::Change::Add {
                name: name.clone(),
                address: address.clone(),
                path: path.clone(),
                master: *master,
            },
        ),
        DpCommand::Sync {
            names,
            from,
            full,
            change,
        } => sync(g, change, names, from.as_deref(), *full),
    }
}

fn list(g: &GlobalArgs, as_json: bool) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    let progress = super::stderr_progress(as_json);
    let inv = points::scan_points(&ctx, false, &progress);
    if ctx.profile.repositories.is_some() {
        return list_repositories(&inv, as_json);
    }
    let pts = &inv.distribution_points;
    let candidates = points::master_candidates(&ctx, pts);
    let best = candidates.first().filter(|c| c.reachable);
    let masters = pts.iter().filter(|p| p.is_master).count();
    let worst = crate::findings::worst(&inv.findings);
    if as_json {
        let rows: Vec<serde_json::Value> = pts
            .iter()
            .map(|p| {
                let mut v = serde_json::to_value(p).unwrap_or_default();
                v["role"] = json!(if p.is_master { "master" } else { "mirror" });
                v["in_sync"] = json!(
                    (p.reachable && !p.is_master && masters == 1)
                        .then_some(p.missing + p.extra + p.changed == 0)
                );
                v["best_master"] = json!(best.is_some_and(|b| b.name == p.name));
                v
            })
            .collect();
        println!(
            "{}",
            crate::escape::json(&json!({
                "points": rows,
                "masters": masters,
                "exactly_one_master": masters == 1,
                "best_master": best.map(|b| b.name.clone()),
                "candidates": candidates,
                "findings": inv.findings,
                "notes": inv.notes,
            }))?
        );
        return Ok(worst.exit_code());
    }
    for n in &inv.notes {
        println!("Note: {}", escape(n));
    }
    if pts.is_empty() {
        return Ok(worst.exit_code());
    }
    println!(
        "{} distribution point(s), {masters} master(s){}",
        pts.len(),
        if masters == 1 {
            String::new()
        } else {
            " — there must be exactly one".to_string()
        }
    );
    println!(
        "  {:<6} {:<20} {:<24} {:<11} {:>7} {:>10}  {:<22} PATH",
        "ROLE", "NAME", "ADDRESS", "REACHABLE", "FILES", "BYTES", "AGAINST MASTER"
    );
    for p in pts {
        let state = if p.is_master {
            "-".to_string()
        } else if !p.reachable || masters != 1 {
            "cannot verify".to_string()
        } else if p.missing + p.extra + p.changed == 0 {
            "in sync".to_string()
        } else {
            format!("{}/{}/{} miss/extra/chg", p.missing, p.extra, p.changed)
        };
        println!(
            "  {:<6} {:<20} {:<24} {:<11} {:>7} {:>10}  {:<22} {}",
            if p.is_master { "master" } else { "mirror" },
            escape(&p.name),
            escape(&p.address),
            if p.reachable { "yes" } else { "NO" },
            p.files,
            crate::units::bytes(p.bytes),
            state,
            path(&p.path)
        );
    }
    match best {
        Some(b) => println!(
            "Best master: {} (readable, holds {} file(s), lacks {} of the union of all payloads{})",
            escape(&b.name),
            b.files,
            b.lacking,
            b.newest
                .map(|t| format!(", newest file {}", t.format("%Y-%m-%d %H:%M")))
                .unwrap_or_default()
        ),
        None => println!("Best master: cannot tell — no payload folder can be read"),
    }
    for f in &inv.findings {
        println!(
            "{:<8} {} {}",
            f.severity.as_str(),
            f.code.as_str(),
            escape(&f.message)
        );
    }
    Ok(worst.exit_code())
}

/// `dp list` for repositories verified from their own files (ePO): role, status, catalog
/// version and age, verification, the recommended source.
fn list_repositories(inv: &crate::inventory::Inventory, as_json: bool) -> anyhow::Result<i32> {
    let pts = &inv.distribution_points;
    let worst = crate::findings::worst(&inv.findings);
    let source = pts
        .iter()
        .find(|p| p.repository.as_ref().is_some_and(|r| r.recommended_source));
    if as_json {
        println!(
            "{}",
            crate::escape::json(&json!({
                "points": pts,
                "recommended_source": source.map(|p| p.name.clone()),
                "findings": inv.findings,
                "notes": inv.notes,
            }))?
        );
        return Ok(worst.exit_code());
    }
    for n in &inv.notes {
        println!("Note: {}", escape(n));
    }
    println!(
        "{} repositor{}",
        pts.len(),
        if pts.len() == 1 { "y" } else { "ies" }
    );
    let w = pts
        .iter()
        .map(|p| escape(&p.name).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("  {:<w$}  {:<11}  STATE", "NAME", "ROLE");
    for p in pts {
        let Some(r) = &p.repository else { continue };
        println!(
            "  {:<w$}  {:<11}  {}",
            escape(&p.name),
            r.role,
            crate::report::components::repository_detail(p, r)
        );
    }
    match source {
        Some(s) => println!("Recommended source: {}", escape(&s.name)),
        None => println!("Recommended source: none — no repository verifies completely"),
    }
    for f in &inv.findings {
        println!(
            "{:<8} {} {}",
            f.severity.as_str(),
            f.code.as_str(),
            escape(&f.message)
        );
    }
    Ok(worst.exit_code())
}

fn edit(g: &GlobalArgs, a: &DpChangeArgs, change: definitions::Change) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    let out = Output { json: a.json };
    if g.read_only {
        return Ok(out.refused(None, &super::read_only_reason(g)));
    }
    let progress = super::stderr_progress(a.json);
    let inv = points::scan_points(&ctx, false, &progress);
    if let Some(f) = inv
        .findings
        .iter()
        .find(|f| f.code == crate::findings::Code::DpDefinitionsUnreadable)
    {
        return Ok(out.refused(None, &f.message));
    }
    let mut plan = match definitions::plan_change(
        &ctx,
        &inv.distribution_points,
        &change,
        &DiskProbe,
        &progress,
    ) {
        Ok(p) => p,
        Err(e @ definitions::DefinitionsError::Unknown { .. }) => {
            eprintln!("drconsole: {}", escape(&e.to_string()));
            return Ok(super::EXIT_USAGE);
        }
        Err(e) => return Ok(out.refused(None, &e.to_string())),
    };
    let lock = journal::prepare(&ctx, &mut plan, a.dry_run)?;
    let what = format!("Distribution points: {}", change.describe());
    run_plan(&ctx, plan, lock, a.dry_run, a.yes, &out, &what, None)
}

fn sync(
    g: &GlobalArgs,
    a: &DpChangeArgs,
    names: &[String],
    from: Option<&str>,
    full: bool,
) -> anyhow::Result<i32> {
    let ctx = super::context(g)?;
    let out = Output { json: a.json };
    if g.read_only {
        return Ok(out.refused(None, &super::read_only_reason(g)));
    }
    let progress = super::stderr_progress(a.json);
    let mut versions = Vec::new();
    let req = if ctx.profile.repositories.is_some() {
        match crate::epo::sync::request(&ctx, names, from, full, &progress) {
            Ok(s) => {
                for n in &s.up_to_date {
                    eprintln!("{} already equals the source: left alone", escape(n));
                }
                versions = s.versions;
                s.request
            }
            Err(e @ crate::epo::sync::EpoSyncError::Unknown { .. }) => {
                eprintln!("drconsole: {}", escape(&e.to_string()));
                return Ok(super::EXIT_USAGE);
            }
            Err(e) => return Ok(out.refused(None, &e.to_string())),
        }
    } else {
        // Definitions only: the plan's own walk of each tree is the one comparison.
        let defined = crate::inventory::distribution::definitions(&ctx);
        match points::sync_request(&ctx, &defined, names, from, full) {
            Ok(r) => r,
            Err(e @ points::RequestError::Unknown { .. }) => {
                eprintln!("drconsole: {}", escape(&e.to_string()));
                return Ok(super::EXIT_USAGE);
            }
            Err(e) => return Ok(out.refused(None, &e.to_string())),
        }
    };
    let (mut plan, preview) = match dpsync::plan_sync(&ctx.root, &req, &progress) {
        Ok(x) => x,
        Err(e) => return Ok(out.refused(None, &e.to_string())),
    };
    if plan.steps.is_empty() {
        if a.json {
            println!(
                "{}",
                crate::escape::json(&json!({"preview": preview, "status": "in_sync"}))?
            );
        } else {
            println!("{}", preview_text(&preview, None));
            println!(
                "Nothing to do: every target already equals {}.",
                Shown(&preview.from)
            );
        }
        return Ok(0);
    }
    let lock = journal::prepare(&ctx, &mut plan, a.dry_run)?;
    let what = format!("Sync {} from {}", names.join(", "), preview.from);
    let show = |p: &Plan| {
        println!("{}", preview_text(&preview, Some(p)));
        for v in &versions {
            println!(
                "  {}: catalog version {} -> {} (SiteStat.xml Disabled first, Enabled last)",
                escape(&v.name),
                v.from.as_deref().unwrap_or("unreadable"),
                v.to
            );
        }
    };
    let lines = super::stderr_progress(a.json);
    let shown = plan.clone();
    let per_target = dpsync::PerTarget {
        plan: &shown,
        inner: &lines,
    };
    if a.json && a.dry_run {
        println!(
            "{}",
            crate::escape::json(
                &json!({"preview": preview, "plan": plan, "ready": plan.ready(), "status": "dry_run", "catalog_versions": versions})
            )?
        );
        return Ok(if plan.ready() { 0 } else { 1 });
    }
    run_plan_shown(
        &ctx,
        plan,
        lock,
        a.dry_run,
        a.yes,
        &out,
        &what,
        None,
        &show,
        &per_target,
    )
}

/// The preview of a sync: per target what is copied, stashed and created, then the plan's
/// preconditions (the step list is in `--json`).
pub fn preview_text(preview: &Preview, plan: Option<&Plan>) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Sync from {} ({})",
        Shown(&preview.from),
        path(&preview.source_dir)
    );
    for (t, line) in preview.targets.iter().zip(preview.summary()) {
        let _ = writeln!(s, "  {} ({})", escape(&line), path(&t.dir));
        for line in &t.skipped {
            let _ = writeln!(s, "    not copied: {}", escape(line));
        }
    }
    if let Some(plan) = plan {
        let _ = plan::write_preconditions(&mut s, plan);
        for n in &plan.notes {
            let _ = writeln!(s, "Note: {}", escape(n));
        }
        let _ = writeln!(
            s,
            "\n{} step(s) in one transaction (`--dry-run --json` lists them); writes {}, moves {} aside (renamed, never deleted; the stash lies outside every payload folder).",
            plan.steps.len(),
            plan::format_bytes(plan.bytes_written()),
            plan::format_bytes(plan.bytes_stashed())
        );
    }
    s
}
