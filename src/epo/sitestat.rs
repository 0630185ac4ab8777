//! `SiteStat.xml`: a repository's status (`Enabled`, or `Disabled` while replication writes it)
//! and its catalog version, e.g.
//! `<SiteStatus Status="Enabled" CatalogVersion="20261122043000"></SiteStatus>`.

use super::Problem;
use quick_xml::events::{BytesStart, Event};

/// Whether clients may use the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    /// Clients use it.
    Enabled,
    /// Being written (or left mid-replication): clients skip it.
    Disabled,
}

impl Status {
    /// The attribute value as ePO writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Enabled => "Enabled",
            Status::Disabled => "Disabled",
        }
    }
}

/// A read SiteStat.xml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteStat {
    /// Enabled or Disabled.
    pub status: Status,
    /// The 14-digit catalog version.
    pub catalog_version: String,
}

/// Parse SiteStat.xml; a problem names the line.
pub fn parse(data: &[u8]) -> Result<SiteStat, Problem> {
    let line_at = |pos: u64| -> usize {
        let end = usize::try_from(pos).unwrap_or(data.len()).min(data.len());
        data[..end].iter().filter(|&&b| b == b'\n').count() + 1
    };
    let mut reader = quick_xml::Reader::from_reader(data);
    loop {
        let before = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let line = line_at(before);
                return element(&e, line);
            }
            Ok(Event::Eof) => return Err(Problem::new(line_at(before), "no SiteStatus element")),
            Ok(Event::Text(t)) if !t.trim().is_empty() => {
                let lead = t.len() - t.trim_start().len();
                return Err(Problem::new(
                    line_at(before + lead as u64),
                    "text before the SiteStatus element: not XML",
                ));
            }
            Ok(_) => {}
            Err(e) => {
                return Err(Problem::new(
                    line_at(reader.error_position()),
                    format!("not well-formed XML: {e}"),
                ));
            }
        }
    }
}

fn element(e: &BytesStart<'_>, line: usize) -> Result<SiteStat, Problem> {
    let name = e.local_name().as_ref().to_string();
    if !name.eq_ignore_ascii_case("SiteStatus") {
        return Err(Problem::new(
            line,
            format!("the top element is <{name}>, not <SiteStatus>"),
        ));
    }
    let mut status = None;
    let mut version = None;
    for attr in e.attributes() {
        let attr = attr.map_err(|err| Problem::new(line, format!("bad attribute: {err}")))?;
        let key = attr.key.local_name().as_ref().to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| Problem::new(line, format!("bad value of {key}: {err}")))?
            .trim()
            .to_string();
        if key.eq_ignore_ascii_case("Status") {
            status = Some(value);
        } else if key.eq_ignore_ascii_case("CatalogVersion") {
            version = Some(value);
        }
    }
    let status = match status.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("Enabled") => Status::Enabled,
        Some(s) if s.eq_ignore_ascii_case("Disabled") => Status::Disabled,
        Some(s) => {
            return Err(Problem::new(
                line,
                format!("Status '{s}' is neither Enabled nor Disabled"),
            ));
        }
        None => return Err(Problem::new(line, "SiteStatus has no Status")),
    };
    let catalog_version = match version {
        Some(v) if super::catalog_time(&v).is_some() => v,
        Some(v) => {
            return Err(Problem::new(
                line,
                format!("CatalogVersion '{v}' is not a YYYYMMDDhhmmss timestamp"),
            ));
        }
        None => return Err(Problem::new(line, "SiteStatus has no CatalogVersion")),
    };
    Ok(SiteStat {
        status,
        catalog_version,
    })
}

/// SiteStat.xml as ePO writes it.
pub fn render(s: &SiteStat) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<SiteStatus Status=\"{}\" CatalogVersion=\"{}\"></SiteStatus>\r\n",
        s.status.as_str(),
        s.catalog_version
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_status_and_version() {
        let s =
            parse(br#"<SiteStatus Status="Enabled" CatalogVersion="20261122043000"></SiteStatus>"#)
                .unwrap();
        assert_eq!(s.status, Status::Enabled);
        assert_eq!(s.catalog_version, "20261122043000");
        let d = parse(&render(&SiteStat {
            status: Status::Disabled,
            catalog_version: "20261101000000".into(),
        }))
        .unwrap();
        assert_eq!(d.status, Status::Disabled);
    }

    #[test]
    fn not_xml_names_the_line() {
        let p = parse(b"<?xml version=\"1.0\"?>\n\n<SiteStatus Status=\"Enabled\" CatalogVersion=\"20261122043000\"\n")
            .unwrap_err();
        assert!(p.line >= 3, "{p:?}");
        let p = parse(b"\n\nPK\x03\x04 garbage").unwrap_err();
        assert_eq!(p.line, 3, "{p:?}");
        let p =
            parse(b"<SiteStatus Status=\"Enabled\" CatalogVersion=\"yesterday\"/>").unwrap_err();
        assert!(p.message.contains("yesterday"), "{p:?}");
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let _ = parse(&data);
        }

        #[test]
        fn never_panics_on_xml_like_text(s in "<(SiteStatus|x)( (Status|CatalogVersion)=\"[ -~]{0,20}\"){0,3}/?>[ -~]{0,20}") {
            let _ = parse(s.as_bytes());
        }
    }
}
