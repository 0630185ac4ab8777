//! Reading one certificate store (a folder, a bundle or an identity file) into certificates and
//! private keys with their public identities; links are followed only inside the store.

use super::keys::{self, PublicId};
use super::parse::{self, Problem};
use super::{CertEntry, KeyEntry, SourceScan};
use crate::inventory::{Certificate, PrivateKey, Source};
use crate::profile::CertificateStore;
use chrono::DateTime;
use std::path::Path;
use x509_parser::extensions::GeneralName;

pub(super) fn read_store(
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
            Err(keys::KeyError::Unsupported(msg)) => out.problems.push((
                store.name.clone(),
                file.to_path_buf(),
                Problem::KeyUnsupported(format!("private key {} is {msg}", index + 1)),
            )),
            Err(keys::KeyError::Damaged(msg)) => out.problems.push((
                store.name.clone(),
                file.to_path_buf(),
                Problem::Unreadable(format!("private key {}: {msg}", index + 1)),
            )),
        }
    }
}

/// The public model of a DER certificate and its canonical public key.
pub fn describe(der: &[u8]) -> Option<(Certificate, Option<PublicId>)> {
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
pub(super) fn fingerprint(der: &[u8]) -> String {
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
