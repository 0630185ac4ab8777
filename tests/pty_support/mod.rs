//! Driving the `[y/N]` prompt of the real binary: its stdin is the slave side of a pseudo
//! terminal (so drconsole asks), its stdout and stderr are pipes the test reads, and the test
//! answers by writing to the master side once the question has been printed.

#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// A guard against a hung binary, not a timing assumption: the prompt comes after a scan,
/// which on a loaded machine may take long.
const PROMPT_WAIT: Duration = Duration::from_secs(600);

/// A running drconsole whose stdin is a terminal.
pub struct Prompted {
    child: Child,
    master: File,
    stderr: Receiver<Vec<u8>>,
    stdout: std::thread::JoinHandle<Vec<u8>>,
    seen: Vec<u8>,
}

/// What the run printed and how it ended.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Both streams, for assertion messages.
    pub fn text(&self) -> String {
        format!(
            "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.status.code(),
            self.stdout,
            self.stderr
        )
    }
}

fn openpty() -> (File, OwnedFd) {
    let mut master = -1;
    let mut slave = -1;
    // SAFETY: both out-pointers are valid; name, termios and winsize may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: openpty returned two fresh descriptors that nothing else owns.
    unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

impl Prompted {
    /// Start `cmd` with a terminal on stdin.
    pub fn start(mut cmd: Command) -> Prompted {
        let (master, slave) = openpty();
        cmd.stdin(Stdio::from(slave))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start drconsole");
        // The slave side now lives only in the child (the Command is dropped with it).
        drop(cmd);
        let mut out = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            buf
        });
        let mut err = child.stderr.take().expect("stderr");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Prompted {
            child,
            master,
            stderr: rx,
            stdout,
            seen: Vec::new(),
        }
    }

    /// Wait until stderr shows `text` (the question); panics with what was seen if the
    /// process ends first.
    pub fn wait_for(&mut self, text: &str) {
        while !String::from_utf8_lossy(&self.seen).contains(text) {
            match self.stderr.recv_timeout(PROMPT_WAIT) {
                Ok(chunk) => self.seen.extend(chunk),
                Err(e) => panic!(
                    "no '{text}' on stderr ({e}); so far:\n{}",
                    String::from_utf8_lossy(&self.seen)
                ),
            }
        }
    }

    /// Type a line on the terminal.
    pub fn answer(&mut self, line: &str) {
        self.master
            .write_all(format!("{line}\n").as_bytes())
            .expect("write to the terminal");
    }

    /// Wait for the process to end and collect its output.
    pub fn finish(mut self) -> Finished {
        let status = self.child.wait().expect("wait for drconsole");
        while let Ok(chunk) = self.stderr.recv_timeout(PROMPT_WAIT) {
            self.seen.extend(chunk);
        }
        let stdout = self.stdout.join().unwrap_or_default();
        Finished {
            status,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&self.seen).into_owned(),
        }
    }
}
