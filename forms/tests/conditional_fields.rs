//! Conditional fields (`visible_when`): a field or section shown, and mandatory, only when a
//! choice above it has a given value. The server's validation and the JSON Schema agree.

mod common;

use common::*;
use forms::definitions::{Source, builtin_sources};
use forms::{Definitions, FieldValues, Form, ProblemCode};
use serde_json::json;

fn schema_accepts(form: &Form, values: &FieldValues) -> bool {
    let validator = jsonschema::draft202012::new(&form.json_schema()).expect("a valid schema");
    validator.is_valid(&serde_json::to_value(values).unwrap())
}

/// Fiktiva Elnät Syd's shipped example: "Energilagrets kapacitet" only when "Installeras ett
/// energilager?" is Ja.
fn battery_case(battery: Option<&str>, kwh: Option<&str>) -> (Form<'static>, FieldValues) {
    let form = form("fiktiva_elnat_syd", "service_change");
    let mut values = full_case(&form);
    values.remove("work.battery");
    values.remove("work.battery_kwh");
    if let Some(b) = battery {
        values.insert("work.battery".into(), b.into());
    }
    if let Some(k) = kwh {
        values.insert("work.battery_kwh".into(), k.into());
    }
    (form, values)
}

#[test]
fn a_conditional_field_is_mandatory_only_while_it_is_shown() {
    for battery in [None, Some("no")] {
        let (form, values) = battery_case(battery, None);
        let kwh = form.field("work.battery_kwh").unwrap();
        assert!(kwh.mandatory, "declared mandatory");
        assert!(!form.is_shown(kwh.field, &values), "{battery:?}");
        assert_eq!(form.validate(&values), [], "{battery:?}");
        assert!(schema_accepts(&form, &values), "schema, {battery:?}");
    }
    let (form, values) = battery_case(Some("yes"), None);
    assert!(form.is_shown(form.field("work.battery_kwh").unwrap().field, &values));
    let problems = form.validate(&values);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].field.as_str(), problems[0].code),
        ("work.battery_kwh", ProblemCode::Required)
    );
    assert_eq!(problems[0].message, "Fyll i Energilagrets kapacitet.");
    assert!(!schema_accepts(&form, &values), "schema: required when shown");

    let (form, values) = battery_case(Some("yes"), Some("10"));
    assert_eq!(form.validate(&values), []);
    assert!(schema_accepts(&form, &values));
}

#[test]
fn a_hidden_value_is_kept_and_not_checked_and_checked_again_once_shown() {
    let (form, values) = battery_case(Some("no"), Some("tio"));
    assert_eq!(form.validate(&values), [], "hidden: not checked");
    assert!(schema_accepts(&form, &values));
    assert_eq!(values["work.battery_kwh"], "tio", "kept");

    let (form, values) = battery_case(Some("yes"), Some("tio"));
    let problems = form.validate(&values);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, ProblemCode::InvalidFormat);
    assert!(!schema_accepts(&form, &values));
    let (form, values) = battery_case(Some("yes"), Some("5000"));
    assert_eq!(form.validate(&values)[0].code, ProblemCode::OutOfRange);
}

#[test]
fn the_schema_carries_the_condition_for_the_page_and_for_other_clients() {
    let form = form("fiktiva_elnat_syd", "service_change");
    let schema = form.json_schema();
    assert_eq!(
        schema["properties"]["work.battery_kwh"]["x-visible-when"],
        json!([{ "field": "work.battery", "equals": "yes" }])
    );
    assert!(
        !schema["required"].as_array().unwrap().contains(&json!("work.battery_kwh")),
        "required only under its condition"
    );
    let rule = &schema["allOf"][0];
    assert_eq!(rule["if"]["properties"]["work.battery"], json!({ "const": "yes" }));
    assert_eq!(rule["then"]["required"], json!(["work.battery_kwh"]));
    assert_eq!(rule["then"]["properties"]["work.battery_kwh"]["x-unit"], "kWh");
    // A form without conditions has no allOf.
    assert_eq!(
        forms::Definitions::builtin()
            .form("oresundskraft", "fuse_change")
            .unwrap()
            .json_schema()
            .get("allOf"),
        None
    );
}

/// The shipped definitions with a section and a chain of conditions: the payer section only
/// when "Annan betalare?" is Ja, and in it a reference only when the payer is a company.
fn chained() -> Definitions {
    let mut sources: Vec<Source> = builtin_sources();
    let base = sources.iter_mut().find(|s| s.path == "base.toml").unwrap();
    base.text = base
        .text
        .replace(
            "[[section]]\nid = \"payer\"\ntitle = \"Betalningsansvarig\"\n",
            "[[section]]\nid = \"payer\"\ntitle = \"Betalningsansvarig\"\n\
             visible_when = { field = \"owner.other_payer\", equals = \"yes\" }\n",
        )
        .replace(
            "# --- Fastighetsägare",
            "[[field]]\nid = \"owner.other_payer\"\nlabel = \"Annan betalare?\"\ntype = \"choice\"\n\
             choices = [{ value = \"yes\", label = \"Ja\" }, { value = \"no\", label = \"Nej\" }]\n\n\
             [[field]]\nid = \"payer.kind\"\nlabel = \"Slag\"\ntype = \"choice\"\n\
             choices = [{ value = \"company\", label = \"Företag\" }, { value = \"person\", label = \"Person\" }]\n\n\
             [[field]]\nid = \"payer.reference\"\nlabel = \"Referens\"\ntype = \"text\"\nmandatory = true\n\
             visible_when = { field = \"payer.kind\", equals = \"company\" }\n\n\
             # --- Fastighetsägare",
        );
    Definitions::parse("chained", &sources).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_section_and_a_chain_of_conditions() {
    let defs = chained();
    let form = defs.form("oresundskraft", "fuse_change").unwrap();
    let mut values = full_case(&form);
    let payer_fields: Vec<String> = form
        .fields
        .iter()
        .filter(|f| f.field.section == "payer")
        .map(|f| f.field.id.clone())
        .collect();
    let shown =
        |values: &FieldValues, id: &str| form.is_shown(form.field(id).unwrap().field, values);

    // No other payer: the whole payer section is hidden, its mandatory fields too.
    values.insert("owner.other_payer".into(), "no".into());
    for id in &payer_fields {
        values.remove(id);
        assert!(!shown(&values, id), "{id}");
    }
    assert_eq!(form.validate(&values), []);
    assert!(schema_accepts(&form, &values));

    // Another payer that is a company: the section's mandatory fields and the reference.
    values.insert("owner.other_payer".into(), "yes".into());
    values.insert("payer.kind".into(), "company".into());
    let required: Vec<String> = form.validate(&values).into_iter().map(|p| p.field).collect();
    assert!(required.contains(&"payer.name".to_string()), "{required:?}");
    assert!(required.contains(&"payer.reference".to_string()), "{required:?}");
    assert!(!schema_accepts(&form, &values));

    // The reference hangs on the section too: with the section hidden it is hidden, whatever
    // payer.kind says.
    values.insert("owner.other_payer".into(), "no".into());
    assert!(!shown(&values, "payer.reference"));
    assert_eq!(form.validate(&values), []);
    assert!(schema_accepts(&form, &values));
    let rule = form.json_schema()["allOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["then"]["required"] == json!(["payer.reference"]))
        .cloned()
        .expect("a rule for payer.reference");
    assert_eq!(
        rule["if"]["required"],
        json!(["payer.kind", "owner.other_payer"]),
        "its own condition, then the section's"
    );
    assert_eq!(rule["if"]["properties"]["owner.other_payer"], json!({ "const": "yes" }));
}
