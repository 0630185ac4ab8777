//! Recording: frames as they were drawn, written as an asciicast v2 file (the format asciinema,
//! its web player and `agg` read). Every event is one line written whole and flushed, so a
//! recording cut short by Ctrl-C, SIGTERM or a crash is still a valid cast up to that point.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

/// Why a recording cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The cast file cannot be created (missing folder, no permission).
    #[error(
        "cannot create the recording {path}: {source}; give --record a file in an existing folder you can write to"
    )]
    Create {
        /// The path asked for.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// Writing an event failed (disk full, file removed).
    #[error("cannot write the recording {path}: {source}")]
    Write {
        /// The cast file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

/// An asciicast v2 file being written.
#[derive(Debug)]
pub struct Cast {
    path: PathBuf,
    file: File,
    /// Time of the last event, in milliseconds.
    last_ms: u64,
}

impl Cast {
    /// Create `path` and write the header: size, title and the terminal type the frames
    /// were drawn for. No timestamp, so two takes of the same script are the same bytes.
    pub fn create(path: &Path, cols: u16, rows: u16, title: &str) -> Result<Cast, RecordError> {
        let file = File::create(path).map_err(|source| RecordError::Create {
            path: path.to_path_buf(),
            source,
        })?;
        let mut cast = Cast {
            path: path.to_path_buf(),
            file,
            last_ms: 0,
        };
        let header = format!(
            "{{\"version\": 2, \"width\": {cols}, \"height\": {rows}, \"title\": {}, \"env\": {{\"TERM\": \"xterm-256color\"}}}}\n",
            json_string(title)
        );
        cast.line(&header)?;
        Ok(cast)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Terminal output at `ms` milliseconds.
    pub fn output(&mut self, ms: u64, data: &[u8]) -> Result<(), RecordError> {
        let text = String::from_utf8_lossy(data);
        self.event(ms, "o", &text)
    }

    /// The terminal became `cols` × `rows` at `ms`.
    pub fn resize(&mut self, ms: u64, cols: u16, rows: u16) -> Result<(), RecordError> {
        self.event(ms, "r", &format!("{cols}x{rows}"))
    }

    /// Hold the last frame until `ms` (players stop at the last event).
    pub fn hold_until(&mut self, ms: u64) -> Result<(), RecordError> {
        if ms > self.last_ms {
            self.event(ms, "o", "")?;
        }
        Ok(())
    }

    fn event(&mut self, ms: u64, kind: &str, data: &str) -> Result<(), RecordError> {
        // Events never go back in time, whatever the clock did.
        let ms = ms.max(self.last_ms);
        self.last_ms = ms;
        let line = format!(
            "[{}.{:06}, \"{kind}\", {}]\n",
            ms / 1000,
            (ms % 1000) * 1000,
            json_string(data)
        );
        self.line(&line)
    }

    fn line(&mut self, line: &str) -> Result<(), RecordError> {
        // One write of the whole line, then flush: an interruption leaves whole lines only.
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|source| RecordError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Bytes a backend wrote since the last `take`: what one frame sent to the terminal.
#[derive(Debug, Clone, Default)]
pub struct Capture(Rc<RefCell<Vec<u8>>>);

impl Capture {
    /// Everything written since the last call.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that also copies everything into a `Capture` (a live terminal being recorded).
#[derive(Debug)]
pub struct Tee<W: Write> {
    inner: W,
    copy: Option<Capture>,
}

impl<W: Write> Tee<W> {
    /// Write to `inner`, and to `copy` when there is one.
    pub fn new(inner: W, copy: Option<Capture>) -> Tee<W> {
        Tee { inner, copy }
    }
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(c) = &mut self.copy {
            c.write_all(&buf[..n])?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Where the time of a frame comes from: the script (headless: `wait` moves it, the machine's
/// speed does not) or the wall clock (a person at a real terminal).
#[derive(Debug, Clone, Copy)]
pub enum Timeline {
    /// Milliseconds of script time so far.
    Script(u64),
    /// Real time since this instant.
    Wall(Instant),
}

impl Timeline {
    /// Milliseconds since the start.
    pub fn now_ms(&self) -> u64 {
        match self {
            Timeline::Script(ms) => *ms,
            Timeline::Wall(start) => start.elapsed().as_millis() as u64,
        }
    }

    /// Let `ms` of script time pass (the wall clock passes by itself).
    pub fn advance(&mut self, ms: u64) {
        if let Timeline::Script(t) = self {
            *t += ms;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(path: &Path) -> Vec<serde_json::Value> {
        std::fs::read_to_string(path)
            .expect("cast")
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect()
    }

    #[test]
    fn a_cast_is_a_header_then_timed_events() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("x.cast");
        let mut c = Cast::create(&p, 100, 30, "demo \"tour\"").expect("create");
        c.output(0, b"\x1b[1;1Hhello").expect("o");
        c.output(1500, "é│".as_bytes()).expect("o");
        c.resize(1500, 80, 24).expect("r");
        // Time never runs backwards in the file.
        c.output(1000, b"late").expect("o");
        c.hold_until(4000).expect("hold");
        c.hold_until(10).expect("no-op");
        let l = lines(&p);
        assert_eq!(l[0]["version"], 2);
        assert_eq!(l[0]["width"], 100);
        assert_eq!(l[0]["height"], 30);
        assert_eq!(l[0]["title"], "demo \"tour\"");
        assert_eq!(l[1], serde_json::json!([0.0, "o", "\u{1b}[1;1Hhello"]));
        assert_eq!(l[2], serde_json::json!([1.5, "o", "é│"]));
        assert_eq!(l[3], serde_json::json!([1.5, "r", "80x24"]));
        assert_eq!(l[4][0], 1.5);
        assert_eq!(l[5], serde_json::json!([4.0, "o", ""]));
        assert_eq!(l.len(), 6);
        let raw = std::fs::read_to_string(&p).expect("cast");
        assert!(raw.contains("[1.500000, \"o\""), "{raw}");
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("missing/x.cast");
        let e = Cast::create(&p, 80, 24, "t").unwrap_err().to_string();
        assert!(e.contains("missing/x.cast"), "{e}");
        assert!(e.contains("existing folder"), "{e}");
    }

    #[test]
    fn tee_copies_what_the_terminal_gets() {
        let cap = Capture::default();
        let mut t = Tee::new(Vec::new(), Some(cap.clone()));
        t.write_all(b"frame").expect("write");
        assert_eq!(cap.take(), b"frame");
        assert!(cap.take().is_empty());
        assert_eq!(t.inner, b"frame");
    }
}
