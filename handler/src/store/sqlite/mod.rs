//! The embedded store: one SQLite file (WAL mode) that a person can open with `sqlite3`.
//!
//! Each table keeps the stored value as a JSON document (`doc`) next to the few columns that
//! the queries filter and sort by. Every write is one transaction; case writes are conditional
//! like DynamoDB's (`create_case` on a free id, `update_case` on the version read).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    AuditEntry, AuditStore, CappedUse, CaseQuery, CaseStore, Notification, OutboxStore, Page,
    PageRequest, RegistryStore, Search, StoreError, StoreResult, case_ean, firm_list_key,
    inbox_key, number_key, search_text, sortable_time,
};

mod audit;
mod cases;
mod customer_links;
mod definitions;
mod firms;
mod machine_clients;
mod outbox;
mod registry;
mod schema;
mod webhooks;

use self::schema::{SCHEMA, migrate};

/// The embedded store. Cloning shares the one connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path`, and its directory and the schema if
    /// missing.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|_| {
                StoreError::Unavailable("sqlite could not create the data directory".into())
            })?;
        }
        let conn = Connection::open(path).map_err(db_error("open the database"))?;
        // WAL lets readers (e.g. a person with `sqlite3`) work while the handler writes.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(db_error("switch to WAL mode"))?;
        // Each commit reaches the disk before its answer goes out: a write answered 2xx
        // outlives a power loss, as on DynamoDB (BENCHMARKS.md, "Faults and durability").
        conn.pragma_update(None, "synchronous", "FULL").map_err(db_error("set synchronous"))?;
        Self::init(conn)
    }

    /// A private in-memory database (for tests and throwaway runs).
    pub fn open_in_memory() -> StoreResult<SqliteStore> {
        Self::init(Connection::open_in_memory().map_err(db_error("open the database"))?)
    }

    fn init(mut conn: Connection) -> StoreResult<SqliteStore> {
        // Another process holding the write lock makes us wait instead of failing at once.
        conn.busy_timeout(Duration::from_secs(5)).map_err(db_error("set the busy timeout"))?;
        // What is deleted or overwritten is zeroed in the file, not left in free pages: an
        // erasure must not stay readable with a hex editor (docs/operations.md, "Customers' rights").
        conn.pragma_update(None, "secure_delete", "ON").map_err(db_error("set secure_delete"))?;
        conn.execute_batch(SCHEMA).map_err(db_error("create the schema"))?;
        migrate(&mut conn)?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs blocking SQLite work off the async executor.
    async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock rolled its transaction back (on drop), so the
            // connection is still consistent: use it despite the poison.
            let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut conn)
        })
        .await
        .map_err(|_| StoreError::Unavailable("sqlite task failed".into()))?
    }

    /// Runs `work` in one write transaction (taken at once, so concurrent writers queue on
    /// the busy timeout instead of failing on a lock upgrade).
    async fn write<T, F>(&self, what: &'static str, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db_error(what))?;
            let value = work(&tx)?;
            tx.commit().map_err(db_error(what))?;
            Ok(value)
        })
        .await
    }
}

/// Maps a rusqlite error to `Unavailable` with a short text: the SQLite error code only, never
/// a value (which could be personal data).
fn db_error(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |error| {
        let reason = match &error {
            rusqlite::Error::SqliteFailure(e, _) => format!("{:?}", e.code),
            _ => "unexpected database response".to_string(),
        };
        StoreError::Unavailable(format!("sqlite could not {what}: {reason}"))
    }
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// Runs an INSERT of a new row: `AlreadyExists` when its key is taken.
fn insert_new(
    tx: &rusqlite::Transaction<'_>,
    what: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
) -> StoreResult<()> {
    match tx.execute(sql, params) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists),
        Err(e) => Err(db_error(what)(e)),
    }
}

fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|_| StoreError::Unavailable("could not encode a document".into()))
}

fn from_doc<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(crate::store::corrupt::<T>)
}

fn version_param(version: u64) -> StoreResult<i64> {
    i64::try_from(version).map_err(|_| StoreError::Unavailable("version out of range".into()))
}

/// Reads the `doc` column of every row of `sql`.
fn query_docs<T: DeserializeOwned>(
    conn: &Connection,
    what: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_error(what))?;
    let docs = stmt
        .query_map(params, |row| row.get::<_, String>(0))
        .map_err(db_error(what))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_error(what))?;
    docs.iter().map(|doc| from_doc(doc)).collect()
}

fn query_doc<T: DeserializeOwned>(
    conn: &Connection,
    what: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Option<T>> {
    let doc: Option<String> = conn
        .prepare_cached(sql)
        .and_then(|mut stmt| stmt.query_row(params, |row| row.get(0)).optional())
        .map_err(db_error(what))?;
    doc.as_deref().map(from_doc).transpose()
}
