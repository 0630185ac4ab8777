//! Small formatting helpers shared by the text report and the console.

pub use crate::units::bytes;

/// Age in hours as `30h` or `2d 7h` (the one format of `units::age_hours`).
pub fn age(hours: f64) -> String {
    crate::units::age_hours(hours)
}
