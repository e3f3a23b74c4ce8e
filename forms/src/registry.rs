//! The network company's installation registry: one row per installation (CONTRACT.md section 3).

use serde::{Deserialize, Serialize};

use crate::definitions::Company;
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

impl Installation {
    /// What is wrong with this (trimmed) row for `company`, in Swedish, for the import report.
    pub fn problems(&self, company: &Company) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(error) = formats::check_gsrn(&self.ean, &company.gsrn_prefixes) {
            problems.push(error.describe("ean", &company.name));
        }
        if self.meter_number.is_empty() {
            problems.push("meter_number saknas".to_string());
        }
        let area = &self.network_area;
        if !area.is_empty() && company.network_area(area).is_none() {
            problems.push(format!("network_area {area} är inget nätområde hos {}", company.name));
        }
        let fuse = &self.main_fuse_a;
        if !fuse.is_empty() && fuse.parse::<u32>().is_err() {
            problems.push(format!("main_fuse_a {fuse} ska vara ett heltal (ampere)"));
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
        assert_eq!(good_row().problems(oresundskraft()), Vec::<String>::new());
    }

    #[test]
    fn ean_problems_use_the_forms_rule_and_name_the_column() {
        let company = oresundskraft();
        let with_ean = |ean: &str| Installation { ean: ean.into(), ..good_row() }.problems(company);
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
    fn other_problems_name_their_column() {
        let company = oresundskraft();
        let row = Installation {
            meter_number: String::new(),
            network_area: "atlantis".into(),
            main_fuse_a: "16 A".into(),
            ..good_row()
        };
        assert_eq!(
            row.problems(company),
            [
                "meter_number saknas",
                "network_area atlantis är inget nätområde hos Öresundskraft",
                "main_fuse_a 16 A ska vara ett heltal (ampere)",
            ]
        );
    }
}
