//! Candidate locations: a Windows disk with the XP/2003 layout (All Users\Application Data)
//! is found, used for every path, and named in `check` (text and JSON).

mod common;

use common::{Demo, codes};
use drconsole::demo::Scenario;

#[test]
fn an_xp_disk_is_found_under_all_users_application_data_and_check_says_so() {
    let demo = Demo::with_profile(Scenario::Healthy, "lanrev-windows");
    let root = demo.root();
    let vista = root.join("ProgramData/Pole Position Software");
    let xp_parent = root.join("Documents and Settings/All Users/Application Data");
    std::fs::create_dir_all(&xp_parent).unwrap();
    std::fs::rename(&vista, xp_parent.join("Pole Position Software")).unwrap();

    let (_, json) = demo.check_json(&["--profile", "lanrev-windows"]);
    let layout = json["layout"].as_array().expect("layout in check --json");
    let server = layout
        .iter()
        .find(|c| c["var"] == "server")
        .expect("server layout");
    assert_eq!(server["found"], true, "{server}");
    assert!(
        server["path"]
            .as_str()
            .unwrap()
            .starts_with("Documents and Settings/All Users/Application Data"),
        "{server}"
    );
    let found = codes(&json);
    assert!(!found.iter().any(|c| c == "DB_MISSING"), "{found:?}");
    assert!(!found.iter().any(|c| c == "BACKUP_NONE"), "{found:?}");

    let out = demo.run(&["--profile", "lanrev-windows", "check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("layout server: Documents and Settings/All Users/Application Data/Pole Position Software/LANrev Server (All Users\\Application Data (XP/2003))"),
        "{text}"
    );
}

#[test]
fn a_disk_with_neither_layout_says_none_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = common::drconsole(&[
        "--profile",
        "lanrev-windows",
        "--root",
        &dir.path().display().to_string(),
        "--state",
        &state.display().to_string(),
        "check",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("layout server: none found (looked for ProgramData/"),
        "{text}"
    );
}
