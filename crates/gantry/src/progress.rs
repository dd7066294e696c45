//! Progress reporting for long operations.
//!
//! Library code never prints; it reports through [`Progress`], which the
//! CLI renders as a progress bar and tests or services may ignore
//! ([`NoProgress`]) or record.

/// Receives progress of a long operation. Called from worker threads.
pub trait Progress: Sync {
    /// A phase begins; `total` is known for some phases.
    fn begin(&self, phase: &'static str, total: Option<u64>);
    /// The phase's total became known or grew.
    fn set_total(&self, _total: u64) {}
    /// `n` more units of the current phase are done.
    fn advance(&self, n: u64);
    /// The current phase ended.
    fn end(&self);
}

/// Progress that goes nowhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&self, _phase: &'static str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn end(&self) {}
}
