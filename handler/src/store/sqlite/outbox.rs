//! The outbox of e-mails in SQLite.

use rusqlite::params;
use time::OffsetDateTime;

use super::*;

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

/// An outbox row: id, list key, `retry_at`, document.
pub(super) type OutboxRow = (String, String, String, String);

/// The rows of `outbox`, made before a write takes the connection.
pub(super) fn outbox_rows(outbox: &[Notification]) -> StoreResult<Vec<OutboxRow>> {
    outbox
        .iter()
        .map(|n| Ok((n.id.clone(), n.list_key(), sortable_time(n.retry_at), to_doc(n)?)))
        .collect()
}

/// Puts `rows` in the outbox, in the caller's transaction.
pub(super) fn insert_outbox(
    tx: &rusqlite::Transaction<'_>,
    rows: Vec<OutboxRow>,
) -> StoreResult<()> {
    for (id, key, retry_at, doc) in rows {
        tx.execute(
            "INSERT INTO outbox (id, list_key, retry_at, doc) VALUES (?1, ?2, ?3, ?4)",
            params![id, key, retry_at, doc],
        )
        .map_err(db_error("put e-mails in the outbox"))?;
    }
    Ok(())
}
