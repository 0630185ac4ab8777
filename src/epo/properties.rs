//! Java-style `key=value` files such as ePO's `Server/conf/orion/db.properties` (the database
//! connection): comments (`#`, `!`), `=`/`:`/blank separators, backslash continuation and
//! escapes. Tolerant: a line that is not a pair is a problem with its line number.

use super::Problem;

/// One key and its value, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line.
    pub line: usize,
    /// The key, unescaped.
    pub key: String,
    /// The value, unescaped.
    pub value: String,
}

/// Parsed properties: entries in file order (a repeated key keeps its last value, as Java does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    /// The entries, keys unique.
    pub entries: Vec<Entry>,
    /// What was odd, by line.
    pub problems: Vec<Problem>,
}

impl Properties {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    }
}

/// Whether bytes look like a properties file rather than binary data: UTF-8 text whose first
/// meaningful line is a comment or holds a separator.
pub fn looks_like(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.starts_with('#') || l.starts_with('!') || l.contains('='))
        && !text.contains('\0')
}

/// Parse properties text.
pub fn parse(data: &[u8]) -> Properties {
    let mut props = Properties::default();
    let text = String::from_utf8_lossy(data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data));
    if std::str::from_utf8(data).is_err() {
        props.problems.push(Problem::new(0, "not valid UTF-8 text"));
    }
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let start = i + 1;
        let mut logical = raw.trim_end_matches('\r').trim_start().to_string();
        if logical.is_empty() || logical.starts_with('#') || logical.starts_with('!') {
            continue;
        }
        // A line ending in an odd number of backslashes continues on the next one.
        while ends_in_odd_backslashes(&logical) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_end_matches('\r').trim_start()),
                None => break,
            }
        }
        let (key, value) = split_pair(&logical);
        if key.is_empty() {
            props
                .problems
                .push(Problem::new(start, "a value without a key"));
            continue;
        }
        let key = unescape(key);
        let value = unescape(value);
        if let Some(old) = props.entries.iter_mut().find(|e| e.key == key) {
            props.problems.push(Problem::new(
                start,
                format!(
                    "{key} is set again (first on line {}); the last value counts",
                    old.line
                ),
            ));
            old.value = value;
            old.line = start;
        } else {
            props.entries.push(Entry {
                line: start,
                key,
                value,
            });
        }
    }
    props
}

fn ends_in_odd_backslashes(s: &str) -> bool {
    s.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Split at the first unescaped `=`, `:` or blank.
fn split_pair(line: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' => return (line[..i].trim_end(), line[i + 1..].trim_start()),
            ' ' | '\t' | '\x0c' => {
                let rest = line[i..].trim_start();
                let rest = rest
                    .strip_prefix('=')
                    .or_else(|| rest.strip_prefix(':'))
                    .unwrap_or(rest);
                return (&line[..i], rest.trim_start());
            }
            _ => {}
        }
    }
    (line, "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_db_properties_as_epo_writes_it() {
        let text = "#Tue Nov 17 04:30:00 UTC 2026\r\ndb.database.name=ePO_EPOSRV01\r\ndb.instance.name=\r\ndb.server.name=sql01.corp.example.com\r\ndb.port=1433\r\ndb.user.domain=CORP\r\ndb.param.ssl=request\r\nurl = jdbc\\:jtds\\:sqlserver\\://sql01\\:1433/ePO \\\r\n   ;ssl=request\r\n";
        let p = parse(text.as_bytes());
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.get("db.database.name"), Some("ePO_EPOSRV01"));
        assert_eq!(p.get("db.instance.name"), Some(""));
        assert_eq!(p.get("db.port"), Some("1433"));
        assert_eq!(
            p.get("url"),
            Some("jdbc:jtds:sqlserver://sql01:1433/ePO ;ssl=request")
        );
        assert!(looks_like(text.as_bytes()));
        assert!(!looks_like(b"\x00\x01bplist00"));
    }

    #[test]
    fn repeated_key_keeps_last_value_and_says_so() {
        let p = parse(b"a=1\nb=2\na=3\n");
        assert_eq!(p.get("a"), Some("3"));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].line, 3);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let p = parse(&data);
            prop_assert!(p.entries.len() <= data.len());
        }
    }
}
