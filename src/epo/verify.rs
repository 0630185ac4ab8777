//! Verify one repository from its own files: every folder's `replica.log` against the folder
//! (each listed file present with its size, SHA-1 and SHA-256; unlisted files counted), the
//! root's `SiteStat.xml` and `catalog.z`. Streaming: the one tree walker finds the folders,
//! one folder's listing is held at a time, and each file is read once for both hashes, so
//! memory stays flat in the number of files. Nothing outside the repository folder is opened.

use super::catalog;
use super::replica::{self, ItemKind, ReplicaLog};
use super::sitestat::{self, SiteStat};
use super::{CATALOG, MAX_METADATA_BYTES, Problem, REPLICA_LOG, SITESTAT};
use crate::fs::{FsError, Kind, Root};
use crate::inventory::RepositoryVerification;
use sha2_11::Digest;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Example paths kept per kind of mismatch.
pub const SAMPLES: usize = 5;

/// A problem in one metadata file of the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// The file, relative to the repository root.
    pub file: PathBuf,
    /// What and where.
    pub problem: Problem,
}

/// What catalog.z's frame says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogState {
    /// Whole: header, version and length agree.
    Ok,
    /// Absent.
    Missing,
    /// Present but damaged, or unreadable.
    Damaged(String),
}

/// Everything verifying a repository found.
#[derive(Debug, Clone, Default)]
pub struct RepoReport {
    /// SiteStat.xml: `None` when absent; the parse error otherwise.
    pub sitestat: Option<Result<SiteStat, Problem>>,
    /// catalog.z's frame.
    pub catalog: Option<CatalogState>,
    /// Counts.
    pub counts: RepositoryVerification,
    /// Up to [`SAMPLES`] missing, truncated, changed and unreadable paths, with the word.
    pub samples: Vec<String>,
    /// replica.log and SiteStat.xml problems (first few).
    pub problems: Vec<FileProblem>,
    /// Names refused as paths, with their replica.log and line.
    pub unsafe_names: Vec<FileProblem>,
    /// Digest of every replica.log's items in path order: equal for two repositories that
    /// declare the same content.
    pub fingerprint: String,
    /// Whether content disagrees with a replica.log (missing, truncated or changed).
    pub mismatched: bool,
}

impl RepoReport {
    /// Whether everything listed was present and whole and every file could be read.
    pub fn verifies(&self) -> bool {
        let c = &self.counts;
        !self.mismatched
            && c.unreadable == 0
            && c.metadata_problems == 0
            && matches!(self.catalog, Some(CatalogState::Ok))
            && matches!(self.sitestat, Some(Ok(_)))
    }
}

/// Most metadata problems kept (counts go on).
const MAX_PROBLEMS: usize = 20;

/// Progress of one repository's verification: folders done, bytes hashed.
pub trait Tick {
    /// Called after each folder.
    fn folder(&self, rel: &Path, counts: &RepositoryVerification);
}

impl<F: Fn(&Path, &RepositoryVerification)> Tick for F {
    fn folder(&self, rel: &Path, counts: &RepositoryVerification) {
        self(rel, counts)
    }
}

/// Verify the repository opened at `root`.
pub fn verify(root: &Root, tick: &dyn Tick) -> RepoReport {
    let mut r = RepoReport::default();
    let mut fp = sha2_11::Sha256::new();
    r.sitestat = read_sitestat(root);
    if let Some(Err(p)) = &r.sitestat {
        r.counts.metadata_problems += 1;
        r.problems.push(FileProblem {
            file: PathBuf::from(SITESTAT),
            problem: p.clone(),
        });
    }
    r.catalog = Some(read_catalog(root));
    folder(root, Path::new(""), &mut r, &mut fp);
    tick.folder(Path::new(""), &r.counts);
    for entry in root.walk() {
        match entry {
            Ok(e) if e.meta.kind == Kind::Dir => {
                folder(root, &e.rel, &mut r, &mut fp);
                tick.folder(&e.rel, &r.counts);
            }
            Ok(_) => {}
            Err(e) => {
                r.counts.unreadable += 1;
                sample(&mut r.samples, "unreadable", &e.to_string());
            }
        }
    }
    r.fingerprint = hex(&fp.finalize());
    r
}

fn read_sitestat(root: &Root) -> Option<Result<SiteStat, Problem>> {
    match read_capped(root, Path::new(SITESTAT)) {
        Ok(None) => None,
        Ok(Some(data)) => Some(sitestat::parse(&data)),
        Err(e) => Some(Err(Problem::new(0, format!("cannot be read: {e}")))),
    }
}

fn read_catalog(root: &Root) -> CatalogState {
    let (mut file, meta) = match root.open_file(Path::new(CATALOG)) {
        Ok(f) => f,
        Err(e) if e.is_not_found() => return CatalogState::Missing,
        Err(e) => return CatalogState::Damaged(format!("cannot be read: {e}")),
    };
    let mut head = Vec::with_capacity(catalog::HEADER as usize);
    if let Err(e) = (&mut file).take(catalog::HEADER).read_to_end(&mut head) {
        return CatalogState::Damaged(format!("cannot be read: {e}"));
    }
    match catalog::check(&head, meta.len()) {
        Ok(_) => CatalogState::Ok,
        Err(e) => CatalogState::Damaged(e.to_string()),
    }
}

/// Read a small file beneath `root`; `None` when absent; refused above the metadata limit.
pub fn read_capped(root: &Root, rel: &Path) -> Result<Option<Vec<u8>>, FsError> {
    let (file, meta) = match root.open_file(rel) {
        Ok(f) => f,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let too_big = || FsError::Io {
        path: root.display(rel),
        op: "read",
        source: std::io::Error::other(format!(
            "larger than {} MiB: not a repository metadata file",
            MAX_METADATA_BYTES >> 20
        )),
    };
    if meta.len() > MAX_METADATA_BYTES {
        return Err(too_big());
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_METADATA_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(|e| FsError::Io {
            path: root.display(rel),
            op: "read",
            source: e,
        })?;
    if data.len() as u64 > MAX_METADATA_BYTES {
        return Err(too_big());
    }
    Ok(Some(data))
}

/// Read and parse the replica.log of the folder `rel`; `None` when it has none.
pub fn replica_log(root: &Root, rel: &Path) -> Result<Option<ReplicaLog>, FsError> {
    Ok(read_capped(root, &rel.join(REPLICA_LOG))?.map(|d| replica::parse(&d)))
}

fn folder(root: &Root, rel: &Path, r: &mut RepoReport, fp: &mut sha2_11::Sha256) {
    r.counts.folders += 1;
    let log_rel = rel.join(REPLICA_LOG);
    let listing = match root.list(rel) {
        Ok(l) => l,
        Err(e) => {
            r.counts.unreadable += 1;
            sample(&mut r.samples, "unreadable", &e.to_string());
            return;
        }
    };
    let log = match replica_log(root, rel) {
        Ok(Some(log)) => log,
        Ok(None) => {
            problem(
                r,
                &log_rel,
                Problem::new(0, "missing: the folder's content cannot be verified"),
            );
            r.counts.unlisted +=
                listing.iter().filter(|e| e.meta.kind == Kind::File).count() as u64;
            return;
        }
        Err(e) => {
            problem(r, &log_rel, Problem::new(0, format!("cannot be read: {e}")));
            return;
        }
    };
    for p in &log.problems {
        problem(r, &log_rel, p.clone());
    }
    for u in &log.unsafe_names {
        r.counts.metadata_problems += 1;
        if r.unsafe_names.len() < MAX_PROBLEMS {
            r.unsafe_names.push(FileProblem {
                file: log_rel.clone(),
                problem: Problem::new(
                    u.line,
                    format!(
                        "name '{}' would lead outside the folder; it was not used",
                        u.name
                    ),
                ),
            });
        }
    }
    let is_root = rel.as_os_str().is_empty();
    for item in &log.items {
        fp.update(
            format!(
                "{}|{:?}|{}|{}|{}\n",
                rel.join(&item.name).display(),
                item.kind,
                item.size,
                item.sha1.as_deref().unwrap_or(""),
                item.sha256.as_deref().unwrap_or("")
            )
            .as_bytes(),
        );
        let entry = listing
            .iter()
            .find(|e| e.name.to_str() == Some(item.name.as_str()))
            .or_else(|| {
                listing.iter().find(|e| {
                    e.name
                        .to_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&item.name))
                })
            });
        let path = rel.join(&item.name);
        let shown = path.to_string_lossy().replace('\\', "/");
        match item.kind {
            ItemKind::Directory => {
                if !entry.is_some_and(|e| e.meta.kind == Kind::Dir) {
                    r.counts.missing += 1;
                    r.mismatched = true;
                    sample(&mut r.samples, "missing", &shown);
                }
            }
            ItemKind::File => {
                r.counts.files_listed += 1;
                let Some(e) = entry.filter(|e| e.meta.kind == Kind::File) else {
                    r.counts.missing += 1;
                    r.mismatched = true;
                    sample(&mut r.samples, "missing", &shown);
                    continue;
                };
                let on_disk = rel.join(&e.name);
                if e.meta.size != item.size {
                    r.counts.truncated += 1;
                    r.mismatched = true;
                    sample(
                        &mut r.samples,
                        if e.meta.size < item.size {
                            "truncated"
                        } else {
                            "size changed"
                        },
                        &shown,
                    );
                    continue;
                }
                match hash_file(root, &on_disk) {
                    Ok(h) => {
                        r.counts.bytes_hashed += e.meta.size;
                        let sha1_ok = item.sha1.as_ref().is_none_or(|s| *s == h.sha1);
                        let sha256_ok = item.sha256.as_ref().is_none_or(|s| *s == h.sha256);
                        if sha1_ok && sha256_ok {
                            r.counts.files_verified += 1;
                        } else {
                            r.counts.changed += 1;
                            r.mismatched = true;
                            sample(&mut r.samples, "changed", &shown);
                        }
                    }
                    Err(err) => {
                        r.counts.unreadable += 1;
                        sample(&mut r.samples, "unreadable", &err.to_string());
                    }
                }
            }
        }
    }
    for e in &listing {
        let Some(name) = e.name.to_str() else {
            r.counts.unlisted += 1;
            continue;
        };
        if name.eq_ignore_ascii_case(REPLICA_LOG)
            || (is_root && name.eq_ignore_ascii_case(SITESTAT))
            || log.item(name).is_some()
        {
            continue;
        }
        r.counts.unlisted += 1;
    }
}

fn problem(r: &mut RepoReport, file: &Path, p: Problem) {
    r.counts.metadata_problems += 1;
    if r.problems.len() < MAX_PROBLEMS {
        r.problems.push(FileProblem {
            file: file.to_path_buf(),
            problem: p,
        });
    }
}

fn sample(samples: &mut Vec<String>, what: &str, path: &str) {
    if samples.len() < SAMPLES {
        samples.push(format!("{what}: {path}"));
    }
}

/// SHA-1 and SHA-256 of one file, upper-case hex, from one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    /// SHA-1.
    pub sha1: String,
    /// SHA-256.
    pub sha256: String,
}

/// Hash a file beneath `root` once for both digests, streamed in 256 KiB blocks.
pub fn hash_file(root: &Root, rel: &Path) -> Result<Hashes, FsError> {
    let (file, _) = root.open_file(rel)?;
    hash_reader(file).map_err(|e| FsError::Io {
        path: root.display(rel),
        op: "read",
        source: e,
    })
}

/// Both digests of everything `r` yields.
pub fn hash_reader(mut r: impl Read) -> std::io::Result<Hashes> {
    let mut s1 = sha1::Sha1::new();
    let mut s256 = sha2_11::Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        s1.update(&buf[..n]);
        s256.update(&buf[..n]);
    }
    Ok(Hashes {
        sha1: hex(&s1.finalize()),
        sha256: hex(&s256.finalize()),
    })
}

/// Upper-case hex, as replica.log writes hashes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_hashes_match_the_reference_values() {
        let h = hash_reader(&b"abc"[..]).unwrap();
        assert_eq!(h.sha1, "A9993E364706816ABA3E25717850C26C9CD0D89D");
        assert_eq!(
            h.sha256,
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }
}
