//! NeXus application definitions and base classes (NXDL XML of the NeXus
//! definitions, read from a folder at run time) and checking a file against
//! one: missing required groups and fields, wrong types, wrong or missing
//! units, values outside an enumeration.

use std::path::{Path, PathBuf};

use quick_xml::events::{BytesStart, Event};

use super::MetadataError;
use crate::data::{DType, Data, DataSource, EntityKind, NoProgress, Selection};

/// One element of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Group {
        nx_class: String,
        name: Option<String>,
        required: bool,
        children: Vec<Spec>,
    },
    Field {
        name: String,
        nx_type: Option<String>,
        units: Option<String>,
        required: bool,
        values: Vec<String>,
    },
}

/// A parsed NXDL definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub name: String,
    /// `application`, `base` or `contributed`.
    pub category: String,
    pub children: Vec<Spec>,
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .filter_map(Result::ok)
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            let raw = String::from_utf8_lossy(&a.value).into_owned();
            quick_xml::escape::unescape(&raw).map_or(raw.clone(), std::borrow::Cow::into_owned)
        })
}

/// In application definitions everything is required unless marked optional
/// (`optional`, `recommended`, `minOccurs="0"`); in base classes nothing is.
fn required_of(e: &BytesStart<'_>, application: bool) -> bool {
    let optional = attr(e, b"optional").is_some_and(|v| v == "true")
        || attr(e, b"recommended").is_some_and(|v| v == "true")
        || attr(e, b"minOccurs").is_some_and(|v| v == "0");
    application && !optional
}

fn attach(stack: &mut [Option<Spec>], def: &mut Definition, spec: Spec) {
    for slot in stack.iter_mut().rev() {
        match slot {
            Some(Spec::Group { children, .. }) => {
                children.push(spec);
                return;
            }
            Some(Spec::Field { .. }) => return,
            None => {}
        }
    }
    def.children.push(spec);
}

/// Parse NXDL XML.
pub fn parse(xml: &str) -> Result<Definition, MetadataError> {
    let bad = |d: String| MetadataError::Schema {
        name: "NXDL".into(),
        detail: d,
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut def = Definition {
        name: String::new(),
        category: String::new(),
        children: Vec::new(),
    };
    let mut stack: Vec<Option<Spec>> = Vec::new();
    let mut application = false;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| bad(format!("not valid XML: {e}")))?;
        let (e, empty) = match ev {
            Event::Eof => break,
            Event::End(_) => {
                if let Some(Some(spec)) = stack.pop() {
                    attach(&mut stack, &mut def, spec);
                }
                continue;
            }
            Event::Start(e) => (e.into_owned(), false),
            Event::Empty(e) => (e.into_owned(), true),
            _ => continue,
        };
        let spec = match e.local_name().as_ref() {
            b"definition" => {
                def.name = attr(&e, b"name").unwrap_or_default();
                def.category = attr(&e, b"category").unwrap_or_default();
                application = matches!(def.category.as_str(), "application" | "contributed");
                None
            }
            b"group" => Some(Spec::Group {
                nx_class: attr(&e, b"type").unwrap_or_default(),
                name: attr(&e, b"name"),
                required: required_of(&e, application),
                children: Vec::new(),
            }),
            b"field" => Some(Spec::Field {
                name: attr(&e, b"name").unwrap_or_default(),
                nx_type: attr(&e, b"type"),
                units: attr(&e, b"units"),
                required: required_of(&e, application),
                values: Vec::new(),
            }),
            b"item" => {
                if let Some(v) = attr(&e, b"value")
                    && let Some(Some(Spec::Field { values, .. })) = stack
                        .iter_mut()
                        .rev()
                        .find(|s| matches!(s, Some(Spec::Field { .. } | Spec::Group { .. })))
                {
                    values.push(v);
                }
                None
            }
            _ => None,
        };
        if empty {
            if let Some(spec) = spec {
                attach(&mut stack, &mut def, spec);
            }
        } else {
            stack.push(spec);
        }
    }
    if def.name.is_empty() {
        return Err(bad("no <definition name=…> element".into()));
    }
    Ok(def)
}

/// Where NXDL files are looked for: `PANORAMA_NXDL_DIR`, `nxdl/` in the data
/// folder, the package's copy (`../share/panorama/nxdl` next to the
/// executable), then the copy `make` puts in `target/nxdl` of a source checkout.
pub fn search_dirs(data_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("PANORAMA_NXDL_DIR").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(d));
    }
    dirs.push(data_dir.join("nxdl"));
    // Installed: /usr/bin/panorama reads /usr/share/panorama/nxdl.
    if let Some(prefix) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent().map(Path::to_path_buf))
    {
        dirs.push(prefix.join("share/panorama/nxdl"));
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/nxdl"));
    dirs
}

/// Find and parse `NAME.nxdl.xml` (e.g. `NXmonopd`) in the folders and their
/// `applications/`, `base_classes/`, `contributed_definitions/`.
pub fn load(name: &str, dirs: &[PathBuf]) -> Result<Definition, MetadataError> {
    let file = format!("{name}.nxdl.xml");
    for d in dirs {
        for sub in [
            "",
            "applications",
            "base_classes",
            "contributed_definitions",
        ] {
            let p = d.join(sub).join(&file);
            if let Ok(xml) = std::fs::read_to_string(&p) {
                return parse(&xml);
            }
        }
    }
    Err(MetadataError::Schema {
        name: name.to_owned(),
        detail: format!(
            "no {file} in {}; put the NeXus definitions there or set PANORAMA_NXDL_DIR",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// A problem of a file against a definition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Issue {
    /// HDF5 path of the object (or of the group missing something).
    pub path: String,
    pub problem: String,
}

/// Units accepted for each NeXus unit category (lower case).
fn units_ok(category: &str, unit: &str) -> bool {
    let u = unit.trim().to_lowercase();
    let list: &[&str] = match category {
        "NX_LENGTH" => &["m", "cm", "mm", "um", "µm", "nm", "angstrom", "å", "a"],
        "NX_WAVELENGTH" => &["m", "nm", "angstrom", "å", "a", "pm"],
        "NX_ANGLE" => &[
            "deg", "degree", "degrees", "rad", "radian", "radians", "mrad", "urad",
        ],
        "NX_TIME" | "NX_PERIOD" => &["s", "ms", "us", "µs", "ns", "min", "h", "second", "seconds"],
        "NX_ENERGY" => &["ev", "kev", "mev", "j", "mj"],
        "NX_TEMPERATURE" => &["k", "degc", "celsius", "c", "mk"],
        "NX_WAVENUMBER" => &["1/m", "1/nm", "1/angstrom", "1/a", "angstrom^-1", "nm^-1"],
        "NX_COUNT" => &["counts", "count", "1", ""],
        "NX_FREQUENCY" => &["hz", "khz", "mhz", "ghz"],
        "NX_PRESSURE" => &["pa", "kpa", "mpa", "bar", "mbar", "torr"],
        _ => return true,
    };
    list.contains(&u.as_str())
}

fn type_ok(nx_type: &str, dtype: &DType) -> bool {
    match nx_type {
        "NX_FLOAT" => matches!(dtype, DType::Float { .. }),
        "NX_INT" | "NX_POSINT" | "NX_UINT" => matches!(dtype, DType::Int { .. }),
        "NX_NUMBER" => matches!(dtype, DType::Int { .. } | DType::Float { .. }),
        "NX_CHAR" | "NX_DATE_TIME" => matches!(dtype, DType::Str { .. }),
        "NX_BOOLEAN" => matches!(dtype, DType::Bool | DType::Int { .. } | DType::Enum { .. }),
        _ => true,
    }
}

/// NXDL names in capitals stand for any name the writer chooses.
fn any_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase()) && !name.chars().any(|c| c.is_ascii_lowercase())
}

fn scalar_text(src: &dyn DataSource, path: &str) -> Option<String> {
    match src.value(path, &Selection::all(), &NoProgress).ok()?.data {
        Data::Str(s) | Data::Text(s) => s.first().cloned(),
        _ => None,
    }
}

fn check_group(src: &dyn DataSource, path: &str, specs: &[Spec], issues: &mut Vec<Issue>) {
    let Ok(group) = src.entity(path) else {
        issues.push(Issue {
            path: path.to_owned(),
            problem: "cannot be read".into(),
        });
        return;
    };
    let join = |n: &str| {
        if path == "/" {
            format!("/{n}")
        } else {
            format!("{path}/{n}")
        }
    };
    for spec in specs {
        match spec {
            Spec::Group {
                nx_class,
                name,
                required,
                children,
            } => {
                let found: Vec<String> = group
                    .children
                    .iter()
                    .filter(|c| c.nx_class.as_deref() == Some(nx_class.as_str()))
                    .filter(|c| name.as_ref().is_none_or(|n| any_name(n) || c.name == *n))
                    .map(|c| c.name.clone())
                    .collect();
                if found.is_empty() && *required {
                    issues.push(Issue {
                        path: path.to_owned(),
                        problem: format!(
                            "missing required group {}",
                            name.as_ref()
                                .map_or(nx_class.clone(), |n| format!("{n} ({nx_class})"))
                        ),
                    });
                }
                for n in found {
                    check_group(src, &join(&n), children, issues);
                }
            }
            Spec::Field {
                name,
                nx_type,
                units,
                required,
                values,
            } => {
                if any_name(name) {
                    continue;
                }
                let Some(child) = group.children.iter().find(|c| c.name == *name) else {
                    if *required {
                        issues.push(Issue {
                            path: path.to_owned(),
                            problem: format!("missing required field {name}"),
                        });
                    }
                    continue;
                };
                let p = join(name);
                let Ok(entity) = src.entity(&p) else {
                    continue;
                };
                let EntityKind::Dataset(info) = &entity.kind else {
                    issues.push(Issue {
                        path: p,
                        problem: "should be a field (dataset), is a group".into(),
                    });
                    continue;
                };
                let _ = child;
                if let Some(t) = nx_type
                    && !type_ok(t, &info.dtype)
                {
                    issues.push(Issue {
                        path: p.clone(),
                        problem: format!("should be {t}, is {}", info.dtype),
                    });
                }
                if let Some(cat) = units
                    && !matches!(
                        cat.as_str(),
                        "NX_ANY" | "NX_UNITLESS" | "NX_DIMENSIONLESS" | "NX_TRANSFORMATION"
                    )
                {
                    match entity.attr_text("units") {
                        None => issues.push(Issue {
                            path: p.clone(),
                            problem: format!("has no @units ({cat} expected)"),
                        }),
                        Some(u) if !units_ok(cat, &u) => issues.push(Issue {
                            path: p.clone(),
                            problem: format!("units “{u}” are not {cat}"),
                        }),
                        _ => {}
                    }
                }
                if !values.is_empty()
                    && let Some(v) = scalar_text(src, &p)
                    && !values.contains(&v)
                {
                    issues.push(Issue {
                        path: p.clone(),
                        problem: format!("“{v}” is not one of {}", values.join(", ")),
                    });
                }
            }
        }
    }
}

/// Check a file against a definition. Application definitions are checked
/// on the entries that declare them (`definition`), else on every entry.
pub fn check(src: &dyn DataSource, def: &Definition) -> Vec<Issue> {
    let mut issues = Vec::new();
    let Ok(root) = src.entity("/") else {
        return vec![Issue {
            path: "/".into(),
            problem: "the file cannot be read".into(),
        }];
    };
    let entries: Vec<String> = root
        .children
        .iter()
        .filter(|c| c.nx_class.as_deref() == Some("NXentry"))
        .map(|c| format!("/{}", c.name))
        .collect();
    let declared: Vec<String> = entries
        .iter()
        .filter(|e| {
            scalar_text(src, &format!("{e}/definition")).as_deref() == Some(def.name.as_str())
        })
        .cloned()
        .collect();
    let targets = if declared.is_empty() {
        entries
    } else {
        declared
    };
    if targets.is_empty() {
        issues.push(Issue {
            path: "/".into(),
            problem: "no NXentry group".into(),
        });
    }
    for spec in &def.children {
        match spec {
            Spec::Group {
                nx_class, children, ..
            } if nx_class == "NXentry" => {
                for t in &targets {
                    check_group(src, t, children, &mut issues);
                }
            }
            _ => {}
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"<?xml version="1.0"?>
<definition name="NXmini" category="application" xmlns="http://definition.nexusformat.org/nxdl/3.1">
  <doc>x</doc>
  <group type="NXentry">
    <field name="title"/>
    <field name="definition"><enumeration><item value="NXmini"/></enumeration></field>
    <field name="notes" optional="true"/>
    <group type="NXinstrument">
      <field name="wavelength" type="NX_FLOAT" units="NX_WAVELENGTH"><doc>w</doc></field>
    </group>
    <group type="NXsample" minOccurs="0"/>
  </group>
</definition>"#;

    #[test]
    fn nxdl_parses_into_required_and_optional_parts() {
        let d = parse(MINI).expect("parse");
        assert_eq!(d.name, "NXmini");
        let [Spec::Group { children, .. }] = d.children.as_slice() else {
            panic!("{d:?}")
        };
        assert_eq!(children.len(), 5);
        assert!(matches!(&children[1], Spec::Field { values, .. } if values == &["NXmini"]));
        assert!(matches!(
            &children[2],
            Spec::Field {
                required: false,
                ..
            }
        ));
        assert!(
            matches!(&children[3], Spec::Group { required: true, children, .. } if children.len() == 1)
        );
        assert!(matches!(
            &children[4],
            Spec::Group {
                required: false,
                ..
            }
        ));
    }

    /// Arbitrary mixtures of NXDL pieces never panic the parser.
    #[test]
    fn nxdl_parser_survives_noise() {
        let pieces = [
            "<definition name='a' category='application'>",
            "<group type='NXentry'>",
            "</group>",
            "<field name='x' type='NX_FLOAT' units='NX_LENGTH'/>",
            "<field name='y'>",
            "</field>",
            "<enumeration>",
            "<item value='v'/>",
            "</enumeration>",
            "</definition>",
            "<doc>&amp;&lt;</doc>",
            "<!-- c -->",
            "&bogus;",
            "<",
            ">",
            "\u{0}",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..5_000 {
            let mut xml = String::new();
            for _ in 0..(seed % 24) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                xml.push_str(pieces[usize::try_from(seed % pieces.len() as u64).unwrap_or(0)]);
            }
            let _ = parse(&xml);
        }
    }

    #[test]
    fn broken_nxdl_is_an_error_not_a_panic() {
        for bad in [
            "",
            "<definition",
            "<x/>",
            "<definition name='a'><group></definition>",
        ] {
            let _ = parse(bad);
        }
        assert!(parse("<x/>").is_err());
    }
}
