//! Certificate inventory on installations built in code: rcgen chains, openssl-made RSA keys
//! and PKCS#12 files, and malformed inputs. Each test asserts the finding codes.

use chrono::{DateTime, Utc};
use drconsole::inventory::{
    self, BackupSet, ChainStatus, Inventory, ScanOptions, SetLayout, Source, TakenFrom, Verdict,
};
use drconsole::{Clock, Code, Context};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_ECDSA_P384_SHA384,
    SanType,
};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const SERVER: &str = "Library/Application Support/LANrev Server";

fn now() -> DateTime<Utc> {
    "2026-11-22T08:00:00Z".parse().unwrap()
}

fn ctx(root: &Path) -> Context {
    let mut ctx = Context::new(drconsole::profile::load("lanrev-macos").unwrap(), root);
    ctx.clock = Clock::fixed(now());
    ctx.state_dir = root.join(".state");
    ctx
}

fn scan_with(ctx: &Context, sets: Vec<BackupSet>) -> Inventory {
    let mut inv = Inventory {
        backup_sets: sets,
        ..Inventory::default()
    };
    inventory::certificates::scan(ctx, &ScanOptions::default(), &mut inv, &());
    inv
}

fn scan(root: &Path) -> Inventory {
    scan_with(&ctx(root), Vec::new())
}

fn codes(inv: &Inventory) -> Vec<Code> {
    inv.findings.iter().map(|f| f.code).collect()
}

fn write(path: &Path, data: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}
#[cfg(not(unix))]
fn chmod(_: &Path, _: u32) {}

fn params(cn: &str, days: (i32, u8, u8), until: (i32, u8, u8)) -> CertificateParams {
    let mut p = CertificateParams::new(vec![cn.to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = rcgen::date_time_ymd(days.0, days.1, days.2);
    p.not_after = rcgen::date_time_ymd(until.0, until.1, until.2);
    p
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = params(cn, (2020, 1, 1), (2040, 1, 1));
    p.subject_alt_names.clear();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p
}

/// A root → intermediate → leaf chain; returns PEMs and the leaf key.
struct Chain {
    root: String,
    intermediate: String,
    leaf: String,
    leaf_key: KeyPair,
}

fn chain(leaf_cn: &str, leaf_validity: ((i32, u8, u8), (i32, u8, u8))) -> Chain {
    let root_key = KeyPair::generate().unwrap();
    // CA names follow the leaf, so two chains for one leaf name share CA names (forgeries).
    let root_params = ca_params(&format!("{leaf_cn} Root CA"));
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, root_key);
    let int_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
    let int_params = ca_params(&format!("{leaf_cn} Intermediate CA"));
    let intermediate = int_params.signed_by(&int_key, &root_issuer).unwrap();
    let int_issuer = Issuer::new(int_params, int_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = params(leaf_cn, leaf_validity.0, leaf_validity.1)
        .signed_by(&leaf_key, &int_issuer)
        .unwrap();
    Chain {
        root: root.pem(),
        intermediate: intermediate.pem(),
        leaf: leaf.pem(),
        leaf_key,
    }
}

fn self_signed(cn: &str) -> (String, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut p = params(cn, (2025, 1, 1), (2030, 1, 1));
    p.subject_alt_names = vec![SanType::DnsName(cn.try_into().unwrap())];
    (p.self_signed(&key).unwrap().pem(), key)
}

/// A healthy installation: server identity, trust bundle with it, MDM identity with its chain.
fn healthy(root: &Path) -> Chain {
    let certs = root.join(SERVER).join("Certificates");
    let (server, server_key) = self_signed("lanrev.example.com");
    write(&certs.join("server.crt"), &server);
    write(&certs.join("server.key"), server_key.serialize_pem());
    chmod(&certs.join("server.key"), 0o600);
    let mdm = chain("mdm.example.com", ((2025, 1, 1), (2030, 1, 1)));
    let lighttpd = root.join("etc/lighttpd/certs/lighttpd.pem");
    write(
        &lighttpd,
        format!("{}{}", mdm.leaf, mdm.leaf_key.serialize_pem()),
    );
    chmod(&lighttpd, 0o600);
    write(
        &root.join("etc/lighttpd/certs/TrustedCertificates.pem"),
        format!("{server}{}{}", mdm.intermediate, mdm.root),
    );
    mdm
}

fn set(root: &Path, id: &str) -> BackupSet {
    let path = root.join(SERVER).join("Database Backups").join(id);
    BackupSet {
        id: id.into(),
        component: format!("backup:{id}"),
        root: path.parent().unwrap().to_path_buf(),
        path,
        layout: SetLayout::Folder,
        taken_at: now(),
        taken_from: TakenFrom::Name,
        age_hours: 1.0,
        verdict: Verdict::Restorable,
        recommended: true,
        members: Vec::new(),
        missing: Vec::new(),
        extras: Vec::new(),
        bytes: 0,
    }
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn healthy_stores_give_no_findings_and_verify_every_chain() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let inv = scan(dir.path());
    assert!(inv.findings.is_empty(), "{:#?}", inv.findings);
    // server (x2: folder + bundle), MDM leaf, intermediate, root.
    assert_eq!(inv.certificates.len(), 5);
    for c in &inv.certificates {
        assert!(
            matches!(c.chain, ChainStatus::Verified | ChainStatus::SelfSigned),
            "{} {:?}",
            c.subject,
            c.chain
        );
        assert_eq!(c.fingerprint_sha256.len(), 95);
        assert_eq!(c.source, Source::Live);
    }
    let leaf = inv
        .certificates
        .iter()
        .find(|c| c.common_name.as_deref() == Some("mdm.example.com"))
        .unwrap();
    assert_eq!(leaf.chain, ChainStatus::Verified);
    assert_eq!(leaf.key_type, "EC");
    assert_eq!(leaf.key_bits, Some(256));
    assert!(leaf.key_file.as_ref().unwrap().ends_with("lighttpd.pem"));
    assert!(leaf.sans.contains(&"mdm.example.com".to_string()));
    let int = inv
        .certificates
        .iter()
        .find(|c| c.common_name.as_deref() == Some("mdm.example.com Intermediate CA"))
        .unwrap();
    assert!(int.is_ca);
    assert_eq!(int.key_bits, Some(384));
    assert!(inv.keys.iter().all(|k| k.paired_with.is_some()));
}

#[test]
fn expired_and_not_yet_valid_and_expiring_certificates_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let chain_dir = dir.path().join("etc/lighttpd/certs");
    healthy(dir.path());
    let expired = chain("old.example.com", ((2020, 1, 1), (2024, 1, 1)));
    let future = chain("future.example.com", ((2027, 6, 1), (2030, 1, 1)));
    let soon = chain("soon.example.com", ((2025, 1, 1), (2026, 12, 10)));
    let bundle = fs::read_to_string(chain_dir.join("TrustedCertificates.pem")).unwrap();
    write(
        &chain_dir.join("TrustedCertificates.pem"),
        format!("{bundle}{}{}{}", expired.leaf, future.leaf, soon.leaf),
    );
    let inv = scan(dir.path());
    let c = codes(&inv);
    assert!(c.contains(&Code::CertExpired), "{c:?}");
    assert!(c.contains(&Code::CertNotYetValid), "{c:?}");
    assert!(c.contains(&Code::CertExpiring), "{c:?}");
    let expiring = inv
        .findings
        .iter()
        .find(|f| f.code == Code::CertExpiring)
        .unwrap();
    assert!(
        expiring.message.contains("soon.example.com"),
        "{}",
        expiring.message
    );
    // The new chains' intermediates are absent from the bundle.
    assert!(c.contains(&Code::CertChainBroken), "{c:?}");
}

#[test]
fn leaf_without_its_intermediate_has_a_broken_chain() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let bundle = dir
        .path()
        .join("etc/lighttpd/certs/TrustedCertificates.pem");
    let other = chain("x.example.com", ((2025, 1, 1), (2030, 1, 1)));
    // Leaf and root but no intermediate.
    let text = fs::read_to_string(&bundle).unwrap();
    write(&bundle, format!("{text}{}", other.leaf));
    let inv = scan(dir.path());
    let broken: Vec<_> = inv
        .findings
        .iter()
        .filter(|f| f.code == Code::CertChainBroken)
        .collect();
    assert_eq!(broken.len(), 1, "{:#?}", inv.findings);
    assert!(
        broken[0].message.contains("in no store"),
        "{}",
        broken[0].message
    );
}

#[test]
fn forged_issuer_with_the_right_name_does_not_verify() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    // A different key under the same CA names: names match, the signature must not.
    let forged = chain("mdm.example.com", ((2025, 1, 1), (2030, 1, 1)));
    let bundle = dir
        .path()
        .join("etc/lighttpd/certs/TrustedCertificates.pem");
    let text = fs::read_to_string(&bundle).unwrap();
    // Replace the bundle's intermediate and root by the forged chain's, keep the server cert.
    let server_end = text.find("-----END CERTIFICATE-----").unwrap() + 26;
    write(
        &bundle,
        format!(
            "{}{}{}",
            &text[..server_end],
            forged.intermediate,
            forged.root
        ),
    );
    let inv = scan(dir.path());
    let broken: Vec<_> = inv
        .findings
        .iter()
        .filter(|f| f.code == Code::CertChainBroken)
        .collect();
    assert!(
        broken.iter().any(|f| f.message.contains("does not verify")),
        "{:#?}",
        inv.findings
    );
}

#[test]
fn wrong_key_in_identity_file_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let (_, wrong) = self_signed("other");
    let mdm = chain("mdm.example.com", ((2025, 1, 1), (2030, 1, 1)));
    let lighttpd = dir.path().join("etc/lighttpd/certs/lighttpd.pem");
    write(&lighttpd, format!("{}{}", mdm.leaf, wrong.serialize_pem()));
    chmod(&lighttpd, 0o600);
    let inv = scan(dir.path());
    let c = codes(&inv);
    assert!(c.contains(&Code::CertKeyMismatch), "{c:?}");
    assert!(!c.contains(&Code::CertKeyMissing), "{c:?}");
}

#[test]
fn identity_without_any_key_is_critical() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    fs::remove_file(dir.path().join(SERVER).join("Certificates/server.key")).unwrap();
    let inv = scan(dir.path());
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::CertKeyMissing)
        .expect("CERT_KEY_MISSING");
    assert_eq!(f.severity, drconsole::Severity::Critical);
    assert_eq!(f.component, "certificates:Certificates");
}

#[test]
fn key_readable_by_others_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let key = dir.path().join(SERVER).join("Certificates/server.key");
    chmod(&key, 0o644);
    let inv = scan(dir.path());
    if cfg!(unix) {
        let f = inv
            .findings
            .iter()
            .find(|f| f.code == Code::KeyPermissions)
            .expect("KEY_PERMISSIONS");
        assert_eq!(f.path.as_deref(), Some(key.as_path()));
    }
}

#[test]
fn rsa_keys_in_pkcs1_pkcs8_and_der_pair_with_their_certificates() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let certs = dir.path().join(SERVER).join("Certificates");
    let tmp = dir.path().join("tmp");
    fs::create_dir_all(&tmp).unwrap();
    let pk8 = tmp.join("rsa.pk8");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        pk8.to_str().unwrap(),
    ]);
    let key = KeyPair::from_pem(&fs::read_to_string(&pk8).unwrap()).unwrap();
    let mut p = params("agent-ca.example.com", (2025, 1, 1), (2030, 1, 1));
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = p.self_signed(&key).unwrap();
    write(&certs.join("agent.cer"), cert.der());
    // The same key as PKCS#1 PEM, and again as PKCS#8 DER.
    let pkcs1 = certs.join("agent.key");
    openssl(&[
        "pkey",
        "-in",
        pk8.to_str().unwrap(),
        "-traditional",
        "-out",
        pkcs1.to_str().unwrap(),
    ]);
    assert!(
        fs::read_to_string(&pkcs1)
            .unwrap()
            .contains("RSA PRIVATE KEY")
    );
    let der = certs.join("agent-pk8.der");
    openssl(&[
        "pkey",
        "-in",
        pk8.to_str().unwrap(),
        "-outform",
        "DER",
        "-out",
        der.to_str().unwrap(),
    ]);
    chmod(&pkcs1, 0o600);
    chmod(&der, 0o600);
    let inv = scan(dir.path());
    assert!(inv.findings.is_empty(), "{:#?}", inv.findings);
    let agent = inv
        .certificates
        .iter()
        .find(|c| c.common_name.as_deref() == Some("agent-ca.example.com"))
        .unwrap();
    assert_eq!(agent.key_type, "RSA");
    assert_eq!(agent.key_bits, Some(2048));
    assert!(agent.key_file.is_some());
    let rsa_keys: Vec<_> = inv.keys.iter().filter(|k| k.key_type == "RSA").collect();
    assert_eq!(rsa_keys.len(), 2);
    assert!(
        rsa_keys
            .iter()
            .all(|k| k.paired_with.as_deref() == Some(agent.fingerprint_sha256.as_str()))
    );
}

#[test]
fn sec1_ec_key_pairs_and_a_foreign_sec1_key_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let certs = dir.path().join(SERVER).join("Certificates");
    let server_key = certs.join("server.key");
    // Rewrite the server key as SEC1 ("EC PRIVATE KEY").
    openssl(&[
        "ec",
        "-in",
        server_key.to_str().unwrap(),
        "-out",
        server_key.to_str().unwrap(),
    ]);
    assert!(
        fs::read_to_string(&server_key)
            .unwrap()
            .contains("EC PRIVATE KEY")
    );
    chmod(&server_key, 0o600);
    let inv = scan(dir.path());
    assert!(inv.findings.is_empty(), "{:#?}", inv.findings);
    let stray = certs.join("stray.key");
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        stray.to_str().unwrap(),
    ]);
    chmod(&stray, 0o600);
    let inv = scan(dir.path());
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::CertKeyMismatch)
        .expect("mismatch");
    assert_eq!(f.path.as_deref(), Some(stray.as_path()));
}

fn pfx(dir: &Path, password: &str) -> PathBuf {
    let mdm = chain("org.example.com", ((2025, 1, 1), (2030, 1, 1)));
    let cert = dir.join("org.crt");
    let key = dir.join("org.key");
    write(&cert, &mdm.leaf);
    write(&key, mdm.leaf_key.serialize_pem());
    let out = dir.join("org.pfx");
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        cert.to_str().unwrap(),
        "-inkey",
        key.to_str().unwrap(),
        "-out",
        out.to_str().unwrap(),
        "-passout",
        &format!("pass:{password}"),
    ]);
    out
}

#[test]
fn pkcs12_without_password_is_read() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let tmp = dir.path().join("tmp");
    let file = pfx(&tmp, "");
    let dest = dir.path().join(SERVER).join("Certificates/org.pfx");
    fs::copy(&file, &dest).unwrap();
    chmod(&dest, 0o600);
    let inv = scan(dir.path());
    let org = inv
        .certificates
        .iter()
        .find(|c| c.common_name.as_deref() == Some("org.example.com"))
        .expect("read from the pfx");
    assert_eq!(org.key_file.as_deref(), Some(dest.as_path()));
    assert!(!codes(&inv).contains(&Code::PfxLocked));
}

#[test]
fn pkcs12_with_password_is_locked_until_the_password_is_given() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let file = pfx(&dir.path().join("tmp"), "s3cret");
    let dest = dir.path().join(SERVER).join("Certificates/org.p12");
    fs::copy(&file, &dest).unwrap();
    chmod(&dest, 0o600);
    let inv = scan(dir.path());
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::PfxLocked)
        .expect("PFX_LOCKED");
    assert!(f.message.contains("no password"), "{}", f.message);
    let mut c = ctx(dir.path());
    c.pfx_password = Some("wrong".into());
    let inv = scan_with(&c, Vec::new());
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::PfxLocked)
        .expect("PFX_LOCKED");
    assert!(f.message.contains("does not open"), "{}", f.message);
    c.pfx_password = Some("s3cret".into());
    let inv = scan_with(&c, Vec::new());
    assert!(
        !codes(&inv).contains(&Code::PfxLocked),
        "{:#?}",
        inv.findings
    );
    assert!(
        inv.certificates
            .iter()
            .any(|c| c.common_name.as_deref() == Some("org.example.com"))
    );
}

#[test]
fn malformed_pem_der_and_pfx_each_give_a_finding_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let certs = dir.path().join(SERVER).join("Certificates");
    let bad = [
        (
            "garbage.pem",
            b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n".to_vec(),
        ),
        (
            "truncated.pem",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec(),
        ),
        (
            "notacert.pem",
            b"-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n".to_vec(),
        ),
        ("garbage.der", vec![0x30, 0x82, 0xff, 0xff, 1, 2, 3]),
        ("garbage.pfx", b"definitely not pkcs12".to_vec()),
        ("empty.crt", Vec::new()),
        (
            "badkey.key",
            b"-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END PRIVATE KEY-----\n".to_vec(),
        ),
    ];
    for (name, data) in &bad {
        write(&certs.join(name), data);
    }
    // Not a certificate file name and not certificate content: ignored.
    write(&certs.join(".DS_Store"), b"\0\0\0\x01Bud1");
    let inv = scan(dir.path());
    for (name, _) in &bad {
        let path = certs.join(name);
        assert!(
            inv.findings.iter().any(
                |f| f.code == Code::CertUnreadable && f.path.as_deref() == Some(path.as_path())
            ),
            "{name}: {:#?}",
            inv.findings
        );
    }
    assert_eq!(inv.findings.len(), bad.len(), "{:#?}", inv.findings);
}

#[test]
fn live_identity_differing_from_the_backup_is_critical() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let s = set(dir.path(), "2026-11-21");
    // The backup holds the old server identity; the live folder a fresh self-signed one.
    let live_certs = dir.path().join(SERVER).join("Certificates");
    copy_dir(&live_certs, &s.path.join("Certificates"));
    let (fresh, fresh_key) = self_signed("newbox.local");
    write(&live_certs.join("server.crt"), &fresh);
    write(&live_certs.join("server.key"), fresh_key.serialize_pem());
    chmod(&live_certs.join("server.key"), 0o600);
    let inv = scan_with(&ctx(dir.path()), vec![s]);
    let c = codes(&inv);
    assert!(c.contains(&Code::CertBackupMismatch), "{:#?}", inv.findings);
    // The fresh certificate is not in the MDM trust bundle either.
    assert!(c.contains(&Code::MdmTrustMissing), "{c:?}");
    assert!(
        inv.certificates
            .iter()
            .any(|c| c.source == Source::Set("2026-11-21".into()))
    );
}

#[test]
fn live_identity_equal_to_the_backup_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let s = set(dir.path(), "2026-11-21");
    copy_dir(
        &dir.path().join(SERVER).join("Certificates"),
        &s.path.join("Certificates"),
    );
    let inv = scan_with(&ctx(dir.path()), vec![s]);
    assert!(inv.findings.is_empty(), "{:#?}", inv.findings);
}

#[test]
fn trust_bundle_without_the_server_certificate_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mdm = healthy(dir.path());
    write(
        &dir.path()
            .join("etc/lighttpd/certs/TrustedCertificates.pem"),
        format!("{}{}", mdm.intermediate, mdm.root),
    );
    let inv = scan(dir.path());
    assert_eq!(
        codes(&inv),
        vec![Code::MdmTrustMissing],
        "{:#?}",
        inv.findings
    );
}

#[test]
fn private_key_material_never_appears_in_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let key_pem =
        fs::read_to_string(dir.path().join(SERVER).join("Certificates/server.key")).unwrap();
    let body: String = key_pem.lines().nth(1).unwrap().chars().take(40).collect();
    let inv = scan(dir.path());
    let json = serde_json::to_string(&inv).unwrap();
    assert!(!json.contains(&body));
    assert!(!format!("{inv:?}").contains(&body));
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn a_stray_key_does_not_hide_a_missing_identity_key() {
    let dir = tempfile::tempdir().unwrap();
    healthy(dir.path());
    let certs = dir.path().join(SERVER).join("Certificates");
    fs::remove_file(certs.join("server.key")).unwrap();
    let (_, stray) = self_signed("unrelated");
    write(&certs.join("old.key"), stray.serialize_pem());
    chmod(&certs.join("old.key"), 0o600);
    let inv = scan(dir.path());
    let c = codes(&inv);
    assert!(c.contains(&Code::CertKeyMismatch), "{c:?}");
    assert!(c.contains(&Code::CertKeyMissing), "{c:?}");
}

#[test]
fn a_root_left_out_of_the_bundle_is_found_among_the_systems_trusted_roots() {
    let dir = tempfile::tempdir().unwrap();
    let mdm = healthy(dir.path());
    let bundle = dir
        .path()
        .join("etc/lighttpd/certs/TrustedCertificates.pem");
    let text = fs::read_to_string(&bundle).unwrap().replace(&mdm.root, "");
    write(&bundle, text);
    let inv = scan(dir.path());
    assert!(
        codes(&inv).contains(&Code::CertChainBroken),
        "{:#?}",
        inv.findings
    );
    // The inspected system trusts the root: the intermediate now chains.
    write(&dir.path().join("etc/ssl/cert.pem"), &mdm.root);
    let inv = scan(dir.path());
    assert!(inv.findings.is_empty(), "{:#?}", inv.findings);
    // The system roots are only issuers: they are not inventoried.
    assert_eq!(inv.certificates.len(), 4);
}

/// The cache folder's set cache file: its inode changes on every save (temp + rename).
fn set_cache_inode(root: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(root.join(".state/cache/certificate-sets.bin"))
        .unwrap()
        .ino()
}

fn set_fingerprints(inv: &Inventory, id: &str, file: &str) -> Vec<String> {
    inv.certificates
        .iter()
        .filter(|c| c.source == Source::Set(id.into()) && c.file.ends_with(file))
        .map(|c| c.fingerprint_sha256.clone())
        .collect()
}

/// `new` padded to `len` bytes (PEM readers skip text between blocks), if it is not longer.
fn same_size(new: String, len: usize) -> Option<String> {
    (new.len() <= len).then(|| format!("{new}{}", "\n".repeat(len - new.len())))
}

#[cfg(unix)]
#[test]
fn a_warm_scan_reuses_unchanged_sets_and_sees_every_change() {
    use std::os::unix::fs::MetadataExt;
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    healthy(root);
    let ids = [
        "s-control",
        "s-inplace",
        "s-renamed",
        "s-added",
        "s-chmod",
        "s-store",
    ];
    let sets: Vec<BackupSet> = ids.iter().map(|id| set(root, id)).collect();
    for s in &sets {
        copy_dir(
            &root.join(SERVER).join("Certificates"),
            &s.path.join("Certificates"),
        );
    }
    let crt = |id: &str| set(root, id).path.join("Certificates/server.crt");
    let old_len = fs::read(crt("s-control")).unwrap().len();
    let old_fp = set_fingerprints(
        &scan_with(&ctx(root), sets.clone()),
        "s-control",
        "server.crt",
    );
    // A reading that began within the racy window of a file's last change is not kept.
    std::thread::sleep(inventory::setcache::RACY_WINDOW + std::time::Duration::from_millis(200));
    scan_with(&ctx(root), sets.clone());
    let filled = set_cache_inode(root);
    // Nothing changed: every set is answered by the cache, which is not written again.
    let warm = scan_with(&ctx(root), sets.clone());
    assert_eq!(set_cache_inode(root), filled);
    assert_eq!(set_fingerprints(&warm, "s-control", "server.crt"), old_fp);

    // Same size, same modification time, other bytes: only the status-change time tells.
    let other = loop {
        if let Some(pem) = same_size(self_signed("lanrev.example.com").0, old_len) {
            break pem;
        }
    };
    let keep_time = |p: &Path, m: &fs::Metadata| {
        let mtime = filetime::FileTime::from_last_modification_time(m);
        filetime::set_file_mtime(p, mtime).unwrap();
    };
    let p = crt("s-inplace");
    let m = fs::metadata(&p).unwrap();
    fs::write(&p, &other).unwrap();
    keep_time(&p, &m);
    assert_eq!(fs::metadata(&p).unwrap().len(), m.len());
    // Another file renamed over it, same size and time: a new inode.
    let p = crt("s-renamed");
    let m = fs::metadata(&p).unwrap();
    let tmp = p.with_extension("tmp-new");
    fs::write(&tmp, &other).unwrap();
    keep_time(&tmp, &m);
    fs::rename(&tmp, &p).unwrap();
    // A new certificate file in the store folder.
    let added = set(root, "s-added").path.join("Certificates/extra.crt");
    fs::write(&added, self_signed("extra.example.com").0).unwrap();
    // The key's permissions change.
    let key = set(root, "s-chmod").path.join("Certificates/server.key");
    chmod(&key, 0o644);
    // A store copy that was not there appears.
    let bundle = set(root, "s-store")
        .path
        .join("MDM/TrustedCertificates.pem");
    write(&bundle, self_signed("bundle.example.com").0);

    let after = scan_with(&ctx(root), sets.clone());
    assert_ne!(
        set_cache_inode(root),
        filled,
        "changed sets are remembered anew"
    );
    let new_fp = set_fingerprints(&after, "s-inplace", "server.crt");
    assert_eq!(new_fp.len(), 1);
    assert_ne!(new_fp, old_fp, "a same-size, same-time rewrite is seen");
    assert_eq!(set_fingerprints(&after, "s-renamed", "server.crt"), new_fp);
    assert_eq!(set_fingerprints(&after, "s-added", "extra.crt").len(), 1);
    let mode = after
        .keys
        .iter()
        .find(|k| k.source == Source::Set("s-chmod".into()))
        .and_then(|k| k.mode);
    assert_eq!(mode.map(|m| m & 0o777), Some(0o644));
    assert_eq!(
        set_fingerprints(&after, "s-store", "TrustedCertificates.pem").len(),
        1
    );
    assert_eq!(set_fingerprints(&after, "s-control", "server.crt"), old_fp);
    assert!(fs::metadata(&key).unwrap().mode() & 0o044 != 0);
}

#[test]
fn a_damaged_set_cache_is_ignored_with_a_note_and_the_sets_read_afresh() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    healthy(root);
    let s = set(root, "s1");
    copy_dir(
        &root.join(SERVER).join("Certificates"),
        &s.path.join("Certificates"),
    );
    let cold = scan_with(&ctx(root), vec![s.clone()]);
    let want = set_fingerprints(&cold, "s1", "server.crt");
    let file = root.join(".state/cache/certificate-sets.bin");
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, b"DRCSETC\x01 truncated").unwrap();
    chmod(&file, 0o600);
    let inv = scan_with(&ctx(root), vec![s]);
    assert!(
        inv.notes.iter().any(|n| n.contains("was not used")),
        "{:?}",
        inv.notes
    );
    assert_eq!(set_fingerprints(&inv, "s1", "server.crt"), want);
}
