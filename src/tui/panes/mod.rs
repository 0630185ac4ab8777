//! The five panes. Each file says how its rows look (columns, status, filter text) and what its
//! details view shows; this file dispatches on `PaneId` and draws any pane as a virtualised list.

pub mod backups;
pub mod certificates;
pub mod databases;
pub mod distribution;
pub mod runbook;

use super::action::PaneId;
use super::theme::{Role, Theme};
use super::widgets::{self, Status};
use crate::findings::{Code, Finding};
use crate::inventory::Inventory;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use std::path::Path;

/// One column of a pane's list.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Heading.
    pub title: &'static str,
    /// Width in cells (the minimum for the flexible column).
    pub width: usize,
    /// Takes the width left over.
    pub flex: bool,
    /// Right-aligned (numbers).
    pub right: bool,
    /// When space is short, columns with the lowest `keep` are dropped first.
    pub keep: u8,
    /// A path: cut at its start, so the last folders stay readable.
    pub path: bool,
}

impl Column {
    /// A column.
    pub const fn new(title: &'static str, width: usize, keep: u8) -> Column {
        Column {
            title,
            width,
            flex: false,
            right: false,
            keep,
            path: false,
        }
    }
    /// A path column.
    pub const fn path(mut self) -> Column {
        self.path = true;
        self
    }
    /// The column that grows.
    pub const fn flex(mut self) -> Column {
        self.flex = true;
        self
    }
    /// Right-aligned.
    pub const fn right(mut self) -> Column {
        self.right = true;
        self
    }
}

/// One cell: text and, when it differs from the row's, a style role.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The text.
    pub text: String,
    /// Style role, or `None` for ordinary text.
    pub role: Option<Role>,
}

impl Cell {
    /// Ordinary text.
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            role: None,
        }
    }
    /// Text with a meaning.
    pub fn styled(text: impl Into<String>, role: Role) -> Cell {
        Cell {
            text: text.into(),
            role: Some(role),
        }
    }
}

/// What a pane row needs besides the inventory.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The inventory shown.
    pub inv: &'a Inventory,
    /// The profile's recovery-point objective, for stale sets.
    pub rpo_hours: f64,
    /// The runbook as last judged (the runbook pane's rows), once it was.
    pub runbook: Option<&'a crate::runbook::Runbook>,
    /// Distribution points marked for a sync, by name.
    pub marked: &'a std::collections::BTreeSet<String>,
    /// Demo mode: files modified after this instant were written during the demo.
    pub written_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Demo mode: the temporary folder, shown as `demo:` in every cell.
    pub demo_folder: Option<&'a Path>,
}

#[cfg(test)]
impl<'a> View<'a> {
    /// A view of `inv` as a pane test needs it: a 26-hour RPO, no runbook, not a demo.
    pub(crate) fn plain(
        inv: &'a Inventory,
        marked: &'a std::collections::BTreeSet<String>,
    ) -> Self {
        View {
            inv,
            rpo_hours: 26.0,
            runbook: None,
            marked,
            written_since: None,
            demo_folder: None,
        }
    }
}

impl View<'_> {
    /// Whether `modified` is after the check's clock (a file written since `--now`), or after
    /// a demo was built (a file its restore wrote): shown as "new" rather than an age or a
    /// time that would follow the wall clock.
    pub fn is_new(&self, modified: chrono::DateTime<chrono::Utc>) -> bool {
        modified > self.inv.scanned_at || self.written_since.is_some_and(|t| modified > t)
    }

    /// A path relative to the root when under it.
    pub fn path(&self, p: &Path) -> String {
        widgets::show_path(p, &self.inv.root)
    }
}

/// Number of rows in a pane.
pub fn len(p: PaneId, v: View) -> usize {
    let inv = v.inv;
    match p {
        PaneId::Backups => inv.backup_sets.len(),
        PaneId::Databases => inv.databases.len(),
        PaneId::Certificates => inv.certificates.len(),
        PaneId::Distribution => inv.distribution_points.len(),
        PaneId::Runbook => runbook::len(&v),
    }
}

/// The columns of a pane.
pub fn columns(p: PaneId) -> &'static [Column] {
    match p {
        PaneId::Backups => backups::COLUMNS,
        PaneId::Databases => databases::COLUMNS,
        PaneId::Certificates => certificates::COLUMNS,
        PaneId::Distribution => distribution::COLUMNS,
        PaneId::Runbook => runbook::COLUMNS,
    }
}

/// Status and cells of row `i`.
pub fn row(p: PaneId, v: View, i: usize) -> (Status, Vec<Cell>) {
    let (status, mut cells) = match p {
        PaneId::Backups => backups::row(v, i),
        PaneId::Databases => databases::row(v, i),
        PaneId::Certificates => certificates::row(v, i),
        PaneId::Distribution => distribution::row(v, i),
        PaneId::Runbook => runbook::row(v, i),
    };
    if let Some(dir) = v.demo_folder {
        for c in &mut cells {
            c.text = widgets::demo_alias(&c.text, dir);
        }
    }
    (status, cells)
}

/// A stable identity for row `i`, so a selection survives a new scan.
pub fn key(p: PaneId, v: View, i: usize) -> String {
    let inv = v.inv;
    match p {
        PaneId::Backups => inv.backup_sets.get(i).map(|s| s.component.clone()),
        PaneId::Databases => inv.databases.get(i).map(|d| d.component.clone()),
        PaneId::Certificates => inv
            .certificates
            .get(i)
            .map(|c| format!("{}#{}", c.file.display(), c.index)),
        PaneId::Distribution => inv
            .distribution_points
            .get(i)
            .map(|d| format!("dp:{}", d.name)),
        PaneId::Runbook => runbook::key(&v, i),
    }
    .unwrap_or_default()
}

/// Text the filter matches against: the row's cells.
pub fn haystack(p: PaneId, v: View, i: usize) -> String {
    let (_, cells) = row(p, v, i);
    let mut s = cells
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    s.push(' ');
    s.push_str(&key(p, v, i));
    s.to_lowercase()
}

/// Everything the inventory knows about row `i`.
pub fn details(p: PaneId, v: View, i: usize, theme: &Theme) -> Vec<Line<'static>> {
    let body = match p {
        PaneId::Backups => backups::details(v, i, theme),
        PaneId::Databases => databases::details(v, i, theme),
        PaneId::Certificates => certificates::details(v, i, theme),
        PaneId::Distribution => distribution::details(v, i, theme),
        PaneId::Runbook => runbook::details(v, i, theme),
    };
    // Findings come right under the heading: they are why the operator opened the details.
    let mut body = body.into_iter();
    let mut lines: Vec<Line<'static>> = body.next().into_iter().collect();
    for f in v.inv.findings.iter().filter(|f| is_about(p, v.inv, f, i)) {
        let st = Status::from(f.severity);
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", st.glyph()), theme.style(st.role())),
            Span::styled(f.code.as_str(), theme.style(st.role())),
            Span::styled(
                format!("  {}", widgets::relativize(&f.message, &v.inv.root)),
                theme.style(Role::Text),
            ),
        ]));
        lines.push(Line::from(Span::styled(
            format!("  → {}", f.hint),
            theme.style(Role::Muted),
        )));
    }
    if lines.len() > 1 {
        lines.push(Line::default());
    }
    lines.extend(body);
    lines
}

/// The first row a finding is about, when this pane shows it.
pub fn locate(p: PaneId, inv: &Inventory, f: &Finding) -> Option<usize> {
    locate_all(p, inv, f).into_iter().next()
}

/// Every row a finding is about: one backup set, database or distribution point; for
/// certificates, those of its store in the file or folder it names (a bundle's finding is
/// about all of the bundle), else the store's live ones.
pub fn locate_all(p: PaneId, inv: &Inventory, f: &Finding) -> Vec<usize> {
    let positions =
        |hit: &dyn Fn(usize) -> bool, n: usize| (0..n).filter(|&i| hit(i)).collect::<Vec<_>>();
    match p {
        PaneId::Backups => positions(
            &|i| inv.backup_sets[i].component == f.component,
            inv.backup_sets.len(),
        ),
        PaneId::Databases => positions(
            &|i| inv.databases[i].component == f.component,
            inv.databases.len(),
        ),
        PaneId::Certificates => {
            if !f.component.starts_with("certificates:") {
                return Vec::new();
            }
            let certs = &inv.certificates;
            let in_store = |i: usize| certs[i].component == f.component;
            let under = |i: usize| {
                f.path
                    .as_ref()
                    .is_some_and(|p| certs[i].file.starts_with(p))
            };
            let live = |i: usize| certs[i].source == crate::inventory::Source::Live;
            // "Live differs from the backup" is about both sides: the live identity agents
            // will reject, and the set's copy that would bring the old one back.
            if f.code == Code::CertBackupMismatch {
                return positions(&|i| in_store(i) && (under(i) || live(i)), certs.len());
            }
            let by_path = positions(&|i| in_store(i) && under(i), certs.len());
            if !by_path.is_empty() {
                return by_path;
            }
            let live = positions(
                &|i| in_store(i) && certs[i].source == crate::inventory::Source::Live,
                certs.len(),
            );
            if !live.is_empty() {
                live
            } else {
                positions(&in_store, certs.len())
            }
        }
        PaneId::Distribution => match f.component.strip_prefix("dp:") {
            Some(name) => positions(
                &|i| inv.distribution_points[i].name == name,
                inv.distribution_points.len(),
            ),
            // "More than one master" is about every master row.
            None if f.code == Code::DpMultipleMasters => positions(
                &|i| inv.distribution_points[i].is_master,
                inv.distribution_points.len(),
            ),
            None => Vec::new(),
        },
        // Findings are evidence of steps, not about them: the step's details quote them.
        PaneId::Runbook => Vec::new(),
    }
}

/// Whether a finding is about row `i` (cheap for every pane but certificates, whose rule
/// needs the whole store).
pub fn is_about(p: PaneId, inv: &Inventory, f: &Finding, i: usize) -> bool {
    match p {
        PaneId::Backups => inv
            .backup_sets
            .get(i)
            .is_some_and(|s| s.component == f.component),
        PaneId::Databases => inv
            .databases
            .get(i)
            .is_some_and(|d| d.component == f.component),
        PaneId::Certificates => locate_all(p, inv, f).contains(&i),
        PaneId::Distribution => locate_all(p, inv, f).contains(&i),
        PaneId::Runbook => false,
    }
}

/// The worst finding about each row of a pane, by inventory index.
pub type Flags = std::collections::HashMap<usize, Status>;

/// Collect the findings that point at rows of `p`: a row's glyph is the worst of them, so the
/// glance says what `f` and the details say, no more and no less.
pub fn flags(p: PaneId, v: View) -> Flags {
    let inv = v.inv;
    let mut out = Flags::new();
    // A step's glyph is its own state: findings are its evidence, judged already.
    if p == PaneId::Runbook {
        for i in 0..runbook::len(&v) {
            out.insert(i, row(p, v, i).0);
        }
        return out;
    }
    // One pass over the rows, not one per finding: ten thousand sets with a finding each
    // must not cost a hundred million comparisons on the UI thread.
    let by_component: std::collections::HashMap<&str, usize> = match p {
        PaneId::Backups => inv
            .backup_sets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.component.as_str(), i))
            .collect(),
        PaneId::Databases => inv
            .databases
            .iter()
            .enumerate()
            .map(|(i, d)| (d.component.as_str(), i))
            .collect(),
        _ => Default::default(),
    };
    for f in &inv.findings {
        let st = Status::from(f.severity);
        if st < Status::Info {
            continue;
        }
        let rows = match p {
            PaneId::Backups | PaneId::Databases => by_component
                .get(f.component.as_str())
                .copied()
                .into_iter()
                .collect(),
            _ => locate_all(p, inv, f),
        };
        for i in rows {
            let e = out.entry(i).or_insert(st);
            *e = (*e).max(st);
        }
    }
    out
}

/// A row's glyph: the worst finding about it; with none, `?` while the row is not fully
/// checked (its state cannot be vouched for yet), else `✓`.
pub fn status(p: PaneId, v: View, i: usize, flags: &Flags) -> Status {
    glyph_status(row(p, v, i).0, flags.get(&i).copied())
}

/// The rule behind [`status`], for rows already built.
pub fn glyph_status(own: Status, worst_finding: Option<Status>) -> Status {
    match worst_finding {
        Some(f) => f,
        None if own == Status::Pending => Status::Pending,
        None => Status::Ok,
    }
}

/// Widths for the columns in `avail` cells; `None` for a column dropped for lack of space.
pub fn widths(cols: &[Column], avail: usize) -> Vec<Option<usize>> {
    let mut keep: Vec<bool> = vec![true; cols.len()];
    let total = |keep: &[bool]| -> usize {
        let shown: Vec<&Column> = cols
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c)
            .collect();
        shown.iter().map(|c| c.width).sum::<usize>() + shown.len().saturating_sub(1)
    };
    while total(&keep) > avail {
        let victim = cols
            .iter()
            .enumerate()
            .filter(|(i, c)| keep[*i] && c.keep < u8::MAX)
            .min_by_key(|(i, c)| (c.keep, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match victim {
            Some(i) => keep[i] = false,
            None => break,
        }
    }
    let spare = avail.saturating_sub(total(&keep));
    let short = total(&keep).saturating_sub(avail);
    cols.iter()
        .zip(&keep)
        .map(|(c, k)| {
            k.then(|| {
                if c.flex {
                    (c.width + spare).saturating_sub(short).max(1)
                } else {
                    c.width
                }
            })
        })
        .collect()
}

/// Widths as [`widths`], then spare room goes first to the flexible column up to what its
/// text needs (`wanted`), then to the other columns cut short (paths), then to the flexible
/// column again: a wide terminal shows whole names and paths, not blank space beside a cut.
pub fn fit_widths(cols: &[Column], avail: usize, wanted: &[usize]) -> Vec<Option<usize>> {
    let mut w = widths(cols, avail);
    let Some(fi) = cols.iter().position(|c| c.flex) else {
        return w;
    };
    let Some(fw) = w[fi] else { return w };
    let base = cols[fi].width;
    let spare = fw.saturating_sub(base);
    let flex_need = wanted.get(fi).copied().unwrap_or(0).saturating_sub(base);
    let mut pool = spare.saturating_sub(flex_need);
    w[fi] = Some(base + spare.min(flex_need));
    for (j, c) in cols.iter().enumerate() {
        if j == fi {
            continue;
        }
        if let Some(cw) = w[j].as_mut() {
            let grow = wanted
                .get(j)
                .copied()
                .unwrap_or(0)
                .saturating_sub(c.width)
                .min(pool);
            *cw += grow;
            pool -= grow;
        }
    }
    w[fi] = w[fi].map(|x| x + pool);
    w
}

/// What a pane draws: its list state and how to title it.
pub struct ListView<'a> {
    /// Which pane.
    pub pane: PaneId,
    /// Data.
    pub view: View<'a>,
    /// Inventory indices of the rows that pass the filter.
    pub visible: &'a [usize],
    /// Selected position in `visible`.
    pub selected: usize,
    /// First position drawn.
    pub offset: usize,
    /// The filter text.
    pub filter: &'a str,
    /// Whether the pane has the focus.
    pub focused: bool,
    /// Text when there are no rows.
    pub empty: &'a str,
    /// Findings raising row statuses.
    pub flags: &'a Flags,
}

/// Draw a pane: border with title and position, column headings, only the visible rows.
pub fn draw(frame: &mut Frame, area: Rect, lv: &ListView, theme: &Theme) {
    let total = lv.visible.len();
    let mut title = vec![Span::styled(
        format!(" {} {} ", lv.pane.index() + 1, lv.pane.title()),
        theme.style(Role::Title),
    )];
    if !lv.filter.is_empty() {
        title.push(Span::styled(
            format!("/{} ", lv.filter),
            theme.style(Role::Key),
        ));
    }
    let position = if total == 0 {
        " 0 ".to_string()
    } else {
        format!(" {}/{} ", lv.selected + 1, total)
    };
    let border = theme.style(if lv.focused {
        Role::BorderFocused
    } else {
        Role::Border
    });
    let block = Block::bordered()
        .border_style(border)
        .title(Line::from(title))
        .title_bottom(Line::from(Span::styled(position, theme.style(Role::Muted))).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 4 {
        return;
    }
    let cols = columns(lv.pane);
    let rows = inner.height as usize - 1;
    // What the rows in view need, so a wide pane grows the columns that are cut.
    let mut wanted: Vec<usize> = cols.iter().map(|c| widgets::width(c.title)).collect();
    for pos in lv.offset..(lv.offset + rows).min(total) {
        let (_, cells) = row(lv.pane, lv.view, lv.visible[pos]);
        for (w, cell) in wanted.iter_mut().zip(&cells) {
            *w = (*w).max(widgets::width(&cell.text));
        }
    }
    // Two cells for the status glyph, the rest for the columns.
    let w = fit_widths(cols, inner.width as usize - 2, &wanted);
    let mut lines = Vec::with_capacity(inner.height as usize);
    let mut head = vec![Span::styled("  ", theme.style(Role::ListHeader))];
    let mut first = true;
    for (c, cw) in cols.iter().zip(&w) {
        if let Some(cw) = cw {
            if !first {
                head.push(Span::raw(" "));
            }
            first = false;
            let text = if c.right {
                widgets::cell_right(c.title, *cw)
            } else {
                widgets::cell(c.title, *cw)
            };
            head.push(Span::styled(text, theme.style(Role::ListHeader)));
        }
    }
    lines.push(Line::from(head));
    if total == 0 {
        lines.push(Line::from(Span::styled(
            format!("  {}", lv.empty),
            theme.style(Role::Muted),
        )));
    }
    for pos in lv.offset..(lv.offset + rows).min(total) {
        let i = lv.visible[pos];
        let (own, cells) = row(lv.pane, lv.view, i);
        let status = glyph_status(own, lv.flags.get(&i).copied());
        let selected = lv.focused && pos == lv.selected;
        let base = if selected {
            theme.style(Role::ListSelected)
        } else {
            Style::default()
        };
        let mut spans = vec![Span::styled(
            format!("{} ", status.glyph()),
            base.patch(theme.style(status.role()))
                .patch(sel_only(selected, theme)),
        )];
        let mut first = true;
        for ((c, cw), cell) in cols
            .iter()
            .zip(&w)
            .zip(cells.iter().chain(std::iter::repeat(&Cell::plain(""))))
        {
            if let Some(cw) = cw {
                if !first {
                    spans.push(Span::styled(" ", base));
                }
                first = false;
                let text = if c.right {
                    widgets::cell_right(&cell.text, *cw)
                } else if c.path {
                    widgets::cell(&widgets::fit_left(&cell.text, *cw), *cw)
                } else {
                    widgets::cell(&cell.text, *cw)
                };
                let style = match cell.role {
                    Some(r) => theme.style(Role::Text).patch(theme.style(r)),
                    None => theme.style(Role::Text),
                };
                spans.push(Span::styled(text, style.patch(sel_only(selected, theme))));
            }
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The selection's style, applied last so reverse video wins over cell colours.
fn sel_only(selected: bool, theme: &Theme) -> Style {
    if selected {
        theme.style(Role::ListSelected)
    } else {
        Style::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column::new("Name", 10, u8::MAX).flex(),
        Column::new("State", 8, 9),
        Column::new("Size", 8, 5).right(),
        Column::new("Extra", 12, 1),
    ];

    #[test]
    fn flexible_column_takes_the_spare_width() {
        let w = widths(COLS, 60);
        assert_eq!(w, vec![Some(29), Some(8), Some(8), Some(12)]);
    }

    #[test]
    fn least_important_columns_are_dropped_first() {
        let w = widths(COLS, 30);
        assert_eq!(w, vec![Some(12), Some(8), Some(8), None]);
        let w = widths(COLS, 20);
        assert_eq!(w, vec![Some(11), Some(8), None, None]);
    }

    #[test]
    fn wide_panes_grow_cut_columns_before_blank_space() {
        // Name needs 14, Extra needs 30: the spare goes to both, the rest to Name.
        let w = fit_widths(COLS, 80, &[14, 8, 8, 30]);
        assert_eq!(w, vec![Some(31), Some(8), Some(8), Some(30)]);
        let total: usize = w.iter().flatten().sum::<usize>() + 3;
        assert_eq!(total, 80);
        // Narrow: nothing grows beyond what `widths` gives.
        assert_eq!(fit_widths(COLS, 30, &[40, 8, 8, 30]), widths(COLS, 30));
    }

    #[test]
    fn nothing_overflows_even_when_everything_is_dropped() {
        for avail in 1..80 {
            let w = widths(COLS, avail);
            let shown: Vec<usize> = w.iter().flatten().copied().collect();
            let total: usize = shown.iter().sum::<usize>() + shown.len().saturating_sub(1);
            assert!(total <= avail.max(1), "{avail}: {total}");
        }
    }
}
