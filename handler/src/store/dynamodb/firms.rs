//! The installer firms and their members in DynamoDB.
//!
//! - firm: PK `FIRMS`, SK `<id>`: every firm in one partition, read in one Query to find a firm
//!   by its name or organisation number (a few thousand firms are a few pages).
//! - member: PK `FIRM#<id>`, SK `MEMBER#<email>`.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::*;
use crate::store::{Firm, FirmMember, FirmStore};

const FIRMS: &str = "FIRMS";
/// BatchGetItem takes at most 100 keys.
const BATCH_GET_SIZE: usize = 100;

fn firm_key(id: &str) -> Item {
    HashMap::from([("PK".to_string(), s(FIRMS)), ("SK".to_string(), s(id))])
}

fn member_key(firm: &str, email: &str) -> Item {
    HashMap::from([
        ("PK".to_string(), s(format!("FIRM#{firm}"))),
        ("SK".to_string(), s(format!("MEMBER#{email}"))),
    ])
}

impl FirmStore for DynamoStore {
    async fn put_firm(&self, firm: &Firm) -> StoreResult<()> {
        let mut item = firm_key(&firm.id);
        item.insert("doc".into(), to_doc(firm)?);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| unavailable("store a firm", &e))?;
        Ok(())
    }

    async fn firms_by_id(&self, ids: &BTreeSet<String>) -> StoreResult<Vec<Firm>> {
        let what = "read firms";
        let mut found = Vec::new();
        for chunk in ids.iter().collect::<Vec<_>>().chunks(BATCH_GET_SIZE) {
            let mut keys: Vec<Item> = chunk.iter().map(|id| firm_key(id)).collect();
            for _ in 0..BATCH_TRIES {
                if keys.is_empty() {
                    break;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut keys)))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Unavailable(format!("could not build a read: {e}")))?;
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| unavailable(what, &e))?;
                for item in
                    output.responses().and_then(|r| r.get(&self.table)).into_iter().flatten()
                {
                    found.push(from_doc::<Firm>(item)?);
                }
                keys = output
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.table))
                    .map(|k| k.keys().to_vec())
                    .unwrap_or_default();
            }
            if !keys.is_empty() {
                return Err(StoreError::Unavailable(format!(
                    "dynamodb could not {what}: throttled"
                )));
            }
        }
        found.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(found)
    }

    async fn all_firms(&self) -> StoreResult<Vec<Firm>> {
        self.partition_docs("read firms", FIRMS.to_string()).await
    }

    async fn firm_membership(
        &self,
        firm: &str,
        email: Option<&str>,
    ) -> StoreResult<Option<(Firm, bool)>> {
        let what = "read a firm's membership";
        // Both at once: one round trip's time.
        let member = async {
            match email {
                None => Ok(None),
                Some(email) => self.get_doc::<FirmMember>(what, member_key(firm, email)).await,
            }
        };
        let (found, member) = tokio::join!(self.get_doc::<Firm>(what, firm_key(firm)), member);
        let member = member?.is_some();
        Ok(found?.map(|found| (found, member)))
    }

    async fn firm_members(&self, firm: &str) -> StoreResult<Vec<FirmMember>> {
        let query = self
            .client
            .query()
            .key_condition_expression("PK = :pk AND begins_with(SK, :member)")
            .expression_attribute_values(":pk", s(format!("FIRM#{firm}")))
            .expression_attribute_values(":member", s("MEMBER#"));
        self.all_items("read a firm's members", query).await?.iter().map(from_doc).collect()
    }

    async fn add_firm_member(&self, member: &FirmMember) -> StoreResult<()> {
        let mut item = member_key(&member.firm, &member.email);
        item.insert("doc".into(), to_doc(member)?);
        self.put_if(
            "add a firm member",
            item,
            "attribute_not_exists(PK)",
            &[],
            StoreError::AlreadyExists,
        )
        .await
    }

    async fn remove_firm_member(&self, firm: &str, email: &str) -> StoreResult<bool> {
        self.delete_existing("remove a firm member", member_key(firm, email)).await
    }
}
