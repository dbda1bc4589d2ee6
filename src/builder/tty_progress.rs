//! `--progress=tty`: a live view on a terminal, as buildx's tty mode shows it. Each running step
//! is one line with a spinner and its elapsed time; the last few lines a running RUN printed are
//! shown dimmed under it. A step that ends is printed above the live lines for good, as
//! `#N [stage 1/3] RUN ... CACHED`, `... DONE 1.2s`, `... CANCELED` or `... ERROR` followed by
//! the error in full; information lines are printed above as well.
//!
//! Only for a terminal: the CLI picks it for `--progress=auto` when standard error is one (and
//! `CI` is not set), and falls back to plain output when asked for it without a terminal.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// How many output lines of a running step are shown under it.
const TAIL_LINES: usize = 6;

/// How often spinners and elapsed times are redrawn.
const TICK: Duration = Duration::from_millis(100);

/// A running step: its name, its line, and the lines showing its latest output.
struct Running {
    name: String,
    bar: ProgressBar,
    tail: VecDeque<String>,
    tail_bars: Vec<ProgressBar>,
}

/// The live terminal view (see the module docs).
pub struct TtyProgress {
    multi: MultiProgress,
    running: Mutex<HashMap<usize, Running>>,
    step_style: ProgressStyle,
    tail_style: ProgressStyle,
}

impl Default for TtyProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl TtyProgress {
    /// A view drawing on standard error.
    pub fn new() -> Self {
        Self::with_target(ProgressDrawTarget::stderr())
    }

    fn with_target(target: ProgressDrawTarget) -> Self {
        let seconds = |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.1}s", state.elapsed().as_secs_f64());
        };
        let step_style = ProgressStyle::with_template("{spinner:.cyan} {prefix} {wide_msg} {secs}")
            .map(|s| s.with_key("secs", seconds))
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .tick_strings(&["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏", "✔"]);
        let tail_style = ProgressStyle::with_template("    {wide_msg:.dim}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Self {
            multi: MultiProgress::with_draw_target(target),
            running: Mutex::new(HashMap::new()),
            step_style,
            tail_style,
        }
    }

    fn println(&self, line: &str) {
        if self.multi.println(line).is_err() {
            eprintln!("{line}");
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Running>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for TtyProgress {
    /// Steps that never ended (their build failed elsewhere) leave no spinner behind.
    fn drop(&mut self) {
        for (_, step) in self.running().drain() {
            for b in step.tail_bars.iter().chain([&step.bar]) {
                b.finish_and_clear();
            }
        }
    }
}

/// The line a finished step leaves: `#N NAME RESULT`, and the full error under it.
pub fn finished_line(id: usize, name: &str, end: &super::StepEnd) -> String {
    match end {
        super::StepEnd::Cached => format!("#{id} {name} CACHED"),
        super::StepEnd::Done(d) => format!("#{id} {name} DONE {:.1}s", d.as_secs_f64()),
        super::StepEnd::Canceled => format!("#{id} {name} CANCELED"),
        super::StepEnd::Error(e) => format!("#{id} {name} ERROR\n#{id} ERROR: {e}"),
    }
}

impl super::Progress for TtyProgress {
    fn start(&self, id: usize, name: &str) {
        let bar = self.multi.add(
            ProgressBar::new_spinner()
                .with_style(self.step_style.clone())
                .with_prefix(format!("#{id}"))
                .with_message(name.to_string()),
        );
        bar.enable_steady_tick(TICK);
        self.running().insert(
            id,
            Running {
                name: name.to_string(),
                bar,
                tail: VecDeque::new(),
                tail_bars: Vec::new(),
            },
        );
    }

    fn end(&self, id: usize, end: &super::StepEnd) {
        let step = self.running().remove(&id);
        let name = match step {
            Some(step) => {
                for b in step.tail_bars.iter().chain([&step.bar]) {
                    b.finish_and_clear();
                    self.multi.remove(b);
                }
                step.name
            }
            None => String::new(),
        };
        self.println(&finished_line(id, &name, end));
    }

    fn info(&self, line: &str) {
        self.println(line);
    }

    fn output(&self, id: usize, line: &str) {
        let mut running = self.running();
        let Some(step) = running.get_mut(&id) else {
            return;
        };
        if step.tail.len() == TAIL_LINES {
            step.tail.pop_front();
        }
        // Control characters (a carriage return, colors) would break the layout.
        let clean: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        step.tail.push_back(clean);
        while step.tail_bars.len() < step.tail.len() {
            let after = step.tail_bars.last().unwrap_or(&step.bar).clone();
            let bar = self.multi.insert_after(
                &after,
                ProgressBar::new_spinner().with_style(self.tail_style.clone()),
            );
            step.tail_bars.push(bar);
        }
        for (bar, text) in step.tail_bars.iter().zip(&step.tail) {
            bar.set_message(text.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{Progress, StepEnd};

    #[test]
    fn finished_lines_name_the_step_and_its_result() {
        assert_eq!(
            finished_line(
                3,
                "[a 2/3] RUN true",
                &StepEnd::Done(Duration::from_millis(1250))
            ),
            "#3 [a 2/3] RUN true DONE 1.2s"
        );
        assert_eq!(
            finished_line(1, "[1/2] COPY a /a", &StepEnd::Cached),
            "#1 [1/2] COPY a /a CACHED"
        );
        let err = finished_line(
            2,
            "[2/2] RUN false",
            &StepEnd::Error("line 2: boom\nmore".into()),
        );
        assert!(err.ends_with("#2 ERROR: line 2: boom\nmore"), "{err}");
    }

    #[test]
    fn output_keeps_the_last_lines_of_a_running_step_only() {
        let p = TtyProgress::with_target(ProgressDrawTarget::hidden());
        p.start(1, "[1/1] RUN x");
        for i in 0..20 {
            p.output(1, &format!("line {i}\r"));
        }
        p.output(7, "for no running step");
        {
            let running = p.running();
            let step = &running[&1];
            assert_eq!(step.tail.len(), TAIL_LINES);
            assert_eq!(step.tail_bars.len(), TAIL_LINES);
            assert_eq!(step.tail.back().map(String::as_str), Some("line 19 "));
        }
        p.end(1, &StepEnd::Done(Duration::from_secs(1)));
        assert!(p.running().is_empty());
    }
}
