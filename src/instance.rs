//! One window per user and data folder: a second `panorama FILE…` (a
//! double-click in the file manager) hands its files to the window that is
//! already open and exits, instead of starting a second app on the same
//! settings store.
//!
//! The window listens on a Unix socket in a folder private to the user
//! (`$XDG_RUNTIME_DIR/panorama/`, or `/tmp/panorama-<uid-of-data-folder>/`),
//! named after the data folder and the display, so two test homes or two
//! displays each have their own window. The request is one JSON line,
//! `{"open":["/abs/a.nxs","https://…"]}`; the answer is `{"ok":true}`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::paths::AppDirs;

/// How long a second launch waits for the running window to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest request read (a few thousand paths).
const MAX_REQUEST: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("the folder for the single-window socket ({path}) could not be made private: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the folder {0} is shared with other users or not yours, so Panorama does not listen there"
    )]
    NotPrivate(PathBuf),
    #[error("the single-window socket {path} could not be opened: {source}")]
    Socket {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a launch should do.
pub enum Claim {
    /// No window is running: open one, and take what later launches send.
    Primary(Inbox),
    /// The running window took the files (`count` of them) and was raised.
    HandedOff { count: usize },
}

#[derive(Debug, Serialize, Deserialize)]
struct Request {
    open: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Answer {
    ok: bool,
}

type Wake = Arc<Mutex<Option<Box<dyn Fn() + Send>>>>;

/// The files later launches asked the window to open.
pub struct Inbox {
    rx: mpsc::Receiver<Vec<String>>,
    wake: Wake,
    socket: Option<PathBuf>,
}

impl Inbox {
    /// An inbox nobody sends to (no socket could be made, or tests).
    pub fn detached() -> (Self, mpsc::Sender<Vec<String>>) {
        let (tx, rx) = mpsc::channel();
        (
            Self {
                rx,
                wake: Arc::default(),
                socket: None,
            },
            tx,
        )
    }

    /// Called (from the listener thread) whenever a request arrives, so the
    /// window repaints and reads it.
    pub fn set_wake(&self, wake: impl Fn() + Send + 'static) {
        if let Ok(mut w) = self.wake.lock() {
            *w = Some(Box::new(wake));
        }
    }

    /// Requests received since the last call, each a list of paths/URLs
    /// (empty: just raise the window).
    pub fn drain(&self) -> Vec<Vec<String>> {
        self.rx.try_iter().collect()
    }

    /// The socket this window listens on.
    pub fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        if let Some(p) = &self.socket {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Make relative file paths absolute against this process's folder (the
/// window that opens them runs elsewhere); URLs pass unchanged.
pub fn absolute_targets(targets: &[String]) -> Vec<String> {
    targets
        .iter()
        .map(|t| {
            if t.contains("://") {
                t.clone()
            } else {
                std::path::absolute(t).map_or_else(|_| t.clone(), |p| p.display().to_string())
            }
        })
        .collect()
}

/// Hand `targets` to the running window, or become it.
pub fn claim(dirs: &AppDirs, targets: &[String]) -> Result<Claim, InstanceError> {
    let run = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty());
    claim_in(dirs, targets, run.as_deref().map(Path::new))
}

/// [`claim`] with the runtime folder given (`None`: a private folder under
/// the temporary folder).
#[cfg(unix)]
pub fn claim_in(
    dirs: &AppDirs,
    targets: &[String],
    runtime: Option<&Path>,
) -> Result<Claim, InstanceError> {
    use std::os::unix::net::{UnixListener, UnixStream};

    let path = socket_path(dirs, runtime)?;
    let targets = absolute_targets(targets);
    for _attempt in 0..2 {
        match UnixStream::connect(&path) {
            Ok(stream) => {
                if send(stream, &targets).is_ok() {
                    return Ok(Claim::HandedOff {
                        count: targets.len(),
                    });
                }
                // A window that does not answer is hung or closing: open our
                // own, on a socket of our own making.
                tracing::warn!("the running window did not answer; opening another");
                let _ = std::fs::remove_file(&path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                // Left over from a window that was killed.
                let _ = std::fs::remove_file(&path);
            }
            Err(_) => {}
        }
        match UnixListener::bind(&path) {
            Ok(listener) => return Ok(Claim::Primary(listen(listener, path))),
            // Another launch bound it first: hand our files to that one.
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(source) => return Err(InstanceError::Socket { path, source }),
        }
    }
    Err(InstanceError::Socket {
        path,
        source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
    })
}

#[cfg(not(unix))]
pub fn claim_in(
    _dirs: &AppDirs,
    _targets: &[String],
    _runtime: Option<&Path>,
) -> Result<Claim, InstanceError> {
    Ok(Claim::Primary(Inbox::detached().0))
}

#[cfg(unix)]
fn send(mut stream: std::os::unix::net::UnixStream, targets: &[String]) -> std::io::Result<()> {
    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    stream.set_write_timeout(Some(ANSWER_TIMEOUT))?;
    let mut line = serde_json::to_vec(&Request {
        open: targets.to_vec(),
    })?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut answer = String::new();
    BufReader::new(stream.take(4096)).read_line(&mut answer)?;
    match serde_json::from_str::<Answer>(&answer) {
        Ok(Answer { ok: true }) => Ok(()),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the running window did not take the files",
        )),
    }
}

#[cfg(unix)]
fn listen(listener: std::os::unix::net::UnixListener, path: PathBuf) -> Inbox {
    let (tx, rx) = mpsc::channel();
    let wake: Wake = Arc::default();
    let thread_wake = wake.clone();
    let spawned = std::thread::Builder::new()
        .name("single-window".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                match serve(stream) {
                    Ok(targets) => {
                        if tx.send(targets).is_err() {
                            return;
                        }
                        if let Ok(w) = thread_wake.lock()
                            && let Some(w) = w.as_ref()
                        {
                            w();
                        }
                    }
                    Err(e) => tracing::warn!("a request to open files was not understood: {e}"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("later launches cannot hand files to this window: {e}");
    }
    Inbox {
        rx,
        wake,
        socket: Some(path),
    }
}

#[cfg(unix)]
fn serve(stream: std::os::unix::net::UnixStream) -> std::io::Result<Vec<String>> {
    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    stream.set_write_timeout(Some(ANSWER_TIMEOUT))?;
    let mut line = String::new();
    BufReader::new((&stream).take(MAX_REQUEST)).read_line(&mut line)?;
    let request: Request = serde_json::from_str(&line)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    let mut answer = serde_json::to_vec(&Answer { ok: true })?;
    answer.push(b'\n');
    (&stream).write_all(&answer)?;
    Ok(request.open)
}

/// The socket for this data folder and display, in a folder only the user
/// can enter.
#[cfg(unix)]
pub fn socket_path(dirs: &AppDirs, runtime: Option<&Path>) -> Result<PathBuf, InstanceError> {
    use sha2::Digest;
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};

    std::fs::create_dir_all(&dirs.data).map_err(|source| InstanceError::Folder {
        path: dirs.data.clone(),
        source,
    })?;
    // The data folder is the user's own: its owner is who we are.
    let me = std::fs::metadata(&dirs.data)
        .map_err(|source| InstanceError::Folder {
            path: dirs.data.clone(),
            source,
        })?
        .uid();
    let folder = match runtime {
        Some(run) => run.join("panorama"),
        None => std::env::temp_dir().join(format!("panorama-{me}")),
    };
    match std::fs::DirBuilder::new().mode(0o700).create(&folder) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(source) => {
            return Err(InstanceError::Folder {
                path: folder,
                source,
            });
        }
    }
    let meta = std::fs::symlink_metadata(&folder).map_err(|source| InstanceError::Folder {
        path: folder.clone(),
        source,
    })?;
    if !meta.is_dir() || meta.uid() != me || meta.permissions().mode() & 0o077 != 0 {
        return Err(InstanceError::NotPrivate(folder));
    }
    let mut key = sha2::Sha256::new();
    key.update(dirs.data.as_os_str().as_encoded_bytes());
    for var in ["WAYLAND_DISPLAY", "DISPLAY"] {
        key.update(b"\0");
        if let Some(v) = std::env::var_os(var) {
            key.update(v.as_encoded_bytes());
        }
    }
    let digest = key.finalize();
    let name = digest[..8].iter().fold(String::new(), |mut name, b| {
        use std::fmt::Write as _;
        let _ = write!(name, "{b:02x}");
        name
    });
    Ok(folder.join(format!("{name}.sock")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_become_absolute_and_urls_stay() {
        let out = absolute_targets(&["scan.nxs".into(), "https://h/x.h5".into()]);
        assert!(Path::new(&out[0]).is_absolute(), "{out:?}");
        assert!(out[0].ends_with("scan.nxs"));
        assert_eq!(out[1], "https://h/x.h5");
    }

    #[cfg(unix)]
    #[test]
    fn a_second_launch_hands_its_files_to_the_first_and_a_dead_socket_is_replaced() {
        let home = tempfile::tempdir().expect("tmp");
        let run = tempfile::tempdir().expect("tmp");
        let dirs = AppDirs::under(home.path());
        let path = socket_path(&dirs, Some(run.path())).expect("path");
        assert!(path.starts_with(run.path()));

        let Claim::Primary(inbox) = claim_in(&dirs, &[], Some(run.path())).expect("first") else {
            panic!("the first launch must open the window");
        };
        assert_eq!(inbox.socket(), Some(path.as_path()));
        let (tx, rx) = mpsc::channel();
        inbox.set_wake(move || {
            let _ = tx.send(());
        });
        let second = claim_in(&dirs, &["a.h5".into(), "b.nxs".into()], Some(run.path()))
            .expect("second launch");
        assert!(matches!(second, Claim::HandedOff { count: 2 }));
        rx.recv_timeout(Duration::from_secs(5)).expect("woken");
        let got = inbox.drain();
        assert_eq!(got.len(), 1);
        assert!(got[0][0].ends_with("a.h5") && Path::new(&got[0][0]).is_absolute());
        assert!(got[0][1].ends_with("b.nxs"));

        // Another data folder (another test home) gets a window of its own.
        let other = tempfile::tempdir().expect("tmp");
        let other = AppDirs::under(other.path());
        assert!(matches!(
            claim_in(&other, &[], Some(run.path())).expect("other"),
            Claim::Primary(_)
        ));

        // A window killed with -9 leaves its socket file behind, with nobody
        // listening: the next launch opens a window instead of failing.
        // (The forgotten inbox's listener still runs in this process, so
        // its file is replaced by one that nobody listens on.)
        std::mem::forget(inbox);
        std::fs::remove_file(&path).expect("rm");
        drop(std::os::unix::net::UnixListener::bind(&path).expect("stale"));
        assert!(path.exists(), "a dropped listener leaves its file");
        let fourth = claim_in(&dirs, &["c.h5".into()], Some(run.path())).expect("fourth");
        assert!(matches!(fourth, Claim::Primary(_)));
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_other_users_can_enter_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().expect("tmp");
        let run = tempfile::tempdir().expect("tmp");
        let shared = run.path().join("panorama");
        std::fs::create_dir(&shared).expect("mkdir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = socket_path(&AppDirs::under(home.path()), Some(run.path())).expect_err("shared");
        assert!(matches!(err, InstanceError::NotPrivate(_)), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_garbled_request_gets_no_answer_and_the_window_keeps_listening() {
        let home = tempfile::tempdir().expect("tmp");
        let run = tempfile::tempdir().expect("tmp");
        let dirs = AppDirs::under(home.path());
        let Claim::Primary(inbox) = claim_in(&dirs, &[], Some(run.path())).expect("first") else {
            panic!("first launch");
        };
        let path = inbox.socket().expect("socket").to_path_buf();
        let mut s = std::os::unix::net::UnixStream::connect(&path).expect("connect");
        s.write_all(b"not json\n").expect("write");
        let mut answer = String::new();
        let _ = BufReader::new(s).read_line(&mut answer);
        assert!(answer.is_empty(), "{answer}");
        let again = claim_in(&dirs, &["x.h5".into()], Some(run.path())).expect("again");
        assert!(matches!(again, Claim::HandedOff { count: 1 }));
    }
}
