//! Shared helpers for the restore, undo and crash tests: an installation on disk, running the
//! real binary, and byte-for-byte snapshots of every path (with modes).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A distribution-point sync of the `dp-failover` demo, by content: Sydney brought up to
/// London (content, because a reset copies files without their times).
pub const SYNC_SYDNEY_FROM_LONDON: [&str; 7] = [
    "dp",
    "sync",
    "Mirror Sydney",
    "--from",
    "Mirror London",
    "--full",
    "--yes",
];

/// The LANrev server folder, root-relative.
pub const SERVER: &str = "Library/Application Support/LANrev Server";
/// The fixed clock every test uses.
pub const NOW: &str = "2026-11-22T08:00:00Z";

/// A LANrev installation in a temporary folder, with its state folder beside it.
pub struct Install {
    pub tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub state: PathBuf,
    /// `--now` for every run.
    pub now: String,
    /// `--backups` roots beyond the profile's.
    pub backups: Vec<PathBuf>,
    /// `--hostname`, when the installation has one.
    pub hostname: Option<String>,
    /// `--profile`: the built-in macOS profile with server process names of its own.
    pub profile: PathBuf,
}

/// The server process name of every installation's profile in this test process: unique on
/// the machine, so a fake server another test (or another checkout's tests) starts never
/// makes these restores refuse, and the fake servers of these tests touch no one else.
pub fn server_process() -> String {
    format!("LANrev Server {}", std::process::id())
}

/// The built-in `lanrev-macos` profile, written to `dir` with `server_process()` as its server.
fn private_profile(dir: &Path) -> PathBuf {
    let (_, text) = drconsole::profile::BUILTIN
        .iter()
        .find(|(name, _)| *name == "lanrev-macos")
        .unwrap();
    let shared = r#"processes = ["LANrev Server", "LANrev MDM Server"]"#;
    assert!(
        text.contains(shared),
        "the built-in profile's processes changed"
    );
    let own = format!("processes = [\"{}\"]", server_process());
    let path = dir.join("lanrev-macos.toml");
    std::fs::write(&path, text.replace(shared, &own)).unwrap();
    path
}

/// Folders under the root that hold backup sets (never changed by a restore).
pub const BACKUP_FOLDERS: [&str; 2] = ["Database Backups", "Volumes"];

/// A demo installation of `scenario` (seed 1), databases of about `db_size_mb` when given.
pub fn demo_install(scenario: drconsole::demo::Scenario, db_size_mb: Option<u64>) -> Install {
    let tmp = tempfile::tempdir().unwrap();
    let profile = drconsole::profile::load("lanrev-macos").unwrap();
    let opts = drconsole::demo::DemoOptions {
        scenario,
        seed: 1,
        db_size_mb,
    };
    let demo = drconsole::demo::generate(&tmp.path().join("root"), &profile, &opts).unwrap();
    Install {
        root: demo.root.clone(),
        state: tmp.path().join("state"),
        now: demo.now.to_rfc3339(),
        backups: demo.backup_roots.clone(),
        hostname: Some(demo.hostname.clone()),
        profile: private_profile(tmp.path()),
        tmp,
    }
}

/// The six databases of the lanrev-macos profile.
pub const DATABASES: [&str; 6] = [
    "ServerCommandDatabase",
    "ServerDatabase",
    "AgentRequestCache",
    "SoftwareLicenseControl",
    "MobileDevices",
    "EnumValues",
];

/// Write a SQLite database of about `kib` KiB whose content depends on `tag`.
pub fn write_db(path: &Path, tag: &str, kib: usize) {
    let _ = std::fs::remove_file(path);
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);",
    )
    .unwrap();
    let row = format!("{tag}-{}", "x".repeat(200));
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..(kib * 1024 / 220).max(1) {
        tx.execute("INSERT INTO t(v) VALUES (?1)", [format!("{row}-{i}")])
            .unwrap();
    }
    tx.commit().unwrap();
}

/// Build an installation: live databases (the ServerDatabase corrupt when `corrupt_live`), a
/// Certificates folder with a 0600 key, and two backup sets (the newer one restorable).
pub fn install(db_kib: usize, corrupt_live: bool) -> Install {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let state = tmp.path().join("state");
    let server = root.join(SERVER);
    std::fs::create_dir_all(server.join("Certificates")).unwrap();
    for (i, name) in DATABASES.iter().enumerate() {
        write_db(
            &server.join(format!("{name}.db")),
            &format!("live{i}"),
            db_kib,
        );
    }
    if corrupt_live {
        let p = server.join("ServerDatabase.db");
        let mut bytes = std::fs::read(&p).unwrap();
        for b in bytes.iter_mut().skip(4096).take(4096) {
            *b = 0xEE;
        }
        std::fs::write(&p, bytes).unwrap();
    }
    // A stale -wal from the dead server, which must not survive beside a restored database.
    std::fs::write(server.join("ServerDatabase.db-wal"), vec![1u8; 3000]).unwrap();
    write_cert_folder(&server.join("Certificates"), "live");
    for (set, tag) in [
        ("2026-11-21 02-00-00", "new"),
        ("2026-11-20 02-00-00", "old"),
    ] {
        let dir = server.join("Database Backups").join(set);
        std::fs::create_dir_all(&dir).unwrap();
        for name in DATABASES {
            write_db(
                &dir.join(format!("{name}.dbbackup")),
                &format!("{tag}-{name}"),
                db_kib,
            );
        }
        write_cert_folder(&dir.join("Certificates"), tag);
    }
    Install {
        profile: private_profile(tmp.path()),
        tmp,
        root,
        state,
        now: NOW.to_string(),
        backups: Vec::new(),
        hostname: None,
    }
}

fn write_cert_folder(dir: &Path, tag: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("server.crt"),
        format!("-----BEGIN CERTIFICATE-----\n{tag}\n"),
    )
    .unwrap();
    let key = dir.join("server.key");
    std::fs::write(&key, format!("-----BEGIN PRIVATE KEY-----\n{tag}\n")).unwrap();
    // Backups on removable media often lose the mode: the restore must not.
    let mode = if tag == "live" { 0o600 } else { 0o644 };
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
}

impl Install {
    /// The plan `restore ARGS --dry-run --json` would run.
    pub fn plan(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["restore"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--dry-run", "--json"]);
        let o = self.run(&all, &[]);
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
        v["plan"].clone()
    }

    /// A set's folder under the profile's backup root.
    pub fn set_dir(&self, id: &str) -> PathBuf {
        self.root.join(SERVER).join("Database Backups").join(id)
    }

    /// A live path under the server folder.
    pub fn live(&self, name: &str) -> PathBuf {
        self.root.join(SERVER).join(name)
    }

    /// Run the real binary with the installation's root, state and clock.
    pub fn run(&self, args: &[&str], env: &[(&str, String)]) -> Output {
        let mut cmd = self.command(args);
        cmd.stdin(std::process::Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// The real binary with the installation's root, state and clock, and `args`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_drconsole"));
        cmd.arg("--profile")
            .arg(&self.profile)
            .arg("--root")
            .arg(&self.root)
            .arg("--state")
            .arg(&self.state)
            .arg("--now")
            .arg(&self.now);
        for b in &self.backups {
            cmd.arg("--backups").arg(b);
        }
        if let Some(h) = &self.hostname {
            cmd.arg("--hostname").arg(h);
        }
        cmd.args(args)
            .env_remove("DRCONSOLE_CRASH_AFTER")
            .env_remove("DRCONSOLE_FAIL_WRITE_AFTER_BYTES");
        cmd
    }

    /// Run one `check` first: scanning a live database that has a `-wal` lets SQLite create its
    /// `-shm`, which is the scan's doing, not the restore's. Returns the snapshot after it.
    pub fn settled(&self) -> Snapshot {
        let o = self.run(&["check"], &[]);
        assert!(o.status.code().is_some(), "{}", text(&o));
        self.snapshot()
    }

    /// Snapshot of everything under the root except the backup sets and drconsole's stash.
    pub fn snapshot(&self) -> Snapshot {
        snapshot(
            &self.root,
            &[BACKUP_FOLDERS[0], BACKUP_FOLDERS[1], ".drconsole-stash"],
        )
    }
}

/// Path → (kind+bytes, mode, owner, group) of every entry under a folder.
pub type Snapshot = BTreeMap<PathBuf, (Vec<u8>, u32, u32, u32)>;

/// Snapshot every entry under `dir`, skipping folders named in `skip`.
pub fn snapshot(dir: &Path, skip: &[&str]) -> Snapshot {
    let mut out = BTreeMap::new();
    let walker = walkdir::WalkDir::new(dir).sort_by_file_name().into_iter();
    for e in walker.filter_entry(|e| !skip.iter().any(|s| e.file_name() == *s)) {
        let e = e.unwrap();
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        let mut bytes = Vec::new();
        if m.is_file() {
            bytes.push(b'F');
            bytes.extend(std::fs::read(e.path()).unwrap());
        } else if m.file_type().is_symlink() {
            bytes.push(b'L');
            bytes.extend(
                std::fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes(),
            );
        } else {
            bytes.push(b'D');
        }
        let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
        use std::os::unix::fs::MetadataExt;
        out.insert(
            rel,
            (bytes, m.permissions().mode() & 0o7777, m.uid(), m.gid()),
        );
    }
    out
}

/// The paths whose entries differ between two snapshots.
pub fn differences(a: &Snapshot, b: &Snapshot) -> Vec<PathBuf> {
    let mut keys: Vec<&PathBuf> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// stdout and stderr of a run, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A tmpfs mounted on a folder while the guard lives: a payload folder that is its own file
/// system, as a distribution point on a separate volume is.
pub struct Mount(PathBuf);

impl Mount {
    /// Mount a tmpfs on `dir`, keeping what `dir` held; `Err` says why it cannot be (not
    /// root, or no mount permission in this container) so the caller can skip.
    pub fn tmpfs_keeping(dir: &Path) -> Result<Mount, String> {
        let held = dir.with_extension("before-mount");
        std::fs::rename(dir, &held).map_err(|e| e.to_string())?;
        std::fs::create_dir(dir).map_err(|e| e.to_string())?;
        let o = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64m", "drconsole-test"])
            .arg(dir)
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !o.status.success() {
            std::fs::remove_dir(dir).map_err(|e| e.to_string())?;
            std::fs::rename(&held, dir).map_err(|e| e.to_string())?;
            return Err(format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        let mount = Mount(dir.to_path_buf());
        // `cp -a` keeps links, modes and times.
        let o = Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", held.display()))
            .arg(dir)
            .output()
            .map_err(|e| format!("cp: {e}"))?;
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::remove_dir_all(&held).map_err(|e| e.to_string())?;
        Ok(mount)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}
