//! Chain verification: each certificate against an issuer present beside it, with the
//! issuer's signature actually verified (x509-parser with ring), not just names compared.

use crate::inventory::ChainStatus;
use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;

/// Chain status of `cert` given the certificates that may have issued it (searched in order), with a reason
/// when the chain is broken or cannot be judged.
pub fn verify(
    cert: &X509Certificate<'_>,
    pool: &[&[X509Certificate<'_>]],
) -> (ChainStatus, String) {
    let issuer = cert.issuer();
    if cert.subject().as_raw() == issuer.as_raw() {
        return match cert.verify_signature(None) {
            Ok(()) => (ChainStatus::SelfSigned, String::new()),
            Err(X509Error::SignatureUnsupportedAlgorithm) => (
                ChainStatus::Unknown,
                "its signature algorithm cannot be verified".into(),
            ),
            // Self-issued but signed by another key (a re-keyed CA): look for that key.
            Err(_) => from_pool(cert, pool, true),
        };
    }
    from_pool(cert, pool, false)
}

fn from_pool(
    cert: &X509Certificate<'_>,
    pool: &[&[X509Certificate<'_>]],
    self_issued: bool,
) -> (ChainStatus, String) {
    let issuer = cert.issuer();
    let mut candidates = 0;
    let mut unsupported = false;
    for candidate in pool.iter().flat_map(|p| p.iter()) {
        if candidate.subject().as_raw() != issuer.as_raw() {
            continue;
        }
        // The certificate itself is not its own issuer unless its self-signature verified.
        if candidate.as_raw() == cert.as_raw() {
            continue;
        }
        candidates += 1;
        match cert.verify_signature(Some(candidate.public_key())) {
            Ok(()) => return (ChainStatus::Verified, String::new()),
            Err(X509Error::SignatureUnsupportedAlgorithm) => unsupported = true,
            Err(_) => {}
        }
    }
    if unsupported {
        return (
            ChainStatus::Unknown,
            "its signature algorithm cannot be verified".into(),
        );
    }
    if self_issued && candidates == 0 {
        return (
            ChainStatus::Broken,
            "its self-signature does not verify".into(),
        );
    }
    if candidates == 0 {
        (
            ChainStatus::Broken,
            format!("its issuer '{issuer}' is in no store nor the system's trusted roots"),
        )
    } else {
        (
            ChainStatus::Broken,
            format!("the signature does not verify against the issuer '{issuer}' present"),
        )
    }
}
