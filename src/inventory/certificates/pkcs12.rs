//! Opening PKCS#12 (PFX) files the way OpenSSL does: BER or DER, MAC with SHA-1 or SHA-2,
//! PKCS#12 PBE (RC2-40/128, RC4-40/128, 2- and 3-key 3DES) and PBES2 (PBKDF2 with any SHA
//! PRF; AES-CBC, 3DES-CBC, DES-CBC), a given password, the empty one, or none (NULL).
//! A wrong password (`Locked`) is told apart from a scheme drconsole cannot decrypt
//! (`Unsupported`). Decrypted key bytes leave only as PKCS#8 DER inside `KeyMaterial`.

use super::ber::{self, TAG_OCTET_STRING, TAG_SEQUENCE, Tlv};
use cbc::cipher::{BlockModeDecrypt, InnerIvInit, KeyInit, KeyIvInit, StreamCipher};
use hmac::Mac;
use sha1::Sha1;
use sha2_11::{Sha224, Sha256, Sha384, Sha512};

/// Key-derivation or MAC iteration counts above this are refused (a hostile file could
/// otherwise keep drconsole busy for hours); real exports use 2,048 to 600,000.
const MAX_ITERATIONS: u64 = 10_000_000;

/// Total iterations spent on one file with one password (MAC and every bag together).
const ITERATION_BUDGET: u64 = 20_000_000;

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
const OID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const OID_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const OID_SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const OID_CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const OID_SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
const OID_X509_CERT: &str = "1.2.840.113549.1.9.22.1";
const OID_PBES2: &str = "1.2.840.113549.1.5.13";
const OID_PBKDF2: &str = "1.2.840.113549.1.5.12";
const OID_PBMAC1: &str = "1.2.840.113549.1.5.14";

/// What a PKCS#12 file held.
#[derive(Debug, Default)]
pub struct Contents {
    /// Certificates, DER.
    pub certs: Vec<Vec<u8>>,
    /// Private keys, PKCS#8 DER.
    pub keys: Vec<Vec<u8>>,
    /// Parts that could not be read although the file opened (one sentence each).
    pub unsupported: Vec<String>,
}

/// Why a PKCS#12 file did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum P12Error {
    /// The password (given, empty or none) does not open it.
    Locked,
    /// It uses a scheme drconsole cannot decrypt or verify (named).
    Unsupported(String),
    /// Not PKCS#12, or damaged.
    Damaged(String),
}

/// One password as the two encodings PKCS#12 uses, with the work left to spend on it.
struct Password {
    /// PKCS#12 KDF: UTF-16BE with two zero bytes; empty for the NULL password.
    bmp: Vec<u8>,
    /// PBKDF2: the UTF-8 bytes.
    utf8: Vec<u8>,
    /// Iterations still allowed.
    budget: std::cell::Cell<u64>,
}

impl Password {
    fn text(p: &str) -> Self {
        let mut bmp: Vec<u8> = p.encode_utf16().flat_map(u16::to_be_bytes).collect();
        bmp.extend([0, 0]);
        Password {
            bmp,
            utf8: p.as_bytes().to_vec(),
            budget: std::cell::Cell::new(ITERATION_BUDGET),
        }
    }

    fn null() -> Self {
        Password {
            bmp: Vec::new(),
            utf8: Vec::new(),
            budget: std::cell::Cell::new(ITERATION_BUDGET),
        }
    }

    /// Check an iteration count and take it from the budget.
    fn spend(&self, n: u64) -> Result<i32, P12Error> {
        let rounds = iteration_count(n)?;
        let left = self.budget.get();
        if n > left {
            return Err(P12Error::Unsupported(format!(
                "more key-derivation work than drconsole will do for one file ({ITERATION_BUDGET} iterations)"
            )));
        }
        self.budget.set(left - n);
        Ok(rounds)
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        self.bmp.iter_mut().for_each(|b| *b = 0);
        self.utf8.iter_mut().for_each(|b| *b = 0);
    }
}

/// The passwords OpenSSL tries: the given one; for none or an empty one, the empty password
/// and then the NULL (absent) password, which PKCS#12 encodes differently.
fn candidates(password: Option<&str>) -> Vec<Password> {
    match password {
        Some(p) if !p.is_empty() => vec![Password::text(p)],
        _ => vec![Password::text(""), Password::null()],
    }
}

/// Open a PKCS#12 file.
pub fn open(data: &[u8], password: Option<&str>) -> Result<Contents, P12Error> {
    let damaged = |what: &str| P12Error::Damaged(what.to_string());
    let pfx = ber::read(data)
        .map_err(|_| damaged("it is not BER-encoded"))?
        .0;
    let items = seq(&pfx).map_err(|_| damaged("it is not a PFX structure"))?;
    let [version, auth_safe, rest @ ..] = items.as_slice() else {
        return Err(damaged("it is not a PFX structure"));
    };
    if version.u64().ok() != Some(3) {
        return Err(damaged("it is not a version 3 PFX structure"));
    }
    let (content_type, content) = content_info(auth_safe)?;
    match content_type.as_str() {
        OID_DATA => {}
        OID_SIGNED_DATA => {
            return Err(P12Error::Unsupported(
                "public-key integrity mode (a signed PFX)".into(),
            ));
        }
        other => return Err(damaged(&format!("its content type {other} is not data"))),
    }
    let auth_octets = content
        .octets()
        .map_err(|_| damaged("its authenticated safe is damaged"))?;
    let passwords = candidates(password);
    let mac = rest.iter().find(|t| t.is(TAG_SEQUENCE));
    let chosen: Vec<&Password> = match mac {
        Some(mac) => {
            let mut matched = None;
            for p in &passwords {
                if verify_mac(mac, p, &auth_octets)? {
                    matched = Some(p);
                    break;
                }
            }
            vec![matched.ok_or(P12Error::Locked)?]
        }
        // Without a MAC the password is proven by decryption alone.
        None => passwords.iter().collect(),
    };
    for p in chosen {
        match read_auth_safe(&auth_octets, p) {
            Err(P12Error::Locked) => continue,
            other => return other,
        }
    }
    Err(P12Error::Locked)
}

fn seq<'a>(tlv: &Tlv<'a>) -> Result<Vec<Tlv<'a>>, ber::BerError> {
    if !tlv.is(TAG_SEQUENCE) {
        return Err(ber::BerError);
    }
    tlv.children()
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }`.
fn content_info<'a>(tlv: &Tlv<'a>) -> Result<(String, Tlv<'a>), P12Error> {
    let damaged = || P12Error::Damaged("a content info is damaged".into());
    let items = seq(tlv).map_err(|_| damaged())?;
    let oid = items
        .first()
        .and_then(|o| o.oid().ok())
        .ok_or_else(damaged)?;
    let explicit = items
        .get(1)
        .filter(|t| t.is_context(0))
        .ok_or_else(damaged)?;
    let inner = explicit
        .children()
        .ok()
        .and_then(|c| c.into_iter().next())
        .ok_or_else(damaged)?;
    Ok((oid, inner))
}

fn verify_mac(mac: &Tlv<'_>, password: &Password, data: &[u8]) -> Result<bool, P12Error> {
    let damaged = || P12Error::Damaged("its MAC is damaged".into());
    let items = seq(mac).map_err(|_| damaged())?;
    let digest_info = items.first().ok_or_else(damaged)?;
    let di = seq(digest_info).map_err(|_| damaged())?;
    let alg = di
        .first()
        .and_then(|a| seq(a).ok())
        .and_then(|a| a.first().and_then(|o| o.oid().ok()))
        .ok_or_else(damaged)?;
    let expected = di
        .get(1)
        .filter(|t| t.is(TAG_OCTET_STRING))
        .and_then(|t| t.octets().ok())
        .ok_or_else(damaged)?;
    let salt = items
        .get(1)
        .filter(|t| t.is(TAG_OCTET_STRING))
        .and_then(|t| t.octets().ok())
        .ok_or_else(damaged)?;
    let iterations = match items.get(2) {
        Some(t) => t.u64().map_err(|_| damaged())?,
        None => 1,
    };
    let rounds = password.spend(iterations)?;
    macro_rules! check {
        ($d:ty) => {{
            let key = pkcs12::kdf::derive_key::<$d>(
                &password.bmp,
                &salt,
                pkcs12::kdf::Pkcs12KeyType::Mac,
                rounds,
                <$d as sha1::digest::OutputSizeUser>::output_size(),
            );
            let mut m = <hmac::Hmac<$d> as KeyInit>::new_from_slice(&key).map_err(|_| damaged())?;
            m.update(data);
            Ok(m.verify_slice(&expected).is_ok())
        }};
    }
    match alg.as_str() {
        "1.3.14.3.2.26" => check!(Sha1),
        "2.16.840.1.101.3.4.2.4" => check!(Sha224),
        "2.16.840.1.101.3.4.2.1" => check!(Sha256),
        "2.16.840.1.101.3.4.2.2" => check!(Sha384),
        "2.16.840.1.101.3.4.2.3" => check!(Sha512),
        OID_PBMAC1 => Err(P12Error::Unsupported(
            "the PBMAC1 integrity check (RFC 9579)".into(),
        )),
        other => Err(P12Error::Unsupported(format!(
            "the MAC digest {}",
            algorithm_name(other)
        ))),
    }
}

fn iteration_count(n: u64) -> Result<i32, P12Error> {
    if n == 0 {
        return Err(P12Error::Damaged("an iteration count is zero".into()));
    }
    if n > MAX_ITERATIONS {
        return Err(P12Error::Unsupported(format!(
            "an iteration count of {n} (more than {MAX_ITERATIONS} is refused)"
        )));
    }
    i32::try_from(n).map_err(|_| P12Error::Damaged("an iteration count is out of range".into()))
}

/// `AuthenticatedSafe ::= SEQUENCE OF ContentInfo` (data or encryptedData).
fn read_auth_safe(octets: &[u8], password: &Password) -> Result<Contents, P12Error> {
    let damaged = |w: &str| P12Error::Damaged(w.to_string());
    let safe = ber::read(octets)
        .map_err(|_| damaged("its authenticated safe is damaged"))?
        .0;
    let infos = seq(&safe).map_err(|_| damaged("its authenticated safe is damaged"))?;
    let mut out = Contents::default();
    for info in &infos {
        let (content_type, content) = content_info(info)?;
        let plain = match content_type.as_str() {
            OID_DATA => content.octets().map_err(|_| damaged("a safe is damaged"))?,
            OID_ENCRYPTED_DATA => match decrypt_encrypted_data(&content, password) {
                Ok(plain) => plain,
                Err(P12Error::Unsupported(what)) => {
                    out.unsupported.push(format!(
                        "its certificates are encrypted with {what}, which drconsole cannot decrypt"
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            },
            OID_ENVELOPED_DATA => {
                out.unsupported.push(
                    "a part is encrypted to a recipient's public key (enveloped data), which drconsole cannot open".into(),
                );
                continue;
            }
            other => {
                out.unsupported
                    .push(format!("a part of content type {other} was skipped"));
                continue;
            }
        };
        // Without a MAC, a wrong password decrypts to noise that is not SafeContents.
        read_safe_contents(&plain, password, &mut out, 0).map_err(|e| match e {
            P12Error::Damaged(_) if content_type == OID_ENCRYPTED_DATA => P12Error::Locked,
            other => other,
        })?;
    }
    Ok(out)
}

/// `EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { type, alg, [0] IMPLICIT octets } }`.
fn decrypt_encrypted_data(content: &Tlv<'_>, password: &Password) -> Result<Vec<u8>, P12Error> {
    let damaged = || P12Error::Damaged("an encrypted safe is damaged".into());
    let items = seq(content).map_err(|_| damaged())?;
    let eci = items.get(1).ok_or_else(damaged)?;
    let eci = seq(eci).map_err(|_| damaged())?;
    let alg = eci.get(1).ok_or_else(damaged)?;
    let Some(data) = eci.get(2).filter(|t| t.is_context(0)) else {
        return Ok(Vec::new());
    };
    let data = data.octets().map_err(|_| damaged())?;
    decrypt(alg, &data, password)
}

fn read_safe_contents(
    data: &[u8],
    password: &Password,
    out: &mut Contents,
    depth: usize,
) -> Result<(), P12Error> {
    let damaged = |w: &str| P12Error::Damaged(w.to_string());
    if depth > 8 {
        return Err(damaged("safe contents nest too deeply"));
    }
    let contents = ber::read_all(data).map_err(|_| damaged("a safe is damaged"))?;
    let bags = seq(&contents).map_err(|_| damaged("a safe is damaged"))?;
    for bag in &bags {
        let items = seq(bag).map_err(|_| damaged("a bag is damaged"))?;
        let kind = items
            .first()
            .and_then(|o| o.oid().ok())
            .ok_or_else(|| damaged("a bag is damaged"))?;
        let value = items
            .get(1)
            .filter(|t| t.is_context(0))
            .and_then(|t| t.children().ok())
            .and_then(|c| c.into_iter().next())
            .ok_or_else(|| damaged("a bag is damaged"))?;
        match kind.as_str() {
            OID_KEY_BAG => out.keys.push(value.raw.to_vec()),
            OID_SHROUDED_KEY_BAG => match decrypt_private_key_info(&value, password) {
                Ok(key) => out.keys.push(key),
                Err(P12Error::Unsupported(what)) => out.unsupported.push(format!(
                    "a private key is encrypted with {what}, which drconsole cannot decrypt"
                )),
                Err(P12Error::Damaged(_)) => return Err(P12Error::Locked),
                Err(e) => return Err(e),
            },
            OID_CERT_BAG => {
                let cert = seq(&value).map_err(|_| damaged("a certificate bag is damaged"))?;
                let cert_type = cert.first().and_then(|o| o.oid().ok()).unwrap_or_default();
                if cert_type != OID_X509_CERT {
                    out.unsupported
                        .push(format!("a certificate of type {cert_type} was skipped"));
                    continue;
                }
                let der = cert
                    .get(1)
                    .filter(|t| t.is_context(0))
                    .and_then(|t| t.children().ok())
                    .and_then(|c| c.into_iter().next())
                    .filter(|t| t.is(TAG_OCTET_STRING))
                    .and_then(|t| t.octets().ok())
                    .ok_or_else(|| damaged("a certificate bag is damaged"))?;
                out.certs.push(der);
            }
            OID_SAFE_CONTENTS_BAG => read_safe_contents(value.raw, password, out, depth + 1)?,
            // CRLs and secrets are not inventoried.
            _ => {}
        }
    }
    Ok(())
}

/// Decrypt a PKCS#8 `EncryptedPrivateKeyInfo` (also used by encrypted key files).
fn decrypt_private_key_info(value: &Tlv<'_>, password: &Password) -> Result<Vec<u8>, P12Error> {
    let damaged = || P12Error::Damaged("an encrypted private key is damaged".into());
    let items = seq(value).map_err(|_| damaged())?;
    let alg = items.first().ok_or_else(damaged)?;
    let data = items
        .get(1)
        .filter(|t| t.is(TAG_OCTET_STRING))
        .and_then(|t| t.octets().ok())
        .ok_or_else(damaged)?;
    let plain = decrypt(alg, &data, password)?;
    // A wrong password (no MAC) or damage: the result is not a PKCS#8 structure.
    let key = ber::read_all(&plain).map_err(|_| P12Error::Locked)?;
    if !key.is(TAG_SEQUENCE) {
        return Err(P12Error::Locked);
    }
    Ok(plain)
}

/// The encryption scheme an `AlgorithmIdentifier` names, by name (for an "unsupported" message
/// about an encrypted key file).
pub fn scheme_name(alg_der: &[u8]) -> Option<String> {
    let alg = ber::read(alg_der).ok()?.0;
    let items = seq(&alg).ok()?;
    let oid = items.first()?.oid().ok()?;
    if oid == OID_PBES2 {
        let params = seq(items.get(1)?).ok()?;
        let kdf = seq(params.first()?).ok()?;
        let enc = seq(params.get(1)?).ok()?;
        let kdf_oid = kdf.first()?.oid().ok()?;
        let enc_oid = enc.first()?.oid().ok()?;
        return Some(format!(
            "PBES2 ({}, {})",
            algorithm_name(&kdf_oid),
            algorithm_name(&enc_oid)
        ));
    }
    Some(algorithm_name(&oid))
}

/// Readable names of the algorithms met in PKCS#12 and PKCS#8 files.
pub fn algorithm_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.113549.1.12.1.1" => "pbeWithSHAAnd128BitRC4",
        "1.2.840.113549.1.12.1.2" => "pbeWithSHAAnd40BitRC4",
        "1.2.840.113549.1.12.1.3" => "pbeWithSHAAnd3-KeyTripleDES-CBC",
        "1.2.840.113549.1.12.1.4" => "pbeWithSHAAnd2-KeyTripleDES-CBC",
        "1.2.840.113549.1.12.1.5" => "pbeWithSHAAnd128BitRC2-CBC",
        "1.2.840.113549.1.12.1.6" => "pbeWithSHAAnd40BitRC2-CBC",
        "1.2.840.113549.1.5.1" => "pbeWithMD2AndDES-CBC",
        "1.2.840.113549.1.5.3" => "pbeWithMD5AndDES-CBC",
        "1.2.840.113549.1.5.4" => "pbeWithMD2AndRC2-CBC",
        "1.2.840.113549.1.5.6" => "pbeWithMD5AndRC2-CBC",
        "1.2.840.113549.1.5.10" => "pbeWithSHA1AndDES-CBC",
        "1.2.840.113549.1.5.11" => "pbeWithSHA1AndRC2-CBC",
        OID_PBES2 => "PBES2",
        OID_PBKDF2 => "PBKDF2",
        "1.3.6.1.4.1.11591.4.11" => "scrypt",
        "1.2.840.113549.2.7" => "hmacWithSHA1",
        "1.2.840.113549.2.8" => "hmacWithSHA224",
        "1.2.840.113549.2.9" => "hmacWithSHA256",
        "1.2.840.113549.2.10" => "hmacWithSHA384",
        "1.2.840.113549.2.11" => "hmacWithSHA512",
        "2.16.840.1.101.3.4.1.2" => "AES-128-CBC",
        "2.16.840.1.101.3.4.1.22" => "AES-192-CBC",
        "2.16.840.1.101.3.4.1.42" => "AES-256-CBC",
        "2.16.840.1.101.3.4.1.6" => "AES-128-GCM",
        "2.16.840.1.101.3.4.1.46" => "AES-256-GCM",
        "1.2.840.113549.3.7" => "DES-EDE3-CBC",
        "1.3.14.3.2.7" => "DES-CBC",
        "1.2.840.113549.3.2" => "RC2-CBC",
        "1.2.156.10197.1.104.2" => "SM4-CBC",
        "1.3.14.3.2.26" => "SHA-1",
        "1.2.840.113549.2.5" => "MD5",
        "1.2.840.113549.2.2" => "MD2",
        "2.16.840.1.101.3.4.2.1" => "SHA-256",
        "2.16.840.1.101.3.4.2.2" => "SHA-384",
        "2.16.840.1.101.3.4.2.3" => "SHA-512",
        "2.16.840.1.101.3.4.2.4" => "SHA-224",
        other => return format!("algorithm {other}"),
    };
    name.to_string()
}

/// Decrypt with a password-based scheme.
fn decrypt(alg: &Tlv<'_>, data: &[u8], password: &Password) -> Result<Vec<u8>, P12Error> {
    let damaged = || P12Error::Damaged("encryption parameters are damaged".into());
    let items = seq(alg).map_err(|_| damaged())?;
    let oid = items
        .first()
        .and_then(|o| o.oid().ok())
        .ok_or_else(damaged)?;
    let params = items.get(1);
    if let Some(pkcs12_pbe) = oid.strip_prefix("1.2.840.113549.1.12.1.") {
        let params = seq(params.ok_or_else(damaged)?).map_err(|_| damaged())?;
        let salt = params
            .first()
            .filter(|t| t.is(TAG_OCTET_STRING))
            .and_then(|t| t.octets().ok())
            .ok_or_else(damaged)?;
        let rounds = password.spend(
            params
                .get(1)
                .ok_or_else(damaged)?
                .u64()
                .map_err(|_| damaged())?,
        )?;
        let derive =
            |id, len| pkcs12::kdf::derive_key::<Sha1>(&password.bmp, &salt, id, rounds, len);
        use pkcs12::kdf::Pkcs12KeyType::{EncryptionKey, Iv};
        return match pkcs12_pbe {
            "1" | "2" => {
                let key = derive(EncryptionKey, if pkcs12_pbe == "1" { 16 } else { 5 });
                let mut cipher = rc4::Rc4::new_from_slice(&key).map_err(|_| damaged())?;
                let mut buf = data.to_vec();
                cipher.apply_keystream(&mut buf);
                Ok(buf)
            }
            "3" => cbc_decrypt::<des::TdesEde3>(&derive(EncryptionKey, 24), &derive(Iv, 8), data),
            "4" => cbc_decrypt::<des::TdesEde2>(&derive(EncryptionKey, 16), &derive(Iv, 8), data),
            "5" | "6" => {
                let (len, bits) = if pkcs12_pbe == "5" {
                    (16, 128)
                } else {
                    (5, 40)
                };
                let key = derive(EncryptionKey, len);
                let iv = derive(Iv, 8);
                let cipher = rc2::Rc2::new_with_eff_key_len(&key, bits);
                let mode = cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, &iv)
                    .map_err(|_| damaged())?;
                unpad(mode.decrypt_padded_vec::<cbc::cipher::block_padding::Pkcs7>(data))
            }
            _ => Err(P12Error::Unsupported(algorithm_name(&oid))),
        };
    }
    if oid == OID_PBES2 {
        return pbes2(params.ok_or_else(damaged)?, data, password);
    }
    Err(P12Error::Unsupported(algorithm_name(&oid)))
}

fn unpad(r: Result<Vec<u8>, cbc::cipher::block_padding::Error>) -> Result<Vec<u8>, P12Error> {
    // Bad padding after decryption: the password is wrong (or the data damaged, which a MAC
    // would have shown).
    r.map_err(|_| P12Error::Locked)
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, P12Error>
where
    C: cbc::cipher::BlockCipherDecrypt + KeyInit,
{
    let mode = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| P12Error::Damaged("a key or IV has the wrong length".into()))?;
    unpad(mode.decrypt_padded_vec::<cbc::cipher::block_padding::Pkcs7>(data))
}

/// PBES2 (RFC 8018): PBKDF2 with an HMAC-SHA PRF, then a CBC cipher.
fn pbes2(params: &Tlv<'_>, data: &[u8], password: &Password) -> Result<Vec<u8>, P12Error> {
    let damaged = || P12Error::Damaged("PBES2 parameters are damaged".into());
    let params = seq(params).map_err(|_| damaged())?;
    let kdf = seq(params.first().ok_or_else(damaged)?).map_err(|_| damaged())?;
    let enc = seq(params.get(1).ok_or_else(damaged)?).map_err(|_| damaged())?;
    let kdf_oid = kdf.first().and_then(|o| o.oid().ok()).ok_or_else(damaged)?;
    let enc_oid = enc.first().and_then(|o| o.oid().ok()).ok_or_else(damaged)?;
    let scheme = || {
        format!(
            "PBES2 ({}, {})",
            algorithm_name(&kdf_oid),
            algorithm_name(&enc_oid)
        )
    };
    if kdf_oid != OID_PBKDF2 {
        return Err(P12Error::Unsupported(scheme()));
    }
    let kp = seq(kdf.get(1).ok_or_else(damaged)?).map_err(|_| damaged())?;
    let salt = kp
        .first()
        .filter(|t| t.is(TAG_OCTET_STRING))
        .and_then(|t| t.octets().ok())
        .ok_or_else(damaged)?;
    let rounds = password.spend(
        kp.get(1)
            .ok_or_else(damaged)?
            .u64()
            .map_err(|_| damaged())?,
    )?;
    let mut key_length = None;
    let mut prf = "1.2.840.113549.2.7".to_string();
    for item in kp.iter().skip(2) {
        if item.is(ber::TAG_INTEGER) {
            key_length = Some(item.u64().map_err(|_| damaged())?);
        } else if item.is(TAG_SEQUENCE) {
            prf = seq(item)
                .ok()
                .and_then(|p| p.first().and_then(|o| o.oid().ok()))
                .ok_or_else(damaged)?;
        }
    }
    let key_len = match enc_oid.as_str() {
        "2.16.840.1.101.3.4.1.2" => 16,
        "2.16.840.1.101.3.4.1.22" => 24,
        "2.16.840.1.101.3.4.1.42" => 32,
        "1.2.840.113549.3.7" => 24,
        "1.3.14.3.2.7" => 8,
        _ => return Err(P12Error::Unsupported(scheme())),
    };
    if key_length.is_some_and(|l| l != key_len as u64) {
        return Err(damaged());
    }
    let iv = enc
        .get(1)
        .filter(|t| t.is(TAG_OCTET_STRING))
        .and_then(|t| t.octets().ok())
        .ok_or_else(damaged)?;
    let mut key = vec![0u8; key_len];
    let rounds = rounds as u32;
    match prf.as_str() {
        "1.2.840.113549.2.7" => {
            pbkdf2::pbkdf2_hmac::<Sha1>(&password.utf8, &salt, rounds, &mut key)
        }
        "1.2.840.113549.2.8" => {
            pbkdf2::pbkdf2_hmac::<Sha224>(&password.utf8, &salt, rounds, &mut key)
        }
        "1.2.840.113549.2.9" => {
            pbkdf2::pbkdf2_hmac::<Sha256>(&password.utf8, &salt, rounds, &mut key)
        }
        "1.2.840.113549.2.10" => {
            pbkdf2::pbkdf2_hmac::<Sha384>(&password.utf8, &salt, rounds, &mut key)
        }
        "1.2.840.113549.2.11" => {
            pbkdf2::pbkdf2_hmac::<Sha512>(&password.utf8, &salt, rounds, &mut key)
        }
        other => {
            return Err(P12Error::Unsupported(format!(
                "PBES2 with the PRF {}",
                algorithm_name(other)
            )));
        }
    }
    let result = match key_len {
        16 => cbc_decrypt::<aes::Aes128>(&key, &iv, data),
        24 if enc_oid == "1.2.840.113549.3.7" => cbc_decrypt::<des::TdesEde3>(&key, &iv, data),
        24 => cbc_decrypt::<aes::Aes192>(&key, &iv, data),
        32 => cbc_decrypt::<aes::Aes256>(&key, &iv, data),
        _ => cbc_decrypt::<des::Des>(&key, &iv, data),
    };
    key.iter_mut().for_each(|b| *b = 0);
    result
}

/// Whether DER bytes are a PKCS#8 `EncryptedPrivateKeyInfo` with a password-based scheme.
pub fn is_encrypted_pkcs8(der: &[u8]) -> bool {
    let Ok(value) = ber::read_all(der) else {
        return false;
    };
    let Ok(items) = seq(&value) else {
        return false;
    };
    let [alg, data] = items.as_slice() else {
        return false;
    };
    let oid = seq(alg)
        .ok()
        .and_then(|a| a.first().and_then(|o| o.oid().ok()))
        .unwrap_or_default();
    data.is(TAG_OCTET_STRING)
        && (oid == OID_PBES2
            || oid.starts_with("1.2.840.113549.1.12.1.")
            || oid.starts_with("1.2.840.113549.1.5."))
}

/// The encryption scheme of an `EncryptedPrivateKeyInfo`, named.
pub fn pkcs8_scheme(der: &[u8]) -> Option<String> {
    let value = ber::read_all(der).ok()?;
    let items = seq(&value).ok()?;
    scheme_name(items.first()?.raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 0x80);
        [vec![tag, content.len() as u8], content.to_vec()].concat()
    }

    #[test]
    fn a_hostile_iteration_count_is_refused_not_run() {
        // MacData with 2^40 iterations: named as more work than drconsole does, at once.
        let sha1 = tlv(
            0x30,
            &[tlv(0x06, &[0x2b, 0x0e, 0x03, 0x02, 0x1a]), vec![5, 0]].concat(),
        );
        let digest_info = tlv(0x30, &[sha1, tlv(0x04, &[0; 20])].concat());
        let mac = tlv(
            0x30,
            &[
                digest_info,
                tlv(0x04, &[1; 8]),
                tlv(0x02, &[1, 0, 0, 0, 0, 0]),
            ]
            .concat(),
        );
        let data_oid = tlv(
            0x06,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
        );
        let auth = tlv(
            0x30,
            &[data_oid, tlv(0xa0, &tlv(0x04, &tlv(0x30, &[])))].concat(),
        );
        let pfx = tlv(0x30, &[tlv(0x02, &[3]), auth, mac].concat());
        match open(&pfx, Some("pw")) {
            Err(P12Error::Unsupported(m)) => assert!(m.contains("iteration count"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_and_truncations_are_errors_not_panics() {
        let mut state = 0x9e37_79b9_u32;
        for len in 0..400 {
            let bytes: Vec<u8> = (0..len)
                .map(|i| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    if i == 0 { 0x30 } else { (state >> 16) as u8 }
                })
                .collect();
            assert!(open(&bytes, None).is_err());
            let _ = is_encrypted_pkcs8(&bytes);
            let _ = pkcs8_scheme(&bytes);
        }
    }
}
