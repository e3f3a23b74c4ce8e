//! The cases' customer links in SQLite: one row a case, found by its token's hash.

use rusqlite::params;
use time::OffsetDateTime;

use super::audit::{count_use, forget_expired_counters};
use super::*;
use crate::store::{CustomerLink, CustomerLinkStore};

impl CustomerLinkStore for SqliteStore {
    async fn put_customer_link(&self, link: &CustomerLink) -> StoreResult<()> {
        let (case_id, hash, doc) = (link.case_id.clone(), link.token_hash.clone(), to_doc(link)?);
        self.write("store a customer link", move |tx| {
            tx.execute(
                "INSERT INTO customer_links (case_id, token_hash, doc) VALUES (?1, ?2, ?3)
                 ON CONFLICT (case_id) DO UPDATE SET token_hash = ?2, doc = ?3",
                params![case_id, hash, doc],
            )
            .map_err(db_error("store a customer link"))?;
            Ok(())
        })
        .await
    }

    async fn customer_link(&self, token_hash: &str) -> StoreResult<Option<CustomerLink>> {
        let hash = token_hash.to_string();
        self.run(move |conn| {
            query_doc(
                conn,
                "read a customer link",
                "SELECT doc FROM customer_links WHERE token_hash = ?1",
                [hash],
            )
        })
        .await
    }

    async fn case_customer_link(&self, case_id: &str) -> StoreResult<Option<CustomerLink>> {
        let case_id = case_id.to_string();
        self.run(move |conn| {
            query_doc(
                conn,
                "read a customer link",
                "SELECT doc FROM customer_links WHERE case_id = ?1",
                [case_id],
            )
        })
        .await
    }

    async fn remove_customer_link(&self, case_id: &str) -> StoreResult<()> {
        let case_id = case_id.to_string();
        self.write("remove a customer link", move |tx| {
            tx.execute("DELETE FROM customer_links WHERE case_id = ?1", [case_id])
                .map_err(db_error("remove a customer link"))?;
            Ok(())
        })
        .await
    }

    async fn count_use(&self, used: &CappedUse) -> StoreResult<()> {
        let now = OffsetDateTime::now_utc();
        let (key, cap) = (used.key.clone(), i64::try_from(used.cap).unwrap_or(i64::MAX));
        let (now, expires_at) = (sortable_time(now), sortable_time(now + used.lifetime));
        self.write("count a use", move |tx| {
            forget_expired_counters(tx, &now)?;
            count_use(tx, &key, cap, &expires_at)
        })
        .await
    }
}
