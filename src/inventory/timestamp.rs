//! Timestamps in backup names: `2026-11-20 02-00-00`, `2026-11-20_020000`, `20261120-020000`,
//! `2026-11-20T02:00:00` and close relatives. Names carry no zone; they are read as UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A timestamp found inside a name: the instant and the exact text that held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTimestamp {
    /// The instant (zone-less names are taken as UTC).
    pub at: DateTime<Utc>,
    /// Byte range of the timestamp inside the name.
    pub start: usize,
    /// End of the byte range (exclusive).
    pub end: usize,
}

impl NameTimestamp {
    /// The timestamp's text as written in `name`.
    pub fn text<'a>(&self, name: &'a str) -> &'a str {
        &name[self.start..self.end]
    }
}

/// Find the first date-and-time in `name`. A date alone (`2026-11-20`) counts as midnight.
pub fn find(name: &str) -> Option<NameTimestamp> {
    let b = name.as_bytes();
    (0..b.len()).find_map(|i| {
        // A timestamp starts at a digit not preceded by a digit (so "x12026-..." is not a year).
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            return None;
        }
        parse_at(b, i)
    })
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn parse_at(b: &[u8], start: usize) -> Option<NameTimestamp> {
    let mut i = start;
    let year = digits(b, i, 4)?;
    i += 4;
    let dash = b.get(i) == Some(&b'-');
    if dash {
        i += 1;
    }
    let month = digits(b, i, 2)?;
    i += 2;
    if dash {
        if b.get(i) != Some(&b'-') {
            return None;
        }
        i += 1;
    }
    let day = digits(b, i, 2)?;
    i += 2;
    if !(1990..=2200).contains(&year) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let date_end = i;
    // Digits right after the date mean it was a longer number, not a date.
    if b.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let time = (|| {
        let sep = *b.get(i)?;
        if !matches!(sep, b' ' | b'_' | b'T' | b'-' | b'.') {
            return None;
        }
        let mut j = i + 1;
        let h = digits(b, j, 2)?;
        j += 2;
        let tsep = b
            .get(j)
            .copied()
            .filter(|c| matches!(c, b'-' | b':' | b'.'));
        if tsep.is_some() {
            j += 1;
        }
        let m = digits(b, j, 2)?;
        j += 2;
        let mut s = 0;
        let seconds_follow = match tsep {
            Some(c) => b.get(j) == Some(&c),
            None => b.get(j).is_some_and(u8::is_ascii_digit),
        };
        if seconds_follow {
            if tsep.is_some() {
                j += 1;
            }
            s = digits(b, j, 2)?;
            j += 2;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let t = date.and_hms_opt(h, m, s)?;
        Some((t, j))
    })();
    let (dt, end): (NaiveDateTime, usize) = match time {
        Some(v) => v,
        None => (date.and_hms_opt(0, 0, 0)?, date_end),
    };
    Some(NameTimestamp {
        at: dt.and_utc(),
        start,
        end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(name: &str) -> String {
        find(name)
            .map(|t| t.at.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(at("2026-11-20 02-00-00"), "2026-11-20 02:00:00");
        assert_eq!(at("2026-11-20_020000"), "2026-11-20 02:00:00");
        assert_eq!(at("20261120-020000"), "2026-11-20 02:00:00");
        assert_eq!(at("2026-11-20T02:00:00"), "2026-11-20 02:00:00");
    }

    #[test]
    fn finds_the_timestamp_inside_a_file_name() {
        let name = "ServerDatabase_2026-11-20_020000.dbbackup";
        let t = find(name).unwrap();
        assert_eq!(t.text(name), "2026-11-20_020000");
        assert_eq!(at("Backup 2026-11-19 23.15"), "2026-11-19 23:15:00");
    }

    #[test]
    fn a_date_alone_is_midnight() {
        assert_eq!(at("nightly-2026-11-18"), "2026-11-18 00:00:00");
    }

    #[test]
    fn rejects_impossible_dates_and_plain_numbers() {
        assert_eq!(at("2026-13-40 02-00-00"), "none");
        assert_eq!(at("ServerDatabase"), "none");
        assert_eq!(at("backup-123456789012"), "none");
        assert_eq!(at("20261131-020000"), "none");
    }

    #[test]
    fn rejects_impossible_times_by_falling_back_to_the_date() {
        assert_eq!(at("2026-11-20 25-00-00"), "2026-11-20 00:00:00");
    }
}
