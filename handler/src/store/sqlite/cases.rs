//! The cases in SQLite: one row per case, its document and the columns the lists filter,
//! search and page by.

use std::collections::BTreeSet;

use forms::{Case, Status};
use rusqlite::params;
use time::OffsetDateTime;

use super::*;

/// The columns a case is stored with, computed before moving into the blocking task.
pub(super) struct CaseRow {
    id: String,
    firm: String,
    company: String,
    status: &'static str,
    updated_at: String,
    submitted_at: Option<String>,
    pub(super) version: i64,
    doc: String,
    network_area: String,
    installation_type: String,
    search: String,
    firm_key: String,
    /// Only for what the company may see.
    inbox_key: Option<String>,
    retention_from: String,
    number_key: String,
    ean: String,
}

impl CaseRow {
    pub(super) fn new(case: &Case) -> StoreResult<CaseRow> {
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
            number_key: number_key(case),
            ean: case_ean(case).to_string(),
        })
    }

    /// Writes the row: a new one, or over the one whose version is `expected`. Whether a row
    /// was written.
    pub(super) fn write(
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
            self.number_key,
            self.ean,
        ];
        let sql = if expected.is_none() {
            "INSERT INTO cases (id, firm, company, status, updated_at, submitted_at, version, doc,
                                network_area, installation_type, search, firm_key, inbox_key,
                                retention_from, number_key, ean)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?16, ?17
             WHERE ?15 IS NULL"
        } else {
            "UPDATE cases SET firm = ?2, company = ?3, status = ?4, updated_at = ?5,
                    submitted_at = ?6, version = ?7, doc = ?8, network_area = ?9,
                    installation_type = ?10, search = ?11, firm_key = ?12, inbox_key = ?13,
                    retention_from = ?14, number_key = ?16, ean = ?17
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

/// The optional filters of a list as SQL parameters, in the order `?3..?7`, `?9`, `?10` of
/// [`FILTERS_SQL`]: status, area, type, the firms (a JSON array), text found anywhere, a whole
/// case number, a whole anläggnings-ID.
fn filter_params(query: &CaseQuery) -> StoreResult<[Option<String>; 7]> {
    let firms = query.firms.as_ref().map(serde_json::to_string).transpose().map_err(|_| {
        StoreError::Unavailable("sqlite could not write the firms of a list".into())
    })?;
    let search = query.search();
    let (mut text, mut number, mut ean) = (None, None, None);
    match search {
        Some(Search::Text(t)) => text = Some(t.to_string()),
        Some(Search::Number(n)) => number = Some(n.to_string()),
        Some(Search::Ean(e)) => ean = Some(e.to_string()),
        None => {}
    }
    Ok([
        query.status.map(|s| s.as_str().to_string()),
        query.network_area.clone(),
        query.installation_type.clone(),
        firms,
        text,
        number,
        ean,
    ])
}

const FILTERS_SQL: &str = "(?3 IS NULL OR status = ?3) AND (?4 IS NULL OR network_area = ?4)
    AND (?5 IS NULL OR installation_type = ?5)
    AND (?6 IS NULL OR firm IN (SELECT value FROM json_each(?6)))
    AND (?7 IS NULL OR instr(search, ?7) > 0)
    AND (?9 IS NULL OR number_key = ?9) AND (?10 IS NULL OR ean = ?10)";

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
        if query.firms.as_ref().is_some_and(BTreeSet::is_empty) {
            return Ok(Page { items: Vec::new(), next: None });
        }
        // A whole number, a whole anläggnings-ID or the firms are looked up in their index;
        // anything else reads the inbox in order and filters. `inbox_key IS NOT NULL` is
        // spelled out so that the partial indexes apply.
        let (index, by_key) = match query.search() {
            Some(Search::Number(_)) => ("cases_by_number", "number_key = ?9"),
            Some(Search::Ean(_)) => ("cases_by_ean", "ean = ?10"),
            _ if query.firms.is_some() => {
                ("cases_by_company_firm", "firm IN (SELECT value FROM json_each(?6))")
            }
            _ => ("cases_by_company", "1"),
        };
        let sql = format!(
            "SELECT doc FROM cases INDEXED BY {index} WHERE company = ?1 AND {by_key}
                 AND inbox_key IS NOT NULL AND (?2 IS NULL OR inbox_key > ?2) AND {FILTERS_SQL}
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
        let mail = super::outbox::outbox_rows(outbox)?;
        self.write("update a case", move |tx| {
            let written = row.write(tx, Some(expected)).map_err(db_error("update a case"))?;
            // No row: changed by someone else since it was read, or gone.
            if !written {
                return Err(StoreError::VersionConflict);
            }
            super::outbox::insert_outbox(tx, mail)
        })
        .await
    }

    /// One page of `sql`, which takes the owner (?1), where to start (?2), the filters (?3 to
    /// ?7, ?9, ?10) and how many rows (?8).
    async fn list(
        &self,
        what: &'static str,
        sql: String,
        owner: &str,
        query: &CaseQuery,
        page: &PageRequest,
        key: fn(&Case) -> String,
    ) -> StoreResult<Page<Case>> {
        let [status, area, kind, firms, text, number, ean] = filter_params(query)?;
        let (owner, after, limit) = (owner.to_string(), page.after.clone(), page.limit);
        let more = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let cases: Vec<Case> = self
            .run(move |conn| {
                query_docs(
                    conn,
                    what,
                    &sql,
                    params![owner, after, status, area, kind, firms, text, more, number, ean],
                )
            })
            .await?;
        Ok(Page::from_items(cases, limit, key))
    }
}
