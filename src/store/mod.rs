//! The embedded SQLite store: settings, recent files, and later the offline
//! index and drafts. Opened in WAL mode so a crash never loses a committed write.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::catalogue::FacetCounts;

mod drafts;
pub use drafts::{DraftRow, HistoryStep};

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
];

/// The schema version that added `record_facets`.
const FACETS_VERSION: i64 = 6;

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

/// Column weights for ranking (bm25): title and people first, then place
/// (facility, instrument, project), keywords, parameters, description.
const RANK: &str = "bm25(records_fts, 0.0, 10.0, 6.0, 4.0, 1.0, 2.0, 5.0)";

/// Turn what a person typed into an FTS5 query: every word must match, as a
/// prefix; quotes and operators are neutralised.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '.' && c != '-' && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// How many recent files are remembered.
pub const RECENT_LIMIT: usize = 12;

pub struct Store {
    conn: Connection,
    /// The database file (none for an in-memory store): the key of the
    /// facet index kept between searches.
    path: Option<std::path::PathBuf>,
}

/// Every record's facet values by its full-text rowid, for counting facets
/// over every match of a search in memory (a database pass per search would
/// take hundreds of milliseconds over 100,000 records).
#[derive(Default)]
struct FacetIndex {
    /// (facet, value) pairs, numbered.
    names: Vec<(String, String)>,
    by_row: HashMap<i64, Vec<u32>>,
}

/// Facet indexes by database file, with the index generation they were
/// built from (`kv` key `index.generation`, bumped by every change).
static FACET_INDEXES: std::sync::Mutex<
    Vec<(std::path::PathBuf, String, std::sync::Arc<FacetIndex>)>,
> = std::sync::Mutex::new(Vec::new());

const GENERATION_KEY: &str = "index.generation";

/// The statement [`insert_facets`] runs, prepared by its caller.
const INSERT_FACET: &str = "INSERT INTO record_facets (key, facet, value) VALUES (?1, ?2, ?3)";

/// Write a record's facet rows (with a prepared [`INSERT_FACET`]).
fn insert_facets(
    insert: &mut rusqlite::CachedStatement<'_>,
    key: &str,
    d: &crate::catalogue::Dataset,
) -> Result<(), StoreError> {
    for f in crate::catalogue::FACETS {
        for v in crate::catalogue::facet_values(d, f) {
            insert.execute(params![key, f, v])?;
        }
    }
    Ok(())
}

/// Mark the offline index changed (facet indexes built before are stale).
fn bump_generation(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO kv (key, value) VALUES (?1, '1')
         ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        [GENERATION_KEY],
    )?;
    Ok(())
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
        let mut store = Self { conn, path: None };
        if version < FACETS_VERSION {
            store.fill_facets()?;
        }
        Ok(store)
    }

    /// Write the facet rows of every record (records indexed before the
    /// facets table existed).
    fn fill_facets(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut all = tx.prepare("SELECT key, json FROM records")?;
            let rows: Vec<(String, String)> = all
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut ins = tx.prepare_cached(INSERT_FACET)?;
            for (key, json) in rows {
                let Ok(d) = serde_json::from_str::<crate::catalogue::Dataset>(&json) else {
                    continue;
                };
                insert_facets(&mut ins, &key, &d)?;
            }
        }
        bump_generation(&tx)?;
        tx.commit()?;
        Ok(())
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

    /// The downloaded files that came from a dataset (by its PID, DOI or
    /// `https://doi.org/` URL), in name order, that are still there.
    pub fn files_of(&self, dataset: &str) -> Result<Vec<PathBuf>, StoreError> {
        let d = dataset.trim();
        let doi_url =
            crate::catalogue::datacite::bare_doi(d).map(|b| format!("https://doi.org/{b}"));
        let mut stmt = self.conn.prepare(
            "SELECT path FROM file_origins WHERE dataset = ?1 OR dataset = ?2 ORDER BY path",
        )?;
        let rows = stmt.query_map(params![d, doi_url.unwrap_or_default()], |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = Vec::new();
        for p in rows {
            let p = PathBuf::from(p?);
            if p.is_file() {
                out.push(p);
            }
        }
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

    /// Add or replace catalogue records in the offline index, in one transaction.
    pub fn index_datasets(
        &mut self,
        datasets: &[crate::catalogue::Dataset],
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut old = tx.prepare_cached("SELECT fts_rowid FROM records WHERE key = ?1")?;
            let mut del = tx.prepare_cached("DELETE FROM records_fts WHERE rowid = ?1")?;
            let mut rec = tx.prepare_cached(
                "INSERT INTO records (key, source, json, fts_rowid) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(key) DO UPDATE SET source = excluded.source, json = excluded.json,
                    fts_rowid = excluded.fts_rowid",
            )?;
            let mut fts = tx.prepare_cached(
                "INSERT INTO records_fts (key, title, people, keywords, description, parameters, place)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut drop_facets = tx.prepare_cached("DELETE FROM record_facets WHERE key = ?1")?;
            let mut facet = tx.prepare_cached(INSERT_FACET)?;
            for d in datasets {
                let key = d.key();
                drop_facets.execute([&key])?;
                insert_facets(&mut facet, &key, d)?;
                let json =
                    serde_json::to_string(d).map_err(|e| StoreError::Encode(e.to_string()))?;
                let people: Vec<String> = d
                    .creators
                    .iter()
                    .flat_map(|c| {
                        std::iter::once(c.name.clone())
                            .chain(c.orcid.clone())
                            .chain(c.affiliations.clone())
                    })
                    .collect();
                let params: Vec<String> = d
                    .parameters
                    .iter()
                    .map(|p| format!("{} {}", p.name, p.value_text()))
                    .collect();
                let place: Vec<&str> = [
                    &d.facility,
                    &d.instrument,
                    &d.technique,
                    &d.project,
                    &d.sample,
                    &d.pid,
                ]
                .iter()
                .filter_map(|o| o.as_deref())
                .collect();
                let previous: Option<Option<i64>> =
                    old.query_row([&key], |r| r.get(0)).optional()?;
                if let Some(Some(rowid)) = previous {
                    del.execute([rowid])?;
                }
                fts.execute(params![
                    key,
                    d.title,
                    people.join(" "),
                    d.keywords.join(" "),
                    d.description.clone().unwrap_or_default(),
                    params.join(" "),
                    place.join(" "),
                ])?;
                let rowid = tx.last_insert_rowid();
                rec.execute(params![
                    key,
                    d.sources.first().cloned().unwrap_or_default(),
                    json,
                    rowid
                ])?;
            }
        }
        bump_generation(&tx)?;
        tx.commit()?;
        Ok(datasets.len())
    }

    /// Search the offline index, best matches first. An empty query lists records.
    pub fn search_index(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<crate::catalogue::Dataset>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<String> = match fts_query(text) {
            Some(q) => {
                // Rank inside the full-text index first; only the best rows
                // are joined with their records (and their JSON read).
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT r.json FROM (
                        SELECT key, {RANK} AS score FROM records_fts
                        WHERE records_fts MATCH ?1 ORDER BY score LIMIT ?2
                     ) AS f JOIN records r ON r.key = f.key ORDER BY f.score"
                ))?;
                stmt.query_map(params![q, limit], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            }
            None => {
                let mut stmt = self
                    .conn
                    .prepare_cached("SELECT json FROM records ORDER BY key LIMIT ?1")?;
                stmt.query_map([limit], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            }
        };
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| StoreError::Encode(e.to_string())))
            .collect()
    }

    /// Search the offline index with facet filters, over every match: the
    /// best `limit` records that pass the filters, how many pass in all, and
    /// the facet counts of every text match (before the filters, as the
    /// Search tab counts). An empty query matches every record.
    pub fn search_index_faceted(
        &self,
        text: &str,
        filters: &[(String, String)],
        limit: usize,
    ) -> Result<(Vec<crate::catalogue::Dataset>, usize, FacetCounts), StoreError> {
        let facets = self.facet_index()?;
        // Every match by its full-text rowid, best first (by key for no words).
        let matched: Vec<i64> = match fts_query(text) {
            Some(q) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT rowid FROM records_fts WHERE records_fts MATCH ?1 ORDER BY {RANK}"
                ))?;
                stmt.query_map([q], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            }
            None => {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT fts_rowid FROM records WHERE fts_rowid IS NOT NULL ORDER BY key",
                )?;
                stmt.query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            }
        };
        // Counted over every match, before the filters (as the tab counts).
        let mut tally = vec![0usize; facets.names.len()];
        for rid in &matched {
            for &n in facets.by_row.get(rid).into_iter().flatten() {
                if let Some(t) = tally.get_mut(n as usize) {
                    *t += 1;
                }
            }
        }
        let mut counts: FacetCounts = Vec::new();
        for (n, (facet, value)) in facets.names.iter().enumerate() {
            let k = tally[n];
            if k == 0 {
                continue;
            }
            match counts.iter_mut().find(|(f, _)| f == facet) {
                Some((_, values)) => values.push((value.clone(), k)),
                None => counts.push((facet.clone(), vec![(value.clone(), k)])),
            }
        }
        for (_, values) in &mut counts {
            values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        // The filters: every (facet, value) asked for.
        let wanted: Vec<Option<u32>> = filters
            .iter()
            .map(|(f, v)| {
                facets
                    .names
                    .iter()
                    .position(|(nf, nv)| nf == f && nv == v)
                    .and_then(|p| u32::try_from(p).ok())
            })
            .collect();
        let passing: Vec<i64> = matched
            .into_iter()
            .filter(|rid| {
                let have = facets.by_row.get(rid);
                wanted
                    .iter()
                    .all(|w| w.is_some_and(|w| have.is_some_and(|h| h.contains(&w))))
            })
            .collect();
        let total = passing.len();
        let mut json = self.conn.prepare_cached(
            "SELECT r.json FROM records_fts f JOIN records r ON r.key = f.key WHERE f.rowid = ?1",
        )?;
        let mut datasets = Vec::new();
        for rid in passing.into_iter().take(limit) {
            let text: Option<String> = json.query_row([rid], |r| r.get(0)).optional()?;
            if let Some(t) = text {
                datasets
                    .push(serde_json::from_str(&t).map_err(|e| StoreError::Encode(e.to_string()))?);
            }
        }
        Ok((datasets, total, counts))
    }

    /// The facet index of this database as it is now: kept between
    /// searches while the index does not change (rebuilt after a change).
    fn facet_index(&self) -> Result<std::sync::Arc<FacetIndex>, StoreError> {
        let generation = self.get(GENERATION_KEY)?.unwrap_or_default();
        if let Some(path) = &self.path {
            let cached = FACET_INDEXES
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .find(|(p, g, _)| p == path && *g == generation)
                .map(|(_, _, i)| i.clone());
            if let Some(i) = cached {
                return Ok(i);
            }
        }
        let mut index = FacetIndex::default();
        let mut numbers: HashMap<(String, String), u32> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT r.fts_rowid, f.facet, f.value FROM record_facets f
                 JOIN records r ON r.key = f.key WHERE r.fts_rowid IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (rid, facet, value) = row?;
                let next = u32::try_from(index.names.len()).unwrap_or(u32::MAX);
                let n = *numbers
                    .entry((facet.clone(), value.clone()))
                    .or_insert_with(|| {
                        index.names.push((facet, value));
                        next
                    });
                index.by_row.entry(rid).or_default().push(n);
            }
        }
        let index = std::sync::Arc::new(index);
        if let Some(path) = &self.path {
            let mut all = FACET_INDEXES
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            all.retain(|(p, _, _)| p != path);
            all.push((path.clone(), generation, index.clone()));
        }
        Ok(index)
    }

    /// Remove records by their catalogue id (OAI-PMH deletions).
    pub fn remove_records(&mut self, ids: &[String]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut keys = tx.prepare_cached(
                "SELECT key, fts_rowid FROM records WHERE json_extract(json, '$.id') = ?1",
            )?;
            let mut del = tx.prepare_cached("DELETE FROM records WHERE key = ?1")?;
            let mut del_fts = tx.prepare_cached("DELETE FROM records_fts WHERE rowid = ?1")?;
            let mut del_facets = tx.prepare_cached("DELETE FROM record_facets WHERE key = ?1")?;
            for id in ids {
                let found: Vec<(String, Option<i64>)> = keys
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                for (k, rowid) in found {
                    del_facets.execute([&k])?;
                    n += del.execute([&k])?;
                    if let Some(rowid) = rowid {
                        del_fts.execute([rowid])?;
                    }
                }
            }
        }
        bump_generation(&tx)?;
        tx.commit()?;
        Ok(n)
    }

    /// Number of records in the offline index.
    pub fn index_len(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM records", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    pub fn clear_recent(&self) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM recent_files", [])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facets are counted and filtered over every match of a search, not
    /// the best 500: the index's SQL counts equal the catalogue's own
    /// counting over the full match set, and a filter finds matches that
    /// rank below the first 500.
    #[test]
    fn facets_count_and_filter_over_every_match() {
        let mut store = Store::in_memory().expect("store");
        let records = crate::catalogue::synthetic::synthetic_records(3000);
        store.index_datasets(&records).expect("index");
        let every = store
            .search_index("beamtime", 100_000)
            .expect("all matches");
        assert!(every.len() > 600, "{} matches", every.len());
        let (top, total, counts) = store
            .search_index_faceted("beamtime", &[], 500)
            .expect("faceted");
        assert_eq!((top.len(), total), (500, every.len()));
        let reference = crate::catalogue::facet_counts(&every);
        for (facet, values) in &reference {
            let mine = counts
                .iter()
                .find(|(f, _)| f == facet)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let mut a = mine.clone();
            let mut b = values.clone();
            a.sort();
            b.sort();
            assert_eq!(a, b, "counts of {facet}");
        }
        // The least frequent facility: most of its matches rank below 500.
        let (facility, n) = reference
            .iter()
            .find(|(f, _)| *f == "facility")
            .and_then(|(_, v)| v.last().cloned())
            .expect("a facility");
        let filter = vec![("facility".to_owned(), facility.clone())];
        let (found, total, _) = store
            .search_index_faceted("beamtime", &filter, 500)
            .expect("filtered");
        assert_eq!(total, n);
        assert_eq!(found.len(), n.min(500));
        assert!(
            found
                .iter()
                .all(|d| d.facility.as_deref() == Some(facility.as_str()))
        );
        let in_top = crate::catalogue::apply_facets(&top, &filter).len();
        assert!(
            in_top < found.len(),
            "the top 500 hold {in_top} of {}",
            found.len()
        );
        // A store on disk keeps its facet index between searches, and a
        // change to the index is seen by the next search of any connection.
        let tmp = tempfile::tempdir().expect("tmp");
        let file = tmp.path().join("s.sqlite");
        let mut a = Store::open(&file).expect("open");
        a.index_datasets(&records[..100]).expect("index");
        let count = |s: &Store| {
            s.search_index_faceted("beamtime", &[], 10)
                .expect("search")
                .1
        };
        let b = Store::open(&file).expect("open");
        assert_eq!(count(&b), 100);
        a.index_datasets(&records[100..250]).expect("index more");
        assert_eq!(count(&b), 250, "the new records counted");
        // Removed records leave the counts.
        let id = found[0].id.clone();
        store.remove_records(&[id]).expect("remove");
        let (_, after, _) = store
            .search_index_faceted("beamtime", &filter, 500)
            .expect("filtered");
        assert_eq!(after, n - 1);
    }

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
        // The dataset's files, by DOI in any spelling.
        for name in [
            "10.5281/zenodo.1",
            "doi:10.5281/zenodo.1",
            "https://doi.org/10.5281/zenodo.1",
        ] {
            assert_eq!(
                s.files_of(name).expect("files"),
                vec![std::fs::canonicalize(&file).expect("path")],
                "{name}"
            );
        }
        assert!(s.files_of("10.5281/zenodo.2").expect("files").is_empty());
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

    fn ds(id: &str, title: &str, facility: &str) -> crate::catalogue::Dataset {
        crate::catalogue::Dataset {
            id: id.into(),
            title: title.into(),
            facility: Some(facility.into()),
            sources: vec!["test".into()],
            ..Default::default()
        }
    }

    #[test]
    fn the_offline_index_ranks_titles_first_and_matches_prefixes() {
        let mut s = Store::in_memory().expect("store");
        let mut by_desc = ds("1", "Powder pattern", "ILL");
        by_desc.description = Some("a reflectivity curve mentioned in passing".into());
        s.index_datasets(&[
            by_desc,
            ds("2", "Neutron reflectivity of a film", "PSI"),
            ds("3", "Tomography", "ESRF"),
        ])
        .expect("index");
        let hits = s.search_index("reflect", 10).expect("search");
        let ids: Vec<&str> = hits.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            ["2", "1"],
            "title match ranks above a description match"
        );
        assert_eq!(
            s.search_index("psi reflectivity", 10)
                .expect("search")
                .len(),
            1
        );
        // Re-indexing replaces, never duplicates; odd input is not an FTS syntax error.
        s.index_datasets(&[ds("3", "Tomography of bone", "ESRF")])
            .expect("again");
        assert_eq!(s.index_len().expect("len"), 3);
        assert_eq!(
            s.search_index("tomography", 10).expect("search")[0].title,
            "Tomography of bone"
        );
        for odd in ["\"", "AND OR NOT", "a*b(c)", "NEAR(", "ü"] {
            assert!(s.search_index(odd, 10).is_ok(), "{odd}");
        }
        assert_eq!(s.search_index("", 2).expect("all").len(), 2);
    }

    #[test]
    fn replacing_and_removing_records_keeps_the_index_exact() {
        let mut s = Store::in_memory().expect("store");
        s.index_datasets(&[ds("a", "Lysozyme crystals", "ESRF")])
            .expect("index");
        s.index_datasets(&[ds("a", "Insulin crystals", "ESRF")])
            .expect("re-index");
        assert!(s.search_index("lysozyme", 10).expect("q").is_empty());
        assert_eq!(s.search_index("insulin", 10).expect("q").len(), 1);
        assert_eq!(s.search_index("crystals", 10).expect("q").len(), 1);
        assert_eq!(s.remove_records(&["a".into()]).expect("remove"), 1);
        assert!(s.search_index("crystals", 10).expect("q").is_empty());
        assert_eq!(s.index_len().expect("len"), 0);
    }

    #[test]
    fn an_index_from_schema_three_is_linked_on_upgrade() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).expect("open");
            for sql in &MIGRATIONS[..3] {
                conn.execute_batch(sql).expect("old schema");
            }
            conn.pragma_update(None, "user_version", 3)
                .expect("version");
            conn.execute(
                "INSERT INTO records (key, source, json) VALUES ('k', 't', ?1)",
                [serde_json::to_string(&ds("a", "Old title", "PSI")).expect("json")],
            )
            .expect("record");
            conn.execute(
                "INSERT INTO records_fts (key, title) VALUES ('k', 'Old title')",
                [],
            )
            .expect("fts");
        }
        let mut s = Store::open(&path).expect("upgrade");
        assert_eq!(s.search_index("old", 10).expect("q").len(), 1);
        assert_eq!(s.remove_records(&["a".into()]).expect("remove"), 1);
        assert!(s.search_index("old", 10).expect("q").is_empty());
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
