//! Stacks of frames that are read a batch at a time instead of whole.
//!
//! An input node gives a [`Stack`] when its data is large (an HDF5 dataset of
//! more than [`STREAM_ABOVE_BYTES`], or the frames of many files). Nodes that
//! work element by element (arithmetic, expressions, corrections, a region
//! of interest) add a step that each frame goes through; reductions (sum,
//! mean, max) then read the frames in batches, decode them in parallel and
//! keep only the running result. Any other node gets the frames as one array,
//! and only within the memory budget ([`memory_budget`]), otherwise with an
//! error that says how to go on.

use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn};
use rayon::prelude::*;
use serde_json::Value as J;
use tokio_util::sync::CancellationToken;

use super::value::{Args, BinOp, Elementwise, FrameStep, NodeError, Part, Reduction, Stack, Value};
use crate::data::selection::AxisKey;
use crate::data::{DataSource, NoProgress, Selection};

/// Datasets of 3 or more axes larger than this (as 64-bit floats) stream.
pub const STREAM_ABOVE_BYTES: u64 = 256 << 20;

/// Bytes of frames (as 64-bit floats) read and processed together.
const BATCH_BYTES: usize = 256 << 20;

/// The most bytes a stack may take when a node needs it whole:
/// `PANORAMA_MEMORY_BUDGET_MB`, else 4 GiB.
pub fn memory_budget() -> u64 {
    std::env::var("PANORAMA_MEMORY_BUDGET_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|mb| *mb > 0)
        .map_or(4 << 30, |mb| mb << 20)
}

fn failed(e: impl std::fmt::Display) -> NodeError {
    NodeError::Compute(e.to_string())
}

fn dataset_shape(src: &dyn DataSource, path: &str) -> Result<Vec<usize>, NodeError> {
    let e = src.entity(path).map_err(failed)?;
    let d = e
        .dataset()
        .ok_or_else(|| NodeError::Compute(format!("{path} is not a dataset")))?;
    if !d.dtype.is_numeric() {
        return Err(NodeError::Compute(format!("{path} does not hold numbers")));
    }
    Ok(d.shape
        .iter()
        .map(|&n| usize::try_from(n).unwrap_or(usize::MAX))
        .collect())
}

impl Stack {
    /// The frames along the first axis of one dataset.
    pub fn of_dataset(location: &str, path: &str) -> Result<Self, NodeError> {
        let src = crate::data::open(location).map_err(failed)?;
        let shape = dataset_shape(src.as_ref(), path)?;
        let Some((&frames, frame)) = shape.split_first() else {
            return Err(NodeError::Compute(format!(
                "{path} is a single number, not frames"
            )));
        };
        Ok(Self {
            parts: vec![Part {
                location: location.to_owned(),
                path: path.to_owned(),
                frames,
                framed: true,
            }],
            frame_shape: frame.to_vec(),
            steps: Vec::new(),
        })
    }

    /// The frames of the dataset `path` in every file that matches `pattern`
    /// (`*`, `?`, `[…]` and `**`), in name order. A file whose dataset has
    /// one axis more than a frame adds all its frames.
    pub fn of_files(pattern: &str, path: &str) -> Result<Self, NodeError> {
        Self::of_file_list(expand(pattern)?, path)
    }

    /// The frames of the dataset `path` in each of `files`, in that order.
    pub fn of_file_list(files: Vec<String>, path: &str) -> Result<Self, NodeError> {
        let mut parts = Vec::new();
        let mut frame_shape: Option<Vec<usize>> = None;
        for file in files {
            let src =
                crate::data::open(&file).map_err(|e| NodeError::Compute(format!("{file}: {e}")))?;
            let shape = dataset_shape(src.as_ref(), path)
                .map_err(|e| NodeError::Compute(format!("{file}: {e}")))?;
            let frame = frame_shape.get_or_insert_with(|| {
                if shape.len() >= 3 {
                    shape[1..].to_vec()
                } else {
                    shape.clone()
                }
            });
            let part = if shape == *frame {
                Part {
                    location: file,
                    path: path.to_owned(),
                    frames: 1,
                    framed: false,
                }
            } else if shape.len() == frame.len() + 1 && shape[1..] == frame[..] {
                Part {
                    location: file,
                    path: path.to_owned(),
                    frames: shape[0],
                    framed: true,
                }
            } else {
                return Err(NodeError::Compute(format!(
                    "{file}: {path} has shape {shape:?}, which does not fit frames of {frame:?}"
                )));
            };
            parts.push(part);
        }
        Ok(Self {
            parts,
            frame_shape: frame_shape.unwrap_or_default(),
            steps: Vec::new(),
        })
    }

    pub fn frames(&self) -> usize {
        self.parts.iter().map(|p| p.frames).sum()
    }

    /// Shape of the whole stack as read (frames first).
    pub fn shape(&self) -> Vec<usize> {
        let mut s = vec![self.frames()];
        s.extend_from_slice(&self.frame_shape);
        s
    }

    fn frame_len(&self) -> usize {
        self.frame_shape.iter().product::<usize>().max(1)
    }

    /// Bytes of the whole stack as 64-bit floats.
    pub fn bytes(&self) -> u64 {
        (self.frames() as u64).saturating_mul(self.frame_len() as u64 * 8)
    }

    /// This stack with one more step for each frame.
    pub fn then(&self, step: FrameStep) -> Self {
        let mut s = self.clone();
        s.steps.push(step);
        s
    }

    fn apply(&self, mut frame: ArrayD<f64>) -> Result<ArrayD<f64>, NodeError> {
        for step in &self.steps {
            let mut inputs = step.inputs.clone();
            if let Some(slot) = inputs.get_mut(step.slot) {
                *slot = Some(Arc::new(Value::Array(frame)));
            }
            frame = match (step.eval)(&Args::new(&step.params, &inputs))? {
                Value::Array(a) => a,
                Value::Scalar(s) => ArrayD::from_elem(IxDyn(&[]), s),
                other => {
                    return Err(NodeError::Compute(format!(
                        "{} gave {} for a frame, not an array",
                        step.kind,
                        other.summary()
                    )));
                }
            };
        }
        Ok(frame)
    }

    /// Read the frames in batches as stored (before the steps) and hand each
    /// batch to `each` with the number of frames in it.
    fn for_each_raw(
        &self,
        cancel: &CancellationToken,
        mut each: impl FnMut(crate::data::Value, usize) -> Result<(), NodeError>,
    ) -> Result<(), NodeError> {
        let per_batch = (BATCH_BYTES / (self.frame_len() * 8)).max(1);
        for part in &self.parts {
            let src = crate::data::open(&part.location)
                .map_err(|e| NodeError::Compute(format!("{}: {e}", part.location)))?;
            let mut start = 0;
            while start < part.frames {
                if cancel.is_cancelled() {
                    return Err(NodeError::Compute("the run was cancelled".into()));
                }
                let end = (start + per_batch).min(part.frames);
                let selection = if part.framed {
                    Selection(vec![AxisKey::Range(
                        Some(start as u64),
                        Some(end as u64),
                        1,
                    )])
                } else {
                    Selection::all()
                };
                let v = src
                    .value(&part.path, &selection, &NoProgress)
                    .map_err(|e| NodeError::Compute(format!("{}: {e}", part.location)))?;
                if v.len() != self.frame_len() * (end - start) || !v.is_numeric() {
                    return Err(NodeError::Compute(format!(
                        "{}: read {} values for {} frames of {:?}",
                        part.location,
                        v.len(),
                        end - start,
                        self.frame_shape
                    )));
                }
                each(v, end - start)?;
                start = end;
            }
        }
        Ok(())
    }

    /// Read the frames in batches and hand each batch, after the steps, to
    /// `each` with the index of its first frame.
    pub fn for_each_batch(
        &self,
        cancel: &CancellationToken,
        mut each: impl FnMut(usize, Vec<ArrayD<f64>>) -> Result<(), NodeError>,
    ) -> Result<(), NodeError> {
        let mut index = 0;
        self.for_each_raw(cancel, |v, frames| {
            let numbers = v
                .chunks_f64(self.frame_len())
                .ok_or_else(|| NodeError::Compute("the frames do not hold numbers".into()))?;
            drop(v);
            let batch: Vec<ArrayD<f64>> = numbers
                .into_par_iter()
                .map(|c| {
                    let f = ArrayD::from_shape_vec(IxDyn(&self.frame_shape), c).map_err(failed)?;
                    self.apply(f)
                })
                .collect::<Result<_, _>>()?;
            each(index, batch)?;
            index += frames;
            Ok(())
        })
    }

    /// The steps as element-wise operations on a frame's numbers, when they
    /// all are (arithmetic with a number or a frame-sized array, scaling).
    fn simple_steps(&self) -> Option<Vec<Simple>> {
        self.steps
            .iter()
            .map(|step| {
                let op = match step.elementwise? {
                    Elementwise::ScaleOffset => {
                        let num = |n: &str| step.params.get(n).and_then(J::as_f64);
                        return Some(Simple::Scale(num("factor")?, num("offset")?));
                    }
                    Elementwise::Binary(op) => op,
                };
                if step.inputs.len() != 2 || step.slot > 1 {
                    return None;
                }
                let other = step.inputs[1 - step.slot].clone()?;
                let operand = match other.as_ref() {
                    Value::Scalar(_) => other,
                    Value::Array(a)
                        if a.shape() == self.frame_shape.as_slice() && a.is_standard_layout() =>
                    {
                        other
                    }
                    _ => return None,
                };
                Some(Simple::Bin {
                    op,
                    operand,
                    frame_first: step.slot == 0,
                })
            })
            .collect()
    }

    /// Sum, mean or max over frames with element-wise steps, in one pass over
    /// each batch: blocks of pixels are converted, stepped and added up while
    /// they are in the cache, each block by one thread.
    fn fused_over_frames(
        &self,
        max: bool,
        steps: &[Simple],
        cancel: &CancellationToken,
    ) -> Result<(Vec<f64>, usize), NodeError> {
        let n = self.frame_len();
        let mut acc = vec![if max { f64::NEG_INFINITY } else { 0.0 }; n];
        let mut count = 0usize;
        self.for_each_raw(cancel, |v, frames| {
            macro_rules! go {
                ($raw:expr) => {
                    fused_batch($raw, frames, n, steps, &mut acc, max)
                };
            }
            use crate::data::Data;
            match &v.data {
                Data::I8(r) => go!(r),
                Data::I16(r) => go!(r),
                Data::I32(r) => go!(r),
                Data::I64(r) => go!(r),
                Data::U8(r) => go!(r),
                Data::U16(r) => go!(r),
                Data::U32(r) => go!(r),
                Data::U64(r) => go!(r),
                Data::F32(r) => go!(r),
                Data::F64(r) => go!(r),
                _ => {
                    let r = v.to_f64().ok_or_else(|| {
                        NodeError::Compute("the frames do not hold numbers".into())
                    })?;
                    go!(&r);
                }
            }
            count += frames;
            Ok(())
        })?;
        Ok((acc, count))
    }

    /// All frames as one array, when it fits in the memory budget.
    pub fn materialize(&self, cancel: &CancellationToken) -> Result<ArrayD<f64>, NodeError> {
        let budget = memory_budget();
        if self.bytes() > budget {
            return Err(NodeError::Compute(format!(
                "this stack of {} frames of {:?} needs {:.1} GB in memory, more than the {:.1} GB \
                 allowed; reduce it frame by frame first (sum, mean or max along axis 0, or a \
                 region of interest), or raise PANORAMA_MEMORY_BUDGET_MB",
                self.frames(),
                self.frame_shape,
                self.bytes() as f64 / 1e9,
                budget as f64 / 1e9
            )));
        }
        let mut frames = Vec::with_capacity(self.frames());
        self.for_each_batch(cancel, |_, batch| {
            frames.extend(batch);
            Ok(())
        })?;
        let views: Vec<_> = frames.iter().map(|f| f.view()).collect();
        if views.is_empty() {
            let mut shape = vec![0];
            shape.extend_from_slice(&self.frame_shape);
            return Ok(ArrayD::zeros(IxDyn(&shape)));
        }
        ndarray::stack(Axis(0), &views).map_err(failed)
    }

    /// Sum, mean or max: over everything (`axis` None), over frames
    /// (axis 0), or within each frame (a later axis).
    pub fn reduce(
        &self,
        r: Reduction,
        axis: Option<usize>,
        cancel: &CancellationToken,
    ) -> Result<Value, NodeError> {
        let max = r == Reduction::Max;
        if matches!(axis, None | Some(0))
            && let Some(steps) = self.simple_steps()
        {
            let (acc, count) = self.fused_over_frames(max, &steps, cancel)?;
            if count == 0 {
                return Err(NodeError::Compute("the stack has no frames".into()));
            }
            let n = acc.len();
            return Ok(match (axis, r) {
                (None, Reduction::Max) => {
                    Value::Scalar(acc.into_iter().fold(f64::NEG_INFINITY, f64::max))
                }
                (None, Reduction::Mean) => {
                    Value::Scalar(acc.iter().sum::<f64>() / (count * n) as f64)
                }
                (None, Reduction::Sum) => Value::Scalar(acc.iter().sum()),
                (_, _) => {
                    let mut a =
                        ArrayD::from_shape_vec(IxDyn(&self.frame_shape), acc).map_err(failed)?;
                    if r == Reduction::Mean {
                        a.mapv_inplace(|v| v / count as f64);
                    }
                    Value::Array(a)
                }
            });
        }
        match axis {
            None => {
                let (mut total, mut count) = (if max { f64::NEG_INFINITY } else { 0.0 }, 0usize);
                self.for_each_batch(cancel, |_, batch| {
                    let (t, c) = batch
                        .par_iter()
                        .map(|f| {
                            let t = if max {
                                f.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                            } else {
                                f.sum()
                            };
                            (t, f.len())
                        })
                        .reduce(
                            || (if max { f64::NEG_INFINITY } else { 0.0 }, 0),
                            |a, b| (if max { a.0.max(b.0) } else { a.0 + b.0 }, a.1 + b.1),
                        );
                    total = if max { total.max(t) } else { total + t };
                    count += c;
                    Ok(())
                })?;
                Ok(Value::Scalar(match r {
                    Reduction::Mean if count > 0 => total / count as f64,
                    Reduction::Mean => f64::NAN,
                    Reduction::Sum | Reduction::Max => total,
                }))
            }
            Some(0) => {
                let mut acc: Option<ArrayD<f64>> = None;
                let mut count = 0usize;
                self.for_each_batch(cancel, |_, batch| {
                    count += batch.len();
                    let combine = |mut a: ArrayD<f64>, b: &ArrayD<f64>| {
                        if a.shape() != b.shape() {
                            return Err(NodeError::Compute(format!(
                                "frames of shapes {:?} and {:?} cannot be combined",
                                a.shape(),
                                b.shape()
                            )));
                        }
                        if max {
                            a.zip_mut_with(b, |x, y| *x = x.max(*y));
                        } else {
                            a += b;
                        }
                        Ok(a)
                    };
                    let part = batch
                        .into_par_iter()
                        .map(Ok)
                        .try_reduce_with(|a, b| combine(a, &b));
                    if let Some(part) = part {
                        let part = part?;
                        acc = Some(match acc.take() {
                            Some(a) => combine(a, &part)?,
                            None => part,
                        });
                    }
                    Ok(())
                })?;
                let mut acc =
                    acc.ok_or_else(|| NodeError::Compute("the stack has no frames".into()))?;
                if r == Reduction::Mean {
                    acc.mapv_inplace(|v| v / count as f64);
                }
                Ok(Value::Array(acc))
            }
            Some(ax) => {
                let mut rows: Vec<ArrayD<f64>> = Vec::with_capacity(self.frames());
                // Each frame reduced along the frame's axis.
                self.for_each_batch(cancel, |_, batch| {
                    let reduced: Vec<ArrayD<f64>> = batch
                        .into_par_iter()
                        .map(|f| r.apply(&f, Some(ax - 1)).to_array())
                        .collect();
                    rows.extend(reduced);
                    Ok(())
                })?;
                let views: Vec<_> = rows.iter().map(|f| f.view()).collect();
                ndarray::stack(Axis(0), &views)
                    .map(Value::Array)
                    .map_err(failed)
            }
        }
    }

    /// A short description for previews.
    pub fn summary(&self) -> String {
        let steps = if self.steps.is_empty() {
            String::new()
        } else {
            let kinds: Vec<&str> = self.steps.iter().map(|s| s.kind.as_str()).collect();
            format!(" through {}", kinds.join(", "))
        };
        format!(
            "{} frames of {:?}, read in batches{steps}",
            self.frames(),
            self.frame_shape
        )
    }
}

/// An element-wise step on a frame's numbers.
enum Simple {
    /// The frame with a number or a frame-sized array; `frame_first` when
    /// the frame is the left operand.
    Bin {
        op: BinOp,
        operand: Arc<Value>,
        frame_first: bool,
    },
    Scale(f64, f64),
}

impl Simple {
    /// Apply to `buf`, the elements `start..start + buf.len()` of a frame.
    fn apply(&self, buf: &mut [f64], start: usize) {
        match self {
            Self::Scale(k, c) => buf.iter_mut().for_each(|x| *x = *x * k + c),
            Self::Bin {
                op,
                operand,
                frame_first,
            } => {
                let f = |x: f64, y: f64| {
                    let (a, b) = if *frame_first { (x, y) } else { (y, x) };
                    op.apply(a, b)
                };
                match operand.as_ref() {
                    Value::Scalar(y) => buf.iter_mut().for_each(|x| *x = f(*x, *y)),
                    Value::Array(a) => {
                        if let Some(o) = a.as_slice().and_then(|s| s.get(start..start + buf.len()))
                        {
                            buf.iter_mut().zip(o).for_each(|(x, y)| *x = f(*x, *y));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Numbers of the types datasets hold, as f64.
trait Number: Copy + Sync {
    fn f64(self) -> f64;
}

macro_rules! number {
    ($($t:ty),*) => {$(
        impl Number for $t {
            #[allow(clippy::cast_lossless)]
            fn f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
number!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// Add (or take the max of) `frames` frames of `n` elements from `raw`,
/// after `steps`, into `acc`, a block of pixels per task.
fn fused_batch<T: Number>(
    raw: &[T],
    frames: usize,
    n: usize,
    steps: &[Simple],
    acc: &mut [f64],
    max: bool,
) {
    const BLOCK: usize = 4096;
    acc.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
        let start = b * BLOCK;
        // 32 KiB on the task's stack: one block of pixels, kept in cache.
        #[allow(clippy::large_stack_arrays)]
        let mut buf = [0.0f64; BLOCK];
        let buf = &mut buf[..out.len()];
        for f in 0..frames {
            let Some(src) = raw.get(f * n + start..f * n + start + out.len()) else {
                return;
            };
            buf.iter_mut().zip(src).for_each(|(x, r)| *x = r.f64());
            for s in steps {
                s.apply(buf, start);
            }
            if max {
                out.iter_mut().zip(&*buf).for_each(|(o, x)| *o = o.max(*x));
            } else {
                out.iter_mut().zip(&*buf).for_each(|(o, x)| *o += x);
            }
        }
    });
}

/// The files that match a pattern, in name order (a plain path is itself).
pub fn expand(pattern: &str) -> Result<Vec<String>, NodeError> {
    if pattern.trim().is_empty() {
        return Err(NodeError::BadParam {
            name: "file".into(),
            detail: "choose a file or a pattern such as /data/scan_*.h5".into(),
        });
    }
    if crate::net::is_web_url(pattern) || !pattern.contains(['*', '?', '[']) {
        return Ok(vec![pattern.to_owned()]);
    }
    let paths = glob::glob(pattern).map_err(|e| NodeError::BadParam {
        name: "file".into(),
        detail: format!("the pattern is not valid: {e}"),
    })?;
    let mut files: Vec<String> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(NodeError::BadParam {
            name: "file".into(),
            detail: format!("no file matches {pattern}"),
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::library::eval_with as eval;
    use ndarray::Array3;
    use std::collections::BTreeMap;

    fn write(path: &std::path::Path, data: &Array3<f64>, chunk: [usize; 3]) {
        let f = hdf5::File::create(path).expect("create");
        f.new_dataset_builder()
            .with_data(data)
            .chunk(chunk)
            .deflate(1)
            .create("frames")
            .expect("dataset");
    }

    fn stack3() -> Array3<f64> {
        Array3::from_shape_fn((7, 3, 4), |(k, i, j)| (k * 100 + i * 10 + j) as f64)
    }

    #[test]
    fn a_streamed_pipeline_equals_the_whole_array_computation() {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("s.h5");
        let data = stack3();
        write(&file, &data, [2, 3, 4]);
        let stack = Stack::of_dataset(&file.display().to_string(), "/frames").expect("stack");
        assert_eq!(stack.shape(), vec![7, 3, 4]);
        let cancel = CancellationToken::new();
        let dark = Arc::new(Value::Array(
            ndarray::Array2::from_elem((3, 4), 5.0).into_dyn(),
        ));
        let s = Arc::new(Value::Stack(Arc::new(stack)));
        let corrected = eval(
            "subtract",
            &BTreeMap::new(),
            &[Some(s), Some(dark)],
            &cancel,
        )
        .expect("step");
        let Value::Stack(c) = &corrected else {
            panic!("a frame step keeps the stack: {corrected:?}");
        };
        assert_eq!(c.steps.len(), 1);
        let c = Arc::new(corrected);
        let expect = data.mapv(|v| v - 5.0);
        for (kind, want) in [
            ("sum", expect.sum_axis(Axis(0)).into_dyn()),
            ("max", expect.index_axis(Axis(0), 6).to_owned().into_dyn()),
            ("mean", (expect.sum_axis(Axis(0)) / 7.0).into_dyn()),
        ] {
            let params = BTreeMap::from([("axis".to_owned(), J::from(0))]);
            let got = eval(kind, &params, &[Some(c.clone())], &cancel).expect(kind);
            assert_eq!(got, Value::Array(want), "{kind}");
        }
        let total = eval("sum", &BTreeMap::new(), &[Some(c.clone())], &cancel).expect("sum");
        assert_eq!(total, Value::Scalar(expect.sum()));
        let per_frame = eval(
            "sum",
            &BTreeMap::from([("axis".to_owned(), J::from(2))]),
            &[Some(c.clone())],
            &cancel,
        )
        .expect("sum");
        assert_eq!(per_frame, Value::Array(expect.sum_axis(Axis(2)).into_dyn()));
        // A step that is not element-wise (a region of interest) goes the
        // general way, frame by frame, and gives the same numbers.
        let roi_params = BTreeMap::from([
            ("row_start".to_owned(), J::from(1)),
            ("row_end".to_owned(), J::from(3)),
            ("col_start".to_owned(), J::from(0)),
            ("col_end".to_owned(), J::from(2)),
        ]);
        let roi = eval("roi", &roi_params, &[Some(c.clone())], &cancel).expect("roi");
        let roi_sum = eval(
            "sum",
            &BTreeMap::from([("axis".to_owned(), J::from(0))]),
            &[Some(Arc::new(roi))],
            &cancel,
        )
        .expect("sum");
        let want = expect
            .slice(ndarray::s![.., 1..3, 0..2])
            .sum_axis(Axis(0))
            .into_dyn();
        assert_eq!(roi_sum, Value::Array(want));
        let Value::Stack(c) = c.as_ref() else {
            unreachable!()
        };
        assert_eq!(c.materialize(&cancel).expect("whole"), expect.into_dyn());
    }

    #[test]
    fn frames_of_many_files_follow_a_pattern_in_name_order() {
        let tmp = tempfile::tempdir().expect("tmp");
        let data = stack3();
        for k in 0..3 {
            let f = hdf5::File::create(tmp.path().join(format!("scan_{k}.h5"))).expect("create");
            f.new_dataset_builder()
                .with_data(&data.index_axis(Axis(0), k).to_owned())
                .create("frames")
                .expect("dataset");
        }
        std::fs::write(tmp.path().join("notes.txt"), "not matched").expect("write");
        let pattern = tmp.path().join("scan_*.h5").display().to_string();
        let stack = Stack::of_files(&pattern, "/frames").expect("stack");
        assert_eq!(stack.shape(), vec![3, 3, 4]);
        let cancel = CancellationToken::new();
        let sum = stack.reduce(Reduction::Sum, Some(0), &cancel).expect("sum");
        let want = data
            .slice(ndarray::s![0..3, .., ..])
            .sum_axis(Axis(0))
            .into_dyn();
        assert_eq!(sum, Value::Array(want));
        let none = tmp.path().join("none_*.h5").display().to_string();
        assert!(
            matches!(Stack::of_files(&none, "/frames"), Err(NodeError::BadParam { detail, .. }) if detail.contains("no file matches"))
        );
    }

    #[test]
    fn a_stack_larger_than_the_budget_is_refused_with_what_to_do() {
        let s = Stack {
            parts: vec![Part {
                location: "x.h5".into(),
                path: "/d".into(),
                frames: 100_000,
                framed: true,
            }],
            frame_shape: vec![4096, 4096],
            steps: Vec::new(),
        };
        let err = s
            .materialize(&CancellationToken::new())
            .expect_err("too big");
        assert!(
            err.to_string().contains("PANORAMA_MEMORY_BUDGET_MB"),
            "{err}"
        );
    }
}
