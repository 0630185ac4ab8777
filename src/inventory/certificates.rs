//! Certificate stores: every certificate and private key of the profile's stores, live and in
//! backup sets, paired by public key, chain-verified, and judged (expiry, missing or mismatched
//! keys, key permissions, backup identity, MDM trust). Key material is never printed.

mod ber;
mod chain;
mod judge;
pub mod keys;
mod names;
mod pair;
pub mod parse;
mod pkcs12;
mod pkcs7;
mod rsa_verify;
mod store;

use crate::component::Component;
use crate::context::Context;
use crate::fs::Confined;
use crate::inventory::setcache::SetCache;
use crate::inventory::{
    Certificate, Inventory, PrivateKey, Progress, ProgressSink, ScanOptions, Source,
};
use crate::profile::{CertificateStore, Profile};
use keys::PublicId;
use parse::Problem;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Certificates expiring within this many days get `CERT_EXPIRING` unless the configuration
/// sets `expiry_days` (see `Profile::expiry_days`).
pub const EXPIRING_DAYS: i64 = 30;

/// Whether a certificate valid until `not_after` expires within `days` of `now` (and has not
/// expired yet): the one rule behind `CERT_EXPIRING`, the report's `!` and the console's colour.
pub fn expires_within(
    not_after: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    days: u32,
) -> bool {
    not_after >= now && not_after - now <= chrono::Duration::days(i64::from(days))
}

/// A certificate with what judging needs beside the public model.
struct CertEntry {
    cert: Certificate,
    der: Vec<u8>,
    public: Option<PublicId>,
}

/// A private key with its public identity.
struct KeyEntry {
    key: PrivateKey,
    public: PublicId,
}

/// Everything read from one source (live or one backup set).
#[derive(Default)]
struct SourceScan {
    certs: Vec<CertEntry>,
    keys: Vec<KeyEntry>,
    /// Unreadable or locked files, with the store they belong to.
    problems: Vec<(String, PathBuf, Problem)>,
    /// Symbolic links leading out of a store.
    unsafe_links: Vec<(String, PathBuf)>,
    /// Stores that exist.
    present: BTreeSet<String>,
    /// Why each certificate's chain is broken (parallel to `certs`).
    chain_reasons: Vec<String>,
    /// Every path looked at (stores and what they hold, present or not): what the result
    /// depends on.
    files: Vec<PathBuf>,
}

/// What a backup set's certificate stores yield once paired and chain-verified: all that the
/// findings and the inventory take from a set, and what the set cache keeps.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct SetResult {
    certs: Vec<Certificate>,
    keys: Vec<PrivateKey>,
    /// Unreadable or locked files, with the store they belong to.
    problems: Vec<(String, PathBuf, Problem)>,
}

impl SetResult {
    fn of(scan: SourceScan) -> SetResult {
        SetResult {
            certs: scan.certs.into_iter().map(|c| c.cert).collect(),
            keys: scan.keys.into_iter().map(|k| k.key).collect(),
            problems: scan.problems,
        }
    }

    /// Whether the result would hold for another run: a file that could not be read now may
    /// be readable then (permissions, a passing I/O error), so such a result is not kept.
    fn lasting(&self) -> bool {
        !self
            .problems
            .iter()
            .any(|(_, _, p)| matches!(p, Problem::Unreadable(m) if m.starts_with("cannot read")))
    }
}

/// Name of the set cache file of certificate stores in the cache folder.
const SET_CACHE: &str = "certificate-sets.bin";

/// Everything besides a set's own files that its certificate result depends on: this
/// build, the profile's stores, the PKCS#12 password, the trusted anchors and who reads.
fn set_cache_context(profile: &Profile, password: Option<&str>, anchors: &[Vec<u8>]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut part = |b: &[u8]| {
        h.update(&(b.len() as u64).to_le_bytes());
        h.update(b);
    };
    part(env!("CARGO_PKG_VERSION").as_bytes());
    part(format!("{:?}", profile.certificates).as_bytes());
    part(&[u8::from(password.is_some())]);
    part(password.unwrap_or_default().as_bytes());
    part(&crate::state_dir::euid().to_le_bytes());
    for a in anchors {
        part(a);
    }
    h.digest128()
}

/// Scan every certificate store, live and in each backup set, into `inv` and judge the live ones.
pub fn scan(ctx: &Context, _opts: &ScanOptions, inv: &mut Inventory, progress: &dyn ProgressSink) {
    let profile = &ctx.profile;
    let now = ctx.clock.now();
    let password = ctx.pfx_password();
    let total = profile.certificates.len() as u64 * (1 + inv.backup_sets.len() as u64);
    let done = AtomicU64::new(0);
    let tick = |label: String| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress.report(Progress {
            job: "certificates".into(),
            label,
            done: n,
            total,
            bytes_done: 0,
            bytes_total: 0,
            finished: n == total,
        });
    };

    let anchor_der = pair::system_anchors(&ctx.root);
    let anchors = pair::parse_all(&anchor_der);
    let cache: SetCache<SetResult> = SetCache::load(
        &ctx.cache_dir(),
        SET_CACHE,
        set_cache_context(profile, password, &anchor_der),
        !ctx.no_cache,
    );
    let memo = pair::ChainMemo::default();
    let mut live = SourceScan::default();
    for store in &profile.certificates {
        match Confined::new(&ctx.root, &store.path) {
            Ok(path) => store::read_store(store, &path, &Source::Live, password, &mut live),
            Err(_) => live
                .unsafe_links
                .push((store.name.clone(), ctx.live(&store.path))),
        }
        tick(format!("certificates:{}", store.name));
    }
    pair::finish_source(&mut live, &anchors, &memo);

    // Which store copies each set holds, decided in order (flat sets share one folder: each
    // copy is read once, by the newest set naming it); then the sets are read side by side.
    let mut seen_paths = BTreeSet::new();
    let named: Vec<Vec<(&CertificateStore, Option<PathBuf>)>> = inv
        .backup_sets
        .iter()
        .map(|set| {
            profile
                .certificates
                .iter()
                .map(|store| {
                    let component = Component::Certificates(store.name.clone());
                    let path = component
                        .path_in_set(profile, &set.path)
                        .filter(|p| seen_paths.insert(p.clone()));
                    (store, path)
                })
                .collect()
        })
        .collect();
    // Which of those copies exist: system calls, asked side by side (the order is settled).
    let reads: Vec<Vec<(&CertificateStore, Option<Confined>)>> = inv
        .backup_sets
        .par_iter()
        .zip(named)
        .map(|(set, named)| {
            named
                .into_iter()
                .map(|(store, path)| {
                    let path = path
                        .filter(|p| std::fs::symlink_metadata(p).is_ok())
                        .and_then(|p| Confined::within(&set.path, &p).ok());
                    (store, path)
                })
                .collect()
        })
        .collect();
    let sets: Vec<SetResult> = inv
        .backup_sets
        .par_iter()
        .zip(reads)
        .map(|(set, reads)| {
            if reads.iter().all(|(_, p)| p.is_none()) {
                reads.iter().for_each(|(store, _)| {
                    tick(format!("{}:certificates:{}", set.component, store.name))
                });
                return SetResult::default();
            }
            // What is read decides the result as much as how the files are: the set's id
            // (it labels the result) and which store copies it reads (one appearing, or a
            // flat set taking a shared copy over, is another reading).
            let identity = reads.iter().fold(set.id.clone(), |mut acc, (store, path)| {
                let shown = path.as_ref().map(|p| p.path());
                acc.push_str(&format!("\n{}={:?}", store.name, shown));
                acc
            });
            // The stores of an unchanged set are proven unchanged by their stamps.
            if let Some(known) = cache.get(&set.path, &identity) {
                reads.iter().for_each(|(store, _)| {
                    tick(format!("{}:certificates:{}", set.component, store.name))
                });
                return known;
            }
            let started = std::time::SystemTime::now();
            let mut scan = SourceScan::default();
            for (store, path) in reads {
                if let Some(path) = path {
                    store::read_store(
                        store,
                        &path,
                        &Source::Set(set.id.clone()),
                        password,
                        &mut scan,
                    );
                }
                tick(format!("{}:certificates:{}", set.component, store.name));
            }
            pair::finish_source(&mut scan, &anchors, &memo);
            let files = std::mem::take(&mut scan.files);
            let result = SetResult::of(scan);
            if result.lasting() {
                cache.put(&set.path, &identity, &files, started, &result);
            }
            result
        })
        .collect();
    // The cache is an optimisation: a read-only state folder only costs the next run time.
    let _ = cache.save();
    if let Some(note) = cache.note() {
        inv.notes.push(note.to_string());
    }

    let mut findings = judge::judge_live(profile, &live, now);
    for (set, result) in inv.backup_sets.iter().zip(&sets) {
        findings.extend(judge::set_problems(&set.id, &result.problems));
    }
    findings.extend(judge::mdm_trust(ctx, &live));

    let mut all_certs: Vec<Certificate> = live.certs.iter().map(|c| c.cert.clone()).collect();
    let mut all_keys: Vec<PrivateKey> = live.keys.iter().map(|k| k.key.clone()).collect();
    for s in sets {
        all_certs.extend(s.certs);
        all_keys.extend(s.keys);
    }
    inv.certificates.extend(all_certs);
    inv.keys.extend(all_keys);
    findings.extend(judge::backup_mismatch(profile, inv));
    inv.findings.extend(findings);
}

/// The profile's server identity store: the first store marked `identity`.
pub fn server_identity_store(profile: &Profile) -> Option<&CertificateStore> {
    profile.certificates.iter().find(|s| s.identity)
}

/// The server identity certificates of a source: leaf certificates of the server identity
/// store (or all of its certificates when it holds only CA certificates).
pub fn server_identity<'a>(
    inv: &'a Inventory,
    profile: &Profile,
    source: &Source,
) -> Vec<&'a Certificate> {
    let Some(store) = server_identity_store(profile) else {
        return Vec::new();
    };
    identity_certs(
        inv.certificates
            .iter()
            .filter(|c| &c.source == source && c.store == store.name),
    )
}

fn identity_certs<'a>(
    certs: impl Iterator<Item = &'a Certificate> + Clone,
) -> Vec<&'a Certificate> {
    let leaves: Vec<&Certificate> = certs.clone().filter(|c| !c.is_ca).collect();
    if leaves.is_empty() {
        certs.collect()
    } else {
        leaves
    }
}

/// The DNS names a certificate answers to: its common name and DNS/IP SANs, lower-case.
pub fn names(cert: &Certificate) -> Vec<String> {
    let mut out: Vec<String> = cert
        .common_name
        .iter()
        .chain(cert.sans.iter())
        .map(|n| n.to_ascii_lowercase())
        .collect();
    out.dedup();
    out
}

/// Whether `host` is one of `names` (exact, `*.` wildcard for one label, or the same short
/// name when either side is unqualified).
pub fn host_matches(host: &str, names: &[String]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let short = |s: &str| s.split('.').next().unwrap_or_default().to_string();
    names.iter().any(|n| {
        let n = n.trim_end_matches('.');
        if n == host {
            return true;
        }
        if let Some(suffix) = n.strip_prefix("*.") {
            if let Some((label, rest)) = host.split_once('.') {
                return !label.is_empty() && rest == suffix;
            }
            return false;
        }
        (!host.contains('.') || !n.contains('.')) && short(n) == short(&host) && !host.is_empty()
    })
}

pub use store::describe;

/// SHA-256 fingerprint, upper-case hex with colons.
pub fn fingerprint(der: &[u8]) -> String {
    store::fingerprint(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_match_exactly_by_wildcard_or_by_short_name() {
        let names = vec![
            "lanrev.example.com".to_string(),
            "*.dp.example.com".to_string(),
        ];
        assert!(host_matches("LANrev.Example.com.", &names));
        assert!(host_matches("lanrev", &names));
        assert!(host_matches("a.dp.example.com", &names));
        assert!(!host_matches("a.b.dp.example.com", &names));
        assert!(!host_matches("lanrev.other.org", &names));
        assert!(!host_matches("", &names));
    }

    #[test]
    fn fingerprints_are_upper_case_hex_with_colons() {
        let f = fingerprint(b"abc");
        assert!(f.starts_with("BA:78:16:BF"), "{f}");
        assert_eq!(f.len(), 32 * 3 - 1);
    }
}
