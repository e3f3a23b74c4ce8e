//! The definitions, resolved and checked: what the rest of the system reads.

mod changes;
pub mod format;
mod load;

use serde::Serialize;

#[cfg(test)]
pub(crate) use changes::oresundskraft_version;
pub use changes::{ChangeKind, DefinitionChange, changes};
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

/// Shown only when the condition on a choice or a computed value holds (and that field is
/// shown itself).
pub type VisibleWhen = Condition;

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
    /// For a number: how many decimals it may have.
    pub decimals: u32,
    pub choices: Vec<Choice>,
    /// For a field of type `file`: what it accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<crate::attachment::FileRules>,
    /// `None`: every installation type.
    #[serde(skip)]
    pub installation_types: Option<Vec<String>>,
    /// `None`: every job type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_types: Option<Vec<String>>,
    #[serde(skip)]
    pub mandatory: bool,
    #[serde(skip)]
    pub mandatory_in: Vec<String>,
    #[serde(skip)]
    pub visible_when: Option<VisibleWhen>,
    /// For a field of type `group`: its items' fields and how many items it takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Group>,
    /// For a field of type `computed`: what it is computed from.
    #[serde(skip)]
    pub computed: Option<Computation>,
}

/// A repeatable group's items. Each item field's id is bare (`power_kw`); in a case, the value
/// of item `n` (from 1) is stored as `group[n].item` (`crate::form::groups`).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub items: Vec<Field>,
    /// "Växelriktare": item 2 is "Växelriktare 2".
    pub item_label: String,
    pub min_items: u32,
    pub max_items: u32,
}

/// How a computed value is computed (checked: the fields are numbers, no cycle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Computation {
    /// The sum of the number `item` over `group`'s items.
    Sum { group: String, item: String },
    /// The largest value of the number `item` over `group`'s items.
    Max { group: String, item: String },
    /// How many items `group` has.
    Count { group: String },
    /// The product of two numbers.
    Product(String, String),
}

impl Group {
    pub const DEFAULT_MAX_ITEMS: u32 = 10;
    pub const MOST_ITEMS: u32 = 50;
}

impl Computation {
    /// The fields it is computed from.
    pub fn inputs(&self) -> Vec<&str> {
        match self {
            Computation::Sum { group, .. }
            | Computation::Max { group, .. }
            | Computation::Count { group } => vec![group.as_str()],
            Computation::Product(a, b) => vec![a.as_str(), b.as_str()],
        }
    }
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
    /// What an approval binds the installer to, printed in the case's document once it is
    /// approved ("Installationsmedgivande"; `forms::document`).
    pub approval_conditions: Option<String>,
    pub auto_approve: Vec<AutoApproveRule>,
    /// Caps on lookups in its registry (`[lookup_limits]`, else the defaults).
    pub lookup_limits: LookupLimits,
    /// How long its cases' personal data is kept (`[retention]`, else the defaults).
    pub retention: crate::retention::Retention,
    /// Which version of its own file (`companies/<id>.toml`) these are: 1 for the shipped
    /// file, else the number the store gave a version the company published
    /// (docs/definitions.md, "Versions").
    pub definitions_version: u32,
}

/// How many lookups ("Hämta anl-data") one user, and one installer firm, may make in a network
/// company's registry: a lookup shows a customer's name, address and phone number, so the caps
/// stop anyone who is allowed in from harvesting the registry (docs/operations.md, "Lookup limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupLimits {
    pub per_user_per_minute: u64,
    pub per_user_per_hour: u64,
    pub per_user_per_day: u64,
    pub per_firm_per_day: u64,
}

/// A notice needs one to three lookups and the busiest installer sends a few dozen notices a
/// day: these leave a wide margin for work and cut what one account can read from about
/// 43 000 records a day (30 a minute, all day) to 400.
impl Default for LookupLimits {
    fn default() -> Self {
        LookupLimits {
            per_user_per_minute: 30,
            per_user_per_hour: 150,
            per_user_per_day: 400,
            per_firm_per_day: 2000,
        }
    }
}

impl LookupLimits {
    /// The most lookups `limit` allows.
    pub fn cap(&self, limit: LookupLimit) -> u64 {
        match limit {
            LookupLimit::PerUserPerMinute => self.per_user_per_minute,
            LookupLimit::PerUserPerHour => self.per_user_per_hour,
            LookupLimit::PerUserPerDay => self.per_user_per_day,
            LookupLimit::PerFirmPerDay => self.per_firm_per_day,
        }
    }
}

/// One of the caps of [`LookupLimits`]; an audit entry names the one a lookup reached.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LookupLimit {
    PerUserPerMinute,
    PerUserPerHour,
    PerUserPerDay,
    PerFirmPerDay,
}

impl LookupLimit {
    pub const ALL: [LookupLimit; 4] = [
        LookupLimit::PerUserPerMinute,
        LookupLimit::PerUserPerHour,
        LookupLimit::PerUserPerDay,
        LookupLimit::PerFirmPerDay,
    ];

    /// The window counted in, in seconds; windows begin at whole minutes, hours and days (UTC).
    pub fn window_seconds(self) -> i64 {
        match self {
            LookupLimit::PerUserPerMinute => 60,
            LookupLimit::PerUserPerHour => 3600,
            LookupLimit::PerUserPerDay | LookupLimit::PerFirmPerDay => 86_400,
        }
    }

    /// Whether the whole installer firm shares the count, rather than each user.
    pub fn per_firm(self) -> bool {
        self == LookupLimit::PerFirmPerDay
    }

    /// The cap in Swedish, for the refusal and the audit log: "per användare och timme".
    pub fn describe(self) -> &'static str {
        match self {
            LookupLimit::PerUserPerMinute => "per användare och minut",
            LookupLimit::PerUserPerHour => "per användare och timme",
            LookupLimit::PerUserPerDay => "per användare och dygn",
            LookupLimit::PerFirmPerDay => "per installationsföretag och dygn",
        }
    }
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

/// A condition on one field's value: a choice equal to a value, or a number (or computed
/// value) at most or at least a limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_most: Option<rust_decimal::Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_least: Option<rust_decimal::Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
        let Some(n) = crate::formats::parse_decimal(value, 10) else {
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
    /// The job types that need only a completion notice: sent and completed in one move.
    pub completion_only: Vec<String>,
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
            FieldKind::Number if self.decimals > 0 => value.trim().replace(',', "."),
            _ => value.trim().to_string(),
        }
    }

    pub fn appears_in_job(&self, job_type: &str) -> bool {
        self.job_types.as_ref().is_none_or(|jobs| jobs.iter().any(|j| j == job_type))
    }

    pub fn appears_in(&self, installation_type: &str) -> bool {
        self.installation_types
            .as_ref()
            .is_none_or(|types| types.iter().any(|t| t == installation_type))
    }
}
