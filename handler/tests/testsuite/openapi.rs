//! The OpenAPI document: public, complete, and true to the real answers.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::cases::{NEW_CASE, case_ids, edit, id_of, lookup, oresundskraft_registry};
use crate::support::server::{ANNA, Answer, KARIN, Server, assert_error_shape};

/// A validator for `schema` (typically a `$ref`) against the document's components.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
    });
    for (k, v) in schema.as_object().expect("a schema object") {
        root[k] = v.clone();
    }
    jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("invalid schema {schema}: {e}"))
}

#[track_caller]
fn assert_valid(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let validator = validator(doc, schema);
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} does not match {schema}: {errors:#?}\n{instance}");
}

#[track_caller]
fn assert_component(doc: &Value, name: &str, instance: &Value) {
    assert!(doc["components"]["schemas"].get(name).is_some(), "no component {name}");
    assert_valid(doc, &json!({"$ref": format!("#/components/schemas/{name}")}), instance, name);
}

/// Checks that the document declares `status` for the operation and that `answer` matches it.
#[track_caller]
fn assert_documented(doc: &Value, path: &str, method: &str, answer: &Answer) {
    let operation = &doc["paths"][path][method];
    let declared = &operation["responses"][answer.status.to_string()];
    assert!(
        declared.is_object(),
        "{method} {path} answered {} which the document does not declare: {}",
        answer.status,
        answer.text
    );
    if let Some(schema) = declared.pointer("/content/application~1json/schema") {
        assert_valid(doc, schema, &answer.body, &format!("{method} {path} {}", answer.status));
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_real_api() {
    let server = Server::sqlite();
    let doc = server.anonymous().get("/openapi.json").await.expect(200).clone();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");

    // Every route of the contract is documented.
    for (path, method) in [
        ("/forms", "get"),
        ("/forms/{company}/{installation_type}/schema", "get"),
        ("/cases", "post"),
        ("/cases", "get"),
        ("/cases/{id}", "get"),
        ("/cases/{id}", "patch"),
        ("/cases/{id}/lookup", "post"),
        ("/cases/{id}/copy-from-owner", "post"),
        ("/cases/{id}/submit", "post"),
        ("/cases/{id}/withdraw", "post"),
        ("/cases/{id}/decision", "post"),
        ("/cases/{id}/completion", "post"),
        ("/cases/{id}/close", "post"),
        ("/audit", "get"),
        ("/openapi.json", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is not documented");
    }

    // Every documented operation exists and answers as documented.
    let anna = server.api(ANNA);
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in
            item.as_object().unwrap().iter().filter(|(k, _)| k.as_str() != "parameters")
        {
            let url = path
                .replace("{id}", "00000000-0000-4000-8000-000000000000")
                .replace("{company}", "oresundskraft")
                .replace("{installation_type}", "service_change");
            let method_ = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = anna.request(method_.clone(), &url);
            if method_ == Method::POST || method_ == Method::PATCH {
                request = request.json(&json!({}));
            }
            let answer = anna.send(request).await;
            assert_ne!(answer.status, 405, "{method} {path}: method not allowed");
            assert_ne!(
                answer.body["error"]["code"], "no_such_route",
                "{method} {path}: {}",
                answer.text
            );
            if answer.status >= 400 {
                assert_error_shape(&answer.body);
            }
            assert_documented(&doc, path, method, &answer);
            operations += 1;
        }
    }
    assert!(operations >= 15, "only {operations} operations");

    // Real answers validate against the components.
    let forms = anna.get("/forms").await;
    assert_component(&doc, "Catalog", forms.expect(200));
    assert_documented(&doc, "/forms", "get", &forms);
    let created = anna.post("/cases", serde_json::from_str(NEW_CASE).unwrap()).await;
    assert_component(&doc, "CaseView", created.expect(201));
    assert_documented(&doc, "/cases", "post", &created);
    let id = id_of(&created.body);
    let got = anna.get(&format!("/cases/{id}")).await;
    assert_component(&doc, "CaseView", got.expect(200));
    assert_documented(&doc, "/cases/{id}", "get", &got);
    let meter = oresundskraft_registry()[0].meter_number.clone();
    let looked_up =
        lookup(&anna, &id, json!({"version": 1, "meter_number": meter, "apply": true})).await;
    assert_component(&doc, "LookupAnswer", looked_up.expect(200));
    assert_documented(&doc, "/cases/{id}/lookup", "post", &looked_up);
    let sent_back = edit(&anna, &id, 2, json!({"owner.identity_number": "19121212-1212"})).await;
    assert_component(&doc, "CaseView", sent_back.expect(200));
    let list = anna.get("/cases").await;
    assert_component(&doc, "CaseList", list.expect(200));
    assert_documented(&doc, "/cases", "get", &list);
    assert!(case_ids(&list.body).contains(&id));
    let audit = server.api(KARIN).get("/audit").await;
    assert_component(&doc, "AuditAnswer", audit.expect(200));
    assert_documented(&doc, "/audit", "get", &audit);
    let refused = anna.post(&format!("/cases/{id}/submit"), json!({"version": 3})).await;
    refused.expect_error(422, "validation_failed");
    assert_component(&doc, "ErrorBody", &refused.body);
    assert_documented(&doc, "/cases/{id}/submit", "post", &refused);
    let missing = anna.get("/cases/no-such-case").await;
    missing.expect_error(404, "case_not_found");
    assert_component(&doc, "ErrorBody", &missing.body);

    // The components are not vacuous: a case without its status does not pass.
    let mut broken = got.body.clone();
    broken.as_object_mut().unwrap().remove("status");
    assert!(!validator(&doc, &json!({"$ref": "#/components/schemas/CaseView"})).is_valid(&broken));
    assert!(
        !validator(&doc, &json!({"$ref": "#/components/schemas/ErrorBody"}))
            .is_valid(&json!({"error": {}}))
    );
}
