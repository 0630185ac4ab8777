//! Human units shared by every layer (reports, plans, diffs, findings): one formatter each.

/// Bytes in binary units: `512 B`, `1.5 KiB`, `12.3 MiB`, `2.0 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// An age in hours, one format everywhere (reports, findings, the console): `now`, `45m`,
/// `30h`, `2d 7h`, `40d`, `8.2y`; a negative age is `in 2h` (an expiry, a clock ahead).
pub fn age_hours(hours: f64) -> String {
    if !hours.is_finite() {
        return "?".into();
    }
    if hours < 0.0 {
        return format!("in {}", age_hours(-hours));
    }
    let minutes = (hours * 60.0).round() as i64;
    match minutes {
        0 => "now".into(),
        m if m < 60 => format!("{m}m"),
        m if m < 48 * 60 => format!("{}h", m / 60),
        m if m < 7 * 24 * 60 => {
            let h = m / 60;
            if h % 24 == 0 {
                format!("{}d", h / 24)
            } else {
                format!("{}d {}h", h / 24, h % 24)
            }
        }
        m if m < 2 * 365 * 24 * 60 => format!("{}d", m / 60 / 24),
        m => format!("{:.1}y", m as f64 / 60.0 / 24.0 / 365.0),
    }
}

/// A count with its noun, singular or plural: `1 file`, `2 files`, `0 keys`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(super::count(1, "file"), "1 file");
        assert_eq!(super::count(0, "key"), "0 keys");
        assert_eq!(super::count(2, "step"), "2 steps");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(super::bytes(512), "512 B");
        assert_eq!(super::bytes(1536), "1.5 KiB");
        assert_eq!(super::bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn ages_read_like_an_operator_says_them() {
        assert_eq!(super::age_hours(0.0), "now");
        assert_eq!(super::age_hours(0.75), "45m");
        assert_eq!(super::age_hours(30.2), "30h");
        assert_eq!(super::age_hours(55.0), "2d 7h");
        assert_eq!(super::age_hours(24.0 * 40.0), "40d");
        assert_eq!(super::age_hours(24.0 * 3009.0), "8.2y");
        assert_eq!(super::age_hours(-2.0), "in 2h");
    }
}
