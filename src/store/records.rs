//! The offline record index as plain rows: each record's JSON, the text
//! that is searched (full-text, FTS5) and its facet values. What a record
//! is, and which text and facets it has, is the catalogue's business
//! (`catalogue::offline` turns datasets into [`RecordRow`]s and back).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// Counts per value of each facet, most frequent first.
pub type FacetCounts = Vec<(String, Vec<(String, usize)>)>;

/// A record as the index keeps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordRow {
    /// Unique in the index; a row with the same key replaces the old one.
    pub key: String,
    /// The catalogue it came from.
    pub source: String,
    /// The whole record, given back by searches. Its `id` field is what
    /// [`Store::remove_records`] removes by.
    pub json: String,
    // The searched text, by column (ranked by [`RANK`]).
    pub title: String,
    pub people: String,
    pub keywords: String,
    pub description: String,
    pub parameters: String,
    pub place: String,
    /// (facet, value) pairs.
    pub facets: Vec<(String, String)>,
    /// The numbers the record holds, for range filters.
    pub values: Vec<ValueRow>,
}

/// A number a record holds (a parameter's value), as the index keeps it
/// for range filters: by name, as recorded and in the base unit of what
/// it measures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueRow {
    /// The parameter's name as filters compare it (see the catalogue).
    pub name: String,
    pub value: f64,
    /// As recorded ("" for none).
    pub unit: String,
    /// What the unit measures and the value in its base unit, when the
    /// unit is known.
    pub dimension: Option<String>,
    pub base: Option<f64>,
}

/// What the catalogue reads of a stored record again after an upgrade:
/// its key, facets and numbers.
pub type DerivedRow = (String, Vec<(String, String)>, Vec<ValueRow>);

/// One end-inclusive range a record's value of some name may lie in.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueRange {
    /// The value as recorded, of rows in `unit` when one is given (`""`:
    /// rows without a unit).
    Raw {
        lo: f64,
        hi: f64,
        unit: Option<String>,
    },
    /// The value in the base unit of `dimension`.
    Base { dimension: String, lo: f64, hi: f64 },
}

/// A record passes when it holds a value of `name` in one of `any_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueCondition {
    pub name: String,
    pub any_of: Vec<ValueRange>,
}

/// What a search of the index keeps, beside its words.
#[derive(Default)]
pub struct RecordFilter<'a> {
    /// Facet values asked for exactly (the Search tab's facet filters):
    /// applied after the facets are counted.
    pub facets: &'a [(String, String)],
    /// (facet, text): the record's value of the facet contains the text,
    /// whatever the case (`facility:esrf`).
    pub contains: Vec<(String, String)>,
    /// Every condition holds.
    pub values: Vec<ValueCondition>,
    /// A last test on the record's JSON, for what the index does not keep
    /// apart (dates); every match is then read.
    pub check: Option<&'a dyn Fn(&str) -> bool>,
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

/// Every record's facet values and numbers by its full-text rowid, for
/// counting facets and answering range filters over every match of a search
/// in memory (a database pass per search would take hundreds of
/// milliseconds over 100,000 records).
#[derive(Default)]
struct FacetIndex {
    /// (facet, value) pairs, numbered.
    names: Vec<(String, String)>,
    by_row: HashMap<i64, Vec<u32>>,
    /// Units as recorded, numbered.
    units: Vec<String>,
    /// By name: (value as recorded, its unit's number, rowid), by value.
    raw: HashMap<String, Vec<(f64, u32, i64)>>,
    /// By name and dimension: (value in the base unit, rowid), by value.
    base: HashMap<(String, String), Vec<(f64, i64)>>,
    /// Every record's rowid in key order (the order of a search without words).
    by_key: Vec<i64>,
}

impl FacetIndex {
    /// The records holding a value of the condition.
    fn holding(&self, c: &ValueCondition) -> std::collections::HashSet<i64> {
        let mut out = std::collections::HashSet::new();
        for range in &c.any_of {
            match range {
                ValueRange::Raw { lo, hi, unit } => {
                    let Some(rows) = self.raw.get(&c.name) else {
                        continue;
                    };
                    let unit = match unit {
                        Some(u) => match self.units.iter().position(|x| x == u) {
                            Some(n) => Some(u32::try_from(n).unwrap_or(u32::MAX)),
                            None => continue,
                        },
                        None => None,
                    };
                    let from = rows.partition_point(|r| r.0 < *lo);
                    let to = rows.partition_point(|r| r.0 <= *hi);
                    for r in rows.get(from..to).unwrap_or_default() {
                        if unit.is_none_or(|u| u == r.1) {
                            out.insert(r.2);
                        }
                    }
                }
                ValueRange::Base { dimension, lo, hi } => {
                    let Some(rows) = self.base.get(&(c.name.clone(), dimension.clone())) else {
                        continue;
                    };
                    let from = rows.partition_point(|r| r.0 < *lo);
                    let to = rows.partition_point(|r| r.0 <= *hi);
                    out.extend(rows.get(from..to).unwrap_or_default().iter().map(|r| r.1));
                }
            }
        }
        out
    }
}

/// Facet indexes by database file, with the index generation they were
/// built from (`kv` key `index.generation`, bumped by every change).
static FACET_INDEXES: std::sync::Mutex<
    Vec<(std::path::PathBuf, String, std::sync::Arc<FacetIndex>)>,
> = std::sync::Mutex::new(Vec::new());

const GENERATION_KEY: &str = "index.generation";

/// Set while records indexed before facets were kept have none yet.
pub(super) const FACETS_PENDING_KEY: &str = "index.facets_pending";
/// Set while records indexed before their numbers were kept have none yet.
pub(super) const VALUES_PENDING_KEY: &str = "index.values_pending";

const INSERT_FACET: &str = "INSERT INTO record_facets (key, facet, value) VALUES (?1, ?2, ?3)";

const INSERT_VALUE: &str = "INSERT INTO record_values (key, name, value, unit, dimension, base)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Replace the facet values and numbers of the record `key`.
fn write_derived(
    tx: &rusqlite::Transaction<'_>,
    key: &str,
    facets: &[(String, String)],
    values: &[ValueRow],
) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM record_facets WHERE key = ?1")?
        .execute([key])?;
    let mut facet = tx.prepare_cached(INSERT_FACET)?;
    for (f, v) in facets {
        facet.execute(params![key, f, v])?;
    }
    tx.prepare_cached("DELETE FROM record_values WHERE key = ?1")?
        .execute([key])?;
    let mut value = tx.prepare_cached(INSERT_VALUE)?;
    for v in values {
        value.execute(params![key, v.name, v.value, v.unit, v.dimension, v.base])?;
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
    /// Add or replace records in the offline index, in one transaction.
    pub fn put_records(&mut self, rows: &[RecordRow]) -> Result<usize, StoreError> {
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
            for r in rows {
                write_derived(&tx, &r.key, &r.facets, &r.values)?;
                let previous: Option<Option<i64>> =
                    old.query_row([&r.key], |row| row.get(0)).optional()?;
                if let Some(Some(rowid)) = previous {
                    del.execute([rowid])?;
                }
                fts.execute(params![
                    r.key,
                    r.title,
                    r.people,
                    r.keywords,
                    r.description,
                    r.parameters,
                    r.place,
                ])?;
                let rowid = tx.last_insert_rowid();
                rec.execute(params![r.key, r.source, r.json, rowid])?;
            }
        }
        bump_generation(&tx)?;
        tx.commit()?;
        Ok(rows.len())
    }

    /// The JSON of the best matches, best first; an empty query lists
    /// records by key.
    pub fn search_records(&self, text: &str, limit: usize) -> Result<Vec<String>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(match fts_query(text) {
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
        })
    }

    /// Search with filters, over every match: the JSON of the best
    /// records that pass (`limit` of them after the first `skip`), how
    /// many pass in all, and the facet counts of every record that passes
    /// all but the exact facet filters (as the Search tab counts). An empty
    /// query matches every record.
    pub fn search_records_filtered(
        &self,
        text: &str,
        filter: &RecordFilter<'_>,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<String>, usize, FacetCounts), StoreError> {
        let facets = self.facet_index()?;
        // The records holding each asked-for value (by rowid).
        let mut holding: Option<std::collections::HashSet<i64>> = None;
        for c in &filter.values {
            let these = facets.holding(c);
            holding = Some(match holding {
                None => these,
                Some(mut h) => {
                    h.retain(|rid| these.contains(rid));
                    h
                }
            });
        }
        // Every match by its full-text rowid, best first (by key for no words).
        let matched: Vec<i64> = match (fts_query(text), &holding) {
            (Some(q), _) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT rowid FROM records_fts WHERE records_fts MATCH ?1 ORDER BY {RANK}"
                ))?;
                stmt.query_map([q], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            }
            // Only the records holding the values, in key order.
            (None, Some(h)) => facets
                .by_key
                .iter()
                .filter(|r| h.contains(r))
                .copied()
                .collect(),
            (None, None) => facets.by_key.clone(),
        };
        // The facet values each `contains` filter lets through.
        let allowed: Vec<Vec<u32>> = filter
            .contains
            .iter()
            .map(|(facet, needle)| {
                let needle = needle.to_lowercase();
                facets
                    .names
                    .iter()
                    .enumerate()
                    .filter(|(_, (f, v))| f == facet && v.to_lowercase().contains(&needle))
                    .filter_map(|(n, _)| u32::try_from(n).ok())
                    .collect()
            })
            .collect();
        let mut json = self.conn.prepare_cached(
            "SELECT r.json FROM records_fts f JOIN records r ON r.key = f.key WHERE f.rowid = ?1",
        )?;
        let mut hits: Vec<i64> = Vec::with_capacity(matched.len());
        for rid in matched {
            if holding.as_ref().is_some_and(|h| !h.contains(&rid)) {
                continue;
            }
            let have = facets.by_row.get(&rid);
            let contained = allowed
                .iter()
                .all(|ok| have.is_some_and(|h| h.iter().any(|n| ok.contains(n))));
            if !contained {
                continue;
            }
            if let Some(check) = filter.check {
                let Some(j) = json
                    .query_row([rid], |r| r.get::<_, String>(0))
                    .optional()?
                else {
                    continue;
                };
                if !check(&j) {
                    continue;
                }
            }
            hits.push(rid);
        }
        // Counted over every match, before the facet filters (as the tab counts).
        let mut tally = vec![0usize; facets.names.len()];
        for rid in &hits {
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
        // The facet filters: every (facet, value) asked for.
        let wanted: Vec<Option<u32>> = filter
            .facets
            .iter()
            .map(|(f, v)| {
                facets
                    .names
                    .iter()
                    .position(|(nf, nv)| nf == f && nv == v)
                    .and_then(|p| u32::try_from(p).ok())
            })
            .collect();
        let passing: Vec<i64> = hits
            .into_iter()
            .filter(|rid| {
                let have = facets.by_row.get(rid);
                wanted
                    .iter()
                    .all(|w| w.is_some_and(|w| have.is_some_and(|h| h.contains(&w))))
            })
            .collect();
        let total = passing.len();
        let mut found = Vec::new();
        for rid in passing.into_iter().skip(skip).take(limit) {
            if let Some(t) = json.query_row([rid], |r| r.get(0)).optional()? {
                found.push(t);
            }
        }
        Ok((found, total, counts))
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
            let mut stmt = self.conn.prepare(
                "SELECT r.fts_rowid, v.name, v.value, v.unit, v.dimension, v.base
                 FROM record_values v JOIN records r ON r.key = v.key
                 WHERE r.fts_rowid IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, f64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<f64>>(5)?,
                ))
            })?;
            let mut unit_numbers: HashMap<String, u32> = HashMap::new();
            for row in rows {
                let (rid, name, value, unit, dimension, base) = row?;
                let next = u32::try_from(index.units.len()).unwrap_or(u32::MAX);
                let u = *unit_numbers.entry(unit.clone()).or_insert_with(|| {
                    index.units.push(unit);
                    next
                });
                if let (Some(d), Some(b)) = (dimension, base) {
                    index
                        .base
                        .entry((name.clone(), d))
                        .or_default()
                        .push((b, rid));
                }
                index.raw.entry(name).or_default().push((value, u, rid));
            }
            for v in index.raw.values_mut() {
                v.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            for v in index.base.values_mut() {
                v.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            let mut stmt = self.conn.prepare(
                "SELECT fts_rowid FROM records WHERE fts_rowid IS NOT NULL ORDER BY key",
            )?;
            index.by_key = stmt
                .query_map([], |r| r.get::<_, i64>(0))?
                .collect::<Result<_, _>>()?;
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

    /// Records indexed before their facets or numbers were kept, as (key,
    /// JSON), once after an upgrade; empty otherwise. Give what the
    /// catalogue reads of them to [`Self::put_derived`].
    pub fn records_to_refill(&self) -> Result<Vec<(String, String)>, StoreError> {
        let sql = if self.get(VALUES_PENDING_KEY)?.is_some() {
            "SELECT key, json FROM records"
        } else if self.get(FACETS_PENDING_KEY)?.is_some() {
            "SELECT key, json FROM records WHERE key NOT IN (SELECT key FROM record_facets)"
        } else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare(sql)?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        if rows.is_empty() {
            // Nothing left from before (an empty index, or every record
            // indexed again since): no need to look again.
            self.conn.execute(
                "DELETE FROM kv WHERE key IN (?1, ?2)",
                [FACETS_PENDING_KEY, VALUES_PENDING_KEY],
            )?;
        }
        Ok(rows)
    }

    /// Set the facets and numbers of records by key (replacing theirs),
    /// and mark the records of an upgrade done.
    pub fn put_derived(&self, rows: &[DerivedRow]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            for (key, facets, values) in rows {
                write_derived(&tx, key, facets, values)?;
            }
            tx.execute(
                "DELETE FROM kv WHERE key IN (?1, ?2)",
                [FACETS_PENDING_KEY, VALUES_PENDING_KEY],
            )?;
        }
        bump_generation(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Remove records by the `id` field of their JSON (OAI-PMH deletions).
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
            let mut del_values = tx.prepare_cached("DELETE FROM record_values WHERE key = ?1")?;
            for id in ids {
                let found: Vec<(String, Option<i64>)> = keys
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                for (k, rowid) in found {
                    del_facets.execute([&k])?;
                    del_values.execute([&k])?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, id: &str, title: &str) -> RecordRow {
        RecordRow {
            key: key.into(),
            source: "test".into(),
            json: serde_json::json!({"id": id, "title": title}).to_string(),
            title: title.into(),
            facets: vec![("facility".into(), "PSI".into())],
            ..Default::default()
        }
    }

    #[test]
    fn an_index_from_schema_three_is_linked_on_upgrade() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("old.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).expect("open");
            for sql in &super::super::MIGRATIONS[..3] {
                conn.execute_batch(sql).expect("old schema");
            }
            conn.pragma_update(None, "user_version", 3)
                .expect("version");
            conn.execute(
                "INSERT INTO records (key, source, json) VALUES ('k', 't', ?1)",
                [r#"{"id": "a", "title": "Old title"}"#],
            )
            .expect("record");
            conn.execute(
                "INSERT INTO records_fts (key, title) VALUES ('k', 'Old title')",
                [],
            )
            .expect("fts");
        }
        let mut s = Store::open(&path).expect("upgrade");
        assert!(s.get(FACETS_PENDING_KEY).expect("get").is_some());
        assert_eq!(s.search_records("old", 10).expect("q").len(), 1);
        // Its facets are asked for once, then kept.
        let pending = s.records_to_refill().expect("pending");
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].0, "k");
        s.put_derived(&[(
            "k".into(),
            vec![("facility".into(), "PSI".into())],
            Vec::new(),
        )])
        .expect("facets");
        assert!(s.records_to_refill().expect("none").is_empty());
        let facets = [("facility".to_owned(), "PSI".to_owned())];
        let filter = RecordFilter {
            facets: &facets,
            ..RecordFilter::default()
        };
        let (_, n, counts) = s
            .search_records_filtered("old", &filter, 0, 10)
            .expect("faceted");
        assert_eq!(n, 1);
        assert_eq!(
            counts,
            [("facility".to_owned(), vec![("PSI".to_owned(), 1)])]
        );
        assert_eq!(s.remove_records(&["a".into()]).expect("remove"), 1);
        assert!(s.search_records("old", 10).expect("q").is_empty());
    }

    #[test]
    fn replacing_and_removing_records_keeps_the_index_exact() {
        let mut s = Store::in_memory().expect("store");
        s.put_records(&[row("k", "a", "Lysozyme crystals")])
            .expect("index");
        s.put_records(&[row("k", "a", "Insulin crystals")])
            .expect("re-index");
        assert!(s.search_records("lysozyme", 10).expect("q").is_empty());
        assert_eq!(s.search_records("insulin", 10).expect("q").len(), 1);
        assert_eq!(s.search_records("crystals", 10).expect("q").len(), 1);
        let (_, _, counts) = s
            .search_records_filtered("", &RecordFilter::default(), 0, 10)
            .expect("all");
        assert_eq!(
            counts,
            [("facility".to_owned(), vec![("PSI".to_owned(), 1)])]
        );
        assert!(s.records_to_refill().expect("fresh").is_empty());
        assert_eq!(s.remove_records(&["a".into()]).expect("remove"), 1);
        assert!(s.search_records("crystals", 10).expect("q").is_empty());
        assert_eq!(s.index_len().expect("len"), 0);
    }

    /// An old index with nothing left to fill is asked once, not on every
    /// search.
    #[test]
    fn an_upgraded_empty_index_is_marked_done_at_the_first_look() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("old.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).expect("open");
            for sql in &super::super::MIGRATIONS[..3] {
                conn.execute_batch(sql).expect("old schema");
            }
            conn.pragma_update(None, "user_version", 3)
                .expect("version");
        }
        let s = Store::open(&path).expect("upgrade");
        assert!(s.get(FACETS_PENDING_KEY).expect("get").is_some());
        assert!(s.get(VALUES_PENDING_KEY).expect("get").is_some());
        assert!(s.records_to_refill().expect("none").is_empty());
        assert_eq!(s.get(FACETS_PENDING_KEY).expect("get"), None);
        assert_eq!(s.get(VALUES_PENDING_KEY).expect("get"), None);
    }
}
