//! The download queue: files wait their turn, at most `limit` run at once,
//! each can be paused (its `.part` is kept), resumed (HTTP Range) or
//! cancelled (its `.part` is removed), and the queue reports per-file and
//! total progress. The GUI's Downloads tab and `panorama get` both use it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

use super::download::{self, DownloadError, Request};

/// Where one file stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemState {
    Queued,
    Running,
    /// Stopped by the user; the part already downloaded is kept.
    Paused,
    Done(PathBuf),
    /// A file of that name is already in the folder; nothing was overwritten.
    Exists(PathBuf),
    Failed(String),
    Cancelled,
}

impl ItemState {
    /// Finished one way or another (nothing more will happen on its own).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Done(_) | Self::Exists(_) | Self::Failed(_) | Self::Cancelled
        )
    }
}

/// One file of the queue as views show it.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: u64,
    pub name: String,
    pub url: String,
    pub dir: PathBuf,
    pub state: ItemState,
    pub done: u64,
    pub total: Option<u64>,
}

impl Item {
    /// The fraction done, when the size is known.
    pub fn fraction(&self) -> Option<f32> {
        self.total
            .filter(|t| *t > 0)
            .map(|t| crate::units::fraction(self.done, t))
    }
}

struct Entry {
    item: Item,
    req: Request,
    cancel: CancellationToken,
    /// Set when a pause (not a cancel) stopped the transfer.
    pausing: bool,
}

struct Inner {
    entries: Vec<Entry>,
    limit: usize,
    next_id: u64,
}

type Notify = Arc<dyn Fn() + Send + Sync>;

/// What a person does to the queue (the Downloads tab's buttons, the
/// command palette), as a command carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAction {
    PauseAll,
    ResumeAll,
    /// Remove finished, failed and cancelled files from the list.
    ClearFinished,
    /// How many files download at once.
    SetLimit(usize),
    Pause(u64),
    Resume(u64),
    Cancel(u64),
    /// Download again over the file already in the folder.
    Replace(u64),
}

/// A download queue running on a tokio runtime.
#[derive(Clone)]
pub struct Queue {
    inner: Arc<Mutex<Inner>>,
    handle: tokio::runtime::Handle,
    client: reqwest::Client,
    changed: Arc<tokio::sync::Notify>,
    on_change: Arc<Mutex<Option<Notify>>>,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    // A panic while holding the lock leaves plain data behind; keep going.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Queue {
    /// A queue that runs at most `limit` transfers at once (at least one).
    pub fn new(handle: tokio::runtime::Handle, limit: usize) -> Result<Self, DownloadError> {
        // One client per process: building one loads the TLS roots.
        // No limit on a whole transfer (large files on slow links), one on
        // silence.
        let client = crate::net::transfer_client(std::time::Duration::from_secs(120))
            .map_err(|e| DownloadError::Network(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                entries: Vec::new(),
                limit: limit.max(1),
                next_id: 0,
            })),
            handle,
            client,
            changed: Arc::new(tokio::sync::Notify::new()),
            on_change: Arc::new(Mutex::new(None)),
        })
    }

    /// Called (from any thread) whenever an item changes, e.g. to repaint.
    pub fn set_on_change(&self, f: impl Fn() + Send + Sync + 'static) {
        *self
            .on_change
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(f));
    }

    fn changed(&self) {
        self.changed.notify_waiters();
        let f = self
            .on_change
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(f) = f {
            f();
        }
    }

    /// How many transfers may run at once.
    pub fn set_limit(&self, limit: usize) {
        lock(&self.inner).limit = limit.max(1);
        self.pump();
    }

    pub fn limit(&self) -> usize {
        lock(&self.inner).limit
    }

    /// Add a file; it starts when a slot is free. Returns its id.
    pub fn add(&self, req: Request) -> u64 {
        self.add_sized(req, None)
    }

    /// Add a file whose size the catalogue or listing gave, so the total is
    /// known before it starts.
    /// A name with folders (`run1/data.h5`) keeps them under the request's
    /// folder. Two entries never write the same file: the same file asked for
    /// again while it is queued or running is that entry; another file of
    /// the same name and folder is saved as `name (2).ext`.
    pub fn add_sized(&self, mut req: Request, size: Option<u64>) -> u64 {
        if let Ok((sub, file)) = download::split_relative(&req.name) {
            req.dir = req.dir.join(sub);
            req.name = file;
        }
        let id = {
            let mut inner = lock(&self.inner);
            let busy = |e: &Entry| {
                matches!(
                    e.item.state,
                    ItemState::Queued | ItemState::Running | ItemState::Paused
                )
            };
            if let Some(same) = inner
                .entries
                .iter()
                .find(|e| busy(e) && e.req.url == req.url && e.req.dir == req.dir)
            {
                return same.item.id;
            }
            let taken = |name: &str, inner: &Inner| {
                inner
                    .entries
                    .iter()
                    .any(|e| busy(e) && e.req.dir == req.dir && e.item.name == name)
            };
            let clean =
                download::sanitize_file_name(&req.name).unwrap_or_else(|_| req.name.clone());
            if taken(&clean, &inner) {
                let (stem, ext) = match clean.rsplit_once('.') {
                    Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
                    _ => (clean.clone(), String::new()),
                };
                if let Some(free) = (2..1000)
                    .map(|n| format!("{stem} ({n}){ext}"))
                    .find(|n| !taken(n, &inner))
                {
                    req.name = free;
                }
            }
            inner.next_id += 1;
            let id = inner.next_id;
            let name = download::sanitize_file_name(&req.name).unwrap_or_else(|_| req.name.clone());
            inner.entries.push(Entry {
                item: Item {
                    id,
                    name,
                    url: req.url.clone(),
                    dir: req.dir.clone(),
                    state: ItemState::Queued,
                    done: 0,
                    total: size,
                },
                req,
                cancel: CancellationToken::new(),
                pausing: false,
            });
            id
        };
        self.pump();
        self.changed();
        id
    }

    /// Every item, oldest first.
    pub fn items(&self) -> Vec<Item> {
        lock(&self.inner)
            .entries
            .iter()
            .map(|e| e.item.clone())
            .collect()
    }

    /// Bytes done and bytes known in total over the items not cancelled or
    /// failed, and whether some sizes are still unknown.
    pub fn totals(&self) -> (u64, u64, bool) {
        let inner = lock(&self.inner);
        let mut done = 0;
        let mut total = 0;
        let mut unknown = false;
        for e in inner
            .entries
            .iter()
            .filter(|e| !matches!(e.item.state, ItemState::Cancelled | ItemState::Failed(_)))
        {
            done += e.item.done;
            match e.item.total {
                Some(t) => total += t,
                None => unknown = true,
            }
        }
        (done, total, unknown)
    }

    /// True while something is queued or running.
    pub fn busy(&self) -> bool {
        lock(&self.inner)
            .entries
            .iter()
            .any(|e| matches!(e.item.state, ItemState::Queued | ItemState::Running))
    }

    /// Wait until nothing is queued or running (paused items do not count).
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.changed.notified();
            if !self.busy() {
                return;
            }
            notified.await;
        }
    }

    /// Pause a queued or running file; its part stays for a later resume.
    pub fn pause(&self, id: u64) {
        {
            let mut inner = lock(&self.inner);
            let Some(e) = inner.entries.iter_mut().find(|e| e.item.id == id) else {
                return;
            };
            match e.item.state {
                ItemState::Queued => e.item.state = ItemState::Paused,
                ItemState::Running => {
                    e.pausing = true;
                    e.cancel.cancel();
                }
                _ => return,
            }
        }
        self.changed();
    }

    /// Queue a paused or failed file again; it resumes where it stopped.
    pub fn resume(&self, id: u64) {
        {
            let mut inner = lock(&self.inner);
            let Some(e) = inner.entries.iter_mut().find(|e| e.item.id == id) else {
                return;
            };
            if !matches!(e.item.state, ItemState::Paused | ItemState::Failed(_)) {
                return;
            }
            e.item.state = ItemState::Queued;
            e.cancel = CancellationToken::new();
            e.pausing = false;
        }
        self.pump();
        self.changed();
    }

    /// Stop a file for good and remove what was downloaded of it.
    pub fn cancel(&self, id: u64) {
        let part = {
            let mut inner = lock(&self.inner);
            let Some(e) = inner.entries.iter_mut().find(|e| e.item.id == id) else {
                return;
            };
            if e.item.state.is_final() {
                return;
            }
            e.pausing = false;
            e.cancel.cancel();
            if e.item.state == ItemState::Running {
                // The transfer removes its part and becomes Cancelled when it stops.
                None
            } else {
                e.item.state = ItemState::Cancelled;
                e.item.done = 0;
                download::part_path(&e.req)
            }
        };
        if let Some(p) = part {
            let _ = std::fs::remove_file(p);
        }
        self.pump();
        self.changed();
    }

    /// Download a file again over the one already in the folder (the user
    /// was asked).
    pub fn replace(&self, id: u64) {
        {
            let mut inner = lock(&self.inner);
            let Some(e) = inner.entries.iter_mut().find(|e| e.item.id == id) else {
                return;
            };
            if !matches!(e.item.state, ItemState::Exists(_)) {
                return;
            }
            e.req.overwrite = true;
            e.item.state = ItemState::Queued;
            e.cancel = CancellationToken::new();
        }
        self.pump();
        self.changed();
    }

    /// Pause everything queued or running.
    pub fn pause_all(&self) {
        let ids: Vec<u64> = self.items().iter().map(|i| i.id).collect();
        for id in ids {
            self.pause(id);
        }
    }

    /// Resume everything paused.
    pub fn resume_all(&self) {
        let ids: Vec<u64> = self
            .items()
            .iter()
            .filter(|i| i.state == ItemState::Paused)
            .map(|i| i.id)
            .collect();
        for id in ids {
            self.resume(id);
        }
    }

    /// Carry out what a person asked for.
    pub fn apply(&self, action: QueueAction) {
        match action {
            QueueAction::PauseAll => self.pause_all(),
            QueueAction::ResumeAll => self.resume_all(),
            QueueAction::ClearFinished => self.clear_finished(),
            QueueAction::SetLimit(n) => self.set_limit(n),
            QueueAction::Pause(id) => self.pause(id),
            QueueAction::Resume(id) => self.resume(id),
            QueueAction::Cancel(id) => self.cancel(id),
            QueueAction::Replace(id) => self.replace(id),
        }
    }

    /// Forget the finished items.
    pub fn clear_finished(&self) {
        lock(&self.inner)
            .entries
            .retain(|e| !e.item.state.is_final());
        self.changed();
    }

    /// Start queued files while slots are free.
    fn pump(&self) {
        let mut start = Vec::new();
        {
            let mut inner = lock(&self.inner);
            let mut running = inner
                .entries
                .iter()
                .filter(|e| e.item.state == ItemState::Running)
                .count();
            let limit = inner.limit;
            for e in &mut inner.entries {
                if running >= limit {
                    break;
                }
                if e.item.state == ItemState::Queued {
                    e.item.state = ItemState::Running;
                    running += 1;
                    start.push((e.item.id, e.req.clone(), e.cancel.clone()));
                }
            }
        }
        for (id, req, cancel) in start {
            let q = self.clone();
            self.handle.spawn(async move {
                let progress = |done: u64, total: Option<u64>| {
                    {
                        let mut inner = lock(&q.inner);
                        if let Some(e) = inner.entries.iter_mut().find(|e| e.item.id == id) {
                            e.item.done = done;
                            e.item.total = total;
                        }
                    }
                    q.changed();
                };
                let result = download::fetch(&q.client, &req, &progress, &cancel).await;
                {
                    let mut inner = lock(&q.inner);
                    if let Some(e) = inner.entries.iter_mut().find(|e| e.item.id == id) {
                        e.item.state = match result {
                            Ok(path) => {
                                if let Some(t) = e.item.total {
                                    e.item.done = t;
                                }
                                ItemState::Done(path)
                            }
                            Err(DownloadError::Cancelled) if e.pausing => ItemState::Paused,
                            Err(DownloadError::Exists(_)) => {
                                ItemState::Exists(req.dir.join(&e.item.name))
                            }
                            Err(DownloadError::Cancelled) => {
                                if let Some(p) = download::part_path(&req) {
                                    let _ = std::fs::remove_file(p);
                                }
                                e.item.done = 0;
                                ItemState::Cancelled
                            }
                            Err(err) => ItemState::Failed(err.to_string()),
                        };
                        e.pausing = false;
                    }
                }
                q.pump();
                q.changed();
            });
        }
    }
}
