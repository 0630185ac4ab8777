//! `drconsole check` and `backups` on generated installations: verdicts, the recommended set,
//! finding codes, exit codes and the cache.

mod common;

use common::{Demo, codes, drconsole, sets, with_code};
use drconsole::demo::Scenario;

#[test]
fn corrupt_db_recommends_the_newest_set_that_passes_a_full_check() {
    let d = Demo::new(Scenario::CorruptDb);
    let (code, json) = d.check_json(&[]);
    assert_eq!(code, 2, "a corrupt live database is an error");
    let s = sets(&json);
    assert!(s.len() >= 3);
    // The newest set only fails the full check: it must be corrupt, never recommended.
    assert_eq!(s[0]["verdict"], "corrupt", "{}", s[0]);
    assert_eq!(s[0]["recommended"], false);
    let rec: Vec<_> = s.iter().filter(|x| x["recommended"] == true).collect();
    assert_eq!(rec.len(), 1);
    assert_eq!(
        rec[0]["id"], s[1]["id"],
        "the second-newest set is the good one"
    );
    assert_eq!(rec[0]["verdict"], "restorable");
    assert_eq!(json["summary"]["recommended_set"], s[1]["id"]);
    // The search stops at the first restorable set: older complete sets are not fully checked.
    let older_complete: Vec<_> = s[2..]
        .iter()
        .filter(|x| x["verdict"] != "incomplete")
        .collect();
    assert!(!older_complete.is_empty());
    assert!(
        older_complete.iter().all(|x| x["verdict"] == "unverified"),
        "{older_complete:#?}"
    );
    let corrupt = with_code(&json, "DB_CORRUPT");
    assert!(
        corrupt
            .iter()
            .any(|f| f["component"] == "database:ServerDatabase"),
        "{corrupt:?}"
    );
    assert!(codes(&json).contains(&"BACKUP_INCOMPLETE".to_string()));
    assert!(codes(&json).contains(&"BACKUP_CORRUPT".to_string()));
    let recommended = with_code(&json, "BACKUP_RECOMMENDED");
    assert_eq!(recommended.len(), 1);
    assert_eq!(recommended[0]["severity"], "info");
}

#[test]
fn a_quick_check_alone_never_recommends_a_set() {
    let d = Demo::new(Scenario::CorruptDb);
    let (_, json) = d.check_json(&["--quick"]);
    let s = sets(&json);
    assert_eq!(
        s[0]["verdict"], "unverified",
        "quick_check cannot see the bad index"
    );
    assert!(s.iter().all(|x| x["recommended"] == false));
    assert!(json["summary"]["recommended_set"].is_null());
}

#[test]
fn a_full_check_leaves_no_set_unverified() {
    let d = Demo::new(Scenario::CorruptDb);
    let (_, json) = d.check_json(&["--full"]);
    assert!(
        sets(&json).iter().all(|s| s["verdict"] != "unverified"),
        "{:#}",
        json["backup_sets"]
    );
}

#[test]
fn healthy_installation_exits_zero_with_a_fresh_recommended_set() {
    let d = Demo::new(Scenario::Healthy);
    let (code, json) = d.check_json(&[]);
    let bad: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info" && f["severity"] != "ok")
        .collect();
    assert!(bad.is_empty(), "healthy must have no warnings: {bad:#?}");
    assert_eq!(code, 0);
    assert_eq!(sets(&json)[0]["recommended"], true);
    assert!(!codes(&json).contains(&"BACKUP_STALE".to_string()));
}

#[test]
fn both_builtin_profiles_check_their_demo() {
    let d = Demo::with_profile(Scenario::CorruptDb, "lanrev-windows");
    let mut args = d.args();
    args.splice(
        0..0,
        ["--profile".to_string(), "lanrev-windows".to_string()],
    );
    args.extend(["check".to_string(), "--json".to_string()]);
    let out = drconsole(&args);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["profile"], "lanrev-windows");
    assert!(with_code(&json, "DB_CORRUPT").len() == 1);
    assert!(json["summary"]["recommended_set"].is_string());
}

#[test]
fn a_second_run_answers_from_the_cache_and_no_cache_checks_again() {
    let d = Demo::new(Scenario::Healthy);
    let (_, first) = d.check_json(&[]);
    let cached = |j: &serde_json::Value| {
        j["databases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|db| db["file"]["cached"] == true)
            .count()
    };
    assert_eq!(cached(&first), 0);
    let (_, second) = d.check_json(&[]);
    assert_eq!(
        cached(&second),
        6,
        "unchanged databases come from the cache"
    );
    let (_, third) = d.check_json(&["--no-cache"]);
    assert_eq!(cached(&third), 0);
}

#[test]
fn a_database_changed_since_the_cached_check_is_checked_again() {
    let d = Demo::new(Scenario::Healthy);
    let (_, first) = d.check_json(&[]);
    assert!(with_code(&first, "DB_NOT_SQLITE").is_empty());
    std::fs::write(d.server().join("EnumValues.db"), b"garbage, not sqlite").unwrap();
    let (code, second) = d.check_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(with_code(&second, "DB_NOT_SQLITE").len(), 1);
}

#[test]
fn backups_lists_sets_newest_first_with_the_recommended_one_marked() {
    let d = Demo::new(Scenario::CorruptDb);
    let out = d.run(&["backups", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = json["backup_sets"].as_array().unwrap();
    let times: Vec<&str> = s.iter().map(|x| x["taken_at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    let text = String::from_utf8(d.run(&["backups"]).stdout).unwrap();
    let rec = json["recommended_set"].as_str().unwrap();
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with('*') && l.contains(rec)),
        "{text}"
    );
}

#[test]
fn text_report_lists_findings_worst_first() {
    let d = Demo::new(Scenario::CorruptDb);
    let out = d.run(&["check"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let rank = |l: &str| {
        ["CRITICAL", "ERROR", "WARNING", "INFO"]
            .iter()
            .position(|s| l.trim_start().starts_with(s))
    };
    let ranks: Vec<usize> = text.lines().filter_map(rank).collect();
    assert!(!ranks.is_empty());
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{text}");
    assert!(text.contains("DB_CORRUPT"));
}

#[test]
fn a_missing_root_cannot_be_checked_and_exits_3() {
    let out = drconsole(&["--root", "/nonexistent/drconsole-test", "check"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/drconsole-test"), "{err}");
}

#[test]
fn usage_errors_exit_64() {
    let out = drconsole(&["check", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(64));
    let out = drconsole(&["check", "--quick", "--full"]);
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn a_malformed_profile_is_rejected_with_its_line() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("mine.toml");
    std::fs::write(&p, "name = \"mine\"\n\n[[databases]]\nname = 5\n").unwrap();
    let out = drconsole(&[
        "--profile",
        p.to_str().unwrap(),
        "--root",
        t.path().to_str().unwrap(),
        "check",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mine.toml") && err.contains("line 4"), "{err}");
}

#[test]
fn now_fixes_ages_so_reports_repeat_exactly() {
    let d = Demo::new(Scenario::CorruptDb);
    let a = d.run(&["check"]).stdout;
    let b = d.run(&["check", "--no-cache"]).stdout;
    assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
}

#[test]
fn a_warm_cache_never_changes_what_a_report_says() {
    let d = Demo::new(Scenario::CorruptDb);
    let cold = d.run(&["check", "--no-cache"]).stdout;
    // A full run leaves every set fully checked in the cache...
    d.run(&["check", "--full"]);
    // ...which speeds the next run up but must not make it say more than it checked.
    let warm = d.run(&["check"]).stdout;
    assert_eq!(
        String::from_utf8_lossy(&cold),
        String::from_utf8_lossy(&warm)
    );
}
