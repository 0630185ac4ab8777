//! `SiteList.xml`: the repositories agents know (`<SiteLists><SiteList>` holding `UNCSite`,
//! `HttpSite`, `FtpSite`, … elements with `Name`, `Server`, `Enabled`, `ShareName`,
//! `RelativePath`). Only the names and addresses are read; the profile maps a name to the
//! local folder where that repository's share is mounted.

use super::Problem;
use quick_xml::events::Event;

/// One repository an agent's site list names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Element name (`UNCSite`, `HttpSite`, `FtpSite`, `SpipeSite`, …).
    pub kind: String,
    /// The repository's name.
    pub name: String,
    /// Server (host[:port]).
    pub server: String,
    /// Whether the list enables it.
    pub enabled: bool,
    /// Share (UNC) or relative path (HTTP/FTP).
    pub share: String,
    /// The `Type` attribute (`master`, `repository`, `fallback`), empty when absent.
    pub role: String,
}

impl Site {
    /// Whether this is a distributed repository (not the ePO server itself, not the vendor's
    /// fallback site).
    pub fn is_distributed(&self) -> bool {
        !self.kind.eq_ignore_ascii_case("SpipeSite")
            && !self.role.eq_ignore_ascii_case("master")
            && !self.role.eq_ignore_ascii_case("fallback")
    }
}

/// Most sites read (a site list of a real estate holds tens to hundreds).
const MAX_SITES: usize = 10_000;

/// Parse a SiteList.xml; the sites read before any error, and the error with its line.
pub fn parse(data: &[u8]) -> (Vec<Site>, Option<Problem>) {
    let line_at = |pos: u64| -> usize {
        let end = usize::try_from(pos).unwrap_or(data.len()).min(data.len());
        data[..end].iter().filter(|&&b| b == b'\n').count() + 1
    };
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut sites = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let kind = e.local_name().as_ref().to_string();
                if !kind.ends_with("Site") || kind == "SiteList" {
                    continue;
                }
                let mut site = Site {
                    kind,
                    name: String::new(),
                    server: String::new(),
                    enabled: true,
                    share: String::new(),
                    role: String::new(),
                };
                for attr in e.attributes().flatten() {
                    let key = attr.key.local_name().as_ref().to_string();
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    match key.to_ascii_lowercase().as_str() {
                        "name" => site.name = value,
                        "server" => site.server = value,
                        "type" => site.role = value,
                        "enabled" => {
                            site.enabled = value != "0" && !value.eq_ignore_ascii_case("false")
                        }
                        "sharename" | "relativepath" if site.share.is_empty() => site.share = value,
                        _ => {}
                    }
                }
                if !site.name.is_empty() && sites.len() < MAX_SITES {
                    sites.push(site);
                }
            }
            Ok(Event::Eof) => return (sites, None),
            Ok(_) => {}
            Err(e) => {
                let line = line_at(reader.error_position());
                return (
                    sites,
                    Some(Problem::new(line, format!("not well-formed XML: {e}"))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_unc_http_and_ftp_sites() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<SiteLists xmlns:ns="naSiteList" GlobalVersion="20261122043000" LocalVersion="20261122043000">
<SiteList Default="1" Name="SomeGUID">
<SpipeSite Type="master" Name="ePO_EPOSRV01" Order="1" Server="epo01:443" Enabled="1" Local="1"/>
<UNCSite Type="repository" Name="Repo-London" Order="2" Server="fs-lon" ShareName="epo$" RelativePath="" Enabled="1"/>
<HttpSite Type="repository" Name="Repo-Sydney" Order="3" Server="web-syd:80" RelativePath="repo" Enabled="0"></HttpSite>
<FtpSite Type="fallback" Name="McAfeeFtp" Server="ftp.example.com:21" RelativePath="CommonUpdater" Enabled="1"/>
</SiteList></SiteLists>"#;
        let (sites, err) = parse(xml);
        assert!(err.is_none());
        let names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["ePO_EPOSRV01", "Repo-London", "Repo-Sydney", "McAfeeFtp"]
        );
        assert_eq!(sites[1].share, "epo$");
        assert!(!sites[2].enabled);
        let distributed: Vec<&str> = sites
            .iter()
            .filter(|s| s.is_distributed())
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(distributed, ["Repo-London", "Repo-Sydney"]);
    }

    #[test]
    fn broken_xml_names_the_line() {
        let (_, err) = parse(b"<SiteLists>\n<SiteList>\n<UNCSite Name=\"a\"/>\n</SiteLists>");
        assert!(err.is_some_and(|p| p.line >= 3));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let _ = parse(&data);
        }
    }
}
