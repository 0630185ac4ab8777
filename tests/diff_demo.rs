//! `drconsole diff` on generated demo installations: exit codes 0/1/2 and the JSON shape
//! per component kind.

mod common;

use common::Demo;
use drconsole::demo::Scenario;
use serde_json::Value;

fn diff_json(demo: &Demo, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["diff", "--json"];
    a.extend_from_slice(args);
    let out = demo.run(&a);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "diff --json printed no JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

#[test]
fn a_healthy_server_matches_its_recommended_set_outside_the_databases() {
    let demo = Demo::new(Scenario::Healthy);
    let (code, j) = diff_json(&demo, &["certificates", "settings", "folders"]);
    assert_eq!(code, 0, "{j:#}");
    assert_eq!(j["status"], "identical");
    assert_eq!(j["set"], "2026-11-22 02-00-00");
    let kinds: Vec<&str> = j["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "certificates",
            "certificates",
            "certificates",
            "settings",
            "settings",
            "folder"
        ]
    );
}

#[test]
fn a_new_server_shows_the_identity_agents_trust_and_the_changed_mdm_hostname() {
    let demo = Demo::new(Scenario::NewServer);
    let (code, j) = diff_json(
        &demo,
        &["certificates:Certificates", "settings:LANrevMDMServer"],
    );
    assert_eq!(code, 1, "{j:#}");
    let certs = &j["components"][0]["certificates"];
    let id = &certs["identity"];
    assert_eq!(id["same"], false);
    assert_ne!(
        id["set"]["fingerprint_sha256"],
        id["live"]["fingerprint_sha256"]
    );
    assert!(
        id["meaning"]
            .as_str()
            .unwrap()
            .starts_with("Agents trust the set's certificate")
    );
    assert_eq!(certs["only_set"].as_array().unwrap().len(), 1);
    assert_eq!(certs["only_live"].as_array().unwrap().len(), 1);
    let changes = j["components"][1]["settings"]["changes"]
        .as_array()
        .unwrap();
    let host = changes
        .iter()
        .find(|c| c["path"] == serde_json::json!(["LANrevServerHostname"]))
        .unwrap();
    assert_eq!(host["change"], "changed");
    assert_eq!(host["live"]["type"], "string");
    assert_eq!(host["live"]["value"], "\"lanrev01.corp.example.com\"");
}

#[test]
fn database_rows_added_since_the_set_are_counted() {
    let demo = Demo::new(Scenario::Healthy);
    let (code, j) = diff_json(&demo, &["database:ServerDatabase", "--sample", "2"]);
    assert_eq!(code, 1, "{j:#}");
    let db = &j["components"][0]["database"];
    let totals = &db["totals"];
    let sum = |k: &str| -> u64 {
        db["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t[k].as_u64().unwrap())
            .sum()
    };
    assert_eq!(totals["rows_added"].as_u64(), Some(sum("rows_added")));
    assert!(totals["rows_added"].as_u64().unwrap() > 0);
    for t in db["tables"].as_array().unwrap() {
        assert!(t["sample_added"].as_array().unwrap().len() <= 2);
        assert!(t["sample_changed"].as_array().unwrap().len() <= 2);
    }
}

#[test]
fn a_mirror_is_compared_with_the_master_and_an_unreachable_one_is_an_error() {
    let demo = Demo::new(Scenario::DpFailover);
    let (code, j) = diff_json(&demo, &["dp:Mirror Sydney"]);
    assert_eq!(code, 1, "{j:#}");
    let c = &j["components"][0];
    assert_eq!(c["kind"], "dp");
    // The dead master's payload is gone: the readable master is the reference.
    assert_eq!(c["reference"], "the master 'Mirror London'");
    let totals = &c["dp"]["totals"];
    assert_eq!(
        (totals["missing"].as_u64(), totals["changed"].as_u64()),
        (Some(2), Some(1))
    );

    let (code, j) = diff_json(&demo, &["dp:Mirror Tokyo"]);
    assert_eq!(code, 2, "{j:#}");
    assert!(
        j["components"][0]["errors"][0]
            .as_str()
            .unwrap()
            .contains("not reachable")
    );
    let out = demo.run(&["diff", "dp:Nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Mirror Sydney"));
}
