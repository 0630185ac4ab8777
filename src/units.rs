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

/// An age in hours as `6 h` or `3 d 4 h`.
pub fn age_hours(hours: f64) -> String {
    if hours < 0.0 {
        return "in the future".into();
    }
    let h = hours.round() as i64;
    if h < 48 {
        format!("{h} h")
    } else {
        format!("{} d {} h", h / 24, h % 24)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(super::bytes(512), "512 B");
        assert_eq!(super::bytes(1536), "1.5 KiB");
        assert_eq!(super::bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn ages_switch_to_days_after_two_days() {
        assert_eq!(super::age_hours(30.2), "30 h");
        assert_eq!(super::age_hours(54.0), "2 d 6 h");
        assert_eq!(super::age_hours(-1.0), "in the future");
    }
}
