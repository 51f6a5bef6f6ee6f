//! DataCite: records from the REST API turned into the kernel-4 JSON the
//! schema checks, and kernel-4.5 XML written from that JSON.

use serde_json::{Map, Value as J};

/// Properties of the DataCite 4.5 JSON document.
const KERNEL_PROPERTIES: [&str; 26] = [
    "doi",
    "prefix",
    "suffix",
    "event",
    "url",
    "types",
    "creators",
    "titles",
    "publisher",
    "publicationYear",
    "subjects",
    "contributors",
    "dates",
    "language",
    "alternateIdentifiers",
    "relatedIdentifiers",
    "relatedItems",
    "sizes",
    "formats",
    "version",
    "rightsList",
    "descriptions",
    "geoLocations",
    "fundingReferences",
    "schemaVersion",
    "container",
];

/// Drop nulls and empty values, and repeated array items.
fn clean(v: &J) -> Option<J> {
    match v {
        J::Null => None,
        J::String(s) if s.trim().is_empty() => None,
        J::Array(items) => {
            let mut out: Vec<J> = Vec::new();
            for i in items.iter().filter_map(clean) {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
            (!out.is_empty()).then_some(J::Array(out))
        }
        J::Object(m) => {
            let out: Map<String, J> = m
                .iter()
                .filter_map(|(k, v)| clean(v).map(|v| (k.clone(), v)))
                .collect();
            (!out.is_empty()).then_some(J::Object(out))
        }
        other => Some(other.clone()),
    }
}

fn affiliations(v: &mut J) {
    if let Some(list) = v.get_mut("affiliation").and_then(J::as_array_mut) {
        for a in list.iter_mut() {
            if let J::String(name) = a {
                *a = serde_json::json!({ "name": name });
            }
        }
    }
}

/// A record's `data.attributes` from `api.datacite.org/dois/…` (or the
/// attributes alone) as a DataCite 4.5 JSON document.
pub fn from_rest(record: &J) -> J {
    let attrs = record
        .pointer("/data/attributes")
        .unwrap_or(record)
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut doc: Map<String, J> = attrs
        .into_iter()
        .filter(|(k, _)| KERNEL_PROPERTIES.contains(&k.as_str()))
        .collect();
    // The REST API of recent years gives these in older shapes.
    if let Some(y) = doc.get("publicationYear").and_then(J::as_i64) {
        doc.insert("publicationYear".into(), J::String(y.to_string()));
    }
    if let Some(J::String(p)) = doc.get("publisher").cloned() {
        doc.insert("publisher".into(), serde_json::json!({ "name": p }));
    }
    if let Some(types) = doc.get_mut("types").and_then(J::as_object_mut) {
        types.retain(|k, _| k == "resourceType" || k == "resourceTypeGeneral");
    }
    for people in ["creators", "contributors"] {
        if let Some(list) = doc.get_mut(people).and_then(J::as_array_mut) {
            list.iter_mut().for_each(affiliations);
        }
    }
    doc.insert(
        "schemaVersion".into(),
        J::String("http://datacite.org/schema/kernel-4".into()),
    );
    clean(&J::Object(doc)).unwrap_or_else(|| J::Object(Map::new()))
}

/// A catalogue record (the common dataset model) as a DataCite 4.5 document,
/// to start a draft from what the catalogue already knows.
pub fn from_dataset(d: &crate::catalogue::Dataset) -> J {
    let mut doc = Map::new();
    if let Some(doi) = d.normalized_doi() {
        doc.insert("doi".into(), J::String(doi));
    }
    doc.insert("titles".into(), serde_json::json!([{ "title": d.title }]));
    let creators: Vec<J> = d
        .creators
        .iter()
        .map(|c| {
            let mut p = serde_json::json!({ "name": c.name, "nameType": "Personal" });
            if let Some(o) = &c.orcid {
                p["nameIdentifiers"] = serde_json::json!([{
                    "nameIdentifier": format!("https://orcid.org/{}", o.trim_start_matches("https://orcid.org/")),
                    "nameIdentifierScheme": "ORCID",
                    "schemeUri": "https://orcid.org"
                }]);
            }
            if !c.affiliations.is_empty() {
                p["affiliation"] = J::Array(
                    c.affiliations
                        .iter()
                        .map(|a| serde_json::json!({ "name": a }))
                        .collect(),
                );
            }
            p
        })
        .collect();
    if !creators.is_empty() {
        doc.insert("creators".into(), J::Array(creators));
    }
    if let Some(f) = &d.facility {
        doc.insert("publisher".into(), serde_json::json!({ "name": f }));
    }
    if let Some(y) = d.year() {
        doc.insert("publicationYear".into(), J::String(y.to_string()));
    }
    doc.insert(
        "types".into(),
        serde_json::json!({ "resourceTypeGeneral": "Dataset" }),
    );
    let mut subjects: Vec<J> = d
        .keywords
        .iter()
        .map(|k| serde_json::json!({ "subject": k }))
        .collect();
    for extra in [&d.technique, &d.instrument, &d.sample]
        .into_iter()
        .flatten()
    {
        subjects.push(serde_json::json!({ "subject": extra }));
    }
    if !subjects.is_empty() {
        doc.insert("subjects".into(), J::Array(subjects));
    }
    if let Some(desc) = &d.description {
        doc.insert(
            "descriptions".into(),
            serde_json::json!([{ "description": desc, "descriptionType": "Abstract" }]),
        );
    }
    let related: Vec<J> = d
        .links
        .iter()
        .filter(|l| l.run.is_none())
        .filter_map(|l| {
            let (kind, id) = identifier_type(&l.target)?;
            Some(serde_json::json!({
                "relatedIdentifier": id,
                "relatedIdentifierType": kind,
                "relationType": l.relation.datacite(),
            }))
        })
        .collect();
    if !related.is_empty() {
        doc.insert("relatedIdentifiers".into(), J::Array(related));
    }
    if let Some(l) = &d.license {
        let mut r = serde_json::json!({ "rights": l });
        if super::ids::spdx_ok(l) {
            r["rightsIdentifier"] = J::String(l.clone());
            r["rightsIdentifierScheme"] = J::String("SPDX".into());
        }
        doc.insert("rightsList".into(), serde_json::json!([r]));
    }
    doc.insert(
        "schemaVersion".into(),
        J::String("http://datacite.org/schema/kernel-4".into()),
    );
    clean(&J::Object(doc)).unwrap_or_else(|| J::Object(Map::new()))
}

/// DataCite's `relatedIdentifierType` of an identifier, and the identifier
/// as DataCite writes it (a DOI without its resolver); `None` for a form
/// DataCite has no type for.
fn identifier_type(id: &str) -> Option<(&'static str, String)> {
    let id = id.trim();
    if let Some(doi) = crate::catalogue::datacite::bare_doi(id) {
        return Some(("DOI", doi));
    }
    if crate::net::is_web_url(id) {
        return Some(("URL", id.to_owned()));
    }
    if !id.is_ascii() {
        return None;
    }
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    // ISSN `NNNN-NNNC` and ISBN-10/13, each with its check digit right.
    let value = |c: u8| -> Option<u32> {
        match c {
            b'0'..=b'9' => Some(u32::from(c - b'0')),
            b'X' | b'x' => Some(10),
            _ => None,
        }
    };
    let weighted = |s: &[u8], from: u32| -> Option<u32> {
        s.iter()
            .zip((1..=from).rev())
            .map(|(c, w)| value(*c).map(|v| v * w))
            .sum()
    };
    let b = id.as_bytes();
    if b.len() == 9
        && b[4] == b'-'
        && digits(&id[..4])
        && digits(&id[5..8])
        && weighted(&[&b[..4], &b[5..]].concat(), 8).is_some_and(|s| s % 11 == 0)
    {
        return Some(("ISSN", id.to_owned()));
    }
    let isbn: Vec<u8> = b.iter().copied().filter(|c| *c != b'-').collect();
    let isbn13 = isbn.len() == 13
        && (isbn.starts_with(b"978") || isbn.starts_with(b"979"))
        && isbn.iter().all(u8::is_ascii_digit)
        && isbn
            .iter()
            .enumerate()
            .map(|(i, c)| u32::from(c - b'0') * if i % 2 == 0 { 1 } else { 3 })
            .sum::<u32>()
            % 10
            == 0;
    let isbn10 = id.contains('-')
        && isbn.len() == 10
        && isbn[..9].iter().all(u8::is_ascii_digit)
        && weighted(&isbn, 10).is_some_and(|s| s % 11 == 0);
    if isbn13 || isbn10 {
        return Some(("ISBN", id.to_owned()));
    }
    // A Handle: `prefix/suffix` with a numeric, dotted prefix (SciCat's PIDs).
    let (prefix, suffix) = id.split_once('/')?;
    let handle = !suffix.is_empty()
        && !suffix.contains(char::is_whitespace)
        && prefix.split('.').all(digits);
    handle.then(|| ("Handle", id.to_owned()))
}

/// The cart's datasets as DataCite kernel-4.5 XML, one document each:
/// a file name from its DOI and the XML, for each dataset that has what
/// the schema requires; the others by title with what they lack.
pub fn cart_xml(items: &[crate::catalogue::Dataset]) -> CartXml {
    let mut out = CartXml::default();
    for d in items {
        let (doc, check) = prepare_xml(&from_dataset(d));
        if !check.missing.is_empty() {
            out.refused.push((d.title.clone(), check.missing));
            continue;
        }
        let doi = d.normalized_doi().unwrap_or_default();
        let stem: String = doi
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut name = format!("{stem}.xml");
        let mut n = 2;
        while out.files.iter().any(|(f, _)| *f == name) {
            name = format!("{stem}-{n}.xml");
            n += 1;
        }
        out.files.push((name, to_xml(&doc)));
    }
    out
}

/// What [`cart_xml`] gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CartXml {
    /// `(file name, XML)`: `10.5281_zenodo.1239.xml` and so on.
    pub files: Vec<(String, String)>,
    /// `(title, what it lacks)` of the datasets no valid XML is written for.
    pub refused: Vec<(String, Vec<String>)>,
}

impl CartXml {
    /// Write the files into `dir` (made if need be), each atomically;
    /// the paths written.
    pub fn write(&self, dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        for (name, xml) in &self.files {
            let path = dir.join(name);
            crate::paths::write_atomic(&path, xml.as_bytes())?;
            written.push(path);
        }
        Ok(written)
    }

    /// One line for people: how many were written, and which were not, why.
    pub fn summary(&self, dir: &std::path::Path) -> String {
        let mut s = format!(
            "{} DataCite XML file{} written to {}",
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" },
            dir.display()
        );
        for (title, missing) in &self.refused {
            s.push_str(&format!(
                "\n“{title}” not written: it lacks {}",
                missing.join(", ")
            ));
        }
        s
    }
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn text(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        J::Null => String::new(),
        other => other.to_string(),
    }
}

/// JSON key → XML attribute, as DataCite names them.
fn attr_name(k: &str) -> String {
    match k {
        "lang" => "xml:lang".into(),
        k if k.ends_with("Uri") => format!("{}URI", &k[..k.len() - 3]),
        k => k.to_owned(),
    }
}

struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn open(&mut self, tag: &str, attrs: &[(String, String)]) {
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push('<');
        self.out.push_str(tag);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth -= 1;
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push_str(&format!("</{tag}>\n"));
    }

    fn leaf(&mut self, tag: &str, attrs: &[(String, String)], content: &str) {
        self.out.push_str(&"  ".repeat(self.depth));
        self.out.push('<');
        self.out.push_str(tag);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
        self.out.push_str(&format!(">{}</{tag}>\n", esc(content)));
    }

    /// An element whose text is `obj[text_key]` and whose attributes are the
    /// other keys of `obj` (except `skip`).
    fn element(&mut self, tag: &str, obj: &J, text_key: &str, skip: &[&str]) {
        let attrs: Vec<(String, String)> = obj
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, v)| {
                        k.as_str() != text_key
                            && !skip.contains(&k.as_str())
                            && !v.is_object()
                            && !v.is_array()
                            // An empty attribute is no value of any list.
                            && !text(v).trim().is_empty()
                    })
                    .map(|(k, v)| (attr_name(k), text(v)))
                    .collect()
            })
            .unwrap_or_default();
        let content = obj.get(text_key).map(text).unwrap_or_default();
        self.leaf(tag, &attrs, &content);
    }

    fn list(&mut self, doc: &J, key: &str, wrapper: &str, item: &str, text_key: &str) {
        let Some(items) = doc.get(key).and_then(J::as_array) else {
            return;
        };
        self.open(wrapper, &[]);
        for i in items {
            if i.is_string() {
                self.leaf(item, &[], &text(i));
            } else {
                self.element(item, i, text_key, &[]);
            }
        }
        self.close(wrapper);
    }

    fn person(&mut self, p: &J, name_tag: &str) {
        let mut name_attrs = Vec::new();
        if let Some(t) = p
            .get("nameType")
            .and_then(J::as_str)
            .filter(|t| !t.is_empty())
        {
            name_attrs.push(("nameType".to_owned(), t.to_owned()));
        }
        if let Some(l) = p.get("lang").and_then(J::as_str).filter(|l| !l.is_empty()) {
            name_attrs.push(("xml:lang".to_owned(), l.to_owned()));
        }
        self.leaf(
            name_tag,
            &name_attrs,
            &p.get("name").map(text).unwrap_or_default(),
        );
        for k in ["givenName", "familyName"] {
            if let Some(v) = p.get(k) {
                self.leaf(k, &[], &text(v));
            }
        }
        for id in p
            .get("nameIdentifiers")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            self.element("nameIdentifier", id, "nameIdentifier", &[]);
        }
        for a in p
            .get("affiliation")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
        {
            if a.is_string() {
                self.leaf("affiliation", &[], &text(a));
            } else {
                self.element("affiliation", a, "name", &[]);
            }
        }
    }
}

impl Xml {
    fn point(&mut self, tag: &str, p: &J) {
        self.open(tag, &[]);
        for k in ["pointLongitude", "pointLatitude"] {
            self.leaf(k, &[], &p.get(k).map(text).unwrap_or_default());
        }
        self.close(tag);
    }

    fn geo_location(&mut self, g: &J) {
        self.open("geoLocation", &[]);
        if let Some(p) = g.get("geoLocationPlace") {
            self.leaf("geoLocationPlace", &[], &text(p));
        }
        if let Some(p) = g.get("geoLocationPoint") {
            self.point("geoLocationPoint", p);
        }
        if let Some(b) = g.get("geoLocationBox") {
            self.open("geoLocationBox", &[]);
            for k in [
                "westBoundLongitude",
                "eastBoundLongitude",
                "southBoundLatitude",
                "northBoundLatitude",
            ] {
                self.leaf(k, &[], &b.get(k).map(text).unwrap_or_default());
            }
            self.close("geoLocationBox");
        }
        if let Some(poly) = g.get("geoLocationPolygon").and_then(J::as_array) {
            self.open("geoLocationPolygon", &[]);
            for p in poly {
                if let Some(pp) = p.get("polygonPoint") {
                    self.point("polygonPoint", pp);
                }
                if let Some(pp) = p.get("inPolygonPoint") {
                    self.point("inPolygonPoint", pp);
                }
            }
            self.close("geoLocationPolygon");
        }
        self.close("geoLocation");
    }
}

/// What [`prepare_xml`] changed or found missing, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlCheck {
    /// Elements given the value the standard names as the default
    /// (a contributor without a type becomes `Other`).
    pub repaired: Vec<String>,
    /// Required fields the document lacks: no valid XML can be written.
    pub missing: Vec<String>,
}

fn nonempty(v: Option<&J>) -> bool {
    v.is_some_and(|v| !text(v).trim().is_empty())
}

/// Check a DataCite document before writing it as kernel-4 XML: the
/// required fields (identifier, creators with names, titles, publisher,
/// publication year, resource type) and the attributes each element must
/// have. Where the standard has a clear default it is filled in and
/// reported in `repaired`; every other gap is named in `missing`.
pub fn prepare_xml(doc: &J) -> (J, XmlCheck) {
    let mut d = doc.clone();
    let mut check = XmlCheck {
        repaired: Vec::new(),
        missing: Vec::new(),
    };
    let miss = |c: &mut XmlCheck, what: String| c.missing.push(what);
    let doi = d.get("doi").map(text).unwrap_or_default();
    if doi.trim().is_empty() {
        miss(&mut check, "identifier (the DOI)".into());
    } else if !(doi.starts_with("10.") && doi.split_once('/').is_some_and(|(_, s)| !s.is_empty())) {
        miss(
            &mut check,
            format!("identifier: “{doi}” is not a DOI (10.prefix/suffix)"),
        );
    }
    match d.get("creators").and_then(J::as_array) {
        Some(c) if !c.is_empty() => {
            for (i, p) in c.iter().enumerate() {
                if !nonempty(p.get("name")) {
                    miss(&mut check, format!("the name of creator {}", i + 1));
                }
            }
        }
        _ => miss(&mut check, "creators (at least one)".into()),
    }
    match d.get("titles").and_then(J::as_array) {
        Some(t) if !t.is_empty() => {
            for (i, title) in t.iter().enumerate() {
                let filled = nonempty(title.get("title"))
                    || title.as_str().is_some_and(|s| !s.trim().is_empty());
                if !filled {
                    miss(&mut check, format!("the text of title {}", i + 1));
                }
            }
        }
        _ => miss(&mut check, "titles (at least one)".into()),
    }
    for (i, p) in d
        .get("contributors")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if !nonempty(p.get("name")) {
            miss(&mut check, format!("the name of contributor {}", i + 1));
        }
    }
    let publisher = d.get("publisher");
    if !(nonempty(publisher.and_then(|p| p.get("name")))
        || publisher
            .and_then(J::as_str)
            .is_some_and(|s| !s.trim().is_empty()))
    {
        miss(&mut check, "publisher".into());
    }
    let year = d.get("publicationYear").map(text).unwrap_or_default();
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        miss(&mut check, "publicationYear (four digits)".into());
    }
    if !nonempty(d.pointer("/types/resourceTypeGeneral")) {
        miss(
            &mut check,
            "types.resourceTypeGeneral (e.g. Dataset)".into(),
        );
    }
    // Defaults the standard itself names ("Other" is a type of each list).
    for (list, attr) in [
        ("contributors", "contributorType"),
        ("descriptions", "descriptionType"),
    ] {
        if let Some(items) = d.get_mut(list).and_then(J::as_array_mut) {
            for (i, item) in items.iter_mut().enumerate() {
                if let Some(m) = item.as_object_mut()
                    && m.get(attr).is_none_or(|v| text(v).trim().is_empty())
                {
                    m.insert(attr.to_owned(), J::String("Other".into()));
                    check
                        .repaired
                        .push(format!("{list} {}: no {attr}, written as Other", i + 1));
                }
            }
        }
    }
    // Attributes without a default: name them.
    for (list, attrs) in [
        ("dates", &["dateType"][..]),
        ("alternateIdentifiers", &["alternateIdentifierType"][..]),
        (
            "relatedIdentifiers",
            &["relatedIdentifierType", "relationType"][..],
        ),
        ("fundingReferences", &["funderName"][..]),
    ] {
        for (i, item) in d
            .get(list)
            .and_then(J::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for a in attrs {
                if !nonempty(item.get(*a)) {
                    miss(&mut check, format!("{list} {}: {a}", i + 1));
                }
            }
        }
    }
    for key in ["creators", "contributors"] {
        for (i, p) in d
            .get(key)
            .and_then(J::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for id in p
                .get("nameIdentifiers")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
            {
                if !nonempty(id.get("nameIdentifierScheme")) {
                    miss(
                        &mut check,
                        format!("{key} {}: nameIdentifierScheme of its identifier", i + 1),
                    );
                }
            }
        }
    }
    (d, check)
}

/// DataCite kernel-4.5 XML of a DataCite JSON document.
pub fn to_xml(doc: &J) -> String {
    let mut x = Xml {
        out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        depth: 0,
    };
    x.open(
        "resource",
        &[
            ("xmlns".into(), "http://datacite.org/schema/kernel-4".into()),
            (
                "xmlns:xsi".into(),
                "http://www.w3.org/2001/XMLSchema-instance".into(),
            ),
            (
                "xsi:schemaLocation".into(),
                "http://datacite.org/schema/kernel-4 http://schema.datacite.org/meta/kernel-4.5/metadata.xsd"
                    .into(),
            ),
        ],
    );
    if let Some(doi) = doc.get("doi").and_then(J::as_str) {
        x.leaf(
            "identifier",
            &[("identifierType".into(), "DOI".into())],
            doi,
        );
    }
    for (key, wrapper, item, name_tag) in [("creators", "creators", "creator", "creatorName")] {
        if let Some(people) = doc.get(key).and_then(J::as_array) {
            x.open(wrapper, &[]);
            for p in people {
                x.open(item, &[]);
                x.person(p, name_tag);
                x.close(item);
            }
            x.close(wrapper);
        }
    }
    x.list(doc, "titles", "titles", "title", "title");
    if let Some(p) = doc.get("publisher") {
        if p.is_string() {
            x.leaf("publisher", &[], &text(p));
        } else {
            x.element("publisher", p, "name", &[]);
        }
    }
    if let Some(y) = doc.get("publicationYear") {
        x.leaf("publicationYear", &[], &text(y));
    }
    if let Some(t) = doc.get("types") {
        let general = t.get("resourceTypeGeneral").map(text).unwrap_or_default();
        x.leaf(
            "resourceType",
            &[("resourceTypeGeneral".into(), general)],
            &t.get("resourceType").map(text).unwrap_or_default(),
        );
    }
    x.list(doc, "subjects", "subjects", "subject", "subject");
    if let Some(people) = doc.get("contributors").and_then(J::as_array) {
        x.open("contributors", &[]);
        for p in people {
            let attrs: Vec<(String, String)> = p
                .get("contributorType")
                .map(|t| vec![("contributorType".to_owned(), text(t))])
                .unwrap_or_default();
            x.open("contributor", &attrs);
            x.person(p, "contributorName");
            x.close("contributor");
        }
        x.close("contributors");
    }
    x.list(doc, "dates", "dates", "date", "date");
    if let Some(l) = doc.get("language") {
        x.leaf("language", &[], &text(l));
    }
    x.list(
        doc,
        "alternateIdentifiers",
        "alternateIdentifiers",
        "alternateIdentifier",
        "alternateIdentifier",
    );
    x.list(
        doc,
        "relatedIdentifiers",
        "relatedIdentifiers",
        "relatedIdentifier",
        "relatedIdentifier",
    );
    x.list(doc, "sizes", "sizes", "size", "size");
    x.list(doc, "formats", "formats", "format", "format");
    if let Some(v) = doc.get("version") {
        x.leaf("version", &[], &text(v));
    }
    x.list(doc, "rightsList", "rightsList", "rights", "rights");
    x.list(
        doc,
        "descriptions",
        "descriptions",
        "description",
        "description",
    );
    if let Some(places) = doc.get("geoLocations").and_then(J::as_array) {
        x.open("geoLocations", &[]);
        for g in places {
            x.geo_location(g);
        }
        x.close("geoLocations");
    }
    if let Some(refs) = doc.get("fundingReferences").and_then(J::as_array) {
        x.open("fundingReferences", &[]);
        for f in refs {
            x.open("fundingReference", &[]);
            if let Some(n) = f.get("funderName") {
                x.leaf("funderName", &[], &text(n));
            }
            if let Some(id) = f.get("funderIdentifier") {
                let mut attrs = Vec::new();
                if let Some(t) = f.get("funderIdentifierType") {
                    attrs.push(("funderIdentifierType".to_owned(), text(t)));
                }
                if let Some(u) = f.get("schemeUri") {
                    attrs.push(("schemeURI".to_owned(), text(u)));
                }
                x.leaf("funderIdentifier", &attrs, &text(id));
            }
            if let Some(n) = f.get("awardNumber") {
                let attrs: Vec<(String, String)> = f
                    .get("awardUri")
                    .map(|u| vec![("awardURI".to_owned(), text(u))])
                    .unwrap_or_default();
                x.leaf("awardNumber", &attrs, &text(n));
            }
            if let Some(t) = f.get("awardTitle") {
                x.leaf("awardTitle", &[], &text(t));
            }
            x.close("fundingReference");
        }
        x.close("fundingReferences");
    }
    x.close("resource");
    x.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Each lineage target gets DataCite's identifier type, or is left out
    /// where DataCite has none; runs on this computer are never written.
    #[test]
    fn lineage_targets_get_their_identifier_types() {
        for (id, want) in [
            (
                "https://doi.org/10.5281/Zenodo.1",
                Some(("DOI", "10.5281/Zenodo.1")),
            ),
            ("doi:10.1/x", Some(("DOI", "10.1/x"))),
            (
                "https://github.com/a/b",
                Some(("URL", "https://github.com/a/b")),
            ),
            ("2366-5017", Some(("ISSN", "2366-5017"))),
            ("0317-8471", Some(("ISSN", "0317-8471"))),
            ("2049-3630", Some(("ISSN", "2049-3630"))),
            ("2366-5018", None),
            ("1234-12é", None),
            ("12345678é", None),
            ("0-306-40615-2", Some(("ISBN", "0-306-40615-2"))),
            ("1234567890", None),
            ("978-3-95450-147-3", None),
            ("978-3-95450-147-2", Some(("ISBN", "978-3-95450-147-2"))),
            (
                "20.500.12269/panosc-dataset1",
                Some(("Handle", "20.500.12269/panosc-dataset1")),
            ),
            ("/data/input/file1.dat", None),
            ("ftp://host/file", None),
            ("a thing", None),
        ] {
            let got = identifier_type(id);
            assert_eq!(got.as_ref().map(|(k, v)| (*k, v.as_str())), want, "{id}");
        }
        let d = crate::catalogue::Dataset {
            links: vec![
                crate::catalogue::Link::new(
                    crate::catalogue::Relation::DerivedFrom,
                    "20.500.12269/raw",
                ),
                crate::catalogue::Link {
                    run: Some("/home/u/runs/fit".into()),
                    ..crate::catalogue::Link::new(
                        crate::catalogue::Relation::SourceOf,
                        "/home/u/runs/fit",
                    )
                },
            ],
            ..crate::catalogue::Dataset::default()
        };
        let doc = from_dataset(&d);
        assert_eq!(
            doc["relatedIdentifiers"],
            json!([{"relatedIdentifier": "20.500.12269/raw", "relatedIdentifierType": "Handle", "relationType": "IsDerivedFrom"}])
        );
    }

    #[test]
    fn rest_records_become_kernel_documents() {
        let rest = json!({"data": {"attributes": {
            "doi": "10.1234/abc", "url": "https://x", "state": "findable",
            "publicationYear": 2015, "publisher": "HZDR",
            "types": {"resourceTypeGeneral": "Dataset", "ris": "DATA"},
            "creators": [{"name": "Doe, Jane", "affiliation": ["HZDR", "HZDR"]}],
            "titles": [{"title": "T"}], "version": null, "formats": ["a", "a"]
        }}});
        let doc = from_rest(&rest);
        assert_eq!(doc["publicationYear"], "2015");
        assert_eq!(doc["publisher"], json!({"name": "HZDR"}));
        assert_eq!(doc["types"], json!({"resourceTypeGeneral": "Dataset"}));
        assert_eq!(doc["creators"][0]["affiliation"], json!([{"name": "HZDR"}]));
        assert_eq!(doc["formats"], json!(["a"]));
        assert!(doc.get("state").is_none() && doc.get("version").is_none());
    }

    #[test]
    fn xml_is_prepared_with_defaults_or_refused_by_name() {
        let doc = json!({
            "doi": "not-a-doi",
            "creators": [{"name": "Doe, Jane"}],
            "titles": [{"title": "A"}, {"title": " ", "titleType": ""}],
            "publisher": {"name": "HZDR"},
            "publicationYear": "2024",
            "types": {"resourceTypeGeneral": "Dataset"},
            "contributors": [{"name": "", "contributorType": "Editor"}, {"name": "Lab"}],
            "descriptions": [{"description": "x"}]
        });
        let (fixed, check) = prepare_xml(&doc);
        assert_eq!(
            check.missing,
            vec![
                "identifier: “not-a-doi” is not a DOI (10.prefix/suffix)".to_owned(),
                "the text of title 2".to_owned(),
                "the name of contributor 1".to_owned(),
            ]
        );
        assert_eq!(fixed["contributors"][1]["contributorType"], "Other");
        assert_eq!(fixed["descriptions"][0]["descriptionType"], "Other");
        assert_eq!(check.repaired.len(), 2, "{:?}", check.repaired);
        // Empty attributes are not written (no list has an empty value).
        assert!(!to_xml(&fixed).contains("titleType=\"\""));
    }

    #[test]
    fn xml_escapes_and_names_attributes() {
        let doc = json!({
            "doi": "10.1234/abc",
            "creators": [{"name": "O'Brien & Co <x>", "nameType": "Organizational"}],
            "titles": [{"title": "A", "lang": "en"}],
            "publisher": {"name": "P"},
            "publicationYear": "2024",
            "types": {"resourceTypeGeneral": "Dataset"},
            "rightsList": [{"rights": "CC BY 4.0", "rightsUri": "https://creativecommons.org/licenses/by/4.0/"}]
        });
        let xml = to_xml(&doc);
        assert!(xml.contains("O&apos;Brien &amp; Co &lt;x&gt;"), "{xml}");
        assert!(xml.contains(r#"<title xml:lang="en">A</title>"#), "{xml}");
        assert!(xml.contains(r#"rightsURI="https://creativecommons.org/licenses/by/4.0/""#));
        assert!(xml.contains(r#"<identifier identifierType="DOI">10.1234/abc</identifier>"#));
    }
}
