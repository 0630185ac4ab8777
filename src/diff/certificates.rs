//! Certificate-store diff: certificates and private keys only live, only in the set, or in
//! both (matched by fingerprint), and for identity stores what an identity change means for
//! the agents. Files are read by the inventory's parser (PEM, DER, PKCS#12; PKCS#8, PKCS#1 and
//! SEC1 keys); key material never leaves it: keys are known here by their public key.

use crate::inventory::certificates::keys::{self, PublicId};
use crate::inventory::certificates::{describe, parse};
use crate::profile::{CertStoreKind, CertificateStore};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One certificate as the diff shows it (public data only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// SHA-256 fingerprint, upper-case hex with colons.
    pub fingerprint_sha256: String,
    /// Subject distinguished name.
    pub subject: String,
    /// Common name, if any.
    pub common_name: Option<String>,
    /// Issuer distinguished name.
    pub issuer: String,
    /// DNS and IP subject alternative names.
    pub sans: Vec<String>,
    /// Start of validity.
    pub not_before: Option<DateTime<Utc>>,
    /// End of validity.
    pub not_after: Option<DateTime<Utc>>,
    /// Whether it is a CA certificate.
    pub is_ca: bool,
    /// SHA-256 of its public key (matches a private key's).
    pub public_key_sha256: String,
    /// File it was read from in the set.
    pub set_file: Option<PathBuf>,
    /// File it was read from live.
    pub live_file: Option<PathBuf>,
}

/// One private key: where it is and which public key it carries, never its material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// SHA-256 of the public key derived from it (`None` when it could not be derived).
    pub public_key_sha256: Option<String>,
    /// Fingerprint of the certificate of the same store it pairs with.
    pub paired_with: Option<String>,
    /// File in the set.
    pub set_file: Option<PathBuf>,
    /// File live.
    pub live_file: Option<PathBuf>,
}

/// The identity certificate, set vs live, and what the difference means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityChange {
    /// Whether the set and live identities are the same certificate.
    pub same: bool,
    /// The set's identity certificate.
    pub set: Option<CertInfo>,
    /// The live identity certificate.
    pub live: Option<CertInfo>,
    /// What it means for the agents, in one or two sentences.
    pub meaning: String,
}

/// The differences between the set's copy of a certificate store and the live one.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CertificatesDiff {
    /// The set's store (folder or file).
    pub set_path: PathBuf,
    /// The live store.
    pub live_path: PathBuf,
    /// Certificates only live (a restore removes them).
    pub only_live: Vec<CertInfo>,
    /// Certificates only in the set (a restore brings them back).
    pub only_set: Vec<CertInfo>,
    /// Certificates on both sides.
    pub both: Vec<CertInfo>,
    /// Keys only live.
    pub keys_only_live: Vec<KeyInfo>,
    /// Keys only in the set.
    pub keys_only_set: Vec<KeyInfo>,
    /// Keys on both sides.
    pub keys_both: Vec<KeyInfo>,
    /// The identity certificate, for identity stores.
    pub identity: Option<IdentityChange>,
    /// Files that are not certificates or keys we could read (path: reason).
    pub unparsed: Vec<String>,
    /// Files that may hold certificates or keys but could not be read (locked or unsupported
    /// PKCS#12, permission denied): the comparison is incomplete (path: reason).
    pub unreadable: Vec<String>,
}

impl CertificatesDiff {
    /// Whether the stores hold different certificates or keys.
    pub fn differs(&self) -> bool {
        !self.only_live.is_empty()
            || !self.only_set.is_empty()
            || !self.keys_only_live.is_empty()
            || !self.keys_only_set.is_empty()
            || self.identity.as_ref().is_some_and(|i| !i.same)
    }
}

/// What one side of a store holds.
#[derive(Default)]
struct Store {
    certs: Vec<(CertInfo, PathBuf)>,
    keys: Vec<(KeyInfo, PathBuf)>,
    unparsed: Vec<String>,
    unreadable: Vec<String>,
}

/// Compare the set's copy of a certificate store (`set_path`) with the live one; `password`
/// opens PKCS#12 files.
pub fn diff_certificates(
    store: &CertificateStore,
    set_path: &Path,
    live_path: &Path,
    now: DateTime<Utc>,
    password: Option<&str>,
) -> CertificatesDiff {
    let set = read_store(store.kind, set_path, password);
    let live = read_store(store.kind, live_path, password);
    let mut out = CertificatesDiff {
        set_path: set_path.to_path_buf(),
        live_path: live_path.to_path_buf(),
        ..CertificatesDiff::default()
    };
    out.unparsed.extend(set.unparsed.iter().cloned());
    out.unparsed.extend(live.unparsed.iter().cloned());
    out.unreadable.extend(set.unreadable.iter().cloned());
    out.unreadable.extend(live.unreadable.iter().cloned());

    let mut certs: BTreeMap<String, CertInfo> = BTreeMap::new();
    let mut sides: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for (is_set, side) in [(true, &set), (false, &live)] {
        for (c, file) in &side.certs {
            let e = certs
                .entry(c.fingerprint_sha256.clone())
                .or_insert_with(|| c.clone());
            let s = sides.entry(c.fingerprint_sha256.clone()).or_default();
            if is_set {
                e.set_file.get_or_insert(file.clone());
                s.0 = true;
            } else {
                e.live_file.get_or_insert(file.clone());
                s.1 = true;
            }
        }
    }
    for (fp, c) in certs {
        match sides.get(&fp) {
            Some((true, true)) => out.both.push(c),
            Some((true, false)) => out.only_set.push(c),
            _ => out.only_live.push(c),
        }
    }

    let pairs = |side: &Store, k: &KeyInfo| -> Option<String> {
        let pk = k.public_key_sha256.as_ref()?;
        side.certs
            .iter()
            .find(|(c, _)| &c.public_key_sha256 == pk)
            .map(|(c, _)| c.fingerprint_sha256.clone())
    };
    // Keys whose public key could not be derived are told apart by their file name.
    let key_id = |k: &KeyInfo, file: &Path| -> String {
        k.public_key_sha256.clone().unwrap_or_else(|| {
            format!(
                "file:{}",
                file.file_name().unwrap_or_default().to_string_lossy()
            )
        })
    };
    let mut keys: BTreeMap<String, (KeyInfo, bool, bool)> = BTreeMap::new();
    for (is_set, side) in [(true, &set), (false, &live)] {
        for (k, file) in &side.keys {
            let id = key_id(k, file);
            let paired = pairs(side, k);
            let e = keys.entry(id).or_insert_with(|| (k.clone(), false, false));
            if e.0.paired_with.is_none() {
                e.0.paired_with = paired;
            }
            if is_set {
                e.0.set_file.get_or_insert(file.clone());
                e.1 = true;
            } else {
                e.0.live_file.get_or_insert(file.clone());
                e.2 = true;
            }
        }
    }
    for (_, (k, in_set, in_live)) in keys {
        match (in_set, in_live) {
            (true, true) => out.keys_both.push(k),
            (true, false) => out.keys_only_set.push(k),
            _ => out.keys_only_live.push(k),
        }
    }

    if store.identity {
        let si = identity(&set);
        let li = identity(&live);
        let mut change = explain(si, li, now);
        // A side whose store could not be read has an unknown identity, not none.
        for (side, name) in [(&set, "set"), (&live, "live")] {
            if let Some(why) = side.unreadable.first() {
                change.same = false;
                change.meaning = format!(
                    "The {name} identity store could not be read ({why}), so its identity certificate is unknown and was not compared."
                );
            }
        }
        out.identity = Some(change);
    }
    out
}

/// The identity of a store: the first non-CA certificate whose private key is present,
/// else the first non-CA certificate, else the first certificate.
fn identity(side: &Store) -> Option<CertInfo> {
    let has_key = |c: &CertInfo| {
        side.keys
            .iter()
            .any(|(k, _)| k.public_key_sha256.as_deref() == Some(c.public_key_sha256.as_str()))
    };
    let certs: Vec<&CertInfo> = side.certs.iter().map(|(c, _)| c).collect();
    certs
        .iter()
        .find(|c| !c.is_ca && has_key(c))
        .or_else(|| certs.iter().find(|c| !c.is_ca))
        .or_else(|| certs.first())
        .map(|c| (*c).clone())
}

fn explain(set: Option<CertInfo>, live: Option<CertInfo>, now: DateTime<Utc>) -> IdentityChange {
    let name = |c: &CertInfo| c.common_name.clone().unwrap_or_else(|| c.subject.clone());
    let expired = |c: &CertInfo| c.not_after.is_some_and(|t| t < now);
    let (same, meaning) = match (&set, &live) {
        (Some(s), Some(l)) if s.fingerprint_sha256 == l.fingerprint_sha256 => (
            true,
            format!(
                "Same identity certificate ({}): agents trust the live server as they trusted the set.",
                name(s)
            ),
        ),
        (Some(s), Some(l)) => {
            let mut m = format!(
                "Agents trust the set's certificate ({}, {}); the live server presents a different one ({}, {}), so agents enrolled before will reject it until the set's certificate is restored.",
                name(s),
                short(&s.fingerprint_sha256),
                name(l),
                short(&l.fingerprint_sha256)
            );
            if expired(s) {
                m.push_str(" Note: the set's certificate has expired.");
            }
            (false, m)
        }
        (Some(s), None) => (
            false,
            format!(
                "The live server has no identity certificate; agents trust the set's ({}, {}): restore it.",
                name(s),
                short(&s.fingerprint_sha256)
            ),
        ),
        (None, Some(l)) => (
            false,
            format!(
                "The set has no identity certificate; restoring it would leave the server without the one agents now trust ({}).",
                name(l)
            ),
        ),
        (None, None) => (true, "Neither side has an identity certificate.".into()),
    };
    IdentityChange {
        same,
        set,
        live,
        meaning,
    }
}

/// The first 4 bytes of a fingerprint, enough to tell two apart in a sentence.
fn short(fp: &str) -> String {
    fp.split(':').take(4).collect::<Vec<_>>().join(":")
}

fn read_store(kind: CertStoreKind, path: &Path, password: Option<&str>) -> Store {
    let mut store = Store::default();
    match kind {
        CertStoreKind::Folder => {
            if !path.exists() {
                return store;
            }
            let walker = walkdir::WalkDir::new(path)
                .follow_links(false)
                .follow_root_links(false)
                .sort_by_file_name();
            for item in walker {
                match item {
                    Ok(i) if i.file_type().is_file() => {
                        let strict = parse::looks_like_cert_file(i.path());
                        read_file(i.path(), password, strict, &mut store);
                    }
                    Ok(i) if i.file_type().is_symlink() => store.unparsed.push(format!(
                        "{}: symbolic link, not followed",
                        i.path().display()
                    )),
                    Ok(_) => {}
                    Err(e) => {
                        let line = format!(
                            "{}: cannot read: {e}",
                            e.path()
                                .map(|p| p.display().to_string())
                                .unwrap_or_default()
                        );
                        store.unreadable.push(line.clone());
                        store.unparsed.push(line);
                    }
                }
            }
        }
        CertStoreKind::Bundle | CertStoreKind::IdentityFile => {
            if path.exists() {
                read_file(path, password, true, &mut store);
            }
        }
    }
    store
}

fn read_file(path: &Path, password: Option<&str>, strict: bool, store: &mut Store) {
    let objects = parse::read_file(path, password, strict);
    for p in &objects.problems {
        let (why, unreadable) = match p {
            parse::Problem::Unreadable(m) => (m.clone(), m.starts_with("cannot read")),
            parse::Problem::Locked(m) => (format!("could not read the PKCS#12 file: {m}"), true),
            parse::Problem::Unsupported(m) => (format!("could not read all of it: {m}"), true),
            parse::Problem::KeyUnsupported(m) => (m.clone(), false),
        };
        let line = format!("{}: {why}", path.display());
        if unreadable {
            store.unreadable.push(line.clone());
        }
        store.unparsed.push(line);
    }
    for der in &objects.certs {
        match cert_info(der) {
            Some(c) => store.certs.push((c, path.to_path_buf())),
            None => store
                .unparsed
                .push(format!("{}: malformed certificate", path.display())),
        }
    }
    for key in &objects.keys {
        let public = keys::identify(key).ok().map(|k| public_hash(&k.public));
        store.keys.push((
            KeyInfo {
                public_key_sha256: public,
                paired_with: None,
                set_file: None,
                live_file: None,
            },
            path.to_path_buf(),
        ));
    }
}

fn cert_info(der: &[u8]) -> Option<CertInfo> {
    let (c, public) = describe(der)?;
    Some(CertInfo {
        // A key type the inventory cannot identify pairs with nothing: name it by certificate.
        public_key_sha256: public
            .as_ref()
            .map(public_hash)
            .unwrap_or_else(|| format!("unidentified-key-of-{}", c.fingerprint_sha256)),
        fingerprint_sha256: c.fingerprint_sha256,
        subject: c.subject,
        common_name: c.common_name,
        issuer: c.issuer,
        sans: c.sans,
        not_before: c.not_before,
        not_after: c.not_after,
        is_ca: c.is_ca,
        set_file: None,
        live_file: None,
    })
}

/// SHA-256 over the canonical public key, so a certificate and its private key hash alike.
fn public_hash(id: &PublicId) -> String {
    let mut h = Sha256::new();
    match id {
        PublicId::Rsa { n, e } => {
            h.update(b"rsa");
            h.update((n.len() as u32).to_be_bytes());
            h.update(n);
            h.update(e);
        }
        PublicId::Ec(p) => {
            h.update(b"ec");
            h.update(p);
        }
        PublicId::Ed25519(p) => {
            h.update(b"ed25519");
            h.update(p);
        }
        PublicId::Dsa(y) => {
            h.update(b"dsa");
            h.update(y);
        }
        PublicId::Raw(kind, p) => {
            h.update(kind.as_bytes());
            h.update(p);
        }
    }
    hex(&h.finalize())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
