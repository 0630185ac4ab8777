//! The Databases pane: one row per live database with its integrity, check depth, size and
//! leftover journal files; details show SQLite's own messages.

use super::{Cell, Column, View};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{self, Status, field, heading};
use ratatui::text::{Line, Span};

/// Columns of the list.
pub const COLUMNS: &[Column] = &[
    Column::new("Database", 14, u8::MAX).flex(),
    Column::new("State", 10, 9),
    Column::new("Check", 6, 5),
    Column::new("Size", 9, 7).right(),
    Column::new("Modified", 8, 3).right(),
    Column::new("Leftovers", 10, 4),
];

/// Status and cells of database `i`.
pub fn row(v: View, i: usize) -> (Status, Vec<Cell>) {
    let Some(d) = v.inv.databases.get(i) else {
        return (Status::Pending, Vec::new());
    };
    let mut status = widgets::db_status(d.file.state);
    if status == Status::Ok && !d.leftovers.is_empty() {
        status = Status::Warning;
    }
    // A file written after the check's clock (a restore under a fixed `--now`) says so
    // instead of an age that would follow the wall clock.
    let modified = d
        .file
        .modified
        .map(|m| {
            if v.is_new(m) {
                "new".to_string()
            } else {
                widgets::age((v.inv.scanned_at - m).num_minutes() as f64 / 60.0)
            }
        })
        .unwrap_or_else(|| "-".into());
    let cells = vec![
        Cell::plain(&d.name),
        Cell::styled(
            widgets::db_state_name(d.file.state),
            widgets::db_status(d.file.state).role(),
        ),
        Cell::plain(super::backups::level(d.file.level)),
        Cell::plain(
            if d.file.size > 0 || d.file.state != crate::inventory::DbState::Missing {
                widgets::bytes(d.file.size)
            } else {
                "-".into()
            },
        ),
        Cell::plain(modified),
        Cell::styled(d.leftovers.join(" "), Role::SeverityWarning),
    ];
    (status, cells)
}

/// Everything known about database `i`.
pub fn details(v: View, i: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(d) = v.inv.databases.get(i) else {
        return Vec::new();
    };
    let st = widgets::db_status(d.file.state);
    let mut lines = vec![
        heading(theme, &format!("Database {}", d.name)),
        Line::from(vec![
            Span::styled(format!("{:<14} ", "State"), theme.style(Role::Muted)),
            Span::styled(
                format!("{} {}", st.glyph(), widgets::db_state_name(d.file.state)),
                theme.style(st.role()),
            ),
            Span::styled(
                format!(
                    " ({} check{})",
                    super::backups::level(d.file.level),
                    if d.file.cached { ", cached" } else { "" }
                ),
                theme.style(Role::Muted),
            ),
        ]),
        field(theme, "Component", d.component.clone()),
        field(theme, "File", v.path(&d.file.path)),
        field(
            theme,
            "Size",
            format!("{} ({} bytes)", widgets::bytes(d.file.size), d.file.size),
        ),
    ];
    if let Some(m) = d.file.modified {
        // A demo fixes every clock it shows: a file its restore wrote is "new", not the
        // wall-clock time of the take.
        let when = if v.written_since.is_some() && v.is_new(m) {
            "new (written during the demo)".to_string()
        } else {
            m.format("%Y-%m-%d %H:%M:%S UTC").to_string()
        };
        lines.push(field(theme, "Modified", when));
    }
    if let (Some(ps), Some(pc)) = (d.file.page_size, d.file.page_count) {
        lines.push(field(theme, "Pages", format!("{pc} × {ps} bytes")));
    }
    if !d.leftovers.is_empty() {
        lines.push(field(theme, "Leftovers", d.leftovers.join(", ")));
    }
    if !d.file.messages.is_empty() {
        lines.push(Line::default());
        lines.push(heading(theme, "Integrity messages"));
        // SQLite's report can hold several lines in one message.
        for m in d.file.messages.iter().flat_map(|m| m.lines()) {
            lines.push(Line::from(Span::styled(
                format!("  {m}"),
                theme.style(st.role()),
            )));
        }
    }
    lines
}
