//! `drconsole fleet REPORT.json...`: one table over many servers' `check --json` reports.

use crate::cli::{FleetArgs, GlobalArgs};
use crate::clock::Clock;
use crate::escape::{escape, path};
use crate::fleet::{self, Fleet, HostRow};
use crate::report::format::age;
use anyhow::Context as _;

/// Run `fleet`; the exit code follows Nagios precedence over the hosts (see `fleet::Summary`).
pub fn run(g: &GlobalArgs, args: &FleetArgs) -> anyhow::Result<i32> {
    let clock = match &g.now {
        Some(now) => Clock::parse_fixed(now).with_context(|| {
            format!("--now '{now}' is not an RFC 3339 instant such as 2026-11-22T08:00:00Z")
        })?,
        None => Clock::system(),
    };
    let fleet = fleet::gather(&args.reports, clock.now());
    if args.json {
        println!("{}", crate::escape::json(&fleet)?);
        // The JSON carries them too; a person watching the run should see them without jq.
        for s in &fleet.skipped {
            eprintln!(
                "drconsole: skipped {}: {}",
                path(&s.file),
                escape(&s.reason)
            );
        }
    } else {
        print!("{}", text(&fleet));
    }
    Ok(fleet.summary.exit_code)
}

/// The fleet as a table, worst host first.
pub fn text(fleet: &Fleet) -> String {
    let header = [
        "HOST",
        "WORST",
        "FINDING",
        "SET AGE",
        "CERTIFICATES",
        "CHECKED",
    ];
    let mut rows: Vec<[String; 6]> = vec![header.map(str::to_string)];
    rows.extend(fleet.hosts.iter().map(row));
    let mut widths = [0usize; 6];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = format!(
        "drconsole fleet: {} host(s), worst {}{}\n\n",
        fleet.summary.hosts,
        fleet.summary.worst,
        match fleet.summary.skipped {
            0 => String::new(),
            n => format!(", {n} report(s) skipped (see below)"),
        }
    );
    for r in &rows {
        let mut line = String::new();
        for (i, (cell, w)) in r.iter().zip(widths).enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for s in &fleet.skipped {
        out.push_str(&format!(
            "\nskipped {}: {}",
            path(&s.file),
            escape(&s.reason)
        ));
    }
    if !fleet.skipped.is_empty() {
        out.push('\n');
    }
    out
}

fn row(h: &HostRow) -> [String; 6] {
    let finding = match (&h.worst_code, &h.worst_component) {
        (Some(code), Some(component)) => format!("{code} {}", escape(component)),
        (Some(code), None) => code.clone(),
        _ => "-".into(),
    };
    let set_age = match h.recommended_set_age_hours {
        Some(hours) => age(hours),
        None => "no set".into(),
    };
    let certificates = match (h.certificates_expired, h.certificates_expiring) {
        (0, 0) => h
            .soonest_certificate_expiry
            .map_or("-".into(), |t| format!("ok to {}", t.format("%Y-%m-%d"))),
        (expired, expiring) => {
            let mut parts = Vec::new();
            if expired > 0 {
                parts.push(format!("{expired} expired"));
            }
            if expiring > 0 {
                parts.push(format!("{expiring} expiring"));
            }
            if let Some(t) = h.soonest_certificate_expiry {
                parts.push(format!("({})", t.format("%Y-%m-%d")));
            }
            parts.join(" ")
        }
    };
    [
        escape(&h.host).into_owned(),
        h.worst.to_string(),
        finding,
        set_age,
        certificates,
        format!("{} ago", age(h.report_age_hours.max(0.0))),
    ]
}
