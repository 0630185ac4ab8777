//! PKCS#7 / CMS certificate bundles (`.p7b`, `.p7c`, PEM `PKCS7`): the certificates of a
//! `SignedData`, read like any other bundle. Signatures over the (usually empty) content are
//! not the point of such files and are not checked.

use super::ber::{self, TAG_SEQUENCE, TAG_SET};

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

/// Whether DER/BER bytes are a PKCS#7 `ContentInfo` holding `SignedData`.
pub fn is_pkcs7(data: &[u8]) -> bool {
    ber::read(data)
        .ok()
        .and_then(|(ci, _)| ci.children().ok())
        .and_then(|items| items.first().and_then(|o| o.oid().ok()))
        .is_some_and(|oid| oid == OID_SIGNED_DATA)
}

/// The certificates of a PKCS#7 `SignedData` bundle, DER, in file order.
pub fn certificates(data: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let damaged = || "the PKCS#7 bundle is damaged".to_string();
    let (ci, _) = ber::read(data).map_err(|_| damaged())?;
    if !ci.is(TAG_SEQUENCE) {
        return Err(damaged());
    }
    let items = ci.children().map_err(|_| damaged())?;
    let oid = items
        .first()
        .and_then(|o| o.oid().ok())
        .ok_or_else(damaged)?;
    if oid != OID_SIGNED_DATA {
        return Err(format!(
            "the PKCS#7 file holds content of type {oid}, not a certificate bundle"
        ));
    }
    let signed = items
        .get(1)
        .filter(|t| t.is_context(0))
        .and_then(|t| t.children().ok())
        .and_then(|c| c.into_iter().next())
        .filter(|t| t.is(TAG_SEQUENCE))
        .ok_or_else(damaged)?;
    let fields = signed.children().map_err(|_| damaged())?;
    // version, digestAlgorithms SET, encapContentInfo, [0] IMPLICIT certificates, ...
    if !fields.get(1).is_some_and(|t| t.is(TAG_SET)) {
        return Err(damaged());
    }
    let Some(certs) = fields.iter().skip(3).find(|t| t.is_context(0)) else {
        return Ok(Vec::new());
    };
    let certs = certs.children().map_err(|_| damaged())?;
    // Other certificate choices (attribute certificates, tagged [n]) are not X.509.
    Ok(certs
        .iter()
        .filter(|c| c.is(TAG_SEQUENCE))
        .map(|c| c.raw.to_vec())
        .collect())
}
