//! Selections of a dataset, written like NumPy/h5grove slices: `5`, `0:10`,
//! `::2`, `1,1:3`. Axes not named are taken whole.

use std::fmt;

use super::DataError;

/// One axis of a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// One index: the axis disappears from the result.
    Index(u64),
    /// `start:stop:step`; `None` means from the start / to the end.
    Range {
        start: Option<u64>,
        stop: Option<u64>,
        step: u64,
    },
}

/// A selection over the leading axes of a dataset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selection(pub Vec<AxisKey>);

/// Hashable form of [`Axis`] used as a cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AxisKey {
    Index(u64),
    Range(Option<u64>, Option<u64>, u64),
}

impl From<AxisKey> for Axis {
    fn from(k: AxisKey) -> Self {
        match k {
            AxisKey::Index(i) => Self::Index(i),
            AxisKey::Range(start, stop, step) => Self::Range { start, stop, step },
        }
    }
}

/// A selection resolved against a shape: per axis (start, count, step, keep axis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub axes: Vec<(u64, u64, u64, bool)>,
}

impl Resolved {
    /// Shape of the result (indexed axes dropped).
    pub fn shape(&self) -> Vec<usize> {
        self.axes
            .iter()
            .filter(|a| a.3)
            .map(|a| usize::try_from(a.1).unwrap_or(usize::MAX))
            .collect()
    }

    /// The selection as an HDF5 hyperslab: (start, count, step) per axis,
    /// an index being a count of 1.
    pub fn slab(&self) -> Vec<(u64, u64, u64)> {
        self.axes.iter().map(|a| (a.0, a.1, a.2)).collect()
    }

    /// Number of elements selected.
    pub fn count(&self) -> u64 {
        super::saturating_product(self.axes.iter().map(|a| a.1))
    }
}

impl Selection {
    /// Everything.
    pub fn all() -> Self {
        Self(Vec::new())
    }

    pub fn is_all(&self) -> bool {
        self.0.is_empty()
    }

    /// Parse `"0:10,5"`. An empty string selects everything.
    pub fn parse(text: &str) -> Result<Self, DataError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self::all());
        }
        let bad = |why: &str| DataError::BadSelection {
            selection: text.to_owned(),
            reason: why.to_owned(),
        };
        let num = |s: &str| -> Result<Option<u64>, DataError> {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse::<u64>()
                    .map(Some)
                    .map_err(|_| bad(&format!("“{s}” is not a non-negative whole number")))
            }
        };
        let mut axes = Vec::new();
        for part in text.split(',') {
            let pieces: Vec<&str> = part.split(':').collect();
            let axis = match pieces.as_slice() {
                [i] => AxisKey::Index(num(i)?.ok_or_else(|| bad("an axis is empty"))?),
                [a, b] => AxisKey::Range(num(a)?, num(b)?, 1),
                [a, b, s] => {
                    let step = num(s)?.unwrap_or(1);
                    if step == 0 {
                        return Err(bad("a step cannot be zero"));
                    }
                    AxisKey::Range(num(a)?, num(b)?, step)
                }
                _ => return Err(bad("too many ':' in one axis")),
            };
            axes.push(axis);
        }
        Ok(Self(axes))
    }

    /// Check the selection against a shape and compute what it selects.
    pub fn resolve(&self, shape: &[u64]) -> Result<Resolved, DataError> {
        if self.0.len() > shape.len() {
            return Err(DataError::BadSelection {
                selection: self.to_string(),
                reason: format!(
                    "it names {} axes but the dataset has {}",
                    self.0.len(),
                    shape.len()
                ),
            });
        }
        let mut axes = Vec::with_capacity(shape.len());
        for (i, &len) in shape.iter().enumerate() {
            let axis = self.0.get(i).map_or(
                Axis::Range {
                    start: None,
                    stop: None,
                    step: 1,
                },
                |&k| k.into(),
            );
            match axis {
                Axis::Index(ix) => {
                    if ix >= len {
                        return Err(DataError::BadSelection {
                            selection: self.to_string(),
                            reason: format!(
                                "index {ix} is past the end of axis {i} (length {len})"
                            ),
                        });
                    }
                    axes.push((ix, 1, 1, false));
                }
                Axis::Range { start, stop, step } => {
                    let start = start.unwrap_or(0).min(len);
                    let stop = stop.unwrap_or(len).min(len);
                    let count = if stop > start {
                        (stop - start).div_ceil(step)
                    } else {
                        0
                    };
                    axes.push((start, count, step, true));
                }
            }
        }
        Ok(Resolved { axes })
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|a| match *a {
                AxisKey::Index(i) => i.to_string(),
                AxisKey::Range(s, e, step) => {
                    let s = s.map(|v| v.to_string()).unwrap_or_default();
                    let e = e.map(|v| v.to_string()).unwrap_or_default();
                    if step == 1 {
                        format!("{s}:{e}")
                    } else {
                        format!("{s}:{e}:{step}")
                    }
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_like_text_and_round_trips() {
        for text in ["5", "0:10", "1,1:3", "::2,3", "2:", ":7", "0:10:3"] {
            let s = Selection::parse(text).expect(text);
            assert_eq!(
                Selection::parse(&s.to_string()).expect("again"),
                s,
                "{text}"
            );
        }
        assert!(Selection::parse("").expect("all").is_all());
        for bad in ["a", "1:2:3:4", "::0", "-1", "1,,2"] {
            assert!(Selection::parse(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn resolves_shapes_like_numpy() {
        let r = Selection::parse("1,1:3")
            .expect("sel")
            .resolve(&[3, 4])
            .expect("ok");
        assert_eq!(r.shape(), vec![2]);
        assert_eq!(r.count(), 2);
        let r = Selection::parse("::2")
            .expect("sel")
            .resolve(&[5, 2])
            .expect("ok");
        assert_eq!(r.shape(), vec![3, 2]);
        let r = Selection::parse("8:100")
            .expect("sel")
            .resolve(&[10])
            .expect("ok");
        assert_eq!(r.shape(), vec![2]);
        let r = Selection::all().resolve(&[]).expect("scalar");
        assert_eq!(r.shape(), Vec::<usize>::new());
        assert!(Selection::parse("3").expect("sel").resolve(&[3]).is_err());
        assert!(Selection::parse("0,0").expect("sel").resolve(&[3]).is_err());
    }
}
