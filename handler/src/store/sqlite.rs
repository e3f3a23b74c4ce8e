//! The embedded store: one SQLite file (WAL mode) that a person can open with `sqlite3`.
//!
//! Each table keeps the stored value as a JSON document (`doc`) next to the few columns that
//! the queries filter and sort by. Every write is one transaction; case writes are conditional
//! like DynamoDB's (`create_case` on a free id, `update_case` on the version read).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use forms::{Case, Installation, Status};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::{
    AuditEntry, AuditStore, CappedUse, CaseQuery, CaseStore, Notification, OutboxStore, Page,
    PageRequest, RegistryStore, StoreError, StoreResult, firm_list_key, inbox_key, search_text,
    sortable_time,
};

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
CREATE TABLE IF NOT EXISTS outbox (
    id       TEXT PRIMARY KEY,
    list_key TEXT NOT NULL,
    retry_at TEXT NOT NULL,
    doc      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outbox_by_time ON outbox (list_key);
CREATE TABLE IF NOT EXISTS counters (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

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

/// The columns the lists filter, search and page by (schema version 2), and their indexes.
const LIST_COLUMNS: &str = "
ALTER TABLE cases ADD COLUMN network_area TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN installation_type TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN firm_key TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN inbox_key TEXT;
DROP INDEX IF EXISTS cases_by_firm;
DROP INDEX IF EXISTS cases_by_company;
CREATE INDEX cases_by_firm ON cases (firm, firm_key);
-- The company inbox: only what was sent; drafts are not even in the index.
CREATE INDEX cases_by_company ON cases (company, inbox_key) WHERE inbox_key IS NOT NULL;
";

/// When retention counts from (`Case::retention_from`), for the sweep (schema version 3).
const RETENTION_COLUMN: &str = "
ALTER TABLE cases ADD COLUMN retention_from TEXT NOT NULL DEFAULT '';
";

/// The schema's changes after version 1, in order: change `i` makes version `i + 2`.
const MIGRATIONS: [&str; 2] = [LIST_COLUMNS, RETENTION_COLUMN];

/// Brings an older database to the newest schema in one transaction: the changes it lacks,
/// then every case's columns filled from its document.
fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let what = "migrate the schema";
    let version: i64 =
        conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(db_error(what))?;
    let newest = MIGRATIONS.len() as i64 + 1;
    if version >= newest {
        return Ok(());
    }
    let tx =
        conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error(what))?;
    for change in &MIGRATIONS[(version.max(1) - 1) as usize..] {
        tx.execute_batch(change).map_err(db_error(what))?;
    }
    let docs: Vec<String> = tx
        .prepare("SELECT doc FROM cases")
        .and_then(|mut stmt| stmt.query_map([], |row| row.get(0))?.collect())
        .map_err(db_error(what))?;
    for doc in docs {
        let row = CaseRow::new(&from_doc::<Case>(&doc)?)?;
        row.write(&tx, Some(row.version)).map_err(db_error(what))?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {newest}")).map_err(db_error(what))?;
    tx.commit().map_err(db_error(what))
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
    network_area: String,
    installation_type: String,
    search: String,
    firm_key: String,
    /// Only for what the company may see.
    inbox_key: Option<String>,
    retention_from: String,
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
            network_area: case.network_area.clone(),
            installation_type: case.installation_type.clone(),
            search: search_text(case),
            firm_key: firm_list_key(case),
            inbox_key: case.visible_to_company().then(|| inbox_key(case)),
            retention_from: sortable_time(case.retention_from()),
        })
    }

    /// Writes the row: a new one, or over the one whose version is `expected`. Whether a row
    /// was written.
    fn write(
        &self,
        tx: &rusqlite::Transaction<'_>,
        expected: Option<i64>,
    ) -> rusqlite::Result<bool> {
        let values = params![
            self.id,
            self.firm,
            self.company,
            self.status,
            self.updated_at,
            self.submitted_at,
            self.version,
            self.doc,
            self.network_area,
            self.installation_type,
            self.search,
            self.firm_key,
            self.inbox_key,
            self.retention_from,
            expected,
        ];
        let sql = if expected.is_none() {
            "INSERT INTO cases (id, firm, company, status, updated_at, submitted_at, version, doc,
                                network_area, installation_type, search, firm_key, inbox_key,
                                retention_from)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14 WHERE ?15 IS NULL"
        } else {
            "UPDATE cases SET firm = ?2, company = ?3, status = ?4, updated_at = ?5,
                    submitted_at = ?6, version = ?7, doc = ?8, network_area = ?9,
                    installation_type = ?10, search = ?11, firm_key = ?12, inbox_key = ?13,
                    retention_from = ?14
             WHERE id = ?1 AND version = ?15"
        };
        Ok(tx.execute(sql, values)? > 0)
    }
}

/// Inserts a new case's row; `AlreadyExists` if its id is taken.
fn insert_case(tx: &rusqlite::Transaction<'_>, row: &CaseRow) -> StoreResult<()> {
    match row.write(tx, None) {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists),
        Err(e) => Err(db_error("create a case")(e)),
    }
}

/// The optional filters of a list as SQL parameters, in the order `?f1..?f5` of
/// [`FILTERS_SQL`].
fn filter_params(query: &CaseQuery) -> [Option<String>; 5] {
    [
        query.status.map(|s| s.as_str().to_string()),
        query.network_area.clone(),
        query.installation_type.clone(),
        query.firm.clone(),
        query.text.clone(),
    ]
}

const FILTERS_SQL: &str = "(?3 IS NULL OR status = ?3) AND (?4 IS NULL OR network_area = ?4)
    AND (?5 IS NULL OR installation_type = ?5) AND (?6 IS NULL OR instr(lower(firm), ?6) > 0)
    AND (?7 IS NULL OR instr(search, ?7) > 0)";

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
        self.write("create a case", move |tx| insert_case(tx, &row)).await
    }

    async fn get_case(&self, id: &str) -> StoreResult<Option<Case>> {
        let id = id.to_string();
        self.run(move |conn| {
            query_doc(conn, "read a case", "SELECT doc FROM cases WHERE id = ?1", [id])
        })
        .await
    }

    async fn update_case_notifying(&self, case: &Case, outbox: &[Notification]) -> StoreResult<()> {
        let Some(expected) = case.version.checked_sub(1) else {
            return Err(StoreError::VersionConflict);
        };
        self.write_if_version(case, expected, outbox).await
    }

    async fn retention_candidates(
        &self,
        statuses: &[Status],
        before: OffsetDateTime,
        page: &PageRequest,
    ) -> StoreResult<Page<Case>> {
        let statuses: Vec<String> = statuses.iter().map(|s| s.as_str().to_string()).collect();
        let (before, after) = (sortable_time(before), page.after.clone().unwrap_or_default());
        let limit = page.limit;
        let cases: Vec<Case> = self
            .run(move |conn| {
                let placeholders = vec!["?"; statuses.len()].join(", ");
                let sql = format!(
                    "SELECT doc FROM cases WHERE status IN ({placeholders}) AND retention_from < ?
                     AND id > ? ORDER BY id LIMIT ?"
                );
                let mut params: Vec<rusqlite::types::Value> =
                    statuses.into_iter().map(rusqlite::types::Value::Text).collect();
                params.push(before.into());
                params.push(after.into());
                params.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
                query_docs(conn, "list cases to retain", &sql, rusqlite::params_from_iter(params))
            })
            .await?;
        Ok(Page::from_items(cases, page.limit, |case| case.id.clone()))
    }

    async fn remove_case(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.write("remove a case", move |tx| {
            tx.execute("DELETE FROM cases WHERE id = ?1", [&id])
                .map_err(db_error("remove a case"))?;
            Ok(())
        })
        .await
    }

    async fn keep_version_update(&self, case: &Case) -> StoreResult<()> {
        self.write_if_version(case, case.version, &[]).await
    }

    async fn forget_removed(&self) -> StoreResult<()> {
        let what = "checkpoint the write-ahead log";
        self.run(move |conn| {
            // TRUNCATE: every page goes into the database, and the log is emptied to no bytes.
            let busy: i64 = conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
                .map_err(db_error(what))?;
            match busy {
                0 => Ok(()),
                _ => Err(StoreError::Unavailable(format!("sqlite could not {what}: busy"))),
            }
        })
        .await
    }

    async fn create_numbered_case(
        &self,
        mut case: Case,
        number: impl FnOnce(u64) -> String + Send + 'static,
    ) -> StoreResult<Case> {
        let key = format!("case_number#{}#{}", case.company, case.created_at.year());
        self.write("create a case", move |tx| {
            let n: i64 = tx
                .query_row(
                    "INSERT INTO counters (key, value) VALUES (?1, 1)
                     ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value",
                    [key],
                    |row| row.get(0),
                )
                .map_err(db_error("number a case"))?;
            case.number = number(n.unsigned_abs());
            insert_case(tx, &CaseRow::new(&case)?)?;
            Ok(case)
        })
        .await
    }

    async fn firm_cases(
        &self,
        firm: &str,
        query: &CaseQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Case>> {
        let sql = format!(
            "SELECT doc FROM cases WHERE firm = ?1 AND (?2 IS NULL OR firm_key < ?2) AND {FILTERS_SQL}
             ORDER BY firm_key DESC LIMIT ?8"
        );
        self.list("list a firm's cases", sql, firm, query, page, firm_list_key).await
    }

    async fn company_cases(
        &self,
        company: &str,
        query: &CaseQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Case>> {
        // `inbox_key IS NOT NULL` is spelled out so that the partial index applies.
        let sql = format!(
            "SELECT doc FROM cases WHERE company = ?1 AND inbox_key IS NOT NULL
                 AND (?2 IS NULL OR inbox_key > ?2) AND {FILTERS_SQL}
             ORDER BY inbox_key LIMIT ?8"
        );
        self.list("list a company's cases", sql, company, query, page, inbox_key).await
    }
}

impl SqliteStore {
    async fn write_if_version(
        &self,
        case: &Case,
        expected: u64,
        outbox: &[Notification],
    ) -> StoreResult<()> {
        let expected = version_param(expected)?;
        let row = CaseRow::new(case)?;
        let mail = outbox
            .iter()
            .map(|n| Ok((n.id.clone(), n.list_key(), sortable_time(n.retry_at), to_doc(n)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        self.write("update a case", move |tx| {
            let written = row.write(tx, Some(expected)).map_err(db_error("update a case"))?;
            // No row: changed by someone else since it was read, or gone.
            if !written {
                return Err(StoreError::VersionConflict);
            }
            for (id, key, retry_at, doc) in mail {
                tx.execute(
                    "INSERT INTO outbox (id, list_key, retry_at, doc) VALUES (?1, ?2, ?3, ?4)",
                    params![id, key, retry_at, doc],
                )
                .map_err(db_error("put e-mails in the outbox"))?;
            }
            Ok(())
        })
        .await
    }

    /// One page of `sql`, which takes the owner (?1), where to start (?2), the filters (?3 to
    /// ?7) and how many rows (?8).
    async fn list(
        &self,
        what: &'static str,
        sql: String,
        owner: &str,
        query: &CaseQuery,
        page: &PageRequest,
        key: fn(&Case) -> String,
    ) -> StoreResult<Page<Case>> {
        let [status, area, kind, firm, text] = filter_params(query);
        let (owner, after, limit) = (owner.to_string(), page.after.clone(), page.limit);
        let more = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let cases: Vec<Case> = self
            .run(move |conn| {
                query_docs(
                    conn,
                    what,
                    &sql,
                    params![owner, after, status, area, kind, firm, text, more],
                )
            })
            .await?;
        Ok(Page::from_items(cases, limit, key))
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

    async fn remove_installations_except(
        &self,
        company: &str,
        keep: &BTreeSet<String>,
    ) -> StoreResult<u64> {
        let (company, keep) = (company.to_string(), keep.clone());
        self.write("remove installations", move |tx| {
            let eans: Vec<String> = tx
                .prepare("SELECT ean FROM registry WHERE company = ?1")
                .and_then(|mut stmt| {
                    stmt.query_map([&company], |row| row.get(0))?.collect::<Result<_, _>>()
                })
                .map_err(db_error("remove installations"))?;
            let mut delete = tx
                .prepare_cached("DELETE FROM registry WHERE company = ?1 AND ean = ?2")
                .map_err(db_error("remove installations"))?;
            let mut removed = 0;
            for ean in eans.iter().filter(|ean| !keep.contains(*ean)) {
                removed += delete
                    .execute(params![company, ean])
                    .map_err(db_error("remove installations"))?;
            }
            Ok(removed as u64)
        })
        .await
    }
}

/// An audit entry as its row: company, time, id and document.
struct AuditRow([String; 4]);

impl AuditRow {
    fn new(entry: &AuditEntry) -> StoreResult<AuditRow> {
        let (company, at, id) = (entry.company.clone(), sortable_time(entry.at), entry.id.clone());
        Ok(AuditRow([company, at, id, to_doc(entry)?]))
    }

    /// Appends the entry: the audit log is append-only, an entry is never replaced.
    fn insert(&self, tx: &rusqlite::Transaction<'_>) -> StoreResult<()> {
        let sql = "INSERT INTO audit (company, at, id, doc) VALUES (?1, ?2, ?3, ?4)";
        match tx.execute(sql, rusqlite::params_from_iter(&self.0)) {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists),
            Err(e) => Err(db_error("record a lookup")(e)),
        }
    }
}

/// Forgets the counters whose lifetime is over (lazily, on the next write that counts; the
/// index keeps this cheap).
fn forget_expired_counters(tx: &rusqlite::Transaction<'_>, now: &str) -> StoreResult<()> {
    tx.execute("DELETE FROM usage_counters WHERE expires_at <= ?1", [now])
        .map_err(db_error("count a use"))?;
    Ok(())
}

impl AuditStore for SqliteStore {
    async fn record_lookup(
        &self,
        entry: &AuditEntry,
        uses: &[CappedUse],
        case: Option<&Case>,
    ) -> StoreResult<()> {
        let audit = AuditRow::new(entry)?;
        let now = OffsetDateTime::now_utc();
        let uses: Vec<(String, i64, String)> = uses
            .iter()
            .map(|u| {
                let cap = i64::try_from(u.cap).unwrap_or(i64::MAX);
                (u.key.clone(), cap, sortable_time(now + u.lifetime))
            })
            .collect();
        let case = match case {
            Some(case) => {
                let expected = case.version.checked_sub(1).ok_or(StoreError::VersionConflict)?;
                Some((CaseRow::new(case)?, version_param(expected)?))
            }
            None => None,
        };
        let now = sortable_time(now);
        self.write("record a lookup", move |tx| {
            forget_expired_counters(tx, &now)?;
            for (index, (key, cap, expires_at)) in uses.iter().enumerate() {
                let count: i64 = tx
                    .query_row(
                        "INSERT INTO usage_counters (key, count, expires_at) VALUES (?1, 1, ?2)
                         ON CONFLICT (key) DO UPDATE SET count = count + 1
                         RETURNING count",
                        [key, expires_at],
                        |row| row.get(0),
                    )
                    .map_err(db_error("count a use"))?;
                // Over the cap: the transaction is rolled back, so this use is not counted.
                if count > *cap {
                    return Err(StoreError::CapReached(index));
                }
            }
            audit.insert(tx)?;
            if let Some((row, expected)) = case {
                // No row: changed by someone else since it was read, or gone.
                if !row.write(tx, Some(expected)).map_err(db_error("update a case"))? {
                    return Err(StoreError::VersionConflict);
                }
            }
            Ok(())
        })
        .await
    }

    async fn record_once(
        &self,
        entry: &AuditEntry,
        once: &str,
        lifetime: time::Duration,
    ) -> StoreResult<bool> {
        let audit = AuditRow::new(entry)?;
        let once = once.to_string();
        let now = OffsetDateTime::now_utc();
        let (now, expires_at) = (sortable_time(now), sortable_time(now + lifetime));
        self.write("record a lookup", move |tx| {
            forget_expired_counters(tx, &now)?;
            let first = tx
                .execute(
                    "INSERT INTO usage_counters (key, count, expires_at) VALUES (?1, 1, ?2)
                     ON CONFLICT (key) DO NOTHING",
                    [&once, &expires_at],
                )
                .map_err(db_error("record a lookup"))?
                > 0;
            if first {
                audit.insert(tx)?;
            }
            Ok(first)
        })
        .await
    }

    async fn lookups(
        &self,
        company: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let (company, from, to) = (company.to_string(), sortable_time(from), sortable_time(to));
        let after = page.after.clone();
        let (limit, more) = (page.limit, i64::try_from(page.limit + 1).unwrap_or(i64::MAX));
        let entries: Vec<AuditEntry> = self
            .run(move |conn| {
                query_docs(
                    conn,
                    "read the audit log",
                    "SELECT doc FROM audit WHERE company = ?1 AND at >= ?2 AND at < ?3
                         AND (?4 IS NULL OR at || '#' || id > ?4)
                     ORDER BY at, id LIMIT ?5",
                    params![company, from, to, after, more],
                )
            })
            .await?;
        Ok(Page::from_items(entries, limit, AuditEntry::list_key))
    }

    async fn prune_lookups(&self, before: OffsetDateTime) -> StoreResult<u64> {
        let before = sortable_time(before);
        self.write("prune the audit log", move |tx| {
            let removed = tx
                .execute("DELETE FROM audit WHERE at < ?1", [&before])
                .map_err(db_error("prune the audit log"))?;
            Ok(removed as u64)
        })
        .await
    }
}

impl OutboxStore for SqliteStore {
    async fn due_notifications(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Notification>> {
        let (now, limit) = (sortable_time(now), i64::try_from(limit).unwrap_or(i64::MAX));
        self.run(move |conn| {
            query_docs(
                conn,
                "read the outbox",
                "SELECT doc FROM outbox WHERE retry_at <= ?1 ORDER BY list_key LIMIT ?2",
                params![now, limit],
            )
        })
        .await
    }

    async fn notification_sent(&self, notification: &Notification) -> StoreResult<()> {
        let id = notification.id.clone();
        self.write("empty the outbox", move |tx| {
            tx.execute("DELETE FROM outbox WHERE id = ?1", [id])
                .map_err(db_error("empty the outbox"))?;
            Ok(())
        })
        .await
    }

    async fn notification_failed(&self, notification: &Notification) -> StoreResult<()> {
        self.update_notification("keep an e-mail for later", notification).await
    }

    async fn case_notifications(&self, case_id: &str) -> StoreResult<Vec<Notification>> {
        let case_id = case_id.to_string();
        self.run(move |conn| {
            query_docs(
                conn,
                "read the outbox",
                "SELECT doc FROM outbox WHERE json_extract(doc, '$.case_id') = ?1 ORDER BY list_key",
                [case_id],
            )
        })
        .await
    }

    async fn rewrite_notification(&self, notification: &Notification) -> StoreResult<()> {
        self.update_notification("rewrite an e-mail", notification).await
    }
}

impl SqliteStore {
    /// Stores `notification` over the one with its id, if that is still in the outbox.
    async fn update_notification(
        &self,
        what: &'static str,
        notification: &Notification,
    ) -> StoreResult<()> {
        let (id, retry_at) = (notification.id.clone(), sortable_time(notification.retry_at));
        let doc = to_doc(notification)?;
        self.write(what, move |tx| {
            tx.execute(
                "UPDATE outbox SET retry_at = ?2, doc = ?3 WHERE id = ?1",
                params![id, retry_at, doc],
            )
            .map_err(db_error(what))?;
            Ok(())
        })
        .await
    }
}
