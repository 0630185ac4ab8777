//! RSA signature checks that ring refuses but OpenSSL performs: PKCS#1 v1.5 with keys under
//! 2048 bits (RSA-1024) and RSASSA-PSS with any salt length (OpenSSL signs with the maximum).
//! Public-key operations only: nothing secret is handled here.

use super::ber::{self, TAG_INTEGER, TAG_SEQUENCE};
use super::keys::rsa_public_key;
use num_bigint::BigUint;
use ring::digest::{Algorithm, SHA1_FOR_LEGACY_USE_ONLY, SHA256, SHA384, SHA512};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::SubjectPublicKeyInfo;

const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_MGF1: &str = "1.2.840.113549.1.1.8";

/// `Some(verified)` for an RSA signature this module checks, `None` for any other.
pub fn verify(cert: &X509Certificate<'_>, key: &SubjectPublicKeyInfo<'_>) -> Option<bool> {
    let (n, e) = rsa_public_key(&key.subject_public_key.data)?;
    let n = BigUint::from_bytes_be(&n);
    let e = BigUint::from_bytes_be(&e);
    let bits = n.bits();
    if !(512..=16_384).contains(&bits) {
        return None;
    }
    let tbs = cert.tbs_certificate.as_ref();
    let sig = cert.signature_value.data.as_ref();
    let alg = cert.signature_algorithm.algorithm.to_id_string();
    if alg == OID_RSASSA_PSS {
        let params = cert.signature_algorithm.parameters.as_ref().map(|p| p.data);
        let (hash, mgf_hash, salt_len) = pss_params(params)?;
        let em = open_signature(sig, &n, &e, bits, true)?;
        return Some(
            em.is_some_and(|em| emsa_pss_verify(tbs, &em, bits - 1, hash, mgf_hash, salt_len)),
        );
    }
    // PKCS#1 v1.5 is left to ring for the sizes ring accepts.
    if bits >= 2048 {
        return None;
    }
    let (prefix, hash) = pkcs1_digest_info(&alg)?;
    let em = open_signature(sig, &n, &e, bits, false)?;
    let Some(em) = em else {
        return Some(false);
    };
    // EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || DigestInfo.
    let digest = ring::digest::digest(hash, tbs);
    let t_len = prefix.len() + digest.as_ref().len();
    let k = em.len();
    if k < t_len + 11 {
        return Some(false);
    }
    let mut expected = vec![0x00, 0x01];
    expected.extend(std::iter::repeat_n(0xff, k - t_len - 3));
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(digest.as_ref());
    Some(em == expected)
}

/// `s^e mod n` as the encoded message: `k` bytes for PKCS#1 v1.5, `ceil((bits-1)/8)` for PSS.
/// `Some(None)` when the signature has the wrong size or value.
fn open_signature(
    sig: &[u8],
    n: &BigUint,
    e: &BigUint,
    bits: u64,
    pss: bool,
) -> Option<Option<Vec<u8>>> {
    let k = bits.div_ceil(8) as usize;
    if sig.len() != k {
        return Some(None);
    }
    let s = BigUint::from_bytes_be(sig);
    if &s >= n {
        return Some(None);
    }
    let m = s.modpow(e, n).to_bytes_be();
    let em_len = if pss {
        (bits - 1).div_ceil(8) as usize
    } else {
        k
    };
    if m.len() > em_len {
        return Some(None);
    }
    let mut em = vec![0u8; em_len - m.len()];
    em.extend_from_slice(&m);
    Some(Some(em))
}

/// DigestInfo prefixes of RFC 8017 §9.2, note 1.
fn pkcs1_digest_info(alg: &str) -> Option<(&'static [u8], &'static Algorithm)> {
    const SHA1: &[u8] = &[
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
    ];
    const SHA256_P: &[u8] = &[
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    const SHA384_P: &[u8] = &[
        0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
        0x05, 0x00, 0x04, 0x30,
    ];
    const SHA512_P: &[u8] = &[
        0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
        0x05, 0x00, 0x04, 0x40,
    ];
    match alg {
        "1.2.840.113549.1.1.5" => Some((SHA1, &SHA1_FOR_LEGACY_USE_ONLY)),
        "1.2.840.113549.1.1.11" => Some((SHA256_P, &SHA256)),
        "1.2.840.113549.1.1.12" => Some((SHA384_P, &SHA384)),
        "1.2.840.113549.1.1.13" => Some((SHA512_P, &SHA512)),
        _ => None,
    }
}

fn hash_by_oid(oid: &str) -> Option<&'static Algorithm> {
    match oid {
        "1.3.14.3.2.26" => Some(&SHA1_FOR_LEGACY_USE_ONLY),
        "2.16.840.1.101.3.4.2.1" => Some(&SHA256),
        "2.16.840.1.101.3.4.2.2" => Some(&SHA384),
        "2.16.840.1.101.3.4.2.3" => Some(&SHA512),
        _ => None,
    }
}

/// `RSASSA-PSS-params` (RFC 4055) from the content of its SEQUENCE: hash, MGF1 hash and salt
/// length, with the defaults SHA-1, MGF1-SHA-1 and 20.
fn pss_params(content: Option<&[u8]>) -> Option<(&'static Algorithm, &'static Algorithm, usize)> {
    let mut hash = &SHA1_FOR_LEGACY_USE_ONLY;
    let mut mgf_hash = &SHA1_FOR_LEGACY_USE_ONLY;
    let mut salt_len = 20usize;
    let first_oid = |t: &ber::Tlv<'_>| -> Option<String> {
        let alg = t.children().ok()?.into_iter().next()?;
        if !alg.is(TAG_SEQUENCE) {
            return None;
        }
        alg.children().ok()?.first()?.oid().ok()
    };
    for field in ber::elements(content.unwrap_or_default()).ok()? {
        match (field.class, field.tag) {
            (ber::CONTEXT, 0) => hash = hash_by_oid(&first_oid(&field)?)?,
            (ber::CONTEXT, 1) => {
                let alg = field.children().ok()?.into_iter().next()?;
                let items = alg.children().ok()?;
                if items.first()?.oid().ok()? != OID_MGF1 {
                    return None;
                }
                let inner = items.get(1)?.children().ok()?;
                mgf_hash = hash_by_oid(&inner.first()?.oid().ok()?)?;
            }
            (ber::CONTEXT, 2) => {
                let n = field.children().ok()?.into_iter().next()?;
                if !n.is(TAG_INTEGER) {
                    return None;
                }
                salt_len = usize::try_from(n.u64().ok()?).ok()?;
            }
            (ber::CONTEXT, 3) => {
                let t = field.children().ok()?.into_iter().next()?;
                if t.u64().ok()? != 1 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some((hash, mgf_hash, salt_len))
}

fn mgf1(hash: &'static Algorithm, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut ctx = ring::digest::Context::new(hash);
        ctx.update(seed);
        ctx.update(&counter.to_be_bytes());
        out.extend_from_slice(ctx.finish().as_ref());
        counter += 1;
    }
    out.truncate(len);
    out
}

/// EMSA-PSS-VERIFY (RFC 8017 §9.1.2).
fn emsa_pss_verify(
    message: &[u8],
    em: &[u8],
    em_bits: u64,
    hash: &'static Algorithm,
    mgf_hash: &'static Algorithm,
    salt_len: usize,
) -> bool {
    let m_hash = ring::digest::digest(hash, message);
    let h_len = m_hash.as_ref().len();
    let em_len = em.len();
    // A hostile salt length must not overflow the sum.
    if salt_len > em_len || em_len < h_len + salt_len + 2 || em.last() != Some(&0xbc) {
        return false;
    }
    let (masked_db, rest) = em.split_at(em_len - h_len - 1);
    let h = &rest[..h_len];
    let zero_bits = (8 * em_len as u64 - em_bits) as u32;
    let top_mask = if zero_bits >= 8 {
        0
    } else {
        0xffu8 >> zero_bits
    };
    if masked_db[0] & !top_mask != 0 {
        return false;
    }
    let mut db: Vec<u8> = masked_db
        .iter()
        .zip(mgf1(mgf_hash, h, masked_db.len()))
        .map(|(a, b)| a ^ b)
        .collect();
    db[0] &= top_mask;
    let ps_len = em_len - h_len - salt_len - 2;
    if db[..ps_len].iter().any(|&b| b != 0) || db[ps_len] != 0x01 {
        return false;
    }
    let salt = &db[ps_len + 1..];
    let mut ctx = ring::digest::Context::new(hash);
    ctx.update(&[0u8; 8]);
    ctx.update(m_hash.as_ref());
    ctx.update(salt);
    ctx.finish().as_ref() == h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_pss_parameters_are_refused_without_panicking() {
        let em = [0xbcu8; 64];
        for salt in [0, 20, 61, 62, 64, usize::MAX] {
            assert!(!emsa_pss_verify(b"m", &em, 511, &SHA256, &SHA256, salt));
        }
        // Salt length 2^63, an unknown hash, an unknown mask function: not PSS we check.
        let huge_salt = [
            0xa2, 0x0a, 0x02, 0x08, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ];
        assert!(pss_params(Some(&huge_salt)).is_some_and(|(_, _, s)| s > 1 << 40));
        assert!(pss_params(Some(&[0xa0, 0x04, 0x30, 0x02, 0x06, 0x00])).is_none());
        assert!(pss_params(Some(&[0xa5, 0x00])).is_none());
        assert!(pss_params(Some(&[0xff])).is_none());
    }
}
