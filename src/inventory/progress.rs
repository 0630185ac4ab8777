//! Progress events: background checks report what they do so the console can show a gauge.

use std::sync::mpsc::Sender;

/// One progress report: which job, how far, on what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The job, e.g. `integrity`, `hashing`.
    pub job: String,
    /// What is being worked on now (a path or component id).
    pub label: String,
    /// Items done so far.
    pub done: u64,
    /// Items in the job.
    pub total: u64,
    /// Bytes processed so far.
    pub bytes_done: u64,
    /// Bytes in the job, when known.
    pub bytes_total: u64,
    /// True on the last event of the job.
    pub finished: bool,
}

/// Anything that accepts progress events; must be shareable across worker threads.
pub trait ProgressSink: Send + Sync {
    /// Receive one event; must not block for long.
    fn report(&self, progress: Progress);
}

/// Discards progress (command-line runs without a gauge).
impl ProgressSink for () {
    fn report(&self, _: Progress) {}
}

impl ProgressSink for Sender<Progress> {
    fn report(&self, progress: Progress) {
        // A closed receiver means nobody watches any more; the work goes on.
        let _ = self.send(progress);
    }
}

impl<F: Fn(Progress) + Send + Sync> ProgressSink for F {
    fn report(&self, progress: Progress) {
        self(progress)
    }
}
