//! Fleet view: many servers' `check --json` reports (gathered by Ansible's `fetch`, scp, ...)
//! read back into one row per host — worst finding, recommended set age, certificates expiring.
//! Reading is tolerant: a report that is not one, from another schema version or cut short is
//! skipped with the reason, never guessed at.

use crate::findings::Severity;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The `check --json` schema version this reader understands.
pub const SCHEMA_VERSION: u64 = 1;

/// One host, from one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostRow {
    /// Host name the report names (`host.hostname`), else the report's file name.
    pub host: String,
    /// The report file.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub file: PathBuf,
    /// Profile the host was checked with.
    pub profile: String,
    /// Worst severity of the host's findings.
    pub worst: Severity,
    /// Exit code the host's `check` gave (from its worst severity).
    pub exit_code: i32,
    /// Code of the host's worst finding (none when it has no warning or worse).
    pub worst_code: Option<String>,
    /// Component of that finding.
    pub worst_component: Option<String>,
    /// Findings per severity.
    pub findings: Counts,
    /// The recommended backup set, if any.
    pub recommended_set: Option<String>,
    /// Its age when the host was checked.
    pub recommended_set_age_hours: Option<f64>,
    /// Live certificates expiring within the host's window (`CERT_EXPIRING` findings).
    pub certificates_expiring: usize,
    /// Live certificates already expired (`CERT_EXPIRED` findings).
    pub certificates_expired: usize,
    /// The soonest end of validity among the host's live certificates.
    pub soonest_certificate_expiry: Option<DateTime<Utc>>,
    /// When the host was checked.
    pub scanned_at: DateTime<Utc>,
    /// How old the report is at the fleet's "now".
    pub report_age_hours: f64,
}

/// Findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Critical findings.
    pub critical: u64,
    /// Errors.
    pub error: u64,
    /// Warnings.
    pub warning: u64,
    /// Informational findings.
    pub info: u64,
}

/// A report that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The file.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub file: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// The fleet: hosts worst first, then the reports that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fleet {
    /// Version of this JSON shape.
    pub schema_version: u64,
    /// One row per readable report, worst first, then by host name.
    pub hosts: Vec<HostRow>,
    /// Reports skipped, with the reason.
    pub skipped: Vec<Skipped>,
    /// Worst severity and the exit code.
    pub summary: Summary,
}

/// The fleet's overall state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Worst severity over the hosts read.
    pub worst: Severity,
    /// Nagios precedence: 2 when any host has an error, else 3 when a report was skipped (its
    /// host is unknown), else 1 for a warning, else 0.
    pub exit_code: i32,
    /// Hosts read.
    pub hosts: usize,
    /// Reports skipped.
    pub skipped: usize,
}

/// Read every report; `now` dates the reports' age.
pub fn gather(files: &[PathBuf], now: DateTime<Utc>) -> Fleet {
    let mut hosts = Vec::new();
    let mut skipped = Vec::new();
    for file in files {
        let read = std::fs::read(file)
            .map_err(|e| format!("cannot be read: {e}"))
            .and_then(|bytes| parse(&bytes, file, now));
        match read {
            Ok(row) => hosts.push(row),
            Err(reason) => skipped.push(Skipped {
                file: file.clone(),
                reason,
            }),
        }
    }
    hosts.sort_by(|a: &HostRow, b: &HostRow| {
        b.worst
            .cmp(&a.worst)
            .then_with(|| a.host.cmp(&b.host))
            .then_with(|| a.file.cmp(&b.file))
    });
    let worst = hosts.iter().map(|h| h.worst).max().unwrap_or_default();
    let exit_code = if worst.exit_code() == 2 {
        2
    } else if !skipped.is_empty() || hosts.is_empty() {
        3
    } else {
        worst.exit_code()
    };
    Fleet {
        schema_version: SCHEMA_VERSION,
        summary: Summary {
            worst,
            exit_code,
            hosts: hosts.len(),
            skipped: skipped.len(),
        },
        hosts,
        skipped,
    }
}

/// One report's row, or why it cannot be trusted.
pub fn parse(bytes: &[u8], file: &Path, now: DateTime<Utc>) -> Result<HostRow, String> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            format!(
                "cut short (the JSON ends at line {}): a partial copy?",
                e.line()
            )
        } else {
            format!("not JSON: {e}")
        }
    })?;
    let version = match doc.get("schema_version") {
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("schema_version {v} is not a number"))?,
        None => {
            return Err(
                "not a drconsole check --json report (no schema_version; drconsole before 0.1 or another tool)"
                    .into(),
            );
        }
    };
    if version != SCHEMA_VERSION {
        return Err(format!(
            "written with schema_version {version}; this drconsole reads {SCHEMA_VERSION}: use the same version on both sides"
        ));
    }
    let text = |v: &Value, what: &str| -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no {what}: not a complete check report"))
    };
    let summary = doc
        .get("summary")
        .ok_or("no summary: not a complete check report")?;
    let worst: Severity = serde_json::from_value(summary["worst"].clone())
        .map_err(|_| "summary.worst is not a severity: not a complete check report".to_string())?;
    let scanned_at = text(&doc["scanned_at"], "scanned_at")?;
    let scanned_at = DateTime::parse_from_rfc3339(&scanned_at)
        .map_err(|_| format!("scanned_at '{scanned_at}' is not an RFC 3339 time"))?
        .with_timezone(&Utc);
    let findings = doc["findings"]
        .as_array()
        .ok_or("no findings list: not a complete check report")?;
    let count = |k: &str| summary[k].as_u64().unwrap_or(0);
    let counts = Counts {
        critical: count("critical"),
        error: count("error"),
        warning: count("warning"),
        info: count("info"),
    };
    // Findings are worst first in a report; the first warning-or-worse one is the headline.
    let headline = findings.iter().find(|f| {
        serde_json::from_value::<Severity>(f["severity"].clone())
            .is_ok_and(|s| s >= Severity::Warning)
    });
    let with_code = |code: &str| findings.iter().filter(|f| f["code"] == code).count();
    let recommended = doc["backup_sets"]
        .as_array()
        .and_then(|sets| sets.iter().find(|s| s["recommended"] == true));
    let soonest = doc["certificates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["source"] == "live")
        .filter_map(|c| c["not_after"].as_str())
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .min();
    let host = doc["host"]["hostname"]
        .as_str()
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            file.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    Ok(HostRow {
        host,
        file: file.to_path_buf(),
        profile: doc["profile"].as_str().unwrap_or_default().to_string(),
        worst,
        exit_code: worst.exit_code(),
        worst_code: headline.and_then(|f| f["code"].as_str().map(str::to_string)),
        worst_component: headline.and_then(|f| f["component"].as_str().map(str::to_string)),
        findings: counts,
        recommended_set: recommended.and_then(|s| s["id"].as_str().map(str::to_string)),
        recommended_set_age_hours: recommended.and_then(|s| s["age_hours"].as_f64()),
        certificates_expiring: with_code("CERT_EXPIRING"),
        certificates_expired: with_code("CERT_EXPIRED"),
        soonest_certificate_expiry: soonest,
        scanned_at,
        report_age_hours: (now - scanned_at).num_minutes() as f64 / 60.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    const REPORT: &str = r#"{"profile": "lanrev-macos", "scanned_at": "2026-11-22T08:00:00Z",
        "backup_sets": [{"id": "a", "recommended": false, "age_hours": 6.0},
                        {"id": "b", "recommended": true, "age_hours": 30.0}],
        "certificates": [{"source": "live", "not_after": "2026-12-04T00:00:00Z"},
                         {"source": {"set": "b"}, "not_after": "2026-11-23T00:00:00Z"}],
        "host": {"hostname": "lanrev1"},
        "findings": [{"code": "DB_CORRUPT", "severity": "error", "component": "database:ServerDatabase"},
                     {"code": "CERT_EXPIRING", "severity": "warning", "component": "certificates:Certificates"}],
        "summary": {"worst": "error", "exit_code": 2, "critical": 0, "error": 1, "warning": 1, "info": 0},
        "schema_version": 1}"#;

    #[test]
    fn a_report_gives_its_headline_set_age_and_certificates() {
        let row = parse(REPORT.as_bytes(), Path::new("r/lanrev1.json"), now()).unwrap();
        assert_eq!(row.host, "lanrev1");
        assert_eq!(row.worst, Severity::Error);
        assert_eq!(row.worst_code.as_deref(), Some("DB_CORRUPT"));
        assert_eq!(row.recommended_set.as_deref(), Some("b"));
        assert_eq!(row.recommended_set_age_hours, Some(30.0));
        assert_eq!(row.certificates_expiring, 1);
        // Only live certificates count: the set's copy expiring sooner does not.
        assert_eq!(
            row.soonest_certificate_expiry,
            Some("2026-12-04T00:00:00Z".parse().unwrap())
        );
        assert_eq!(row.report_age_hours, 2.0);
    }

    #[test]
    fn truncated_other_version_and_foreign_reports_are_refused_with_the_reason() {
        let cut = &REPORT.as_bytes()[..REPORT.len() / 2];
        let e = parse(cut, Path::new("x"), now()).unwrap_err();
        assert!(e.contains("cut short"), "{e}");
        let newer = REPORT.replace("\"schema_version\": 1", "\"schema_version\": 2");
        let e = parse(newer.as_bytes(), Path::new("x"), now()).unwrap_err();
        assert!(e.contains("schema_version 2"), "{e}");
        let e = parse(b"{\"hello\": 1}", Path::new("x"), now()).unwrap_err();
        assert!(e.contains("no schema_version"), "{e}");
        let e = parse(b"\x00\xff", Path::new("x"), now()).unwrap_err();
        assert!(e.contains("not JSON"), "{e}");
        let no_summary = REPORT.replace("\"summary\"", "\"summery\"");
        let e = parse(no_summary.as_bytes(), Path::new("x"), now()).unwrap_err();
        assert!(e.contains("no summary"), "{e}");
    }

    #[test]
    fn a_skipped_report_makes_an_otherwise_healthy_fleet_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.json");
        let healthy = REPORT
            .replace("\"worst\": \"error\"", "\"worst\": \"info\"")
            .replace("\"severity\": \"error\"", "\"severity\": \"info\"")
            .replace("\"severity\": \"warning\"", "\"severity\": \"info\"");
        std::fs::write(&ok, healthy).unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{").unwrap();
        let fleet = gather(std::slice::from_ref(&ok), now());
        assert_eq!(fleet.summary.exit_code, 0);
        let fleet = gather(&[ok.clone(), bad.clone()], now());
        assert_eq!(fleet.summary.exit_code, 3);
        assert_eq!(fleet.skipped.len(), 1);
        assert_eq!(fleet.hosts.len(), 1);
        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, REPORT).unwrap();
        let fleet = gather(&[ok, bad, broken], now());
        assert_eq!(fleet.summary.exit_code, 2);
        assert_eq!(fleet.hosts[0].host, "lanrev1");
    }
}
