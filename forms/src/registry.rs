//! The network company's installation registry: one row per installation (docs/design.md, section 6.3).

use serde::{Deserialize, Serialize};

use crate::Definitions;
use crate::definitions::Company;
use crate::form::{check_field_value, text_flaw_message};
use crate::formats;

/// Declares the columns once: the struct, its column list, [`Installation::column`] and
/// [`Installation::trimmed`] all follow from the one list.
macro_rules! registry_columns {
    ($($(#[$doc:meta])* $column:ident,)*) => {
        /// The registry's columns, in the order of the import CSV's header.
        pub const REGISTRY_COLUMNS: [&str; [$(stringify!($column)),*].len()] =
            [$(stringify!($column)),*];

        /// One installation as the network company registered it. Empty strings are empty
        /// values.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Installation {
            $($(#[$doc])* pub $column: String,)*
        }

        impl Installation {
            /// The value of a column of [`REGISTRY_COLUMNS`], as stored.
            pub fn column(&self, name: &str) -> Option<&str> {
                match name {
                    $(stringify!($column) => Some(&self.$column),)*
                    _ => None,
                }
            }

            /// Every value without surrounding spaces: rows are trimmed once, where they come
            /// in (the import), and stored that way.
            pub fn trimmed(self) -> Installation {
                Installation { $($column: trim(self.$column),)* }
            }
        }
    };
}

registry_columns! {
    ean,
    meter_number,
    technical_number,
    street_address,
    postal_code,
    city,
    property_designation,
    network_area,
    main_fuse_a,
    owner_name,
    /// Personal data: kept for the network company, never returned by a lookup.
    owner_identity_number,
    owner_street_address,
    owner_postal_code,
    owner_city,
    owner_phone,
    owner_email,
}

fn trim(value: String) -> String {
    match value.trim() {
        trimmed if trimmed.len() == value.len() => value,
        trimmed => trimmed.to_string(),
    }
}

/// The registry column that is no field of a case but is checked as one: the identity number,
/// kept for the network company and never returned, checked as the form's.
const CHECKED_AS: [(&str, &str); 1] = [("owner_identity_number", "owner.identity_number")];

impl Installation {
    /// What is wrong with this (trimmed) row for `company`, in Swedish, for the import report:
    /// each column checked as the form checks the field it fills (the lookup projection), so
    /// that nothing a lookup copies into a case could not have been typed there. Each message
    /// names its column and never repeats the value (it may be a customer's).
    pub fn problems(&self, company: &Company, definitions: &Definitions) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(error) = formats::check_gsrn(&self.ean, &company.gsrn_prefixes) {
            problems.push(error.describe("ean", &company.name));
        }
        if self.meter_number.is_empty() {
            problems.push("meter_number saknas".to_string());
        }
        let area = &self.network_area;
        if let Some(flaw) = formats::text_flaw(area, false) {
            problems.push(format!("kolumn network_area: {}", text_flaw_message(flaw)));
        } else if !area.is_empty() && company.network_area(area).is_none() {
            problems.push(format!("kolumn network_area: är inget nätområde hos {}", company.name));
        }
        let columns = definitions.lookup.projection.iter().map(|(c, f)| (c.as_str(), f.as_str()));
        for (column, field) in columns.chain(CHECKED_AS).filter(|(column, _)| *column != "ean") {
            let value = self.column(column).unwrap_or_default();
            let field = definitions.fields.iter().find(|f| f.id == field);
            let problem = field
                .filter(|_| !value.is_empty())
                .and_then(|field| check_field_value(field, value, company));
            if let Some(problem) = problem {
                problems.push(format!("kolumn {column}: {}", problem.message));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Definitions;
    use crate::formats::complete_gsrn;

    fn oresundskraft() -> &'static Company {
        Definitions::builtin().company("oresundskraft").unwrap()
    }

    fn problems(row: &Installation) -> Vec<String> {
        row.problems(oresundskraft(), Definitions::builtin())
    }

    fn good_row() -> Installation {
        Installation {
            ean: complete_gsrn("73599910000000001"),
            meter_number: "10000001".into(),
            network_area: "helsingborg".into(),
            main_fuse_a: "16".into(),
            ..Installation::default()
        }
    }

    #[test]
    fn every_column_is_a_field_of_the_row() {
        let mut row = Installation::default();
        for (i, column) in REGISTRY_COLUMNS.iter().enumerate() {
            assert_eq!(row.column(column), Some(""), "{column}");
            let mut json = serde_json::to_value(&row).unwrap();
            json[column] = format!("v{i}").into();
            row = serde_json::from_value(json).unwrap();
        }
        for (i, column) in REGISTRY_COLUMNS.iter().enumerate() {
            assert_eq!(row.column(column), Some(format!("v{i}").as_str()));
        }
        assert_eq!(row.column("owner"), None);
        let json = serde_json::to_value(&row).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), REGISTRY_COLUMNS.len());
        assert!(REGISTRY_COLUMNS.iter().all(|c| keys.contains(c)));
    }

    #[test]
    fn unknown_columns_are_refused() {
        let mut json = serde_json::to_value(good_row()).unwrap();
        json["shoe_size"] = "44".into();
        assert!(serde_json::from_value::<Installation>(json).is_err());
    }

    #[test]
    fn trimmed_trims_every_column_and_column_returns_the_value_as_stored() {
        let padded = Installation {
            ean: format!(" {} ", complete_gsrn("73599910000000001")),
            owner_email: "\tanna@exempel.se\n".into(),
            city: "  ".into(),
            ..good_row()
        };
        assert_eq!(padded.column("owner_email"), Some("\tanna@exempel.se\n"));
        let row = padded.trimmed();
        assert_eq!(row.ean, complete_gsrn("73599910000000001"));
        assert_eq!(row.column("owner_email"), Some("anna@exempel.se"));
        assert_eq!(row.column("city"), Some(""));
        assert_eq!(row.clone().trimmed(), row);
    }

    #[test]
    fn a_good_row_has_no_problems() {
        assert_eq!(problems(&good_row()), Vec::<String>::new());
    }

    #[test]
    fn ean_problems_use_the_forms_rule_and_name_the_column() {
        let with_ean = |ean: &str| problems(&Installation { ean: ean.into(), ..good_row() });
        assert_eq!(with_ean("7359991"), ["ean ska vara 18 siffror som börjar med 735999"]);
        let mut wrong_check = complete_gsrn("73599910000000001");
        wrong_check.replace_range(17.., if wrong_check.ends_with('0') { "1" } else { "0" });
        assert_eq!(with_ean(&wrong_check), ["Kontrollsiffran i ean stämmer inte"]);
        assert_eq!(
            with_ean(&complete_gsrn("73599990100000001")),
            ["ean tillhör ett annat nätbolag än Öresundskraft"]
        );
    }

    #[test]
    fn other_problems_name_their_column_and_never_the_value() {
        let row = Installation {
            meter_number: String::new(),
            network_area: "atlantis".into(),
            main_fuse_a: "16 A".into(),
            ..good_row()
        };
        assert_eq!(
            problems(&row),
            [
                "meter_number saknas",
                "kolumn network_area: är inget nätområde hos Öresundskraft",
                "kolumn main_fuse_a: Befintlig huvudsäkring ska vara ett heltal.",
            ]
        );
    }

    /// Every column as the form checks the field it fills: lengths, postal codes, phone numbers,
    /// e-mail, identity numbers, text that is only text.
    #[test]
    fn every_column_is_checked_as_the_form_checks_its_field() {
        let cases: [(&str, String, &str); 12] = [
            ("city", "H".repeat(51), "kolumn city: Ort får vara högst 50 tecken."),
            ("city", "x".repeat(10 * 1024 * 1024), "kolumn city: Ort får vara högst 50 tecken."),
            ("meter_number", "9".repeat(21), "kolumn meter_number: Mätarnummer får vara högst 20"),
            ("postal_code", "2522".into(), "kolumn postal_code: Ange postnumret med fem siffror"),
            ("owner_postal_code", "abcde".into(), "kolumn owner_postal_code: Ange postnumret"),
            ("owner_phone", "042".into(), "kolumn owner_phone: Ange ett telefonnummer"),
            ("owner_email", "greta.ek".into(), "kolumn owner_email: Ange en e-postadress"),
            (
                "owner_identity_number",
                "19121212-1213".into(),
                "kolumn owner_identity_number: Kontrollsiffran",
            ),
            (
                "main_fuse_a",
                "5".into(),
                "kolumn main_fuse_a: Befintlig huvudsäkring ska vara mellan 6",
            ),
            (
                "owner_name",
                "Greta\u{0}Ek".into(),
                "kolumn owner_name: Namn innehåller ett styrtecken",
            ),
            (
                "street_address",
                "Storgatan \u{202E}1".into(),
                "kolumn street_address: Gatuadress innehåller ett osynligt tecken",
            ),
            (
                "network_area",
                "helsing\u{7}borg".into(),
                "kolumn network_area: innehåller ett styrtecken",
            ),
        ];
        for (column, value, says) in cases {
            let mut json = serde_json::to_value(good_row()).unwrap();
            json[column] = value.clone().into();
            let row: Installation = serde_json::from_value(json).unwrap();
            let found = problems(&row);
            assert_eq!(found.len(), 1, "{column}: {found:?}");
            assert!(found[0].starts_with(says), "{column}: {}", found[0]);
            assert!(found[0].len() < 300, "the value is not repeated");
        }
    }
}
