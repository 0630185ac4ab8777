//! `drconsole inspect FILE... [--json]`: what each file is and what its reader says, without a
//! profile or a root. Exit 0 when every file is what it claims and undamaged, 1 when any is not a
//! backup, incomplete, unverified or unknown, 2 when any is damaged.

use crate::cli::{GlobalArgs, InspectArgs};
use crate::escape::{escape, path as escape_path};
use crate::inspect::{FileReport, inspect};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
struct Output<'a> {
    files: &'a [FileReport],
}

/// Run the command.
pub fn run(g: &GlobalArgs, args: &InspectArgs) -> anyhow::Result<i32> {
    let password = match &g.pfx_password_file {
        Some(file) => Some(
            std::fs::read_to_string(file)
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot read the PKCS#12 password file {}: {e}",
                        file.display()
                    )
                })?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        None => None,
    };
    let reports: Vec<FileReport> = args
        .files
        .iter()
        .map(|f| inspect(f, password.as_deref()))
        .collect();
    if args.json {
        println!("{}", crate::escape::json(&Output { files: &reports })?);
    } else {
        print!("{}", render(&reports));
    }
    Ok(exit_code(&reports))
}

/// The exit code for a list of reports.
pub fn exit_code(reports: &[FileReport]) -> i32 {
    reports
        .iter()
        .map(|r| match r.verdict.as_str() {
            "complete" | "ok" | "readable" | "quick_ok" => 0,
            "damaged" | "corrupt" | "missing" | "unreadable" => 2,
            _ => 1,
        })
        .max()
        .unwrap_or(0)
}

/// Text for people; every name from disk is escaped.
pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        let kind = serde_json::to_value(r.kind)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}: {kind}, {}",
            escape_path(&r.path),
            r.verdict.replace('_', " ")
        );
        for set in &r.backup_sets {
            let _ = writeln!(
                out,
                "  set: {} on {}, {}{}{}, started {}, finished {}{}, {}",
                escape(set.database.as_deref().unwrap_or("(no name)")),
                escape(set.server.as_deref().unwrap_or("(no server)")),
                set.backup_type,
                if set.copy_only { " copy-only" } else { "" },
                if set.compressed { " compressed" } else { "" },
                set.started.as_deref().unwrap_or("unknown"),
                set.finished.as_deref().unwrap_or("unknown"),
                match (set.family, set.families) {
                    (Some(f), Some(n)) if n > 1 => format!(", media family {f} of {n}"),
                    _ => String::new(),
                },
                set.verdict,
            );
            if let Some(v) = &set.sql_server_version {
                let _ = writeln!(out, "    written by SQL Server {v}");
            }
        }
        if let Some(sums) = r.checksums {
            let _ = writeln!(
                out,
                "  backup checksums (WITH CHECKSUM): {}",
                if sums {
                    "present, not verified offline"
                } else {
                    "absent"
                }
            );
        }
        for d in &r.details {
            let _ = writeln!(out, "  {}", escape(d));
        }
        for p in &r.problems {
            let _ = writeln!(out, "  problem: {}", escape(p));
        }
        for n in &r.not_verified {
            let _ = writeln!(out, "  not verified: {n}");
        }
    }
    out
}
