//! One contract for every store: each test in these modules is written once, generic over
//! `Store`, and run against SQLite (a file in a temp dir) and DynamoDB Local (a fresh table per
//! test).

/// Stamps out one test per contract function and store.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let store =
                        handler::store::sqlite::SqliteStore::open(&dir.path().join("store.db"))
                            .unwrap();
                    super::$name(&store).await;
                }
            )*
        }

        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let store = crate::support::dynamodb::fresh_store(stringify!($name)).await;
                    super::$name(&store).await;
                }
            )*
        }
    };
}

/// Every page of a list, `limit` at a time, each page checked to be no longer than `limit`.
async fn all_pages<T>(
    limit: usize,
    mut page: impl AsyncFnMut(&handler::store::PageRequest) -> handler::store::Page<T>,
) -> Vec<T> {
    let mut all = Vec::new();
    let mut request = handler::store::PageRequest { limit, after: None };
    loop {
        let got = page(&request).await;
        assert!(got.items.len() <= limit);
        all.extend(got.items);
        match got.next {
            Some(after) => request.after = Some(after),
            None => return all,
        }
    }
}

mod audit;
mod cases;
mod customer_links;
mod definitions;
mod firms;
mod machine_clients;
mod outbox;
mod registry;
mod retention;
mod webhooks;

/// The table as production needs it; creating it again changes nothing.
#[tokio::test]
async fn dynamodb_table_has_its_indexes_and_ttl() {
    use aws_sdk_dynamodb::types::TimeToLiveStatus;
    let (client, table) = crate::support::dynamodb::fresh_table("table_shape").await;
    handler::store::dynamodb::create_table(&client, &table).await.unwrap();

    let described = client.describe_table().table_name(&table).send().await.unwrap();
    let mut indexes: Vec<_> = described
        .table()
        .unwrap()
        .global_secondary_indexes()
        .iter()
        .map(|index| index.index_name().unwrap().to_string())
        .collect();
    indexes.sort();
    assert_eq!(indexes, ["GSI1", "GSI2", "GSI3", "GSI4"]);

    let ttl = client.describe_time_to_live().table_name(&table).send().await.unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("ttl"));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}
