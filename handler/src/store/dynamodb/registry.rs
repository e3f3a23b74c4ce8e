//! The registry of installations in DynamoDB.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, Select, WriteRequest};
use forms::Installation;

use super::*;

pub(super) fn registry_key(company: &str, ean: &str) -> Item {
    HashMap::from([("PK".into(), s(format!("REG#{company}#EAN#{ean}"))), ("SK".into(), s("REG"))])
}

pub(super) fn registry_item(company: &str, row: &Installation) -> StoreResult<Item> {
    let ean = row.ean.as_str();
    let meter = row.meter_number.as_str();
    let mut item = registry_key(company, ean);
    item.insert("doc".into(), to_doc(row)?);
    // GSI1 lists a company's installations (to count them).
    item.insert("GSI1PK".into(), s(format!("REG#{company}")));
    item.insert("GSI1SK".into(), s(ean));
    if !meter.is_empty() {
        item.insert("GSI3PK".into(), s(format!("REG#{company}#METER#{meter}")));
        item.insert("GSI3SK".into(), s(ean));
    }
    Ok(item)
}

impl DynamoStore {
    /// The query of a company's installations on GSI1, the EAN as its sort key.
    pub(super) fn company_installations(
        &self,
        company: &str,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(format!("REG#{company}")))
    }
}

impl RegistryStore for DynamoStore {
    async fn put_installations(&self, company: &str, rows: &[Installation]) -> StoreResult<()> {
        // One batch may not name a key twice: the last row of an EAN wins, as in SQLite.
        let mut by_ean: BTreeMap<&str, &Installation> = BTreeMap::new();
        for row in rows {
            by_ean.insert(row.ean.as_str(), row);
        }
        let requests = by_ean
            .values()
            .map(|row| {
                let put = PutRequest::builder()
                    .set_item(Some(registry_item(company, row)?))
                    .build()
                    .map_err(|_| StoreError::Unavailable("could not build a put request".into()))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        // Not one transaction (DynamoDB has none this large); each item is written whole and
        // the import is idempotent, so a failed import is repaired by running it again.
        for chunk in requests.chunks(BATCH_SIZE) {
            self.put_batch(chunk.to_vec()).await?;
        }
        Ok(())
    }

    async fn installation_by_ean(
        &self,
        company: &str,
        ean: &str,
    ) -> StoreResult<Option<Installation>> {
        if ean.len() > MAX_NUMBER_BYTES {
            return Ok(None);
        }
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(registry_key(company, ean)))
            .send()
            .await
            .map_err(|e| unavailable("read an installation", &e))?;
        output.item().map(from_doc).transpose()
    }

    async fn installations_by_meter(
        &self,
        company: &str,
        meter_number: &str,
    ) -> StoreResult<Vec<Installation>> {
        let meter = meter_number;
        if meter.is_empty() || meter.len() > MAX_NUMBER_BYTES {
            return Ok(Vec::new());
        }
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI3")
            .key_condition_expression("GSI3PK = :pk")
            .expression_attribute_values(":pk", s(format!("REG#{company}#METER#{meter}")))
            .limit(2)
            .send()
            .await
            .map_err(|e| unavailable("read an installation", &e))?;
        output.items().iter().map(from_doc).collect()
    }

    async fn installation_count(&self, company: &str) -> StoreResult<u64> {
        let mut pages =
            self.company_installations(company).select(Select::Count).into_paginator().send();
        let mut count = 0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| unavailable("count installations", &e))?;
            count += u64::try_from(page.count()).unwrap_or_default();
        }
        Ok(count)
    }

    async fn remove_installations_except(
        &self,
        company: &str,
        keep: &BTreeSet<String>,
    ) -> StoreResult<u64> {
        let query = self.company_installations(company).projection_expression("GSI1SK");
        let mut pages = query.into_paginator().send();
        let mut gone = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| unavailable("list installations", &e))?;
            for item in page.items() {
                let ean = item.get("GSI1SK").and_then(|v| v.as_s().ok());
                if let Some(ean) = ean.filter(|ean| !keep.contains(*ean)) {
                    let delete = DeleteRequest::builder()
                        .set_key(Some(registry_key(company, ean)))
                        .build()
                        .map_err(|_| StoreError::Unavailable("could not build a delete".into()))?;
                    gone.push(WriteRequest::builder().delete_request(delete).build());
                }
            }
        }
        for chunk in gone.chunks(BATCH_SIZE) {
            self.put_batch(chunk.to_vec()).await?;
        }
        Ok(gone.len() as u64)
    }
}
