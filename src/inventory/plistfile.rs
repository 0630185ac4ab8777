//! Property lists as an administrator meets them: XML (with CDATA sections and internal
//! entities), binary (with any offset size Apple's tools accept) and ASCII/OpenStep, read
//! into `plist::Value` without recursion and with a stated nesting limit, and errors told
//! as sentences. Both the settings check and the settings diff read through here.

use plist::stream::{AsciiReader, BinaryReader, Event, OwnedEvent, XmlReader};
use plist::{Dictionary, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Cursor;

/// Settings files larger than this are not settings files.
pub const MAX_PLIST_BYTES: u64 = 64 * 1024 * 1024;

/// Dictionaries and arrays nested deeper than this are not read (real settings nest < 20).
pub const MAX_DEPTH: usize = 512;

/// Internal entities may not expand to more than this many bytes in total (billion laughs).
const MAX_ENTITY_BYTES: usize = 16 * 1024 * 1024;

/// Entities referring to entities may nest this deep.
const MAX_ENTITY_NESTING: usize = 32;

/// The three encodings of a property list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlistFormat {
    /// `<?xml …><plist>` text.
    Xml,
    /// `bplist00`.
    Binary,
    /// Old-style ASCII (OpenStep/NeXTSTEP): `{ key = value; }`.
    OpenStep,
    /// Not a property list: ITMS's `CoreSettings.config` (`<customSetting key=… value=…/>`),
    /// read by `coresettings` into the same dictionary.
    CoreSettings,
    /// Not a plist: Java-style `key=value` lines (`*.properties`, e.g. ePO's db.properties),
    /// read as a dictionary of strings so settings compare the same way.
    Properties,
}

impl PlistFormat {
    /// The name shown in reports and JSON: `xml`, `binary` or `openstep`.
    pub fn as_str(self) -> &'static str {
        match self {
            PlistFormat::Xml => "xml",
            PlistFormat::Binary => "binary",
            PlistFormat::OpenStep => "openstep",
            PlistFormat::CoreSettings => "core-settings",
            PlistFormat::Properties => "properties",
        }
    }

    fn title(self) -> &'static str {
        match self {
            PlistFormat::Xml => "XML",
            PlistFormat::Binary => "binary",
            PlistFormat::OpenStep => "ASCII (OpenStep)",
            PlistFormat::CoreSettings => super::coresettings::TITLE,
            PlistFormat::Properties => "key=value",
        }
    }
}

/// Why a property list could not be read, as a phrase that follows the file's name
/// (`/x/y.plist: not a valid XML property list: …`) or stands alone in a table.
#[derive(Debug, thiserror::Error)]
pub enum PlistError {
    /// The file could not be opened or read.
    #[error("cannot be read ({0}); drconsole cannot verify it")]
    Io(String),
    /// A folder stands where the file should be.
    #[error("a folder, not a property list file")]
    Folder,
    /// Zero bytes.
    #[error("empty (0 bytes); a settings file always holds at least one key")]
    Empty,
    /// Larger than any settings file.
    #[error("{0} bytes, too large for a settings file; drconsole does not read it")]
    TooLarge(u64),
    /// The bytes are not a property list of the format they claim.
    #[error("not a valid {format} property list: {reason}")]
    Malformed {
        /// `XML`, `binary` or `ASCII (OpenStep)`.
        format: &'static str,
        /// What is wrong, in words.
        reason: String,
    },
    /// A settings file of another format (CoreSettings.config) that is not well-formed.
    #[error("not a valid {format} file: {reason}")]
    MalformedSettings {
        /// The format's name.
        format: &'static str,
        /// What is wrong and where (line and column).
        reason: String,
    },
    /// Nested deeper than [`MAX_DEPTH`].
    #[error(
        "nested more than {MAX_DEPTH} levels deep (dictionaries and arrays); drconsole stops \
         reading there and cannot verify it"
    )]
    TooDeep,
    /// A valid variant drconsole does not read.
    #[error("{0}; drconsole cannot verify it")]
    Unsupported(String),
    /// The top level is not a dictionary.
    #[error("{0} at the top level, not a dictionary of settings")]
    NotDictionary(&'static str),
}

impl PlistError {
    /// Whether the file is shown to be damaged (as opposed to "cannot verify").
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            PlistError::Empty
                | PlistError::Malformed { .. }
                | PlistError::MalformedSettings { .. }
                | PlistError::NotDictionary(_)
        )
    }
}

/// A parsed property list.
#[derive(Debug, Clone)]
pub struct Plist {
    /// How the file was encoded.
    pub format: PlistFormat,
    /// The top-level value.
    pub value: Value,
}

impl Plist {
    /// The top-level dictionary, or why there is none.
    pub fn into_dictionary(self) -> Result<(PlistFormat, Dictionary), PlistError> {
        match self.value {
            Value::Dictionary(d) => Ok((self.format, d)),
            other => Err(PlistError::NotDictionary(kind_of(&other))),
        }
    }
}

/// Read and parse `file` (no larger than [`MAX_PLIST_BYTES`]), opened beneath its base
/// through the root-confined layer: a link anywhere beneath the base is refused, not followed.
pub fn read(file: &crate::fs::Confined) -> Result<Plist, PlistError> {
    use crate::fs::LimitedError;
    let data = crate::fs::read_limited(file, MAX_PLIST_BYTES).map_err(|e| match e {
        LimitedError::Folder => PlistError::Folder,
        LimitedError::TooLarge(n) => PlistError::TooLarge(n),
        LimitedError::Fs(e) => PlistError::Io(e.to_string()),
    })?;
    let is_properties = file
        .rel
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("properties"));
    if is_properties {
        return parse_properties(&data);
    }
    parse(&data)
}

/// Read a settings file of the given format: a property list, or a `CoreSettings.config`
/// read into a dictionary of its keys.
pub fn read_as(
    file: &crate::fs::Confined,
    format: crate::profile::SettingsFormat,
) -> Result<Plist, PlistError> {
    use crate::fs::LimitedError;
    use crate::profile::SettingsFormat;
    match format {
        SettingsFormat::Plist => read(file),
        SettingsFormat::CoreSettings => {
            let data = crate::fs::read_limited(file, MAX_PLIST_BYTES).map_err(|e| match e {
                LimitedError::Folder => PlistError::Folder,
                LimitedError::TooLarge(n) => PlistError::TooLarge(n),
                LimitedError::Fs(e) => PlistError::Io(e.to_string()),
            })?;
            Ok(Plist {
                format: PlistFormat::CoreSettings,
                value: Value::Dictionary(super::coresettings::parse(&data)?),
            })
        }
    }
}

/// A `key=value` file as a dictionary of strings; binary data or a file without one pair is
/// malformed (line numbers of oddities are in the message).
pub fn parse_properties(data: &[u8]) -> Result<Plist, PlistError> {
    if data.is_empty() {
        return Err(PlistError::Empty);
    }
    let malformed = |reason: String| PlistError::Malformed {
        format: PlistFormat::Properties.title(),
        reason,
    };
    if !crate::epo::properties::looks_like(data) {
        return Err(malformed(
            "binary data or text without a key=value line".into(),
        ));
    }
    let props = crate::epo::properties::parse(data);
    if props.entries.is_empty() {
        return Err(malformed(match props.problems.first() {
            Some(p) => p.to_string(),
            None => "no key=value line".into(),
        }));
    }
    let dict: Dictionary = props
        .entries
        .into_iter()
        .map(|e| (e.key, Value::String(e.value)))
        .collect();
    Ok(Plist {
        format: PlistFormat::Properties,
        value: Value::Dictionary(dict),
    })
}

/// Parse a property list of any of the three formats.
pub fn parse(data: &[u8]) -> Result<Plist, PlistError> {
    if data.is_empty() {
        return Err(PlistError::Empty);
    }
    if data.len() as u64 > MAX_PLIST_BYTES {
        return Err(PlistError::TooLarge(data.len() as u64));
    }
    if data.starts_with(b"bplist") {
        if !data.starts_with(b"bplist00") {
            let version = String::from_utf8_lossy(&data[6..data.len().min(8)]).into_owned();
            return Err(PlistError::Unsupported(format!(
                "a binary property list of version {version:?}, which only recent Apple systems \
                 write"
            )));
        }
        let fixed = widen_binary_offsets(data)?;
        let bytes: &[u8] = fixed.as_deref().unwrap_or(data);
        let value = build(PlistFormat::Binary, BinaryReader::new(Cursor::new(bytes)))?;
        return Ok(Plist {
            format: PlistFormat::Binary,
            value,
        });
    }
    if data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]) {
        return Err(PlistError::Unsupported(
            "UTF-16 text; drconsole reads UTF-8 property lists only".into(),
        ));
    }
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'<') {
        let xml = normalise_xml(text)?;
        let value = build(PlistFormat::Xml, XmlReader::new(Cursor::new(&xml[..])))?;
        Ok(Plist {
            format: PlistFormat::Xml,
            value,
        })
    } else {
        let value = build(PlistFormat::OpenStep, AsciiReader::new(Cursor::new(text)))?;
        Ok(Plist {
            format: PlistFormat::OpenStep,
            value,
        })
    }
}

/// What kind of value `v` is, for messages: "an array", "a string", ….
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "an array",
        Value::Dictionary(_) => "a dictionary",
        Value::Boolean(_) => "a boolean",
        Value::Data(_) => "data",
        Value::Date(_) => "a date",
        Value::Real(_) | Value::Integer(_) => "a number",
        Value::String(_) => "a string",
        Value::Uid(_) => "a UID",
        _ => "an unknown value",
    }
}

/// Deep equality in which a real equals itself even when it is NaN: the same bytes always
/// read as the same value. Recursion is bounded by [`MAX_DEPTH`] through [`parse`].
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Dictionary(x), Value::Dictionary(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

/// One open container while building.
enum Frame {
    Array(Vec<Value>),
    Dict(Dictionary, Option<String>),
}

/// Build a value from an event stream with an explicit stack (a deep file cannot overflow
/// ours) and stop at [`MAX_DEPTH`] so no later recursion (compare, drop, display) can.
fn build<I>(format: PlistFormat, events: I) -> Result<Value, PlistError>
where
    I: Iterator<Item = Result<OwnedEvent, plist::Error>>,
{
    let malformed = |reason: String| PlistError::Malformed {
        format: format.title(),
        reason,
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    for event in events {
        let event = event.map_err(|e| malformed(explain(&e)))?;
        if root.is_some() {
            return Err(malformed(
                "more than one value stands at the top level".into(),
            ));
        }
        let value = match event {
            Event::StartArray(_) | Event::StartDictionary(_) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(PlistError::TooDeep);
                }
                stack.push(match event {
                    Event::StartArray(_) => Frame::Array(Vec::new()),
                    _ => Frame::Dict(Dictionary::new(), None),
                });
                continue;
            }
            Event::EndCollection => match stack.pop() {
                Some(Frame::Array(a)) => Value::Array(a),
                Some(Frame::Dict(d, None)) => Value::Dictionary(d),
                Some(Frame::Dict(_, Some(k))) => {
                    return Err(malformed(format!("the key {k:?} has no value")));
                }
                None => return Err(malformed("a collection ends that never began".into())),
            },
            Event::Boolean(b) => Value::Boolean(b),
            Event::Data(d) => Value::Data(d.into_owned()),
            Event::Date(d) => Value::Date(d),
            // Apple reads every OpenStep scalar as a string; the crate makes numerals integers.
            Event::Integer(i) if format == PlistFormat::OpenStep => Value::String(i.to_string()),
            Event::Integer(i) => Value::Integer(i),
            Event::Real(r) => Value::Real(r),
            Event::String(s) => Value::String(s.into_owned()),
            Event::Uid(u) => Value::Uid(u),
            _ => return Err(malformed("it holds a value of an unknown kind".into())),
        };
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Array(a)) => a.push(value),
            Some(Frame::Dict(d, key)) => match (key.take(), value) {
                (None, Value::String(k)) => *key = Some(k),
                (None, other) => {
                    return Err(malformed(format!(
                        "a dictionary key is {}, not a string",
                        kind_of(&other)
                    )));
                }
                (Some(k), v) => {
                    d.insert(k, v);
                }
            },
        }
    }
    match (root, stack.is_empty()) {
        (Some(v), true) => Ok(v),
        (None, true) => Err(malformed("it holds no value".into())),
        _ => Err(malformed(
            "it ends before every dictionary and array is closed".into(),
        )),
    }
}

/// The `plist` crate's error (`InvalidTrailerObjectOffsetSize (offset 30)`) in words.
fn explain(e: &plist::Error) -> String {
    if let Some(io) = e.as_io() {
        return format!("reading it failed ({io})");
    }
    let text = e.to_string();
    let kind = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("");
    let at = text
        .rsplit_once("(offset ")
        .and_then(|(_, n)| n.trim_end_matches(')').parse::<u64>().ok())
        .map(|n| format!(" (at byte {n})"))
        .unwrap_or_default();
    let what = match kind {
        "UnexpectedEof" | "UnexpectedEndOfEventStream" => "the file ends too early",
        "UnexpectedEventType" => "a value stands where another kind was expected",
        "ExpectedEndOfEventStream" => "more than one value stands at the top level",
        "UnclosedString" => "a quoted string is never closed",
        "IncompleteComment" => "a comment is never closed",
        "InvalidUtf8AsciiStream" | "InvalidXmlUtf8" => "the text is not valid UTF-8",
        "InvalidOctalString" => "a string holds an invalid octal escape",
        "UnclosedXmlElement" => "an element is never closed",
        "UnexpectedXmlCharactersExpectedElement" => "text stands where an element was expected",
        "UnexpectedXmlOpeningTag" => "an element opens inside a value",
        "UnknownXmlElement" => "it uses an element that property lists do not have",
        "InvalidXmlSyntax" => "the XML is malformed",
        "InvalidDataString" => "a <data> value is not valid base64",
        "InvalidDateString" => "a <date> value is not a valid date",
        "InvalidIntegerString" => "an <integer> value is not a whole number",
        "InvalidRealString" => "a <real> value is not a number",
        "UidNotSupportedInXmlPlist" => "it holds a UID, which XML property lists cannot",
        "ObjectTooLarge" => "an object claims to be larger than the file",
        "InvalidMagic" => "it does not start with bplist00",
        "InvalidTrailerObjectOffsetSize" => "the trailer gives an invalid size for object offsets",
        "InvalidTrailerObjectReferenceSize" => {
            "the trailer gives an invalid size for object references"
        }
        "InvalidObjectLength" => "an object has an invalid length",
        "ObjectReferenceTooLarge" => "an object refers to an object that does not exist",
        "ObjectOffsetTooLarge" => "an object offset points outside the file",
        "RecursiveObject" => "an object contains itself",
        "NullObjectUnimplemented" | "FillObjectUnimplemented" => {
            "it holds a null or fill object, which settings cannot use"
        }
        "IntegerOutOfRange" => "an integer is out of range",
        "OverflowOrNanDate" => "a date is out of range",
        "InvalidUtf8String" | "InvalidUtf16String" => "a string is not valid text",
        "UnknownObjectType" => "an object has an unknown type",
        _ => "the parser could not make sense of it",
    };
    format!("{what}{at}")
}

/// Binary trailer: the last 32 bytes.
struct Trailer {
    offset_size: u8,
    ref_size: u8,
    objects: u64,
    table_at: u64,
}

fn trailer(data: &[u8]) -> Option<Trailer> {
    let t = data.get(data.len().checked_sub(32)?..)?;
    let be =
        |r: std::ops::Range<usize>| t[r].iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    Some(Trailer {
        offset_size: t[6],
        ref_size: t[7],
        objects: be(8..16),
        table_at: be(24..32),
    })
}

/// Apple's reader, plistlib and libplist accept object offsets of any width from 1 to 8
/// bytes; the `plist` crate only 1–4 and 8. Rewrite a 5–7-byte offset table as an 8-byte
/// one appended after the objects (the objects themselves are unchanged). `None`: nothing
/// to do.
fn widen_binary_offsets(data: &[u8]) -> Result<Option<Vec<u8>>, PlistError> {
    let Some(t) = trailer(data) else {
        return Ok(None);
    };
    if matches!(t.ref_size, 5..=7) {
        return Err(PlistError::Unsupported(format!(
            "a binary property list with {}-byte object references, which drconsole does not \
             read",
            t.ref_size
        )));
    }
    if !matches!(t.offset_size, 5..=7) {
        return Ok(None);
    }
    let malformed = |reason: &str| PlistError::Malformed {
        format: "binary",
        reason: reason.into(),
    };
    let width = usize::from(t.offset_size);
    let body_end = data.len() - 32;
    let table = usize::try_from(t.objects)
        .ok()
        .and_then(|n| n.checked_mul(width))
        .and_then(|len| {
            let start = usize::try_from(t.table_at).ok()?;
            let end = start.checked_add(len)?;
            (end <= body_end).then(|| &data[start..end])
        })
        .ok_or_else(|| malformed("the offset table lies outside the file"))?;
    let mut out = Vec::with_capacity(body_end + table.len() / width * 8 + 32);
    out.extend_from_slice(&data[..body_end]);
    for entry in table.chunks_exact(width) {
        let mut wide = [0u8; 8];
        wide[8 - width..].copy_from_slice(entry);
        out.extend_from_slice(&wide);
    }
    out.extend_from_slice(&data[body_end..body_end + 6]);
    out.push(8);
    out.push(t.ref_size);
    out.extend_from_slice(&data[body_end + 8..body_end + 24]);
    out.extend_from_slice(&(body_end as u64).to_be_bytes());
    Ok(Some(out))
}

/// An internal entity's value, or an external one (which is never fetched).
enum Entity {
    Internal(String),
    External,
}

/// Rewrite XML so the `plist` crate reads what an XML parser would: CDATA sections become
/// escaped text and internal entities (`<!DOCTYPE plist [<!ENTITY …>]>`) are expanded;
/// everything else is copied byte for byte. A reference to an undeclared or external
/// entity is an error rather than the empty string the crate would read.
fn normalise_xml(data: &[u8]) -> Result<Cow<'_, [u8]>, PlistError> {
    use quick_xml::events::Event as X;
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut entities: HashMap<String, Entity> = HashMap::new();
    let mut out: Vec<u8> = Vec::with_capacity(data.len());
    let mut changed = false;
    let mut budget = MAX_ENTITY_BYTES;
    let mut start = 0usize;
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            // Leave syntax errors to the plist reader, which reports them in its own terms.
            Err(_) => return Ok(Cow::Borrowed(data)),
        };
        let end = usize::try_from(reader.buffer_position())
            .unwrap_or(data.len())
            .min(data.len());
        match event {
            X::Eof => break,
            X::DocType(d) => {
                declare_entities(&d, &mut entities);
                changed = true;
            }
            X::CData(c) => {
                escape_into(c.as_bytes(), &mut out);
                changed = true;
            }
            X::GeneralRef(r) => {
                let name = r.to_string();
                if r.is_char_ref() || is_predefined(&name) {
                    out.extend_from_slice(&data[start..end]);
                } else {
                    let text = expand(&name, &entities, 0, &mut budget)?;
                    out.extend_from_slice(text.as_bytes());
                    changed = true;
                }
            }
            _ => out.extend_from_slice(&data[start..end]),
        }
        start = end;
    }
    Ok(if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(data)
    })
}

fn is_predefined(name: &str) -> bool {
    matches!(name, "lt" | "gt" | "amp" | "apos" | "quot")
}

fn escape_into(text: &[u8], out: &mut Vec<u8>) {
    for &b in text {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            _ => out.push(b),
        }
    }
}

/// The replacement text of `name`, its own entity references expanded.
fn expand(
    name: &str,
    entities: &HashMap<String, Entity>,
    nesting: usize,
    budget: &mut usize,
) -> Result<String, PlistError> {
    let unsupported = |why: String| PlistError::Unsupported(why);
    if nesting > MAX_ENTITY_NESTING {
        return Err(unsupported(format!(
            "an XML property list whose entities nest more than {MAX_ENTITY_NESTING} levels \
             (at &{name};)"
        )));
    }
    let value = match entities.get(name) {
        Some(Entity::Internal(v)) => v,
        Some(Entity::External) => {
            return Err(unsupported(format!(
                "an XML property list using the external entity &{name};, which drconsole \
                 never fetches"
            )));
        }
        None => {
            return Err(PlistError::Malformed {
                format: "XML",
                reason: format!("it uses the entity &{name};, which it never declares"),
            });
        }
    };
    let mut out = String::new();
    let mut rest = value.as_str();
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            out.push_str(&rest[amp..]);
            rest = "";
            break;
        };
        let inner = &after[..semi];
        if inner.starts_with('#') || is_predefined(inner) {
            out.push_str(&rest[amp..amp + 2 + semi]);
        } else {
            out.push_str(&expand(inner, entities, nesting + 1, budget)?);
        }
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    *budget = budget.checked_sub(out.len()).ok_or_else(|| {
        unsupported(format!(
            "an XML property list whose entities expand to more than {} MiB (at &{name};)",
            MAX_ENTITY_BYTES >> 20
        ))
    })?;
    Ok(out)
}

/// Record the `<!ENTITY name "value">` declarations of a DOCTYPE's internal subset (the
/// first declaration of a name wins, as in XML). Parameter entities are ignored.
fn declare_entities(doctype: &str, entities: &mut HashMap<String, Entity>) {
    let mut rest: &str = doctype;
    while let Some(at) = rest.find("<!ENTITY") {
        rest = rest[at + "<!ENTITY".len()..].trim_start();
        if rest.starts_with('%') {
            continue;
        }
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '>')
            .unwrap_or(rest.len());
        let name = rest[..name_len].to_string();
        rest = rest[name_len..].trim_start();
        let entity = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => match rest[1..].find(q) {
                Some(close) => {
                    let value = rest[1..1 + close].to_string();
                    rest = &rest[close + 2..];
                    Entity::Internal(value)
                }
                None => Entity::External,
            },
            _ => Entity::External,
        };
        entities.entry(name).or_insert(entity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_expand_through_each_other_and_laughs_stop() {
        let doc = |subset: &str, body: &str| {
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE plist [{subset}]><plist><dict>\
                 <key>k</key><string>{body}</string></dict></plist>"
            )
        };
        let v = parse(doc("<!ENTITY a \"x&b;\"><!ENTITY b 'y&amp;'>", "&a;").as_bytes())
            .unwrap()
            .value;
        assert_eq!(
            v.as_dictionary().unwrap().get("k").unwrap().as_string(),
            Some("xy&")
        );
        let mut laughs = String::from("<!ENTITY l0 \"lollollollol\">");
        for i in 1..10 {
            let refs = format!("&l{};", i - 1).repeat(10);
            laughs.push_str(&format!("<!ENTITY l{i} \"{refs}\">"));
        }
        let err = parse(doc(&laughs, "&l9;").as_bytes()).unwrap_err();
        assert!(matches!(err, PlistError::Unsupported(_)), "{err}");
        let err = parse(doc("", "&nope;").as_bytes()).unwrap_err();
        assert!(err.to_string().contains("&nope;"), "{err}");
    }
}
