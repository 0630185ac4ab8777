//! The Distribution points pane: master and mirrors with payload size and how far each mirror
//! is from the master; details list the missing, extra and changed files.

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

fn sync(v: View, d: &DistributionPoint) -> (Status, String) {
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
        Cell::plain(if d.is_master { "master" } else { "mirror" }),
        Cell::styled(text, status.role()),
        Cell::plain(d.files.to_string()),
        Cell::plain(widgets::bytes(d.bytes)),
        Cell::plain(&d.address),
    ];
    (status, cells)
}

/// Everything known about distribution point `i`.
pub fn details(v: View, i: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(d) = v.inv.distribution_points.get(i) else {
        return Vec::new();
    };
    let (_, text) = sync(v, d);
    let mut lines = vec![
        heading(theme, &format!("Distribution point {}", d.name)),
        field(theme, "Role", if d.is_master { "master" } else { "mirror" }),
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
    if !d.is_master {
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
