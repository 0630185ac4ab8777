//! Repositories verified from their own files (McAfee ePO): the master repository of the
//! profile, every `--repo NAME=DIR` and the repositories of the profile's SiteList.xml, each
//! verified in parallel against its replica.logs, SiteStat.xml and catalog.z, then against the
//! master (or, without one, the recommended source: the freshest repository that verifies).
//! Also the keystore's must-travel signing keys.

use crate::context::Context;
use crate::epo::sitelist;
use crate::epo::verify::{self, CatalogState, RepoReport};
use crate::findings::{Code, Finding, Severity};
use crate::fs::{Confined, FsError, Kind, Root};
use crate::inventory::{
    DistributionPoint, Inventory, Progress, ProgressSink, RepositoryState, ScanOptions,
};
use crate::profile::RepositoryLayout;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Component id of findings about the repositories as a whole.
const ALL_POINTS: &str = "distribution_points";
/// Name of the master repository.
pub const MASTER: &str = "master";

/// Where a repository is and how it is opened.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its name (`master`, a `--repo` name, a site-list name).
    pub name: String,
    /// `profile`, `--repo` or `site-list`.
    pub origin: &'static str,
    /// Its network address when known, else the folder.
    pub address: String,
    /// How to open it.
    pub place: Place,
}

/// How a repository folder is opened.
#[derive(Debug, Clone)]
pub enum Place {
    /// Beneath the root, never through a link (master, site-list mounts).
    Beneath(Confined),
    /// A folder the operator named (`--repo`): opened as given.
    Given(PathBuf),
}

impl Place {
    /// The folder's path, for display.
    pub fn path(&self) -> PathBuf {
        match self {
            Place::Beneath(c) => c.path(),
            Place::Given(p) => p.clone(),
        }
    }

    /// Open the folder as a base of its own.
    pub fn open(&self) -> Result<Root, FsError> {
        match self {
            Place::Beneath(c) => c.open_dir(),
            Place::Given(p) => Root::open(p),
        }
    }
}

/// The repositories `ctx` names: master first, then `--repo` in order, then the site list's.
pub fn targets(ctx: &Context, layout: &RepositoryLayout, notes: &mut Vec<String>) -> Vec<Target> {
    let mut out = Vec::new();
    match Confined::new(&ctx.root, &layout.master) {
        Ok(c) => out.push(Target {
            name: MASTER.into(),
            origin: "profile",
            address: c.path().display().to_string(),
            place: Place::Beneath(c),
        }),
        Err(e) => notes.push(format!("master repository not checked: {e}")),
    }
    for (name, dir) in &ctx.repos {
        out.push(Target {
            name: name.clone(),
            origin: "--repo",
            address: dir.display().to_string(),
            place: Place::Given(dir.clone()),
        });
    }
    if let Some(list) = &layout.site_list {
        let file = match Confined::new(&ctx.root, list) {
            Ok(f) => f,
            Err(e) => {
                notes.push(format!("site list not read: {e}"));
                return out;
            }
        };
        match crate::fs::read_limited(&file, crate::epo::MAX_METADATA_BYTES) {
            Ok(data) => {
                let (sites, problem) = sitelist::parse(&data);
                if let Some(p) = problem {
                    notes.push(format!("{}: {p}", file.path().display()));
                }
                for site in sites.iter().filter(|s| s.is_distributed()) {
                    if out.iter().any(|t| t.name.eq_ignore_ascii_case(&site.name)) {
                        continue;
                    }
                    let Some(rel) = layout.mount_of(&site.name) else {
                        notes.push(format!(
                            "site-list repository {} has no local folder (no mount template, or a name that is not a plain folder name): give it with --repo NAME=DIR",
                            site.name
                        ));
                        continue;
                    };
                    let Ok(c) = Confined::new(&ctx.root, rel) else {
                        continue;
                    };
                    out.push(Target {
                        name: site.name.clone(),
                        origin: "site-list",
                        address: format!("{} {}", site.server, site.share).trim().to_string(),
                        place: Place::Beneath(c),
                    });
                }
            }
            Err(crate::fs::LimitedError::Fs(e)) if e.is_not_found() => {}
            Err(e) => notes.push(format!("site list {} not read: {e}", file.path().display())),
        }
    }
    out
}

/// One repository's outcome.
#[derive(Debug)]
pub struct Checked {
    /// Which repository.
    pub target: Target,
    /// What verifying it found, or why its folder could not be opened.
    pub report: Result<RepoReport, FsError>,
}

impl Checked {
    /// Whether it verifies completely and is Enabled (usable as a source).
    pub fn usable_as_source(&self) -> bool {
        self.report
            .as_ref()
            .is_ok_and(|r| r.verifies() && enabled(r))
    }

    /// Its SiteStat.xml catalog version, when readable.
    pub fn catalog_version(&self) -> Option<&str> {
        match self.report.as_ref().ok()?.sitestat.as_ref()? {
            Ok(s) => Some(&s.catalog_version),
            Err(_) => None,
        }
    }
}

/// Verify every repository and the keystore into `inv`.
pub fn scan(ctx: &Context, _opts: &ScanOptions, inv: &mut Inventory, progress: &dyn ProgressSink) {
    let Some(layout) = &ctx.profile.repositories else {
        return;
    };
    let mut findings = keys(ctx, layout);
    let targets = targets(ctx, layout, &mut inv.notes);
    let checked = verify_all(targets, progress);
    let points = judge(ctx, &checked, &mut findings);
    inv.distribution_points.extend(points);
    inv.findings.extend(findings);
}

/// Verify repositories in parallel, with progress per repository.
pub fn verify_all(targets: Vec<Target>, progress: &dyn ProgressSink) -> Vec<Checked> {
    targets
        .into_par_iter()
        .map(|target| {
            let job = format!("verify {}", target.name);
            let report = target.place.open().map(|root| {
                let tick = |rel: &Path, c: &crate::inventory::RepositoryVerification| {
                    progress.report(Progress {
                        job: job.clone(),
                        label: format!("dp:{}/{}", target.name, rel.display()),
                        done: c.files_verified,
                        total: 0,
                        bytes_done: c.bytes_hashed,
                        bytes_total: 0,
                        finished: false,
                    })
                };
                verify::verify(&root, &tick)
            });
            progress.report(Progress {
                job: job.clone(),
                label: format!("dp:{}", target.name),
                done: 1,
                total: 1,
                bytes_done: report.as_ref().map_or(0, |r| r.counts.bytes_hashed),
                bytes_total: 0,
                finished: true,
            });
            Checked { target, report }
        })
        .collect()
}

/// The version stale repositories are measured against, and the recommended source's index:
/// the master when it verifies, else the freshest repository that verifies (ties: the first).
pub fn reference(checked: &[Checked]) -> (Option<String>, Option<usize>) {
    let version = |c: &Checked| c.catalog_version().map(str::to_string);
    let verifies = |c: &Checked| c.usable_as_source();
    let master = checked.iter().position(|c| c.target.origin == "profile");
    let source = match master.filter(|&m| verifies(&checked[m])) {
        Some(m) => Some(m),
        None => (0..checked.len())
            .filter(|&i| verifies(&checked[i]))
            .max_by(|&a, &b| {
                version(&checked[a])
                    .cmp(&version(&checked[b]))
                    // Equal versions: the first in command-line order wins.
                    .then(b.cmp(&a))
            }),
    };
    let reference_version = master
        .and_then(|m| version(&checked[m]))
        .or_else(|| source.and_then(|s| version(&checked[s])));
    (reference_version, source)
}

fn enabled(r: &RepoReport) -> bool {
    matches!(&r.sitestat, Some(Ok(s)) if s.status == crate::epo::sitestat::Status::Enabled)
}

fn judge(
    ctx: &Context,
    checked: &[Checked],
    findings: &mut Vec<Finding>,
) -> Vec<DistributionPoint> {
    let (reference_version, source) = reference(checked);
    let source_name = source.map(|s| checked[s].target.name.clone());
    let source_fp = source.and_then(|s| {
        checked[s]
            .report
            .as_ref()
            .ok()
            .map(|r| r.fingerprint.clone())
    });
    let now = ctx.clock.now();
    let mut points = Vec::with_capacity(checked.len());
    for (i, c) in checked.iter().enumerate() {
        let t = &c.target;
        let id = format!("dp:{}", t.name);
        let path = t.place.path();
        let is_master = t.origin == "profile";
        let mut state = RepositoryState {
            role: if is_master { "master" } else { "distributed" }.into(),
            origin: t.origin.into(),
            recommended_source: source == Some(i),
            ..RepositoryState::default()
        };
        let mut point = DistributionPoint {
            id: i as i64,
            name: t.name.clone(),
            address: t.address.clone(),
            path: path.clone(),
            is_master,
            ..DistributionPoint::default()
        };
        let r = match &c.report {
            Ok(r) => r,
            Err(e) => {
                state.catalog = "unknown".into();
                if is_master && e.is_not_found() {
                    findings.push(no_master(&path, checked, source_name.as_deref()));
                } else if e.is_link() {
                    findings.push(super::distribution::unsafe_path(&t.name, e));
                } else {
                    findings.push(
                        Finding::new(
                            Code::DpUnreachable,
                            &id,
                            format!(
                                "repository {} ({}) cannot be read: {e}",
                                t.name,
                                path.display()
                            ),
                        )
                        .at(&path),
                    );
                }
                point.repository = Some(state);
                points.push(point);
                continue;
            }
        };
        point.reachable = true;
        point.files = r.counts.files_listed;
        point.bytes = r.counts.bytes_hashed;
        point.missing = r.counts.missing;
        point.extra = r.counts.unlisted;
        point.changed = r.counts.changed + r.counts.truncated;
        point.samples = r.samples.clone();
        state.verification = r.counts.clone();
        state.verified = r.verifies() && enabled(r);
        state.catalog = match &r.catalog {
            Some(CatalogState::Ok) => "ok",
            Some(CatalogState::Missing) => "missing",
            _ => "damaged",
        }
        .into();
        if let Some(Ok(s)) = &r.sitestat {
            state.status = Some(s.status.as_str().into());
            state.catalog_version = Some(s.catalog_version.clone());
            state.catalog_age_hours = crate::epo::catalog_time(&s.catalog_version)
                .map(|t| ((now - t).num_minutes() as f64 / 60.0 * 10.0).round() / 10.0);
        }
        repository_findings(&id, &t.name, &path, r, findings);
        // Against the master or the recommended source.
        if let (Some(Ok(s)), Some(reference)) = (&r.sitestat, &reference_version)
            && source != Some(i)
            && !is_master
        {
            let against = if checked
                .iter()
                .any(|c| c.target.origin == "profile" && c.report.is_ok())
            {
                "the master's".to_string()
            } else {
                format!(
                    "the recommended source {}'s",
                    source_name.as_deref().unwrap_or("?")
                )
            };
            if s.catalog_version < *reference {
                findings.push(
                    Finding::new(
                        Code::DpStale,
                        &id,
                        format!(
                            "repository {}: catalog version {} is older than {against} {reference}: clients skip it",
                            t.name, s.catalog_version
                        ),
                    )
                    .at(&path),
                );
            } else if s.catalog_version == *reference
                && r.verifies()
                && source_fp.as_ref().is_some_and(|fp| *fp != r.fingerprint)
            {
                findings.push(
                    Finding::new(
                        Code::DpOutOfSync,
                        &id,
                        format!(
                            "repository {}: same catalog version {} as {against}, but its replica.logs list other content",
                            t.name, s.catalog_version
                        ),
                    )
                    .at(&path),
                );
            }
        }
        point.repository = Some(state);
        points.push(point);
    }
    points
}

fn no_master(path: &Path, checked: &[Checked], source: Option<&str>) -> Finding {
    let instead = match source {
        Some(name) => {
            let v = checked
                .iter()
                .find(|c| c.target.name == name)
                .and_then(|c| c.report.as_ref().ok())
                .and_then(|r| r.sitestat.as_ref()?.as_ref().ok())
                .map(|s| s.catalog_version.clone())
                .unwrap_or_default();
            format!("the recommended source instead is {name} (catalog version {v}, verified from its own files)")
        }
        None => "no other repository verifies, so none can serve as source: restore the master from a backup or the vendor's update site".into(),
    };
    Finding::new(
        Code::DpNoMaster,
        ALL_POINTS,
        format!("the master repository {} is missing; {instead}", path.display()),
    )
    .at(path)
    .hint(match source {
        Some(name) => format!("Bring the stale repositories up to {name} with `drconsole dp sync NAME... --from {name}`, then rebuild the master (it signs the catalogs) with its keystore"),
        None => "Restore the master repository (DB/Software) from a backup, or pull from the vendor's site, before anything else".into(),
    })
}

fn repository_findings(
    id: &str,
    name: &str,
    path: &Path,
    r: &RepoReport,
    findings: &mut Vec<Finding>,
) {
    for u in &r.unsafe_names {
        findings.push(
            Finding::new(
                Code::DpPathUnsafe,
                id,
                format!("repository {name}: {} {}", u.file.display(), u.problem),
            )
            .at(path.join(&u.file)),
        );
    }
    if let Some(first) = r.problems.first() {
        let more = r
            .counts
            .metadata_problems
            .saturating_sub(r.unsafe_names.len() as u64 + 1);
        findings.push(
            Finding::new(
                Code::DpMetadataInvalid,
                id,
                format!(
                    "repository {name}: {} {}{}",
                    first.file.display(),
                    first.problem,
                    if more > 0 {
                        format!(
                            "; {more} more, e.g. {}",
                            r.problems
                                .iter()
                                .skip(1)
                                .take(3)
                                .map(|p| format!("{} {}", p.file.display(), p.problem))
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    } else {
                        String::new()
                    }
                ),
            )
            .at(path.join(&first.file)),
        );
    }
    match &r.sitestat {
        None => findings.push(
            Finding::new(
                Code::DpMetadataInvalid,
                id,
                format!("repository {name} has no {}: clients cannot use it", crate::epo::SITESTAT),
            )
            .at(path.join(crate::epo::SITESTAT)),
        ),
        Some(Ok(s)) if s.status == crate::epo::sitestat::Status::Disabled => findings.push(
            Finding::new(
                Code::DpDisabled,
                id,
                format!(
                    "repository {name} is Disabled (catalog version {}): left mid-replication or being written; clients skip it",
                    s.catalog_version
                ),
            )
            .at(path.join(crate::epo::SITESTAT)),
        ),
        _ => {}
    }
    match &r.catalog {
        Some(CatalogState::Missing) => findings.push(
            Finding::new(
                Code::DpCatalogDamaged,
                id,
                format!("repository {name} has no catalog.z: clients refuse it"),
            )
            .at(path.join(crate::epo::CATALOG)),
        ),
        Some(CatalogState::Damaged(why)) => findings.push(
            Finding::new(
                Code::DpCatalogDamaged,
                id,
                format!("repository {name}: catalog.z {why}"),
            )
            .at(path.join(crate::epo::CATALOG)),
        ),
        _ => {}
    }
    let c = &r.counts;
    if r.mismatched {
        findings.push(
            Finding::new(
                Code::DpHashMismatch,
                id,
                format!(
                    "repository {name}: {} missing, {} truncated or resized, {} changed of {} listed files{}",
                    c.missing,
                    c.truncated,
                    c.changed,
                    c.files_listed,
                    if r.samples.is_empty() {
                        String::new()
                    } else {
                        format!("; e.g. {}", r.samples.join(", "))
                    }
                ),
            )
            .at(path),
        );
    }
    if c.unreadable > 0 {
        findings.push(
            Finding::new(
                Code::DpUnreachable,
                id,
                format!(
                    "repository {name}: {} entries could not be read, so they cannot be verified{}",
                    c.unreadable,
                    r.samples
                        .iter()
                        .find(|s| s.starts_with("unreadable"))
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default()
                ),
            )
            .severity(Severity::Warning)
            .hint("Run drconsole as a user that can read the whole repository, then check again")
            .at(path),
        );
    }
}

/// The keystore's must-travel signing keys: each pattern needs one file that is a zip archive.
fn keys(ctx: &Context, layout: &RepositoryLayout) -> Vec<Finding> {
    let Some(store) = &layout.keystore else {
        return Vec::new();
    };
    if layout.keys.is_empty() {
        return Vec::new();
    }
    let id = "keystore";
    let abs = ctx.live(store);
    let listing = Confined::new(&ctx.root, store)
        .and_then(|c| c.open_dir())
        .and_then(|r| r.list(Path::new("")));
    let entries = match listing {
        Ok(l) => l,
        Err(e) if e.is_not_found() => {
            return vec![
                Finding::new(
                    Code::EpoKeysMissing,
                    id,
                    format!(
                        "the keystore {} is missing: no signing keys ({}) travel with this server",
                        abs.display(),
                        layout.keys.join(", ")
                    ),
                )
                .at(&abs),
            ];
        }
        Err(e) => {
            return vec![
                Finding::new(
                    Code::PathUnreadable,
                    id,
                    format!(
                        "the keystore cannot be read, so its signing keys cannot be verified: {e}"
                    ),
                )
                .at(&abs),
            ];
        }
    };
    let root = Confined::new(&ctx.root, store).and_then(|c| c.open_dir());
    let mut found: Vec<Option<String>> = vec![None; layout.keys.len()];
    let mut not_zip: Vec<String> = Vec::new();
    for e in entries.iter().filter(|e| e.meta.kind == Kind::File) {
        let Some(name) = e.name.to_str() else {
            continue;
        };
        let best = layout
            .keys
            .iter()
            .enumerate()
            .filter(|(_, p)| glob(p, name))
            .max_by_key(|(_, p)| p.len() - p.matches('*').count());
        let Some((k, _)) = best else { continue };
        let is_zip = root
            .as_ref()
            .ok()
            .and_then(|r| verify::read_capped(r, Path::new(name)).ok().flatten())
            .is_some_and(|d| d.starts_with(b"PK\x03\x04") || d.starts_with(b"PK\x05\x06"));
        if is_zip {
            found[k] = Some(name.to_string());
        } else {
            not_zip.push(name.to_string());
        }
    }
    let missing: Vec<&str> = layout
        .keys
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(p, _)| p.as_str())
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    vec![
        Finding::new(
            Code::EpoKeysMissing,
            id,
            format!(
                "the keystore {} lacks {}{}: catalogs this server signs will not be trusted by agents",
                abs.display(),
                missing.join(" and "),
                if not_zip.is_empty() {
                    String::new()
                } else {
                    format!(" ({} present but not a zip archive)", not_zip.join(", "))
                }
            ),
        )
        .at(&abs),
    ]
}

/// Case-insensitive match of `name` against a pattern with `*` wildcards.
fn glob(pattern: &str, name: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let n = name.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == n;
    }
    let Some(rest) = n.strip_prefix(parts[0]) else {
        return false;
    };
    let mut rest = rest;
    let last = parts[parts.len() - 1];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn key_patterns_match_case_insensitively() {
        assert!(glob("sm*.zip", "smEPOSRV01.zip"));
        assert!(glob("sm2048*.zip", "SM2048EPOSRV01.ZIP"));
        assert!(glob("sm*.zip", "sm2048EPOSRV01.zip"));
        assert!(!glob("sm2048*.zip", "smEPOSRV01.zip"));
        assert!(!glob("sm*.zip", "sm.zi"));
        assert!(glob("a*b*c", "aXbYc"));
    }
}
