//! Table administration: what `handler create-table` makes (keys, indexes, TTL). Apart from the
//! store, which only reads and writes items.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};

/// Creates the table with its four indexes and waits until it and they are ACTIVE; also
/// switches on TTL on `ttl`. A table that exists already is left as it is (only waited for).
/// The error is an operator-facing message.
pub async fn create_table(client: &Client, table: &str) -> Result<(), String> {
    let string_attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| e.to_string())
    };
    let key = |name: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .map_err(|e| e.to_string())
    };
    let gsi = |name: &str| -> Result<GlobalSecondaryIndex, String> {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(&format!("{name}PK"), KeyType::Hash)?)
            .key_schema(key(&format!("{name}SK"), KeyType::Range)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(|e| e.to_string())
    };

    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash)?)
        .key_schema(key("SK", KeyType::Range)?);
    for name in ["PK", "SK"] {
        request = request.attribute_definitions(string_attribute(name)?);
    }
    for name in ["GSI1", "GSI2", "GSI3", "GSI4"] {
        request = request.attribute_definitions(string_attribute(&format!("{name}PK"))?);
        request = request.attribute_definitions(string_attribute(&format!("{name}SK"))?);
    }
    for name in ["GSI1", "GSI2", "GSI3", "GSI4"] {
        request = request.global_secondary_indexes(gsi(name)?);
    }
    let created = match request.send().await {
        Ok(_) => true,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => false,
        Err(e) => {
            return Err(format!("could not create table {table}: {}", DisplayErrorContext(&e)));
        }
    };
    wait_until_active(client, table).await?;
    if created {
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name("ttl")
                    .build()
                    .map_err(|e| e.to_string())?,
            )
            .send()
            .await
            .map_err(|e| {
                format!("could not enable TTL on table {table}: {}", DisplayErrorContext(&e))
            })?;
    }
    Ok(())
}

/// Polls until the table and all its indexes are ACTIVE (bounded: about two minutes).
async fn wait_until_active(client: &Client, table: &str) -> Result<(), String> {
    for _ in 0..240 {
        let described = client.describe_table().table_name(table).send().await.map_err(|e| {
            format!("could not describe table {table}: {}", DisplayErrorContext(&e))
        })?;
        if let Some(description) = described.table() {
            let table_active = description.table_status() == Some(&TableStatus::Active);
            let indexes_active = description
                .global_secondary_indexes()
                .iter()
                .all(|index| index.index_status() == Some(&IndexStatus::Active));
            if table_active && indexes_active {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("table {table} did not become ACTIVE in time"))
}
