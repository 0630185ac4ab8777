//! `catalog.z` (and `PkgCatalog.z`): a signed, encrypted archive, treated as opaque. Only its
//! frame is checked: `EPO\0`, a little-endian u32 `2`, a little-endian u32 payload length,
//! then the payload, whose length is a multiple of 8 and agrees with the file's size.

/// The magic bytes at the start.
pub const MAGIC: &[u8; 4] = b"EPO\0";
/// The format version the frame carries.
pub const VERSION: u32 = 2;
/// Header bytes before the payload.
pub const HEADER: u64 = 12;

/// What is wrong with a catalog's frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// Shorter than its header.
    #[error("only {0} bytes: shorter than the 12-byte header (truncated)")]
    TooShort(u64),
    /// Does not start with `EPO\0`.
    #[error("does not start with EPO\\0: not an ePO catalog")]
    Magic,
    /// Another format version.
    #[error("format version {0}, expected 2")]
    Version(u32),
    /// The payload length disagrees with the file.
    #[error(
        "the header announces {announced} payload bytes but the file holds {actual} (truncated or padded)"
    )]
    Length { announced: u64, actual: u64 },
    /// The payload is not whole 8-byte blocks.
    #[error("payload of {0} bytes is not a multiple of 8 (cut mid-block)")]
    Block(u64),
}

/// Check a catalog's frame from its first 12 bytes and its total size.
pub fn check(head: &[u8], size: u64) -> Result<u64, CatalogError> {
    if size < HEADER || head.len() < HEADER as usize {
        return Err(CatalogError::TooShort(size.min(head.len() as u64)));
    }
    if &head[0..4] != MAGIC {
        return Err(CatalogError::Magic);
    }
    let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    let version = word(4);
    if version != VERSION {
        return Err(CatalogError::Version(version));
    }
    let announced = u64::from(word(8));
    let actual = size - HEADER;
    if announced != actual {
        return Err(CatalogError::Length { announced, actual });
    }
    if announced % 8 != 0 {
        return Err(CatalogError::Block(announced));
    }
    Ok(announced)
}

/// Whether bytes start like a catalog (for `inspect`).
pub fn looks_like(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// A catalog frame around `payload` (whose length must be a multiple of 8), for demos and tests.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + HEADER as usize);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn whole_frame_passes_and_truncation_is_named() {
        let f = frame(&[7u8; 64]);
        assert_eq!(check(&f[..12], f.len() as u64), Ok(64));
        assert!(matches!(
            check(&f[..12], f.len() as u64 - 5),
            Err(CatalogError::Length {
                announced: 64,
                actual: 59
            })
        ));
        assert_eq!(check(&f[..6], 6), Err(CatalogError::TooShort(6)));
        let mut bad = f.clone();
        bad[0] = b'X';
        assert_eq!(
            check(&bad[..12], bad.len() as u64),
            Err(CatalogError::Magic)
        );
        let odd = frame(&[1u8; 13]);
        assert_eq!(
            check(&odd[..12], odd.len() as u64),
            Err(CatalogError::Block(13))
        );
    }

    proptest! {
        #[test]
        fn never_panics(head in proptest::collection::vec(any::<u8>(), 0..32), size in any::<u64>()) {
            let _ = check(&head, size);
        }
    }
}
