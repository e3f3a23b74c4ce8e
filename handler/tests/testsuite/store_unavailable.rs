//! A store that is down: 503 with Retry-After, never 500, and the server still starts.

use serde_json::{Value, json};

use crate::support::cases::NEW_CASE;
use crate::support::server::{ANNA, KARIN, Server};

#[tokio::test]
async fn an_unreachable_store_answers_503() {
    let data_dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        data_dir,
        "dynamodb (unreachable)",
        &["--store", "dynamodb", "--table", "x"],
        &[
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9"),
            ("AWS_REGION", "eu-north-1"),
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", "local"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let anna = server.api(ANNA);
    let karin = server.api(KARIN);
    // At once: the SDK retries each call with backoff before it gives up.
    let new_case: Value = serde_json::from_str(NEW_CASE).unwrap();
    let lookup_body = json!({"version": 1, "meter_number": "1"});
    let (a, b, c, d, e) = tokio::join!(
        anna.get("/cases"),
        karin.get("/cases"),
        anna.get("/cases/some-id"),
        anna.post("/cases", new_case),
        anna.post("/cases/some-id/lookup", lookup_body),
    );
    for answer in [a, b, c, d, e] {
        answer.expect_error(503, "store_unavailable");
        let retry_after = answer.header("retry-after").expect("a Retry-After header");
        assert!(retry_after.parse::<u64>().is_ok_and(|s| s > 0), "{retry_after}");
    }
    // What needs no store still works.
    anna.get("/forms").await.expect(200);
    server.anonymous().get("/openapi.json").await.expect(200);
    assert!(server.log().contains("could not seed the demo registry"), "{}", server.log());
}
