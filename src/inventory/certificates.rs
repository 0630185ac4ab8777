//! Certificate stores: every certificate and private key of the profile's stores, live and in
//! backup sets, paired by public key, chain-verified, and judged (expiry, missing or mismatched
//! keys, key permissions, backup identity, MDM trust). Key material is never printed.

mod chain;
pub mod keys;
pub mod parse;

use crate::component::Component;
use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::inventory::compare::comparison_set;
use crate::inventory::{
    Certificate, ChainStatus, Inventory, PrivateKey, Progress, ProgressSink, ScanOptions, Source,
};
use crate::profile::{CertStoreKind, CertificateStore, Profile};
use chrono::{DateTime, Duration, Utc};
use keys::PublicId;
use parse::Problem;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

/// Certificates expiring within this many days get `CERT_EXPIRING`.
pub const EXPIRING_DAYS: i64 = 30;

/// A certificate with what judging needs beside the public model.
struct CertEntry {
    cert: Certificate,
    der: Vec<u8>,
    public: Option<PublicId>,
}

/// A private key with its public identity.
struct KeyEntry {
    key: PrivateKey,
    public: PublicId,
}

/// Everything read from one source (live or one backup set).
#[derive(Default)]
struct SourceScan {
    certs: Vec<CertEntry>,
    keys: Vec<KeyEntry>,
    /// Unreadable or locked files, with the store they belong to.
    problems: Vec<(String, PathBuf, Problem)>,
    /// Symbolic links leading out of a store.
    unsafe_links: Vec<(String, PathBuf)>,
    /// Stores that exist.
    present: BTreeSet<String>,
    /// Why each certificate's chain is broken (parallel to `certs`).
    chain_reasons: Vec<String>,
}

/// Scan every certificate store, live and in each backup set, into `inv` and judge the live ones.
pub fn scan(ctx: &Context, _opts: &ScanOptions, inv: &mut Inventory, progress: &dyn ProgressSink) {
    let profile = &ctx.profile;
    let now = ctx.clock.now();
    let password = ctx.pfx_password();
    let total = profile.certificates.len() as u64 * (1 + inv.backup_sets.len() as u64);
    let mut done = 0;
    let mut tick = |label: String| {
        done += 1;
        progress.report(Progress {
            job: "certificates".into(),
            label,
            done,
            total,
            bytes_done: 0,
            bytes_total: 0,
            finished: done == total,
        });
    };

    let mut live = SourceScan::default();
    for store in &profile.certificates {
        read_store(
            store,
            &ctx.live(&store.path),
            &Source::Live,
            password,
            &mut live,
        );
        tick(format!("certificates:{}", store.name));
    }
    finish_source(&mut live);

    let mut sets: Vec<SourceScan> = Vec::new();
    let mut seen_paths = BTreeSet::new();
    for set in &inv.backup_sets {
        let mut scan = SourceScan::default();
        for store in &profile.certificates {
            let component = Component::Certificates(store.name.clone());
            if let Some(path) = component.path_in_set(profile, &set.path)
                // Flat sets share one folder: read each store copy once.
                && seen_paths.insert(path.clone())
                && std::fs::symlink_metadata(&path).is_ok()
            {
                read_store(
                    store,
                    &path,
                    &Source::Set(set.id.clone()),
                    password,
                    &mut scan,
                );
            }
            tick(format!("{}:certificates:{}", set.component, store.name));
        }
        finish_source(&mut scan);
        sets.push(scan);
    }

    let mut findings = judge_live(profile, &live, now);
    findings.extend(mdm_trust(ctx, &live));

    let mut all_certs: Vec<Certificate> = live.certs.iter().map(|c| c.cert.clone()).collect();
    let mut all_keys: Vec<PrivateKey> = live.keys.iter().map(|k| k.key.clone()).collect();
    for s in &sets {
        all_certs.extend(s.certs.iter().map(|c| c.cert.clone()));
        all_keys.extend(s.keys.iter().map(|k| k.key.clone()));
    }
    inv.certificates.extend(all_certs);
    inv.keys.extend(all_keys);
    findings.extend(backup_mismatch(profile, inv));
    inv.findings.extend(findings);
}

/// The profile's server identity store: the first store marked `identity`.
pub fn server_identity_store(profile: &Profile) -> Option<&CertificateStore> {
    profile.certificates.iter().find(|s| s.identity)
}

/// The server identity certificates of a source: leaf certificates of the server identity
/// store (or all of its certificates when it holds only CA certificates).
pub fn server_identity<'a>(
    inv: &'a Inventory,
    profile: &Profile,
    source: &Source,
) -> Vec<&'a Certificate> {
    let Some(store) = server_identity_store(profile) else {
        return Vec::new();
    };
    identity_certs(
        inv.certificates
            .iter()
            .filter(|c| &c.source == source && c.store == store.name),
    )
}

fn identity_certs<'a>(
    certs: impl Iterator<Item = &'a Certificate> + Clone,
) -> Vec<&'a Certificate> {
    let leaves: Vec<&Certificate> = certs.clone().filter(|c| !c.is_ca).collect();
    if leaves.is_empty() {
        certs.collect()
    } else {
        leaves
    }
}

/// The DNS names a certificate answers to: its common name and DNS/IP SANs, lower-case.
pub fn names(cert: &Certificate) -> Vec<String> {
    let mut out: Vec<String> = cert
        .common_name
        .iter()
        .chain(cert.sans.iter())
        .map(|n| n.to_ascii_lowercase())
        .collect();
    out.dedup();
    out
}

/// Whether `host` is one of `names` (exact, `*.` wildcard for one label, or the same short
/// name when either side is unqualified).
pub fn host_matches(host: &str, names: &[String]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let short = |s: &str| s.split('.').next().unwrap_or_default().to_string();
    names.iter().any(|n| {
        let n = n.trim_end_matches('.');
        if n == host {
            return true;
        }
        if let Some(suffix) = n.strip_prefix("*.") {
            if let Some((label, rest)) = host.split_once('.') {
                return !label.is_empty() && rest == suffix;
            }
            return false;
        }
        (!host.contains('.') || !n.contains('.')) && short(n) == short(&host) && !host.is_empty()
    })
}

// ---- reading ----

fn read_store(
    store: &CertificateStore,
    path: &Path,
    source: &Source,
    password: Option<&str>,
    out: &mut SourceScan,
) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            out.present.insert(store.name.clone());
            out.problems.push((
                store.name.clone(),
                path.to_path_buf(),
                Problem::Unreadable(format!("cannot read: {e}")),
            ));
            return;
        }
    };
    out.present.insert(store.name.clone());
    if !meta.is_dir() {
        read_one(store, path, source, password, true, out);
        return;
    }
    let walker = walkdir::WalkDir::new(path)
        .follow_links(false)
        .max_depth(4)
        .sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let at = e.path().unwrap_or(path).to_path_buf();
                out.problems.push((
                    store.name.clone(),
                    at,
                    Problem::Unreadable(format!("cannot read: {e}")),
                ));
                continue;
            }
        };
        let file = entry.path();
        let strict = parse::looks_like_cert_file(file);
        if entry.path_is_symlink() {
            // Follow a link only while it stays inside the store.
            match std::fs::canonicalize(file) {
                Ok(target) if inside(&target, path) && target.is_file() => {
                    read_one(store, file, source, password, strict, out)
                }
                Ok(target) if !inside(&target, path) => out
                    .unsafe_links
                    .push((store.name.clone(), file.to_path_buf())),
                _ => {}
            }
            continue;
        }
        if entry.file_type().is_file() {
            read_one(store, file, source, password, strict, out);
        }
    }
}

fn inside(target: &Path, dir: &Path) -> bool {
    std::fs::canonicalize(dir).is_ok_and(|d| target.starts_with(d))
}

fn read_one(
    store: &CertificateStore,
    file: &Path,
    source: &Source,
    password: Option<&str>,
    strict: bool,
    out: &mut SourceScan,
) {
    let objects = parse::read_file(file, password, strict);
    let mode = file_mode(file);
    for p in objects.problems {
        out.problems
            .push((store.name.clone(), file.to_path_buf(), p));
    }
    for (index, der) in objects.certs.into_iter().enumerate() {
        match describe(&der) {
            Some((mut cert, public)) => {
                cert.store = store.name.clone();
                cert.component = format!("certificates:{}", store.name);
                cert.source = source.clone();
                cert.file = file.to_path_buf();
                cert.index = index;
                cert.mode = mode;
                out.certs.push(CertEntry { cert, der, public });
            }
            None => out.problems.push((
                store.name.clone(),
                file.to_path_buf(),
                Problem::Unreadable(format!("certificate {} cannot be parsed", index + 1)),
            )),
        }
    }
    for (index, material) in objects.keys.iter().enumerate() {
        match keys::identify(material) {
            Ok(info) => out.keys.push(KeyEntry {
                key: PrivateKey {
                    store: store.name.clone(),
                    source: source.clone(),
                    file: file.to_path_buf(),
                    key_type: info.key_type,
                    paired_with: None,
                    mode,
                },
                public: info.public,
            }),
            Err(msg) => out.problems.push((
                store.name.clone(),
                file.to_path_buf(),
                Problem::Unreadable(format!("private key {}: {msg}", index + 1)),
            )),
        }
    }
}

/// The public model of a DER certificate and its canonical public key.
fn describe(der: &[u8]) -> Option<(Certificate, Option<PublicId>)> {
    let (_, x509) = x509_parser::parse_x509_certificate(der).ok()?;
    let common_name = x509
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string);
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = x509.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push(d.to_string()),
                GeneralName::IPAddress(ip) => {
                    if let Some(s) = ip_string(ip) {
                        sans.push(s)
                    }
                }
                _ => {}
            }
        }
    }
    let (key_type, key_bits, public) = keys::spki_identity(x509.public_key());
    let cert = Certificate {
        subject: x509.subject().to_string(),
        common_name,
        issuer: x509.issuer().to_string(),
        sans,
        serial: x509.raw_serial_as_string(),
        not_before: DateTime::from_timestamp(x509.validity().not_before.timestamp(), 0),
        not_after: DateTime::from_timestamp(x509.validity().not_after.timestamp(), 0),
        fingerprint_sha256: fingerprint(der),
        key_type,
        key_bits,
        is_ca: x509.is_ca(),
        ..Certificate::default()
    };
    Some((cert, public))
}

fn ip_string(ip: &[u8]) -> Option<String> {
    match ip.len() {
        4 => Some(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string()),
        16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(ip);
            Some(std::net::Ipv6Addr::from(b).to_string())
        }
        _ => None,
    }
}

/// SHA-256 fingerprint, upper-case hex with colons.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Option<u32> {
    None
}

/// Pair keys with certificates (same store first, then any store of the source) and verify
/// every certificate's chain against the certificates of the same source.
fn finish_source(scan: &mut SourceScan) {
    for key in &mut scan.keys {
        let found = scan
            .certs
            .iter_mut()
            .filter(|c| c.public.as_ref() == Some(&key.public))
            .min_by_key(|c| (c.cert.store != key.key.store, c.cert.file != key.key.file));
        if let Some(cert) = found {
            key.key.paired_with = Some(cert.cert.fingerprint_sha256.clone());
        }
    }
    for cert in &mut scan.certs {
        if let Some(public) = &cert.public {
            let key = scan
                .keys
                .iter()
                .filter(|k| &k.public == public)
                .min_by_key(|k| (k.key.store != cert.cert.store, k.key.file != cert.cert.file));
            cert.cert.key_file = key.map(|k| k.key.file.clone());
        }
    }
    let parsed: Vec<X509Certificate<'_>> = scan
        .certs
        .iter()
        .filter_map(|c| {
            x509_parser::parse_x509_certificate(&c.der)
                .ok()
                .map(|(_, x)| x)
        })
        .collect();
    let statuses: Vec<(ChainStatus, String)> = scan
        .certs
        .iter()
        .map(|c| match x509_parser::parse_x509_certificate(&c.der) {
            Ok((_, x)) => chain::verify(&x, &parsed),
            Err(_) => (ChainStatus::Unknown, String::new()),
        })
        .collect();
    for (cert, (status, _)) in scan.certs.iter_mut().zip(&statuses) {
        cert.cert.chain = *status;
    }
    // Keep the reasons for the findings of live certificates.
    scan.chain_reasons = statuses.into_iter().map(|(_, r)| r).collect();
}

// ---- judging (live only: backup copies are judged when they are compared or restored) ----

fn judge_live(profile: &Profile, live: &SourceScan, now: DateTime<Utc>) -> Vec<Finding> {
    let mut out = Vec::new();
    let component = |store: &str| format!("certificates:{store}");

    for (store, path, problem) in &live.problems {
        let f = match problem {
            Problem::Unreadable(msg) => Finding::new(
                Code::CertUnreadable,
                component(store),
                format!("{}: {msg}", path.display()),
            ),
            Problem::Locked(msg) => Finding::new(
                Code::PfxLocked,
                component(store),
                format!("{}: {msg}", path.display()),
            ),
        };
        out.push(f.at(path));
    }
    for (store, path) in &live.unsafe_links {
        out.push(
            Finding::new(
                Code::PathUnsafe,
                component(store),
                format!(
                    "{} is a symbolic link leading out of the store; it was not read",
                    path.display()
                ),
            )
            .at(path),
        );
    }

    for (entry, reason) in live.certs.iter().zip(&live.chain_reasons) {
        let c = &entry.cert;
        let who = describe_cert(c);
        if let Some(end) = c.not_after {
            if end < now {
                out.push(
                    Finding::new(
                        Code::CertExpired,
                        &c.component,
                        format!(
                            "{who} in {} expired on {}",
                            c.file.display(),
                            end.format("%Y-%m-%d")
                        ),
                    )
                    .at(&c.file),
                );
            } else if end - now <= Duration::days(EXPIRING_DAYS) {
                out.push(
                    Finding::new(
                        Code::CertExpiring,
                        &c.component,
                        format!(
                            "{who} in {} expires on {} ({} days left)",
                            c.file.display(),
                            end.format("%Y-%m-%d"),
                            (end - now).num_days()
                        ),
                    )
                    .at(&c.file),
                );
            }
        }
        if let Some(start) = c.not_before
            && start > now
        {
            out.push(
                Finding::new(
                    Code::CertNotYetValid,
                    &c.component,
                    format!(
                        "{who} in {} is not valid before {}",
                        c.file.display(),
                        start.format("%Y-%m-%d %H:%M UTC")
                    ),
                )
                .at(&c.file),
            );
        }
        if c.chain == ChainStatus::Broken {
            out.push(
                Finding::new(
                    Code::CertChainBroken,
                    &c.component,
                    format!("{who} in {}: {reason}", c.file.display()),
                )
                .at(&c.file),
            );
        }
    }

    // Keys with no certificate for them in their own store.
    // Files of keys that match nothing: their companion certificate's key is "wrong", not missing.
    let mut mismatched_keys: Vec<&Path> = Vec::new();
    for k in &live.keys {
        let in_store = live
            .certs
            .iter()
            .any(|c| c.cert.store == k.key.store && c.public.as_ref() == Some(&k.public));
        if in_store {
            continue;
        }
        mismatched_keys.push(&k.key.file);
        let companion = live
            .certs
            .iter()
            .find(|c| c.cert.store == k.key.store && same_stem(&c.cert.file, &k.key.file));
        let msg = match companion {
            Some(c) => format!(
                "the {} private key in {} does not match {} in {}",
                k.key.key_type,
                k.key.file.display(),
                describe_cert(&c.cert),
                c.cert.file.display()
            ),
            None => format!(
                "the {} private key in {} matches no certificate in store {}",
                k.key.key_type,
                k.key.file.display(),
                k.key.store
            ),
        };
        out.push(Finding::new(Code::CertKeyMismatch, component(&k.key.store), msg).at(&k.key.file));
    }

    // Identity certificates whose private key is nowhere.
    for store in profile.certificates.iter().filter(|s| s.identity) {
        let locked = live
            .problems
            .iter()
            .any(|(s, _, p)| s == &store.name && matches!(p, Problem::Locked(_)));
        if locked {
            // A locked archive may hold the key.
            continue;
        }
        let certs = identity_certs(
            live.certs
                .iter()
                .map(|c| &c.cert)
                .filter(|c| c.store == store.name),
        );
        for c in certs.into_iter().filter(|c| c.key_file.is_none()) {
            if mismatched_keys.iter().any(|k| same_stem(&c.file, k)) {
                // Reported as CERT_KEY_MISMATCH on the companion key.
                continue;
            }
            out.push(
                Finding::new(
                    Code::CertKeyMissing,
                    &c.component,
                    format!(
                        "no private key for the identity {} in {} was found",
                        describe_cert(c),
                        c.file.display()
                    ),
                )
                .at(&c.file),
            );
        }
    }

    // Private keys readable by group or others (one finding per file).
    let mut seen = BTreeSet::new();
    for k in &live.keys {
        if let Some(mode) = k.key.mode
            && mode & 0o044 != 0
            && seen.insert(k.key.file.clone())
        {
            out.push(
                Finding::new(
                    Code::KeyPermissions,
                    component(&k.key.store),
                    format!(
                        "{} holds a private key and has mode {:04o} (readable by {})",
                        k.key.file.display(),
                        mode,
                        match (mode & 0o040 != 0, mode & 0o004 != 0) {
                            (true, true) => "group and others",
                            (true, false) => "group",
                            _ => "others",
                        }
                    ),
                )
                .at(&k.key.file),
            );
        }
    }
    out
}

fn same_stem(a: &Path, b: &Path) -> bool {
    a == b || (a.parent() == b.parent() && a.file_stem() == b.file_stem())
}

/// `CN=name (SHA-256 AB:CD:EF:01…)` for messages.
fn describe_cert(c: &Certificate) -> String {
    let name = c
        .common_name
        .as_ref()
        .map(|cn| format!("certificate '{cn}'"))
        .unwrap_or_else(|| format!("certificate '{}'", c.subject));
    let short: String = c.fingerprint_sha256.chars().take(11).collect();
    format!("{name} (SHA-256 {short}…)")
}

/// `CERT_BACKUP_MISMATCH`: the live server identity differs from the comparison set's.
fn backup_mismatch(profile: &Profile, inv: &Inventory) -> Vec<Finding> {
    let Some(store) = server_identity_store(profile) else {
        return Vec::new();
    };
    let component = Component::Certificates(store.name.clone());
    let Some((set, path)) = comparison_set(inv, profile, &component) else {
        return Vec::new();
    };
    let backup = server_identity(inv, profile, &Source::Set(set.id.clone()));
    if backup.is_empty() {
        return Vec::new();
    }
    let live = server_identity(inv, profile, &Source::Live);
    let live_prints: BTreeSet<&str> = live.iter().map(|c| c.fingerprint_sha256.as_str()).collect();
    let missing: Vec<&&Certificate> = backup
        .iter()
        .filter(|c| !live_prints.contains(c.fingerprint_sha256.as_str()))
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let live_desc = if live.is_empty() {
        "no live server certificate".to_string()
    } else {
        format!(
            "the live {}",
            live.iter()
                .map(|c| describe_cert(c))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let msg = format!(
        "{live_desc} differs from backup set {}'s {}: agents will reject this server",
        set.id,
        missing
            .iter()
            .map(|c| describe_cert(c))
            .collect::<Vec<_>>()
            .join(", ")
    );
    vec![Finding::new(Code::CertBackupMismatch, component.to_string(), msg).at(path)]
}

/// `MDM_TRUST_MISSING`: a trust bundle without the live server identity certificate.
fn mdm_trust(ctx: &Context, live: &SourceScan) -> Vec<Finding> {
    let profile = &ctx.profile;
    let Some(identity) = server_identity_store(profile) else {
        return Vec::new();
    };
    let server: Vec<&Certificate> = identity_certs(
        live.certs
            .iter()
            .map(|c| &c.cert)
            .filter(|c| c.store == identity.name),
    );
    if server.is_empty() {
        return Vec::new();
    }
    // The MDM server is installed when any of its parts is: another store or an MDM plist.
    let mdm_installed = profile
        .certificates
        .iter()
        .any(|s| s.name != identity.name && live.present.contains(&s.name))
        || profile
            .settings
            .iter()
            .any(|s| s.mdm_hostname_key.is_some() && s.paths.iter().any(|p| ctx.live(p).exists()));
    let mut out = Vec::new();
    for bundle in profile
        .certificates
        .iter()
        .filter(|s| s.kind == CertStoreKind::Bundle)
    {
        let path = ctx.live(&bundle.path);
        let component = format!("certificates:{}", bundle.name);
        if !live.present.contains(&bundle.name) {
            if mdm_installed {
                out.push(
                    Finding::new(
                        Code::MdmTrustMissing,
                        component,
                        format!(
                            "the trust bundle {} does not exist, so the server {} is not trusted",
                            path.display(),
                            describe_cert(server[0])
                        ),
                    )
                    .at(&path),
                );
            }
            continue;
        }
        let in_bundle: BTreeSet<&str> = live
            .certs
            .iter()
            .filter(|c| c.cert.store == bundle.name)
            .map(|c| c.cert.fingerprint_sha256.as_str())
            .collect();
        for c in server
            .iter()
            .filter(|c| !in_bundle.contains(c.fingerprint_sha256.as_str()))
        {
            out.push(
                Finding::new(
                    Code::MdmTrustMissing,
                    component.clone(),
                    format!(
                        "the server {} is not in the trust bundle {}",
                        describe_cert(c),
                        path.display()
                    ),
                )
                .at(&path),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_match_exactly_by_wildcard_or_by_short_name() {
        let names = vec![
            "lanrev.example.com".to_string(),
            "*.dp.example.com".to_string(),
        ];
        assert!(host_matches("LANrev.Example.com.", &names));
        assert!(host_matches("lanrev", &names));
        assert!(host_matches("a.dp.example.com", &names));
        assert!(!host_matches("a.b.dp.example.com", &names));
        assert!(!host_matches("lanrev.other.org", &names));
        assert!(!host_matches("", &names));
    }

    #[test]
    fn fingerprints_are_upper_case_hex_with_colons() {
        let f = fingerprint(b"abc");
        assert!(f.starts_with("BA:78:16:BF"), "{f}");
        assert_eq!(f.len(), 32 * 3 - 1);
    }
}
