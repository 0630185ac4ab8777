//! `drconsole runbook`: step states per profile and scenario (snapshots), marks as journal
//! entries that survive a SIGKILL right after they are made, `--markdown`, and `show --output`.

mod common;

use common::{Demo, drconsole};
use drconsole::demo::Scenario;
use serde_json::Value;
use std::path::Path;

/// `n id: state` per step, plus `next`: the part of the runbook a snapshot should pin.
fn states(json: &Value) -> String {
    let mut out = String::new();
    for s in json["steps"].as_array().expect("steps") {
        out.push_str(&format!(
            "{:>2} {:<24} {}\n",
            s["n"],
            s["id"].as_str().unwrap_or("?"),
            s["state"].as_str().unwrap_or("?")
        ));
    }
    out.push_str(&format!("next: {}\n", json["next"]));
    out
}

fn runbook_json(demo: &Demo, extra: &[&str]) -> Value {
    let mut a = vec!["runbook", "--json"];
    a.extend_from_slice(extra);
    let out = demo.run(&a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("runbook --json")
}

#[test]
fn runbook_state_per_profile_and_scenario() {
    for profile in ["lanrev-macos", "lanrev-windows", "itms-windows"] {
        let p = drconsole::profile::load(profile).unwrap();
        for scenario in Scenario::ALL.into_iter().filter(|s| s.supports(&p)) {
            let demo = Demo::with_profile(scenario, profile);
            let json = runbook_json(&demo, &["--profile", profile]);
            assert_eq!(json["profile"], profile);
            insta::assert_snapshot!(format!("{profile}_{}", scenario.name()), states(&json));
        }
    }
}

fn step<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["steps"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("no step {id}"))
}

#[test]
fn a_restore_by_drconsole_ticks_the_restore_step() {
    let demo = Demo::new(Scenario::CorruptDb);
    let before = runbook_json(&demo, &[]);
    assert_eq!(step(&before, "restore-databases")["state"], "open");
    assert_eq!(step(&before, "verify-integrity")["state"], "open");
    let out = demo.run(&["restore", "databases", "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = runbook_json(&demo, &["--full"]);
    assert_eq!(step(&after, "restore-databases")["state"], "done");
    assert_eq!(step(&after, "verify-integrity")["state"], "done");
    // Undone, the restore no longer counts.
    let out = demo.run(&["undo", "--yes"]);
    assert_eq!(out.status.code(), Some(0));
    let undone = runbook_json(&demo, &[]);
    assert_eq!(step(&undone, "restore-databases")["state"], "open");
}

#[test]
fn a_mark_is_a_journal_entry_with_who_when_and_note() {
    let demo = Demo::new(Scenario::Healthy);
    let out = demo.run(&[
        "runbook",
        "mark",
        "import-settings",
        "--done",
        "--note",
        "imported LANrevServerSettings.plist from the USB stick",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = runbook_json(&demo, &[]);
    let s = step(&json, "import-settings");
    assert_eq!(s["state"], "marked_done");
    assert_eq!(
        s["mark"]["note"],
        "imported LANrevServerSettings.plist from the USB stick"
    );
    assert!(s["mark"]["wall_clock"].is_string());

    let out = demo.run(&["journal", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = &list[0];
    assert_eq!(entry["action"], "mark");
    assert_eq!(entry["state"], "committed");
    assert_eq!(entry["mark"]["step"], "import-settings");
    assert_eq!(entry["mark"]["mark"], "done");
    let text = String::from_utf8_lossy(&demo.run(&["journal"]).stdout).to_string();
    assert!(text.contains("import-settings"), "{text}");
    assert!(text.contains("USB stick"), "{text}");

    // A mark is never what `undo` takes back, and never undone by id either.
    let out = demo.run(&["undo", "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing to undo"), "{err}");
    let txid = entry["id"].as_str().unwrap();
    let out = demo.run(&["undo", txid, "--dry-run"]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("runbook mark"), "{all}");

    // Clearing it reopens the step.
    let out = demo.run(&["runbook", "mark", "import-settings", "--clear"]);
    assert_eq!(out.status.code(), Some(0));
    let json = runbook_json(&demo, &[]);
    assert_eq!(step(&json, "import-settings")["state"], "open");
}

#[test]
fn marks_are_refused_without_a_reason_to_skip_an_unknown_step_or_in_read_only_mode() {
    let demo = Demo::new(Scenario::Healthy);
    let out = demo.run(&["runbook", "mark", "import-settings", "--skip"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--note"));
    let out = demo.run(&["runbook", "mark", "no-such-step", "--done"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stop-server"));
    let out = demo.run(&[
        "--read-only",
        "runbook",
        "mark",
        "import-settings",
        "--done",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let out = demo.run(&["journal", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
}

/// Run a mark in a fresh state folder, killed (SIGKILL) at durability point `n`; true when
/// the process was killed rather than finishing.
fn mark_killed_at(root: &Path, state: &Path, n: u64) -> bool {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drconsole"))
        .args(["--root".as_ref(), root.as_os_str()])
        .args(["--state".as_ref(), state.as_os_str()])
        .args([
            "runbook",
            "mark",
            "keep-broken-databases",
            "--done",
            "--note",
            "copied",
        ])
        .env("DRCONSOLE_CRASH_AFTER", n.to_string())
        .output()
        .expect("run drconsole");
    use std::os::unix::process::ExitStatusExt;
    match out.status.signal() {
        Some(9) => true,
        _ => {
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            false
        }
    }
}

fn state_of_mark(root: &Path, state: &Path) -> (String, Value) {
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = vec![
            "--root".into(),
            root.display().to_string(),
            "--state".into(),
            state.display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let out = drconsole(&args(&["runbook", "--json", "--quick"]));
    let rb: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let out = drconsole(&args(&["journal", "--json"]));
    let journal: Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        step(&rb, "keep-broken-databases")["state"]
            .as_str()
            .unwrap_or("?")
            .to_string(),
        journal,
    )
}

#[test]
fn a_mark_survives_a_sigkill_right_after_it_is_made_and_a_torn_one_never_happened() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let mut outcomes: Vec<String> = Vec::new();
    for n in 1..50 {
        let state = dir.path().join(format!("state-{n}"));
        let killed = mark_killed_at(&root, &state, n);
        let (st, journal) = state_of_mark(&root, &state);
        // Whatever point it died at: the mark is whole or absent, the journal never damaged.
        for tx in journal.as_array().unwrap() {
            assert_ne!(tx["state"], "damaged", "killed at {n}: {journal}");
            assert_ne!(tx["state"], "unfinished", "killed at {n}: {journal}");
        }
        let committed = journal
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["action"] == "mark" && t["state"] == "committed");
        assert_eq!(
            st == "marked_done",
            committed,
            "killed at {n}: {st} {journal}"
        );
        outcomes.push(st);
        if !killed {
            break;
        }
    }
    let finished = outcomes.len();
    assert!(finished >= 3, "{outcomes:?}");
    // The last point before a normal exit is the commit record: killed right there, the
    // mark was already made and stays.
    assert_eq!(outcomes[finished - 2], "marked_done", "{outcomes:?}");
    assert_eq!(outcomes[finished - 1], "marked_done", "{outcomes:?}");
    // Killed before its commit, it never happened.
    assert_eq!(outcomes[0], "open", "{outcomes:?}");
}

#[test]
fn markdown_is_a_check_list_for_the_ticket() {
    let demo = Demo::new(Scenario::CorruptDb);
    let out = demo.run(&["runbook", "--markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.starts_with("# Recovery runbook: LANrev / Absolute Manage"),
        "{md}"
    );
    assert!(md.contains("- [x] **1. Stop the LANrev server"), "{md}");
    assert!(md.contains("- [ ] **3. Restore the six databases"), "{md}");
    assert!(
        md.contains("```sh\n  drconsole restore databases\n  ```"),
        "{md}"
    );
    assert!(md.contains("Next step: `keep-broken-databases`"), "{md}");
}

#[test]
fn show_prints_a_command_alone_and_writes_it_without_replacing_a_file() {
    let demo = Demo::new(Scenario::Healthy);
    let out = demo.run(&["runbook", "show", "restore-databases"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "drconsole restore databases\n"
    );
    let dest = demo.dir.path().join("restore.sh");
    let out = demo.run(&[
        "runbook",
        "show",
        "restore-databases",
        "--output",
        &dest.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        "drconsole restore databases\n"
    );
    std::fs::write(&dest, "my own edits\n").unwrap();
    let out = demo.run(&[
        "runbook",
        "show",
        "stop-server",
        "--output",
        &dest.display().to_string(),
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "my own edits\n");
    // A step done in the product's own console has nothing to show.
    let out = demo.run(&[
        "--profile",
        "lanrev-windows",
        "runbook",
        "show",
        "mdm-server",
    ]);
    assert_eq!(out.status.code(), Some(64));
}
