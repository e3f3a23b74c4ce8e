//! The JSON Schemas generated per form: snapshots of Öresundskraft's, validity against the
//! Draft 2020-12 meta-schema for every company, and agreement with the server's validation.

mod common;

use common::*;
use forms::{Definitions, FieldValues, Form};
use jsonschema::{Validator, error::ValidationErrorKind};
use serde_json::{Value, json};

fn validator(form: &Form) -> Validator {
    jsonschema::draft202012::new(&form.json_schema())
        .unwrap_or_else(|e| panic!("{}/{}: {e}", form.company.id, form.installation_type.id))
}

fn instance(values: &FieldValues) -> Value {
    serde_json::to_value(forms::form::groups::json::nest(values)).unwrap()
}

#[test]
fn snapshots_of_oresundskrafts_forms() {
    let company = Definitions::builtin().company("oresundskraft").unwrap();
    assert_eq!(company.offers.len(), 5);
    for offer in &company.offers {
        let schema = form("oresundskraft", &offer.installation_type).json_schema();
        // Sorted keys: the same snapshot whether or not serde_json keeps insertion order.
        insta::with_settings!({ sort_maps => true }, {
            insta::assert_json_snapshot!(format!("oresundskraft_{}", offer.installation_type), schema);
        });
    }
}

#[test]
fn every_schema_of_every_company_is_valid_draft_2020_12() {
    let mut count = 0;
    for form in Definitions::builtin().forms() {
        let schema = form.json_schema();
        if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
            panic!(
                "{}/{}: {e} at {}",
                form.company.id,
                form.installation_type.id,
                e.instance_path()
            );
        }
        validator(&form);
        count += 1;
    }
    assert_eq!(count, 13);
}

#[test]
fn the_schema_lists_the_forms_fields_and_requires_the_mandatory_ones() {
    for form in Definitions::builtin().forms() {
        let name = format!("{}/{}", form.company.id, form.installation_type.id);
        let schema = form.json_schema();
        assert_eq!(schema["$id"], json!(format!("schemas/{name}.json")));
        assert_eq!(schema["additionalProperties"], json!(false), "{name}");
        let properties = schema["properties"].as_object().unwrap();
        // File fields hold no value: they are described in x-attachments instead.
        let (files, values): (Vec<&forms::FormField>, Vec<_>) =
            form.fields.iter().partition(|f| f.field.is_file());
        assert_eq!(properties.len(), values.len(), "{name}");
        for f in &files {
            assert_eq!(schema["x-attachments"][&f.field.id]["title"], json!(f.field.label));
        }
        let conditional = |id: &str| {
            let rules = schema["allOf"].as_array().into_iter().flatten();
            rules.map(|r| &r["then"]["properties"][id]).find(|p| p.is_object())
        };
        // A condition on a computed value is only annotated (x-visible-when): the server
        // decides.
        let on_computed =
            |f: &&&forms::FormField| form.conditions(f.field).any(|w| w.equals.is_none());
        for f in values.iter().filter(|f| !on_computed(f)) {
            // A conditional field's checks apply under its condition (conditional_fields.rs).
            let property = conditional(&f.field.id).unwrap_or(&properties[&f.field.id]);
            assert_eq!(property["title"], json!(f.field.label), "{name}: {}", f.field.id);
            match &f.field.group {
                Some(group) => assert_eq!(property["maxItems"], json!(group.max_items)),
                None => assert_eq!(
                    property["maxLength"],
                    json!(f.field.max_length),
                    "{name}: {}",
                    f.field.id
                ),
            }
            assert_eq!(property["x-section"], json!(f.field.section), "{name}: {}", f.field.id);
        }
        let required: Vec<&str> =
            schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        // The completion notice's mandatory fields are required only when it is sent.
        let mandatory: Vec<&str> = form
            .fields
            .iter()
            .filter(|f| f.mandatory && f.part() == forms::FormPart::Notice)
            .filter(|f| form.conditions(f.field).next().is_none())
            // Required only in the form of their job types (Form::for_job_type).
            .filter(|f| f.field.job_types.is_none())
            .map(|f| f.field.id.as_str())
            .collect();
        assert_eq!(required, mandatory, "{name}");
    }
}

#[test]
fn a_valid_case_satisfies_its_schema() {
    for form in Definitions::builtin().forms() {
        let validator = validator(&form);
        for values in [full_case(&form), mandatory_only(&form)] {
            let errors: Vec<String> =
                validator.iter_errors(&instance(&values)).map(|e| e.to_string()).collect();
            assert!(
                errors.is_empty(),
                "{}/{}: {errors:#?}",
                form.company.id,
                form.installation_type.id
            );
        }
    }
}

/// The errors of `values` against the form's schema: (path, kind) in short.
fn schema_errors(form: &Form, values: &FieldValues) -> Vec<(String, &'static str)> {
    let validator = validator(form);
    let instance = instance(values);
    validator
        .iter_errors(&instance)
        .map(|e| {
            let kind = match e.kind() {
                ValidationErrorKind::Required { .. } => "required",
                ValidationErrorKind::Pattern { .. } => "pattern",
                ValidationErrorKind::AdditionalProperties { .. } => "additionalProperties",
                ValidationErrorKind::MaxLength { .. } => "maxLength",
                ValidationErrorKind::MinLength { .. } => "minLength",
                ValidationErrorKind::OneOfNotValid { .. } => "oneOf",
                _ => "other",
            };
            (e.instance_path().to_string(), kind)
        })
        .collect()
}

#[test]
fn an_invalid_case_does_not_satisfy_its_schema() {
    let form = form("oresundskraft", "fuse_change");

    let mut missing = full_case(&form);
    missing.remove("owner.identity_number");
    assert_eq!(schema_errors(&form, &missing), [(String::new(), "required")]);

    let mut postal = full_case(&form);
    postal.insert("installation.postal_code".into(), "252-21".into());
    assert_eq!(schema_errors(&form, &postal), [("/installation.postal_code".into(), "pattern")]);

    let mut unknown = full_case(&form);
    unknown.insert("owner.fax".into(), "042-123456".into());
    assert_eq!(schema_errors(&form, &unknown), [(String::new(), "additionalProperties")]);

    let mut wrong_type = instance(&full_case(&form));
    wrong_type["installation.main_fuse"] = json!(16);
    assert!(!validator(&form).is_valid(&wrong_type), "values are strings, as typed");

    let mut empty_string = full_case(&form);
    empty_string.insert("owner.city".into(), String::new());
    assert_eq!(schema_errors(&form, &empty_string), [("/owner.city".into(), "minLength")]);

    let service = common::form("oresundskraft", "service_change");
    let mut choice = full_case(&service);
    choice.insert("installation.desired_meter_placement".into(), "roof".into());
    assert_eq!(
        schema_errors(&service, &choice),
        [("/installation.desired_meter_placement".into(), "oneOf")]
    );
}

#[test]
fn the_gsrn_pattern_accepts_the_companys_ean_and_refuses_another_companys() {
    let oresund = form("oresundskraft", "fuse_change");
    let own = ean(ORESUNDSKRAFT_PREFIX, 4711);
    let other = exempelnat_norr_ean();
    let with_ean = |form: &Form, ean: &str| {
        let mut values = full_case(form);
        values.insert("installation.ean".into(), ean.into());
        schema_errors(form, &values)
    };
    assert_eq!(with_ean(&oresund, &own), []);
    assert_eq!(with_ean(&oresund, &other), [("/installation.ean".into(), "pattern")]);
    assert_eq!(with_ean(&oresund, &own[..17]), [("/installation.ean".into(), "pattern")]);
    // And the other way round at Exempelnät Norr.
    let norr = form("exempelnat_norr", "fuse_change");
    assert_eq!(with_ean(&norr, &other), []);
    assert_eq!(with_ean(&norr, &own), [("/installation.ean".into(), "pattern")]);
    // A company with two prefixes accepts both and nothing else.
    let syd = form("fiktiva_elnat_syd", "fuse_change");
    assert_eq!(with_ean(&syd, &ean("735999902", 1)), []);
    assert_eq!(with_ean(&syd, &ean("735999903", 1)), []);
    assert_eq!(with_ean(&syd, &own), [("/installation.ean".into(), "pattern")]);
    let pattern = syd.json_schema()["properties"]["installation.ean"]["pattern"].clone();
    assert_eq!(pattern, json!("^(?:735999902|735999903)[0-9]{9}$"));
}

mod agreement {
    //! The schema is what the browser checks before the server does; it must never refuse what
    //! the server accepts, and what it refuses the server must refuse too.
    use super::*;
    use proptest::prelude::*;

    /// Values near the edges of the formats.
    fn tricky_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("252 21".to_string()),
            Just("25221".to_string()),
            Just("252-21".to_string()),
            Just("042-12 34 56".to_string()),
            Just("+46 (0)42 123456".to_string()),
            Just("12345".to_string()),
            Just("anna@exempel.se".to_string()),
            Just("anna@exempel".to_string()),
            Just("2026-02-28".to_string()),
            Just("2026-02-30".to_string()),
            Just("19121212-1212".to_string()),
            Just("121212+1212".to_string()),
            Just("556074-3089".to_string()),
            Just("16".to_string()),
            Just("-1".to_string()),
            Just("facade".to_string()),
            Just(ean(ORESUNDSKRAFT_PREFIX, 4711)),
            Just(ean("735999901", 4711)),
            Just(ean("735999902", 4711)),
            Just("\u{e5}".repeat(21)),
            "[0-9 +()-]{1,16}",
            "[a-zA-Z0-9@.åäö -]{1,12}",
        ]
    }

    fn any_form() -> impl Strategy<Value = Form<'static>> {
        let forms: Vec<(String, String)> = Definitions::builtin()
            .forms()
            .map(|f| (f.company.id.clone(), f.installation_type.id.clone()))
            .collect();
        prop::sample::select(forms).prop_map(|(c, t)| form(&c, &t))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn schema_and_server_agree_on_one_changed_field(
            form in any_form(), index in any::<prop::sample::Index>(), value in tricky_value()
        ) {
            let mut values = full_case(&form);
            let field = form.fields[index.index(form.fields.len())].field;
            values.insert(field.id.clone(), value.clone());
            // The schema covers both parts; the server checks each when it is sent.
            let mut server = form.validate(&values);
            server.extend(form.validate_completion(&values));
            let schema_ok = validator(&form).is_valid(&instance(&values));
            if server.is_empty() {
                prop_assert!(schema_ok, "the schema refuses {} = {:?}, which the server accepts", field.id, value);
            }
            if !schema_ok {
                prop_assert!(!server.is_empty(), "the server accepts {} = {:?}, which the schema refuses", field.id, value);
            }
        }
    }
}
