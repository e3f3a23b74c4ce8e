//! Kundlänk (issue 23): the installer makes a link for the customer, which shows the case's
//! number, network company, status and dates without sign-in and nothing personal; answered
//! no-store and noindex; replaced, revoked and gone with the case's personal data; other firms
//! and the network company cannot touch it; reads are capped per client. On both stores.

use serde_json::{Value, json};

use crate::support::both_stores;
use crate::support::cases::{create_case, id_of, oresundskraft_registry, submitted_case};
use crate::support::server::{ANNA, Api, BERTIL, KARIN, Server, assert_swedish};

both_stores!(
    the_customer_sees_the_status_and_nothing_personal,
    a_link_is_replaced_revoked_and_only_the_firms,
    a_link_goes_with_the_cases_personal_data,
    reads_are_capped_per_client,
);

/// Makes the case's link: its token.
async fn make_link(anna: &Api, id: &str) -> String {
    let made = anna.post(&format!("/cases/{id}/customer-link"), json!({})).await;
    let made = made.expect(201);
    let url = made["url"].as_str().unwrap();
    assert!(made["expires_at"].is_string(), "{made}");
    let (page, token) = url.split_once('#').unwrap();
    assert!(page.ends_with("/kund/"), "{url}");
    assert_eq!(token.len(), 43, "256 bits less the UUIDs' version bits, base64url: {url}");
    token.to_string()
}

async fn read(server: &Server, token: &str) -> crate::support::server::Answer {
    server.anonymous().post("/customer-status", json!({"token": token})).await
}

async fn the_customer_sees_the_status_and_nothing_personal(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    // Not before the case is sent.
    let draft = id_of(&create_case(&anna).await);
    let early = anna.post(&format!("/cases/{draft}/customer-link"), json!({})).await;
    assert_swedish(early.expect_error(409, "invalid_status")["message"].as_str().unwrap());

    let (id, version) = submitted_case(&anna).await;
    let token = make_link(&anna, &id).await;
    let answer = read(&server, &token).await;
    let status = answer.expect(200).clone();
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("x-robots-tag"), Some("noindex"));
    let mut keys: Vec<&str> = status.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let expected = [
        "closed_at",
        "company",
        "completed_at",
        "decided_at",
        "number",
        "sent_at",
        "status",
        "status_label",
    ];
    assert_eq!(keys, expected, "{status}");
    let case = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(status["number"], case["number"]);
    assert_eq!(status["company"], "Öresundskraft");
    assert_eq!(status["status_label"], "För godkännande");
    assert_eq!(status["sent_at"], case["submitted_at"]);
    assert_eq!(status["decided_at"], Value::Null);

    let approve = json!({"version": version, "decision": "approve"});
    karin.post(&format!("/cases/{id}/decision"), approve).await.expect(200);
    let answer = read(&server, &token).await;
    let status = answer.expect(200);
    assert_eq!(status["status_label"], "Godkänd");
    assert!(status["decided_at"].is_string(), "{status}");
    let owner = &oresundskraft_registry()[0];
    let text = &answer.text;
    for personal in [
        &owner.owner_name,
        &owner.street_address,
        &owner.owner_street_address,
        &owner.ean,
        &owner.meter_number,
        &"19121212-1212".to_string(),
        &id,
    ] {
        assert!(!personal.is_empty() && !text.contains(personal.as_str()), "{personal} in {text}");
    }
}

async fn a_link_is_replaced_revoked_and_only_the_firms(server: Server) {
    let (anna, bertil, karin) = (server.api(ANNA), server.api(BERTIL), server.api(KARIN));
    let (id, _) = submitted_case(&anna).await;
    let path = format!("/cases/{id}/customer-link");
    anna.get(&path).await.expect_error(404, "customer_link_not_found");
    let first = make_link(&anna, &id).await;
    let info = anna.get(&path).await.expect(200).clone();
    assert!(info["expires_at"].is_string() && info.get("url").is_none(), "{info}");

    // Another firm and the network company: the 404 of an unknown case, and nothing changes.
    for other in [&bertil, &karin] {
        other.post(&path, json!({})).await.expect_error(404, "case_not_found");
        other.get(&path).await.expect_error(404, "case_not_found");
        other.delete(&path).await.expect_error(404, "case_not_found");
    }
    read(&server, &first).await.expect(200);

    // A new link replaces the old, which stops working at once.
    let second = make_link(&anna, &id).await;
    assert_ne!(first, second);
    let old = read(&server, &first).await;
    assert_swedish(old.expect_error(404, "customer_link_not_found")["message"].as_str().unwrap());
    read(&server, &second).await.expect(200);

    // Revoked: gone; revoking again is no error.
    assert_eq!(anna.delete(&path).await.status, 204);
    read(&server, &second).await.expect_error(404, "customer_link_not_found");
    anna.get(&path).await.expect_error(404, "customer_link_not_found");
    assert_eq!(anna.delete(&path).await.status, 204);

    // Unknown and malformed tokens: the same 404.
    let unknown = "A".repeat(43);
    read(&server, &unknown).await.expect_error(404, "customer_link_not_found");
    read(&server, "kort").await.expect_error(404, "customer_link_not_found");
    // The log never carries a token.
    assert!(!server.log().contains(&second) && !server.log().contains(&first));
}

/// The erasure of the customer's data from a case that is over takes its link too.
async fn a_link_goes_with_the_cases_personal_data(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let (id, version) = submitted_case(&anna).await;
    let token = make_link(&anna, &id).await;
    let reject = json!({"version": version, "decision": "reject", "message": "Fel adress."});
    karin.post(&format!("/cases/{id}/decision"), reject).await.expect(200);
    let status = read(&server, &token).await.expect(200).clone();
    assert_eq!(status["status_label"], "Ej godkänd");
    assert!(status["decided_at"].is_string(), "{status}");

    let erasure = json!({"identity_number": "19121212-1212"});
    let erased = karin.post("/data-subject/erase", erasure).await.expect(200).clone();
    assert_eq!(erased["erased"].as_array().unwrap().len(), 1, "{erased}");
    read(&server, &token).await.expect_error(404, "customer_link_not_found");
    let path = format!("/cases/{id}/customer-link");
    anna.get(&path).await.expect_error(404, "customer_link_not_found");
}

async fn reads_are_capped_per_client(server: Server) {
    let unknown = "B".repeat(43);
    // 30 a minute are allowed; 62 quick reads cross at most one minute boundary.
    let mut limited = None;
    for n in 0..62 {
        let answer = read(&server, &unknown).await;
        match answer.status {
            404 => {}
            429 => {
                limited = Some((n, answer));
                break;
            }
            other => panic!("read {n}: unexpected {other}: {}", answer.text),
        }
    }
    let (n, answer) = limited.expect("no 429 among 62 reads");
    assert!(n >= 30, "limited after only {n} reads");
    let error = answer.expect_error(429, "rate_limited");
    assert_swedish(error["message"].as_str().unwrap());
    let retry_after: u64 = answer.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
}
