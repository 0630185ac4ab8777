//! Private keys: which public key each one belongs to, so keys pair with certificates by
//! public key and never by file name. Key material stays inside this module and is dropped
//! as soon as the public half is known; nothing here formats or logs it.

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair,
    EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair, RsaKeyPair,
};
use x509_parser::der_parser::ber::{BerObject, BerObjectContent};
use x509_parser::der_parser::der::parse_der;
use x509_parser::der_parser::oid::Oid;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    OID_SIG_ED25519,
};
use x509_parser::prelude::SubjectPublicKeyInfo;
use x509_parser::public_key::PublicKey;

/// The encodings a private key is found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// PKCS#8 `PrivateKeyInfo` (`PRIVATE KEY`).
    Pkcs8,
    /// PKCS#1 `RSAPrivateKey` (`RSA PRIVATE KEY`).
    Pkcs1,
    /// SEC1 `ECPrivateKey` (`EC PRIVATE KEY`).
    Sec1,
    /// OpenSSL's traditional `DSAPrivateKey` (`DSA PRIVATE KEY`).
    Dsa,
}

/// Private-key bytes; `Debug` never shows them.
pub struct KeyMaterial {
    /// The encoding.
    pub format: KeyFormat,
    der: Vec<u8>,
}

impl KeyMaterial {
    /// Wrap DER bytes of a private key.
    pub fn new(format: KeyFormat, der: Vec<u8>) -> Self {
        KeyMaterial { format, der }
    }
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyMaterial({:?}, <redacted>)", self.format)
    }
}

impl Drop for KeyMaterial {
    fn drop(&mut self) {
        // Best effort: do not leave key bytes in freed memory.
        self.der.iter_mut().for_each(|b| *b = 0);
    }
}

/// A public key in a canonical form, comparable between certificates and private keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PublicId {
    /// RSA modulus and exponent, without leading zero bytes.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An EC point (uncompressed SEC1 encoding).
    Ec(Vec<u8>),
    /// An Ed25519 public key.
    Ed25519(Vec<u8>),
    /// A DSA public value `y`, without leading zero bytes.
    Dsa(Vec<u8>),
    /// Another key type (Ed448, X25519, X448) by name and raw public key.
    Raw(String, Vec<u8>),
}

/// Why a private key cannot be paired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// A key drconsole cannot use to pair (type or encoding named); it is not missing.
    Unsupported(String),
    /// Damaged bytes.
    Damaged(String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::Unsupported(m) | KeyError::Damaged(m) => f.write_str(m),
        }
    }
}

impl From<String> for KeyError {
    fn from(m: String) -> Self {
        KeyError::Damaged(m)
    }
}

impl From<&str> for KeyError {
    fn from(m: &str) -> Self {
        KeyError::Damaged(m.to_string())
    }
}

const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_DSA: &str = "1.2.840.10040.4.1";
const OID_ED448: &str = "1.3.101.113";
const OID_X25519: &str = "1.3.101.110";
const OID_X448: &str = "1.3.101.111";
const OID_P521: &str = "1.3.132.0.35";

/// Names and OpenSSL bit sizes of the key types known by OID alone.
fn raw_key_type(oid: &str) -> Option<(&'static str, u32)> {
    match oid {
        OID_ED448 => Some(("Ed448", 456)),
        OID_X25519 => Some(("X25519", 253)),
        OID_X448 => Some(("X448", 448)),
        _ => None,
    }
}

/// What a private key is and which public key it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA`, `EC` or `Ed25519`.
    pub key_type: String,
    /// Size in bits.
    pub bits: Option<u32>,
    /// The matching public key.
    pub public: PublicId,
}

/// Key type, size and canonical public key of a certificate's SubjectPublicKeyInfo.
pub fn spki_identity(spki: &SubjectPublicKeyInfo<'_>) -> (String, Option<u32>, Option<PublicId>) {
    let alg = &spki.algorithm.algorithm;
    let alg_id = alg.to_id_string();
    if *alg == OID_SIG_ED25519 {
        let raw = spki.subject_public_key.data.to_vec();
        return ("Ed25519".into(), Some(256), Some(PublicId::Ed25519(raw)));
    }
    if let Some((name, bits)) = raw_key_type(&alg_id) {
        let raw = spki.subject_public_key.data.to_vec();
        return (
            name.into(),
            Some(bits),
            Some(PublicId::Raw(name.into(), raw)),
        );
    }
    if alg_id == OID_RSA_PSS {
        // RSA-PSS keys carry an ordinary RSAPublicKey under their own OID.
        return match rsa_public_key(&spki.subject_public_key.data) {
            Some((n, e)) => (
                "RSA-PSS".into(),
                Some(bit_len(&n)),
                Some(PublicId::Rsa { n, e }),
            ),
            None => ("RSA-PSS".into(), None, None),
        };
    }
    if alg_id == OID_KEY_TYPE_EC_PUBLIC_KEY.to_id_string()
        && spki
            .algorithm
            .parameters
            .as_ref()
            .is_some_and(|p| p.as_oid().is_err())
    {
        return ("EC (explicit curve parameters)".into(), None, None);
    }
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let n = strip_zeros(rsa.modulus);
            let bits = bit_len(n);
            (
                "RSA".into(),
                Some(bits),
                Some(PublicId::Rsa {
                    n: n.to_vec(),
                    e: strip_zeros(rsa.exponent).to_vec(),
                }),
            )
        }
        Ok(PublicKey::EC(point)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            // The curve's size, not the point's byte count (P-521 points are 528 bits long).
            let bits = curve.as_ref().and_then(curve_bits);
            ("EC".into(), bits, Some(PublicId::Ec(point.data().to_vec())))
        }
        Ok(PublicKey::DSA(y)) => {
            // The parameters' content is `p, q, g`: the first INTEGER is `p`.
            let bits = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| parse_der(p.data).ok().map(|(_, o)| o))
                .and_then(|p| p.as_slice().ok().map(|b| bit_len(strip_zeros(b))));
            // `y` is given as the INTEGER's content (or, by some versions, the whole INTEGER).
            let y = match parse_der(y) {
                Ok((rest, o)) if rest.is_empty() && is_int(&o) => {
                    o.as_slice().ok().map(|b| strip_zeros(b).to_vec())
                }
                _ => Some(strip_zeros(y).to_vec()),
            };
            ("DSA".into(), bits, y.map(PublicId::Dsa))
        }
        _ => (key_type_name(&alg_id), None, None),
    }
}

/// `RSAPublicKey ::= SEQUENCE { n, e }`, without leading zeros.
pub(super) fn rsa_public_key(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, obj) = parse_der(der).ok()?;
    let items = seq(&obj)?;
    let n = items.first()?.as_slice().ok()?;
    let e = items.get(1)?.as_slice().ok()?;
    Some((strip_zeros(n).to_vec(), strip_zeros(e).to_vec()))
}

/// The public identity of a private key, validating the key where `ring` can.
pub fn identify(key: &KeyMaterial) -> Result<KeyInfo, KeyError> {
    match key.format {
        KeyFormat::Pkcs8 => pkcs8(&key.der),
        KeyFormat::Pkcs1 => pkcs1(&key.der),
        KeyFormat::Sec1 => sec1(&key.der, None),
        KeyFormat::Dsa => dsa_traditional(&key.der),
    }
}

/// Guess the encoding of a DER private key, trying PKCS#8, PKCS#1 then SEC1.
pub fn sniff(der: &[u8]) -> Option<KeyFormat> {
    let (_, obj) = parse_der(der).ok()?;
    let items = seq(&obj)?;
    match items {
        [v, alg, key, ..] if int_is(v, &[0, 1]) && seq(alg).is_some() && key.as_slice().is_ok() => {
            Some(KeyFormat::Pkcs8)
        }
        [v, n, e, ..] if int_is(v, &[0, 1]) && items.len() >= 9 && is_int(n) && is_int(e) => {
            Some(KeyFormat::Pkcs1)
        }
        [v, d, ..] if int_is(v, &[1]) && matches!(d.content, BerObjectContent::OctetString(_)) => {
            Some(KeyFormat::Sec1)
        }
        _ => None,
    }
}

fn pkcs8(der: &[u8]) -> Result<KeyInfo, KeyError> {
    let (_, obj) = parse_der(der).map_err(|_| "not a DER private key".to_string())?;
    let items = seq(&obj).ok_or("not a PKCS#8 private key")?;
    let (alg, inner) = match items {
        [_, alg, key, ..] => (alg, key),
        _ => return Err("not a PKCS#8 private key".into()),
    };
    let alg_items = seq(alg).ok_or("PKCS#8 key without an algorithm")?;
    let oid = alg_items
        .first()
        .and_then(|o| o.as_oid().ok())
        .ok_or("PKCS#8 key without an algorithm")?;
    let oid_id = oid.to_id_string();
    let inner = inner
        .as_slice()
        .map_err(|_| "PKCS#8 key without key data")?;
    if *oid == OID_PKCS1_RSAENCRYPTION {
        let info = rsa_public(inner)?;
        validate_rsa(RsaKeyPair::from_pkcs8(der))?;
        Ok(info)
    } else if oid_id == OID_RSA_PSS {
        let mut info = rsa_public(inner)?;
        validate_rsa(RsaKeyPair::from_der(inner))?;
        info.key_type = "RSA-PSS".into();
        Ok(info)
    } else if *oid == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let params = alg_items.get(1);
        if params.is_some_and(|p| seq(p).is_some()) {
            return Err(explicit_curve());
        }
        let curve = params.and_then(|p| p.as_oid().ok()).cloned();
        sec1(inner, curve.as_ref())
    } else if *oid == OID_SIG_ED25519 {
        let kp = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|e| format!("damaged Ed25519 key ({e})"))?;
        Ok(KeyInfo {
            key_type: "Ed25519".into(),
            bits: Some(256),
            public: PublicId::Ed25519(kp.public_key().as_ref().to_vec()),
        })
    } else if oid_id == OID_DSA {
        let params = alg_items.get(1).ok_or("DSA key without its parameters")?;
        let (_, x) = parse_der(inner).map_err(|_| "damaged DSA key")?;
        dsa_info(params, None, &x)
    } else if let Some((name, bits)) = raw_key_type(&oid_id) {
        // OneAsymmetricKey (PKCS#8 v2) may carry the public key as [1].
        let public = items.iter().skip(3).find_map(|item| {
            (item.header.tag().0 == 1)
                .then(|| match &item.content {
                    BerObjectContent::Unknown(any) => {
                        any.data.split_first().map(|(_, k)| k.to_vec())
                    }
                    BerObjectContent::BitString(_, bits) => Some(bits.data.to_vec()),
                    _ => None,
                })
                .flatten()
        });
        match public {
            Some(raw) => Ok(KeyInfo {
                key_type: name.into(),
                bits: Some(bits),
                public: PublicId::Raw(name.into(), raw),
            }),
            None => Err(KeyError::Unsupported(format!(
                "an {name} private key, whose public key drconsole cannot derive to pair it"
            ))),
        }
    } else {
        Err(KeyError::Unsupported(format!(
            "a private key of type {}",
            key_type_name(&oid_id)
        )))
    }
}

fn explicit_curve() -> KeyError {
    KeyError::Unsupported(
        "an EC private key with explicit curve parameters (not a named curve), which drconsole cannot pair".into(),
    )
}

/// A readable name for a key-type OID.
pub fn key_type_name(oid: &str) -> String {
    match oid {
        OID_RSA_PSS => "RSA-PSS".into(),
        OID_DSA => "DSA".into(),
        "1.2.840.10045.2.1" => "EC".into(),
        "1.2.840.113549.1.1.1" => "RSA".into(),
        "1.3.101.112" => "Ed25519".into(),
        "1.2.840.10046.2.1" => "DH".into(),
        "1.2.643.2.2.19" | "1.2.643.7.1.1.1.1" | "1.2.643.7.1.1.1.2" => "GOST R 34.10".into(),
        "1.2.156.10197.1.301" => "SM2".into(),
        other => match raw_key_type(other) {
            Some((name, _)) => name.into(),
            None => format!("OID {other}"),
        },
    }
}

/// OpenSSL's `DSAPrivateKey ::= SEQUENCE { version 0, p, q, g, y, x }`.
fn dsa_traditional(der: &[u8]) -> Result<KeyInfo, KeyError> {
    let (_, obj) = parse_der(der).map_err(|_| "damaged DSA key".to_string())?;
    let items = seq(&obj).ok_or("damaged DSA key")?;
    let [_, p, q, g, y, x, ..] = items else {
        return Err("damaged DSA key".into());
    };
    let params = BerObject::from_seq(vec![p.clone(), q.clone(), g.clone()]);
    dsa_info(&params, Some(y), x)
}

/// A DSA key's public value `y = g^x mod p`, checked against `y` when the encoding has it.
fn dsa_info(
    params: &BerObject<'_>,
    y: Option<&BerObject<'_>>,
    x: &BerObject<'_>,
) -> Result<KeyInfo, KeyError> {
    use num_bigint::BigUint;
    let items = seq(params).ok_or("DSA key without its parameters")?;
    let int = |o: Option<&BerObject<'_>>| {
        o.and_then(|o| o.as_slice().ok())
            .map(BigUint::from_bytes_be)
            .ok_or("damaged DSA key")
    };
    let p = int(items.first())?;
    let g = int(items.get(2))?;
    let x = int(Some(x))?;
    let bits = p.bits();
    if !(512..=16_384).contains(&bits) || x == BigUint::ZERO {
        return Err("damaged DSA key".into());
    }
    let derived = g.modpow(&x, &p);
    if let Some(y) = y
        && int(Some(y))? != derived
    {
        return Err("damaged DSA key (public value does not match)".into());
    }
    Ok(KeyInfo {
        key_type: "DSA".into(),
        bits: Some(bits as u32),
        public: PublicId::Dsa(derived.to_bytes_be()),
    })
}

fn pkcs1(der: &[u8]) -> Result<KeyInfo, KeyError> {
    let info = rsa_public(der)?;
    validate_rsa(RsaKeyPair::from_der(der))?;
    Ok(info)
}

/// Modulus and exponent of an `RSAPrivateKey`.
fn rsa_public(der: &[u8]) -> Result<KeyInfo, KeyError> {
    let (_, obj) = parse_der(der).map_err(|_| "damaged RSA key".to_string())?;
    let items = seq(&obj).ok_or("damaged RSA key")?;
    let (n, e) = match items {
        [_, n, e, ..] => (
            n.as_slice().map_err(|_| "damaged RSA key")?,
            e.as_slice().map_err(|_| "damaged RSA key")?,
        ),
        _ => return Err("damaged RSA key".into()),
    };
    let n = strip_zeros(n);
    Ok(KeyInfo {
        key_type: "RSA".into(),
        bits: Some(bit_len(n)),
        public: PublicId::Rsa {
            n: n.to_vec(),
            e: strip_zeros(e).to_vec(),
        },
    })
}

/// ring refuses keys it will not sign with (too small, odd sizes); those still pair by
/// their public half. Any other refusal means the key is damaged.
fn validate_rsa(result: Result<RsaKeyPair, ring::error::KeyRejected>) -> Result<(), KeyError> {
    match result {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.to_string().as_str(),
                "TooSmall"
                    | "TooLarge"
                    | "PrivateModulusLenNotMultipleOf512Bits"
                    | "VersionNotSupported"
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(KeyError::Damaged(format!("damaged RSA key ({e})"))),
    }
}

/// Public point and curve of an `ECPrivateKey`; `curve` comes from the PKCS#8 wrapper. The
/// optional public point (RFC 5915) is derived from the private scalar when absent, and
/// checked against it when present.
fn sec1(der: &[u8], outer_curve: Option<&Oid<'_>>) -> Result<KeyInfo, KeyError> {
    let (_, obj) = parse_der(der).map_err(|_| "damaged EC key".to_string())?;
    let items = seq(&obj).ok_or("damaged EC key")?;
    let scalar = items
        .get(1)
        .and_then(|d| d.as_slice().ok())
        .ok_or("damaged EC key")?;
    let mut curve = outer_curve.cloned();
    let mut public = None;
    for item in items.iter().skip(2) {
        // [0] parameters and [1] publicKey are explicitly tagged.
        let Ok(inner) = tagged_inner(item) else {
            continue;
        };
        match item.header.tag().0 {
            0 => {
                if let Ok(oid) = inner.as_oid() {
                    curve = Some(oid.clone());
                } else if seq(&inner).is_some() {
                    return Err(explicit_curve());
                }
            }
            1 => {
                if let BerObjectContent::BitString(_, bits) = &inner.content {
                    public = Some(bits.data.to_vec());
                }
            }
            _ => {}
        }
    }
    let curve = curve.ok_or("EC key without its curve")?;
    let derived = derive_ec_point(&curve, scalar)?;
    if let Some(public) = &public
        && *public != derived
    {
        return Err("damaged EC key (public point does not match)".into());
    }
    if let Some(signing) = signing_alg(Some(&curve)) {
        // ring checks the private scalar against the public point once more.
        EcdsaKeyPair::from_private_key_and_public_key(
            signing,
            scalar,
            &derived,
            &SystemRandom::new(),
        )
        .map_err(|e| format!("damaged EC key ({e})"))?;
    }
    Ok(KeyInfo {
        key_type: "EC".into(),
        bits: curve_bits(&curve),
        public: PublicId::Ec(derived),
    })
}

/// The uncompressed public point of `scalar` on a named curve.
fn derive_ec_point(curve: &Oid<'_>, scalar: &[u8]) -> Result<Vec<u8>, KeyError> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    let damaged = |_| KeyError::Damaged("damaged EC key (invalid private scalar)".into());
    let id = curve.to_id_string();
    if *curve == OID_EC_P256 {
        let k = p256::SecretKey::from_slice(scalar).map_err(damaged)?;
        Ok(k.public_key().to_sec1_point(false).as_bytes().to_vec())
    } else if *curve == OID_NIST_EC_P384 {
        let k = p384::SecretKey::from_slice(scalar).map_err(damaged)?;
        Ok(k.public_key().to_sec1_point(false).as_bytes().to_vec())
    } else if id == OID_P521 {
        let k = p521::SecretKey::from_slice(scalar).map_err(damaged)?;
        Ok(k.public_key().to_sec1_point(false).as_bytes().to_vec())
    } else {
        Err(KeyError::Unsupported(format!(
            "an EC private key on the curve {}, which drconsole cannot pair",
            curve_name(&id)
        )))
    }
}

fn curve_name(oid: &str) -> String {
    match oid {
        "1.3.132.0.10" => "secp256k1".into(),
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1".into(),
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1".into(),
        "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1".into(),
        "1.2.840.10045.3.1.1" => "P-192".into(),
        "1.3.132.0.33" => "P-224".into(),
        other => format!("OID {other}"),
    }
}

fn tagged_inner<'a>(item: &'a BerObject<'a>) -> Result<BerObject<'a>, ()> {
    match &item.content {
        BerObjectContent::Tagged(_, _, inner) => Ok((**inner).clone()),
        BerObjectContent::Unknown(any) => parse_der(any.data).map(|(_, o)| o).map_err(|_| ()),
        _ => Err(()),
    }
}

fn signing_alg(curve: Option<&Oid<'_>>) -> Option<&'static EcdsaSigningAlgorithm> {
    let curve = curve?;
    if *curve == OID_EC_P256 {
        Some(&ECDSA_P256_SHA256_ASN1_SIGNING)
    } else if *curve == OID_NIST_EC_P384 {
        Some(&ECDSA_P384_SHA384_ASN1_SIGNING)
    } else {
        None
    }
}

fn curve_bits(curve: &Oid<'_>) -> Option<u32> {
    if *curve == OID_EC_P256 {
        Some(256)
    } else if *curve == OID_NIST_EC_P384 {
        Some(384)
    } else {
        match curve.to_id_string().as_str() {
            OID_P521 => Some(521),
            "1.2.840.10045.3.1.1" => Some(192),
            "1.3.132.0.33" => Some(224),
            "1.3.132.0.10" | "1.3.36.3.3.2.8.1.1.7" => Some(256),
            "1.3.36.3.3.2.8.1.1.11" => Some(384),
            "1.3.36.3.3.2.8.1.1.13" => Some(512),
            _ => None,
        }
    }
}

fn seq<'a>(obj: &'a BerObject<'a>) -> Option<&'a [BerObject<'a>]> {
    match &obj.content {
        BerObjectContent::Sequence(items) => Some(items),
        _ => None,
    }
}

fn is_int(obj: &BerObject<'_>) -> bool {
    matches!(obj.content, BerObjectContent::Integer(_))
}

fn int_is(obj: &BerObject<'_>, allowed: &[u64]) -> bool {
    obj.as_u64().is_ok_and(|v| allowed.contains(&v))
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[start..]
}

fn bit_len(n: &[u8]) -> u32 {
    match n.first() {
        Some(&first) => (n.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair, PKCS_ECDSA_P384_SHA384, PKCS_ED25519};

    fn cert_identity(key: &KeyPair) -> PublicId {
        let cert = CertificateParams::new(vec!["x.example".into()])
            .unwrap()
            .self_signed(key)
            .unwrap();
        let (_, x509) = x509_parser::parse_x509_certificate(cert.der()).unwrap();
        spki_identity(x509.public_key()).2.unwrap()
    }

    #[test]
    fn ed25519_and_p384_keys_match_their_certificates() {
        for alg in [&PKCS_ED25519, &PKCS_ECDSA_P384_SHA384] {
            let key = KeyPair::generate_for(alg).unwrap();
            let der = key.serialize_der();
            assert_eq!(sniff(&der), Some(KeyFormat::Pkcs8));
            let info = identify(&KeyMaterial::new(KeyFormat::Pkcs8, der)).unwrap();
            assert_eq!(info.public, cert_identity(&key));
            let other = KeyPair::generate_for(alg).unwrap();
            assert_ne!(info.public, cert_identity(&other));
        }
    }

    #[test]
    fn garbage_never_panics_and_is_refused() {
        let mut state = 0x1234_5678_u32;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    if i == 0 { 0x30 } else { (state >> 16) as u8 }
                })
                .collect();
            for format in [
                KeyFormat::Pkcs8,
                KeyFormat::Pkcs1,
                KeyFormat::Sec1,
                KeyFormat::Dsa,
            ] {
                assert!(identify(&KeyMaterial::new(format, bytes.clone())).is_err());
            }
            let _ = sniff(&bytes);
        }
    }

    #[test]
    fn debug_output_hides_key_bytes() {
        let key = KeyPair::generate().unwrap();
        let m = KeyMaterial::new(KeyFormat::Pkcs8, key.serialize_der());
        assert_eq!(format!("{m:?}"), "KeyMaterial(Pkcs8, <redacted>)");
    }
}
