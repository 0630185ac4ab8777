//! The OpenMetrics rendering of `check`, for the Prometheus node_exporter textfile collector.
//! Every family is a gauge; label values are escaped as the specification asks (backslash,
//! double quote, line feed) and the text ends with `# EOF`.

use crate::findings::{Code, Severity};
use crate::inventory::{Inventory, Source};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use std::time::Duration;

/// The metrics for `inv`; `took` is how long the check ran.
pub fn check(inv: &Inventory, took: Duration) -> String {
    let mut out = Series::default();

    family(
        &mut out,
        "drconsole_findings",
        "Findings of the last check, by severity and code.",
    );
    let mut by: BTreeMap<(Severity, Code), usize> = BTreeMap::new();
    for f in &inv.findings {
        *by.entry((f.severity, f.code)).or_default() += 1;
    }
    for ((severity, code), n) in by.iter().rev() {
        sample(
            &mut out,
            "drconsole_findings",
            &[("severity", severity.as_str()), ("code", &code.as_str())],
            *n as f64,
        );
    }

    family(
        &mut out,
        "drconsole_backup_set_age_seconds",
        "Age of each backup set at the time of the check, with its verdict.",
    );
    for s in &inv.backup_sets {
        // Two backup roots may hold sets of the same name: the root keeps the series apart.
        let root = s.root.display().to_string();
        sample(
            &mut out,
            "drconsole_backup_set_age_seconds",
            &[
                ("set", &s.id),
                ("verdict", s.verdict.as_str()),
                ("root", &root),
            ],
            s.age_hours * 3600.0,
        );
    }

    family(
        &mut out,
        "drconsole_recommended_set_age_seconds",
        "Age of the recommended backup set (absent when no set can be recommended).",
    );
    if let Some(s) = inv.recommended_set() {
        sample(
            &mut out,
            "drconsole_recommended_set_age_seconds",
            &[],
            s.age_hours * 3600.0,
        );
    }

    family(
        &mut out,
        "drconsole_certificate_expiry_seconds",
        "Seconds until each live certificate expires (negative once expired).",
    );
    for c in inv.certificates.iter().filter(|c| c.source == Source::Live) {
        let Some(not_after) = c.not_after else {
            continue;
        };
        let cn = c.common_name.as_deref().unwrap_or(&c.subject);
        // A store may hold a renewed certificate beside the old one with the same name.
        sample(
            &mut out,
            "drconsole_certificate_expiry_seconds",
            &[
                ("store", &c.store),
                ("cn", cn),
                ("sha256", &c.fingerprint_sha256),
            ],
            (not_after - inv.scanned_at).num_seconds() as f64,
        );
    }

    family(
        &mut out,
        "drconsole_check_duration_seconds",
        "How long the check took.",
    );
    sample(
        &mut out,
        "drconsole_check_duration_seconds",
        &[],
        took.as_secs_f64(),
    );

    out.text.push_str("# EOF\n");
    out.text
}

/// The text so far and the series already in it: OpenMetrics forbids a series twice (a PEM
/// bundle may hold the same certificate twice, and then the first sample stands).
#[derive(Default)]
struct Series {
    text: String,
    seen: HashSet<String>,
}

fn family(out: &mut Series, name: &str, help: &str) {
    let _ = writeln!(out.text, "# TYPE {name} gauge");
    let _ = writeln!(out.text, "# HELP {name} {help}");
}

fn sample(out: &mut Series, name: &str, labels: &[(&str, &str)], value: f64) {
    let mut series = name.to_string();
    if !labels.is_empty() {
        let inner: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
            .collect();
        let _ = write!(series, "{{{}}}", inner.join(","));
    }
    if out.seen.insert(series.clone()) {
        let _ = writeln!(out.text, "{series} {}", number(value));
    }
}

/// A label value escaped per the OpenMetrics specification.
pub fn label_value(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// A sample value in OpenMetrics spelling (`+Inf`, `-Inf`, `NaN`).
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(label_value("plain"), "plain");
    }

    #[test]
    fn numbers_use_openmetrics_spelling() {
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(1.5), "1.5");
    }
}
