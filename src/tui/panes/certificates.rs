//! The Certificates pane: one row per certificate (live and in backup sets) with expiry against
//! the scan time, key pairing and chain; details show subject, issuer, SANs and fingerprint.

use super::{Cell, Column, View};
use crate::inventory::certificates::expires_within;
use crate::inventory::{Certificate, ChainStatus, Source};
use crate::tui::theme::{Role, Theme};
use crate::tui::widgets::{self, Status, field, heading};
use ratatui::text::{Line, Span};

/// Columns of the list.
pub const COLUMNS: &[Column] = &[
    Column::new("Certificate", 20, u8::MAX).flex(),
    Column::new("Store", 12, 4),
    Column::new("Source", 12, 6),
    Column::new("Expires", 9, 9).right(),
    Column::new("Key", 8, 7),
    Column::new("Chain", 11, 3),
];

fn expiry(v: View, c: &Certificate) -> (Status, String) {
    let now = v.inv.scanned_at;
    match (c.not_before, c.not_after) {
        (Some(nb), _) if nb > now => (Status::Warning, "not yet".into()),
        (_, Some(na)) if na <= now => (
            Status::Error,
            format!(
                "{} ago",
                widgets::age((now - na).num_minutes() as f64 / 60.0)
            ),
        ),
        (_, Some(na)) => {
            let st = if expires_within(na, now, v.inv.expiry_window.0) {
                Status::Warning
            } else {
                Status::Ok
            };
            (
                st,
                format!(
                    "in {}",
                    widgets::age((na - now).num_minutes() as f64 / 60.0)
                ),
            )
        }
        _ => (Status::Pending, "-".into()),
    }
}

fn source(c: &Certificate) -> String {
    match &c.source {
        Source::Live => "live".into(),
        Source::Set(id) => id.clone(),
    }
}

fn chain(c: ChainStatus) -> (&'static str, Status) {
    match c {
        ChainStatus::Unknown => ("-", Status::Pending),
        ChainStatus::SelfSigned => ("self-signed", Status::Ok),
        ChainStatus::Verified => ("verified", Status::Ok),
        ChainStatus::Broken => ("broken", Status::Warning),
    }
}

/// The Key column: `paired`, `mismatch` when a key is there but belongs to another
/// certificate (what `CERT_KEY_MISMATCH` says), else `-`.
fn key_cell(v: View, c: &Certificate) -> Cell {
    if c.key_file.is_some() {
        return Cell::plain("paired");
    }
    if key_mismatch(v, c) {
        return Cell::styled("mismatch", Role::SeverityError);
    }
    Cell::plain("-")
}

/// Whether a `CERT_KEY_MISMATCH` finding names this certificate's file (or its folder).
fn key_mismatch(v: View, c: &Certificate) -> bool {
    v.inv.findings.iter().any(|f| {
        f.code == crate::findings::Code::CertKeyMismatch
            && f.component == c.component
            && f.path.as_ref().is_some_and(|p| c.file.starts_with(p))
    })
}

/// Name shown for a certificate: its common name, else its subject.
fn name(c: &Certificate) -> String {
    c.common_name.clone().unwrap_or_else(|| c.subject.clone())
}

/// Status and cells of certificate `i`.
pub fn row(v: View, i: usize) -> (Status, Vec<Cell>) {
    let Some(c) = v.inv.certificates.get(i) else {
        return (Status::Pending, Vec::new());
    };
    let (exp_status, exp) = expiry(v, c);
    let (chain_text, chain_status) = chain(c.chain);
    // An unevaluated chain says nothing bad; expiry alone decides then.
    let chain_weight = if chain_status == Status::Pending {
        Status::Ok
    } else {
        chain_status
    };
    let status = exp_status.max(chain_weight);
    let cells = vec![
        Cell::plain(name(c)),
        Cell::plain(&c.store),
        Cell::plain(source(c)),
        Cell::styled(exp, exp_status.role()),
        key_cell(v, c),
        Cell::styled(chain_text, chain_status.role()),
    ];
    (status, cells)
}

/// Everything known about certificate `i` (public data only, never key material).
pub fn details(v: View, i: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(c) = v.inv.certificates.get(i) else {
        return Vec::new();
    };
    let (exp_status, exp) = expiry(v, c);
    let (chain_text, _) = chain(c.chain);
    let fmt = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "-".into())
    };
    let mut lines = vec![
        heading(theme, &format!("Certificate {}", name(c))),
        field(theme, "Subject", c.subject.clone()),
        field(theme, "Issuer", c.issuer.clone()),
        field(
            theme,
            "SANs",
            if c.sans.is_empty() {
                "-".into()
            } else {
                c.sans.join(", ")
            },
        ),
        field(theme, "Serial", c.serial.clone()),
        field(theme, "Not before", fmt(c.not_before)),
        Line::from(vec![
            Span::styled(format!("{:<14} ", "Not after"), theme.style(Role::Muted)),
            Span::styled(fmt(c.not_after), theme.style(Role::Text)),
            Span::styled(
                format!("  ({} {exp})", exp_status.glyph()),
                theme.style(exp_status.role()),
            ),
        ]),
        field(theme, "SHA-256", c.fingerprint_sha256.clone()),
        field(
            theme,
            "Key",
            format!(
                "{}{}{}",
                c.key_type,
                c.key_bits.map(|b| format!(" {b} bits")).unwrap_or_default(),
                if c.is_ca { ", CA" } else { "" }
            ),
        ),
        field(
            theme,
            "Private key",
            c.key_file
                .as_ref()
                .map(|k| format!("paired: {}", v.path(k)))
                .unwrap_or_else(|| "none found".into()),
        ),
        field(theme, "Chain", chain_text.to_string()),
        field(theme, "Store", format!("{} ({})", c.store, c.component)),
        field(theme, "Source", source(c)),
        field(
            theme,
            "File",
            format!(
                "{}{}",
                v.path(&c.file),
                if c.index > 0 {
                    format!(" #{}", c.index)
                } else {
                    String::new()
                }
            ),
        ),
    ];
    if let Some(mode) = c.mode {
        lines.push(field(theme, "Mode", format!("{mode:04o}")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{ExpiryWindow, Inventory};
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn the_expiry_colour_follows_the_configured_window() {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
            .single()
            .unwrap();
        let cert = Certificate {
            not_before: Some(now - Duration::days(300)),
            not_after: Some(now + Duration::days(40)),
            ..Certificate::default()
        };
        let marked = Default::default();
        let status = |window: u32| {
            let inv = Inventory {
                scanned_at: now,
                expiry_window: ExpiryWindow(window),
                ..Inventory::default()
            };
            expiry(View::plain(&inv, &marked), &cert).0
        };
        // 40 days left: fine with the default 30-day window, a warning with a 45-day one.
        assert_eq!(status(ExpiryWindow::default().0), Status::Ok);
        assert_eq!(status(45), Status::Warning);
    }
}
