//! `visible_when` of fields and sections. What a field or section depends on must be a choice
//! field above it in the form, with that value among its choices, present wherever the
//! dependent is. "Above it" keeps conditions from ever going round in a circle, and is how a
//! form reads: the question first, then what its answer reveals.

use super::Report;
use super::fields::field_ref;
use crate::definitions::format::{FieldDef, SectionDef, VisibleWhenDef};
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
                    "`{}` depends on `{}`, which comes after it in the form; a field can depend \
                     only on a field above it",
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
                    "`{}` is part of the notice and cannot depend on `{}`, which is filled in \
                     with the completion notice",
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
                    "`{}` depends on `{}`, which does not appear in installation type \
                     `{missing}`; limit `{}` with installation_types or show `{}` there too",
                    field.id, controller.id, field.id, controller.id
                ),
            );
            continue;
        }
        conditions.push((field.id.clone(), condition(when, controller)));
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
                    "section `{section}` depends on `{}`, which is not in a section above it; a \
                     section can depend only on a field in an earlier section",
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
                    "section `{section}` depends on `{}`, which appears only in some \
                     installation types; a section can depend only on a field every form has",
                    controller.id
                ),
            );
            continue;
        }
        conditions.push((section.clone(), condition(when, controller)));
    }
    conditions
}

/// The choice field a condition names, if it is one and `equals` is among its choices.
fn controller<'f>(
    report: &mut Report,
    file: &str,
    when: &VisibleWhenDef,
    fields: &'f [Field],
) -> Option<&'f Field> {
    let controller = field_ref(report, file, fields, &when.field)?;
    if controller.kind != FieldKind::Choice {
        report.at_text(
            file,
            &when.field,
            format!(
                "visible_when depends on `{}`, which is not a choice field; depend on a field \
                 of type = \"choice\"",
                controller.id
            ),
        );
        return None;
    }
    let value = when.equals.get_ref();
    if !controller.choices.iter().any(|c| &c.value == value) {
        let values = controller.choices.iter().map(|c| c.value.as_str());
        let message = match super::closest(value, values.clone()) {
            Some(near) => {
                format!("`{value}` is not a choice of `{}`; did you mean `{near}`?", controller.id)
            }
            None => format!(
                "`{value}` is not a choice of `{}`; use one of: {}",
                controller.id,
                values.collect::<Vec<_>>().join(", ")
            ),
        };
        report.at_text(file, &when.equals, message);
        return None;
    }
    Some(controller)
}

fn condition(when: &VisibleWhenDef, controller: &Field) -> VisibleWhen {
    VisibleWhen { field: controller.id.clone(), equals: when.equals.get_ref().clone() }
}
