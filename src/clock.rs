//! The clock: real time, or a fixed instant from `--now` so demos and tests repeat exactly.

use chrono::{DateTime, Utc};

/// Source of "now" for every age and expiry computation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed: Option<DateTime<Utc>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { fixed: None }
    }

    /// A clock stopped at `at`.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock { fixed: Some(at) }
    }

    /// Parse an RFC 3339 instant (`2026-11-22T08:00:00Z`) into a fixed clock.
    pub fn parse_fixed(s: &str) -> Result<Self, chrono::ParseError> {
        Ok(Self::fixed(
            DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc),
        ))
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed.unwrap_or_else(Utc::now)
    }

    /// The fixed instant, when the clock is fixed.
    pub fn fixed_at(&self) -> Option<DateTime<Utc>> {
        self.fixed
    }
}
