//! Host state: a real process named like the profile's server is seen running, the host name
//! is compared with the server certificate, and free space with the recommended set.

use chrono::{DateTime, Utc};
use drconsole::inventory::{
    self, BackupSet, Inventory, ScanOptions, SetLayout, TakenFrom, Verdict,
};
use drconsole::{Clock, Code, Context};
use std::fs;
use std::path::Path;
use std::process::{Child, Command};

const SERVER: &str = "Library/Application Support/LANrev Server";

fn ctx(root: &Path) -> Context {
    let mut ctx = Context::new(drconsole::profile::load("lanrev-macos").unwrap(), root);
    let now: DateTime<Utc> = "2026-11-22T08:00:00Z".parse().unwrap();
    ctx.clock = Clock::fixed(now);
    ctx.state_dir = root.join(".state");
    ctx
}

fn host_scan(ctx: &Context, mut inv: Inventory) -> Inventory {
    inventory::certificates::scan(ctx, &ScanOptions::default(), &mut inv, &());
    inventory::host::scan(ctx, &ScanOptions::default(), &mut inv, &());
    inv
}

/// Kills the child when the test ends, even on failure.
struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
fn start_as(dir: &Path, name: &str) -> Running {
    let exe = dir.join(name);
    fs::copy("/bin/sleep", &exe).unwrap();
    Running(Command::new(&exe).arg("60").spawn().unwrap())
}

#[cfg(unix)]
#[test]
fn a_running_server_process_is_seen_by_name_even_when_linux_truncates_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_as(dir.path(), "LANrev Server");
    // 17 characters: Linux keeps only 15 in the process name; the executable name tells.
    let mdm = start_as(dir.path(), "LANrev MDM Server");
    let inv = host_scan(&ctx(dir.path()), Inventory::default());
    let pids: Vec<(String, u32)> = inv
        .host
        .running
        .iter()
        .map(|p| (p.name.clone(), p.pid))
        .collect();
    assert!(
        pids.contains(&("LANrev Server".into(), server.0.id())),
        "{pids:?}"
    );
    assert!(
        pids.contains(&("LANrev MDM Server".into(), mdm.0.id())),
        "{pids:?}"
    );
    let running: Vec<_> = inv
        .findings
        .iter()
        .filter(|f| f.code == Code::ServerRunning)
        .collect();
    assert!(running.len() >= 2);
    assert!(
        running
            .iter()
            .all(|f| f.severity == drconsole::Severity::Info)
    );
    drop(server);
    drop(mdm);
    let inv = host_scan(&ctx(dir.path()), Inventory::default());
    assert!(
        inv.host
            .running
            .iter()
            .all(|p| p.pid != 0 && !pids.iter().any(|(_, pid)| *pid == p.pid))
    );
}

fn with_server_cert(root: &Path, cn: &str) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec![cn.to_string()]).unwrap();
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    let cert = p.self_signed(&key).unwrap();
    let dir = root.join(SERVER).join("Certificates");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("server.crt"), cert.pem()).unwrap();
    fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
}

#[test]
fn host_name_not_on_the_server_certificate_differs() {
    let dir = tempfile::tempdir().unwrap();
    with_server_cert(dir.path(), "lanrev.example.com");
    let mut c = ctx(dir.path());
    for (name, differs) in [
        ("rescue-box", true),
        ("other.example.com", true),
        ("lanrev.example.com", false),
        ("LANREV.example.com", false),
        ("lanrev", false),
    ] {
        c.hostname = Some(name.into());
        let inv = host_scan(&c, Inventory::default());
        assert_eq!(inv.host.hostname, name);
        let found = inv.findings.iter().any(|f| f.code == Code::HostnameDiffers);
        assert_eq!(found, differs, "{name}: {:#?}", inv.findings);
    }
}

fn recommended(root: &Path, bytes: u64) -> BackupSet {
    BackupSet {
        id: "2026-11-21".into(),
        component: "backup:2026-11-21".into(),
        root: root.to_path_buf(),
        path: root.join("2026-11-21"),
        layout: SetLayout::Folder,
        taken_at: "2026-11-21T08:00:00Z".parse().unwrap(),
        taken_from: TakenFrom::Name,
        age_hours: 24.0,
        verdict: Verdict::Restorable,
        recommended: true,
        members: Vec::new(),
        missing: Vec::new(),
        extras: Vec::new(),
        bytes,
    }
}

#[test]
fn free_space_below_the_recommended_set_size_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(SERVER)).unwrap();
    let c = ctx(dir.path());
    let small = Inventory {
        backup_sets: vec![recommended(dir.path(), 1024)],
        ..Inventory::default()
    };
    let inv = host_scan(&c, small);
    assert!(inv.host.free_bytes.unwrap() > 1024);
    assert_eq!(inv.host.needed_bytes, Some(1024));
    assert!(!inv.findings.iter().any(|f| f.code == Code::DiskSpaceLow));
    let huge = Inventory {
        backup_sets: vec![recommended(dir.path(), u64::MAX / 2)],
        ..Inventory::default()
    };
    let inv = host_scan(&c, huge);
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::DiskSpaceLow)
        .expect("DISK_SPACE_LOW");
    assert!(f.message.contains("2026-11-21"), "{}", f.message);
}
