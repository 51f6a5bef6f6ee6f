//! `panorama validate` and `panorama metadata extract`.

use std::path::Path;
use std::process::ExitCode;

use crate::metadata::{Draft, extract, schema};
use crate::paths::AppDirs;

/// Folder where users put their own schema files.
pub fn user_schema_dir(dirs: &AppDirs) -> std::path::PathBuf {
    dirs.config.join("schemas")
}

/// What a NeXus/HDF5 file or an ORSO text file says about itself.
fn found_in(file: &str) -> Result<extract::Extracted, String> {
    let path = Path::new(file);
    let head = std::fs::read(path)
        .map(|b| b.into_iter().take(16).collect::<Vec<u8>>())
        .unwrap_or_default();
    let named_orso = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ort"));
    // A `.ort` file is read as ORSO, so one that is not says so (not "not HDF5").
    if head.starts_with(b"# # ORSO") || named_orso && !head.starts_with(b"\x89HDF") {
        return extract::from_orso(path).map_err(|e| format!("{}: {e}", path.display()));
    }
    let src = crate::data::open(file).map_err(|e| e.to_string())?;
    Ok(extract::from_nexus(src.as_ref()))
}

/// The document to validate, and the DataCite kernel version a DataCite XML
/// record names (`None` for JSON and files).
fn read_doc_versioned(
    input: &str,
    schema_name: &str,
) -> Result<(serde_json::Value, Option<String>), String> {
    let path = Path::new(input);
    let bytes = std::fs::read(path).map_err(|e| format!("{input}: {e}"))?;
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    if body.trim_ascii_start().starts_with(b"<") {
        // DataCite XML, as DataCite, OAI-PMH and repositories exchange it.
        let (doc, version) =
            crate::metadata::datacite_xml::from_xml(&String::from_utf8_lossy(&bytes))
                .map_err(|e| format!("{input}: {e}"))?;
        return Ok((doc, Some(version.unwrap_or_else(|| "4".into()))));
    }
    let named_orso = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ort"));
    if bytes.starts_with(b"\x89HDF") || bytes.starts_with(b"# # ORSO") || named_orso {
        // A NeXus or ORSO file: check what can be extracted from it.
        let found = found_in(input)?;
        let mut draft = Draft::new(schema_name);
        for (p, v, o) in extract::for_schema(schema_name, &found) {
            draft.prefill(&p, v, o);
        }
        return Ok((draft.to_json(), None));
    }
    serde_json::from_slice(&bytes)
        .map(|d| (d, None))
        .map_err(|e| format!("{input} is neither HDF5, JSON nor DataCite XML: {e}"))
}

/// `panorama validate INPUT --schema NAME|PATH`: exit 0 when valid, 1 when not.
pub fn validate(dirs: &AppDirs, input: &str, schema_name: &str, json: bool) -> ExitCode {
    if let Some(name) = schema_name.strip_prefix("nxdl:") {
        return validate_nxdl(dirs, input, name, json);
    }
    let dir = user_schema_dir(dirs);
    let (schemas, _) = schema::all(Some(&dir));
    let info = match schema::find(&schemas, schema_name) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    let (doc, kernel) = match read_doc_versioned(input, &info.name) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A DataCite XML record is checked against the lists of the kernel
    // version it names.
    let checked = match kernel.as_deref() {
        Some(v) if info.name == "datacite" => {
            if !json {
                eprintln!(
                    "{input}: DataCite XML, kernel {v} (lists known up to {})",
                    crate::metadata::datacite_xml::NEWEST_KERNEL
                );
            }
            crate::metadata::datacite_xml::schema_for(&info.schema, Some(v))
        }
        _ => info.schema.clone(),
    };
    let errors = match schema::validate(&checked, &doc) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        println!(
            "{}",
            serde_json::json!({"schema": info.name, "valid": errors.is_empty(), "errors": errors})
        );
    } else if errors.is_empty() {
        println!("{input}: valid against {}", info.title);
    } else {
        println!(
            "{input}: {} problem(s) against {}",
            errors.len(),
            info.title
        );
        for e in &errors {
            let at = if e.pointer.is_empty() {
                "/"
            } else {
                &e.pointer
            };
            println!("  {at}: {}", e.message);
        }
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `panorama metadata extract FILE [--schema S] [--json]`.
pub fn extract(
    dirs: &AppDirs,
    file: &str,
    schema_name: Option<&str>,
    template: Option<&str>,
    json: bool,
) -> ExitCode {
    let template = match (template, schema_name) {
        (None, _) => None,
        (Some(_), None) => {
            eprintln!("panorama: --template needs --schema");
            return ExitCode::from(2);
        }
        (Some(t), Some(s)) => {
            let found = crate::store::Store::open(&dirs.database())
                .ok()
                .map(|store| crate::metadata::templates::list(&store))
                .unwrap_or_default()
                .into_iter()
                .find(|x| x.name == t && x.schema == s);
            match found {
                Some(f) => Some(f),
                None => {
                    eprintln!("panorama: no template “{t}” for the schema {s}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    let found = match found_in(file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::FAILURE;
        }
    };
    match (schema_name, json) {
        (None, true) => println!(
            "{}",
            serde_json::to_string_pretty(&found).unwrap_or_default()
        ),
        (None, false) => {
            for f in &found.values {
                println!("{:<11} {}    ({})", f.what, f.value, f.location);
            }
            for p in &found.people {
                let mut line = format!("{:<11} {}", "person", p.name);
                if let Some(o) = &p.orcid {
                    line.push_str(&format!(" <https://orcid.org/{o}>"));
                }
                if let Some(a) = &p.affiliation {
                    line.push_str(&format!(", {a}"));
                }
                println!("{line}    ({})", p.location);
            }
            if found.values.is_empty() && found.people.is_empty() {
                println!("Nothing to extract: the file has no NeXus entry with metadata.");
            }
        }
        (Some(s), as_json) => {
            let mut fields = extract::for_schema(s, &found);
            if let Some(t) = &template {
                // The file's values win; the template fills the rest.
                for (p, v, o) in t.values() {
                    if !fields.iter().any(|(q, _, _)| *q == p) {
                        fields.push((p, v, o));
                    }
                }
            }
            if as_json {
                let mut d = Draft::new(s);
                for (p, v, o) in fields {
                    d.prefill(&p, v, o);
                }
                println!(
                    "{}",
                    serde_json::to_string_pretty(&d.to_json()).unwrap_or_default()
                );
            } else {
                for (p, v, o) in fields {
                    let from = match o {
                        crate::metadata::Origin::File { location, .. } => location,
                        crate::metadata::Origin::Template { name } => format!("template {name}"),
                        _ => String::new(),
                    };
                    println!("{p} = {v}    ({from})");
                }
            }
        }
    }
    ExitCode::SUCCESS
}

/// `panorama metadata export INPUT --to xml|json`.
pub fn export(input: &str, to: super::ExportFormat) -> ExitCode {
    let doc: serde_json::Value = match std::fs::read(input)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("not JSON: {e}")))
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("panorama: {input}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A DataCite REST answer is turned into the 4.5 document first.
    let doc = if doc.pointer("/data/attributes").is_some() {
        crate::metadata::datacite::from_rest(&doc)
    } else {
        doc
    };
    match to {
        super::ExportFormat::Xml => {
            // Never valid-looking XML that the schema refuses: fill the
            // defaults the standard names, refuse what is missing.
            let (doc, check) = crate::metadata::datacite::prepare_xml(&doc);
            if !check.missing.is_empty() {
                eprintln!(
                    "panorama: {input} cannot be written as DataCite XML; it lacks:\n  {}",
                    check.missing.join("\n  ")
                );
                return ExitCode::FAILURE;
            }
            for r in &check.repaired {
                eprintln!("note: {r}");
            }
            print!("{}", crate::metadata::datacite::to_xml(&doc));
        }
        super::ExportFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
    }
    ExitCode::SUCCESS
}

/// `panorama publish DRAFT --to SOURCE [--file F]…`: a draft (id or title)
/// to a SciCat or InvenioRDM source, with the account bound to the source.
pub fn publish(dirs: &AppDirs, draft: &str, to: &str, files: &[std::path::PathBuf]) -> ExitCode {
    let Some(runtime) = super::runtime_or_say() else {
        return ExitCode::FAILURE;
    };
    let state = crate::state::AppState::new(dirs.clone(), runtime.tasks().clone());
    let Some((id, title, _)) = state
        .metadata
        .drafts
        .iter()
        .find(|(id, title, _)| id.to_string() == draft || title == draft)
        .cloned()
    else {
        eprintln!("panorama: no draft “{draft}”; the Metadata tab lists them");
        return ExitCode::from(2);
    };
    let Some(cfg) = state
        .search
        .sources
        .iter()
        .find(|s| s.id == to || s.name == to)
        .cloned()
    else {
        eprintln!("panorama: no source “{to}”; see Search, Sources…");
        return ExitCode::from(2);
    };
    let Some(doc) = state.draft_docs(&[id]).into_iter().next() else {
        eprintln!("panorama: the draft {id} cannot be read");
        return ExitCode::FAILURE;
    };
    if crate::metadata::publish::schema_for(&cfg.kind) != Some(doc.draft.schema.as_str()) {
        eprintln!(
            "panorama: {} takes {} metadata; “{title}” is a {} draft",
            cfg.name,
            crate::metadata::publish::schema_for(&cfg.kind).unwrap_or("no new"),
            doc.draft.schema
        );
        return ExitCode::from(2);
    }
    let Some(auth) = cfg
        .account
        .as_deref()
        .and_then(|a| state.accounts.tokens(a))
    else {
        eprintln!(
            "panorama: {} has no signed-in account; sign in (`panorama login`) and bind the account to the source",
            cfg.name
        );
        return ExitCode::FAILURE;
    };
    let paths: Vec<&Path> = files.iter().map(std::path::PathBuf::as_path).collect();
    let json = doc.draft.to_json();
    let store = crate::store::Store::open(&dirs.database()).ok();
    // Published there before: that record is updated (or versioned).
    let previous = store
        .as_ref()
        .and_then(|s| crate::metadata::publish::sent_record(s, id, &cfg.id))
        .map(|r| r.remote_id);
    match runtime.block_on(crate::metadata::publish::publish(
        &cfg,
        auth.as_ref(),
        &json,
        &paths,
        previous.as_deref(),
    )) {
        Ok(done) => {
            let record = crate::metadata::publish::SentRecord {
                remote_id: done.id.clone(),
                url: done.url.clone(),
                draft: doc.draft.clone(),
            };
            if let Some(Err(e)) = store
                .as_ref()
                .map(|s| crate::metadata::publish::remember_sent(s, id, &cfg.id, &record))
            {
                eprintln!(
                    "panorama: published, but not remembered ({e}); publishing again would make a new record"
                );
            }
            if previous.is_some() {
                println!("Updated the record published before.");
            }
            println!(
                "Published “{title}” to {} as {}{}",
                cfg.name,
                done.id,
                done.url.map(|u| format!(" ({u})")).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `panorama validate FILE --schema nxdl:NXxxx`.
fn validate_nxdl(dirs: &AppDirs, input: &str, name: &str, json: bool) -> ExitCode {
    use crate::metadata::nxdl;
    let def = match nxdl::load(name, &nxdl::search_dirs(&dirs.data)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::from(2);
        }
    };
    let src = match crate::data::open(input) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("panorama: {e}");
            return ExitCode::FAILURE;
        }
    };
    let issues = nxdl::check(src.as_ref(), &def);
    if json {
        println!(
            "{}",
            serde_json::json!({"definition": def.name, "valid": issues.is_empty(), "issues": issues})
        );
    } else if issues.is_empty() {
        println!("{input}: conforms to {}", def.name);
    } else {
        println!("{input}: {} problem(s) against {}", issues.len(), def.name);
        for i in &issues {
            println!("  {}: {}", i.path, i.problem);
        }
    }
    if issues.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
