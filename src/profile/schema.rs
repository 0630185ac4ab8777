//! The profile schema: the raw TOML shape and the resolved, validated `Profile`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// A validated profile; every path is relative to the root and free of `..`.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// Short name, e.g. `lanrev-macos`.
    pub name: String,
    /// Product family shown to the operator.
    pub product: String,
    /// Platform the layout belongs to (`macos`, `windows`, `linux`).
    pub platform: String,
    /// One-line description.
    pub description: String,
    /// Recovery-point objective: the newest restorable set must be younger than this.
    pub rpo_hours: u32,
    /// Certificates expiring within this many days are `CERT_EXPIRING` (30; the configuration's
    /// `expiry_days` overrides it).
    pub expiry_days: u32,
    /// What the operator should do to stop the server.
    pub stop_hint: String,
    /// Process names that mean "the server is running".
    pub processes: Vec<String>,
    /// Live databases.
    pub databases: Vec<DatabaseSpec>,
    /// Certificate stores.
    pub certificates: Vec<CertificateStore>,
    /// Settings files.
    pub settings: Vec<SettingsSpec>,
    /// Plain folders (scripts and the like).
    pub folders: Vec<FolderSpec>,
    /// Where backup sets live and how their members are named.
    pub backups: BackupLayout,
    /// Where distribution-point definitions are kept, if anywhere.
    pub distribution_points: Option<DistributionPointSource>,
    /// ePO-style repositories, each verifiable from its own files, if the product has them.
    pub repositories: Option<RepositoryLayout>,
    /// Password for PKCS#12 files, if the profile carries one.
    pub pfx_password: Option<String>,
    /// Modes a restore gives new files and folders, and which folders are key stores.
    pub modes: super::modes::FileModes,
    /// The recovery steps in the vendor's order (`[[runbook]]`).
    pub runbook: Vec<super::runbook::RunbookStep>,
    /// Databases kept by SQL Server: never opened live; their `.bak` backups are sets.
    pub sql_databases: Vec<SqlDatabaseSpec>,
    /// Backup items that must exist beside the database backups (key backups, packages).
    pub artifacts: Vec<ArtifactSpec>,
    /// The `[vars]` with candidate locations and which one is used (see [`Profile::locate`]).
    pub layout: Vec<LayoutChoice>,
    /// The profile as written, to resolve again once the root is known.
    #[serde(skip)]
    source: Option<std::sync::Arc<RawProfile>>,
}

/// A database SQL Server keeps (ITMS's CMDB): its backups are found by file-name pattern
/// under the backup roots and read offline by `mssql`.
#[derive(Debug, Clone, Serialize)]
pub struct SqlDatabaseSpec {
    /// Database name as SQL Server knows it (`Symantec_CMDB`).
    pub name: String,
    /// File-name pattern of its backups under each backup root (`Symantec_CMDB*.bak`).
    pub backups: NamePattern,
}

/// Whether an artifact is a file or a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// A regular file.
    File,
    /// A folder (its newest file dates it).
    Folder,
}

/// A backup item found by pattern under the backup roots: present, absent and how old.
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactSpec {
    /// Short name (`kms_keys`), used in the component id `artifact:NAME`.
    pub name: String,
    /// What it is, for people (`KMS encryption keys backup`).
    pub title: String,
    /// Pattern relative to each backup root; `*` and `?` match within one path component.
    pub pattern: NamePattern,
    /// File or folder.
    pub kind: ArtifactKind,
    /// Finding when nothing matches (none: absence is only shown).
    pub missing: Option<crate::findings::Code>,
    /// Finding when the newest match is older than `max_age_hours` or than the newest backup
    /// of `not_older_than`.
    pub stale: Option<crate::findings::Code>,
    /// Age limit in hours.
    pub max_age_hours: Option<u32>,
    /// A `sql_databases` name whose newest backup the artifact must not be older than.
    pub not_older_than: Option<String>,
}

/// A root-relative path pattern: `*` and `?` match within one component, case-insensitively
/// (the products run on Windows, whose names ignore case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct NamePattern {
    parts: Vec<String>,
}

impl From<NamePattern> for String {
    fn from(p: NamePattern) -> String {
        p.parts.join("/")
    }
}

impl NamePattern {
    /// Parse a pattern: relative, no `..`, no empty components.
    pub fn parse(s: &str) -> Result<NamePattern, String> {
        let parts: Vec<String> = s
            .split(['/', '\\'])
            .filter(|p| !p.is_empty() && *p != ".")
            .map(str::to_string)
            .collect();
        if parts.is_empty() || s.starts_with('/') || parts.iter().any(|p| p == "..") {
            return Err(format!(
                "pattern '{s}' must be a relative path without '..' (e.g. 'KMS/*.kms')"
            ));
        }
        Ok(NamePattern { parts })
    }

    /// The components, each a pattern for one name.
    pub fn parts(&self) -> &[String] {
        &self.parts
    }

    /// Whether one name matches one component pattern (`*`, `?`, case-insensitive).
    pub fn component_matches(pattern: &str, name: &str) -> bool {
        let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
        let n: Vec<char> = name.chars().flat_map(char::to_lowercase).collect();
        // Iterative wildcard match with one back-track point: linear in practice, never
        // exponential on hostile names.
        let (mut i, mut j) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while j < n.len() {
            if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
                i += 1;
                j += 1;
            } else if i < p.len() && p[i] == '*' {
                star = Some((i, j));
                i += 1;
            } else if let Some((si, sj)) = star {
                i = si + 1;
                j = sj + 1;
                star = Some((si, sj + 1));
            } else {
                return false;
            }
        }
        p[i..].iter().all(|&c| c == '*')
    }
}

impl std::fmt::Display for NamePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.parts.join("/"))
    }
}

/// A `[vars]` entry with several candidate locations (first existing under the root wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutChoice {
    /// The variable (`server`, `program`).
    pub var: String,
    /// The root-relative path used.
    #[serde(serialize_with = "crate::pathser::serialize")]
    pub path: PathBuf,
    /// What that layout is (`Windows XP/2003`), when the profile says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Whether it exists under the root; false means no candidate does and the first is used.
    pub found: bool,
    /// Every candidate, in the profile's order.
    #[serde(default)]
    pub candidates: Vec<PathBuf>,
}

impl LayoutChoice {
    /// `server: ProgramData/… (Windows Vista and later)`, or what was looked for in vain.
    pub fn describe(&self) -> String {
        if self.found {
            match &self.label {
                Some(l) => format!("{}: {} ({l})", self.var, self.path.display()),
                None => format!("{}: {}", self.var, self.path.display()),
            }
        } else {
            let tried: Vec<String> = self
                .candidates
                .iter()
                .map(|c| c.display().to_string())
                .collect();
            format!(
                "{}: none found (looked for {}); using the first",
                self.var,
                tried.join(", ")
            )
        }
    }
}

/// One live database.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseSpec {
    /// Name without extension, as used in component ids (`database:NAME`).
    pub name: String,
    /// Root-relative path of the live file.
    pub path: PathBuf,
    /// Whether a backup set without it is incomplete.
    pub required: bool,
}

/// How a certificate store is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertStoreKind {
    /// A folder of certificate and key files.
    Folder,
    /// One PEM file holding many certificates (a trust bundle).
    Bundle,
    /// One file holding a certificate and its private key.
    IdentityFile,
}

/// One certificate store.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateStore {
    /// Component name (`certificates:NAME`).
    pub name: String,
    /// Layout of the store.
    pub kind: CertStoreKind,
    /// Root-relative live path.
    pub path: PathBuf,
    /// Path inside a backup set.
    pub backup: PathBuf,
    /// Whether the store holds an identity whose private key must exist.
    pub identity: bool,
}

/// One settings file (a plist).
#[derive(Debug, Clone, Serialize)]
pub struct SettingsSpec {
    /// Component name (`settings:NAME`).
    pub name: String,
    /// Root-relative candidate paths, first existing wins.
    pub paths: Vec<PathBuf>,
    /// Path inside a backup set; default: the first path's file name.
    pub backup: PathBuf,
    /// Key holding the server host name the MDM server talks to, if any.
    pub mdm_hostname_key: Option<String>,
    /// How the file is written: a property list or ITMS's `CoreSettings.config`.
    pub format: SettingsFormat,
}

/// The file format of a settings component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettingsFormat {
    /// A property list (XML, binary or OpenStep).
    #[default]
    Plist,
    /// ITMS's `CoreSettings.config`: `<customSetting key=… value=…/>` elements.
    CoreSettings,
}

/// One folder component.
#[derive(Debug, Clone, Serialize)]
pub struct FolderSpec {
    /// Component name (`folder:NAME`).
    pub name: String,
    /// Root-relative path.
    pub path: PathBuf,
    /// Path inside a backup set; default: the folder's name.
    pub backup: PathBuf,
    /// False for folders that are only inspected, never restored (program folders).
    pub restorable: bool,
    /// Finding when the live folder is absent (none: absence is only shown).
    pub missing: Option<crate::findings::Code>,
    /// Finding when the backup copy is absent or lacks files the live folder has.
    pub backup_incomplete: Option<crate::findings::Code>,
}

/// Where backup sets are found.
#[derive(Debug, Clone, Serialize)]
pub struct BackupLayout {
    /// Root-relative default backup roots (more come from `--backups`).
    pub roots: Vec<PathBuf>,
    /// Extension of database backup files, without the dot.
    pub extension: String,
}

/// The adapter that reads distribution-point definitions from a database table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionPointSource {
    /// Name of the database (a `DatabaseSpec::name`) holding the table.
    pub database: String,
    /// Table name.
    pub table: String,
    /// Column with the point's id.
    #[serde(default = "default_id_column")]
    pub id_column: String,
    /// Column with the point's name.
    #[serde(default = "default_name_column")]
    pub name_column: String,
    /// Column with the point's network address.
    #[serde(default = "default_address_column")]
    pub address_column: String,
    /// Column with the payload folder as reachable from this machine.
    #[serde(default = "default_path_column")]
    pub path_column: String,
    /// Column that is non-zero for the master.
    #[serde(default = "default_master_column")]
    pub master_column: String,
    /// Values for further columns of a definition `dp add` writes (column = text value).
    #[serde(default)]
    pub add_defaults: std::collections::BTreeMap<String, String>,
}

/// Repositories verifiable from their own files (McAfee ePO): the master on the server, the
/// signing keys that must travel with it, and where distributed repositories are mounted.
#[derive(Debug, Clone, Serialize)]
pub struct RepositoryLayout {
    /// Root-relative master repository (`<InstallDir>/DB/Software`).
    pub master: PathBuf,
    /// Root-relative keystore folder holding the signing keys, if the product has one.
    pub keystore: Option<PathBuf>,
    /// File-name patterns (`*` wildcard) of the must-travel keys in the keystore; a file counts
    /// for the most specific pattern it matches, and each pattern needs one file.
    pub keys: Vec<String>,
    /// Root-relative `SiteList.xml` naming distributed repositories, if any.
    pub site_list: Option<PathBuf>,
    /// Root-relative folder where a site-list repository named `{name}` is mounted.
    pub mount: Option<String>,
}

impl RepositoryLayout {
    /// The root-relative mount folder of the site-list repository `name`; `None` without a
    /// template or when the name could leave the folder.
    pub fn mount_of(&self, name: &str) -> Option<PathBuf> {
        let template = self.mount.as_deref()?;
        if !crate::epo::replica::is_plain_name(name) {
            return None;
        }
        relative_path(&template.replace("{name}", name)).ok()
    }
}

fn default_id_column() -> String {
    "id".into()
}
fn default_name_column() -> String {
    "name".into()
}
fn default_address_column() -> String {
    "address".into()
}
fn default_path_column() -> String {
    "path".into()
}
fn default_master_column() -> String {
    "is_master".into()
}

impl Profile {
    /// The database spec with this name.
    pub fn database(&self, name: &str) -> Option<&DatabaseSpec> {
        self.databases.iter().find(|d| d.name == name)
    }

    /// The profile with each `[vars]` entry that lists candidates set to the first one that
    /// `exists` (a root-relative path), or to the first candidate when none does. Every path
    /// built from those variables follows.
    pub fn locate(&self, exists: &dyn Fn(&Path) -> bool) -> Profile {
        let Some(raw) = &self.source else {
            return self.clone();
        };
        let mut chosen: BTreeMap<String, (usize, bool)> = BTreeMap::new();
        for (name, var) in &raw.vars {
            if let RawVar::Candidates(list) = var {
                let hit = list
                    .iter()
                    .position(|c| relative_path(c.path()).is_ok_and(|p| exists(&p)));
                chosen.insert(name.clone(), (hit.unwrap_or(0), hit.is_some()));
            }
        }
        // Every candidate was checked when the profile was loaded, so this cannot fail; if
        // it did, the default layout is still a valid profile.
        match raw.resolve_with(&chosen) {
            Ok(mut p) => {
                p.source = Some(std::sync::Arc::clone(raw));
                // What the configuration file overrode is not a location: it stays.
                p.rpo_hours = self.rpo_hours;
                p.expiry_days = self.expiry_days;
                p
            }
            Err(_) => self.clone(),
        }
    }
}

// ---- raw TOML shape ----

/// A `[vars]` value: one path, or candidate locations in order of preference.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawVar {
    One(String),
    Candidates(Vec<RawCandidate>),
}

/// One candidate location: a path, or a path with a label saying which layout it is.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawCandidate {
    Path(String),
    Labelled { path: String, label: String },
}

impl RawCandidate {
    fn path(&self) -> &str {
        match self {
            RawCandidate::Path(p) | RawCandidate::Labelled { path: p, .. } => p,
        }
    }
    fn label(&self) -> Option<&str> {
        match self {
            RawCandidate::Path(_) => None,
            RawCandidate::Labelled { label, .. } => Some(label),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    name: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_rpo")]
    rpo_hours: u32,
    #[serde(default)]
    stop_hint: String,
    #[serde(default)]
    processes: Vec<String>,
    #[serde(default)]
    vars: BTreeMap<String, RawVar>,
    #[serde(default)]
    databases: Vec<RawDatabase>,
    #[serde(default)]
    certificates: Vec<RawCertStore>,
    #[serde(default)]
    settings: Vec<RawSettings>,
    #[serde(default)]
    folders: Vec<RawFolder>,
    #[serde(default)]
    backups: Option<RawBackups>,
    #[serde(default)]
    distribution_points: Option<DistributionPointSource>,
    #[serde(default)]
    repositories: Option<RawRepositories>,
    #[serde(default)]
    pfx_password: Option<String>,
    #[serde(default)]
    modes: super::modes::RawModes,
    #[serde(default)]
    runbook: Vec<super::runbook::RawStep>,
    #[serde(default)]
    sql_databases: Vec<RawSqlDatabase>,
    #[serde(default)]
    artifacts: Vec<RawArtifact>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSqlDatabase {
    name: String,
    backups: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArtifact {
    name: String,
    title: String,
    pattern: String,
    #[serde(default = "file_kind")]
    kind: ArtifactKind,
    missing: Option<crate::findings::Code>,
    stale: Option<crate::findings::Code>,
    max_age_hours: Option<u32>,
    not_older_than: Option<String>,
}

fn file_kind() -> ArtifactKind {
    ArtifactKind::File
}

fn default_rpo() -> u32 {
    26
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    name: String,
    path: String,
    #[serde(default = "yes")]
    required: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCertStore {
    name: String,
    kind: CertStoreKind,
    path: String,
    backup: Option<String>,
    #[serde(default)]
    identity: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    name: String,
    paths: Vec<String>,
    backup: Option<String>,
    mdm_hostname_key: Option<String>,
    #[serde(default)]
    format: SettingsFormat,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFolder {
    name: String,
    path: String,
    backup: Option<String>,
    #[serde(default = "yes")]
    restorable: bool,
    missing: Option<crate::findings::Code>,
    backup_incomplete: Option<crate::findings::Code>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBackups {
    #[serde(default)]
    roots: Vec<String>,
    #[serde(default = "default_ext")]
    extension: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepositories {
    master: String,
    keystore: Option<String>,
    #[serde(default)]
    keys: Vec<String>,
    site_list: Option<String>,
    mount: Option<String>,
}

fn default_ext() -> String {
    "dbbackup".into()
}

impl RawProfile {
    /// Validate and build the profile in its default layout (each variable's first candidate).
    pub(super) fn resolve(self) -> Result<Profile, String> {
        for (name, var) in &self.vars {
            if let RawVar::Candidates(list) = var {
                if list.is_empty() {
                    return Err(format!("vars '{name}' lists no candidate location"));
                }
                for c in list {
                    relative_path(c.path()).map_err(|e| format!("vars '{name}': {e}"))?;
                }
            }
        }
        let raw = std::sync::Arc::new(self);
        let mut p = raw.resolve_with(&BTreeMap::new())?;
        p.source = Some(raw);
        Ok(p)
    }

    /// Build the profile with the candidate of each variable `chosen` says (index, and whether
    /// it was found under the root); unlisted variables take their first candidate.
    fn resolve_with(
        self: &std::sync::Arc<Self>,
        chosen: &BTreeMap<String, (usize, bool)>,
    ) -> Result<Profile, String> {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut layout: Vec<LayoutChoice> = Vec::new();
        for (name, var) in &self.vars {
            match var {
                RawVar::One(v) => {
                    vars.insert(name.clone(), v.clone());
                }
                RawVar::Candidates(list) => {
                    let (i, found) = chosen.get(name).copied().unwrap_or((0, false));
                    let Some(c) = list.get(i).or(list.first()) else {
                        continue;
                    };
                    vars.insert(name.clone(), c.path().to_string());
                    layout.push(LayoutChoice {
                        var: name.clone(),
                        path: relative_path(c.path())?,
                        label: c.label().map(str::to_string),
                        found,
                        candidates: list
                            .iter()
                            .filter_map(|c| relative_path(c.path()).ok())
                            .collect(),
                    });
                }
            }
        }
        let vars = &vars;
        let path = |field: &str, s: &str| -> Result<PathBuf, String> {
            let expanded = expand(s, vars).map_err(|e| format!("{field}: {e}"))?;
            relative_path(&expanded).map_err(|e| format!("{field}: {e}"))
        };
        let mut seen = std::collections::BTreeSet::new();
        let mut unique = |kind: &str, name: &str| -> Result<(), String> {
            if name.is_empty() || name.contains(':') || name.contains('/') {
                return Err(format!(
                    "{kind} name '{name}' must be non-empty without ':' or '/'"
                ));
            }
            if !seen.insert(format!("{kind}:{name}")) {
                return Err(format!("{kind} '{name}' is defined twice"));
            }
            Ok(())
        };
        let mut databases = Vec::new();
        for d in &self.databases {
            unique("database", &d.name)?;
            databases.push(DatabaseSpec {
                name: d.name.clone(),
                path: path(&format!("databases '{}' path", d.name), &d.path)?,
                required: d.required,
            });
        }
        let mut certificates = Vec::new();
        for c in &self.certificates {
            unique("certificates", &c.name)?;
            let live = path(&format!("certificates '{}' path", c.name), &c.path)?;
            let backup = match &c.backup {
                Some(b) => path(&format!("certificates '{}' backup", c.name), b)?,
                None => file_name(&live),
            };
            certificates.push(CertificateStore {
                name: c.name.clone(),
                kind: c.kind,
                path: live,
                backup,
                identity: c.identity,
            });
        }
        let mut settings = Vec::new();
        for s in &self.settings {
            unique("settings", &s.name)?;
            if s.paths.is_empty() {
                return Err(format!("settings '{}' needs at least one path", s.name));
            }
            let paths = s
                .paths
                .iter()
                .map(|p| path(&format!("settings '{}' paths", s.name), p))
                .collect::<Result<Vec<_>, _>>()?;
            let backup = match &s.backup {
                Some(b) => path(&format!("settings '{}' backup", s.name), b)?,
                None => file_name(&paths[0]),
            };
            settings.push(SettingsSpec {
                name: s.name.clone(),
                paths,
                backup,
                mdm_hostname_key: s.mdm_hostname_key.clone(),
                format: s.format,
            });
        }
        let mut folders = Vec::new();
        for f in &self.folders {
            unique("folder", &f.name)?;
            let live = path(&format!("folders '{}' path", f.name), &f.path)?;
            let backup = match &f.backup {
                Some(b) => path(&format!("folders '{}' backup", f.name), b)?,
                None => file_name(&live),
            };
            folders.push(FolderSpec {
                name: f.name.clone(),
                path: live,
                backup,
                restorable: f.restorable,
                missing: f.missing,
                backup_incomplete: f.backup_incomplete,
            });
        }
        let raw_backups = self.backups.clone().unwrap_or(RawBackups {
            roots: Vec::new(),
            extension: default_ext(),
        });
        let backups = BackupLayout {
            roots: raw_backups
                .roots
                .iter()
                .map(|r| path("backups roots", r))
                .collect::<Result<_, _>>()?,
            extension: raw_backups.extension.trim_start_matches('.').to_string(),
        };
        if backups.extension.is_empty() {
            return Err("backups extension must not be empty".into());
        }
        if let Some(dp) = &self.distribution_points
            && !databases.iter().any(|d| d.name == dp.database)
        {
            return Err(format!(
                "distribution_points database '{}' is not one of the profile's databases",
                dp.database
            ));
        }
        if self.rpo_hours == 0 {
            return Err("rpo_hours must be at least 1".into());
        }
        let repositories = match &self.repositories {
            None => None,
            Some(r) => {
                if !r.keys.is_empty() && r.keystore.is_none() {
                    return Err("repositories keys need a keystore folder".into());
                }
                if r.keys
                    .iter()
                    .any(|k| k.is_empty() || k.contains(['/', '\\']))
                {
                    return Err("repositories keys are file-name patterns without '/'".into());
                }
                let mount = match &r.mount {
                    None => None,
                    Some(m) => {
                        // `{name}` stays for the repository's name; other variables expand now.
                        let mut with_name = vars.clone();
                        with_name.insert("name".into(), "{name}".into());
                        let expanded = expand(m, &with_name)
                            .map_err(|e| format!("repositories mount: {e}"))?;
                        if !expanded.contains("{name}") {
                            return Err("repositories mount must contain {name}".into());
                        }
                        relative_path(&expanded.replace("{name}", "x"))
                            .map_err(|e| format!("repositories mount: {e}"))?;
                        Some(expanded)
                    }
                };
                Some(RepositoryLayout {
                    master: path("repositories master", &r.master)?,
                    keystore: r
                        .keystore
                        .as_deref()
                        .map(|k| path("repositories keystore", k))
                        .transpose()?,
                    keys: r.keys.clone(),
                    site_list: r
                        .site_list
                        .as_deref()
                        .map(|k| path("repositories site_list", k))
                        .transpose()?,
                    mount,
                })
            }
        };
        let modes = self.modes.clone().resolve(path)?;
        let mut sql_databases = Vec::new();
        for d in &self.sql_databases {
            unique("database", &d.name)?;
            sql_databases.push(SqlDatabaseSpec {
                name: d.name.clone(),
                backups: NamePattern::parse(&expand(&d.backups, vars)?)
                    .map_err(|e| format!("sql_databases '{}' backups: {e}", d.name))?,
            });
        }
        let mut artifacts = Vec::new();
        for a in &self.artifacts {
            unique("artifact", &a.name)?;
            if let Some(db) = &a.not_older_than
                && !sql_databases.iter().any(|d| &d.name == db)
            {
                return Err(format!(
                    "artifacts '{}' not_older_than: '{db}' is not one of the profile's sql_databases",
                    a.name
                ));
            }
            if a.stale.is_none() && (a.max_age_hours.is_some() || a.not_older_than.is_some()) {
                return Err(format!(
                    "artifacts '{}' has an age limit but no `stale` finding code to raise",
                    a.name
                ));
            }
            artifacts.push(ArtifactSpec {
                name: a.name.clone(),
                title: a.title.clone(),
                pattern: NamePattern::parse(&expand(&a.pattern, vars)?)
                    .map_err(|e| format!("artifacts '{}' pattern: {e}", a.name))?,
                kind: a.kind,
                missing: a.missing,
                stale: a.stale,
                max_age_hours: a.max_age_hours,
                not_older_than: a.not_older_than.clone(),
            });
        }
        let runbook = super::runbook::resolve(
            &self.runbook,
            &super::runbook::Known {
                databases: databases.iter().map(|d| d.name.as_str()).collect(),
                certificates: certificates.iter().map(|c| c.name.as_str()).collect(),
                settings: settings.iter().map(|s| s.name.as_str()).collect(),
                folders: folders.iter().map(|f| f.name.as_str()).collect(),
            },
        )?;
        Ok(Profile {
            name: self.name.clone(),
            product: self.product.clone(),
            platform: self.platform.clone(),
            description: self.description.clone(),
            rpo_hours: self.rpo_hours,
            expiry_days: crate::inventory::certificates::EXPIRING_DAYS as u32,
            stop_hint: self.stop_hint.clone(),
            processes: self.processes.clone(),
            databases,
            certificates,
            settings,
            folders,
            backups,
            distribution_points: self.distribution_points.clone(),
            repositories,
            pfx_password: self.pfx_password.clone(),
            modes,
            runbook,
            sql_databases,
            artifacts,
            layout,
            source: None,
        })
    }
}

fn file_name(p: &Path) -> PathBuf {
    p.file_name().map(PathBuf::from).unwrap_or_default()
}

/// Replace `{var}` with its value from `[vars]`.
fn expand(s: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed '{{' in '{s}'"))?;
        let key = &after[..end];
        let value = vars.get(key).ok_or_else(|| {
            format!("unknown variable '{{{key}}}' in '{s}' (define it in [vars])")
        })?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A root-relative path: not absolute, no `..`, not empty.
fn relative_path(s: &str) -> Result<PathBuf, String> {
    let p = Path::new(s);
    if s.is_empty() {
        return Err("path is empty".into());
    }
    for c in p.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            _ => {
                return Err(format!(
                    "'{s}' must be relative to the root, without '..' (the root is given with --root)"
                ));
            }
        }
    }
    Ok(p.components().collect())
}
