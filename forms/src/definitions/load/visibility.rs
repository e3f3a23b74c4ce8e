//! `visible_when` of fields and sections. What a field or section depends on must be a choice
//! field above it in the form, with that value among its choices, present wherever the
//! dependent is. "Above it" keeps conditions from ever going round in a circle, and is how a
//! form reads: the question first, then what its answer reveals.

use super::Report;
use super::fields::field_ref;
use crate::definitions::format::{FieldDef, SectionDef, Text, VisibleWhenDef};
use crate::definitions::{Field, FieldKind, Section, VisibleWhen};
use crate::form::COMPLETION_SECTION;

/// The form order the conditions are checked in: sections in order, then fields in the order
/// of definition (`base.toml` first, then the company's own).
pub(super) struct FormOrder<'a> {
    pub(super) sections: &'a [Section],
    pub(super) fields: &'a [Field],
    pub(super) installation_types: &'a [&'a str],
}

impl FormOrder<'_> {
    fn section_index(&self, id: &str) -> usize {
        self.sections.iter().position(|s| s.id == id).unwrap_or(usize::MAX)
    }

    fn position(&self, field: &Field) -> (usize, usize) {
        let index = self.fields.iter().position(|f| f.id == field.id).unwrap_or(usize::MAX);
        (self.section_index(&field.section), index)
    }
}

/// The conditions of `defs`' fields that hold up, by field id.
pub(super) fn field_conditions(
    report: &mut Report,
    file: &str,
    defs: &[FieldDef],
    order: &FormOrder,
) -> Vec<(String, VisibleWhen)> {
    let mut conditions = Vec::new();
    for def in defs {
        let (Some(when), Some(field)) =
            (&def.visible_when, order.fields.iter().find(|f| &f.id == def.id.get_ref()))
        else {
            continue;
        };
        let Some(controller) = controller(report, file, when, order.fields) else {
            continue;
        };
        if order.position(controller) >= order.position(field) {
            report.at_text(
                file,
                &when.field,
                format!(
                    "`{}` beror på `{}`, som kommer efter det i formuläret; ett fält kan bara bero \
                     på ett fält ovanför det",
                    field.id, controller.id
                ),
            );
            continue;
        }
        if controller.section == COMPLETION_SECTION && field.section != COMPLETION_SECTION {
            report.at_text(
                file,
                &when.field,
                format!(
                    "`{}` hör till anmälan och kan inte bero på `{}`, som fylls i \
                     med färdiganmälan",
                    field.id, controller.id
                ),
            );
            continue;
        }
        let types: Vec<&str> = match &field.installation_types {
            Some(types) => types.iter().map(String::as_str).collect(),
            None => order.installation_types.to_vec(),
        };
        if let Some(missing) = types.iter().find(|t| !controller.appears_in(t)) {
            report.at_text(
                file,
                &when.field,
                format!(
                    "`{}` beror på `{}`, som inte finns i installationstypen \
                     `{missing}`; begränsa `{}` med installation_types eller visa `{}` där också",
                    field.id, controller.id, field.id, controller.id
                ),
            );
            continue;
        }
        conditions.push((field.id.clone(), condition(when, &controller.id)));
    }
    conditions
}

/// The conditions of the sections in `base.toml`, which may depend only on its fields.
pub(super) fn section_conditions(
    report: &mut Report,
    file: &str,
    defs: &[SectionDef],
    order: &FormOrder,
) -> Vec<(String, VisibleWhen)> {
    let mut conditions = Vec::new();
    for def in defs {
        let Some(when) = &def.visible_when else {
            continue;
        };
        let Some(controller) = controller(report, file, when, order.fields) else {
            continue;
        };
        let section = def.id.get_ref();
        if order.section_index(&controller.section) >= order.section_index(section) {
            report.at_text(
                file,
                &when.field,
                format!(
                    "sektionen `{section}` beror på `{}`, som inte står i en sektion ovanför den; en \
                     sektion kan bara bero på ett fält i en tidigare sektion",
                    controller.id
                ),
            );
            continue;
        }
        if controller.installation_types.is_some() {
            report.at_text(
                file,
                &when.field,
                format!(
                    "sektionen `{section}` beror på `{}`, som bara finns i vissa \
                     installationstyper; en sektion kan bara bero på ett fält som alla formulär har",
                    controller.id
                ),
            );
            continue;
        }
        conditions.push((section.clone(), condition(when, &controller.id)));
    }
    conditions
}

/// The field a condition names, if the condition fits it: a choice with `equals` among its
/// choices, or a computed value with `at_least` or `at_most`.
pub(super) fn controller<'f>(
    report: &mut Report,
    file: &str,
    when: &VisibleWhenDef,
    fields: &'f [Field],
) -> Option<&'f Field> {
    let controller = field_ref(report, file, fields, &when.field)?;
    let limits = when.at_least.is_some() || when.at_most.is_some();
    match (controller.kind, &when.equals) {
        (FieldKind::Choice, Some(equals)) if !limits => {
            choice_value(report, file, controller, equals).then_some(controller)
        }
        (FieldKind::Computed, None) if limits => Some(controller),
        (FieldKind::Computed, _) => {
            report.at_text(
                file,
                &when.field,
                format!(
                    "`{}` är ett uträknat värde: ange at_least eller at_most (ett tal), inte equals",
                    controller.id
                ),
            );
            None
        }
        (FieldKind::Choice, _) => {
            report.at_text(
                file,
                &when.field,
                format!(
                    "`{}` är ett val: ange equals = ett av dess värden, inte at_least eller at_most",
                    controller.id
                ),
            );
            None
        }
        _ => {
            report.at_text(
                file,
                &when.field,
                format!(
                    "visible_when beror på `{}`, som varken är ett val eller ett uträknat \
                     värde; låt det bero på ett fält med type = \"choice\" eller \"computed\"",
                    controller.id
                ),
            );
            None
        }
    }
}

/// Whether `value` is a choice of `controller`; reports it when it is not.
pub(super) fn choice_value(
    report: &mut Report,
    file: &str,
    controller: &Field,
    value: &Text,
) -> bool {
    let known = controller.choices.iter().map(|c| c.value.as_str());
    if known.clone().any(|c| c == value.get_ref()) {
        return true;
    }
    let value_text = value.get_ref();
    let message = match super::closest(value_text, known.clone()) {
        Some(near) => {
            format!(
                "`{value_text}` är inte ett av valen i `{}`; menade du `{near}`?",
                controller.id
            )
        }
        None => format!(
            "`{value_text}` är inte ett av valen i `{}`; använd ett av: {}",
            controller.id,
            known.collect::<Vec<_>>().join(", ")
        ),
    };
    report.at_text(file, value, message);
    false
}

/// The condition as the form checks it, naming `controller` by `id`.
pub(super) fn condition(when: &VisibleWhenDef, id: &str) -> VisibleWhen {
    VisibleWhen {
        field: id.to_string(),
        equals: when.equals.as_ref().map(|e| e.get_ref().clone()),
        at_least: when.at_least.and_then(decimal),
        at_most: when.at_most.and_then(decimal),
    }
}

/// A limit written in TOML as a decimal number, exactly as written (43.5, not 43.49999…).
pub(super) fn decimal(n: f64) -> Option<rust_decimal::Decimal> {
    n.to_string().parse().ok()
}
