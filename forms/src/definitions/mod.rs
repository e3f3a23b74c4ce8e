//! The definitions, resolved and checked: what the rest of the system reads.

pub mod format;
mod load;

use serde::Serialize;

pub use format::FieldKind;
pub use load::{DefinitionError, DefinitionErrors};

/// All form definitions: shared sections and fields, installation types, network companies.
#[derive(Debug, Clone)]
pub struct Definitions {
    pub sections: Vec<Section>,
    /// The fields of `base.toml`, in order.
    pub fields: Vec<Field>,
    pub installation_types: Vec<InstallationType>,
    /// Sorted by id.
    pub companies: Vec<Company>,
    pub lookup: LookupRules,
    /// `(owner field, payer field)` pairs of "Kopiera från ägare".
    pub copy_from_owner: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(skip)]
    pub visible_when: Option<VisibleWhen>,
}

/// Shown only when the choice `field` has the value `equals` (and `field` is shown itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisibleWhen {
    pub field: String,
    pub equals: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub id: String,
    pub section: String,
    pub label: String,
    pub help: Option<String>,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    pub max_length: u32,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub unit: Option<String>,
    pub choices: Vec<Choice>,
    /// For a field of type `file`: what it accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<crate::attachment::FileRules>,
    /// `None`: every installation type.
    #[serde(skip)]
    pub installation_types: Option<Vec<String>>,
    #[serde(skip)]
    pub mandatory: bool,
    #[serde(skip)]
    pub mandatory_in: Vec<String>,
    #[serde(skip)]
    pub visible_when: Option<VisibleWhen>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstallationType {
    pub id: String,
    pub name: String,
    pub job_types: Vec<JobType>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct JobType {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Company {
    pub id: String,
    pub name: String,
    pub gsrn_prefixes: Vec<String>,
    pub mandatory: Vec<String>,
    pub network_areas: Vec<NetworkArea>,
    pub offers: Vec<Offer>,
    /// The company's own fields, besides those of `base.toml`.
    pub fields: Vec<Field>,
    /// How its case numbers begin: "ÖK" in ÖK-2026-00042.
    pub case_number_prefix: String,
    /// Where e-mails about its cases go.
    pub inbox_email: Option<String>,
    pub auto_approve: Vec<AutoApproveRule>,
}

/// A rule under which a sent case is approved at once (checked: the type is offered, the
/// fields exist in it, limits are on number fields and values are choices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoApproveRule {
    pub description: String,
    pub installation_type: String,
    /// `None`: every job type of the installation type.
    pub job_types: Option<Vec<String>>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: String,
    pub at_most: Option<i64>,
    pub at_least: Option<i64>,
    pub equals: Option<String>,
}

impl Condition {
    /// Whether `value` (absent: never) meets the condition.
    pub fn holds(&self, value: Option<&str>) -> bool {
        let Some(value) = value else {
            return false;
        };
        if let Some(expected) = &self.equals
            && value != expected
        {
            return false;
        }
        if self.at_most.is_none() && self.at_least.is_none() {
            return true;
        }
        let Some(n) = crate::formats::parse_number(value) else {
            return false;
        };
        self.at_most.is_none_or(|max| n <= max) && self.at_least.is_none_or(|min| n >= min)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NetworkArea {
    pub id: String,
    pub name: String,
}

/// An installation type as a company offers it.
#[derive(Debug, Clone)]
pub struct Offer {
    pub installation_type: String,
    pub job_types: Vec<String>,
    pub mandatory: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct LookupRules {
    pub always_overwrite: Vec<String>,
    pub never_returned: Vec<String>,
    /// `(registry column, field)` pairs.
    pub projection: Vec<(String, String)>,
}

/// One file of definitions: its path relative to the definitions folder, and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
}

const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_definitions.rs"));

impl Definitions {
    /// The definitions shipped in `forms/definitions/`, embedded at build time.
    pub fn builtin() -> &'static Definitions {
        static BUILTIN_DEFINITIONS: std::sync::OnceLock<Definitions> = std::sync::OnceLock::new();
        BUILTIN_DEFINITIONS.get_or_init(|| {
            Definitions::parse("forms/definitions", &builtin_sources())
                .unwrap_or_else(|errors| panic!("the shipped definitions are broken:\n{errors}"))
        })
    }

    /// Parses and checks a set of files; `root` prefixes the file names in error messages.
    /// The core reads no files: `definition-files` finds and reads them in a folder.
    pub fn parse(root: &str, sources: &[Source]) -> Result<Definitions, DefinitionErrors> {
        load::load(root, sources)
    }

    pub fn company(&self, id: &str) -> Option<&Company> {
        self.companies.iter().find(|c| c.id == id)
    }

    pub fn installation_type(&self, id: &str) -> Option<&InstallationType> {
        self.installation_types.iter().find(|t| t.id == id)
    }
}

/// The shipped definition files, for tools that want to start from them.
pub fn builtin_sources() -> Vec<Source> {
    BUILTIN
        .iter()
        .map(|(path, text)| Source { path: path.to_string(), text: text.to_string() })
        .collect()
}

impl Company {
    /// The case number people say on the phone: prefix, year, and the company's `n`th case of
    /// that year, e.g. `ÖK-2026-00042`.
    pub fn case_number(&self, year: i32, n: u64) -> String {
        format!("{}-{year}-{n:05}", self.case_number_prefix)
    }

    pub fn offer(&self, installation_type: &str) -> Option<&Offer> {
        self.offers.iter().find(|o| o.installation_type == installation_type)
    }

    pub fn network_area(&self, id: &str) -> Option<&NetworkArea> {
        self.network_areas.iter().find(|a| a.id == id)
    }
}

impl Field {
    /// A value as it is stored: trimmed, and an anläggnings-ID without spaces.
    pub fn normalize(&self, value: &str) -> String {
        match self.kind {
            FieldKind::Gsrn => crate::formats::normalize_gsrn(value),
            _ => value.trim().to_string(),
        }
    }

    pub fn appears_in(&self, installation_type: &str) -> bool {
        self.installation_types
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t == installation_type))
    }
}
