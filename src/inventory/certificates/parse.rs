//! Reading certificate files: PEM (many objects per file, BOM, CRLF and text around the
//! blocks allowed), DER, PKCS#7 bundles and PKCS#12 into certificates (DER bytes) and private
//! keys. Every failure is a `Problem` naming what went wrong; nothing here panics on bad input
//! or prints key material.

use super::keys::{KeyFormat, KeyMaterial, sniff};
use super::{pkcs7, pkcs12};
use base64::Engine;
use std::path::Path;

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
    "p7b",
    "p7c",
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Problem {
    /// Not a certificate or key, or damaged.
    Unreadable(String),
    /// A PKCS#12 file that needs a (different) password.
    Locked(String),
    /// A PKCS#12 file (or part of one) encrypted with a scheme drconsole cannot decrypt.
    Unsupported(String),
    /// A private key that is present but of a type or encoding drconsole cannot pair.
    KeyUnsupported(String),
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
    // A `.pfx`/`.p12` name is not proof: some tools write PEM under it.
    if pkcs12_name && !contains(data, b"-----BEGIN ") {
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
    for (index, block) in pem_blocks(data).into_iter().enumerate() {
        let n = index + 1;
        let (label, contents) = match block {
            Ok(b) => b,
            Err(PemError::Encrypted(label)) => {
                out.problems.push(Problem::KeyUnsupported(format!(
                    "PEM block {n} is an {label} encrypted the legacy OpenSSL way (Proc-Type), which cannot be paired without decrypting it"
                )));
                continue;
            }
            Err(PemError::Damaged(msg)) => {
                out.problems
                    .push(Problem::Unreadable(format!("PEM block {n}: {msg}")));
                continue;
            }
        };
        match label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                match x509_parser::parse_x509_certificate(&contents) {
                    Ok((_, _)) => out.certs.push(contents),
                    Err(e) => out.problems.push(Problem::Unreadable(format!(
                        "PEM block {n} is not a valid certificate: {e}"
                    ))),
                }
            }
            "PKCS7" | "PKCS #7 SIGNED DATA" | "CERTIFICATE CHAIN" => {
                match pkcs7::certificates(&contents) {
                    Ok(certs) => push_certs(certs, "the PKCS#7 bundle", out),
                    Err(msg) => out
                        .problems
                        .push(Problem::Unreadable(format!("PEM block {n}: {msg}"))),
                }
            }
            "PRIVATE KEY" => out.keys.push(KeyMaterial::new(KeyFormat::Pkcs8, contents)),
            "RSA PRIVATE KEY" => out.keys.push(KeyMaterial::new(KeyFormat::Pkcs1, contents)),
            "EC PRIVATE KEY" => out.keys.push(KeyMaterial::new(KeyFormat::Sec1, contents)),
            "DSA PRIVATE KEY" => out.keys.push(KeyMaterial::new(KeyFormat::Dsa, contents)),
            "ENCRYPTED PRIVATE KEY" => out.problems.push(encrypted_pkcs8(&contents, n)),
            // Parameters, public keys and requests are not inventoried.
            _ => {}
        }
    }
}

fn encrypted_pkcs8(der: &[u8], n: usize) -> Problem {
    let scheme = pkcs12::pkcs8_scheme(der).unwrap_or_else(|| "an unknown scheme".into());
    Problem::KeyUnsupported(format!(
        "block {n} is an encrypted PKCS#8 private key ({scheme}), which cannot be paired without decrypting it"
    ))
}

fn push_certs(certs: Vec<Vec<u8>>, what: &str, out: &mut FileObjects) {
    for der in certs {
        match x509_parser::parse_x509_certificate(&der) {
            Ok(_) => out.certs.push(der),
            Err(e) => out.problems.push(Problem::Unreadable(format!(
                "a certificate inside {what} is damaged: {e}"
            ))),
        }
    }
}

/// Why a PEM block cannot be used.
enum PemError {
    /// A legacy-encrypted key (`Proc-Type: 4,ENCRYPTED`), by label.
    Encrypted(String),
    /// Damaged, with why.
    Damaged(String),
}

impl From<&str> for PemError {
    fn from(m: &str) -> Self {
        PemError::Damaged(m.to_string())
    }
}

/// Every `-----BEGIN X-----` … `-----END X-----` block, wherever it starts (after a byte-order
/// mark, text, or on a CRLF line), as its label and decoded contents or why it is unreadable.
fn pem_blocks(data: &[u8]) -> Vec<Result<(String, Vec<u8>), PemError>> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const DASHES: &[u8] = b"-----";
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(at) = find(&data[pos..], BEGIN) {
        let label_start = pos + at + BEGIN.len();
        let Some(label_len) = find(&data[label_start..], DASHES) else {
            out.push(Err("the BEGIN line is incomplete".into()));
            break;
        };
        let label_bytes = &data[label_start..label_start + label_len];
        let body_start = label_start + label_len + DASHES.len();
        if label_bytes.is_empty()
            || label_bytes.contains(&b'\n')
            || std::str::from_utf8(label_bytes).is_err()
        {
            out.push(Err("the BEGIN line is damaged".into()));
            pos = body_start;
            continue;
        }
        let label = String::from_utf8_lossy(label_bytes).into_owned();
        let end_marker = format!("-----END {label}-----");
        let Some(body_len) = find(&data[body_start..], end_marker.as_bytes()) else {
            out.push(Err("the block has no END line".into()));
            break;
        };
        let body = &data[body_start..body_start + body_len];
        pos = body_start + body_len + end_marker.len();
        out.push(match decode_pem_body(body) {
            Ok(bytes) => Ok((label, bytes)),
            Err(None) => Err(PemError::Encrypted(label.to_ascii_lowercase())),
            Err(Some(msg)) => Err(PemError::Damaged(msg)),
        });
    }
    out
}

/// The decoded body; `Err(None)` for a legacy-encrypted key, `Err(Some(why))` when damaged.
fn decode_pem_body(body: &[u8]) -> Result<Vec<u8>, Option<String>> {
    let text = std::str::from_utf8(body).map_err(|_| Some("damaged base64".to_string()))?;
    if text.contains("Proc-Type:") && text.contains("ENCRYPTED") {
        return Err(None);
    }
    // RFC 7468 allows header lines before the base64 text; they end with a blank line.
    let mut b64 = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim();
        if line.contains(':') {
            continue;
        }
        b64.extend(line.chars().filter(|c| !c.is_whitespace()));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|_| Some("damaged base64".to_string()))?;
    if decoded.is_empty() {
        return Err(Some("the block is empty".into()));
    }
    Ok(decoded)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
    if pkcs12::is_encrypted_pkcs8(data) {
        out.problems.push(encrypted_pkcs8(data, 1));
        return true;
    }
    if pkcs7::is_pkcs7(data) {
        match pkcs7::certificates(data) {
            Ok(certs) => push_certs(certs, "the PKCS#7 bundle", out),
            Err(msg) => out.problems.push(Problem::Unreadable(msg)),
        }
        return true;
    }
    false
}

fn looks_like_pkcs12(data: &[u8]) -> bool {
    // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, ... }, BER or DER.
    super::ber::read(data)
        .ok()
        .and_then(|(pfx, _)| pfx.children().ok())
        .and_then(|items| items.first().and_then(|v| v.u64().ok()))
        .is_some_and(|v| v == 3)
}

fn read_pkcs12(data: &[u8], password: Option<&str>, out: &mut FileObjects) {
    out.pkcs12 = true;
    let contents = match pkcs12::open(data, password) {
        Ok(c) => c,
        Err(e) => {
            out.problems.push(pkcs12_problem(&e, password));
            return;
        }
    };
    push_certs(contents.certs, "the PKCS#12 file", out);
    for key in contents.keys {
        out.keys.push(KeyMaterial::new(KeyFormat::Pkcs8, key));
    }
    for what in contents.unsupported {
        out.problems.push(Problem::Unsupported(what));
    }
}

fn pkcs12_problem(e: &pkcs12::P12Error, password: Option<&str>) -> Problem {
    use pkcs12::P12Error as E;
    match e {
        E::Locked => Problem::Locked(match password {
            Some(p) if !p.is_empty() => "the PKCS#12 password given does not open it".into(),
            Some(_) => "the PKCS#12 file is password-protected and the empty password given does not open it".into(),
            None => "the PKCS#12 file is password-protected and no password was given".into(),
        }),
        E::Unsupported(what) => Problem::Unsupported(format!(
            "the PKCS#12 file uses {what}, which drconsole cannot decrypt or verify"
        )),
        E::Damaged(what) => Problem::Unreadable(format!("not a readable PKCS#12 file: {what}")),
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
    fn a_damaged_block_does_not_hide_the_blocks_after_it() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let text = format!(
            "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n{}",
            cert.pem()
        );
        let out = parse(text.as_bytes());
        assert_eq!(out.certs.len(), 1);
        assert_eq!(out.problems.len(), 1);
        // PEM written under a .pfx name is read as PEM.
        let mut out = FileObjects::default();
        parse_bytes(cert.pem().as_bytes(), true, None, true, &mut out);
        assert_eq!(out.certs.len(), 1);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
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
