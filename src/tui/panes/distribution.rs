//! The Distribution points pane: master and mirrors with payload size and how far each mirror
//! is from the master; details list the missing, extra and changed files. ePO repositories
//! show their status, catalog version and age, and their verification against replica.logs.

use super::{Cell, Column, View};
use crate::inventory::DistributionPoint;
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{self, Status, field, heading};
use ratatui::text::Line;

/// Columns of the list.
pub const COLUMNS: &[Column] = &[
    Column::new("Name", 14, u8::MAX).flex(),
    Column::new("Role", 6, 8),
    Column::new("Sync", 16, 9),
    Column::new("Files", 7, 5).right(),
    Column::new("Size", 9, 6).right(),
    Column::new("Address", 18, 2),
];

/// The worst finding about point `d` and its one-word state, for ePO repositories.
fn repository_state(v: View, d: &DistributionPoint) -> (Status, String) {
    use crate::findings::Code;
    let id = format!("dp:{}", d.name);
    let about: Vec<&crate::findings::Finding> = v
        .inv
        .findings
        .iter()
        .filter(|f| f.component == id)
        .collect();
    let worst = about.iter().map(|f| f.severity).max();
    let has = |c: Code| about.iter().any(|f| f.code == c);
    let r = d.repository.as_ref();
    let word = if !d.reachable {
        "unreachable".to_string()
    } else if has(Code::DpCatalogDamaged) {
        "catalog damaged".into()
    } else if has(Code::DpHashMismatch) {
        format!("{} differ", d.missing + d.changed)
    } else if has(Code::DpDisabled) {
        "Disabled".into()
    } else if has(Code::DpStale) {
        "stale".into()
    } else if has(Code::DpMetadataInvalid) || has(Code::DpPathUnsafe) {
        "bad replica.log".into()
    } else if has(Code::DpOutOfSync) {
        "out of sync".into()
    } else if r.is_some_and(|r| r.verified) {
        "verified".into()
    } else {
        "cannot verify".into()
    };
    let status = match worst {
        Some(sev) => Status::from(sev),
        // No finding: fine only when verification proved it.
        None if r.is_some_and(|r| r.verified) => Status::Ok,
        None => Status::Pending,
    };
    (status, word)
}

fn sync(v: View, d: &DistributionPoint) -> (Status, String) {
    if d.repository.is_some() {
        return repository_state(v, d);
    }
    if !d.reachable {
        return (Status::Error, "unreachable".into());
    }
    let off = d.missing + d.extra + d.changed;
    if off == 0 {
        let out_of_sync = v.inv.findings.iter().any(|f| {
            f.code == crate::findings::Code::DpOutOfSync
                && f.component.strip_prefix("dp:") == Some(d.name.as_str())
        });
        return if out_of_sync {
            // The finding knows more than the counts: never show such a mirror as fine.
            (Status::Warning, "out of sync".into())
        } else if d.is_master {
            // The master is what mirrors are compared with; it has no sync state of its own.
            (Status::Ok, "-".into())
        } else {
            (Status::Ok, "in sync".into())
        };
    }
    let mut parts = Vec::new();
    if d.missing > 0 {
        parts.push(format!("{} missing", d.missing));
    }
    if d.changed > 0 {
        parts.push(format!("{} changed", d.changed));
    }
    if d.extra > 0 {
        parts.push(format!("{} extra", d.extra));
    }
    (Status::Warning, parts.join(", "))
}

/// Status and cells of distribution point `i`.
pub fn row(v: View, i: usize) -> (Status, Vec<Cell>) {
    let Some(d) = v.inv.distribution_points.get(i) else {
        return (Status::Pending, Vec::new());
    };
    let (status, text) = sync(v, d);
    let name = if v.marked.contains(&d.name) {
        format!("+ {}", d.name)
    } else {
        d.name.clone()
    };
    let cells = vec![
        Cell::plain(name),
        Cell::plain(role(d)),
        Cell::styled(text, status.role()),
        Cell::plain(d.files.to_string()),
        Cell::plain(widgets::bytes(d.bytes)),
        match d
            .repository
            .as_ref()
            .and_then(|r| r.catalog_version.as_deref())
        {
            Some(cv) => Cell::plain(format!("catalog {cv}")),
            None => Cell::plain(&d.address),
        },
    ];
    (status, cells)
}

fn role(d: &DistributionPoint) -> &'static str {
    match (&d.repository, d.is_master) {
        (Some(_), true) => "master",
        (Some(_), false) => "repo",
        (None, true) => "master",
        (None, false) => "mirror",
    }
}

/// Everything known about distribution point `i`.
pub fn details(v: View, i: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(d) = v.inv.distribution_points.get(i) else {
        return Vec::new();
    };
    let (_, text) = sync(v, d);
    let mut lines = vec![
        heading(
            theme,
            &format!(
                "{} {}",
                if d.repository.is_some() {
                    "Repository"
                } else {
                    "Distribution point"
                },
                d.name
            ),
        ),
        field(theme, "Role", role(d)),
        field(theme, "Id", d.id.to_string()),
        field(theme, "Address", d.address.clone()),
        field(theme, "Payload", v.path(&d.path)),
        field(theme, "Reachable", if d.reachable { "yes" } else { "no" }),
        field(
            theme,
            "Files",
            format!("{} ({})", d.files, widgets::bytes(d.bytes)),
        ),
        field(theme, "Sync", text),
    ];
    if let Some(r) = &d.repository {
        let c = &r.verification;
        lines.push(field(theme, "Origin", r.origin.clone()));
        lines.push(field(
            theme,
            "Status",
            r.status
                .clone()
                .unwrap_or_else(|| "unknown (SiteStat.xml)".into()),
        ));
        lines.push(field(
            theme,
            "Catalog",
            match (&r.catalog_version, r.catalog_age_hours) {
                (Some(cv), Some(h)) => format!(
                    "{cv} ({} old), catalog.z {}",
                    crate::units::age_hours(h),
                    r.catalog
                ),
                (Some(cv), None) => format!("{cv}, catalog.z {}", r.catalog),
                _ => format!("version unknown, catalog.z {}", r.catalog),
            },
        ));
        lines.push(field(
            theme,
            "Verified",
            format!(
                "{} of {} listed files ({} hashed) in {} folders",
                c.files_verified,
                c.files_listed,
                widgets::bytes(c.bytes_hashed),
                c.folders
            ),
        ));
        lines.push(field(
            theme,
            "Differ",
            format!(
                "{} missing, {} truncated, {} changed, {} unreadable, {} unlisted",
                c.missing, c.truncated, c.changed, c.unreadable, c.unlisted
            ),
        ));
        if c.metadata_problems > 0 {
            lines.push(field(
                theme,
                "Metadata",
                format!("{} problems", c.metadata_problems),
            ));
        }
        if r.recommended_source {
            lines.push(field(theme, "Source", "recommended source for dp sync"));
        }
    } else if !d.is_master {
        lines.push(field(theme, "Missing", d.missing.to_string()));
        lines.push(field(theme, "Extra", d.extra.to_string()));
        lines.push(field(theme, "Changed", d.changed.to_string()));
    }
    if !d.samples.is_empty() {
        lines.push(Line::default());
        lines.push(heading(theme, "Example files"));
        for s in &d.samples {
            lines.push(Line::styled(format!("  {s}"), theme.style(Role::Text)));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Code, Finding};
    use crate::inventory::{Inventory, RepositoryState};

    fn repo(name: &str, verified: bool) -> DistributionPoint {
        DistributionPoint {
            name: name.into(),
            reachable: true,
            files: 13,
            repository: Some(RepositoryState {
                role: "distributed".into(),
                status: Some("Enabled".into()),
                catalog_version: Some("20261115043000".into()),
                catalog: "ok".into(),
                verified,
                ..RepositoryState::default()
            }),
            ..DistributionPoint::default()
        }
    }

    #[test]
    fn a_repository_row_shows_its_worst_finding_and_catalog_version() {
        let inv = Inventory {
            distribution_points: vec![
                repo("Stale", true),
                repo("Fine", true),
                repo("Unproven", false),
            ],
            findings: vec![Finding::new(Code::DpStale, "dp:Stale", "older")],
            ..Inventory::default()
        };
        let marked = Default::default();
        let v = View::plain(&inv, &marked);
        let (status, cells) = row(v, 0);
        assert_eq!(status, Status::Warning);
        let texts: Vec<&str> = cells.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts[1], "repo");
        assert_eq!(texts[2], "stale");
        assert_eq!(texts[5], "catalog 20261115043000");
        assert_eq!(row(v, 1).0, Status::Ok);
        assert_eq!(row(v, 1).1[2].text, "verified");
        // Not proven: never shown as fine.
        assert_eq!(row(v, 2).0, Status::Pending);
        assert_eq!(row(v, 2).1[2].text, "cannot verify");
    }
}
