//! The demo generator: determinism, and every scenario's planted faults checked directly with
//! SQLite, x509-parser and the plist crate (not through drconsole's own scanner).
#![cfg(unix)]

use drconsole::demo::{self, DemoInstallation, DemoOptions, Scenario};
use drconsole::profile::{self, Profile};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;
use x509_parser::prelude::*;

const SERVER: &str = "Library/Application Support/LANrev Server";

fn macos() -> Profile {
    profile::load("lanrev-macos").unwrap()
}

fn build(scenario: Scenario, seed: u64) -> (tempfile::TempDir, DemoInstallation) {
    build_with(&macos(), scenario, seed, None)
}

fn build_with(
    profile: &Profile,
    scenario: Scenario,
    seed: u64,
    db_size_mb: Option<u64>,
) -> (tempfile::TempDir, DemoInstallation) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let opts = DemoOptions {
        scenario,
        seed,
        db_size_mb,
    };
    let inst = demo::generate(&dir, profile, &opts).unwrap();
    (tmp, inst)
}

/// Relative path → (bytes, mtime in ns, mode) for every entry.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, i128, u32)> {
    let mut out = BTreeMap::new();
    for entry in WalkDir::new(root).sort_by_file_name() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
        let mtime = meta
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i128;
        let bytes = if meta.is_file() {
            fs::read(entry.path()).unwrap()
        } else {
            Vec::new()
        };
        out.insert(rel, (bytes, mtime, meta.permissions().mode()));
    }
    out
}

fn pragma(path: &Path, name: &str) -> rusqlite::Result<String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let rows: Vec<String> = conn
        .prepare(&format!("PRAGMA {name}"))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows.join("\n"))
}

fn set_dirs(inst: &DemoInstallation) -> Vec<PathBuf> {
    let mut sets: Vec<PathBuf> = fs::read_dir(inst.root.join(SERVER).join("Database Backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    sets.sort();
    sets.reverse(); // newest first: names are timestamps
    sets
}

fn member(set: &Path, db: &str) -> PathBuf {
    let plain = set.join(format!("{db}.dbbackup"));
    if plain.exists() {
        plain
    } else {
        set.join(format!("{db}.db.dbbackup"))
    }
}

fn pem_certs(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).unwrap();
    Pem::iter_from_buffer(&bytes)
        .map(|p| p.unwrap())
        .filter(|p| p.label == "CERTIFICATE")
        .map(|p| p.contents)
        .collect()
}

fn pem_key(path: &Path) -> rcgen::KeyPair {
    let text = fs::read_to_string(path).unwrap();
    let start = text.find("-----BEGIN PRIVATE KEY-----").unwrap();
    rcgen::KeyPair::from_pem(&text[start..]).unwrap()
}

fn dns_names(der: &[u8]) -> Vec<String> {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_string))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let GeneralName::DNSName(d) = n {
                names.push(d.to_string());
            }
        }
    }
    names
}

fn seconds_left(der: &[u8], inst: &DemoInstallation) -> i64 {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    cert.validity().not_after.timestamp() - inst.now.timestamp()
}

#[test]
fn same_seed_gives_identical_bytes_times_and_modes() {
    for scenario in Scenario::ALL.into_iter().filter(|s| s.supports(&macos())) {
        let (_a, first) = build(scenario, 42);
        let (_b, second) = build(scenario, 42);
        let (x, y) = (snapshot(&first.root), snapshot(&second.root));
        assert_eq!(
            x.keys().collect::<Vec<_>>(),
            y.keys().collect::<Vec<_>>(),
            "{scenario}"
        );
        for (path, a) in &x {
            assert!(a == &y[path], "{scenario}: {} differs", path.display());
        }
    }
}

#[test]
fn different_seed_gives_different_rows() {
    let names = |inst: &DemoInstallation| -> Vec<String> {
        let conn = Connection::open(inst.root.join(SERVER).join("ServerDatabase.db")).unwrap();
        conn.prepare("SELECT name || serial FROM computers ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (_a, one) = build(Scenario::Healthy, 1);
    let (_b, two) = build(Scenario::Healthy, 2);
    assert_ne!(names(&one), names(&two));
}

#[test]
fn healthy_installation_is_consistent() {
    let (_t, inst) = build(Scenario::Healthy, 1);
    let p = macos();
    for db in &p.databases {
        let live = inst.root.join(&db.path);
        assert_eq!(
            pragma(&live, "integrity_check").unwrap(),
            "ok",
            "{}",
            db.name
        );
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut stray = live.clone().into_os_string();
            stray.push(suffix);
            assert!(!Path::new(&stray).exists(), "stray {stray:?}");
        }
    }
    let sets = set_dirs(&inst);
    assert_eq!(sets.len(), 4);
    for set in &sets {
        for db in &p.databases {
            let m = member(set, &db.name);
            assert_eq!(
                pragma(&m, "integrity_check").unwrap(),
                "ok",
                "{}",
                m.display()
            );
        }
    }
    // The newest set is within the RPO, and its mtimes say so.
    let newest = member(&sets[0], "ServerDatabase");
    let modified: chrono::DateTime<chrono::Utc> =
        fs::metadata(&newest).unwrap().modified().unwrap().into();
    let age = inst.now - modified;
    assert!(
        age < chrono::Duration::hours(i64::from(p.rpo_hours)),
        "{age}"
    );
    // Older sets hold fewer rows.
    let count = |path: &Path| -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT count(*) FROM inventory_history", [], |r| r.get(0))
            .unwrap()
    };
    assert!(count(&member(&sets[3], "ServerDatabase")) < count(&newest));
    assert!(count(&newest) < count(&inst.root.join(SERVER).join("ServerDatabase.db")));

    // Certificates: the identity names the host, everything valid for more than 30 days.
    let server = pem_certs(&inst.root.join(SERVER).join("Certificates/server.crt"));
    assert!(dns_names(&server[0]).contains(&inst.hostname));
    let bundle = pem_certs(&inst.root.join("etc/lighttpd/certs/TrustedCertificates.pem"));
    assert!(bundle.contains(&server[0]));
    let lighttpd = inst.root.join("etc/lighttpd/certs/lighttpd.pem");
    let org = pem_certs(&lighttpd);
    for der in server.iter().chain(&bundle).chain(&org) {
        assert!(seconds_left(der, &inst) > 30 * 86_400);
    }
    let (_, org_cert) = X509Certificate::from_der(&org[0]).unwrap();
    assert_eq!(
        org_cert.public_key().subject_public_key.data.as_ref(),
        pem_key(&lighttpd).public_key_raw()
    );
    let mdm = plist::Value::from_file(
        inst.root
            .join("Library/Preferences/com.heatsoftware.LANrevMDMServer.plist"),
    )
    .unwrap();
    assert_eq!(
        mdm.as_dictionary().unwrap()["LANrevServerHostname"].as_string(),
        Some(inst.hostname.as_str())
    );

    // Mirrors are byte- and time-identical to the master.
    let master = snapshot(&inst.root.join("srv/dp/master/Packages"));
    assert!(master.len() > 3);
    for mirror in ["srv/dp/mirror-london", "srv/dp/mirror-sydney"] {
        assert_eq!(snapshot(&inst.root.join(mirror).join("Packages")), master);
    }
}

#[test]
fn server_settings_are_a_binary_plist_with_nested_values() {
    let (_t, inst) = build(Scenario::Healthy, 1);
    let path = inst
        .root
        .join("Library/Preferences/com.poleposition-sw.lanrev_server.plist");
    assert!(fs::read(&path).unwrap().starts_with(b"bplist00"));
    let value = plist::Value::from_file(&path).unwrap();
    let d = value.as_dictionary().unwrap();
    assert_eq!(d["ServerPort"].as_signed_integer(), Some(3971));
    let backup = d["BackupSettings"].as_dictionary().unwrap();
    assert!(
        backup["BackupPath"]
            .as_string()
            .unwrap()
            .ends_with("Database Backups")
    );
    assert!(!d["CustomFields"].as_array().unwrap().is_empty());
    // The newest set's copy is identical to the live file.
    let set = &set_dirs(&inst)[0];
    assert_eq!(
        fs::read(set.join("com.poleposition-sw.lanrev_server.plist")).unwrap(),
        fs::read(&path).unwrap()
    );
}

#[test]
fn private_keys_are_owner_only_everywhere() {
    for scenario in Scenario::ALL.into_iter().filter(|s| s.supports(&macos())) {
        let (_t, inst) = build(scenario, 1);
        let mut keys = 0;
        for entry in WalkDir::new(&inst.root) {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let text = fs::read(entry.path()).unwrap();
            if text.windows(11).any(|w| w == b"PRIVATE KEY") {
                keys += 1;
                let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", entry.path().display());
            }
        }
        assert!(keys >= 10, "{scenario}: only {keys} key files");
    }
}

#[test]
fn corrupt_db_plants_a_damaged_live_database_and_a_subtly_corrupt_newest_set() {
    let (_t, inst) = build(Scenario::CorruptDb, 1);
    let live = inst.root.join(SERVER).join("ServerDatabase.db");
    assert!(fs::read(&live).unwrap().starts_with(b"SQLite format 3\0"));
    match pragma(&live, "quick_check") {
        Ok(text) => assert_ne!(text, "ok"),
        Err(e) => assert!(e.to_string().contains("malformed"), "{e}"),
    }
    let sets = set_dirs(&inst);
    let newest = member(&sets[0], "ServerDatabase");
    assert_eq!(pragma(&newest, "quick_check").unwrap(), "ok");
    assert_ne!(pragma(&newest, "integrity_check").unwrap(), "ok");
    // The set before it is the good one.
    for db in &macos().databases {
        assert_eq!(
            pragma(&member(&sets[1], &db.name), "integrity_check").unwrap(),
            "ok"
        );
    }
    // One set lacks a database (zero bytes).
    let empty: Vec<PathBuf> = sets
        .iter()
        .flat_map(|s| fs::read_dir(s).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "dbbackup"))
        .filter(|p| fs::metadata(p).unwrap().len() == 0)
        .collect();
    assert_eq!(empty.len(), 1, "{empty:?}");
    assert!(empty[0].starts_with(&sets[2]));
    // The other live databases are fine.
    assert_eq!(
        pragma(
            &inst.root.join(SERVER).join("ServerCommandDatabase.db"),
            "integrity_check"
        )
        .unwrap(),
        "ok"
    );
    assert!(inst.expected.iter().any(|e| e.contains("DB_CORRUPT")));
}

#[test]
fn flat_backup_root_holds_one_set_of_every_database() {
    let (_t, inst) = build(Scenario::CorruptDb, 1);
    assert_eq!(inst.backup_roots.len(), 1);
    let flat = &inst.backup_roots[0];
    assert!(flat.starts_with(&inst.root));
    assert!(!flat.starts_with(inst.root.join(SERVER)));
    for db in &macos().databases {
        let hits: Vec<_> = fs::read_dir(flat)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&format!("{}_", db.name)) && n.ends_with(".dbbackup"))
            .collect();
        assert_eq!(hits.len(), 1, "{}: {hits:?}", db.name);
        assert_eq!(
            pragma(&flat.join(&hits[0]), "integrity_check").unwrap(),
            "ok"
        );
    }
}

#[test]
fn new_server_breaks_identity_trust_key_hostname_and_expiry() {
    let (_t, inst) = build(Scenario::NewServer, 1);
    let live = pem_certs(&inst.root.join(SERVER).join("Certificates/server.crt"));
    let sets = set_dirs(&inst);
    let backed_up = pem_certs(&sets[0].join("Certificates/server.crt"));
    assert_ne!(live[0], backed_up[0]);
    let (_, cert) = X509Certificate::from_der(&live[0]).unwrap();
    assert_eq!(
        cert.subject(),
        cert.issuer(),
        "fresh identity is self-signed"
    );

    let bundle = pem_certs(&inst.root.join("etc/lighttpd/certs/TrustedCertificates.pem"));
    assert!(!bundle.is_empty());
    assert!(!bundle.contains(&live[0]) && !bundle.contains(&backed_up[0]));

    let lighttpd = inst.root.join("etc/lighttpd/certs/lighttpd.pem");
    let org = pem_certs(&lighttpd);
    let (_, org_cert) = X509Certificate::from_der(&org[0]).unwrap();
    assert_ne!(
        org_cert.public_key().subject_public_key.data.as_ref(),
        pem_key(&lighttpd).public_key_raw()
    );
    let left = seconds_left(&org[0], &inst);
    assert!(left > 0 && left < 30 * 86_400, "{left}");

    let mdm = plist::Value::from_file(
        inst.root
            .join("Library/Preferences/com.heatsoftware.LANrevMDMServer.plist"),
    )
    .unwrap();
    let host = mdm.as_dictionary().unwrap()["LANrevServerHostname"]
        .as_string()
        .unwrap()
        .to_string();
    assert!(!dns_names(&live[0]).contains(&host), "{host}");

    // The databases are fine.
    for db in &macos().databases {
        assert_eq!(
            pragma(&inst.root.join(&db.path), "quick_check").unwrap(),
            "ok"
        );
    }
}

#[test]
fn dp_failover_has_a_dead_master_a_healthy_second_master_a_stale_mirror_and_a_lost_point() {
    let (_t, inst) = build(Scenario::DpFailover, 1);
    let conn = Connection::open(inst.root.join(SERVER).join("ServerDatabase.db")).unwrap();
    let points: Vec<(String, String, i64)> = conn
        .prepare("SELECT name, path, is_master FROM distribution_points ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(points.iter().filter(|p| p.2 != 0).count(), 2);
    let unreachable: Vec<_> = points
        .iter()
        .filter(|p| !inst.root.join(&p.1).is_dir())
        .collect();
    // The dead master and the lost mirror.
    let names: Vec<&str> = unreachable.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(names, ["Master DP", "Mirror Tokyo"]);

    let files = |path: &str| snapshot(&inst.root.join(path));
    // The healthy second master holds every payload the dead master had.
    let master = files("srv/dp/mirror-london");
    assert!(master.len() > 3);
    let stale = files("srv/dp/mirror-sydney");
    let missing = master.keys().filter(|k| !stale.contains_key(*k)).count();
    let changed = master
        .iter()
        .filter(|(k, v)| stale.get(*k).is_some_and(|s| s.0 != v.0))
        .count();
    assert!(
        missing >= 1 && changed >= 1,
        "missing {missing} changed {changed}"
    );
}

#[test]
fn windows_profile_generates_its_own_layout() {
    let p = profile::load("lanrev-windows").unwrap();
    let (_t, inst) = build_with(&p, Scenario::CorruptDb, 1, None);
    for db in &p.databases {
        assert!(inst.root.join(&db.path).is_file(), "{}", db.name);
    }
    let server = inst
        .root
        .join("ProgramData/Pole Position Software/LANrev Server");
    assert!(server.join("LANrevServerSettings.plist").is_file());
    assert!(server.join("Certificates/server.key").is_file());
    assert!(!inst.root.join("etc").exists(), "no MDM stores on Windows");
    let set = fs::read_dir(server.join("Database Backups"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(set.join("LANrevServerSettings.plist").is_file());
    let (_t2, fresh) = build_with(&p, Scenario::NewServer, 1, None);
    assert!(fresh.expected.iter().all(|e| !e.contains("MDM")));
}

#[test]
fn manifest_round_trips_the_installation() {
    let (_t, inst) = build(Scenario::Healthy, 5);
    let loaded = DemoInstallation::load(&inst.root).unwrap();
    assert_eq!(loaded, inst);
    assert_eq!(inst.now.to_rfc3339(), "2026-11-22T08:00:00+00:00");
    assert!(inst.check_command().contains("--now 2026-11-22T08:00:00Z"));
}

#[test]
fn refuses_a_folder_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("keep.txt"), b"mine").unwrap();
    let err = demo::generate(tmp.path(), &macos(), &DemoOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(fs::read(tmp.path().join("keep.txt")).unwrap(), b"mine");
}

#[test]
fn db_size_fills_server_database_and_copies_it_into_sets() {
    let (_t, inst) = build_with(&macos(), Scenario::Healthy, 1, Some(3));
    let live = inst.root.join(SERVER).join("ServerDatabase.db");
    let size = fs::metadata(&live).unwrap().len();
    assert!((3 << 20..4 << 20).contains(&size), "{size}");
    assert_eq!(pragma(&live, "quick_check").unwrap(), "ok");
    let newest = member(&set_dirs(&inst)[0], "ServerDatabase");
    assert_eq!(fs::read(&newest).unwrap(), fs::read(&live).unwrap());
}

#[test]
fn demo_cli_lists_scenarios_and_prints_the_check_command() {
    let bin = env!("CARGO_BIN_EXE_drconsole");
    let out = std::process::Command::new(bin)
        .args(["demo", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for s in Scenario::ALL {
        assert!(text.contains(s.name()));
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = std::process::Command::new(bin)
        .args(["demo", "init"])
        .arg(&dir)
        .args(["--scenario", "healthy", "--seed", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("--now 2026-11-22T08:00:00Z --hostname lanrev.example.com check"),
        "{text}"
    );
    assert!(text.contains("--backups"));
    let bad = std::process::Command::new(bin)
        .args(["demo", "init"])
        .arg(tmp.path().join("other"))
        .args(["--scenario", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(64));
    let again = std::process::Command::new(bin)
        .args(["demo", "init"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(64),
        "a used folder is a usage error"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
}
