//! Proving a step's `done_when` from a scan and the journal. Each condition is proven, shown
//! open, or cannot be decided, with one line saying which and why: the absence of a finding
//! proves nothing when the check that would raise it could not run.

use crate::component::{self, Component};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::{DbState, Inventory, Source};
use crate::journal::{TxState, TxSummary};
use crate::profile::{DoneWhen, Profile};

/// The outcome of one condition, or of all of a step's together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Holds.
    Proven,
    /// Cannot be decided from this scan.
    Unknown,
    /// Does not hold.
    Open,
}

/// A verdict with the facts behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The worst verdict of the conditions (open over unknown over proven).
    pub verdict: Verdict,
    /// One line per condition.
    pub lines: Vec<String>,
}

impl Proof {
    fn one(verdict: Verdict, line: impl Into<String>) -> Proof {
        Proof {
            verdict,
            lines: vec![line.into()],
        }
    }

    /// A condition that cannot be decided.
    pub fn unknown(why: impl Into<String>) -> Proof {
        Proof::one(Verdict::Unknown, format!("cannot verify: {}", why.into()))
    }

    fn and(mut self, other: Proof) -> Proof {
        self.verdict = self.verdict.max(other.verdict);
        self.lines.extend(other.lines);
        self
    }
}

/// Prove every condition of `d`; the step is done only when all hold.
pub fn prove(d: &DoneWhen, profile: &Profile, inv: &Inventory, journal: &[&TxSummary]) -> Proof {
    let mut all = Proof {
        verdict: Verdict::Proven,
        lines: Vec::new(),
    };
    for code in &d.findings_absent {
        all = all.and(absent(*code, inv));
    }
    for code in &d.findings_present {
        all = all.and(present(*code, inv));
    }
    if !d.restored.is_empty() {
        all = all.and(restored(&d.restored, profile, journal));
    }
    if !d.healthy.is_empty() {
        all = all.and(healthy(&d.healthy, profile, inv));
    }
    all
}

/// `CODE: component: message`, and how many more.
fn cite(code: Code, hits: &[&Finding]) -> String {
    let first = hits[0];
    let more = match hits.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    format!("{code} {}: {}{more}", first.component, first.message)
}

fn absent(code: Code, inv: &Inventory) -> Proof {
    let hits: Vec<&Finding> = inv.findings.iter().filter(|f| f.code == code).collect();
    if !hits.is_empty() {
        return Proof::one(Verdict::Open, format!("not yet: {}", cite(code, &hits)));
    }
    match doubt(code, inv) {
        Some(why) => Proof::unknown(format!("no {code} found, but {why}")),
        None => Proof::one(Verdict::Proven, format!("no {code}")),
    }
}

fn present(code: Code, inv: &Inventory) -> Proof {
    let hits: Vec<&Finding> = inv.findings.iter().filter(|f| f.code == code).collect();
    if !hits.is_empty() {
        return Proof::one(Verdict::Proven, cite(code, &hits));
    }
    match doubt(code, inv) {
        Some(why) => Proof::unknown(format!("no {code} found, but {why}")),
        None => Proof::one(Verdict::Open, format!("not yet: no {code}")),
    }
}

/// Why the scan's silence about `code` proves nothing, if it does not: a finding of the same
/// family saying something could not be read or checked, or (for database damage) checks
/// that stopped at the quick one.
fn doubt(code: Code, inv: &Inventory) -> Option<String> {
    let name = code.as_str();
    let family = family(&name);
    let doubting = |c: Code| {
        let n = c.as_str();
        c != code
            && family == self::family(&n)
            && (n.ends_with("_UNVERIFIABLE")
                || n.ends_with("_UNREADABLE")
                || matches!(
                    c,
                    Code::PfxLocked | Code::PfxUnsupported | Code::CertKeyUnsupported
                ))
    };
    if let Some(f) = inv.findings.iter().find(|f| doubting(f.code)) {
        return Some(format!(
            "{} {} says something could not be checked: {}",
            f.code, f.component, f.message
        ));
    }
    if code == Code::DbCorrupt {
        let shallow: Vec<&str> = inv
            .databases
            .iter()
            .filter(|d| matches!(d.file.state, DbState::QuickOk | DbState::Unchecked))
            .map(|d| d.name.as_str())
            .collect();
        if !shallow.is_empty() {
            return Some(format!(
                "only the quick check ran on {} (run the full check: c in the console, or --full)",
                shallow.join(", ")
            ));
        }
    }
    None
}

/// The family a code belongs to, for doubts: certificates and their keys and bundles are one.
fn family(name: &str) -> &str {
    let head = name.split('_').next().unwrap_or(name);
    match head {
        "CERT" | "PFX" | "KEY" => "CERT",
        "MDM" if name.starts_with("MDM_TRUST") => "CERT",
        "MDM" => "SETTINGS",
        other => other,
    }
}

fn components(sels: &[String], profile: &Profile) -> Result<Vec<Component>, Proof> {
    component::resolve(profile, sels).map_err(|e| Proof::unknown(e.to_string()))
}

fn restored(sels: &[String], profile: &Profile, journal: &[&TxSummary]) -> Proof {
    let wanted = match components(sels, profile) {
        Ok(c) => c,
        Err(p) => return p,
    };
    let restores: Vec<&&TxSummary> = journal
        .iter()
        .filter(|t| t.state == TxState::Committed && t.action == "restore")
        .collect();
    let mut by: Vec<String> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for c in &wanted {
        let id = c.to_string();
        // The newest committed restore of it: transaction ids sort by sequence number.
        match restores
            .iter()
            .filter(|t| t.components.contains(&id))
            .max_by(|a, b| a.id.cmp(&b.id))
        {
            Some(t) => {
                let what = format!(
                    "#{} from set {}",
                    t.id.split('-').next().unwrap_or(&t.id),
                    t.set.as_deref().unwrap_or("?")
                );
                if !by.contains(&what) {
                    by.push(what);
                }
            }
            None => missing.push(id),
        }
    }
    if missing.is_empty() {
        Proof::one(
            Verdict::Proven,
            format!("{} restored by {}", sels.join(", "), by.join(", ")),
        )
    } else {
        Proof::one(
            Verdict::Open,
            format!(
                "not yet: no committed restore of {} under this root",
                missing.join(", ")
            ),
        )
    }
}

fn healthy(sels: &[String], profile: &Profile, inv: &Inventory) -> Proof {
    let wanted = match components(sels, profile) {
        Ok(c) => c,
        Err(p) => return p,
    };
    let mut worst = Verdict::Proven;
    let mut bad: Vec<String> = Vec::new();
    let mut unsure: Vec<String> = Vec::new();
    for c in &wanted {
        let (v, why) = component_state(c, inv);
        worst = worst.max(v);
        match v {
            Verdict::Open => bad.push(why),
            Verdict::Unknown => unsure.push(why),
            Verdict::Proven => {}
        }
    }
    let line = match worst {
        Verdict::Proven => format!("{} sound", sels.join(", ")),
        Verdict::Open => format!("not yet: {}", bad.join("; ")),
        Verdict::Unknown => format!("cannot verify: {}", unsure.join("; ")),
    };
    let mut p = Proof::one(worst, line);
    // Both kinds matter when some are bad and others unsure.
    if worst == Verdict::Open && !unsure.is_empty() {
        p.lines
            .push(format!("cannot verify: {}", unsure.join("; ")));
    }
    p
}

/// Whether one live component is sound, with why when it is not (or cannot be told).
fn component_state(c: &Component, inv: &Inventory) -> (Verdict, String) {
    let id = c.to_string();
    let worst_finding = |min: Severity| {
        inv.findings
            .iter()
            .filter(|f| f.component == id && f.severity >= min)
            .map(|f| f.code.as_str())
            .collect::<Vec<_>>()
    };
    match c {
        Component::Database(name) => {
            let Some(db) = inv.databases.iter().find(|d| &d.name == name) else {
                return (Verdict::Unknown, format!("{id} is not in the scan"));
            };
            match db.file.state {
                DbState::Ok => (Verdict::Proven, String::new()),
                DbState::QuickOk | DbState::Unchecked => (
                    Verdict::Unknown,
                    format!("{id} passed only the quick check (run the full check)"),
                ),
                DbState::Unverifiable => (
                    Verdict::Unknown,
                    format!(
                        "{id} could not be checked: {}",
                        db.file
                            .unverifiable
                            .as_ref()
                            .map(|u| u.advice())
                            .unwrap_or_default()
                    ),
                ),
                DbState::Unreadable => (Verdict::Unknown, format!("{id} could not be read")),
                DbState::Missing => (Verdict::Open, format!("{id} is missing")),
                DbState::Empty => (Verdict::Open, format!("{id} is empty")),
                DbState::NotSqlite => (Verdict::Open, format!("{id} is not a SQLite database")),
                DbState::Corrupt => (Verdict::Open, format!("{id} fails its integrity check")),
            }
        }
        Component::Certificates(name) => {
            let live = inv
                .certificates
                .iter()
                .any(|x| &x.store == name && x.source == Source::Live);
            let problems = worst_finding(Severity::Error);
            if !problems.is_empty() {
                return (Verdict::Open, format!("{id}: {}", problems.join(", ")));
            }
            let doubts: Vec<String> = inv
                .findings
                .iter()
                .filter(|f| {
                    f.component == id
                        && matches!(
                            f.code,
                            Code::CertUnreadable
                                | Code::PfxLocked
                                | Code::PfxUnsupported
                                | Code::CertKeyUnsupported
                        )
                })
                .map(|f| f.code.as_str())
                .collect();
            if !doubts.is_empty() {
                return (Verdict::Unknown, format!("{id}: {}", doubts.join(", ")));
            }
            if live {
                (Verdict::Proven, String::new())
            } else {
                (Verdict::Open, format!("{id} holds no certificate"))
            }
        }
        Component::Settings(name) => {
            let Some(s) = inv
                .settings
                .iter()
                .find(|s| &s.name == name && s.source == Source::Live)
            else {
                return (Verdict::Unknown, format!("{id} is not in the scan"));
            };
            let unsure = inv
                .findings
                .iter()
                .any(|f| f.component == id && f.code == Code::SettingsUnverifiable);
            match (&s.path, &s.error) {
                (None, _) => (Verdict::Open, format!("{id} is missing")),
                (Some(_), Some(e)) if unsure => {
                    (Verdict::Unknown, format!("{id} could not be read: {e}"))
                }
                (Some(_), Some(e)) => (Verdict::Open, format!("{id} is unreadable: {e}")),
                (Some(_), None) => (Verdict::Proven, String::new()),
            }
        }
        Component::Folder(name) => match inv.folders.iter().find(|f| &f.name == name) {
            None => (Verdict::Unknown, format!("{id} is not in the scan")),
            Some(f) if f.present => (Verdict::Proven, String::new()),
            Some(_) => (Verdict::Open, format!("{id} is missing")),
        },
        Component::Dp(_) => (
            Verdict::Unknown,
            format!("{id}: distribution points are judged by their DP_ findings"),
        ),
    }
}
