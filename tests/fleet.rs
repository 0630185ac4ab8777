//! `drconsole fleet`: many servers' `check --json` reports in one table, worst first; reports
//! that are cut short, from another schema version or not reports at all are skipped with a note.

mod common;

use common::{Demo, drconsole};
use drconsole::demo::Scenario;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A real `check --json` report of `scenario`, saved under `dir` as `name.json` with its host
/// name set to `name` (the demos all share one host name).
fn report(dir: &Path, scenario: Scenario, name: &str) -> PathBuf {
    let demo = Demo::new(scenario);
    let (_, mut json) = demo.check_json(&[]);
    json["host"]["hostname"] = Value::from(name);
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    file
}

#[test]
fn fleet_lists_hosts_worst_first_and_skips_bad_reports_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let healthy = report(dir.path(), Scenario::Healthy, "lanrev-a");
    let broken = report(dir.path(), Scenario::CorruptDb, "lanrev-b");
    let text = std::fs::read_to_string(&broken).unwrap();
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &text[..text.len() / 3]).unwrap();
    let newer = dir.path().join("newer.json");
    std::fs::write(
        &newer,
        text.replace("\"schema_version\": 1", "\"schema_version\": 2"),
    )
    .unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"status\": \"ok\"}").unwrap();

    let files = [&healthy, &cut, &broken, &newer, &other];
    let mut args: Vec<String> = vec![
        "--now".into(),
        "2026-11-22T12:00:00Z".into(),
        "fleet".into(),
    ];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let out = drconsole(&args);
    assert_eq!(out.status.code(), Some(2), "a host with an error");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let b = stdout.find("lanrev-b").expect("broken host listed");
    let a = stdout.find("lanrev-a").expect("healthy host listed");
    assert!(b < a, "worst first:\n{stdout}");
    let line_b = stdout.lines().find(|l| l.starts_with("lanrev-b")).unwrap();
    assert!(line_b.contains("DB_CORRUPT"), "{line_b}");
    assert!(line_b.contains("30h"), "recommended set age: {line_b}");
    assert!(line_b.contains("4h ago"), "report age: {line_b}");
    for (file, why) in [
        ("cut.json", "cut short"),
        ("newer.json", "schema_version 2"),
        ("other.json", "no schema_version"),
    ] {
        let note = stdout
            .lines()
            .find(|l| l.starts_with("skipped") && l.contains(file))
            .unwrap_or_else(|| panic!("no note for {file}: {stdout}"));
        assert!(note.contains(why), "{note}");
    }

    args.push("--json".into());
    let out = drconsole(&args);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.lines().filter(|l| l.contains("skipped")).count(),
        3,
        "{stderr}"
    );
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["summary"]["hosts"], 2);
    assert_eq!(json["summary"]["skipped"], 3);
    assert_eq!(json["hosts"][0]["host"], "lanrev-b");
    assert_eq!(json["hosts"][0]["worst_code"], "DB_CORRUPT");
    assert_eq!(json["hosts"][0]["recommended_set_age_hours"], 30.0);
    assert_eq!(json["hosts"][1]["worst"], "info");
}

#[test]
fn a_healthy_fleet_with_an_unreadable_report_is_unknown_not_ok() {
    let dir = tempfile::tempdir().unwrap();
    let healthy = report(dir.path(), Scenario::Healthy, "lanrev-a");
    let out = drconsole(&["fleet", healthy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let missing = dir.path().join("lanrev-c.json");
    let out = drconsole(&[
        "fleet",
        healthy.to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("lanrev-c.json"));
}

#[test]
fn a_host_name_from_a_report_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = report(dir.path(), Scenario::Healthy, "evil\u{1b}[2Jhost");
    let out = drconsole(&["fleet", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("evil\\x1b[2Jhost"), "{stdout}");
}
