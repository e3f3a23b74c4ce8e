//! Lambda mode: API Gateway v2 events, identity from the JWT authorizer's claims. The router
//! in-process on SQLite, and the binary itself (the lean Lambda artifact under `scripts/test`)
//! under a fake Lambda runtime API on DynamoDB Local.

use serde_json::Value;

use crate::support::cases::{draft_fuse_change, id_of, oresundskraft_registry};
use crate::support::dynamodb::fresh_table;
use crate::support::fixture;
use crate::support::lambda_runtime::{Invocation, LambdaFunction};
use crate::support::server::assert_error_shape;

/// Sends an API Gateway v2 event through the router; every answer, whatever its status, must
/// forbid caching and sniffing: on Lambda nothing else adds those headers.
async fn lambda_call(app: &axum::Router, event: &str) -> (u16, Value) {
    use tower::ServiceExt;
    let request = lambda_http::request::from_str(event).expect("an API Gateway v2 event");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("cache-control"), Some("no-store"), "{status}: Cache-Control");
    assert_eq!(header("x-content-type-options"), Some("nosniff"), "{status}: nosniff");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// `post_case_installer.json` turned into a POST of `body` to `path`.
fn post_event(path: &str, body: &Value) -> String {
    let mut event: Value =
        serde_json::from_str(&fixture("apigw/post_case_installer.json")).unwrap();
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["pathParameters"]["proxy"] = path.trim_start_matches("/api/").into();
    event["body"] = body.to_string().into();
    event["isBase64Encoded"] = false.into();
    event["headers"].as_object_mut().unwrap().remove("content-length");
    event.to_string()
}

#[tokio::test]
async fn a_customers_data_is_never_cached_in_lambda_mode() {
    use handler::http::{AppState, Auth, router};
    use handler::store::RegistryStore;
    use handler::store::sqlite::SqliteStore;

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("lambda.sqlite3")).expect("a SQLite store");
    let registry = oresundskraft_registry();
    store.put_installations("oresundskraft", &registry).await.unwrap();
    let app = router(AppState::new(store, Auth::ApiGateway));

    let (status, case) = lambda_call(&app, &fixture("apigw/post_case_installer.json")).await;
    assert_eq!(status, 201, "{case}");
    let lookup = serde_json::json!({"version": 1, "ean": registry[0].ean, "apply": true});
    let path = format!("/api/v1/cases/{}/lookup", id_of(&case));
    let (status, found) = lambda_call(&app, &post_event(&path, &lookup)).await;
    assert_eq!(status, 200, "{found}");
    // The answer that must not be cached: the customer's name and address.
    assert_eq!(found["case"]["fields"]["owner.name"], registry[0].owner_name.as_str());
    assert_eq!(
        found["installation"]["installation.street_address"],
        registry[0].street_address.as_str()
    );
}

#[tokio::test]
async fn lambda_mode_reads_the_authorizers_claims() {
    use handler::http::{AppState, Auth, router};
    use handler::store::sqlite::SqliteStore;

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("lambda.sqlite3")).expect("a SQLite store");
    let app = router(AppState::new(store, Auth::ApiGateway));

    let (status, forms) = lambda_call(&app, &fixture("apigw/get_forms_installer.json")).await;
    assert_eq!(status, 200, "{forms}");
    assert!(forms["companies"].as_array().unwrap().iter().any(|c| c["id"] == "oresundskraft"));

    let (status, case) = lambda_call(&app, &fixture("apigw/post_case_installer.json")).await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["status"], "draft");
    assert_eq!(case["firm"]["id"], "demo_el", "the firm comes from custom:org");
    assert_eq!(case["created_by"], "7c2d3e4f-1111-4a5b-9c8d-anna00000001", "the user is the sub");
    let id = id_of(&case);

    let (status, body) = lambda_call(&app, &fixture("apigw/get_cases_no_authorizer.json")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_error_shape(&body);

    let other_firm = fixture("apigw/get_case_other_firm.json").replace("{CASE_ID}", &id);
    let (status, body) = lambda_call(&app, &other_firm).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "case_not_found");
    // The same request as the owning firm finds it: the 404 is about the claims.
    let own_firm = other_firm
        .replace("\"custom:org\": \"annan_el\"", "\"custom:org\": \"demo_el\"")
        .replace("8d3e4f5a-2222-4b6c-8d9e-bertil000001", "7c2d3e4f-1111-4a5b-9c8d-anna00000001");
    let (status, body) = lambda_call(&app, &own_firm).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], id.as_str());
}

/// Mail goes only to an address Cognito verified (issue 19): without `email_verified` true
/// the caller has no address, and a verified claim that is not one address is refused.
#[tokio::test]
async fn lambda_mode_takes_only_a_verified_email_address() {
    use handler::http::{AppState, Auth, router};
    use handler::store::CaseStore;
    use handler::store::sqlite::SqliteStore;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lambda.sqlite3");
    let app = router(AppState::new(SqliteStore::open(&path).unwrap(), Auth::ApiGateway));
    let store = SqliteStore::open(&path).unwrap();
    let with_claims = |email: &str, verified: Option<&str>| {
        let mut event: Value =
            serde_json::from_str(&fixture("apigw/post_case_installer.json")).unwrap();
        let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
        claims["email"] = email.into();
        match verified {
            Some(v) => claims["email_verified"] = v.into(),
            None => _ = claims.as_object_mut().unwrap().remove("email_verified"),
        }
        event.to_string()
    };

    for (verified, address) in
        [(None, None), (Some("false"), None), (Some("true"), Some("anna@demo-el.example"))]
    {
        let (status, case) =
            lambda_call(&app, &with_claims("anna@demo-el.example", verified)).await;
        assert_eq!(status, 201, "{case}");
        let stored = store.get_case(&id_of(&case)).await.unwrap().unwrap();
        assert_eq!(stored.contact_email.as_deref(), address, "email_verified {verified:?}");
    }
    let smuggled = with_claims("anna@demo-el.example\r\nBcc: x@y.example", Some("true"));
    let (status, body) = lambda_call(&app, &smuggled).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    // Unverified, it is not an address of the caller's at all.
    let unverified = with_claims("anna@demo-el.example\r\nBcc: x@y.example", Some("false"));
    assert_eq!(lambda_call(&app, &unverified).await.0, 201);
}

/// The function as Lambda runs it, on a fresh DynamoDB Local table seeded with Öresundskraft's
/// registry: the same walk as above, through the runtime API and the binary's own start
/// (`TABLE_NAME`, the SDK's configuration, the runtime's logging).
#[tokio::test]
async fn the_lambda_binary_answers_api_gateway_events() {
    use handler::store::RegistryStore;
    use handler::store::dynamodb::DynamoStore;

    let (client, table) = fresh_table("lambda").await;
    let registry = oresundskraft_registry();
    let store = DynamoStore::new(client, table.clone());
    store.put_installations("oresundskraft", &registry).await.unwrap();
    let function = LambdaFunction::start(&[("TABLE_NAME", &table)]).await;
    let call = async |event: &str| -> (u16, Value) {
        let Invocation { status, headers, body } = function.invoke(event).await;
        let header = |name: &str| headers.get(name).map(String::as_str);
        assert_eq!(header("cache-control"), Some("no-store"), "{status}: Cache-Control");
        assert_eq!(header("x-content-type-options"), Some("nosniff"), "{status}: nosniff");
        (status, body)
    };

    let (status, forms) = call(&fixture("apigw/get_forms_installer.json")).await;
    assert_eq!(status, 200, "{forms}");
    assert!(forms["companies"].as_array().unwrap().iter().any(|c| c["id"] == "oresundskraft"));

    let (status, case) = call(&fixture("apigw/post_case_installer.json")).await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["firm"]["id"], "demo_el", "the firm comes from custom:org");
    assert_eq!(case["created_by"], "7c2d3e4f-1111-4a5b-9c8d-anna00000001", "the user is the sub");
    let id = id_of(&case);

    let lookup = serde_json::json!({"version": 1, "ean": registry[0].ean, "apply": true});
    let (status, found) = call(&post_event(&format!("/api/v1/cases/{id}/lookup"), &lookup)).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["case"]["fields"]["owner.name"], registry[0].owner_name.as_str());

    let (status, body) = call(&fixture("apigw/get_cases_no_authorizer.json")).await;
    assert_eq!(status, 401, "{body}");
    assert_error_shape(&body);

    let other_firm = fixture("apigw/get_case_other_firm.json").replace("{CASE_ID}", &id);
    let (status, body) = call(&other_firm).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "case_not_found");

    // Local mode's routes are not there: the local file links and the demo sign-in.
    let sign_in = post_event("/api/v1/local/sign-in", &serde_json::json!({"user": "anna"}));
    let (status, body) = call(&sign_in).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "no_such_route");
}

/// The same binary as the outbox's sender (`ELANMALAN_TASK=outbox`, the template's
/// `OutboxFunction`): a scheduled invocation sends what is due through SES (moto) and empties
/// the outbox; an e-mail not yet due stays.
#[tokio::test]
async fn the_outbox_function_sends_what_is_due() {
    use handler::store::dynamodb::DynamoStore;
    use handler::store::{Notification, OutboxStore};

    let moto = crate::support::moto::Moto::start();
    let from = "noreply@elanmalan.example";
    let ses = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::Config::builder()
            .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
            .region(aws_sdk_sesv2::config::Region::new("eu-north-1"))
            .endpoint_url(moto.url())
            .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
                "local", "local", None, None, "test",
            ))
            .build(),
    );
    ses.create_email_identity().email_identity(from).send().await.expect("an identity");

    let (client, table) = fresh_table("outbox").await;
    let store = DynamoStore::new(client, table.clone());
    let now = time::OffsetDateTime::now_utc();
    let mail = |id: &str, retry_at| Notification {
        id: id.into(),
        to: "anna@demo-el.example".into(),
        subject: format!("ÖK-2026-00042 – {id}"),
        body: "Ärende ÖK-2026-00042 hos Öresundskraft.\n".into(),
        created_at: now,
        attempts: 0,
        case_id: None,
        webhook: None,
        retry_at,
    };
    // Put in the outbox as a change puts them: one due now, one due in an hour.
    for notification in [mail("due", now), mail("later", now + time::Duration::hours(1))] {
        store.notification_failed(&notification).await.unwrap();
    }

    let function = LambdaFunction::start(&[
        ("ELANMALAN_TASK", "outbox"),
        ("TABLE_NAME", &table),
        ("MAIL_FROM", from),
        ("AWS_ENDPOINT_URL_SESV2", &moto.url()),
    ])
    .await;
    // What EventBridge Scheduler sends; the function does not read it.
    let tick = r#"{"version": "0", "detail-type": "Scheduled Event", "source": "aws.scheduler"}"#;
    let round = function.invoke_raw(tick).await;
    assert_eq!(round, serde_json::json!({"sent": 1, "failed": 0}), "{}", function.log());

    let sent: Value = reqwest::get(format!("{}/moto-api/data.json", moto.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subjects: Vec<&str> = sent["ses"]["Message"]
        .as_array()
        .expect("moto lists SES messages")
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert_eq!(subjects, ["ÖK-2026-00042 – due"]);
    let later = now + time::Duration::hours(2);
    let left: Vec<String> =
        store.due_notifications(later, 10).await.unwrap().into_iter().map(|n| n.id).collect();
    assert_eq!(left, ["later"], "the sent e-mail is gone from the outbox, the other waits");

    // Nothing more due: the next minute's round sends nothing.
    assert_eq!(function.invoke_raw(tick).await, serde_json::json!({"sent": 0, "failed": 0}));
}

/// The same binary as the retention sweep (`ELANMALAN_TASK=retention`, the template's
/// `RetentionFunction`): a scheduled invocation removes a draft never sent for 90 days and
/// answers the counts; a fresh draft stays.
#[tokio::test]
async fn the_retention_function_removes_what_is_due() {
    use handler::store::CaseStore;
    use handler::store::dynamodb::DynamoStore;

    let (client, table) = fresh_table("retention").await;
    let store = DynamoStore::new(client, table.clone());
    let now = time::OffsetDateTime::now_utc();
    for (id, changed) in [("old", now - time::Duration::days(91)), ("new", now)] {
        let case = draft_fuse_change(id, "demo_el", changed);
        store.create_case(&case).await.unwrap();
    }
    let function =
        LambdaFunction::start(&[("ELANMALAN_TASK", "retention"), ("TABLE_NAME", &table)]).await;
    let tick = r#"{"version": "0", "detail-type": "Scheduled Event", "source": "aws.scheduler"}"#;
    let swept = function.invoke_raw(tick).await;
    assert_eq!(swept["cases_removed"], 1, "{swept}; {}", function.log());
    assert_eq!(swept["identity_numbers_removed"], 0);
    assert!(store.get_case("old").await.unwrap().is_none());
    assert!(store.get_case("new").await.unwrap().is_some());
}

/// Two instances of the function on one table (issue 21): a company admin publishes a version
/// through one, and the other serves it to new cases within its cache time of the published
/// versions (1 s here, `ELANMALAN_DEFINITIONS_TTL_SECONDS`; 30 s by default).
#[tokio::test]
async fn a_publication_through_one_instance_reaches_the_other_within_its_cache_time() {
    use crate::support::lambda_runtime::api_event;
    use crate::support::server::{ANNA, ASA};

    let (_, table) = fresh_table("lambda-publish").await;
    let env = [("TABLE_NAME", table.as_str()), ("ELANMALAN_DEFINITIONS_TTL_SECONDS", "1")];
    let (one, other) = (LambdaFunction::start(&env).await, LambdaFunction::start(&env).await);
    let new_case = serde_json::json!({"company": "oresundskraft", "installation_type":
        "fuse_change", "job_type": "increase_main_fuse", "network_area": "helsingborg"});
    let create = api_event(ANNA, "POST", "/api/v1/cases", Some(&new_case));
    let before = other.invoke(&create).await;
    assert_eq!((before.status, &before.body["definitions_version"]), (201, &1.into()));

    // The admin's claims as Cognito gives them: the group in `cognito:groups`.
    let admin = |method: &str, path: &str, body: Option<&Value>| {
        let mut event: Value = serde_json::from_str(&api_event(ASA, method, path, body)).unwrap();
        event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] =
            "[company-admins]".into();
        event.to_string()
    };
    let shipped = std::fs::read_to_string(format!(
        "{}/companies/oresundskraft.toml",
        crate::support::SHIPPED
    ))
    .unwrap();
    let text = format!("{shipped}\n# Version 2: only a comment changes.\n");
    let saved = one
        .invoke(&admin(
            "POST",
            "/api/v1/definitions",
            Some(&serde_json::json!({
        "toml": text, "note": "kommentar"})),
        ))
        .await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let publish = serde_json::json!({"published": 1});
    let published =
        one.invoke(&admin("POST", "/api/v1/definitions/2/publish", Some(&publish))).await;
    assert_eq!(published.status, 200, "{}", published.body);
    let at_once = one.invoke(&create).await;
    assert_eq!(at_once.body["definitions_version"], 2, "the publishing instance at once");

    let published_at = std::time::Instant::now();
    let seen = loop {
        let case = other.invoke(&create).await;
        assert_eq!(case.status, 201, "{}", case.body);
        if case.body["definitions_version"] == 2 {
            break published_at.elapsed();
        }
        assert!(published_at.elapsed().as_secs() < 10, "the other instance never saw it");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(seen.as_millis() <= 2_500, "seen after {seen:?}, over the cache time of 1 s");
}
