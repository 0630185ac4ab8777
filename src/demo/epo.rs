//! ePO demo installations: an ePO server tree (master repository, keystore, db.properties,
//! server certificates, SiteList.xml) and distributed repositories mounted under the profile's
//! mount folder, each with replica.logs carrying real SHA-1/SHA-256 hashes. Scenarios:
//! `healthy`, and `dp-failover` — the seed's "master died": repositories stale, one Disabled
//! mid-replication, one with bit rot, one unreachable.

use super::tree::Tree;
use super::{DemoError, DemoInstallation, DemoOptions, Scenario, certificates, fleet};
use crate::epo::replica::{self, Item, ItemKind};
use crate::epo::sitestat::{self, SiteStat, Status};
use crate::epo::{CATALOG, REPLICA_LOG, SITESTAT, catalog};
use crate::profile::{Profile, RepositoryLayout};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The ePO server's DNS name in demo installations.
pub const EPO_HOSTNAME: &str = "epo01.example.com";
/// The server name in the keystore's file names.
const SERVER: &str = "EPO01";
/// Catalog version of the content before the last update.
pub const OLD_VERSION: &str = "20261115043000";
/// Catalog version of the current content.
pub const NEW_VERSION: &str = "20261122043000";

/// The scenarios an ePO installation can tell.
pub const SCENARIOS: [Scenario; 2] = [Scenario::Healthy, Scenario::DpFailover];

/// The distributed repositories of every demo, in site-list order.
pub const REPOSITORIES: [&str; 5] = [
    "Repo-London",
    "Repo-Sydney",
    "Repo-Tokyo",
    "Repo-Paris",
    "Repo-Denver",
];

/// The files of one repository revision, repository-relative, in path order.
pub type Content = BTreeMap<PathBuf, Vec<u8>>;

/// The payload of revision `rev` (1: the old catalog, 2: the current one).
pub fn content(seed: u64, rev: u32) -> Content {
    let mut files = Content::new();
    let mut put = |path: &str, label: &str, size: usize| {
        let mut rng = fleet::rng(seed, label);
        let mut bytes = vec![0u8; size];
        rng.fill_bytes(&mut bytes);
        files.insert(PathBuf::from(path), bytes);
    };
    // Products that did not change between the two catalogs.
    put(
        "Current/EPOAGENT3000/Install/0409/FramePkg.exe",
        "agent",
        48 * 1024,
    );
    put(
        "Current/EPOAGENT3000/Install/0409/PkgCatalog.z",
        "agent-cat",
        0,
    );
    put(
        "Current/ENDP_AM_1070/Install/0409/setupEP.exe",
        "endp",
        64 * 1024,
    );
    put(
        "Current/ENDP_AM_1070/Install/0409/PkgCatalog.z",
        "endp-cat",
        0,
    );
    // The daily content: a new DAT in every catalog, the previous one kept under Previous.
    for (branch, r) in [("Current", rev), ("Previous", rev.saturating_sub(1))] {
        let dat = |name: &str| format!("{branch}/VSCANDAT1000/DAT/0000/{name}");
        put(
            &dat("avvscan.dat"),
            &format!("avvscan-{r}"),
            96 * 1024 + r as usize * 512,
        );
        put(
            &dat("avvnames.dat"),
            &format!("avvnames-{r}"),
            32 * 1024 + r as usize * 128,
        );
        put(&dat("avvclean.dat"), &format!("avvclean-{r}"), 16 * 1024);
        put(&dat("PkgCatalog.z"), &format!("dat-cat-{r}"), 0);
    }
    put(CATALOG, &format!("catalog-{rev}"), 0);
    // Catalogs are framed like the real ones: EPO\0, version 2, length, 8-byte blocks.
    for (path, bytes) in files.iter_mut() {
        if path
            .file_name()
            .is_some_and(|n| n == "PkgCatalog.z" || n == CATALOG)
        {
            let mut rng = fleet::rng(seed, &format!("{}-{rev}", path.display()));
            let mut payload = vec![0u8; 1024 + 8 * (path.as_os_str().len() % 16)];
            rng.fill_bytes(&mut payload);
            *bytes = catalog::frame(&payload);
        }
    }
    files
}

/// The replica.log of every folder of `files` (keyed by folder, "" for the root): the folder's
/// direct files with their hashes and its sub-folders, sorted by name.
pub fn replica_logs(files: &Content) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut folders: BTreeMap<PathBuf, BTreeMap<String, Item>> = BTreeMap::new();
    for (path, bytes) in files {
        let h = crate::epo::verify::hash_reader(&bytes[..]).unwrap_or_else(|_| {
            crate::epo::verify::Hashes {
                sha1: String::new(),
                sha256: String::new(),
            }
        });
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
        folders.entry(parent.clone()).or_default().insert(
            name.clone(),
            Item {
                line: 0,
                name,
                kind: ItemKind::File,
                size: bytes.len() as u64,
                sha1: Some(h.sha1),
                sha256: Some(h.sha256),
            },
        );
        // Every ancestor lists the folder below it.
        let mut child = parent;
        while let Some(up) = child.parent().map(Path::to_path_buf) {
            let name = child
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            folders.entry(up.clone()).or_default().insert(
                name.clone(),
                Item {
                    line: 0,
                    name,
                    kind: ItemKind::Directory,
                    size: 0,
                    sha1: None,
                    sha256: None,
                },
            );
            child = up;
        }
    }
    folders
        .into_iter()
        .map(|(folder, items)| {
            let items: Vec<Item> = items.into_values().collect();
            (folder, replica::render(&items))
        })
        .collect()
}

/// Write a whole repository at root-relative `base`: content, replica.logs, SiteStat.xml.
fn write_repository(
    tree: &mut Tree,
    base: &Path,
    files: &Content,
    stat: &SiteStat,
    at: DateTime<Utc>,
) -> Result<(), DemoError> {
    tree.mkdir(base)?;
    for (path, bytes) in files {
        tree.write(&base.join(path), bytes, at)?;
    }
    for (folder, log) in replica_logs(files) {
        tree.write(&base.join(folder).join(REPLICA_LOG), &log, at)?;
    }
    tree.write(&base.join(SITESTAT), &sitestat::render(stat), at)?;
    Ok(())
}

/// Overwrite a file the tree already wrote (a planted fault), keeping its recorded time.
fn overwrite(tree: &Tree, rel: &Path, bytes: &[u8]) -> Result<(), DemoError> {
    let path = tree.abs(rel);
    std::fs::write(&path, bytes).map_err(|e| DemoError::io("write", &path, e))
}

fn site_list(names: &[&str]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<ns:SiteLists xmlns:ns=\"naSiteList\" GlobalVersion=\"20261122043000\" LocalVersion=\"20261122043000\" Type=\"Client\">\r\n<SiteList Default=\"1\" Name=\"SomeGUID\">\r\n",
    );
    xml.push_str(&format!(
        "<SpipeSite Type=\"master\" Name=\"ePO_{SERVER}\" Order=\"1\" Server=\"{EPO_HOSTNAME}:443\" Enabled=\"1\" Local=\"1\"/>\r\n"
    ));
    for (i, n) in names.iter().enumerate() {
        let host = n.trim_start_matches("Repo-").to_ascii_lowercase();
        xml.push_str(&format!(
            "<UNCSite Type=\"repository\" Name=\"{n}\" Order=\"{}\" Server=\"fs-{host}.example.com\" ShareName=\"epo$\" RelativePath=\"\" Enabled=\"1\" Local=\"0\"/>\r\n",
            i + 2
        ));
    }
    xml.push_str("<FtpSite Type=\"fallback\" Name=\"McAfeeFtp\" Order=\"99\" Server=\"ftp.mcafee.com:21\" RelativePath=\"CommonUpdater\" Enabled=\"1\"/>\r\n</SiteList>\r\n</ns:SiteLists>\r\n");
    xml
}

fn db_properties() -> String {
    "#Sat Nov 21 04:30:00 UTC 2026\r\ndb.database.name=ePO_EPO01\r\ndb.instance.name=EPOSERVER\r\ndb.server.name=sql01.example.com\r\ndb.port=1433\r\ndb.user.domain=CORP\r\ndb.user.name=svc-epo\r\ndb.param.ssl=request\r\n".into()
}

/// An empty zip archive standing for a key pair (its content is the vendor's business).
const EMPTY_ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// Write an ePO installation for `layout` into `tree`; the planted faults as expectations.
pub(crate) fn generate(
    tree: &mut Tree,
    profile: &Profile,
    layout: &RepositoryLayout,
    opts: &DemoOptions,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DemoError> {
    let seed = opts.seed;
    let failover = match opts.scenario {
        Scenario::Healthy => false,
        Scenario::DpFailover => true,
        other => {
            return Err(DemoError::Unsupported {
                scenario: other.name(),
                profile: profile.name.clone(),
            });
        }
    };
    let mut expected = Vec::new();
    let old = content(seed, 1);
    let new = content(seed, 2);
    let enabled = |v: &str| SiteStat {
        status: Status::Enabled,
        catalog_version: v.into(),
    };
    let replicated = now - Duration::hours(3);
    let stale_at = now - Duration::days(7);

    // The server: settings, certificates, site list, keystore, master repository.
    let pki = certificates::Pki::generate(seed, now, EPO_HOSTNAME)?;
    certificates::write_stores(
        tree,
        profile,
        &pki.original,
        Path::new(""),
        false,
        now - Duration::days(200),
    )?;
    for s in &profile.settings {
        if s.paths[0].extension().is_some_and(|e| e == "properties") {
            tree.write(
                &s.paths[0],
                db_properties().as_bytes(),
                now - Duration::days(30),
            )?;
        }
    }
    if let Some(list) = &layout.site_list {
        tree.write(
            list,
            site_list(&REPOSITORIES).as_bytes(),
            now - Duration::days(30),
        )?;
    }
    if let Some(store) = &layout.keystore {
        if failover {
            expected.push(format!(
                "keystore: {} is missing on the rebuilt server (EPO_KEYS_MISSING)",
                store.display()
            ));
        } else {
            for name in [format!("sm{SERVER}.zip"), format!("sm2048{SERVER}.zip")] {
                tree.write_private(&store.join(name), EMPTY_ZIP, now - Duration::days(400))?;
            }
        }
    }
    if failover {
        expected.push(format!(
            "master repository {} is gone with the old server; the recommended source is Repo-London (DP_NO_MASTER)",
            layout.master.display()
        ));
    } else {
        write_repository(
            tree,
            &layout.master,
            &new,
            &enabled(NEW_VERSION),
            replicated,
        )?;
    }

    // Distributed repositories.
    for name in REPOSITORIES {
        let Some(base) = layout.mount_of(name) else {
            continue;
        };
        if !failover {
            write_repository(tree, &base, &new, &enabled(NEW_VERSION), replicated)?;
            continue;
        }
        match name {
            "Repo-London" => {
                write_repository(tree, &base, &new, &enabled(NEW_VERSION), replicated)?;
            }
            "Repo-Sydney" => {
                write_repository(tree, &base, &old, &enabled(OLD_VERSION), stale_at)?;
                expected.push(format!(
                    "repository Repo-Sydney: catalog {OLD_VERSION}, older than Repo-London's {NEW_VERSION} (DP_STALE)"
                ));
            }
            "Repo-Tokyo" => {
                // Replication of the new catalog died half-way: Disabled, some content new,
                // replica.logs still the old ones, catalog.z cut short.
                write_repository(tree, &base, &old, &enabled(OLD_VERSION), stale_at)?;
                overwrite(
                    tree,
                    &base.join(SITESTAT),
                    &sitestat::render(&SiteStat {
                        status: Status::Disabled,
                        catalog_version: OLD_VERSION.into(),
                    }),
                )?;
                let dat = Path::new("Current/VSCANDAT1000/DAT/0000/avvscan.dat");
                if let Some(bytes) = new.get(dat) {
                    overwrite(tree, &base.join(dat), bytes)?;
                }
                if let Some(cat) = new.get(Path::new(CATALOG)) {
                    overwrite(tree, &base.join(CATALOG), &cat[..cat.len() / 2])?;
                }
                expected.push(format!(
                    "repository Repo-Tokyo: Disabled mid-replication (DP_DISABLED), {} replaced and catalog.z cut short (DP_HASH_MISMATCH, DP_CATALOG_DAMAGED), older catalog (DP_STALE)",
                    dat.display()
                ));
            }
            "Repo-Paris" => {
                write_repository(tree, &base, &new, &enabled(NEW_VERSION), replicated)?;
                let rotten = Path::new("Current/ENDP_AM_1070/Install/0409/setupEP.exe");
                if let Some(bytes) = new.get(rotten) {
                    let mut bad = bytes.clone();
                    let at = bad.len() / 3;
                    bad[at] ^= 0x20;
                    overwrite(tree, &base.join(rotten), &bad)?;
                }
                expected.push(format!(
                    "repository Repo-Paris: bit rot in {} (DP_HASH_MISMATCH)",
                    rotten.display()
                ));
            }
            _ => {
                // The share is not mounted: a dead server.
                expected.push(format!(
                    "repository {name}: {} does not exist (DP_UNREACHABLE)",
                    base.display()
                ));
            }
        }
    }
    if !failover {
        expected.push(
            "no faults: master and distributed repositories verify against their replica.logs at catalog 20261122043000; the keystore holds both key pairs"
                .into(),
        );
    }
    Ok(expected)
}

/// The installation record of an ePO demo.
pub(crate) fn installation(
    root: PathBuf,
    profile: &Profile,
    opts: &DemoOptions,
    now: DateTime<Utc>,
    expected: Vec<String>,
) -> DemoInstallation {
    DemoInstallation {
        root,
        profile: profile.name.clone(),
        backup_roots: Vec::new(),
        now,
        hostname: EPO_HOSTNAME.to_string(),
        scenario: opts.scenario,
        seed: opts.seed,
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_logs_list_each_folder_with_real_hashes() {
        let files = content(1, 2);
        let logs = replica_logs(&files);
        let root = replica::parse(&logs[&PathBuf::new()]);
        assert!(root.is_clean(), "{:?}", root.problems);
        let names: Vec<&str> = root.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["Current", "Previous", "catalog.z"]);
        let cat = root.item("catalog.z").unwrap();
        let h = crate::epo::verify::hash_reader(&files[Path::new("catalog.z")][..]).unwrap();
        assert_eq!(cat.sha256.as_deref(), Some(h.sha256.as_str()));
        assert!(logs.contains_key(Path::new("Current/VSCANDAT1000/DAT/0000")));
        let cat_bytes = &files[Path::new("catalog.z")];
        assert!(catalog::check(&cat_bytes[..12], cat_bytes.len() as u64).is_ok());
    }

    #[test]
    fn the_daily_content_changes_between_catalogs_and_the_rest_does_not() {
        let (a, b) = (content(1, 1), content(1, 2));
        let dat = Path::new("Current/VSCANDAT1000/DAT/0000/avvscan.dat");
        assert_ne!(a[dat], b[dat]);
        let agent = Path::new("Current/EPOAGENT3000/Install/0409/FramePkg.exe");
        assert_eq!(a[agent], b[agent]);
        // Yesterday's Current is today's Previous.
        assert_eq!(
            a[dat],
            b[Path::new("Previous/VSCANDAT1000/DAT/0000/avvscan.dat")]
        );
    }
}
