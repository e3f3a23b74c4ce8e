//! The network companies' versions of their definitions in DynamoDB.
//!
//! - version: PK `DEFS#<company>`, SK `VERSION#<version, 10 digits>` (its text is at most the
//!   body limit, 64 KiB: far from an item's 400 KB, even escaped in JSON).
//! - publication: PK `DEFS#<company>`, SK `PUBLISHED#<at>#<version, 10 digits>`.
//! - pointer to the published version: PK `DEFS#POINTERS`, SK `<company>`, `version`: every
//!   company's in one partition, so that a server reads them all in one Query.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::audit::{NEW_ITEM, audit_item};
use super::*;
use crate::store::{DefinitionStore, DefinitionVersion, Publication};

const POINTERS: &str = "DEFS#POINTERS";

fn definitions_partition(company: &str) -> String {
    format!("DEFS#{company}")
}

/// Zero-padded, so that string order is number order (u32 has at most 10 digits).
fn version_key(version: u32) -> String {
    format!("VERSION#{version:010}")
}

fn definitions_item(company: &str, sort_key: String, doc: AttributeValue) -> Item {
    HashMap::from([
        ("PK".to_string(), s(definitions_partition(company))),
        ("SK".to_string(), s(sort_key)),
        ("doc".to_string(), doc),
    ])
}

impl DynamoStore {
    /// Every item `query` finds, all pages read.
    pub(super) async fn all_items(
        &self,
        what: &str,
        query: QueryFluentBuilder,
    ) -> StoreResult<Vec<Item>> {
        let mut pages = query.table_name(&self.table).consistent_read(true).into_paginator().send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            found.extend(page.map_err(|e| unavailable(what, &e))?.items.unwrap_or_default());
        }
        Ok(found)
    }

    /// The documents of the company's definitions partition whose SK begins with `prefix`, in
    /// SK order (`forward`) or the reverse.
    async fn definitions_query<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        company: &str,
        prefix: &str,
        forward: bool,
    ) -> StoreResult<Vec<T>> {
        let query = self
            .client
            .query()
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(definitions_partition(company)))
            .expression_attribute_values(":prefix", s(prefix))
            .scan_index_forward(forward);
        self.all_items(what, query).await?.iter().map(from_doc).collect()
    }
}

impl DefinitionStore for DynamoStore {
    async fn add_definition_version(&self, version: &DefinitionVersion) -> StoreResult<()> {
        let item =
            definitions_item(&version.company, version_key(version.version), to_doc(version)?);
        let what = "store a definitions version";
        self.put_if(what, item, NEW_ITEM, &[], StoreError::AlreadyExists).await
    }

    async fn definition_versions(&self, company: &str) -> StoreResult<Vec<DefinitionVersion>> {
        self.definitions_query("read definitions versions", company, "VERSION#", true).await
    }

    async fn definition_version(
        &self,
        company: &str,
        version: u32,
    ) -> StoreResult<Option<DefinitionVersion>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(definitions_partition(company)))
            .key("SK", s(version_key(version)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("read a definitions version", &e))?;
        output.item().map(from_doc).transpose()
    }

    async fn publish_definitions(
        &self,
        publication: &Publication,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let company = &publication.company;
        let pointer = HashMap::from([
            ("PK".to_string(), s(POINTERS)),
            ("SK".to_string(), s(company)),
            ("version".to_string(), n(publication.version)),
        ]);
        // Only over the pointer the caller saw: none, or the version it names.
        let previous = publication.previous.map(|previous| [(":previous", n(previous))]);
        let pointer = match &previous {
            None => self.put_item_if(pointer, Some(NEW_ITEM), &[])?,
            Some(values) => self.put_item_if(pointer, Some("version = :previous"), values)?,
        };
        let sort_key =
            format!("PUBLISHED#{}#{:010}", sortable_time(publication.at), publication.version);
        let record = definitions_item(company, sort_key, to_doc(publication)?);
        let items = vec![
            pointer,
            self.put_item_if(record, Some(NEW_ITEM), &[])?,
            self.put_item_if(audit_item(audit)?, Some(NEW_ITEM), &[])?,
        ];
        match self.transact("publish definitions", items).await? {
            None => Ok(()),
            Some(0) => Err(StoreError::VersionConflict),
            Some(_) => Err(StoreError::AlreadyExists),
        }
    }

    async fn published_definitions(&self) -> StoreResult<BTreeMap<String, u32>> {
        let what = "read the published definitions";
        let query = self
            .client
            .query()
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(POINTERS));
        let pointers = self.all_items(what, query).await?;
        pointers
            .iter()
            .map(|item| {
                let company = item.get("SK").and_then(|v| v.as_s().ok());
                let version = item.get("version").and_then(|v| v.as_n().ok());
                match (company, version.map(|v| v.parse())) {
                    (Some(company), Some(Ok(version))) => Ok((company.clone(), version)),
                    _ => Err(StoreError::Corrupt(
                        "definitions pointer: no SK of type S or version of type N".into(),
                    )),
                }
            })
            .collect()
    }

    async fn definition_publications(&self, company: &str) -> StoreResult<Vec<Publication>> {
        let what = "read the publications of definitions";
        self.definitions_query(what, company, "PUBLISHED#", false).await
    }
}
