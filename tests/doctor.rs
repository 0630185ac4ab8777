//! `drconsole doctor`: every path, the resolved profile, terminal and state facts, and the
//! problems found — also when the configuration itself is broken.

mod common;

use common::drconsole;
use serde_json::Value;

fn doctor(args: &[&str]) -> (i32, String) {
    let mut all = args.to_vec();
    if !all.contains(&"doctor") {
        all.push("doctor");
    }
    let out = drconsole(&all);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn doctor_prints_every_path_the_profile_and_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let log = dir.path().join("d.log");
    let (code, text) = doctor(&[
        "--state",
        state.to_str().unwrap(),
        "--profile",
        "lanrev-windows",
        "--log-file",
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    assert!(
        text.contains("x86_64") || text.contains("aarch64"),
        "{text}"
    );
    for needle in [
        "/etc/drconsole/config.toml",
        &state.display().to_string(),
        &state.join("journal").display().to_string(),
        &state.join("cache").display().to_string(),
        "themes",
        &log.display().to_string(),
        "lanrev-windows",
        "free space",
        "TERM",
        "colours",
        "UTF-8",
        "none found",
    ] {
        assert!(
            text.contains(needle),
            "doctor does not mention {needle}:\n{text}"
        );
    }
    // Doctor only looks: the state folder is not created.
    assert!(!state.exists());
}

#[cfg(unix)]
#[test]
fn doctor_reports_an_untrusted_state_folder_and_a_broken_config() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "rpo_hours = 0\n").unwrap();
    let (code, out) = doctor(&[
        "--state",
        state.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "doctor",
        "--json",
    ]);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&out).unwrap();
    let problems: Vec<&str> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("state folder") && p.contains("0777")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("config.toml, line 1") && p.contains("at least 1")),
        "{problems:?}"
    );
    assert_eq!(
        std::fs::metadata(&state).unwrap().permissions().mode() & 0o777,
        0o777,
        "doctor never repairs"
    );
}
