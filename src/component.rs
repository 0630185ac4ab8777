//! Components: the restorable things of a profile (`database:NAME`, `certificates:NAME`,
//! `settings:NAME`, `folder:NAME`, `dp:NAME`) and the selectors operators type to name them.

use crate::profile::Profile;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// One restorable or comparable thing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Component {
    /// A live database (`database:NAME`).
    Database(String),
    /// A certificate store (`certificates:NAME`).
    Certificates(String),
    /// A settings file (`settings:NAME`).
    Settings(String),
    /// A folder (`folder:NAME`).
    Folder(String),
    /// A distribution point's payload (`dp:NAME`).
    Dp(String),
}

/// Why a component selector was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComponentError {
    /// Not `KIND:NAME` nor a group.
    #[error(
        "'{0}' is not a component: use database:NAME, certificates:NAME, settings:NAME, folder:NAME, dp:NAME or a group (databases, certificates, settings, folders, all)"
    )]
    Syntax(String),
    /// The kind is known but the profile has no such name.
    #[error("the profile has no {kind} named '{name}' (known: {known})")]
    Unknown {
        kind: String,
        name: String,
        known: String,
    },
}

impl Component {
    /// The kind prefix (`database`, `certificates`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Component::Database(_) => "database",
            Component::Certificates(_) => "certificates",
            Component::Settings(_) => "settings",
            Component::Folder(_) => "folder",
            Component::Dp(_) => "dp",
        }
    }

    /// The name after the colon.
    pub fn name(&self) -> &str {
        match self {
            Component::Database(n)
            | Component::Certificates(n)
            | Component::Settings(n)
            | Component::Folder(n)
            | Component::Dp(n) => n,
        }
    }

    /// Parse `KIND:NAME` without checking the name against a profile.
    pub fn parse(s: &str) -> Result<Component, ComponentError> {
        let (kind, name) = s
            .split_once(':')
            .ok_or_else(|| ComponentError::Syntax(s.to_string()))?;
        if name.is_empty() {
            return Err(ComponentError::Syntax(s.to_string()));
        }
        let name = name.to_string();
        Ok(match kind {
            "database" | "db" => Component::Database(name),
            "certificates" | "cert" => Component::Certificates(name),
            "settings" => Component::Settings(name),
            "folder" => Component::Folder(name),
            "dp" => Component::Dp(name),
            _ => return Err(ComponentError::Syntax(s.to_string())),
        })
    }

    /// Where this component lives inside a backup set folder, when the profile says.
    pub fn path_in_set(&self, profile: &Profile, set_dir: &std::path::Path) -> Option<PathBuf> {
        match self {
            Component::Database(_) | Component::Dp(_) => None,
            Component::Certificates(n) => profile
                .certificates
                .iter()
                .find(|c| &c.name == n)
                .map(|c| set_dir.join(&c.backup)),
            Component::Settings(n) => profile
                .settings
                .iter()
                .find(|s| &s.name == n)
                .map(|s| set_dir.join(&s.backup)),
            Component::Folder(n) => profile
                .folders
                .iter()
                .find(|f| &f.name == n)
                .map(|f| set_dir.join(&f.backup)),
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.name())
    }
}

impl From<Component> for String {
    fn from(c: Component) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for Component {
    type Error = ComponentError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Component::parse(&s)
    }
}

/// Expand selectors (`database:X`, `databases`, `certificates`, `settings`, `folders`, `all`)
/// into the profile's components, in profile order, without duplicates. `dp:NAME` is passed
/// through unchecked (distribution points come from a database, not the profile).
pub fn resolve(profile: &Profile, selectors: &[String]) -> Result<Vec<Component>, ComponentError> {
    let dbs = || {
        profile
            .databases
            .iter()
            .map(|d| Component::Database(d.name.clone()))
    };
    let certs = || {
        profile
            .certificates
            .iter()
            .map(|c| Component::Certificates(c.name.clone()))
    };
    let settings = || {
        profile
            .settings
            .iter()
            .map(|s| Component::Settings(s.name.clone()))
    };
    let folders = || {
        profile
            .folders
            .iter()
            .filter(|f| f.restorable)
            .map(|f| Component::Folder(f.name.clone()))
    };
    let mut out: Vec<Component> = Vec::new();
    for sel in selectors {
        let add: Vec<Component> = match sel.as_str() {
            "databases" => dbs().collect(),
            "certificates" => certs().collect(),
            "settings" => settings().collect(),
            "folders" => folders().collect(),
            "all" => dbs()
                .chain(certs())
                .chain(settings())
                .chain(folders())
                .collect(),
            other => {
                let c = Component::parse(other)?;
                let known: Vec<String> = match &c {
                    Component::Database(_) => {
                        profile.databases.iter().map(|d| d.name.clone()).collect()
                    }
                    Component::Certificates(_) => profile
                        .certificates
                        .iter()
                        .map(|d| d.name.clone())
                        .collect(),
                    Component::Settings(_) => {
                        profile.settings.iter().map(|d| d.name.clone()).collect()
                    }
                    Component::Folder(_) => {
                        profile.folders.iter().map(|d| d.name.clone()).collect()
                    }
                    Component::Dp(_) => vec![c.name().to_string()],
                };
                if !known.iter().any(|k| k == c.name()) {
                    return Err(ComponentError::Unknown {
                        kind: c.kind().to_string(),
                        name: c.name().to_string(),
                        known: known.join(", "),
                    });
                }
                vec![c]
            }
        };
        for c in add {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        crate::profile::load("lanrev-macos").unwrap()
    }

    #[test]
    fn groups_expand_in_profile_order_without_duplicates() {
        let c = resolve(
            &profile(),
            &["database:EnumValues".into(), "databases".into()],
        )
        .unwrap();
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], Component::Database("EnumValues".into()));
        let all = resolve(&profile(), &["all".into()]).unwrap();
        assert!(all.contains(&Component::Certificates("Certificates".into())));
        assert!(all.contains(&Component::Folder("CustomFieldScriptFiles".into())));
    }

    #[test]
    fn unknown_names_are_refused_with_the_known_ones() {
        let err = resolve(&profile(), &["database:Nope".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("ServerDatabase"), "{err}");
        assert!(resolve(&profile(), &["bogus".into()]).is_err());
    }

    #[test]
    fn components_round_trip_through_strings() {
        let c = Component::parse("settings:lanrev_server").unwrap();
        assert_eq!(c.to_string(), "settings:lanrev_server");
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            "\"settings:lanrev_server\""
        );
    }
}
