//! DataCite XML (kernel 4, the format DataCite, OAI-PMH `oai_datacite` and
//! repositories exchange) read into the DataCite JSON document that drafts
//! and the JSON Schema use: the inverse of [`super::datacite::to_xml`].

use quick_xml::events::Event;
use quick_xml::reader::Reader;
use serde_json::{Map, Value as J, json};

/// Why a file is not a DataCite record, in words.
#[derive(Debug, thiserror::Error)]
pub enum DataCiteXmlError {
    #[error("this is not well-formed XML: {0}")]
    NotXml(String),
    #[error(
        "this is not a DataCite kernel-4 record (its root is <{root}> in “{namespace}”). Export it from the repository as DataCite XML"
    )]
    NotDataCite { root: String, namespace: String },
}

/// One element: its local name, attributes (local names; `xml:lang` kept),
/// text and children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    /// The namespace the element is in (its prefix resolved).
    ns: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn text(&self) -> String {
        self.text.trim().to_owned()
    }

    /// The element as an object: its text under `text_key` (when it has
    /// any), each attribute under its JSON name.
    fn object(&self, text_key: &str) -> J {
        let mut m = Map::new();
        let t = self.text();
        if !t.is_empty() {
            m.insert(text_key.to_owned(), J::String(t));
        }
        for (k, v) in &self.attrs {
            m.insert(json_key(k), J::String(v.clone()));
        }
        J::Object(m)
    }
}

/// XML attribute → JSON key, as DataCite names them (`schemeURI` →
/// `schemeUri`, `xml:lang` → `lang`).
fn json_key(attr: &str) -> String {
    match attr {
        "xml:lang" => "lang".into(),
        k if k.ends_with("URI") => format!("{}Uri", &k[..k.len() - 3]),
        k => k.to_owned(),
    }
}

fn char_ref(name: &str) -> Option<char> {
    let n = name.strip_prefix('#')?;
    let code = match n.strip_prefix('x').or_else(|| n.strip_prefix('X')) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => n.parse().ok()?,
    };
    char::from_u32(code)
}

fn parse_tree(text: &str) -> Result<Node, DataCiteXmlError> {
    let bad = |e: String| DataCiteXmlError::NotXml(e);
    let mut reader = Reader::from_str(text.trim_start_matches('\u{feff}'));
    let mut stack: Vec<Node> = vec![Node::default()];
    // Namespace prefixes in scope, per open element ("" is the default).
    let mut scopes: Vec<Vec<(String, String)>> = vec![Vec::new()];
    loop {
        match reader.read_event() {
            Err(e) => return Err(bad(e.to_string())),
            Ok(Event::Eof) => break,
            Ok(ev @ (Event::Start(_) | Event::Empty(_))) => {
                let (e, empty) = match &ev {
                    Event::Start(e) => (e, false),
                    Event::Empty(e) => (e, true),
                    _ => continue,
                };
                let mut node = Node {
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    ..Node::default()
                };
                let mut scope = scopes.last().cloned().unwrap_or_default();
                for a in e.attributes().flatten() {
                    let full = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| bad(e.to_string()))?
                        .into_owned();
                    if let Some(rest) = full.strip_prefix("xmlns") {
                        let prefix = rest.strip_prefix(':').unwrap_or_default().to_owned();
                        scope.retain(|(p, _)| *p != prefix);
                        scope.push((prefix, value));
                        continue;
                    }
                    let key = if full == "xml:lang" {
                        full
                    } else {
                        String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned()
                    };
                    node.attrs.push((key, value));
                }
                let prefix = e
                    .name()
                    .prefix()
                    .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned())
                    .unwrap_or_default();
                node.ns = scope
                    .iter()
                    .find(|(p, _)| *p == prefix)
                    .map(|(_, u)| u.clone())
                    .unwrap_or_default();
                if empty {
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(node);
                    }
                } else {
                    stack.push(node);
                    scopes.push(scope);
                }
            }
            Ok(Event::Text(t)) => {
                let s = t.decode().map_err(|e| bad(e.to_string()))?;
                let s = quick_xml::escape::unescape(&s).map_err(|e| bad(e.to_string()))?;
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&s);
                }
            }
            Ok(Event::GeneralRef(g)) => {
                let name = g.decode().map_err(|e| bad(e.to_string()))?;
                let s = char_ref(&name).map_or_else(
                    || crate::catalogue::xml_entity(&name).to_owned(),
                    |c| c.to_string(),
                );
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&s);
                }
            }
            Ok(Event::CData(c)) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Ok(Event::End(_)) => {
                if stack.len() < 2 {
                    return Err(bad("an element closes that never opened".into()));
                }
                let done = stack.pop().unwrap_or_default();
                scopes.pop();
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(done);
                }
            }
            Ok(_) => {}
        }
    }
    if stack.len() != 1 {
        return Err(bad("the document ends inside an element".into()));
    }
    let root = stack
        .pop()
        .and_then(|mut doc| (!doc.children.is_empty()).then(|| doc.children.remove(0)))
        .ok_or_else(|| bad("the document is empty".into()))?;
    Ok(root)
}

/// The DataCite `<resource>` of a document: the root itself, or one inside
/// an envelope (an OAI-PMH `oai_datacite` record's `payload`).
fn find_resource(n: &Node) -> Option<&Node> {
    if n.name == "resource" && n.ns.starts_with("http://datacite.org/schema/kernel-4") {
        return Some(n);
    }
    n.children.iter().find_map(find_resource)
}

/// The kernel version a record names in its `xsi:schemaLocation`
/// (`…/kernel-4.6/metadata.xsd` → `4.6`); `None` when it names none.
fn kernel_version(root: &Node) -> Option<String> {
    let loc = root.attr("schemaLocation")?;
    let i = loc.rfind("kernel-")?;
    let v: String = loc[i + 7..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.').to_owned();
    (!v.is_empty()).then_some(v)
}

fn person(n: &Node, name_tag: &str) -> J {
    let mut m = Map::new();
    if let Some(name) = n.child(name_tag) {
        m.insert("name".into(), J::String(name.text()));
        for (k, v) in &name.attrs {
            m.insert(json_key(k), J::String(v.clone()));
        }
    }
    for k in ["givenName", "familyName"] {
        if let Some(v) = n.child(k) {
            m.insert(k.into(), J::String(v.text()));
        }
    }
    let ids: Vec<J> = n
        .all("nameIdentifier")
        .map(|i| i.object("nameIdentifier"))
        .collect();
    if !ids.is_empty() {
        m.insert("nameIdentifiers".into(), J::Array(ids));
    }
    let aff: Vec<J> = n.all("affiliation").map(|a| a.object("name")).collect();
    if !aff.is_empty() {
        m.insert("affiliation".into(), J::Array(aff));
    }
    for (k, v) in &n.attrs {
        m.insert(json_key(k), J::String(v.clone()));
    }
    J::Object(m)
}

/// A coordinate as the JSON document has it: a number (text that is not
/// one is kept, for the schema to name).
fn coordinate(n: &Node) -> J {
    let t = n.text();
    t.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(J::String(t), J::Number)
}

fn point(n: &Node) -> J {
    let mut m = Map::new();
    for k in ["pointLongitude", "pointLatitude"] {
        if let Some(v) = n.child(k) {
            m.insert(k.into(), coordinate(v));
        }
    }
    J::Object(m)
}

fn geo_location(g: &Node) -> J {
    let mut m = Map::new();
    if let Some(p) = g.child("geoLocationPlace") {
        m.insert("geoLocationPlace".into(), J::String(p.text()));
    }
    if let Some(p) = g.child("geoLocationPoint") {
        m.insert("geoLocationPoint".into(), point(p));
    }
    if let Some(b) = g.child("geoLocationBox") {
        let mut bm = Map::new();
        for c in &b.children {
            bm.insert(c.name.clone(), coordinate(c));
        }
        m.insert("geoLocationBox".into(), J::Object(bm));
    }
    let polygons: Vec<J> = g
        .all("geoLocationPolygon")
        .flat_map(|poly| {
            poly.children
                .iter()
                .map(|p| json!({ p.name.clone(): point(p) }))
        })
        .collect();
    if !polygons.is_empty() {
        m.insert("geoLocationPolygon".into(), J::Array(polygons));
    }
    J::Object(m)
}

/// Values each kernel version added to the controlled lists of 4.5, by the
/// name of the list in the JSON Schema's `definitions`, as the official
/// schema's revision notes and `include/*.xsd` files of 4.6 (2024-12-05)
/// and 4.7 (2026-03-03) give them.
/// (kernel version, the lists it widened: (list, values added)).
type Additions = (
    &'static str,
    &'static [(&'static str, &'static [&'static str])],
);

const ADDED: &[Additions] = &[
    (
        "4.6",
        &[
            ("resourceTypeGeneral", &["Award", "Project"]),
            ("relatedIdentifierType", &["CSTR", "RRID"]),
            ("contributorType", &["Translator"]),
            ("relationType", &["HasTranslation", "IsTranslationOf"]),
            ("dateType", &["Coverage"]),
        ],
    ),
    (
        "4.7",
        &[
            ("resourceTypeGeneral", &["Poster", "Presentation"]),
            ("relatedIdentifierType", &["RAiD", "SWHID"]),
            ("relationType", &["Other"]),
        ],
    ),
];

/// The newest kernel version Panorama knows the lists of.
pub const NEWEST_KERNEL: &str = "4.7";

/// The DataCite 4.5 JSON Schema widened to kernel `version`: 4.6 adds award
/// and project resource types, CSTR and RRID identifiers, translators,
/// translation relations and coverage dates; 4.7 posters and presentations,
/// RAiD and SWHID identifiers, the relation type `Other` and a related
/// identifier's `relationTypeInformation`. A version newer than
/// [`NEWEST_KERNEL`] is checked as the newest known.
pub fn schema_for(base: &J, version: Option<&str>) -> J {
    let mut s = base.clone();
    let Some(v) = version else {
        return s;
    };
    let newer = |a: &str, b: &str| {
        let parse = |x: &str| -> Vec<u32> { x.split('.').filter_map(|p| p.parse().ok()).collect() };
        parse(a) >= parse(b)
    };
    if newer(v, "4.7")
        && let Some(J::Object(props)) =
            s.pointer_mut("/properties/relatedIdentifiers/items/properties")
    {
        props.insert("relationTypeInformation".into(), json!({"type": "string"}));
    }
    for (since, lists) in ADDED {
        if !newer(v, since) {
            continue;
        }
        for (list, values) in *lists {
            if let Some(J::Array(e)) = s.pointer_mut(&format!("/definitions/{list}/enum")) {
                for value in *values {
                    let value = J::String((*value).to_owned());
                    if !e.contains(&value) {
                        e.push(value);
                    }
                }
            }
        }
    }
    s
}

/// A DataCite XML record as the DataCite JSON document, and the kernel
/// version it names (`4.5`, `4.6`…; `None` when it names none).
pub fn from_xml(text: &str) -> Result<(J, Option<String>), DataCiteXmlError> {
    let doc_root = parse_tree(text)?;
    let Some(root) = find_resource(&doc_root) else {
        return Err(DataCiteXmlError::NotDataCite {
            root: doc_root.name,
            namespace: doc_root.ns,
        });
    };
    let version = kernel_version(root);
    let mut doc = Map::new();
    for c in &root.children {
        let key = c.name.as_str();
        let value = match key {
            "identifier" => {
                if c.attr("identifierType")
                    .is_some_and(|t| t.eq_ignore_ascii_case("DOI"))
                {
                    doc.insert("doi".into(), J::String(c.text()));
                }
                continue;
            }
            "creators" => J::Array(c.all("creator").map(|p| person(p, "creatorName")).collect()),
            "contributors" => J::Array(
                c.all("contributor")
                    .map(|p| person(p, "contributorName"))
                    .collect(),
            ),
            "titles" => J::Array(c.all("title").map(|t| t.object("title")).collect()),
            "publisher" => c.object("name"),
            "publicationYear" | "language" | "version" => J::String(c.text()),
            "resourceType" => {
                let mut t = Map::new();
                if let Some(g) = c.attr("resourceTypeGeneral") {
                    t.insert("resourceTypeGeneral".into(), J::String(g.to_owned()));
                }
                let text = c.text();
                if !text.is_empty() {
                    t.insert("resourceType".into(), J::String(text));
                }
                doc.insert("types".into(), J::Object(t));
                continue;
            }
            "subjects" => J::Array(c.all("subject").map(|s| s.object("subject")).collect()),
            "dates" => J::Array(c.all("date").map(|d| d.object("date")).collect()),
            "alternateIdentifiers" => J::Array(
                c.all("alternateIdentifier")
                    .map(|d| d.object("alternateIdentifier"))
                    .collect(),
            ),
            "relatedIdentifiers" => J::Array(
                c.all("relatedIdentifier")
                    .map(|d| d.object("relatedIdentifier"))
                    .collect(),
            ),
            "sizes" => J::Array(c.all("size").map(|s| J::String(s.text())).collect()),
            "formats" => J::Array(c.all("format").map(|s| J::String(s.text())).collect()),
            "rightsList" => J::Array(c.all("rights").map(|r| r.object("rights")).collect()),
            "descriptions" => J::Array(
                c.all("description")
                    .map(|d| d.object("description"))
                    .collect(),
            ),
            "geoLocations" => J::Array(c.all("geoLocation").map(geo_location).collect()),
            "fundingReferences" => J::Array(
                c.all("fundingReference")
                    .map(|f| {
                        let mut m = Map::new();
                        for part in &f.children {
                            match part.name.as_str() {
                                "funderIdentifier" => {
                                    m.insert("funderIdentifier".into(), J::String(part.text()));
                                    // The JSON document has a place for the type only.
                                    if let Some(t) = part.attr("funderIdentifierType") {
                                        m.insert(
                                            "funderIdentifierType".into(),
                                            J::String(t.to_owned()),
                                        );
                                    }
                                }
                                "awardNumber" => {
                                    m.insert("awardNumber".into(), J::String(part.text()));
                                    if let Some(u) = part.attr("awardURI") {
                                        m.insert("awardUri".into(), J::String(u.to_owned()));
                                    }
                                }
                                other => {
                                    m.insert(other.to_owned(), J::String(part.text()));
                                }
                            }
                        }
                        J::Object(m)
                    })
                    .collect(),
            ),
            // relatedItems and anything newer: kept out of the 4.5 document.
            _ => continue,
        };
        doc.insert(key.to_owned(), value);
    }
    doc.insert(
        "schemaVersion".into(),
        J::String("http://datacite.org/schema/kernel-4".into()),
    );
    Ok((J::Object(doc), version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_written_by_to_xml_reads_back_to_the_same_document() {
        let doc = json!({
            "doi": "10.1234/abc",
            "creators": [{"name": "Doe, Jane", "nameType": "Personal", "givenName": "Jane",
                "familyName": "Doe",
                "nameIdentifiers": [{"nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
                    "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}],
                "affiliation": [{"name": "HZDR"}]}],
            "titles": [{"title": "Spectra & more <x>", "lang": "en"}],
            "publisher": {"name": "RODARE"},
            "publicationYear": "2024",
            "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Spectra"},
            "contributors": [{"name": "Beamline", "contributorType": "HostingInstitution",
                "nameType": "Organizational"}],
            "dates": [{"date": "2024-01-02", "dateType": "Collected"}],
            "sizes": ["3 files"],
            "rightsList": [{"rights": "CC BY 4.0", "rightsUri": "https://creativecommons.org/licenses/by/4.0/"}],
            "descriptions": [{"description": "Line 1", "descriptionType": "Abstract"}],
            "schemaVersion": "http://datacite.org/schema/kernel-4"
        });
        let xml = crate::metadata::datacite::to_xml(&doc);
        let (back, version) = from_xml(&xml).expect("reads");
        assert_eq!(version.as_deref(), Some("4.5"));
        assert_eq!(back, doc, "{xml}");
    }

    #[test]
    fn other_xml_is_refused_in_words() {
        assert!(matches!(
            from_xml("<a><b></a>"),
            Err(DataCiteXmlError::NotXml(_))
        ));
        let err =
            from_xml("<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\"/>")
                .expect_err("not datacite");
        assert!(err.to_string().contains("not a DataCite"), "{err}");
        let v = from_xml(
            "<resource xmlns=\"http://datacite.org/schema/kernel-4\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://datacite.org/schema/kernel-4 https://schema.datacite.org/meta/kernel-4.6/metadata.xsd\">\
             <titles><title>&#233;t&#xE9;</title></titles></resource>",
        )
        .expect("4.6");
        assert_eq!(v.1.as_deref(), Some("4.6"));
        assert_eq!(v.0["titles"][0]["title"], "été");
        // A prefixed namespace, inside an OAI-PMH oai_datacite envelope,
        // after a byte-order mark.
        let wrapped = "\u{feff}<oai_datacite xmlns=\"http://schema.datacite.org/oai/oai-1.1/\">\
            <payload><dc:resource xmlns:dc=\"http://datacite.org/schema/kernel-4\">\
            <dc:titles><dc:title>Wrapped</dc:title></dc:titles></dc:resource></payload></oai_datacite>";
        let w = from_xml(wrapped).expect("wrapped");
        assert_eq!(w.0["titles"][0]["title"], "Wrapped");
    }
}
