//! The embedded SQLite store: settings, recent files, where downloaded files
//! came from, the offline record index (`records`, plain rows) and drafts. Opened in WAL mode so a crash never loses a committed write.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

mod drafts;
mod records;
pub use drafts::{DraftRow, HistoryStep};
pub use records::{
    FacetCounts, RecordFilter, RecordRow, ValueCondition, ValueRange, ValueRow, fts_query,
};

/// Errors from the store, with what to do about them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "could not open the Panorama database at {path}: {source}. Check free disk space and permissions"
    )]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the Panorama database is from a newer version ({found}, this one knows {known}). Update Panorama"
    )]
    TooNew { found: i64, known: i64 },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("a stored record could not be read or written: {0}")]
    Encode(String),
}

/// Schema migrations, applied in order; index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE recent_files (location TEXT PRIMARY KEY, opened_at INTEGER NOT NULL);",
    // The offline index of catalogue records: the record as JSON, and a
    // full-text index over what people search for.
    "CREATE TABLE records (key TEXT PRIMARY KEY, source TEXT NOT NULL, json TEXT NOT NULL);
     CREATE VIRTUAL TABLE records_fts USING fts5(
        key UNINDEXED, title, people, keywords, description, parameters, place,
        tokenize = 'unicode61 remove_diacritics 2');",
    // Metadata drafts: the current document and the history of edits for
    // undo/redo (`cursor` = the last applied edit).
    "CREATE TABLE drafts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, schema TEXT NOT NULL,
        body TEXT NOT NULL, cursor INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL);
     CREATE TABLE draft_history (draft INTEGER NOT NULL, seq INTEGER NOT NULL,
        pointer TEXT NOT NULL, before TEXT, after TEXT, PRIMARY KEY (draft, seq));",
    // Each record remembers the rowid of its full-text row, so replacing or
    // removing it does not scan the whole index; deletions find records by
    // their catalogue id through an index.
    "ALTER TABLE records ADD COLUMN fts_rowid INTEGER;
     UPDATE records SET fts_rowid = m.rid
        FROM (SELECT key AS k, rowid AS rid FROM records_fts) AS m WHERE m.k = records.key;
     CREATE INDEX records_id ON records (json_extract(json, '$.id'));",
    // Where downloaded files came from: the catalogue record (its PID) and
    // the address, so runs that read them can name their input datasets.
    "CREATE TABLE file_origins (path TEXT PRIMARY KEY, dataset TEXT NOT NULL,
        title TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL, at INTEGER NOT NULL);",
    // The facet values of each record (facility, year, …), so facets are
    // counted and filtered over every match of a search, not the best few
    // (filled from the records already there when this version arrives).
    "CREATE TABLE record_facets (key TEXT NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
     CREATE INDEX record_facets_key ON record_facets (key);",
    // The numbers each record holds (its parameters), by name, as recorded
    // and in the base unit of what they measure, so range filters
    // (`wavelength:1..2 Å`) work offline over every record (filled from
    // the records already there when this version arrives).
    "CREATE TABLE record_values (key TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,
        unit TEXT NOT NULL, dimension TEXT, base REAL);
     CREATE INDEX record_values_key ON record_values (key);",
];

/// The schema version that added `record_facets`.
const FACETS_VERSION: i64 = 6;
/// The schema version that added `record_values`.
const VALUES_VERSION: i64 = 7;

/// The catalogue record a downloaded file belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileOrigin {
    /// The record's persistent identifier as a URL (`https://doi.org/…`),
    /// else its PID or catalogue key.
    pub dataset: String,
    pub title: String,
    /// The catalogue it was found in.
    pub source: String,
    /// The address the file was downloaded from.
    pub url: String,
}

/// How many recent files are remembered.
pub const RECENT_LIMIT: usize = 12;

pub struct Store {
    conn: Connection,
    /// The database file (none for an in-memory store): the key of the
    /// facet index kept between searches.
    path: Option<std::path::PathBuf>,
}

impl Store {
    /// Open (or create) the database file and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut store = Self::migrate(conn)?;
        store.path = Some(path.to_path_buf());
        Ok(store)
    }

    /// A throw-away store for tests and the CLI's dry runs.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::migrate(Connection::open_in_memory()?)
    }

    fn migrate(conn: Connection) -> Result<Self, StoreError> {
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            conn.execute_batch(&format!(
                "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
                i + 1
            ))?;
        }
        let store = Self { conn, path: None };
        if version > 0 && version < FACETS_VERSION {
            // Records indexed before then get their facets from the
            // catalogue, which knows them (`Store::records_to_refill`).
            store.set(records::FACETS_PENDING_KEY, "1")?;
        }
        if version > 0 && version < VALUES_VERSION {
            // Their numbers too: every record is read again once.
            store.set(records::VALUES_PENDING_KEY, "1")?;
        }
        Ok(store)
    }

    pub fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    pub fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Remember that a file or URL was opened, keeping the newest [`RECENT_LIMIT`].
    pub fn touch_recent(&self, location: &str, unix_time: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO recent_files (location, opened_at) VALUES (?1, ?2)
             ON CONFLICT(location) DO UPDATE SET opened_at = excluded.opened_at",
            params![location, unix_time],
        )?;
        self.conn.execute(
            "DELETE FROM recent_files WHERE location NOT IN
             (SELECT location FROM recent_files ORDER BY opened_at DESC, rowid DESC LIMIT ?1)",
            [i64::try_from(RECENT_LIMIT).unwrap_or(12)],
        )?;
        Ok(())
    }

    /// Remember where a downloaded file came from (replacing what was known).
    pub fn record_origin(&self, path: &Path, origin: &FileOrigin) -> Result<(), StoreError> {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.conn.execute(
            "INSERT INTO file_origins (path, dataset, title, source, url, at)
             VALUES (?1, ?2, ?3, ?4, ?5, strftime('%s','now'))
             ON CONFLICT(path) DO UPDATE SET dataset = excluded.dataset, title = excluded.title,
                source = excluded.source, url = excluded.url, at = excluded.at",
            params![
                path.display().to_string(),
                origin.dataset,
                origin.title,
                origin.source,
                origin.url
            ],
        )?;
        Ok(())
    }

    /// Where a file came from, if it was downloaded from a catalogue.
    pub fn origin(&self, path: &Path) -> Result<Option<FileOrigin>, StoreError> {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(self
            .conn
            .query_row(
                "SELECT dataset, title, source, url FROM file_origins WHERE path = ?1",
                [path.display().to_string()],
                |r| {
                    Ok(FileOrigin {
                        dataset: r.get(0)?,
                        title: r.get(1)?,
                        source: r.get(2)?,
                        url: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// The downloaded files recorded as coming from a dataset under any of
    /// `names` (its spellings: PID, DOI URL), in name order, that are
    /// still there.
    pub fn files_of(&self, names: &[String]) -> Result<Vec<PathBuf>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path FROM file_origins WHERE dataset = ?1")?;
        let mut out = Vec::new();
        for name in names {
            for p in stmt.query_map([name], |r| r.get::<_, String>(0))? {
                let p = PathBuf::from(p?);
                if p.is_file() && !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Recent files, newest first.
    pub fn recent(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT location FROM recent_files ORDER BY opened_at DESC, rowid DESC")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn clear_recent(&self) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM recent_files", [])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_downloaded_file_remembers_its_dataset() {
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("scan.h5");
        std::fs::write(&file, b"x").expect("write");
        let s = Store::open(&tmp.path().join("db.sqlite")).expect("store");
        assert_eq!(s.origin(&file).expect("query"), None);
        let o = FileOrigin {
            dataset: "https://doi.org/10.5281/zenodo.1".into(),
            title: "Scan".into(),
            source: "zenodo".into(),
            url: "https://zenodo.org/files/scan.h5".into(),
        };
        s.record_origin(&file, &o).expect("record");
        // Found again under another spelling of the same path.
        let other = tmp.path().join(".").join("scan.h5");
        assert_eq!(s.origin(&other).expect("query"), Some(o.clone()));
        let newer = FileOrigin {
            title: "Scan, v2".into(),
            ..o
        };
        s.record_origin(&file, &newer).expect("replace");
        assert_eq!(s.origin(&file).expect("query"), Some(newer));
        // The dataset's files, by the name they were recorded under.
        assert_eq!(
            s.files_of(&["x".into(), "https://doi.org/10.5281/zenodo.1".into()])
                .expect("files"),
            vec![std::fs::canonicalize(&file).expect("path")],
        );
        assert!(
            s.files_of(&["10.5281/zenodo.1".into()])
                .expect("files")
                .is_empty()
        );
    }

    #[test]
    fn recent_files_are_newest_first_and_bounded() {
        let s = Store::in_memory().expect("store");
        for i in 0..20 {
            s.touch_recent(&format!("/data/f{i}.h5"), i).expect("touch");
        }
        s.touch_recent("/data/f3.h5", 100).expect("touch again");
        let r = s.recent().expect("recent");
        assert_eq!(r.len(), RECENT_LIMIT);
        assert_eq!(r[0], "/data/f3.h5");
        assert_eq!(r[1], "/data/f19.h5");
        s.clear_recent().expect("clear");
        assert!(s.recent().expect("recent").is_empty());
    }

    #[test]
    fn values_survive_reopening_and_newer_schemas_are_refused() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("panorama.sqlite");
        Store::open(&path)
            .expect("open")
            .set("theme", "dark")
            .expect("set");
        let s = Store::open(&path).expect("reopen");
        assert_eq!(s.get("theme").expect("get").as_deref(), Some("dark"));
        s.conn
            .pragma_update(None, "user_version", 99)
            .expect("bump");
        drop(s);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
