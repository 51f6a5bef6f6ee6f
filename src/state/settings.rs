//! Settings kept in the store, typed: each one a [`Setting`] constant with
//! its key, its type and how it is written (JSON, or plain text for the
//! settings that were always written so, which keeps old stores readable).
//! `AppState::load` and `AppState::save` take these, never a key string.

use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::catalogue::SourceConfig;
use crate::store::{Store, StoreError};
use crate::workflow::slurm::ClusterSettings;

/// One setting: where it is kept and how its value reads and writes.
pub struct Setting<T> {
    pub key: &'static str,
    encode: fn(&T) -> Option<String>,
    decode: fn(&str) -> Option<T>,
}

fn to_json<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

fn from_json<T: DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_str(s).ok()
}

impl<T: Serialize + DeserializeOwned> Setting<T> {
    /// A setting written as JSON.
    pub const fn json(key: &'static str) -> Self {
        Self {
            key,
            encode: to_json::<T>,
            decode: from_json::<T>,
        }
    }
}

impl<T> Setting<T> {
    /// A setting written as plain text by its own functions.
    pub const fn text(
        key: &'static str,
        encode: fn(&T) -> Option<String>,
        decode: fn(&str) -> Option<T>,
    ) -> Self {
        Self {
            key,
            encode,
            decode,
        }
    }

    /// The stored value; `None` when there is none or it does not read
    /// (a value written by another version is left for that version).
    pub fn load(&self, store: &Store) -> Option<T> {
        let text = store.get(self.key).ok().flatten()?;
        (self.decode)(&text)
    }

    pub fn save(&self, store: &Store, value: &T) -> Result<(), StoreError> {
        let text = (self.encode)(value).ok_or_else(|| {
            StoreError::Encode(format!("the setting {} cannot be written", self.key))
        })?;
        store.set(self.key, &text)
    }
}

/// Where downloads go, when the user chose a folder.
pub const DOWNLOADS_FOLDER: Setting<PathBuf> = Setting::text(
    "downloads.folder",
    |p| Some(p.display().to_string()),
    |s| Some(PathBuf::from(s)),
);

/// The catalogue sources as last saved from Search › Sources.
pub const SOURCES: Setting<Vec<SourceConfig>> = Setting::json("catalogue.sources");
/// The cart of datasets (the records themselves).
pub const CART: Setting<crate::catalogue::cart::Cart> = Setting::json("catalogue.cart");
/// The providers each federated source's answers have named (by the
/// source's address), each with when it was last seen (Unix seconds), to
/// tell when a slow answer left one out.
pub const PROVIDERS: Setting<
    std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>,
> = Setting::json("catalogue.providers");

/// The Slurm cluster the Workflows tab submits to.
pub const CLUSTER: Setting<ClusterSettings> = Setting::json("workflow.cluster");

/// Data servers bound to accounts: (server origin, account id).
pub const SERVER_ACCOUNTS: Setting<Vec<(String, String)>> = Setting::json("data.server_accounts");

/// Years an embargo lasts when a draft names no end.
pub const EMBARGO_YEARS: Setting<u32> = Setting::text(
    "metadata.embargo_years",
    |y| Some(y.to_string()),
    |s| s.trim().parse().ok(),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_read_what_older_versions_wrote() {
        let store = Store::in_memory().expect("store");
        assert_eq!(EMBARGO_YEARS.load(&store), None);
        EMBARGO_YEARS.save(&store, &3).expect("save");
        assert_eq!(EMBARGO_YEARS.load(&store), Some(3));
        // As earlier versions wrote them: plain words and numbers.
        store.set("metadata.embargo_years", "5").expect("set");
        store.set("downloads.folder", "/data/in").expect("set");
        assert_eq!(EMBARGO_YEARS.load(&store), Some(5));
        assert_eq!(
            DOWNLOADS_FOLDER.load(&store),
            Some(PathBuf::from("/data/in"))
        );
        // A value that does not read is no value, not a panic.
        store.set("catalogue.sources", "{not json").expect("set");
        assert_eq!(SOURCES.load(&store), None);
        SERVER_ACCOUNTS
            .save(&store, &vec![("https://h5.example".into(), "acc".into())])
            .expect("save");
        assert_eq!(
            store.get("data.server_accounts").expect("get").as_deref(),
            Some(r#"[["https://h5.example","acc"]]"#)
        );
    }
}
