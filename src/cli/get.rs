//! `panorama get PID_OR_URL [-o DIR]`: download a dataset's files (found by
//! DOI/PID in the enabled catalogue sources), a WebDAV folder, or one file,
//! through the download queue: resumable, checksum-verified, never outside DIR.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::catalogue::DataFile;
use crate::paths::AppDirs;
use crate::transfer::download::{Request, split_relative};
use crate::transfer::queue::{ItemState, Queue};
use crate::transfer::webdav;

/// What `get` fetches: files with their URL or local copy. A name with
/// folders (`run1/data.h5`, from a WebDAV folder or a catalogue) keeps them
/// under the output folder.
struct Planned {
    file: DataFile,
    /// The catalogue record the file belongs to (for a DOI or PID).
    origin: Option<crate::store::FileOrigin>,
}

fn plan_url(rt: &crate::runtime::Runtime, url: &str) -> Result<Vec<Planned>, String> {
    let lister = webdav::Lister::new(None).map_err(|e| e.to_string())?;
    if url.ends_with('/') || rt.block_on(lister.is_folder(url)) {
        eprintln!("listing {url} …");
        let files = rt.block_on(lister.walk(url)).map_err(|e| e.to_string())?;
        return Ok(files
            .into_iter()
            .map(|f| Planned {
                file: f,
                origin: None,
            })
            .collect());
    }
    let name = url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.path_segments()
                .and_then(|mut s| s.next_back().map(str::to_owned))
        })
        .map(|n| {
            percent_encoding::percent_decode_str(&n)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "download".into());
    Ok(vec![Planned {
        file: DataFile {
            name,
            url: Some(url.to_owned()),
            ..DataFile::default()
        },
        origin: None,
    }])
}

fn plan_pid(
    dirs: &AppDirs,
    rt: &crate::runtime::Runtime,
    pid: &str,
) -> Result<Vec<Planned>, String> {
    let mut state = crate::state::AppState::new(dirs.clone(), rt.tasks().clone());
    let bare = crate::catalogue::datacite::bare_doi(pid);
    let pid = bare.as_deref().unwrap_or(pid);
    let wanted = crate::catalogue::Dataset {
        pid: Some(pid.trim().to_owned()),
        ..crate::catalogue::Dataset::default()
    }
    .key();
    state.apply(crate::command::SearchCommand::Run(pid.trim().to_owned()));
    while state.search.running() {
        let _ = state.poll();
        std::thread::sleep(Duration::from_millis(20));
    }
    let Some(d) = state.search.results.iter().find(|d| d.key() == wanted) else {
        let failed: Vec<String> = state
            .search
            .runs
            .iter()
            .filter_map(|r| match &r.status {
                crate::state::Requested::Failed { error: m, .. } => {
                    Some(format!("{}: {m}", r.name))
                }
                _ => None,
            })
            .collect();
        return Err(if failed.is_empty() {
            format!("no enabled source knows {pid}")
        } else {
            format!(
                "no source that answered knows {pid}; these could not be asked: {}",
                failed.join("; ")
            )
        });
    };
    eprintln!("{}  ({})", d.title, d.sources.join(", "));
    let key = d.key();
    state.apply(crate::command::SearchCommand::ShowDataset(key.clone()));
    while state.busy() {
        let _ = state.poll();
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Some((_, crate::state::Requested::Failed { error: e, .. })) = &state.search.files {
        return Err(format!("the file list could not be read: {e}"));
    }
    let d = state
        .search
        .results
        .iter()
        .find(|d| d.key() == key)
        .ok_or("the dataset disappeared from the results")?;
    Ok(d.files
        .iter()
        .map(|f| Planned {
            origin: Some(
                d.file_origin(f.url.as_deref().or(f.local.as_deref()).unwrap_or_default()),
            ),
            file: f.clone(),
        })
        .collect())
}

/// Copy a file shipped with Panorama (the demo catalogue's samples).
/// Copy a local file into `dir`, in the folders its name gives (sanitised
/// as the download queue does).
fn copy_local(from: &Path, dir: &Path, name: &str, overwrite: bool) -> Result<PathBuf, String> {
    let (sub, name) = split_relative(name).map_err(|e| e.to_string())?;
    let dir = dir.join(sub);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let to = dir.join(name);
    if to.exists() && !overwrite {
        return Err(format!(
            "{} already exists; use --overwrite to replace it",
            to.display()
        ));
    }
    std::fs::copy(from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
    Ok(to)
}

pub fn get(
    dirs: &AppDirs,
    target: &str,
    out: Option<&Path>,
    parallel: usize,
    overwrite: bool,
) -> ExitCode {
    let Some(runtime) = super::runtime_or_say() else {
        return ExitCode::FAILURE;
    };
    let dir = out.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let doi_link = url::Url::parse(target)
        .ok()
        .is_some_and(|u| matches!(u.host_str(), Some("doi.org" | "dx.doi.org")));
    let planned = if crate::net::is_web_url(target) && !doi_link {
        plan_url(&runtime, target)
    } else if target.contains("://") && !doi_link {
        Err(format!(
            "“{target}” is neither an http(s) address nor a DOI/PID"
        ))
    } else {
        plan_pid(dirs, &runtime, target)
    };
    let planned = match planned {
        Ok(p) if p.is_empty() => {
            eprintln!("panorama: {target} has no files to download");
            return ExitCode::FAILURE;
        }
        Ok(p) => p,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::FAILURE;
        }
    };
    let queue = match Queue::new(runtime.tasks().handle().clone(), parallel) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = 0;
    let mut copied = Vec::new();
    let mut origins = std::collections::HashMap::new();
    let store = crate::store::Store::open(&dirs.database()).ok();
    for p in &planned {
        match (&p.file.url, &p.file.local) {
            (Some(url), _) => {
                let id = queue.add_sized(
                    Request {
                        url: url.clone(),
                        dir: dir.clone(),
                        name: p.file.name.clone(),
                        checksum: p.file.checksum.clone(),
                        bearer: None,
                        overwrite,
                    },
                    p.file.size,
                );
                if let Some(o) = &p.origin {
                    origins.insert(id, o.clone());
                }
            }
            (None, Some(local)) => {
                match copy_local(Path::new(local), &dir, &p.file.name, overwrite) {
                    Ok(to) => {
                        if let (Some(s), Some(o)) = (&store, &p.origin) {
                            let _ = s.record_origin(&to, o);
                        }
                        copied.push(to);
                    }
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}: {e}", p.file.name);
                    }
                }
            }
            (None, None) => {
                failed += 1;
                eprintln!(
                    "{}: the catalogue lists this file without a download address",
                    p.file.name
                );
            }
        }
    }
    let total_files = queue.items().len();
    if total_files > 0 {
        eprintln!(
            "downloading {total_files} file(s) into {}, {} at a time",
            dir.display(),
            queue.limit()
        );
    }
    runtime.block_on(async {
        while queue.busy() {
            let (done, total, unknown) = queue.totals();
            let running = queue
                .items()
                .iter()
                .filter(|i| i.state == ItemState::Running)
                .count();
            let share = if total > 0 && !unknown {
                let pct = done as f64 * 100.0 / total as f64;
                format!(" ({pct:.0}%)")
            } else {
                String::new()
            };
            eprint!(
                "\r{} of {}{share}, {running} running   ",
                crate::units::human_bytes(done),
                if total > 0 {
                    crate::units::human_bytes(total)
                } else {
                    "?".into()
                },
            );
            tokio::select! {
                () = queue.wait_idle() => {}
                () = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
        }
    });
    if total_files > 0 {
        eprintln!();
    }
    for to in copied {
        println!("{}", to.display());
    }
    for item in queue.items() {
        match item.state {
            ItemState::Done(path) => {
                // Runs that read the file can name the dataset it came from.
                if let (Some(s), Some(o)) = (&store, origins.get(&item.id)) {
                    let _ = s.record_origin(&path, o);
                }
                println!("{}", path.display());
            }
            ItemState::Exists(path) => {
                failed += 1;
                eprintln!(
                    "{}: {} already exists; use --overwrite to replace it",
                    item.name,
                    path.display()
                );
            }
            ItemState::Failed(e) => {
                failed += 1;
                eprintln!("{}: {e}", item.name);
            }
            _ => {}
        }
    }
    if failed > 0 {
        eprintln!("panorama: {failed} file(s) not downloaded");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_folders_cannot_climb_out() {
        let subdir = |rel: &str| split_relative(rel).map(|(d, _)| d).unwrap_or_default();
        assert_eq!(subdir("a/b/c.h5"), PathBuf::from("a/b"));
        assert_eq!(subdir("c.h5"), PathBuf::new());
        assert_eq!(subdir("../../etc/passwd"), PathBuf::from("etc"));
        assert_eq!(subdir("/x/../y/z"), PathBuf::from("x/y"));
    }

    #[test]
    fn a_local_copy_keeps_the_folders_of_its_name() {
        let tmp = tempfile::tempdir().expect("tmp");
        let from = tmp.path().join("source.h5");
        std::fs::write(&from, "data").expect("write");
        let out = tmp.path().join("out");
        let to = copy_local(&from, &out, "run1/../raw/scan.h5", false).expect("copy");
        assert_eq!(to, out.join("run1/raw/scan.h5"));
        assert!(
            copy_local(&from, &out, "run1/raw/scan.h5", false).is_err(),
            "no overwrite"
        );
    }
}
