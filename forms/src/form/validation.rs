//! What stops a case's values from being sent: each value's format and length, and the
//! mandatory fields of a part.

use super::*;
use crate::attachment::Attachment;
use crate::definitions::{Company, Field, FieldKind, Group};
use crate::formats::{self, GsrnError};

impl<'d> Form<'d> {
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
            if let Some(group) = &f.field.group {
                problems.extend(self.group_problems(f, group, values));
                continue;
            }
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

    /// What stops a group's items: too few or too many, and each item's values as for any field,
    /// named by their keys (`production.inverters[2].power_kw`, "Växelriktare 2: …").
    fn group_problems(&self, f: &FormField, group: &Group, values: &FieldValues) -> Vec<Problem> {
        let id = &f.field.id;
        let count = groups::item_count(values, id);
        let label = &f.field.label;
        let mut problems = Vec::new();
        let least = group.min_items.max(u32::from(f.mandatory)) as usize;
        if count < least {
            problems.push(Problem {
                field: id.clone(),
                code: if count == 0 { ProblemCode::Required } else { ProblemCode::OutOfRange },
                message: format!("{label}: lägg till minst {least}."),
            });
        }
        if count > group.max_items as usize {
            problems.push(Problem {
                field: id.clone(),
                code: ProblemCode::OutOfRange,
                message: format!(
                    "{label}: högst {} får anges. Ta bort {}.",
                    group.max_items,
                    count - group.max_items as usize
                ),
            });
        }
        for n in 1..=count.min(group.max_items as usize) {
            for item in group.items.iter().filter(|i| self.is_item_shown(f.field, n, i, values)) {
                let key = groups::item_key(id, n, &item.id);
                let problem = match values.get(&key) {
                    None if item.mandatory => Some(Problem {
                        field: key.clone(),
                        code: ProblemCode::Required,
                        message: format!("Fyll i {}.", item.label),
                    }),
                    None => None,
                    Some(value) => self.check_value(item, value),
                };
                problems.extend(problem.map(|p| in_item(p, &key, &group.item_label, n)));
            }
        }
        problems
    }

    /// The pattern a field's value must match, if its type has one: the same in the JSON
    /// Schema and in the page, so the browser checks what the server checks.
    pub fn pattern(&self, field: &Field) -> Option<String> {
        let pattern = match field.kind {
            FieldKind::Text
            | FieldKind::Textarea
            | FieldKind::Choice
            | FieldKind::File
            | FieldKind::Group
            | FieldKind::Computed => {
                return None;
            }
            FieldKind::Gsrn => return Some(formats::gsrn_pattern(&self.company.gsrn_prefixes)),
            FieldKind::Number => return Some(formats::number_pattern(field.decimals)),
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
}

/// A problem of an item's field, named by its key and, for people, by its item: "Växelriktare
/// 2: Fyll i Effekt."
fn in_item(problem: Problem, key: &str, item_label: &str, n: usize) -> Problem {
    Problem {
        field: key.to_string(),
        message: format!("{item_label} {n}: {}", problem.message),
        ..problem
    }
}

/// A file field holds no value: its files are attachments.
pub(super) fn file_value(field: &Field) -> Problem {
    Problem {
        field: field.id.clone(),
        code: ProblemCode::InvalidFormat,
        message: format!(
            "{} är en bilaga och har inget värde att skriva in. Bifoga filen vid fältet i stället.",
            field.label
        ),
    }
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
        // A group's items are checked one by one.
        FieldKind::Group => None,
        // Worked out by the form, never typed in: a number whenever it is there.
        FieldKind::Computed if formats::parse_decimal(value, 28).is_none() => {
            problem(ProblemCode::InvalidFormat, format!("{} ska vara ett tal.", field.label))
        }
        FieldKind::Computed => None,
        FieldKind::Number => match formats::parse_decimal(value, field.decimals) {
            None if field.decimals == 0 => {
                problem(ProblemCode::InvalidFormat, format!("{} ska vara ett heltal.", field.label))
            }
            None => problem(
                ProblemCode::InvalidFormat,
                format!(
                    "{} ska vara ett tal med högst {} decimal{}, till exempel 10,5.",
                    field.label,
                    field.decimals,
                    if field.decimals == 1 { "" } else { "er" }
                ),
            ),
            Some(n)
                if field.min.is_some_and(|m| n < m.into())
                    || field.max.is_some_and(|m| n > m.into()) =>
            {
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

pub(super) fn field_text_problem(field: &Field, value: &str) -> Option<Problem> {
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

pub(super) fn too_long(field: &Field, value: &str) -> Option<Problem> {
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
