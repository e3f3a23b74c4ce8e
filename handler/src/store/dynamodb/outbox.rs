//! The outbox of e-mails in DynamoDB.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::*;

/// The outbox is one partition, oldest first: a few thousand e-mails a day at the most.
pub(super) fn outbox_item(notification: &Notification) -> StoreResult<Item> {
    let mut item = HashMap::from([
        ("PK".to_string(), s("OUTBOX")),
        ("SK".to_string(), s(notification.list_key())),
        ("retry_at".to_string(), s(sortable_time(notification.retry_at))),
    ]);
    if let Some(case_id) = &notification.case_id {
        item.insert("case_id".into(), s(case_id));
    }
    item.insert("doc".into(), to_doc(notification)?);
    Ok(item)
}

impl DynamoStore {
    /// Up to `limit` e-mails of the outbox that match `filter` (naming `:value`), all pages read.
    pub(super) async fn outbox_where(
        &self,
        filter: &str,
        value: String,
        limit: usize,
    ) -> StoreResult<Vec<Notification>> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .filter_expression(filter)
                .expression_attribute_values(":pk", s("OUTBOX"))
                .expression_attribute_values(":value", s(value.clone()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| unavailable("read the outbox", &e))?;
            for item in output.items() {
                found.push(from_doc::<Notification>(item)?);
            }
            start = output.last_evaluated_key().cloned();
            if start.is_none() || found.len() >= limit {
                found.truncate(limit);
                return Ok(found);
            }
        }
    }
}

impl OutboxStore for DynamoStore {
    async fn due_notifications(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Notification>> {
        self.outbox_where("retry_at <= :value", sortable_time(now), limit).await
    }

    async fn notification_sent(&self, notification: &Notification) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("PK", s("OUTBOX"))
            .key("SK", s(notification.list_key()))
            .send()
            .await
            .map_err(|e| unavailable("empty the outbox", &e))?;
        Ok(())
    }

    async fn notification_failed(&self, notification: &Notification) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(outbox_item(notification)?))
            .send()
            .await
            .map_err(|e| unavailable("keep an e-mail for later", &e))?;
        Ok(())
    }

    async fn case_notifications(&self, case_id: &str) -> StoreResult<Vec<Notification>> {
        self.outbox_where("case_id = :value", case_id.to_string(), usize::MAX).await
    }

    async fn rewrite_notification(&self, notification: &Notification) -> StoreResult<()> {
        let item = outbox_item(notification)?;
        let what = "rewrite an e-mail";
        match self
            .put_if(what, item, "attribute_exists(PK)", &[], StoreError::VersionConflict)
            .await
        {
            // Sent meanwhile: it stays gone.
            Err(StoreError::VersionConflict) => Ok(()),
            done => done,
        }
    }
}
