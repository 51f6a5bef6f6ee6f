//! Publishing a draft with the signed-in account: a dataset in SciCat, or a
//! record in InvenioRDM (draft, file uploads, publish).

use std::path::Path;

use serde_json::{Value as J, json};

use super::MetadataError;
use crate::net::credentials::{Secret, TokenSource};

/// Where a draft went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The catalogue's id (SciCat PID, Invenio record id).
    pub id: String,
    /// The record's page, when the catalogue names one.
    pub url: Option<String>,
}

/// What was last sent to one source for one draft: the record's id there,
/// its page, and the draft exactly as it was sent (the next publish shows
/// the difference to it, and updates that record).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SentRecord {
    pub remote_id: String,
    pub url: Option<String>,
    pub draft: super::Draft,
}

fn sent_key(draft: i64, source: &str) -> String {
    format!("metadata.published.{draft}.{source}")
}

/// The record a draft was last published as at `source`, if any.
pub fn sent_record(store: &crate::store::Store, draft: i64, source: &str) -> Option<SentRecord> {
    let text = store.get(&sent_key(draft, source)).ok()??;
    serde_json::from_str(&text).ok()
}

/// Remember what was sent to a source (for the difference shown, and the
/// record updated, when publishing there again).
pub fn remember_sent(
    store: &crate::store::Store,
    draft: i64,
    source: &str,
    sent: &SentRecord,
) -> Result<(), crate::store::StoreError> {
    let text =
        serde_json::to_string(sent).map_err(|e| crate::store::StoreError::Encode(e.to_string()))?;
    store.set(&sent_key(draft, source), &text)
}

fn err(target: &str, detail: impl std::fmt::Display) -> MetadataError {
    MetadataError::Publish {
        target: target.to_owned(),
        detail: detail.to_string(),
    }
}

/// The catalogue's own words for a refused request.
fn refusal(status: u16, body: &str) -> String {
    let j: J = serde_json::from_str(body).unwrap_or(J::Null);
    let mut parts: Vec<String> = Vec::new();
    match j.get("message") {
        Some(J::Array(items)) => {
            parts.extend(items.iter().filter_map(J::as_str).map(str::to_owned));
        }
        Some(J::String(m)) => parts.push(m.clone()),
        _ => {}
    }
    for e in j.get("errors").and_then(J::as_array).into_iter().flatten() {
        let field = e.get("field").and_then(J::as_str).unwrap_or("?");
        let msgs: Vec<&str> = e
            .get("messages")
            .and_then(J::as_array)
            .map(|m| m.iter().filter_map(J::as_str).collect())
            .unwrap_or_default();
        parts.push(format!("{field}: {}", msgs.join(" ")));
    }
    if parts.is_empty() {
        parts.push(body.chars().take(200).collect());
    }
    format!("{status}: {}", parts.join("; "))
}

/// One authenticated request: the account's token, refreshed and retried
/// once after a 401.
async fn send(
    auth: &dyn TokenSource,
    target: &str,
    build: impl Fn(&Secret) -> reqwest::RequestBuilder,
) -> Result<J, MetadataError> {
    let token = auth.access_token().await.map_err(|e| err(target, e))?;
    let mut resp = build(&token)
        .send()
        .await
        .map_err(|e| err(target, format!("cannot reach it: {e}")))?;
    if resp.status().as_u16() == 401 {
        let fresh = auth
            .after_unauthorized(&token)
            .await
            .map_err(|e| err(target, e))?;
        resp = build(&fresh)
            .send()
            .await
            .map_err(|e| err(target, format!("cannot reach it: {e}")))?;
    }
    let status = resp.status().as_u16();
    let body = crate::net::text_limited(resp, crate::net::limits::PUBLISH, "a publish answer")
        .await
        .map_err(|e| err(target, e))?;
    match status {
        200..=299 => Ok(serde_json::from_str(&body).unwrap_or(J::Null)),
        401 | 403 => Err(err(
            target,
            format!(
                "{} may not publish here ({})",
                auth.label(),
                refusal(status, &body)
            ),
        )),
        _ => Err(err(target, format!("refused: {}", refusal(status, &body)))),
    }
}

fn client() -> Result<reqwest::Client, MetadataError> {
    crate::net::async_client(std::time::Duration::from_secs(300)).map_err(|e| err("network", e))
}

/// Create a dataset in SciCat (`POST {base}/Datasets`, v3) from a draft of
/// the SciCat schema.
///
/// With the PID of the dataset this draft was published as before, that
/// dataset is updated (`PATCH {base}/Datasets/{pid}`) instead.
pub async fn to_scicat(
    base: &str,
    auth: &dyn TokenSource,
    doc: &J,
    previous: Option<&str>,
) -> Result<Published, MetadataError> {
    let base = base.trim_end_matches('/');
    let c = client()?;
    // A source at …/api/v4 takes v4's shape: lists of investigators and ids.
    let (collection, body) = if base.ends_with("/v4") {
        (format!("{base}/datasets"), scicat_v4(doc))
    } else {
        (format!("{base}/Datasets"), doc.clone())
    };
    let made = match previous {
        Some(pid) => {
            let url = format!(
                "{collection}/{}",
                percent_encoding::utf8_percent_encode(pid, crate::net::PATH_SEGMENT)
            );
            send(auth, "SciCat", |t| {
                c.patch(&url).bearer_auth(t.expose()).json(&body)
            })
            .await?
        }
        None => {
            send(auth, "SciCat", |t| {
                c.post(&collection).bearer_auth(t.expose()).json(&body)
            })
            .await?
        }
    };
    let pid = made
        .get("pid")
        .and_then(J::as_str)
        .ok_or_else(|| err("SciCat", "the answer names no PID"))?;
    Ok(Published {
        id: pid.to_owned(),
        url: None,
    })
}

/// A v3-shaped SciCat dataset in the v4 shape: `principalInvestigator`,
/// `proposalId`, `sampleId`, `instrumentId` become lists.
pub fn scicat_v4(doc: &J) -> J {
    let mut out = doc.clone();
    if let Some(obj) = out.as_object_mut() {
        for (one, many) in [
            ("principalInvestigator", "principalInvestigators"),
            ("proposalId", "proposalIds"),
            ("sampleId", "sampleIds"),
            ("instrumentId", "instrumentIds"),
        ] {
            if let Some(v) = obj.remove(one) {
                obj.insert(many.into(), J::Array(vec![v]));
            }
        }
    }
    out
}

/// Publish a record to InvenioRDM: create the draft, upload `files`, and
/// publish. A draft without files is published metadata-only.
///
/// With the id of the record this draft was published as before, a new
/// version of that record is made (`POST {base}/records/{id}/versions`, then
/// the metadata put on its draft), so it keeps its concept DOI.
pub async fn to_invenio(
    base: &str,
    auth: &dyn TokenSource,
    doc: &J,
    files: &[&Path],
    previous: Option<&str>,
) -> Result<Published, MetadataError> {
    let base = base.trim_end_matches('/');
    let c = client()?;
    let mut record = doc.clone();
    if let Some(obj) = record.as_object_mut() {
        obj.insert("files".into(), json!({ "enabled": !files.is_empty() }));
    }
    let draft = match previous {
        Some(prev) => {
            let versions = format!(
                "{base}/records/{}/versions",
                percent_encoding::utf8_percent_encode(prev, crate::net::PATH_SEGMENT)
            );
            send(auth, "InvenioRDM", |t| {
                c.post(&versions).bearer_auth(t.expose())
            })
            .await?
        }
        None => {
            let records = format!("{base}/records");
            send(auth, "InvenioRDM", |t| {
                c.post(&records).bearer_auth(t.expose()).json(&record)
            })
            .await?
        }
    };
    let id = draft
        .get("id")
        .and_then(J::as_str)
        .ok_or_else(|| err("InvenioRDM", "the answer names no record id"))?
        .to_owned();
    let draft_url = format!("{base}/records/{id}/draft");
    let uploads = crate::net::transfer_client(std::time::Duration::from_secs(120))
        .map_err(|e| err("network", e))?;
    if previous.is_some() {
        // The new version's draft starts as a copy of the last one: this
        // draft's metadata goes on it.
        send(auth, "InvenioRDM", |t| {
            c.put(&draft_url).bearer_auth(t.expose()).json(&record)
        })
        .await?;
    }
    for path in files {
        let key = crate::transfer::download::sanitize_file_name(
            &path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )
        .map_err(|e| err("InvenioRDM", e))?;
        let unreadable = |e: &dyn std::fmt::Display| MetadataError::Read {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        let size = std::fs::metadata(path).map_err(|e| unreadable(&e))?.len();
        // The file's checksum, read once; the upload streams it from disk.
        let sent = crate::transfer::download::file_checksum(path, "md5")
            .map(|hex| format!("md5:{hex}"))
            .map_err(|e| unreadable(&e))?;
        let files_url = format!("{draft_url}/files");
        send(auth, "InvenioRDM", |t| {
            c.post(&files_url)
                .bearer_auth(t.expose())
                .json(&json!([{ "key": key }]))
        })
        .await?;
        let content = format!("{draft_url}/files/{key}/content");
        // Streamed from the file (never whole in memory), with a time-out
        // for silence rather than for the whole transfer. The InvenioRDM
        // API has no resume for a plain upload: a broken one starts again.
        // Opened for each try (a try again after a token refresh reads the
        // file from its start with a position of its own). A file gone
        // between tries gives an empty body, which the announced
        // Content-Length makes the request fail rather than succeed.
        std::fs::File::open(path).map_err(|e| unreadable(&e))?;
        let body = |path: &Path| -> reqwest::Body {
            match std::fs::File::open(path) {
                Ok(f) => reqwest::Body::from(tokio::fs::File::from_std(f)),
                Err(_) => reqwest::Body::from(Vec::new()),
            }
        };
        send(auth, "InvenioRDM", |t| {
            uploads
                .put(&content)
                .bearer_auth(t.expose())
                .header("Content-Type", "application/octet-stream")
                .header("Content-Length", size)
                .body(body(path))
        })
        .await?;
        let commit = format!("{draft_url}/files/{key}/commit");
        let done = send(auth, "InvenioRDM", |t| {
            c.post(&commit).bearer_auth(t.expose())
        })
        .await?;
        // The server's checksum must be that of what was sent.
        if let Some(got) = done.get("checksum").and_then(J::as_str)
            && got != sent
        {
            return Err(err(
                "InvenioRDM",
                format!("{key} arrived damaged (checksum {got}, sent {sent})"),
            ));
        }
    }
    let publish = format!("{draft_url}/actions/publish");
    let done = send(auth, "InvenioRDM", |t| {
        c.post(&publish).bearer_auth(t.expose())
    })
    .await?;
    Ok(Published {
        id,
        url: done
            .pointer("/links/self_html")
            .and_then(J::as_str)
            .map(str::to_owned),
    })
}

/// Publish a draft's document to a configured catalogue source (SciCat or
/// InvenioRDM), with the files for InvenioRDM.
///
/// `previous` is the catalogue's id of the record this draft was published
/// as before: SciCat then updates that dataset, InvenioRDM makes a new
/// version of that record; without it a new record is made.
pub async fn publish(
    source: &crate::catalogue::SourceConfig,
    auth: &dyn TokenSource,
    doc: &J,
    files: &[&Path],
    previous: Option<&str>,
) -> Result<Published, MetadataError> {
    use crate::catalogue::{invenio, scicat};
    match &source.kind {
        k if k.is(&scicat::KIND) => to_scicat(&source.url, auth, doc, previous).await,
        k if k.is(&invenio::KIND) => to_invenio(&source.url, auth, doc, files, previous).await,
        _ => Err(err(
            &source.name,
            "only SciCat and InvenioRDM sources take new datasets",
        )),
    }
}

/// The schema a source's drafts are written in.
pub fn schema_for(kind: &crate::catalogue::SourceKind) -> Option<&'static str> {
    use crate::catalogue::{invenio, scicat};
    match kind {
        k if k.is(&scicat::KIND) => Some("scicat"),
        k if k.is(&invenio::KIND) => Some("invenio"),
        _ => None,
    }
}

/// The embargo end `years` after `today` (YYYY-MM-DD), for "open after N years".
pub fn embargo_until(today: chrono::NaiveDate, years: u32) -> String {
    today
        .checked_add_months(chrono::Months::new(years * 12))
        .unwrap_or(today)
        .format("%Y-%m-%d")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What was sent is remembered per draft and per source, so the next
    /// publish of that draft to that source names the record to update,
    /// and another source still makes its own.
    #[test]
    fn the_record_sent_is_remembered_per_draft_and_source() {
        let tmp = tempfile::tempdir().expect("tmp");
        let store = crate::store::Store::open(&tmp.path().join("s.sqlite")).expect("store");
        assert!(sent_record(&store, 7, "scicat").is_none());
        let draft = crate::metadata::Draft::new("scicat");
        let sent = SentRecord {
            remote_id: "20.500.12269/abc".into(),
            url: None,
            draft,
        };
        remember_sent(&store, 7, "scicat", &sent).expect("remember");
        let back = sent_record(&store, 7, "scicat").expect("remembered");
        assert_eq!(back.remote_id, "20.500.12269/abc");
        assert!(sent_record(&store, 7, "other").is_none());
        assert!(sent_record(&store, 8, "scicat").is_none());
    }

    #[test]
    fn refusals_read_in_words() {
        assert_eq!(
            refusal(
                400,
                r#"{"statusCode":400,"message":["owner should not be empty"]}"#
            ),
            "400: owner should not be empty"
        );
        assert_eq!(
            refusal(
                400,
                r#"{"status":400,"errors":[{"field":"metadata.title","messages":["Missing data for required field."]}]}"#
            ),
            "400: metadata.title: Missing data for required field."
        );
        assert_eq!(refusal(500, "oops"), "500: oops");
    }

    #[test]
    fn embargo_dates() {
        let d = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
        assert_eq!(embargo_until(d, 3), "2027-02-28");
        assert_eq!(embargo_until(d, 0), "2024-02-29");
    }
}
