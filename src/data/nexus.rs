//! NeXus conventions: find the default plot (`@default` from the root through
//! NXentry to NXdata), its signal, axes, errors, units and labels, and say
//! plainly what is wrong when the attributes point nowhere.

use serde::Serialize;

use super::{DataSource, Entity, EntityKind, join_path, resolve_path};

/// One axis of the default plot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlotAxis {
    pub path: String,
    pub name: String,
    /// The signal dimension this axis labels.
    pub dim: usize,
    pub len: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_name: Option<String>,
}

impl PlotAxis {
    /// `long_name` if given, else `name (units)`.
    pub fn label(&self) -> String {
        label(&self.name, self.long_name.as_ref(), self.units.as_ref())
    }
}

fn label(name: &str, long_name: Option<&String>, units: Option<&String>) -> String {
    match (long_name, units) {
        (Some(l), _) => l.clone(),
        (None, Some(u)) => format!("{name} ({u})"),
        (None, None) => name.to_owned(),
    }
}

/// The default plot of a NeXus file or group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefaultPlot {
    /// The NXdata group.
    pub nxdata: String,
    pub signal: String,
    pub signal_name: String,
    pub shape: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_name: Option<String>,
    /// Path of the uncertainties of the signal, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<String>,
    /// Axes found, at most one per signal dimension, except for scattered
    /// points ([`Self::scattered`]): several, all of dimension 0.
    pub axes: Vec<PlotAxis>,
    /// Other signals to plot with the main one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub auxiliary: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The file asks for the signal on a log scale (silx's
    /// `@SILX_style = {"signal_scale_type": "log"}` on the NXdata, which
    /// h5web honours too).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub log_scale: bool,
    /// Things that are not as NeXus says but did not stop the plot.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl DefaultPlot {
    pub fn signal_label(&self) -> String {
        label(
            &self.signal_name,
            self.long_name.as_ref(),
            self.units.as_ref(),
        )
    }

    /// The axis for a signal dimension.
    pub fn axis(&self, dim: usize) -> Option<&PlotAxis> {
        self.axes.iter().find(|a| a.dim == dim)
    }

    /// Scattered points: a 1-D signal with two axes or more of its length,
    /// each one coordinate of every point.
    pub fn scattered(&self) -> bool {
        self.shape.len() == 1
            && self.axes.len() >= 2
            && self
                .axes
                .iter()
                .all(|a| a.dim == 0 && Some(&a.len) == self.shape.first())
    }
}

/// Why no default plot could be found, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NexusProblem(pub String);

fn problem(s: impl Into<String>) -> NexusProblem {
    NexusProblem(s.into())
}

/// Text attribute values split into items (string arrays, or old-style
/// "x:y" / "x,y" lists in one string).
fn attr_list(e: &Entity, name: &str) -> Option<Vec<String>> {
    let v = e.attr(name)?.value.as_ref().ok()?;
    let items: Vec<String> = (0..v.len().max(usize::from(v.shape.is_empty())))
        .map(|i| v.element_text(i))
        .collect();
    if items.len() == 1 && (items[0].contains(':') || items[0].contains(',')) {
        return Some(
            items[0]
                .split([':', ','])
                .map(|s| s.trim().to_owned())
                .collect(),
        );
    }
    Some(items)
}

fn is_class(e: &Entity, class: &str) -> bool {
    e.nx_class.as_deref() == Some(class)
}

/// Follow `@default` from `start` (usually `/`) down to an NXdata group and read
/// its plot description.
pub fn default_plot(src: &dyn DataSource, start: &str) -> Result<DefaultPlot, NexusProblem> {
    let mut path = start.to_owned();
    for _ in 0..16 {
        let group = src
            .entity(&path)
            .map_err(|e| problem(format!("cannot read {path}: {e}")))?;
        if !group.is_group() {
            return Err(problem(format!("{path} is not a group")));
        }
        if is_class(&group, "NXdata") {
            return nxdata_plot(src, &group);
        }
        let next = if let Some(default) = group.attr_text("default") {
            let target = resolve_path(&path, &default);
            if !group.children.iter().any(|c| c.path == target) && src.entity(&target).is_err() {
                return Err(problem(format!(
                    "@default of {path} points to “{default}”, which does not exist"
                )));
            }
            target
        } else {
            // No @default: take the first NXentry/NXsubentry, else the first NXdata.
            let pick = |class: &str| {
                group
                    .children
                    .iter()
                    .find(|c| c.nx_class.as_deref() == Some(class))
                    .map(|c| c.path.clone())
            };
            pick("NXdata")
                .or_else(|| pick("NXentry"))
                .or_else(|| pick("NXsubentry"))
                .ok_or_else(|| {
                    problem(format!(
                        "{path} has no @default attribute and no NXentry or NXdata group: this file has no NeXus default plot"
                    ))
                })?
        };
        path = next;
    }
    Err(problem(format!(
        "@default attributes go round in circles near {path}"
    )))
}

/// The plot an object stands for: a group's plot (followed through
/// `@default` from that group, or the group itself when it is NXdata), or,
/// for a dataset that is the signal of its NXdata parent, that group's plot
/// (its axes, errors and auxiliary signals). `None` for a dataset that is no
/// NXdata group's signal.
pub fn plot_of(src: &dyn DataSource, path: &str) -> Result<Option<DefaultPlot>, NexusProblem> {
    let e = src
        .entity(path)
        .map_err(|e| problem(format!("cannot read {path}: {e}")))?;
    if e.is_group() {
        return default_plot(src, path).map(Some);
    }
    let parent = match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((p, _)) => p,
    };
    let group = src
        .entity(parent)
        .map_err(|e| problem(format!("cannot read {parent}: {e}")))?;
    if !is_class(&group, "NXdata") {
        return Ok(None);
    }
    match nxdata_plot(src, &group) {
        Ok(p) if p.signal == path => Ok(Some(p)),
        // Another signal's group; or a broken NXdata, whose datasets are
        // still plotted plainly.
        Ok(_) | Err(_) => Ok(None),
    }
}

/// Read the plot description of one NXdata group.
pub fn nxdata_plot(src: &dyn DataSource, group: &Entity) -> Result<DefaultPlot, NexusProblem> {
    let gpath = &group.path;
    let signal_name = match group.attr_text("signal") {
        Some(s) => s,
        None => {
            // Old style: a child dataset with @signal = 1.
            let mut found = None;
            for c in group.children.iter().filter(|c| c.dataset().is_some()) {
                if let Ok(e) = src.entity(&c.path)
                    && e.attr_text("signal").as_deref() == Some("1")
                {
                    found = Some(c.name.clone());
                    break;
                }
            }
            found.ok_or_else(|| {
                problem(format!(
                    "NXdata group {gpath} has no @signal attribute, so Panorama cannot tell which dataset to plot"
                ))
            })?
        }
    };
    let signal_path = join_path(gpath, &signal_name);
    let signal = src.entity(&signal_path).map_err(|_| {
        problem(format!(
            "@signal of {gpath} names “{signal_name}”, which does not exist"
        ))
    })?;
    let Some(info) = signal.dataset() else {
        return Err(problem(format!(
            "the signal {signal_path} is not a dataset"
        )));
    };
    if !info.dtype.is_numeric() {
        return Err(problem(format!(
            "the signal {signal_path} holds {}, which cannot be plotted",
            info.dtype
        )));
    }
    let shape = info.shape.clone();
    let mut warnings = Vec::new();
    let mut axes = Vec::new();
    let axis_names = attr_list(group, "axes")
        .or_else(|| attr_list(&signal, "axes"))
        .unwrap_or_default();
    // Scattered points: a 1-D signal with several 1-D axes and no
    // `_indices`, each axis one coordinate of every point (h5web's reading).
    let named: Vec<&String> = axis_names
        .iter()
        .filter(|n| *n != "." && !n.is_empty())
        .collect();
    let scattered = shape.len() == 1
        && named.len() >= 2
        && named
            .iter()
            .all(|n| group.attr(&format!("{n}_indices")).is_none());
    for (i, name) in axis_names.iter().enumerate() {
        if name == "." || name.is_empty() {
            continue;
        }
        let dim = group
            .attr(&format!("{name}_indices"))
            .and_then(|a| a.value.as_ref().ok())
            .and_then(super::value::Value::to_f64)
            .and_then(|v| v.first().copied())
            .and_then(crate::units::whole_index)
            .unwrap_or(if scattered { 0 } else { i });
        let apath = join_path(gpath, name);
        let Ok(axis) = src.entity(&apath) else {
            warnings.push(format!(
                "axis “{name}” named in @axes of {gpath} does not exist"
            ));
            continue;
        };
        let Some(ainfo) = axis.dataset() else {
            warnings.push(format!("axis {apath} is not a dataset"));
            continue;
        };
        let len = ainfo.shape.first().copied().unwrap_or(1);
        let Some(&dim_len) = shape.get(dim) else {
            warnings.push(format!(
                "axis “{name}” is for dimension {dim}, but the signal has only {} dimensions",
                shape.len()
            ));
            continue;
        };
        // An axis is either one value per point or bin edges (one more).
        if len != dim_len && len != dim_len + 1 {
            warnings.push(format!(
                "axis “{name}” has {len} values but dimension {dim} of the signal has {dim_len}; it is not used"
            ));
            continue;
        }
        axes.push(PlotAxis {
            path: apath,
            name: name.clone(),
            dim,
            len,
            units: axis.attr_text("units"),
            long_name: axis.attr_text("long_name"),
        });
    }
    let errors = [format!("{signal_name}_errors"), "errors".to_owned()]
        .into_iter()
        .map(|n| join_path(gpath, &n))
        .find(|p| {
            group.children.iter().any(|c| {
                &c.path == p
                    && matches!(
                        &c.kind,
                        EntityKind::Dataset(_) | EntityKind::SoftLink { .. }
                    )
            })
        });
    let auxiliary = attr_list(group, "auxiliary_signals")
        .unwrap_or_default()
        .into_iter()
        .map(|n| join_path(gpath, &n))
        .collect();
    let title = group.attr_text("title").or_else(|| {
        let parent = gpath
            .rsplit_once('/')
            .map_or("/", |(p, _)| if p.is_empty() { "/" } else { p });
        src.entity(&join_path(parent, "title"))
            .ok()
            .and_then(|t| t.dataset().map(|_| t.path.clone()))
            .and_then(|p| {
                src.value(&p, &super::Selection::all(), &super::NoProgress)
                    .ok()
                    .map(|v| v.element_text(0))
            })
    });
    Ok(DefaultPlot {
        nxdata: gpath.clone(),
        signal: signal_path,
        signal_name,
        shape,
        units: signal.attr_text("units"),
        long_name: signal.attr_text("long_name"),
        errors,
        axes,
        auxiliary,
        title,
        log_scale: group
            .attr_text("SILX_style")
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|j| j["signal_scale_type"] == "log"),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::local_hdf5::LocalHdf5;
    use std::path::Path;

    fn demo(name: &str) -> LocalHdf5 {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/demo")
            .join(name);
        LocalHdf5::open(&p).expect("demo file")
    }

    #[test]
    fn spectrum_has_signal_errors_and_an_axis_with_units() {
        let p = default_plot(&demo("demo_spectrum1d.nxs"), "/").expect("plot");
        assert_eq!(p.nxdata, "/entry/spectrum");
        assert_eq!(p.signal, "/entry/spectrum/counts");
        assert_eq!(p.errors.as_deref(), Some("/entry/spectrum/counts_errors"));
        assert_eq!(p.shape, vec![2048]);
        assert_eq!(p.axes.len(), 1);
        assert_eq!(p.axes[0].units.as_deref(), Some("keV"));
        assert_eq!(p.axes[0].label(), "energy (keV)");
        assert_eq!(p.title.as_deref(), Some("Fluorescence spectrum"));
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn image_and_stack_axes_follow_their_indices() {
        let p = default_plot(&demo("demo_image2d.nxs"), "/").expect("plot");
        assert_eq!(p.shape, vec![400, 512]);
        assert_eq!(p.axis(0).map(|a| a.name.as_str()), Some("y"));
        assert_eq!(p.axis(1).map(|a| a.name.as_str()), Some("x"));
        let s = default_plot(&demo("demo_stack3d.nxs"), "/").expect("plot");
        assert_eq!(s.shape, vec![24, 128, 128]);
        assert_eq!(s.axis(0).map(|a| a.name.as_str()), Some("time"));
        assert_eq!(s.axis(2).and_then(|a| a.units.as_deref()), Some("mm"));
    }

    #[test]
    fn wrong_attributes_are_explained() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("bad.nxs");
        {
            use hdf5::types::VarLenUnicode;
            let s = |t: &str| t.parse::<VarLenUnicode>().expect("str");
            let f = hdf5::File::create(&path).expect("create");
            f.new_attr::<VarLenUnicode>()
                .create("default")
                .and_then(|a| a.write_scalar(&s("entry")))
                .expect("attr");
            let e = f.create_group("entry").expect("entry");
            e.new_attr::<VarLenUnicode>()
                .create("NX_class")
                .and_then(|a| a.write_scalar(&s("NXentry")))
                .expect("attr");
            e.new_attr::<VarLenUnicode>()
                .create("default")
                .and_then(|a| a.write_scalar(&s("data")))
                .expect("attr");
            let d = e.create_group("data").expect("data");
            for (k, v) in [("NX_class", "NXdata"), ("signal", "y"), ("axes", "x")] {
                d.new_attr::<VarLenUnicode>()
                    .create(k)
                    .and_then(|a| a.write_scalar(&s(v)))
                    .expect("attr");
            }
            d.new_dataset::<f64>().shape([10]).create("y").expect("y");
            d.new_dataset::<f64>().shape([7]).create("x").expect("x");
        }
        let src = LocalHdf5::open(&path).expect("open");
        let p = default_plot(&src, "/").expect("still plots");
        assert!(p.axes.is_empty());
        assert!(
            p.warnings[0].contains("has 7 values but dimension 0 of the signal has 10"),
            "{:?}",
            p.warnings
        );
        drop(src);
        // A missing NXdata target.
        let f = hdf5::File::open_rw(&path).expect("rw");
        let e = f.group("entry").expect("entry");
        e.delete_attr("default").expect("del");
        e.new_attr::<hdf5::types::VarLenUnicode>()
            .create("default")
            .and_then(|a| {
                a.write_scalar(&"nodata".parse::<hdf5::types::VarLenUnicode>().expect("str"))
            })
            .expect("attr");
        drop(f);
        let src = LocalHdf5::open(&path).expect("open");
        let err = default_plot(&src, "/").expect_err("no plot");
        assert!(
            err.0.contains("points to “nodata”, which does not exist"),
            "{err}"
        );
    }
}
