//! Demo certificates: a root and intermediate CA, the LANrev server's self-signed identity and
//! the MDM organisation certificate. Keys are Ed25519 built from seeded bytes and Ed25519
//! signatures are deterministic, so the same seed gives the same PEM bytes.

use super::DemoError;
use super::fleet::rng;
use super::tree::Tree;
use crate::profile::{CertStoreKind, Profile};
use chrono::{DateTime, Datelike, Duration, Utc};
use rand::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use std::path::Path;

/// PKCS#8 v1 prefix of an Ed25519 private key; the 32 seed bytes follow.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// File names of the server identity inside the `Certificates` folder.
pub(crate) const SERVER_CERT_FILE: &str = "server.crt";
/// The identity's private key file (always 0600).
pub(crate) const SERVER_KEY_FILE: &str = "server.key";

/// A certificate and the PEM of its private key.
pub(crate) struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// What one generation of certificate stores holds.
pub(crate) struct Stores {
    /// The LANrev server identity (Certificates folder).
    pub server: Identity,
    /// Certificates of the MDM trust bundle, in file order.
    pub bundle: Vec<String>,
    /// The MDM organisation certificate (lighttpd.pem, first part).
    pub org_cert_pem: String,
    /// The private key written after it (lighttpd.pem, second part).
    pub org_key_pem: String,
}

/// Every certificate a scenario needs: the original stores and, for `new-server`, the ones a
/// fresh install left behind.
pub(crate) struct Pki {
    /// The server's stores before the disaster (and in every backup set).
    pub original: Stores,
    /// A fresh install's stores: new self-signed identity, bundle without it, a key that does
    /// not match the organisation certificate, which expires soon.
    pub fresh: Stores,
}

fn err(what: &'static str) -> impl Fn(rcgen::Error) -> DemoError {
    move |source| DemoError::Certificate { what, source }
}

fn key_pair(r: &mut impl RngCore, what: &'static str) -> Result<KeyPair, DemoError> {
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    let mut seed = [0u8; 32];
    r.fill_bytes(&mut seed);
    der.extend_from_slice(&seed);
    KeyPair::try_from(der.as_slice()).map_err(err(what))
}

/// Set the validity period, at day granularity (midnight UTC), from the reference clock.
fn validity(p: &mut CertificateParams, from: DateTime<Utc>, to: DateTime<Utc>) {
    p.not_before = rcgen::date_time_ymd(from.year(), from.month() as u8, from.day() as u8);
    p.not_after = rcgen::date_time_ymd(to.year(), to.month() as u8, to.day() as u8);
}

fn name(pairs: &[(DnType, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (ty, value) in pairs {
        dn.push(ty.clone(), *value);
    }
    dn
}

fn ca_params(
    cn: &str,
    serial: u64,
    constraint: BasicConstraints,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(&[
        (DnType::CountryName, "GB"),
        (DnType::OrganizationName, "Example Corp"),
        (DnType::CommonName, cn),
    ]);
    p.is_ca = IsCa::Ca(constraint);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.serial_number = Some(SerialNumber::from(serial));
    p.use_authority_key_identifier_extension = true;
    validity(&mut p, from, to);
    p
}

fn leaf_params(
    hostname: &str,
    organisation: &str,
    unit: &str,
    serial: u64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<CertificateParams, DemoError> {
    let mut p = CertificateParams::new(vec![hostname.to_string()]).map_err(err("host name"))?;
    p.distinguished_name = name(&[
        (DnType::OrganizationName, organisation),
        (DnType::OrganizationalUnitName, unit),
        (DnType::CommonName, hostname),
    ]);
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    p.serial_number = Some(SerialNumber::from(serial));
    validity(&mut p, from, to);
    Ok(p)
}

/// A self-signed root CA certificate (PEM) named after `label`, seeded by `seed` and `label`.
pub(crate) fn root_ca_pem(
    seed: u64,
    label: &str,
    serial: u64,
    now: DateTime<Utc>,
) -> Result<String, DemoError> {
    let mut r = rng(seed, label);
    let key = key_pair(&mut r, "root certificate key")?;
    let params = ca_params(
        &format!("{label} (demo)"),
        serial,
        BasicConstraints::Unconstrained,
        now - Duration::days(400),
        now + Duration::days(3000),
    );
    Ok(params
        .self_signed(&key)
        .map_err(err("root certificate"))?
        .pem())
}

impl Pki {
    /// Generate every certificate for `hostname`, relative to the reference clock `now`.
    pub(crate) fn generate(
        seed: u64,
        now: DateTime<Utc>,
        hostname: &str,
    ) -> Result<Pki, DemoError> {
        let mut r = rng(seed, "pki");
        let days = Duration::days;

        let root_key = key_pair(&mut r, "root CA key")?;
        let root_params = ca_params(
            "Example Corp Root CA",
            0x1001,
            BasicConstraints::Unconstrained,
            now - days(900),
            now + days(3650),
        );
        let root_cert = root_params.self_signed(&root_key).map_err(err("root CA"))?;
        let root = Issuer::new(root_params, root_key);

        let inter_key = key_pair(&mut r, "intermediate CA key")?;
        let inter_params = ca_params(
            "Example Corp MDM Issuing CA",
            0x1002,
            BasicConstraints::Constrained(0),
            now - days(700),
            now + days(1800),
        );
        let inter_cert = inter_params
            .signed_by(&inter_key, &root)
            .map_err(err("intermediate CA"))?;
        let inter = Issuer::new(inter_params, inter_key);

        // LANrev generates its own self-signed identity at installation.
        let server_key = key_pair(&mut r, "server key")?;
        let server_cert = leaf_params(
            hostname,
            "LANrev Server",
            "Server Identity",
            0x2001,
            now - days(640),
            now + days(3010),
        )?
        .self_signed(&server_key)
        .map_err(err("server certificate"))?;

        let org_key = key_pair(&mut r, "MDM organisation key")?;
        let org_cert = leaf_params(
            hostname,
            "Example Corp",
            "MDM",
            0x3001,
            now - days(200),
            now + days(165),
        )?
        .signed_by(&org_key, &inter)
        .map_err(err("MDM organisation certificate"))?;

        let original = Stores {
            server: Identity {
                cert_pem: server_cert.pem(),
                key_pem: server_key.serialize_pem(),
            },
            bundle: vec![server_cert.pem(), inter_cert.pem(), root_cert.pem()],
            org_cert_pem: org_cert.pem(),
            org_key_pem: org_key.serialize_pem(),
        };

        // The fresh install: a new identity made today, and an organisation certificate
        // renewed long ago that is about to run out, next to somebody else's key.
        let fresh_key = key_pair(&mut r, "fresh server key")?;
        let fresh_cert = leaf_params(
            hostname,
            "LANrev Server",
            "Server Identity",
            0x2002,
            now,
            now + days(3650),
        )?
        .self_signed(&fresh_key)
        .map_err(err("fresh server certificate"))?;
        let stray_key = key_pair(&mut r, "stray key")?;
        let expiring_cert = leaf_params(
            hostname,
            "Example Corp",
            "MDM",
            0x3002,
            now - days(353),
            now + days(12),
        )?
        .signed_by(&org_key, &inter)
        .map_err(err("expiring MDM organisation certificate"))?;
        let fresh = Stores {
            server: Identity {
                cert_pem: fresh_cert.pem(),
                key_pem: fresh_key.serialize_pem(),
            },
            bundle: vec![inter_cert.pem(), root_cert.pem()],
            org_cert_pem: expiring_cert.pem(),
            org_key_pem: stray_key.serialize_pem(),
        };
        Ok(Pki { original, fresh })
    }
}

/// Write the profile's certificate stores from `stores`, under `base` (the root for live stores,
/// a set folder for backups, where `backup` paths apply). Stores the profile lacks are skipped.
pub(crate) fn write_stores(
    tree: &mut Tree,
    profile: &Profile,
    stores: &Stores,
    base: &Path,
    backup: bool,
    at: DateTime<Utc>,
) -> Result<(), DemoError> {
    for store in &profile.certificates {
        let rel = base.join(if backup { &store.backup } else { &store.path });
        match store.kind {
            CertStoreKind::Folder => {
                tree.write(
                    &rel.join(SERVER_CERT_FILE),
                    stores.server.cert_pem.as_bytes(),
                    at,
                )?;
                tree.write_private(
                    &rel.join(SERVER_KEY_FILE),
                    stores.server.key_pem.as_bytes(),
                    at,
                )?;
            }
            CertStoreKind::Bundle => {
                tree.write(&rel, stores.bundle.concat().as_bytes(), at)?;
            }
            CertStoreKind::IdentityFile => {
                // The file holds a private key, so it is private as a whole.
                let text = format!("{}{}", stores.org_cert_pem, stores.org_key_pem);
                tree.write_private(&rel, text.as_bytes(), at)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::*;

    fn parse(pem: &str) -> Vec<u8> {
        let (_, p) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
        p.contents
    }

    #[test]
    fn same_seed_gives_identical_certificates() {
        let now = crate::demo::reference_now();
        let a = Pki::generate(3, now, "lanrev.example.com").unwrap();
        let b = Pki::generate(3, now, "lanrev.example.com").unwrap();
        assert_eq!(a.original.server.cert_pem, b.original.server.cert_pem);
        assert_eq!(a.original.org_cert_pem, b.original.org_cert_pem);
        assert_eq!(a.fresh.org_key_pem, b.fresh.org_key_pem);
        let c = Pki::generate(4, now, "lanrev.example.com").unwrap();
        assert_ne!(a.original.server.cert_pem, c.original.server.cert_pem);
    }

    #[test]
    fn server_certificate_names_the_host_and_org_chain_verifies() {
        let now = crate::demo::reference_now();
        let pki = Pki::generate(1, now, "lanrev.example.com").unwrap();
        let der = parse(&pki.original.server.cert_pem);
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        let cn = cert
            .subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap();
        assert_eq!(cn, "lanrev.example.com");
        let san = cert.subject_alternative_name().unwrap().unwrap();
        assert!(
            san.value
                .general_names
                .iter()
                .any(|n| matches!(n, GeneralName::DNSName(d) if *d == "lanrev.example.com"))
        );
        cert.verify_signature(None).unwrap();

        let org_der = parse(&pki.original.org_cert_pem);
        let (_, org) = X509Certificate::from_der(&org_der).unwrap();
        let inter_der = parse(&pki.original.bundle[1]);
        let (_, inter) = X509Certificate::from_der(&inter_der).unwrap();
        org.verify_signature(Some(inter.public_key())).unwrap();
        assert_eq!(org.issuer(), inter.subject());
        let left = org.validity().not_after.timestamp() - now.timestamp();
        assert!(
            left > 30 * 86_400,
            "organisation certificate expires too soon"
        );
    }
}
