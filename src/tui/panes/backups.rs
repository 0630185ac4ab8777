//! The Backup sets pane: one row per set, newest first, verdict and age against the RPO;
//! details list every member with its check and size.

use super::{Cell, Column, View};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{self, Status, field, heading};
use ratatui::text::{Line, Span};

/// Columns of the list.
pub const COLUMNS: &[Column] = &[
    Column::new("Set", 16, u8::MAX).flex(),
    Column::new("Verdict", 12, 9),
    Column::new("Age", 7, 8).right(),
    Column::new("Size", 9, 6).right(),
    Column::new("DBs", 5, 4).right(),
    Column::new("Root", 16, 1).path(),
];

/// Status and cells of set `i`.
pub fn row(v: View, i: usize) -> (Status, Vec<Cell>) {
    let Some(s) = v.inv.backup_sets.get(i) else {
        return (Status::Pending, Vec::new());
    };
    let (status, role) = widgets::verdict_status(s.verdict);
    let verdict = if s.recommended {
        format!("{} ★", s.verdict.as_str())
    } else {
        s.verdict.as_str().to_string()
    };
    let age_role = if s.age_hours > v.rpo_hours {
        Role::SeverityWarning
    } else {
        Role::Text
    };
    let cells = vec![
        Cell::plain(&s.id),
        Cell::styled(verdict, role),
        Cell::styled(widgets::age(s.age_hours), age_role),
        Cell::plain(widgets::bytes(s.bytes)),
        Cell::plain(members(s)),
        Cell::plain(v.path(&s.root)),
    ];
    (status, cells)
}

/// Everything known about set `i`.
pub fn details(v: View, i: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(s) = v.inv.backup_sets.get(i) else {
        return Vec::new();
    };
    let (status, role) = widgets::verdict_status(s.verdict);
    let mut lines = vec![
        heading(theme, &format!("Backup set {}", s.id)),
        Line::from(vec![
            Span::styled(format!("{:<14} ", "Verdict"), theme.style(Role::Muted)),
            Span::styled(
                format!("{} {}", status.glyph(), s.verdict.as_str()),
                theme.style(role),
            ),
            Span::styled(
                if s.recommended {
                    "  ★ recommended (newest restorable set)"
                } else {
                    ""
                },
                theme.style(Role::VerdictRestorable),
            ),
        ]),
        field(
            theme,
            "Taken",
            format!(
                "{} (from its {})",
                s.taken_at.format("%Y-%m-%d %H:%M UTC"),
                taken_from(s)
            ),
        ),
        field(
            theme,
            "Age",
            format!(
                "{}{}",
                widgets::age(s.age_hours),
                if s.age_hours > v.rpo_hours {
                    format!(" — older than the RPO of {}h", v.rpo_hours)
                } else {
                    String::new()
                }
            ),
        ),
        field(theme, "Folder", v.path(&s.path)),
        field(theme, "Backup root", v.path(&s.root)),
        field(theme, "Layout", format!("{:?}", s.layout).to_lowercase()),
        field(theme, "Database bytes", widgets::bytes(s.bytes)),
        Line::default(),
        heading(theme, "Members"),
    ];
    for m in &s.members {
        let st = widgets::db_status(m.file.state);
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", st.glyph()), theme.style(st.role())),
            Span::styled(format!("{:<24} ", m.database), theme.style(Role::Text)),
            Span::styled(
                format!("{:<10} ", widgets::db_state_name(m.file.state)),
                theme.style(st.role()),
            ),
            Span::styled(
                format!(
                    "{:<6} {:>9}",
                    level(m.file.level),
                    widgets::bytes(m.file.size)
                ),
                theme.style(Role::Muted),
            ),
            Span::styled(
                if m.file.cached { "  cached" } else { "" },
                theme.style(Role::Muted),
            ),
        ]));
        for msg in m.file.messages.iter().flat_map(|m| m.lines()) {
            lines.push(Line::from(Span::styled(
                format!("    {msg}"),
                theme.style(st.role()),
            )));
        }
    }
    for name in s
        .missing
        .iter()
        .filter(|n| !s.members.iter().any(|m| &m.database == *n))
    {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} ", Status::Error.glyph()),
                theme.style(Status::Error.role()),
            ),
            Span::styled(format!("{name:<24} "), theme.style(Role::Text)),
            Span::styled("missing", theme.style(Status::Error.role())),
        ]));
    }
    if !s.extras.is_empty() {
        lines.push(Line::default());
        lines.push(field(theme, "Also carries", s.extras.join(", ")));
    }
    lines
}

/// Usable database members over expected ones: `5/6` when one is missing or empty.
fn members(s: &crate::inventory::BackupSet) -> String {
    use crate::inventory::DbState;
    let usable = s
        .members
        .iter()
        .filter(|m| !matches!(m.file.state, DbState::Missing | DbState::Empty))
        .count();
    let absent = s
        .missing
        .iter()
        .filter(|name| !s.members.iter().any(|m| &m.database == *name))
        .count();
    format!("{usable}/{}", s.members.len() + absent)
}

fn taken_from(s: &crate::inventory::BackupSet) -> &'static str {
    match s.taken_from {
        crate::inventory::TakenFrom::Name => "name",
        crate::inventory::TakenFrom::Mtime => "newest file time",
        crate::inventory::TakenFrom::MtimeOverName => "newest file time (name not believable)",
        crate::inventory::TakenFrom::Header => "backup header",
    }
}

/// How deep a file was checked, in a word.
pub fn level(l: crate::inventory::CheckLevel) -> &'static str {
    match l {
        crate::inventory::CheckLevel::None => "-",
        crate::inventory::CheckLevel::Quick => "quick",
        crate::inventory::CheckLevel::Full => "full",
    }
}
