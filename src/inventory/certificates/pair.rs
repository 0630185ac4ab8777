//! Pairing private keys with certificates by public key, and chain verification, within one
//! source (live, or one backup set).

use super::SourceScan;
use super::chain;
use crate::inventory::ChainStatus;
use std::collections::HashMap;
use x509_parser::certificate::X509Certificate;
use xxhash_rust::xxh3::Xxh3;

/// Pair keys with certificates (same store first, then any store of the source) and verify
/// every certificate's chain against the certificates of the same source, then `anchors`
/// (the system's trusted roots, which bundles usually leave out).
/// Chain verdicts already reached in this scan, by pool and certificate: a history of
/// thousands of backup sets holding the same certificates verifies each signature once.
#[derive(Default)]
pub(super) struct ChainMemo(std::sync::Mutex<HashMap<(u128, u128), (ChainStatus, String)>>);

impl ChainMemo {
    fn get(&self, key: (u128, u128)) -> Option<(ChainStatus, String)> {
        self.0.lock().ok()?.get(&key).cloned()
    }

    fn put(&self, key: (u128, u128), status: (ChainStatus, String)) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, status);
        }
    }
}

pub(super) fn finish_source(
    scan: &mut SourceScan,
    anchors: &[X509Certificate<'_>],
    memo: &ChainMemo,
) {
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
    // What the source's certificates are, as one value: a chain's verdict depends on the
    // certificate and the pool it is judged against (the anchors are the same all run long).
    let mut pool = Xxh3::new();
    for c in &scan.certs {
        pool.update(&(c.der.len() as u64).to_le_bytes());
        pool.update(&c.der);
    }
    let pool = pool.digest128();
    let statuses: Vec<(ChainStatus, String)> = scan
        .certs
        .iter()
        .map(|c| {
            let key = (pool, xxhash_rust::xxh3::xxh3_128(&c.der));
            if let Some(known) = memo.get(key) {
                return known;
            }
            let status = match x509_parser::parse_x509_certificate(&c.der) {
                Ok((_, x)) => chain::verify(&x, &[&parsed, anchors]),
                Err(_) => (ChainStatus::Unknown, String::new()),
            };
            memo.put(key, status.clone());
            status
        })
        .collect();
    for (cert, (status, _)) in scan.certs.iter_mut().zip(&statuses) {
        cert.cert.chain = *status;
    }
    // Keep the reasons for the findings of live certificates.
    scan.chain_reasons = statuses.into_iter().map(|(_, r)| r).collect();
}

/// Files where systems keep their trusted root certificates (root-relative).
const TRUST_STORES: &[&str] = &[
    "etc/ssl/cert.pem",
    "etc/ssl/certs/ca-certificates.crt",
    "etc/pki/tls/certs/ca-bundle.crt",
];

/// The trusted roots of the inspected system (under `root`) and of this machine, as DER
/// (parse once with [`parse_all`]).
pub(super) fn system_anchors(root: &std::path::Path) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut bases = vec![root.to_path_buf()];
    if root != std::path::Path::new("/") {
        bases.push("/".into());
    }
    for base in bases {
        for rel in TRUST_STORES {
            let objects = super::parse::read_file(&base.join(rel), None, false);
            for der in objects.certs {
                if !out.contains(&der) {
                    out.push(der);
                }
            }
        }
    }
    out
}

/// Parse DER certificates, skipping any that do not parse.
pub(super) fn parse_all(ders: &[Vec<u8>]) -> Vec<X509Certificate<'_>> {
    ders.iter()
        .filter_map(|der| {
            x509_parser::parse_x509_certificate(der)
                .ok()
                .map(|(_, x)| x)
        })
        .collect()
}
