//! The stage scheduler: a stage starts as soon as every stage it depends on is done (not when a
//! whole wave is), at most `jobs` stages run at once, and the first failure cancels the rest.
//!
//! [`run`] is generic over the work so that it can be tested on a fake dependency graph. Each
//! task runs on a scoped thread; the calling thread coordinates: it starts ready tasks (lowest
//! id first, so the order is deterministic for a given set of finished tasks), collects results
//! and, once the build is cancelled, stops starting tasks and calls `on_cancel` every `tick`
//! until the running ones have returned (the executor kills running RUN containers there).
//!
//! Cancellation is a [`Cancel`]: tripped by the first task that fails (its error is the one
//! returned, never the error of a sibling that failed because it was cancelled), or from outside
//! (Ctrl-C, see [`super::interrupt`]). Tasks poll [`Cancel::is_cancelled`] between their steps.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How often the coordinator wakes up while tasks run (to notice an interrupt, and to re-kill
/// containers that were still being created at the previous attempt).
const TICK: Duration = Duration::from_millis(100);

/// A build's cancellation state: tripped by the first failure, or an external request.
#[derive(Debug, Default)]
pub struct Cancel {
    tripped: AtomicBool,
    external: Vec<Arc<AtomicBool>>,
}

impl Cancel {
    /// A fresh state; `external` is a flag set from outside (a signal handler) to interrupt.
    pub fn new(external: Option<Arc<AtomicBool>>) -> Self {
        Self {
            tripped: AtomicBool::new(false),
            external: external.into_iter().collect(),
        }
    }

    /// Also interrupted by `flag` (another platform's build of the same session failed).
    pub fn watching(mut self, flag: Arc<AtomicBool>) -> Self {
        self.external.push(flag);
        self
    }

    /// Whether no new work should start.
    pub fn is_cancelled(&self) -> bool {
        self.tripped.load(Ordering::SeqCst) || self.interrupted()
    }

    /// Whether the external flag is set.
    pub fn interrupted(&self) -> bool {
        self.external.iter().any(|f| f.load(Ordering::SeqCst))
    }

    /// Cancels; true when this call is the first failure (not tripped before, not interrupted).
    pub fn trip(&self) -> bool {
        let was = self.tripped.swap(true, Ordering::SeqCst);
        !was && !self.interrupted()
    }
}

/// A task of the graph and the tasks it waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Its id (a stage index).
    pub id: usize,
    /// Ids of the tasks that must be done before it starts.
    pub deps: Vec<usize>,
}

/// Why [`run`] did not finish every task.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure<E> {
    /// Task `id` failed first, with `error`.
    Failed {
        /// The task.
        id: usize,
        /// Its error.
        error: E,
    },
    /// Task `id` panicked first.
    Panicked {
        /// The task.
        id: usize,
    },
    /// The external flag was set before any task failed.
    Interrupted,
    /// These tasks wait for ids that are not tasks, or for each other (a bug of the caller).
    Unrunnable(Vec<usize>),
}

/// What a task's thread sends back: its id, its result, and whether its failure came first.
enum Outcome<T, E> {
    Done(T),
    Failed(E, bool),
    Panicked(bool),
}

/// Runs every task of `tasks` with at most `jobs` (at least 1) at once; `work(id, inputs)` gets
/// the results of the task's dependencies. Returns every task's result, or the first failure.
pub fn run<T, E, W, K>(
    tasks: &[Task],
    jobs: usize,
    cancel: &Cancel,
    work: W,
    on_cancel: K,
) -> Result<BTreeMap<usize, T>, Failure<E>>
where
    T: Clone + Send,
    E: Send,
    W: Fn(usize, BTreeMap<usize, T>) -> Result<T, E> + Sync,
    K: Fn(),
{
    let jobs = jobs.max(1);
    let ids: BTreeSet<usize> = tasks.iter().map(|t| t.id).collect();
    let bad: Vec<usize> = tasks
        .iter()
        .filter(|t| t.deps.iter().any(|d| !ids.contains(d) || *d == t.id))
        .map(|t| t.id)
        .collect();
    if !bad.is_empty() {
        return Err(Failure::Unrunnable(bad));
    }
    let mut waiting: BTreeMap<usize, &Task> = tasks.iter().map(|t| (t.id, t)).collect();
    let mut done: BTreeMap<usize, T> = BTreeMap::new();
    let mut first: Option<Failure<E>> = None;
    let work = &work;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<(usize, Outcome<T, E>)>();
        let mut running = 0usize;
        loop {
            while !cancel.is_cancelled() && running < jobs {
                let Some(id) = waiting
                    .values()
                    .find(|t| t.deps.iter().all(|d| done.contains_key(d)))
                    .map(|t| t.id)
                else {
                    break;
                };
                let Some(task) = waiting.remove(&id) else {
                    break;
                };
                let inputs: BTreeMap<usize, T> = task
                    .deps
                    .iter()
                    .filter_map(|d| done.get(d).map(|o| (*d, o.clone())))
                    .collect();
                let tx = tx.clone();
                running += 1;
                scope.spawn(move || {
                    let outcome = match catch_unwind(AssertUnwindSafe(|| work(id, inputs))) {
                        Ok(Ok(out)) => Outcome::Done(out),
                        Ok(Err(e)) => Outcome::Failed(e, cancel.trip()),
                        Err(_) => Outcome::Panicked(cancel.trip()),
                    };
                    let _ = tx.send((id, outcome));
                });
            }
            if running == 0 {
                break;
            }
            match rx.recv_timeout(TICK) {
                Ok((id, outcome)) => {
                    running -= 1;
                    match outcome {
                        Outcome::Done(out) => {
                            done.insert(id, out);
                        }
                        Outcome::Failed(error, true) => first = Some(Failure::Failed { id, error }),
                        Outcome::Panicked(true) => first = Some(Failure::Panicked { id }),
                        Outcome::Failed(_, false) | Outcome::Panicked(false) => {}
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if cancel.is_cancelled() {
                // An interrupt trips the state too, so that tasks see one flag.
                cancel.trip();
                if running > 0 {
                    on_cancel();
                }
            }
        }
    });
    if let Some(f) = first {
        return Err(f);
    }
    if cancel.is_cancelled() {
        return Err(Failure::Interrupted);
    }
    if !waiting.is_empty() {
        return Err(Failure::Unrunnable(waiting.into_keys().collect()));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Barrier, Mutex};
    use std::time::Instant;

    fn task(id: usize, deps: &[usize]) -> Task {
        Task {
            id,
            deps: deps.to_vec(),
        }
    }

    /// Waits (up to 10 s, so a broken scheduler fails instead of hanging) until `cond` holds.
    fn wait_for(cond: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if cond() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    #[test]
    fn a_task_starts_when_its_own_deps_are_done_not_a_whole_wave() {
        // 0 is slow and independent; 2 depends on the quick 1. In waves, 2 would wait for 0:
        // here 0 finishes only after it saw 2 start.
        let tasks = [task(0, &[]), task(1, &[]), task(2, &[1]), task(3, &[0, 2])];
        let started = Mutex::new(Vec::new());
        let cancel = Cancel::default();
        let out = run(
            &tasks,
            4,
            &cancel,
            |id, inputs: BTreeMap<usize, String>| {
                started.lock().unwrap().push(id);
                if id == 0 && !wait_for(|| started.lock().unwrap().contains(&2)) {
                    return Err("stage 2 never started while 0 ran");
                }
                let from: Vec<String> = inputs
                    .into_iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect();
                Ok(format!("{id}<{}>", from.join(",")))
            },
            || {},
        )
        .unwrap();
        assert_eq!(out[&2], "2<1:1<>>");
        assert_eq!(out[&3], "3<0:0<>,2:2<1:1<>>>");
        let order = started.lock().unwrap().clone();
        let pos = |id| order.iter().position(|x| *x == id).unwrap();
        assert!(
            pos(1) < pos(2) && pos(2) < pos(3) && pos(0) < pos(3),
            "{order:?}"
        );
    }

    #[test]
    fn at_most_jobs_tasks_run_at_once() {
        let tasks: Vec<Task> = (0..6).map(|i| task(i, &[])).collect();
        let now = AtomicUsize::new(0);
        let max = AtomicUsize::new(0);
        // With jobs=2, two tasks meet at the barrier (they do run together) and never three.
        let barrier = Barrier::new(2);
        let cancel = Cancel::default();
        run(
            &tasks,
            2,
            &cancel,
            |_, _: BTreeMap<usize, ()>| {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(n, Ordering::SeqCst);
                barrier.wait();
                std::thread::sleep(Duration::from_millis(10));
                now.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ()>(())
            },
            || {},
        )
        .unwrap();
        assert_eq!(max.load(Ordering::SeqCst), 2);

        let max = AtomicUsize::new(0);
        let cancel = Cancel::default();
        let out = run(
            &tasks,
            1,
            &cancel,
            |_, _: BTreeMap<usize, ()>| {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(n, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
                now.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ()>(())
            },
            || {},
        )
        .unwrap();
        assert_eq!(max.load(Ordering::SeqCst), 1);
        assert_eq!(out.len(), 6);
    }

    #[test]
    fn a_failure_stops_new_starts_and_its_error_wins_over_the_cancelled_siblings() {
        // 0 fails once 1 runs; 1 runs until it is cancelled and then fails too (as a killed RUN
        // does); 2 and 3 (after 1) never start.
        let tasks = [task(0, &[]), task(1, &[]), task(2, &[]), task(3, &[1])];
        let started = Mutex::new(Vec::new());
        let kills = AtomicUsize::new(0);
        let cancel = Cancel::default();
        let result = run(
            &tasks,
            2,
            &cancel,
            |id, _: BTreeMap<usize, ()>| {
                started.lock().unwrap().push(id);
                match id {
                    0 => {
                        wait_for(|| started.lock().unwrap().contains(&1));
                        Err("step 0 failed")
                    }
                    _ => {
                        wait_for(|| cancel.is_cancelled() && kills.load(Ordering::SeqCst) > 0);
                        Err("killed")
                    }
                }
            },
            || {
                kills.fetch_add(1, Ordering::SeqCst);
            },
        );
        assert_eq!(
            result,
            Err(Failure::Failed {
                id: 0,
                error: "step 0 failed"
            })
        );
        // 0 and 1 start on two threads, in either order; 2 and 3 never.
        let mut started = started.into_inner().unwrap();
        started.sort_unstable();
        assert_eq!(started, vec![0, 1]);
        assert!(kills.load(Ordering::SeqCst) > 0);
        assert!(cancel.is_cancelled());
    }

    #[test]
    fn a_panic_is_a_failure_not_a_hang() {
        let tasks = [task(0, &[]), task(1, &[0])];
        let cancel = Cancel::default();
        let result = run(
            &tasks,
            2,
            &cancel,
            |id, _: BTreeMap<usize, ()>| -> Result<(), ()> {
                if id == 0 {
                    panic!("boom");
                }
                Ok(())
            },
            || {},
        );
        assert_eq!(result, Err(Failure::Panicked { id: 0 }));
    }

    #[test]
    fn an_interrupt_stops_everything_and_is_reported_as_such() {
        let flag = Arc::new(AtomicBool::new(false));
        let cancel = Cancel::new(Some(flag.clone()));
        let tasks = [task(0, &[]), task(1, &[0])];
        let ran = Mutex::new(Vec::new());
        let result = run(
            &tasks,
            2,
            &cancel,
            |id, _: BTreeMap<usize, ()>| {
                ran.lock().unwrap().push(id);
                flag.store(true, Ordering::SeqCst);
                // A task that notices the interrupt fails; that is not the build's error.
                Err::<(), _>("cancelled")
            },
            || {},
        );
        assert_eq!(result, Err(Failure::Interrupted));
        assert_eq!(*ran.lock().unwrap(), vec![0]);
    }

    #[test]
    fn only_the_given_tasks_run_and_bad_graphs_are_refused() {
        // The plan leaves unneeded stages out: a dependency on one is a caller bug.
        let cancel = Cancel::default();
        let r = run(
            &[task(0, &[]), task(2, &[1])],
            2,
            &cancel,
            |_, _: BTreeMap<usize, ()>| Ok::<_, ()>(()),
            || {},
        );
        assert_eq!(r, Err(Failure::Unrunnable(vec![2])));
        let r = run(
            &[task(0, &[1]), task(1, &[0])],
            2,
            &cancel,
            |_, _: BTreeMap<usize, ()>| Ok::<_, ()>(()),
            || {},
        );
        assert_eq!(r, Err(Failure::Unrunnable(vec![0, 1])));
        let ran = Mutex::new(Vec::new());
        let out = run(
            &[task(1, &[]), task(3, &[1])],
            2,
            &cancel,
            |id, _: BTreeMap<usize, usize>| {
                ran.lock().unwrap().push(id);
                Ok::<_, ()>(id)
            },
            || {},
        )
        .unwrap();
        assert_eq!(out.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(*ran.lock().unwrap(), vec![1, 3]);
    }
}
