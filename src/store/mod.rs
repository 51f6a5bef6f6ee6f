//! The embedded SQLite store: settings, recent files, and later the offline
//! index and drafts. Opened in WAL mode so a crash never loses a committed write.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

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
}

/// Schema migrations, applied in order; index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE recent_files (location TEXT PRIMARY KEY, opened_at INTEGER NOT NULL);",
];

/// How many recent files are remembered.
pub const RECENT_LIMIT: usize = 12;

pub struct Store {
    conn: Connection,
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
        Self::migrate(conn)
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
        Ok(Self { conn })
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
