//! Pairing private keys with certificates by public key, and chain verification, within one
//! source (live, or one backup set).

use super::SourceScan;
use super::chain;
use crate::inventory::ChainStatus;
use x509_parser::certificate::X509Certificate;

/// Pair keys with certificates (same store first, then any store of the source) and verify
/// every certificate's chain against the certificates of the same source.
pub(super) fn finish_source(scan: &mut SourceScan) {
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
