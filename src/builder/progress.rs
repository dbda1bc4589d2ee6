//! Progress as buildx's plain mode prints it: a numbered line when a step starts, and one when it
//! ends (`CACHED`, `DONE 0.3s`, `ERROR` or `CANCELED`), on standard error; or one JSON object per
//! event for tools (`--progress=json`). The live terminal view is [`super::tty_progress`].

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepEnd {
    /// Reused from the cache.
    Cached,
    /// Done, in this long.
    Done(Duration),
    /// Failed with this message.
    Error(String),
    /// Stopped because another step failed or the build was interrupted.
    Canceled,
}

/// Receives step events (the CLI renders them; tests may collect them).
pub trait Progress: Sync {
    /// Step `id` starts; `name` is e.g. `[build 2/5] COPY src/ /app/`.
    fn start(&self, id: usize, name: &str);
    /// Step `id` ended.
    fn end(&self, id: usize, end: &StepEnd);
    /// A line of information (`pushing ...`, `exporting ...`).
    fn info(&self, line: &str);
    /// A line the process of step `id` printed (RUN output, without its newline).
    fn output(&self, id: usize, line: &str);
}

/// `--progress=plain`: lines on standard error.
#[derive(Debug, Default)]
pub struct PlainProgress {
    lock: Mutex<()>,
}

impl PlainProgress {
    fn line(&self, s: &str) {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(std::io::stderr(), "{s}");
    }
}

impl Progress for PlainProgress {
    fn start(&self, id: usize, name: &str) {
        self.line(&format!("#{id} {name}"));
    }

    fn end(&self, id: usize, end: &StepEnd) {
        self.line(&match end {
            StepEnd::Cached => format!("#{id} CACHED"),
            StepEnd::Done(d) => format!("#{id} DONE {:.1}s", d.as_secs_f64()),
            StepEnd::Error(e) => format!("#{id} ERROR: {e}"),
            StepEnd::Canceled => format!("#{id} CANCELED"),
        });
    }

    fn info(&self, line: &str) {
        self.line(line);
    }

    fn output(&self, id: usize, line: &str) {
        self.line(&format!("#{id} {line}"));
    }
}

/// `--progress=plain` in GitHub Actions: the same lines, but each step that ran is folded in
/// the log (`::group::` ... `::endgroup::`), its output held until it ends so that parallel
/// steps do not interleave inside a group. A failed step is not folded: its output is what the
/// reader came for.
#[derive(Debug, Default)]
pub struct GroupedProgress {
    plain: PlainProgress,
    steps: Mutex<std::collections::HashMap<usize, (String, Vec<String>)>>,
}

impl Progress for GroupedProgress {
    fn start(&self, id: usize, name: &str) {
        self.steps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, (name.to_string(), Vec::new()));
    }

    fn end(&self, id: usize, end: &StepEnd) {
        let (name, lines) = self
            .steps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id)
            .unwrap_or_default();
        let folded = matches!(end, StepEnd::Done(_)) && !lines.is_empty();
        let mut block = Vec::with_capacity(lines.len() + 4);
        if folded {
            block.push(format!("::group::#{id} {name}"));
        }
        block.push(format!("#{id} {name}"));
        block.extend(lines);
        block.push(match end {
            StepEnd::Cached => format!("#{id} CACHED"),
            StepEnd::Done(d) => format!("#{id} DONE {:.1}s", d.as_secs_f64()),
            StepEnd::Error(e) => format!("#{id} ERROR: {e}"),
            StepEnd::Canceled => format!("#{id} CANCELED"),
        });
        if folded {
            block.push("::endgroup::".to_string());
        }
        self.plain.line(&block.join("\n"));
    }

    fn info(&self, line: &str) {
        self.plain.line(line);
    }

    fn output(&self, id: usize, line: &str) {
        let mut steps = self
            .steps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match steps.get_mut(&id) {
            Some((_, lines)) => lines.push(format!("#{id} {line}")),
            None => {
                drop(steps);
                self.plain.line(&format!("#{id} {line}"));
            }
        }
    }
}

/// `--progress=quiet`: nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct QuietProgress;

impl Progress for QuietProgress {
    fn start(&self, _: usize, _: &str) {}
    fn end(&self, _: usize, _: &StepEnd) {}
    fn info(&self, _: &str) {}
    fn output(&self, _: usize, _: &str) {}
}

/// `--progress=json`: one JSON object per line on standard error:
/// `{"event":"start","id":1,"name":"[1/2] COPY a /a"}`,
/// `{"event":"end","id":1,"result":"cached"|"done"|"error"|"canceled","seconds":0.1,
/// "error":"..."}`, `{"event":"info","message":"..."}`, `{"event":"output","id":1,"line":"..."}`
/// (a RUN's output). Every event has `"time"`: seconds since the renderer was made (the build's
/// start), a float, so that tools can see which steps overlapped.
#[derive(Debug)]
pub struct JsonProgress {
    lock: Mutex<()>,
    started: Instant,
}

impl Default for JsonProgress {
    fn default() -> Self {
        Self {
            lock: Mutex::new(()),
            started: Instant::now(),
        }
    }
}

impl JsonProgress {
    fn emit(&self, mut v: serde_json::Value) {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "time".into(),
                serde_json::json!(self.started.elapsed().as_secs_f64()),
            );
        }
        let _ = writeln!(std::io::stderr(), "{v}");
    }
}

impl Progress for JsonProgress {
    fn start(&self, id: usize, name: &str) {
        self.emit(serde_json::json!({"event": "start", "id": id, "name": name}));
    }

    fn end(&self, id: usize, end: &StepEnd) {
        self.emit(match end {
            StepEnd::Cached => serde_json::json!({"event": "end", "id": id, "result": "cached"}),
            StepEnd::Done(d) => serde_json::json!({
                "event": "end", "id": id, "result": "done", "seconds": d.as_secs_f64()
            }),
            StepEnd::Error(e) => {
                serde_json::json!({"event": "end", "id": id, "result": "error", "error": e})
            }
            StepEnd::Canceled => {
                serde_json::json!({"event": "end", "id": id, "result": "canceled"})
            }
        });
    }

    fn info(&self, line: &str) {
        self.emit(serde_json::json!({"event": "info", "message": line}));
    }

    fn output(&self, id: usize, line: &str) {
        self.emit(serde_json::json!({"event": "output", "id": id, "line": line}));
    }
}
