//! Distinguished-name comparison as RFC 5280 §7.1 asks for chaining: the same RDNs in the same
//! order, attributes matched as sets, string values compared case-insensitively with
//! insignificant whitespace folded (RFC 4518), whatever string type each side uses.

use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// Whether two names are the same name for issuer/subject chaining.
pub fn same_name(a: &X509Name<'_>, b: &X509Name<'_>) -> bool {
    if a.as_raw() == b.as_raw() {
        return true;
    }
    let ra: Vec<_> = a.iter().collect();
    let rb: Vec<_> = b.iter().collect();
    if ra.len() != rb.len() {
        return false;
    }
    ra.iter().zip(&rb).all(|(x, y)| {
        let xs: Vec<&AttributeTypeAndValue<'_>> = x.iter().collect();
        let ys: Vec<&AttributeTypeAndValue<'_>> = y.iter().collect();
        xs.len() == ys.len()
            && xs
                .iter()
                .all(|xa| ys.iter().any(|ya| same_attribute(xa, ya)))
            && ys
                .iter()
                .all(|ya| xs.iter().any(|xa| same_attribute(xa, ya)))
    })
}

fn same_attribute(a: &AttributeTypeAndValue<'_>, b: &AttributeTypeAndValue<'_>) -> bool {
    if a.attr_type() != b.attr_type() {
        return false;
    }
    match (prepared(a), prepared(b)) {
        (Some(x), Some(y)) => x == y,
        // Not both strings: only identical encodings match.
        _ => {
            let (va, vb) = (a.attr_value(), b.attr_value());
            va.header.tag() == vb.header.tag() && va.data == vb.data
        }
    }
}

/// The value of a string attribute, case-folded with whitespace trimmed and runs of it
/// folded to one space; `None` for values that are not directory strings.
fn prepared(attr: &AttributeTypeAndValue<'_>) -> Option<String> {
    let value = attr.attr_value();
    let data = value.data;
    let text = match value.header.tag().0 {
        // UTF8String, PrintableString, TeletexString (as Latin-1), IA5String, VisibleString.
        12 | 19 | 22 | 26 => std::str::from_utf8(data).ok()?.to_string(),
        20 => data.iter().map(|&b| char::from(b)).collect(),
        // BMPString: UTF-16BE.
        30 => {
            if data.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()?
        }
        // UniversalString: UTF-32BE.
        28 => {
            if data.len() % 4 != 0 {
                return None;
            }
            data.chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect::<Option<String>>()?
        }
        _ => return None,
    };
    let folded = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    Some(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_with_subject(cn: &str, string_type: rcgen::DnValue) -> Vec<u8> {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, string_type);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn case_whitespace_and_string_type_do_not_change_a_name() {
        let a = cert_with_subject(
            "Test  CA",
            rcgen::DnValue::PrintableString("Example Org".try_into().unwrap()),
        );
        let b = cert_with_subject(
            " test ca ",
            rcgen::DnValue::Utf8String("EXAMPLE   org".into()),
        );
        let c = cert_with_subject("Test CA2", rcgen::DnValue::Utf8String("Example Org".into()));
        let (_, a) = x509_parser::parse_x509_certificate(&a).unwrap();
        let (_, b) = x509_parser::parse_x509_certificate(&b).unwrap();
        let (_, c) = x509_parser::parse_x509_certificate(&c).unwrap();
        assert!(same_name(a.subject(), b.subject()));
        assert!(!same_name(a.subject(), c.subject()));
    }
}
