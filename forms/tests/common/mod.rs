//! Shared by the integration tests: valid values and cases for the shipped forms.
#![allow(dead_code)] // each test crate uses a part

use forms::definitions::{Field, FieldKind};
use forms::definitions::{Source, builtin_sources};
use forms::form::groups;
use forms::formats::complete_gsrn;
use forms::{Definitions, FieldValues, Form};

/// The shipped sources with one file replaced or added.
pub fn with_file(path: &str, text: &str) -> Vec<Source> {
    let mut sources: Vec<Source> =
        builtin_sources().into_iter().filter(|s| s.path != path).collect();
    sources.push(Source { path: path.to_string(), text: text.to_string() });
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    sources
}

/// Öresundskraft's GSRN company prefix.
pub const ORESUNDSKRAFT_PREFIX: &str = "735999100";
/// Skatteverket's test personnummer.
pub const PERSONNUMMER: &str = "19121212-1212";
/// Volvo Personvagnar AB.
pub const ORGANISATIONSNUMMER: &str = "556074-3089";

pub fn form(company: &str, installation_type: &str) -> Form<'static> {
    Definitions::builtin()
        .form(company, installation_type)
        .unwrap_or_else(|| panic!("no form {company}/{installation_type}"))
}

/// A valid anläggnings-ID with `prefix` (nine digits) and an eight-digit serial number.
pub fn ean(prefix: &str, serial: u32) -> String {
    complete_gsrn(&format!("{prefix}{serial:08}"))
}

/// A valid anläggnings-ID of Exempelnät Norr, which is not Öresundskraft's.
pub fn exempelnat_norr_ean() -> String {
    ean("735999901", 1)
}

/// A valid value for a field of a form of `company_prefix`'s company.
pub fn valid_value(field: &Field, company_prefix: &str) -> String {
    let by_id = match field.id.as_str() {
        "installation.ean" => return ean(company_prefix, 4711),
        "installation.meter_number" => "12345678",
        "installation.technical_number" => "T-4711",
        "installation.street_address" => "Drottninggatan 1",
        "installation.postal_code" => "252 21",
        "installation.city" => "Helsingborg",
        "installation.property_designation" => "Helsingborg Söder 1:23",
        "installation.main_fuse" => "16",
        "installation.desired_meter_placement" => "facade",
        "owner.name" => "Anna Andersson",
        "owner.identity_number" => PERSONNUMMER,
        "owner.street_address" => "Storgatan 2",
        "owner.postal_code" => "25222",
        "owner.city" => "Helsingborg",
        "owner.phone" => "042-12 34 56",
        "owner.email" => "anna@exempel.se",
        "payer.name" => "Exempel Fastigheter AB",
        "payer.identity_number" => ORGANISATIONSNUMMER,
        "payer.street_address" => "Box 123",
        "payer.postal_code" => "251 10",
        "payer.city" => "Helsingborg",
        "payer.phone" => "+46 42 123456",
        "payer.email" => "faktura@exempel.se",
        "work.description" => "Höjning av huvudsäkringen från 16 A till 20 A.",
        "work.planned_start" => "2026-12-01",
        "work.requested_main_fuse" => "20",
        "work.temporary_until" => "2027-03-31",
        "work.production_kw" => "10",
        _ => "",
    };
    if !by_id.is_empty() {
        return by_id.to_string();
    }
    match field.kind {
        FieldKind::Text | FieldKind::Textarea => "text".into(),
        FieldKind::Number => field.min.unwrap_or(0).to_string(),
        FieldKind::Date => "2026-12-01".into(),
        FieldKind::Choice => field.choices[0].value.clone(),
        FieldKind::Email => "namn@exempel.se".into(),
        FieldKind::Phone => "042-10 20 30".into(),
        FieldKind::PostalCode => "123 45".into(),
        FieldKind::Gsrn => ean(company_prefix, 1),
        FieldKind::IdentityNumber => PERSONNUMMER.into(),
        FieldKind::File | FieldKind::Group | FieldKind::Computed => {
            unreachable!("a file, a group or a computed value has no value typed in")
        }
    }
}

/// The values of `field` filled in: a group with one item, every item field filled.
fn filled(field: &Field, prefix: &str) -> Vec<(String, String)> {
    match &field.group {
        Some(group) => {
            std::iter::once((groups::count_key(&field.id), "1".to_string()))
                .chain(group.items.iter().map(|item| {
                    (groups::item_key(&field.id, 1, &item.id), valid_value(item, prefix))
                }))
                .collect()
        }
        None => vec![(field.id.clone(), valid_value(field, prefix))],
    }
}

/// What needs a value typed in: not a file or a computed value.
fn typed(field: &Field) -> bool {
    !field.is_file() && field.kind != FieldKind::Computed
}

/// Every field of `form` filled in with a valid value.
pub fn full_case(form: &Form) -> FieldValues {
    let prefix = &form.company.gsrn_prefixes[0];
    let mut values: FieldValues = form
        .fields
        .iter()
        .filter(|f| typed(f.field))
        .flat_map(|f| filled(f.field, prefix))
        .collect();
    form.compute(&mut values);
    values
}

/// Only the mandatory fields of `form`, with valid values.
pub fn mandatory_only(form: &Form) -> FieldValues {
    let prefix = &form.company.gsrn_prefixes[0];
    let mut values: FieldValues = form
        .fields
        .iter()
        .filter(|f| f.mandatory && typed(f.field))
        .flat_map(|f| filled(f.field, prefix))
        .collect();
    form.compute(&mut values);
    values
}

pub fn values<const N: usize>(pairs: [(&str, &str); N]) -> FieldValues {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
