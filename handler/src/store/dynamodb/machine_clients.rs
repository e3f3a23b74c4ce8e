//! The machine clients in DynamoDB, two items a client written and removed together:
//!
//! - PK `CLIENT#<id>`, SK `CLIENT`: what every request of the client reads, by its id;
//! - PK `CLIENTS#<role>#<org>`, SK `<id>`: the firm's or company's list.

use std::collections::HashMap;

use super::*;
use crate::store::{MachineClient, MachineClientStore, machine_client_org};

fn client_key(id: &str) -> Item {
    HashMap::from([("PK".to_string(), s(format!("CLIENT#{id}"))), ("SK".to_string(), s("CLIENT"))])
}

fn list_key(client: &MachineClient) -> Item {
    HashMap::from([
        ("PK".to_string(), s(format!("CLIENTS#{}", machine_client_org(client.role, &client.org)))),
        ("SK".to_string(), s(&client.id)),
    ])
}

fn with_doc(mut key: Item, client: &MachineClient) -> StoreResult<Item> {
    key.insert("doc".into(), to_doc(client)?);
    Ok(key)
}

impl MachineClientStore for DynamoStore {
    async fn put_machine_client(&self, client: &MachineClient) -> StoreResult<()> {
        let new = Some("attribute_not_exists(PK)");
        let items = vec![
            self.put_item_if(with_doc(client_key(&client.id), client)?, new, &[])?,
            self.put_item_if(with_doc(list_key(client), client)?, new, &[])?,
        ];
        match self.transact("store a machine client", items).await? {
            None => Ok(()),
            Some(_) => Err(StoreError::AlreadyExists),
        }
    }

    async fn machine_client(&self, id: &str) -> StoreResult<Option<MachineClient>> {
        // Cognito's ids are 26 characters; anything much longer is none of ours.
        if id.is_empty() || id.len() > 128 {
            return Ok(None);
        }
        self.get_doc("read a machine client", client_key(id)).await
    }

    async fn machine_clients(
        &self,
        role: forms::Role,
        org: &str,
    ) -> StoreResult<Vec<MachineClient>> {
        let pk = format!("CLIENTS#{}", machine_client_org(role, org));
        self.partition_docs("read machine clients", pk).await
    }

    async fn remove_machine_client(&self, id: &str) -> StoreResult<bool> {
        let Some(client) = self.machine_client(id).await? else {
            return Ok(false);
        };
        let items = vec![self.delete_link(client_key(id))?, self.delete_link(list_key(&client))?];
        self.transact("remove a machine client", items).await?;
        Ok(true)
    }
}
