//! A form: one network company's definition of one installation type. Everything a case needs
//! from the definitions goes through here: its fields, what is mandatory, validation, the lookup
//! merge, "Kopiera från ägare" and the JSON Schema.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::attachment::Attachment;
use crate::definitions::{
    AutoApproveRule, Company, Definitions, Field, FieldKind, InstallationType, Section, VisibleWhen,
};
use crate::formats::{self, GsrnError};
use crate::registry::Installation;

/// A case's field values by field id. An empty value is never stored: it is absent.
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
                mandatory: field.mandatory
                    || field.mandatory_in.contains(&installation_type.id)
                    || company.mandatory.contains(&field.id)
                    || offer.is_some_and(|o| o.mandatory.contains(&field.id)),
            })
            .collect();
        Some(Form { definitions: self, company, installation_type, fields })
    }

    /// Every form of every company.
    pub fn forms(&self) -> impl Iterator<Item = Form<'_>> {
        self.companies.iter().flat_map(move |c| {
            c.offers.iter().filter_map(move |o| self.form(&c.id, &o.installation_type))
        })
    }
}

impl<'d> Form<'d> {
    pub fn field(&self, id: &str) -> Option<&FormField<'d>> {
        self.fields.iter().find(|f| f.field.id == id)
    }

    /// Whether `field` is shown with `values`: every condition on it and on its section holds
    /// (`visible_when`), and the fields they depend on are shown themselves. A hidden field is
    /// never mandatory and its value, kept, is not checked.
    pub fn is_shown(&self, field: &Field, values: &FieldValues) -> bool {
        self.conditions(field).all(|when| {
            values.get(&when.field) == Some(&when.equals)
                && self.field(&when.field).is_some_and(|c| self.is_shown(c.field, values))
        })
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

    /// Everything that would stop the notice in `values` from being sent, in form order: its
    /// values of the wrong form and its mandatory fields left empty, of the fields shown. The
    /// completion notice's fields are checked when it is sent ([`Form::validate_completion`]).
    /// Without attachments: see [`Form::validate_case`].
    pub fn validate(&self, values: &FieldValues) -> Vec<Problem> {
        self.validate_case(values, &[], FormPart::Notice)
    }

    /// What would stop the completion notice: the same, of the completion part's fields. The
    /// notice was checked when it was sent and is not checked again, so that a later change
    /// of the definitions never stops a case under way. Without attachments: see
    /// [`Form::validate_case`].
    pub fn validate_completion(&self, values: &FieldValues) -> Vec<Problem> {
        self.validate_case(values, &[], FormPart::Completion)
    }

    /// What would stop `part` of a case with these values and attachments from being sent:
    /// values of the wrong form and empty mandatory fields, of that part's fields that are
    /// shown; a mandatory file field needs an attachment as a mandatory field needs a value.
    /// Values of fields the form no longer has (its definitions changed) are kept and are no
    /// problem: an edit can only clear them ([`Form::check_edit`]).
    pub fn validate_case(
        &self,
        values: &FieldValues,
        attachments: &[Attachment],
        part: FormPart,
    ) -> Vec<Problem> {
        let mut problems = Vec::new();
        let fields = self.fields.iter().filter(|f| f.part() == part);
        for f in fields.filter(|f| self.is_shown(f.field, values)) {
            let id = &f.field.id;
            let attached = f.field.is_file() && attachments.iter().any(|a| &a.field == id);
            match values.get(id) {
                None if attached => {}
                None if f.mandatory => problems.push(Problem {
                    field: id.clone(),
                    code: ProblemCode::Required,
                    message: if f.field.is_file() {
                        format!("Bifoga {}.", f.field.label)
                    } else {
                        format!("Fyll i {}.", f.field.label)
                    },
                }),
                None => {}
                Some(value) => problems.extend(self.check_value(f.field, value)),
            }
        }
        problems
    }

    /// Reads an edit sent as JSON: a string sets a field, `null` clears it, and a number is
    /// taken only for a field of type number, as a whole number (`12.0` is 12). Anything else
    /// is a problem naming the field. Ids the form lacks pass as text, for
    /// [`Form::check_edit`] to name them.
    pub fn edits_from_json(
        &self,
        json: BTreeMap<String, serde_json::Value>,
    ) -> Result<Edits, Vec<Problem>> {
        use serde_json::Value;
        let mut edits = Edits::new();
        let mut problems = Vec::new();
        for (id, value) in json {
            let field = self.field(&id).map(|f| f.field);
            let number_field = field.is_some_and(|f| f.kind == FieldKind::Number);
            let edit = match value {
                Value::Null => Some(None),
                Value::String(s) => Some(Some(s)),
                Value::Number(n) if field.is_none() => Some(Some(n.to_string())),
                Value::Number(n) if number_field => whole_number(&n).map(Some),
                _ => None,
            };
            match edit {
                Some(edit) => {
                    edits.insert(id, edit);
                }
                None => problems.push(wrong_json_type(id, field)),
            }
        }
        if problems.is_empty() { Ok(edits) } else { Err(problems) }
    }

    /// The problems an edit of `part` may not have even in a draft: unknown fields (except to
    /// clear them), fields of the other part, and over-long values (measured as they would be
    /// stored). Format problems are allowed while the case is being filled in; they stop a
    /// submit.
    pub fn check_edit(&self, part: FormPart, changes: &Edits) -> Vec<Problem> {
        changes
            .iter()
            .filter_map(|(id, value)| match self.field(id) {
                // Clearing a field the form no longer has (the definitions changed) is fine.
                None if value.is_none() => None,
                None => Some(unknown_field(id)),
                Some(f) if f.part() != part => Some(Problem {
                    field: id.clone(),
                    code: ProblemCode::UnknownField,
                    message: match f.part() {
                        FormPart::Completion => format!(
                            "{} fylls i med färdiganmälan, när nätbolaget har godkänt anmälan.",
                            f.field.label
                        ),
                        FormPart::Notice => {
                            format!("{} hör till anmälan, inte till färdiganmälan.", f.field.label)
                        }
                    },
                }),
                Some(f) if f.field.is_file() => Some(file_value(f.field)),
                Some(f) => value.as_deref().and_then(|v| {
                    let v = f.field.normalize(v);
                    field_text_problem(f.field, &v).or_else(|| too_long(f.field, &v))
                }),
            })
            .collect()
    }

    /// Applies an edit: a value sets a field as [`Field::normalize`] makes it, `None` or an
    /// empty value clears it. Ids the form does not have are only ever cleared.
    pub fn apply_edit(&self, values: &mut FieldValues, changes: Edits) {
        for (id, value) in changes {
            let value = match (self.field(&id), value) {
                (Some(f), Some(v)) => Some(f.field.normalize(&v)),
                _ => None,
            };
            match value.filter(|v| !v.is_empty()) {
                Some(v) => values.insert(id, v),
                None => values.remove(&id),
            };
        }
    }

    /// The pattern a field's value must match, if its type has one: the same in the JSON
    /// Schema and in the page, so the browser checks what the server checks.
    pub fn pattern(&self, field: &Field) -> Option<String> {
        let pattern = match field.kind {
            FieldKind::Text | FieldKind::Textarea | FieldKind::Choice | FieldKind::File => {
                return None;
            }
            FieldKind::Gsrn => return Some(formats::gsrn_pattern(&self.company.gsrn_prefixes)),
            FieldKind::Number => formats::NUMBER_PATTERN,
            FieldKind::Date => formats::DATE_PATTERN,
            FieldKind::Email => formats::EMAIL_PATTERN,
            FieldKind::Phone => formats::PHONE_PATTERN,
            FieldKind::PostalCode => formats::POSTAL_CODE_PATTERN,
            FieldKind::IdentityNumber => formats::IDENTITY_NUMBER_PATTERN,
        };
        Some(pattern.to_string())
    }

    /// The problem with one non-empty value, if any.
    pub fn check_value(&self, field: &Field, value: &str) -> Option<Problem> {
        check_field_value(field, value, self.company)
    }

    /// Merges an installation from the registry into `values` ("Hämta anl-data").
    ///
    /// `overwrite` is the installer's answer to "Skriv över fält i anmälan?": Ja sets every
    /// projected field to the registry's value, clearing it when the registry has none, so that
    /// nothing of an earlier wrong lookup survives; Nej fills only empty fields. The
    /// always-overwritten fields (EAN, technical and meter number) are set either way, and the
    /// never-returned ones (identity numbers) are never touched.
    pub fn merge_lookup(
        &self,
        values: &FieldValues,
        installation: &Installation,
        overwrite: bool,
    ) -> (FieldValues, Vec<Change>) {
        let rules = &self.definitions.lookup;
        let mut merged = values.clone();
        let mut changes = Vec::new();
        for (column, field) in &rules.projection {
            if self.field(field).is_none() || rules.never_returned.contains(field) {
                continue;
            }
            let new = installation.column(column).filter(|v| !v.is_empty());
            let before = values.get(field);
            let write = overwrite || rules.always_overwrite.contains(field) || before.is_none();
            if !write || before.map(String::as_str) == new {
                continue;
            }
            match new {
                Some(v) => merged.insert(field.clone(), v.to_string()),
                None => merged.remove(field),
            };
            changes.push(Change {
                field: field.clone(),
                before: before.cloned(),
                after: new.map(str::to_string),
            });
        }
        (merged, changes)
    }

    /// What a lookup shows of an installation: its projected, non-empty fields in this form.
    /// Identity numbers are never among them.
    pub fn project(&self, installation: &Installation) -> FieldValues {
        let rules = &self.definitions.lookup;
        rules
            .projection
            .iter()
            .filter(|(_, field)| {
                self.field(field).is_some() && !rules.never_returned.contains(field)
            })
            .filter_map(|(column, field)| {
                let v = installation.column(column).filter(|v| !v.is_empty())?;
                Some((field.clone(), v.to_string()))
            })
            .collect()
    }

    /// "Kopiera från ägare": each payer field becomes its owner field; an empty owner field
    /// empties the payer field, so the two are the same afterwards.
    pub fn copy_from_owner(&self, values: &FieldValues) -> FieldValues {
        let mut copied = values.clone();
        for (owner, payer) in &self.definitions.copy_from_owner {
            if self.field(owner).is_none() || self.field(payer).is_none() {
                continue;
            }
            match values.get(owner) {
                Some(v) => copied.insert(payer.clone(), v.clone()),
                None => copied.remove(payer),
            };
        }
        copied
    }

    /// A warning when the case names another owner than the registry (manual step 15: check it
    /// is the right customer). A lookup never changes identity numbers, nor the payer, so those
    /// may still be the other customer's.
    pub fn customer_warning(
        &self,
        values: &FieldValues,
        installation: &Installation,
    ) -> Option<String> {
        let before = values.get("owner.name")?;
        let registered = installation.column("owner_name").filter(|n| !n.is_empty())?;
        if before.trim().to_lowercase() == registered.to_lowercase() {
            return None;
        }
        Some(format!(
            "Fastighetsägaren i registret ({registered}) är inte den som står i anmälan \
             ({before}). Kontrollera att det är rätt kund. Person-/organisationsnummer och \
             Betalningsansvarig ändras inte av en hämtning."
        ))
    }

    /// A warning when the registry places the installation in another network area.
    pub fn network_area_warning(
        &self,
        network_area: &str,
        installation: &Installation,
    ) -> Option<String> {
        let registered = installation.column("network_area").filter(|a| !a.is_empty())?;
        if registered == network_area {
            return None;
        }
        let name = |id: &str| {
            self.company.network_area(id).map_or_else(|| id.to_string(), |a| a.name.clone())
        };
        Some(format!(
            "Anläggningen ligger i nätområde {} enligt {}s register, men anmälan gäller nätområde \
             {}. Kontrollera nätområdet.",
            name(registered),
            self.company.name,
            name(network_area)
        ))
    }
}

/// A file field holds no value: its files are attachments.
fn file_value(field: &Field) -> Problem {
    Problem {
        field: field.id.clone(),
        code: ProblemCode::InvalidFormat,
        message: format!(
            "{} är en bilaga och har inget värde att skriva in. Bifoga filen vid fältet i stället.",
            field.label
        ),
    }
}

fn unknown_field(id: &str) -> Problem {
    Problem {
        field: id.to_string(),
        code: ProblemCode::UnknownField,
        message: format!("Fältet {id} finns inte i den här anmälan."),
    }
}

/// A JSON number as the text of a whole number, if it is one.
fn whole_number(n: &serde_json::Number) -> Option<String> {
    if n.is_i64() || n.is_u64() {
        return Some(n.to_string());
    }
    // 12.0 is 12; `as` is exact for whole numbers in i64's range.
    let f = n.as_f64().filter(|f| f.fract() == 0.0)?;
    (f >= i64::MIN as f64 && f < i64::MAX as f64).then(|| (f as i64).to_string())
}

fn wrong_json_type(id: String, field: Option<&Field>) -> Problem {
    let message = match field {
        Some(f) if f.kind == FieldKind::Number => {
            format!("Fältet {} ska vara ett heltal.", f.label)
        }
        Some(f) => format!("Fältet {} ska vara text.", f.label),
        None => format!("Fältet {id} ska vara text."),
    };
    Problem { field: id, code: ProblemCode::InvalidFormat, message }
}

/// The problem with one non-empty value of `field` at `company`, if any: the one rule for a
/// case's fields and for the registry columns that fill them.
pub fn check_field_value(field: &Field, value: &str, company: &Company) -> Option<Problem> {
    if field.is_file() {
        return Some(file_value(field));
    }
    if let Some(problem) = field_text_problem(field, value).or_else(|| too_long(field, value)) {
        return Some(problem);
    }
    let problem = |code, message: String| Some(Problem { field: field.id.clone(), code, message });
    match field.kind {
        FieldKind::Text | FieldKind::Textarea | FieldKind::File => None,
        FieldKind::Number => match formats::parse_number(value) {
            None => {
                problem(ProblemCode::InvalidFormat, format!("{} ska vara ett heltal.", field.label))
            }
            Some(n) if field.min.is_some_and(|m| n < m) || field.max.is_some_and(|m| n > m) => {
                problem(
                    ProblemCode::OutOfRange,
                    format!(
                        "{} ska vara mellan {} och {}{}.",
                        field.label,
                        field.min.map_or("…".into(), |m| m.to_string()),
                        field.max.map_or("…".into(), |m| m.to_string()),
                        field.unit.as_ref().map_or(String::new(), |u| format!(" {u}")),
                    ),
                )
            }
            Some(_) => None,
        },
        FieldKind::Date if !formats::is_date(value) => problem(
            ProblemCode::InvalidDate,
            format!("Ange {} som ÅÅÅÅ-MM-DD, till exempel 2026-12-01.", field.label),
        ),
        FieldKind::Date => None,
        FieldKind::Choice if !field.choices.iter().any(|c| c.value == value) => problem(
            ProblemCode::InvalidChoice,
            format!("Välj ett av alternativen för {}.", field.label),
        ),
        FieldKind::Choice => None,
        FieldKind::Email if !formats::is_email(value) => problem(
            ProblemCode::InvalidFormat,
            "Ange en e-postadress, till exempel namn@exempel.se.".into(),
        ),
        FieldKind::Phone if !formats::is_phone(value) => problem(
            ProblemCode::InvalidFormat,
            "Ange ett telefonnummer med 7–15 siffror, till exempel 042-12 34 56.".into(),
        ),
        FieldKind::PostalCode if !formats::is_postal_code(value) => problem(
            ProblemCode::InvalidFormat,
            "Ange postnumret med fem siffror, till exempel 252 21.".into(),
        ),
        FieldKind::Email | FieldKind::Phone | FieldKind::PostalCode => None,
        FieldKind::Gsrn => gsrn_problem(field, value, company),
        FieldKind::IdentityNumber => match formats::check_identity_number(value) {
            Ok(_) => None,
            Err(e) => problem(e.problem_code(), e.message().into()),
        },
    }
}

/// Text that is only text ([`formats::text_flaw`]): a problem naming `field`, its message
/// beginning with `subject` ("Namn", "Meddelandet"). The same rule for every field, registry
/// imports, messages and decision texts.
pub fn text_problem(field: &str, subject: &str, value: &str, multiline: bool) -> Option<Problem> {
    let flaw = formats::text_flaw(value, multiline)?;
    Some(Problem {
        field: field.to_string(),
        code: ProblemCode::InvalidCharacter,
        message: format!("{subject} {}", text_flaw_message(flaw)),
    })
}

fn field_text_problem(field: &Field, value: &str) -> Option<Problem> {
    text_problem(&field.id, &field.label, value, field.kind == FieldKind::Textarea)
}

/// What is wrong and what to do, after the name of the field or column.
pub fn text_flaw_message(flaw: formats::TextFlaw) -> String {
    let advice = match flaw {
        formats::TextFlaw::LineBreak => "Ta bort radbrytningen.",
        _ => "Skriv in texten igen i stället för att klistra in den.",
    };
    format!("{} {advice}", flaw.describe())
}

fn too_long(field: &Field, value: &str) -> Option<Problem> {
    (value.chars().count() > field.max_length as usize).then(|| Problem {
        field: field.id.clone(),
        code: ProblemCode::TooLong,
        message: format!("{} får vara högst {} tecken.", field.label, field.max_length),
    })
}

/// The problem with an anläggnings-ID for `company`, if any; also used before a lookup.
pub fn gsrn_problem(field: &Field, value: &str, company: &Company) -> Option<Problem> {
    let error = formats::check_gsrn(value, &company.gsrn_prefixes).err()?;
    let code = match error {
        GsrnError::Format => ProblemCode::InvalidFormat,
        GsrnError::CheckDigit => ProblemCode::InvalidCheckDigit,
        GsrnError::OtherCompany => ProblemCode::WrongCompany,
    };
    let what = error.describe(&field.label, &company.name);
    let message = match error.advice() {
        Some(advice) => format!("{what}. {advice}"),
        None => format!("{what}."),
    };
    Some(Problem { field: field.id.clone(), code, message })
}
