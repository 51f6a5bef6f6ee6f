//! Nodes that read and write files: an HDF5 dataset or a NeXus file's
//! default signal (local or through h5grove), and results saved as NeXus
//! with an NXprocess note of how they were made, or as CSV.

use std::path::Path;

use ndarray::{ArrayD, IxDyn};

use super::value::{NodeError, Value};
use crate::data::{DataSource, NoProgress, Selection};

fn failed(e: impl std::fmt::Display) -> NodeError {
    NodeError::Compute(e.to_string())
}

fn read(src: &dyn DataSource, path: &str) -> Result<Value, NodeError> {
    let v = src
        .value(path, &Selection::all(), &NoProgress)
        .map_err(failed)?;
    let numbers = v
        .to_f64()
        .ok_or_else(|| NodeError::Compute(format!("{path} does not hold numbers")))?;
    if v.shape.is_empty() {
        return Ok(Value::Scalar(numbers.first().copied().unwrap_or(f64::NAN)));
    }
    ArrayD::from_shape_vec(IxDyn(&v.shape), numbers)
        .map(Value::Array)
        .map_err(failed)
}

/// An HDF5 dataset's values (a local file, or an h5grove URL).
pub fn read_dataset(location: &str, path: &str) -> Result<Value, NodeError> {
    if location.trim().is_empty() {
        return Err(NodeError::BadParam {
            name: "file".into(),
            detail: "choose a file".into(),
        });
    }
    let src = crate::data::open(location).map_err(failed)?;
    // Large stacks of frames are read a batch at a time by the nodes after.
    if let Some(d) = src.entity(path).ok().as_ref().and_then(|e| e.dataset())
        && d.shape.len() >= 3
        && d.element_count().saturating_mul(8) > super::stream::STREAM_ABOVE_BYTES
    {
        return super::value::Stack::of_dataset(location, path)
            .map(|s| Value::Stack(std::sync::Arc::new(s)));
    }
    read(src.as_ref(), path)
}

/// The downloaded files of a catalogue dataset (by PID or DOI), as the
/// store of the data folder (`PANORAMA_HOME` or the user's) remembers them.
pub fn dataset_files(dataset: &str) -> Result<Vec<String>, NodeError> {
    if dataset.trim().is_empty() {
        return Err(NodeError::BadParam {
            name: "dataset".into(),
            detail: "give the dataset's DOI or PID".into(),
        });
    }
    let dirs = crate::paths::AppDirs::from_env().map_err(failed)?;
    let store = crate::store::Store::open(&dirs.database()).map_err(failed)?;
    let files = crate::catalogue::offline::downloaded_files(&store, dataset).map_err(failed)?;
    if files.is_empty() {
        return Err(NodeError::Compute(format!(
            "no files of {} are downloaded; download them from the dataset's page or with \
             `panorama get {}` first",
            dataset.trim(),
            dataset.trim()
        )));
    }
    Ok(files.into_iter().map(|p| p.display().to_string()).collect())
}

/// The NeXus default signal of a file (`@default` down to `@signal`).
pub fn read_default_signal(location: &str) -> Result<Value, NodeError> {
    if location.trim().is_empty() {
        return Err(NodeError::BadParam {
            name: "file".into(),
            detail: "choose a file".into(),
        });
    }
    let src = crate::data::open(location).map_err(failed)?;
    let plot = crate::data::nexus::default_plot(src.as_ref(), "/").map_err(failed)?;
    read(src.as_ref(), &plot.signal)
}

fn attr(loc: &hdf5::Location, name: &str, value: &str) -> hdf5::Result<()> {
    let v: hdf5::types::VarLenUnicode = value
        .parse()
        .map_err(|e: hdf5::types::StringError| hdf5::Error::from(e.to_string().as_str()))?;
    loc.new_attr::<hdf5::types::VarLenUnicode>()
        .create(name)?
        .write_scalar(&v)
}

fn text(group: &hdf5::Group, name: &str, value: &str) -> hdf5::Result<()> {
    let v: hdf5::types::VarLenUnicode = value
        .parse()
        .map_err(|e: hdf5::types::StringError| hdf5::Error::from(e.to_string().as_str()))?;
    group
        .new_dataset::<hdf5::types::VarLenUnicode>()
        .create(name)?
        .write_scalar(&v)
}

/// Write a result as a NeXus file: `/entry/data/NAME` (NXdata, the default
/// plot) and `/entry/process` (NXprocess: program, version, date, and the
/// node's parameters as `note`).
pub fn save_nexus(file: &str, name: &str, v: &Value, note: &str) -> Result<(), NodeError> {
    if file.trim().is_empty() {
        return Err(NodeError::BadParam {
            name: "file".into(),
            detail: "choose where to save".into(),
        });
    }
    let name = if name.trim().is_empty() {
        "data"
    } else {
        name.trim()
    };
    if name.contains('/') {
        return Err(NodeError::BadParam {
            name: "name".into(),
            detail: "a name, not a path".into(),
        });
    }
    let write = || -> hdf5::Result<()> {
        if let Some(dir) = Path::new(file)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| hdf5::Error::from(e.to_string().as_str()))?;
        }
        let f = hdf5::File::create(file)?;
        attr(&f, "default", "entry")?;
        let entry = f.create_group("entry")?;
        attr(&entry, "NX_class", "NXentry")?;
        attr(&entry, "default", "data")?;
        let data = entry.create_group("data")?;
        attr(&data, "NX_class", "NXdata")?;
        attr(&data, "signal", name)?;
        let arr = v.to_array();
        data.new_dataset_builder().with_data(&arr).create(name)?;
        let process = entry.create_group("process")?;
        attr(&process, "NX_class", "NXprocess")?;
        text(&process, "program", "Panorama")?;
        text(&process, "version", crate::VERSION)?;
        text(&process, "date", &chrono::Utc::now().to_rfc3339())?;
        text(&process, "note", note)?;
        Ok(())
    };
    write().map_err(|e| NodeError::Compute(format!("could not write {file}: {e}")))
}

/// Write a result as CSV: a table with its header, a 1-D array as one
/// column, a 2-D array as rows.
pub fn export_csv(file: &str, v: &Value) -> Result<(), NodeError> {
    if file.trim().is_empty() {
        return Err(NodeError::BadParam {
            name: "file".into(),
            detail: "choose where to save".into(),
        });
    }
    let mut out = String::new();
    match v {
        Value::Table(t) => {
            out.push_str(&t.columns.join(","));
            out.push('\n');
            for r in &t.rows {
                let cells: Vec<String> = r.iter().map(f64::to_string).collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        Value::Scalar(s) => out.push_str(&format!("value\n{s}\n")),
        Value::Array(a) if a.ndim() <= 1 => {
            out.push_str("value\n");
            for x in a {
                out.push_str(&format!("{x}\n"));
            }
        }
        Value::Array(a) if a.ndim() == 2 => {
            for row in a.rows() {
                let cells: Vec<String> = row.iter().map(f64::to_string).collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        Value::Array(_) | Value::Stack(_) => {
            return Err(NodeError::Compute(format!(
                "CSV holds 1-D or 2-D data, not {} axes; select a slice first",
                v.ndim()
            )));
        }
    }
    if let Some(dir) = Path::new(file)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    std::fs::write(file, out)
        .map_err(|e| NodeError::Compute(format!("could not write {file}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_result_reads_back_with_its_provenance() {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("out/reduced.nxs");
        let file = file.to_string_lossy().into_owned();
        let v = Value::Array(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.5]]).into_dyn());
        save_nexus(&file, "intensity", &v, "{\"factor\": 2}").expect("save");
        assert_eq!(read_default_signal(&file).expect("read"), v);
        assert!(
            read_dataset(&file, "/entry/process/program").is_err(),
            "text is not numbers"
        );
        let src = crate::data::open(&file).expect("open");
        let p = src.entity("/entry/process").expect("process");
        assert_eq!(p.nx_class.as_deref(), Some("NXprocess"));
        assert!(save_nexus(&file, "a/b", &v, "").is_err());
        assert!(read_dataset("", "/x").is_err());
        assert!(read_dataset(&tmp.path().join("none.h5").to_string_lossy(), "/x").is_err());
    }

    #[test]
    fn csv_of_tables_and_arrays() {
        let tmp = tempfile::tempdir().expect("tmp");
        let f = tmp.path().join("t.csv").to_string_lossy().into_owned();
        let t = Value::Table(super::super::value::Table {
            columns: vec!["q".into(), "I".into()],
            rows: vec![vec![0.1, 5.0], vec![0.2, 4.0]],
        });
        export_csv(&f, &t).expect("csv");
        assert_eq!(
            std::fs::read_to_string(&f).expect("read"),
            "q,I\n0.1,5\n0.2,4\n"
        );
        let cube = Value::Array(ArrayD::zeros(IxDyn(&[2, 2, 2])));
        assert!(export_csv(&f, &cube).is_err());
    }
}
