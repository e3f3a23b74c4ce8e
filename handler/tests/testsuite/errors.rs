//! Every error the API can give, walked once: the exact shape `{"error": {"code", "message",
//! "fields"}}` with `fields` always a list, a Swedish message with no English left in it, a code
//! that the OpenAPI document lists, and the headers every API answer carries. (The store being
//! down is walked in `store_unavailable` and `faults`, with the same shape check.)

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::cases::{NEW_CASE, create_case, id_of};
use crate::support::server::{ANNA, Answer, BERTIL, KARIN, Server};

/// The error codes the OpenAPI document lists (`ErrorCode`).
fn documented_codes(doc: &Value) -> Vec<String> {
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("no ErrorCode enum in the document: {}", doc["components"]));
    codes.iter().map(|c| c.as_str().expect("a code").to_string()).collect()
}

/// The exact shape (`Answer::expect_error`), a documented code, and what the answer must carry
/// whatever the error.
#[track_caller]
fn check(what: &str, answer: &Answer, status: u16, code: &str, codes: &[String]) {
    assert_eq!(answer.status, status, "{what}: {}", answer.text);
    assert_eq!(answer.body.as_object().map(|o| o.len()), Some(1), "{what}: {}", answer.text);
    assert!(codes.iter().any(|c| c == code), "{what}: {code} is not in the OpenAPI document");
    answer.expect_error(status, code);
    assert_eq!(answer.header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"), "{what}");
    if matches!(status, 429 | 503) {
        let retry = answer.header("retry-after").unwrap_or_else(|| panic!("{what}: Retry-After"));
        assert!(retry.parse::<u64>().is_ok_and(|s| s > 0), "{what}: {retry}");
    }
}

#[tokio::test]
async fn every_error_has_the_documented_shape() {
    let server = Server::sqlite();
    let anna = server.api(ANNA);
    let karin = server.api(KARIN);
    let doc = server.anonymous().get("/openapi.json").await.body;
    let codes = documented_codes(&doc);

    let case = create_case(&anna).await;
    let id = id_of(&case);
    let raw = |method: Method, path: &str, content_type: &str, body: &str| {
        anna.request(method, path).header("content-type", content_type).body(body.to_string())
    };
    let json_post = |path: &str, body: &str| raw(Method::POST, path, "application/json", body);
    let submit = format!("/cases/{id}/submit");
    let edit = format!("/cases/{id}");

    let walk: Vec<(&str, Answer, u16, &str)> = vec![
        // The body.
        ("malformed JSON", anna.send(json_post(&submit, "{\"version\": ")).await, 400, "malformed_body"),
        ("not JSON", anna.send(raw(Method::POST, &submit, "text/plain", "{}")).await, 415, "unsupported_media_type"),
        ("too large", anna.send(json_post(&submit, &format!("{{\"v\": \"{}\"}}", "x".repeat(70_000)))).await, 413, "body_too_large"),
        ("wrong type", anna.send(json_post(&submit, "{\"version\": \"1\"}")).await, 422, "invalid_body"),
        ("missing field", anna.send(json_post(&submit, "{}")).await, 422, "invalid_body"),
        ("unknown field", anna.send(json_post(&submit, "{\"version\": 1, \"x\": 1}")).await, 422, "invalid_body"),
        ("unknown variant", anna.send(json_post(&format!("/cases/{id}/decision"), "{\"version\": 1, \"decision\": \"maybe\"}")).await, 422, "invalid_body"),
        ("not an object", anna.send(json_post(&submit, "7")).await, 422, "invalid_body"),
        // The query string.
        ("unknown status", anna.get("/cases?status=maybe").await, 422, "unknown_status"),
        ("status twice", anna.get("/cases?status=draft&status=submitted").await, 400, "invalid_query"),
        ("bad date", karin.get("/audit?from=igår").await, 422, "invalid_date"),
        ("bad range", karin.get("/audit?from=2026-12-01&to=2026-01-01").await, 422, "invalid_range"),
        // Who is asking.
        ("no token", server.anonymous().get("/cases").await, 401, "unauthorized"),
        ("bad token", anna.with_token("x.y.z").get("/cases").await, 401, "unauthorized"),
        ("wrong role", karin.post("/cases", serde_json::from_str(NEW_CASE).unwrap()).await, 403, "forbidden"),
        ("installer's audit", anna.get("/audit").await, 403, "forbidden"),
        // What is asked for.
        ("unknown case", anna.get("/cases/00000000-0000-4000-8000-000000000000").await, 404, "case_not_found"),
        ("another firm's case", server.api(BERTIL).get(&edit).await, 404, "case_not_found"),
        ("unknown route", anna.get("/nothing").await, 404, "no_such_route"),
        ("unknown form", anna.get("/forms/nobody/fuse_change/schema").await, 404, "form_not_found"),
        ("wrong method", anna.send(anna.request(Method::DELETE, &edit)).await, 405, "method_not_allowed"),
        // The case's state.
        ("old version", anna.patch(&edit, json!({"version": 9, "fields": {}})).await, 409, "version_conflict"),
        ("unknown choice", anna.post("/cases", json!({"company": "nobody", "installation_type": "x", "job_type": "y", "network_area": "z"})).await, 422, "unknown_choice"),
        ("unknown field id", anna.patch(&edit, json!({"version": 1, "fields": {"owner.nickname": "A"}})).await, 422, "invalid_fields"),
        ("number for text", anna.patch(&edit, json!({"version": 1, "fields": {"owner.name": 12}})).await, 422, "invalid_fields"),
        ("no number to look up", anna.post(&format!("/cases/{id}/lookup"), json!({"version": 1})).await, 422, "number_missing"),
        ("bad EAN", anna.post(&format!("/cases/{id}/lookup"), json!({"version": 1, "ean": "735999100000000000"})).await, 422, "invalid_ean"),
        ("not yet valid", anna.post(&submit, json!({"version": 1})).await, 422, "validation_failed"),
        ("decision by installer", anna.post(&format!("/cases/{id}/decision"), json!({"version": 1, "decision": "approve"})).await, 403, "forbidden"),
        ("withdraw the draft", anna.post(&format!("/cases/{id}/withdraw"), json!({"version": 1})).await, 200, ""),
    ];
    for (what, answer, status, code) in &walk {
        if *status == 200 {
            answer.expect(200);
            continue;
        }
        check(what, answer, *status, code, &codes);
    }
    // The withdrawn draft can no longer be changed.
    let gone = anna.patch(&edit, json!({"version": 2, "fields": {}})).await;
    check("withdrawn", &gone, 409, "not_editable", &codes);
    let moved = anna.post(&submit, json!({"version": 2})).await;
    check("submit a withdrawn case", &moved, 409, "invalid_status", &codes);

    // Fields named where the error is about fields.
    let walk_fields = |what: &str| {
        walk.iter().find(|(w, ..)| *w == what).map(|(_, a, ..)| a.error_fields()).unwrap()
    };
    assert_eq!(walk_fields("wrong type"), ["version"]);
    assert_eq!(walk_fields("missing field"), ["version"]);
    assert_eq!(walk_fields("unknown field"), ["x"]);
    assert_eq!(walk_fields("unknown variant"), ["decision"]);
    assert_eq!(walk_fields("number for text"), ["owner.name"]);
    assert_eq!(walk_fields("bad date"), ["from"]);
    assert_eq!(walk_fields("bad EAN"), ["installation.ean"]);

    // The rate limit: the 31st lookup in a minute.
    let body = json!({"version": 1, "meter_number": "nothing-like-it"});
    let fresh = format!("/cases/{}/lookup", id_of(&create_case(&anna).await));
    let not_found = anna.post(&fresh, body.clone()).await;
    check("not in the registry", &not_found, 404, "installation_not_found", &codes);
    for _ in 1..30 {
        anna.post(&fresh, body.clone()).await.expect_error(404, "installation_not_found");
    }
    let limited = anna.post(&fresh, body).await;
    check("rate limited", &limited, 429, "rate_limited", &codes);

    // The request trace names method, path and status, never the query string.
    let log = server.log();
    assert!(log.contains("/api/v1/audit") && log.contains("status=422"), "{log}");
    assert!(!log.contains("igår") && !log.contains("from="), "a query string in the log: {log}");
}
