//! "Start from the EAN" (issue 23, CONTRACT section 6): `POST /cases` with an anläggnings-ID
//! instead of a network company and network area. The prefix names the company, the registry
//! the network area, and the lookup is applied as "Hämta anl-data" applies it: audited, counted
//! against the same caps, identity numbers withheld. What no company or registry knows is a 422
//! naming `ean`, and nothing is written. On both stores.

use forms::formats::complete_gsrn;
use serde_json::{Value, json};

use crate::rate_limit::{clear_of_window_end, refusals, server_with_limits_on};
use crate::support::both_stores;
use crate::support::cases::{case_ids, id_of, lookup, oresundskraft_registry, registry_of};
use crate::support::server::{ANNA, KARIN, Server};

both_stores!(
    a_case_from_the_ean_has_the_company_the_area_and_the_lookup_applied,
    an_ean_that_nobody_knows_is_refused_and_nothing_is_written,
);

fn from_ean(ean: &str) -> Value {
    json!({"ean": ean, "installation_type": "service_change", "job_type": "move_service"})
}

async fn audit_entries(server: &Server) -> Vec<Value> {
    let audit = server.api(KARIN).get("/audit?limit=100").await.expect(200).clone();
    audit["entries"].as_array().unwrap().clone()
}

async fn a_case_from_the_ean_has_the_company_the_area_and_the_lookup_applied(server: Server) {
    let anna = server.api(ANNA);
    // One outside Helsingborg, so that the area is seen to come from the registry.
    let registry = oresundskraft_registry();
    let row = registry.iter().find(|r| r.network_area != "helsingborg").unwrap();
    // Written with spaces, as on an electricity bill.
    let spaced = format!("{} {} {}", &row.ean[..6], &row.ean[6..12], &row.ean[12..]);
    let answer = anna.post("/cases", from_ean(&spaced)).await;
    assert!(!answer.text.contains(&row.owner_identity_number), "no identity number");
    let case = answer.expect(201).clone();
    assert_eq!(case["company"], "oresundskraft");
    assert_eq!(case["network_area"], row.network_area.as_str());
    assert_eq!(case["status"], "draft");
    assert_eq!(case["version"], 2, "created, then the lookup applied");
    assert!(case["number"].as_str().is_some_and(|n| n.starts_with("ÖK-")), "{case}");
    let fields = &case["fields"];
    assert_eq!(fields["installation.ean"], row.ean.as_str());
    assert_eq!(fields["installation.meter_number"], row.meter_number.as_str());
    assert_eq!(fields["owner.name"], row.owner_name.as_str());
    assert_eq!(fields["owner.email"], row.owner_email.as_str());
    assert!(fields.get("owner.identity_number").is_none(), "{fields}");

    // Exactly what "Hämta anl-data" with apply makes of a case chosen by company and area.
    let chosen = json!({"company": "oresundskraft", "installation_type": "service_change",
        "job_type": "move_service", "network_area": row.network_area});
    let other = id_of(anna.post("/cases", chosen).await.expect(201));
    let body = json!({"version": 1, "ean": row.ean, "apply": true});
    let looked_up = lookup(&anna, &other, body).await.expect(200).clone();
    assert_eq!(looked_up["case"]["fields"], case["fields"]);

    // Audited as any lookup: by the anläggnings-ID, found, by Anna, on the new case.
    let id = id_of(&case);
    let entries = audit_entries(&server).await;
    let entry = entries.iter().find(|e| e["case_id"] == id.as_str()).expect("an audit entry");
    assert_eq!(entry["found"], true, "{entry}");
    assert_eq!(entry["by"], "ean", "{entry}");
    assert_eq!(entry["user"], "anna", "{entry}");
    assert_eq!(entry["case_number"], case["number"], "{entry}");
    assert_eq!(entries.len(), 2, "one for each lookup: {entries:?}");

    // Another company's prefix names that company.
    let norr = complete_gsrn("73599990199999999");
    let answer = anna.post("/cases", from_ean(&norr)).await;
    assert_eq!(
        answer.error_fields(),
        ["ean"],
        "not in Exempelnät Norr's registry: {}",
        answer.text
    );
    let norr_registry = registry_of("exempelnat_norr");
    let answer = anna.post("/cases", from_ean(&norr_registry[0].ean)).await;
    assert_eq!(answer.expect(201)["company"], "exempelnat_norr");
}

async fn an_ean_that_nobody_knows_is_refused_and_nothing_is_written(server: Server) {
    let anna = server.api(ANNA);
    let known = oresundskraft_registry()[0].ean.clone();
    let refused =
        |ean: String, code: &'static str, field: &'static str| (from_ean(&ean), code, field);
    let mut with_job = from_ean(&known);
    with_job["job_type"] = json!("increase_main_fuse");
    let mut with_type = from_ean(&known);
    with_type["installation_type"] = json!("solar");
    let mut both = from_ean(&known);
    both["company"] = json!("oresundskraft");
    let neither = json!({"installation_type": "service_change", "job_type": "move_service"});
    for (body, code, field) in [
        // No company has the prefix.
        refused(complete_gsrn("73599955500000001"), "unknown_ean", "ean"),
        // Öresundskraft's prefix, but not in its registry.
        refused(complete_gsrn("73599910099999999"), "unknown_ean", "ean"),
        // A wrong check digit, and too short.
        refused(
            format!("{}{}", &known[..17], (known.as_bytes()[17] - b'0' + 1) % 10),
            "invalid_ean",
            "ean",
        ),
        refused(known[..17].to_string(), "invalid_ean", "ean"),
        (with_job, "unknown_choice", "job_type"),
        (with_type, "unknown_choice", "installation_type"),
        (both, "invalid_body", "company"),
        (neither, "invalid_body", "ean"),
    ] {
        let answer = anna.post("/cases", body.clone()).await;
        answer.expect_error(422, code);
        assert_eq!(answer.error_fields(), [field], "{body}: {}", answer.text);
    }
    let mine = anna.get("/cases").await.expect(200).clone();
    assert!(case_ids(&mine).is_empty(), "no case: {mine}");
    assert!(audit_entries(&server).await.is_empty(), "no lookup was made");
    // No number was used up: the first case of the year is number 1.
    let case = anna.post("/cases", from_ean(&known)).await.expect(201).clone();
    assert!(case["number"].as_str().is_some_and(|n| n.ends_with("-00001")), "{case}");
}

/// The lookup of a case started from its anläggnings-ID counts against the same caps as
/// "Hämta anl-data"; the one a cap refuses leaves no case behind.
async fn a_case_from_the_ean_counts_against_the_lookup_caps(store: &str) {
    clear_of_window_end(3600).await;
    let server = server_with_limits_on(store, "per_user_per_hour = 2");
    let anna = server.api(ANNA);
    let registry = oresundskraft_registry();
    let first = id_of(anna.post("/cases", from_ean(&registry[0].ean)).await.expect(201));
    // The second lookup of the hour by "Hämta anl-data".
    let body = json!({"version": 2, "ean": registry[0].ean});
    lookup(&anna, &first, body.clone()).await.expect(200);
    let answer = anna.post("/cases", from_ean(&registry[1].ean)).await;
    answer.expect_error(429, "rate_limited");
    assert!(answer.header("retry-after").is_some(), "{}", answer.text);
    let mine = anna.get("/cases").await.expect(200).clone();
    assert_eq!(case_ids(&mine), std::slice::from_ref(&first), "the refused start left no case");
    let refused = refusals(&server).await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["limit_reached"], "per_user_per_hour");
    // And "Hämta anl-data" is refused by the same count.
    lookup(&anna, &first, body).await.expect_error(429, "rate_limited");
}

#[tokio::test]
async fn a_case_from_the_ean_counts_against_the_lookup_caps_sqlite() {
    a_case_from_the_ean_counts_against_the_lookup_caps("sqlite").await;
}

#[tokio::test]
async fn a_case_from_the_ean_counts_against_the_lookup_caps_dynamodb() {
    a_case_from_the_ean_counts_against_the_lookup_caps("dynamodb").await;
}
