//! Facts about the HDF5 library linked into Panorama: its version and which
//! compression filters it can decode.

use serde::Serialize;

/// A compression or checksum filter Panorama cares about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterStatus {
    pub id: i32,
    pub name: &'static str,
    pub available: bool,
    /// Files from detectors or facilities commonly need it.
    pub important: bool,
}

/// Filters found in facility files, by their registered HDF5 filter id.
pub const KNOWN_FILTERS: [(i32, &str, bool); 14] = [
    (1, "deflate (gzip)", true),
    (2, "shuffle", true),
    (3, "fletcher32", false),
    (4, "szip", false),
    (5, "nbit", false),
    (6, "scale-offset", false),
    (305, "LZO", false),
    (307, "bzip2", false),
    (32000, "lzf", true),
    (32001, "blosc", true),
    (32004, "lz4", false),
    (32008, "bitshuffle + LZ4 (Dectris Eiger)", true),
    (32015, "zstd", false),
    (32026, "Blosc2", false),
];

/// Register the filters that are not built into HDF5 itself (bitshuffle + LZ4).
/// Safe to call many times; only the first call does anything.
pub fn register_filters() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Make sure the HDF5 library is initialised (and its own filters registered) first.
        let _ = hdf5::library_version();
        if std::panic::catch_unwind(hdf5_bitshuffle::register_bitshuffle_plugin).is_err() {
            tracing::warn!(
                "the bitshuffle filter could not be registered; Eiger files will not open"
            );
        }
    });
}

/// The linked HDF5 library version as `major.minor.release`.
pub fn version() -> String {
    let (a, b, c) = hdf5::library_version();
    format!("{a}.{b}.{c}")
}

/// Whether each known filter can decode data in this process.
pub fn filters() -> Vec<FilterStatus> {
    register_filters();
    KNOWN_FILTERS
        .iter()
        .map(|&(id, name, important)| FilterStatus {
            id,
            name,
            available: hdf5::filters::Filter::get_info(id).decode_enabled,
            important,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_library_is_current_and_has_the_basic_filters() {
        let (major, minor, _) = hdf5::library_version();
        // Virtual datasets and the newer chunk indexes need 1.10+, the static build is 1.14+.
        assert!((major, minor) >= (1, 14), "linked HDF5 is {}", version());
        let f = filters();
        for id in [1, 2, 32000, 32001, 32008] {
            assert!(
                f.iter().any(|s| s.id == id && s.available),
                "filter {id} missing"
            );
        }
    }
}
