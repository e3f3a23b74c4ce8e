//! Cases through the API: a new draft, a sent one, lookups and edits, and reading the answers.

use forms::{Case, Definitions, Installation};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::server::{Answer, Api};

/// A draft Säkringsändring at Öresundskraft in Helsingborg, made by Anna of `firm` at `at` and
/// numbered `ÖK-2026-<id>`: for tests that put cases in the store themselves.
pub fn draft_fuse_change(id: &str, firm: &str, at: OffsetDateTime) -> Case {
    let form = Definitions::builtin().form("oresundskraft", "fuse_change").unwrap();
    let job = form.installation_type.job_types[0].id.clone();
    let (number, area) = (format!("ÖK-2026-{id}"), "helsingborg".to_string());
    Case::new_draft(id.into(), number, &form, job, area, firm.into(), "anna".into(), at)
}

/// A case that Anna filled in from the registry and sent: `(id, version)`.
pub async fn submitted_case(anna: &Api) -> (String, u64) {
    let id = id_of(&create_case(anna).await);
    let version = fill_and_submit(anna, &id, 1).await;
    (id, version)
}

/// Fills in Anna's draft `id` (at `version`) from the registry and sends it; the new version.
pub async fn fill_and_submit(anna: &Api, id: &str, version: u64) -> u64 {
    let first = &oresundskraft_registry()[0];
    let body = json!({"version": version, "meter_number": first.meter_number, "apply": true});
    lookup(anna, id, body).await.expect(200);
    let fields = json!({
        "owner.identity_number": "19121212-1212",
        "installation.desired_meter_placement": "facade",
        "work.description": "Servisen flyttas till fasaden.",
        "work.planned_start": "2026-12-15",
    });
    edit(anna, id, version + 1, fields).await.expect(200);
    let copy = json!({"version": version + 2});
    anna.post(&format!("/cases/{id}/copy-from-owner"), copy).await.expect(200);
    let sent = anna.post(&format!("/cases/{id}/submit"), json!({"version": version + 3})).await;
    assert_eq!(sent.expect(200)["status"], "submitted");
    version + 4
}

/// Öresundskraft's demo registry as `handler serve` seeds it: the installations are numbered by
/// the company's position among all companies (sorted by id).
pub fn oresundskraft_registry() -> Vec<Installation> {
    registry_of("oresundskraft")
}

/// A company's demo registry as `handler serve` seeds it.
pub fn registry_of(company: &str) -> Vec<Installation> {
    let companies = &Definitions::builtin().companies;
    let position = companies.iter().position(|c| c.id == company).expect("a shipped company");
    handler::local::demo::installations(&companies[position], position)
}

pub const NEW_CASE: &str = r#"{"company": "oresundskraft", "installation_type": "service_change",
    "job_type": "move_service", "network_area": "helsingborg"}"#;

/// A new draft at Öresundskraft (Servisändring, Flytt av servis, Helsingborg).
pub async fn create_case(api: &Api) -> Value {
    api.post("/cases", serde_json::from_str(NEW_CASE).unwrap()).await.expect(201).clone()
}

pub fn id_of(case: &Value) -> String {
    case["id"].as_str().expect("a case id").to_string()
}

pub fn version_of(case: &Value) -> u64 {
    case["version"].as_u64().expect("a version")
}

pub fn field<'a>(case: &'a Value, id: &str) -> Option<&'a str> {
    case["fields"].get(id).map(|v| v.as_str().expect("field values are strings"))
}

pub fn case_ids(list: &Value) -> Vec<String> {
    list["cases"].as_array().expect("a list of cases").iter().map(id_of).collect()
}

pub async fn lookup(api: &Api, id: &str, body: Value) -> Answer {
    api.post(&format!("/cases/{id}/lookup"), body).await
}

pub async fn edit(api: &Api, id: &str, version: u64, fields: Value) -> Answer {
    api.patch(&format!("/cases/{id}"), json!({"version": version, "fields": fields})).await
}
