//! Certificate-store diffs: certificates and keys by side, and the identity change explained.

use drconsole::diff::certificates::diff_certificates;
use drconsole::profile::{CertStoreKind, CertificateStore};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use std::path::Path;

fn store(kind: CertStoreKind) -> CertificateStore {
    CertificateStore {
        name: "Certificates".into(),
        kind,
        path: "Certificates".into(),
        backup: "Certificates".into(),
        identity: true,
    }
}

/// Write an identity certificate and its key (PKCS#8) into `dir`; returns the certificate PEM.
fn identity(dir: &Path, host: &str) -> String {
    let c = rcgen::generate_simple_self_signed(vec![host.to_string()]).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("server.crt"), c.cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), c.signing_key.serialize_pem()).unwrap();
    c.cert.pem()
}

fn ca_pem() -> String {
    let mut p = CertificateParams::new(vec![]).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "Example Root CA");
    p.self_signed(&KeyPair::generate().unwrap()).unwrap().pem()
}

#[test]
fn a_new_identity_means_agents_trust_the_sets_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set"), dir.path().join("live"));
    identity(&set, "am-old.example.com");
    identity(&live, "am-new.example.com");
    let ca = ca_pem();
    std::fs::write(set.join("ca.pem"), &ca).unwrap();
    std::fs::write(live.join("ca.pem"), &ca).unwrap();
    std::fs::write(live.join("notes.txt"), "not a certificate").unwrap();
    std::fs::write(live.join("broken.pem"), "not a certificate either").unwrap();

    let d = diff_certificates(
        &store(CertStoreKind::Folder),
        &set,
        &live,
        chrono::Utc::now(),
        None,
    );
    assert!(d.differs());
    assert_eq!(d.both.len(), 1);
    assert_eq!(d.both[0].common_name.as_deref(), Some("Example Root CA"));
    assert_eq!(d.only_set.len(), 1);
    assert_eq!(d.only_live.len(), 1);
    assert_eq!(d.only_set[0].sans, ["am-old.example.com"]);
    assert_eq!(d.keys_only_set.len(), 1);
    assert_eq!(d.keys_only_live.len(), 1);
    assert_eq!(
        d.keys_only_set[0].paired_with.as_deref(),
        Some(d.only_set[0].fingerprint_sha256.as_str())
    );
    let id = d.identity.as_ref().unwrap();
    assert!(!id.same);
    assert_eq!(
        id.set.as_ref().unwrap().fingerprint_sha256,
        d.only_set[0].fingerprint_sha256
    );
    assert!(
        id.meaning.starts_with("Agents trust the set's certificate"),
        "{}",
        id.meaning
    );
    // A file named like a certificate that is none is reported; other files are not certificates.
    assert!(
        d.unparsed.iter().any(|u| u.contains("broken.pem")),
        "{:?}",
        d.unparsed
    );
    assert!(!d.unparsed.iter().any(|u| u.contains("notes.txt")));
    // Key material never reaches the result.
    let json = serde_json::to_string(&d).unwrap();
    assert!(!json.contains("PRIVATE KEY"));
}

#[test]
fn the_same_store_on_both_sides_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (set, live) = (dir.path().join("set"), dir.path().join("live"));
    identity(&set, "am.example.com");
    std::fs::create_dir_all(&live).unwrap();
    for f in ["server.crt", "server.key"] {
        std::fs::copy(set.join(f), live.join(f)).unwrap();
    }
    let d = diff_certificates(
        &store(CertStoreKind::Folder),
        &set,
        &live,
        chrono::Utc::now(),
        None,
    );
    assert!(!d.differs(), "{d:?}");
    assert!(d.identity.as_ref().unwrap().same);
    assert_eq!(d.keys_both.len(), 1);
}

#[test]
fn a_bundle_compares_its_certificates_by_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (ca_pem(), ca_pem(), ca_pem());
    let set = dir.path().join("set.pem");
    let live = dir.path().join("live.pem");
    std::fs::write(&set, format!("{a}{b}")).unwrap();
    std::fs::write(&live, format!("{b}{c}")).unwrap();
    let mut s = store(CertStoreKind::Bundle);
    s.identity = false;
    let d = diff_certificates(&s, &set, &live, chrono::Utc::now(), None);
    assert_eq!(
        (d.only_set.len(), d.both.len(), d.only_live.len()),
        (1, 1, 1)
    );
    assert!(d.identity.is_none());
}

#[test]
fn garbage_pem_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set.pem");
    let live = dir.path().join("live.pem");
    std::fs::write(
        &set,
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(&live, ca_pem()).unwrap();
    let d = diff_certificates(
        &store(CertStoreKind::Bundle),
        &set,
        &live,
        chrono::Utc::now(),
        None,
    );
    assert!(
        d.unparsed.iter().any(|u| u.contains("set.pem")),
        "{:?}",
        d.unparsed
    );
    assert_eq!(d.only_live.len(), 1);
}
