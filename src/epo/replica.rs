//! `replica.log`: one per repository folder, an INI file (CRLF) listing the folder's direct
//! entries: `[General] NumItems=N`, then `[ITEM_1]`… (any case) with `Name`, `Type`
//! (File/Directory), `Size`, `Hash` (SHA-1) and `Hash256` (SHA-256), upper-case hex.
//! Parsed tolerantly: every oddity becomes a [`Problem`] naming its line; items whose name
//! could lead out of the folder are kept apart as unsafe and never used as paths.

use super::Problem;
use std::collections::HashSet;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ItemKind {
    /// A regular file with size and hashes.
    File,
    /// A sub-folder (size 0, no hashes; it has its own replica.log).
    Directory,
}

/// One listed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Line of the section header.
    pub line: usize,
    /// The entry's name within the folder (checked: one plain path component).
    pub name: String,
    /// File or folder.
    pub kind: ItemKind,
    /// Size in bytes (0 for folders).
    pub size: u64,
    /// SHA-1, upper-case hex, when given.
    pub sha1: Option<String>,
    /// SHA-256, upper-case hex, when given.
    pub sha256: Option<String>,
}

/// A listed name that is not one plain component (`..`, absolute, with a separator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeName {
    /// Line of the `Name=` key.
    pub line: usize,
    /// The name as written.
    pub name: String,
}

/// A parsed replica.log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicaLog {
    /// `NumItems` of `[General]`, when present and a number.
    pub num_items: Option<u64>,
    /// Usable items, in file order, names unique.
    pub items: Vec<Item>,
    /// Names refused as paths.
    pub unsafe_names: Vec<UnsafeName>,
    /// Everything else that is wrong, by line.
    pub problems: Vec<Problem>,
}

impl ReplicaLog {
    /// Whether the file was read without any problem or unsafe name.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.unsafe_names.is_empty()
    }

    /// The item with this name, compared as Windows does (case-insensitively).
    pub fn item(&self, name: &str) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
    }
}

/// Most problems kept per file (a garbage file would otherwise list every line).
const MAX_PROBLEMS: usize = 50;

#[derive(Default)]
struct Section {
    line: usize,
    name: Option<(usize, String)>,
    kind: Option<(usize, String)>,
    size: Option<(usize, String)>,
    hash: Option<(usize, String)>,
    hash256: Option<(usize, String)>,
}

enum Current {
    None,
    General,
    Item(Section),
    Other,
}

/// Parse replica.log bytes.
pub fn parse(data: &[u8]) -> ReplicaLog {
    let mut log = ReplicaLog::default();
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut seen: HashSet<String> = HashSet::new();
    let mut current = Current::None;
    let mut saw_general = false;
    let mut problems: Vec<Problem> = Vec::new();
    let mut lines = 0usize;
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        lines = line_no;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = match std::str::from_utf8(raw) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => {
                problems.push(Problem::new(line_no, "not valid UTF-8 text"));
                String::from_utf8_lossy(raw)
            }
        };
        let line = text.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if line.contains('\0') {
            problems.push(Problem::new(line_no, "holds NUL bytes (binary data?)"));
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            finish(&mut current, &mut log, &mut seen, &mut problems);
            let Some(header) = rest.strip_suffix(']') else {
                problems.push(Problem::new(line_no, "section header without ']'"));
                current = Current::Other;
                continue;
            };
            let header = header.trim();
            current = if header.eq_ignore_ascii_case("General") {
                if saw_general {
                    problems.push(Problem::new(line_no, "second [General] section"));
                }
                saw_general = true;
                Current::General
            } else if let Some(n) = item_number(header) {
                let _ = n;
                Current::Item(Section {
                    line: line_no,
                    ..Section::default()
                })
            } else {
                problems.push(Problem::new(
                    line_no,
                    format!("unknown section [{}]", shorten(header)),
                ));
                Current::Other
            };
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            problems.push(Problem::new(
                line_no,
                format!("'{}' is neither a section nor key=value", shorten(line)),
            ));
            continue;
        };
        let key = key.trim();
        let value = value.trim().to_string();
        match &mut current {
            Current::None => problems.push(Problem::new(
                line_no,
                format!("{} outside any section", shorten(key)),
            )),
            Current::General => {
                if key.eq_ignore_ascii_case("NumItems") {
                    match value.parse::<u64>() {
                        Ok(n) => log.num_items = Some(n),
                        Err(_) => problems.push(Problem::new(
                            line_no,
                            format!("NumItems '{}' is not a number", shorten(&value)),
                        )),
                    }
                }
            }
            Current::Item(s) => {
                let slot = if key.eq_ignore_ascii_case("Name") {
                    &mut s.name
                } else if key.eq_ignore_ascii_case("Type") {
                    &mut s.kind
                } else if key.eq_ignore_ascii_case("Size") {
                    &mut s.size
                } else if key.eq_ignore_ascii_case("Hash") {
                    &mut s.hash
                } else if key.eq_ignore_ascii_case("Hash256") {
                    &mut s.hash256
                } else {
                    // Other keys (dates, attributes) are not needed to verify content.
                    continue;
                };
                if slot.is_some() {
                    problems.push(Problem::new(
                        line_no,
                        format!("{key} given twice in one item"),
                    ));
                }
                *slot = Some((line_no, value));
            }
            Current::Other => {}
        }
    }
    finish(&mut current, &mut log, &mut seen, &mut problems);
    if !saw_general {
        problems.push(Problem::new(0, "no [General] section"));
    }
    let listed = (log.items.len() + log.unsafe_names.len()) as u64;
    match log.num_items {
        Some(n) if n > listed => problems.push(Problem::new(
            lines,
            format!("NumItems says {n} entries but only {listed} are listed (truncated?)"),
        )),
        Some(n) if n < listed => problems.push(Problem::new(
            0,
            format!("NumItems says {n} entries but {listed} are listed"),
        )),
        None if saw_general => problems.push(Problem::new(0, "[General] has no NumItems")),
        _ => {}
    }
    problems.truncate(MAX_PROBLEMS);
    log.problems = problems;
    log
}

fn item_number(header: &str) -> Option<u64> {
    let (prefix, n) = header.split_at_checked(5)?;
    if !prefix.eq_ignore_ascii_case("ITEM_") {
        return None;
    }
    n.parse().ok()
}

fn finish(
    current: &mut Current,
    log: &mut ReplicaLog,
    seen: &mut HashSet<String>,
    problems: &mut Vec<Problem>,
) {
    let Current::Item(s) = std::mem::replace(current, Current::None) else {
        return;
    };
    let Some((name_line, name)) = s.name else {
        problems.push(Problem::new(s.line, "item without a Name"));
        return;
    };
    if !is_plain_name(&name) {
        log.unsafe_names.push(UnsafeName {
            line: name_line,
            name,
        });
        return;
    }
    if !seen.insert(name.to_ascii_lowercase()) {
        problems.push(Problem::new(
            name_line,
            format!("'{}' is listed twice", shorten(&name)),
        ));
        return;
    }
    let kind = match s.kind.as_ref().map(|(l, v)| (*l, v.as_str())) {
        Some((_, v)) if v.eq_ignore_ascii_case("File") => ItemKind::File,
        Some((_, v)) if v.eq_ignore_ascii_case("Directory") => ItemKind::Directory,
        Some((l, v)) => {
            problems.push(Problem::new(
                l,
                format!("Type '{}' is neither File nor Directory", shorten(v)),
            ));
            return;
        }
        None => {
            problems.push(Problem::new(
                s.line,
                format!("'{}' has no Type", shorten(&name)),
            ));
            return;
        }
    };
    let size = match &s.size {
        Some((l, v)) => match v.parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                problems.push(Problem::new(
                    *l,
                    format!("Size '{}' is not a number", shorten(v)),
                ));
                return;
            }
        },
        None if kind == ItemKind::Directory => 0,
        None => {
            problems.push(Problem::new(
                s.line,
                format!("'{}' has no Size", shorten(&name)),
            ));
            return;
        }
    };
    let mut hash =
        |slot: &Option<(usize, String)>, len: usize, what: &str| -> Result<Option<String>, ()> {
            match slot {
                Some((_, v)) if v.is_empty() => Ok(None),
                Some((l, v)) if v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    Ok(Some(v.to_ascii_uppercase()))
                }
                Some((l2, v)) => {
                    problems.push(Problem::new(
                        *l2,
                        format!("{what} '{}' is not {len} hex digits", shorten(v)),
                    ));
                    Err(())
                }
                None => Ok(None),
            }
        };
    let Ok(sha1) = hash(&s.hash, 40, "Hash") else {
        return;
    };
    let Ok(sha256) = hash(&s.hash256, 64, "Hash256") else {
        return;
    };
    if kind == ItemKind::File && sha1.is_none() && sha256.is_none() {
        problems.push(Problem::new(
            s.line,
            format!("file '{}' has neither Hash nor Hash256", shorten(&name)),
        ));
        return;
    }
    log.items.push(Item {
        line: s.line,
        name,
        kind,
        size,
        sha1,
        sha256,
    });
}

/// One plain path component: not empty, `.` or `..`, without `/`, `\`, `:` or NUL.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', ':', '\0'])
}

/// At most 80 characters of a value for a message.
fn shorten(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(77).collect();
        t.push_str("...");
        t
    }
}

/// Write a replica.log for `items` as ePO does (CRLF, `[General]` first, `[ITEM_n]` from 1).
pub fn render(items: &[Item]) -> Vec<u8> {
    let mut out = String::new();
    out.push_str(&format!("[General]\r\nNumItems={}\r\n", items.len()));
    for (n, it) in items.iter().enumerate() {
        out.push_str(&format!(
            "[ITEM_{}]\r\nName={}\r\nType={}\r\nSize={}\r\nHash={}\r\nHash256={}\r\n",
            n + 1,
            it.name,
            match it.kind {
                ItemKind::File => "File",
                ItemKind::Directory => "Directory",
            },
            it.size,
            it.sha1.as_deref().unwrap_or(""),
            it.sha256.as_deref().unwrap_or(""),
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GOOD: &str = "[General]\r\nNumItems=2\r\n[ITEM_1]\r\nName=Current\r\nType=Directory\r\nSize=0\r\nHash=\r\nHash256=\r\n[Item_2]\r\nName=catalog.z\r\nType=File\r\nSize=12\r\nHash=da39a3ee5e6b4b0d3255bfef95601890afd80709\r\nHash256=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\r\n";

    #[test]
    fn reads_items_in_either_spelling_with_crlf() {
        let log = parse(GOOD.as_bytes());
        assert!(log.is_clean(), "{:?}", log.problems);
        assert_eq!(log.num_items, Some(2));
        assert_eq!(log.items.len(), 2);
        assert_eq!(log.items[0].kind, ItemKind::Directory);
        let cat = log.item("CATALOG.Z").unwrap();
        assert_eq!(cat.size, 12);
        assert_eq!(
            cat.sha1.as_deref(),
            Some("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709")
        );
        assert_eq!(cat.line, 9);
    }

    #[test]
    fn render_then_parse_gives_the_same_items() {
        let log = parse(GOOD.as_bytes());
        let again = parse(&render(&log.items));
        assert_eq!(again.items, {
            let mut items = log.items.clone();
            // render numbers sections from 1, in order; lines move.
            for (a, b) in items.iter_mut().zip(&again.items) {
                a.line = b.line;
            }
            items
        });
        assert!(again.is_clean());
    }

    #[test]
    fn escaping_names_are_kept_apart_with_their_line() {
        let text = "[General]\nNumItems=4\n[ITEM_1]\nName=..\nType=Directory\n[ITEM_2]\nName=/etc/passwd\nType=File\nSize=1\nHash=da39a3ee5e6b4b0d3255bfef95601890afd80709\n[ITEM_3]\nName=..\\..\\x\nType=File\nSize=1\nHash=da39a3ee5e6b4b0d3255bfef95601890afd80709\n[ITEM_4]\nName=C:x\nType=File\nSize=1\nHash=da39a3ee5e6b4b0d3255bfef95601890afd80709\n";
        let log = parse(text.as_bytes());
        assert!(log.items.is_empty());
        let lines: Vec<usize> = log.unsafe_names.iter().map(|u| u.line).collect();
        assert_eq!(lines, vec![4, 7, 12, 17]);
    }

    #[test]
    fn duplicates_and_truncation_are_problems_with_lines() {
        let text = "[General]\nNumItems=5\n[ITEM_1]\nName=a\nType=File\nSize=1\nHash=da39a3ee5e6b4b0d3255bfef95601890afd80709\n[ITEM_2]\nName=A\nType=File\nSize=1\nHash=da39a3ee5e6b4b0d3255bfef95601890afd80709\n[ITEM_3]\nName=b\nType=Fi";
        let log = parse(text.as_bytes());
        assert_eq!(log.items.len(), 1);
        assert!(
            log.problems
                .iter()
                .any(|p| p.line == 9 && p.message.contains("twice")),
            "{:?}",
            log.problems
        );
        assert!(
            log.problems.iter().any(|p| p.line == 15),
            "{:?}",
            log.problems
        );
        assert!(
            log.problems.iter().any(|p| p.message.contains("truncated")),
            "{:?}",
            log.problems
        );
    }

    #[test]
    fn garbage_is_problems_not_items() {
        let log = parse(b"\x00\x01PK\x03\x04garbage\n\xff\xfe");
        assert!(log.items.is_empty());
        assert!(!log.problems.is_empty());
    }

    proptest! {
        #[test]
        fn never_panics_and_never_yields_an_unsafe_item(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let log = parse(&data);
            for it in &log.items {
                prop_assert!(is_plain_name(&it.name));
            }
            prop_assert!(log.problems.len() <= MAX_PROBLEMS);
        }

        #[test]
        fn never_panics_on_ini_like_text(lines in proptest::collection::vec(
            prop_oneof![
                Just("[General]".to_string()),
                Just("[ITEM_1]".to_string()),
                "\\[[Ii][Tt][Ee][Mm]_[0-9]{1,3}\\]",
                "(Name|Type|Size|Hash|Hash256|NumItems)=[ -~]{0,70}",
                "[ -~]{0,20}",
            ], 0..60)) {
            let text = lines.join("\r\n");
            let log = parse(text.as_bytes());
            for it in &log.items {
                prop_assert!(is_plain_name(&it.name));
            }
        }
    }
}
