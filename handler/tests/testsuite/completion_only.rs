//! Jobs that need only a completion notice (issue 22, part 4): Öresundskraft's "Byte inom
//! samma säkringsområde" is filled in with its completion notice while a draft and is
//! Färdiganmäld as soon as it is sent; another fuse change still waits for an approval. On both
//! stores.

use serde_json::{Value, json};

use crate::support::both_stores;
use crate::support::cases::{edit, id_of, lookup, oresundskraft_registry, version_of};
use crate::support::server::{ANNA, Api, KARIN, Server};

both_stores!(a_completion_only_job_is_completed_when_sent, another_fuse_change_waits_for_approval);

/// Anna's Säkringsändring with `job_type`, filled in from the registry with the notice's
/// fields (and `more`), owner copied to payer: the draft as it is then.
async fn filled_fuse_change(anna: &Api, job_type: &str, more: Value) -> Value {
    let new = json!({"company": "oresundskraft", "installation_type": "fuse_change",
        "job_type": job_type, "network_area": "helsingborg"});
    let id = id_of(anna.post("/cases", new).await.expect(201));
    let meter = &oresundskraft_registry()[1].meter_number;
    lookup(anna, &id, json!({"version": 1, "meter_number": meter, "apply": true}))
        .await
        .expect(200);
    let mut fields = json!({"owner.identity_number": "19121212-1212",
        "work.description": "Huvudsäkringen byts mot en likadan.",
        "work.requested_main_fuse": "20"});
    fields.as_object_mut().unwrap().extend(more.as_object().unwrap().clone());
    let edited = edit(anna, &id, 2, fields).await;
    let version = version_of(edited.expect(200));
    let copy = json!({"version": version});
    anna.post(&format!("/cases/{id}/copy-from-owner"), copy).await.expect(200).clone()
}

fn actions(history: &Value) -> Vec<(&str, &str)> {
    history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["action"].as_str().unwrap(), h["to"].as_str().unwrap()))
        .collect()
}

async fn a_completion_only_job_is_completed_when_sent(server: Server) {
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    // The completion notice is part of the draft: set with the notice, in one edit.
    let draft =
        filled_fuse_change(&anna, "same_fuse_range", json!({"completion.date": "2026-03-02"}))
            .await;
    let id = id_of(&draft);
    assert_eq!(
        (draft["status"].as_str(), draft["completion_only"].as_bool()),
        (Some("draft"), Some(true))
    );
    assert_eq!(draft["fields"]["completion.date"], "2026-03-02");
    // What stops sending it names the completion notice's missing field, and so does a send.
    let problems: Vec<&str> = draft["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(problems, ["completion.meter_reading"]);
    let v = version_of(&draft);
    let refused = anna.post(&format!("/cases/{id}/submit"), json!({"version": v})).await;
    refused.expect_error(422, "validation_failed");
    assert_eq!(refused.error_fields(), ["completion.meter_reading"]);
    assert!(karin.get(&format!("/cases/{id}")).await.status == 404, "still a draft");

    let done = edit(&anna, &id, v, json!({"completion.meter_reading": 48213})).await;
    let v = version_of(done.expect(200));
    let sent = anna.post(&format!("/cases/{id}/submit"), json!({"version": v})).await;
    let sent = sent.expect(200).clone();
    assert_eq!(
        (sent["status"].as_str(), sent["status_label"].as_str()),
        (Some("completed"), Some("Färdiganmäld"))
    );
    assert_eq!(version_of(&sent), v + 1, "sent and completed in one change");
    let last_two: Vec<_> = actions(&sent["history"]).into_iter().rev().take(2).collect();
    assert_eq!(
        last_two,
        [("complete", "completed"), ("submit", "submitted")],
        "no approval, not even by the rule of at most 25 A"
    );
    assert_eq!(sent["actions"], json!(["message"]), "nothing more for the installer to do");

    // The network company has it in the Inkorg as Färdiganmäld, and may close it.
    let inbox = karin.get("/cases?status=completed").await.expect(200).clone();
    let listed = &inbox["cases"][0];
    assert_eq!(
        (listed["id"].as_str(), listed["completion_only"].as_bool()),
        (Some(id.as_str()), Some(true))
    );
    assert_eq!(listed["status_label"], "Färdiganmäld");
    assert_eq!(listed["actions"], json!(["close", "message"]));
    let closed = karin.post(&format!("/cases/{id}/close"), json!({"version": v + 1})).await;
    assert_eq!(closed.expect(200)["status"], "closed");
}

async fn another_fuse_change_waits_for_approval(server: Server) {
    let anna = server.api(ANNA);
    let draft =
        filled_fuse_change(&anna, "increase_main_fuse", json!({"work.requested_main_fuse": "35"}))
            .await;
    let id = id_of(&draft);
    assert_eq!(draft["completion_only"], false);
    // Its completion notice comes after the approval, not with the draft.
    let early =
        edit(&anna, &id, version_of(&draft), json!({"completion.date": "2026-03-02"})).await;
    early.expect_error(422, "invalid_fields");
    assert_eq!(early.error_fields(), ["completion.date"]);
    let sent =
        anna.post(&format!("/cases/{id}/submit"), json!({"version": version_of(&draft)})).await;
    assert_eq!(sent.expect(200)["status"], "submitted");
}
