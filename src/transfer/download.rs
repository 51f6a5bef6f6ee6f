//! Downloads: safe file names, HTTP Range resume after an interruption or a
//! restart, checksum verification (md5, sha256, adler32 as dCache uses), and
//! no overwriting without being asked.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use crate::net::credentials::SharedTokens;

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("“{0}” is not a usable file name")]
    BadName(String),
    #[error("only http and https links are downloaded (“{0}”)")]
    NotWebUrl(String),
    #[error("{0} already exists; choose another folder or allow overwriting")]
    Exists(String),
    #[error("the server answered {status} for {url}")]
    Http { status: u16, url: String },
    #[error("the download stopped: {0}. Start it again to resume where it stopped")]
    Network(String),
    #[error(
        "the file is damaged: its {algorithm} checksum is {actual}, the catalogue says {expected}. It was kept as {kept} for inspection"
    )]
    Checksum {
        algorithm: String,
        expected: String,
        actual: String,
        kept: String,
    },
    #[error("checksum “{0}” uses an algorithm Panorama does not know")]
    UnknownChecksum(String),
    #[error("could not write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cancelled; the part already downloaded is kept and the next start resumes it")]
    Cancelled,
}

/// A safe local file name from a name given by a server or catalogue: the last
/// path component only, no control characters, no `.`/`..`, no hidden-file trick.
pub fn sanitize_file_name(name: &str) -> Result<String, DownloadError> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." || cleaned.len() > 255 {
        return Err(DownloadError::BadName(name.to_owned()));
    }
    Ok(cleaned)
}

/// A catalogue's file name that may name folders (`run1/data.h5`, as
/// SciCat's datablocks and WebDAV listings do): the folders to keep, each
/// sanitised like a file name (`..`, `.` and empty parts dropped, at most
/// 16 deep), and the file name.
pub fn split_relative(name: &str) -> Result<(PathBuf, String), DownloadError> {
    let parts: Vec<&str> = name
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    let Some((file, folders)) = parts.split_last() else {
        return Err(DownloadError::BadName(name.to_owned()));
    };
    let file = sanitize_file_name(file)?;
    let mut dir = PathBuf::new();
    for folder in folders.iter().rev().take(16).rev() {
        if let Ok(clean) = sanitize_file_name(folder) {
            dir.push(clean);
        }
    }
    Ok((dir, file))
}

/// One file to fetch.
#[derive(Clone)]
pub struct Request {
    pub url: String,
    pub dir: PathBuf,
    /// Name as the catalogue gives it; sanitised before use.
    pub name: String,
    /// `algorithm:hex`, e.g. `md5:…`, `sha256:…`, `adler32:…`.
    pub checksum: Option<String>,
    /// The account whose token the request carries (only for servers bound
    /// to it; see `AppState::server_accounts`).
    pub bearer: Option<SharedTokens>,
    pub overwrite: bool,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("url", &self.url)
            .field("dir", &self.dir)
            .field("name", &self.name)
            .field("checksum", &self.checksum)
            .field("account", &self.bearer.as_ref().map(|b| b.label()))
            .field("overwrite", &self.overwrite)
            .finish()
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Compute `algorithm:hex` of a file.
pub fn file_checksum(path: &Path, algorithm: &str) -> Result<String, DownloadError> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).map_err(io(path))?;
    let mut buf = vec![0u8; 1 << 20];
    enum H {
        Md5(md5::Md5),
        Sha256(sha2::Sha256),
        Adler(adler2::Adler32),
    }
    let mut h = match algorithm {
        "md5" => H::Md5(md5::Md5::new()),
        "sha256" | "sha-256" => H::Sha256(sha2::Sha256::new()),
        "adler32" | "adler-32" => H::Adler(adler2::Adler32::new()),
        other => return Err(DownloadError::UnknownChecksum(other.to_owned())),
    };
    loop {
        let n = f.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        match &mut h {
            H::Md5(x) => x.update(&buf[..n]),
            H::Sha256(x) => x.update(&buf[..n]),
            H::Adler(x) => x.write_slice(&buf[..n]),
        }
    }
    let hex = |b: &[u8]| {
        b.iter()
            .fold(String::with_capacity(b.len() * 2), |mut s, x| {
                use std::fmt::Write as _;
                let _ = write!(s, "{x:02x}");
                s
            })
    };
    Ok(match h {
        H::Md5(x) => hex(&x.finalize()),
        H::Sha256(x) => hex(&x.finalize()),
        H::Adler(x) => format!("{:08x}", x.checksum()),
    })
}

/// The `.part` file a download of `req` writes before it is complete.
pub fn part_path(req: &Request) -> Option<PathBuf> {
    let name = sanitize_file_name(&req.name).ok()?;
    Some(req.dir.join(format!(".{name}.part")))
}

/// What a part file was downloaded against (`etag:…` or `date:…`), kept
/// beside it, so a resume asks for the rest of the same file (`If-Range`).
fn validator_path(part: &Path) -> PathBuf {
    let mut p = part.as_os_str().to_owned();
    p.push(".validator");
    PathBuf::from(p)
}

/// The validator of a response: its strong ETag, else its Last-Modified.
fn validator_of(resp: &reqwest::Response) -> Option<String> {
    let h = resp.headers();
    if let Some(tag) = h
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.starts_with("W/"))
    {
        return Some(format!("etag:{tag}"));
    }
    h.get(reqwest::header::LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .map(|d| format!("date:{d}"))
}

/// `Content-Range: bytes START-END/TOTAL` (or `bytes */TOTAL`): the start
/// (None for `*`) and the total (None for `*`).
fn content_range(resp: &reqwest::Response) -> (Option<u64>, Option<u64>) {
    let Some(v) = resp
        .headers()
        .get(reqwest::header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return (None, None);
    };
    let v = v.trim().strip_prefix("bytes").unwrap_or(v).trim();
    let (range, total) = v.split_once('/').unwrap_or((v, "*"));
    let start = range
        .split_once('-')
        .and_then(|(a, _)| a.trim().parse().ok());
    (start, total.trim().parse().ok())
}

/// Download `req` into its folder, resuming a `.part` file left by an earlier
/// try. `progress(done, total)` is called as bytes arrive. A resume asks for
/// the rest of the same file (`If-Range`); when the server's file changed,
/// or it answers with another part than asked for, the download starts
/// again from the beginning (once), so nothing is spliced.
pub async fn fetch(
    client: &reqwest::Client,
    req: &Request,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
    cancel: &CancellationToken,
) -> Result<PathBuf, DownloadError> {
    match fetch_once(client, req, progress, cancel).await? {
        Fetched::Done(p) => Ok(p),
        Fetched::StartAgain(why) => {
            tracing::warn!("{}: {why}; starting again from the beginning", req.url);
            match fetch_once(client, req, progress, cancel).await? {
                Fetched::Done(p) => Ok(p),
                Fetched::StartAgain(why) => Err(DownloadError::Network(why)),
            }
        }
    }
}

/// One try of [`fetch`].
enum Fetched {
    Done(PathBuf),
    /// The part on disk cannot be continued (the part file is removed).
    StartAgain(String),
}

async fn fetch_once(
    client: &reqwest::Client,
    req: &Request,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
    cancel: &CancellationToken,
) -> Result<Fetched, DownloadError> {
    if !crate::net::is_web_url(&req.url) {
        return Err(DownloadError::NotWebUrl(req.url.clone()));
    }
    let name = sanitize_file_name(&req.name)?;
    std::fs::create_dir_all(&req.dir).map_err(io(&req.dir))?;
    let target = req.dir.join(&name);
    if target.exists() && !req.overwrite {
        return Err(DownloadError::Exists(target.display().to_string()));
    }
    let part = req.dir.join(format!(".{name}.part"));
    let validator_file = validator_path(&part);
    let have = std::fs::metadata(&part).map_or(0, |m| m.len());
    let validator = std::fs::read_to_string(&validator_file).ok();
    let start_again = |why: String| {
        let _ = std::fs::remove_file(&part);
        let _ = std::fs::remove_file(&validator_file);
        Ok(Fetched::StartAgain(why))
    };
    let mut builder = client.get(&req.url);
    if let Some(t) = &req.bearer {
        let token = t
            .access_token()
            .await
            .map_err(|e| DownloadError::Network(format!("signing in failed: {e}")))?;
        builder = builder.bearer_auth(token.expose());
    }
    if have > 0 {
        builder = builder.header(reqwest::header::RANGE, format!("bytes={have}-"));
        // Only the rest of the same file: a changed file comes whole (200).
        if let Some(v) = &validator {
            let v = v
                .strip_prefix("etag:")
                .or_else(|| v.strip_prefix("date:"))
                .unwrap_or(v);
            builder = builder.header(reqwest::header::IF_RANGE, v.trim());
        }
    }
    let mut resp = builder
        .send()
        .await
        .map_err(|e| DownloadError::Network(e.to_string()))?;
    let status = resp.status().as_u16();
    let (mut file, mut done, total) = match status {
        206 => {
            // The rest from exactly where the part ends, or nothing.
            let (start, total) = content_range(&resp);
            if have == 0 || start != Some(have) {
                return start_again(format!(
                    "the server sent bytes from {} when the part held {have}",
                    start.map_or_else(|| "an unknown place".to_owned(), |s| s.to_string())
                ));
            }
            let f = std::fs::OpenOptions::new()
                .append(true)
                .open(&part)
                .map_err(io(&part))?;
            (Some(f), have, total)
        }
        200 => {
            // From the beginning (a first try, or a file that changed).
            let f = std::fs::File::create(&part).map_err(io(&part))?;
            match validator_of(&resp) {
                Some(v) => std::fs::write(&validator_file, v).map_err(io(&validator_file))?,
                None => {
                    let _ = std::fs::remove_file(&validator_file);
                }
            }
            (Some(f), 0, resp.content_length())
        }
        // Nothing after the part: complete only if the server's file is
        // exactly as long as it.
        416 if have > 0 => match content_range(&resp).1 {
            Some(t) if t == have => (None, have, Some(have)),
            t => {
                return start_again(format!(
                    "the server's file is {} long, the part {have} bytes",
                    t.map_or_else(|| "of unknown length".to_owned(), |t| format!("{t} bytes"))
                ));
            }
        },
        s => {
            return Err(DownloadError::Http {
                status: s,
                url: req.url.clone(),
            });
        }
    };
    if let Some(f) = file.as_mut() {
        loop {
            let chunk = tokio::select! {
                () = cancel.cancelled() => return Err(DownloadError::Cancelled),
                c = resp.chunk() => c.map_err(|e| DownloadError::Network(e.to_string()))?,
            };
            let Some(bytes) = chunk else {
                break;
            };
            f.write_all(&bytes).map_err(io(&part))?;
            done += bytes.len() as u64;
            progress(done, total);
        }
        f.flush().map_err(io(&part))?;
    }
    if let Some(t) = total
        && done < t
    {
        return Err(DownloadError::Network(format!(
            "{done} of {t} bytes arrived"
        )));
    }
    if let Some(sum) = &req.checksum {
        let (alg, expected) = sum
            .split_once(':')
            .ok_or_else(|| DownloadError::UnknownChecksum(sum.clone()))?;
        let alg = alg.to_ascii_lowercase();
        let actual = file_checksum(&part, &alg)?;
        if !actual.eq_ignore_ascii_case(expected.trim()) {
            return Err(DownloadError::Checksum {
                algorithm: alg,
                expected: expected.to_owned(),
                actual,
                kept: part.display().to_string(),
            });
        }
    }
    std::fs::rename(&part, &target).map_err(io(&target))?;
    let _ = std::fs::remove_file(&validator_file);
    Ok(Fetched::Done(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_in_catalogue_names_are_kept_and_sanitised() {
        let split = |n: &str| split_relative(n).map(|(d, f)| (d.display().to_string(), f));
        assert_eq!(
            split("run1/data.h5").ok(),
            Some(("run1".into(), "data.h5".into()))
        );
        assert_eq!(
            split("../../etc/passwd").ok(),
            Some(("etc".into(), "passwd".into())),
            "no climbing out of the downloads folder"
        );
        assert_eq!(
            split("/abs//raw\\.hidden/./x?.h5").ok(),
            Some(("abs/raw/hidden".into(), "x_.h5".into()))
        );
        assert_eq!(
            split("plain.nxs").ok(),
            Some((String::new(), "plain.nxs".into()))
        );
        assert!(split("../..").is_err() && split("").is_err() && split("/").is_err());
    }

    #[test]
    fn file_names_cannot_escape_the_folder() {
        assert_eq!(
            sanitize_file_name("scan_001.h5").expect("ok"),
            "scan_001.h5"
        );
        assert_eq!(
            sanitize_file_name("../../etc/passwd").expect("ok"),
            "passwd"
        );
        assert_eq!(
            sanitize_file_name("C:\\\\Windows\\\\evil.dll").expect("ok"),
            "evil.dll"
        );
        assert_eq!(sanitize_file_name(".bashrc").expect("ok"), "bashrc");
        assert_eq!(
            sanitize_file_name("a\u{0}b\u{7}c.txt").expect("ok"),
            "abc.txt"
        );
        assert_eq!(sanitize_file_name("what?.h5").expect("ok"), "what_.h5");
        for bad in ["", "..", "/", "dir/", "...", " "] {
            assert!(sanitize_file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn checksums_match_known_values() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = tmp.path().join("x");
        std::fs::write(&p, b"Wikipedia").expect("write");
        assert_eq!(file_checksum(&p, "adler32").expect("adler"), "11e60398");
        assert_eq!(
            file_checksum(&p, "md5").expect("md5"),
            "9c677286866aad38f8e9b660f5411814"
        );
        assert!(file_checksum(&p, "crc7").is_err());
    }
}
