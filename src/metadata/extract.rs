//! Values read from a NeXus/HDF5 file so nobody types them again: title,
//! times, instrument, facility, sample, people with ORCID iDs, proposal,
//! each with the place in the file it came from; then mapped onto a schema.

use serde_json::{Value as J, json};

use super::Origin;
use crate::data::{Data, DataSource, Entity, EntityKind, NoProgress, Selection};

/// A person named in the file (an `NXuser` group).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Person {
    pub name: String,
    pub orcid: Option<String>,
    pub affiliation: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
    /// The group it was read from.
    pub location: String,
}

/// One value found in a file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Found {
    /// What it is: `title`, `start_time`, `end_time`, `instrument`,
    /// `facility`, `sample`, `proposal`, `definition`, `program`.
    pub what: &'static str,
    pub value: String,
    /// HDF5 path (and `@attribute`) it was read from.
    pub location: String,
}

/// Everything extracted from one file.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Extracted {
    pub file: String,
    pub values: Vec<Found>,
    pub people: Vec<Person>,
}

impl Extracted {
    pub fn get(&self, what: &str) -> Option<&Found> {
        self.values.iter().find(|f| f.what == what)
    }
}

/// A scalar string or number of a dataset, as text.
fn text_of(src: &dyn DataSource, path: &str) -> Option<String> {
    let v = src.value(path, &Selection::all(), &NoProgress).ok()?;
    let t = match &v.data {
        Data::Str(s) | Data::Text(s) => s.first()?.clone(),
        Data::F64(x) => x.first()?.to_string(),
        Data::F32(x) => x.first()?.to_string(),
        Data::I64(x) => x.first()?.to_string(),
        Data::I32(x) => x.first()?.to_string(),
        _ => return None,
    };
    let t = t.trim().to_owned();
    (!t.is_empty()).then_some(t)
}

fn child<'a>(e: &'a Entity, name: &str) -> Option<&'a Entity> {
    e.children.iter().find(|c| c.name == name)
}

fn groups_of<'a>(e: &'a Entity, class: &str) -> impl Iterator<Item = &'a Entity> {
    e.children
        .iter()
        .filter(move |c| c.nx_class.as_deref() == Some(class))
}

fn is_dataset(e: &Entity) -> bool {
    matches!(e.kind, EntityKind::Dataset(_))
}

/// Read what a NeXus file says about itself. Missing pieces are simply absent.
pub fn from_nexus(src: &dyn DataSource) -> Extracted {
    let mut out = Extracted {
        file: src.label(),
        ..Extracted::default()
    };
    let Ok(root) = src.entity("/") else {
        return out;
    };
    let mut push = |what: &'static str, value: Option<String>, location: String| {
        if let Some(value) = value
            && !out.values.iter().any(|f| f.what == what)
        {
            out.values.push(Found {
                what,
                value,
                location,
            });
        }
    };
    // The entry the file points at (`@default`), else the first NXentry.
    let entry_name = root
        .attr_text("default")
        .filter(|d| child(&root, d).is_some())
        .or_else(|| groups_of(&root, "NXentry").next().map(|e| e.name.clone()));
    let Some(entry_name) = entry_name else {
        push("program", root.attr_text("creator"), "/@creator".into());
        return out;
    };
    let entry_path = format!("/{entry_name}");
    let Ok(entry) = src.entity(&entry_path) else {
        return out;
    };
    let field = |e: &Entity, base: &str, name: &str| -> Option<(String, String)> {
        let c = child(e, name).filter(|c| is_dataset(c))?;
        let p = format!("{base}/{}", c.name);
        Some((text_of(src, &p)?, p))
    };
    for (what, name) in [
        ("title", "title"),
        ("start_time", "start_time"),
        ("end_time", "end_time"),
        ("proposal", "experiment_identifier"),
        ("definition", "definition"),
        ("program", "program_name"),
    ] {
        if let Some((v, p)) = field(&entry, &entry_path, name) {
            push(what, Some(v), p);
        }
    }
    if let Some(t) = entry.attr_text("title") {
        push("title", Some(t), format!("{entry_path}/@title"));
    }
    if let Some(c) = root.attr_text("creator") {
        push("program", Some(c), "/@creator".into());
    }
    // Instrument and its source (the facility).
    if let Some(inst) = groups_of(&entry, "NXinstrument").next() {
        let ip = format!("{entry_path}/{}", inst.name);
        if let Ok(inst) = src.entity(&ip) {
            match field(&inst, &ip, "name") {
                Some((v, p)) => push("instrument", Some(v), p),
                None => push("instrument", Some(inst.name.clone()), ip.clone()),
            }
            if let Some(source) = groups_of(&inst, "NXsource").next() {
                let sp = format!("{ip}/{}", source.name);
                if let Ok(source) = src.entity(&sp)
                    && let Some((v, p)) = field(&source, &sp, "name")
                {
                    push("facility", Some(v), p);
                }
            }
        }
    }
    if let Some(sample) = groups_of(&entry, "NXsample").next() {
        let sp = format!("{entry_path}/{}", sample.name);
        if let Ok(sample) = src.entity(&sp) {
            let name =
                field(&sample, &sp, "name").or_else(|| field(&sample, &sp, "chemical_formula"));
            if let Some((v, p)) = name {
                push("sample", Some(v), p);
            }
        }
    }
    let users: Vec<String> = groups_of(&entry, "NXuser")
        .map(|u| u.name.clone())
        .collect();
    for u in users {
        let up = format!("{entry_path}/{u}");
        let Ok(user) = src.entity(&up) else {
            continue;
        };
        let get = |n: &str| field(&user, &up, n).map(|(v, _)| v);
        let Some(name) = get("name") else {
            continue;
        };
        out.people.push(Person {
            name,
            orcid: get("ORCID")
                .or_else(|| get("orcid"))
                .and_then(|o| super::ids::orcid(&o)),
            affiliation: get("affiliation"),
            email: get("email"),
            role: get("role"),
            location: up,
        });
    }
    out
}

/// Read what an ORSO reflectivity text file's header says (owner, experiment,
/// sample, reduction), each value with its place in the header.
pub fn from_orso(path: &std::path::Path) -> Result<Extracted, super::MetadataError> {
    let bad = |d: String| super::MetadataError::Read {
        path: path.display().to_string(),
        detail: d,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    // Read as the viewer reads it (hostile YAML refused before loading).
    let header = crate::data::orso::first_header(&text, &path.display().to_string()).map_err(
        |e| match e {
            crate::data::DataError::Malformed { message, .. } => bad(message),
            e => bad(e.to_string()),
        },
    )?;
    if header.is_null() {
        return Err(bad("the header is empty".into()));
    }
    let h = &header;
    let mut out = Extracted {
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        ..Extracted::default()
    };
    let text_at = |keys: &[&str]| -> Option<String> {
        let mut cur = h;
        for k in keys {
            cur = &cur[*k];
        }
        match cur {
            yaml_rust2::Yaml::String(s) => Some(s.clone()),
            yaml_rust2::Yaml::Integer(i) => Some(i.to_string()),
            yaml_rust2::Yaml::Real(r) => Some(r.clone()),
            _ => None,
        }
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
    };
    for (what, keys) in [
        ("title", &["data_source", "experiment", "title"][..]),
        ("start_time", &["data_source", "experiment", "start_date"]),
        ("instrument", &["data_source", "experiment", "instrument"]),
        ("facility", &["data_source", "experiment", "facility"]),
        ("proposal", &["data_source", "experiment", "proposalID"]),
        ("proposal", &["data_source", "experiment", "ID"]),
        ("probe", &["data_source", "experiment", "probe"]),
        ("sample", &["data_source", "sample", "name"]),
        ("program", &["reduction", "software", "name"]),
    ] {
        if out.get(what).is_none()
            && let Some(v) = text_at(keys)
        {
            out.values.push(Found {
                what,
                value: v,
                location: keys.join("."),
            });
        }
    }
    if let Some(name) = text_at(&["data_source", "owner", "name"]) {
        out.people.push(Person {
            name,
            orcid: text_at(&["data_source", "owner", "orcid"]).and_then(|o| super::ids::orcid(&o)),
            affiliation: text_at(&["data_source", "owner", "affiliation"]),
            email: text_at(&["data_source", "owner", "contact"]),
            role: Some("owner".into()),
            location: "data_source.owner".into(),
        });
    }
    Ok(out)
}

/// The year of an ISO 8601 time.
fn year_of(t: &str) -> Option<String> {
    let y: String = t.chars().take(4).collect();
    (y.len() == 4 && y.chars().all(|c| c.is_ascii_digit())).then_some(y)
}

/// Map extracted values onto the fields of a schema, each with its origin.
pub fn for_schema(schema: &str, x: &Extracted) -> Vec<(String, J, Origin)> {
    let origin = |location: &str| Origin::File {
        file: x.file.clone(),
        location: location.to_owned(),
    };
    let mut out: Vec<(String, J, Origin)> = Vec::new();
    let mut put = |pointer: String, value: J, location: &str| {
        out.push((pointer, value, origin(location)));
    };
    let v = |what: &str| x.get(what).map(|f| (f.value.clone(), f.location.clone()));
    match schema {
        "datacite" => {
            if let Some((t, l)) = v("title") {
                put("/titles/0/title".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("start_time") {
                if let Some(y) = year_of(&t) {
                    put("/publicationYear".into(), json!(y), &l);
                }
                put("/dates/0/date".into(), json!(t), &l);
                put("/dates/0/dateType".into(), json!("Collected"), &l);
            }
            if let Some((f, l)) = v("facility") {
                put("/publisher/name".into(), json!(f), &l);
            }
            put(
                "/types/resourceTypeGeneral".into(),
                json!("Dataset"),
                "(NeXus file)",
            );
            put(
                "/schemaVersion".into(),
                json!("http://datacite.org/schema/kernel-4"),
                "(DataCite 4.5)",
            );
            for (i, p) in x.people.iter().enumerate() {
                put(format!("/creators/{i}/name"), json!(p.name), &p.location);
                put(
                    format!("/creators/{i}/nameType"),
                    json!("Personal"),
                    &p.location,
                );
                if let Some(o) = &p.orcid {
                    put(
                        format!("/creators/{i}/nameIdentifiers/0/nameIdentifier"),
                        json!(format!("https://orcid.org/{o}")),
                        &p.location,
                    );
                    put(
                        format!("/creators/{i}/nameIdentifiers/0/nameIdentifierScheme"),
                        json!("ORCID"),
                        &p.location,
                    );
                }
                if let Some(a) = &p.affiliation {
                    put(
                        format!("/creators/{i}/affiliation/0/name"),
                        json!(a),
                        &p.location,
                    );
                }
            }
            let mut subjects = Vec::new();
            for what in ["instrument", "sample"] {
                if let Some((s, l)) = v(what) {
                    subjects.push((s, l));
                }
            }
            for (i, (s, l)) in subjects.into_iter().enumerate() {
                put(format!("/subjects/{i}/subject"), json!(s), &l);
            }
        }
        "scicat" => {
            put("/type".into(), json!("raw"), "(NeXus file)");
            if let Some((t, l)) = v("title") {
                put("/datasetName".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("start_time") {
                put("/startTime".into(), json!(t), &l);
                put("/creationTime".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("end_time") {
                put("/endTime".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("instrument") {
                put("/creationLocation".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("proposal") {
                put("/proposalId".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("sample") {
                put("/sampleId".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("definition") {
                put("/dataFormat".into(), json!(format!("NeXus {t}")), &l);
            }
            if let Some(p) = x.people.first() {
                put("/principalInvestigator".into(), json!(p.name), &p.location);
                put("/owner".into(), json!(p.name), &p.location);
                if let Some(e) = &p.email {
                    put("/ownerEmail".into(), json!(e), &p.location);
                    put("/contactEmail".into(), json!(e), &p.location);
                }
                if let Some(o) = &p.orcid {
                    put("/orcidOfOwner".into(), json!(o), &p.location);
                }
            }
        }
        "invenio" => {
            put(
                "/metadata/resource_type/id".into(),
                json!("dataset"),
                "(NeXus file)",
            );
            if let Some((t, l)) = v("title") {
                put("/metadata/title".into(), json!(t), &l);
            }
            if let Some((f, l)) = v("facility") {
                put("/metadata/publisher".into(), json!(f), &l);
            }
            for (i, p) in x.people.iter().enumerate() {
                let base = format!("/metadata/creators/{i}/person_or_org");
                put(format!("{base}/type"), json!("personal"), &p.location);
                let (given, family) = match p.name.rsplit_once(' ') {
                    Some((g, f)) => (g.to_owned(), f.to_owned()),
                    None => (String::new(), p.name.clone()),
                };
                put(format!("{base}/family_name"), json!(family), &p.location);
                if !given.is_empty() {
                    put(format!("{base}/given_name"), json!(given), &p.location);
                }
                if let Some(o) = &p.orcid {
                    put(
                        format!("{base}/identifiers/0/scheme"),
                        json!("orcid"),
                        &p.location,
                    );
                    put(
                        format!("{base}/identifiers/0/identifier"),
                        json!(o),
                        &p.location,
                    );
                }
                if let Some(a) = &p.affiliation {
                    put(
                        format!("/metadata/creators/{i}/affiliations/0/name"),
                        json!(a),
                        &p.location,
                    );
                }
            }
        }
        "reflectivity" => {
            if let Some((t, l)) = v("title") {
                put("/experiment/title".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("instrument") {
                put("/experiment/instrument".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("facility") {
                put("/experiment/facility".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("start_time") {
                put("/experiment/start_date".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("proposal") {
                put("/experiment/proposalID".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("sample") {
                put("/sample/name".into(), json!(t), &l);
            }
            if let Some((t, l)) = v("probe") {
                put("/experiment/probe".into(), json!(t), &l);
            }
            if let Some(p) = x.people.first() {
                put("/owner/name".into(), json!(p.name), &p.location);
                if let Some(a) = &p.affiliation {
                    put("/owner/affiliation".into(), json!(a), &p.location);
                }
                if let Some(e) = &p.email {
                    put("/owner/contact".into(), json!(e), &p.location);
                }
                if let Some(o) = &p.orcid {
                    put("/owner/orcid".into(), json!(o), &p.location);
                }
            }
        }
        _ => {}
    }
    out
}
