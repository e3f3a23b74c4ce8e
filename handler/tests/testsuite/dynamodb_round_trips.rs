//! What each route costs on DynamoDB, counted by a proxy in front of DynamoDB Local
//! ([`DynamoDbCalls`]) while the API function answers as on Lambda: a test fails when a route makes more calls, or more round trips one
//! after another, than the budget written beside it. A round trip to DynamoDB is a few
//! milliseconds in AWS; a request's latency is about its round trips times that.

use serde_json::{Value, json};

use forms::{Case, Definitions};
use handler::store::dynamodb::DynamoStore;
use handler::store::{CaseStore, RegistryStore};

use crate::support::cases::{NEW_CASE, id_of, oresundskraft_registry, version_of};
use crate::support::dynamodb::fresh_table;
use crate::support::dynamodb_calls::{DynamoDbCalls, round_trips};
use crate::support::lambda_runtime::{LambdaFunction, api_event};
use crate::support::server::{ANNA, KARIN};

/// A route's budget: at most `calls` DynamoDB calls in at most `trips` round trips.
struct Budget {
    route: &'static str,
    calls: usize,
    trips: usize,
}

const fn budget(route: &'static str, calls: usize, trips: usize) -> Budget {
    Budget { route, calls, trips }
}

/// Every route the walk below takes, with why it needs what it has. A request of an installer
/// begins with its firm's membership (the firm and the member, two GetItems at once: one round
/// trip), so that a colleague who is removed loses the firm's cases at once. The server keeps
/// it for a second (`http::memberships`), so the budgets count it although a walk this quick
/// mostly finds it kept.
const BUDGETS: &[Budget] = &[
    // The year's next case number (its value goes in the case), then the case.
    budget("POST /cases", 4, 3),
    budget("GET /cases/{id}", 3, 2),
    // Read, then write on the version read.
    budget("PATCH /cases/{id}", 4, 3),
    // The case and the registry at once, then the caps' counts, the audit entry (and, applied,
    // the case) in one transaction.
    budget("POST /cases/{id}/lookup (preview, meter number)", 5, 3),
    budget("POST /cases/{id}/lookup (apply, EAN and meter number)", 6, 3),
    budget("POST /cases/{id}/copy-from-owner", 4, 3),
    // Read, then the company's webhooks (a Query of one partition: the case names the
    // company), then the case with its e-mail and events in one transaction.
    budget("POST /cases/{id}/submit", 5, 4),
    budget("GET /cases (Mina ärenden)", 3, 2),
    budget("GET /cases (Inkorg)", 1, 1),
    budget("GET /cases/{id} (network company)", 1, 1),
    // Read, the company's webhooks, then the case with its e-mail and events.
    budget("POST /cases/{id}/decision", 3, 3),
    // One query per day of the range (by default the last 7 days), a week's days at once.
    budget("GET /audit", 7, 1),
];

/// Öresundskraft's registry and `cases` in a fresh table, and the API function on it, as
/// Lambda runs it (the API alone: on AWS the outbox's sender and the retention sweep are
/// functions of their own), asking DynamoDB through `calls`.
async fn api_function(calls: &DynamoDbCalls, cases: &[Case]) -> LambdaFunction {
    let (client, table) = fresh_table("round-trips").await;
    let store = DynamoStore::new(client, table.clone());
    store.put_installations("oresundskraft", &oresundskraft_registry()).await.unwrap();
    for case in cases {
        store.create_case(case).await.unwrap();
    }
    LambdaFunction::start(&[("TABLE_NAME", &table), ("AWS_ENDPOINT_URL_DYNAMODB", &calls.url)])
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_route_keeps_to_its_budget_of_dynamodb_calls() {
    let calls = DynamoDbCalls::start();
    let function = api_function(&calls, &[]).await;
    let installation = oresundskraft_registry()[0].clone();
    let mut spent: Vec<(&str, Vec<String>, usize)> = Vec::new();
    // Asks the function, expects `status`, and notes what the route cost.
    let mut call = async |route: &'static str, user, method, path: &str, body: Option<Value>| {
        let answer = function.invoke(&api_event(user, method, path, body.as_ref())).await;
        let taken = calls.take();
        let operations = taken.iter().map(|call| call.operation.clone()).collect();
        spent.push((route, operations, round_trips(&taken)));
        assert!(answer.status < 300, "{route}: {} {}", answer.status, answer.body);
        answer.body
    };
    // The first request also reads which definitions the companies publish (one Query, again
    // at most every 30 s: docs/operations.md), which no route's budget counts.
    function.invoke(&api_event(ANNA, "GET", "/api/v1/forms", None)).await;
    calls.take();

    let new_case = serde_json::from_str(NEW_CASE).unwrap();
    let case = call("POST /cases", ANNA, "POST", "/api/v1/cases", Some(new_case)).await;
    let id = id_of(&case);
    let path = format!("/api/v1/cases/{id}");
    call("GET /cases/{id}", ANNA, "GET", &path, None).await;
    let edit = json!({"version": 1, "fields": {"work.description": "Flytt av servis."}});
    call("PATCH /cases/{id}", ANNA, "PATCH", &path, Some(edit)).await;
    let lookup = format!("{path}/lookup");
    let preview = json!({"version": 2, "meter_number": installation.meter_number});
    call("POST /cases/{id}/lookup (preview, meter number)", ANNA, "POST", &lookup, Some(preview))
        .await;
    let apply = json!({"version": 2, "ean": installation.ean,
        "meter_number": installation.meter_number, "apply": true});
    let route = "POST /cases/{id}/lookup (apply, EAN and meter number)";
    let applied = call(route, ANNA, "POST", &lookup, Some(apply)).await;
    assert_eq!(version_of(&applied["case"]), 3, "applied");
    let fields = json!({"version": 3, "fields": {
        "owner.identity_number": "19121212-1212",
        "installation.desired_meter_placement": "facade",
        "work.planned_start": "2026-12-15",
    }});
    call("PATCH /cases/{id}", ANNA, "PATCH", &path, Some(fields)).await;
    let copy = json!({"version": 4});
    let route = "POST /cases/{id}/copy-from-owner";
    call(route, ANNA, "POST", &format!("{path}/copy-from-owner"), Some(copy)).await;
    let submit = json!({"version": 5});
    call("POST /cases/{id}/submit", ANNA, "POST", &format!("{path}/submit"), Some(submit)).await;
    call("GET /cases (Mina ärenden)", ANNA, "GET", "/api/v1/cases", None).await;

    call("GET /cases (Inkorg)", KARIN, "GET", "/api/v1/cases", None).await;
    let route = "GET /cases/{id} (network company)";
    let seen = call(route, KARIN, "GET", &path, None).await;
    let decision = json!({"version": version_of(&seen), "decision": "approve", "message": null});
    let route = "POST /cases/{id}/decision";
    call(route, KARIN, "POST", &format!("{path}/decision"), Some(decision)).await;
    call("GET /audit", KARIN, "GET", "/api/v1/audit", None).await;

    let report: Vec<String> = spent
        .iter()
        .map(|(route, operations, trips)| {
            format!("{route}: {} calls in {trips} round trips: {operations:?}", operations.len())
        })
        .collect();
    let report = report.join("\n");
    eprintln!("{report}");
    for (route, operations, trips) in &spent {
        let budget = BUDGETS.iter().find(|b| b.route == *route).expect("a budget per route");
        assert!(
            operations.len() <= budget.calls && *trips <= budget.trips,
            "{route} spent {} calls in {trips} round trips, over its budget of {} in {}:\n{report}",
            operations.len(),
            budget.calls,
            budget.trips
        );
    }
    for budget in BUDGETS {
        assert!(
            spent.iter().any(|(route, ..)| *route == budget.route),
            "{} measured",
            budget.route
        );
    }
}

/// A case whose id is a bare uuid (made before ids began with the company) is looked up as
/// well, in one round trip more: the registry is read once the case says whose it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_id_without_its_company_costs_one_round_trip_more() {
    let form = Definitions::builtin().form("oresundskraft", "service_change").unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    let (firm, user) = (ANNA.org.to_string(), ANNA.id.to_string());
    let (job, area) = ("move_service".to_string(), "helsingborg".to_string());
    let at = time::OffsetDateTime::now_utc();
    let case = Case::new_draft(id.clone(), "ÖK-1".into(), &form, job, area, firm, user, at);
    let calls = DynamoDbCalls::start();
    let function = api_function(&calls, &[case]).await;
    function.invoke(&api_event(ANNA, "GET", "/api/v1/forms", None)).await;
    calls.take();

    let meter = &oresundskraft_registry()[0].meter_number;
    let body = json!({"version": 1, "meter_number": meter, "apply": true});
    let path = format!("/api/v1/cases/{id}/lookup");
    let answer = function.invoke(&api_event(ANNA, "POST", &path, Some(&body))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(version_of(&answer.body["case"]), 2);
    let taken = calls.take();
    let operations: Vec<&str> = taken.iter().map(|call| call.operation.as_str()).collect();
    // The firm's membership (two at once), the case, then the registry, then the transaction.
    assert_eq!(operations, ["GetItem", "GetItem", "GetItem", "Query", "TransactWriteItems"]);
    assert_eq!(round_trips(&taken), 4);
}
