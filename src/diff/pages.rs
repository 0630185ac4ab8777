//! Raw SQLite page reading for the database diff's fast path: two table b-trees whose
//! pages (interior, leaf and overflow) are byte-identical at the same page numbers hold the
//! same rows, so they need no row walk. Anything unexpected means "not proven identical".

use std::fs::File;
use std::path::Path;

/// Header magic of every SQLite 3 database file.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// One database file opened for raw page reads.
pub(crate) struct PageFile {
    file: File,
    page_size: usize,
    usable: usize,
    page_count: u32,
}

/// What the page comparison of one table proved: rows in subtrees that are byte-identical
/// on both sides, and the rowid ranges whose pages differ (only those need a row walk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TablePlan {
    /// Rows in the identical subtrees (the same on both sides).
    pub clean_rows: u64,
    /// Inclusive rowid ranges whose pages differ, ascending, adjacent ones merged.
    pub dirty: Vec<(i64, i64)>,
}

impl PageFile {
    /// Open a database file for page reads; `None` when it is not a plain SQLite file we can
    /// read page by page (the caller then relies on SQL alone).
    pub(crate) fn open(path: &Path) -> Option<PageFile> {
        let file = File::open(path).ok()?;
        let mut header = [0u8; 100];
        read_exact_at(&file, &mut header, 0).ok()?;
        if &header[..16] != MAGIC {
            return None;
        }
        let raw = u16::from_be_bytes([header[16], header[17]]) as usize;
        let page_size = if raw == 1 { 65536 } else { raw };
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return None;
        }
        let reserved = header[20] as usize;
        let usable = page_size.checked_sub(reserved)?;
        if usable < 480 {
            return None;
        }
        let len = file.metadata().ok()?.len();
        let page_count = u32::try_from(len / page_size as u64).ok()?;
        Some(PageFile {
            file,
            page_size,
            usable,
            page_count,
        })
    }

    fn read(&self, pgno: u32, buf: &mut [u8]) -> bool {
        if pgno == 0 || pgno > self.page_count {
            return false;
        }
        read_exact_at(&self.file, buf, (pgno as u64 - 1) * self.page_size as u64).is_ok()
    }
}

/// Compare the table b-tree rooted at `root_a` in `a` with the one at `root_b` in `b`, page by
/// page. `None` when the trees cannot be compared that way (the caller walks every row).
pub(crate) fn plan_table(
    a: &PageFile,
    root_a: u32,
    b: &PageFile,
    root_b: u32,
) -> Option<TablePlan> {
    if root_a != root_b || a.page_size != b.page_size || a.usable != b.usable {
        return None;
    }
    let mut buf_a = vec![0u8; a.page_size];
    let mut buf_b = vec![0u8; a.page_size];
    let mut over_a = vec![0u8; a.page_size];
    let mut over_b = vec![0u8; a.page_size];
    // (page, exclusive lower rowid bound, inclusive upper bound); None = unbounded.
    let mut stack: Vec<Subtree> = vec![(root_a, None, None)];
    let mut plan = TablePlan {
        clean_rows: 0,
        dirty: Vec::new(),
    };
    let mut budget = a.page_count.max(b.page_count) as u64;
    // Subtrees pushed from the same identical parent page have the same bounds on both
    // sides, because the parent's keys are the same bytes: by the b-tree invariant every row
    // of that rowid range lives in that subtree on both sides.
    while let Some((pgno, lo, hi)) = stack.pop() {
        budget = budget.checked_sub(1)?;
        if !(a.read(pgno, &mut buf_a) && b.read(pgno, &mut buf_b)) {
            plan.dirty.push(range(lo, hi));
            continue;
        }
        let off = if pgno == 1 { 100 } else { 0 };
        if buf_a != buf_b {
            // Differing interior pages usually still share most children (a leaf split adds
            // one cell): compare those, walk rows only in the ranges of the others.
            let ca = children(&buf_a[..a.usable], off, lo, hi);
            let cb = children(&buf_b[..b.usable], off, lo, hi);
            match (ca, cb) {
                (Some(ca), Some(cb)) => {
                    for c in ca.iter().rev() {
                        if cb.contains(c) {
                            stack.push(*c);
                        } else {
                            plan.dirty.push(range(c.1, c.2));
                        }
                    }
                    for c in cb.iter().filter(|c| !ca.contains(c)) {
                        plan.dirty.push(range(c.1, c.2));
                    }
                }
                _ => plan.dirty.push(range(lo, hi)),
            }
            continue;
        }
        let page = &buf_a[..a.usable];
        let kind = *page.get(off)?;
        let cells = u16::from_be_bytes([*page.get(off + 3)?, *page.get(off + 4)?]) as usize;
        match kind {
            // Reversed so the leftmost child is popped first: pages are read in ascending
            // order, which is how SQLite usually lays a table out (kernel read-ahead helps).
            0x05 => stack.extend(children(page, off, lo, hi)?.into_iter().rev()),
            0x0d => {
                let mut clean = true;
                'cells: for i in 0..cells {
                    let cell = cell_offset(page, off + 8, i)?;
                    let mut next = overflow_head(page, cell, a.usable)?;
                    while next != 0 {
                        budget = budget.checked_sub(1)?;
                        if !(a.read(next, &mut over_a)
                            && b.read(next, &mut over_b)
                            && over_a == over_b)
                        {
                            clean = false;
                            break 'cells;
                        }
                        next = be_u32(&over_a, 0)?;
                    }
                }
                if clean {
                    plan.clean_rows += cells as u64;
                } else {
                    plan.dirty.push(range(lo, hi));
                }
            }
            _ => return None,
        }
    }
    plan.dirty.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(plan.dirty.len());
    for (from, to) in plan.dirty.drain(..) {
        match merged.last_mut() {
            Some(last) if last.1.checked_add(1).is_none_or(|n| n >= from) => {
                last.1 = last.1.max(to);
            }
            _ => merged.push((from, to)),
        }
    }
    plan.dirty = merged;
    Some(plan)
}

/// A subtree to visit: its page, exclusive lower and inclusive upper rowid bound (None = open).
type Subtree = (u32, Option<i64>, Option<i64>);

/// The children of an interior table page with their (exclusive, inclusive) rowid bounds;
/// `None` when the page is not an interior table page.
fn children(page: &[u8], off: usize, lo: Option<i64>, hi: Option<i64>) -> Option<Vec<Subtree>> {
    if *page.get(off)? != 0x05 {
        return None;
    }
    let cells = u16::from_be_bytes([*page.get(off + 3)?, *page.get(off + 4)?]) as usize;
    let mut out = Vec::with_capacity(cells + 1);
    let mut prev = lo;
    for i in 0..cells {
        let cell = cell_offset(page, off + 12, i)?;
        let child = be_u32(page, cell)?;
        let (key, _) = varint(page.get(cell + 4..)?)?;
        let key = key as i64;
        out.push((child, prev, Some(key)));
        prev = Some(key);
    }
    out.push((be_u32(page, off + 8)?, prev, hi));
    Some(out)
}

/// The inclusive rowid range of a subtree from its (exclusive, inclusive) bounds.
fn range(lo: Option<i64>, hi: Option<i64>) -> (i64, i64) {
    let from = lo.map_or(i64::MIN, |l| l.saturating_add(1));
    (from, hi.unwrap_or(i64::MAX))
}

/// Count the rows of the table rooted at `root` (a rowid table's b-tree or a WITHOUT ROWID
/// table's index b-tree) by reading its pages only.
pub(crate) fn count_rows(a: &PageFile, root: u32) -> Option<u64> {
    walk(a, None, root)
}

/// The row count when the tree rooted at `root` is byte-identical in `a` and `b` (every page,
/// overflow pages included), else `None`. Used for WITHOUT ROWID tables, whose keys are not
/// rowids, so no finer plan than "identical or not" is made.
pub(crate) fn identical_rows(a: &PageFile, root_a: u32, b: &PageFile, root_b: u32) -> Option<u64> {
    if root_a != root_b || a.page_size != b.page_size || a.usable != b.usable {
        return None;
    }
    walk(a, Some(b), root_a)
}

/// Walk one b-tree (table or index) and, when `b` is given, require every page to be the same
/// bytes there; the number of rows (table leaf cells, or index entries on every page), or
/// `None` when a page differs or the tree is not what a b-tree should be.
fn walk(a: &PageFile, b: Option<&PageFile>, root: u32) -> Option<u64> {
    let mut buf_a = vec![0u8; a.page_size];
    let mut buf_b = vec![0u8; a.page_size];
    let mut over_a = vec![0u8; a.page_size];
    let mut stack = vec![root];
    let mut rows = 0u64;
    // A corrupt file may point back into the tree; no tree has more pages than the file.
    let mut budget = a.page_count as u64;
    let mut load = |pgno: u32, buf_a: &mut [u8], buf_b: &mut [u8]| -> Option<()> {
        budget = budget.checked_sub(1)?;
        if !a.read(pgno, buf_a) {
            return None;
        }
        match b {
            Some(b) if !b.read(pgno, buf_b) || buf_a != buf_b => None,
            _ => Some(()),
        }
    };
    while let Some(pgno) = stack.pop() {
        load(pgno, &mut buf_a, &mut buf_b)?;
        let page = &buf_a[..a.usable];
        let off = if pgno == 1 { 100 } else { 0 };
        let kind = *page.get(off)?;
        let cells = u16::from_be_bytes([*page.get(off + 3)?, *page.get(off + 4)?]) as usize;
        let interior = matches!(kind, 0x05 | 0x02);
        let array = off + if interior { 12 } else { 8 };
        if interior {
            // Left-child pointers in the cells, plus the right-most child.
            stack.push(be_u32(page, off + 8)?);
            for i in (0..cells).rev() {
                stack.push(be_u32(page, cell_offset(page, array, i)?)?);
            }
        }
        match kind {
            // Interior table page: keys only, no rows.
            0x05 => {}
            // Leaf table page: one row per cell. Overflow pages only matter when comparing.
            0x0d => {
                rows += cells as u64;
                if b.is_some() {
                    for i in 0..cells {
                        let first = overflow_head(page, cell_offset(page, array, i)?, a.usable)?;
                        follow(first, &mut load, &mut over_a, &mut buf_b)?;
                    }
                }
            }
            // Index pages: every cell, interior or leaf, is one entry (one row).
            0x02 | 0x0a => {
                rows += cells as u64;
                if b.is_some() {
                    for i in 0..cells {
                        let cell = cell_offset(page, array, i)? + if interior { 4 } else { 0 };
                        let first = index_overflow_head(page, cell, a.usable)?;
                        follow(first, &mut load, &mut over_a, &mut buf_b)?;
                    }
                }
            }
            _ => return None,
        }
    }
    Some(rows)
}

/// Follow an overflow chain from `first`, loading (and so comparing) every page of it.
fn follow(
    mut next: u32,
    load: &mut impl FnMut(u32, &mut [u8], &mut [u8]) -> Option<()>,
    buf_a: &mut [u8],
    buf_b: &mut [u8],
) -> Option<()> {
    while next != 0 {
        load(next, buf_a, buf_b)?;
        next = be_u32(buf_a, 0)?;
    }
    Some(())
}

/// The first overflow page of an index cell whose payload size starts at `cell`.
fn index_overflow_head(page: &[u8], cell: usize, usable: usize) -> Option<u32> {
    let (payload, n1) = varint(page.get(cell..)?)?;
    let payload = usize::try_from(payload).ok()?;
    let x = ((usable - 12) * 64 / 255) - 23;
    if payload <= x {
        return Some(0);
    }
    let m = ((usable - 12) * 32 / 255) - 23;
    let k = m + ((payload - m) % (usable - 4));
    let local = if k <= x { k } else { m };
    be_u32(page, cell + n1 + local)
}

/// The first overflow page of a table leaf cell, 0 when the row fits on the page.
fn overflow_head(page: &[u8], cell: usize, usable: usize) -> Option<u32> {
    let (payload, n1) = varint(page.get(cell..)?)?;
    let (_rowid, n2) = varint(page.get(cell + n1..)?)?;
    let payload = usize::try_from(payload).ok()?;
    // The local-payload formula of the SQLite file format (section 1.6).
    let x = usable - 35;
    if payload <= x {
        return Some(0);
    }
    let m = ((usable - 12) * 32 / 255) - 23;
    let k = m + ((payload - m) % (usable - 4));
    let local = if k <= x { k } else { m };
    be_u32(page, cell + n1 + n2 + local)
}

fn cell_offset(page: &[u8], array: usize, i: usize) -> Option<usize> {
    let at = array + 2 * i;
    let off = u16::from_be_bytes([*page.get(at)?, *page.get(at + 1)?]) as usize;
    (off < page.len()).then_some(off)
}

fn be_u32(buf: &[u8], at: usize) -> Option<u32> {
    let b = buf.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// A SQLite varint: 1-9 bytes, big-endian 7-bit groups, the ninth byte whole.
fn varint(buf: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *buf.get(i)?;
        if i == 8 {
            return Some(((v << 8) | byte as u64, 9));
        }
        v = (v << 7) | (byte & 0x7f) as u64;
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        let n = file.seek_read(&mut buf[done..], offset + done as u64)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        done += n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_decode_like_sqlite() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81]), None);
    }

    #[test]
    fn counts_rows_of_a_table_with_overflow_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA page_size=1024; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<500)
             INSERT INTO t SELECT i, zeroblob(i*7) FROM n;",
        )
        .unwrap();
        let root: u32 = conn
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name='t'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        drop(conn);
        let pf = PageFile::open(&path).unwrap();
        assert_eq!(count_rows(&pf, root), Some(500));
        let copy = dir.path().join("c.db");
        std::fs::copy(&path, &copy).unwrap();
        let pc = PageFile::open(&copy).unwrap();
        assert_eq!(
            plan_table(&pf, root, &pc, root),
            Some(TablePlan {
                clean_rows: 500,
                dirty: vec![]
            })
        );
        let conn = rusqlite::Connection::open(&copy).unwrap();
        // Change the last byte of the biggest row: only an overflow page differs.
        conn.execute(
            "UPDATE t SET v = zeroblob(3499) || x'01' WHERE id = 500",
            [],
        )
        .unwrap();
        drop(conn);
        let pc = PageFile::open(&copy).unwrap();
        // Only the leaf holding row 500 (the last, rightmost) needs a row walk.
        let plan = plan_table(&pf, root, &pc, root).unwrap();
        assert_eq!(plan.dirty.len(), 1);
        let (from, to) = plan.dirty[0];
        assert!(from > 1 && from <= 500 && to == i64::MAX, "{plan:?}");
        assert!(plan.clean_rows > 0 && plan.clean_rows < 500);
    }
}
