//! The network company's installation registry: one row per installation (CONTRACT.md section 3).

use serde::{Deserialize, Serialize};

use crate::definitions::Company;
use crate::formats::{self, GsrnError};

/// The registry's columns, in the order of the import CSV's header.
pub const REGISTRY_COLUMNS: [&str; 16] = [
    "ean",
    "meter_number",
    "technical_number",
    "street_address",
    "postal_code",
    "city",
    "property_designation",
    "network_area",
    "main_fuse_a",
    "owner_name",
    "owner_identity_number",
    "owner_street_address",
    "owner_postal_code",
    "owner_city",
    "owner_phone",
    "owner_email",
];

/// One installation as the network company registered it. Empty strings are empty values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Installation {
    pub ean: String,
    pub meter_number: String,
    pub technical_number: String,
    pub street_address: String,
    pub postal_code: String,
    pub city: String,
    pub property_designation: String,
    pub network_area: String,
    pub main_fuse_a: String,
    pub owner_name: String,
    /// Personal data: kept for the network company, never returned by a lookup.
    pub owner_identity_number: String,
    pub owner_street_address: String,
    pub owner_postal_code: String,
    pub owner_city: String,
    pub owner_phone: String,
    pub owner_email: String,
}

impl Installation {
    /// The value of a column of [`REGISTRY_COLUMNS`], trimmed.
    pub fn column(&self, name: &str) -> Option<&str> {
        let value = match name {
            "ean" => &self.ean,
            "meter_number" => &self.meter_number,
            "technical_number" => &self.technical_number,
            "street_address" => &self.street_address,
            "postal_code" => &self.postal_code,
            "city" => &self.city,
            "property_designation" => &self.property_designation,
            "network_area" => &self.network_area,
            "main_fuse_a" => &self.main_fuse_a,
            "owner_name" => &self.owner_name,
            "owner_identity_number" => &self.owner_identity_number,
            "owner_street_address" => &self.owner_street_address,
            "owner_postal_code" => &self.owner_postal_code,
            "owner_city" => &self.owner_city,
            "owner_phone" => &self.owner_phone,
            "owner_email" => &self.owner_email,
            _ => return None,
        };
        Some(value.trim())
    }

    /// What is wrong with this row for `company`, in Swedish, for the import report.
    pub fn problems(&self, company: &Company) -> Vec<String> {
        let mut problems = Vec::new();
        match formats::check_gsrn(self.ean.trim(), &company.gsrn_prefixes) {
            Ok(()) => {}
            Err(GsrnError::Format) => {
                problems.push("ean ska vara 18 siffror som börjar med 735999".to_string())
            }
            Err(GsrnError::CheckDigit) => {
                problems.push(format!("ean {} har fel kontrollsiffra", self.ean.trim()))
            }
            Err(GsrnError::OtherCompany) => problems.push(format!(
                "ean {} har inte {}s prefix ({})",
                self.ean.trim(),
                company.name,
                company.gsrn_prefixes.join(", ")
            )),
        }
        if self.meter_number.trim().is_empty() {
            problems.push("meter_number saknas".to_string());
        }
        let area = self.network_area.trim();
        if !area.is_empty() && company.network_area(area).is_none() {
            problems.push(format!("network_area {area} är inget nätområde hos {}", company.name));
        }
        let fuse = self.main_fuse_a.trim();
        if !fuse.is_empty() && fuse.parse::<u32>().is_err() {
            problems.push(format!("main_fuse_a {fuse} ska vara ett heltal (ampere)"));
        }
        problems
    }
}
