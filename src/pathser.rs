//! Serialising paths that may not be UTF-8: JSON has no bytes, so such names are written with
//! U+FFFD in place of the bad bytes instead of failing the whole report (serde's default).

use serde::Serializer;
use std::path::{Path, PathBuf};

/// Serialise a path lossily.
pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

/// Serialise an optional path lossily.
pub mod option {
    use super::*;

    /// Serialise `Some(path)` lossily, `None` as null.
    pub fn serialize<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        match path {
            // `serialize_some`, not a bare string: the same in JSON, and binary formats
            // (the set cache's postcard) need the tag.
            Some(p) => s.serialize_some(&*p.to_string_lossy()),
            None => s.serialize_none(),
        }
    }
}

/// Serialise a list of paths lossily.
pub mod vec {
    use super::*;
    use serde::ser::SerializeSeq;

    /// Serialise every path lossily.
    pub fn serialize<S: Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(paths.len()))?;
        for p in paths {
            seq.serialize_element(&p.to_string_lossy())?;
        }
        seq.end()
    }
}
