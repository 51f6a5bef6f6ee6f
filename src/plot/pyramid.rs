//! A min/max pyramid over a long series, so that any visible range decimates
//! to one (min, max) pair per pixel column in time proportional to the number
//! of columns, not points: 10 million points pan and zoom at display rate.

/// Levels of (min, max) over blocks of 2, 4, 8, … points.
pub struct MinMaxPyramid {
    base: Vec<f64>,
    levels: Vec<Vec<(f64, f64)>>,
}

fn merge(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    // NaN-aware: a NaN side never wins.
    let lo = if a.0.is_nan() {
        b.0
    } else if b.0.is_nan() {
        a.0
    } else {
        a.0.min(b.0)
    };
    let hi = if a.1.is_nan() {
        b.1
    } else if b.1.is_nan() {
        a.1
    } else {
        a.1.max(b.1)
    };
    (lo, hi)
}

impl MinMaxPyramid {
    /// Build in O(n); about 2n extra values of memory.
    pub fn new(base: Vec<f64>) -> Self {
        let mut levels: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut prev: Vec<(f64, f64)> = base
            .chunks(2)
            .map(|c| {
                c.iter()
                    .fold((f64::NAN, f64::NAN), |acc, &v| merge(acc, (v, v)))
            })
            .collect();
        while prev.len() > 1 {
            let next: Vec<(f64, f64)> = prev
                .chunks(2)
                .map(|c| {
                    if c.len() == 2 {
                        merge(c[0], c[1])
                    } else {
                        c[0]
                    }
                })
                .collect();
            levels.push(prev);
            prev = next;
        }
        levels.push(prev);
        Self { base, levels }
    }

    pub fn len(&self) -> usize {
        self.base.len()
    }

    pub fn is_empty(&self) -> bool {
        self.base.is_empty()
    }

    pub fn values(&self) -> &[f64] {
        &self.base
    }

    /// Min/max of points `start..end`.
    fn range_minmax(&self, start: usize, end: usize) -> (f64, f64) {
        let mut acc = (f64::NAN, f64::NAN);
        let (mut s, mut e) = (start, end.min(self.base.len()));
        // Walk up the levels, taking partial blocks at the edges from the finer level.
        let mut level = 0usize; // 0 = base
        while s < e {
            if level > 0 && e - s < 2 {
                break;
            }
            let get = |i: usize| -> (f64, f64) {
                if level == 0 {
                    (self.base[i], self.base[i])
                } else {
                    self.levels[level - 1][i]
                }
            };
            if s % 2 == 1 {
                acc = merge(acc, get(s));
                s += 1;
            }
            if e % 2 == 1 && e > s {
                acc = merge(acc, get(e - 1));
                e -= 1;
            }
            if s >= e {
                break;
            }
            if level >= self.levels.len() {
                for i in s..e {
                    acc = merge(acc, get(i));
                }
                break;
            }
            s /= 2;
            e /= 2;
            level += 1;
        }
        if level > 0 && s < e {
            for i in s..e {
                acc = merge(acc, self.levels[level - 1][i]);
            }
        }
        acc
    }

    /// (index range start, min, max) per column for points `start..end`, split
    /// into at most `columns` columns. Ranges with few points return every point.
    pub fn decimate(&self, start: usize, end: usize, columns: usize) -> Vec<(usize, f64, f64)> {
        let end = end.min(self.base.len());
        if start >= end || columns == 0 {
            return Vec::new();
        }
        let n = end - start;
        if n <= columns * 2 {
            return (start..end)
                .map(|i| (i, self.base[i], self.base[i]))
                .collect();
        }
        (0..columns)
            .map(|c| {
                let s = start + c * n / columns;
                let e = (start + (c + 1) * n / columns).max(s + 1);
                let (lo, hi) = self.range_minmax(s, e);
                (s, lo, hi)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(v: &[f64], s: usize, e: usize) -> (f64, f64) {
        v[s..e]
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            })
    }

    #[test]
    fn range_queries_match_brute_force() {
        let v: Vec<f64> = (0..1000)
            .map(|i| f64::from((i * 7919) % 1013) - 500.0)
            .collect();
        let p = MinMaxPyramid::new(v.clone());
        for (s, e) in [
            (0, 1000),
            (3, 4),
            (3, 5),
            (1, 999),
            (17, 513),
            (500, 1000),
            (999, 1000),
            (0, 1),
        ] {
            assert_eq!(p.range_minmax(s, e), brute(&v, s, e), "{s}..{e}");
        }
    }

    #[test]
    fn decimation_keeps_spikes_and_short_ranges_stay_exact() {
        let mut v = vec![0.0; 1_000_000];
        v[123_457] = 20.0;
        v[876_543] = -20.0;
        let p = MinMaxPyramid::new(v);
        let cols = p.decimate(0, 1_000_000, 1000);
        assert_eq!(cols.len(), 1000);
        assert!(cols.iter().any(|c| c.2 == 20.0));
        assert!(cols.iter().any(|c| c.1 == -20.0));
        let few = p.decimate(123_450, 123_460, 1000);
        assert_eq!(few.len(), 10);
        assert_eq!(few[7], (123_457, 20.0, 20.0));
    }
}
