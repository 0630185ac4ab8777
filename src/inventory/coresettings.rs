//! ITMS's `CoreSettings.config`: the Notification Server core settings, an XML file of
//! `<customSetting key=… type=… value=…/>` elements, read into the same key → value dictionary
//! the settings check and diff use for property lists. A malformed file is an error naming the
//! line and column, never a panic; DTDs and custom entities are not expanded.

use super::plistfile::PlistError;
use plist::{Dictionary, Value};
use quick_xml::events::{BytesStart, Event};

/// How the format is named in messages.
pub const TITLE: &str = "CoreSettings.config XML";

/// Parse the file's bytes into key → value. Registry-backed settings (`type="registry"`, no
/// `value`) read as `registry:KEY\VALUE` with their default, so a changed registry mapping
/// shows in a diff.
pub fn parse(data: &[u8]) -> Result<Dictionary, PlistError> {
    if data.is_empty() {
        return Err(PlistError::Empty);
    }
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if text.starts_with(&[0xFF, 0xFE]) || text.starts_with(&[0xFE, 0xFF]) {
        return Err(PlistError::Unsupported(
            "UTF-16 text; drconsole reads UTF-8 CoreSettings.config files only".into(),
        ));
    }
    let mut reader = quick_xml::Reader::from_reader(text);
    reader.config_mut().check_end_names = true;
    let mut dict = Dictionary::new();
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut settings = 0usize;
    let mut buf = Vec::new();
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| malformed(text, reader.error_position().max(at), &e.to_string()))?;
        match event {
            Event::Start(e) => {
                if depth == 0 && root_seen {
                    return Err(malformed(text, at, "a second top-level element"));
                }
                root_seen = true;
                depth += 1;
                if AsRef::<str>::as_ref(&e.local_name()) == "customSetting" {
                    settings += 1;
                    add(&mut dict, &e, text, at)?;
                }
            }
            Event::Empty(e) => {
                if depth == 0 && root_seen {
                    return Err(malformed(text, at, "a second top-level element"));
                }
                root_seen = true;
                if AsRef::<str>::as_ref(&e.local_name()) == "customSetting" {
                    settings += 1;
                    add(&mut dict, &e, text, at)?;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => {
                if depth > 0 {
                    return Err(malformed(
                        text,
                        text.len() as u64,
                        "the file ends inside an element: it was cut short",
                    ));
                }
                break;
            }
            Event::Text(t) if depth == 0 && !t.trim().is_empty() => {
                return Err(malformed(text, at, "text outside the top-level element"));
            }
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err(malformed(text, 0, "no XML element at all"));
    }
    if settings == 0 {
        return Err(malformed(
            text,
            0,
            "no <customSetting> element: not a CoreSettings.config file",
        ));
    }
    Ok(dict)
}

/// One `<customSetting>`: its key and what it sets.
fn add(dict: &mut Dictionary, e: &BytesStart, text: &[u8], at: u64) -> Result<(), PlistError> {
    let mut key = None;
    let mut value = None;
    let mut reg_key = None;
    let mut reg_value = None;
    let mut default = None;
    for attr in e.attributes() {
        let attr = attr.map_err(|err| malformed(text, at, &err.to_string()))?;
        let v = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| malformed(text, at, &err.to_string()))?
            .into_owned();
        match AsRef::<str>::as_ref(&attr.key.local_name()) {
            "key" => key = Some(v),
            "value" => value = Some(v),
            "regKey" => reg_key = Some(v),
            "regValue" => reg_value = Some(v),
            "defaultValue" => default = Some(v),
            _ => {}
        }
    }
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Err(malformed(
            text,
            at,
            "a <customSetting> without a key attribute",
        ));
    };
    let value = match (value, reg_key, reg_value) {
        (Some(v), _, _) => v,
        (None, Some(k), Some(r)) => format!(
            "registry:{k}\\{r}{}",
            default
                .map(|d| format!(" (default {d})"))
                .unwrap_or_default()
        ),
        (None, _, _) => default.unwrap_or_default(),
    };
    dict.insert(key, Value::String(value));
    Ok(())
}

fn malformed(text: &[u8], offset: u64, reason: &str) -> PlistError {
    let offset = (offset as usize).min(text.len());
    let before = &text[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    PlistError::MalformedSettings {
        format: TITLE,
        reason: format!("line {line}, column {column}: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <customSettings>
    <customSetting key="GenerateNSHTTPPackageCodebases" type="local" value="1" />
    <customSetting key="PkgSvrDownloadFromNSOnly" type="registry" regKey="Notification Server" regValue="PkgSvrDwonloadFromNSOnly" defaultValue="1" regValueType="DWORD" />
    <customSetting key="Url" type="local" value="https://ns01.example.com/&amp;x" />
  </customSettings>
</configuration>
"#;

    #[test]
    fn reads_keys_values_and_registry_settings() {
        let d = parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(
            d.get("GenerateNSHTTPPackageCodebases")
                .and_then(Value::as_string),
            Some("1")
        );
        assert_eq!(
            d.get("PkgSvrDownloadFromNSOnly").and_then(Value::as_string),
            Some("registry:Notification Server\\PkgSvrDwonloadFromNSOnly (default 1)")
        );
        assert_eq!(
            d.get("Url").and_then(Value::as_string),
            Some("https://ns01.example.com/&x")
        );
    }

    #[test]
    fn malformed_files_name_line_and_column() {
        let cut = &SAMPLE[..SAMPLE.find("<customSetting key=\"Url\"").unwrap() + 20];
        let err = parse(cut.as_bytes()).unwrap_err();
        assert!(err.is_damage());
        let msg = err.to_string();
        assert!(msg.contains("CoreSettings.config XML"), "{msg}");
        assert!(msg.contains("line 6"), "{msg}");

        let mismatched = "<configuration>\n<customSetting key=\"a\" value=\"1\">\n</configuration>";
        let msg = parse(mismatched.as_bytes()).unwrap_err().to_string();
        assert!(msg.contains("line 3"), "{msg}");

        for bad in [
            &b""[..],
            b"<configuration/>",
            b"not xml at all",
            b"<configuration><customSetting value=\"1\"/></configuration>",
            b"<a/><b/>",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn entities_are_not_expanded() {
        let evil = b"<!DOCTYPE c [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n<configuration><customSetting key=\"k\" value=\"&b;\"/></configuration>";
        assert!(parse(evil).is_err());
    }
}
