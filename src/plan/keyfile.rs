//! Recognising private-key material by what a file holds, not by its name: PEM blocks of any
//! `… PRIVATE KEY` kind, DER PKCS#8 (plain and encrypted), PKCS#1 RSA, SEC1 EC and OpenSSL DSA
//! keys, and PKCS#12 bundles. Used to give every restored key 0600 whatever the set says.

/// File name extensions that always mean key material, whatever the content.
const KEY_EXTENSIONS: [&str; 4] = ["key", "p12", "pfx", "pk8"];

/// The PEM marker that ends every private-key `BEGIN` line (`RSA PRIVATE KEY`, `ENCRYPTED
/// PRIVATE KEY`, `OPENSSH PRIVATE KEY`, ...).
const PEM_MARKER: &[u8] = b"PRIVATE KEY-----";

/// Whether a file name alone says it holds key material (`server.key`, `identity.p12`).
pub fn is_key_name(name: &std::path::Path) -> bool {
    name.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| KEY_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether `head`, the first bytes of a file, starts a DER private key or PKCS#12 bundle.
/// Only the start of the structure is looked at, so a head cut short still counts.
pub fn is_der_key(head: &[u8]) -> bool {
    let Some((0x30, body, _)) = tlv(head) else {
        return false;
    };
    let mut items = Items(body);
    match (items.next(), items.next()) {
        // PKCS#8 PrivateKeyInfo / OneAsymmetricKey: version 0|1, algorithm, key octets.
        (Some((0x02, v, _)), Some((0x30, alg, _))) if small(v) <= 1 && starts_with_oid(alg) => {
            matches!(items.next(), Some((0x04, _, _)))
        }
        // PKCS#12 PFX: version 3, then a PKCS#7 ContentInfo (data or signedData).
        (Some((0x02, v, _)), Some((0x30, info, _))) if small(v) == 3 => {
            oid_of(info).is_some_and(|o| o == PKCS7_DATA || o == PKCS7_SIGNED)
        }
        // PKCS#1 RSAPrivateKey (9 integers) and OpenSSL's DSA key (6): version 0, integers.
        (Some((0x02, v, _)), Some((0x02, _, _))) if small(v) == 0 => {
            items.take(3).filter(|(tag, _, _)| *tag == 0x02).count() == 3
        }
        // SEC1 ECPrivateKey: version 1, the private key octets.
        (Some((0x02, v, _)), Some((0x04, _, _))) if small(v) == 1 => true,
        // PKCS#8 EncryptedPrivateKeyInfo: a PBES1/PBES2/PKCS#12 PBE algorithm, then octets.
        (Some((0x30, alg, _)), Some((0x04, _, _))) => {
            oid_of(alg).is_some_and(|o| PBE_PREFIXES.iter().any(|p| o.starts_with(p)))
        }
        _ => false,
    }
}

/// Bytes of a file's start the DER check looks at: enough for the first integers of an
/// 8192-bit RSA key.
const DER_HEAD: usize = 4096;

/// Scans a file's content chunk by chunk: a PEM private-key block anywhere, or a DER key or
/// PKCS#12 bundle at the start.
#[derive(Debug, Default)]
pub struct KeySniffer {
    found: bool,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl KeySniffer {
    /// Feed the next chunk of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.found || chunk.is_empty() {
            return;
        }
        if self.head.len() < DER_HEAD {
            let take = chunk.len().min(DER_HEAD - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        // A marker may straddle two chunks: keep the end of the last one.
        let mut joined = std::mem::take(&mut self.tail);
        joined.extend_from_slice(chunk);
        if joined.windows(PEM_MARKER.len()).any(|w| w == PEM_MARKER) {
            self.found = true;
            return;
        }
        let keep = joined.len().saturating_sub(PEM_MARKER.len() - 1);
        self.tail = joined.split_off(keep);
    }

    /// Whether anything fed so far is private-key material.
    pub fn found(&self) -> bool {
        self.found || is_der_key(&self.head)
    }
}

/// DER encodings (tag and length stripped) of the OIDs that matter here.
const PKCS7_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
const PKCS7_SIGNED: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// 1.2.840.113549.1.5 (PKCS#5: PBES1, PBES2) and 1.2.840.113549.1.12.1 (PKCS#12 PBE).
const PBE_PREFIXES: [&[u8]; 2] = [
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05],
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01],
];

/// One DER element: (tag, content, rest). The content is cut at the end of `data` when the
/// length says more (a head read short), never beyond it.
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    let end = len.min(rest.len());
    Some((tag, &rest[..end], &rest[end..]))
}

/// The elements of a constructed value, in order.
struct Items<'a>(&'a [u8]);

impl<'a> Iterator for Items<'a> {
    type Item = (u8, &'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let item = tlv(self.0)?;
        self.0 = item.2;
        Some(item)
    }
}

/// A small non-negative INTEGER's value (`u64::MAX` when it is not small).
fn small(v: &[u8]) -> u64 {
    if v.is_empty() || v.len() > 2 {
        return u64::MAX;
    }
    v.iter().fold(0, |acc, b| (acc << 8) | *b as u64)
}

/// The first element of a SEQUENCE's content, when it is an OID.
fn oid_of(seq: &[u8]) -> Option<&[u8]> {
    match tlv(seq)? {
        (0x06, oid, _) => Some(oid),
        _ => None,
    }
}

fn starts_with_oid(seq: &[u8]) -> bool {
    oid_of(seq).is_some_and(|o| !o.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn sniff(bytes: &[u8]) -> bool {
        let mut s = KeySniffer::default();
        // Odd chunk sizes so PEM markers straddle chunks.
        for chunk in bytes.chunks(7) {
            s.feed(chunk);
        }
        s.found()
    }

    #[test]
    fn pkcs8_der_keys_are_keys_and_certificates_are_not() {
        let key = rcgen::KeyPair::generate().unwrap();
        assert!(is_der_key(&key.serialize_der()));
        assert!(sniff(&key.serialize_der()));
        assert!(sniff(key.serialize_pem().as_bytes()));
        let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        assert!(!is_der_key(cert.der()));
        assert!(!sniff(cert.der()));
        assert!(!sniff(cert.pem().as_bytes()));
    }

    #[test]
    fn pem_keys_with_a_bom_and_crlf_are_keys() {
        let pem = "\u{feff}-----BEGIN EC PRIVATE KEY-----\r\nMHcCAQEE\r\n-----END EC PRIVATE KEY-----\r\n";
        assert!(sniff(pem.as_bytes()));
        assert!(!sniff(b"-----BEGIN CERTIFICATE-----\nMIIB\n"));
        assert!(!sniff(b""));
    }

    #[test]
    fn garbage_and_short_heads_are_not_keys() {
        for bytes in [
            &b""[..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x03, 0x02, 0x01, 0x00],
            b"SQLite format 3\0",
            &[0x30, 0x80, 0x02, 0x01, 0x00],
        ] {
            assert!(!is_der_key(bytes), "{bytes:?}");
        }
    }

    /// Keys written by openssl in every DER form it has; skipped when openssl is absent.
    #[test]
    fn every_der_form_openssl_writes_is_a_key() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| -> bool {
            Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !run(&["version"]) {
            println!("skipped: openssl is not installed");
            return;
        }
        assert!(run(&["genrsa", "-out", "rsa.pem", "2048"]));
        assert!(run(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "ec.pem"
        ]));
        assert!(run(&[
            "dsaparam", "-genkey", "-noout", "-out", "dsa.pem", "1024"
        ]));
        let forms: [(&str, &[&str]); 6] = [
            (
                "pkcs8.der",
                &[
                    "pkcs8",
                    "-topk8",
                    "-nocrypt",
                    "-in",
                    "rsa.pem",
                    "-outform",
                    "DER",
                    "-out",
                    "pkcs8.der",
                ],
            ),
            (
                "enc.der",
                &[
                    "pkcs8", "-topk8", "-in", "ec.pem", "-outform", "DER", "-passout", "pass:x",
                    "-out", "enc.der",
                ],
            ),
            (
                "rsa.der",
                &[
                    "rsa",
                    "-traditional",
                    "-in",
                    "rsa.pem",
                    "-outform",
                    "DER",
                    "-out",
                    "rsa.der",
                ],
            ),
            (
                "ec.der",
                &["ec", "-in", "ec.pem", "-outform", "DER", "-out", "ec.der"],
            ),
            (
                "dsa.der",
                &[
                    "dsa", "-in", "dsa.pem", "-outform", "DER", "-out", "dsa.der",
                ],
            ),
            (
                "bundle.p12",
                &[
                    "req", "-x509", "-key", "rsa.pem", "-subj", "/CN=a", "-days", "1", "-out",
                    "cert.pem",
                ],
            ),
        ];
        for (file, args) in forms {
            assert!(run(args), "openssl {args:?}");
            if file == "bundle.p12" {
                assert!(run(&[
                    "pkcs12",
                    "-export",
                    "-in",
                    "cert.pem",
                    "-inkey",
                    "rsa.pem",
                    "-passout",
                    "pass:x",
                    "-out",
                    "bundle.p12"
                ]));
                assert!(run(&[
                    "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der"
                ]));
                let cert = std::fs::read(dir.path().join("cert.der")).unwrap();
                assert!(!is_der_key(&cert), "a DER certificate is not a key");
            }
            let bytes = std::fs::read(dir.path().join(file)).unwrap();
            assert!(is_der_key(&bytes), "{file} is not recognised");
        }
    }

    #[test]
    fn key_names_are_recognised_case_blind() {
        assert!(is_key_name(std::path::Path::new("a/Server.KEY")));
        assert!(is_key_name(std::path::Path::new("id.pfx")));
        assert!(!is_key_name(std::path::Path::new("server.crt")));
    }
}
