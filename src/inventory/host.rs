//! The machine drconsole runs on: running server processes, its host name against the server
//! certificate, and free space on the live volume against the size of a restore.

use crate::component::Component;
use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::inventory::certificates::{host_matches, names, server_identity, server_identity_store};
use crate::inventory::compare::comparison_set;
use crate::inventory::{HostState, Inventory, ProgressSink, RunningProcess, ScanOptions, Source};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

/// Fill `inv.host` and push its findings.
pub fn scan(ctx: &Context, _opts: &ScanOptions, inv: &mut Inventory, _progress: &dyn ProgressSink) {
    let mut host = HostState {
        hostname: ctx
            .hostname
            .clone()
            .or_else(|| System::host_name().ok())
            .unwrap_or_default(),
        // A demo tree has no server of its own: this machine's processes are not its.
        running: if ctx.demo {
            Vec::new()
        } else {
            running_processes(&ctx.profile.processes)
        },
        ..HostState::default()
    };
    let mut findings = Vec::new();
    for p in &host.running {
        findings.push(Finding::new(
            Code::ServerRunning,
            "host",
            format!(
                "'{}' is running (pid {}): restores will refuse until it stops. {}",
                p.name, p.pid, ctx.profile.stop_hint
            ),
        ));
    }
    findings.extend(hostname(ctx, inv, &host.hostname));

    if let Some(set) = inv.recommended_set() {
        host.needed_bytes = Some(set.bytes);
        let volume = live_volume(ctx);
        // A demo shows no fact of the machine it runs on (recordings must not differ).
        host.free_bytes = if ctx.demo { None } else { free_space(&volume) };
        if let Some(free) = host.free_bytes
            && free < set.bytes
        {
            findings.push(
                Finding::new(
                    Code::DiskSpaceLow,
                    "host",
                    format!(
                        "{} has {} free, but restoring backup set {} needs {}",
                        volume.display(),
                        crate::units::bytes(free),
                        set.id,
                        crate::units::bytes(set.bytes)
                    ),
                )
                .at(&volume),
            );
        }
    }
    inv.host = host;
    inv.findings.extend(findings);
}

/// Processes whose name is one of `wanted`. Linux truncates process names to 15 bytes, so
/// the executable's and the first argument's file names are matched too.
pub fn running_processes(wanted: &[String]) -> Vec<RunningProcess> {
    if wanted.is_empty() {
        return Vec::new();
    }
    let Ok(mut sys) = System::new() else {
        return Vec::new();
    };
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .with_exe(UpdateKind::OnlyIfNotSet)
            .with_cmd(UpdateKind::OnlyIfNotSet),
    );
    let mut out: Vec<RunningProcess> = sys
        .processes()
        .iter()
        .filter(|(_, p)| p.thread_kind().is_none())
        .filter_map(|(pid, p)| {
            let candidates = [
                Some(p.name()),
                p.exe().and_then(Path::file_name),
                p.cmd().first().and_then(|a| Path::new(a).file_name()),
            ];
            let hit = wanted.iter().find(|w| {
                candidates
                    .iter()
                    .flatten()
                    .any(|c| *c == OsStr::new(w.as_str()))
            })?;
            Some(RunningProcess {
                name: hit.clone(),
                pid: pid.as_u32(),
            })
        })
        .collect();
    out.sort_by_key(|p| p.pid);
    out
}

/// `HOSTNAME_DIFFERS`: agents reach the server by the name on the certificate they trust,
/// which is the backup's identity when there is one (the old server's), else the live one.
fn hostname(ctx: &Context, inv: &Inventory, host: &str) -> Option<Finding> {
    if host.is_empty() {
        return None;
    }
    let store = server_identity_store(&ctx.profile)?;
    let from_set = comparison_set(
        inv,
        &ctx.profile,
        &Component::Certificates(store.name.clone()),
    )
    .map(|(set, _)| server_identity(inv, &ctx.profile, &Source::Set(set.id.clone())))
    .unwrap_or_default();
    let (certs, whose) = if from_set.is_empty() {
        (server_identity(inv, &ctx.profile, &Source::Live), "live")
    } else {
        (from_set, "backed-up")
    };
    let all: Vec<String> = certs.iter().flat_map(|c| names(c)).collect();
    if all.is_empty() || host_matches(host, &all) {
        return None;
    }
    Some(Finding::new(
        Code::HostnameDiffers,
        "host",
        format!(
            "this machine is '{host}', but the {whose} server certificate names {}",
            all.join(", ")
        ),
    ))
}

/// Where the live components are: the deepest existing folder above the first database.
fn live_volume(ctx: &Context) -> PathBuf {
    let start = ctx
        .profile
        .databases
        .first()
        .map(|d| ctx.live(&d.path))
        .unwrap_or_else(|| ctx.root.clone());
    start
        .ancestors()
        .find(|p| p.is_dir())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| ctx.root.clone())
}

/// Bytes available to this user on the volume holding `path`.
#[cfg(unix)]
pub fn free_space(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a writable statvfs.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

/// Bytes available on the volume holding `path` (the disk with the longest matching mount).
#[cfg(not(unix))]
pub fn free_space(path: &Path) -> Option<u64> {
    let path = std::fs::canonicalize(path).ok()?;
    let disks = sysinfo::Disks::new_with_refreshed_list().ok()?;
    disks
        .iter()
        .filter(|d| path.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())
        .map(|d| d.available_space())
}
