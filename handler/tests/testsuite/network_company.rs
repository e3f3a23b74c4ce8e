//! The network company's answers: Åter för komplettering and back, Ej godkänd, Avslutad.

use serde_json::{Value, json};

use crate::support::both_stores;
use crate::support::cases::{edit, field, submitted_case, version_of};
use crate::support::server::{ANNA, KARIN, Server};

both_stores!(the_network_companys_answers);

/// Åter för komplettering and back, Ej godkänd, Avslutad, and what each answer needs.
async fn the_network_companys_answers(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let decide = |id: &str, body: Value| {
        let path = format!("/cases/{id}/decision");
        let karin = karin.clone();
        async move { karin.post(&path, body).await }
    };

    // Returning needs a message, of a reasonable length.
    let (id, v) = submitted_case(&anna).await;
    decide(&id, json!({"version": v, "decision": "return"}))
        .await
        .expect_error(422, "message_required");
    let long = "x".repeat(2001);
    decide(&id, json!({"version": v, "decision": "return", "message": long}))
        .await
        .expect_error(422, "message_too_long");
    let returned = decide(
        &id,
        json!({"version": v, "decision": "return", "message": "Ange önskad huvudsäkring."}),
    )
    .await;
    let returned = returned.expect(200).clone();
    assert_eq!(returned["status_label"], "Åter för komplettering");
    assert_eq!(
        returned["history"].as_array().unwrap().last().unwrap()["message"],
        "Ange önskad huvudsäkring."
    );

    // The installer completes it and sends it again; then it is approved, and closed although
    // the work was never done.
    let fields = json!({"work.requested_main_fuse": "25"});
    edit(&anna, &id, v + 1, fields).await.expect(200);
    let again = anna.post(&format!("/cases/{id}/submit"), json!({"version": v + 2})).await;
    assert_eq!(again.expect(200)["status"], "submitted");
    let approved = decide(&id, json!({"version": v + 3, "decision": "approve"})).await;
    assert_eq!(approved.expect(200)["status"], "approved");

    // A completion notice sets only the completion part's fields, needs its mandatory ones,
    // and only the installer files it.
    let notice_fields =
        json!({"version": v + 4, "fields": {"installation.ean": "123", "owner.name": null}});
    let refused = anna.post(&format!("/cases/{id}/completion"), notice_fields).await;
    refused.expect_error(422, "invalid_fields");
    assert_eq!(refused.error_fields(), ["installation.ean", "owner.name"]);
    let empty = json!({"version": v + 4, "fields": {"completion.notes": "Klart."}});
    let refused = anna.post(&format!("/cases/{id}/completion"), empty).await;
    refused.expect_error(422, "validation_failed");
    assert_eq!(refused.error_fields(), ["completion.date", "completion.meter_reading"]);
    let ok = json!({"version": v + 4, "fields": {}});
    karin.post(&format!("/cases/{id}/completion"), ok).await.expect_error(403, "forbidden");
    let unchanged = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(version_of(&unchanged), v + 4);
    assert_eq!(unchanged["status"], "approved");
    assert!(field(&unchanged, "owner.name").is_some());
    let closed = karin.post(&format!("/cases/{id}/close"), json!({"version": v + 4})).await;
    assert_eq!(closed.expect(200)["status_label"], "Avslutad");

    // Ej godkänd, then closed; and a sent case the installer withdraws.
    let (id, v) = submitted_case(&anna).await;
    let rejected = decide(
        &id,
        json!({"version": v, "decision": "reject", "message": "Fel nätbolag för adressen."}),
    )
    .await;
    assert_eq!(rejected.expect(200)["status_label"], "Ej godkänd");
    let closed = karin.post(&format!("/cases/{id}/close"), json!({"version": v + 1})).await;
    assert_eq!(closed.expect(200)["status"], "closed");
    let (id, v) = submitted_case(&anna).await;
    let withdrawn = anna.post(&format!("/cases/{id}/withdraw"), json!({"version": v})).await;
    assert_eq!(withdrawn.expect(200)["status_label"], "Makulerad");
    decide(&id, json!({"version": v + 1, "decision": "approve"}))
        .await
        .expect_error(409, "invalid_status");
}
