//! The network companies' versions of their definitions in SQLite: the versions, one pointer
//! per company to the published one, and the publications.

use std::collections::BTreeMap;

use rusqlite::params;

use super::audit::AuditRow;
use super::*;
use crate::store::{DefinitionStore, DefinitionVersion, Publication};

impl DefinitionStore for SqliteStore {
    async fn add_definition_version(&self, version: &DefinitionVersion) -> StoreResult<()> {
        let (company, number, doc) = (version.company.clone(), version.version, to_doc(version)?);
        let what = "store a definitions version";
        self.write(what, move |tx| {
            insert_new(
                tx,
                what,
                "INSERT INTO definition_versions (company, version, doc) VALUES (?1, ?2, ?3)",
                params![company, number, doc],
            )
        })
        .await
    }

    async fn definition_versions(&self, company: &str) -> StoreResult<Vec<DefinitionVersion>> {
        let company = company.to_string();
        self.run(move |conn| {
            query_docs(
                conn,
                "read definitions versions",
                "SELECT doc FROM definition_versions WHERE company = ?1 ORDER BY version",
                [company],
            )
        })
        .await
    }

    async fn definition_version(
        &self,
        company: &str,
        version: u32,
    ) -> StoreResult<Option<DefinitionVersion>> {
        let company = company.to_string();
        self.run(move |conn| {
            query_doc(
                conn,
                "read a definitions version",
                "SELECT doc FROM definition_versions WHERE company = ?1 AND version = ?2",
                params![company, version],
            )
        })
        .await
    }

    async fn publish_definitions(
        &self,
        publication: &Publication,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let what = "publish definitions";
        let audit = AuditRow::new(audit)?;
        let (company, at) = (publication.company.clone(), sortable_time(publication.at));
        let (version, previous, doc) =
            (publication.version, publication.previous, to_doc(publication)?);
        self.write(what, move |tx| {
            let published: Option<u32> = tx
                .query_row(
                    "SELECT version FROM definition_pointers WHERE company = ?1",
                    [&company],
                    |row| row.get(0),
                )
                .optional()
                .map_err(db_error(what))?;
            // Someone published meanwhile: the caller's view of what it replaces is stale.
            if published != previous {
                return Err(StoreError::VersionConflict);
            }
            tx.execute(
                "INSERT INTO definition_pointers (company, version) VALUES (?1, ?2)
                 ON CONFLICT (company) DO UPDATE SET version = excluded.version",
                params![company, version],
            )
            .map_err(db_error(what))?;
            insert_new(
                tx,
                what,
                "INSERT INTO definition_publications (company, at, version, doc)
                 VALUES (?1, ?2, ?3, ?4)",
                params![company, at, version, doc],
            )?;
            audit.insert(tx)
        })
        .await
    }

    async fn published_definitions(&self) -> StoreResult<BTreeMap<String, u32>> {
        let what = "read the published definitions";
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT company, version FROM definition_pointers")
                .map_err(db_error(what))?;
            let published = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(db_error(what))?
                .collect::<Result<_, _>>()
                .map_err(db_error(what))?;
            Ok(published)
        })
        .await
    }

    async fn definition_publications(&self, company: &str) -> StoreResult<Vec<Publication>> {
        let company = company.to_string();
        self.run(move |conn| {
            query_docs(
                conn,
                "read the publications of definitions",
                "SELECT doc FROM definition_publications WHERE company = ?1
                 ORDER BY at DESC, version DESC",
                [company],
            )
        })
        .await
    }
}
