//! Today's notices through the API (issue 22): Öresundskraft's "Ny produktionsanläggning" with
//! its group of inverters, the total computed by the core and its rule for microproduction,
//! and Fiktiva Elnät Syd's charger fields, which only its charging job asks for. The rules
//! themselves are tested in `forms/tests/groups.rs`. On both stores.

use serde_json::{Value, json};

use crate::support::both_stores;
use crate::support::cases::{edit, id_of, lookup, oresundskraft_registry};
use crate::support::server::{ANNA, Api, Server};

both_stores!(
    microproduction_is_approved_at_once_and_more_is_left_for_a_handler,
    inverters_are_checked_one_by_one_and_the_total_follows_them,
    only_the_charging_job_asks_for_the_charger,
);

/// A draft "Utökning – Ny produktionsanläggning" filled in from the registry, with `inverters`
/// and a main fuse of `fuse` A: `(id, version)`.
async fn production_case(anna: &Api, inverters: Value, fuse: &str) -> (String, u64) {
    let new = json!({"company": "oresundskraft", "installation_type": "extension",
        "job_type": "add_production", "network_area": "helsingborg"});
    let id = id_of(anna.post("/cases", new).await.expect(201));
    let meter = &oresundskraft_registry()[2].meter_number;
    lookup(anna, &id, json!({"version": 1, "meter_number": meter, "apply": true}))
        .await
        .expect(200);
    let fields = json!({"owner.identity_number": "19121212-1212",
        "work.description": "Solceller på taket.", "work.requested_main_fuse": fuse,
        "production.battery": "no", "production.inverters": inverters});
    edit(anna, &id, 2, fields).await.expect(200);
    anna.post(&format!("/cases/{id}/copy-from-owner"), json!({"version": 3})).await.expect(200);
    (id, 4)
}

fn inverter(power: &str) -> Value {
    json!({"manufacturer": "SMA", "model": "Sunny Tripower", "power_kw": power, "phases": "3"})
}

async fn microproduction_is_approved_at_once_and_more_is_left_for_a_handler(server: Server) {
    let anna = server.api(ANNA);
    let (id, v) = production_case(&anna, json!([inverter("5,5"), inverter("5")]), "25").await;
    let sent = anna.post(&format!("/cases/{id}/submit"), json!({"version": v})).await;
    let small = sent.expect(200);
    assert_eq!(small["status"], "approved", "{small}");
    assert_eq!(small["fields"]["production.total_power_kw"], "10.5");
    assert_eq!(
        small["fields"]["production.inverters"][0]["power_kw"], "5.5",
        "stored with a point"
    );
    let last = small["history"].as_array().unwrap().last().unwrap();
    assert!(last["message"].as_str().unwrap().contains("Mikroproduktion"), "{last}");

    let (id, v) = production_case(&anna, json!([inverter("30"), inverter("20")]), "25").await;
    let large = anna.post(&format!("/cases/{id}/submit"), json!({"version": v})).await;
    let large = large.expect(200);
    assert_eq!(large["status"], "submitted", "50 kW is over the rule's limit: a handler decides");
    assert_eq!(large["fields"]["production.total_power_kw"], "50");
    // The case as the network company reads it has the items and the total too.
    let read = anna.get(&format!("/cases/{id}")).await;
    assert_eq!(
        read.expect(200)["fields"]["production.inverters"],
        json!([inverter("30"), inverter("20")])
    );
}

fn problems(case: &Value) -> Vec<(String, String)> {
    case["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["field"].as_str().unwrap().starts_with("production."))
        .map(|p| (p["field"].as_str().unwrap().into(), p["message"].as_str().unwrap().into()))
        .collect()
}

async fn inverters_are_checked_one_by_one_and_the_total_follows_them(server: Server) {
    let anna = server.api(ANNA);
    let (id, v) = production_case(&anna, json!([]), "25").await;
    let case = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(
        problems(&case),
        [("production.inverters".to_string(), "Växelriktare: lägg till minst 1.".to_string())]
    );
    assert_eq!(case["fields"].get("production.total_power_kw"), None, "nothing to add up");

    let two = json!([inverter("4"), {"manufacturer": "Huawei", "power_kw": "tre"}]);
    let case = edit(&anna, &id, v, json!({"production.inverters": two})).await;
    let case = case.expect(200).clone();
    let found = problems(&case);
    assert!(
        found.contains(&(
            "production.inverters[2].power_kw".into(),
            "Växelriktare 2: Effekt ska vara ett tal med högst 1 decimal, till exempel 10,5."
                .into()
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "production.inverters[2].model".into(),
            "Växelriktare 2: Fyll i Modell.".into()
        )),
        "{found:?}"
    );
    assert_eq!(
        case["fields"]["production.total_power_kw"], "4",
        "the item that is a number counts"
    );

    // Edited: the group is sent whole, and the total follows.
    let case =
        edit(&anna, &id, v + 1, json!({"production.inverters": [inverter("4"), inverter("3,2")]}))
            .await;
    let case = case.expect(200).clone();
    assert_eq!(problems(&case), []);
    assert_eq!(case["fields"]["production.total_power_kw"], "7.2");

    // Eleven inverters are more than the form takes: refused, and nothing changes.
    let eleven: Vec<Value> = (0..11).map(|_| inverter("1")).collect();
    let refused = edit(&anna, &id, v + 2, json!({"production.inverters": eleven})).await;
    refused.expect_error(422, "invalid_fields");
    assert!(
        refused.error_fields().contains(&"production.inverters".to_string()),
        "{}",
        refused.text
    );
    // The total is the form's to compute.
    let refused = edit(&anna, &id, v + 2, json!({"production.total_power_kw": "1"})).await;
    refused.expect_error(422, "invalid_fields");
    let case = anna.get(&format!("/cases/{id}")).await.expect(200).clone();
    assert_eq!(case["fields"]["production.total_power_kw"], "7.2", "unchanged");
    assert_eq!(case["version"], v + 2);
}

async fn only_the_charging_job_asks_for_the_charger(server: Server) {
    let anna = server.api(ANNA);
    let new = |job: &str| {
        json!({"company": "fiktiva_elnat_syd", "installation_type": "extension",
            "job_type": job, "network_area": "sjostad"})
    };
    let charging = anna.post("/cases", new("add_charging")).await.expect(201).clone();
    let fields: Vec<&str> = charging["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"work.charger_power_kw") && fields.contains(&"work.load_management"),
        "{fields:?}"
    );
    let id = id_of(&charging);
    let case = edit(
        &anna,
        &id,
        1,
        json!({"work.charger_power_kw": "11", "work.load_management": "dynamic"}),
    )
    .await;
    let fields: Vec<String> = case.expect(200)["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !fields.iter().any(|f| f.starts_with("work.charger") || f == "work.load_management"),
        "{fields:?}"
    );

    let other = anna.post("/cases", new("add_load")).await.expect(201).clone();
    let fields: Vec<&str> = other["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert!(!fields.contains(&"work.charger_power_kw"), "not asked for in another job: {fields:?}");
    let id = id_of(&other);
    let refused = edit(&anna, &id, 1, json!({"work.charger_power_kw": "11"})).await;
    refused.expect_error(422, "invalid_fields");
}
