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

/// The whole inventory plus a summary: what `check --json` prints.
pub fn check(inv: &Inventory) -> Value {
    let mut v = serde_json::to_value(inv).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut v {
        map.insert("summary".into(), summary(inv));
        map.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
        map.insert("schema_version".into(), json!(SCHEMA_VERSION));
    }
    v
}

/// The backup sets (newest first) and the recommended id: what `backups --json` prints.
pub fn backups(inv: &Inventory) -> Value {
    json!({
        "recommended_set": inv.recommended_set().map(|s| s.id.clone()),
        "backup_sets": inv.backup_sets,
        "findings": inv.findings.iter().filter(|f| f.component.starts_with("backup")).collect::<Vec<_>>(),
    })
}
