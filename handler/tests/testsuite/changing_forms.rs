//! Forms that change under cases (issue 9, part 5): a network company changes its definitions
//! while cases are under way, and the server is restarted with them on the same data. Each
//! sending is checked against the definitions as they are then; a case already sent is never
//! made invalid; no stored value is lost. docs/definitions.md, "When the definitions change", says the rules.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::cases::{field, id_of, submitted_case, version_of};
use crate::support::server::{ANNA, Api, KARIN, Server};
use crate::support::{SHIPPED, copy_tree};

/// A draft filled in completely but not sent: `(id, version)`. `job_type` as created.
async fn complete_draft(anna: &Api, job_type: &str) -> (String, u64) {
    let new = json!({"company": "oresundskraft", "installation_type": "service_change",
        "job_type": job_type, "network_area": "helsingborg"});
    let case = anna.post("/cases", new).await.expect(201).clone();
    let id = id_of(&case);
    let fields = json!({
        "installation.ean": "735999100000000010",
        "installation.meter_number": "30000001",
        "installation.street_address": "Drottninggatan 1",
        "installation.postal_code": "252 21",
        "installation.city": "Helsingborg",
        "installation.property_designation": "Helsingborg Söder 1:23",
        "installation.desired_meter_placement": "facade",
        "owner.name": "Anna Andersson",
        "owner.identity_number": "19121212-1212",
        "owner.street_address": "Storgatan 2",
        "owner.postal_code": "252 22",
        "owner.city": "Helsingborg",
        "owner.phone": "042-12 34 56",
        "work.description": "Servisen flyttas till fasaden.",
        "work.planned_start": "2026-12-15",
    });
    anna.patch(&format!("/cases/{id}"), json!({"version": 1, "fields": fields})).await.expect(200);
    let copied = anna.post(&format!("/cases/{id}/copy-from-owner"), json!({"version": 2})).await;
    assert_eq!(copied.expect(200)["problems"], json!([]), "complete under the old definitions");
    (id, 3)
}

/// The company's change: a new mandatory field of its own, a field removed from `base.toml`
/// (with its lookup line), and a job type no longer offered.
fn change_definitions(dir: &Path) {
    let edit = |file: &str, change: &dyn Fn(String) -> String| {
        let path = dir.join(file);
        let before = std::fs::read_to_string(&path).unwrap();
        let after = change(before.clone());
        assert_ne!(before, after, "{file} changed");
        std::fs::write(&path, after).unwrap();
    };
    edit("base.toml", &|text| {
        let field = text.find("[[field]]\nid = \"installation.property_designation\"").unwrap();
        let end = field + text[field..].find("\n\n").unwrap() + 2;
        let text = format!("{}{}", &text[..field], &text[end..]);
        text.replace("property_designation = \"installation.property_designation\"\n", "")
    });
    edit("companies/oresundskraft.toml", &|text| {
        let offer = "[[installation_type]]\nid = \"service_change\"\n";
        assert!(text.contains(offer), "Öresundskraft offers service_change");
        let text = text.replacen(offer, &format!("{offer}job_types = [\"move_service\"]\n"), 1);
        text + "\n[[field]]\nid = \"work.site_contact\"\nlabel = \"Kontaktperson på plats\"\n\
                type = \"text\"\nmandatory = true\n"
    });
}

async fn decide(karin: &Api, id: &str, version: u64, decision: &str) -> Value {
    let mut body = json!({"version": version, "decision": decision});
    if decision == "return" {
        body["message"] = json!("Komplettera med kontaktperson.");
    }
    karin.post(&format!("/cases/{id}/decision"), body).await.expect(200).clone()
}

#[tokio::test]
async fn cases_under_way_when_the_definitions_change() {
    let definitions = tempfile::tempdir().unwrap();
    copy_tree(Path::new(SHIPPED), definitions.path());
    let dir = definitions.path().display().to_string();
    let mut server =
        Server::start(tempfile::tempdir().unwrap(), "sqlite", &["--definitions", &dir], &[]);
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));

    let (sent, sent_v) = submitted_case(&anna).await;
    let (approved, v) = submitted_case(&anna).await;
    let approved_v = version_of(&decide(&karin, &approved, v, "approve").await);
    let (returned, v) = complete_draft(&anna, "replace_service_cable").await;
    anna.post(&format!("/cases/{returned}/submit"), json!({"version": v})).await.expect(200);
    let returned_v = version_of(&decide(&karin, &returned, v + 1, "return").await);
    let (draft, draft_v) = complete_draft(&anna, "move_service").await;
    let (withdrawn_offer, withdrawn_v) = complete_draft(&anna, "replace_service_cable").await;

    let sent_fields = anna.get(&format!("/cases/{sent}")).await.expect(200)["fields"].clone();
    server.stop_with("-TERM");
    let data = std::mem::replace(&mut server.data_dir, tempfile::tempdir().unwrap());
    change_definitions(definitions.path());
    let server = Server::start(data, "sqlite", &["--definitions", &dir], &[]);
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));
    let get =
        async |api: &Api, id: &str| api.get(&format!("/cases/{id}")).await.expect(200).clone();

    // A sent case: not made invalid by the new mandatory field, its removed field's value kept,
    // and the company decides on it as before.
    let case = get(&karin, &sent).await;
    assert_eq!(case["problems"], json!([]), "a sent case has no problems afterwards");
    assert_eq!(case["fields"], sent_fields, "every value kept, the removed field's too");
    assert!(field(&case, "installation.property_designation").is_some());
    decide(&karin, &sent, sent_v, "approve").await;

    // An approved case: the completion notice is sent as before.
    let done = json!({"version": approved_v, "fields":
        {"completion.date": "2026-12-20", "completion.meter_reading": "4711"}});
    let done = anna.post(&format!("/cases/{approved}/completion"), done).await;
    assert_eq!(done.expect(200)["status"], "completed");

    // A draft: sent against the definitions as they are now. The new mandatory field is asked
    // for, the removed field's value is kept and stops nothing, and may only be cleared.
    let case = get(&anna, &draft).await;
    let problems: Vec<&str> =
        case["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert_eq!(problems, ["work.site_contact"]);
    assert_eq!(field(&case, "installation.property_designation"), Some("Helsingborg Söder 1:23"));
    let refused = anna.post(&format!("/cases/{draft}/submit"), json!({"version": draft_v})).await;
    refused.expect_error(422, "validation_failed");
    assert_eq!(refused.error_fields(), ["work.site_contact"]);
    let set_removed = json!({"version": draft_v, "fields":
        {"installation.property_designation": "Söder 1:24"}});
    let answer = anna.patch(&format!("/cases/{draft}"), set_removed).await;
    answer.expect_error(422, "invalid_fields");
    assert_eq!(answer.error_fields(), ["installation.property_designation"]);
    let fill = json!({"version": draft_v, "fields": {"work.site_contact": "Anna, 070-123 45 67"}});
    anna.patch(&format!("/cases/{draft}"), fill).await.expect(200);
    let sent_now =
        anna.post(&format!("/cases/{draft}/submit"), json!({"version": draft_v + 1})).await;
    let sent_now = sent_now.expect(200);
    assert_eq!(sent_now["status"], "submitted");
    assert_eq!(
        field(sent_now, "installation.property_designation"),
        Some("Helsingborg Söder 1:23")
    );

    // A draft of a job type the company no longer offers cannot be sent; it says why.
    let answer = anna
        .post(&format!("/cases/{withdrawn_offer}/submit"), json!({"version": withdrawn_v}))
        .await;
    answer.expect_error(422, "validation_failed");
    assert!(answer.error_fields().contains(&"job_type".to_string()), "{}", answer.text);
    let message = &answer.body["error"]["fields"][0]["message"];
    assert!(message.as_str().unwrap().contains("tar inte längre emot"), "{message}");

    // A returned case of that job type was sent once: it may be sent again, with the new field.
    let fill = json!({"version": returned_v, "fields": {"work.site_contact": "Bertil"}});
    anna.patch(&format!("/cases/{returned}"), fill).await.expect(200);
    let again =
        anna.post(&format!("/cases/{returned}/submit"), json!({"version": returned_v + 1})).await;
    assert_eq!(again.expect(200)["status"], "submitted");
    assert_eq!(get(&anna, &returned).await["job_type"], "replace_service_cable");

    // The installer may clear a removed field's value; that is the only edit it takes.
    let clear =
        json!({"version": withdrawn_v, "fields": {"installation.property_designation": null}});
    let cleared = anna.patch(&format!("/cases/{withdrawn_offer}"), clear).await;
    assert_eq!(field(cleared.expect(200), "installation.property_designation"), None);
}
