//! The case as a document (CONTRACT section 6, "The case as a document"): what a printed or PDF
//! copy of a sent case says, in Swedish, as lines of text; `handler` lays them out as a PDF.
//! Titled "Installationsmedgivande" once the network company has approved the case, with the
//! company's `approval_conditions`. It never carries an identity number: a field of type
//! `identity_number`, or one that has held one (`Case::identity_fields`), is left out.

use time::OffsetDateTime;

use crate::case::{AUTOMATIC, Action, Case, Status};
use crate::definitions::{Field, FieldKind};
use crate::form::{Form, groups};
use crate::words::AUTOMATIC_LABEL;

/// The title of an approved case's document.
pub const APPROVAL_TITLE: &str = "Installationsmedgivande";
/// The title of a sent case's document before (or without) an approval.
pub const NOTICE_TITLE: &str = "Anmälan";

/// A sent case as a document: a title, facts about the case, the network company's decision,
/// the notice's sections, and the conditions of an approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDocument {
    pub title: String,
    /// Under the title: the status, or what the approval means.
    pub subtitle: String,
    /// Case number, firm, network company, status, what the case is about, when it was sent.
    pub facts: Vec<Line>,
    /// The network company's latest decision (who, when, what, its message), if any.
    pub decision: Vec<Line>,
    /// The form's sections with a value, in the form's order.
    pub sections: Vec<Part>,
    /// The company's conditions of an approval (`approval_conditions`), once approved.
    pub conditions: Option<String>,
}

/// A titled part of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub title: String,
    pub lines: Vec<Line>,
}

/// One line: a label and its value (which may have several lines), or a heading within a part
/// (an item of a group: "Växelriktare 2").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Value { label: String, value: String },
    Heading(String),
}

fn value(label: &str, value: impl Into<String>) -> Line {
    Line::Value { label: label.to_string(), value: value.into() }
}

/// Whether the network company has approved the case and it is approved still, or done since:
/// Godkänd, Färdiganmäld or Avslutad after an approval.
pub fn approved(case: &Case) -> bool {
    matches!(case.status, Status::Approved | Status::Completed | Status::Closed)
        && case.history.iter().any(|h| h.action == Action::Approve)
}

/// A date and time as the document shows it: `2026-12-06 kl. 14:05 (UTC)`.
pub fn when(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let (h, m) = (at.hour(), at.minute());
    format!("{} kl. {h:02}:{m:02} (UTC)", at.date())
}

/// The document of `case`, read by `form` (its version's), sent by the firm named `firm_name`.
/// For a case that was sent; a draft has no document.
pub fn case_document(case: &Case, form: &Form, firm_name: &str) -> CaseDocument {
    let company = form.company;
    let kind = form.installation_type;
    let job = kind.job_types.iter().find(|j| j.id == case.job_type);
    let area = company.network_areas.iter().find(|a| a.id == case.network_area);
    let mut facts = vec![
        value("Ärendenummer", &case.number),
        value("Installatörsföretag", firm_name),
        value("Nätbolag", &company.name),
        value("Status", case.status.label()),
        value("Installationstyp", &kind.name),
        value("Typ av arbete", job.map_or(case.job_type.as_str(), |j| &j.name)),
        value("Nätområde", area.map_or(case.network_area.as_str(), |a| &a.name)),
    ];
    if let Some(sent) = case.submitted_at {
        facts.push(value("Skickad", when(sent)));
    }
    let approved = approved(case);
    let (title, subtitle) = if approved {
        let subtitle = format!(
            "{} har godkänt anmälan: arbetet får utföras enligt den och villkoren nedan.",
            company.name
        );
        (APPROVAL_TITLE.to_string(), subtitle)
    } else {
        (NOTICE_TITLE.to_string(), format!("Status: {}", case.status.label()))
    };
    CaseDocument {
        title,
        subtitle,
        facts,
        decision: decision(case, &company.name),
        sections: sections(case, form),
        conditions: approved.then(|| company.approval_conditions.clone()).flatten(),
    }
}

/// The network company's latest decision on the case.
fn decision(case: &Case, company: &str) -> Vec<Line> {
    let decided = [Action::Approve, Action::Return, Action::Reject];
    let Some(entry) = case.history.iter().rev().find(|h| decided.contains(&h.action)) else {
        return Vec::new();
    };
    let by = if entry.by == AUTOMATIC {
        format!("{AUTOMATIC_LABEL}, enligt {company}s regel")
    } else {
        format!("{} ({company})", entry.by)
    };
    let mut lines =
        vec![value("Beslut", entry.action.done()), value("Av", by), value("När", when(entry.at))];
    if let Some(message) = &entry.message {
        lines.push(value("Meddelande", message));
    }
    lines
}

/// Whether a field holds, or has held, an identity number: never in the document.
fn identity(case: &Case, field: &Field) -> bool {
    field.kind == FieldKind::IdentityNumber || case.identity_fields.contains(&field.id)
}

fn sections(case: &Case, form: &Form) -> Vec<Part> {
    let values = &case.fields;
    form.sections()
        .into_iter()
        .map(|(section, fields)| {
            let mut lines = Vec::new();
            for f in fields {
                let field = f.field;
                if identity(case, field) || !form.is_shown(field, values) {
                    continue;
                }
                match field.kind {
                    FieldKind::Group => group_lines(case, form, field, &mut lines),
                    FieldKind::File => {
                        let names: Vec<&str> = case
                            .attachments
                            .iter()
                            .filter(|a| a.field == field.id)
                            .map(|a| a.name.as_str())
                            .collect();
                        if !names.is_empty() {
                            lines.push(value(&field.label, names.join("\n")));
                        }
                    }
                    _ => {
                        if let Some(v) = values.get(&field.id) {
                            lines.push(value(&field.label, shown(field, v)));
                        }
                    }
                }
            }
            Part { title: section.title.clone(), lines }
        })
        .filter(|part| !part.lines.is_empty())
        .collect()
}

fn group_lines(case: &Case, form: &Form, group: &Field, lines: &mut Vec<Line>) {
    let Some(rules) = &group.group else { return };
    for n in 1..=groups::item_count(&case.fields, &group.id) {
        let mut item_lines = Vec::new();
        for item in &rules.items {
            if identity(case, item) || !form.is_item_shown(group, n, item, &case.fields) {
                continue;
            }
            if let Some(v) = case.fields.get(&groups::item_key(&group.id, n, &item.id)) {
                item_lines.push(value(&item.label, shown(item, v)));
            }
        }
        if !item_lines.is_empty() {
            lines.push(Line::Heading(format!("{} {n}", rules.item_label)));
            lines.extend(item_lines);
        }
    }
}

/// A stored value as a person reads it: a choice's label, a number with a decimal comma and
/// its unit.
fn shown(field: &Field, stored: &str) -> String {
    match field.kind {
        FieldKind::Choice => field
            .choices
            .iter()
            .find(|c| c.value == stored)
            .map_or_else(|| stored.to_string(), |c| c.label.clone()),
        FieldKind::Number | FieldKind::Computed => {
            let number = stored.replace('.', ",");
            match &field.unit {
                Some(unit) => format!("{number} {unit}"),
                None => number,
            }
        }
        _ => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Role;
    use crate::{Definitions, HistoryEntry};
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

    fn sent(status: Status) -> Case {
        let mut case = crate::case::test_draft(T0);
        case.status = status;
        case.submitted_at = Some(T0);
        for (id, v) in [
            ("owner.name", "Åsa Öberg"),
            ("owner.identity_number", "19121212-1212"),
            ("payer.identity_number", "20121212-1212"),
            ("work.requested_main_fuse", "25"),
            ("work.description", "Säkringen byts."),
        ] {
            case.fields.insert(id.into(), v.into());
        }
        case
    }

    fn decided(case: &mut Case, action: Action, message: Option<&str>) {
        case.history.push(HistoryEntry {
            at: T0,
            by: "karin".into(),
            role: Some(Role::NetworkCompany),
            action,
            from: Some(Status::Submitted),
            to: case.status,
            message: message.map(str::to_string),
        });
    }

    fn text(doc: &CaseDocument) -> String {
        let mut out = vec![doc.title.clone(), doc.subtitle.clone()];
        let lines =
            doc.facts.iter().chain(&doc.decision).chain(doc.sections.iter().flat_map(|p| &p.lines));
        for line in lines {
            match line {
                Line::Value { label, value } => out.push(format!("{label}: {value}")),
                Line::Heading(h) => out.push(h.clone()),
            }
        }
        out.extend(doc.conditions.clone());
        out.join("\n")
    }

    #[test]
    fn an_approved_case_is_an_installationsmedgivande_with_the_conditions() {
        let defs = Definitions::builtin();
        let mut case = sent(Status::Approved);
        decided(&mut case, Action::Approve, Some("Välkommen."));
        let form = case.form(defs).unwrap();
        let doc = case_document(&case, &form, "Demo El AB");
        assert_eq!(doc.title, APPROVAL_TITLE);
        let conditions = form.company.approval_conditions.clone();
        assert!(conditions.is_some(), "Öresundskraft's example has conditions");
        assert_eq!(doc.conditions, conditions);
        let text = text(&doc);
        for expected in [
            "Ärendenummer: ÖK-2026-00001",
            "Installatörsföretag: Demo El AB",
            "Nätbolag: Öresundskraft",
            "Status: Godkänd",
            "Beslut: Godkänd",
            "Av: karin (Öresundskraft)",
            "När: 2026-12-06 kl. 12:00 (UTC)",
            "Meddelande: Välkommen.",
            "Åsa Öberg",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        // Done since, it stays one.
        case.status = Status::Completed;
        assert_eq!(case_document(&case, &form, "x").title, APPROVAL_TITLE);
    }

    #[test]
    fn before_an_approval_it_is_the_notice_with_its_status_and_no_conditions() {
        let defs = Definitions::builtin();
        for status in [Status::Submitted, Status::Returned, Status::Rejected, Status::Withdrawn] {
            let mut case = sent(status);
            if status != Status::Submitted {
                decided(&mut case, Action::Return, Some("Komplettera."));
            }
            let form = case.form(defs).unwrap();
            let doc = case_document(&case, &form, "Demo El AB");
            assert_eq!(doc.title, NOTICE_TITLE, "{status:?}");
            assert_eq!(doc.subtitle, format!("Status: {}", status.label()));
            assert_eq!(doc.conditions, None);
            assert!(!text(&doc).contains(APPROVAL_TITLE));
        }
        // Closed after a rejection: no approval.
        let mut case = sent(Status::Closed);
        decided(&mut case, Action::Reject, Some("Nej."));
        let form = case.form(defs).unwrap();
        assert_eq!(case_document(&case, &form, "x").title, NOTICE_TITLE);
    }

    #[test]
    fn no_identity_number_is_ever_in_it() {
        let defs = Definitions::builtin();
        let mut case = sent(Status::Approved);
        decided(&mut case, Action::Approve, None);
        // A field that held one under older definitions, whatever its type is now.
        case.fields.insert("owner.name".into(), "121212-1212".into());
        case.identity_fields.push("owner.name".into());
        let form = case.form(defs).unwrap();
        let text = text(&case_document(&case, &form, "Demo El AB"));
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        assert!(!digits.contains("1212121212"), "{text}");
        assert!(!text.contains("Person-/organisationsnummer"), "{text}");
    }

    #[test]
    fn values_read_as_people_write_them() {
        let defs = Definitions::builtin();
        let form = defs.case_form("oresundskraft", "extension").unwrap();
        let (_, inverter) = form.key_field("production.inverters[1].power_kw").unwrap();
        assert_eq!(shown(inverter, "5.5"), "5,5 kW");
        let fuse = form.field("work.requested_main_fuse").unwrap().field;
        assert_eq!(shown(fuse, "25"), "25 A");
    }
}
