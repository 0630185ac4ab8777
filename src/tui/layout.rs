//! Where things go on the screen, as pure functions of the terminal size and the view state,
//! so `update` (scrolling, paging, mouse hits) and `draw` agree without sharing mutable state.

use super::action::PaneId;
use ratatui::layout::{Constraint, Layout, Rect};

/// Below this width the console shows "terminal too small".
pub const MIN_WIDTH: u16 = 60;
/// Below this height the console shows "terminal too small".
pub const MIN_HEIGHT: u16 = 16;
/// From this width (and `GRID_HEIGHT`) the first four panes sit in a 2×2 grid.
pub const GRID_WIDTH: u16 = 120;
/// From this height (and `GRID_WIDTH`) the four panes sit in a 2×2 grid.
pub const GRID_HEIGHT: u16 = 32;
/// From this width the zoom details panel sits beside the list, else below it.
const SIDE_BY_SIDE_WIDTH: u16 = 100;

/// How the body is arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Too small to draw anything useful.
    TooSmall,
    /// One pane at a time with a tab bar.
    Tabs,
    /// Four panes in a 2×2 grid.
    Grid,
}

/// The arrangement for a terminal of this size.
pub fn mode(area: Rect) -> Mode {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        Mode::TooSmall
    } else if area.width >= GRID_WIDTH && area.height >= GRID_HEIGHT {
        Mode::Grid
    } else {
        Mode::Tabs
    }
}

/// The fixed regions of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    /// Two header lines.
    pub header: Rect,
    /// The tab bar (one line) when panes are shown one at a time.
    pub tabs: Option<Rect>,
    /// Panes and overlays.
    pub body: Rect,
    /// Two footer lines.
    pub footer: Rect,
}

/// Split the terminal into header, tab bar, body and footer.
pub fn screen(area: Rect, mode: Mode, zoom: bool) -> Screen {
    let with_tabs = mode == Mode::Tabs || zoom;
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(if with_tabs { 1 } else { 0 }),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .areas(area);
    Screen {
        header,
        tabs: with_tabs.then_some(tabs),
        body,
        footer,
    }
}

/// The visible panes and their rectangles, plus the zoom details panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Panes drawn, with where.
    pub panes: Vec<(PaneId, Rect)>,
    /// The details panel beside (or below) a zoomed pane.
    pub side: Option<Rect>,
}

/// Arrange the body: a grid, the focused pane alone, or the focused pane with details.
pub fn body(body: Rect, mode: Mode, focus: PaneId, zoom: bool) -> Body {
    if zoom {
        let (list, side) = if body.width >= SIDE_BY_SIDE_WIDTH {
            let [l, s] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(body);
            (l, s)
        } else {
            let [l, s] = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(body);
            (l, s)
        };
        return Body {
            panes: vec![(focus, list)],
            side: Some(side),
        };
    }
    match mode {
        // The runbook is not on the grid: focused, it has the body to itself.
        Mode::Grid if focus != PaneId::Runbook => {
            let [top, bottom] = Layout::vertical([Constraint::Ratio(1, 2); 2]).areas(body);
            let [a, b] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(top);
            let [c, d] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(bottom);
            Body {
                panes: vec![
                    (PaneId::Backups, a),
                    (PaneId::Databases, b),
                    (PaneId::Certificates, c),
                    (PaneId::Distribution, d),
                ],
                side: None,
            }
        }
        _ => Body {
            panes: vec![(focus, body)],
            side: None,
        },
    }
}

/// Rows of data a pane's list shows: inside the border, below the column headings.
pub fn list_rows(pane: Rect) -> usize {
    pane.height.saturating_sub(3) as usize
}

/// The rectangle the list of `pane` would occupy (its own in the grid, else the focused one's).
pub fn pane_rect(size: Rect, pane: PaneId, focus: PaneId, zoom: bool) -> Rect {
    let m = mode(size);
    let s = screen(size, m, zoom);
    let b = body(s.body, m, focus, zoom);
    b.panes
        .iter()
        .find(|(p, _)| *p == pane)
        .or(b.panes.first())
        .map(|(_, r)| *r)
        .unwrap_or_default()
}

/// Where overlays (details, help, findings) are drawn: most of the body.
pub fn overlay(body: Rect) -> Rect {
    if body.width >= GRID_WIDTH {
        let w = body.width * 4 / 5;
        let h = body.height.saturating_sub(2).max(body.height * 4 / 5);
        Rect::new(
            body.x + (body.width - w) / 2,
            body.y + (body.height - h) / 2,
            w,
            h,
        )
    } else {
        body
    }
}

/// Lines of content inside an overlay of this terminal size (border excluded).
pub fn overlay_rows(size: Rect, zoom: bool) -> usize {
    let s = screen(size, mode(size), zoom);
    overlay(s.body).height.saturating_sub(2) as usize
}

/// The pane next to `from` in a direction on the 2×2 grid (`dx`: -1 left, +1 right).
pub fn grid_neighbour(from: PaneId, dx: i8) -> PaneId {
    let col = from.index() % 2;
    let row = from.index() / 2;
    let new_col = if dx < 0 { 0 } else { 1 };
    if new_col == col {
        from
    } else {
        PaneId::from_index(row * 2 + new_col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(w: u16, h: u16) -> Rect {
        Rect::new(0, 0, w, h)
    }

    #[test]
    fn small_terminals_get_tabs_and_large_ones_the_grid() {
        assert_eq!(mode(r(80, 24)), Mode::Tabs);
        assert_eq!(mode(r(119, 40)), Mode::Tabs);
        assert_eq!(mode(r(120, 31)), Mode::Tabs);
        assert_eq!(mode(r(120, 32)), Mode::Grid);
        assert_eq!(mode(r(59, 24)), Mode::TooSmall);
        assert_eq!(mode(r(80, 15)), Mode::TooSmall);
    }

    #[test]
    fn regions_tile_the_screen_without_overlap() {
        for (w, h, zoom) in [
            (80, 24, false),
            (160, 48, false),
            (160, 48, true),
            (60, 16, true),
        ] {
            let area = r(w, h);
            let s = screen(area, mode(area), zoom);
            let tabs = s.tabs.map_or(0, |t| t.height);
            assert_eq!(s.header.height + tabs + s.body.height + s.footer.height, h);
            assert_eq!(s.footer.y + s.footer.height, h);
            assert!(s.body.y >= s.header.y + s.header.height + tabs);
        }
    }

    #[test]
    fn grid_has_four_disjoint_panes_covering_the_body() {
        let b = body(r(160, 44), Mode::Grid, PaneId::Backups, false);
        assert_eq!(b.panes.len(), 4);
        let area: u32 = b.panes.iter().map(|(_, r)| r.area()).sum();
        assert_eq!(area, 160 * 44);
        for (i, (_, a)) in b.panes.iter().enumerate() {
            for (_, c) in &b.panes[i + 1..] {
                assert!(!a.intersects(*c));
            }
        }
    }

    #[test]
    fn zoom_puts_details_beside_wide_lists_and_below_narrow_ones() {
        let wide = body(r(160, 40), Mode::Grid, PaneId::Databases, true);
        let side = wide.side.expect("side panel");
        assert_eq!(wide.panes.len(), 1);
        assert!(side.x > wide.panes[0].1.x);
        let narrow = body(r(80, 19), Mode::Tabs, PaneId::Databases, true);
        let below = narrow.side.expect("side panel");
        assert!(below.y > narrow.panes[0].1.y);
    }

    #[test]
    fn eighty_by_twenty_four_leaves_room_for_a_useful_list() {
        let rect = pane_rect(r(80, 24), PaneId::Certificates, PaneId::Certificates, false);
        assert_eq!(rect.width, 80);
        assert!(list_rows(rect) >= 14, "{}", list_rows(rect));
    }

    #[test]
    fn left_and_right_move_across_the_grid() {
        assert_eq!(grid_neighbour(PaneId::Backups, 1), PaneId::Databases);
        assert_eq!(grid_neighbour(PaneId::Databases, -1), PaneId::Backups);
        assert_eq!(
            grid_neighbour(PaneId::Certificates, 1),
            PaneId::Distribution
        );
        assert_eq!(
            grid_neighbour(PaneId::Distribution, 1),
            PaneId::Distribution
        );
    }
}
