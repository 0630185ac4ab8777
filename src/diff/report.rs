//! Text rendering of a diff (JSON is the `Serialize` form of the same `DiffReport`):
//! one section per component, a one-line summary, then the details an operator reads.
//! Lines come classified (added, removed, changed, …) so a console view can colour them and
//! jump between changes without parsing text.

use super::certificates::{CertInfo, CertificatesDiff};
use super::databases::{DatabaseDiff, Method, Presence};
use super::folders::{EntryKind, FolderDiff};
use super::settings::SettingsDiff;
use super::{Change, ComponentDiff, Detail, DiffReport, Status};
use serde::Serialize;
use std::fmt::Write;

use crate::escape::{Shown, escape, path};
use crate::units::bytes;

/// What a line of the rendering shows, for colouring and change-to-change navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A component's heading (`== database:X [different] …`).
    Heading,
    /// Paths, totals, table headers, notes.
    Info,
    /// Only live (`+`).
    Added,
    /// Only in the set (`-`).
    Removed,
    /// On both sides, different (`~`).
    Changed,
    /// Something could not be read (`!`, `?`).
    Problem,
}

impl LineKind {
    /// Whether `n`/`N` in a view should stop at this line.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            LineKind::Added | LineKind::Removed | LineKind::Changed
        )
    }
}

/// One line of the rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// What it shows.
    pub kind: LineKind,
    /// The text, without a trailing newline.
    pub text: String,
}

/// Collects rendered lines; each line's kind follows from its marker (the first character
/// after the indentation: `==` heading, `+` added, `-` removed, `~` changed, `!`/`?` problem).
#[derive(Default)]
struct Lines {
    lines: Vec<Line>,
    partial: String,
}

impl Lines {
    fn finish(mut self) -> Vec<Line> {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.push_line(rest);
        }
        self.lines
    }

    fn push_line(&mut self, text: String) {
        let trimmed = text.trim_start();
        let kind = if trimmed.starts_with("==") {
            LineKind::Heading
        } else {
            match trimmed.chars().next() {
                Some('+') => LineKind::Added,
                Some('-') => LineKind::Removed,
                Some('~') => LineKind::Changed,
                Some('!') | Some('?') => LineKind::Problem,
                _ => LineKind::Info,
            }
        };
        self.lines.push(Line { kind, text });
    }
}

impl Write for Lines {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.partial.push_str(s);
        while let Some(i) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=i).collect();
            self.push_line(line.trim_end_matches('\n').to_string());
        }
        Ok(())
    }
}

/// The whole report as classified lines (what `render_text` prints).
pub fn lines(r: &DiffReport) -> Vec<Line> {
    let mut out = Lines::default();
    let _ = writeln!(
        out,
        "Diff of backup set {} (taken {}) against live — set is old, live is new",
        Shown(&r.set),
        r.taken_at.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(out, "  set folder: {}", path(&r.set_path));
    for c in &r.components {
        let _ = writeln!(out);
        render_component(&mut out, c);
    }
    let _ = writeln!(out, "\nResult: {}", status_word(r.status));
    out.finish()
}

/// One component's section as classified lines.
pub fn component_lines(c: &ComponentDiff) -> Vec<Line> {
    let mut out = Lines::default();
    render_component(&mut out, c);
    out.finish()
}

/// One line on a database diff.
pub fn database_summary(d: &DatabaseDiff) -> String {
    let t = &d.totals;
    if !d.differs() && !d.has_problems() {
        return format!("identical ({} tables, {} rows)", t.tables, t.live_rows);
    }
    // Nothing was compared (an empty or unreadable side): say why, not "0 of 0 tables".
    if t.tables == 0 && d.schema.is_empty() {
        let side = |p: &Option<String>| {
            p.as_deref().map(|p| {
                if p.contains("is empty") {
                    "empty".to_string()
                } else {
                    format!("cannot be read ({p})")
                }
            })
        };
        return match (side(&d.set_problem), side(&d.live_problem)) {
            (Some(s), Some(l)) => format!("set copy {s}, live database {l}: nothing compared"),
            (Some(s), None) => format!("set copy {s}: nothing compared"),
            (None, Some(l)) => format!("live database {l}: nothing compared"),
            (None, None) => "no tables on either side: nothing compared".into(),
        };
    }
    format!(
        "{} schema change{}, {} of {} tables differ; rows +{} added, -{} removed, ~{} changed",
        d.schema.len(),
        plural(d.schema.len()),
        t.tables_differing,
        t.tables,
        t.rows_added,
        t.rows_removed,
        t.rows_changed
    )
}

/// One line on a settings diff.
pub fn settings_summary(d: &SettingsDiff) -> String {
    if d.changes.is_empty() {
        return "identical".into();
    }
    let n = |c: Change| d.changes.iter().filter(|x| x.change == c).count();
    format!(
        "{} key{} differ{}: +{} added, -{} removed, ~{} changed, {} type changed",
        d.changes.len(),
        if d.changes.len() == 1 { "" } else { "s" },
        if d.changes.len() == 1 { "s" } else { "" },
        n(Change::Added),
        n(Change::Removed),
        n(Change::Changed),
        n(Change::TypeChanged)
    )
}

/// One line on a certificate-store diff.
pub fn certificates_summary(d: &CertificatesDiff) -> String {
    let mut s = format!(
        "certificates: {} only live, {} only in set, {} in both; keys: {} only live, {} only in set, {} in both",
        d.only_live.len(),
        d.only_set.len(),
        d.both.len(),
        d.keys_only_live.len(),
        d.keys_only_set.len(),
        d.keys_both.len()
    );
    if !d.unreadable.is_empty() {
        s.push_str("; could not read every file, so the comparison is incomplete");
    } else if let Some(id) = &d.identity
        && !id.same
    {
        s.push_str("; identity certificate differs");
    }
    s
}

/// One line on a folder diff.
pub fn folder_summary(d: &FolderDiff) -> String {
    let t = &d.totals;
    if !d.differs() {
        return format!(
            "identical ({} files, {})",
            t.live_files,
            bytes(t.live_bytes)
        );
    }
    format!(
        "{} missing ({}), {} extra ({}), {} changed, {} identical",
        t.missing,
        bytes(t.missing_bytes),
        t.extra,
        bytes(t.extra_bytes),
        t.changed,
        t.identical
    )
}

/// The whole report as text for a terminal or a log.
pub fn render_text(r: &DiffReport) -> String {
    lines(r).into_iter().map(|l| l.text + "\n").collect()
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Identical => "identical",
        Status::Different => "different",
        Status::Error => "error",
    }
}

fn render_component(out: &mut Lines, c: &ComponentDiff) {
    let _ = writeln!(
        out,
        "== {} [{}] {}",
        Shown(&c.component),
        status_word(c.status),
        escape(&c.summary)
    );
    let (a, b) = if c.kind == "dp" {
        ("reference", "payload")
    } else {
        ("set", "live")
    };
    if let Some(p) = &c.set_path {
        let what = c
            .reference
            .as_deref()
            .map_or(String::new(), |r| format!(" ({})", escape(r)));
        let _ = writeln!(out, "   {a}: {}{what}", path(p));
    }
    if let Some(p) = &c.live_path {
        let _ = writeln!(out, "   {b}: {}", path(p));
    }
    for e in &c.errors {
        let _ = writeln!(out, "   ! {}", escape(e));
    }
    for f in &c.findings {
        let _ = writeln!(out, "   ! {}: {}", f.code.as_str(), f.message);
    }
    match &c.detail {
        Some(Detail::Database(d)) => render_database(out, d),
        Some(Detail::Settings(d)) => render_settings(out, d),
        Some(Detail::Certificates(d)) => render_certificates(out, d),
        Some(Detail::Folder(d)) | Some(Detail::Dp(d)) => render_folder(out, d),
        None => {}
    }
}

fn sign(c: Change) -> char {
    match c {
        Change::Added => '+',
        Change::Removed => '-',
        Change::Changed | Change::TypeChanged => '~',
    }
}

fn render_database(out: &mut Lines, d: &DatabaseDiff) {
    if !d.schema.is_empty() {
        let _ = writeln!(out, "   schema:");
        for s in &d.schema {
            let what = match &s.table {
                Some(t) if s.object == "column" => format!("column {t}.{}", s.name),
                _ => format!("{} {}", s.object, s.name),
            };
            let def = match (&s.set, &s.live) {
                (Some(a), Some(b)) => format!("{a} → {b}"),
                (Some(a), None) => a.clone(),
                (None, Some(b)) => b.clone(),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                out,
                "     {} {}: {}",
                sign(s.change),
                escape(&what),
                escape(&def)
            );
        }
    }
    let _ = writeln!(
        out,
        "   {:<28} {:>10} {:>10} {:>8} {:>8} {:>8}  compared",
        "table", "set rows", "live rows", "added", "removed", "changed"
    );
    let n = |v: Option<u64>| v.map_or("-".to_string(), |x| x.to_string());
    for t in &d.tables {
        let how = match (t.presence, t.method) {
            (Presence::OnlyLive, _) => "only live",
            (Presence::OnlySet, _) => "only in set",
            (_, Method::IdenticalPages) => "identical pages",
            (_, Method::RowWalk) => "row by row",
            (_, Method::ChangedPages) => "changed pages, row by row",
            (_, Method::Counted) => "counted",
            (_, Method::NotCompared) => "not compared",
        };
        let _ = writeln!(
            out,
            "   {:<28} {:>10} {:>10} {:>8} {:>8} {:>8}  {how}",
            Shown(&t.name),
            n(t.set_rows),
            n(t.live_rows),
            t.rows_added,
            t.rows_removed,
            t.rows_changed
        );
        for row in &t.sample_changed {
            let cols: Vec<String> = row
                .columns
                .iter()
                .map(|c| format!("{}: {} → {}", c.column, c.set, c.live))
                .collect();
            let _ = writeln!(
                out,
                "     ~ {}: {}",
                Shown(&row.key),
                escape(&cols.join("; "))
            );
        }
        if !t.sample_added.is_empty() {
            let _ = writeln!(out, "     + {}", escape(&t.sample_added.join(" | ")));
        }
        if !t.sample_removed.is_empty() {
            let _ = writeln!(out, "     - {}", escape(&t.sample_removed.join(" | ")));
        }
        if let Some(note) = &t.note {
            let _ = writeln!(out, "     note: {}", escape(note));
        }
    }
}

fn render_settings(out: &mut Lines, d: &SettingsDiff) {
    if d.set_format != d.live_format {
        let _ = writeln!(
            out,
            "   formats: set {}, live {} (the format alone is no difference)",
            Shown(d.set_format.as_deref().unwrap_or("?")),
            Shown(d.live_format.as_deref().unwrap_or("?"))
        );
    }
    for c in &d.changes {
        let v = |t: &Option<super::settings::TypedValue>| {
            t.as_ref()
                .map_or(String::new(), |t| format!("({}) {}", t.ty, t.value))
        };
        let line = match c.change {
            Change::Added => v(&c.live),
            Change::Removed => v(&c.set),
            _ => format!("{} → {}", v(&c.set), v(&c.live)),
        };
        let _ = writeln!(
            out,
            "   {} {}: {}",
            sign(c.change),
            escape(&c.path_text()),
            escape(&line)
        );
    }
}

fn cert_line(c: &CertInfo) -> String {
    format!(
        "{} [{}] expires {}",
        Shown(c.common_name.as_deref().unwrap_or(&c.subject)),
        c.fingerprint_sha256,
        c.not_after
            .map_or("?".into(), |t| t.format("%Y-%m-%d").to_string())
    )
}

fn render_certificates(out: &mut Lines, d: &CertificatesDiff) {
    if let Some(id) = &d.identity {
        let _ = writeln!(out, "   identity: {}", escape(&id.meaning));
        if let Some(s) = &id.set {
            let _ = writeln!(out, "     set:  {}", cert_line(s));
        }
        if let Some(l) = &id.live {
            let _ = writeln!(out, "     live: {}", cert_line(l));
        }
    }
    for c in &d.only_set {
        let _ = writeln!(out, "   - only in set: {}", cert_line(c));
    }
    for c in &d.only_live {
        let _ = writeln!(out, "   + only live:   {}", cert_line(c));
    }
    for k in &d.keys_only_set {
        let _ = writeln!(out, "   - key only in set: {}", key_line(k));
    }
    for k in &d.keys_only_live {
        let _ = writeln!(out, "   + key only live:   {}", key_line(k));
    }
    for u in &d.unparsed {
        let _ = writeln!(out, "   ? {}", escape(u));
    }
}

fn key_line(k: &super::certificates::KeyInfo) -> String {
    let file = k
        .set_file
        .as_ref()
        .or(k.live_file.as_ref())
        .map(|p| path(p))
        .unwrap_or_default();
    match &k.paired_with {
        Some(fp) => format!("{file} (pairs with {})", Shown(fp)),
        None => format!("{file} (no certificate of the store pairs with it)"),
    }
}

fn render_folder(out: &mut Lines, d: &FolderDiff) {
    let t = &d.totals;
    let _ = writeln!(
        out,
        "   set: {} files ({}), live: {} files ({}), {} touched (same content, new mtime)",
        t.set_files,
        bytes(t.set_bytes),
        t.live_files,
        bytes(t.live_bytes),
        t.touched
    );
    for e in &d.missing {
        let _ = writeln!(
            out,
            "   - missing live: {}{}",
            Shown(&e.path),
            link(e.kind, &e.target)
        );
    }
    for e in &d.extra {
        let _ = writeln!(
            out,
            "   + extra live:   {}{}",
            Shown(&e.path),
            link(e.kind, &e.target)
        );
    }
    for c in &d.changed {
        let mut why = Vec::new();
        if c.set.kind != c.live.kind {
            why.push(format!("{:?} → {:?}", c.set.kind, c.live.kind).to_lowercase());
        }
        if c.set.size != c.live.size {
            why.push(format!("size {} → {}", c.set.size, c.live.size));
        }
        if c.set.target != c.live.target {
            why.push(format!(
                "link {} → {}",
                Shown(c.set.target.as_deref().unwrap_or("-")),
                Shown(c.live.target.as_deref().unwrap_or("-"))
            ));
        }
        if c.set_hash != c.live_hash
            && let (Some(a), Some(b)) = (&c.set_hash, &c.live_hash)
        {
            why.push(format!("content {a} → {b}"));
        }
        let _ = writeln!(
            out,
            "   ~ changed:      {} ({})",
            Shown(&c.path),
            why.join(", ")
        );
        if let Some(u) = &c.unified {
            // File content reaches the terminal too: each line escaped like a name.
            for line in u.lines() {
                let _ = writeln!(out, "       {}", escape(line));
            }
        }
    }
    for s in &d.symlinks {
        let _ = writeln!(
            out,
            "   symlink ({}): {} -> {} (not followed)",
            s.side,
            Shown(&s.path),
            Shown(&s.target)
        );
    }
}

fn link(kind: EntryKind, target: &Option<String>) -> String {
    match (kind, target) {
        (EntryKind::Symlink, Some(t)) => format!(" -> {} (symlink, not followed)", Shown(t)),
        _ => String::new(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::settings::{KeyChange, PathStep, TypedValue};
    use crate::diff::{ComponentDiff, Sides};

    fn settings_component() -> ComponentDiff {
        let d = SettingsDiff {
            set_format: Some("binary".into()),
            live_format: Some("xml".into()),
            changes: vec![KeyChange {
                path: vec![PathStep::Key("MDM".into()), PathStep::Index(0)],
                change: Change::TypeChanged,
                set: Some(TypedValue {
                    ty: "integer".into(),
                    value: "30".into(),
                }),
                live: Some(TypedValue {
                    ty: "string".into(),
                    value: "\"30\"".into(),
                }),
            }],
            ..SettingsDiff::default()
        };
        ComponentDiff {
            component: "settings:lanrev_server".into(),
            kind: "settings".into(),
            status: Status::Different,
            sides: Sides::Both,
            set_path: None,
            live_path: None,
            reference: None,
            summary: settings_summary(&d),
            errors: vec![],
            findings: vec![],
            detail: Some(Detail::Settings(Box::new(d))),
        }
    }

    #[test]
    fn an_empty_set_copy_says_empty_not_zero_of_zero_tables() {
        let d = DatabaseDiff {
            set_problem: Some("/b/ServerCommandDatabase.dbbackup is empty (0 bytes)".into()),
            ..DatabaseDiff::default()
        };
        assert_eq!(database_summary(&d), "set copy empty: nothing compared");
    }

    #[test]
    fn a_settings_section_shows_the_key_path_with_both_typed_values() {
        let lines = component_lines(&settings_component());
        assert_eq!(lines[0].kind, LineKind::Heading);
        assert_eq!(lines.last().map(|l| l.kind), Some(LineKind::Changed));
        let out: String = lines.into_iter().map(|l| l.text + "\n").collect();
        assert!(
            out.starts_with("== settings:lanrev_server [different] 1 key differs:"),
            "{out}"
        );
        assert!(out.contains("formats: set binary, live xml"), "{out}");
        assert!(
            out.contains("~ MDM[0]: (integer) 30 → (string) \"30\""),
            "{out}"
        );
    }
}
