//! Chain verification: each certificate against an issuer present beside it (names compared as
//! RFC 5280 asks), with the issuer's signature actually verified, not just names compared.

use super::names::same_name;
use super::rsa_verify;
use crate::inventory::ChainStatus;
use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;
use x509_parser::prelude::SubjectPublicKeyInfo;

/// Verify `cert`'s signature with `key` (its own when `None`): x509-parser with ring first,
/// then, where ring refuses what OpenSSL accepts (RSA under 2048 bits, RSA-PSS with another
/// salt length), the RSA check of [`rsa_verify`].
fn verify_signature(
    cert: &X509Certificate<'_>,
    key: Option<&SubjectPublicKeyInfo<'_>>,
) -> Result<(), X509Error> {
    match cert.verify_signature(key) {
        Ok(()) => Ok(()),
        Err(
            e @ (X509Error::SignatureVerificationError | X509Error::SignatureUnsupportedAlgorithm),
        ) => match rsa_verify::verify(cert, key.unwrap_or(cert.public_key())) {
            Some(true) => Ok(()),
            Some(false) => Err(X509Error::SignatureVerificationError),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// Chain status of `cert` given the certificates that may have issued it (searched in order), with a reason
/// when the chain is broken or cannot be judged.
pub fn verify(
    cert: &X509Certificate<'_>,
    pool: &[&[X509Certificate<'_>]],
) -> (ChainStatus, String) {
    let issuer = cert.issuer();
    if same_name(cert.subject(), issuer) {
        return match verify_signature(cert, None) {
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
        if !same_name(candidate.subject(), issuer) {
            continue;
        }
        // The certificate itself is not its own issuer unless its self-signature verified.
        if candidate.as_raw() == cert.as_raw() {
            continue;
        }
        candidates += 1;
        match verify_signature(cert, Some(candidate.public_key())) {
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
