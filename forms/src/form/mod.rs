//! A form: one network company's definition of one installation type. Everything a case needs
//! from the definitions goes through here: its fields, what is mandatory, validation
//! (`validation`), edits and "Kopiera från ägare" (`edits`), the lookup merge
//! (`crate::lookup`) and the JSON Schema (`crate::schema`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::definitions::{
    AutoApproveRule, Company, Definitions, Field, InstallationType, Section, VisibleWhen,
};

mod computed;
mod edits;
pub mod groups;
mod validation;

pub use self::validation::{check_field_value, gsrn_problem, text_flaw_message, text_problem};

/// A case's field values by field id. An empty value is never stored: it is absent. A group's
/// items are stored by keys of their own (`groups`): `production.inverters[2].power_kw`.
pub type FieldValues = BTreeMap<String, String>;

/// An edit of a case's fields by field id: `Some` sets a field, `None` clears it.
pub type Edits = BTreeMap<String, Option<String>>;

/// Something that would stop a case from being sent, in Swedish, tied to a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Problem {
    pub field: String,
    pub code: ProblemCode,
    pub message: String,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    Required,
    InvalidFormat,
    InvalidCheckDigit,
    InvalidDate,
    WrongCompany,
    TooLong,
    OutOfRange,
    InvalidChoice,
    UnknownField,
    /// The network company no longer offers what the case is about.
    NotOffered,
    /// A file over its field's size limit.
    TooLarge,
    /// A file whose content is none of its field's accepted types.
    WrongFileType,
    /// A file field that has as many files as it takes.
    TooManyFiles,
    /// A control character, a line break in one line, or a direction override.
    InvalidCharacter,
    /// A problem in a definitions file a company uploaded, at a line of it.
    InvalidDefinitions,
}

/// One field as it appears in a form.
#[derive(Debug, Clone, Copy)]
pub struct FormField<'d> {
    pub field: &'d Field,
    pub mandatory: bool,
}

/// The section of the definitions that is the completion notice (färdiganmälan).
pub const COMPLETION_SECTION: &str = "completion";

/// The two parts of a form: the notice the installer sends before the work, and the completion
/// notice sent when the network company has approved it and the work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormPart {
    Notice,
    Completion,
}

impl FormField<'_> {
    pub fn part(&self) -> FormPart {
        if self.field.section == COMPLETION_SECTION {
            FormPart::Completion
        } else {
            FormPart::Notice
        }
    }
}

#[derive(Debug, Clone)]
pub struct Form<'d> {
    pub definitions: &'d Definitions,
    pub company: &'d Company,
    pub installation_type: &'d InstallationType,
    /// In section order, then in the order of definition.
    pub fields: Vec<FormField<'d>>,
    /// Set by [`Form::for_job_type`]: the fields are those of this job type's.
    pub job_type: Option<String>,
}

/// One field that a lookup changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Definitions {
    /// The form of `installation_type` at `company`, if the company offers it: what a new case
    /// may be created with.
    pub fn form(&self, company: &str, installation_type: &str) -> Option<Form<'_>> {
        self.company(company)?.offer(installation_type)?;
        self.case_form(company, installation_type)
    }

    /// The form an existing case is checked against. Like [`Definitions::form`], but still there
    /// when the company has since stopped offering the installation type (then without that
    /// offer's extra mandatory fields), so that cases under way can be finished.
    pub fn case_form(&self, company: &str, installation_type: &str) -> Option<Form<'_>> {
        let company = self.company(company)?;
        let offer = company.offer(installation_type);
        let installation_type = self.installation_type(installation_type)?;
        let fields: Vec<FormField> = self
            .sections
            .iter()
            .flat_map(|section| {
                self.fields.iter().chain(&company.fields).filter(move |f| f.section == section.id)
            })
            .filter(|f| f.appears_in(&installation_type.id))
            .map(|field| FormField {
                field,
                // A group that needs items is mandatory as a field that needs a value.
                mandatory: field.mandatory
                    || field.group.as_ref().is_some_and(|g| g.min_items > 0)
                    || field.mandatory_in.contains(&installation_type.id)
                    || company.mandatory.contains(&field.id)
                    || offer.is_some_and(|o| o.mandatory.contains(&field.id)),
            })
            .collect();
        Some(Form { definitions: self, company, installation_type, fields, job_type: None })
    }

    /// Every form of every company.
    pub fn forms(&self) -> impl Iterator<Item = Form<'_>> {
        self.companies.iter().flat_map(move |c| {
            c.offers.iter().filter_map(move |o| self.form(&c.id, &o.installation_type))
        })
    }
}

impl<'d> Form<'d> {
    /// The form of a case of `job_type`: without the fields of other job types.
    pub fn for_job_type(mut self, job_type: &str) -> Self {
        self.fields.retain(|f| f.field.appears_in_job(job_type));
        self.job_type = Some(job_type.to_string());
        self
    }

    pub fn field(&self, id: &str) -> Option<&FormField<'d>> {
        self.fields.iter().find(|f| f.field.id == id)
    }

    /// Whether `field` is shown with `values`: every condition on it and on its section holds
    /// (`visible_when`), and the fields they depend on are shown themselves. A hidden field is
    /// never mandatory and its value, kept, is not checked.
    pub fn is_shown(&self, field: &Field, values: &FieldValues) -> bool {
        self.conditions(field).all(|when| {
            when.holds(values.get(&when.field).map(String::as_str))
                && self.field(&when.field).is_some_and(|c| self.is_shown(c.field, values))
        })
    }

    /// Whether `item`, a field of `group`'s items, is shown in item `n`: its condition names
    /// another field of the same item.
    pub fn is_item_shown(
        &self,
        group: &Field,
        n: usize,
        item: &Field,
        values: &FieldValues,
    ) -> bool {
        item.visible_when.as_ref().is_none_or(|when| {
            when.holds(values.get(&groups::item_key(&group.id, n, &when.field)).map(String::as_str))
        })
    }

    /// The field of the form a value's key belongs to, and the field that describes the value:
    /// itself, or for a group's key (`g[2].x`, `g[]`) the group and its item (or the group).
    pub fn key_field(&self, key: &str) -> Option<(&FormField<'d>, &'d Field)> {
        if let Some((group, _, item)) = groups::parse_item_key(key) {
            let form_field = self.field(group)?;
            let item = form_field.field.group.as_ref()?.items.iter().find(|i| i.id == item)?;
            return Some((form_field, item));
        }
        if let Some(group) = groups::parse_count_key(key) {
            let form_field = self.field(group).filter(|f| f.field.group.is_some())?;
            return Some((form_field, form_field.field));
        }
        self.field(key).map(|f| (f, f.field))
    }

    /// The conditions on `field` itself and on its section. Those depend only on fields above,
    /// so following them always ends (checked when the definitions are loaded).
    pub fn conditions<'a>(&'a self, field: &'a Field) -> impl Iterator<Item = &'a VisibleWhen> {
        let section = self.definitions.sections.iter().find(|s| s.id == field.section);
        let own = field.visible_when.as_ref();
        own.into_iter().chain(section.and_then(|s| s.visible_when.as_ref()))
    }

    /// The sections with their fields, for rendering.
    pub fn sections(&self) -> Vec<(&'d Section, Vec<FormField<'d>>)> {
        self.definitions
            .sections
            .iter()
            .map(|s| (s, self.fields.iter().filter(|f| f.field.section == s.id).copied().collect()))
            .filter(|(_, fields): &(_, Vec<_>)| !fields.is_empty())
            .collect()
    }

    /// The company's rule that approves a case of this form with `job_type` and `values` at
    /// once, if one does.
    pub fn auto_approval(
        &self,
        job_type: &str,
        values: &FieldValues,
    ) -> Option<&'d AutoApproveRule> {
        self.company.auto_approve.iter().find(|rule| {
            rule.installation_type == self.installation_type.id
                && rule.job_types.as_ref().is_none_or(|jobs| jobs.iter().any(|j| j == job_type))
                && rule.conditions.iter().all(|c| c.holds(values.get(&c.field).map(String::as_str)))
        })
    }

    /// Whether `job_type` needs only a completion notice at this company (`completion_only`):
    /// the installer fills in the notice and the completion notice together and sends both
    /// in one move, which makes the case Färdiganmäld without an approval.
    pub fn completion_only(&self, job_type: &str) -> bool {
        self.company
            .offer(&self.installation_type.id)
            .is_some_and(|o| o.completion_only.iter().any(|j| j == job_type))
    }

    pub fn offers_job_type(&self, job_type: &str) -> bool {
        self.company
            .offer(&self.installation_type.id)
            .is_some_and(|o| o.job_types.iter().any(|j| j == job_type))
    }

    /// What stops a draft from being sent for the first time when the company has since
    /// stopped offering its installation type, job type or network area. A case once sent is
    /// never stopped by that: the company has it already.
    pub fn offer_problems(&self, job_type: &str, network_area: &str) -> Vec<Problem> {
        let company = &self.company.name;
        let kind = &self.installation_type;
        let problem = |field: &str, message: String| Problem {
            field: field.to_string(),
            code: ProblemCode::NotOffered,
            message,
        };
        let mut problems = Vec::new();
        if self.company.offer(&kind.id).is_none() {
            problems.push(problem(
                "installation_type",
                format!(
                    "{company} tar inte längre emot anmälningar om {}. Skapa en ny anmälan.",
                    kind.name
                ),
            ));
        } else if !self.offers_job_type(job_type) {
            let job =
                kind.job_types.iter().find(|j| j.id == job_type).map_or(job_type, |j| &j.name);
            problems.push(problem(
                "job_type",
                format!(
                    "{company} tar inte längre emot {job} för {}. Skapa en ny anmälan med en \
                     annan jobbtyp.",
                    kind.name
                ),
            ));
        }
        if self.company.network_area(network_area).is_none() {
            problems.push(problem(
                "network_area",
                format!(
                    "Nätområdet finns inte längre hos {company}. Skapa en ny anmälan och välj \
                     ett av nätbolagets nätområden."
                ),
            ));
        }
        problems
    }
}
