//! The Nagios/Icinga plugin rendering of `check`: one status line, perfdata after `|`. The exit
//! code stays the one `check` always returns (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).

use crate::escape::escape;
use crate::findings::{self, Finding, Severity};
use crate::inventory::Inventory;
use std::fmt::Write;

/// How many findings the status line names before it says how many more there are.
const NAMED: usize = 5;

/// The status line for `inv`; `rpo_hours` (the profile's recovery point objective) is the
/// warning threshold of the recommended set's age, twice it the critical one.
pub fn check(inv: &Inventory, rpo_hours: u32) -> String {
    let count = |s: Severity| inv.findings.iter().filter(|f| f.severity == s).count();
    let state = match findings::worst(&inv.findings) {
        Severity::Ok | Severity::Info => "OK",
        Severity::Warning => "WARNING",
        Severity::Error | Severity::Critical => "CRITICAL",
    };
    let mut counts = Vec::new();
    for (s, one, many) in [
        (Severity::Critical, "critical", "critical"),
        (Severity::Error, "error", "errors"),
        (Severity::Warning, "warning", "warnings"),
    ] {
        match count(s) {
            0 => {}
            1 => counts.push(format!("1 {one}")),
            n => counts.push(format!("{n} {many}")),
        }
    }
    let mut line = format!("DRCONSOLE {state} - ");
    if counts.is_empty() {
        line.push_str("no problems found");
    } else {
        line.push_str(&counts.join(", "));
        let serious: Vec<&Finding> = inv
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .collect();
        let named: Vec<String> = serious.iter().take(NAMED).map(|f| named(f)).collect();
        let _ = write!(line, ": {}", named.join("; "));
        if serious.len() > NAMED {
            let _ = write!(line, "; and {} more", serious.len() - NAMED);
        }
    }
    let age = inv
        .recommended_set()
        .map(|s| format!("{:.1}", s.age_hours))
        .unwrap_or_else(|| "U".into());
    let _ = write!(
        line,
        " | recommended_set_age_hours={age};{rpo_hours};{} findings_critical={} findings_error={} findings_warning={} findings_info={}",
        u64::from(rpo_hours) * 2,
        count(Severity::Critical),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    line.push('\n');
    line
}

/// `CODE name` for one finding: the component without its kind, escaped to one line and without
/// `|`, which would start the perfdata.
fn named(f: &Finding) -> String {
    let name = f
        .component
        .split_once(':')
        .map(|(_, n)| n)
        .unwrap_or(&f.component);
    format!("{} {}", f.code.as_str(), escape(name).replace('|', "/"))
}
