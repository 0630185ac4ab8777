//! Monitoring outputs of `check` (`--format nagios|openmetrics`, `--output`), the JSON
//! `schema_version`, and the generated completions and manual page.

mod common;

use clap::CommandFactory;
use common::{Demo, drconsole};
use drconsole::demo::Scenario;
use std::collections::HashSet;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn nagios_prints_one_status_line_with_perfdata_and_the_same_exit_code() {
    let d = Demo::new(Scenario::CorruptDb);
    let (json_code, json) = d.check_json(&[]);
    let out = d.run(&["check", "--format", "nagios"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(json_code), "{text}");
    assert_eq!(json_code, 2);
    assert_eq!(text.lines().count(), 1, "{text}");
    let (status, perf) = text.trim_end().split_once(" | ").expect("perfdata after |");
    assert!(status.starts_with("DRCONSOLE CRITICAL - "), "{status}");
    assert!(status.contains("1 error"), "{status}");
    assert!(status.contains("DB_CORRUPT ServerDatabase"), "{status}");
    // The corrupt-db demo's recommended set is 30 h old; the default profile's RPO is 26 h.
    let rec_age = json["backup_sets"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["recommended"] == true))
        .and_then(|s| s["age_hours"].as_f64())
        .expect("a recommended set");
    let perf: Vec<&str> = perf.split(' ').collect();
    assert_eq!(
        perf[0],
        format!("recommended_set_age_hours={rec_age:.1};26;52"),
        "{perf:?}"
    );
    let errors = json["summary"]["error"].as_u64().expect("error count");
    assert!(
        perf.contains(&format!("findings_error={errors}").as_str()),
        "{perf:?}"
    );
    for p in &perf {
        let (label, value) = p.split_once('=').expect("label=value");
        assert!(!label.is_empty() && !label.contains('\''), "{p}");
        let first = value.split(';').next().unwrap_or("");
        assert!(first == "U" || first.parse::<f64>().is_ok(), "{p}");
    }
}

#[test]
fn nagios_says_ok_when_nothing_is_wrong() {
    let d = Demo::new(Scenario::Healthy);
    let (code, _) = d.check_json(&[]);
    let out = d.run(&["check", "--format", "nagios"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(code));
    let want = match code {
        0 => "DRCONSOLE OK - ",
        1 => "DRCONSOLE WARNING - ",
        _ => "DRCONSOLE CRITICAL - ",
    };
    assert!(text.starts_with(want), "{code}: {text}");
}

/// One parsed sample: family name, labels (unescaped) and value.
type Sample = (String, Vec<(String, String)>, f64);

/// A small OpenMetrics text checker: every line a `# TYPE`/`# HELP` comment or a sample of a
/// declared family with well-formed, escaped labels and a number; no series twice; `# EOF` last.
fn check_openmetrics(text: &str) -> Vec<Sample> {
    assert!(text.ends_with("# EOF\n"), "must end with # EOF: {text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.iter().filter(|l| **l == "# EOF").count(), 1);
    let mut families = HashSet::new();
    let mut seen = HashSet::new();
    let mut samples = Vec::new();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !n.starts_with(|c: char| c.is_ascii_digit())
    };
    for line in &lines[..lines.len() - 1] {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(name_ok(name), "{line}");
            assert_eq!(kind, "gauge", "{line}");
            assert!(families.insert(name.to_string()), "family twice: {line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').expect("HELP name text");
            assert!(families.contains(name), "HELP before TYPE: {line}");
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment: {line}");
        // name{labels} value
        let (series, value) = line.rsplit_once(' ').expect("series value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => (n, parse_labels(rest.strip_suffix('}').expect("}"), line)),
            None => (series, Vec::new()),
        };
        assert!(
            families.contains(name),
            "sample of undeclared family: {line}"
        );
        assert!(seen.insert(series.to_string()), "series twice: {line}");
        samples.push((name.to_string(), labels, value));
    }
    samples
}

fn parse_labels(mut s: &str, line: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    while !s.is_empty() {
        let (k, rest) = s
            .split_once("=\"")
            .unwrap_or_else(|| panic!("label: {line}"));
        assert!(
            k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => panic!("bad escape {other:?}: {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, '\n')) => panic!("raw newline: {line}"),
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value: {line}"),
            }
        };
        labels.push((k.to_string(), value));
        s = &rest[end + 1..];
        s = s.strip_prefix(',').unwrap_or(s);
    }
    labels
}

#[test]
fn openmetrics_is_valid_and_carries_the_findings_sets_and_certificates() {
    let d = Demo::new(Scenario::CorruptDb);
    let (json_code, json) = d.check_json(&[]);
    let out = d.run(&["check", "--format", "openmetrics"]);
    assert_eq!(out.status.code(), Some(json_code));
    let text = stdout(&out);
    let samples = check_openmetrics(&text);
    let label =
        |l: &[(String, String)], k: &str| l.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert!(samples.iter().any(|(n, l, v)| n == "drconsole_findings"
        && label(l, "code").as_deref() == Some("DB_CORRUPT")
        && label(l, "severity").as_deref() == Some("error")
        && *v == 1.0));
    let total: f64 = samples
        .iter()
        .filter(|(n, _, _)| n == "drconsole_findings")
        .map(|(_, _, v)| v)
        .sum();
    assert_eq!(
        total as usize,
        json["findings"].as_array().map_or(0, Vec::len)
    );
    let sets = json["backup_sets"].as_array().expect("sets");
    let set_samples: Vec<_> = samples
        .iter()
        .filter(|(n, _, _)| n == "drconsole_backup_set_age_seconds")
        .collect();
    assert_eq!(set_samples.len(), sets.len());
    for s in sets {
        let id = s["id"].as_str().expect("id");
        let m = set_samples
            .iter()
            .find(|(_, l, _)| label(l, "set").as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no sample for set {id}"));
        assert_eq!(label(&m.1, "verdict").as_deref(), s["verdict"].as_str());
        let hours = s["age_hours"].as_f64().expect("age");
        assert!(
            (m.2 - hours * 3600.0).abs() < 1.0,
            "{id}: {} vs {hours} h",
            m.2
        );
    }
    let rec = samples
        .iter()
        .find(|(n, _, _)| n == "drconsole_recommended_set_age_seconds")
        .expect("recommended set age");
    assert_eq!(
        rec.2,
        30.0 * 3600.0,
        "the demo's recommended set is 30 h old"
    );
    assert!(
        samples
            .iter()
            .any(|(n, l, _)| n == "drconsole_certificate_expiry_seconds"
                && label(l, "cn").as_deref() == Some("lanrev.example.com"))
    );
    assert!(
        samples
            .iter()
            .any(|(n, _, v)| n == "drconsole_check_duration_seconds" && *v >= 0.0)
    );
}

#[test]
fn openmetrics_label_values_are_escaped() {
    use drconsole::report::openmetrics::label_value;
    let hostile = "a\\b\"c\nd";
    let line = format!("m{{x=\"{}\"}} 1", label_value(hostile));
    assert_eq!(
        parse_labels(&line[2..line.len() - 3], &line),
        vec![("x".to_string(), hostile.to_string())]
    );
}

#[test]
fn output_writes_atomically_and_leaves_no_temporary_file() {
    let d = Demo::new(Scenario::CorruptDb);
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("drconsole.prom");
    std::fs::write(&dest, "old\n").expect("old file");
    let out = d.run(&[
        "check",
        "--format",
        "openmetrics",
        "--output",
        dest.to_str().expect("path"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "--output prints nothing on stdout");
    let text = std::fs::read_to_string(&dest).expect("written");
    check_openmetrics(&text);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("drconsole.prom")]);
}

#[test]
fn an_unwritable_output_is_a_clear_error_and_writes_nothing() {
    let d = Demo::new(Scenario::CorruptDb);
    let dir = tempfile::tempdir().expect("tempdir");
    // A folder that does not exist cannot be written by root either.
    let dest = dir.path().join("missing").join("drconsole.prom");
    let out = d.run(&[
        "check",
        "--format",
        "nagios",
        "--output",
        dest.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot write --output"), "{err}");
    assert!(!dest.exists());
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
    // A read-only folder (skipped as root, who may write anyway).
    use std::os::unix::fs::PermissionsExt;
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).expect("ro");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    if std::fs::write(ro.join("probe"), "").is_ok() {
        eprintln!("skipped the read-only folder case: this user may write anyway (root)");
        return;
    }
    let dest = ro.join("drconsole.prom");
    let out = d.run(&["check", "--json", "--output", dest.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(std::fs::read_dir(&ro).expect("list").count(), 0);
    let _ = std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755));
}

#[test]
fn json_carries_a_schema_version_and_format_json_equals_json() {
    let d = Demo::new(Scenario::CorruptDb);
    let (_, json) = d.check_json(&[]);
    assert_eq!(json["schema_version"], 1);
    let out = d.run(&["check", "--format", "json"]);
    let via_format: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(via_format["summary"], json["summary"]);
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let d = Demo::new(Scenario::CorruptDb);
    let out = d.run(&["check", "--format", "xml"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(out.stdout.is_empty());
    let out = d.run(&["check", "--json", "--format", "nagios"]);
    assert_eq!(out.status.code(), Some(64));
}

/// Every subcommand and every long flag (global or of a subcommand) of the CLI definition.
fn cli_words() -> (Vec<String>, Vec<String>) {
    let cmd = drconsole::cli::Cli::command();
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    let mut flags = HashSet::new();
    for c in std::iter::once(&cmd).chain(cmd.get_subcommands()) {
        for a in c.get_arguments() {
            if let Some(l) = a.get_long() {
                flags.insert(l.to_string());
            }
        }
    }
    let mut flags: Vec<String> = flags.into_iter().collect();
    flags.sort();
    (subs, flags)
}

#[test]
fn completions_name_every_subcommand_and_flag() {
    let (subs, flags) = cli_words();
    assert!(subs.contains(&"completions".to_string()) && subs.contains(&"man".to_string()));
    for shell in ["bash", "zsh", "fish"] {
        let out = drconsole(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = stdout(&out);
        for s in &subs {
            assert!(
                text.contains(s.as_str()),
                "{shell} completion lacks subcommand {s}"
            );
        }
        for f in &flags {
            // fish writes `-l root`, bash and zsh `--root`.
            assert!(
                text.contains(&format!("--{f}")) || text.contains(&format!("-l {f}")),
                "{shell} completion lacks --{f}"
            );
        }
    }
    let out = drconsole(&["completions", "ksh"]);
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn completion_scripts_parse_in_their_shells() {
    for (shell, check) in [
        ("bash", &["-n"][..]),
        ("zsh", &["-n"][..]),
        ("fish", &["--no-execute"][..]),
    ] {
        let out = drconsole(&["completions", shell]);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("script");
        std::fs::write(&file, &out.stdout).expect("script");
        match std::process::Command::new(shell)
            .args(check)
            .arg(&file)
            .output()
        {
            Ok(r) => assert!(
                r.status.success(),
                "{shell}: {}",
                String::from_utf8_lossy(&r.stderr)
            ),
            Err(_) => eprintln!("skipped {shell} syntax check: {shell} is not installed"),
        }
    }
}

#[test]
fn the_manual_page_documents_every_subcommand_and_flag() {
    let out = drconsole(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with(".ie") || text.contains(".TH drconsole 1"),
        "{}",
        &text[..200.min(text.len())]
    );
    let (subs, flags) = cli_words();
    for s in &subs {
        assert!(
            text.contains(&format!(".TH drconsole-{s} 1")),
            "man lacks a page for {s}"
        );
    }
    for f in &flags {
        // roff writes a hyphen as \-.
        let roff = format!("\\-\\-{}", f.replace('-', "\\-"));
        assert!(text.contains(&roff), "man lacks --{f}");
    }
}

#[test]
fn openmetrics_parses_with_the_prometheus_python_client() {
    use drconsole::report::openmetrics::label_value;
    let d = Demo::new(Scenario::CorruptDb);
    let out = d.run(&["check", "--format", "openmetrics"]);
    let mut text = stdout(&out);
    let ours = check_openmetrics(&text).len();
    // A hostile label value, escaped our way, must come back whole from the reference parser.
    let hostile = "set \"x\"\\y\nz";
    text = text.replace(
        "# EOF\n",
        &format!(
            "# TYPE t gauge\nt{{v=\"{}\"}} 1\n# EOF\n",
            label_value(hostile)
        ),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("m.prom");
    std::fs::write(&file, &text).expect("metrics");
    let script = "import sys, json\n\
from prometheus_client.openmetrics.parser import text_string_to_metric_families as p\n\
s = [x for f in p(open(sys.argv[1]).read()) for x in f.samples]\n\
print(json.dumps([len(s), [x.labels.get('v') for x in s if x.name == 't']]))\n";
    let r = match std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&file)
        .output()
    {
        Ok(r) => r,
        Err(_) => return eprintln!("skipped: python3 is not installed"),
    };
    let err = String::from_utf8_lossy(&r.stderr);
    if err.contains("No module named 'prometheus_client'") {
        return eprintln!("skipped: python prometheus_client is not installed");
    }
    assert!(
        r.status.success(),
        "the reference parser refused our text: {err}"
    );
    let got: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON");
    assert_eq!(got[0], ours + 1);
    assert_eq!(got[1][0], hostile);
}
