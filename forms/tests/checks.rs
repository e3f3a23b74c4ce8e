//! The check cases the case page shares with the core (`tests/data/checks.json`): the core must
//! answer each as the table says, and the table must describe the fields as the page gets them.
//! tests/unit/checks.test.mjs runs the same table against the page's `site/assets/checks.js`.

mod common;

use common::form;
use serde_json::Value;

const TABLE: &str = include_str!("data/checks.json");

#[test]
fn the_core_answers_the_shared_check_cases() {
    let table: Value = serde_json::from_str(TABLE).expect("checks.json is JSON");
    let form = form("oresundskraft", "fuse_change");
    assert_eq!(table["company_name"], form.company.name.as_str());
    assert_eq!(table["gsrn_prefixes"], serde_json::json!(form.company.gsrn_prefixes));
    let mut wrong = Vec::new();
    for case in table["cases"].as_array().expect("cases") {
        let check = case["check"].as_str().expect("check");
        let about = &table["fields"][check];
        let id = about["id"].as_str().unwrap_or_else(|| panic!("no field for check {check}"));
        let field = form.field(id).unwrap_or_else(|| panic!("no field {id}")).field;
        // What the page is given about the field is what the form says.
        assert_eq!(about["label"], field.label.as_str(), "{id}: label");
        assert_eq!(serde_json::json!(check), serde_json::to_value(field.kind).unwrap());
        if let Some(pattern) = about.get("pattern") {
            assert_eq!(Some(pattern.as_str().unwrap().to_string()), form.pattern(field));
        }
        for (key, value) in [("min", field.min), ("max", field.max)] {
            if about.get(key).is_some() {
                assert_eq!(about[key], serde_json::json!(value), "{id}: {key}");
            }
        }
        if about.get("unit").is_some() {
            assert_eq!(about["unit"], serde_json::json!(field.unit), "{id}: unit");
        }
        let input = case["input"].as_str().expect("input");
        let got = form.check_value(field, input).map(|p| p.message);
        if serde_json::json!(got) != case["expected"] {
            wrong.push(format!("{check} {input:?}: expected {}, got {got:?}", case["expected"]));
        }
    }
    assert!(wrong.is_empty(), "the core answers otherwise than checks.json:\n{}", wrong.join("\n"));
}
