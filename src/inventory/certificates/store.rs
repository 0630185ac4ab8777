//! Reading one certificate store (a folder, a bundle or an identity file) into certificates and
//! private keys with their public identities, through the root-confined layer: links are
//! never followed (one leading out of the store is reported).

use super::keys::{self, PublicId};
use super::parse::{self, Problem};
use super::{CertEntry, KeyEntry, SourceScan};
use crate::fs::{Confined, Kind};
use crate::inventory::{Certificate, PrivateKey, Source};
use crate::profile::CertificateStore;
use chrono::DateTime;
use std::path::{Path, PathBuf};
use x509_parser::extensions::GeneralName;

pub(super) fn read_store(
    store: &CertificateStore,
    path: &Confined,
    source: &Source,
    password: Option<&str>,
    out: &mut SourceScan,
) {
    let display = path.path();
    // Whatever is looked at, present or not, decides the result (see `SetCache`).
    out.files.push(display.clone());
    let unreadable = |out: &mut SourceScan, at: PathBuf, e: &dyn std::fmt::Display| {
        out.problems.push((
            store.name.clone(),
            at,
            Problem::Unreadable(format!("cannot read: {e}")),
        ))
    };
    let meta = match path.stat() {
        Ok(Some(m)) => m,
        Ok(None) => return,
        Err(e) => {
            out.present.insert(store.name.clone());
            unreadable(out, display, &e);
            return;
        }
    };
    out.present.insert(store.name.clone());
    match meta.kind {
        // The store itself (folder or identity file) is a link: never followed.
        Kind::Link => {
            out.unsafe_links.push((store.name.clone(), display));
            return;
        }
        Kind::File => {
            read_one(store, path, source, password, true, out);
            return;
        }
        Kind::Dir => {}
        Kind::Other => return,
    }
    let root = match path.open_dir() {
        Ok(r) => r,
        Err(e) => {
            unreadable(out, display, &e);
            return;
        }
    };
    for entry in root.walk().max_depth(4) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                unreadable(out, display.clone(), &e);
                continue;
            }
        };
        let Ok(file) = path.join(&entry.rel) else {
            continue;
        };
        out.files.push(file.path());
        match entry.meta.kind {
            // Links are never followed; the files they name inside the store are read where
            // they are. One that leads out of the store is reported.
            Kind::Link => {
                let target = entry.target.as_deref().map(Path::new);
                if target.is_none_or(|t| crate::fs::link_leaves(&entry.rel, t)) {
                    out.unsafe_links.push((store.name.clone(), file.path()));
                }
            }
            Kind::File => {
                let strict = parse::looks_like_cert_file(&entry.rel);
                read_one(store, &file, source, password, strict, out);
            }
            Kind::Dir | Kind::Other => {}
        }
    }
}

fn read_one(
    store: &CertificateStore,
    file: &Confined,
    source: &Source,
    password: Option<&str>,
    strict: bool,
    out: &mut SourceScan,
) {
    let (objects, mode) = parse::read_confined(file, password, strict);
    let file = &file.path();
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
