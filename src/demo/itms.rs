//! The ITMS demo installation (profile `itms-windows`): a Notification Server's configuration,
//! Software Library and package share, and its backup folder holding CMDB backups written by
//! `mssql::writer` (plain and compressed), the NS configuration backup, the KMS key backup, the
//! SIM installation package and patch packages. `broken-backups` truncates the newest CMDB
//! backup, leaves the KMS keys older than the CMDB and the Software Library backup short.

use super::fleet::rng;
use super::tree::Tree;
use super::{DemoError, DemoInstallation, DemoOptions, Scenario, reference_now};
use crate::mssql::writer::{self, SetSpec};
use crate::profile::Profile;
use chrono::Duration;
use rand::{Rng, RngCore};
use std::path::{Path, PathBuf};

/// The Notification Server's host name in the ITMS demo.
pub const ITMS_HOSTNAME: &str = "ns01.example.com";
/// Packages in the demo Software Library.
const PACKAGES: usize = 8;
/// Packages the broken Software Library backup lacks.
const LOST_PACKAGES: usize = 2;
/// The second, off-server copy of the backups (the seed: "another copy … in a different file
/// system"), passed with `--backups`.
const OFFSITE: &str = "mnt/offsite/ITMS";

/// Core settings of the demo server: (key, value).
const CORE_SETTINGS: &[(&str, &str)] = &[
    ("ActiveTaskServer", "NS01"),
    ("AgentPolicyRefreshIntervalMinutes", "60"),
    ("DatabaseServerName", "SQL01\\ITMS"),
    ("DatabaseName", "Symantec_CMDB"),
    ("EventQueueMaxSize", "20000"),
    ("GenerateNSHTTPPackageCodebases", "1"),
    ("GenerateNSUNCPackageCodebases", "1"),
    ("MaxConcurrentTaskInstances", "40"),
    ("NSHttpPort", "80"),
    ("NSHttpsPort", "443"),
    ("PkgSvrPublishHTTP", "1"),
    ("PurgeMaintenanceDays", "30"),
    ("SoftwareLibraryPath", "\\\\NS01\\SWLib"),
    ("TaskServerRequireHttps", "1"),
];

/// Write the ITMS installation for `opts` into the prepared, canonical `root`.
pub(crate) fn generate(
    root: PathBuf,
    profile: &Profile,
    opts: &DemoOptions,
) -> Result<DemoInstallation, DemoError> {
    let now = reference_now();
    let seed = opts.seed;
    let broken = opts.scenario == Scenario::BrokenBackups;
    let mut tree = Tree::new(root.clone(), now - Duration::hours(1));
    let mut expected = Vec::new();
    let backup = profile
        .backups
        .roots
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("Program Files/Altiris/Backup"));
    let days = Duration::days;
    let hours = Duration::hours;

    // Core settings: live, and the copy the NS configuration backup took (in the broken
    // story the live file was edited since).
    let settings = profile.settings.first();
    let live_settings = core_settings(broken);
    if let Some(spec) = settings {
        tree.write(&spec.paths[0], live_settings.as_bytes(), now - days(3))?;
        tree.write(
            &backup.join(&spec.backup),
            core_settings(false).as_bytes(),
            now - days(6),
        )?;
    }
    let ns_config = backup.join("NSConfiguration/NSConfiguration_2026-11-16.xml");
    let mut r = rng(seed, "itms-config");
    tree.write(&ns_config, &encrypted_blob(&mut r, 6000), now - days(6))?;

    // Root certificates, exported beside the configuration and in its backup.
    for store in &profile.certificates {
        let serial = 0x5000 + store.name.len() as u64;
        let pem = super::certificates::root_ca_pem(seed, &store.name, serial, now)?;
        let file = format!("{}.pem", store.name);
        tree.write(&store.path.join(&file), pem.as_bytes(), now - days(400))?;
        tree.write(
            &backup.join(&store.backup).join(&file),
            pem.as_bytes(),
            now - days(6),
        )?;
    }

    // Software Library and the package share, live and backed up.
    let mut r = rng(seed, "itms-packages");
    let guids: Vec<String> = (0..PACKAGES).map(|_| guid(&mut r)).collect();
    let mut lost = Vec::new();
    for folder in &profile.folders {
        let packages: Vec<&String> = if folder.name == "SoftwareLibrary" {
            guids.iter().collect()
        } else {
            guids.iter().take(2).collect()
        };
        for (i, g) in packages.iter().enumerate() {
            let files = package_files(&mut r, i);
            for (name, bytes) in &files {
                let rel = Path::new(g.as_str()).join(name);
                let at = now - days(40) + hours(i as i64);
                tree.write(&folder.path.join(&rel), bytes, at)?;
                let skipped =
                    broken && folder.name == "SoftwareLibrary" && i >= PACKAGES - LOST_PACKAGES;
                if skipped {
                    if !lost.contains(*g) {
                        lost.push((*g).clone());
                    }
                    continue;
                }
                tree.write(
                    &backup.join(&folder.backup).join(&rel),
                    bytes,
                    now - days(6),
                )?;
            }
        }
    }

    // SIM installation package and patch packages.
    let mut r = rng(seed, "itms-sim");
    for (dir, file, size) in [
        ("SIMInstallationPackage", "ITMS_8.5_RU2.zip", 9000),
        ("SIMInstallationPackage", "InstallationPackage.xml", 1200),
        ("PatchPackages", "windows10.0-kb5001330-x64.msu", 7000),
        ("PatchPackages", "windows10.0-kb5003173-x64.msu", 6500),
    ] {
        tree.write(
            &backup.join(dir).join(file),
            &encrypted_blob(&mut r, size),
            now - days(20),
        )?;
    }

    // CMDB backups: every night at 02:00 server time, the middle one compressed.
    let mut r = rng(seed, "itms-cmdb");
    let mut files = Vec::new();
    for (k, hours_ago) in [6i64, 30, 54].into_iter().enumerate() {
        let started = now - hours(hours_ago);
        let finished = started + Duration::seconds(190 + k as i64 * 7);
        let mut data = vec![0u8; 24 * 1024];
        r.fill_bytes(&mut data);
        let plain = writer::backup_file(&[SetSpec {
            database: "Symantec_CMDB",
            server: "SQL01\\ITMS",
            type_letter: b'D',
            copy_only: false,
            started: started.naive_utc(),
            finished: finished.naive_utc(),
            data: &data,
        }]);
        let mut bytes = if k == 1 {
            writer::compress(&plain)
        } else {
            plain
        };
        let name = format!(
            "Symantec_CMDB_backup_{}.bak",
            started.format("%Y_%m_%d_%H%M%S")
        );
        if broken && k == 0 {
            // The copy to the backup folder stopped part-way: the file ends inside the data.
            bytes.truncate(bytes.len() * 3 / 5);
            expected.push(format!(
                "backup '{name}': the CMDB backup ends in the middle of its data (BACKUP_CORRUPT)"
            ));
        }
        tree.write(
            &backup.join(&name),
            &bytes,
            finished + Duration::seconds(20),
        )?;
        files.push((name, bytes, finished));
    }
    // The off-server copy holds the oldest backup and the KMS keys.
    if let Some((name, bytes, finished)) = files.last() {
        tree.write(
            &Path::new(OFFSITE).join(name),
            bytes,
            *finished + Duration::minutes(30),
        )?;
    }

    // KMS keys: backed up after the newest CMDB backup, or (broken) long before it.
    let kms_at = if broken {
        now - days(52)
    } else {
        now - hours(5)
    };
    let mut r = rng(seed, "itms-kms");
    let kms = encrypted_blob(&mut r, 2048);
    let kms_name = format!("KMS/KMSKeys_{}.kms", kms_at.format("%Y-%m-%d"));
    tree.write_private(&backup.join(&kms_name), &kms, kms_at)?;
    tree.write_private(&Path::new(OFFSITE).join(&kms_name), &kms, kms_at)?;

    match opts.scenario {
        Scenario::BrokenBackups => {
            expected.push(format!(
                "KMS key backup {kms_name} was written {}, before the newest CMDB backup (ITMS_KMS_KEYS_STALE)",
                kms_at.format("%Y-%m-%d")
            ));
            expected.push(format!(
                "folder:SoftwareLibrary: the backup copy lacks package{} {} (ITMS_SOFTWARE_LIBRARY_BACKUP_INCOMPLETE)",
                if lost.len() == 1 { "" } else { "s" },
                lost.join(", ")
            ));
            expected.push(
                "settings:CoreSettings: two keys changed since the NS configuration backup (SETTINGS_DIFFER)"
                    .into(),
            );
            if let Some((name, _, _)) = files.get(1) {
                expected.push(format!(
                    "the newest readable CMDB backup is '{name}' (SQL_BACKUP_UNVERIFIED), 30 h old, beyond the RPO (BACKUP_STALE)"
                ));
            }
        }
        _ => {
            if let Some((name, _, _)) = files.first() {
                expected.push(format!(
                    "no faults: the newest CMDB backup '{name}' reads complete offline (SQL_BACKUP_UNVERIFIED, info), KMS keys newer than it, Software Library backup complete"
                ));
            }
        }
    }

    let inst = DemoInstallation {
        root: root.clone(),
        profile: profile.name.clone(),
        backup_roots: vec![root.join(OFFSITE)],
        now,
        hostname: ITMS_HOSTNAME.to_string(),
        scenario: opts.scenario,
        seed,
        expected,
    };
    super::write_manifest(&mut tree, &inst, vec![PathBuf::from(OFFSITE)], now)?;
    tree.finish()?;
    Ok(inst)
}

/// `CoreSettings.config` text; `edited` changes two settings as an operator would.
fn core_settings(edited: bool) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration>\r\n  <customSettings>\r\n",
    );
    for (key, value) in CORE_SETTINGS {
        let value = match (*key, edited) {
            ("MaxConcurrentTaskInstances", true) => "80",
            ("PurgeMaintenanceDays", true) => "14",
            _ => value,
        };
        let value = value.replace('&', "&amp;");
        out.push_str(&format!(
            "    <customSetting key=\"{key}\" type=\"local\" value=\"{value}\" />\r\n"
        ));
    }
    out.push_str("    <customSetting key=\"PkgSvrDownloadFromNSOnly\" type=\"registry\" regKey=\"Notification Server\" regValue=\"PkgSvrDwonloadFromNSOnly\" defaultValue=\"0\" regValueType=\"DWORD\" />\r\n");
    out.push_str("  </customSettings>\r\n</configuration>\r\n");
    out
}

/// Bytes that look like an encrypted export: seeded noise.
fn encrypted_blob(r: &mut impl RngCore, len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    r.fill_bytes(&mut b);
    b
}

/// A package GUID as the Software Library names its folders.
fn guid(r: &mut impl Rng) -> String {
    let b: [u8; 16] = r.random();
    let h = |s: &[u8]| s.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        h(&b[..4]),
        h(&b[4..6]),
        h(&b[6..8]),
        h(&b[8..10]),
        h(&b[10..])
    )
}

/// The files of one package.
fn package_files(r: &mut impl RngCore, i: usize) -> Vec<(String, Vec<u8>)> {
    let names = [
        ("setup.msi", 3000 + i * 100),
        ("install.cmd", 0),
        ("readme.txt", 0),
    ];
    names
        .iter()
        .map(|(name, size)| {
            let bytes = match *name {
                "install.cmd" => {
                    format!("msiexec /i setup.msi /qn /l*v %TEMP%\\pkg{i}.log\r\n").into_bytes()
                }
                "readme.txt" => {
                    format!("Package {i}: deployed by Software Management\r\n").into_bytes()
                }
                _ => encrypted_blob(r, *size),
            };
            (name.to_string(), bytes)
        })
        .collect()
}

/// Whether a profile is laid out for ITMS (its database lives in SQL Server).
pub(crate) fn is_itms(profile: &Profile) -> bool {
    !profile.sql_databases.is_empty()
}
