//! Background work: one tokio runtime owned by the app, and a registry of
//! tasks with progress, cancellation and a result the UI polls.
//!
//! Any module starts long work through [`TaskRegistry::spawn`] (async work)
//! or [`TaskRegistry::spawn_blocking`] (disk or CPU work). The returned
//! [`TaskHandle`] is polled once per frame; it never blocks. The status bar
//! lists [`TaskRegistry::snapshot`] and cancels through [`TaskRegistry::cancel`].

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use poll_promise::Promise;
use tokio_util::sync::CancellationToken;

/// A boxed future that can be sent to the runtime, used by object-safe traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Called when a task has news for the UI (progress or a result).
pub type RepaintFn = Arc<dyn Fn() + Send + Sync>;

/// How long a finished task stays visible in [`TaskRegistry::snapshot`].
const FINISHED_LINGER: Duration = Duration::from_secs(3);

/// Errors while starting the runtime.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("could not start background worker threads: {0}")]
    Start(#[from] std::io::Error),
}

/// Owns the tokio runtime. Drop it to stop all background work.
pub struct Runtime {
    rt: tokio::runtime::Runtime,
    tasks: TaskRegistry,
}

impl Runtime {
    /// A multi-threaded runtime with named worker threads.
    pub fn new() -> Result<Self, RuntimeError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .thread_name("panorama-worker")
            .enable_all()
            .build()?;
        let tasks = TaskRegistry::new(rt.handle().clone());
        Ok(Self { rt, tasks })
    }

    /// The task registry every module uses.
    pub fn tasks(&self) -> &TaskRegistry {
        &self.tasks
    }

    /// Run a future to completion on this runtime (CLI only, never from the UI thread).
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }
}

/// Identifies one task in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

/// Where a task is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    Finished,
    Failed(String),
    Cancelled,
}

/// Why a task produced no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Failed(String),
    #[error("the task stopped unexpectedly ({0}); please report this with the log file")]
    Panicked(String),
}

/// What the status bar shows of one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    pub id: TaskId,
    pub name: String,
    /// 0..=1 when known; `None` for work of unknown length.
    pub progress: Option<f32>,
    pub message: String,
    pub status: TaskStatus,
}

struct Shared {
    progress: Option<f32>,
    message: String,
    status: TaskStatus,
    finished_at: Option<Instant>,
}

struct Entry {
    id: TaskId,
    name: String,
    cancel: CancellationToken,
    shared: Arc<Mutex<Shared>>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    entries: Vec<Entry>,
    repaint: Option<RepaintFn>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep going.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts, lists and cancels background tasks. Cheap to clone.
#[derive(Clone)]
pub struct TaskRegistry {
    handle: tokio::runtime::Handle,
    inner: Arc<Mutex<Inner>>,
}

/// Given to every task: report progress, check for cancellation.
#[derive(Clone)]
pub struct TaskContext {
    cancel: CancellationToken,
    shared: Arc<Mutex<Shared>>,
    repaint: Option<RepaintFn>,
}

impl TaskContext {
    /// Report progress (0..=1) and a short message such as "12 of 40 files".
    pub fn progress(&self, fraction: f32, message: impl Into<String>) {
        {
            let mut s = lock(&self.shared);
            s.progress = Some(fraction.clamp(0.0, 1.0));
            s.message = message.into();
        }
        if let Some(r) = &self.repaint {
            r();
        }
    }

    /// True once the user asked to cancel. Blocking work checks this in its loops.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// A token that async work can `select!` on.
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }
}

/// The result of a task, polled by the UI without blocking.
pub struct TaskHandle<T: Send + 'static> {
    id: TaskId,
    cancel: CancellationToken,
    promise: Promise<Result<T, TaskError>>,
}

impl<T: Send + 'static> TaskHandle<T> {
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The result, once there is one.
    pub fn ready(&self) -> Option<&Result<T, TaskError>> {
        self.promise.ready()
    }

    /// Take the result out if ready, or get the handle back.
    pub fn try_take(self) -> Result<Result<T, TaskError>, Self> {
        let Self {
            id,
            cancel,
            promise,
        } = self;
        promise.try_take().map_err(|promise| Self {
            id,
            cancel,
            promise,
        })
    }

    /// The result of the task in `slot` once it has ended, leaving the slot
    /// empty; `None` (and the task in place) while it runs.
    pub fn take_ready(slot: &mut Option<Self>) -> Option<Result<T, TaskError>> {
        slot.as_ref()?.ready()?;
        slot.take()?.try_take().ok()
    }

    /// Whether the task has ended (its result is ready).
    pub fn is_finished(&self) -> bool {
        self.ready().is_some()
    }

    /// Ask the task to stop. Its result becomes [`TaskError::Cancelled`].
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Wait for the result (CLI and tests only; the UI polls instead).
    pub fn block(self) -> Result<T, TaskError> {
        self.promise.block_and_take()
    }
}

/// What `slot` holds once the task in it (found by `handle`) has ended,
/// leaving the slot empty; `None`, and the slot as it was, while it runs.
/// For a task kept with what it was started for (a sign-in, a publish).
pub fn take_finished<S, T: Send + 'static>(
    slot: &mut Option<S>,
    handle: impl Fn(&S) -> &TaskHandle<T>,
) -> Option<S> {
    if slot.as_ref().is_some_and(|s| handle(s).is_finished()) {
        slot.take()
    } else {
        None
    }
}

/// Background tasks of one kind, each with the key it was started for (a
/// document, a path, a search source), collected together when they end.
pub struct TaskSet<K, T: Send + 'static> {
    tasks: Vec<(K, TaskHandle<T>)>,
}

impl<K, T: Send + 'static> Default for TaskSet<K, T> {
    fn default() -> Self {
        Self { tasks: Vec::new() }
    }
}

impl<K, T: Send + 'static> TaskSet<K, T> {
    pub fn push(&mut self, key: K, handle: TaskHandle<T>) {
        self.tasks.push((key, handle));
    }

    /// The tasks that have ended, with their keys, in the order they were
    /// started; the others keep running.
    pub fn drain_ready(&mut self) -> Vec<(K, Result<T, TaskError>)> {
        let mut done = Vec::new();
        let mut still = Vec::with_capacity(self.tasks.len());
        for (key, handle) in self.tasks.drain(..) {
            match handle.try_take() {
                Ok(result) => done.push((key, result)),
                Err(handle) => still.push((key, handle)),
            }
        }
        self.tasks = still;
        done
    }

    /// Cancel and forget the tasks whose key matches; their results are
    /// never collected.
    pub fn cancel_where(&mut self, mut matches: impl FnMut(&K) -> bool) {
        self.tasks.retain(|(key, handle)| {
            let hit = matches(key);
            if hit {
                handle.cancel();
            }
            !hit
        });
    }

    /// Whether a task for a matching key is running.
    pub fn any(&self, mut matches: impl FnMut(&K) -> bool) -> bool {
        self.tasks.iter().any(|(k, _)| matches(k))
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }
}

/// Something asked of a background task, as it stands. A refresh keeps
/// what was there before (`previous`), so what shows it can go on showing
/// that instead of flickering to empty (rerun's pattern).
#[derive(Debug, Clone, PartialEq)]
pub enum Requested<T> {
    Pending { previous: Option<T> },
    Ready(T),
    Failed { error: String, previous: Option<T> },
}

impl<T> Requested<T> {
    /// Asked for the first time.
    pub const fn pending() -> Self {
        Self::Pending { previous: None }
    }

    /// Failed with nothing before it.
    pub fn failed(error: impl Into<String>) -> Self {
        Self::Failed {
            error: error.into(),
            previous: None,
        }
    }

    /// The value, once it has come.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Self::Ready(v) => Some(v),
            _ => None,
        }
    }

    /// The value, or the one before it while a refresh runs or after it failed.
    pub fn latest(&self) -> Option<&T> {
        match self {
            Self::Ready(v) => Some(v),
            Self::Pending { previous } | Self::Failed { previous, .. } => previous.as_ref(),
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(self, Self::Pending { .. })
    }

    /// Why it failed, if it did.
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Failed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Asked again: pending, keeping the latest value.
    pub fn refresh(&mut self) {
        let previous = match std::mem::replace(self, Self::pending()) {
            Self::Ready(v) => Some(v),
            Self::Pending { previous } | Self::Failed { previous, .. } => previous,
        };
        *self = Self::Pending { previous };
    }

    /// The answer came: the value, or the error with the latest value kept.
    pub fn finish<E: std::fmt::Display>(&mut self, result: Result<T, E>) {
        *self = match result {
            Ok(v) => Self::Ready(v),
            Err(e) => {
                let previous = match std::mem::replace(self, Self::pending()) {
                    Self::Ready(v) => Some(v),
                    Self::Pending { previous } | Self::Failed { previous, .. } => previous,
                };
                Self::Failed {
                    error: e.to_string(),
                    previous,
                }
            }
        };
    }
}

impl TaskRegistry {
    fn new(handle: tokio::runtime::Handle) -> Self {
        Self {
            handle,
            inner: Arc::default(),
        }
    }

    /// The runtime handle, for modules that spawn helpers of their own.
    pub fn handle(&self) -> &tokio::runtime::Handle {
        &self.handle
    }

    /// Called whenever a task reports progress or ends (the UI requests a repaint).
    pub fn set_repaint(&self, repaint: RepaintFn) {
        lock(&self.inner).repaint = Some(repaint);
    }

    fn register(&self, name: &str) -> (TaskId, TaskContext) {
        let mut inner = lock(&self.inner);
        inner.next_id += 1;
        let id = TaskId(inner.next_id);
        let cancel = CancellationToken::new();
        let shared = Arc::new(Mutex::new(Shared {
            progress: None,
            message: String::new(),
            status: TaskStatus::Running,
            finished_at: None,
        }));
        inner.entries.push(Entry {
            id,
            name: name.to_owned(),
            cancel: cancel.clone(),
            shared: shared.clone(),
        });
        let ctx = TaskContext {
            cancel,
            shared,
            repaint: inner.repaint.clone(),
        };
        if let Some(r) = &inner.repaint {
            r();
        }
        (id, ctx)
    }

    /// Start async work (network, timers).
    pub fn spawn<T, E, F, Fut>(&self, name: &str, work: F) -> TaskHandle<T>
    where
        T: Send + 'static,
        E: std::fmt::Display + Send + 'static,
        F: FnOnce(TaskContext) -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
    {
        let (id, ctx) = self.register(name);
        let join = self.handle.spawn(work(ctx.clone()));
        self.supervise(id, ctx, join)
    }

    /// Start blocking work (disk, HDF5, number crunching) on the blocking pool.
    pub fn spawn_blocking<T, E, F>(&self, name: &str, work: F) -> TaskHandle<T>
    where
        T: Send + 'static,
        E: std::fmt::Display + Send + 'static,
        F: FnOnce(TaskContext) -> Result<T, E> + Send + 'static,
    {
        let (id, ctx) = self.register(name);
        let ctx2 = ctx.clone();
        let join = self.handle.spawn_blocking(move || work(ctx2));
        self.supervise(id, ctx, join)
    }

    fn supervise<T, E>(
        &self,
        id: TaskId,
        ctx: TaskContext,
        join: tokio::task::JoinHandle<Result<T, E>>,
    ) -> TaskHandle<T>
    where
        T: Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let (sender, promise) = Promise::new();
        let cancel = ctx.cancel.clone();
        let abort = join.abort_handle();
        self.handle.spawn(async move {
            let result = tokio::select! {
                () = ctx.cancel.cancelled() => {
                    abort.abort();
                    Err(TaskError::Cancelled)
                }
                joined = join => match joined {
                    Ok(Ok(v)) => Ok(v),
                    Ok(Err(e)) => Err(TaskError::Failed(e.to_string())),
                    Err(e) if e.is_panic() => Err(TaskError::Panicked(panic_message(e.into_panic()))),
                    Err(_) => Err(TaskError::Cancelled),
                },
            };
            {
                let mut s = lock(&ctx.shared);
                s.status = match &result {
                    Ok(_) => TaskStatus::Finished,
                    Err(TaskError::Cancelled) => TaskStatus::Cancelled,
                    Err(e) => TaskStatus::Failed(e.to_string()),
                };
                s.finished_at = Some(Instant::now());
            }
            // The promise is always fulfilled, so polling it never panics.
            sender.send(result);
            if let Some(r) = &ctx.repaint {
                r();
            }
        });
        TaskHandle {
            id,
            cancel,
            promise,
        }
    }

    /// Ask a task to stop.
    pub fn cancel(&self, id: TaskId) {
        if let Some(e) = lock(&self.inner).entries.iter().find(|e| e.id == id) {
            e.cancel.cancel();
        }
    }

    /// Running tasks and the ones that ended in the last few seconds.
    pub fn snapshot(&self) -> Vec<TaskInfo> {
        let mut inner = lock(&self.inner);
        let now = Instant::now();
        inner.entries.retain(|e| {
            lock(&e.shared)
                .finished_at
                .is_none_or(|t| now.duration_since(t) < FINISHED_LINGER)
        });
        inner
            .entries
            .iter()
            .map(|e| {
                let s = lock(&e.shared);
                TaskInfo {
                    id: e.id,
                    name: e.name.clone(),
                    progress: s.progress,
                    message: s.message.clone(),
                    status: s.status.clone(),
                }
            })
            .collect()
    }

    /// Number of tasks still running.
    pub fn running(&self) -> usize {
        self.snapshot()
            .iter()
            .filter(|t| t.status == TaskStatus::Running)
            .count()
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_refresh_keeps_the_value_until_the_new_one_comes() {
        let mut r: Requested<u32> = Requested::pending();
        assert_eq!(r.latest(), None);
        r.finish(Ok::<_, String>(7));
        assert_eq!(r.ready(), Some(&7));
        r.refresh();
        assert!(r.is_pending());
        assert_eq!((r.ready(), r.latest()), (None, Some(&7)));
        r.finish(Err::<u32, _>("server down"));
        assert_eq!(r.error(), Some("server down"));
        assert_eq!(
            r.latest(),
            Some(&7),
            "a failed refresh keeps the last value"
        );
        r.refresh();
        r.finish(Ok::<_, String>(9));
        assert_eq!(r, Requested::Ready(9));
    }

    use super::*;

    fn runtime() -> Runtime {
        Runtime::new().expect("runtime")
    }

    #[test]
    fn result_and_progress_reach_the_poller() {
        let rt = runtime();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let handle = rt.tasks().spawn_blocking("count", move |ctx| {
            ctx.progress(0.5, "half way");
            rx.recv().map_err(|e| e.to_string())?;
            Ok::<_, String>(42)
        });
        // Wait until the progress report is visible, without the task finishing.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let snap = rt.tasks().snapshot();
            if snap
                .iter()
                .any(|t| t.progress == Some(0.5) && t.message == "half way")
            {
                assert_eq!(snap[0].status, TaskStatus::Running);
                break;
            }
            assert!(Instant::now() < deadline, "progress never arrived");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(handle.ready().is_none());
        tx.send(()).expect("send");
        assert_eq!(handle.block(), Ok(42));
    }

    #[test]
    fn cancel_ends_async_work_at_once() {
        let rt = runtime();
        let handle = rt.tasks().spawn("forever", |_ctx| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok::<_, String>(())
        });
        rt.tasks().cancel(handle.id());
        assert_eq!(handle.block(), Err(TaskError::Cancelled));
        let snap = rt.tasks().snapshot();
        assert_eq!(snap[0].status, TaskStatus::Cancelled);
    }

    #[test]
    fn errors_and_panics_become_results() {
        let rt = runtime();
        let failed = rt
            .tasks()
            .spawn_blocking("fails", |_| Err::<(), _>("disk full"));
        assert_eq!(failed.block(), Err(TaskError::Failed("disk full".into())));
        let panicked = rt
            .tasks()
            .spawn_blocking("panics", |_| -> Result<(), String> {
                panic!("boom");
            });
        assert!(matches!(panicked.block(), Err(TaskError::Panicked(m)) if m == "boom"));
    }

    /// A set hands back each task once, with its key, when it ends; a
    /// cancelled key is never handed back, and the others keep running.
    #[test]
    fn a_task_set_collects_each_finished_task_once_with_its_key() {
        let rt = runtime();
        let mut set: TaskSet<&str, u32> = TaskSet::default();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        set.push(
            "quick",
            rt.tasks().spawn_blocking("quick", |_| Ok::<_, String>(1)),
        );
        set.push(
            "waits",
            rt.tasks().spawn_blocking("waits", move |_| {
                rx.recv().map_err(|e| e.to_string())?;
                Ok::<_, String>(2)
            }),
        );
        set.push(
            "dropped",
            rt.tasks().spawn("dropped", |_ctx| async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok::<_, String>(3)
            }),
        );
        set.cancel_where(|k| *k == "dropped");
        assert!(!set.any(|k| *k == "dropped"));
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = Vec::new();
        while got.is_empty() {
            got = set.drain_ready();
            assert!(Instant::now() < deadline, "the quick task never ended");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(got, [("quick", Ok(1))]);
        assert_eq!(set.len(), 1);
        tx.send(()).expect("send");
        let mut rest = Vec::new();
        while rest.is_empty() {
            rest = set.drain_ready();
            assert!(Instant::now() < deadline, "the waiting task never ended");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(rest, [("waits", Ok(2))]);
        assert!(set.is_empty());
    }
}
