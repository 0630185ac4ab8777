//! Generators for demo and test installations: a whole LANrev server tree laid out by a
//! profile (databases, backup sets, certificates, settings, scripts, distribution points),
//! seeded and timed from a fixed reference clock so the same inputs give the same bytes.
//!
//! Used by `drconsole demo`, the tests and the benchmarks; never by the scanning code.

mod backups;
mod certificates;
mod corruption;
mod databases;
mod distribution;
pub mod epo;
mod fleet;
mod folders;
mod itms;
mod scenario;
mod settings;
pub mod tours;
mod tree;

pub use scenario::{Scenario, UnknownScenario};

use crate::profile::Profile;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The reference clock of every demo installation, as given to `--now`.
pub const REFERENCE_NOW_RFC3339: &str = "2026-11-22T08:00:00Z";
/// The server's DNS name in every demo installation (pass it as `--hostname`).
pub const DEMO_HOSTNAME: &str = "lanrev.example.com";
/// The host name a freshly installed server's MDM settings point at (new-server).
pub const STALE_MDM_HOSTNAME: &str = "lanrev01.corp.example.com";
/// Name of the manifest written at the root of every installation.
pub const MANIFEST_FILE: &str = "drconsole-demo.json";

/// The reference clock as an instant.
pub fn reference_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0)
        .single()
        .unwrap_or_default()
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Which faults to plant.
    pub scenario: Scenario,
    /// Seed of every random choice: same seed, same bytes.
    pub seed: u64,
    /// Approximate size of the big databases in MiB (for benchmarks); `None` keeps them small.
    pub db_size_mb: Option<u64>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            scenario: Scenario::CorruptDb,
            seed: 1,
            db_size_mb: None,
        }
    }
}

/// A generated installation and how to inspect it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoInstallation {
    /// The root to pass as `--root`.
    pub root: PathBuf,
    /// Profile the tree is laid out by.
    pub profile: String,
    /// Backup roots outside the profile's own, to pass with `--backups`.
    pub backup_roots: Vec<PathBuf>,
    /// The reference clock, to pass as `--now`.
    pub now: DateTime<Utc>,
    /// The server's DNS name, to pass as `--hostname`.
    pub hostname: String,
    /// The scenario planted.
    pub scenario: Scenario,
    /// The seed used.
    pub seed: u64,
    /// Short descriptions of the planted faults (with the finding codes a scan should give).
    pub expected: Vec<String>,
}

impl DemoInstallation {
    /// The command line that inspects this installation with `check`.
    pub fn check_command(&self) -> String {
        let mut cmd = String::from("drconsole");
        if self.profile != crate::profile::DEFAULT_PROFILE {
            cmd.push_str(&format!(" --profile {}", shell_quote(&self.profile)));
        }
        cmd.push_str(&format!(
            " --root {}",
            shell_quote(&self.root.to_string_lossy())
        ));
        for b in &self.backup_roots {
            cmd.push_str(&format!(" --backups {}", shell_quote(&b.to_string_lossy())));
        }
        cmd.push_str(&format!(
            " --now {} --hostname {} check",
            self.now.format("%Y-%m-%dT%H:%M:%SZ"),
            shell_quote(&self.hostname)
        ));
        cmd
    }

    /// Read the manifest of an installation (paths in it are relative to `root`).
    pub fn load(root: &Path) -> Result<DemoInstallation, DemoError> {
        let path = root.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| DemoError::io("read", &path, e))?;
        let mut inst: DemoInstallation =
            serde_json::from_str(&text).map_err(|source| DemoError::Json {
                path: path.clone(),
                source,
            })?;
        inst.root = root.to_path_buf();
        inst.backup_roots = inst.backup_roots.iter().map(|b| root.join(b)).collect();
        Ok(inst)
    }
}

/// Quote a word for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@+,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Why an installation could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The target folder already holds something.
    #[error("{path} is not empty: give a new or empty folder for the demo installation")]
    NotEmpty { path: PathBuf },
    /// A file-system operation failed.
    #[error("cannot {op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused to write a database.
    #[error("cannot write database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// A certificate could not be built.
    #[error("cannot generate the {what}: {source}")]
    Certificate {
        what: &'static str,
        #[source]
        source: rcgen::Error,
    },
    /// A settings plist could not be serialised.
    #[error("cannot write settings {path}: {source}")]
    Plist {
        path: PathBuf,
        #[source]
        source: plist::Error,
    },
    /// The manifest could not be written or read.
    #[error("cannot handle the demo manifest {path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A database is too small to damage in the middle.
    #[error("database {path} has too few pages to damage")]
    TooSmall { path: PathBuf },
    /// The scenario has no story for this profile (see `Scenario::supports`).
    #[error(
        "scenario '{scenario}' is not available for profile {profile}: use {}",
        Scenario::names_for(profile)
    )]
    Unsupported {
        scenario: &'static str,
        profile: String,
    },
    /// A planted fault could not be planted.
    #[error("cannot plant the fault in {path}: {what}")]
    Plant { path: PathBuf, what: String },
}

impl DemoError {
    pub(crate) fn io(op: &'static str, path: &Path, source: std::io::Error) -> Self {
        DemoError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The databases a size request fills, with their share of the asked size.
const FILLED: &[(&str, u64)] = &[
    ("ServerDatabase", 1),
    ("ServerCommandDatabase", 8),
    ("AgentRequestCache", 8),
];

/// Write a demo installation into `dir` (created if missing; must be empty) laid out by
/// `profile`. Stores and settings the profile lacks are skipped.
pub fn generate(
    dir: &Path,
    profile: &Profile,
    opts: &DemoOptions,
) -> Result<DemoInstallation, DemoError> {
    if !opts.scenario.supports(profile) {
        return Err(DemoError::Unsupported {
            scenario: opts.scenario.name(),
            profile: profile.name.clone(),
        });
    }
    prepare_dir(dir)?;
    let root = dir
        .canonicalize()
        .map_err(|e| DemoError::io("open", dir, e))?;
    if itms::is_itms(profile) {
        return itms::generate(root, profile, opts);
    }
    let now = reference_now();
    let seed = opts.seed;
    let scenario = opts.scenario;
    let mut tree = tree::Tree::new(root.clone(), now - Duration::hours(1));
    if let Some(layout) = &profile.repositories {
        let expected = epo::generate(&mut tree, profile, layout, opts, now)?;
        let inst = epo::installation(root.clone(), profile, opts, now, expected);
        write_manifest(&mut tree, &inst, Vec::new(), now)?;
        tree.finish()?;
        return Ok(inst);
    }
    let fleet = fleet::Fleet::generate(seed, now);
    let pki = certificates::Pki::generate(seed, now, DEMO_HOSTNAME)?;
    let mut expected = Vec::new();

    // Live databases first, so backup sets of big databases can copy them undamaged.
    let live_points = distribution::live_points(scenario);
    let mut copy_from_live = Vec::new();
    let mut live_rng = fleet::rng(seed, "live");
    for db in &profile.databases {
        let fill = opts.db_size_mb.and_then(|mb| {
            FILLED
                .iter()
                .find(|(n, _)| *n == db.name)
                .map(|(_, share)| mb * 1024 * 1024 / share)
        });
        if fill.is_some() {
            copy_from_live.push(db.name.clone());
        }
        let path = tree.abs(&db.path);
        tree.mkdir(db.path.parent().unwrap_or(Path::new("")))?;
        let snap = databases::Snapshot {
            fleet: &fleet,
            at: now,
            distribution_points: &live_points,
            seed,
        };
        databases::write(&path, &db.name, &snap, fill)?;
        let minutes = live_rng.random_range(1..30);
        tree.stamp(&db.path, now - Duration::minutes(minutes));
    }

    let sources = backups::SetSources {
        profile,
        fleet: &fleet,
        pki: &pki,
        hostname: DEMO_HOSTNAME,
        seed,
        now,
        copy_from_live: &copy_from_live,
    };
    let mut set_names = Vec::new();
    for plan in backups::plans(scenario) {
        if let Some(dir) = backups::write_set(&mut tree, &sources, &plan)? {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            set_names.push((plan, name));
        }
    }
    let flat_root = backups::write_flat_set(&mut tree, &sources)?;

    // Live certificate stores, settings and scripts.
    let fresh_install = scenario == Scenario::NewServer;
    let (stores, stores_at) = if fresh_install {
        (&pki.fresh, now - Duration::hours(2))
    } else {
        (&pki.original, now - Duration::days(200))
    };
    certificates::write_stores(&mut tree, profile, stores, Path::new(""), false, stores_at)?;
    let last_change = fleet
        .custom_fields
        .iter()
        .map(|f| f.created)
        .max()
        .unwrap_or(now);
    let view = settings::SettingsView {
        fleet: &fleet,
        at: now,
        mdm_hostname: if fresh_install {
            STALE_MDM_HOSTNAME
        } else {
            DEMO_HOSTNAME
        },
        hostname: DEMO_HOSTNAME,
    };
    settings::write_settings(
        &mut tree,
        profile,
        &view,
        Path::new(""),
        false,
        if fresh_install {
            stores_at
        } else {
            last_change
        },
    )?;
    folders::write_folders(
        &mut tree,
        profile,
        &fleet,
        Path::new(""),
        false,
        now,
        last_change,
    )?;
    let staleness = if profile.distribution_points.is_some() {
        distribution::write_payloads(&mut tree, &fleet, &live_points, scenario)?
    } else {
        None
    };

    // Faults on the live tree come last so nothing above copies them.
    match scenario {
        Scenario::Healthy => {
            if let Some((_, newest)) = set_names.first() {
                expected.push(format!(
                    "no faults: newest backup set '{newest}' is restorable and within the RPO, certificates are valid, mirrors match the master"
                ));
            }
        }
        Scenario::CorruptDb => {
            if let Some(db) = profile.database("ServerDatabase") {
                let pages =
                    corruption::damage_pages(&tree.abs(&db.path), &mut fleet::rng(seed, "damage"))?;
                expected.push(format!(
                    "database:ServerDatabase: pages {}-{} overwritten (DB_CORRUPT)",
                    pages.first().copied().unwrap_or(0),
                    pages.last().copied().unwrap_or(0)
                ));
            }
            for (plan, name) in &set_names {
                match plan.fault {
                    backups::SetFault::IndexMismatch => expected.push(format!(
                        "backup '{name}': ServerDatabase index {} disagrees with its table; quick_check passes, integrity_check fails (BACKUP_CORRUPT)",
                        databases::COMPUTER_NAME_INDEX
                    )),
                    backups::SetFault::Incomplete => expected.push(format!(
                        "backup '{name}': {} backup is zero bytes (BACKUP_INCOMPLETE)",
                        backups::incomplete_member(profile).unwrap_or("a database")
                    )),
                    backups::SetFault::None => {}
                }
            }
            if let Some((plan, name)) = set_names
                .iter()
                .find(|(p, _)| p.fault == backups::SetFault::None)
            {
                expected.push(format!(
                    "recommended set: '{name}', {} h old (BACKUP_RECOMMENDED{})",
                    plan.hours_ago,
                    if plan.hours_ago > i64::from(profile.rpo_hours) {
                        ", older than the RPO: BACKUP_STALE"
                    } else {
                        ""
                    }
                ));
            }
        }
        Scenario::NewServer => {
            new_server_expectations(profile, &mut expected);
        }
        // Told by `itms::generate`; `supports` keeps it from a LANrev profile.
        Scenario::BrokenBackups => {}
        Scenario::DpFailover => {
            if profile.distribution_points.is_some() {
                expected.push(
                    "distribution points: 'Master DP' and 'Mirror London' are both masters (DP_MULTIPLE_MASTERS)"
                        .into(),
                );
                expected.push(
                    "distribution point 'Master DP': the master's payload folder srv/dp/master is gone (DP_UNREACHABLE); 'Mirror London' holds every payload: `dp promote`, `dp retire`, `dp add`, `dp sync` train the guide's procedure"
                        .into(),
                );
                if let Some(s) = &staleness {
                    expected.push(format!(
                        "distribution point 'Mirror Sydney': lacks {} and has an outdated {} (DP_OUT_OF_SYNC)",
                        s.missing.join(", "),
                        s.changed.join(", ")
                    ));
                }
                expected.push(
                    "distribution point 'Mirror Tokyo': payload folder Volumes/DP-Tokyo does not exist (DP_UNREACHABLE)"
                        .into(),
                );
            }
        }
    }

    let inst = DemoInstallation {
        root: root.clone(),
        profile: profile.name.clone(),
        backup_roots: vec![root.join(&flat_root)],
        now,
        hostname: DEMO_HOSTNAME.to_string(),
        scenario,
        seed,
        expected,
    };
    write_manifest(&mut tree, &inst, vec![flat_root], now)?;
    tree.finish()?;
    Ok(inst)
}

/// Write the manifest, with paths relative to the root (`backup_roots` already relative).
fn write_manifest(
    tree: &mut tree::Tree,
    inst: &DemoInstallation,
    backup_roots: Vec<PathBuf>,
    now: DateTime<Utc>,
) -> Result<(), DemoError> {
    let on_disk = DemoInstallation {
        root: PathBuf::from("."),
        backup_roots,
        ..inst.clone()
    };
    let manifest_path = tree.abs(Path::new(MANIFEST_FILE));
    let mut json = serde_json::to_vec_pretty(&on_disk).map_err(|source| DemoError::Json {
        path: manifest_path.clone(),
        source,
    })?;
    json.push(b'\n');
    tree.write(Path::new(MANIFEST_FILE), &json, now)?;
    Ok(())
}

fn new_server_expectations(profile: &Profile, expected: &mut Vec<String>) {
    use crate::profile::CertStoreKind;
    for store in &profile.certificates {
        match store.kind {
            CertStoreKind::Folder => expected.push(format!(
                "certificates:{}: a fresh self-signed identity differs from the one in every backup set (CERT_BACKUP_MISMATCH)",
                store.name
            )),
            CertStoreKind::Bundle => expected.push(format!(
                "certificates:{}: the bundle lacks the LANrev server certificate (MDM_TRUST_MISSING)",
                store.name
            )),
            CertStoreKind::IdentityFile => {
                expected.push(format!(
                    "certificates:{}: the private key does not match the certificate (CERT_KEY_MISMATCH)",
                    store.name
                ));
                expected.push(format!(
                    "certificates:{}: the organisation certificate expires within 30 days (CERT_EXPIRING)",
                    store.name
                ));
            }
        }
    }
    for spec in &profile.settings {
        if let Some(key) = &spec.mdm_hostname_key {
            expected.push(format!(
                "settings:{}: {key} is {STALE_MDM_HOSTNAME}, not a name on the server certificate (MDM_HOSTNAME_MISMATCH)",
                spec.name
            ));
        }
    }
}

/// Create `dir` if missing; refuse one that holds anything.
fn prepare_dir(dir: &Path) -> Result<(), DemoError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(DemoError::NotEmpty {
                    path: dir.to_path_buf(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| DemoError::io("create folder", dir, e))
        }
        Err(e) => Err(DemoError::io("open", dir, e)),
    }
}
