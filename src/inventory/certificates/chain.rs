//! Chain verification: each certificate against an issuer present beside it (names compared as
//! RFC 5280 asks), with the issuer's signature actually verified (x509-parser with ring, and
//! RSA PKCS#1 v1.5 below ring's 2048-bit minimum checked here, as OpenSSL does), not just
//! names compared.

use super::names::same_name;
use crate::inventory::ChainStatus;
use num_bigint::BigUint;
use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;
use x509_parser::prelude::SubjectPublicKeyInfo;
use x509_parser::public_key::PublicKey;

/// Verify `cert`'s signature with `key` (its own when `None`).
fn verify_signature(
    cert: &X509Certificate<'_>,
    key: Option<&SubjectPublicKeyInfo<'_>>,
) -> Result<(), X509Error> {
    match cert.verify_signature(key) {
        Ok(()) => Ok(()),
        Err(X509Error::SignatureVerificationError) => {
            small_rsa_verify(cert, key.unwrap_or(cert.public_key()))
                .ok_or(X509Error::SignatureVerificationError)
                .and_then(|ok| {
                    if ok {
                        Ok(())
                    } else {
                        Err(X509Error::SignatureVerificationError)
                    }
                })
        }
        Err(e) => Err(e),
    }
}

/// RSA PKCS#1 v1.5 for keys ring refuses as too small (under 2048 bits): `Some(verified)`, or
/// `None` when this is not such a signature.
fn small_rsa_verify(cert: &X509Certificate<'_>, key: &SubjectPublicKeyInfo<'_>) -> Option<bool> {
    let Ok(PublicKey::RSA(rsa)) = key.parsed() else {
        return None;
    };
    let n = BigUint::from_bytes_be(rsa.modulus);
    let e = BigUint::from_bytes_be(rsa.exponent);
    let bits = n.bits();
    if !(512..2048).contains(&bits) {
        return None;
    }
    let tbs = cert.tbs_certificate.as_ref();
    let alg = cert.signature_algorithm.algorithm.to_id_string();
    // DigestInfo prefixes of RFC 8017 §9.2, note 1.
    let (prefix, digest): (&[u8], Vec<u8>) = match alg.as_str() {
        "1.2.840.113549.1.1.5" => (
            &[
                0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
                0x14,
            ],
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, tbs)
                .as_ref()
                .to_vec(),
        ),
        "1.2.840.113549.1.1.11" => (
            &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            ring::digest::digest(&ring::digest::SHA256, tbs)
                .as_ref()
                .to_vec(),
        ),
        "1.2.840.113549.1.1.12" => (
            &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            ring::digest::digest(&ring::digest::SHA384, tbs)
                .as_ref()
                .to_vec(),
        ),
        "1.2.840.113549.1.1.13" => (
            &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
            ring::digest::digest(&ring::digest::SHA512, tbs)
                .as_ref()
                .to_vec(),
        ),
        _ => return None,
    };
    let k = bits.div_ceil(8) as usize;
    let sig = cert.signature_value.data.as_ref();
    if sig.len() != k {
        return Some(false);
    }
    let s = BigUint::from_bytes_be(sig);
    if s >= n {
        return Some(false);
    }
    let m = s.modpow(&e, &n).to_bytes_be();
    // EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || DigestInfo; `m` lacks the 0x00.
    let t_len = prefix.len() + digest.len();
    if k < t_len + 11 {
        return Some(false);
    }
    let mut expected = vec![0x01];
    expected.extend(std::iter::repeat_n(0xff, k - t_len - 3));
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(&digest);
    Some(m == expected)
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
