//! The real binary on demo installations: the certificate, settings, host and distribution-point
//! faults each scenario plants show up as finding codes in `check --json`.
#![cfg(unix)]

mod common;

use common::{Demo, codes, with_code};
use drconsole::demo::Scenario;

#[test]
fn healthy_has_no_warnings_and_lists_every_component() {
    let demo = Demo::new(Scenario::Healthy);
    let (code, v) = demo.check_json(&[]);
    let bad: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info" && f["severity"] != "ok")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(code, 0);
    let certs = v["certificates"].as_array().unwrap();
    assert!(certs.iter().any(|c| c["source"] == "live"));
    assert!(certs.iter().any(|c| c["source"]["set"].is_string()));
    assert!(
        certs
            .iter()
            .filter(|c| c["source"] == "live")
            .all(|c| c["chain"] == "verified" || c["chain"] == "self_signed")
    );
    let dps = v["distribution_points"].as_array().unwrap();
    assert!(dps.len() >= 2);
    assert!(
        dps.iter()
            .all(|d| d["reachable"] == true && d["missing"] == 0)
    );
    assert_eq!(v["host"]["hostname"], demo.install.hostname.as_str());
    assert!(
        v["settings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["error"].is_null())
    );
}

#[test]
fn new_server_reports_identity_trust_key_expiry_and_mdm_hostname() {
    let demo = Demo::new(Scenario::NewServer);
    let (code, v) = demo.check_json(&[]);
    let c = codes(&v);
    for expected in [
        "CERT_BACKUP_MISMATCH",
        "MDM_TRUST_MISSING",
        "CERT_KEY_MISMATCH",
        "CERT_EXPIRING",
        "MDM_HOSTNAME_MISMATCH",
    ] {
        assert!(c.iter().any(|x| x == expected), "{expected} not in {c:?}");
    }
    assert_eq!(code, 2);
    let mismatch = &with_code(&v, "CERT_BACKUP_MISMATCH")[0];
    assert_eq!(mismatch["severity"], "critical");
    assert_eq!(mismatch["component"], "certificates:Certificates");
    // The fresh identity still has its own key: the key is not missing, it is the wrong one.
    assert!(!c.iter().any(|x| x == "CERT_KEY_MISSING"), "{c:?}");
}

#[test]
fn dp_failover_reports_masters_unreachable_and_out_of_sync_points() {
    let demo = Demo::new(Scenario::DpFailover);
    let (code, v) = demo.check_json(&[]);
    let c = codes(&v);
    for expected in ["DP_MULTIPLE_MASTERS", "DP_UNREACHABLE", "DP_OUT_OF_SYNC"] {
        assert!(c.iter().any(|x| x == expected), "{expected} not in {c:?}");
    }
    assert_eq!(code, 2);
    let dps = v["distribution_points"].as_array().unwrap();
    let unreachable: Vec<_> = dps.iter().filter(|d| d["reachable"] == false).collect();
    assert_eq!(unreachable.len(), with_code(&v, "DP_UNREACHABLE").len());
    let behind: Vec<_> = dps
        .iter()
        .filter(|d| d["missing"].as_u64().unwrap_or(0) > 0)
        .collect();
    assert!(!behind.is_empty(), "{dps:#?}");
    // A full check hashes content and agrees.
    let (_, full) = demo.check_json(&["--full"]);
    assert!(codes(&full).iter().any(|x| x == "DP_OUT_OF_SYNC"));
}
