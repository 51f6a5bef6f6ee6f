//! The hot path for compressed datasets: read each chunk's raw bytes straight
//! from the file (no HDF5 lock held while decoding) and decode the chunks in
//! parallel — deflate, shuffle and bitshuffle+LZ4 (Dectris Eiger) — then
//! place them in the output array. Anything else falls back to HDF5's reader.
#![allow(unsafe_code)]

use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

use rayon::prelude::*;

use super::DataError;

/// A filter in a dataset's pipeline that this path can undo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Deflate,
    Shuffle,
    /// Bitshuffle with LZ4 (cd_values: element size, block size in elements).
    BitshuffleLz4,
}

unsafe extern "C" {
    /// From the bitshuffle library compiled into Panorama (hdf5-bitshuffle).
    fn bshuf_decompress_lz4(
        input: *const std::ffi::c_void,
        output: *mut std::ffi::c_void,
        size: usize,
        elem_size: usize,
        block_size: usize,
    ) -> i64;
}

/// The pipeline as steps, or `None` if a filter is not handled here.
pub fn pipeline(filters: &[hdf5::filters::Filter]) -> Option<Vec<Step>> {
    use hdf5::filters::Filter;
    filters
        .iter()
        .map(|f| match f {
            Filter::Deflate(_) => Some(Step::Deflate),
            Filter::Shuffle => Some(Step::Shuffle),
            Filter::User(32008, cd) if cd.get(4) == Some(&2) => Some(Step::BitshuffleLz4),
            _ => None,
        })
        .collect()
}

fn malformed(object: &str, message: impl Into<String>) -> DataError {
    DataError::Malformed {
        object: object.to_owned(),
        message: message.into(),
    }
}

fn unshuffle(data: &[u8], elem: usize) -> Vec<u8> {
    if elem <= 1 {
        return data.to_vec();
    }
    let n = data.len() / elem;
    let mut out = vec![0u8; data.len()];
    for b in 0..elem {
        let plane = &data[b * n..(b + 1) * n];
        for (i, &v) in plane.iter().enumerate() {
            out[i * elem + b] = v;
        }
    }
    // Bytes past the last whole element are stored as they are.
    out[n * elem..].copy_from_slice(&data[n * elem..]);
    out
}

/// Check the block sizes of a bitshuffle+LZ4 stream fit in `len` bytes, so the
/// C decoder never reads past the buffer of a damaged chunk.
fn check_bitshuffle_blocks(body: &[u8], size: usize, elem: usize, block: usize) -> bool {
    if block == 0 || block % 8 != 0 {
        return false;
    }
    let mut pos = 0usize;
    let mut remaining = size;
    let full = |n: usize| n;
    while remaining >= 8 {
        let this = if remaining >= block {
            full(block)
        } else {
            remaining - remaining % 8
        };
        let Some(hdr) = body.get(pos..pos + 4) else {
            return false;
        };
        let csize = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize;
        pos += 4 + csize;
        if pos > body.len() {
            return false;
        }
        remaining -= this;
    }
    pos + remaining * elem <= body.len()
}

/// A bitshuffle/LZ4 chunk's header, checked against its block structure:
/// the decoded size in bytes, the block length in elements, and the blocks.
fn bitshuffle_lz4_header<'a>(
    input: &'a [u8],
    elem: usize,
    object: &str,
) -> Result<(usize, usize, &'a [u8]), DataError> {
    if input.len() < 12 || elem == 0 {
        return Err(malformed(object, "a bitshuffle chunk is too short"));
    }
    let mut n8 = [0u8; 8];
    n8.copy_from_slice(&input[..8]);
    let nbytes = usize::try_from(u64::from_be_bytes(n8))
        .map_err(|_| malformed(object, "bitshuffle size"))?;
    let block_bytes = u32::from_be_bytes([input[8], input[9], input[10], input[11]]) as usize;
    let block = block_bytes / elem;
    if nbytes % elem != 0 || nbytes > (1 << 34) {
        return Err(malformed(
            object,
            "a bitshuffle chunk declares an impossible size",
        ));
    }
    let body = &input[12..];
    if !check_bitshuffle_blocks(body, nbytes / elem, elem, block) {
        return Err(malformed(
            object,
            "a bitshuffle chunk is damaged (block sizes do not fit)",
        ));
    }
    Ok((nbytes, block, body))
}

/// Decode the checked blocks `body` (from [`bitshuffle_lz4_header`]) into
/// `out`, which holds exactly the decoded size.
fn bitshuffle_lz4_decode(
    body: &[u8],
    elem: usize,
    block: usize,
    out: &mut [u8],
    object: &str,
) -> Result<(), DataError> {
    // SAFETY: the header check put the block structure within `body`, and
    // `out` holds `size * elem` bytes, which is what the decoder writes.
    let rc = unsafe {
        bshuf_decompress_lz4(
            body.as_ptr().cast(),
            out.as_mut_ptr().cast(),
            out.len() / elem,
            elem,
            block,
        )
    };
    if rc < 0 {
        return Err(malformed(
            object,
            format!("bitshuffle/LZ4 decoding failed ({rc})"),
        ));
    }
    Ok(())
}

/// Undo the pipeline (applied in order on write, so undone in reverse) into
/// `dst`, which holds exactly one chunk. The last step writes into `dst`
/// directly where it can, so most chunks are decoded without a copy.
fn decode_into(
    raw: Vec<u8>,
    steps: &[Step],
    mask: u32,
    elem: usize,
    dst: &mut [u8],
    object: &str,
) -> Result<(), DataError> {
    let active: Vec<Step> = steps
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) == 0)
        .map(|(_, s)| *s)
        .collect();
    let expected = dst.len();
    let mut data = raw;
    for (k, step) in active.iter().enumerate().rev() {
        let last = k == 0;
        match step {
            Step::Deflate => {
                let mut dec = flate2::read::ZlibDecoder::new(&data[..]);
                if last {
                    dec.read_exact(dst)
                        .map_err(|e| malformed(object, format!("a gzip chunk is damaged: {e}")))?;
                    return Ok(());
                }
                let mut out = Vec::with_capacity(expected);
                dec.take(expected as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| malformed(object, format!("a gzip chunk is damaged: {e}")))?;
                data = out;
            }
            Step::Shuffle => {
                if last && data.len() == expected {
                    unshuffle_into(&data, elem, dst);
                    return Ok(());
                }
                data = unshuffle(&data, elem);
            }
            Step::BitshuffleLz4 => {
                let (nbytes, block, body) = bitshuffle_lz4_header(&data, elem, object)?;
                // Straight into the destination when this is the last step.
                if last && nbytes == dst.len() {
                    return bitshuffle_lz4_decode(body, elem, block, dst, object);
                }
                let mut out = vec![0u8; nbytes];
                bitshuffle_lz4_decode(body, elem, block, &mut out, object)?;
                data = out;
            }
        }
    }
    if data.len() != expected {
        return Err(malformed(
            object,
            format!(
                "a chunk decoded to {} bytes instead of {expected}",
                data.len()
            ),
        ));
    }
    dst.copy_from_slice(&data);
    Ok(())
}

fn unshuffle_into(data: &[u8], elem: usize, out: &mut [u8]) {
    if elem <= 1 {
        out.copy_from_slice(data);
        return;
    }
    let n = data.len() / elem;
    for b in 0..elem {
        let plane = &data[b * n..(b + 1) * n];
        for (i, &v) in plane.iter().enumerate() {
            out[i * elem + b] = v;
        }
    }
    out[n * elem..].copy_from_slice(&data[n * elem..]);
}

struct ChunkLoc {
    offset: Vec<usize>,
    mask: u32,
    addr: u64,
    size: usize,
}

fn read_raw(fh: &std::fs::File, file: &Path, c: &ChunkLoc) -> Result<Vec<u8>, DataError> {
    let mut raw = vec![0u8; c.size];
    fh.read_exact_at(&mut raw, c.addr)
        .map_err(|source| DataError::Io {
            path: file.display().to_string(),
            source,
        })?;
    Ok(raw)
}

/// Ask the kernel to back a large output buffer with huge pages (Linux,
/// transparent huge pages in `madvise` mode): its first touch then costs a
/// few hundred page faults instead of one per 4 KiB, which is most of the
/// time of decoding fast filters into a fresh buffer.
pub fn advise_huge_pages(buf: &mut [u8]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        if buf.len() < 2 * HUGE {
            return;
        }
        let start = buf.as_mut_ptr() as usize;
        let aligned = start.next_multiple_of(HUGE);
        let len = (start + buf.len()).saturating_sub(aligned) / HUGE * HUGE;
        if len == 0 {
            return;
        }
        // SAFETY: `aligned..aligned + len` lies inside `buf`, which this call
        // borrows mutably; MADV_HUGEPAGE is advice only and changes no contents.
        #[allow(unsafe_code)]
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buf;
}

/// Read the rows `rows` (along the first axis; all of it for a whole read) of
/// a chunked dataset whose filters are all in `steps` into `out`
/// (little-endian element bytes in C order), decoding chunks in parallel.
/// A part of the first axis can be read only where chunks span whole rows
/// (e.g. one detector frame per chunk). Unallocated chunks read as `fill`
/// (the dataset's fill value, one element's bytes) or stay as the caller
/// zeroed them when it is `None`. `fh` must be HDF5's own open file that
/// holds the dataset's chunks (for an external link, the linked file);
/// `file` is its name, for messages.
#[allow(clippy::too_many_arguments)]
pub fn read_all_into(
    (fh, file): (&std::fs::File, &Path),
    ds: &hdf5::Dataset,
    steps: &[Step],
    shape: &[usize],
    chunk: &[usize],
    rows: std::ops::Range<usize>,
    (elem, fill): (usize, Option<&[u8]>),
    object: &str,
    cancelled: &(dyn Fn() -> bool + Sync),
    out: &mut [u8],
) -> Result<(), DataError> {
    if shape.is_empty() || rows.end > shape[0] || rows.start > rows.end {
        return Err(malformed(object, "rows outside the dataset"));
    }
    let whole = rows.start == 0 && rows.end == shape[0];
    if !whole && chunk[1..] != shape[1..] {
        return Err(malformed(
            object,
            "a part of the first axis needs chunks that span whole rows",
        ));
    }
    // Chunk locations, gathered under the HDF5 lock (fast, metadata only).
    let mut locs: Vec<ChunkLoc> = Vec::new();
    ds.chunks_visit(|c| {
        locs.push(ChunkLoc {
            offset: c
                .offset
                .iter()
                .map(|&o| usize::try_from(o).unwrap_or(usize::MAX))
                .collect(),
            mask: c.filter_mask,
            addr: c.addr,
            size: usize::try_from(c.size).unwrap_or(0),
        });
        0
    })
    .map_err(|e| DataError::Hdf5 {
        object: object.to_owned(),
        message: e.to_string(),
    })?;
    locs.retain(|c| {
        c.offset.len() == shape.len()
            && c.offset.iter().zip(shape).all(|(&o, &s)| o < s)
            && c.offset[0] < rows.end
            && c.offset[0] + chunk[0] > rows.start
    });
    let nd = shape.len();
    let too_large = || malformed(object, "the chunk or dataset size overflows");
    let chunk_bytes = super::checked_product(chunk.iter().copied())
        .and_then(|n| n.checked_mul(elem))
        .ok_or_else(too_large)?;
    let row_bytes = super::checked_product(shape[1..].iter().copied())
        .and_then(|n| n.checked_mul(elem))
        .ok_or_else(too_large)?;
    if chunk.contains(&0)
        || chunk.len() != nd
        || Some(out.len()) != rows.len().checked_mul(row_bytes)
    {
        return Err(malformed(object, "output size does not match the shape"));
    }
    advise_huge_pages(out);
    // Where some chunks were never written, those places hold the fill value.
    if let Some(fill) = fill.filter(|f| f.len() == elem) {
        let per_axis = |d: usize| {
            if d == 0 {
                let first = rows.start / chunk[0];
                rows.end.div_ceil(chunk[0]).saturating_sub(first)
            } else {
                shape[d].div_ceil(chunk[d])
            }
        };
        let expected = super::checked_product((0..nd).map(per_axis)).unwrap_or(usize::MAX);
        if locs.len() < expected {
            out.par_chunks_mut(elem)
                .for_each(|e| e.copy_from_slice(fill));
        }
    }

    // Fast path: chunks span whole rows (e.g. one detector frame per chunk, or
    // a 1-D dataset), so each lands in one contiguous part of `out`.
    if chunk[1..] == shape[1..] {
        let row = chunk_bytes / chunk[0].max(1);
        locs.sort_by_key(|c| c.offset[0]);
        // (destination, chunk, first row of the chunk that lands there)
        let mut parts: Vec<(&mut [u8], &ChunkLoc, usize)> = Vec::with_capacity(locs.len());
        let mut rest: &mut [u8] = out;
        let mut pos = 0usize;
        for c in &locs {
            let first = c.offset[0].max(rows.start);
            let last = (c.offset[0] + chunk[0]).min(shape[0]).min(rows.end);
            let (start, end) = ((first - rows.start) * row, (last - rows.start) * row);
            if start < pos {
                return Err(malformed(object, "overlapping chunks"));
            }
            let (_, tail) = std::mem::take(&mut rest).split_at_mut(start - pos);
            let (mine, tail) = tail.split_at_mut(end - start);
            parts.push((mine, c, first - c.offset[0]));
            rest = tail;
            pos = end;
        }
        return parts.into_par_iter().try_for_each(|(dst, c, skip)| {
            if cancelled() {
                return Err(DataError::Cancelled);
            }
            let raw = read_raw(fh, file, c)?;
            if dst.len() == chunk_bytes {
                decode_into(raw, steps, c.mask, elem, dst, object)
            } else {
                // The chunk is cut by the end of the dataset or of `rows`.
                let mut full = vec![0u8; chunk_bytes];
                decode_into(raw, steps, c.mask, elem, &mut full, object)?;
                let n = dst.len();
                dst.copy_from_slice(&full[skip * row..skip * row + n]);
                Ok(())
            }
        });
    }

    // General case: decode a batch of chunks in parallel, place their rows,
    // then the next batch, so that memory beyond the result stays at a few
    // chunks per core.
    let mut ostride = vec![1usize; nd];
    let mut cstride = vec![1usize; nd];
    for d in (0..nd.saturating_sub(1)).rev() {
        ostride[d] = ostride[d + 1] * shape[d + 1];
        cstride[d] = cstride[d + 1] * chunk[d + 1];
    }
    let batch = rayon::current_num_threads().max(1) * 2;
    for group in locs.chunks(batch) {
        let decoded: Vec<(&ChunkLoc, Vec<u8>)> = group
            .par_iter()
            .map(|c| {
                if cancelled() {
                    return Err(DataError::Cancelled);
                }
                let raw = read_raw(fh, file, c)?;
                let mut full = vec![0u8; chunk_bytes];
                decode_into(raw, steps, c.mask, elem, &mut full, object)?;
                Ok((c, full))
            })
            .collect::<Result<_, _>>()?;
        for (c, data) in decoded {
            place(
                &c.offset,
                &data,
                shape,
                chunk,
                elem,
                (&ostride, &cstride),
                out,
            );
        }
    }
    Ok(())
}

/// Copy the rows of one decoded chunk at `off` into the C-order result.
fn place(
    off: &[usize],
    data: &[u8],
    shape: &[usize],
    chunk: &[usize],
    elem: usize,
    (ostride, cstride): (&[usize], &[usize]),
    out: &mut [u8],
) {
    let nd = shape.len();
    let ext: Vec<usize> = (0..nd).map(|d| chunk[d].min(shape[d] - off[d])).collect();
    let row = ext[nd - 1] * elem;
    let rows: usize = ext[..nd - 1].iter().product();
    let mut idx = vec![0usize; nd - 1];
    for _ in 0..rows {
        let mut o = off[nd - 1];
        let mut k = 0usize;
        for d in 0..nd - 1 {
            o += (off[d] + idx[d]) * ostride[d];
            k += idx[d] * cstride[d];
        }
        let (o, k) = (o * elem, k * elem);
        out[o..o + row].copy_from_slice(&data[k..k + row]);
        for d in (0..nd - 1).rev() {
            idx[d] += 1;
            if idx[d] < ext[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unshuffle_reverses_byte_planes() {
        // Two u16 values 0x0201, 0x0403 shuffled: low bytes then high bytes.
        assert_eq!(unshuffle(&[1, 3, 2, 4], 2), vec![1, 2, 3, 4]);
        assert_eq!(unshuffle(&[1, 3, 2, 4, 9], 2), vec![1, 2, 3, 4, 9]);
    }

    /// Chunks are raw bytes from files: random bytes through every filter
    /// pipeline give an error or a chunk, never a panic or a read past the end
    /// (a small deterministic fuzz).
    #[test]
    fn random_chunks_never_panic_any_pipeline() {
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pipelines: [&[Step]; 4] = [
            &[Step::Deflate],
            &[Step::Shuffle, Step::Deflate],
            &[Step::BitshuffleLz4],
            &[Step::Shuffle],
        ];
        for round in 0..20_000 {
            let len = usize::try_from(next() % 96).unwrap_or(0);
            let mut raw: Vec<u8> = (0..len).map(|_| (next() & 0xff) as u8).collect();
            // Now and then a plausible bitshuffle header, so the block walk runs.
            if round % 3 == 0 && raw.len() >= 12 {
                raw[..8].copy_from_slice(&((next() % 256) * 2).to_be_bytes());
                raw[8..12].copy_from_slice(&(8u32 * 2).to_be_bytes());
            }
            let elem = [1usize, 2, 4, 8][usize::try_from(next() % 4).unwrap_or(0)];
            let mut dst = vec![0u8; elem * usize::try_from(next() % 64).unwrap_or(0)];
            let steps = pipelines[round % pipelines.len()];
            let _ = decode_into(raw, steps, 0, elem, &mut dst, "fuzz");
        }
    }

    #[test]
    fn damaged_bitshuffle_chunks_are_refused_not_read_past() {
        let mut chunk = vec![0u8; 12];
        chunk[..8].copy_from_slice(&(4096u64 * 2).to_be_bytes());
        chunk[8..12].copy_from_slice(&(2048u32 * 2).to_be_bytes());
        chunk.extend_from_slice(&[0, 0, 0xff, 0xff]); // claims 65535 bytes follow
        let err = bitshuffle_lz4_header(&chunk, 2, "x").expect_err("damaged");
        assert!(err.to_string().contains("damaged"));
        assert!(bitshuffle_lz4_header(&[1, 2, 3], 2, "x").is_err());
    }
}
