//! A corpus of certificate, key, PKCS#12 and PKCS#7 files made in the test with openssl and
//! python `cryptography` (and re-encoded in Rust where exporters differ, e.g. BER from NSS),
//! each with the verdict drconsole must give — and, where the tools are present, the same
//! files opened by openssl or python to show that they agree. A cross-check whose tool is
//! absent is skipped with a printed reason; drconsole's own verdicts are always asserted.

use chrono::{DateTime, Utc};
use drconsole::inventory::certificates::{describe, keys, parse};
use drconsole::inventory::{self, ChainStatus, Inventory, ScanOptions};
use drconsole::{Clock, Code, Context};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SERVER: &str = "Library/Application Support/LANrev Server";

fn now() -> DateTime<Utc> {
    "2030-01-01T00:00:00Z".parse().unwrap()
}

fn ctx(root: &Path) -> Context {
    let mut ctx = Context::new(drconsole::profile::load("lanrev-macos").unwrap(), root);
    ctx.clock = Clock::fixed(now());
    ctx.state_dir = root.join(".state");
    ctx
}

fn scan(ctx: &Context) -> Inventory {
    let mut inv = Inventory::default();
    inventory::certificates::scan(ctx, &ScanOptions::default(), &mut inv, &());
    inv
}

fn codes(inv: &Inventory) -> Vec<Code> {
    inv.findings.iter().map(|f| f.code).collect()
}

fn run(program: &str, args: &[&str]) -> Option<Output> {
    Command::new(program).args(args).output().ok()
}

/// Run a tool that the corpus needs to make its files; panics with its error output.
fn must(program: &str, args: &[&str]) -> Output {
    let out =
        run(program, args).unwrap_or_else(|| panic!("{program} is needed to make the corpus"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn openssl(args: &[&str]) -> Output {
    must("openssl", args)
}

fn python(script: &str, args: &[&str]) -> Output {
    let mut all = vec!["-c", script];
    all.extend_from_slice(args);
    must("python3", &all)
}

fn python_has_cryptography() -> bool {
    run("python3", &["-c", "import cryptography"]).is_some_and(|o| o.status.success())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An RSA-2048 key and a self-signed certificate for it.
fn rsa_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.crt"));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "3650",
        "-subj",
        &format!("/CN={name}.example.com"),
        "-keyout",
        s(&key),
        "-out",
        s(&cert),
    ]);
    (key, cert)
}

/// What drconsole makes of one file.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Opened: this many certificates and keys, and whether every key pairs with a certificate.
    Opens {
        certs: usize,
        keys: usize,
        paired: bool,
    },
    /// PFX_LOCKED: the password does not open it.
    Locked,
    /// PFX_UNSUPPORTED naming the scheme.
    Unsupported(String),
    /// Something else went wrong (a bug in this corpus's expectations).
    Other(String),
}

fn verdict(file: &Path, password: Option<&str>) -> Verdict {
    let objects = parse::read_file(file, password, true);
    if let Some(p) = objects.problems.first() {
        return match p {
            parse::Problem::Locked(_) => Verdict::Locked,
            parse::Problem::Unsupported(m) => Verdict::Unsupported(m.clone()),
            other => Verdict::Other(format!("{other:?}")),
        };
    }
    let publics: Vec<_> = objects
        .certs
        .iter()
        .filter_map(|der| describe(der).and_then(|(_, p)| p))
        .collect();
    let paired = objects.keys.iter().all(|k| {
        keys::identify(k)
            .map(|info| publics.contains(&info.public))
            .unwrap_or(false)
    });
    Verdict::Opens {
        certs: objects.certs.len(),
        keys: objects.keys.len(),
        paired,
    }
}

/// openssl's view of a PKCS#12 file: `Some((certs, keys))` when it opens with `password`.
fn openssl_pkcs12(file: &Path, password: &str) -> Option<(usize, usize)> {
    let out = run(
        "openssl",
        &[
            "pkcs12",
            "-in",
            s(file),
            "-passin",
            &format!("pass:{password}"),
            "-nodes",
            "-legacy",
        ],
    )?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some((
        text.matches("-----BEGIN CERTIFICATE-----").count(),
        text.matches("-----BEGIN PRIVATE KEY-----").count(),
    ))
}

// ---- DER/BER building blocks -------------------------------------------------------------

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn der_oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.insert(0, 0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        body.extend(chunk);
    }
    tlv(0x06, &body)
}

fn read_tlv(data: &[u8]) -> (u8, usize, usize) {
    // (tag, header length, content length) of a DER element.
    let tag = data[0];
    let first = data[1] as usize;
    if first < 0x80 {
        return (tag, 2, first);
    }
    let n = first & 0x7f;
    let len = data[2..2 + n]
        .iter()
        .fold(0usize, |a, b| (a << 8) | *b as usize);
    (tag, 2 + n, len)
}

/// Re-encode DER the way NSS exports PKCS#12: every constructed element with an indefinite
/// length and long OCTET STRINGs cut into constructed pieces. The contents of OCTET STRINGs
/// are kept as they are, so a MAC over them still verifies. Only the outer `levels` levels are
/// re-encoded: certificates inside stay DER, as their signatures require.
fn der_to_ber(data: &[u8], levels: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let (tag, hl, len) = read_tlv(&data[pos..]);
        let content = &data[pos + hl..pos + hl + len];
        if levels == 0 {
            out.extend_from_slice(&data[pos..pos + hl + len]);
        } else if tag & 0x20 != 0 {
            out.extend([tag, 0x80]);
            out.extend(der_to_ber(content, levels - 1));
            out.extend([0, 0]);
        } else if tag == 0x04 && len > 64 {
            out.extend([0x24, 0x80]);
            for piece in content.chunks(50) {
                out.extend(tlv(0x04, piece));
            }
            out.extend([0, 0]);
        } else {
            out.extend_from_slice(&data[pos..pos + hl + len]);
        }
        pos += hl + len;
    }
    out
}

/// A PFX whose certificate is in a plain safe and whose key is the given bag (`bag_oid`,
/// value): a PKCS#8 `EncryptedPrivateKeyInfo` in a shrouded bag (how exporters that default
/// the PBES2 PRF to hmacWithSHA1 write it) or a plain `PrivateKeyInfo`. `mac_password` adds
/// a SHA-1 MAC keyed with those password bytes (PKCS#12 BMP encoding; empty is the NULL
/// password, which NSS and Java write and OpenSSL accepts for `-passin pass:`).
fn build_pfx(cert_der: &[u8], bag_oid: &str, key: &[u8], mac_password: Option<&[u8]>) -> Vec<u8> {
    let explicit0 = |c: &[u8]| tlv(0xa0, c);
    let cert_bag = tlv(
        0x30,
        &[
            der_oid("1.2.840.113549.1.12.10.1.3"),
            explicit0(&tlv(
                0x30,
                &[
                    der_oid("1.2.840.113549.1.9.22.1"),
                    explicit0(&tlv(0x04, cert_der)),
                ]
                .concat(),
            )),
        ]
        .concat(),
    );
    let key_bag = tlv(0x30, &[der_oid(bag_oid), explicit0(key)].concat());
    let data_info = |safe: Vec<u8>| {
        tlv(
            0x30,
            &[
                der_oid("1.2.840.113549.1.7.1"),
                explicit0(&tlv(0x04, &tlv(0x30, &safe))),
            ]
            .concat(),
        )
    };
    let auth_safe = tlv(0x30, &[data_info(cert_bag), data_info(key_bag)].concat());
    let mut pfx = [
        tlv(0x02, &[3]),
        tlv(
            0x30,
            &[
                der_oid("1.2.840.113549.1.7.1"),
                explicit0(&tlv(0x04, &auth_safe)),
            ]
            .concat(),
        ),
    ]
    .concat();
    if let Some(password) = mac_password {
        use hmac::{KeyInit, Mac};
        let salt = [7u8; 8];
        let key = pkcs12::kdf::derive_key::<sha1::Sha1>(
            password,
            &salt,
            pkcs12::kdf::Pkcs12KeyType::Mac,
            2048,
            20,
        );
        let mut mac = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(&key).unwrap();
        mac.update(&auth_safe);
        let digest = mac.finalize().into_bytes().to_vec();
        let alg = tlv(0x30, &[der_oid("1.3.14.3.2.26"), vec![0x05, 0x00]].concat());
        let digest_info = tlv(0x30, &[alg, tlv(0x04, &digest)].concat());
        pfx.extend(tlv(
            0x30,
            &[digest_info, tlv(0x04, &salt), tlv(0x02, &[0x08, 0x00])].concat(),
        ));
    }
    tlv(0x30, &pfx)
}

// ---- item 4: PKCS#12 -----------------------------------------------------------------------

#[test]
fn pkcs12_files_openssl_opens_open_and_wrong_passwords_are_locked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, cert) = rsa_pair(d, "corpus");
    let export = |name: &str, extra: &[&str], password: &str| -> PathBuf {
        let out = d.join(name);
        let mut args = vec![
            "pkcs12",
            "-export",
            "-in",
            s(&cert),
            "-inkey",
            s(&key),
            "-out",
            s(&out),
            "-passout",
        ];
        let pass = format!("pass:{password}");
        args.push(&pass);
        args.extend_from_slice(extra);
        openssl(&args);
        out
    };
    let opens = Verdict::Opens {
        certs: 1,
        keys: 1,
        paired: true,
    };
    let mut corpus: Vec<(PathBuf, Option<&str>, Verdict)> = vec![
        (
            export("aes.p12", &[], "pw"),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export("legacy-rc2-40.p12", &["-legacy"], "pw"),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export(
                "rc2-128.p12",
                &[
                    "-legacy",
                    "-keypbe",
                    "PBE-SHA1-RC2-128",
                    "-certpbe",
                    "PBE-SHA1-RC2-128",
                ],
                "pw",
            ),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export(
                "2des.p12",
                &[
                    "-legacy",
                    "-keypbe",
                    "PBE-SHA1-2DES",
                    "-certpbe",
                    "PBE-SHA1-2DES",
                ],
                "pw",
            ),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export(
                "3des.p12",
                &[
                    "-legacy",
                    "-keypbe",
                    "PBE-SHA1-3DES",
                    "-certpbe",
                    "PBE-SHA1-3DES",
                ],
                "pw",
            ),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export(
                "rc4-128.p12",
                &[
                    "-legacy",
                    "-keypbe",
                    "PBE-SHA1-RC4-128",
                    "-certpbe",
                    "PBE-SHA1-RC4-128",
                ],
                "pw",
            ),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export(
                "rc4-40.p12",
                &[
                    "-legacy",
                    "-keypbe",
                    "PBE-SHA1-RC4-40",
                    "-certpbe",
                    "PBE-SHA1-RC4-40",
                ],
                "pw",
            ),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export(
                "des-cbc.p12",
                &["-legacy", "-keypbe", "DES-CBC", "-certpbe", "DES-CBC"],
                "pw",
            ),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export("sha512-mac.p12", &["-macalg", "sha512"], "pw"),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export("nomac.p12", &["-nomac"], "pw"),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export(
                "unencrypted.p12",
                &["-keypbe", "NONE", "-certpbe", "NONE"],
                "pw",
            ),
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export("empty-password.p12", &[], ""),
            None,
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        (
            export("empty-password-given.p12", &[], ""),
            Some(""),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ),
        // Wrong passwords, with and without a MAC.
        (
            export("wrong.p12", &[], "pw"),
            Some("other"),
            Verdict::Locked,
        ),
        (
            export("wrong-legacy.p12", &["-legacy"], "pw"),
            Some("other"),
            Verdict::Locked,
        ),
        (
            export("wrong-nomac.p12", &["-nomac"], "pw"),
            Some("other"),
            Verdict::Locked,
        ),
        (
            export("no-password-given.p12", &[], "pw"),
            None,
            Verdict::Locked,
        ),
    ];
    // A scheme drconsole does not implement: named, and not called locked.
    corpus.push((
        export(
            "md5-des.p12",
            &[
                "-legacy",
                "-keypbe",
                "PBE-MD5-DES",
                "-certpbe",
                "PBE-MD5-DES",
            ],
            "pw",
        ),
        Some("pw"),
        Verdict::Unsupported(String::new()),
    ));

    // BER with indefinite lengths (Firefox/NSS): the same file re-encoded, MAC intact.
    let der = fs::read(d.join("aes.p12")).unwrap();
    let ber = d.join("nss-ber.p12");
    fs::write(&ber, der_to_ber(&der, 4)).unwrap();
    assert_ne!(fs::read(&ber).unwrap(), der);
    corpus.push((ber, Some("pw"), opens));
    let legacy_ber = d.join("nss-ber-legacy.p12");
    fs::write(
        &legacy_ber,
        der_to_ber(&fs::read(d.join("legacy-rc2-40.p12")).unwrap(), 4),
    )
    .unwrap();
    corpus.push((
        legacy_ber,
        Some("pw"),
        Verdict::Opens {
            certs: 1,
            keys: 1,
            paired: true,
        },
    ));

    // PBES2 with the PRF left at its default, hmacWithSHA1 (and said explicitly).
    let cert_der = openssl(&["x509", "-in", s(&cert), "-outform", "DER"]).stdout;
    for (name, prf) in [
        ("pbes2-openssl-default-prf.p12", None),
        ("pbes2-hmacWithSHA1.p12", Some("hmacWithSHA1")),
    ] {
        let mut args = vec![
            "pkcs8",
            "-topk8",
            "-in",
            s(&key),
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:pw",
            "-outform",
            "DER",
        ];
        if let Some(prf) = prf {
            args.extend(["-v2prf", prf]);
        }
        let enc = openssl(&args).stdout;
        let file = d.join(name);
        fs::write(
            &file,
            build_pfx(&cert_der, "1.2.840.113549.1.12.10.1.2", &enc, None),
        )
        .unwrap();
        corpus.push((
            file,
            Some("pw"),
            Verdict::Opens {
                certs: 1,
                keys: 1,
                paired: true,
            },
        ));
    }

    // The NULL (absent) password, which is not the empty one: a MAC keyed with no password
    // bytes at all. It opens when no password or the empty one is given, as in OpenSSL.
    let plain_key = openssl(&[
        "pkcs8",
        "-topk8",
        "-nocrypt",
        "-in",
        s(&key),
        "-outform",
        "DER",
    ])
    .stdout;
    let null = d.join("null-password.p12");
    fs::write(
        &null,
        build_pfx(
            &cert_der,
            "1.2.840.113549.1.12.10.1.1",
            &plain_key,
            Some(&[]),
        ),
    )
    .unwrap();
    corpus.push((
        null.clone(),
        None,
        Verdict::Opens {
            certs: 1,
            keys: 1,
            paired: true,
        },
    ));
    corpus.push((
        null.clone(),
        Some(""),
        Verdict::Opens {
            certs: 1,
            keys: 1,
            paired: true,
        },
    ));
    corpus.push((null, Some("pw"), Verdict::Locked));
    let empty = d.join("empty-bmp-password.p12");
    fs::write(
        &empty,
        build_pfx(
            &cert_der,
            "1.2.840.113549.1.12.10.1.1",
            &plain_key,
            Some(&[0, 0]),
        ),
    )
    .unwrap();
    corpus.push((
        empty,
        None,
        Verdict::Opens {
            certs: 1,
            keys: 1,
            paired: true,
        },
    ));

    // python cryptography's exports.
    if python_has_cryptography() {
        let script = r#"
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12, PrivateFormat
key = serialization.load_pem_private_key(open(sys.argv[1], 'rb').read(), None)
cert = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
out = sys.argv[3]
def w(name, enc):
    open(out + '/' + name, 'wb').write(pkcs12.serialize_key_and_certificates(b'corpus', key, cert, None, enc))
w('py-best.p12', serialization.BestAvailableEncryption(b'pw'))
w('py-none.p12', serialization.NoEncryption())
w('py-3des-sha1.p12', PrivateFormat.PKCS12.encryption_builder().kdf_rounds(5000)
  .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1()).build(b'pw'))
w('py-aes-sha256.p12', PrivateFormat.PKCS12.encryption_builder().kdf_rounds(5000)
  .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()).build(b'pw'))
"#;
        python(script, &[s(&key), s(&cert), s(d)]);
        for (name, pw) in [
            ("py-best.p12", Some("pw")),
            ("py-none.p12", None),
            ("py-3des-sha1.p12", Some("pw")),
            ("py-aes-sha256.p12", Some("pw")),
        ] {
            corpus.push((
                d.join(name),
                pw,
                Verdict::Opens {
                    certs: 1,
                    keys: 1,
                    paired: true,
                },
            ));
        }
    } else {
        eprintln!("python3 with cryptography is absent: its PKCS#12 exports are not in the corpus");
    }

    let mut failures = Vec::new();
    for (file, password, expected) in &corpus {
        let got = verdict(file, *password);
        let ok = match (expected, &got) {
            (Verdict::Unsupported(_), Verdict::Unsupported(m)) => {
                m.contains("pbeWithMD5AndDES-CBC")
            }
            (e, g) => e == g,
        };
        if !ok {
            failures.push(format!(
                "{}: expected {expected:?}, got {got:?}",
                file.display()
            ));
        }
        // Cross-check: openssl opens exactly the files drconsole opens or names as
        // unsupported, with the same certificates and keys.
        let theirs = openssl_pkcs12(file, password.unwrap_or(""));
        match (&got, theirs) {
            (Verdict::Opens { certs, keys, .. }, Some(t)) if (*certs, *keys) == t => {}
            (Verdict::Locked, None) => {}
            (Verdict::Unsupported(_), Some(_)) => {}
            (g, t) => failures.push(format!(
                "{}: drconsole {g:?}, openssl {t:?}",
                file.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_locked_or_unsupported_pfx_is_never_a_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let certs = root.join(SERVER).join("Certificates");
    fs::create_dir_all(&certs).unwrap();
    let (key, cert) = rsa_pair(root, "server");
    fs::copy(&cert, certs.join("server.crt")).unwrap();
    openssl(&[
        "pkcs12",
        "-export",
        "-legacy",
        "-keypbe",
        "PBE-MD5-DES",
        "-certpbe",
        "NONE",
        "-in",
        s(&cert),
        "-inkey",
        s(&key),
        "-out",
        s(&certs.join("server.pfx")),
        "-passout",
        "pass:pw",
    ]);
    let mut c = ctx(root);
    c.pfx_password = Some("pw".into());
    let inv = scan(&c);
    let found = codes(&inv);
    assert!(found.contains(&Code::PfxUnsupported), "{:#?}", inv.findings);
    assert!(!found.contains(&Code::PfxLocked), "{found:?}");
    assert!(!found.contains(&Code::CertKeyMissing), "{found:?}");
    let f = inv
        .findings
        .iter()
        .find(|f| f.code == Code::PfxUnsupported)
        .unwrap();
    assert!(f.message.contains("pbeWithMD5AndDES-CBC"), "{}", f.message);
}

// ---- item 5: PEM with a byte-order mark, CRLF, text before ----------------------------------

#[test]
fn bom_crlf_and_leading_text_keep_every_pem_block() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (key, cert) = rsa_pair(d, "pem");
    let (_, other) = rsa_pair(d, "other");
    let crlf = |p: &Path| fs::read_to_string(p).unwrap().replace('\n', "\r\n");
    let cases: Vec<(&str, Vec<u8>, usize, usize)> = vec![
        (
            "bom.pem",
            [
                b"\xef\xbb\xbf".to_vec(),
                fs::read(&cert).unwrap(),
                fs::read(&other).unwrap(),
            ]
            .concat(),
            2,
            0,
        ),
        (
            "crlf.pem",
            format!("{}{}", crlf(&cert), crlf(&key)).into_bytes(),
            1,
            1,
        ),
        (
            "bom-crlf-text.pem",
            [
                b"\xef\xbb\xbfsubject=CN=pem\r\nissuer=CN=pem\r\n".to_vec(),
                crlf(&cert).into_bytes(),
                b"Bag Attributes\r\n".to_vec(),
                crlf(&key).into_bytes(),
            ]
            .concat(),
            1,
            1,
        ),
    ];
    for (name, data, certs, keys) in cases {
        let file = d.join(name);
        fs::write(&file, &data).unwrap();
        let got = verdict(&file, None);
        assert_eq!(
            got,
            Verdict::Opens {
                certs,
                keys,
                paired: true
            },
            "{name}"
        );
        // Cross-check with python cryptography (a different PEM reader).
        if python_has_cryptography() {
            let out = python(
                "import sys\nfrom cryptography import x509\nprint(len(x509.load_pem_x509_certificates(open(sys.argv[1],'rb').read())))",
                &[s(&file)],
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                certs.to_string(),
                "{name}"
            );
        }
    }

    // In an installation: a BOM'd trust bundle still holds the server certificate, and a CRLF
    // lighttpd.pem still pairs.
    let root = d.join("root");
    let certs_dir = root.join(SERVER).join("Certificates");
    fs::create_dir_all(&certs_dir).unwrap();
    fs::copy(&cert, certs_dir.join("server.crt")).unwrap();
    fs::copy(&key, certs_dir.join("server.key")).unwrap();
    let lighttpd = root.join("etc/lighttpd/certs");
    fs::create_dir_all(&lighttpd).unwrap();
    fs::write(
        lighttpd.join("TrustedCertificates.pem"),
        [b"\xef\xbb\xbf".to_vec(), crlf(&cert).into_bytes()].concat(),
    )
    .unwrap();
    let (mkey, mcert) = rsa_pair(d, "mdm");
    fs::write(
        lighttpd.join("lighttpd.pem"),
        format!("# lighttpd\r\n{}{}", crlf(&mcert), crlf(&mkey)),
    )
    .unwrap();
    let inv = scan(&ctx(&root));
    let found = codes(&inv);
    assert!(
        !found.contains(&Code::MdmTrustMissing),
        "{:#?}",
        inv.findings
    );
    assert!(
        !found.contains(&Code::CertKeyMismatch),
        "{:#?}",
        inv.findings
    );
    assert!(
        !found.contains(&Code::CertKeyMissing),
        "{:#?}",
        inv.findings
    );
}

// ---- item 6: RSA-1024 and RFC 5280 name matching -----------------------------------------------

#[test]
fn rsa_1024_self_signatures_verify_as_openssl_says() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let certs = root.join(SERVER).join("Certificates");
    fs::create_dir_all(&certs).unwrap();
    let good = certs.join("old.crt");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:1024",
        "-nodes",
        "-sha256",
        "-days",
        "3650",
        "-subj",
        "/CN=old.example.com",
        "-keyout",
        s(&certs.join("old.key")),
        "-out",
        s(&good),
    ]);
    let good_copy = root.join("good.pem");
    fs::copy(&good, &good_copy).unwrap();
    // The same certificate with one signature byte changed.
    let mut der = openssl(&["x509", "-in", s(&good), "-outform", "DER"]).stdout;
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let bad = root.join("bad.der");
    fs::write(&bad, &der).unwrap();
    let inv = scan(&ctx(root));
    let c = inv
        .certificates
        .iter()
        .find(|c| c.common_name.as_deref() == Some("old.example.com"))
        .unwrap();
    assert_eq!(c.chain, ChainStatus::SelfSigned, "{:#?}", inv.findings);
    assert_eq!(c.key_bits, Some(1024));
    assert!(
        !codes(&inv).contains(&Code::CertChainBroken),
        "{:#?}",
        inv.findings
    );

    fs::write(certs.join("old.crt"), &der).unwrap();
    let inv = scan(&ctx(root));
    let c = inv
        .certificates
        .iter()
        .find(|c| c.common_name.as_deref() == Some("old.example.com"))
        .unwrap();
    assert_eq!(
        c.chain,
        ChainStatus::Broken,
        "a damaged signature must not verify"
    );

    if python_has_cryptography() {
        let check = "import sys\nfrom cryptography import x509\nc = x509.load_der_x509_certificate(open(sys.argv[1],'rb').read()) if sys.argv[1].endswith('.der') else x509.load_pem_x509_certificate(open(sys.argv[1],'rb').read())\ntry:\n    c.verify_directly_issued_by(c); print('valid')\nexcept Exception:\n    print('invalid')";
        let out = python(check, &[s(&good_copy)]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "valid");
        let out = python(check, &[s(&bad)]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "invalid");
    } else {
        eprintln!("python3 with cryptography is absent: RSA-1024 cross-check skipped");
    }
}

#[test]
fn issuer_names_match_case_and_whitespace_insensitively_as_rfc_5280_says() {
    if !python_has_cryptography() {
        eprintln!("python3 with cryptography is absent: the name-chaining corpus cannot be made");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let certs = root.join(SERVER).join("Certificates");
    fs::create_dir_all(&certs).unwrap();
    // Root: O and CN as PrintableString. Leaf: issuer as UTF8String, other case and spacing.
    let script = r#"
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.x509.name import _ASN1Type
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
out = sys.argv[1]
rk = ec.generate_private_key(ec.SECP256R1()); lk = ec.generate_private_key(ec.SECP256R1())
def name(o, cn, t):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, o, _type=t), x509.NameAttribute(NameOID.COMMON_NAME, cn, _type=t)])
t0 = datetime.datetime(2025, 1, 1); t1 = datetime.datetime(2035, 1, 1)
root_name = name('Example Org', 'Test Root CA', _ASN1Type.PrintableString)
root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name).public_key(rk.public_key())
    .serial_number(1).not_valid_before(t0).not_valid_after(t1)
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(rk, hashes.SHA256()))
leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'leaf.example.com')]))
    .issuer_name(name('EXAMPLE   org', ' test root  ca', _ASN1Type.UTF8String)).public_key(lk.public_key())
    .serial_number(2).not_valid_before(t0).not_valid_after(t1).sign(rk, hashes.SHA256()))
open(out + '/root.pem', 'wb').write(root.public_bytes(serialization.Encoding.PEM))
open(out + '/leaf.pem', 'wb').write(leaf.public_bytes(serialization.Encoding.PEM))
open(out + '/leaf.key', 'wb').write(lk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
"#;
    python(script, &[s(&certs)]);
    let inv = scan(&ctx(root));
    let leaf = inv
        .certificates
        .iter()
        .find(|c| c.common_name.as_deref() == Some("leaf.example.com"))
        .unwrap();
    assert_eq!(leaf.chain, ChainStatus::Verified, "{:#?}", inv.findings);
    // openssl builds the same path (its name comparison is canonical too).
    let out = run(
        "openssl",
        &[
            "verify",
            "-no-CApath",
            "-no-CAstore",
            "-CAfile",
            s(&certs.join("root.pem")),
            s(&certs.join("leaf.pem")),
        ],
    )
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- item 7: keys present but not pairable by ring ----------------------------------------------

/// Put `cert` and `key` (PEM or DER) in the identity store and scan.
fn identity_with(root: &Path, cert: &Path, key: &Path, key_name: &str) -> Inventory {
    let certs = root.join(SERVER).join("Certificates");
    fs::create_dir_all(&certs).unwrap();
    fs::copy(cert, certs.join("server.crt")).unwrap();
    fs::copy(key, certs.join(key_name)).unwrap();
    scan(&ctx(root))
}

#[test]
fn keys_of_every_type_pair_or_are_named_never_missing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // (name, genpkey args, key post-processing, expected key pairs, expected finding)
    let make = |name: &str, genargs: &[&str]| -> (PathBuf, PathBuf) {
        let key = d.join(format!("{name}.key"));
        let cert = d.join(format!("{name}.crt"));
        let mut args = vec!["genpkey", "-out", s(&key)];
        args.extend_from_slice(genargs);
        openssl(&args);
        openssl(&[
            "req",
            "-x509",
            "-key",
            s(&key),
            "-days",
            "3650",
            "-subj",
            &format!("/CN={name}.example.com"),
            "-out",
            s(&cert),
        ]);
        (key, cert)
    };
    let mut failures = Vec::new();
    let mut check = |label: &str,
                     cert: &Path,
                     key: &Path,
                     key_name: &str,
                     pairs: bool,
                     bits: Option<u32>,
                     key_type: &str| {
        let root = d.join(format!("root-{label}"));
        let inv = identity_with(&root, cert, key, key_name);
        let found = codes(&inv);
        let c = inv
            .certificates
            .iter()
            .find(|c| c.file.ends_with("server.crt"));
        let Some(c) = c else {
            failures.push(format!(
                "{label}: certificate not read: {:#?}",
                inv.findings
            ));
            return;
        };
        if c.chain == ChainStatus::Broken {
            failures.push(format!(
                "{label}: a valid self-signed certificate is broken: {:#?}",
                inv.findings
            ));
        }
        if found.contains(&Code::CertKeyMissing) {
            failures.push(format!("{label}: CERT_KEY_MISSING: {:#?}", inv.findings));
        }
        if pairs != c.key_file.is_some() {
            failures.push(format!(
                "{label}: paired {} expected {pairs}: {:#?}",
                c.key_file.is_some(),
                inv.findings
            ));
        }
        if !pairs && !found.contains(&Code::CertKeyUnsupported) {
            failures.push(format!("{label}: no CERT_KEY_UNSUPPORTED: {found:?}"));
        }
        if c.key_bits != bits || c.key_type != key_type {
            failures.push(format!(
                "{label}: key {} {:?}, expected {key_type} {bits:?}",
                c.key_type, c.key_bits
            ));
        }
        // Cross-check: openssl says the key belongs to the certificate.
        let cert_pub = openssl(&["x509", "-in", s(cert), "-noout", "-pubkey"]).stdout;
        let form = if key_name.ends_with(".der") {
            "DER"
        } else {
            "PEM"
        };
        let mut args = vec![
            "pkey",
            "-in",
            s(key),
            "-inform",
            form,
            "-pubout",
            "-passin",
            "pass:pw",
        ];
        if label == "explicit curve" {
            // Compare public keys, not how the curve is written down.
            args.extend(["-ec_param_enc", "named_curve"]);
        }
        let out = openssl(&args);
        if out.stdout != cert_pub {
            failures.push(format!(
                "{label}: openssl says the key is not the certificate's"
            ));
        }
    };

    for (curve, bits) in [("P-256", 256), ("P-384", 384), ("P-521", 521)] {
        let (key, cert) = make(
            curve,
            &[
                "-algorithm",
                "EC",
                "-pkeyopt",
                &format!("ec_paramgen_curve:{curve}"),
            ],
        );
        check(curve, &cert, &key, "server.key", true, Some(bits), "EC");
        // RFC 5915: the public point is optional.
        let nopub = d.join(format!("{curve}-nopub.key"));
        openssl(&["ec", "-in", s(&key), "-no_public", "-out", s(&nopub)]);
        assert!(
            fs::read_to_string(&nopub)
                .unwrap()
                .contains("EC PRIVATE KEY")
        );
        check(
            &format!("{curve} without public point"),
            &cert,
            &nopub,
            "server.key",
            true,
            Some(bits),
            "EC",
        );
        let nopub8 = d.join(format!("{curve}-nopub-pkcs8.key"));
        openssl(&[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            s(&nopub),
            "-out",
            s(&nopub8),
        ]);
        check(
            &format!("{curve} PKCS#8 without public point"),
            &cert,
            &nopub8,
            "server.key",
            true,
            Some(bits),
            "EC",
        );
    }
    let (key, cert) = make(
        "rsa-pss",
        &["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"],
    );
    check(
        "RSA-PSS",
        &cert,
        &key,
        "server.key",
        true,
        Some(2048),
        "RSA-PSS",
    );
    let params = d.join("dsa-params.pem");
    openssl(&[
        "genpkey",
        "-genparam",
        "-algorithm",
        "DSA",
        "-pkeyopt",
        "dsa_paramgen_bits:1024",
        "-out",
        s(&params),
    ]);
    let (key, cert) = make("dsa", &["-paramfile", s(&params)]);
    check(
        "DSA PKCS#8",
        &cert,
        &key,
        "server.key",
        true,
        Some(1024),
        "DSA",
    );
    let traditional = d.join("dsa-traditional.key");
    openssl(&[
        "pkey",
        "-in",
        s(&key),
        "-out",
        s(&traditional),
        "-traditional",
    ]);
    assert!(
        fs::read_to_string(&traditional)
            .unwrap()
            .contains("DSA PRIVATE KEY")
    );
    check(
        "DSA traditional",
        &cert,
        &traditional,
        "server.key",
        true,
        Some(1024),
        "DSA",
    );
    let (key, cert) = make("ed448", &["-algorithm", "ED448"]);
    check(
        "Ed448",
        &cert,
        &key,
        "server.key",
        false,
        Some(456),
        "Ed448",
    );
    // Encrypted PKCS#8 DER and an explicit-curve EC key: present, named, not missing.
    let (key, cert) = make(
        "enc",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let enc = d.join("enc.der");
    openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        s(&key),
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:pw",
        "-outform",
        "DER",
        "-out",
        s(&enc),
    ]);
    check(
        "encrypted PKCS#8 DER",
        &cert,
        &enc,
        "server.der",
        false,
        Some(256),
        "EC",
    );
    let explicit = d.join("explicit.key");
    openssl(&[
        "ec",
        "-in",
        s(&key),
        "-param_enc",
        "explicit",
        "-out",
        s(&explicit),
    ]);
    check(
        "explicit curve",
        &cert,
        &explicit,
        "server.key",
        false,
        Some(256),
        "EC",
    );
    let (key, cert) = make(
        "k1",
        &[
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:secp256k1",
        ],
    );
    check(
        "secp256k1",
        &cert,
        &key,
        "server.key",
        false,
        Some(256),
        "EC",
    );
    let (key, cert) = make(
        "legacy",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    );
    let legacy = d.join("legacy-encrypted.key");
    openssl(&[
        "rsa",
        "-in",
        s(&key),
        "-aes256",
        "-passout",
        "pass:pw",
        "-traditional",
        "-out",
        s(&legacy),
    ]);
    assert!(
        fs::read_to_string(&legacy)
            .unwrap()
            .contains("Proc-Type: 4,ENCRYPTED")
    );
    check(
        "legacy encrypted PEM",
        &cert,
        &legacy,
        "server.key",
        false,
        Some(2048),
        "RSA",
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The findings name what the keys are.
    let messages: Vec<String> = [
        "root-Ed448",
        "root-encrypted PKCS#8 DER",
        "root-explicit curve",
        "root-legacy encrypted PEM",
        "root-secp256k1",
    ]
    .iter()
    .map(|r| {
        scan(&ctx(&d.join(r)))
            .findings
            .iter()
            .filter(|f| f.code == Code::CertKeyUnsupported)
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join(" ")
    })
    .collect();
    assert!(messages[0].contains("Ed448"), "{}", messages[0]);
    assert!(
        messages[1].contains("encrypted PKCS#8")
            && messages[1].contains("AES-256-CBC")
            && messages[1].contains("no private key drconsole can pair was found for the identity"),
        "{}",
        messages[1]
    );
    assert!(
        messages[2].contains("explicit curve parameters"),
        "{}",
        messages[2]
    );
    assert!(
        messages[3].contains("rsa private key encrypted the legacy OpenSSL way"),
        "{}",
        messages[3]
    );
    assert!(messages[4].contains("curve secp256k1"), "{}", messages[4]);
}

// ---- item 8: PKCS#7 bundles and key-type names ----------------------------------------------

#[test]
fn pkcs7_bundles_are_read_like_any_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, a) = rsa_pair(d, "a");
    let (_, b) = rsa_pair(d, "b");
    let bundle = d.join("ab.pem");
    fs::write(
        &bundle,
        [fs::read(&a).unwrap(), fs::read(&b).unwrap()].concat(),
    )
    .unwrap();
    for (name, form) in [
        ("chain.p7b", "PEM"),
        ("chain.p7c", "DER"),
        ("chain-der.p7b", "DER"),
    ] {
        let file = d.join(name);
        openssl(&[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            s(&bundle),
            "-outform",
            form,
            "-out",
            s(&file),
        ]);
        assert_eq!(
            verdict(&file, None),
            Verdict::Opens {
                certs: 2,
                keys: 0,
                paired: true
            },
            "{name}"
        );
        let out = openssl(&["pkcs7", "-in", s(&file), "-inform", form, "-print_certs"]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout)
                .matches("BEGIN CERTIFICATE")
                .count(),
            2
        );
    }
    // BER re-encoded (indefinite lengths) reads too.
    let der = fs::read(d.join("chain.p7c")).unwrap();
    let ber = d.join("chain-ber.p7b");
    fs::write(&ber, der_to_ber(&der, 4)).unwrap();
    assert_eq!(
        verdict(&ber, None),
        Verdict::Opens {
            certs: 2,
            keys: 0,
            paired: true
        }
    );
}

#[test]
fn key_types_are_named_with_their_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut failures = Vec::new();
    for (alg, opts, name, bits) in [
        (
            "RSA-PSS",
            vec!["-pkeyopt", "rsa_keygen_bits:2048"],
            "RSA-PSS",
            Some(2048),
        ),
        ("ED448", vec![], "Ed448", Some(456)),
        ("ED25519", vec![], "Ed25519", Some(256)),
        (
            "EC",
            vec!["-pkeyopt", "ec_paramgen_curve:P-521"],
            "EC",
            Some(521),
        ),
        ("X25519", vec![], "X25519", Some(253)),
        (
            "EC",
            vec!["-pkeyopt", "ec_paramgen_curve:secp256k1"],
            "EC",
            Some(256),
        ),
        (
            "EC",
            vec!["-pkeyopt", "ec_paramgen_curve:brainpoolP384r1"],
            "EC",
            Some(384),
        ),
    ] {
        let key = d.join(format!("{alg}.key"));
        let mut args = vec!["genpkey", "-algorithm", alg, "-out", s(&key)];
        args.extend(opts);
        openssl(&args);
        let cert = d.join(format!("{alg}.crt"));
        if alg == "X25519" {
            // X25519 cannot sign: issue its certificate with another key.
            let (ca_key, ca_cert) = rsa_pair(d, "x-ca");
            let pubkey = d.join("x.pub");
            openssl(&["pkey", "-in", s(&key), "-pubout", "-out", s(&pubkey)]);
            openssl(&[
                "x509",
                "-new",
                "-force_pubkey",
                s(&pubkey),
                "-subj",
                "/CN=x25519.example.com",
                "-CA",
                s(&ca_cert),
                "-CAkey",
                s(&ca_key),
                "-out",
                s(&cert),
            ]);
        } else {
            openssl(&[
                "req",
                "-x509",
                "-key",
                s(&key),
                "-days",
                "3650",
                "-subj",
                "/CN=k.example.com",
                "-out",
                s(&cert),
            ]);
        }
        let der = openssl(&["x509", "-in", s(&cert), "-outform", "DER"]).stdout;
        let (c, _) = describe(&der).unwrap();
        if c.key_type != name || c.key_bits != bits {
            failures.push(format!(
                "{alg}: {} {:?}, expected {name} {bits:?}",
                c.key_type, c.key_bits
            ));
        }
        // Cross-check the size with openssl's own count where it prints one.
        let text =
            String::from_utf8_lossy(&openssl(&["x509", "-in", s(&cert), "-noout", "-text"]).stdout)
                .to_string();
        if let Some(b) = bits
            && text.contains("Public-Key: (")
            && !text.contains(&format!("Public-Key: ({b} bit)"))
        {
            failures.push(format!("{alg}: openssl prints another size"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- item 9: a set's store that cannot be read ----------------------------------------------

mod common;

#[test]
fn a_locked_pfx_in_a_set_is_could_not_read_in_diff_and_a_note_in_check() {
    let demo = common::Demo::new(drconsole::demo::Scenario::Healthy);
    let (_, json) = demo.check_json(&[]);
    let sets = common::sets(&json);
    let newest = sets.first().expect("the demo has backup sets");
    let set_id = newest["id"].as_str().unwrap().to_string();
    let set_path = PathBuf::from(newest["path"].as_str().unwrap());
    // The set's identity store now holds only a password-protected PKCS#12 file.
    let store = set_path.join("Certificates");
    let live = demo.server().join("Certificates");
    let cert = fs::read_dir(&live)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "crt" || e == "pem"))
        .expect("a live certificate");
    let key = fs::read_dir(&live)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "key"))
        .expect("a live key");
    let tmp = demo.dir.path().join("server.pfx");
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        s(&cert),
        "-inkey",
        s(&key),
        "-out",
        s(&tmp),
        "-passout",
        "pass:s3cret",
    ]);
    fs::remove_dir_all(&store).unwrap();
    fs::create_dir_all(&store).unwrap();
    fs::copy(&tmp, store.join("server.pfx")).unwrap();

    let out = demo.run(&["diff", "--set", &set_id, "certificates:Certificates"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("could not read"), "{text}");
    assert!(
        !text.contains("The set has no identity certificate"),
        "{text}"
    );

    // openssl agrees that the file is there and locked (not empty).
    let theirs = openssl_pkcs12(&store.join("server.pfx"), "");
    assert_eq!(theirs, None);
    assert_eq!(
        openssl_pkcs12(&store.join("server.pfx"), "s3cret"),
        Some((1, 1))
    );

    let (_, json) = demo.check_json(&["--no-cache"]);
    let notes = common::with_code(&json, "PFX_LOCKED");
    assert!(
        notes
            .iter()
            .any(|f| f["component"] == format!("backup:{set_id}") && f["severity"] == "info"),
        "{notes:#?}"
    );
}

#[test]
fn rsa_pss_signatures_verify_with_any_salt_length_as_openssl_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pss_key = d.join("pss.key");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA-PSS",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        s(&pss_key),
    ]);
    let rsa_key = d.join("rsa.key");
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        s(&rsa_key),
    ]);
    let cases: Vec<(&str, &Path, Vec<&str>)> = vec![
        ("pss-key-max-salt", &pss_key, vec![]),
        (
            "pss-key-salt-32",
            &pss_key,
            vec!["-sigopt", "rsa_pss_saltlen:32"],
        ),
        (
            "rsa-key-pss-sha384-digest-salt",
            &rsa_key,
            vec![
                "-sha384",
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:-1",
            ],
        ),
        (
            "rsa-key-pss-salt-0",
            &rsa_key,
            vec![
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:0",
            ],
        ),
    ];
    for (name, key, opts) in cases {
        let root = d.join(name);
        let certs = root.join(SERVER).join("Certificates");
        fs::create_dir_all(&certs).unwrap();
        let cert = certs.join("server.crt");
        let mut args = vec![
            "req",
            "-x509",
            "-key",
            s(key),
            "-days",
            "3650",
            "-subj",
            "/CN=pss.example.com",
            "-out",
            s(&cert),
        ];
        args.extend(opts);
        openssl(&args);
        let status = |root: &Path| {
            scan(&ctx(root))
                .certificates
                .iter()
                .find(|c| c.common_name.as_deref() == Some("pss.example.com"))
                .map(|c| c.chain)
        };
        assert_eq!(status(&root), Some(ChainStatus::SelfSigned), "{name}");
        let openssl_ok = |p: &Path| {
            run(
                "openssl",
                &[
                    "verify",
                    "-check_ss_sig",
                    "-no-CApath",
                    "-no-CAstore",
                    "-CAfile",
                    s(p),
                    s(p),
                ],
            )
            .is_some_and(|o| o.status.success())
        };
        assert!(openssl_ok(&cert), "openssl verifies {name}");

        // One signature byte changed: neither drconsole nor openssl accepts it.
        let mut der = openssl(&["x509", "-in", s(&cert), "-outform", "DER"]).stdout;
        let last = der.len() - 1;
        der[last] ^= 0x01;
        let bad_der = d.join(format!("{name}-bad.der"));
        fs::write(&bad_der, &der).unwrap();
        openssl(&[
            "x509",
            "-in",
            s(&bad_der),
            "-inform",
            "DER",
            "-out",
            s(&cert),
        ]);
        assert_eq!(status(&root), Some(ChainStatus::Broken), "{name} tampered");
        assert!(!openssl_ok(&cert), "openssl refuses tampered {name}");
    }
}
