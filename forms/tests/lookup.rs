//! "Hämta anl-data": merging an installation from the registry into a case with "Skriv över
//! fält i anmälan?" Ja or Nej, what a lookup shows, "Kopiera från ägare" and the network area
//! warning. Unit tests first, then properties over arbitrary cases and registry rows.
//! Over 500 lines: one area's cases, read as a list.

mod common;

use std::collections::BTreeSet;

use common::*;
use forms::{Change, FieldValues, Form, Installation, REGISTRY_COLUMNS};

/// Always overwritten by a lookup, even with Nej (docs/design.md, section 6.3).
const ALWAYS: [&str; 3] =
    ["installation.ean", "installation.technical_number", "installation.meter_number"];
/// Never returned or set by a lookup.
const NEVER: [&str; 2] = ["owner.identity_number", "payer.identity_number"];

/// The field a registry column fills, as docs/design.md section 6.3 says: `main_fuse_a` ->
/// `installation.main_fuse`, `owner_x` -> `owner.x`, the rest -> `installation.x`, except
/// `network_area` (compared, not copied) and `owner_identity_number` (never returned).
fn contract_field(column: &str) -> Option<String> {
    match column {
        "network_area" | "owner_identity_number" => None,
        "main_fuse_a" => Some("installation.main_fuse".into()),
        _ => Some(match column.strip_prefix("owner_") {
            Some(rest) => format!("owner.{rest}"),
            None => format!("installation.{column}"),
        }),
    }
}

fn projected_fields() -> Vec<(&'static str, String)> {
    REGISTRY_COLUMNS.iter().filter_map(|c| Some((*c, contract_field(c)?))).collect()
}

/// A registry row for Öresundskraft as the import stores it (padded cells trimmed);
/// owner_email and technical_number are empty.
fn registry_row() -> Installation {
    Installation {
        ean: ean(ORESUNDSKRAFT_PREFIX, 4711),
        meter_number: " 12345678 ".into(),
        technical_number: "".into(),
        street_address: "Drottninggatan 1".into(),
        postal_code: "252 21".into(),
        city: "Helsingborg".into(),
        property_designation: "Helsingborg Söder 1:23".into(),
        network_area: "helsingborg".into(),
        main_fuse_a: "20".into(),
        owner_name: "Anna Andersson".into(),
        owner_identity_number: PERSONNUMMER.into(),
        owner_street_address: "Storgatan 2".into(),
        owner_postal_code: "252 22".into(),
        owner_city: "Helsingborg".into(),
        owner_phone: "042-12 34 56".into(),
        owner_email: "   ".into(),
    }
    .trimmed()
}

/// A case from an earlier lookup of another installation, partly edited by the installer.
fn earlier_case() -> FieldValues {
    values([
        ("installation.ean", &ean(ORESUNDSKRAFT_PREFIX, 1111)),
        ("installation.meter_number", "99999999"),
        ("installation.technical_number", "T-OLD"),
        ("installation.city", "Höganäs"),
        ("installation.main_fuse", "16"),
        ("owner.name", "Bertil Berg"),
        ("owner.identity_number", "19121212-1212"),
        ("owner.email", "bertil@exempel.se"),
        ("payer.name", "Bertil Berg"),
        ("work.description", "Höjning av huvudsäkringen."),
    ])
}

fn change(field: &str, before: Option<&str>, after: Option<&str>) -> Change {
    Change {
        field: field.into(),
        before: before.map(str::to_string),
        after: after.map(str::to_string),
    }
}

#[test]
fn the_projection_is_the_contracts() {
    let mut projection = forms::Definitions::builtin().lookup.projection.clone();
    projection.sort();
    let mut contract: Vec<(String, String)> =
        projected_fields().into_iter().map(|(c, f)| (c.to_string(), f)).collect();
    contract.sort();
    assert_eq!(projection, contract);
}

#[test]
fn ja_sets_every_projected_field_and_clears_what_the_registry_lacks() {
    let form = form("oresundskraft", "fuse_change");
    let before = earlier_case();
    let new_ean = ean(ORESUNDSKRAFT_PREFIX, 4711);
    let (merged, changes) = form.merge_lookup(&before, &registry_row(), true);
    assert_eq!(
        merged,
        values([
            ("installation.ean", new_ean.as_str()),
            ("installation.meter_number", "12345678"),
            ("installation.street_address", "Drottninggatan 1"),
            ("installation.postal_code", "252 21"),
            ("installation.city", "Helsingborg"),
            ("installation.property_designation", "Helsingborg Söder 1:23"),
            ("installation.main_fuse", "20"),
            ("owner.name", "Anna Andersson"),
            ("owner.identity_number", "19121212-1212"),
            ("owner.street_address", "Storgatan 2"),
            ("owner.postal_code", "252 22"),
            ("owner.city", "Helsingborg"),
            ("owner.phone", "042-12 34 56"),
            ("payer.name", "Bertil Berg"),
            ("work.description", "Höjning av huvudsäkringen."),
        ])
    );
    let old_ean = ean(ORESUNDSKRAFT_PREFIX, 1111);
    let mut changes = changes;
    changes.sort_by(|a, b| a.field.cmp(&b.field));
    assert_eq!(
        changes,
        [
            change("installation.city", Some("Höganäs"), Some("Helsingborg")),
            change("installation.ean", Some(&old_ean), Some(&new_ean)),
            change("installation.main_fuse", Some("16"), Some("20")),
            change("installation.meter_number", Some("99999999"), Some("12345678")),
            change("installation.postal_code", None, Some("252 21")),
            change("installation.property_designation", None, Some("Helsingborg Söder 1:23")),
            change("installation.street_address", None, Some("Drottninggatan 1")),
            change("installation.technical_number", Some("T-OLD"), None),
            change("owner.city", None, Some("Helsingborg")),
            change("owner.email", Some("bertil@exempel.se"), None),
            change("owner.name", Some("Bertil Berg"), Some("Anna Andersson")),
            change("owner.phone", None, Some("042-12 34 56")),
            change("owner.postal_code", None, Some("252 22")),
            change("owner.street_address", None, Some("Storgatan 2")),
        ]
    );
}

#[test]
fn nej_fills_only_empty_fields_but_always_overwrites_ean_technical_and_meter_number() {
    let form = form("oresundskraft", "fuse_change");
    let before = earlier_case();
    let new_ean = ean(ORESUNDSKRAFT_PREFIX, 4711);
    let (merged, changes) = form.merge_lookup(&before, &registry_row(), false);
    assert_eq!(
        merged,
        values([
            // Always overwritten; the technical number is cleared as the registry has none.
            ("installation.ean", new_ean.as_str()),
            ("installation.meter_number", "12345678"),
            // Kept: the installer's values.
            ("installation.city", "Höganäs"),
            ("installation.main_fuse", "16"),
            ("owner.name", "Bertil Berg"),
            ("owner.identity_number", "19121212-1212"),
            ("owner.email", "bertil@exempel.se"),
            ("payer.name", "Bertil Berg"),
            ("work.description", "Höjning av huvudsäkringen."),
            // Filled: they were empty.
            ("installation.street_address", "Drottninggatan 1"),
            ("installation.postal_code", "252 21"),
            ("installation.property_designation", "Helsingborg Söder 1:23"),
            ("owner.street_address", "Storgatan 2"),
            ("owner.postal_code", "252 22"),
            ("owner.city", "Helsingborg"),
            ("owner.phone", "042-12 34 56"),
        ])
    );
    let fields: BTreeSet<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        BTreeSet::from([
            "installation.ean",
            "installation.meter_number",
            "installation.technical_number",
            "installation.street_address",
            "installation.postal_code",
            "installation.property_designation",
            "owner.street_address",
            "owner.postal_code",
            "owner.city",
            "owner.phone",
        ])
    );
    let technical = changes.iter().find(|c| c.field == "installation.technical_number").unwrap();
    assert_eq!(technical, &change("installation.technical_number", Some("T-OLD"), None));
}

#[test]
fn an_empty_case_gets_the_same_with_ja_and_nej() {
    let form = form("oresundskraft", "service_change");
    let empty = FieldValues::new();
    let (ja, ja_changes) = form.merge_lookup(&empty, &registry_row(), true);
    let (nej, nej_changes) = form.merge_lookup(&empty, &registry_row(), false);
    assert_eq!(ja, nej);
    assert_eq!(ja_changes, nej_changes);
    assert_eq!(ja, form.project(&registry_row()));
    assert!(ja_changes.iter().all(|c| c.before.is_none() && c.after.is_some()));
    assert_eq!(ja_changes.len(), ja.len());
}

#[test]
fn identity_numbers_never_change_and_are_never_shown() {
    let form = form("oresundskraft", "fuse_change");
    let row = registry_row();
    let shown = form.project(&row);
    assert!(!shown.contains_key("owner.identity_number"));
    assert!(!shown.values().any(|v| v.contains("1212-1212") || v == "191212121212"));
    assert_eq!(shown.len(), 12, "every non-empty projected column: {shown:#?}");
    assert_eq!(shown["installation.meter_number"], "12345678", "trimmed");
    assert!(!shown.contains_key("owner.email"), "a blank registry value is not shown");

    for overwrite in [true, false] {
        // Empty in the case: stays empty although the registry has it.
        let (merged, changes) = form.merge_lookup(&FieldValues::new(), &row, overwrite);
        assert!(!merged.contains_key("owner.identity_number"));
        assert!(changes.iter().all(|c| !NEVER.contains(&c.field.as_str())));
        // Filled in the case: stays as the installer entered it.
        let case = values([("owner.identity_number", ORGANISATIONSNUMMER)]);
        let (merged, _) = form.merge_lookup(&case, &row, overwrite);
        assert_eq!(merged["owner.identity_number"], ORGANISATIONSNUMMER);
    }
}

#[test]
fn a_lookup_leaves_fields_outside_the_projection_alone() {
    let form = form("oresundskraft", "service_change");
    let case = full_case(&form);
    for overwrite in [true, false] {
        let (merged, _) = form.merge_lookup(&case, &Installation::default(), overwrite);
        for (id, value) in &case {
            if !projected_fields().iter().any(|(_, f)| f == id) {
                assert_eq!(merged.get(id), Some(value), "{id}");
            }
        }
        // An empty registry row clears the always-overwritten fields, with Ja every projected one.
        for id in ALWAYS {
            assert!(!merged.contains_key(id), "{id} with overwrite = {overwrite}");
        }
        assert_eq!(merged.contains_key("owner.name"), !overwrite);
    }
}

#[test]
fn copy_from_owner_makes_the_payer_equal_the_owner() {
    let form = form("oresundskraft", "fuse_change");
    let before = values([
        ("owner.name", "Anna Andersson"),
        ("owner.identity_number", PERSONNUMMER),
        ("owner.street_address", "Storgatan 2"),
        ("owner.postal_code", "252 22"),
        ("owner.city", "Helsingborg"),
        ("owner.phone", "042-12 34 56"),
        // owner.email is empty
        ("payer.name", "Någon annan"),
        ("payer.identity_number", ORGANISATIONSNUMMER),
        ("payer.email", "faktura@exempel.se"),
        ("payer.phone", "040-11 22 33"),
        ("work.description", "Byte"),
    ]);
    let after = form.copy_from_owner(&before);
    let pairs = &forms::Definitions::builtin().copy_from_owner;
    assert_eq!(pairs.len(), 7);
    for (owner, payer) in pairs {
        assert_eq!(after.get(payer), before.get(owner), "{payer} = {owner}");
        assert_eq!(after.get(owner), before.get(owner), "{owner} is not changed");
    }
    assert!(!after.contains_key("payer.email"), "an empty owner field empties the payer field");
    assert_eq!(after["payer.identity_number"], PERSONNUMMER);
    assert_eq!(after["work.description"], "Byte");
    assert_eq!(after.len(), 6 + 6 + 1);
}

fn row_in(area: &str) -> Installation {
    Installation { network_area: area.into(), ..registry_row() }.trimmed()
}

#[test]
fn network_area_warning_names_both_areas_when_they_differ() {
    let form = form("oresundskraft", "fuse_change");
    let warning = form
        .network_area_warning("helsingborg", &row_in("angelholm"))
        .expect("a warning when the areas differ");
    assert!(warning.contains("Ängelholm") && warning.contains("Helsingborg"), "{warning}");
    assert!(warning.contains("Öresundskraft"), "{warning}");
    assert!(
        warning.find("Ängelholm") < warning.find("anmälan gäller nätområde Helsingborg"),
        "the registry's area first, then the case's: {warning}"
    );
    // An area unknown to the company is named by its id.
    let unknown = form.network_area_warning("hoganas", &row_in("okand")).unwrap();
    assert!(unknown.contains("okand") && unknown.contains("Höganäs"), "{unknown}");
}

#[test]
fn no_network_area_warning_when_same_or_empty() {
    let form = form("oresundskraft", "fuse_change");
    assert_eq!(form.network_area_warning("helsingborg", &row_in("helsingborg")), None);
    assert_eq!(form.network_area_warning("helsingborg", &row_in(" helsingborg ")), None);
    assert_eq!(form.network_area_warning("helsingborg", &row_in("")), None);
    assert_eq!(form.network_area_warning("helsingborg", &row_in("  ")), None);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Every projected field, both identity numbers and some fields no lookup touches.
    fn case_fields() -> Vec<String> {
        let mut ids: Vec<String> = projected_fields().into_iter().map(|(_, f)| f).collect();
        ids.extend(NEVER.map(String::from));
        ids.extend(["payer.name", "payer.city", "work.description"].map(String::from));
        ids
    }

    /// A stored value: never empty, trimmed (as `apply_edit` stores it). Small alphabets so
    /// that case and registry values often coincide.
    fn stored_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a".to_string()),
            Just("16".to_string()),
            Just(PERSONNUMMER.to_string()),
            "[a-zåäö0-9]{1,4}",
            "[a-z]{1,3} [a-z0-9]{1,3}",
        ]
    }

    fn case_values() -> impl Strategy<Value = FieldValues> {
        let ids = case_fields();
        prop::collection::vec(prop::option::weighted(0.6, stored_value()), ids.len()).prop_map(
            move |values| {
                ids.iter().cloned().zip(values).filter_map(|(id, v)| Some((id, v?))).collect()
            },
        )
    }

    /// A registry cell as imported: often empty or blank, sometimes padded, then trimmed.
    fn registry_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("  ".to_string()),
            Just("a".to_string()),
            Just(" a ".to_string()),
            Just("16".to_string()),
            "[a-zåäö0-9 ]{0,5}",
        ]
    }

    fn installation() -> impl Strategy<Value = Installation> {
        prop::collection::vec(registry_value(), REGISTRY_COLUMNS.len()).prop_map(|cells| {
            let mut it = cells.into_iter();
            let mut next = || it.next().unwrap();
            Installation {
                ean: next(),
                meter_number: next(),
                technical_number: next(),
                street_address: next(),
                postal_code: next(),
                city: next(),
                property_designation: next(),
                network_area: next(),
                main_fuse_a: next(),
                owner_name: next(),
                owner_identity_number: next(),
                owner_street_address: next(),
                owner_postal_code: next(),
                owner_city: next(),
                owner_phone: next(),
                owner_email: next(),
            }
            .trimmed()
        })
    }

    fn any_form() -> impl Strategy<Value = Form<'static>> {
        let forms: Vec<(String, String)> = forms::Definitions::builtin()
            .forms()
            .map(|f| (f.company.id.clone(), f.installation_type.id.clone()))
            .collect();
        prop::sample::select(forms).prop_map(|(c, t)| form(&c, &t))
    }

    /// The registry's trimmed value for `field`, absent when empty.
    fn registry_value_of(row: &Installation, field: &str) -> Option<String> {
        let (column, _) = projected_fields().into_iter().find(|(_, f)| f == field)?;
        row.column(column).filter(|v| !v.is_empty()).map(str::to_string)
    }

    fn is_projected(field: &str) -> bool {
        projected_fields().iter().any(|(_, f)| f == field)
    }

    fn all_keys<'a>(a: &'a FieldValues, b: &'a FieldValues) -> BTreeSet<&'a String> {
        a.keys().chain(b.keys()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// (a) Nej never changes a non-empty field other than the three always overwritten,
        /// and fills an empty projected field with the registry's value.
        #[test]
        fn nej_keeps_every_filled_field_but_the_always_overwritten(
            form in any_form(), before in case_values(), row in installation()
        ) {
            let (after, _) = form.merge_lookup(&before, &row, false);
            for (id, value) in &before {
                if !ALWAYS.contains(&id.as_str()) {
                    prop_assert_eq!(after.get(id), Some(value), "{} was changed", id);
                }
            }
            for (_, field) in projected_fields() {
                if !before.contains_key(&field) || ALWAYS.contains(&field.as_str()) {
                    prop_assert_eq!(after.get(&field).cloned(), registry_value_of(&row, &field), "{}", field);
                }
            }
        }

        /// (b) Ja makes every projected field the registry's trimmed value, absent when empty.
        #[test]
        fn ja_makes_every_projected_field_the_registrys(
            form in any_form(), before in case_values(), row in installation()
        ) {
            let (after, _) = form.merge_lookup(&before, &row, true);
            for (_, field) in projected_fields() {
                prop_assert_eq!(after.get(&field).cloned(), registry_value_of(&row, &field), "{}", field);
            }
            prop_assert_eq!(
                after.iter().filter(|(id, _)| is_projected(id)).map(|(k, v)| (k.clone(), v.clone())).collect::<FieldValues>(),
                form.project(&row),
                "with Ja the projected part of the case is what the lookup showed"
            );
        }

        /// (c) Identity numbers never change, and nothing outside the projection changes.
        #[test]
        fn identity_numbers_and_unprojected_fields_never_change(
            form in any_form(), before in case_values(), row in installation(), overwrite: bool
        ) {
            let (after, changes) = form.merge_lookup(&before, &row, overwrite);
            for id in NEVER {
                prop_assert_eq!(after.get(id), before.get(id), "{}", id);
                prop_assert!(changes.iter().all(|c| c.field != id));
            }
            for id in all_keys(&before, &after) {
                if !is_projected(id) {
                    prop_assert_eq!(after.get(id), before.get(id), "{}", id);
                }
            }
            prop_assert!(!form.project(&row).keys().any(|id| NEVER.contains(&id.as_str())));
        }

        /// (d) Merging twice equals merging once, for Ja and for Nej.
        #[test]
        fn merging_twice_equals_merging_once(
            form in any_form(), before in case_values(), row in installation(), overwrite: bool
        ) {
            let (once, _) = form.merge_lookup(&before, &row, overwrite);
            let (twice, changes) = form.merge_lookup(&once, &row, overwrite);
            prop_assert_eq!(&twice, &once);
            prop_assert_eq!(changes, vec![]);
        }

        /// (e) The changes describe exactly the difference between before and after.
        #[test]
        fn changes_describe_exactly_the_difference(
            form in any_form(), before in case_values(), row in installation(), overwrite: bool
        ) {
            let (after, changes) = form.merge_lookup(&before, &row, overwrite);
            let changed: BTreeSet<&String> =
                all_keys(&before, &after).into_iter().filter(|id| before.get(*id) != after.get(*id)).collect();
            let listed: BTreeSet<&String> = changes.iter().map(|c| &c.field).collect();
            prop_assert_eq!(listed.len(), changes.len(), "a field is listed twice");
            prop_assert_eq!(&listed, &changed);
            for c in &changes {
                prop_assert_eq!(c.before.as_ref(), before.get(&c.field));
                prop_assert_eq!(c.after.as_ref(), after.get(&c.field));
                prop_assert_ne!(&c.before, &c.after);
            }
            // Applying the changes to `before` gives `after`.
            let mut applied = before.clone();
            for c in changes {
                match c.after {
                    Some(v) => applied.insert(c.field, v),
                    None => applied.remove(&c.field),
                };
            }
            prop_assert_eq!(applied, after);
        }

        /// Stored values stay non-empty and trimmed.
        #[test]
        fn merged_values_are_never_empty_or_padded(
            form in any_form(), before in case_values(), row in installation(), overwrite: bool
        ) {
            let (after, _) = form.merge_lookup(&before, &row, overwrite);
            for (id, v) in &after {
                prop_assert!(!v.is_empty() && v.trim() == v, "{} = {:?}", id, v);
            }
        }

        /// "Kopiera från ägare": afterwards every payer field equals its owner field.
        #[test]
        fn copy_from_owner_makes_payer_equal_owner(form in any_form(), owner in case_values(), payer in case_values()) {
            let mut before: FieldValues =
                owner.into_iter().filter(|(id, _)| id.starts_with("owner.")).collect();
            before.extend(payer.into_iter().filter(|(id, _)| id.starts_with("owner.")).map(|(id, v)| (id.replacen("owner.", "payer.", 1), v)));
            let after = form.copy_from_owner(&before);
            for (owner, payer) in &forms::Definitions::builtin().copy_from_owner {
                prop_assert_eq!(after.get(payer), before.get(owner), "{}", payer);
                prop_assert_eq!(after.get(owner), before.get(owner), "{}", owner);
            }
            prop_assert_eq!(form.copy_from_owner(&after), after.clone(), "copying twice changes nothing more");
        }
    }
}
