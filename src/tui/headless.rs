//! The in-memory terminal: a ratatui backend of a fixed size that keeps the screen's cells
//! (for tests) and the bytes a real terminal would have received (for recordings). It asks
//! nothing of the machine, so the same script draws the same bytes anywhere, in CI too.

use super::record::Capture;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};
use std::io::{self, Write};

/// A terminal of `cols` × `rows` cells that exists only in memory.
#[derive(Debug)]
pub struct HeadlessBackend {
    screen: TestBackend,
    ansi: CrosstermBackend<Capture>,
    capture: Capture,
    cursor_visible: bool,
}

impl HeadlessBackend {
    /// A blank terminal of this size.
    pub fn new(cols: u16, rows: u16) -> HeadlessBackend {
        let capture = Capture::default();
        HeadlessBackend {
            screen: TestBackend::new(cols, rows),
            ansi: CrosstermBackend::new(capture.clone()),
            capture,
            // A real terminal starts with a visible cursor: the first frame hides it.
            cursor_visible: true,
        }
    }

    /// The bytes drawn since the last `take` are read from this handle.
    pub fn capture(&self) -> Capture {
        self.capture.clone()
    }

    /// Change the size; the next draw redraws everything.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.screen.resize(cols, rows);
    }

    /// The cells on screen now.
    pub fn buffer(&self) -> &Buffer {
        self.screen.buffer()
    }

    /// The screen as text, one line per row (trailing spaces kept).
    pub fn text(&self) -> String {
        let b = self.screen.buffer();
        let mut out = String::new();
        for y in 0..b.area.height {
            for x in 0..b.area.width {
                out.push_str(b[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }
}

fn infallible<T>(r: Result<T, std::convert::Infallible>) -> T {
    match r {
        Ok(v) => v,
        Err(never) => match never {},
    }
}

impl Backend for HeadlessBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        if cells.is_empty() {
            // Nothing changed: not even the colour resets a backend sends after a draw.
            return Ok(());
        }
        infallible(self.screen.draw(cells.iter().copied()));
        self.ansi.draw(cells.into_iter())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        // Only changes are written: a frame that changes nothing sends nothing.
        if self.cursor_visible {
            self.cursor_visible = false;
            infallible(self.screen.hide_cursor());
            self.ansi.write_all(b"\x1b[?25l")?;
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if !self.cursor_visible {
            self.cursor_visible = true;
            infallible(self.screen.show_cursor());
            self.ansi.write_all(b"\x1b[?25h")?;
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(infallible(self.screen.get_cursor_position()))
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        infallible(self.screen.set_cursor_position(p));
        self.ansi.set_cursor_position(p)
    }

    fn clear(&mut self) -> io::Result<()> {
        infallible(self.screen.clear());
        self.ansi.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        infallible(self.screen.clear_region(clear_type));
        self.ansi.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        Ok(infallible(self.screen.size()))
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(infallible(self.screen.window_size()))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::widgets::Paragraph;

    #[test]
    fn draws_keep_the_cells_and_send_only_what_changed() {
        let backend = HeadlessBackend::new(20, 3);
        let cap = backend.capture();
        let mut term = Terminal::new(backend).expect("terminal");
        term.draw(|f| f.render_widget(Paragraph::new("hello"), f.area()))
            .expect("draw");
        let first = String::from_utf8(cap.take()).expect("utf-8");
        assert!(first.contains("hello"), "{first:?}");
        assert!(first.contains("\x1b[?25l"), "the cursor is hidden once");
        assert!(term.backend().text().starts_with("hello"));
        // The same frame again changes nothing and sends nothing.
        term.draw(|f| f.render_widget(Paragraph::new("hello"), f.area()))
            .expect("draw");
        assert!(cap.take().is_empty());
        term.draw(|f| f.render_widget(Paragraph::new("help"), f.area()))
            .expect("draw");
        let third = String::from_utf8(cap.take()).expect("utf-8");
        assert!(third.contains('p') && !third.contains("hel"), "{third:?}");
    }

    #[test]
    fn a_resize_clears_and_redraws_at_the_new_size() {
        let mut term = Terminal::new(HeadlessBackend::new(20, 3)).expect("terminal");
        let cap = term.backend().capture();
        term.draw(|f| f.render_widget(Paragraph::new("x"), f.area()))
            .expect("draw");
        cap.take();
        term.backend_mut().resize(30, 4);
        term.draw(|f| f.render_widget(Paragraph::new("x"), f.area()))
            .expect("draw");
        let out = String::from_utf8(cap.take()).expect("utf-8");
        assert!(out.contains("\x1b[2J"), "{out:?}");
        assert_eq!(term.backend().buffer().area.width, 30);
    }
}
