//! Lineage: what a dataset was made from, what was made from it, and what
//! it belongs with.
//!
//! Links come from three places: the record itself (DataCite and
//! InvenioRDM related identifiers, SciCat's `inputDatasets`, PaNOSC
//! documents), other records that point at it (a SciCat derived dataset
//! naming it as input, found by [`super::Catalogue::linked`], or any record
//! held that names it), and Panorama's own workflow runs, whose RO-Crates
//! name the datasets their inputs came from ([`runs_using`]).

use std::path::{Path, PathBuf};

use super::model::{Dataset, Link, Relation, pid_key};

/// Add `more` to `links`, each link once (same relation, same target).
pub fn add_links(links: &mut Vec<Link>, more: impl IntoIterator<Item = Link>) {
    for l in more {
        if l.target.trim().is_empty() {
            continue;
        }
        let key = l.target_key();
        match links
            .iter_mut()
            .find(|x| x.relation == l.relation && x.target_key() == key)
        {
            Some(have) => {
                if have.title.is_none() {
                    have.title = l.title;
                }
                if have.run.is_none() {
                    have.run = l.run;
                }
            }
            None => links.push(l),
        }
    }
}

/// Whether `target` (a DOI, PID or id) names `d`.
pub fn names(target: &str, d: &Dataset) -> bool {
    let t = pid_key(target);
    if t.is_empty() {
        return false;
    }
    d.pid.as_deref().is_some_and(|p| pid_key(p) == t)
        || d.normalized_doi().is_some_and(|doi| doi == t)
        || (!d.id.is_empty() && pid_key(&d.id) == t)
        || pid_key(&d.key()) == t
}

/// The lineage of `d`: its own links, the links of the records in `known`
/// that point at it (turned round), and `found` (answers of catalogues and
/// the runs on this computer). A link to the record itself is left out.
pub fn lineage<'a>(
    d: &Dataset,
    known: impl IntoIterator<Item = &'a Dataset> + Clone,
    found: &[Link],
) -> Vec<Link> {
    let mut out = Vec::new();
    add_links(&mut out, d.links.iter().cloned());
    let me = d.key();
    for other in known.clone() {
        if !me.is_empty() && other.key() == me {
            continue;
        }
        let back = other.links.iter().filter(|l| names(&l.target, d)).map(|l| {
            let target = other
                .pid
                .clone()
                .filter(|p| !p.trim().is_empty())
                .unwrap_or_else(|| other.id.clone());
            Link {
                title: Some(other.title.clone()).filter(|t| !t.is_empty()),
                ..Link::new(l.relation.inverse(), &target)
            }
        });
        let back: Vec<Link> = back.collect();
        add_links(&mut out, back);
    }
    add_links(&mut out, found.iter().cloned());
    out.retain(|l| l.run.is_some() || !names(&l.target, d));
    // A node names a record held by its title.
    for l in out
        .iter_mut()
        .filter(|l| l.title.is_none() && l.run.is_none())
    {
        l.title = known
            .clone()
            .into_iter()
            .find(|k| names(&l.target, k))
            .map(|k| k.title.clone())
            .filter(|t| !t.is_empty());
    }
    out
}

/// Where a link is drawn around the record: what it was made from on the
/// left, what was made from it on the right, what it belongs to above and
/// its parts below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Inputs,
    Outputs,
    Above,
    Below,
}

pub fn side(r: Relation) -> Side {
    match r {
        Relation::DerivedFrom => Side::Inputs,
        Relation::SourceOf => Side::Outputs,
        Relation::PartOf | Relation::SupplementTo => Side::Above,
        Relation::HasPart | Relation::SupplementedBy => Side::Below,
    }
}

/// The links of one side, in their order.
pub fn on_side(links: &[Link], s: Side) -> Vec<&Link> {
    links.iter().filter(|l| side(l.relation) == s).collect()
}

/// The name a link's node shows: the title when known, else the PID.
pub fn node_label(l: &Link) -> String {
    l.title.clone().unwrap_or_else(|| l.target.clone())
}

/// The workflow runs under `runs` (Panorama's runs folder: one folder per
/// run, or per map with a folder per input) whose RO-Crate names `d` as
/// the dataset one of its inputs came from. Newest first; a folder that
/// cannot be read, or a crate that does not parse, is passed over.
pub fn runs_using(runs: &Path, d: &Dataset) -> Vec<Link> {
    let mut found: Vec<(String, Link)> = Vec::new();
    for dir in crate_dirs(runs) {
        let Some(meta) = std::fs::read(dir.join("ro-crate-metadata.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        else {
            continue;
        };
        let Some(graph) = meta.get("@graph").and_then(|g| g.as_array()) else {
            continue;
        };
        let entity = |id: &str| {
            graph
                .iter()
                .find(|e| e.get("@id").and_then(|x| x.as_str()) == Some(id))
        };
        let uses = graph.iter().any(|e| {
            let is_dataset = match e.get("@type") {
                Some(serde_json::Value::String(t)) => t == "Dataset",
                Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "Dataset"),
                _ => false,
            };
            let id = e.get("@id").and_then(|x| x.as_str()).unwrap_or_default();
            is_dataset && id != "./" && names(id, d)
        });
        if !uses {
            continue;
        }
        let text = |e: Option<&serde_json::Value>, k: &str| {
            e.and_then(|e| e.get(k))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let name = text(entity("./"), "name");
        let when = text(entity("#run"), "endTime");
        let title = match (name.is_empty(), when.get(..16)) {
            (false, Some(t)) => format!("{name}, {}", t.replace('T', " ")),
            (false, None) => name,
            (true, _) => dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        found.push((
            when,
            Link {
                title: Some(title),
                run: Some(dir.clone()),
                ..Link::new(Relation::SourceOf, &dir.to_string_lossy())
            },
        ));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.into_iter().map(|(_, l)| l).collect()
}

/// The folders under `runs` that hold a crate: each run folder, and each
/// input's folder of a map (two levels at most).
fn crate_dirs(runs: &Path) -> Vec<PathBuf> {
    let subdirs = |p: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(p)
            .map(|it| {
                it.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for dir in subdirs(runs) {
        if dir.join("ro-crate-metadata.json").is_file() {
            out.push(dir);
        } else {
            out.extend(
                subdirs(&dir)
                    .into_iter()
                    .filter(|d| d.join("ro-crate-metadata.json").is_file()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(pid: &str, links: Vec<Link>) -> Dataset {
        Dataset {
            id: pid.into(),
            title: format!("Record {pid}"),
            pid: Some(pid.into()),
            links,
            sources: vec!["s".into()],
            ..Dataset::default()
        }
    }

    #[test]
    fn relations_read_in_either_spelling_and_turn_round() {
        assert_eq!(
            Relation::from_name("IsDerivedFrom"),
            Some(Relation::DerivedFrom)
        );
        assert_eq!(
            Relation::from_name("isderivedfrom"),
            Some(Relation::DerivedFrom)
        );
        assert_eq!(Relation::from_name("haspart"), Some(Relation::HasPart));
        assert_eq!(Relation::from_name("Cites"), None);
        for r in Relation::ALL {
            assert_eq!(r.inverse().inverse(), r);
            assert_ne!(side(r), side(r.inverse()));
        }
    }

    /// A derived record that names the raw one as its input shows on the
    /// raw one's page as made from it, under the derived record's title; a
    /// DOI written with a resolver is the same DOI.
    #[test]
    fn records_pointing_back_are_turned_round() {
        let raw = ds("10.1234/RAW", vec![]);
        let derived = ds(
            "10.1234/derived",
            vec![Link::new(
                Relation::DerivedFrom,
                "https://doi.org/10.1234/raw",
            )],
        );
        let unrelated = ds(
            "10.1234/other",
            vec![Link::new(Relation::DerivedFrom, "10.1234/else")],
        );
        let got = lineage(&raw, [&raw, &derived, &unrelated], &[]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].relation, Relation::SourceOf);
        assert_eq!(got[0].target, "10.1234/derived");
        assert_eq!(got[0].title.as_deref(), Some("Record 10.1234/derived"));
        // Seen from the derived record, the raw one is its input, once
        // even when a catalogue also says so.
        let got = lineage(
            &derived,
            [&raw],
            &[Link::new(Relation::DerivedFrom, "doi:10.1234/raw")],
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(side(got[0].relation), Side::Inputs);
    }

    #[test]
    fn a_link_to_itself_is_left_out() {
        let d = ds("10.1/a", vec![Link::new(Relation::PartOf, "10.1/A")]);
        assert!(lineage(&d, [], &[]).is_empty());
    }
}
