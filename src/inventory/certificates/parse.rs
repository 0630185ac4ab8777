//! Reading certificate files: PEM (many objects per file), DER and PKCS#12 into certificates
//! (DER bytes) and private keys. Every failure is a `Problem` naming what went wrong; nothing
//! here panics on bad input or prints key material.

use super::keys::{KeyFormat, KeyMaterial, sniff};
use p12_keystore::Pkcs12Archive;
use std::path::Path;
use x509_parser::pem::Pem;

/// Certificate files larger than this are not certificate files.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Extensions of files that must hold certificates or keys.
const CERT_EXTENSIONS: &[&str] = &[
    "pem",
    "crt",
    "cer",
    "der",
    "key",
    "pfx",
    "p12",
    "cert",
    "ca-bundle",
];

/// What one file held.
#[derive(Debug, Default)]
pub struct FileObjects {
    /// Certificates, DER-encoded, in file order.
    pub certs: Vec<Vec<u8>>,
    /// Private keys, in file order.
    pub keys: Vec<KeyMaterial>,
    /// What could not be read.
    pub problems: Vec<Problem>,
    /// Whether the file was a PKCS#12 archive.
    pub pkcs12: bool,
}

/// Why (part of) a file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not a certificate or key, or damaged.
    Unreadable(String),
    /// A PKCS#12 file that needs a (different) password.
    Locked(String),
}

/// Whether a file name says it holds certificates or keys.
pub fn looks_like_cert_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CERT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn is_pkcs12_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "pfx" | "p12"))
}

/// Read one file. `strict` files (known extensions, bundles) report when they hold nothing;
/// other files in a store folder that hold nothing are simply not certificate files.
pub fn read_file(path: &Path, password: Option<&str>, strict: bool) -> FileObjects {
    let mut out = FileObjects::default();
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            if strict {
                out.problems.push(Problem::Unreadable(format!(
                    "{} bytes is too large for a certificate file",
                    m.len()
                )));
            }
            return out;
        }
        Ok(_) => {}
        Err(e) => {
            out.problems
                .push(Problem::Unreadable(format!("cannot read: {e}")));
            return out;
        }
    }
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            out.problems
                .push(Problem::Unreadable(format!("cannot read: {e}")));
            return out;
        }
    };
    parse_bytes(&data, is_pkcs12_name(path), password, strict, &mut out);
    out
}

/// Read one file through the root-confined layer (never through a link), as [`read_file`];
/// also the file's permission bits as opened.
pub fn read_confined(
    file: &crate::fs::Confined,
    password: Option<&str>,
    strict: bool,
) -> (FileObjects, Option<u32>) {
    use crate::fs::LimitedError;
    let mut out = FileObjects::default();
    let mode = file.stat().ok().flatten().map(|m| m.mode);
    let data = match crate::fs::read_limited(file, MAX_FILE_BYTES) {
        Ok(d) => d,
        Err(LimitedError::TooLarge(n)) => {
            if strict {
                out.problems.push(Problem::Unreadable(format!(
                    "{n} bytes is too large for a certificate file"
                )));
            }
            return (out, mode);
        }
        Err(e) => {
            out.problems
                .push(Problem::Unreadable(format!("cannot read: {e}")));
            return (out, mode);
        }
    };
    parse_bytes(&data, is_pkcs12_name(&file.rel), password, strict, &mut out);
    (out, mode)
}

/// Parse file contents (split out for tests).
pub fn parse_bytes(
    data: &[u8],
    pkcs12_name: bool,
    password: Option<&str>,
    strict: bool,
    out: &mut FileObjects,
) {
    if data.is_empty() {
        if strict {
            out.problems
                .push(Problem::Unreadable("the file is empty".into()));
        }
        return;
    }
    if pkcs12_name {
        read_pkcs12(data, password, out);
        return;
    }
    if contains(data, b"-----BEGIN ") {
        read_pem(data, out);
        if strict && out.certs.is_empty() && out.keys.is_empty() && out.problems.is_empty() {
            out.problems.push(Problem::Unreadable(
                "the PEM file holds no certificate or private key".into(),
            ));
        }
        return;
    }
    if read_der(data, out) {
        return;
    }
    // A DER blob that is neither a certificate nor a key may be a PKCS#12 file without
    // its usual extension.
    if data.first() == Some(&0x30) && looks_like_pkcs12(data) {
        read_pkcs12(data, password, out);
        return;
    }
    if strict {
        out.problems.push(Problem::Unreadable(
            "not a PEM, DER or PKCS#12 certificate or key".into(),
        ));
    }
}

fn read_pem(data: &[u8], out: &mut FileObjects) {
    for (index, block) in Pem::iter_from_buffer(data).enumerate() {
        let pem = match block {
            Ok(p) => p,
            Err(e) => {
                // The PEM reader cannot resynchronise after a damaged block.
                out.problems.push(Problem::Unreadable(format!(
                    "PEM block {}: {}",
                    index + 1,
                    pem_error(&e)
                )));
                return;
            }
        };
        match pem.label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                match x509_parser::parse_x509_certificate(&pem.contents) {
                    Ok((_, _)) => out.certs.push(pem.contents),
                    Err(e) => out.problems.push(Problem::Unreadable(format!(
                        "PEM block {} is not a valid certificate: {e}",
                        index + 1
                    ))),
                }
            }
            "PRIVATE KEY" => out
                .keys
                .push(KeyMaterial::new(KeyFormat::Pkcs8, pem.contents)),
            "RSA PRIVATE KEY" => out
                .keys
                .push(KeyMaterial::new(KeyFormat::Pkcs1, pem.contents)),
            "EC PRIVATE KEY" => out
                .keys
                .push(KeyMaterial::new(KeyFormat::Sec1, pem.contents)),
            "ENCRYPTED PRIVATE KEY" => out.problems.push(Problem::Unreadable(format!(
                "PEM block {} is an encrypted private key, which cannot be checked",
                index + 1
            ))),
            // Parameters, public keys and requests are not inventoried.
            _ => {}
        }
    }
}

fn pem_error(e: &x509_parser::error::PEMError) -> String {
    use x509_parser::error::PEMError;
    match e {
        // Legacy OpenSSL encryption puts `Proc-Type` headers inside the block.
        PEMError::Base64DecodeError => {
            "damaged base64 (or an encrypted legacy key, which cannot be checked)".into()
        }
        PEMError::IncompletePEM => "the block has no END line".into(),
        other => other.to_string(),
    }
}

/// A single DER certificate or key. Returns false when the bytes are neither.
fn read_der(data: &[u8], out: &mut FileObjects) -> bool {
    if let Ok((_, _)) = x509_parser::parse_x509_certificate(data) {
        out.certs.push(data.to_vec());
        return true;
    }
    if let Some(format) = sniff(data) {
        out.keys.push(KeyMaterial::new(format, data.to_vec()));
        return true;
    }
    false
}

fn looks_like_pkcs12(data: &[u8]) -> bool {
    // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, ... }
    use x509_parser::der_parser::ber::BerObjectContent;
    let Ok((_, obj)) = x509_parser::der_parser::der::parse_der(data) else {
        return false;
    };
    match &obj.content {
        BerObjectContent::Sequence(items) => items
            .first()
            .and_then(|v| v.as_u64().ok())
            .is_some_and(|v| v == 3),
        _ => false,
    }
}

fn read_pkcs12(data: &[u8], password: Option<&str>, out: &mut FileObjects) {
    out.pkcs12 = true;
    // Many exports use an empty password; try it when none was given.
    let archive = match Pkcs12Archive::from_pkcs12(data, password.unwrap_or("")) {
        Ok(a) => a,
        Err(e) => {
            out.problems.push(pkcs12_problem(&e, password.is_some()));
            return;
        }
    };
    for bag in &archive.certs {
        let der = bag.cert.as_der().to_vec();
        match x509_parser::parse_x509_certificate(&der) {
            Ok(_) => out.certs.push(der),
            Err(e) => out.problems.push(Problem::Unreadable(format!(
                "a certificate inside the PKCS#12 file is damaged: {e}"
            ))),
        }
    }
    for bag in &archive.keys {
        out.keys.push(KeyMaterial::new(
            KeyFormat::Pkcs8,
            bag.key.as_der().to_vec(),
        ));
    }
}

fn pkcs12_problem(e: &p12_keystore::error::Error, had_password: bool) -> Problem {
    use p12_keystore::error::Error as E;
    match e {
        // A MAC failure means the password is wrong; bad padding or a key-derivation error
        // while decrypting a MAC-less file means the same.
        E::MacError(_) | E::UnpadError | E::Pkcs5Error(_) => Problem::Locked(if had_password {
            "the PKCS#12 password given does not open it".into()
        } else {
            "the PKCS#12 file is password-protected and no password was given".into()
        }),
        other => Problem::Unreadable(format!("not a readable PKCS#12 file: {other}")),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(data: &[u8]) -> FileObjects {
        let mut out = FileObjects::default();
        parse_bytes(data, false, None, true, &mut out);
        out
    }

    #[test]
    fn binary_garbage_around_pem_markers_is_a_problem_not_a_hang() {
        let cases: Vec<Vec<u8>> = vec![
            b"\xff\xfe\x00-----BEGIN CERTIFICATE-----\n\xff\xff\xff\n-----END CERTIFICATE-----\n"
                .to_vec(),
            b"-----BEGIN CERTIFICATE-----\n\xc3\x28\n".to_vec(),
            b"\xc3\x28\n\xc3\x28 -----BEGIN ".to_vec(),
            b"-----BEGIN -----\n-----END -----\n".to_vec(),
            b"-----BEGIN".to_vec(),
        ];
        for data in cases {
            let out = parse(&data);
            assert!(out.certs.is_empty() && out.keys.is_empty());
            assert!(
                !out.problems.is_empty(),
                "{:?}",
                String::from_utf8_lossy(&data)
            );
        }
    }

    #[test]
    fn several_pem_objects_are_read_in_order() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let text = format!(
            "comment\n{}{}{}",
            cert.pem(),
            key.serialize_pem(),
            cert.pem()
        );
        let out = parse(text.as_bytes());
        assert_eq!((out.certs.len(), out.keys.len()), (2, 1));
        assert!(out.problems.is_empty());
    }
}
