//! Settings diff: a key-path comparison of two property lists (nested dictionaries and
//! arrays), values shown with their types. XML, binary and OpenStep plists parse to the same
//! values, so the file format alone never makes a difference.

use super::Change;
use crate::fs::Confined;
use crate::inventory::plistfile::{self, PlistError, same_value};
use crate::profile::SettingsFormat;
use plist::Value;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Longest value text shown before it is cut.
const VALUE_PREVIEW: usize = 120;

/// The differences between the set's copy of a settings file and the live one.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SettingsDiff {
    /// The set's file.
    pub set_file: PathBuf,
    /// The live file.
    pub live_file: PathBuf,
    /// `xml`, `binary` or `openstep` (the set's file).
    pub set_format: Option<String>,
    /// `xml`, `binary` or `openstep` (the live file).
    pub live_format: Option<String>,
    /// Every key path that differs, in key order.
    pub changes: Vec<KeyChange>,
}

impl SettingsDiff {
    /// Whether any key differs.
    pub fn differs(&self) -> bool {
        !self.changes.is_empty()
    }
}

/// One step of a key path: a dictionary key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PathStep {
    /// A dictionary key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// One key path whose value differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyChange {
    /// The path from the root, e.g. `["Servers", 2, "Host"]`.
    pub path: Vec<PathStep>,
    /// Added (only live), removed (only in the set), changed (same type), or type_changed.
    pub change: Change,
    /// The value in the set.
    pub set: Option<TypedValue>,
    /// The value live.
    pub live: Option<TypedValue>,
}

impl KeyChange {
    /// The path as one line: `Servers[2].Host`.
    pub fn path_text(&self) -> String {
        path_text(&self.path)
    }
}

/// The path as one line: keys joined by `.`, indexes in brackets.
pub fn path_text(path: &[PathStep]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            PathStep::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathStep::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() { "(root)".into() } else { s }
}

/// A plist value with its type, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypedValue {
    /// `string`, `integer`, `real`, `boolean`, `date`, `data`, `array`, `dictionary`, `uid`.
    #[serde(rename = "type")]
    pub ty: String,
    /// The value as text (containers: their size; data: hex preview and length).
    pub value: String,
}

/// Why a settings file could not be compared.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct SettingsError {
    /// The file.
    pub path: PathBuf,
    /// Why it could not be read, as the rest of a sentence.
    pub reason: PlistError,
}

/// Compare the set's settings file with the live one, each opened beneath its own folder
/// (the file itself must not be a link).
pub fn diff_settings(set_file: &Path, live_file: &Path) -> Result<SettingsDiff, SettingsError> {
    let beneath_parent = |p: &Path| {
        let base = p.parent().unwrap_or(Path::new("/"));
        Confined::within(base, p).map_err(|e| SettingsError {
            path: p.to_path_buf(),
            reason: PlistError::Io(e.to_string()),
        })
    };
    diff_settings_confined(&beneath_parent(set_file)?, &beneath_parent(live_file)?)
}

/// Compare the set's settings file with the live one, both read through the root-confined
/// layer (no link followed anywhere beneath their bases).
pub fn diff_settings_confined(
    set_file: &Confined,
    live_file: &Confined,
) -> Result<SettingsDiff, SettingsError> {
    diff_settings_as(set_file, live_file, SettingsFormat::Plist)
}

/// `diff_settings_confined` for settings files of the given format (plist or CoreSettings).
pub fn diff_settings_as(
    set_file: &Confined,
    live_file: &Confined,
    format: SettingsFormat,
) -> Result<SettingsDiff, SettingsError> {
    let (set, set_format) = read(set_file, format)?;
    let (live, live_format) = read(live_file, format)?;
    let mut out = SettingsDiff {
        set_file: set_file.path(),
        live_file: live_file.path(),
        set_format: Some(set_format.into()),
        live_format: Some(live_format.into()),
        changes: Vec::new(),
    };
    compare(&mut Vec::new(), &set, &live, &mut out.changes);
    Ok(out)
}

/// Compare two already-parsed plist values (used by tests and by the console).
pub fn diff_values(set: &Value, live: &Value) -> Vec<KeyChange> {
    let mut out = Vec::new();
    compare(&mut Vec::new(), set, live, &mut out);
    out
}

fn read(file: &Confined, format: SettingsFormat) -> Result<(Value, &'static str), SettingsError> {
    let plist = plistfile::read_as(file, format).map_err(|reason| SettingsError {
        path: file.path(),
        reason,
    })?;
    Ok((plist.value, plist.format.as_str()))
}

fn compare(path: &mut Vec<PathStep>, set: &Value, live: &Value, out: &mut Vec<KeyChange>) {
    match (set, live) {
        (Value::Dictionary(a), Value::Dictionary(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                path.push(PathStep::Key(k.clone()));
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => compare(path, x, y, out),
                    (Some(x), None) => out.push(entry(path, Change::Removed, Some(x), None)),
                    (None, Some(y)) => out.push(entry(path, Change::Added, None, Some(y))),
                    (None, None) => {}
                }
                path.pop();
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                path.push(PathStep::Index(i));
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => compare(path, x, y, out),
                    (Some(x), None) => out.push(entry(path, Change::Removed, Some(x), None)),
                    (None, Some(y)) => out.push(entry(path, Change::Added, None, Some(y))),
                    (None, None) => {}
                }
                path.pop();
            }
        }
        (a, b) if type_name(a) != type_name(b) => {
            out.push(entry(path, Change::TypeChanged, Some(a), Some(b)));
        }
        // NaN is not equal to itself, yet the same bytes must never read as a change.
        (a, b) if !same_value(a, b) => out.push(entry(path, Change::Changed, Some(a), Some(b))),
        _ => {}
    }
}

fn entry(
    path: &[PathStep],
    change: Change,
    set: Option<&Value>,
    live: Option<&Value>,
) -> KeyChange {
    KeyChange {
        path: path.to_vec(),
        change,
        set: set.map(typed),
        live: live.map(typed),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::Dictionary(_) => "dictionary",
        Value::Boolean(_) => "boolean",
        Value::Data(_) => "data",
        Value::Date(_) => "date",
        Value::Real(_) => "real",
        Value::Integer(_) => "integer",
        Value::String(_) => "string",
        Value::Uid(_) => "uid",
        _ => "unknown",
    }
}

/// A value with its type, ready to show.
pub fn typed(v: &Value) -> TypedValue {
    let value = match v {
        Value::Array(a) => format!("[{} items]", a.len()),
        Value::Dictionary(d) => format!("{{{} keys}}", d.len()),
        Value::Boolean(b) => b.to_string(),
        Value::Data(d) => {
            let hex: String = d.iter().take(32).map(|b| format!("{b:02x}")).collect();
            format!(
                "<{hex}{}> ({} bytes)",
                if d.len() > 32 { "…" } else { "" },
                d.len()
            )
        }
        Value::Date(d) => d.to_xml_format(),
        Value::Real(r) => format!("{r:?}"),
        Value::Integer(i) => i.to_string(),
        Value::String(s) => {
            let mut cut: String = s.chars().take(VALUE_PREVIEW).collect();
            if cut.len() < s.len() {
                cut.push('…');
            }
            format!("{cut:?}")
        }
        Value::Uid(u) => u.get().to_string(),
        _ => "?".into(),
    };
    TypedValue {
        ty: type_name(v).into(),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_key_paths() {
        let p = vec![
            PathStep::Key("Servers".into()),
            PathStep::Index(2),
            PathStep::Key("Host".into()),
        ];
        assert_eq!(path_text(&p), "Servers[2].Host");
        assert_eq!(path_text(&[]), "(root)");
    }
}
