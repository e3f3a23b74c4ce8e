//! Conditional fields (`visible_when`) enforced by the server: Fiktiva Elnät Syd's "Energilagrets
//! kapacitet" is mandatory and checked only while "Installeras ett energilager?" is Ja; its
//! value is kept while hidden. The rules themselves are tested in `forms/tests`.

use serde_json::{Value, json};

use crate::support::server::{ANNA, Api, Server};

fn problem_fields(case: &Value) -> Vec<(String, String)> {
    let problems = case["problems"].as_array().expect("problems");
    problems
        .iter()
        .map(|p| {
            (p["field"].as_str().unwrap().to_string(), p["code"].as_str().unwrap().to_string())
        })
        .collect()
}

fn about_battery(case: &Value) -> Vec<(String, String)> {
    problem_fields(case).into_iter().filter(|(f, _)| f.starts_with("work.battery")).collect()
}

async fn set(anna: &Api, id: &str, version: &mut u64, fields: Value) -> Value {
    let body = json!({"version": *version, "fields": fields});
    let case = anna.patch(&format!("/cases/{id}"), body).await.expect(200).clone();
    *version += 1;
    case
}

#[tokio::test]
async fn the_server_requires_and_checks_a_conditional_field_only_while_it_is_shown() {
    let server = Server::sqlite();
    let anna = server.api(ANNA);
    let new = json!({"company": "fiktiva_elnat_syd", "installation_type": "service_change",
        "job_type": "move_service", "network_area": "sjostad"});
    let case = anna.post("/cases", new).await.expect(201).clone();
    let id = case["id"].as_str().unwrap().to_string();
    let mut v = 1;
    assert_eq!(about_battery(&case), [], "hidden in a new case: not required");

    let case = set(&anna, &id, &mut v, json!({"work.battery": "yes"})).await;
    assert_eq!(about_battery(&case), [("work.battery_kwh".into(), "required".into())]);
    let case = set(&anna, &id, &mut v, json!({"work.battery_kwh": "tio"})).await;
    assert_eq!(about_battery(&case), [("work.battery_kwh".into(), "invalid_format".into())]);

    let case = set(&anna, &id, &mut v, json!({"work.battery": "no"})).await;
    assert_eq!(about_battery(&case), [], "hidden: neither required nor checked");
    assert_eq!(case["fields"]["work.battery_kwh"], "tio", "kept while hidden");

    // Sending: refused while shown and empty, naming the field; fine with Nej.
    set(&anna, &id, &mut v, json!({"work.battery": "yes", "work.battery_kwh": null})).await;
    let refused = anna.post(&format!("/cases/{id}/submit"), json!({"version": v})).await;
    refused.expect_error(422, "validation_failed");
    assert!(refused.error_fields().contains(&"work.battery_kwh".to_string()), "{}", refused.text);
}
