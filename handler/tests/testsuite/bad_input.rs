//! Bad input never changes a case and always gets a Swedish error of the contract's shape.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::cases::{NEW_CASE, create_case, edit, field, id_of, version_of};
use crate::support::server::{ANNA, Server};

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let server = Server::sqlite();
    let anna = server.api(ANNA);
    let id = id_of(&create_case(&anna).await);
    let before =
        edit(&anna, &id, 1, json!({"owner.name": "Greta Ek", "owner.phone": "042-12 34 56"}))
            .await
            .expect(200)
            .clone();
    assert_eq!(version_of(&before), 2);
    let path = format!("/cases/{id}");
    let raw = |body: String, content_type: &str| {
        anna.request(Method::PATCH, &path).header("content-type", content_type).body(body)
    };

    // Over 64 KiB.
    let huge =
        json!({"version": 2, "fields": {"work.description": "x".repeat(70 * 1024)}}).to_string();
    anna.send(raw(huge, "application/json")).await.expect_error(413, "body_too_large");

    // Malformed JSON: where it breaks.
    let broken = anna
        .send(raw("{\"version\": 2,\n \"fields\": {\"owner.name\": }}".into(), "application/json"))
        .await;
    let error = broken.expect_error(400, "malformed_body");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("rad 2") && message.contains("kolumn"), "{message}");

    // Not JSON.
    let body = json!({"version": 2, "fields": {"owner.name": "Text"}}).to_string();
    anna.send(raw(body.clone(), "text/plain")).await.expect_error(415, "unsupported_media_type");
    anna.send(anna.request(Method::PATCH, &path).body(body))
        .await
        .expect_error(415, "unsupported_media_type");

    // Well-formed, wrong shape.
    anna.patch(&path, json!({"fields": {"owner.name": "Utan version"}}))
        .await
        .expect_error(422, "invalid_body");

    // An unknown field is named.
    let unknown = edit(&anna, &id, 2, json!({"owner.shoe_size": "44", "owner.name": "Ny"})).await;
    unknown.expect_error(422, "invalid_fields");
    assert_eq!(unknown.error_fields(), ["owner.shoe_size"]);
    assert_eq!(unknown.body["error"]["fields"][0]["code"], "unknown_field");

    // A value of the wrong JSON type.
    let typed = edit(&anna, &id, 2, json!({"owner.name": true})).await;
    typed.expect_error(422, "invalid_fields");
    assert_eq!(typed.error_fields(), ["owner.name"]);
    let listed = edit(&anna, &id, 2, json!({"owner.phone": ["042"]})).await;
    listed.expect_error(422, "invalid_fields");
    assert_eq!(listed.error_fields(), ["owner.phone"]);

    // Too long: owner.name has at most 100 characters.
    let long = edit(&anna, &id, 2, json!({"owner.name": "Å".repeat(101)})).await;
    long.expect_error(422, "invalid_fields");
    assert_eq!(long.error_fields(), ["owner.name"]);
    assert_eq!(long.body["error"]["fields"][0]["code"], "too_long");

    // Text that is not only text: a NUL, a direction override (issue 11).
    for value in ["Greta\u{0}Ek", "Greta \u{202E}kE"] {
        let flawed = edit(&anna, &id, 2, json!({"owner.name": value})).await;
        flawed.expect_error(422, "invalid_fields");
        assert_eq!(flawed.error_fields(), ["owner.name"]);
        assert_eq!(flawed.body["error"]["fields"][0]["code"], "invalid_character");
    }

    // New cases with unknown choices name the field.
    for (key, value) in [
        ("company", "no_such_company"),
        ("installation_type", "no_such_type"),
        ("job_type", "increase_main_fuse"),
        ("network_area", "polstad"),
    ] {
        let mut new: Value = serde_json::from_str(NEW_CASE).unwrap();
        new[key] = json!(value);
        let refused = anna.post("/cases", new).await;
        refused.expect_error(422, "unknown_choice");
        assert_eq!(refused.error_fields(), [key], "{}", refused.text);
    }
    let mut extra: Value = serde_json::from_str(NEW_CASE).unwrap();
    extra["surprise"] = json!(1);
    anna.post("/cases", extra).await.expect_error(422, "invalid_body");

    // No token, a tampered token, a token of another key.
    let fields = json!({"owner.name": "Inbrytare"});
    let anonymous = server.anonymous();
    anonymous.get(&path).await.expect_error(401, "unauthorized");
    edit(&anonymous, &id, 2, fields.clone()).await.expect_error(401, "unauthorized");
    let token = server.token(ANNA);
    let tampered = tamper(&token);
    assert_ne!(tampered, token);
    let forged = anna.with_token(&tampered);
    forged.get(&path).await.expect_error(401, "unauthorized");
    edit(&forged, &id, 2, fields.clone()).await.expect_error(401, "unauthorized");
    let elsewhere = tempfile::tempdir().unwrap();
    let other_key = handler::local::LocalKey::load_or_create(elsewhere.path()).unwrap();
    let stranger = anna.with_token(&other_key.mint(ANNA.role, ANNA.org, ANNA.id, None, None));
    edit(&stranger, &id, 2, fields.clone()).await.expect_error(401, "unauthorized");
    let garbage = anna.with_token("not-a-token");
    garbage.get("/cases").await.expect_error(401, "unauthorized");

    // A stale version.
    edit(&anna, &id, 1, fields.clone()).await.expect_error(409, "version_conflict");
    anna.post(&format!("/cases/{id}/submit"), json!({"version": 1}))
        .await
        .expect_error(409, "version_conflict");

    // An unknown case, an unknown route.
    anna.get("/cases/no-such-case").await.expect_error(404, "case_not_found");
    anna.get("/no-such-route").await.expect_error(404, "no_such_route");
    let status = anna.get("/cases?status=lost").await;
    status.expect_error(422, "unknown_status");
    // A known address with a method it does not have: the same error shape, and Allow.
    let delete = anna.send(anna.request(Method::DELETE, &path)).await;
    delete.expect_error(405, "method_not_allowed");
    let allow = delete.header("allow").expect("an Allow header");
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");

    let after = anna.get(&path).await.expect(200).clone();
    assert_eq!(version_of(&after), version_of(&before));
    assert_eq!(after["fields"], before["fields"]);
    assert_eq!(field(&after, "owner.name"), Some("Greta Ek"));
    assert_eq!(field(&after, "owner.phone"), Some("042-12 34 56"));

    // The limits are where they say: 100 characters are fine.
    let longest = edit(&anna, &id, 2, json!({"owner.name": "Å".repeat(100)})).await;
    assert_eq!(field(longest.expect(200), "owner.name"), Some("Å".repeat(100).as_str()));
}

/// The same token with its claims changed to another firm, the signature kept.
fn tamper(token: &str) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT");
    let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["org"], "demo_el", "{claims}");
    claims["org"] = json!("annan_el");
    let payload = engine.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}
