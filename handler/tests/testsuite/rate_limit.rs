//! Lookups are rate-limited per user.

use serde_json::json;

use crate::support::cases::{create_case, id_of, lookup, oresundskraft_registry};
use crate::support::server::{ANNA, BERTIL, Server};

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
