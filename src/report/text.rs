//! Plain-text reports for the terminal and for logs: worst first, one fact per line.

use super::format::{age, bytes};
use crate::escape::{Shown, escape, path};
use crate::findings::Severity;
use crate::inventory::{BackupSet, CheckLevel, DbFile, DbState, Inventory, SqlBackupInfo, Verdict};
use std::fmt::Write;

/// The `check` report: findings worst first, then databases, backup sets and the other components.
pub fn check(inv: &Inventory) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "drconsole check: profile {}, root {}, at {}",
        Shown(&inv.profile),
        path(&inv.root),
        inv.scanned_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    // Which of the profile's candidate locations this disk has (ProgramData or XP's
    // All Users\Application Data, Program Files or Program Files (x86)).
    for choice in &inv.layout {
        let _ = writeln!(out, "layout {}", escape(&choice.describe()));
    }
    out.push('\n');
    findings(inv, &mut out);
    out.push('\n');
    databases(inv, &mut out);
    out.push('\n');
    backup_sets(inv, &mut out);
    out.push('\n');
    super::components::write(inv, &mut out);
    out
}

/// The `backups` report.
pub fn backups(inv: &Inventory) -> String {
    let mut out = String::new();
    backup_sets(inv, &mut out);
    out
}

fn findings(inv: &Inventory, out: &mut String) {
    let count = |s: Severity| inv.findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "FINDINGS  {} critical, {} error, {} warning, {} info",
        count(Severity::Critical),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    if inv.findings.is_empty() {
        let _ = writeln!(out, "  nothing to report");
    }
    for f in &inv.findings {
        let _ = writeln!(
            out,
            "  {:<8}  {:<22} {}",
            f.severity.as_str().to_uppercase(),
            f.code.as_str(),
            Shown(&f.component)
        );
        // Messages name files and sets: a newline in a name must not start a forged line, so
        // the message stays one line with its line breaks shown as \n.
        let _ = writeln!(out, "            {}", escape(&f.message));
        let _ = writeln!(out, "            -> {}", f.hint);
    }
}

fn databases(inv: &Inventory, out: &mut String) {
    let _ = writeln!(out, "DATABASES");
    let width = inv
        .databases
        .iter()
        .map(|d| escape(&d.name).chars().count())
        .max()
        .unwrap_or(0);
    for d in &inv.databases {
        let mut line = format!(
            "  {} {:<width$}  {:>10}  {}",
            glyph_db(d.file.state),
            Shown(&d.name),
            size_of(&d.file),
            escape(&state_text(&d.file))
        );
        if !d.leftovers.is_empty() {
            let _ = write!(line, "  leftover {}", escape(&d.leftovers.join(" ")));
        }
        let _ = writeln!(out, "{line}");
    }
}

fn backup_sets(inv: &Inventory, out: &mut String) {
    let _ = writeln!(out, "BACKUP SETS  newest first, * = recommended");
    if inv.backup_sets.is_empty() {
        let _ = writeln!(out, "  none found");
    }
    let width = inv
        .backup_sets
        .iter()
        .map(|s| escape(&s.id).chars().count())
        .max()
        .unwrap_or(0);
    for s in &inv.backup_sets {
        let _ = writeln!(
            out,
            "  {} {:<width$}  {:<10}  {:>8} old  {:>10}  {}",
            if s.recommended { '*' } else { ' ' },
            Shown(&s.id),
            s.verdict.as_str(),
            age(s.age_hours),
            bytes(s.bytes),
            escape(&set_detail(s))
        );
    }
}

fn set_detail(s: &BackupSet) -> String {
    if let Some(sql) = s.members.iter().find_map(|m| m.sql.as_ref()) {
        return sql_detail(s, sql);
    }
    match s.verdict {
        Verdict::Incomplete => s.gaps().join(", "),
        Verdict::Corrupt => s
            .members
            .iter()
            .filter(|m| {
                !matches!(
                    m.file.state,
                    DbState::Ok | DbState::QuickOk | DbState::Unchecked
                )
            })
            .map(|m| format!("{}: {}", m.database, state_text(&m.file)))
            .collect::<Vec<_>>()
            .join("; "),
        Verdict::Unverified
            if s.members
                .iter()
                .any(|m| m.file.state == DbState::Unverifiable) =>
        {
            s.members
                .iter()
                .filter(|m| m.file.state == DbState::Unverifiable)
                .map(|m| format!("{}: {}", m.database, state_text(&m.file)))
                .collect::<Vec<_>>()
                .join("; ")
        }
        Verdict::Unverified => "quick check passed, full check not run".into(),
        Verdict::Restorable => s.path.display().to_string(),
    }
}

/// A SQL Server backup set: what it is, and what an offline read proved or could not.
fn sql_detail(s: &BackupSet, sql: &SqlBackupInfo) -> String {
    let what = format!(
        "{}{}{} of {}",
        sql.backup_type,
        if sql.copy_only { " copy-only" } else { "" },
        if sql.compressed { " compressed" } else { "" },
        sql.database.as_deref().unwrap_or("?")
    );
    let first =
        |m: &crate::inventory::BackupMember| m.file.messages.first().cloned().unwrap_or_default();
    match s.verdict {
        Verdict::Incomplete => format!("{what}: {}", s.gaps().join(", ")),
        Verdict::Corrupt => s
            .members
            .iter()
            .map(|m| format!("{what}: damaged: {}", first(m)))
            .collect::<Vec<_>>()
            .join("; "),
        _ if s
            .members
            .iter()
            .any(|m| m.file.state == DbState::Unverifiable) =>
        {
            s.members
                .iter()
                .map(|m| format!("{what}: cannot verify: {}", first(m)))
                .collect::<Vec<_>>()
                .join("; ")
        }
        _ => format!("{what}: structure complete offline, pages not verified"),
    }
}

fn size_of(f: &DbFile) -> String {
    if f.state == DbState::Missing {
        "-".into()
    } else {
        bytes(f.size)
    }
}

/// One-line state of a database file, e.g. `ok (full check)`.
pub fn state_text(f: &DbFile) -> String {
    let level = match f.level {
        CheckLevel::Full => " (full check)",
        CheckLevel::Quick => " (quick check)",
        CheckLevel::None => "",
    };
    let first = f.messages.first().map(String::as_str).unwrap_or("");
    let state = match f.state {
        DbState::Missing => "missing".into(),
        DbState::Empty => "empty (0 bytes)".into(),
        DbState::Unreadable => format!("unreadable: {first}"),
        DbState::Unverifiable => format!("cannot verify{level}: {first}"),
        DbState::NotSqlite => format!("not SQLite: {first}"),
        DbState::Corrupt => format!("corrupt{level}: {first}"),
        DbState::Unchecked => "not checked".into(),
        DbState::QuickOk | DbState::Ok => format!("ok{level}"),
    };
    match f.wal {
        Some(w) if w.ignored_frames > 0 => format!(
            "{state}; WAL included: {} committed frames ({} after the last commit ignored, as SQLite does)",
            w.frames, w.ignored_frames
        ),
        Some(w) => format!("{state}; WAL included: {} committed frames", w.frames),
        None => state,
    }
}

fn glyph_db(s: DbState) -> char {
    match s {
        DbState::Ok | DbState::QuickOk => '+',
        DbState::Unchecked => '?',
        _ => '!',
    }
}
