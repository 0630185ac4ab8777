//! The real binary: `check --json` carries certificates, settings, folders, distribution points
//! and host state, and their finding codes, on an installation built in the test.

use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;

const SERVER: &str = "Library/Application Support/LANrev Server";

fn check(root: &Path, hostname: &str) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_drconsole"))
        .arg("--root")
        .arg(root)
        .arg("--state")
        .arg(root.join(".state"))
        .args(["--now", "2026-11-22T08:00:00Z", "--hostname", hostname])
        .args(["check", "--json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), json)
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn install(root: &Path) {
    let certs = root.join(SERVER).join("Certificates");
    fs::create_dir_all(&certs).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["lanrev.example.com".into()]).unwrap();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "lanrev.example.com");
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2030, 1, 1);
    let cert = p.self_signed(&key).unwrap();
    fs::write(certs.join("server.crt"), cert.pem()).unwrap();
    fs::write(certs.join("server.key"), key.serialize_pem()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(certs.join("server.key"), fs::Permissions::from_mode(0o600)).unwrap();
    }
    let db = root.join(SERVER).join("ServerDatabase.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE distribution_points(id INTEGER PRIMARY KEY, name TEXT, address TEXT, path TEXT, is_master INTEGER);
         INSERT INTO distribution_points VALUES (1, 'dp-master', 'dp1.example.com', 'dp/master', 1);",
    )
    .unwrap();
    fs::create_dir_all(root.join("dp/master")).unwrap();
    fs::write(root.join("dp/master/Office.pkg"), "payload").unwrap();
    let prefs = root.join("Library/Preferences");
    fs::create_dir_all(&prefs).unwrap();
    fs::write(
        prefs.join("com.poleposition-sw.lanrev_server.plist"),
        "<plist><dict><key>a</key>",
    )
    .unwrap();
}

#[test]
fn check_json_lists_certificates_settings_distribution_points_and_host() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path());
    let (code, v) = check(dir.path(), "lanrev.example.com");
    assert_eq!(code, 2, "{v:#}");
    let c = codes(&v);
    for expected in [
        "DP_SINGLE",
        "SETTINGS_UNREADABLE",
        "SETTINGS_MISSING",
        "DB_MISSING",
    ] {
        assert!(c.iter().any(|x| x == expected), "{expected} not in {c:?}");
    }
    assert!(
        !c.iter()
            .any(|x| x.starts_with("CERT_") || x == "HOSTNAME_DIFFERS"),
        "{c:?}"
    );
    let cert = &v["certificates"][0];
    assert_eq!(cert["common_name"], "lanrev.example.com");
    assert_eq!(cert["source"], "live");
    assert_eq!(cert["chain"], "self_signed");
    assert_eq!(cert["fingerprint_sha256"].as_str().unwrap().len(), 95);
    let dp = &v["distribution_points"][0];
    assert_eq!(
        (
            dp["name"].as_str(),
            dp["is_master"].as_bool(),
            dp["reachable"].as_bool(),
            dp["files"].as_u64()
        ),
        (Some("dp-master"), Some(true), Some(true), Some(1))
    );
    assert_eq!(v["host"]["hostname"], "lanrev.example.com");
    assert!(
        v["settings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["error"].is_string())
    );
    assert!(v["folders"].is_array());
}

#[test]
fn host_name_override_is_compared_with_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path());
    let (_, v) = check(dir.path(), "rescue-box");
    assert!(
        codes(&v).iter().any(|c| c == "HOSTNAME_DIFFERS"),
        "{:?}",
        codes(&v)
    );
}

#[test]
fn text_report_has_the_component_sections() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_drconsole"))
        .arg("--root")
        .arg(dir.path())
        .arg("--state")
        .arg(dir.path().join(".state"))
        .args([
            "--now",
            "2026-11-22T08:00:00Z",
            "--hostname",
            "lanrev.example.com",
            "check",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for section in [
        "CERTIFICATES",
        "SETTINGS AND FOLDERS",
        "HOST  lanrev.example.com",
        "DISTRIBUTION POINTS",
        "dp-master",
    ] {
        assert!(text.contains(section), "{section} missing in:\n{text}");
    }
    assert!(!text.contains("PRIVATE KEY"));
}
