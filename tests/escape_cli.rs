//! Hostile names never reach the terminal raw: sets, files and folders named with ESC/OSC
//! sequences, a bell, a C1 control and a newline followed by a forged line are shown escaped
//! by every text output, while JSON keeps the true string (C1 controls as `\uXXXX`).

mod common;

use common::Demo;
use drconsole::demo::Scenario;
use std::fs;

/// Clears the screen, sets the window title, rings the bell, forges a line, and ends with
/// CSI as a C1 control.
const SET: &str = "2026-11-22 02-00-00 \x1b[2J\x1b]0;pwned\x07\nFAKE restorable\u{9b}";
const SET_SHOWN: &str = "2026-11-22 02-00-00 \\x1b[2J\\x1b]0;pwned\\x07\\nFAKE restorable\\u{9b}";
const FILE: &str = "evil\x1b[2J\nFAKE restorable\x07.sh";
const FILE_SHOWN: &str = "evil\\x1b[2J\\nFAKE restorable\\x07.sh";
const FOLDER: &str = "sub\x1b]0;t\x07\ndir";
const KEY: &str = "Evil\x1b[2J\nFAKE restorable";

/// A healthy demo whose newest set and some live files carry hostile names.
fn hostile() -> Demo {
    let d = Demo::new(Scenario::Healthy);
    let sets = d.server().join("Database Backups");
    fs::rename(sets.join("2026-11-22 02-00-00"), sets.join(SET)).unwrap();
    let live = d.server().join("CustomFieldScriptFiles");
    fs::write(live.join(FILE), "echo hi\n").unwrap();
    fs::create_dir(live.join(FOLDER)).unwrap();
    fs::write(live.join(FOLDER).join("x.sh"), "echo x\n").unwrap();
    // A settings key and value from a hostile plist.
    let prefs = d
        .root()
        .join("Library/Preferences/com.poleposition-sw.lanrev_server.plist");
    let mut v = plist::Value::from_file(&prefs).unwrap();
    v.as_dictionary_mut()
        .unwrap()
        .insert(KEY.into(), "\x1b]0;t\x07".into());
    v.to_file_xml(&prefs).unwrap();
    d
}

/// Panics naming the command when `out` holds a control character other than the line end.
fn assert_clean(what: &str, out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    for (n, line) in text.lines().enumerate() {
        if let Some(c) = line.chars().find(|c| c.is_control() && *c != '\n') {
            panic!("{what}: line {} holds {c:?} raw: {line:?}", n + 1);
        }
        assert!(
            !line.starts_with("FAKE"),
            "{what}: a name forged line {}: {line:?}",
            n + 1
        );
    }
}

fn stdout(d: &Demo, args: &[&str]) -> String {
    let out = d.run(args);
    assert_clean(&format!("{args:?} stdout"), &out.stdout);
    assert_clean(&format!("{args:?} stderr"), &out.stderr);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hostile_names_are_escaped_in_check_backups_restore_journal_and_diff() {
    let d = hostile();

    let check = stdout(&d, &["check"]);
    assert!(check.contains(SET_SHOWN), "{check}");

    let backups = stdout(&d, &["backups"]);
    assert!(backups.contains(&format!("* {SET_SHOWN}")), "{backups}");

    let plan = stdout(
        &d,
        &["restore", "folder:CustomFieldScriptFiles", "--dry-run"],
    );
    assert!(
        plan.contains(&format!("from backup set {SET_SHOWN}")),
        "{plan}"
    );

    let diff = stdout(&d, &["diff", "folder:CustomFieldScriptFiles"]);
    assert!(
        diff.contains(&format!("+ extra live:   {FILE_SHOWN}")),
        "{diff}"
    );
    assert!(diff.contains("sub\\x1b]0;t\\x07\\ndir/x.sh"), "{diff}");

    let diff = stdout(&d, &["diff", "settings:lanrev_server"]);
    assert!(
        diff.contains("+ Evil\\x1b[2J\\nFAKE restorable: (string)"),
        "{diff}"
    );

    let done = stdout(&d, &["restore", "folder:CustomFieldScriptFiles", "--yes"]);
    assert!(done.contains("Committed transaction"), "{done}");
    let journal = stdout(&d, &["journal"]);
    assert!(journal.contains(&format!("set {SET_SHOWN}")), "{journal}");
}

#[test]
fn json_keeps_the_true_names() {
    let d = hostile();
    // JSON is safe to print too: what serde_json leaves raw (DEL, C1) is written as \uXXXX.
    for args in [
        &["check", "--json"][..],
        &["backups", "--json"],
        &["diff", "folder:CustomFieldScriptFiles", "--json"],
    ] {
        assert_clean(&format!("{args:?}"), &d.run(args).stdout);
    }
    let (_, v) = d.check_json(&[]);
    assert!(
        common::sets(&v).iter().any(|s| s["id"] == SET),
        "{:#}",
        v["backup_sets"]
    );

    let out = d.run(&["diff", "folder:CustomFieldScriptFiles", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["set"], SET);
    let text = v.to_string();
    assert!(
        text.contains(&serde_json::to_string(FILE).unwrap()),
        "{text}"
    );

    let out = d.run(&[
        "restore",
        "folder:CustomFieldScriptFiles",
        "--yes",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = d.run(&["journal", "--json"]);
    assert_clean("journal --json", &out.stdout);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["set"], SET);
}
