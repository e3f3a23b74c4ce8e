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
