//! The file format of the definitions, exactly as people write it (TOML).
//!
//! Strict: every struct denies unknown keys, so a typo is an error with its line instead of a
//! silently ignored setting. Identifiers carry their position so that the semantic checks in
//! `load.rs` can name the line too. The JSON Schemas in `definitions/schema/` are generated from
//! these types (`cargo run -p forms --example write_format_schemas`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A string with its position in the file.
pub type Text = Spanned<String>;

/// `base.toml`: sections, fields, lookup rules and the copy-from-owner mapping.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BaseFile {
    /// The sections of a form, in the order they are shown.
    #[serde(rename = "section")]
    pub sections: Vec<SectionDef>,
    /// The fields every network company's forms have (where their installation type allows).
    #[serde(rename = "field")]
    pub fields: Vec<FieldDef>,
    /// What "Hämta anl-data" reads from the installation registry and how it merges.
    pub lookup: LookupDef,
    /// "Kopiera från ägare": owner field -> payer field.
    #[schemars(with = "BTreeMap<String, String>")]
    pub copy_from_owner: BTreeMap<Text, Text>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    /// The prefix of the ids of this section's fields, e.g. `owner` for `owner.name`.
    #[schemars(with = "String")]
    pub id: Text,
    /// The heading shown to people, e.g. "Fastighetsägare".
    pub title: String,
    /// Shown only when a field has a given value; its fields are then mandatory as declared.
    pub visible_when: Option<VisibleWhenDef>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// `section.name`, e.g. `owner.email`; the section must be declared in `base.toml`.
    #[schemars(with = "String")]
    pub id: Text,
    /// The label shown next to the input, in Swedish.
    pub label: String,
    /// A hint shown under the label.
    pub help: Option<String>,
    /// What the value is; decides the checks and the input shown.
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// Longest value accepted, in characters. Each type has a default.
    pub max_length: Option<u32>,
    /// For `number`: the smallest value accepted.
    pub min: Option<i64>,
    /// For `number`: the largest value accepted.
    pub max: Option<i64>,
    /// For `number`: the unit shown after the input, e.g. "A".
    pub unit: Option<String>,
    /// For `number`: how many decimals it may have (0 to 6; 0, a whole number, when left out).
    /// People write them after a comma, "10,5"; the case stores a point, "10.5".
    #[schemars(range(max = 6))]
    pub decimals: Option<u32>,
    /// For `choice`: the values to choose between.
    pub choices: Option<Vec<ChoiceDef>>,
    /// The installation types the field appears in; all when left out.
    #[schemars(with = "Option<Vec<String>>")]
    pub installation_types: Option<Vec<Text>>,
    /// The job types the field appears in, e.g. `["add_production"]`; all when left out.
    #[schemars(with = "Option<Vec<String>>")]
    pub job_types: Option<Vec<Text>>,
    /// Mandatory in every installation type the field appears in.
    #[serde(default)]
    pub mandatory: bool,
    /// Mandatory only in these installation types.
    #[schemars(with = "Option<Vec<String>>")]
    pub mandatory_in: Option<Vec<Text>>,
    /// For `file`: the kinds of file accepted, told by their content: `pdf`, `jpeg`, `png`.
    /// All three when left out.
    #[schemars(with = "Option<Vec<crate::attachment::FileType>>")]
    pub accept: Option<Vec<Text>>,
    /// For `file`: the largest file accepted, in MB (1 to 25; 10 when left out).
    #[schemars(range(min = 1, max = 25))]
    pub max_size_mb: Option<u32>,
    /// For `file`: the most files the field takes (1 to 20; 5 when left out).
    #[schemars(range(min = 1, max = 20))]
    pub max_files: Option<u32>,
    /// Shown, and mandatory if it is, only when another field has a given value.
    pub visible_when: Option<VisibleWhenDef>,
    /// For `group`: the fields of each item, in the same format; their ids have no section
    /// (`power_kw`), and a `visible_when` among them names another field of the same item.
    #[serde(rename = "item")]
    pub items: Option<Vec<FieldDef>>,
    /// For `group`: what one item is called, numbered on the page and in messages:
    /// "Växelriktare" gives "Växelriktare 2: Effekt …".
    pub item_label: Option<String>,
    /// For `group`: the fewest items (0 when left out; a mandatory group needs at least 1).
    pub min_items: Option<u32>,
    /// For `group`: the most items (1 to 50; 10 when left out).
    pub max_items: Option<u32>,
    /// For `computed`: how the value is computed from other fields.
    pub computed: Option<ComputedDef>,
}

/// How a computed value is computed; give exactly one key. A group's item is named
/// `group.item`, e.g. `production.inverters.power_kw`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputedDef {
    /// The sum of a number item over a group's items.
    #[schemars(with = "Option<String>")]
    pub sum: Option<Text>,
    /// The largest value of a number item over a group's items.
    #[schemars(with = "Option<String>")]
    pub max: Option<Text>,
    /// How many items a group has.
    #[schemars(with = "Option<String>")]
    pub count: Option<Text>,
    /// The product of two number fields (or computed values).
    #[schemars(with = "Option<Vec<String>>")]
    pub product: Option<Vec<Text>>,
}

/// A condition for showing a field or section: `{ field = "work.production", equals = "yes" }`
/// on a choice, or `{ field = "production.total_power_kw", at_least = 43.6 }` on a computed
/// value.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VisibleWhenDef {
    /// The choice field or computed value it depends on.
    #[schemars(with = "String")]
    pub field: Text,
    /// For a choice: the value of that choice that shows it.
    #[schemars(with = "Option<String>")]
    pub equals: Option<Text>,
    /// For a computed value: shown when it is at least this.
    pub at_least: Option<f64>,
    /// For a computed value: shown when it is at most this.
    pub at_most: Option<f64>,
}

/// The type of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of free text.
    Text,
    /// Several lines of free text.
    Textarea,
    /// A whole number, between `min` and `max`.
    Number,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// One of `choices`.
    Choice,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// A Swedish postal code, `123 45`.
    PostalCode,
    /// Anläggnings-ID: 18 digits, GS1 check digit, the network company's prefix.
    Gsrn,
    /// Personnummer, samordningsnummer or organisationsnummer.
    IdentityNumber,
    /// Attached files (bilagor), e.g. a situationsplan: `accept`, `max_size_mb`, `max_files`.
    /// Never a value in the case's fields, never in a lookup, "Kopiera från ägare" or an
    /// automatic approval.
    File,
    /// A repeatable group: its `item` fields filled in once per item ("Lägg till", "Ta bort"),
    /// `min_items` to `max_items` times. Never in a lookup or "Kopiera från ägare".
    Group,
    /// A read-only number the form computes from others (`computed`), stored with the case.
    Computed,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceDef {
    /// The value stored in the case.
    pub value: String,
    /// The text shown to people.
    pub label: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupDef {
    /// Fields a lookup writes even when the installer answers "Nej".
    #[schemars(with = "Vec<String>")]
    pub always_overwrite: Vec<Text>,
    /// Fields a lookup never returns or sets (personal identity numbers).
    #[schemars(with = "Vec<String>")]
    pub never_returned: Vec<Text>,
    /// Registry column -> field.
    #[schemars(with = "BTreeMap<String, String>")]
    pub projection: BTreeMap<Text, Text>,
}

/// `installation_types.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallationTypesFile {
    #[serde(rename = "installation_type")]
    pub installation_types: Vec<InstallationTypeDef>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallationTypeDef {
    /// The id used in cases and URLs, e.g. `fuse_change`.
    #[schemars(with = "String")]
    pub id: Text,
    /// The name shown to people, e.g. "Säkringsändring".
    pub name: String,
    #[serde(rename = "job_type")]
    pub job_types: Vec<JobTypeDef>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JobTypeDef {
    #[schemars(with = "String")]
    pub id: Text,
    pub name: String,
}

/// `companies/<id>.toml`: one network company; its id is the file's name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyFile {
    /// The name shown to people.
    pub name: String,
    /// Company prefixes of its GSRN numbers: `735999` and three digits.
    #[schemars(with = "Vec<String>")]
    pub gsrn_prefixes: Vec<Text>,
    /// Fields mandatory in all of this company's forms, besides those of `base.toml`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub mandatory: Vec<Text>,
    #[serde(rename = "network_area")]
    pub network_areas: Vec<NetworkAreaDef>,
    /// The installation types this company offers.
    #[serde(rename = "installation_type")]
    pub installation_types: Vec<OfferDef>,
    /// Fields of this company's own, in the same format as in `base.toml`.
    #[serde(rename = "field", default)]
    pub fields: Vec<FieldDef>,
    /// How the company's case numbers begin, e.g. "ÖK" in ÖK-2026-00042: 1 to 4 capital letters.
    /// Left out: the first letters of the company's name.
    #[schemars(with = "Option<String>")]
    pub case_number_prefix: Option<Text>,
    /// The address that gets an e-mail for every case sent and every message from an
    /// installer.
    #[schemars(with = "Option<String>")]
    pub inbox_email: Option<Text>,
    /// The conditions of an approval, printed in an approved case's document
    /// ("Installationsmedgivande"): several lines of text, at most 4000 characters.
    #[schemars(with = "Option<String>")]
    pub approval_conditions: Option<Text>,
    /// Rules under which a sent case is approved at once, without a case handler.
    #[serde(rename = "auto_approve", default)]
    pub auto_approve: Vec<AutoApproveDef>,
    /// Caps on lookups in the company's registry; each left out keeps its default.
    #[serde(default)]
    pub lookup_limits: LookupLimitsDef,
    /// How long the company's cases keep personal data; each left out keeps its default.
    #[serde(default)]
    pub retention: RetentionDef,
}

/// `[retention]`, in days counted from a case's last change: a draft never sent is removed
/// after `drafts_days` (default 90); a case that is Avslutad, Makulerad or Ej godkänd loses its
/// identity numbers after `identity_numbers_days` (default 180) and is removed whole after
/// `cases_days` (default 1095, at least `identity_numbers_days`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionDef {
    #[schemars(with = "Option<u64>")]
    pub drafts_days: Option<Spanned<i64>>,
    #[schemars(with = "Option<u64>")]
    pub identity_numbers_days: Option<Spanned<i64>>,
    #[schemars(with = "Option<u64>")]
    pub cases_days: Option<Spanned<i64>>,
}

/// `[lookup_limits]`: how many lookups ("Hämta anl-data") a user may make per minute, hour and
/// day, and an installer firm per day, in this company's registry. Defaults 30, 150, 400, 2000.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupLimitsDef {
    #[schemars(with = "Option<u64>")]
    pub per_user_per_minute: Option<Spanned<i64>>,
    #[schemars(with = "Option<u64>")]
    pub per_user_per_hour: Option<Spanned<i64>>,
    #[schemars(with = "Option<u64>")]
    pub per_user_per_day: Option<Spanned<i64>>,
    #[schemars(with = "Option<u64>")]
    pub per_firm_per_day: Option<Spanned<i64>>,
}

/// A rule for automatic approval: every condition must hold.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoApproveDef {
    /// Shown in the case's history, e.g. "Säkringsändring till högst 25 A".
    pub description: String,
    /// The installation type the rule is for.
    #[schemars(with = "String")]
    pub installation_type: Text,
    /// Only these job types; all of the type's when left out.
    #[schemars(with = "Option<Vec<String>>")]
    pub job_types: Option<Vec<Text>>,
    /// The conditions on the case's fields, e.g. `{ field = "work.requested_main_fuse",
    /// at_most = 25 }`.
    pub when: Vec<ConditionDef>,
}

/// A condition on one field: a number at most or at least a limit, or a choice equal to a value.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionDef {
    #[schemars(with = "String")]
    pub field: Text,
    pub at_most: Option<f64>,
    pub at_least: Option<f64>,
    pub equals: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkAreaDef {
    #[schemars(with = "String")]
    pub id: Text,
    pub name: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferDef {
    /// An installation type of `installation_types.toml`.
    #[schemars(with = "String")]
    pub id: Text,
    /// The job types offered; all of the type's when left out.
    #[schemars(with = "Option<Vec<String>>")]
    pub job_types: Option<Vec<Text>>,
    /// Fields mandatory in this installation type at this company.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub mandatory: Vec<Text>,
    /// Job types of this offer that need only a completion notice (färdiganmälan), e.g. a fuse
    /// change within the same fuse range: the installer fills in the notice and the completion
    /// notice together, and sending them makes the case Färdiganmäld at once, without approval.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub completion_only: Vec<Text>,
}
