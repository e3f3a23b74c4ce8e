//! The companies' webhooks and their deliveries in SQLite.

use rusqlite::params;

use super::*;
use crate::store::{DELIVERIES_KEPT, Webhook, WebhookDelivery, WebhookStore};

impl WebhookStore for SqliteStore {
    async fn put_webhook(&self, webhook: &Webhook, outbox: &[Notification]) -> StoreResult<()> {
        let (company, id) = (webhook.company.clone(), webhook.id.clone());
        let version = version_param(webhook.version)?;
        let doc = to_doc(webhook)?;
        let mail = super::outbox::outbox_rows(outbox)?;
        let what = "store a webhook";
        self.write(what, move |tx| {
            if version == 1 {
                insert_new(
                    tx,
                    what,
                    "INSERT INTO webhooks (company, id, version, doc) VALUES (?1, ?2, ?3, ?4)",
                    params![company, id, version, doc],
                )?;
            } else {
                let changed = tx
                    .execute(
                        "UPDATE webhooks SET version = ?3, doc = ?4
                         WHERE company = ?1 AND id = ?2 AND version = ?3 - 1",
                        params![company, id, version, doc],
                    )
                    .map_err(db_error(what))?;
                if changed == 0 {
                    return Err(StoreError::VersionConflict);
                }
            }
            super::outbox::insert_outbox(tx, mail)
        })
        .await
    }

    async fn company_webhooks(&self, company: &str) -> StoreResult<Vec<Webhook>> {
        let company = company.to_string();
        self.run(move |conn| {
            query_docs(
                conn,
                "read the webhooks",
                "SELECT doc FROM webhooks WHERE company = ?1 ORDER BY id",
                [company],
            )
        })
        .await
    }

    async fn webhook(&self, company: &str, id: &str) -> StoreResult<Option<Webhook>> {
        let (company, id) = (company.to_string(), id.to_string());
        self.run(move |conn| {
            query_doc(
                conn,
                "read a webhook",
                "SELECT doc FROM webhooks WHERE company = ?1 AND id = ?2",
                [company, id],
            )
        })
        .await
    }

    async fn remove_webhook(&self, company: &str, id: &str) -> StoreResult<bool> {
        let (company, id) = (company.to_string(), id.to_string());
        let what = "remove a webhook";
        self.write(what, move |tx| {
            let removed = tx
                .execute("DELETE FROM webhooks WHERE company = ?1 AND id = ?2", [&company, &id])
                .map_err(db_error(what))?;
            if removed > 0 {
                tx.execute("DELETE FROM webhook_deliveries WHERE webhook = ?1", [&id])
                    .map_err(db_error(what))?;
            }
            Ok(removed > 0)
        })
        .await
    }

    async fn record_webhook_delivery(&self, delivery: &WebhookDelivery) -> StoreResult<()> {
        let (webhook, key) = (delivery.webhook.clone(), delivery.list_key());
        let (at, forget) =
            (sortable_time(delivery.at), sortable_time(delivery.at - DELIVERIES_KEPT));
        let doc = to_doc(delivery)?;
        let what = "record a webhook delivery";
        self.write(what, move |tx| {
            tx.execute(
                "INSERT OR REPLACE INTO webhook_deliveries (webhook, list_key, at, doc)
                 VALUES (?1, ?2, ?3, ?4)",
                params![webhook, key, at, doc],
            )
            .map_err(db_error(what))?;
            // What DynamoDB's TTL does there.
            tx.execute(
                "DELETE FROM webhook_deliveries WHERE webhook = ?1 AND at < ?2",
                params![webhook, forget],
            )
            .map_err(db_error(what))?;
            Ok(())
        })
        .await
    }

    async fn webhook_deliveries(
        &self,
        webhook: &str,
        limit: usize,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        let (webhook, limit) = (webhook.to_string(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.run(move |conn| {
            query_docs(
                conn,
                "read a webhook's deliveries",
                "SELECT doc FROM webhook_deliveries WHERE webhook = ?1
                 ORDER BY list_key DESC LIMIT ?2",
                params![webhook, limit],
            )
        })
        .await
    }
}
