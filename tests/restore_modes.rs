//! Modes of restored files and folders: never the backup set's (a FAT or SMB volume reports
//! 0666/0777 for everything). Keys recognised by content are 0600, a missing key store is
//! created 0700, certificates 0644, and nothing that replaces an original is wider than it.

mod journal_support;

use journal_support::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Whether openssl reads `path` as a DER private key (`None`: openssl is not installed).
fn openssl_reads_der_key(path: &Path) -> Option<bool> {
    let o = Command::new("openssl")
        .args(["pkey", "-inform", "DER", "-noout", "-in"])
        .arg(path)
        .output()
        .ok()?;
    Some(o.status.success())
}

/// The newest set's Certificates folder as a FAT volume shows it: every file 0666, every
/// folder 0777, with DER keys under names that say nothing, a new certificate and a subfolder.
fn fat_certificates(inst: &Install) -> std::path::PathBuf {
    let certs = inst.set_dir("2026-11-21 02-00-00").join("Certificates");
    let key = rcgen::KeyPair::generate().unwrap();
    std::fs::write(certs.join("server.pk8"), key.serialize_der()).unwrap();
    std::fs::create_dir(certs.join("sub")).unwrap();
    std::fs::write(certs.join("sub/agent.der"), key.serialize_der()).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    std::fs::write(certs.join("new.crt"), cert.pem()).unwrap();
    std::fs::write(certs.join("other.crt"), cert.pem()).unwrap();
    match openssl_reads_der_key(&certs.join("server.pk8")) {
        Some(ok) => assert!(ok, "openssl does not read the fixture as a DER key"),
        None => println!("openssl not installed: the DER fixture is not cross-checked"),
    }
    for e in walkdir::WalkDir::new(&certs) {
        let e = e.unwrap();
        chmod(e.path(), if e.file_type().is_dir() { 0o777 } else { 0o666 });
    }
    certs
}

#[test]
fn files_from_a_fat_set_get_modes_by_purpose_and_never_widen_an_original() {
    let inst = install(16, false);
    fat_certificates(&inst);
    let live = inst.live("Certificates");
    // Originals: a 0600 certificate (stays 0600), a 0666 one (loses group/world write).
    chmod(&live.join("server.crt"), 0o600);
    std::fs::write(live.join("other.crt"), b"old").unwrap();
    chmod(&live.join("other.crt"), 0o666);
    chmod(&live, 0o750);
    let o = inst.run(&["restore", "certificates:Certificates", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mode(&live), 0o750, "the replaced folder keeps its mode");
    assert_eq!(mode(&live.join("server.pk8")), 0o600, "new DER key");
    assert_eq!(mode(&live.join("sub")), 0o700, "new folder in a key store");
    assert_eq!(mode(&live.join("sub/agent.der")), 0o600, "new DER key");
    assert_eq!(mode(&live.join("new.crt")), 0o644, "new certificate");
    assert_eq!(
        mode(&live.join("server.crt")),
        0o600,
        "never wider than the original"
    );
    assert_eq!(mode(&live.join("server.key")), 0o600, "replaced PEM key");
    assert_eq!(
        mode(&live.join("other.crt")),
        0o644,
        "never group/world-writable"
    );
}

#[test]
fn a_missing_key_store_is_created_0700_with_its_keys_0600() {
    let inst = install(16, false);
    fat_certificates(&inst);
    let live = inst.live("Certificates");
    std::fs::remove_dir_all(&live).unwrap();
    let o = inst.run(&["restore", "certificates:Certificates", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mode(&live), 0o700);
    assert_eq!(mode(&live.join("sub")), 0o700);
    assert_eq!(mode(&live.join("server.pk8")), 0o600);
    assert_eq!(mode(&live.join("server.key")), 0o600);
    assert_eq!(mode(&live.join("new.crt")), 0o644);
    assert_eq!(mode(&live.join("server.crt")), 0o644);
}

#[test]
fn a_new_database_from_a_fat_set_is_not_world_writable() {
    let inst = install(16, false);
    let source = inst
        .set_dir("2026-11-21 02-00-00")
        .join("EnumValues.dbbackup");
    chmod(&source, 0o666);
    std::fs::remove_file(inst.live("EnumValues.db")).unwrap();
    let o = inst.run(&["restore", "database:EnumValues", "--yes"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mode(&inst.live("EnumValues.db")), 0o644);
}
