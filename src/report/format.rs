//! Small formatting helpers shared by the text report and the console.

pub use crate::units::bytes;

/// Age in hours as `6 h` or `3 d 4 h`.
pub fn age(hours: f64) -> String {
    crate::units::age_hours(hours)
}
