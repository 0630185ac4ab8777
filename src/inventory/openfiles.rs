//! Which processes hold a file open or locked, so a restore never replaces a database that
//! something still uses. Linux: every process's `/proc/PID/fd` and the kernel's lock table
//! (`/proc/locks`, POSIX, OFD and flock locks); every Unix: an `F_GETLK` probe on the file.
//! Nothing here writes, and the probe opens read-only without following links.

use std::path::{Path, PathBuf};

/// How a process holds a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// It has the file open (a file descriptor points at it).
    Open,
    /// It holds (or waits for) a lock on the file: `POSIX write lock` and the like.
    Lock(String),
}

/// A process that holds one of the files asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// Process id; `None` for an OFD lock whose owner the kernel does not name.
    pub pid: Option<u32>,
    /// Process name (`?` when it could not be read).
    pub name: String,
    /// The file, as it was asked about.
    pub path: PathBuf,
    /// Open or locked.
    pub how: Hold,
}

impl Holder {
    /// Process `pid` (if the kernel names it) holds a lock of `kind` on `path`.
    fn lock(pid: Option<u32>, path: &Path, kind: String) -> Holder {
        Holder {
            pid,
            name: pid.map_or_else(|| "?".into(), process_name),
            path: path.to_path_buf(),
            how: Hold::Lock(kind),
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = match self.pid {
            Some(pid) => format!("{} (pid {pid})", self.name),
            None => "a process the kernel does not name (an OFD lock)".to_string(),
        };
        match &self.how {
            Hold::Open => write!(f, "{who} has {} open", self.path.display()),
            Hold::Lock(kind) => write!(f, "{who} holds a {kind} on {}", self.path.display()),
        }
    }
}

/// A file's identity: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

/// What a look at the processes found, and how much of the machine it could see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holders {
    /// Every other process that has one of the files open or locked, sorted by pid and path.
    pub found: Vec<Holder>,
    /// Why open files may have been missed (another user's processes, no `/proc`): locks are
    /// still seen. `None` when every process could be inspected.
    pub blind: Option<String>,
}

/// Who has one of `paths` open or locked. Absent paths and anything that is not a regular
/// file are skipped. This process is left out.
pub fn holders(paths: &[PathBuf]) -> Holders {
    #[cfg(not(unix))]
    if !paths.is_empty() {
        return Holders {
            found: Vec::new(),
            blind: Some("open files and locks cannot be checked on this system".into()),
        };
    }
    let files: Vec<(FileId, &Path)> = paths
        .iter()
        .filter_map(|p| file_id(p).map(|id| (id, p.as_path())))
        .collect();
    if files.is_empty() {
        return Holders::default();
    }
    let mut out = Vec::new();
    #[cfg(target_os = "linux")]
    let blind = {
        let (open, unreadable) = linux::open_fds(&files);
        out.extend(open);
        out.extend(linux::locks(&files));
        (unreadable > 0).then(|| {
            format!(
                "the open files of {unreadable} process(es) of other users could not be read (run as root to see them); their locks were checked"
            )
        })
    };
    #[cfg(all(unix, not(target_os = "linux")))]
    let blind = Some(
        "open files cannot be listed on this system (no /proc): only locks were checked"
            .to_string(),
    );
    #[cfg(unix)]
    out.extend(probe_locks(&files));
    // The same lock can be seen in /proc/locks and by the probe; an OFD lock has no pid.
    out.sort_by(|a, b| {
        (a.pid, &a.path, lock_rank(&a.how)).cmp(&(b.pid, &b.path, lock_rank(&b.how)))
    });
    out.dedup_by(|a, b| a.pid == b.pid && a.path == b.path && same_kind(&a.how, &b.how));
    Holders { found: out, blind }
}

fn lock_rank(h: &Hold) -> (u8, String) {
    match h {
        Hold::Open => (0, String::new()),
        Hold::Lock(k) => (1, k.clone()),
    }
}

fn same_kind(a: &Hold, b: &Hold) -> bool {
    matches!(
        (a, b),
        (Hold::Open, Hold::Open) | (Hold::Lock(_), Hold::Lock(_))
    )
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    m.file_type().is_file().then(|| FileId {
        dev: m.dev(),
        ino: m.ino(),
    })
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<FileId> {
    None
}

/// The name of process `pid`, or `?`.
pub fn process_name(pid: u32) -> String {
    #[cfg(target_os = "linux")]
    if let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) {
        let comm = comm.trim_end_matches('\n');
        if !comm.is_empty() {
            return comm.to_string();
        }
    }
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};
    let Ok(mut sys) = System::new() else {
        return "?".into();
    };
    let pid = Pid::from_u32(pid);
    sys.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[pid]),
        true,
        ProcessRefreshKind::nothing(),
    );
    sys.process(pid)
        .map(|p| p.name().to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "?".into())
}

/// Ask the kernel whether a write lock over the whole file would conflict with anyone's lock
/// (`F_GETLK`): that names the holder of a POSIX lock, and sees OFD locks too (without a pid).
#[cfg(unix)]
fn probe_locks(files: &[(FileId, &Path)]) -> Vec<Holder> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let mut out = Vec::new();
    for (_, path) in files {
        // Read-only, no link followed, and no blocking on a FIFO planted at the path.
        let Ok(f) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(path)
        else {
            continue;
        };
        // SAFETY: a zeroed flock is a valid value; F_GETLK only writes into it.
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = libc::F_WRLCK as _;
        fl.l_whence = libc::SEEK_SET as _;
        // SAFETY: `f` is an open descriptor and `fl` a valid, writable flock.
        let rc = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GETLK, &mut fl) };
        if rc == 0 && i32::from(fl.l_type) != libc::F_UNLCK {
            let write = i32::from(fl.l_type) == libc::F_WRLCK;
            let pid = (fl.l_pid > 0).then_some(fl.l_pid as u32);
            let kind = if pid.is_some() { "POSIX" } else { "OFD" };
            let rw = if write { "write" } else { "read" };
            out.push(Holder::lock(pid, path, format!("{kind} {rw} lock")));
        }
        // Closing drops this process's own POSIX locks on the file; it holds none.
        drop(f);
    }
    out
}

#[cfg(target_os = "linux")]
mod linux {
    use super::{FileId, Hold, Holder, process_name};
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    fn pids() -> Vec<u32> {
        let me = std::process::id();
        std::fs::read_dir("/proc")
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                    .filter(|pid| *pid != me)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Processes with a descriptor on one of `files`. Processes whose descriptors this user
    /// may not read are not seen here; their locks still show in `/proc/locks`.
    /// Also returns how many processes' descriptors could not be read.
    pub(super) fn open_fds(files: &[(FileId, &Path)]) -> (Vec<Holder>, usize) {
        let mut out = Vec::new();
        let mut unreadable = 0;
        for pid in pids() {
            let fds = match std::fs::read_dir(format!("/proc/{pid}/fd")) {
                Ok(fds) => fds,
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    unreadable += 1;
                    continue;
                }
                // Gone since the listing.
                Err(_) => continue,
            };
            let mut name = None;
            for fd in fds.filter_map(Result::ok) {
                // Following the descriptor's link gives the open file itself, whatever name
                // it was opened by (another mount, a link, a name since moved).
                let Ok(m) = std::fs::metadata(fd.path()) else {
                    continue;
                };
                let id = FileId {
                    dev: m.dev(),
                    ino: m.ino(),
                };
                for (want, path) in files {
                    if *want == id
                        && !out
                            .iter()
                            .any(|h: &Holder| h.pid == Some(pid) && h.path == *path)
                    {
                        out.push(Holder {
                            pid: Some(pid),
                            name: name.get_or_insert_with(|| process_name(pid)).clone(),
                            path: path.to_path_buf(),
                            how: Hold::Open,
                        });
                    }
                }
            }
        }
        (out, unreadable)
    }

    /// Locks from the kernel's table that sit on one of `files`.
    pub(super) fn locks(files: &[(FileId, &Path)]) -> Vec<Holder> {
        let Ok(table) = std::fs::read_to_string("/proc/locks") else {
            return Vec::new();
        };
        parse_locks(&table, files)
    }

    /// `1: POSIX  ADVISORY  WRITE 1234 fe:00:10012393 0 EOF` (a waiter has `->` after the id).
    pub(super) fn parse_locks(table: &str, files: &[(FileId, &Path)]) -> Vec<Holder> {
        let me = std::process::id() as i64;
        let mut out = Vec::new();
        for line in table.lines() {
            let mut f = line.split_whitespace().skip(1).peekable();
            let waiting = f.next_if_eq(&"->").is_some();
            let (Some(kind), Some(_mandatory), Some(rw), Some(pid), Some(id)) =
                (f.next(), f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let Some(lock_id) = parse_id(id) else {
                continue;
            };
            let pid: i64 = pid.parse().unwrap_or(-1);
            if pid == me {
                continue;
            }
            for (want, path) in files {
                if libc::major(want.dev) as u64 != lock_id.0
                    || libc::minor(want.dev) as u64 != lock_id.1
                    || want.ino != lock_id.2
                {
                    continue;
                }
                let pid = (pid > 0).then_some(pid as u32);
                let kind = match kind {
                    "OFDLCK" => "OFD",
                    other => other,
                };
                let waits = if waiting { " (waiting for it)" } else { "" };
                let rw = rw.to_ascii_lowercase();
                out.push(Holder::lock(pid, path, format!("{kind} {rw} lock{waits}")));
            }
        }
        out
    }

    /// `fe:00:10012393`: major and minor in hex, inode in decimal.
    fn parse_id(s: &str) -> Option<(u64, u64, u64)> {
        let mut p = s.split(':');
        let major = u64::from_str_radix(p.next()?, 16).ok()?;
        let minor = u64::from_str_radix(p.next()?, 16).ok()?;
        let ino = p.next()?.parse().ok()?;
        Some((major, minor, ino))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_lock_table_line_on_the_file_names_its_pid_and_kind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        std::fs::write(&p, b"x").unwrap();
        let id = file_id(&p).unwrap();
        let dev = format!("{:02x}:{:02x}", libc::major(id.dev), libc::minor(id.dev));
        let table = format!(
            "1: POSIX  ADVISORY  WRITE 4242 {dev}:{ino} 0 EOF\n\
             2: -> OFDLCK ADVISORY  READ  -1 {dev}:{ino} 0 EOF\n\
             3: FLOCK  ADVISORY  WRITE 17 {dev}:{other} 0 EOF\n\
             garbage\n",
            ino = id.ino,
            other = id.ino + 1
        );
        let files = [(id, p.as_path())];
        let found = linux::parse_locks(&table, &files);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].pid, Some(4242));
        assert_eq!(found[0].how, Hold::Lock("POSIX write lock".into()));
        assert_eq!(found[1].pid, None);
        assert_eq!(
            found[1].how,
            Hold::Lock("OFD read lock (waiting for it)".into())
        );
        assert!(found[1].to_string().contains("OFD lock"), "{}", found[1]);
    }

    #[test]
    fn a_child_holding_the_file_on_stdin_is_found_with_its_pid() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("held.db");
        std::fs::write(&p, b"x").unwrap();
        let free = dir.path().join("free.db");
        std::fs::write(&free, b"y").unwrap();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .stdin(std::fs::File::open(&p).unwrap())
            .spawn()
            .unwrap();
        let found = holders(&[p.clone(), free.clone(), dir.path().join("absent")]).found;
        let _ = child.kill();
        let _ = child.wait();
        // Only this child: another test's process started at that instant may briefly share
        // this test's descriptors between its fork and its exec, so others are not counted.
        let mine: Vec<&Holder> = found.iter().filter(|h| h.pid == Some(child.id())).collect();
        assert_eq!(mine.len(), 1, "{found:?}");
        assert_eq!(mine[0].name, "sleep");
        assert_eq!(mine[0].how, Hold::Open);
        assert_eq!(mine[0].path, p);
        assert!(
            mine[0]
                .to_string()
                .contains(&format!("sleep (pid {}) has ", child.id()))
        );
    }

    #[test]
    fn the_lock_probe_names_the_holder_of_a_posix_lock() {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("locked.db");
        std::fs::write(&p, b"x").unwrap();
        let script = "import fcntl, sys, time\n\
                      f = open(sys.argv[1], 'r+')\n\
                      fcntl.lockf(f, fcntl.LOCK_SH)\n\
                      print('locked', flush=True)\n\
                      time.sleep(60)\n";
        let Ok(mut child) = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&p)
            .stdout(std::process::Stdio::piped())
            .spawn()
        else {
            println!("skipped: python3 is not installed (it holds the lock)");
            return;
        };
        let mut line = String::new();
        let out = child.stdout.take().unwrap();
        let _ = std::io::BufReader::new(out).read_line(&mut line);
        let id = file_id(&p).unwrap();
        let found = probe_locks(&[(id, p.as_path())]);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(line.trim(), "locked");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pid, Some(child.id()));
        assert_eq!(found[0].how, Hold::Lock("POSIX read lock".into()));
    }

    #[test]
    fn this_process_never_counts_as_a_holder() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mine.db");
        std::fs::write(&p, b"x").unwrap();
        let _open = std::fs::File::open(&p).unwrap();
        let me = std::process::id();
        assert!(!holders(&[p]).found.iter().any(|h| h.pid == Some(me)));
    }
}
