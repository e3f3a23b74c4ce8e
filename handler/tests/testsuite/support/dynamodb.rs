//! DynamoDB Local for tests: a client from the environment that `scripts/dynamodb-local.sh
//! start` prints, and a fresh table per test. Without that environment the test fails (it is
//! never skipped: a green run must mean DynamoDB was tested).

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use handler::store::dynamodb::{DynamoStore, create_table};

pub const NOT_RUNNING: &str = "DynamoDB Local is not running: run scripts/test (or \
                               scripts/dynamodb-local.sh start and export the variables it prints)";

/// A client for DynamoDB Local. Build one per test: a client keeps connections that belong to
/// the tokio runtime it was first used on, and every `#[tokio::test]` has its own.
pub async fn local_client() -> Client {
    match std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
        Ok(endpoint) if !endpoint.trim().is_empty() => {}
        _ => panic!("{NOT_RUNNING}"),
    }
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    Client::new(&config)
}

/// A new, empty table named after `test` plus a random suffix, and a client for it.
pub async fn fresh_table(test: &str) -> (Client, String) {
    let client = local_client().await;
    let table = format!("{test}-{}", uuid::Uuid::new_v4().simple());
    if let Err(e) = create_table(&client, &table).await {
        panic!("{NOT_RUNNING}\n(creating table {table} failed: {e})");
    }
    (client, table)
}

/// A store on a fresh table (see [`fresh_table`]).
pub async fn fresh_store(test: &str) -> DynamoStore {
    let (client, table) = fresh_table(test).await;
    DynamoStore::new(client, table)
}
