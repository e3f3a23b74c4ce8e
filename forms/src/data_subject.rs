//! Customers' rights (docs/operations.md, "Customers' rights"): which of a company's cases hold a data
//! subject's identity number, what the export gives them, and what an erasure removes.
//!
//! The data subject's part of a case is every section that holds their number (all of
//! Fastighetsägare, say): the values there, the files attached there, and every text of the case
//! that names them by one of those values.

use regex::Regex;
use serde::Serialize;
use time::OffsetDateTime;

use crate::attachment::{Attachment, FileType};
use crate::case::{Action, Case, Status};
use crate::definitions::Definitions;
use crate::form::{FieldValues, Problem};
use crate::formats::normalize_identity_number;

/// What an erased text says where a name or a number stood.
pub const ERASED: &str = "[raderat]";

/// Why an erasure kept a case that another change overtook while it was erased.
pub const CHANGED_MEANWHILE: &str = "Ärendet ändrades samtidigt. Försök igen.";

/// The identity number a request names (`identity_number`), as cases are searched for it:
/// twelve digits ([`normalize_identity_number`] on `today`), or the problem with it.
pub fn requested_number(identity_number: &str, today: time::Date) -> Result<String, Problem> {
    normalize_identity_number(identity_number, today).map_err(|e| Problem {
        field: "identity_number".into(),
        code: e.problem_code(),
        message: e.message().into(),
    })
}

/// The fields of `case` that hold the identity number `number` (twelve digits, as
/// [`normalize_identity_number`] gives it). A stored value is compared as it was written,
/// resolved on the day the case was made: normalising when comparing keeps what the installer
/// typed and every stored case as it is, and that day is when the number was current (a
/// person's 100th birthday between the case's start and its edit is the one inexactness, and a
/// number written with twelve digits or `+` has none).
pub fn holding(case: &Case, definitions: &Definitions, number: &str) -> Vec<String> {
    let day = case.created_at.date();
    case.identity_number_fields(definitions)
        .into_iter()
        .filter(|id| {
            case.fields
                .get(id)
                .is_some_and(|value| normalize_identity_number(value, day).as_deref() == Ok(number))
        })
        .collect()
}

/// The sections of `fields` as id prefixes: `owner.identity_number` -> `owner.`.
pub fn sections(fields: &[String]) -> Vec<String> {
    let mut sections: Vec<String> =
        fields.iter().filter_map(|f| f.split_once('.').map(|(s, _)| format!("{s}."))).collect();
    sections.dedup();
    sections
}

fn in_sections(id: &str, sections: &[String]) -> bool {
    sections.iter().any(|s| id.starts_with(s.as_str()))
}

/// The texts that name the data subject: every value of their sections (a name, an address, an
/// e-mail address), and each identity number there in every way it is written (12 or 10
/// digits, with `-`, `+` or none). Not a value shorter than four characters (a fuse size names
/// no one), nor one the case holds outside their sections too (the installation's city and
/// address, which stay in the case anyway).
pub fn naming_values(case: &Case, sections: &[String]) -> Vec<String> {
    let day = case.created_at.date();
    let elsewhere: Vec<String> = case
        .fields
        .iter()
        .filter(|(id, _)| !in_sections(id, sections))
        .map(|(_, value)| value.trim().to_lowercase())
        .collect();
    let mut values = Vec::new();
    for (id, value) in &case.fields {
        if !in_sections(id, sections) {
            continue;
        }
        values.extend(spellings(value, day));
        let value = value.trim();
        if value.chars().count() >= 4 && !elsewhere.contains(&value.to_lowercase()) {
            values.push(value.to_string());
        }
    }
    values.sort();
    values.dedup();
    values
}

/// Every way the identity number `value` (as stored in a case made on `day`) is written: 12 or
/// 10 digits, with `-`, `+` or none; nothing when it is no identity number.
pub fn spellings(value: &str, day: time::Date) -> Vec<String> {
    let Ok(d) = normalize_identity_number(value, day) else {
        return Vec::new();
    };
    let (century, ten) = d.split_at(2);
    let (date, last) = ten.split_at(6);
    vec![
        format!("{century}{date}-{last}"),
        d.clone(),
        format!("{date}-{last}"),
        format!("{date}+{last}"),
        ten.to_string(),
    ]
}

/// `text` with every occurrence of `values` (in any case of letters) replaced by [`ERASED`].
pub fn scrub(text: &str, values: &[String]) -> String {
    let mut scrubbed = String::with_capacity(text.len());
    let mut from = 0;
    for found in occurrences(text, values) {
        scrubbed.push_str(&text[from..found.start]);
        scrubbed.push_str(ERASED);
        from = found.end;
    }
    scrubbed.push_str(&text[from..]);
    scrubbed
}

/// Whether `text` names the data subject by one of `values`.
pub fn names(text: &str, values: &[String]) -> bool {
    !occurrences(text, values).is_empty()
}

/// Where `values` stand in `text` as words of their own: `121212-1212` is not in
/// `20121212-1212`, nor `Greta Ek` in `Greta Eklund`.
fn occurrences(text: &str, values: &[String]) -> Vec<std::ops::Range<usize>> {
    let Some(regex) = naming(values) else {
        return Vec::new();
    };
    let joined = |outside: Option<char>, inside: Option<char>| {
        outside.is_some_and(char::is_alphanumeric) && inside.is_some_and(char::is_alphanumeric)
    };
    regex
        .find_iter(text)
        .filter(|m| {
            let (before, found, after) = (&text[..m.start()], m.as_str(), &text[m.end()..]);
            !joined(before.chars().next_back(), found.chars().next())
                && !joined(after.chars().next(), found.chars().next_back())
        })
        .map(|m| m.range())
        .collect()
}

fn naming(values: &[String]) -> Option<Regex> {
    if values.is_empty() {
        return None;
    }
    // Longest first, so that a whole number goes before the part of it that is also a value.
    let mut values = values.to_vec();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let alternatives: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
    Regex::new(&format!("(?i){}", alternatives.join("|"))).ok()
}

/// What an erasure took from a case besides its values: the files to delete, and the values
/// that named the data subject (to erase from what else holds them, such as e-mails not yet
/// sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub attachments: Vec<Attachment>,
    pub values: Vec<String>,
}

impl Case {
    /// Whether a data subject's data may be erased from the case now: only once it is over
    /// (Avslutad, Makulerad, Ej godkänd); an open case needs it for the work.
    pub fn erasable(&self) -> bool {
        self.status.ended()
    }

    /// Why an erasure keeps the data subject's data in the case now, in Swedish; `None` when
    /// it is [`Case::erasable`].
    pub fn kept_from_erasure(&self) -> Option<String> {
        (!self.erasable()).then(|| {
            format!(
                "Ärendet är {}: uppgifterna behövs tills det är avslutat. Radera dem när det är \
                 Avslutat, Makulerat eller Ej godkänt.",
                self.status.label()
            )
        })
    }

    /// Erases the data subject whose number `fields` hold: every value of their sections, the
    /// files attached there, and their name and number in every text of the case (history,
    /// messages, decision texts, file names). A new version, but not a change retention counts
    /// from.
    pub fn erase_data_subject(&mut self, fields: &[String]) -> Erased {
        let sections = sections(fields);
        let values = naming_values(self, &sections);
        self.fields.retain(|id, _| !in_sections(id, &sections));
        let (attachments, kept) =
            self.attachments.drain(..).partition(|a| in_sections(&a.field, &sections));
        self.attachments = kept;
        self.scrub_texts(&values);
        self.version += 1;
        Erased { attachments, values }
    }

    /// Replaces `values` by [`ERASED`] in every text of the case: its history's messages and
    /// decision texts, and its files' names.
    pub fn scrub_texts(&mut self, values: &[String]) {
        for step in &mut self.history {
            if let Some(message) = &step.message {
                step.message = Some(scrub(message, values));
            }
        }
        for attachment in &mut self.attachments {
            attachment.name = scrub(&attachment.name, values);
        }
    }

    /// What the data subject whose number `fields` hold gets of this case ([`ExportedCase`]).
    pub fn export_for_data_subject(&self, fields: &[String]) -> ExportedCase {
        let mut theirs = sections(fields);
        theirs.push("installation.".into());
        let values = naming_values(self, &sections(fields));
        ExportedCase {
            number: self.number.clone(),
            company: self.company.clone(),
            installation_type: self.installation_type.clone(),
            job_type: self.job_type.clone(),
            network_area: self.network_area.clone(),
            status: self.status,
            status_label: self.status.label().to_string(),
            created_at: self.created_at,
            submitted_at: self.submitted_at,
            fields: self
                .fields
                .iter()
                .filter(|(id, _)| in_sections(id, &theirs))
                .map(|(id, value)| (id.clone(), value.clone()))
                .collect(),
            history: self
                .history
                .iter()
                .map(|step| ExportedStep {
                    at: step.at,
                    action: step.action,
                    status: step.to,
                    message: step.message.clone().filter(|m| names(m, &values)),
                })
                .collect(),
            attachments: self
                .attachments
                .iter()
                .filter(|a| in_sections(&a.field, &theirs))
                .map(|a| ExportedAttachment {
                    field: a.field.clone(),
                    name: a.name.clone(),
                    file_type: a.file_type,
                    size: a.size,
                    uploaded_at: a.uploaded_at,
                })
                .collect(),
        }
    }
}

/// One case as the data subject gets it (the right of access): what it is and where it stands,
/// the installation and their own sections, when each step was taken, the messages that name
/// them, and the files attached to their sections. Not in it: who at the installer or the
/// network company did what (user ids), the installer's e-mail address, other people's
/// sections (a different payer's), and messages that do not name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ExportedCase {
    pub number: String,
    pub company: String,
    pub installation_type: String,
    pub job_type: String,
    pub network_area: String,
    pub status: Status,
    pub status_label: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(with = "crate::form::groups::json")]
    #[schemars(with = "crate::form::groups::json::Schema")]
    pub fields: FieldValues,
    pub history: Vec<ExportedStep>,
    pub attachments: Vec<ExportedAttachment>,
}

/// One step of the case, without who took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ExportedStep {
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub at: OffsetDateTime,
    pub action: Action,
    /// The status after the step.
    pub status: Status,
    /// The step's message, when it names the data subject.
    pub message: Option<String>,
}

/// A file attached to the data subject's sections (its bytes are not in the export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ExportedAttachment {
    pub field: String,
    pub name: String,
    pub file_type: FileType,
    pub size: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub uploaded_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HistoryEntry;
    use crate::case::Role;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

    fn case() -> Case {
        let mut case = crate::case::test_draft(T0);
        case.status = Status::Closed;
        for (id, value) in [
            ("owner.name", "Greta Ek"),
            ("owner.identity_number", "121212+1212"),
            ("payer.name", "Betalare AB"),
            ("payer.identity_number", "20121212-1212"),
            ("installation.ean", "735999100000000018"),
            ("installation.city", "Helsingborg"),
            ("owner.city", "Helsingborg"),
        ] {
            case.fields.insert(id.into(), value.into());
        }
        case.contact_email = Some("anna@demo-el.se".into());
        let step = |message: &str| HistoryEntry {
            at: T0,
            by: "karin".into(),
            role: Some(Role::NetworkCompany),
            action: Action::Message,
            from: Some(Status::Submitted),
            to: Status::Submitted,
            message: Some(message.into()),
        };
        case.history.push(step("Ringde GRETA EK på 19121212-1212 om servisen."));
        case.history.push(step("Betalaren 201212-1212 i Helsingborg har inte svarat."));
        let attachment = |id: &str, field: &str, name: &str| Attachment {
            id: id.into(),
            field: field.into(),
            name: name.into(),
            file_type: FileType::Pdf,
            size: 4,
            uploaded_at: T0,
            uploaded_by: "anna".into(),
        };
        case.attachments.push(attachment("a1", "owner.id_copy", "legitimation.pdf"));
        case.attachments.push(attachment("a2", "work.site_plan", "Greta Ek plan.pdf"));
        case
    }

    #[test]
    fn a_request_names_one_number_with_its_century_or_is_told_what_is_wrong() {
        let today = T0.date();
        // Ten digits with `-` are under 100 years old today, with `+` 100 or older.
        assert_eq!(requested_number("20121212-1212", today), Ok("201212121212".into()));
        assert_eq!(requested_number("121212-1212", today), Ok("201212121212".into()));
        assert_eq!(requested_number("121212+1212", today), Ok("191212121212".into()));
        assert_eq!(requested_number("556074-3089", today), Ok("165560743089".into()));
        let problem = requested_number("121212-1213", today).unwrap_err();
        assert_eq!(problem.field, "identity_number");
        assert_eq!(problem.code, crate::ProblemCode::InvalidCheckDigit);
        assert_eq!(problem.message, "Kontrollsiffran stämmer inte. Kontrollera numret med kunden.");
        let problem = requested_number("12", today).unwrap_err();
        assert_eq!(problem.code, crate::ProblemCode::InvalidFormat);
    }

    #[test]
    fn only_a_case_that_is_over_is_erasable() {
        let mut c = case();
        for status in Status::ALL {
            c.status = status;
            let over = matches!(status, Status::Closed | Status::Withdrawn | Status::Rejected);
            assert_eq!(c.erasable(), over, "{status:?}");
            assert_eq!(c.kept_from_erasure().is_none(), over, "{status:?}");
        }
        c.status = Status::Approved;
        assert_eq!(
            c.kept_from_erasure().unwrap(),
            "Ärendet är Godkänd: uppgifterna behövs tills det är avslutat. Radera dem när det är \
             Avslutat, Makulerat eller Ej godkänt."
        );
    }

    #[test]
    fn the_whole_number_is_compared_with_its_century() {
        let defs = Definitions::builtin();
        let c = case();
        assert_eq!(holding(&c, defs, "191212121212"), ["owner.identity_number"]);
        assert_eq!(holding(&c, defs, "201212121212"), ["payer.identity_number"]);
        assert!(holding(&c, defs, "181212121212").is_empty());
    }

    #[test]
    fn an_erasure_leaves_neither_name_nor_number_anywhere_in_the_case() {
        let mut c = case();
        let version = c.version;
        let erased = c.erase_data_subject(&["owner.identity_number".into()]);
        assert_eq!(erased.attachments.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["a1"]);
        assert_eq!(c.attachments.len(), 1);
        assert_eq!(c.version, version + 1);
        assert_eq!(c.updated_at, T0);
        let text = serde_json::to_string(&c).unwrap();
        assert!(!c.fields.contains_key("owner.identity_number"));
        for gone in ["Greta", "19121212-1212", "121212+1212", "legitimation"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        assert!(text.contains("Ringde [raderat] på [raderat] om servisen."), "{text}");
        // The other person in the case is not erased.
        assert!(text.contains("Betalare AB"), "{text}");
        // Nor what the case holds anyway: the installation's city.
        assert!(text.contains("201212-1212 i Helsingborg har inte"), "{text}");
        assert_eq!(scrub("Hej greta ek!", &erased.values), "Hej [raderat]!");
        // Only as words of their own: another name, another number.
        let values = ["Greta Ek".to_string(), "121212-1212".to_string()];
        let text = "Greta Eklund, 20121212-1212; Greta Ek, 121212-1212.";
        assert_eq!(scrub(text, &values), "Greta Eklund, 20121212-1212; [raderat], [raderat].");
    }

    #[test]
    fn the_export_holds_their_part_and_no_one_elses() {
        let c = case();
        let export = c.export_for_data_subject(&["owner.identity_number".into()]);
        let fields: Vec<&str> = export.fields.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "installation.city",
                "installation.ean",
                "owner.city",
                "owner.identity_number",
                "owner.name"
            ]
        );
        let messages: Vec<Option<&str>> =
            export.history.iter().map(|s| s.message.as_deref()).collect();
        assert_eq!(messages[1..], [Some("Ringde GRETA EK på 19121212-1212 om servisen."), None]);
        assert_eq!(export.attachments.len(), 1);
        let text = serde_json::to_string(&export).unwrap();
        for absent in ["anna", "karin", "Betalare", "201212-1212", "c1"] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
    }
}
