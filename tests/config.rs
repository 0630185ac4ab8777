//! The configuration file: defaults for the global options, `read_only` with `--write`, the RPO
//! and expiry overrides, key bindings, and errors that name the file, line and column.

mod common;

use common::{Demo, codes, drconsole};
use drconsole::demo::Scenario;
use std::path::{Path, PathBuf};

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_unknown_key_stops_every_command_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_config(dir.path(), "theme = \"mono\"\n\n   rpo_hour = 48\n");
    let out = drconsole(&["--config", file.to_str().unwrap(), "profiles"]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(file.to_str().unwrap()), "{err}");
    assert!(err.contains("line 3, column 4"), "{err}");
    assert!(err.contains("rpo_hour"), "{err}");
}

#[test]
fn a_named_config_file_that_is_missing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let out = drconsole(&["--config", missing.to_str().unwrap(), "profiles"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(stderr(&out).contains("nope.toml"), "{}", stderr(&out));
}

#[test]
fn the_user_config_under_xdg_gives_the_root_and_backups() {
    let demo = Demo::new(Scenario::CorruptDb);
    let xdg = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(xdg.path().join("drconsole")).unwrap();
    let backups: Vec<String> = demo
        .install
        .backup_roots
        .iter()
        .map(|b| format!("{:?}", b.display().to_string()))
        .collect();
    write_config(
        &xdg.path().join("drconsole"),
        &format!(
            "root = {:?}\nbackups = [{}]\nstate = {:?}\n",
            demo.root().display().to_string(),
            backups.join(", "),
            demo.state.display().to_string()
        ),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drconsole"))
        .args(["--now", &demo.install.now.to_rfc3339(), "check", "--json"])
        .env("XDG_CONFIG_HOME", xdg.path())
        .output()
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(
        json["root"].as_str().map(PathBuf::from),
        Some(demo.root().canonicalize().unwrap())
    );
    // The flat-layout set on the extra backup root is found, so the backups came through.
    assert_eq!(
        json["backup_sets"].as_array().map(Vec::len),
        Some(5),
        "{json}"
    );
}

#[test]
fn read_only_in_the_config_refuses_a_restore_until_write_is_given() {
    let demo = Demo::new(Scenario::CorruptDb);
    let dir = tempfile::tempdir().unwrap();
    let file = write_config(dir.path(), "read_only = true\n");
    let cfg = file.to_str().unwrap();
    let live = demo.server().join("ServerDatabase.db");
    let before = std::fs::read(&live).unwrap();
    let out = demo.run(&[
        "--config",
        cfg,
        "restore",
        "database:ServerDatabase",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(all.contains("read_only = true"), "{all}");
    assert!(all.contains("--write"), "{all}");
    assert_eq!(std::fs::read(&live).unwrap(), before);

    let out = demo.run(&[
        "--config",
        cfg,
        "--write",
        "restore",
        "database:ServerDatabase",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(std::fs::read(&live).unwrap(), before, "the restore ran");
}

#[test]
fn rpo_hours_in_the_config_overrides_the_profile() {
    let demo = Demo::new(Scenario::CorruptDb);
    let (_, json) = demo.check_json(&[]);
    assert!(codes(&json).contains(&"BACKUP_STALE".to_string()));
    let dir = tempfile::tempdir().unwrap();
    let file = write_config(dir.path(), "rpo_hours = 48\n");
    let (_, json) = demo.check_json(&["--config", file.to_str().unwrap()]);
    assert!(
        !codes(&json).contains(&"BACKUP_STALE".to_string()),
        "{:?}",
        codes(&json)
    );
}

#[test]
fn expiry_days_in_the_config_widens_the_expiry_window() {
    let demo = Demo::new(Scenario::Healthy);
    let (_, json) = demo.check_json(&[]);
    assert!(!codes(&json).contains(&"CERT_EXPIRING".to_string()));
    let dir = tempfile::tempdir().unwrap();
    let file = write_config(dir.path(), "expiry_days = 3650\n");
    let (_, json) = demo.check_json(&["--config", file.to_str().unwrap()]);
    assert!(
        codes(&json).contains(&"CERT_EXPIRING".to_string()),
        "{:?}",
        codes(&json)
    );
    // The text report's live-certificate lines flag what the finding flags: `!`, not `+`.
    let live_marks = |extra: &[&str]| -> Vec<char> {
        let out = demo.run(&[extra, &["check"]].concat());
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .filter(|l| l.contains("  until "))
            .filter_map(|l| l.trim_start().chars().next())
            .collect()
    };
    let before = live_marks(&[]);
    assert!(
        !before.is_empty() && before.iter().all(|&c| c == '+'),
        "{before:?}"
    );
    let after = live_marks(&["--config", file.to_str().unwrap()]);
    assert!(after.contains(&'!'), "{after:?}");
}

#[test]
fn a_bad_key_binding_points_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_config(dir.path(), "[keys]\nrestore = \"c\"\nfrobnicate = \"z\"\n");
    let out = drconsole(&["--config", file.to_str().unwrap(), "profiles"]);
    assert_eq!(out.status.code(), Some(64));
    let err = stderr(&out);
    assert!(err.contains("line 3, column 1"), "{err}");
    assert!(
        err.contains("'frobnicate' is not a console command"),
        "{err}"
    );

    let file = write_config(dir.path(), "[keys]\nrestore = \"c\"\n");
    let err = stderr(&drconsole(&[
        "--config",
        file.to_str().unwrap(),
        "profiles",
    ]));
    assert!(err.contains("line 2, column 11"), "{err}");
    assert!(err.contains("recheck"), "{err}");
}
