//! WebDAV folder listings (`PROPFIND`, `Depth: 1`) as dCache and other
//! storage serve them: the files below a folder URL with sizes, walked into
//! subfolders, ready for the download queue.

use std::time::Duration;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::catalogue::{CatalogueError, DataFile};
use crate::net::credentials::Secret;

/// One entry of a `multistatus` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The decoded path from `<href>`.
    pub href: String,
    pub folder: bool,
    pub size: Option<u64>,
}

fn bad(detail: impl Into<String>) -> CatalogueError {
    CatalogueError::Malformed {
        source_name: "WebDAV".into(),
        detail: detail.into(),
    }
}

/// Parse a `207 Multi-Status` body. Never panics on bad input.
pub fn parse_multistatus(xml: &str) -> Result<Vec<Entry>, CatalogueError> {
    let mut r = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut cur: Option<Entry> = None;
    let mut text = String::new();
    let mut saw_root = false;
    loop {
        match r.read_event() {
            Err(e) => return Err(bad(format!("the listing's XML is broken: {e}"))),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match name.as_str() {
                    "multistatus" => saw_root = true,
                    "response" => {
                        cur = Some(Entry {
                            href: String::new(),
                            folder: false,
                            size: None,
                        });
                    }
                    "collection" => {
                        if let Some(c) = cur.as_mut() {
                            c.folder = true;
                        }
                    }
                    _ => {}
                }
                text.clear();
                path.push(name);
            }
            Ok(Event::Empty(e)) => {
                if e.local_name().as_ref() == b"collection"
                    && let Some(c) = cur.as_mut()
                {
                    c.folder = true;
                }
            }
            Ok(Event::Text(t)) => {
                let s = t.decode().map_err(|e| bad(e.to_string()))?;
                text.push_str(&s);
            }
            Ok(Event::GeneralRef(g)) => {
                let name = g.decode().map_err(|e| bad(e.to_string()))?;
                text.push_str(crate::catalogue::xml_entity(&name));
            }
            Ok(Event::End(_)) => {
                let name = path.pop().unwrap_or_default();
                let t = std::mem::take(&mut text);
                let t = t.trim();
                match (name.as_str(), cur.as_mut()) {
                    ("href", Some(c)) if c.href.is_empty() => {
                        c.href = percent_encoding::percent_decode_str(t)
                            .decode_utf8_lossy()
                            .into_owned();
                    }
                    ("getcontentlength", Some(c)) => c.size = t.parse().ok(),
                    ("response", _) => {
                        if let Some(c) = cur.take()
                            && !c.href.is_empty()
                        {
                            out.push(c);
                        }
                    }
                    _ => {}
                }
            }
            Ok(_) => {}
        }
    }
    if !saw_root {
        return Err(bad("this is not a WebDAV listing (no multistatus)"));
    }
    Ok(out)
}

/// Everything a listing needs.
pub struct Lister {
    client: reqwest::Client,
    bearer: Option<Secret>,
    /// Most folders deep a walk goes.
    pub max_depth: usize,
    /// Most files a walk returns.
    pub max_files: usize,
}

const PROPFIND_BODY: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/></D:prop></D:propfind>"#;

impl Lister {
    pub fn new(bearer: Option<Secret>) -> Result<Self, CatalogueError> {
        let client =
            crate::net::async_client(Duration::from_secs(60)).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            client,
            bearer,
            max_depth: 8,
            max_files: 100_000,
        })
    }

    /// True when `url` is a WebDAV folder (a `Depth: 0` PROPFIND answers
    /// with a collection); false for files and servers without WebDAV.
    pub async fn is_folder(&self, url: &str) -> bool {
        let Ok(method) = reqwest::Method::from_bytes(b"PROPFIND") else {
            return false;
        };
        let mut req = self
            .client
            .request(method, url)
            .header("Depth", "0")
            .header(reqwest::header::CONTENT_TYPE, "application/xml")
            .body(PROPFIND_BODY);
        if let Some(t) = &self.bearer {
            req = req.bearer_auth(t.expose());
        }
        let Ok(resp) = req.send().await else {
            return false;
        };
        if resp.status().as_u16() != 207 {
            return false;
        }
        crate::net::text_limited(resp, crate::net::limits::WEBDAV_LISTING, "a folder listing")
            .await
            .ok()
            .and_then(|b| parse_multistatus(&b).ok())
            .is_some_and(|e| e.first().is_some_and(|e| e.folder))
    }

    /// The entries of one folder (the folder itself left out).
    pub async fn list(&self, folder: &url::Url) -> Result<Vec<Entry>, CatalogueError> {
        let method = reqwest::Method::from_bytes(b"PROPFIND").map_err(|e| bad(e.to_string()))?;
        let mut req = self
            .client
            .request(method, folder.clone())
            .header("Depth", "1")
            .header(reqwest::header::CONTENT_TYPE, "application/xml")
            .body(PROPFIND_BODY);
        if let Some(t) = &self.bearer {
            req = req.bearer_auth(t.expose());
        }
        let http = |status: u16, detail: String| CatalogueError::Http {
            source_name: folder.host_str().unwrap_or("WebDAV").to_owned(),
            status,
            detail,
        };
        let resp = req.send().await.map_err(|e| http(0, e.to_string()))?;
        let status = resp.status().as_u16();
        if status == 401 {
            return Err(CatalogueError::SignInRequired {
                source_name: folder.host_str().unwrap_or("WebDAV").to_owned(),
            });
        }
        if status != 207 {
            return Err(http(
                status,
                "the server does not list this folder (WebDAV PROPFIND)".into(),
            ));
        }
        let body =
            crate::net::text_limited(resp, crate::net::limits::WEBDAV_LISTING, "a folder listing")
                .await
                .map_err(|e| http(0, e.to_string()))?;
        let own = percent_encoding::percent_decode_str(folder.path())
            .decode_utf8_lossy()
            .trim_end_matches('/')
            .to_owned();
        Ok(parse_multistatus(&body)?
            .into_iter()
            .filter(|e| e.href.trim_end_matches('/') != own)
            .collect())
    }

    /// Every file below `folder`, walking subfolders, each named by its path
    /// relative to `folder` and with its URL.
    pub async fn walk(&self, folder: &str) -> Result<Vec<DataFile>, CatalogueError> {
        if !crate::net::is_web_url(folder) {
            return Err(bad(format!("“{folder}” is not an http or https address")));
        }
        let mut root = url::Url::parse(folder).map_err(|e| bad(e.to_string()))?;
        if !root.path().ends_with('/') {
            let p = format!("{}/", root.path());
            root.set_path(&p);
        }
        let root_path = percent_encoding::percent_decode_str(root.path())
            .decode_utf8_lossy()
            .into_owned();
        let mut files = Vec::new();
        let mut todo = vec![(root.clone(), 0usize)];
        while let Some((dir, depth)) = todo.pop() {
            for e in self.list(&dir).await? {
                // hrefs are absolute paths or full URLs; both resolve against the folder.
                let Ok(url) = dir.join(&e.href) else {
                    continue;
                };
                if url.origin() != root.origin() {
                    continue;
                }
                let path = percent_encoding::percent_decode_str(url.path())
                    .decode_utf8_lossy()
                    .into_owned();
                let Some(rel) = path.strip_prefix(&root_path) else {
                    continue;
                };
                if e.folder {
                    if depth + 1 < self.max_depth {
                        todo.push((url, depth + 1));
                    }
                } else if files.len() < self.max_files {
                    files.push(DataFile {
                        name: rel.to_owned(),
                        size: e.size,
                        url: Some(url.to_string()),
                        ..DataFile::default()
                    });
                }
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wsgidav_listing_parses() {
        let xml = r#"<?xml version="1.0" encoding="utf-8" ?>
<D:multistatus xmlns:D="DAV:"><D:response><D:href>/public/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response><D:href>/public/scan%20one.h5</D:href><D:propstat><D:prop><D:resourcetype/><D:getcontentlength>100000</D:getcontentlength></D:prop></D:propstat></D:response>
<D:response><D:href>/public/sub/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop></D:propstat></D:response></D:multistatus>"#;
        let e = parse_multistatus(xml).expect("parse");
        assert_eq!(e.len(), 3);
        assert!(e[0].folder);
        assert_eq!(e[1].href, "/public/scan one.h5");
        assert_eq!(e[1].size, Some(100_000));
        assert!(!e[1].folder);
        assert!(e[2].folder);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_multistatus("<html>no</html>").is_err());
        assert!(parse_multistatus("<D:multistatus xmlns:D=\"DAV:\"><D:response>").is_ok());
        let mut x: u32 = 7;
        for n in 0..2000 {
            let junk: String = (0..(n % 200))
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    b"<>/D:multistatusresponsehref&;# \"="[(x >> 16) as usize % 34] as char
                })
                .collect();
            let _ = parse_multistatus(&junk);
        }
    }
}
