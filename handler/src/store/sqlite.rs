//! The embedded store: one SQLite file (WAL mode) that a person can open with `sqlite3`.
//!
//! Each table keeps the stored value as a JSON document (`doc`) next to the few columns that
//! the queries filter and sort by. Every write is one transaction; case writes are conditional
//! like DynamoDB's (`create_case` on a free id, `update_case` on the version read).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use forms::{Case, Installation, Status};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::{
    AuditEntry, AuditStore, CaseStore, RegistryStore, StoreError, StoreResult, sortable_time,
};

/// How long a `count_use` counter lives after its first use.
const COUNTER_LIFETIME: time::Duration = time::Duration::hours(1);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cases (
    id           TEXT PRIMARY KEY,
    firm         TEXT NOT NULL,
    company      TEXT NOT NULL,
    status       TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    submitted_at TEXT,
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_by_firm ON cases (firm, updated_at);
-- The company inbox: only what was sent; drafts are not even in the index.
CREATE INDEX IF NOT EXISTS cases_by_company ON cases (company, status, submitted_at)
    WHERE submitted_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS registry (
    company      TEXT NOT NULL,
    ean          TEXT NOT NULL,
    meter_number TEXT NOT NULL,
    doc          TEXT NOT NULL,
    PRIMARY KEY (company, ean)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS registry_by_meter ON registry (company, meter_number);

CREATE TABLE IF NOT EXISTS audit (
    company TEXT NOT NULL,
    at      TEXT NOT NULL,
    id      TEXT NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (company, at, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS usage_counters (
    key        TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS usage_counters_by_expiry ON usage_counters (expires_at);
";

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
        Self::init(conn)
    }

    /// A private in-memory database (for tests and throwaway runs).
    pub fn open_in_memory() -> StoreResult<SqliteStore> {
        Self::init(Connection::open_in_memory().map_err(db_error("open the database"))?)
    }

    fn init(conn: Connection) -> StoreResult<SqliteStore> {
        // Another process holding the write lock makes us wait instead of failing at once.
        conn.busy_timeout(Duration::from_secs(5)).map_err(db_error("set the busy timeout"))?;
        conn.execute_batch(SCHEMA).map_err(db_error("create the schema"))?;
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

fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|_| StoreError::Unavailable("could not encode a document".into()))
}

/// The serde error is dropped on purpose: it may quote the stored (personal) data.
fn from_doc<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc)
        .map_err(|_| StoreError::Unavailable("a stored document is not valid".into()))
}

fn version_param(version: u64) -> StoreResult<i64> {
    i64::try_from(version).map_err(|_| StoreError::Unavailable("version out of range".into()))
}

/// The columns a case is stored with, computed before moving into the blocking task.
struct CaseRow {
    id: String,
    firm: String,
    company: String,
    status: &'static str,
    updated_at: String,
    submitted_at: Option<String>,
    version: i64,
    doc: String,
}

impl CaseRow {
    fn new(case: &Case) -> StoreResult<CaseRow> {
        Ok(CaseRow {
            id: case.id.clone(),
            firm: case.firm.clone(),
            company: case.company.clone(),
            status: case.status.as_str(),
            updated_at: sortable_time(case.updated_at),
            submitted_at: case.submitted_at.map(sortable_time),
            version: version_param(case.version)?,
            doc: to_doc(case)?,
        })
    }
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

impl CaseStore for SqliteStore {
    async fn create_case(&self, case: &Case) -> StoreResult<()> {
        let row = CaseRow::new(case)?;
        self.write("create a case", move |tx| {
            let inserted = tx.execute(
                "INSERT INTO cases
                     (id, firm, company, status, updated_at, submitted_at, version, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    row.id,
                    row.firm,
                    row.company,
                    row.status,
                    row.updated_at,
                    row.submitted_at,
                    row.version,
                    row.doc
                ],
            );
            match inserted {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists),
                Err(e) => Err(db_error("create a case")(e)),
            }
        })
        .await
    }

    async fn get_case(&self, id: &str) -> StoreResult<Option<Case>> {
        let id = id.to_string();
        self.run(move |conn| {
            query_doc(conn, "read a case", "SELECT doc FROM cases WHERE id = ?1", [id])
        })
        .await
    }

    async fn update_case(&self, case: &Case) -> StoreResult<()> {
        let Some(expected) = case.version.checked_sub(1) else {
            return Err(StoreError::VersionConflict);
        };
        let expected = version_param(expected)?;
        let row = CaseRow::new(case)?;
        self.write("update a case", move |tx| {
            let changed = tx
                .execute(
                    "UPDATE cases SET firm = ?2, company = ?3, status = ?4, updated_at = ?5,
                            submitted_at = ?6, version = ?7, doc = ?8
                     WHERE id = ?1 AND version = ?9",
                    params![
                        row.id,
                        row.firm,
                        row.company,
                        row.status,
                        row.updated_at,
                        row.submitted_at,
                        row.version,
                        row.doc,
                        expected
                    ],
                )
                .map_err(db_error("update a case"))?;
            // No row: changed by someone else since it was read, or gone.
            if changed == 0 { Err(StoreError::VersionConflict) } else { Ok(()) }
        })
        .await
    }

    async fn firm_cases(&self, firm: &str) -> StoreResult<Vec<Case>> {
        let firm = firm.to_string();
        // Ties are broken by id descending, the order of DynamoDB's `<updated_at>#<id>` key.
        self.run(move |conn| {
            query_docs(
                conn,
                "list a firm's cases",
                "SELECT doc FROM cases WHERE firm = ?1 ORDER BY updated_at DESC, id DESC",
                [firm],
            )
        })
        .await
    }

    async fn company_cases(&self, company: &str, status: Option<Status>) -> StoreResult<Vec<Case>> {
        let company = company.to_string();
        // `submitted_at IS NOT NULL` is spelled out so that the partial index applies; a missing
        // submitted_at (never the case after a submit) sorts last, as in DynamoDB.
        self.run(move |conn| match status {
            None => query_docs(
                conn,
                "list a company's cases",
                "SELECT doc FROM cases WHERE company = ?1 AND submitted_at IS NOT NULL
                 ORDER BY submitted_at DESC, id DESC",
                [company],
            ),
            Some(status) => query_docs(
                conn,
                "list a company's cases",
                "SELECT doc FROM cases WHERE company = ?1 AND submitted_at IS NOT NULL AND status = ?2
                 ORDER BY submitted_at DESC, id DESC",
                [company, status.as_str().to_string()],
            ),
        })
        .await
    }
}

impl RegistryStore for SqliteStore {
    async fn put_installations(&self, company: &str, rows: &[Installation]) -> StoreResult<()> {
        let company = company.to_string();
        let rows = rows
            .iter()
            .map(|row| Ok((row.ean.clone(), row.meter_number.clone(), to_doc(row)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        self.write("write installations", move |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO registry (company, ean, meter_number, doc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (company, ean)
                     DO UPDATE SET meter_number = excluded.meter_number, doc = excluded.doc",
                )
                .map_err(db_error("write installations"))?;
            for (ean, meter_number, doc) in rows {
                stmt.execute(params![company, ean, meter_number, doc])
                    .map_err(db_error("write installations"))?;
            }
            Ok(())
        })
        .await
    }

    async fn installation_by_ean(
        &self,
        company: &str,
        ean: &str,
    ) -> StoreResult<Option<Installation>> {
        let (company, ean) = (company.to_string(), ean.to_string());
        self.run(move |conn| {
            query_doc(
                conn,
                "read an installation",
                "SELECT doc FROM registry WHERE company = ?1 AND ean = ?2",
                [company, ean],
            )
        })
        .await
    }

    async fn installations_by_meter(
        &self,
        company: &str,
        meter_number: &str,
    ) -> StoreResult<Vec<Installation>> {
        let (company, meter) = (company.to_string(), meter_number.to_string());
        if meter.is_empty() {
            return Ok(Vec::new());
        }
        self.run(move |conn| {
            query_docs(
                conn,
                "read an installation",
                "SELECT doc FROM registry WHERE company = ?1 AND meter_number = ?2
                 ORDER BY ean LIMIT 2",
                [company, meter],
            )
        })
        .await
    }

    async fn installation_count(&self, company: &str) -> StoreResult<u64> {
        let company = company.to_string();
        self.run(move |conn| {
            let count: i64 = conn
                .query_row("SELECT COUNT(*) FROM registry WHERE company = ?1", [company], |row| {
                    row.get(0)
                })
                .map_err(db_error("count installations"))?;
            Ok(count.unsigned_abs())
        })
        .await
    }
}

impl AuditStore for SqliteStore {
    async fn record_lookup(&self, entry: &AuditEntry) -> StoreResult<()> {
        let (company, at, id) = (entry.company.clone(), sortable_time(entry.at), entry.id.clone());
        let doc = to_doc(entry)?;
        self.write("record a lookup", move |tx| {
            match tx.execute(
                "INSERT INTO audit (company, at, id, doc) VALUES (?1, ?2, ?3, ?4)",
                params![company, at, id, doc],
            ) {
                Ok(_) => Ok(()),
                // The audit log is append-only: an entry is never replaced.
                Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists),
                Err(e) => Err(db_error("record a lookup")(e)),
            }
        })
        .await
    }

    async fn lookups(
        &self,
        company: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Vec<AuditEntry>> {
        let (company, from, to) = (company.to_string(), sortable_time(from), sortable_time(to));
        self.run(move |conn| {
            query_docs(
                conn,
                "read the audit log",
                "SELECT doc FROM audit WHERE company = ?1 AND at >= ?2 AND at < ?3
                 ORDER BY at, id",
                [company, from, to],
            )
        })
        .await
    }

    async fn count_use(&self, key: &str) -> StoreResult<u64> {
        let key = key.to_string();
        let now = OffsetDateTime::now_utc();
        let (now, expires_at) = (sortable_time(now), sortable_time(now + COUNTER_LIFETIME));
        self.write("count a use", move |tx| {
            // Expired counters are purged lazily, here; the index keeps this cheap.
            tx.execute("DELETE FROM usage_counters WHERE expires_at <= ?1", [&now])
                .map_err(db_error("count a use"))?;
            let count: i64 = tx
                .query_row(
                    "INSERT INTO usage_counters (key, count, expires_at) VALUES (?1, 1, ?2)
                     ON CONFLICT (key) DO UPDATE SET count = count + 1
                     RETURNING count",
                    [&key, &expires_at],
                    |row| row.get(0),
                )
                .map_err(db_error("count a use"))?;
            Ok(count.unsigned_abs())
        })
        .await
    }
}
