//! The companies' webhooks and their deliveries in DynamoDB.
//!
//! - webhook: PK `WEBHOOKS#<company>`, SK `<id>`, `version` (a company's few in one partition).
//! - delivery: PK `WEBHOOK#<id>`, SK the delivery's list key, `ttl` = at + 30 days (what a
//!   removed webhook leaves goes with the TTL).

use std::collections::HashMap;

use super::*;
use crate::store::{DELIVERIES_KEPT, Webhook, WebhookDelivery, WebhookStore};

fn webhook_key(company: &str, id: &str) -> Item {
    HashMap::from([("PK".to_string(), s(format!("WEBHOOKS#{company}"))), ("SK".to_string(), s(id))])
}

impl WebhookStore for DynamoStore {
    async fn put_webhook(&self, webhook: &Webhook, outbox: &[Notification]) -> StoreResult<()> {
        let mut item = webhook_key(&webhook.company, &webhook.id);
        item.insert("version".into(), n(webhook.version));
        item.insert("doc".into(), to_doc(webhook)?);
        let (condition, refused) = if webhook.version == 1 {
            ("attribute_not_exists(PK)", StoreError::AlreadyExists)
        } else {
            ("version = :expected", StoreError::VersionConflict)
        };
        let expected = [(":expected", n(webhook.version.saturating_sub(1)))];
        let values: &[(&str, AttributeValue)] = if webhook.version == 1 { &[] } else { &expected };
        let what = "store a webhook";
        if outbox.is_empty() {
            return self.put_if(what, item, condition, values, refused).await;
        }
        let mut items = vec![self.put_item_if(item, Some(condition), values)?];
        for notification in outbox {
            items.push(self.put_item_if(outbox_item(notification)?, None, &[])?);
        }
        match self.transact(what, items).await? {
            None => Ok(()),
            Some(_) => Err(refused),
        }
    }

    async fn company_webhooks(&self, company: &str) -> StoreResult<Vec<Webhook>> {
        self.partition_docs("read the webhooks", format!("WEBHOOKS#{company}")).await
    }

    async fn webhook(&self, company: &str, id: &str) -> StoreResult<Option<Webhook>> {
        self.get_doc("read a webhook", webhook_key(company, id)).await
    }

    async fn remove_webhook(&self, company: &str, id: &str) -> StoreResult<bool> {
        self.delete_existing("remove a webhook", webhook_key(company, id)).await
    }

    async fn record_webhook_delivery(&self, delivery: &WebhookDelivery) -> StoreResult<()> {
        let item = HashMap::from([
            ("PK".to_string(), s(format!("WEBHOOK#{}", delivery.webhook))),
            ("SK".to_string(), s(delivery.list_key())),
            ("ttl".to_string(), n((delivery.at + DELIVERIES_KEPT).unix_timestamp())),
            ("doc".to_string(), to_doc(delivery)?),
        ]);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| unavailable("record a webhook delivery", &e))?;
        Ok(())
    }

    async fn webhook_deliveries(
        &self,
        webhook: &str,
        limit: usize,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(format!("WEBHOOK#{webhook}")))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| unavailable("read a webhook's deliveries", &e))?;
        output.items().iter().map(from_doc).collect()
    }
}
