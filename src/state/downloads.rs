//! The downloads slice: the queue (resumable, verified, a few at a time),
//! the folder files go to, and the catalogue record each file came from,
//! remembered once it is downloaded.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::{Cx, Level, UiEffect, settings};
use crate::store::FileOrigin;
use crate::transfer::queue::{ItemState, Queue, QueueAction};

/// What the Downloads tab and the dataset pages ask of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadsCommand {
    /// Queue a file for the downloads folder; a `.part` left by an earlier
    /// try is resumed. `origin` is the record it belongs to, if known.
    Add {
        url: String,
        name: String,
        checksum: Option<String>,
        origin: Option<FileOrigin>,
    },
    /// Pause, resume, cancel or limit downloads.
    Queue(QueueAction),
    /// Choose the folder downloads go to.
    ChooseFolder,
    /// Downloads go to this folder from now on (remembered).
    SetFolder(PathBuf),
}

pub struct DownloadsState {
    /// Queued, running, paused and finished files; `None` when the HTTP
    /// client could not be set up.
    pub queue: Option<Queue>,
    /// Where new downloads go.
    pub folder: PathBuf,
    /// The catalogue record of each queued download, by queue item.
    origins: HashMap<u64, FileOrigin>,
    /// Items whose end was already announced.
    announced: HashSet<u64>,
}

impl DownloadsState {
    pub fn open(cx: &Cx<'_>) -> Self {
        Self {
            queue: Queue::new(cx.tasks.handle().clone(), 3).ok(),
            folder: cx
                .load(&settings::DOWNLOADS_FOLDER)
                .unwrap_or_else(|| cx.dirs.downloads.clone()),
            origins: HashMap::new(),
            announced: HashSet::new(),
        }
    }

    pub fn apply(&mut self, command: DownloadsCommand, cx: &mut Cx<'_>) -> Vec<UiEffect> {
        match command {
            DownloadsCommand::Add {
                url,
                name,
                checksum,
                origin,
            } => self.add(url, name, checksum, origin, cx),
            DownloadsCommand::Queue(action) => {
                if let Some(q) = &self.queue {
                    q.apply(action);
                }
            }
            DownloadsCommand::ChooseFolder => return vec![UiEffect::PickDownloadFolder],
            DownloadsCommand::SetFolder(dir) => match std::fs::create_dir_all(&dir) {
                Ok(()) => {
                    cx.save(&settings::DOWNLOADS_FOLDER, &dir);
                    self.folder = dir;
                }
                Err(e) => cx.notify(
                    Level::Error,
                    "That folder cannot take downloads",
                    format!("{}: {e}. Choose another folder.", dir.display()),
                ),
            },
        }
        Vec::new()
    }

    fn add(
        &mut self,
        url: String,
        name: String,
        checksum: Option<String>,
        origin: Option<FileOrigin>,
        cx: &mut Cx<'_>,
    ) {
        let bearer = cx.tokens.for_url(&url);
        let req = crate::transfer::download::Request {
            url,
            dir: self.folder.clone(),
            name,
            checksum,
            bearer,
            overwrite: false,
        };
        match &self.queue {
            Some(q) => {
                let id = q.add(req);
                if let Some(o) = origin {
                    self.origins.insert(id, o);
                }
            }
            None => cx.notify(
                Level::Error,
                "Downloads are not available",
                "Panorama could not set up its HTTP client; see the log for details.",
            ),
        }
    }

    /// Announce downloads that ended since the last poll, and remember
    /// which record each finished file came from.
    pub fn poll(&mut self, cx: &mut Cx<'_>) {
        let Some(q) = &self.queue else {
            return;
        };
        for item in q.items() {
            if !item.state.is_final() || !self.announced.insert(item.id) {
                continue;
            }
            if let (ItemState::Done(path), Some(origin), Some(store)) =
                (&item.state, self.origins.remove(&item.id), cx.store())
                && let Err(e) = store.record_origin(path, &origin)
            {
                tracing::warn!("where {} came from was not remembered: {e}", path.display());
            }
            match item.state {
                ItemState::Done(path) => cx.notify(
                    Level::Info,
                    format!("Downloaded {}", item.name),
                    path.display().to_string(),
                ),
                ItemState::Exists(path) => cx.notify(
                    Level::Warning,
                    format!("{} is already in the folder", item.name),
                    format!(
                        "{} was not replaced. Replace it from the Downloads tab, or choose another folder.",
                        path.display()
                    ),
                ),
                ItemState::Failed(e) => {
                    cx.notify(Level::Error, format!("Could not download {}", item.name), e);
                }
                _ => {}
            }
        }
    }

    /// True while a download runs or one that ended is not announced yet.
    pub fn busy(&self) -> bool {
        self.queue.as_ref().is_some_and(|q| {
            q.busy()
                || q.items()
                    .iter()
                    .any(|i| i.state.is_final() && !self.announced.contains(&i.id))
        })
    }
}
