//! Computed values: what they are computed from must be numbers (a group's number item, or two
//! numbers or computed values), and no value may be computed from itself.

use std::collections::BTreeSet;

use super::Report;
use super::fields::field_ref;
use crate::definitions::format::{FieldDef, FieldKind, Text};
use crate::definitions::{Computation, Field};

/// Checks the computed values `defs` declare against every field known, `fields`.
pub(super) fn check_computed(report: &mut Report, file: &str, defs: &[FieldDef], fields: &[Field]) {
    // A circle is reported once, at its first value, not once for every value on it.
    let mut in_reported_cycle = BTreeSet::new();
    for def in defs {
        let (Some(spec), Some(field)) =
            (&def.computed, fields.iter().find(|f| &f.id == def.id.get_ref()))
        else {
            continue;
        };
        let Some(computation) = &field.computed else {
            continue;
        };
        let at: &Text = match (&spec.sum, &spec.max, &spec.count, &spec.product) {
            (Some(t), ..) | (_, Some(t), ..) | (_, _, Some(t), _) => t,
            (.., Some(factors)) => &factors[0],
            _ => &def.id,
        };
        let find = |id: &str| fields.iter().find(|f| f.id == id);
        match computation {
            Computation::Sum { group, item } | Computation::Max { group, item } => {
                match find(group).and_then(|g| g.group.as_ref()) {
                    None => not_a_group(report, file, at, group, fields),
                    Some(g) => match g.items.iter().find(|i| &i.id == item) {
                        Some(i) if i.kind == FieldKind::Number => {}
                        Some(_) => {
                            let numbers: Vec<String> = g
                                .items
                                .iter()
                                .filter(|i| i.kind == FieldKind::Number)
                                .map(|i| format!("{group}.{}", i.id))
                                .collect();
                            let what_to_do = if numbers.is_empty() {
                                format!(
                                    "lägg till en del med type = \"number\" i `{group}` och räkna på den"
                                )
                            } else {
                                format!("räkna på en del som är ett tal: {}", numbers.join(", "))
                            };
                            report.at_text(
                                file,
                                at,
                                format!("`{}` räknar på `{group}.{item}`, som inte är ett tal; {what_to_do}", field.id),
                            );
                        }
                        None => report.at_text(
                            file,
                            at,
                            format!(
                                "`{group}` har ingen del `{item}`; dess delar är: {}",
                                g.items
                                    .iter()
                                    .map(|i| i.id.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ),
                    },
                }
            }
            Computation::Count { group } => {
                if find(group).and_then(|g| g.group.as_ref()).is_none() {
                    not_a_group(report, file, at, group, fields);
                }
            }
            Computation::Product(a, b) => {
                for (input, text) in [a, b].into_iter().zip(spec.product.iter().flatten()) {
                    match find(input) {
                        Some(f) if matches!(f.kind, FieldKind::Number | FieldKind::Computed) => {}
                        Some(_) => report.at_text(
                            file,
                            text,
                            format!("`{}` multiplicerar `{input}`, som inte är ett tal; använd fält med type = \"number\" eller \"computed\"", field.id),
                        ),
                        None => {
                            field_ref(report, file, fields, text);
                        }
                    }
                }
                if in_reported_cycle.contains(&field.id) {
                    continue;
                }
                if let Some(path) = cycle(&field.id, fields) {
                    let message = if path.len() <= 2 {
                        format!(
                            "`{}` räknas ut från sig själv; räkna ut det från andra fält",
                            field.id
                        )
                    } else {
                        format!(
                            "`{}` räknas ut från sig själv ({}): uträknade värden kan inte bero \
                             på varandra i en cirkel; räkna ut ett av dem från andra fält",
                            field.id,
                            path.join(" -> ")
                        )
                    };
                    report.at_text(file, &def.id, message);
                    in_reported_cycle.extend(path);
                }
            }
        }
    }
}

fn not_a_group(report: &mut Report, file: &str, at: &Text, group: &str, fields: &[Field]) {
    let groups: Vec<&str> =
        fields.iter().filter(|f| f.group.is_some()).map(|f| f.id.as_str()).collect();
    let known = if groups.is_empty() { "det finns ingen".to_string() } else { groups.join(", ") };
    report.at_text(
        file,
        at,
        format!("`{}` är inte en grupp; ange ett fält med type = \"group\" ({known}), som grupp eller grupp.del", group),
    );
}

/// The way back to `start` through the computed values it is computed from, if there is one.
fn cycle(start: &str, fields: &[Field]) -> Option<Vec<String>> {
    fn visit(id: &str, start: &str, fields: &[Field], path: &mut Vec<String>) -> bool {
        let Some(computation) =
            fields.iter().find(|f| f.id == id).and_then(|f| f.computed.as_ref())
        else {
            return false;
        };
        for input in computation.inputs() {
            if path.iter().any(|p| p == input) && input != start {
                continue;
            }
            path.push(input.to_string());
            if input == start || visit(input, start, fields, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![start.to_string()];
    visit(start, start, fields, &mut path).then_some(path)
}
