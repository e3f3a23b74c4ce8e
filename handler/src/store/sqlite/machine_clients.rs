//! The machine clients in SQLite: one row a client, listed by its firm or company.

use rusqlite::params;

use super::*;
use crate::store::{MachineClient, MachineClientStore, machine_client_org};

impl MachineClientStore for SqliteStore {
    async fn put_machine_client(&self, client: &MachineClient) -> StoreResult<()> {
        let (id, org, doc) =
            (client.id.clone(), machine_client_org(client.role, &client.org), to_doc(client)?);
        self.write("store a machine client", move |tx| {
            insert_new(
                tx,
                "store a machine client",
                "INSERT INTO machine_clients (id, org, doc) VALUES (?1, ?2, ?3)",
                params![id, org, doc],
            )
        })
        .await
    }

    async fn machine_client(&self, id: &str) -> StoreResult<Option<MachineClient>> {
        let id = id.to_string();
        self.run(move |conn| {
            query_doc(
                conn,
                "read a machine client",
                "SELECT doc FROM machine_clients WHERE id = ?1",
                [id],
            )
        })
        .await
    }

    async fn machine_clients(
        &self,
        role: forms::Role,
        org: &str,
    ) -> StoreResult<Vec<MachineClient>> {
        let org = machine_client_org(role, org);
        self.run(move |conn| {
            query_docs(
                conn,
                "read machine clients",
                "SELECT doc FROM machine_clients WHERE org = ?1 ORDER BY id",
                [org],
            )
        })
        .await
    }

    async fn remove_machine_client(&self, id: &str) -> StoreResult<bool> {
        let id = id.to_string();
        self.write("remove a machine client", move |tx| {
            let removed = tx
                .execute("DELETE FROM machine_clients WHERE id = ?1", [id])
                .map_err(db_error("remove a machine client"))?;
            Ok(removed > 0)
        })
        .await
    }
}
