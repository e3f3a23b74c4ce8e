//! The audit log of lookups and the counters of capped uses in SQLite.

use forms::Case;
use rusqlite::params;
use time::OffsetDateTime;

use super::cases::CaseRow;
use super::*;

/// An audit entry as its row: company, time, id and document.
pub(super) struct AuditRow([String; 4]);

impl AuditRow {
    pub(super) fn new(entry: &AuditEntry) -> StoreResult<AuditRow> {
        let (company, at, id) = (entry.company.clone(), sortable_time(entry.at), entry.id.clone());
        Ok(AuditRow([company, at, id, to_doc(entry)?]))
    }

    /// Appends the entry: the audit log is append-only, an entry is never replaced.
    pub(super) fn insert(&self, tx: &rusqlite::Transaction<'_>) -> StoreResult<()> {
        let sql = "INSERT INTO audit (company, at, id, doc) VALUES (?1, ?2, ?3, ?4)";
        insert_new(tx, "record an audit entry", sql, rusqlite::params_from_iter(&self.0))
    }
}

/// Counts one use of `key`, whose counter expires at `expires_at` if this is its first use:
/// `CapReached(0)` when that makes it more than `cap`, and the caller rolls the transaction
/// back, so the use is not counted.
pub(super) fn count_use(
    tx: &rusqlite::Transaction<'_>,
    key: &str,
    cap: i64,
    expires_at: &str,
) -> StoreResult<()> {
    let count: i64 = tx
        .query_row(
            "INSERT INTO usage_counters (key, count, expires_at) VALUES (?1, 1, ?2)
             ON CONFLICT (key) DO UPDATE SET count = count + 1
             RETURNING count",
            [key, expires_at],
            |row| row.get(0),
        )
        .map_err(db_error("count a use"))?;
    if count > cap { Err(StoreError::CapReached(0)) } else { Ok(()) }
}

/// Forgets the counters whose lifetime is over (lazily, on the next write that counts; the
/// index keeps this cheap).
pub(super) fn forget_expired_counters(
    tx: &rusqlite::Transaction<'_>,
    now: &str,
) -> StoreResult<()> {
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
                count_use(tx, key, *cap, expires_at).map_err(|e| match e {
                    StoreError::CapReached(_) => StoreError::CapReached(index),
                    e => e,
                })?;
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
