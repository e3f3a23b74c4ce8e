//! The installer's manual, step by step (docs/design.md, section 5), and the network company's side.

use std::collections::{BTreeMap, BTreeSet};

use forms::Installation;
use forms::formats::complete_gsrn;
use serde_json::{Value, json};

use crate::support::both_stores;
use crate::support::cases::{
    case_ids, create_case, edit, field, id_of, lookup, oresundskraft_registry, version_of,
};
use crate::support::server::{ANNA, BERTIL, KARIN, Server};

both_stores!(installers_walk);

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
    assert_eq!(case["actions"], serde_json::json!(["edit", "lookup", "submit", "withdraw"]));
    assert_eq!(version_of(&case), 1);
    assert_eq!(case["firm"], json!({"id": "demo_el", "name": "Demo El AB"}));
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
        .post(
            &format!("/cases/{id}/completion"),
            json!({"version": 10, "fields": {"completion.date": "2026-12-20", "completion.meter_reading": 4711}}),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["status_label"], "Färdiganmäld");
    assert_eq!(completed["fields"]["completion.meter_reading"], "4711");
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

fn problem_fields(problems: &Value) -> BTreeSet<String> {
    problems
        .as_array()
        .expect("a list of problems")
        .iter()
        .map(|p| p["field"].as_str().expect("a problem's field").to_string())
        .collect()
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
