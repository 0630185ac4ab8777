//! Judging the live certificate stores: expiry, chains, key pairing and permissions, the server
//! identity against the backup set's, and the MDM trust bundle. Backup copies are only listed.

use super::parse::Problem;
use super::{SourceScan, identity_certs, server_identity, server_identity_store};
use crate::component::Component;
use crate::context::Context;
use crate::findings::{Code, Finding};
use crate::inventory::compare::comparison_set;
use crate::inventory::{Certificate, ChainStatus, Inventory, Source};
use crate::profile::{CertStoreKind, Profile};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub(super) fn judge_live(profile: &Profile, live: &SourceScan, now: DateTime<Utc>) -> Vec<Finding> {
    let mut out = Vec::new();
    let component = |store: &str| format!("certificates:{store}");

    for (store, path, problem) in &live.problems {
        let f = match problem {
            Problem::Unreadable(msg) => Finding::new(
                Code::CertUnreadable,
                component(store),
                format!("{}: {msg}", path.display()),
            ),
            Problem::Locked(msg) => Finding::new(
                Code::PfxLocked,
                component(store),
                format!("{}: {msg}", path.display()),
            ),
            Problem::Unsupported(msg) => Finding::new(
                Code::PfxUnsupported,
                component(store),
                format!("{}: {msg}", path.display()),
            ),
            Problem::KeyUnsupported(msg) => Finding::new(
                Code::CertKeyUnsupported,
                component(store),
                format!("{}: {msg}", path.display()),
            ),
        };
        out.push(f.at(path));
    }
    for (store, path) in &live.unsafe_links {
        out.push(
            Finding::new(
                Code::PathUnsafe,
                component(store),
                format!(
                    "{} is a symbolic link leading out of the store; it was not read",
                    path.display()
                ),
            )
            .at(path),
        );
    }

    for (entry, reason) in live.certs.iter().zip(&live.chain_reasons) {
        let c = &entry.cert;
        let who = describe_cert(c);
        if let Some(end) = c.not_after {
            if end < now {
                out.push(
                    Finding::new(
                        Code::CertExpired,
                        &c.component,
                        format!(
                            "{who} in {} expired on {}",
                            c.file.display(),
                            end.format("%Y-%m-%d")
                        ),
                    )
                    .at(&c.file),
                );
            } else if super::expires_within(end, now, profile.expiry_days) {
                out.push(
                    Finding::new(
                        Code::CertExpiring,
                        &c.component,
                        format!(
                            "{who} in {} expires on {} ({} days left)",
                            c.file.display(),
                            end.format("%Y-%m-%d"),
                            (end - now).num_days()
                        ),
                    )
                    .at(&c.file),
                );
            }
        }
        if let Some(start) = c.not_before
            && start > now
        {
            out.push(
                Finding::new(
                    Code::CertNotYetValid,
                    &c.component,
                    format!(
                        "{who} in {} is not valid before {}",
                        c.file.display(),
                        start.format("%Y-%m-%d %H:%M UTC")
                    ),
                )
                .at(&c.file),
            );
        }
        if c.chain == ChainStatus::Broken {
            out.push(
                Finding::new(
                    Code::CertChainBroken,
                    &c.component,
                    format!("{who} in {}: {reason}", c.file.display()),
                )
                .at(&c.file),
            );
        }
    }

    // Keys with no certificate for them in their own store.
    // Files of keys that match nothing: their companion certificate's key is "wrong", not missing.
    let mut mismatched_keys: Vec<&Path> = Vec::new();
    for k in &live.keys {
        let in_store = live
            .certs
            .iter()
            .any(|c| c.cert.store == k.key.store && c.public.as_ref() == Some(&k.public));
        if in_store {
            continue;
        }
        mismatched_keys.push(&k.key.file);
        let companion = live
            .certs
            .iter()
            .find(|c| c.cert.store == k.key.store && same_stem(&c.cert.file, &k.key.file));
        let msg = match companion {
            Some(c) => format!(
                "the {} private key in {} does not match {} in {}",
                k.key.key_type,
                k.key.file.display(),
                describe_cert(&c.cert),
                c.cert.file.display()
            ),
            None => format!(
                "the {} private key in {} matches no certificate in store {}",
                k.key.key_type,
                k.key.file.display(),
                k.key.store
            ),
        };
        out.push(Finding::new(Code::CertKeyMismatch, component(&k.key.store), msg).at(&k.key.file));
    }

    // Identity certificates whose private key is nowhere.
    for store in profile.certificates.iter().filter(|s| s.identity) {
        let locked = live
            .problems
            .iter()
            .any(|(s, _, p)| s == &store.name && matches!(p, Problem::Locked(_)));
        if locked {
            // A locked archive may hold the key.
            continue;
        }
        // Keys drconsole cannot pair (or PKCS#12 parts it cannot open) may be the key: the
        // identity is then told as unpaired, never as missing.
        let mut unpairable: Vec<&Path> = live
            .problems
            .iter()
            .filter(|(s, _, p)| {
                s == &store.name
                    && matches!(p, Problem::Unsupported(_) | Problem::KeyUnsupported(_))
            })
            .map(|(_, path, _)| path.as_path())
            .collect();
        unpairable.dedup();
        let certs = identity_certs(
            live.certs
                .iter()
                .map(|c| &c.cert)
                .filter(|c| c.store == store.name),
        );
        for c in certs.into_iter().filter(|c| c.key_file.is_none()) {
            if mismatched_keys.iter().any(|k| same_stem(&c.file, k)) {
                // Reported as CERT_KEY_MISMATCH on the companion key.
                continue;
            }
            if !unpairable.is_empty() {
                out.push(
                    Finding::new(
                        Code::CertKeyUnsupported,
                        &c.component,
                        format!(
                            "no private key drconsole can pair was found for the identity {} in {}; the key in {} may be it: check that it matches with openssl",
                            describe_cert(c),
                            c.file.display(),
                            unpairable
                                .iter()
                                .map(|p| p.display().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                    .at(&c.file),
                );
                continue;
            }
            out.push(
                Finding::new(
                    Code::CertKeyMissing,
                    &c.component,
                    format!(
                        "no private key for the identity {} in {} was found",
                        describe_cert(c),
                        c.file.display()
                    ),
                )
                .at(&c.file),
            );
        }
    }

    // Private keys readable by group or others (one finding per file).
    let mut seen = BTreeSet::new();
    for k in &live.keys {
        if let Some(mode) = k.key.mode
            && mode & 0o044 != 0
            && seen.insert(k.key.file.clone())
        {
            out.push(
                Finding::new(
                    Code::KeyPermissions,
                    component(&k.key.store),
                    format!(
                        "{} holds a private key and has mode {:04o} (readable by {})",
                        k.key.file.display(),
                        mode,
                        match (mode & 0o040 != 0, mode & 0o004 != 0) {
                            (true, true) => "group and others",
                            (true, false) => "group",
                            _ => "others",
                        }
                    ),
                )
                .at(&k.key.file),
            );
        }
    }
    out
}

/// Notes on a backup set whose certificate store copy could not be read in full (a locked or
/// unsupported PKCS#12 file, permission denied): its identity is unknown, not absent.
pub(super) fn set_problems(set_id: &str, problems: &[(String, PathBuf, Problem)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (store, path, problem) in problems {
        let (code, msg) = match problem {
            Problem::Locked(m) => (Code::PfxLocked, m),
            Problem::Unsupported(m) => (Code::PfxUnsupported, m),
            Problem::Unreadable(m) if m.starts_with("cannot read") => (Code::CertUnreadable, m),
            _ => continue,
        };
        out.push(
            Finding::new(
                code,
                format!("backup:{set_id}"),
                format!(
                    "backup set {set_id}: {} (store {store}) could not be read: {msg}; the set's certificates there are unknown",
                    path.display()
                ),
            )
            .severity(crate::findings::Severity::Info)
            .at(path),
        );
    }
    out
}

fn same_stem(a: &Path, b: &Path) -> bool {
    a == b || (a.parent() == b.parent() && a.file_stem() == b.file_stem())
}

/// `CN=name (SHA-256 AB:CD:EF:01…)` for messages.
pub(super) fn describe_cert(c: &Certificate) -> String {
    let name = c
        .common_name
        .as_ref()
        .map(|cn| format!("certificate '{cn}'"))
        .unwrap_or_else(|| format!("certificate '{}'", c.subject));
    let short: String = c.fingerprint_sha256.chars().take(11).collect();
    format!("{name} (SHA-256 {short}…)")
}

/// `CERT_BACKUP_MISMATCH`: the live server identity differs from the comparison set's.
pub(super) fn backup_mismatch(profile: &Profile, inv: &Inventory) -> Vec<Finding> {
    let Some(store) = server_identity_store(profile) else {
        return Vec::new();
    };
    let component = Component::Certificates(store.name.clone());
    let Some((set, path)) = comparison_set(inv, profile, &component) else {
        return Vec::new();
    };
    let backup = server_identity(inv, profile, &Source::Set(set.id.clone()));
    if backup.is_empty() {
        return Vec::new();
    }
    let live = server_identity(inv, profile, &Source::Live);
    let live_prints: BTreeSet<&str> = live.iter().map(|c| c.fingerprint_sha256.as_str()).collect();
    let missing: Vec<&&Certificate> = backup
        .iter()
        .filter(|c| !live_prints.contains(c.fingerprint_sha256.as_str()))
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let live_desc = if live.is_empty() {
        "no live server certificate".to_string()
    } else {
        format!(
            "the live {}",
            live.iter()
                .map(|c| describe_cert(c))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let msg = format!(
        "{live_desc} differs from backup set {}'s {}: agents will reject this server",
        set.id,
        missing
            .iter()
            .map(|c| describe_cert(c))
            .collect::<Vec<_>>()
            .join(", ")
    );
    vec![Finding::new(Code::CertBackupMismatch, component.to_string(), msg).at(path)]
}

/// `MDM_TRUST_MISSING`: a trust bundle without the live server identity certificate.
pub(super) fn mdm_trust(ctx: &Context, live: &SourceScan) -> Vec<Finding> {
    let profile = &ctx.profile;
    let Some(identity) = server_identity_store(profile) else {
        return Vec::new();
    };
    let server: Vec<&Certificate> = identity_certs(
        live.certs
            .iter()
            .map(|c| &c.cert)
            .filter(|c| c.store == identity.name),
    );
    if server.is_empty() {
        return Vec::new();
    }
    // The MDM server is installed when any of its parts is: another store or an MDM plist.
    let mdm_installed = profile
        .certificates
        .iter()
        .any(|s| s.name != identity.name && live.present.contains(&s.name))
        || profile
            .settings
            .iter()
            .any(|s| s.mdm_hostname_key.is_some() && s.paths.iter().any(|p| ctx.live(p).exists()));
    let mut out = Vec::new();
    for bundle in profile
        .certificates
        .iter()
        .filter(|s| s.kind == CertStoreKind::Bundle)
    {
        let path = ctx.live(&bundle.path);
        let component = format!("certificates:{}", bundle.name);
        if !live.present.contains(&bundle.name) {
            if mdm_installed {
                out.push(
                    Finding::new(
                        Code::MdmTrustMissing,
                        component,
                        format!(
                            "the trust bundle {} does not exist, so the server {} is not trusted",
                            path.display(),
                            describe_cert(server[0])
                        ),
                    )
                    .at(&path),
                );
            }
            continue;
        }
        let in_bundle: BTreeSet<&str> = live
            .certs
            .iter()
            .filter(|c| c.cert.store == bundle.name)
            .map(|c| c.cert.fingerprint_sha256.as_str())
            .collect();
        for c in server
            .iter()
            .filter(|c| !in_bundle.contains(c.fingerprint_sha256.as_str()))
        {
            out.push(
                Finding::new(
                    Code::MdmTrustMissing,
                    component.clone(),
                    format!(
                        "the server {} is not in the trust bundle {}",
                        describe_cert(c),
                        path.display()
                    ),
                )
                .at(&path),
            );
        }
    }
    out
}
