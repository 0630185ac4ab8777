//! JSON renderings. The shapes are public API (documented in docs/json.md): add fields freely,
//! rename or remove only on purpose with a CHANGELOG entry.

use crate::findings::{self, Severity};
use crate::inventory::Inventory;
use serde_json::{Value, json};

/// Version of the `check --json` document's shape: raised only when a field is renamed or
/// removed (adding fields keeps it).
pub const SCHEMA_VERSION: u32 = 1;

/// Counts of findings per severity, the worst one and the exit code it maps to.
pub fn summary(inv: &Inventory) -> Value {
    let count = |s: Severity| inv.findings.iter().filter(|f| f.severity == s).count();
    let worst = findings::worst(&inv.findings);
    json!({
        "worst": worst,
        "exit_code": worst.exit_code(),
        "critical": count(Severity::Critical),
        "error": count(Severity::Error),
        "warning": count(Severity::Warning),
        "info": count(Severity::Info),
        "recommended_set": inv.recommended_set().map(|s| s.id.clone()),
    })
}

/// The whole inventory plus a summary: what `check --json` prints. Serialised straight to
/// its writer: no intermediate JSON value of a long history is ever built.
pub fn check(inv: &Inventory) -> CheckDocument<'_> {
    CheckDocument {
        inv,
        summary: summary(inv),
        version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
    }
}

/// The `check --json` document: the inventory's fields, then `summary`, `version` and
/// `schema_version`.
#[derive(Debug, serde::Serialize)]
pub struct CheckDocument<'a> {
    #[serde(flatten)]
    inv: &'a Inventory,
    summary: Value,
    version: &'static str,
    schema_version: u32,
}

/// The backup sets (newest first) and the recommended id: what `backups --json` prints.
pub fn backups(inv: &Inventory) -> Value {
    json!({
        "recommended_set": inv.recommended_set().map(|s| s.id.clone()),
        "backup_sets": inv.backup_sets,
        "findings": inv.findings.iter().filter(|f| f.component.starts_with("backup")).collect::<Vec<_>>(),
    })
}
