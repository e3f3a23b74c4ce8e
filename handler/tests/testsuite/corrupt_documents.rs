//! A stored case whose JSON does not parse (a bug or a hand edit; issue 19): the store says so
//! as `Corrupt`, with a reason that quotes nothing of the document, and the API answers 500
//! without Retry-After: a 503 would invite retries for ever against the same bytes. The bad
//! document is written behind the store's back, with rusqlite and with the DynamoDB SDK.

use std::sync::Arc;

use axum::http::Request;
use forms::Role;
use handler::http::{AppState, Auth, Caller, router};
use handler::store::{Store, StoreError};
use serde_json::Value;
use tower::ServiceExt;

use crate::support::cases::NEW_CASE;

/// Truncated with a customer's name in it (which the reason must not repeat), and of the wrong
/// shape.
const BROKEN: [&str; 2] =
    [r#"{"id": "x", "fields": {"owner.name": "Anna Andersson""#, r#"{"id": 42}"#];

fn anna() -> Auth {
    let caller = Caller {
        user: "anna".into(),
        role: Role::Installer,
        org: "demo_el".into(),
        email: None,
        firm_name: None,
        admin: false,
        machine: None,
    };
    Auth::Local(Arc::new(move |_| Some(caller.clone().into())))
}

/// `method path` through the router as Anna: status, Retry-After, body.
async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, Option<String>, Value) {
    let request = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header("authorization", "Bearer anna")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, retry, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Makes a case through the API, lets `corrupt` break its stored document, and reads it back.
async fn a_corrupt_case_is_a_500<S: Store + Clone + 'static>(
    store: S,
    corrupt: impl AsyncFn(&str, &str),
) {
    let app = router(AppState::new(store.clone(), anna()));
    for broken in BROKEN {
        let (status, _, case) = call(&app, "POST", "/cases", NEW_CASE).await;
        assert_eq!(status, 201, "{case}");
        let id = case["id"].as_str().unwrap().to_string();
        corrupt(&id, broken).await;

        match store.get_case(&id).await {
            Err(StoreError::Corrupt(reason)) => {
                assert!(reason.contains("Case"), "names the kind of document: {reason}");
                assert!(!reason.contains("Anna"), "{reason}");
            }
            other => panic!("{broken}: {:?}", other.map(|_| ())),
        }
        for path in [format!("/cases/{id}"), "/cases".to_string()] {
            let (status, retry, body) = call(&app, "GET", &path, "").await;
            assert_eq!(status, 500, "{path}: {body}");
            assert_eq!(body["error"]["code"], "internal_error", "{body}");
            assert_eq!(retry, None, "{path}: no Retry-After");
            assert!(!body.to_string().contains("Anna"), "{body}");
        }
    }
}

#[tokio::test]
async fn a_corrupt_case_on_sqlite_is_a_500() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = handler::store::sqlite::SqliteStore::open(&path).unwrap();
    a_corrupt_case_is_a_500(store, async |id: &str, doc: &str| {
        let db = rusqlite::Connection::open(&path).unwrap();
        let changed = db.execute("UPDATE cases SET doc = ?1 WHERE id = ?2", (doc, id)).unwrap();
        assert_eq!(changed, 1);
    })
    .await;
}

#[tokio::test]
async fn a_corrupt_case_on_dynamodb_is_a_500() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let (client, table) = crate::support::dynamodb::fresh_table("corrupt_case").await;
    let store = handler::store::dynamodb::DynamoStore::new(client.clone(), &table);
    a_corrupt_case_is_a_500(store, async |id: &str, doc: &str| {
        client
            .update_item()
            .table_name(&table)
            .key("PK", AttributeValue::S(format!("CASE#{id}")))
            .key("SK", AttributeValue::S("CASE".into()))
            .update_expression("SET doc = :doc")
            .expression_attribute_values(":doc", AttributeValue::S(doc.into()))
            .condition_expression("attribute_exists(PK)")
            .send()
            .await
            .unwrap();
    })
    .await;
}
