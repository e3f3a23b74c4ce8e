//! Validation of a case against Öresundskraft's forms: what is required, every format rule with
//! its code and Swedish message, what an edit may contain, and how an edit is applied.
//! Over 500 lines: one area's cases, read as a list.

mod common;

use std::collections::BTreeMap;

use common::*;
use forms::{Action, Case, CaseError, Form, FormPart, Problem, ProblemCode, Role, Status};

const TYPES: [&str; 2] = ["fuse_change", "service_change"];

fn codes(problems: &[Problem]) -> Vec<(&str, ProblemCode)> {
    problems.iter().map(|p| (p.field.as_str(), p.code)).collect()
}

/// The problems of a valid case with one field set to `value`.
fn problems_with(form: &Form, field: &str, value: &str) -> Vec<Problem> {
    let mut values = full_case(form);
    values.insert(field.to_string(), value.to_string());
    form.validate(&values)
}

/// Asserts that `value` in `field` gives exactly one problem, with `code`; returns its message.
#[track_caller]
fn single_problem(form: &Form, field: &str, value: &str, code: ProblemCode) -> String {
    let problems = problems_with(form, field, value);
    assert_eq!(
        codes(&problems),
        [(field, code)],
        "{field} = {value:?} in {}: {problems:#?}",
        form.installation_type.id
    );
    problems.into_iter().next().unwrap().message
}

#[test]
fn an_empty_case_lists_every_mandatory_field_as_required() {
    let expected = [
        (
            "fuse_change",
            &[
                "installation.ean",
                "installation.meter_number",
                "installation.street_address",
                "installation.postal_code",
                "installation.city",
                "owner.name",
                "owner.identity_number",
                "owner.phone",
                "payer.name",
                "payer.identity_number",
                "payer.street_address",
                "payer.postal_code",
                "payer.city",
                "work.description",
                "work.requested_main_fuse",
            ][..],
        ),
        (
            "service_change",
            &[
                "installation.ean",
                "installation.meter_number",
                "installation.street_address",
                "installation.postal_code",
                "installation.city",
                "installation.desired_meter_placement",
                "owner.name",
                "owner.identity_number",
                "owner.phone",
                "payer.name",
                "payer.identity_number",
                "payer.street_address",
                "payer.postal_code",
                "payer.city",
                "work.description",
                "work.planned_start",
            ][..],
        ),
    ];
    for (kind, mandatory) in expected {
        let form = form("oresundskraft", kind);
        let problems = form.validate(&Default::default());
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, mandatory, "{kind}: required fields in form order");
        for p in &problems {
            assert_eq!(p.code, ProblemCode::Required);
            let label = &form.field(&p.field).unwrap().field.label;
            assert_eq!(p.message, format!("Fyll i {label}."), "{kind}: {}", p.field);
        }
    }
}

#[test]
fn the_required_messages_name_the_manuals_labels() {
    let form = form("oresundskraft", "service_change");
    let problems = form.validate(&Default::default());
    let message = |id: &str| problems.iter().find(|p| p.field == id).unwrap().message.as_str();
    assert_eq!(message("installation.ean"), "Fyll i Anläggnings-ID (EAN).");
    assert_eq!(message("installation.meter_number"), "Fyll i Mätarnummer.");
    assert_eq!(message("installation.desired_meter_placement"), "Fyll i Önskad mätarplacering.");
    assert_eq!(message("owner.identity_number"), "Fyll i Person-/organisationsnummer.");
}

#[test]
fn a_full_valid_case_has_no_problems() {
    for kind in TYPES {
        let form = form("oresundskraft", kind);
        let values = full_case(&form);
        let value_fields = form.fields.iter().filter(|f| !f.field.is_file()).count();
        assert_eq!(values.len(), value_fields, "every field but the file fields has a value");
        assert_eq!(form.validate(&values), [], "{kind}: {values:#?}");
        assert_eq!(form.validate(&mandatory_only(&form)), [], "{kind}: mandatory fields suffice");
    }
}

#[test]
fn every_shipped_form_accepts_its_full_case_and_requires_its_mandatory_fields() {
    for form in forms::Definitions::builtin().forms() {
        let name = format!("{}/{}", form.company.id, form.installation_type.id);
        assert_eq!(form.validate(&full_case(&form)), [], "{name}");
        assert_eq!(form.validate_completion(&full_case(&form)), [], "{name}");
        for part in [FormPart::Notice, FormPart::Completion] {
            let validate = |form: &Form, values: &forms::FieldValues| match part {
                FormPart::Notice => form.validate(values),
                FormPart::Completion => form.validate_completion(values),
            };
            // Each part checks its own fields: the notice was checked when it was sent.
            let mandatory = |f: &&forms::FormField| f.mandatory && f.part() == part;
            let required = validate(&form, &Default::default());
            // A conditional field is hidden in an empty case, and so not required.
            let shown_when_empty =
                |f: &&forms::FormField| form.is_shown(f.field, &Default::default());
            let count = form.fields.iter().filter(mandatory).filter(shown_when_empty).count();
            assert_eq!(required.len(), count, "{name}");
            assert!(required.iter().all(|p| p.code == ProblemCode::Required), "{name}");
            // Leaving out one mandatory field gives exactly that problem.
            for f in form.fields.iter().filter(mandatory) {
                let mut values = full_case(&form);
                values.remove(&f.field.id);
                // A group's values are its items' (forms::form::groups).
                values.retain(|key, _| !key.starts_with(&format!("{}[", f.field.id)));
                assert_eq!(
                    codes(&validate(&form, &values)),
                    [(f.field.id.as_str(), ProblemCode::Required)],
                    "{name} {part:?}"
                );
            }
        }
    }
}

#[test]
fn an_absent_optional_field_is_no_problem() {
    let form = form("oresundskraft", "fuse_change");
    let mut values = full_case(&form);
    for id in ["installation.technical_number", "owner.email", "work.planned_start"] {
        assert!(!form.field(id).unwrap().mandatory, "{id} is optional in fuse_change");
        values.remove(id);
    }
    assert_eq!(form.validate(&values), []);
}

#[test]
fn invalid_format() {
    let form = form("oresundskraft", "fuse_change");
    let cases = [
        ("installation.ean", "12345"),
        ("installation.ean", "73599910000000471A"),
        // A valid GS1 check digit but not a Swedish grid GSRN (735999...).
        ("installation.ean", forms::formats::complete_gsrn("64099910000004711").as_str()),
        ("installation.postal_code", "2522"),
        ("installation.postal_code", "252-21"),
        ("installation.main_fuse", "sexton"),
        ("installation.main_fuse", "16.5"),
        ("owner.phone", "ring mig"),
        ("owner.phone", "123"),
        ("owner.email", "anna@exempel"),
        ("owner.email", "anna exempel.se"),
        ("owner.identity_number", "19121212-12"),
        ("payer.identity_number", "5560743089x"),
        ("work.requested_main_fuse", "20 A"),
    ]
    .map(|(f, v)| (f.to_string(), v.to_string()));
    for (field, value) in cases {
        single_problem(&form, &field, &value, ProblemCode::InvalidFormat);
    }
    let message =
        single_problem(&form, "installation.postal_code", "2522", ProblemCode::InvalidFormat);
    assert_eq!(message, "Ange postnumret med fem siffror, till exempel 252 21.");
    let message = single_problem(&form, "installation.ean", "12345", ProblemCode::InvalidFormat);
    assert_eq!(message, "Anläggnings-ID (EAN) ska vara 18 siffror som börjar med 735999.");
}

#[test]
fn invalid_check_digit() {
    let form = form("oresundskraft", "fuse_change");
    let good = ean(ORESUNDSKRAFT_PREFIX, 4711);
    let last = good.as_bytes()[17] - b'0';
    let bad = format!("{}{}", &good[..17], (last + 1) % 10);
    let message = single_problem(&form, "installation.ean", &bad, ProblemCode::InvalidCheckDigit);
    assert!(
        message.starts_with("Kontrollsiffran i Anläggnings-ID (EAN) stämmer inte"),
        "{message}"
    );
    single_problem(&form, "owner.identity_number", "19121212-1213", ProblemCode::InvalidCheckDigit);
    single_problem(&form, "payer.identity_number", "556074-3088", ProblemCode::InvalidCheckDigit);
}

#[test]
fn wrong_company() {
    let form = form("oresundskraft", "fuse_change");
    let other = exempelnat_norr_ean();
    assert!(other.starts_with("735999901"));
    let message = single_problem(&form, "installation.ean", &other, ProblemCode::WrongCompany);
    assert!(message.contains("Öresundskraft"), "{message}");
    // The same number is right at its own company.
    let norr = common::form("exempelnat_norr", "fuse_change");
    let mut values = full_case(&norr);
    values.insert("installation.ean".into(), other);
    assert_eq!(norr.validate(&values), []);
}

#[test]
fn invalid_date() {
    let form = form("oresundskraft", "service_change");
    for value in ["2026-02-30", "2026-13-01", "2026-00-10", "1/12 2026", "2026-12-1", "20261201"] {
        let message = single_problem(&form, "work.planned_start", value, ProblemCode::InvalidDate);
        assert_eq!(message, "Ange Planerat startdatum som ÅÅÅÅ-MM-DD, till exempel 2026-12-01.");
    }
    assert_eq!(problems_with(&form, "work.planned_start", "2028-02-29"), [], "a leap day");
    // An identity number without a real date of birth.
    single_problem(&form, "owner.identity_number", "121312-1211", ProblemCode::InvalidDate);
}

#[test]
fn out_of_range_main_fuse() {
    let form = form("oresundskraft", "fuse_change");
    for value in ["5", "0", "-16", "4001", "99999999999"] {
        let message =
            single_problem(&form, "installation.main_fuse", value, ProblemCode::OutOfRange);
        assert_eq!(message, "Befintlig huvudsäkring ska vara mellan 6 och 4000 A.");
        single_problem(&form, "work.requested_main_fuse", value, ProblemCode::OutOfRange);
    }
    for value in ["6", "4000", "0016"] {
        assert_eq!(problems_with(&form, "installation.main_fuse", value), [], "{value}");
    }
}

#[test]
fn invalid_choice() {
    let form = form("oresundskraft", "service_change");
    for value in ["roof", "Fasad", "FACADE"] {
        let message = single_problem(
            &form,
            "installation.desired_meter_placement",
            value,
            ProblemCode::InvalidChoice,
        );
        assert_eq!(message, "Välj ett av alternativen för Önskad mätarplacering.");
    }
    for value in ["facade", "meter_cabinet", "indoors", "unchanged"] {
        assert_eq!(problems_with(&form, "installation.desired_meter_placement", value), []);
    }
}

#[test]
fn too_long() {
    let form = form("oresundskraft", "fuse_change");
    let message =
        single_problem(&form, "installation.meter_number", &"1".repeat(21), ProblemCode::TooLong);
    assert_eq!(message, "Mätarnummer får vara högst 20 tecken.");
    assert_eq!(problems_with(&form, "installation.meter_number", &"1".repeat(20)), []);
    single_problem(&form, "work.description", &"å".repeat(2001), ProblemCode::TooLong);
    assert_eq!(
        problems_with(&form, "work.description", &"å".repeat(2000)),
        [],
        "characters, not bytes"
    );
    // Too long wins over a format problem: one problem per field.
    single_problem(&form, "installation.postal_code", "1234567", ProblemCode::TooLong);
    single_problem(
        &form,
        "owner.email",
        &format!("{}@exempel.se", "a".repeat(250)),
        ProblemCode::TooLong,
    );
}

/// A value of a field the form does not have (the definitions changed since it was stored)
/// is kept and stops nothing; an edit may only clear it ([`Form::check_edit`]).
#[test]
fn values_of_fields_the_form_lacks_are_kept_and_stop_nothing() {
    for kind in TYPES {
        let form = form("oresundskraft", kind);
        // A removed field, another company's own field, a field of another installation type.
        for (field, value) in [
            ("owner.fax", "042-123456"),
            ("work.production_kw", "10"),
            ("work.temporary_until", "2027-01-01"),
        ] {
            assert_eq!(problems_with(&form, field, value), [], "{field} in {kind}");
        }
    }
    let fuse = form("oresundskraft", "fuse_change");
    assert_eq!(problems_with(&fuse, "installation.desired_meter_placement", "facade"), []);
}

#[test]
fn problems_come_in_form_order() {
    let form = form("oresundskraft", "fuse_change");
    let mut values = full_case(&form);
    values.insert("zzz.unknown".into(), "x".into());
    values.insert("owner.postal_code".into(), "x".into());
    values.insert("installation.main_fuse".into(), "1".into());
    values.remove("work.description");
    assert_eq!(
        codes(&form.validate(&values)),
        [
            ("installation.main_fuse", ProblemCode::OutOfRange),
            ("owner.postal_code", ProblemCode::InvalidFormat),
            ("work.description", ProblemCode::Required),
        ]
    );
}

#[test]
fn problems_serialize_with_snake_case_codes() {
    let form = form("oresundskraft", "fuse_change");
    let problem = &problems_with(&form, "installation.ean", &exempelnat_norr_ean())[0];
    let json = serde_json::to_value(problem).unwrap();
    assert_eq!(json["code"], "wrong_company");
    assert_eq!(json["field"], "installation.ean");
    for (code, text) in [
        (ProblemCode::Required, "required"),
        (ProblemCode::InvalidFormat, "invalid_format"),
        (ProblemCode::InvalidCheckDigit, "invalid_check_digit"),
        (ProblemCode::InvalidDate, "invalid_date"),
        (ProblemCode::WrongCompany, "wrong_company"),
        (ProblemCode::TooLong, "too_long"),
        (ProblemCode::OutOfRange, "out_of_range"),
        (ProblemCode::InvalidChoice, "invalid_choice"),
        (ProblemCode::UnknownField, "unknown_field"),
    ] {
        assert_eq!(serde_json::to_value(code).unwrap(), text);
    }
}

fn edit<const N: usize>(pairs: [(&str, Option<&str>); N]) -> BTreeMap<String, Option<String>> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v.map(str::to_string))).collect()
}

#[test]
fn check_edit_refuses_unknown_fields_and_over_long_values() {
    let form = form("oresundskraft", "fuse_change");
    let problems = form.check_edit(
        &[FormPart::Notice],
        &edit([
            ("owner.fax", Some("042-123456")),
            ("installation.meter_number", Some(&"9".repeat(21))),
            // Clearing a field the form does not have is allowed: definitions change over time.
            ("work.production_kw", None),
            ("owner.name", Some("Anna")),
        ]),
    );
    assert_eq!(
        codes(&problems),
        [
            ("installation.meter_number", ProblemCode::TooLong),
            ("owner.fax", ProblemCode::UnknownField),
        ]
    );
}

/// Text that is only text (issue 11): no control characters, no line break in a field of one
/// line, no direction overrides; refused even in a draft, with a message naming the field.
#[test]
fn text_with_control_characters_or_direction_overrides_is_refused() {
    let form = form("oresundskraft", "fuse_change");
    let refused = [
        ("owner.name", "Anna\u{0}Andersson", "innehåller ett styrtecken"),
        ("owner.name", "Anna\u{7}", "innehåller ett styrtecken"),
        ("installation.street_address", "Storgatan 1\nPostbox 2", "ska stå på en rad"),
        ("installation.street_address", "Storgatan 1\r2", "ska stå på en rad"),
        ("owner.name", "Anna\tAndersson", "innehåller ett styrtecken"),
        // "Storgatan 1" that reads backwards past the override: what is shown is not stored.
        ("installation.street_address", "Storgatan \u{202E}1", "vänder textens riktning"),
        ("work.description", "Byte av \u{2066}säkring\u{2069}", "vänder textens riktning"),
        ("work.description", "Rad 1\u{1b}[31m", "innehåller ett styrtecken"),
        ("installation.meter_number", "12\u{85}3", "innehåller ett styrtecken"),
        // Two names that look the same but are not (issue 19): no characters without width.
        ("owner.name", "Anna\u{200B}Andersson", "utan bredd (U+200B)"),
        ("owner.email", "\u{FEFF}anna@example.se", "utan bredd (U+FEFF)"),
    ];
    for (field, value, says) in refused {
        let problems = form.check_edit(&[FormPart::Notice], &edit([(field, Some(value))]));
        assert_eq!(codes(&problems), [(field, ProblemCode::InvalidCharacter)], "{value:?}");
        assert!(problems[0].message.contains(says), "{value:?}: {}", problems[0].message);
        let label = form.field(field).unwrap().field.label.clone();
        assert!(problems[0].message.starts_with(&label), "{}", problems[0].message);
        // A stored value with the same flaw stops a submit.
        single_problem(&form, field, value, ProblemCode::InvalidCharacter);
    }
    // Lines and tabs are text in a text area; a pasted value's surrounding line break is trimmed.
    let fine = edit([
        ("work.description", Some("Rad 1\r\nRad 2\n\tindragen \u{1F469}\u{200D}\u{1F527}")),
        ("owner.name", Some("Anna Andersson\n")),
        ("installation.street_address", Some("Ängsvägen 3 – ingång från gården")),
    ]);
    assert_eq!(form.check_edit(&[FormPart::Notice], &fine), []);
}

#[test]
fn check_edit_allows_format_problems_and_clearing() {
    let form = form("oresundskraft", "fuse_change");
    let draft = edit([
        ("installation.ean", Some("7359991")),
        ("installation.postal_code", Some("abc")),
        ("installation.main_fuse", Some("1")),
        ("owner.identity_number", Some("19121212-1213")),
        ("owner.email", Some("inte en adress")),
        ("work.planned_start", Some("2026-02-30")),
        ("owner.phone", None),
        ("owner.name", Some("")),
    ]);
    assert_eq!(form.check_edit(&[FormPart::Notice], &draft), []);
    // The same values stop a submit.
    let mut values = full_case(&form);
    form.apply_edit(&mut values, draft);
    let problems = form.validate(&values);
    assert_eq!(
        codes(&problems),
        [
            ("installation.ean", ProblemCode::InvalidFormat),
            ("installation.postal_code", ProblemCode::InvalidFormat),
            ("installation.main_fuse", ProblemCode::OutOfRange),
            ("owner.name", ProblemCode::Required),
            ("owner.identity_number", ProblemCode::InvalidCheckDigit),
            ("owner.phone", ProblemCode::Required),
            ("owner.email", ProblemCode::InvalidFormat),
            ("work.planned_start", ProblemCode::InvalidDate),
        ]
    );
}

/// The length is measured on the value as `apply_edit` stores it, so surrounding white space
/// (e.g. pasted with a trailing newline) does not make a value too long.
#[test]
fn check_edit_measures_the_value_that_apply_edit_stores() {
    let form = form("oresundskraft", "fuse_change");
    let changes = edit([("installation.meter_number", Some(&format!(" {} \n", "9".repeat(20))))]);
    let mut values = forms::FieldValues::new();
    form.apply_edit(&mut values, changes.clone());
    assert_eq!(values["installation.meter_number"].chars().count(), 20);
    assert_eq!(
        form.check_edit(&[FormPart::Notice], &changes),
        [],
        "the stored value is within max_length"
    );
}

fn json_edit(json: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    serde_json::from_value(json).unwrap()
}

#[test]
fn edits_from_json_set_with_strings_and_clear_with_null() {
    let form = form("oresundskraft", "fuse_change");
    let edits = form.edits_from_json(json_edit(serde_json::json!({
        "owner.name": "Anna",
        "owner.phone": null,
        "owner.email": "",
        // Unknown ids pass, for check_edit to name them.
        "owner.shoe_size": 44,
        "owner.fax": "042-123456",
    })));
    assert_eq!(
        edits,
        Ok(edit([
            ("owner.email", Some("")),
            ("owner.fax", Some("042-123456")),
            ("owner.name", Some("Anna")),
            ("owner.phone", None),
            ("owner.shoe_size", Some("44")),
        ]))
    );
    let problems = form.check_edit(&[FormPart::Notice], &edits.unwrap());
    assert_eq!(
        codes(&problems),
        [("owner.fax", ProblemCode::UnknownField), ("owner.shoe_size", ProblemCode::UnknownField)]
    );
}

#[test]
fn edits_from_json_take_whole_numbers_only_for_number_fields() {
    let form = form("oresundskraft", "fuse_change");
    let main_fuse = |value: serde_json::Value| {
        form.edits_from_json(json_edit(serde_json::json!({"installation.main_fuse": value})))
    };
    for (json, text) in [
        (serde_json::json!(16), "16"),
        (serde_json::json!(16.0), "16"),
        (serde_json::json!(-3), "-3"),
        (serde_json::json!(1e3), "1000"),
        (serde_json::json!("16"), "16"),
    ] {
        assert_eq!(
            main_fuse(json.clone()),
            Ok(edit([("installation.main_fuse", Some(text))])),
            "{json}"
        );
    }
    for json in [
        serde_json::json!(16.5),
        serde_json::json!(true),
        serde_json::json!([16]),
        serde_json::json!(1e300),
    ] {
        let problems = main_fuse(json.clone()).unwrap_err();
        assert_eq!(
            codes(&problems),
            [("installation.main_fuse", ProblemCode::InvalidFormat)],
            "{json}"
        );
        assert_eq!(problems[0].message, "Fältet Befintlig huvudsäkring ska vara ett heltal.");
    }
}

#[test]
fn edits_from_json_refuse_numbers_and_other_types_for_text_fields_naming_each() {
    let form = form("oresundskraft", "fuse_change");
    let problems = form
        .edits_from_json(json_edit(serde_json::json!({
            "owner.name": 12,
            "owner.phone": ["042"],
            "owner.email": {"address": "anna@exempel.se"},
            "owner.city": "Helsingborg",
            "owner.shoe_size": true,
        })))
        .unwrap_err();
    let messages: Vec<(&str, &str)> =
        problems.iter().map(|p| (p.field.as_str(), p.message.as_str())).collect();
    assert_eq!(
        messages,
        [
            ("owner.email", "Fältet E-post ska vara text."),
            ("owner.name", "Fältet Namn ska vara text."),
            ("owner.phone", "Fältet Telefon ska vara text."),
            ("owner.shoe_size", "Fältet owner.shoe_size ska vara text."),
        ]
    );
    assert!(problems.iter().all(|p| p.code == ProblemCode::InvalidFormat));
}

#[test]
fn apply_edit_trims_and_clears() {
    let mut values = values([
        ("owner.name", "Anna"),
        ("owner.phone", "042-12 34 56"),
        ("owner.email", "anna@exempel.se"),
        ("owner.city", "Helsingborg"),
        ("installation.city", "Höganäs"),
    ]);
    form("oresundskraft", "fuse_change").apply_edit(
        &mut values,
        edit([
            ("owner.name", Some("  Anna Andersson\t")),
            ("owner.phone", None),
            ("owner.email", Some("")),
            ("owner.city", Some("   ")),
            ("installation.street_address", Some(" Drottninggatan 1 ")),
            ("work.description", None),
        ]),
    );
    assert_eq!(
        values,
        common::values([
            ("installation.city", "Höganäs"),
            ("installation.street_address", "Drottninggatan 1"),
            ("owner.name", "Anna Andersson"),
        ])
    );
}

/// A new draft of Öresundskraft's Säkringsändring by user u1 of firm1.
fn fuse_change_draft(form: &Form, at: time::OffsetDateTime) -> Case {
    Case::new_draft(
        "c1".into(),
        "ÖK-2026-00001".into(),
        form,
        "increase_main_fuse".into(),
        "helsingborg".into(),
        "firm1".into(),
        "u1".into(),
        at,
    )
}

#[test]
fn a_submit_needs_a_case_without_problems() {
    let form = form("oresundskraft", "fuse_change");
    let at = time::OffsetDateTime::UNIX_EPOCH;
    let mut case = fuse_change_draft(&form, at);
    let err = case.act(&form, Action::Submit, Role::Installer, "u1", at, None).unwrap_err();
    let CaseError::Invalid(problems) = err else { panic!("{err:?}") };
    assert_eq!(problems, form.validate(&Default::default()));
    assert_eq!((case.status, case.version), (Status::Draft, 1), "a refused submit changes nothing");

    case.fields = over_the_rule(&form);
    case.act(&form, Action::Submit, Role::Installer, "u1", at, None).unwrap();
    assert_eq!((case.status, case.version), (Status::Submitted, 2));
    assert_eq!(case.submitted_at, Some(at));
}

/// A whole fuse change that Öresundskraft's `[[auto_approve]]` rule (at most 25 A) does not
/// approve, so that it waits for a case handler.
fn over_the_rule(form: &Form) -> forms::FieldValues {
    let mut values = full_case(form);
    values.insert("work.requested_main_fuse".into(), "35".into());
    values
}

#[test]
fn a_submit_that_a_company_rule_approves_is_approved_in_the_same_change() {
    let form = form("oresundskraft", "fuse_change");
    let at = time::OffsetDateTime::UNIX_EPOCH;
    let mut case = fuse_change_draft(&form, at);
    case.fields = full_case(&form);
    case.fields.insert("work.requested_main_fuse".into(), "25".into());
    case.act(&form, Action::Submit, Role::Installer, "u1", at, None).unwrap();
    assert_eq!((case.status, case.version), (Status::Approved, 2), "one change, one version");
    assert_eq!(case.submitted_at, Some(at));
    let steps: Vec<_> = case.history[1..]
        .iter()
        .map(|s| (s.action, s.by.as_str(), s.role, s.from, s.to, s.message.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                Action::Submit,
                "u1",
                Some(Role::Installer),
                Some(Status::Draft),
                Status::Submitted,
                None
            ),
            (
                Action::Approve,
                forms::AUTOMATIC,
                None,
                Some(Status::Submitted),
                Status::Approved,
                Some(
                    "Godkänd automatiskt enligt nätbolagets regel: Säkringsändring till högst 25 A."
                )
            ),
        ]
    );
    assert!(case.unread_for(Role::NetworkCompany) && case.unread_for(Role::Installer));

    // Over the rule's limit, or another installation type: the case waits for a person.
    let mut waiting = fuse_change_draft(&form, at);
    waiting.fields = over_the_rule(&form);
    waiting.act(&form, Action::Submit, Role::Installer, "u1", at, None).unwrap();
    assert_eq!(waiting.status, Status::Submitted);
    assert!(!waiting.unread_for(Role::Installer));
    // Only a submit is approved by a rule: a message on the waiting case is not.
    waiting.fields.insert("work.requested_main_fuse".into(), "25".into());
    waiting.act(&form, Action::Message, Role::Installer, "u1", at, Some("Hej".into())).unwrap();
    assert_eq!(waiting.status, Status::Submitted);
}

#[test]
fn an_ean_is_stored_without_the_spaces_it_was_written_with() {
    let form = form("oresundskraft", "fuse_change");
    let ean = forms::formats::complete_gsrn("73599910012345678");
    let spaced = format!(" {} {} {} ", &ean[..6], &ean[6..9], &ean[9..]);
    let changes = edit([("installation.ean", Some(spaced.as_str()))]);
    assert_eq!(
        form.check_edit(&[FormPart::Notice], &changes),
        [],
        "not too long once the spaces are gone"
    );
    let mut values = forms::FieldValues::new();
    form.apply_edit(&mut values, changes);
    assert_eq!(values["installation.ean"], ean);
    assert_eq!(form.validate(&values).iter().find(|p| p.field == "installation.ean"), None);
}

#[test]
fn a_company_rule_approves_only_what_it_names() {
    let fuse = form("oresundskraft", "fuse_change");
    let mut values = full_case(&fuse);
    values.insert("work.requested_main_fuse".into(), "25".into());
    let rule = fuse.auto_approval("increase_main_fuse", &values).expect("25 A is within the rule");
    assert_eq!(rule.description, "Säkringsändring till högst 25 A");
    values.insert("work.requested_main_fuse".into(), "35".into());
    assert!(fuse.auto_approval("increase_main_fuse", &values).is_none(), "over the limit");
    values.remove("work.requested_main_fuse");
    assert!(fuse.auto_approval("increase_main_fuse", &values).is_none(), "no value, no approval");
    let other = form("oresundskraft", "service_change");
    assert!(other.auto_approval("move_service", &full_case(&other)).is_none(), "another type");
}

#[test]
fn messages_keep_the_status_and_are_news_for_the_other_side() {
    let form = form("oresundskraft", "fuse_change");
    let at = time::OffsetDateTime::UNIX_EPOCH;
    let mut case = fuse_change_draft(&form, at);
    let on_draft = case.act(&form, Action::Message, Role::Installer, "u1", at, Some("Hej".into()));
    assert!(on_draft.is_err(), "nothing to write about before it is sent");
    case.fields = over_the_rule(&form);
    case.act(&form, Action::Submit, Role::Installer, "u1", at, None).unwrap();
    assert!(case.unread_for(Role::NetworkCompany) && !case.unread_for(Role::Installer));
    assert!(case.mark_read(Role::NetworkCompany));
    assert!(!case.mark_read(Role::NetworkCompany), "nothing more to read");
    let version = case.version;
    case.act(&form, Action::Message, Role::NetworkCompany, "k", at, Some("Foto?".into())).unwrap();
    assert_eq!((case.status, case.version), (Status::Submitted, version + 1));
    assert!(case.unread_for(Role::Installer));
    let last = case.history.last().unwrap();
    assert_eq!(
        (last.action, last.role, last.message.as_deref()),
        (Action::Message, Some(Role::NetworkCompany), Some("Foto?"))
    );
}

#[test]
fn the_completion_notice_is_its_own_part_of_the_form() {
    let form = form("oresundskraft", "fuse_change");
    let edit = |id: &str| -> forms::Edits { [(id.to_string(), Some("1".to_string()))].into() };
    let notice = form.check_edit(&[FormPart::Notice], &edit("completion.meter_reading"));
    assert_eq!(codes(&notice), [("completion.meter_reading", ProblemCode::UnknownField)]);
    let completion = form.check_edit(&[FormPart::Completion], &edit("owner.name"));
    assert_eq!(codes(&completion), [("owner.name", ProblemCode::UnknownField)]);
    assert_eq!(form.check_edit(&[FormPart::Completion], &edit("completion.meter_reading")), []);
    // The notice can be sent without them; the completion notice cannot.
    let mut values = full_case(&form);
    values.retain(|id, _| !id.starts_with("completion."));
    assert_eq!(form.validate(&values), []);
    let missing = form.validate_completion(&values);
    assert_eq!(
        codes(&missing),
        [
            ("completion.date", ProblemCode::Required),
            ("completion.meter_reading", ProblemCode::Required)
        ]
    );
}
