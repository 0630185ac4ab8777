//! `--log-file`: scan phases, every database check and every journal step with times and
//! durations; levels; never key material; never written through a link.

mod common;

use common::Demo;
use drconsole::demo::Scenario;
use std::path::Path;

fn log_of(demo: &Demo, log: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["--log-file", log.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = demo.run(&args);
    let text = std::fs::read_to_string(log).unwrap_or_default();
    (out.status.code().unwrap_or(-1), text)
}

/// Every line of base64 inside PEM blocks of the demo's private keys.
fn key_material(root: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
    {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let mut inside = false;
        for line in text.lines() {
            if line.starts_with("-----BEGIN") && line.contains("PRIVATE KEY") {
                inside = true;
            } else if line.starts_with("-----END") {
                inside = false;
            } else if inside && line.len() >= 16 {
                lines.push(line.to_string());
            }
        }
    }
    lines
}

#[test]
fn a_check_logs_its_phases_and_checks_with_durations_and_no_key_material() {
    let demo = Demo::new(Scenario::CorruptDb);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("drconsole.log");
    let (code, text) = log_of(&demo, &log, &["--log-level", "trace", "check"]);
    assert_eq!(code, 2);
    for phase in ["discover", "database checks", "certificates", "host"] {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("phase{{name=\"{phase}\"}}")) && l.contains("close"))
            .unwrap_or_else(|| panic!("no closed span for {phase}:\n{text}"));
        assert!(line.contains("time.busy="), "{line}");
        // An RFC 3339 time stamp leads every line.
        assert!(line.as_bytes()[4] == b'-' && line.contains('T'), "{line}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("check{path=") && l.contains("ServerDatabase.db")),
        "{text}"
    );
    assert!(text.contains("finished exit_code=2"), "{text}");
    let keys = key_material(demo.root());
    assert!(!keys.is_empty(), "the demo has private keys");
    assert!(!text.contains("PRIVATE KEY"));
    for line in keys {
        assert!(!text.contains(&line), "key material in the log: {line}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn a_restore_logs_its_transaction_and_each_step() {
    let demo = Demo::new(Scenario::CorruptDb);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("drconsole.log");
    let (code, text) = log_of(
        &demo,
        &log,
        &["restore", "database:ServerDatabase", "--yes"],
    );
    assert_eq!(code, 0, "{text}");
    let step = text
        .lines()
        .find(|l| l.contains(":step{n=0 target=") && l.contains("close"))
        .unwrap_or_else(|| panic!("no step span:\n{text}"));
    assert!(step.contains("transaction{txid=0001-"), "{step}");
    assert!(step.contains("ServerDatabase.db"), "{step}");
    assert!(text.contains("committed written="), "{text}");
}

#[test]
fn the_level_filters_and_a_bad_level_is_a_usage_error() {
    let demo = Demo::new(Scenario::Healthy);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("warn.log");
    let (code, text) = log_of(&demo, &log, &["--log-level", "warn", "check"]);
    assert_eq!(code, 0);
    assert!(!text.contains(" INFO "), "{text}");
    let log = dir.path().join("bad.log");
    let (code, _) = log_of(&demo, &log, &["--log-level", "verbose", "check"]);
    assert_eq!(code, 64);
    assert!(!log.exists());
}

#[cfg(unix)]
#[test]
fn a_log_path_that_is_a_link_is_refused_and_its_target_untouched() {
    let demo = Demo::new(Scenario::Healthy);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("passwd");
    std::fs::write(&target, "root:x:0:0\n").unwrap();
    let link = dir.path().join("drconsole.log");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = demo.run(&["--log-file", link.to_str().unwrap(), "check"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("drconsole.log"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "root:x:0:0\n");
}

#[test]
fn the_config_file_can_name_the_log() {
    let demo = Demo::new(Scenario::Healthy);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("from-config.log");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "log_file = {:?}\nlog_level = \"debug\"\n",
            log.display().to_string()
        ),
    )
    .unwrap();
    let out = demo.run(&["--config", config.to_str().unwrap(), "check"]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&log).expect("log written");
    assert!(text.contains("DEBUG"), "{text}");
}
