//! Lookups are capped (issue 11): per user per minute, hour and day, and per installer firm
//! per day, with caps a company's definitions may change. The request after each cap is 429
//! with Retry-After, changes nothing, and the company's audit log shows the cap once.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::cases::{create_case, id_of, lookup, oresundskraft_registry, version_of};
use crate::support::server::{ANNA, BERTIL, DAN, KARIN, Server, User, assert_swedish};
use crate::support::{SHIPPED, copy_tree};

#[tokio::test]
async fn lookups_are_rate_limited_per_user() {
    let server = Server::sqlite();
    let anna = server.api(ANNA);
    let id = id_of(&create_case(&anna).await);
    let meter = oresundskraft_registry()[0].meter_number.clone();
    let mut limited = None;
    // 30 a minute are allowed; 62 quick calls cross at most one minute boundary.
    for n in 0..62 {
        let answer = lookup(&anna, &id, json!({"version": 1, "meter_number": meter})).await;
        match answer.status {
            200 => {}
            429 => {
                limited = Some((n, answer));
                break;
            }
            other => panic!("lookup {n}: unexpected {other}: {}", answer.text),
        }
    }
    let (n, answer) = limited.expect("no 429 among 62 lookups");
    assert!(n >= 30, "limited after only {n} lookups");
    answer.expect_error(429, "rate_limited");
    let retry_after: u64 = answer
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    // Another user is not limited by Anna's lookups.
    let bertil = server.api(BERTIL);
    let other = id_of(&create_case(&bertil).await);
    lookup(&bertil, &other, json!({"version": 1, "meter_number": meter})).await.expect(200);
}

/// `handler serve` on SQLite whose Öresundskraft has these `[lookup_limits]`.
fn server_with_limits(limits: &str) -> Server {
    server_with_limits_on("sqlite", limits)
}

/// `handler serve` on `store` whose Öresundskraft has these `[lookup_limits]`.
pub(crate) fn server_with_limits_on(store: &str, limits: &str) -> Server {
    let defs = tempfile::tempdir().unwrap();
    copy_tree(Path::new(SHIPPED), defs.path());
    let company = defs.path().join("companies/oresundskraft.toml");
    let text = std::fs::read_to_string(&company).unwrap();
    std::fs::write(&company, format!("{text}\n[lookup_limits]\n{limits}\n")).unwrap();
    let definitions = defs.path().to_str().unwrap().to_string();
    let server = Server::on(store, &["--definitions", &definitions]);
    // The server read the definitions at start; the folder may go.
    drop(defs);
    server
}

/// Waits until the current window of `seconds` has at least 10 s left, so that a test's
/// lookups all fall in one window.
pub(crate) async fn clear_of_window_end(seconds: u64) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let left = seconds - now.as_secs() % seconds;
    if left < 10 {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
}

/// Makes `allowed` lookups as `first` then `second` (alternating), all answered, then one more
/// by `second`, which the cap refuses; returns the refusal and the case it was tried on.
async fn reach_cap(server: &Server, users: [User; 2], allowed: usize) -> (Value, String, u64) {
    let meter = oresundskraft_registry()[0].meter_number.clone();
    let cases = [
        id_of(&create_case(&server.api(users[0])).await),
        id_of(&create_case(&server.api(users[1])).await),
    ];
    for n in 0..allowed {
        let who = n % 2;
        let body = json!({"version": 1, "meter_number": meter});
        lookup(&server.api(users[who]), &cases[who], body).await.expect(200);
    }
    // With apply: it would change the case, had it been allowed.
    let body = json!({"version": 1, "meter_number": meter, "apply": true});
    let refused = lookup(&server.api(users[1]), &cases[1], body).await;
    let error = refused.expect_error(429, "rate_limited").clone();
    let retry_after: u64 = refused.header("retry-after").expect("Retry-After").parse().unwrap();
    let case = server.api(users[1]).get(&format!("/cases/{}", cases[1])).await.expect(200).clone();
    assert_eq!(version_of(&case), 1, "the refused lookup changed nothing");
    assert!(case["fields"].get("owner.name").is_none(), "nothing was merged");
    (error, cases[1].clone(), retry_after)
}

/// The company's audit entries that a cap refused.
pub(crate) async fn refusals(server: &Server) -> Vec<Value> {
    let audit = server.api(KARIN).get("/audit?limit=100").await.expect(200).clone();
    let entries = audit["entries"].as_array().unwrap().clone();
    entries.into_iter().filter(|e| e.get("limit_reached").is_some()).collect()
}

#[tokio::test]
async fn each_cap_refuses_the_lookup_after_it_and_the_audit_shows_it_once() {
    let caps = [
        ("per_user_per_minute = 3", 3, [ANNA, ANNA], "per_user_per_minute", 60),
        ("per_user_per_hour = 3", 3, [ANNA, ANNA], "per_user_per_hour", 3600),
        ("per_user_per_day = 4", 4, [ANNA, ANNA], "per_user_per_day", 86_400),
        // Anna and Dan share Demo El AB's count; Bertil's firm is not limited by it.
        ("per_firm_per_day = 4", 4, [ANNA, DAN], "per_firm_per_day", 86_400),
    ];
    for (limits, allowed, users, name, window) in caps {
        clear_of_window_end(window).await;
        let server = server_with_limits(limits);
        let (error, case_id, retry_after) = reach_cap(&server, users, allowed).await;
        assert!((1..=window).contains(&retry_after), "{name}: Retry-After {retry_after}");
        let message = error["message"].as_str().unwrap();
        assert_swedish(message);
        let said = forms::definitions::LookupLimit::ALL
            .into_iter()
            .find(|l| serde_json::to_value(l).unwrap() == name)
            .unwrap()
            .describe();
        assert!(
            message.starts_with(&format!("Öresundskraft tillåter högst {allowed} uppslag {said}.")),
            "{name}: {message}"
        );

        // Refused again: still refused, and the audit log names the cap once.
        let meter = oresundskraft_registry()[0].meter_number.clone();
        let again = json!({"version": 1, "meter_number": meter});
        lookup(&server.api(users[1]), &case_id, again).await.expect_error(429, "rate_limited");
        let refused = refusals(&server).await;
        assert_eq!(refused.len(), 1, "{name}: {refused:?}");
        assert_eq!(refused[0]["limit_reached"], name);
        assert_eq!(refused[0]["found"], false);
        assert_eq!(refused[0]["user"], users[1].id);
        assert_eq!(refused[0]["case_id"], case_id.as_str());
        let csv = server.api(KARIN).get("/audit.csv").await;
        assert!(
            csv.text.contains(&format!("nej, spärrad av gränsen {said}")),
            "{name}: {}",
            csv.text
        );

        // Another firm still looks up.
        let bertil = server.api(BERTIL);
        let other = id_of(&create_case(&bertil).await);
        lookup(&bertil, &other, json!({"version": 1, "meter_number": meter})).await.expect(200);
    }
}

#[test]
fn caps_that_are_not_whole_numbers_of_at_least_one_are_named_by_line() {
    let defs = tempfile::tempdir().unwrap();
    copy_tree(Path::new(SHIPPED), defs.path());
    let company = defs.path().join("companies/oresundskraft.toml");
    let text = std::fs::read_to_string(&company).unwrap();
    let lines = text.lines().count();
    std::fs::write(&company, format!("{text}\n[lookup_limits]\nper_user_per_hour = 0\n")).unwrap();
    let output = std::process::Command::new(crate::support::server::BINARY)
        .arg("check-definitions")
        .arg(defs.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}");
    let line = lines + 3;
    assert!(
        out.contains(&format!("companies/oresundskraft.toml:{line}:"))
            && out.contains("lookup_limits.per_user_per_hour ska vara ett heltal, minst 1"),
        "{out}"
    );
}
