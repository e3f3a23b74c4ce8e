//! The cases' customer links in DynamoDB: two items a link, both with `ttl` = its expiry, so
//! that DynamoDB removes an expired link by itself.
//!
//! - PK `LINK#<token hash>`, SK `LINK`: what the public read gets by the token's hash;
//! - PK `CASE#<case id>`, SK `LINK`, `token_hash`: which link the case has, to replace or
//!   revoke it.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use time::OffsetDateTime;

use super::*;
use crate::store::{CustomerLink, CustomerLinkStore};

fn link_key(token_hash: &str) -> Item {
    HashMap::from([
        ("PK".to_string(), s(format!("LINK#{token_hash}"))),
        ("SK".to_string(), s("LINK")),
    ])
}

fn case_link_key(case_id: &str) -> Item {
    HashMap::from([("PK".to_string(), s(format!("CASE#{case_id}"))), ("SK".to_string(), s("LINK"))])
}

fn with_doc(mut key: Item, link: &CustomerLink) -> StoreResult<Item> {
    key.insert("doc".into(), to_doc(link)?);
    key.insert("token_hash".into(), s(&link.token_hash));
    key.insert("ttl".into(), n(link.expires_at.unix_timestamp()));
    Ok(key)
}

impl DynamoStore {
    pub(super) fn delete_link(&self, key: Item) -> StoreResult<TransactWriteItem> {
        let delete =
            Delete::builder().table_name(&self.table).set_key(Some(key)).build().map_err(|e| {
                StoreError::Unavailable(format!("could not build a transaction: {e}"))
            })?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}

/// The case's item of its link is written only if it still names the link read before (none:
/// there was none), so that two replacements at once cannot leave a link behind.
fn unchanged(before: &Option<CustomerLink>) -> (&'static str, Vec<(&'static str, AttributeValue)>) {
    match before {
        None => ("attribute_not_exists(PK)", Vec::new()),
        Some(old) => ("token_hash = :old", vec![(":old", s(&old.token_hash))]),
    }
}

impl CustomerLinkStore for DynamoStore {
    async fn put_customer_link(&self, link: &CustomerLink) -> StoreResult<()> {
        let before = self.case_customer_link(&link.case_id).await?;
        let (condition, values) = unchanged(&before);
        let mut items = vec![
            self.put_item_if(
                with_doc(case_link_key(&link.case_id), link)?,
                Some(condition),
                &values,
            )?,
            self.put_item_if(with_doc(link_key(&link.token_hash), link)?, None, &[])?,
        ];
        if let Some(old) = before.filter(|old| old.token_hash != link.token_hash) {
            items.push(self.delete_link(link_key(&old.token_hash))?);
        }
        match self.transact("store a customer link", items).await? {
            None => Ok(()),
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    async fn customer_link(&self, token_hash: &str) -> StoreResult<Option<CustomerLink>> {
        // A hash is 43 characters; anything else is no link of ours (and no key for DynamoDB).
        if token_hash.len() > 64 {
            return Ok(None);
        }
        self.get_doc("read a customer link", link_key(token_hash)).await
    }

    async fn case_customer_link(&self, case_id: &str) -> StoreResult<Option<CustomerLink>> {
        self.get_doc("read a customer link", case_link_key(case_id)).await
    }

    async fn remove_customer_link(&self, case_id: &str) -> StoreResult<()> {
        let Some(old) = self.case_customer_link(case_id).await? else {
            return Ok(());
        };
        let items = vec![
            self.delete_link(link_key(&old.token_hash))?,
            self.delete_link(case_link_key(case_id))?,
        ];
        self.transact("remove a customer link", items).await?;
        Ok(())
    }

    async fn count_use(&self, used: &CappedUse) -> StoreResult<()> {
        let items = vec![self.counted_use(used, OffsetDateTime::now_utc())?];
        match self.transact("count a use", items).await? {
            None => Ok(()),
            Some(_) => Err(StoreError::CapReached(0)),
        }
    }
}
