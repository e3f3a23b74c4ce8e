//! End-to-end tests of the API: the real `handler` binary over HTTP, with SQLite and with
//! DynamoDB Local (DESIGN.md sections 4-5, CONTRACT.md sections 1-3). Each walk is written once
//! and run against both stores; DynamoDB Local must be running (`scripts/test` starts it), else
//! the DynamoDB tests fail.

#[path = "support/server.rs"]
mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use forms::formats::complete_gsrn;
use forms::{Definitions, Installation};
use reqwest::Method;
use serde_json::{Value, json};

use server::{ANNA, Answer, Api, BERTIL, BINARY, KARIN, Server, assert_error_shape};

/// Runs a walk written once against both stores: `<walk>::sqlite` and `<walk>::dynamodb`.
macro_rules! both_stores {
    ($($walk:ident),* $(,)?) => {$(
        mod $walk {
            #[tokio::test]
            async fn sqlite() {
                super::$walk(super::Server::sqlite()).await;
            }

            #[tokio::test]
            async fn dynamodb() {
                super::$walk(super::Server::dynamodb()).await;
            }
        }
    )*};
}

both_stores!(installers_walk, concurrent_edits_have_one_winner, the_network_companys_answers);

// ---------------------------------------------------------------------------------------------
// Helpers

/// A case that Anna filled in from the registry and sent: `(id, version)`.
async fn submitted_case(anna: &Api) -> (String, u64) {
    let id = id_of(&create_case(anna).await);
    let first = &oresundskraft_registry()[0];
    let body = json!({"version": 1, "meter_number": first.meter_number, "apply": true});
    lookup(anna, &id, body).await.expect(200);
    let fields = json!({
        "owner.identity_number": "19121212-1212",
        "installation.desired_meter_placement": "facade",
        "work.description": "Servisen flyttas till fasaden.",
        "work.planned_start": "2026-12-15",
    });
    edit(anna, &id, 2, fields).await.expect(200);
    anna.post(&format!("/cases/{id}/copy-from-owner"), json!({"version": 3})).await.expect(200);
    let sent = anna.post(&format!("/cases/{id}/submit"), json!({"version": 4})).await;
    assert_eq!(sent.expect(200)["status"], "submitted");
    (id, 5)
}

/// Öresundskraft's demo registry as `handler serve` seeds it: the installations are numbered by
/// the company's position among all companies (sorted by id).
fn oresundskraft_registry() -> Vec<Installation> {
    let companies = &Definitions::builtin().companies;
    let position = companies.iter().position(|c| c.id == "oresundskraft").expect("Öresundskraft");
    handler::demo::installations(&companies[position], position)
}

const NEW_CASE: &str = r#"{"company": "oresundskraft", "installation_type": "service_change",
    "job_type": "move_service", "network_area": "helsingborg"}"#;

/// A new draft at Öresundskraft (Servisändring, Flytt av servis, Helsingborg).
async fn create_case(api: &Api) -> Value {
    api.post("/cases", serde_json::from_str(NEW_CASE).unwrap()).await.expect(201).clone()
}

fn id_of(case: &Value) -> String {
    case["id"].as_str().expect("a case id").to_string()
}

fn version_of(case: &Value) -> u64 {
    case["version"].as_u64().expect("a version")
}

fn field<'a>(case: &'a Value, id: &str) -> Option<&'a str> {
    case["fields"].get(id).map(|v| v.as_str().expect("field values are strings"))
}

fn problem_fields(problems: &Value) -> BTreeSet<String> {
    problems
        .as_array()
        .expect("a list of problems")
        .iter()
        .map(|p| p["field"].as_str().expect("a problem's field").to_string())
        .collect()
}

fn case_ids(list: &Value) -> Vec<String> {
    list["cases"].as_array().expect("a list of cases").iter().map(id_of).collect()
}

async fn lookup(api: &Api, id: &str, body: Value) -> Answer {
    api.post(&format!("/cases/{id}/lookup"), body).await
}

async fn edit(api: &Api, id: &str, version: u64, fields: Value) -> Answer {
    api.patch(&format!("/cases/{id}"), json!({"version": version, "fields": fields})).await
}

fn installation_fields(row: &Installation) -> BTreeMap<&'static str, &str> {
    [
        ("installation.ean", row.ean.as_str()),
        ("installation.meter_number", &row.meter_number),
        ("installation.technical_number", &row.technical_number),
        ("installation.street_address", &row.street_address),
        ("installation.postal_code", &row.postal_code),
        ("installation.city", &row.city),
        ("installation.property_designation", &row.property_designation),
        ("installation.main_fuse", &row.main_fuse_a),
        ("owner.name", &row.owner_name),
        ("owner.street_address", &row.owner_street_address),
        ("owner.postal_code", &row.owner_postal_code),
        ("owner.city", &row.owner_city),
        ("owner.phone", &row.owner_phone),
        ("owner.email", &row.owner_email),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect()
}

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

    // A completion notice must leave a complete case, and only the installer files it.
    let broken =
        json!({"version": v + 4, "fields": {"installation.ean": "123", "owner.name": null}});
    let refused = anna.post(&format!("/cases/{id}/completion"), broken).await;
    refused.expect_error(422, "validation_failed");
    let named = refused.error_fields();
    assert!(
        named.iter().any(|f| f == "installation.ean") && named.iter().any(|f| f == "owner.name"),
        "{named:?}"
    );
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

// ---------------------------------------------------------------------------------------------
// 1. The installer's manual, step by step (DESIGN.md section 5), and the network company's side.

async fn installers_walk(server: Server) {
    let anna = server.api(ANNA);
    let karin = server.api(KARIN);
    let bertil = server.api(BERTIL);
    let registry = oresundskraft_registry();
    let (first, second) = (&registry[0], &registry[1]);
    assert_ne!(first.meter_number, second.meter_number);

    // Steps 2-6: the network companies, their network areas, installation and job types.
    let forms = anna.get("/forms").await.expect(200).clone();
    let companies = forms["companies"].as_array().expect("companies");
    let oresundskraft = companies
        .iter()
        .find(|c| c["id"] == "oresundskraft")
        .unwrap_or_else(|| panic!("Öresundskraft is not among {forms}"));
    assert_eq!(oresundskraft["name"], "Öresundskraft");
    assert_eq!(oresundskraft["gsrn_prefixes"], json!(["735999100"]));
    let areas: Vec<&str> = oresundskraft["network_areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(areas, ["helsingborg", "angelholm", "hoganas"]);
    assert_eq!(oresundskraft["network_areas"][1]["name"], "Ängelholm");
    let types = oresundskraft["installation_types"].as_array().unwrap();
    let type_ids: Vec<&str> = types.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(
        type_ids,
        [
            "service_change",
            "fuse_change",
            "existing_installation_work",
            "temporary_installation",
            "extension"
        ]
    );
    let job_types = |kind: &str| -> Vec<String> {
        let t = types.iter().find(|t| t["id"] == kind).unwrap();
        t["job_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(types[0]["name"], "Servisändring");
    assert!(job_types("service_change").contains(&"move_service".to_string()));
    // Öresundskraft offers only Byggström as Tillfällig anläggning.
    assert_eq!(job_types("temporary_installation"), ["construction_power"]);

    // Step 7: "Skapa anmälan" -> a draft.
    let case = create_case(&anna).await;
    let id = id_of(&case);
    assert_eq!(case["status"], "draft");
    assert_eq!(case["status_label"], "Ej skickat");
    assert_eq!(version_of(&case), 1);
    assert_eq!(case["firm"], "demo_el");
    assert_eq!(case["created_by"], "anna");
    assert_eq!(case["company"], "oresundskraft");
    assert_eq!(case["network_area"], "helsingborg");
    assert_eq!(case["fields"], json!({}));
    let required = problem_fields(&case["problems"]);
    for f in [
        "installation.ean",
        "installation.meter_number",
        "installation.desired_meter_placement",
        "owner.name",
        "owner.identity_number",
        "owner.phone",
        "payer.name",
        "work.description",
        "work.planned_start",
    ] {
        assert!(required.contains(f), "{f} is not required in {}", case["problems"]);
    }
    assert!(case["problems"].as_array().unwrap().iter().all(|p| p["code"] == "required"));

    // Steps 8-12: "Hämta anl-data" by Mätarnummer, "Hämta data": shown, not written.
    let found = lookup(&anna, &id, json!({"version": 1, "meter_number": first.meter_number})).await;
    let answer = found.expect(200);
    let message = answer["message"].as_str().unwrap();
    assert!(message.starts_with("Anläggningen hittades"), "{message}");
    assert!(message.contains(&first.street_address), "{message}");
    let expected = installation_fields(first);
    let shown: BTreeMap<&str, &str> = answer["installation"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    assert_eq!(shown, expected, "the installation as shown");
    assert!(
        !found.text.contains(&first.owner_identity_number),
        "identity number returned: {}",
        found.text
    );
    assert!(!found.text.contains("identity_number\":"), "{}", found.text);
    let changes = answer["changes"].as_array().unwrap();
    assert_eq!(changes.len(), expected.len(), "{}", answer["changes"]);
    for change in changes {
        let f = change["field"].as_str().unwrap();
        assert_eq!(change["before"], Value::Null, "{change}");
        assert_eq!(change["after"], expected[f], "{change}");
    }
    // The registry places installation #1 in another network area than the case's.
    let warnings = answer["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), usize::from(first.network_area != "helsingborg"), "{warnings:?}");
    assert_eq!(field(&answer["case"], "owner.name"), Some(first.owner_name.as_str()));
    assert_eq!(version_of(&answer["case"]), 1, "nothing is written without apply");
    let unchanged = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(version_of(&unchanged), 1);
    assert_eq!(unchanged["fields"], json!({}));

    // Step 13: "Uppdatera och Stäng" applies it.
    let applied = lookup(
        &anna,
        &id,
        json!({"version": 1, "meter_number": first.meter_number, "apply": true}),
    )
    .await
    .expect(200)
    .clone();
    let case = &applied["case"];
    assert_eq!(version_of(case), 2);
    for (f, value) in &expected {
        assert_eq!(field(case, f), Some(*value), "{f}");
    }
    assert_eq!(field(case, "owner.identity_number"), None, "withheld by the lookup");
    let stored = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(stored["fields"], case["fields"]);
    assert_eq!(version_of(&stored), 2);

    // The installer changes two fields, then fetches again by EAN with "Nej": only empty fields
    // are filled, but Mätarnummer is always overwritten.
    let edited =
        edit(&anna, &id, 2, json!({"owner.name": "Ny Ägare", "installation.meter_number": "999"}))
            .await
            .expect(200)
            .clone();
    assert_eq!(version_of(&edited), 3);
    assert_eq!(field(&edited, "owner.name"), Some("Ny Ägare"));
    assert_eq!(field(&edited, "installation.meter_number"), Some("999"));
    let nej = lookup(
        &anna,
        &id,
        json!({"version": 3, "ean": first.ean, "overwrite": false, "apply": true}),
    )
    .await
    .expect(200)
    .clone();
    assert_eq!(field(&nej["case"], "owner.name"), Some("Ny Ägare"), "Nej keeps a filled field");
    assert_eq!(field(&nej["case"], "installation.meter_number"), Some(first.meter_number.as_str()));
    assert_eq!(
        nej["changes"],
        json!([{"field": "installation.meter_number", "before": "999", "after": first.meter_number}])
    );
    assert_eq!(version_of(&nej["case"]), 4);

    // "Ja" replaces it.
    let ja = lookup(
        &anna,
        &id,
        json!({"version": 4, "ean": first.ean, "overwrite": true, "apply": true}),
    )
    .await
    .expect(200)
    .clone();
    assert_eq!(field(&ja["case"], "owner.name"), Some(first.owner_name.as_str()));
    assert_eq!(
        ja["changes"],
        json!([{"field": "owner.name", "before": "Ny Ägare", "after": first.owner_name}])
    );
    assert_eq!(version_of(&ja["case"]), 5);

    // A number far longer than any is refused before the store is asked.
    let long = json!({"version": 5, "meter_number": "9".repeat(3000)});
    lookup(&anna, &id, long).await.expect_error(422, "invalid_meter_number");
    // Step 14: an unknown number, with guidance.
    let unknown = lookup(&anna, &id, json!({"version": 5, "meter_number": "99999999"})).await;
    let error = unknown.expect_error(404, "installation_not_found");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("Töm"), "no guidance in {message}");
    assert!(message.contains("Mätarnummer") && message.contains("EAN"), "{message}");

    // Invalid EANs are refused before any lookup.
    let mut wrong_check = first.ean.clone();
    let last = wrong_check.pop().unwrap().to_digit(10).unwrap();
    wrong_check.push(char::from_digit((last + 1) % 10, 10).unwrap());
    let bad = lookup(&anna, &id, json!({"version": 5, "ean": wrong_check})).await;
    bad.expect_error(422, "invalid_ean");
    assert_eq!(bad.body["error"]["fields"][0]["field"], "installation.ean");
    assert_eq!(bad.body["error"]["fields"][0]["code"], "invalid_check_digit");
    let norr = complete_gsrn("73599990100000001");
    let other = lookup(&anna, &id, json!({"version": 5, "ean": norr})).await;
    other.expect_error(422, "invalid_ean");
    assert_eq!(other.body["error"]["fields"][0]["code"], "wrong_company");
    let short = lookup(&anna, &id, json!({"version": 5, "ean": "7359991"})).await;
    short.expect_error(422, "invalid_ean");
    assert_eq!(short.body["error"]["fields"][0]["code"], "invalid_format");

    // EAN of one installation, Mätarnummer of another.
    let mismatch = lookup(
        &anna,
        &id,
        json!({"version": 5, "ean": first.ean, "meter_number": second.meter_number, "apply": true}),
    )
    .await;
    mismatch.expect_error(422, "ean_meter_mismatch");
    // And both of the same one is a hit.
    let both = lookup(
        &anna,
        &id,
        json!({"version": 5, "ean": first.ean, "meter_number": first.meter_number}),
    )
    .await
    .expect(200)
    .clone();
    assert_eq!(both["changes"], json!([]));

    // Step 18: "Kopiera från ägare": payer = owner, absent ones included.
    let payer_only = edit(
        &anna,
        &id,
        5,
        json!({"payer.identity_number": "556074-3089", "payer.name": "Annan Betalare"}),
    )
    .await
    .expect(200)
    .clone();
    assert_eq!(version_of(&payer_only), 6);
    let copied = anna
        .post(&format!("/cases/{id}/copy-from-owner"), json!({"version": 6}))
        .await
        .expect(200)
        .clone();
    assert_eq!(version_of(&copied), 7);
    for x in ["name", "identity_number", "street_address", "postal_code", "city", "phone", "email"]
    {
        assert_eq!(
            field(&copied, &format!("payer.{x}")),
            field(&copied, &format!("owner.{x}")),
            "payer.{x}"
        );
    }
    assert_eq!(field(&copied, "payer.name"), Some(first.owner_name.as_str()));
    assert_eq!(
        field(&copied, "payer.identity_number"),
        None,
        "the owner's is empty, so is the payer's"
    );

    // Steps 19-21: mandatory fields still empty stop the submit.
    let refused = anna.post(&format!("/cases/{id}/submit"), json!({"version": 7})).await;
    refused.expect_error(422, "validation_failed");
    let missing: BTreeSet<String> = refused.error_fields().into_iter().collect();
    for f in [
        "owner.identity_number",
        "installation.desired_meter_placement",
        "work.description",
        "work.planned_start",
    ] {
        assert!(missing.contains(f), "{f} not among {missing:?}");
    }
    assert!(!missing.contains("owner.name"), "{missing:?}");

    // Avbryt: the draft stays with the firm. The network company cannot even see it, nor can
    // another firm.
    let draft = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(draft["status"], "draft");
    assert_eq!(version_of(&draft), 7);
    assert!(case_ids(anna.get("/cases").await.expect(200)).contains(&id));
    assert!(!case_ids(karin.get("/cases").await.expect(200)).contains(&id));
    karin.get(&format!("/cases/{id}")).await.expect_error(404, "case_not_found");
    bertil.get(&format!("/cases/{id}")).await.expect_error(404, "case_not_found");
    edit(&bertil, &id, 7, json!({"owner.name": "Inkräktare"}))
        .await
        .expect_error(404, "case_not_found");
    assert!(!case_ids(bertil.get("/cases").await.expect(200)).contains(&id));
    // Probing with odd ids gets the same 404, whatever the store makes of them.
    for probe in ["x".repeat(3000), "%C3%A4%20%2F..".to_string(), format!("{id}%00")] {
        anna.get(&format!("/cases/{probe}")).await.expect_error(404, "case_not_found");
    }

    // Step 16-17: "Redigera": the identity numbers asked from the customer, and the rest.
    let complete = edit(
        &anna,
        &id,
        7,
        json!({
            "owner.identity_number": "19121212-1212",
            "payer.identity_number": "19121212-1212",
            "installation.desired_meter_placement": "facade",
            "work.description": "Servisen flyttas till fasaden.",
            "work.planned_start": "2026-12-15",
        }),
    )
    .await
    .expect(200)
    .clone();
    assert_eq!(version_of(&complete), 8);
    assert_eq!(complete["problems"], json!([]), "nothing should stop a submit now");

    // OK: Ej skickat -> För godkännande.
    let sent =
        anna.post(&format!("/cases/{id}/submit"), json!({"version": 8})).await.expect(200).clone();
    assert_eq!(sent["status"], "submitted");
    assert_eq!(sent["status_label"], "För godkännande");
    assert_eq!(version_of(&sent), 9);

    // The network company sees it now.
    assert!(case_ids(karin.get("/cases").await.expect(200)).contains(&id));
    assert!(case_ids(karin.get("/cases?status=submitted").await.expect(200)).contains(&id));
    assert!(!case_ids(karin.get("/cases?status=approved").await.expect(200)).contains(&id));
    let seen = karin.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(seen["status"], "submitted");
    assert_eq!(field(&seen, "owner.identity_number"), Some("19121212-1212"));
    karin
        .post(&format!("/cases/{id}/submit"), json!({"version": 9}))
        .await
        .expect_error(403, "forbidden");
    anna.post(&format!("/cases/{id}/decision"), json!({"version": 9, "decision": "approve"}))
        .await
        .expect_error(403, "forbidden");

    // Godkänd, Färdiganmäld, Avslutad.
    let approved = karin
        .post(&format!("/cases/{id}/decision"), json!({"version": 9, "decision": "approve"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["status_label"], "Godkänd");
    let completed = anna
        .post(&format!("/cases/{id}/completion"), json!({"version": 10, "fields": {}}))
        .await
        .expect(200)
        .clone();
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["status_label"], "Färdiganmäld");
    let closed =
        karin.post(&format!("/cases/{id}/close"), json!({"version": 11})).await.expect(200).clone();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["status_label"], "Avslutad");
    assert_eq!(version_of(&closed), 12);

    let history = anna.get(&format!("/cases/{id}")).await.expect(200)["history"].clone();
    let steps: Vec<(&str, &str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (h["action"].as_str().unwrap(), h["by"].as_str().unwrap(), h["to"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("create", "anna", "draft"),
            ("submit", "anna", "submitted"),
            ("approve", "karin", "approved"),
            ("complete", "anna", "completed"),
            ("close", "karin", "closed"),
        ]
    );

    // A second case, withdrawn (Makulerad) while still a draft: never sent, so never the
    // network company's to see.
    let second_case = create_case(&anna).await;
    let second_id = id_of(&second_case);
    let withdrawn = anna
        .post(&format!("/cases/{second_id}/withdraw"), json!({"version": 1}))
        .await
        .expect(200)
        .clone();
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["status_label"], "Makulerad");
    karin.get(&format!("/cases/{second_id}")).await.expect_error(404, "case_not_found");
    assert!(!case_ids(karin.get("/cases").await.expect(200)).contains(&second_id));

    // The lookup audit log: who, which case, by what, hit or miss; never a number or a name.
    anna.get("/audit").await.expect_error(403, "forbidden");
    let audit = karin.get("/audit").await;
    let entries: Vec<(&str, bool)> = audit.expect(200)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["case_id"] == id.as_str())
        .inspect(|e| {
            assert_eq!(e["user"], "anna", "{e}");
            assert_eq!(e["firm"], "demo_el", "{e}");
            assert_eq!(e["company"], "oresundskraft", "{e}");
        })
        .map(|e| (e["by"].as_str().unwrap(), e["found"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [
            ("meter_number", true),
            ("meter_number", true),
            ("ean", true),
            ("ean", true),
            ("meter_number", false),
            ("ean_and_meter_number", false),
            ("ean_and_meter_number", true),
        ]
    );
    for secret in [
        &first.ean,
        &first.meter_number,
        &second.ean,
        &second.meter_number,
        "99999999",
        &first.owner_name,
        &first.owner_identity_number,
        &first.street_address,
    ] {
        assert!(!audit.text.contains(secret), "the audit log contains {secret}: {}", audit.text);
    }

    // The welcome text names a demo installation that is really there.
    let welcome = server.stdout.lock().unwrap().join("\n");
    assert!(
        welcome.contains(&format!("Mätarnummer {}", first.meter_number))
            && welcome.contains(&first.ean),
        "{welcome}"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Optimistic concurrency: of 20 edits of the same version, exactly one wins.

async fn concurrent_edits_have_one_winner(server: Server) {
    let anna = server.api(ANNA);
    let id = id_of(&create_case(&anna).await);
    let mut edits = tokio::task::JoinSet::new();
    for n in 0..20 {
        let (anna, id) = (anna.clone(), id.clone());
        edits.spawn(async move {
            let name = format!("Ägare nummer {n}");
            (name.clone(), edit(&anna, &id, 1, json!({"owner.name": name})).await)
        });
    }
    let mut winners = Vec::new();
    let mut conflicts = 0;
    while let Some(result) = edits.join_next().await {
        let (name, answer) = result.expect("the task finishes");
        match answer.status {
            200 => winners.push(name),
            409 => {
                answer.expect_error(409, "version_conflict");
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {}", answer.text),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(conflicts, 19);
    let case = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(version_of(&case), 2);
    assert_eq!(field(&case, "owner.name"), Some(winners[0].as_str()));
}

// ---------------------------------------------------------------------------------------------
// 3. Bad input never changes a case and always gets a Swedish error of the contract's shape.

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let server = Server::sqlite();
    let anna = server.api(ANNA);
    let id = id_of(&create_case(&anna).await);
    let before =
        edit(&anna, &id, 1, json!({"owner.name": "Greta Ek", "owner.phone": "042-12 34 56"}))
            .await
            .expect(200)
            .clone();
    assert_eq!(version_of(&before), 2);
    let path = format!("/cases/{id}");
    let raw = |body: String, content_type: &str| {
        anna.request(Method::PATCH, &path).header("content-type", content_type).body(body)
    };

    // Over 64 KiB.
    let huge =
        json!({"version": 2, "fields": {"work.description": "x".repeat(70 * 1024)}}).to_string();
    anna.send(raw(huge, "application/json")).await.expect_error(413, "body_too_large");

    // Malformed JSON: where it breaks.
    let broken = anna
        .send(raw("{\"version\": 2,\n \"fields\": {\"owner.name\": }}".into(), "application/json"))
        .await;
    let error = broken.expect_error(400, "malformed_body");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("rad 2") && message.contains("kolumn"), "{message}");

    // Not JSON.
    let body = json!({"version": 2, "fields": {"owner.name": "Text"}}).to_string();
    anna.send(raw(body.clone(), "text/plain")).await.expect_error(415, "unsupported_media_type");
    anna.send(anna.request(Method::PATCH, &path).body(body))
        .await
        .expect_error(415, "unsupported_media_type");

    // Well-formed, wrong shape.
    anna.patch(&path, json!({"fields": {"owner.name": "Utan version"}}))
        .await
        .expect_error(422, "invalid_body");

    // An unknown field is named.
    let unknown = edit(&anna, &id, 2, json!({"owner.shoe_size": "44", "owner.name": "Ny"})).await;
    unknown.expect_error(422, "invalid_fields");
    assert_eq!(unknown.error_fields(), ["owner.shoe_size"]);
    assert_eq!(unknown.body["error"]["fields"][0]["code"], "unknown_field");

    // A value of the wrong JSON type.
    let typed = edit(&anna, &id, 2, json!({"owner.name": true})).await;
    typed.expect_error(422, "invalid_fields");
    assert_eq!(typed.error_fields(), ["owner.name"]);
    let listed = edit(&anna, &id, 2, json!({"owner.phone": ["042"]})).await;
    listed.expect_error(422, "invalid_fields");
    assert_eq!(listed.error_fields(), ["owner.phone"]);

    // Too long: owner.name has at most 100 characters.
    let long = edit(&anna, &id, 2, json!({"owner.name": "Å".repeat(101)})).await;
    long.expect_error(422, "invalid_fields");
    assert_eq!(long.error_fields(), ["owner.name"]);
    assert_eq!(long.body["error"]["fields"][0]["code"], "too_long");

    // New cases with unknown choices name the field.
    for (key, value) in [
        ("company", "no_such_company"),
        ("installation_type", "no_such_type"),
        ("job_type", "increase_main_fuse"),
        ("network_area", "polstad"),
    ] {
        let mut new: Value = serde_json::from_str(NEW_CASE).unwrap();
        new[key] = json!(value);
        let refused = anna.post("/cases", new).await;
        refused.expect_error(422, "unknown_choice");
        assert_eq!(refused.error_fields(), [key], "{}", refused.text);
    }
    let mut extra: Value = serde_json::from_str(NEW_CASE).unwrap();
    extra["surprise"] = json!(1);
    anna.post("/cases", extra).await.expect_error(422, "invalid_body");

    // No token, a tampered token, a token of another key.
    let fields = json!({"owner.name": "Inbrytare"});
    let anonymous = server.anonymous();
    anonymous.get(&path).await.expect_error(401, "unauthorized");
    edit(&anonymous, &id, 2, fields.clone()).await.expect_error(401, "unauthorized");
    let token = server.token(ANNA);
    let tampered = tamper(&token);
    assert_ne!(tampered, token);
    let forged = anna.with_token(&tampered);
    forged.get(&path).await.expect_error(401, "unauthorized");
    edit(&forged, &id, 2, fields.clone()).await.expect_error(401, "unauthorized");
    let elsewhere = tempfile::tempdir().unwrap();
    let other_key = handler::auth::LocalKey::load_or_create(elsewhere.path()).unwrap();
    let stranger = anna.with_token(&other_key.mint(ANNA.role, ANNA.org, ANNA.id, None));
    edit(&stranger, &id, 2, fields.clone()).await.expect_error(401, "unauthorized");
    let garbage = anna.with_token("not-a-token");
    garbage.get("/cases").await.expect_error(401, "unauthorized");

    // A stale version.
    edit(&anna, &id, 1, fields.clone()).await.expect_error(409, "version_conflict");
    anna.post(&format!("/cases/{id}/submit"), json!({"version": 1}))
        .await
        .expect_error(409, "version_conflict");

    // An unknown case, an unknown route.
    anna.get("/cases/no-such-case").await.expect_error(404, "case_not_found");
    anna.get("/no-such-route").await.expect_error(404, "no_such_route");
    let status = anna.get("/cases?status=lost").await;
    status.expect_error(422, "unknown_status");
    // A known address with a method it does not have: the same error shape, and Allow.
    let delete = anna.send(anna.request(Method::DELETE, &path)).await;
    delete.expect_error(405, "method_not_allowed");
    let allow = delete.header("allow").expect("an Allow header");
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");

    let after = anna.get(&path).await.expect(200).clone();
    assert_eq!(version_of(&after), version_of(&before));
    assert_eq!(after["fields"], before["fields"]);
    assert_eq!(field(&after, "owner.name"), Some("Greta Ek"));
    assert_eq!(field(&after, "owner.phone"), Some("042-12 34 56"));

    // The limits are where they say: 100 characters are fine.
    let longest = edit(&anna, &id, 2, json!({"owner.name": "Å".repeat(100)})).await;
    assert_eq!(field(longest.expect(200), "owner.name"), Some("Å".repeat(100).as_str()));
}

/// The same token with its claims changed to another firm, the signature kept.
fn tamper(token: &str) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT");
    let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["org"], "demo_el", "{claims}");
    claims["org"] = json!("annan_el");
    let payload = engine.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

// ---------------------------------------------------------------------------------------------
// 4. Lookups are rate-limited per user.

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

// ---------------------------------------------------------------------------------------------
// 5. A store that is down: 503 with Retry-After, never 500, and the server still starts.

#[tokio::test]
async fn an_unreachable_store_answers_503() {
    let data_dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        data_dir,
        "dynamodb (unreachable)",
        &["--store", "dynamodb", "--table", "x"],
        &[
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9"),
            ("AWS_REGION", "eu-north-1"),
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", "local"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let anna = server.api(ANNA);
    let karin = server.api(KARIN);
    // At once: the SDK retries each call with backoff before it gives up.
    let new_case: Value = serde_json::from_str(NEW_CASE).unwrap();
    let lookup_body = json!({"version": 1, "meter_number": "1"});
    let (a, b, c, d, e) = tokio::join!(
        anna.get("/cases"),
        karin.get("/cases"),
        anna.get("/cases/some-id"),
        anna.post("/cases", new_case),
        anna.post("/cases/some-id/lookup", lookup_body),
    );
    for answer in [a, b, c, d, e] {
        answer.expect_error(503, "store_unavailable");
        let retry_after = answer.header("retry-after").expect("a Retry-After header");
        assert!(retry_after.parse::<u64>().is_ok_and(|s| s > 0), "{retry_after}");
    }
    // What needs no store still works.
    anna.get("/forms").await.expect(200);
    server.anonymous().get("/openapi.json").await.expect(200);
    assert!(server.log().contains("could not seed the demo registry"), "{}", server.log());
}

// ---------------------------------------------------------------------------------------------
// 6. The OpenAPI document: public, complete, and true to the real answers.

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
    assert_component(&doc, "FormsAnswer", forms.expect(200));
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

// ---------------------------------------------------------------------------------------------
// 7. Lambda mode: API Gateway v2 events, identity from the JWT authorizer's claims.

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn lambda_call(app: &axum::Router, event: &str) -> (u16, Value) {
    use tower::ServiceExt;
    let request = lambda_http::request::from_str(event).expect("an API Gateway v2 event");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn lambda_mode_reads_the_authorizers_claims() {
    use handler::app::{AppState, router};
    use handler::auth::Auth;
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
    assert_eq!(case["firm"], "demo_el", "the firm comes from custom:org");
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

// ---------------------------------------------------------------------------------------------
// 8. `handler import-registry`.

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn import(data_dir: &Path, file: &Path) -> Run {
    let output = Command::new(BINARY)
        .args(["import-registry", "--company", "oresundskraft"])
        .arg(file)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("RUST_LOG", "off")
        .output()
        .expect("handler import-registry runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[tokio::test]
async fn import_writes_good_rows_and_names_bad_ones() {
    use handler::store::RegistryStore;
    use handler::store::sqlite::SqliteStore;

    let dir = tempfile::tempdir().unwrap();
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/registry/oresundskraft_mixed.csv");
    let expected_stderr = [
        "rad 5: ean 735999100900000043 har fel kontrollsiffra",
        "rad 6: ean 735999901900000052 har inte Öresundskrafts prefix (735999100)",
        "rad 7: ean 735999100900000011 finns redan på rad 2",
        "rad 8: meter_number saknas",
        "rad 9: raden har 15 kolumner, ska ha 16",
    ];
    let summary = "3 anläggningar importerade till Öresundskraft, 5 rader refuserade.";

    let mut stored = Vec::new();
    for round in ["first import", "same file again"] {
        let run = import(dir.path(), &csv);
        assert_eq!(run.code, Some(1), "{round}: {}", run.stderr);
        assert_eq!(run.stderr.lines().collect::<Vec<_>>(), expected_stderr, "{round}");
        assert_eq!(run.stdout.lines().collect::<Vec<_>>(), [summary], "{round}");

        let store = SqliteStore::open(&dir.path().join("elanmalan.sqlite3")).unwrap();
        assert_eq!(store.installation_count("oresundskraft").await.unwrap(), 3, "{round}");
        let mut rows = Vec::new();
        for ean in ["735999100900000011", "735999100900000028", "735999100900000035"] {
            rows.push(store.installation_by_ean("oresundskraft", ean).await.unwrap().expect(ean));
        }
        // The duplicate of row 2 did not overwrite it; quoted commas survive.
        assert_eq!(rows[0].owner_name, "Greta Ek");
        assert_eq!(rows[0].meter_number, "9001");
        assert_eq!(rows[1].owner_name, "Holm, Sven");
        assert_eq!(rows[1].property_designation, "Ängelholm Centrum 2:2, del 1");
        assert_eq!(rows[2].main_fuse_a, "");
        for (eans, meter) in [("735999100900000066", "9001"), ("735999100900000043", "9004")] {
            assert!(store.installation_by_ean("oresundskraft", eans).await.unwrap().is_none());
            let by_meter = store.installations_by_meter("oresundskraft", meter).await.unwrap();
            assert_eq!(
                by_meter.first().map(|r| r.ean.clone()),
                (meter == "9001").then(|| "735999100900000011".to_string())
            );
        }
        assert_eq!(store.installation_count("exempelnat_norr").await.unwrap(), 0);
        if stored.is_empty() {
            stored = rows;
        } else {
            assert_eq!(rows, stored, "a second import changes nothing");
        }
    }

    // A good file exits 0.
    let good = dir.path().join("good.csv");
    let text = fixture("registry/oresundskraft_mixed.csv");
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&good, [lines[0], lines[1], lines[2]].join("\n") + "\n").unwrap();
    let run = import(dir.path(), &good);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout.trim_end(),
        "2 anläggningar importerade till Öresundskraft, 0 rader refuserade."
    );

    // A wrong header: one line, naming the missing column; nothing written.
    let fresh = tempfile::tempdir().unwrap();
    let wrong =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry/wrong_header.csv");
    let run = import(fresh.path(), &wrong);
    assert_eq!(run.code, Some(1));
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].ends_with("owner_email saknas"), "{}", lines[0]);
    assert!(lines[0].contains("rad 1"), "{}", lines[0]);
    assert_eq!(run.stdout, "");
}

// ---------------------------------------------------------------------------------------------
// 9. Odd requests and registries: clear answers, never a crash.

#[tokio::test]
async fn odd_requests_get_clear_answers() {
    let server = Server::sqlite();
    let (anna, karin) = (server.api(ANNA), server.api(KARIN));

    // Dates whose arithmetic would overflow, and ranges the wrong way round.
    for query in ["to=9999-12-31", "from=-9999-01-01&to=2026-01-01", "to=-9999-01-03"] {
        karin.get(&format!("/audit?{query}")).await.expect_error(422, "invalid_date");
    }
    karin.get("/audit?from=2026-02-01&to=2026-01-01").await.expect_error(422, "invalid_range");
    karin.get("/audit?from=2026-01-01&to=2026-01-31").await.expect(200);

    // Paths that are not even UTF-8 answer in the API's shape.
    anna.get("/cases/%FF").await.expect_error(404, "case_not_found");
    anna.get("/forms/%FF/fuse_change/schema").await.expect_error(404, "form_not_found");

    // A meter number registered on two installations finds neither: the EAN decides.
    let csv = |ean: &str| {
        format!(
            "{}\n{ean},7777,,Kvarngatan 1,252 21,Helsingborg,,helsingborg,25,Eva Ek,,,,,,\n",
            forms::REGISTRY_COLUMNS.join(",")
        )
    };
    let (one, two) = (complete_gsrn("73599910099000001"), complete_gsrn("73599910099000002"));
    for ean in [&one, &two] {
        let file = server.data_dir.path().join(format!("{ean}.csv"));
        std::fs::write(&file, csv(ean)).unwrap();
        assert_eq!(import(server.data_dir.path(), &file).code, Some(0));
    }
    let id = id_of(&create_case(&anna).await);
    let ambiguous = lookup(&anna, &id, json!({"version": 1, "meter_number": "7777"})).await;
    ambiguous.expect_error(422, "meter_number_ambiguous");
    let both = lookup(&anna, &id, json!({"version": 1, "meter_number": "7777", "ean": two})).await;
    assert_eq!(field(&both.expect(200)["case"], "installation.ean"), Some(two.as_str()));

    // Step 15: a lookup that names another owner than the case says so.
    edit(&anna, &id, 1, json!({"owner.name": "Nils Strand"})).await.expect(200);
    let other = lookup(&anna, &id, json!({"version": 2, "ean": one})).await;
    let warnings = other.expect(200)["warnings"].to_string();
    assert!(warnings.contains("Fastighetsägaren i registret (Eva Ek)"), "{warnings}");
    assert!(warnings.contains("(Nils Strand)"), "{warnings}");
}
