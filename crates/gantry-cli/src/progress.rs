//! Progress bars on a terminal (indicatif), nothing otherwise.

use std::io::IsTerminal;

use gantry::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A [`Progress`] that draws on stderr when it is a terminal.
pub(crate) struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    pub(crate) fn new(quiet: bool) -> Bar {
        let visible = !quiet && std::io::stderr().is_terminal();
        Bar {
            bar: visible.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
        }
    }
}

impl Progress for Bar {
    fn begin(&self, phase: &'static str, total: Option<u64>) {
        if let Some(bar) = &self.bar {
            let template = if total.is_some() {
                "{prefix:>8} [{bar:30}] {pos}/{len} files {per_sec} {eta}"
            } else {
                "{prefix:>8} {spinner} {pos} files {per_sec}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(phase);
            bar.set_length(total.unwrap_or(0));
            bar.set_position(0);
        }
    }

    fn set_total(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    fn end(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
