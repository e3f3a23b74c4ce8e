//! Repeatable groups and computed values (issue 22), on Öresundskraft's "Utökning – Ny
//! produktionsanläggning": the inverters checked item by item and counted against min_items
//! and max_items, the total computed from them after every edit, its use in an automatic
//! approval and in a condition, and the JSON Schema refusing exactly what the server refuses.

mod common;

use common::*;
use forms::form::groups::{self, json::nest};
use forms::{Definitions, Edits, FieldValues, Form, ProblemCode};
use serde_json::{Value, json};

fn production_form() -> Form<'static> {
    Definitions::builtin()
        .form("oresundskraft", "extension")
        .expect("Öresundskraft offers Utökning")
        .for_job_type("add_production")
}

fn inverter(power: &str) -> Value {
    json!({"manufacturer": "SMA", "model": "Sunny Tripower", "power_kw": power, "phases": "3"})
}

/// A full case with `items` as its inverters, edited in as the API does.
fn with_inverters(form: &Form, items: Vec<Value>) -> FieldValues {
    let mut values = full_case(form);
    let json = serde_json::from_value(json!({ "production.inverters": items })).unwrap();
    let edits: Edits = form.edits_from_json(json).expect("an edit of the group");
    form.apply_edit(&mut values, edits);
    values
}

fn schema_accepts(form: &Form, values: &FieldValues) -> bool {
    let schema = form.json_schema();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    validator.is_valid(&serde_json::to_value(nest(values)).unwrap())
}

#[test]
fn zero_one_and_eleven_inverters_against_at_least_one_and_at_most_ten() {
    let form = production_form();
    let group = form.field("production.inverters").unwrap().field.group.as_ref().unwrap();
    assert_eq!((group.min_items, group.max_items), (1, 10));
    for (n, expected) in [
        (0, Some(ProblemCode::Required)),
        (1, None),
        (10, None),
        (11, Some(ProblemCode::OutOfRange)),
    ] {
        let mut values = full_case(&form);
        values.retain(|key, _| !key.starts_with("production.inverters["));
        if n > 0 {
            values.insert(groups::count_key("production.inverters"), n.to_string());
            for i in 1..=n {
                for (item, value) in
                    [("manufacturer", "SMA"), ("model", "STP"), ("power_kw", "1"), ("phases", "1")]
                {
                    values.insert(groups::item_key("production.inverters", i, item), value.into());
                }
            }
        }
        form.compute(&mut values);
        let problems = form.validate(&values);
        let codes: Vec<_> =
            problems.iter().filter(|p| p.field == "production.inverters").map(|p| p.code).collect();
        assert_eq!(codes, expected.into_iter().collect::<Vec<_>>(), "{n} inverters: {problems:?}");
        assert_eq!(problems.is_empty(), expected.is_none(), "{n} inverters: {problems:?}");
        assert_eq!(schema_accepts(&form, &values), expected.is_none(), "the schema agrees at {n}");
    }
    // An edit with more than the form takes is refused before it is stored.
    let eleven: Vec<Value> = (0..11).map(|_| inverter("1")).collect();
    let json = serde_json::from_value(json!({ "production.inverters": eleven })).unwrap();
    let problems =
        form.check_edit(&[forms::FormPart::Notice], &form.edits_from_json(json).unwrap());
    assert_eq!(problems[0].field, "production.inverters");
    assert_eq!(problems[0].message, "Växelriktare: högst 10 får anges.");
}

#[test]
fn an_item_is_named_by_its_place_in_the_group_and_the_schema_refuses_it_too() {
    let form = production_form();
    let values = with_inverters(
        &form,
        vec![
            inverter("4"),
            json!({"manufacturer": "SMA", "model": "X", "power_kw": "4,25", "phases": "3"}),
        ],
    );
    let problems = form.validate(&values);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "production.inverters[2].power_kw");
    assert_eq!(
        problems[0].message,
        "Växelriktare 2: Effekt ska vara ett tal med högst 1 decimal, till exempel 10,5."
    );
    assert!(!schema_accepts(&form, &values), "the schema's pattern refuses two decimals");
    let values = with_inverters(
        &form,
        vec![inverter("4"), json!({"manufacturer": "SMA", "power_kw": "4", "phases": "3"})],
    );
    let problems = form.validate(&values);
    assert_eq!(problems[0].field, "production.inverters[2].model");
    assert_eq!(problems[0].message, "Växelriktare 2: Fyll i Modell.");
    assert!(!schema_accepts(&form, &values), "the schema requires the item's mandatory fields");
}

#[test]
fn the_total_is_recomputed_after_every_edit() {
    let form = production_form();
    let mut values = with_inverters(&form, vec![inverter("5,5"), inverter("5")]);
    assert_eq!(values["production.total_power_kw"], "10.5");
    assert_eq!(values["production.inverters[1].power_kw"], "5.5", "stored with a point");
    assert!(schema_accepts(&form, &values));

    // Removing an item: the group is sent whole, the rest renumbered, the total follows.
    let json = serde_json::from_value(json!({ "production.inverters": [inverter("5")] })).unwrap();
    form.apply_edit(&mut values, form.edits_from_json(json).unwrap());
    assert_eq!(values["production.total_power_kw"], "5");
    assert!(!values.contains_key("production.inverters[2].power_kw"), "the old item is gone");
    assert_eq!(groups::item_count(&values, "production.inverters"), 1);

    // Clearing the group: nothing to add up.
    let json = serde_json::from_value(json!({ "production.inverters": null })).unwrap();
    form.apply_edit(&mut values, form.edits_from_json(json).unwrap());
    assert!(!values.contains_key("production.total_power_kw"));
    assert!(!values.keys().any(|k| k.starts_with("production.inverters")));
}

#[test]
fn the_total_decides_the_automatic_approval_and_what_is_shown() {
    let form = production_form();
    let small = with_inverters(&form, vec![inverter("10,5")]);
    let rule = form.auto_approval("add_production", &small).expect("a microproducer");
    assert!(rule.description.starts_with("Mikroproduktion"));
    let large = with_inverters(&form, vec![inverter("30"), inverter("20")]);
    assert_eq!(large["production.total_power_kw"], "50");
    assert_eq!(form.auto_approval("add_production", &large), None, "over 43.5 kW");
    let mut big_fuse = small.clone();
    big_fuse.insert("work.requested_main_fuse".into(), "80".into());
    assert_eq!(form.auto_approval("add_production", &big_fuse), None, "over 63 A");

    // "Planerad inmatning" is shown only over the limit of microproduction.
    let export = form.field("production.export_description").unwrap().field;
    assert!(!form.is_shown(export, &small));
    assert!(form.is_shown(export, &large));
    let at_limit = with_inverters(&form, vec![inverter("43,5")]);
    assert!(!form.is_shown(export, &at_limit), "43.5 kW is still microproduction");
}

#[test]
fn the_total_cannot_be_edited_and_other_jobs_have_no_production_fields() {
    let form = production_form();
    let edit: Edits = [("production.total_power_kw".to_string(), Some("1".to_string()))].into();
    let problems = form.check_edit(&[forms::FormPart::Notice], &edit);
    assert_eq!(
        problems[0].message,
        "Total installerad effekt räknas ut av formuläret och kan inte ändras."
    );

    let other =
        Definitions::builtin().form("oresundskraft", "extension").unwrap().for_job_type("add_load");
    assert!(other.field("production.inverters").is_none());
    assert!(other.validate(&full_case(&other)).is_empty());
}

/// A company of its own with every kind of computed value and an item shown on a condition.
const BATTERY_NET: &str = r#"
name = "Batterinät"
gsrn_prefixes = ["735999555"]

[[network_area]]
id = "norr"
name = "Norr"

[[installation_type]]
id = "extension"

[[field]]
id = "production.units"
label = "Enheter"
type = "group"
item_label = "Enhet"
max_items = 3

[[field.item]]
id = "kind"
label = "Slag"
type = "choice"
choices = [{ value = "solar", label = "Solceller" }, { value = "wind", label = "Vind" }]

[[field.item]]
id = "panels"
label = "Antal paneler"
type = "number"
mandatory = true
visible_when = { field = "kind", equals = "solar" }

[[field.item]]
id = "power_kw"
label = "Effekt"
type = "number"
decimals = 2
unit = "kW"

[[field]]
id = "production.unit_count"
label = "Antal enheter"
type = "computed"
computed = { count = "production.units" }

[[field]]
id = "production.largest_kw"
label = "Största enhet"
type = "computed"
unit = "kW"
computed = { max = "production.units.power_kw" }

[[field]]
id = "production.hours"
label = "Timmar"
type = "number"

[[field]]
id = "production.energy_kwh"
label = "Energi"
type = "computed"
unit = "kWh"
computed = { product = ["production.largest_kw", "production.hours"] }
"#;

#[test]
fn count_max_and_product_and_an_item_shown_by_its_own_choice() {
    let mut sources = forms::definitions::builtin_sources();
    sources.push(forms::definitions::Source {
        path: "companies/batterinat.toml".into(),
        text: BATTERY_NET.into(),
    });
    let definitions =
        Definitions::parse("forms/definitions", &sources).unwrap_or_else(|e| panic!("{e}"));
    let form = definitions.form("batterinat", "extension").unwrap();
    let mut values = FieldValues::new();
    let json = serde_json::from_value(json!({
        "production.units": [
            {"kind": "solar", "power_kw": "2,25"},
            {"kind": "wind", "power_kw": "3.5"},
        ],
        "production.hours": "4",
    }))
    .unwrap();
    form.apply_edit(&mut values, form.edits_from_json(json).unwrap());
    assert_eq!(values["production.unit_count"], "2");
    assert_eq!(values["production.largest_kw"], "3.5");
    assert_eq!(values["production.energy_kwh"], "14", "a computed value of a computed value");
    // The panels are asked for only of the solar unit.
    let problems: Vec<_> =
        form.validate(&values).into_iter().filter(|p| p.field.starts_with("production.")).collect();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["production.units[1].panels"]);
    assert_eq!(problems[0].message, "Enhet 1: Fyll i Antal paneler.");
    assert!(!schema_accepts(&form, &values), "the schema asks for them too");
    values.insert("production.units[1].panels".into(), "12".into());
    assert!(form.validate(&values).iter().all(|p| !p.field.starts_with("production.")));
    let mut full = full_case(&form);
    full.extend(values);
    assert_eq!(form.validate(&full), []);
    assert!(schema_accepts(&form, &full));
}
