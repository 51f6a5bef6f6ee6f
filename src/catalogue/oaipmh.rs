//! OAI-PMH harvesting into the offline index: `ListRecords` with resumption
//! tokens, sets and incremental `from`, `oai_dc` records mapped into the
//! common model. The XML reader never panics on bad input.

use crate::catalogue::offline::RecordIndex as _;
use std::time::Duration;

use quick_xml::events::Event;
use quick_xml::reader::Reader;
use tokio_util::sync::CancellationToken;

use super::{CatalogueError, Creator, Dataset};

/// One harvested record (or a deletion).
#[derive(Debug, Clone, PartialEq)]
pub enum Harvested {
    Record(Box<Dataset>),
    Deleted(String),
}

/// One page of a `ListRecords` answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub records: Vec<Harvested>,
    pub token: Option<String>,
}

fn bad(detail: impl Into<String>) -> CatalogueError {
    CatalogueError::Malformed {
        source_name: "OAI-PMH".into(),
        detail: detail.into(),
    }
}

/// The `code` attribute of an OAI-PMH `<error>` element.
fn error_code(e: &quick_xml::events::BytesStart<'_>) -> String {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == b"code")
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        .unwrap_or_default()
}

/// Parse a `ListRecords` response (`oai_dc`). OAI errors other than
/// `noRecordsMatch` become errors with the server's code and text.
pub fn parse_list_records(xml: &str, source: &str) -> Result<Page, CatalogueError> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(false);
    let mut page = Page::default();
    let mut path: Vec<String> = Vec::new();
    let mut cur: Option<Dataset> = None;
    let mut ident = String::new();
    let mut deleted = false;
    let mut error: Option<(String, String)> = None;
    let mut text_of = String::new();
    let mut saw_root = false;
    // The scheme/type attribute of each open element (DataCite's
    // nameIdentifierScheme, identifierType, dateType, rightsURI).
    let mut kinds: Vec<String> = Vec::new();
    loop {
        match r.read_event() {
            Err(e) => return Err(bad(format!("the XML is broken: {e}"))),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "OAI-PMH" {
                    saw_root = true;
                }
                if name == "header" {
                    deleted = e.attributes().flatten().any(|a| {
                        a.key.local_name().as_ref() == b"status" && a.value.as_ref() == b"deleted"
                    });
                    ident.clear();
                }
                if name == "record" {
                    cur = Some(Dataset {
                        sources: vec![source.to_owned()],
                        ..Dataset::default()
                    });
                }
                if name == "error" {
                    error = Some((error_code(&e), String::new()));
                }
                text_of.clear();
                kinds.push(
                    e.attributes()
                        .flatten()
                        .find(|a| {
                            matches!(
                                a.key.local_name().as_ref(),
                                b"nameIdentifierScheme"
                                    | b"identifierType"
                                    | b"dateType"
                                    | b"rightsURI"
                            )
                        })
                        .map(|a| String::from_utf8_lossy(&a.value).to_ascii_lowercase())
                        .unwrap_or_default(),
                );
                path.push(name);
            }
            Ok(Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "error" {
                    error = Some((error_code(&e), String::new()));
                }
            }
            Ok(Event::Text(t)) => {
                let s = t.decode().map_err(|e| bad(e.to_string()))?;
                text_of.push_str(&quick_xml::escape::unescape(&s).map_err(|e| bad(e.to_string()))?);
            }
            Ok(Event::GeneralRef(g)) => {
                // Entities such as &amp; arrive on their own in this reader.
                let name = g.decode().map_err(|e| bad(e.to_string()))?;
                text_of.push_str(super::xml_entity(&name));
            }
            Ok(Event::CData(c)) => text_of.push_str(&String::from_utf8_lossy(&c)),
            Ok(Event::End(_)) => {
                let name = path.pop().unwrap_or_default();
                let kind = kinds.pop().unwrap_or_default();
                let text = std::mem::take(&mut text_of).trim().to_owned();
                let in_dc = path.iter().any(|p| p == "dc");
                // oai_datacite and datacite: a DataCite kernel `<resource>`.
                let in_resource = path.iter().any(|p| p == "resource");
                match (name.as_str(), cur.as_mut()) {
                    ("identifier", _) if path.last().is_some_and(|p| p == "header") => ident = text,
                    ("resumptionToken", _) if !text.is_empty() => page.token = Some(text),
                    ("error", _) => {
                        if let Some(e) = error.as_mut() {
                            e.1 = text;
                        }
                    }
                    ("record", _) => {
                        if let Some(mut d) = cur.take() {
                            if deleted {
                                page.records.push(Harvested::Deleted(ident.clone()));
                            } else {
                                d.id.clone_from(&ident);
                                if d.title.is_empty() {
                                    d.title.clone_from(&ident);
                                }
                                page.records.push(Harvested::Record(Box::new(d)));
                            }
                        }
                    }
                    (field, Some(d)) if in_resource && !text.is_empty() => {
                        datacite_field(d, field, &kind, path.last().map(String::as_str), text);
                    }
                    (field, Some(d)) if in_dc && !text.is_empty() => match field {
                        "title" if d.title.is_empty() => d.title = text,
                        "creator" => d.creators.push(Creator {
                            name: text,
                            ..Creator::default()
                        }),
                        "description" if d.description.is_none() => d.description = Some(text),
                        "subject" => d.keywords.push(text),
                        "date" if d.created.is_none() => {
                            d.created = Some(text.chars().take(10).collect());
                        }
                        "rights" if d.license.is_none() => d.license = Some(text),
                        "publisher" if d.facility.is_none() => d.facility = Some(text),
                        "identifier" => {
                            let lower = text.to_ascii_lowercase();
                            if d.pid.is_none()
                                && (lower.starts_with("10.")
                                    || lower.contains("doi.org/")
                                    || lower.starts_with("doi:"))
                            {
                                d.pid = Some(text);
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
            Ok(_) => {}
        }
    }
    if !saw_root {
        return Err(bad("this is not an OAI-PMH answer"));
    }
    match error {
        Some((code, _)) if code == "noRecordsMatch" => Ok(Page::default()),
        Some((code, text)) => Err(CatalogueError::Http {
            source_name: "OAI-PMH".into(),
            status: 200,
            detail: format!("{code}: {text}"),
        }),
        None => Ok(page),
    }
}

/// Map one element of a DataCite kernel-4 `<resource>` into the model.
fn datacite_field(d: &mut Dataset, field: &str, kind: &str, parent: Option<&str>, text: String) {
    match (field, parent) {
        ("identifier", Some("resource")) if kind == "doi" => d.pid = Some(text),
        ("title", _) if d.title.is_empty() => d.title = text,
        ("creatorName", _) => d.creators.push(Creator {
            name: text,
            ..Creator::default()
        }),
        ("nameIdentifier", Some("creator")) if kind == "orcid" => {
            if let Some(c) = d.creators.last_mut() {
                let id = text.rsplit('/').next().unwrap_or_default().to_owned();
                c.orcid = Some(id);
            }
        }
        ("affiliation", Some("creator")) => {
            if let Some(c) = d.creators.last_mut() {
                c.affiliations.push(text);
            }
        }
        ("publisher", _) if d.facility.is_none() => d.facility = Some(text),
        ("publicationYear", _) if d.created.is_none() => d.created = Some(text),
        ("date", _) if kind == "issued" || kind == "created" => {
            d.created = Some(text.chars().take(10).collect());
        }
        ("date", _) if kind == "available" => {
            // An availability date in the future is an embargo end.
            let day: String = text.chars().take(10).collect();
            let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
            if day > today {
                d.access = super::Access::Embargoed { until: day }
            }
        }
        ("subject", _) => d.keywords.push(text),
        ("description", _) if d.description.is_none() => d.description = Some(text),
        ("rights", _) if kind.starts_with("info:eu-repo/semantics/") => {
            match kind.trim_start_matches("info:eu-repo/semantics/") {
                "closedaccess" | "restrictedaccess" => d.access = super::Access::Restricted,
                "embargoedaccess" if !matches!(d.access, super::Access::Embargoed { .. }) => {
                    d.access = super::Access::Embargoed {
                        until: String::new(),
                    }
                }
                _ => {}
            }
        }
        ("rights", _) if d.license.is_none() => d.license = Some(text),
        _ => {}
    }
}

/// Every element's text with the names of its ancestors (namespace prefixes
/// dropped), in document order; `<error code=…>` comes back as an error.
fn texts(xml: &str) -> Result<Vec<(Vec<String>, String)>, CatalogueError> {
    let mut r = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut error: Option<String> = None;
    let mut saw_root = false;
    loop {
        match r.read_event() {
            Err(e) => return Err(bad(format!("the XML is broken: {e}"))),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                saw_root |= name == "OAI-PMH";
                if name == "error" {
                    error = Some(error_code(&e));
                }
                path.push(name);
                text.clear();
            }
            Ok(Event::Empty(e)) => {
                if e.local_name().as_ref() == b"error" {
                    error = Some(error_code(&e));
                }
            }
            Ok(Event::Text(t)) => {
                let d = t.decode().map_err(|e| bad(e.to_string()))?;
                text.push_str(&d);
            }
            Ok(Event::GeneralRef(g)) => {
                let name = g.decode().map_err(|e| bad(e.to_string()))?;
                text.push_str(super::xml_entity(&name));
            }
            Ok(Event::End(_)) => {
                let t = std::mem::take(&mut text).trim().to_owned();
                out.push((path.clone(), t));
                path.pop();
            }
            Ok(_) => {}
        }
    }
    if !saw_root {
        return Err(bad("this is not an OAI-PMH answer"));
    }
    if let Some(code) = error {
        let detail = out
            .iter()
            .find(|(p, _)| p.last().is_some_and(|n| n == "error"))
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        return Err(CatalogueError::Http {
            source_name: "OAI-PMH".into(),
            status: 200,
            detail: format!("{code}: {detail}"),
        });
    }
    Ok(out)
}

/// What a repository says about itself (`Identify`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    pub repository_name: String,
    pub base_url: String,
    pub protocol_version: String,
    pub earliest_datestamp: String,
    /// `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`: how precise `from` may be.
    pub granularity: String,
    pub deleted_record: String,
    pub admin_emails: Vec<String>,
}

/// Parse an `Identify` answer.
pub fn parse_identify(xml: &str) -> Result<Identity, CatalogueError> {
    let mut id = Identity::default();
    for (path, text) in texts(xml)? {
        if path.len() != 3 || path[1] != "Identify" {
            continue;
        }
        match path[2].as_str() {
            "repositoryName" => id.repository_name = text,
            "baseURL" => id.base_url = text,
            "protocolVersion" => id.protocol_version = text,
            "earliestDatestamp" => id.earliest_datestamp = text,
            "granularity" => id.granularity = text,
            "deletedRecord" => id.deleted_record = text,
            "adminEmail" => id.admin_emails.push(text),
            _ => {}
        }
    }
    if id.repository_name.is_empty() && id.base_url.is_empty() {
        return Err(bad("the answer has no Identify section"));
    }
    Ok(id)
}

/// One set of a repository.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Set {
    pub spec: String,
    pub name: String,
}

/// Parse a `ListSets` answer: its sets and the resumption token, if any.
pub fn parse_list_sets(xml: &str) -> Result<(Vec<Set>, Option<String>), CatalogueError> {
    let mut sets = Vec::new();
    let mut token = None;
    let mut spec = String::new();
    for (path, text) in texts(xml)? {
        match path.last().map(String::as_str) {
            Some("setSpec") if path.len() >= 2 && path[path.len() - 2] == "set" => spec = text,
            Some("setName") => sets.push(Set {
                spec: std::mem::take(&mut spec),
                name: text,
            }),
            Some("resumptionToken") if !text.is_empty() => token = Some(text),
            _ => {}
        }
    }
    Ok((sets, token))
}

async fn get_verb(
    client: &reqwest::Client,
    base: &str,
    params: &[(&str, String)],
) -> Result<String, CatalogueError> {
    let resp = client
        .get(base)
        .query(params)
        .send()
        .await
        .map_err(|e| CatalogueError::sending(&e, "OAI-PMH"))?;
    let status = resp.status().as_u16();
    let body = crate::net::text_limited(resp, crate::net::limits::OAI_PMH, "an OAI-PMH page")
        .await
        .map_err(|e| bad(e.to_string()))?;
    if status != 200 {
        return Err(CatalogueError::Http {
            source_name: "OAI-PMH".into(),
            status,
            detail: body.chars().take(200).collect(),
        });
    }
    Ok(body)
}

fn oai_client(base: &str) -> Result<reqwest::Client, CatalogueError> {
    if !crate::net::is_web_url(base) {
        return Err(bad(format!("“{base}” is not an http or https address")));
    }
    crate::net::async_client(Duration::from_secs(60)).map_err(|e| bad(e.to_string()))
}

/// Ask a repository who it is.
pub async fn identify(base: &str) -> Result<Identity, CatalogueError> {
    let client = oai_client(base)?;
    parse_identify(&get_verb(&client, base, &[("verb", "Identify".into())]).await?)
}

/// Every set of a repository, following resumption tokens.
pub async fn list_sets(base: &str) -> Result<Vec<Set>, CatalogueError> {
    let client = oai_client(base)?;
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..1000 {
        let params = match &token {
            Some(t) => vec![
                ("verb", "ListSets".to_owned()),
                ("resumptionToken", t.clone()),
            ],
            None => vec![("verb", "ListSets".to_owned())],
        };
        let (sets, next) = parse_list_sets(&get_verb(&client, base, &params).await?)?;
        let empty = sets.is_empty();
        all.extend(sets);
        match next {
            Some(t) if !empty && token.as_deref() != Some(t.as_str()) => token = Some(t),
            _ => break,
        }
    }
    Ok(all)
}

/// What to harvest.
#[derive(Debug, Clone)]
pub struct Request {
    pub base: String,
    pub set: Option<String>,
    /// Only records changed on or after this date (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// `oai_dc` (every OAI-PMH server has it) or `oai_datacite` / `datacite`
    /// (richer: ORCIDs, affiliations, DOIs, rights). Empty means `oai_dc`.
    pub prefix: String,
}

/// Totals of a finished harvest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub records: usize,
    pub deleted: usize,
    pub pages: usize,
}

/// Harvest every page, handing each page's records to `on_page` as it arrives.
pub async fn harvest(
    req: &Request,
    on_page: &mut (dyn FnMut(&[Harvested], &Summary) + Send),
    cancel: &CancellationToken,
) -> Result<Summary, CatalogueError> {
    if !crate::net::is_web_url(&req.base) {
        return Err(bad(format!(
            "“{}” is not an http or https address",
            req.base
        )));
    }
    let client =
        crate::net::async_client(Duration::from_secs(120)).map_err(|e| bad(e.to_string()))?;
    let source = url::Url::parse(&req.base)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("oai:{h}")))
        .unwrap_or_else(|| "oai".into());
    let mut summary = Summary::default();
    let mut token: Option<String> = None;
    loop {
        let mut params: Vec<(&str, String)> = vec![("verb", "ListRecords".into())];
        match &token {
            Some(t) => params.push(("resumptionToken", t.clone())),
            None => {
                let prefix = match req.prefix.as_str() {
                    "" => "oai_dc",
                    p => p,
                };
                params.push(("metadataPrefix", prefix.into()));
                if let Some(s) = &req.set {
                    params.push(("set", s.clone()));
                }
                if let Some(f) = &req.from {
                    params.push(("from", f.clone()));
                }
            }
        }
        let send = client.get(&req.base).query(&params).send();
        let resp = tokio::select! {
            () = cancel.cancelled() => return Err(bad("cancelled")),
            r = send => r.map_err(|e| CatalogueError::sending(&e, "OAI-PMH"))?,
        };
        let status = resp.status().as_u16();
        let body = crate::net::text_limited(resp, crate::net::limits::OAI_PMH, "an OAI-PMH page")
            .await
            .map_err(|e| bad(e.to_string()))?;
        if status != 200 {
            return Err(CatalogueError::Http {
                source_name: "OAI-PMH".into(),
                status,
                detail: body.chars().take(200).collect(),
            });
        }
        let page = parse_list_records(&body, &source)?;
        summary.pages += 1;
        for r in &page.records {
            match r {
                Harvested::Record(_) => summary.records += 1,
                Harvested::Deleted(_) => summary.deleted += 1,
            }
        }
        on_page(&page.records, &summary);
        match page.token {
            Some(t) if !page.records.is_empty() || token.as_deref() != Some(t.as_str()) => {
                token = Some(t);
            }
            _ => break,
        }
    }
    Ok(summary)
}

/// Harvest into the offline index in the store at `store_path`, page by page.
/// `progress(summary)` is called after each page.
pub async fn harvest_into(
    store_path: &std::path::Path,
    req: &Request,
    progress: &(dyn Fn(&Summary) + Sync),
    cancel: &CancellationToken,
) -> Result<Summary, CatalogueError> {
    let mut store = crate::store::Store::open(store_path).map_err(|e| bad(e.to_string()))?;
    let mut failure: Option<String> = None;
    let mut on_page = |records: &[Harvested], summary: &Summary| {
        let (mut add, mut gone) = (Vec::new(), Vec::new());
        for r in records {
            match r {
                Harvested::Record(d) => add.push((**d).clone()),
                Harvested::Deleted(id) => gone.push(id.clone()),
            }
        }
        if let Err(e) = store
            .index_datasets(&add)
            .and_then(|_| store.remove_records(&gone))
        {
            failure.get_or_insert(e.to_string());
        }
        progress(summary);
    };
    let summary = harvest(req, &mut on_page, cancel).await?;
    match failure {
        Some(e) => Err(bad(format!("records could not be stored: {e}"))),
        None => Ok(summary),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
 <ListRecords>
  <record><header><identifier>oai:x:1</identifier><datestamp>2024-01-02</datestamp></header>
   <metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:title>Beam &amp; target data</dc:title><dc:creator>Curie, Marie</dc:creator>
    <dc:identifier>https://doi.org/10.5072/test.0001</dc:identifier><dc:date>2024-01-02T01:00:00Z</dc:date>
   </oai_dc:dc></metadata></record>
  <record><header status="deleted"><identifier>oai:x:2</identifier><datestamp>2024-01-03</datestamp></header></record>
  <resumptionToken>next-page</resumptionToken>
 </ListRecords>
</OAI-PMH>"#;

    #[test]
    fn pages_parse_with_tokens_and_deletions() {
        let p = parse_list_records(PAGE, "oai:x").expect("page");
        assert_eq!(p.token.as_deref(), Some("next-page"));
        let Harvested::Record(d) = &p.records[0] else {
            panic!("record expected");
        };
        assert_eq!(d.title, "Beam & target data");
        assert_eq!(d.creators[0].name, "Curie, Marie");
        assert_eq!(d.normalized_doi().as_deref(), Some("10.5072/test.0001"));
        assert_eq!(d.created.as_deref(), Some("2024-01-02"));
        assert_eq!(p.records[1], Harvested::Deleted("oai:x:2".into()));
    }

    #[test]
    fn oai_errors_and_broken_xml_are_errors_not_panics() {
        let err = r#"<OAI-PMH><error code="badResumptionToken">Unable to decode</error></OAI-PMH>"#;
        assert!(
            parse_list_records(err, "s")
                .expect_err("error")
                .to_string()
                .contains("badResumptionToken")
        );
        let none = r#"<OAI-PMH><error code="noRecordsMatch"/></OAI-PMH>"#;
        assert!(
            parse_list_records(none, "s")
                .expect("empty")
                .records
                .is_empty()
        );
        for garbage in [
            "",
            "<html>",
            "<OAI-PMH><ListRecords><record>",
            "\u{0}\u{1}",
            "<a></b>",
        ] {
            let _ = parse_list_records(garbage, "s");
        }
        // A small deterministic fuzz: cut the valid page at every position.
        for cut in 0..PAGE.len() {
            if PAGE.is_char_boundary(cut) {
                let _ = parse_list_records(&PAGE[..cut], "s");
                let _ = parse_identify(&PAGE[..cut]);
                let _ = parse_list_sets(&PAGE[..cut]);
            }
        }
        // And random soups of the characters XML is made of, DataCite names included.
        let alphabet = b"<>/=\"&;# OAI-PMHrecordresourcecreatorNamenameIdentifierrightsURIsetSpec";
        let mut x: u32 = 99;
        for n in 0..3000 {
            let soup: String = (0..(n % 300))
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    alphabet[(x >> 16) as usize % alphabet.len()] as char
                })
                .collect();
            let _ = parse_list_records(&soup, "s");
            let _ = parse_identify(&soup);
            let _ = parse_list_sets(&soup);
        }
    }
}
