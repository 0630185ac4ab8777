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
    if *alg == OID_SIG_ED25519 {
        let raw = spki.subject_public_key.data.to_vec();
        return ("Ed25519".into(), Some(256), Some(PublicId::Ed25519(raw)));
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
            let bits = curve.as_ref().and_then(curve_bits).or_else(|| {
                let b = point.key_size();
                (b > 0).then_some(b as u32)
            });
            ("EC".into(), bits, Some(PublicId::Ec(point.data().to_vec())))
        }
        Ok(PublicKey::DSA(_)) => ("DSA".into(), None, None),
        _ => (alg.to_id_string(), None, None),
    }
}

/// The public identity of a private key, validating the key where `ring` can.
pub fn identify(key: &KeyMaterial) -> Result<KeyInfo, String> {
    match key.format {
        KeyFormat::Pkcs8 => pkcs8(&key.der),
        KeyFormat::Pkcs1 => pkcs1(&key.der),
        KeyFormat::Sec1 => sec1(&key.der, None),
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

fn pkcs8(der: &[u8]) -> Result<KeyInfo, String> {
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
    let inner = inner
        .as_slice()
        .map_err(|_| "PKCS#8 key without key data")?;
    if *oid == OID_PKCS1_RSAENCRYPTION {
        let info = rsa_public(inner)?;
        validate_rsa(RsaKeyPair::from_pkcs8(der))?;
        Ok(info)
    } else if *oid == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = alg_items.get(1).and_then(|p| p.as_oid().ok()).cloned();
        let info = sec1(inner, curve.as_ref())?;
        // ring checks the private scalar against the public point.
        let signing = signing_alg(curve.as_ref()).ok_or("EC key on an unsupported curve")?;
        let kp = EcdsaKeyPair::from_pkcs8(signing, der, &SystemRandom::new())
            .map_err(|e| format!("damaged EC key ({e})"))?;
        if PublicId::Ec(kp.public_key().as_ref().to_vec()) != info.public {
            return Err("damaged EC key (public point does not match)".into());
        }
        Ok(info)
    } else if *oid == OID_SIG_ED25519 {
        let kp = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map_err(|e| format!("damaged Ed25519 key ({e})"))?;
        Ok(KeyInfo {
            key_type: "Ed25519".into(),
            bits: Some(256),
            public: PublicId::Ed25519(kp.public_key().as_ref().to_vec()),
        })
    } else {
        Err(format!(
            "private key of unsupported type {}",
            oid.to_id_string()
        ))
    }
}

fn pkcs1(der: &[u8]) -> Result<KeyInfo, String> {
    let info = rsa_public(der)?;
    validate_rsa(RsaKeyPair::from_der(der))?;
    Ok(info)
}

/// Modulus and exponent of an `RSAPrivateKey`.
fn rsa_public(der: &[u8]) -> Result<KeyInfo, String> {
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
fn validate_rsa(result: Result<RsaKeyPair, ring::error::KeyRejected>) -> Result<(), String> {
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
        Err(e) => Err(format!("damaged RSA key ({e})")),
    }
}

/// Public point and curve of an `ECPrivateKey`; `curve` comes from the PKCS#8 wrapper.
fn sec1(der: &[u8], outer_curve: Option<&Oid<'_>>) -> Result<KeyInfo, String> {
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
    let signing = signing_alg(Some(&curve))
        .ok_or_else(|| format!("EC key on an unsupported curve {}", curve.to_id_string()))?;
    let public = public.ok_or("EC key without its public point")?;
    EcdsaKeyPair::from_private_key_and_public_key(signing, scalar, &public, &SystemRandom::new())
        .map_err(|e| format!("damaged EC key ({e})"))?;
    Ok(KeyInfo {
        key_type: "EC".into(),
        bits: curve_bits(&curve),
        public: PublicId::Ec(public),
    })
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
        None
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
            for format in [KeyFormat::Pkcs8, KeyFormat::Pkcs1, KeyFormat::Sec1] {
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
