//! Handläggningstider (issue 24, part 4): a fixture of cases with known times, stored on each
//! store, and the figures the API gives for them, exactly: per month, installation type and
//! network area, as JSON and CSV; the queue an installer sees; the time per status on a case.
//! One company never sees another's.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::http::Request;
use forms::{Action, Case, HistoryEntry, Role, Status};
use handler::http::{AppState, Auth, Caller, router};
use handler::store::Store;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;

const H: i64 = 3600;
const D: i64 = 86_400;

macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("store.db");
                super::$name(handler::store::sqlite::SqliteStore::open(&path).unwrap()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dynamodb() {
                super::$name(crate::support::dynamodb::fresh_store(stringify!($name)).await).await;
            }
        }
    )*};
}

on_both_stores!(handling_times_are_exact_and_each_companys_own);

/// The callers, by token: an installer at Demo El AB, a case handler at Öresundskraft and one
/// at Exempelnät Norr.
fn callers() -> Auth {
    Auth::Local(Arc::new(|token: &str| {
        let (user, role, org) = match token {
            "anna" => ("anna", Role::Installer, "demo_el"),
            "karin" => ("karin", Role::NetworkCompany, "oresundskraft"),
            "nora" => ("nora", Role::NetworkCompany, "exempelnat_norr"),
            _ => return None,
        };
        let caller = Caller {
            user: user.into(),
            role,
            org: org.into(),
            email: None,
            firm_name: Some("Demo El AB".into()),
            admin: false,
            machine: None,
        };
        Some(caller.into())
    }))
}

/// `GET path` as `who`: status, content type, body (JSON, or the text as a string).
async fn get(app: &axum::Router, who: &str, path: &str) -> (u16, String, Value) {
    let request = Request::builder()
        .uri(format!("/api/v1{path}"))
        .header("authorization", format!("Bearer {who}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    (status, kind, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A case of Demo El AB's, made on 1 January 08:00 (or `made`), with `steps` after that.
fn case(
    company: &str,
    installation_type: &str,
    job_type: &str,
    area: &str,
    made: OffsetDateTime,
    steps: &[(OffsetDateTime, Action, Status)],
) -> Case {
    let form = forms::Definitions::builtin().form(company, installation_type).unwrap();
    let id = handler::store::new_case_id(company);
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let number = format!("ÖK-2026-{:05}", NEXT.fetch_add(1, Ordering::Relaxed));
    let mut case = Case::new_draft(
        id,
        number,
        &form,
        job_type.into(),
        area.into(),
        "demo_el".into(),
        "anna".into(),
        made,
    );
    for (at, action, to) in steps {
        let role = match action {
            Action::Submit | Action::Complete | Action::Withdraw => Role::Installer,
            _ => Role::NetworkCompany,
        };
        case.history.push(HistoryEntry {
            at: *at,
            by: "x".into(),
            role: Some(role),
            action: *action,
            from: Some(case.status),
            to: *to,
            message: None,
        });
        if *action == Action::Submit {
            case.submitted_at.get_or_insert(*at);
        }
        case.status = *to;
        case.updated_at = *at;
    }
    case
}

fn figures(count: usize, median: Option<i64>, p90: Option<i64>) -> Value {
    let text = |s: Option<i64>| s.map(forms::handling_times::duration_sv);
    json!({"count": count, "median_seconds": median, "p90_seconds": p90,
           "median_text": text(median), "p90_text": text(p90)})
}

async fn handling_times_are_exact_and_each_companys_own<S: Store>(store: S) {
    use Action::*;
    use Status::*;
    let jan1 = datetime!(2026-01-01 08:00 UTC);
    let now = OffsetDateTime::now_utc();
    let ago = |h: i64| now - Duration::hours(h);
    let fuse = |area, steps: &[_]| {
        case("oresundskraft", "fuse_change", "increase_main_fuse", area, jan1, steps)
    };
    let fixture = [
        // 51 h to the decision; completion to closed 2 days.
        fuse(
            "helsingborg",
            &[
                (datetime!(2026-01-02 08:00 UTC), Submit, Submitted),
                (datetime!(2026-01-04 11:00 UTC), Approve, Approved),
                (datetime!(2026-01-10 10:00 UTC), Complete, Completed),
                (datetime!(2026-01-12 10:00 UTC), Close, Closed),
            ],
        ),
        // Returned after 1 h, sent again and rejected after 5 h.
        fuse(
            "helsingborg",
            &[
                (datetime!(2026-01-05 09:00 UTC), Submit, Submitted),
                (datetime!(2026-01-05 10:00 UTC), Return, Returned),
                (datetime!(2026-01-06 09:00 UTC), Submit, Submitted),
                (datetime!(2026-01-06 14:00 UTC), Reject, Rejected),
            ],
        ),
        // 6 h, ending in February.
        fuse(
            "helsingborg",
            &[
                (datetime!(2026-01-31 20:00 UTC), Submit, Submitted),
                (datetime!(2026-02-01 02:00 UTC), Approve, Approved),
            ],
        ),
        // Another type and area: 10 days.
        case(
            "oresundskraft",
            "service_change",
            "move_service",
            "angelholm",
            jan1,
            &[
                (datetime!(2026-01-10 12:00 UTC), Submit, Submitted),
                (datetime!(2026-01-20 12:00 UTC), Approve, Approved),
            ],
        ),
        // A draft: the company knows nothing of it.
        fuse("helsingborg", &[]),
        // Lately: 2 days and 5 h, and one waiting now (the queue of the last 90 days).
        case(
            "oresundskraft",
            "fuse_change",
            "increase_main_fuse",
            "hoganas",
            ago(100),
            &[(ago(72), Submit, Submitted), (ago(24), Approve, Approved)],
        ),
        case(
            "oresundskraft",
            "fuse_change",
            "increase_main_fuse",
            "hoganas",
            ago(100),
            &[(ago(10), Submit, Submitted), (ago(5), Return, Returned)],
        ),
        case(
            "oresundskraft",
            "fuse_change",
            "increase_main_fuse",
            "hoganas",
            ago(100),
            &[(ago(2), Submit, Submitted)],
        ),
        // Another company's: 2 h.
        case(
            "exempelnat_norr",
            "fuse_change",
            "increase_main_fuse",
            "polstad",
            jan1,
            &[
                (datetime!(2026-01-03 08:00 UTC), Submit, Submitted),
                (datetime!(2026-01-03 10:00 UTC), Approve, Approved),
            ],
        ),
    ];
    for c in &fixture {
        store.create_case(c).await.unwrap();
    }
    let app = router(AppState::new(store, callers()));
    let period = "?from=2026-01&to=2026-02";

    let (status, _, answer) = get(&app, "karin", &format!("/handling-times{period}")).await;
    assert_eq!(status, 200, "{answer}");
    let row = |month: &str, t: &str, tn: &str, a: &str, an: &str, sent: Value, done: Value| {
        json!({"month": month, "installation_type": t, "installation_type_name": tn,
               "network_area": a, "network_area_name": an,
               "sent_to_decision": sent, "completion_to_closed": done})
    };
    let none = figures(0, None, None);
    assert_eq!(
        answer,
        json!({"from": "2026-01", "to": "2026-02", "rows": [
            // 1 h, 5 h, 51 h: nearest rank 2 and 3.
            row("2026-01", "fuse_change", "Säkringsändring", "helsingborg", "Helsingborg",
                figures(3, Some(5 * H), Some(2 * D + 3 * H)), figures(1, Some(2 * D), Some(2 * D))),
            row("2026-01", "service_change", "Servisändring", "angelholm", "Ängelholm",
                figures(1, Some(10 * D), Some(10 * D)), none.clone()),
            row("2026-02", "fuse_change", "Säkringsändring", "helsingborg", "Helsingborg",
                figures(1, Some(6 * H), Some(6 * H)), none.clone()),
        ]})
    );

    // The other company sees its own case only, as JSON and as CSV.
    let (status, _, answer) = get(&app, "nora", &format!("/handling-times{period}")).await;
    assert_eq!(status, 200);
    assert_eq!(answer["rows"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(answer["rows"][0]["network_area"], "polstad");
    assert_eq!(answer["rows"][0]["sent_to_decision"], figures(1, Some(2 * H), Some(2 * H)));
    let (status, kind, csv) = get(&app, "nora", &format!("/handling-times.csv{period}")).await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.as_str().unwrap().split("\r\n").collect();
    assert!(lines[0].starts_with("\u{feff}Månad;Installationstyp;Nätområde;"), "{}", lines[0]);
    assert_eq!(lines[1..], ["2026-01;Säkringsändring;Polstad;1;2,0;2,0;0;;", ""]);
    let (_, _, csv) = get(&app, "karin", &format!("/handling-times.csv{period}")).await;
    let csv = csv.as_str().unwrap().to_string();
    assert!(
        csv.contains("\r\n2026-01;Säkringsändring;Helsingborg;3;5,0;51,0;1;48,0;48,0\r\n"),
        "{csv}"
    );
    assert!(!csv.contains("Polstad"));

    // Only a network company; bad months are refused and name the parameter.
    let (status, _, answer) = get(&app, "anna", "/handling-times").await;
    assert_eq!((status, &answer["error"]["code"]), (403, &json!("forbidden")));
    let (status, _, answer) = get(&app, "karin", "/handling-times?from=2026-13").await;
    assert_eq!((status, &answer["error"]["fields"][0]["field"]), (422, &json!("from")));
    let (status, _, answer) = get(&app, "karin", "/handling-times?from=2026-03&to=2026-02").await;
    assert_eq!((status, &answer["error"]["code"]), (422, &json!("invalid_range")));

    // The installer's queue: the last 90 days' decisions on Säkringsändring (5 h and 2 days)
    // and the one waiting; no case. Another company may not look.
    let queue = "/companies/oresundskraft/handling-times?installation_type=fuse_change";
    let (status, _, answer) = get(&app, "anna", queue).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"installation_type": "fuse_change", "days": 90,
        "sent_to_decision": figures(2, Some(5 * H), Some(2 * D)), "waiting": 1})
    );
    assert_eq!(get(&app, "karin", queue).await.0, 200);
    assert_eq!(get(&app, "nora", queue).await.0, 404);
    let (status, _, answer) =
        get(&app, "anna", "/companies/oresundskraft/handling-times?installation_type=x").await;
    assert_eq!(
        (status, &answer["error"]["fields"][0]["field"]),
        (422, &json!("installation_type"))
    );
    assert_eq!(get(&app, "anna", "/companies/nobody/handling-times").await.0, 404);

    // Time per status on the case, for both sides: the ended status (Avslutad) is not counted.
    let expected = json!([
        {"status": "draft", "seconds": D, "text": "1 dag"},
        {"status": "submitted", "seconds": 2 * D + 3 * H, "text": "2 dagar 3 timmar"},
        {"status": "approved", "seconds": 5 * D + 23 * H, "text": "5 dagar 23 timmar"},
        {"status": "completed", "seconds": 2 * D, "text": "2 dagar"},
    ]);
    for who in ["anna", "karin"] {
        let (status, _, answer) = get(&app, who, &format!("/cases/{}", fixture[0].id)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["status_times"], expected, "{who}");
    }
    // The waiting case's current status counts until now.
    let (_, _, answer) = get(&app, "anna", &format!("/cases/{}", fixture[7].id)).await;
    let waited = answer["status_times"][1]["seconds"].as_i64().unwrap();
    assert_eq!(answer["status_times"][1]["status"], "submitted");
    assert!((2 * H..2 * H + 60).contains(&waited), "{waited}");
}

on_both_stores!(handling_times_of_many_cases);

/// What a company's handling times cost with many cases (BENCHMARKS.md, "Handling times"):
/// `ELANMALAN_BENCH_CASES` sent and decided cases (default 200, so that the suite stays fast),
/// with a realistic amount of fields, then the time of `GET /handling-times` and of the queue.
async fn handling_times_of_many_cases<S: Store>(store: S) {
    use Action::*;
    use Status::*;
    let n: i64 =
        std::env::var("ELANMALAN_BENCH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let start = datetime!(2026-01-01 08:00 UTC);
    let seeded = std::time::Instant::now();
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..n {
        let sent = start + Duration::minutes(i * 50);
        let mut c = case(
            "oresundskraft",
            "fuse_change",
            "increase_main_fuse",
            "helsingborg",
            start,
            &[(sent, Submit, Submitted), (sent + Duration::hours(1 + i % 48), Approve, Approved)],
        );
        // About as much text as a filled-in notice.
        for (k, field) in [
            "owner.name",
            "owner.street_address",
            "work.description",
            "installation.street_address",
        ]
        .iter()
        .enumerate()
        {
            c.fields.insert(field.to_string(), format!("{field} {i} {}", "x".repeat(60 + k * 40)));
        }
        let store = store.clone();
        writes.spawn(async move { store.create_case(&c).await.unwrap() });
        if writes.len() >= 16 {
            writes.join_next().await.unwrap().unwrap();
        }
    }
    writes.join_all().await;
    let seeded = seeded.elapsed();
    let app = router(AppState::new(store, callers()));
    let timed = std::time::Instant::now();
    let (status, _, answer) = get(&app, "karin", "/handling-times?from=2026-01&to=2026-12").await;
    let monthly = timed.elapsed();
    assert_eq!(status, 200);
    let counted: u64 = answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sent_to_decision"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, n as u64);
    let timed = std::time::Instant::now();
    let queue = "/companies/oresundskraft/handling-times?installation_type=fuse_change";
    assert_eq!(get(&app, "anna", queue).await.0, 200);
    let queue = timed.elapsed();
    eprintln!(
        "{n} cases: seeded in {seeded:?}; GET /handling-times {monthly:?}; the queue {queue:?}"
    );
}
