//! The network companies' versions of their definitions in dynamodb (placeholder until the adapter
//! lands in this branch of work).

use super::*;
use crate::store::{AuditEntry, DefinitionStore, DefinitionVersion, Publication};

impl DefinitionStore for DynamoStore {
    async fn add_definition_version(&self, _version: &DefinitionVersion) -> StoreResult<()> {
        Err(StoreError::Unavailable("definition versions: not built yet".into()))
    }

    async fn definition_versions(&self, _company: &str) -> StoreResult<Vec<DefinitionVersion>> {
        Ok(Vec::new())
    }

    async fn definition_version(
        &self,
        _company: &str,
        _version: u32,
    ) -> StoreResult<Option<DefinitionVersion>> {
        Ok(None)
    }

    async fn publish_definitions(
        &self,
        _publication: &Publication,
        _audit: &AuditEntry,
    ) -> StoreResult<()> {
        Err(StoreError::Unavailable("definition versions: not built yet".into()))
    }

    async fn published_definitions(&self) -> StoreResult<std::collections::BTreeMap<String, u32>> {
        Ok(Default::default())
    }

    async fn definition_publications(&self, _company: &str) -> StoreResult<Vec<Publication>> {
        Ok(Vec::new())
    }
}
