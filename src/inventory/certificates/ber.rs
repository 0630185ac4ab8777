//! A small BER reader (definite and indefinite lengths, constructed strings) for the container
//! formats real exporters write: PKCS#12 from Firefox/NSS and PKCS#7 bundles. DER is a subset.
//! Nothing here panics on bad input; nesting is bounded.

/// Deepest nesting accepted: real files nest about a dozen levels.
const MAX_DEPTH: usize = 64;

/// Universal tags used by the readers.
pub const TAG_INTEGER: u32 = 2;
pub const TAG_OCTET_STRING: u32 = 4;
pub const TAG_OID: u32 = 6;
pub const TAG_SEQUENCE: u32 = 16;
pub const TAG_SET: u32 = 17;

/// Tag classes.
pub const UNIVERSAL: u8 = 0;
pub const CONTEXT: u8 = 2;

/// One BER element.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// Tag class (0 universal, 1 application, 2 context, 3 private).
    pub class: u8,
    /// Whether the content is made of elements.
    pub constructed: bool,
    /// Tag number.
    pub tag: u32,
    /// Content octets (without an indefinite length's end marker).
    pub content: &'a [u8],
    /// The whole element, header included.
    pub raw: &'a [u8],
}

/// Why BER could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BerError;

impl<'a> Tlv<'a> {
    /// Whether this is the universal element `tag`.
    pub fn is(&self, tag: u32) -> bool {
        self.class == UNIVERSAL && self.tag == tag
    }

    /// Whether this is the context-specific element `[tag]`.
    pub fn is_context(&self, tag: u32) -> bool {
        self.class == CONTEXT && self.tag == tag
    }

    /// The elements of a constructed element.
    pub fn children(&self) -> Result<Vec<Tlv<'a>>, BerError> {
        if !self.constructed {
            return Err(BerError);
        }
        children(self.content, 0)
    }

    /// The octets of a string element, joining the pieces of a constructed one.
    pub fn octets(&self) -> Result<Vec<u8>, BerError> {
        let mut out = Vec::new();
        collect_octets(self, &mut out, 0)?;
        Ok(out)
    }

    /// A dotted object identifier.
    pub fn oid(&self) -> Result<String, BerError> {
        if !self.is(TAG_OID) || self.constructed {
            return Err(BerError);
        }
        oid_string(self.content)
    }

    /// A small non-negative integer.
    pub fn u64(&self) -> Result<u64, BerError> {
        if !self.is(TAG_INTEGER) || self.constructed || self.content.is_empty() {
            return Err(BerError);
        }
        if self.content[0] & 0x80 != 0 {
            return Err(BerError);
        }
        let digits = strip_leading_zeros(self.content);
        if digits.len() > 8 {
            return Err(BerError);
        }
        Ok(digits
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[start..]
}

fn collect_octets(tlv: &Tlv<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError);
    }
    if !tlv.constructed {
        out.extend_from_slice(tlv.content);
        return Ok(());
    }
    for child in children(tlv.content, depth + 1)? {
        collect_octets(&child, out, depth + 1)?;
    }
    Ok(())
}

/// Read the first element of `data`; returns it and the bytes after it.
pub fn read(data: &[u8]) -> Result<(Tlv<'_>, &[u8]), BerError> {
    read_at(data, 0)
}

/// Read exactly one element that fills `data`.
pub fn read_all(data: &[u8]) -> Result<Tlv<'_>, BerError> {
    let (tlv, rest) = read(data)?;
    if rest.is_empty() {
        Ok(tlv)
    } else {
        Err(BerError)
    }
}

/// The elements that fill `data` (the content of a constructed element).
pub fn elements(data: &[u8]) -> Result<Vec<Tlv<'_>>, BerError> {
    children(data, 0)
}

fn children(mut data: &[u8], depth: usize) -> Result<Vec<Tlv<'_>>, BerError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (tlv, rest) = read_at(data, depth + 1)?;
        out.push(tlv);
        data = rest;
    }
    Ok(out)
}

fn read_at(data: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError);
    }
    let first = *data.first().ok_or(BerError)?;
    let class = first >> 6;
    let constructed = first & 0x20 != 0;
    let mut pos = 1;
    let mut tag = u32::from(first & 0x1f);
    if tag == 0x1f {
        tag = 0;
        loop {
            let b = *data.get(pos).ok_or(BerError)?;
            pos += 1;
            if tag > (u32::MAX >> 7) {
                return Err(BerError);
            }
            tag = (tag << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let len_byte = *data.get(pos).ok_or(BerError)?;
    pos += 1;
    if len_byte == 0x80 {
        // Indefinite length: elements up to the end-of-contents marker.
        if !constructed {
            return Err(BerError);
        }
        let start = pos;
        loop {
            let rest = data.get(pos..).ok_or(BerError)?;
            if rest.starts_with(&[0, 0]) {
                let content = &data[start..pos];
                let end = pos + 2;
                let tlv = Tlv {
                    class,
                    constructed,
                    tag,
                    content,
                    raw: &data[..end],
                };
                return Ok((tlv, &data[end..]));
            }
            let (_, after) = read_at(rest, depth + 1)?;
            pos = data.len() - after.len();
        }
    }
    let len = if len_byte & 0x80 == 0 {
        usize::from(len_byte)
    } else {
        let count = usize::from(len_byte & 0x7f);
        if count > 8 {
            return Err(BerError);
        }
        let bytes = data.get(pos..pos + count).ok_or(BerError)?;
        pos += count;
        let value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        usize::try_from(value).map_err(|_| BerError)?
    };
    let end = pos.checked_add(len).ok_or(BerError)?;
    let content = data.get(pos..end).ok_or(BerError)?;
    let tlv = Tlv {
        class,
        constructed,
        tag,
        content,
        raw: &data[..end],
    };
    Ok((tlv, &data[end..]))
}

fn oid_string(content: &[u8]) -> Result<String, BerError> {
    if content.is_empty() {
        return Err(BerError);
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for (i, b) in content.iter().enumerate() {
        if value > (u64::MAX >> 7) {
            return Err(BerError);
        }
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        } else if i + 1 == content.len() {
            return Err(BerError);
        }
    }
    Ok(arcs
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_and_constructed_strings_read_like_der() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" }, OID 1.2.840.113549 }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x06,
            0x06, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x00, 0x00,
        ];
        let seq = read_all(&ber).unwrap();
        let items = seq.children().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].octets().unwrap(), b"abc");
        assert_eq!(items[1].oid().unwrap(), "1.2.840.113549");
    }

    #[test]
    fn truncated_and_hostile_input_is_an_error_not_a_panic() {
        let mut deep = [0x30u8, 0x80].repeat(10_000);
        deep.extend([0u8; 4]);
        assert!(read(&deep).is_err());
        for data in [
            &[0x30, 0x85, 0xff, 0xff, 0xff, 0xff, 0xff][..],
            &[0x04, 0x80, 0x00, 0x00][..],
            &[0x30, 0x80, 0x04][..],
            &[0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00][..],
            &[][..],
        ] {
            assert!(read(data).is_err(), "{data:?}");
        }
    }
}
