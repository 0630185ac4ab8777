//! Text sections for the components beside the databases: certificates, settings and folders,
//! host state and distribution points, plus what the scan skipped.

use super::format::bytes;
use crate::escape::{Shown, escape, path};
use crate::inventory::{Certificate, ChainStatus, Inventory, Source};
use std::fmt::Write;

/// Append every component section to `out`.
pub fn write(inv: &Inventory, out: &mut String) {
    certificates(inv, out);
    out.push('\n');
    settings(inv, out);
    out.push('\n');
    if !inv.artifacts.is_empty() {
        artifacts(inv, out);
        out.push('\n');
    }
    host(inv, out);
    out.push('\n');
    distribution_points(inv, out);
    if !inv.notes.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "NOTES");
        for n in &inv.notes {
            let _ = writeln!(out, "  {}", escape(n));
        }
    }
}

fn certificates(inv: &Inventory, out: &mut String) {
    let _ = writeln!(
        out,
        "CERTIFICATES  live stores; ! = expired, expiring, not yet valid or chain broken"
    );
    let live: Vec<&Certificate> = inv
        .certificates
        .iter()
        .filter(|c| c.source == Source::Live)
        .collect();
    if live.is_empty() {
        let _ = writeln!(out, "  none found");
    }
    let now = inv.scanned_at;
    let store_w = live
        .iter()
        .map(|c| escape(&c.store).chars().count())
        .max()
        .unwrap_or(0);
    let name_w = live
        .iter()
        .map(|c| name(c).chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for c in &live {
        // Expired, expiring, not yet valid or unchained: worth a look.
        let attention = c.not_after.is_some_and(|t| {
            t < now || crate::inventory::certificates::expires_within(t, now, inv.expiry_window.0)
        }) || c.not_before.is_some_and(|t| t > now)
            || c.chain == ChainStatus::Broken;
        let glyph = if attention { '!' } else { '+' };
        let _ = writeln!(
            out,
            "  {glyph} {:<store_w$}  {:<name_w$}  {}  until {}  {:<11}  {}  {}",
            Shown(&c.store),
            name(c),
            if c.is_ca { "CA  " } else { "leaf" },
            c.not_after
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "?".into()),
            chain(c.chain),
            if c.key_file.is_some() {
                "key   "
            } else {
                "no key"
            },
            c.fingerprint_sha256.chars().take(23).collect::<String>(),
        );
    }
    let in_sets = inv.certificates.len() - live.len();
    if in_sets > 0 {
        let sets: std::collections::BTreeSet<&str> = inv
            .certificates
            .iter()
            .filter_map(|c| match &c.source {
                Source::Set(id) => Some(id.as_str()),
                Source::Live => None,
            })
            .collect();
        let _ = writeln!(
            out,
            "  + {in_sets} more in {} backup set{} (see --json)",
            sets.len(),
            if sets.len() == 1 { "" } else { "s" }
        );
    }
}

/// The certificate's common name (or subject), escaped and cut to 40 characters.
fn name(c: &Certificate) -> String {
    let n = escape(c.common_name.as_ref().unwrap_or(&c.subject)).into_owned();
    if n.chars().count() > 40 {
        format!("{}…", n.chars().take(39).collect::<String>())
    } else {
        n
    }
}

fn chain(s: ChainStatus) -> &'static str {
    match s {
        ChainStatus::Unknown => "chain ?",
        ChainStatus::SelfSigned => "self-signed",
        ChainStatus::Verified => "verified",
        ChainStatus::Broken => "BROKEN",
    }
}

fn settings(inv: &Inventory, out: &mut String) {
    let _ = writeln!(out, "SETTINGS AND FOLDERS");
    for s in inv.settings.iter().filter(|s| s.source == Source::Live) {
        let state = match (&s.path, &s.error) {
            (None, _) => "missing".to_string(),
            // The reason says whether it is damaged or cannot be verified.
            (Some(_), Some(e)) => escape(e).into_owned(),
            (Some(_), None) => format!(
                "{}, {}{}",
                match s.format.as_deref() {
                    Some("core-settings") => "CoreSettings.config".to_string(),
                    Some("properties") => "properties file".to_string(),
                    other => format!("{} plist", Shown(other.unwrap_or("?"))),
                },
                crate::units::count(s.keys as u64, "key"),
                match s.differs_from_set {
                    Some(0) => ", same as backup".to_string(),
                    Some(1) => ", 1 key differs from backup".to_string(),
                    Some(n) => format!(", {n} keys differ from backup"),
                    None => String::new(),
                }
            ),
        };
        let _ = writeln!(out, "  {:<32}  {state}", Shown(&s.component));
    }
    for f in &inv.folders {
        let state = if f.present {
            format!(
                "{}, {}{}",
                crate::units::count(f.files, "file"),
                bytes(f.bytes),
                match f.differs_from_set {
                    Some(0) => ", same as backup".to_string(),
                    Some(1) => ", 1 file differs from backup".to_string(),
                    Some(n) => format!(", {n} files differ from backup"),
                    None => String::new(),
                }
            )
        } else {
            "missing".into()
        };
        let _ = writeln!(out, "  {:<32}  {state}", Shown(&f.component));
    }
}

/// Backup items found by pattern: present with the newest and its age, or absent.
fn artifacts(inv: &Inventory, out: &mut String) {
    let _ = writeln!(out, "BACKUP ITEMS");
    for a in &inv.artifacts {
        let state = match (a.found.first(), a.age_hours) {
            (None, _) => format!("absent (looked for {})", Shown(&a.pattern)),
            (Some(p), age) => format!(
                "{} found{}, newest {}",
                a.found.len(),
                age.map(|h| format!(", {} old", super::format::age(h)))
                    .unwrap_or_default(),
                path(p)
            ),
        };
        let _ = writeln!(out, "  {:<32}  {state}", Shown(&a.title));
    }
}

fn host(inv: &Inventory, out: &mut String) {
    let h = &inv.host;
    let _ = writeln!(
        out,
        "HOST  {}",
        if h.hostname.is_empty() {
            Shown("?")
        } else {
            Shown(&h.hostname)
        }
    );
    if h.running.is_empty() {
        let _ = writeln!(out, "  server stopped");
    }
    for p in &h.running {
        let _ = writeln!(out, "  running: {} (pid {})", Shown(&p.name), p.pid);
    }
    // The live free-space number changes between two runs a second apart, so it is printed
    // only when it matters (short of what a restore needs); otherwise the verdict is, which is
    // what `--now` promises to keep identical. JSON keeps the number.
    match (h.free_bytes, h.needed_bytes) {
        (Some(free), Some(needed)) if free < needed => {
            let _ = writeln!(
                out,
                "  free space {} is short of the {} a restore of the recommended set needs",
                bytes(free),
                bytes(needed)
            );
        }
        (Some(_), Some(needed)) => {
            let _ = writeln!(
                out,
                "  free space enough for a restore of the recommended set ({} needed)",
                bytes(needed)
            );
        }
        (None, Some(needed)) => {
            let _ = writeln!(
                out,
                "  free space cannot be measured (a restore of the recommended set needs {})",
                bytes(needed)
            );
        }
        _ => {}
    }
}

/// One line on an ePO repository: status, catalog version and age, what verification found.
pub fn repository_detail(
    p: &crate::inventory::DistributionPoint,
    r: &crate::inventory::RepositoryState,
) -> String {
    if !p.reachable {
        return format!("UNREACHABLE {}", path(&p.path));
    }
    let v = &r.verification;
    let mut parts = vec![r.status.clone().unwrap_or_else(|| "status unknown".into())];
    parts.push(match (&r.catalog_version, r.catalog_age_hours) {
        (Some(cv), Some(h)) => format!("catalog {cv} ({})", crate::units::age_hours(h)),
        (Some(cv), None) => format!("catalog {cv}"),
        _ => "catalog version unknown".into(),
    });
    if r.catalog != "ok" {
        parts.push(format!("catalog.z {}", r.catalog));
    }
    parts.push(format!(
        "{}/{} files verified, {}",
        v.files_verified,
        v.files_listed,
        bytes(v.bytes_hashed)
    ));
    let bad = v.missing + v.truncated + v.changed;
    if bad > 0 {
        parts.push(format!("{bad} differ from replica.log"));
    }
    if v.unreadable > 0 {
        parts.push(format!("{} unreadable", v.unreadable));
    }
    if v.metadata_problems > 0 {
        parts.push(format!("{} metadata problems", v.metadata_problems));
    }
    if r.recommended_source {
        parts.push("recommended source".into());
    }
    parts.join(", ")
}

fn distribution_points(inv: &Inventory, out: &mut String) {
    let _ = writeln!(out, "DISTRIBUTION POINTS");
    if inv.distribution_points.is_empty() {
        let _ = writeln!(out, "  none checked");
    }
    let w = inv
        .distribution_points
        .iter()
        .map(|p| escape(&p.name).chars().count())
        .max()
        .unwrap_or(0);
    for p in &inv.distribution_points {
        let role = if p.is_master { "master" } else { "mirror" };
        if let Some(r) = &p.repository {
            let _ = writeln!(
                out,
                "  {:<w$}  {:<11}  {}",
                Shown(&p.name),
                r.role,
                repository_detail(p, r)
            );
            continue;
        }
        let detail = if !p.reachable {
            format!("UNREACHABLE {}", path(&p.path))
        } else if p.is_master && p.missing + p.extra + p.changed == 0 {
            format!(
                "{}, {}",
                crate::units::count(p.files, "file"),
                bytes(p.bytes)
            )
        } else {
            format!(
                "{}, {}; {} missing, {} extra, {} changed",
                crate::units::count(p.files, "file"),
                bytes(p.bytes),
                p.missing,
                p.extra,
                p.changed
            )
        };
        let _ = writeln!(
            out,
            "  {:<w$}  {role}  {:<24}  {detail}",
            Shown(&p.name),
            Shown(&p.address)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_free(free: u64) -> String {
        let mut inv = Inventory::default();
        inv.host.needed_bytes = Some(336 * 1024);
        inv.host.free_bytes = Some(free);
        let mut out = String::new();
        host(&inv, &mut out);
        out
    }

    #[test]
    fn live_free_space_does_not_change_the_report_while_it_is_enough() {
        // Two runs a second apart on a busy disk: the report must repeat exactly.
        assert_eq!(with_free(52_000_000_000), with_free(51_999_000_000));
        assert!(with_free(52_000_000_000).contains("enough"));
    }

    #[test]
    fn free_space_short_of_a_restore_is_printed_with_its_number() {
        let out = with_free(1024);
        assert!(out.contains("free space 1.0 KiB is short of"), "{out}");
    }
}
