//! Pairing private keys with certificates by public key, and chain verification, within one
//! source (live, or one backup set).

use super::SourceScan;
use super::chain;
use crate::inventory::ChainStatus;
use x509_parser::certificate::X509Certificate;

/// Pair keys with certificates (same store first, then any store of the source) and verify
/// every certificate's chain against the certificates of the same source, then `anchors`
/// (the system's trusted roots, which bundles usually leave out).
pub(super) fn finish_source(scan: &mut SourceScan, anchors: &[X509Certificate<'_>]) {
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
            Ok((_, x)) => chain::verify(&x, &[&parsed, anchors]),
            Err(_) => (ChainStatus::Unknown, String::new()),
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
