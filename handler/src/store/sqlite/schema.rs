//! The SQLite store's tables and the changes that bring an older database to them.

use forms::Case;
use rusqlite::{Connection, TransactionBehavior};

use super::cases::CaseRow;
use super::*;

pub(super) const SCHEMA: &str = "
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

CREATE TABLE IF NOT EXISTS definition_versions (
    company TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (company, version)
) WITHOUT ROWID;
-- Which version each company publishes: no row, none published (the shipped file).
CREATE TABLE IF NOT EXISTS definition_pointers (
    company TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;
-- A case's customer link (Kundlänk), by the SHA-256 of its token; never the token.
CREATE TABLE IF NOT EXISTS customer_links (
    case_id    TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    doc        TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS definition_publications (
    company TEXT NOT NULL,
    at      TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (company, at, version)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS firms (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
) WITHOUT ROWID;
-- Machine clients (OAuth 2.0 client credentials), by client id; `org` is role#org.
CREATE TABLE IF NOT EXISTS machine_clients (
    id  TEXT PRIMARY KEY,
    org TEXT NOT NULL,
    doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS machine_clients_by_org ON machine_clients (org, id);
CREATE TABLE IF NOT EXISTS firm_members (
    firm  TEXT NOT NULL,
    email TEXT NOT NULL,
    doc   TEXT NOT NULL,
    PRIMARY KEY (firm, email)
) WITHOUT ROWID;
-- A company's webhooks (secrets in doc: they sign, so they are kept as they are).
CREATE TABLE IF NOT EXISTS webhooks (
    company TEXT NOT NULL,
    id      TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc     TEXT NOT NULL,
    PRIMARY KEY (company, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    webhook  TEXT NOT NULL,
    list_key TEXT NOT NULL,
    at       TEXT NOT NULL,
    doc      TEXT NOT NULL,
    PRIMARY KEY (webhook, list_key)
) WITHOUT ROWID;
";

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

/// What the inbox finds by key (schema version 4): a case's number and anläggnings-ID, and its
/// firm among the company's cases, each an index of what the company may see, in inbox order.
const SEARCH_KEYS: &str = "
ALTER TABLE cases ADD COLUMN number_key TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN ean TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_by_number ON cases (company, number_key, inbox_key)
    WHERE inbox_key IS NOT NULL;
CREATE INDEX cases_by_ean ON cases (company, ean, inbox_key) WHERE inbox_key IS NOT NULL;
CREATE INDEX cases_by_company_firm ON cases (company, firm, inbox_key)
    WHERE inbox_key IS NOT NULL;
";

/// The schema's changes after version 1, in order: change `i` makes version `i + 2`.
const MIGRATIONS: [&str; 3] = [LIST_COLUMNS, RETENTION_COLUMN, SEARCH_KEYS];

/// Brings an older database to the newest schema in one transaction: the changes it lacks,
/// then every case's columns filled from its document.
pub(super) fn migrate(conn: &mut Connection) -> StoreResult<()> {
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
