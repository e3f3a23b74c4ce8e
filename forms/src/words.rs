//! The words and moves the pages show, from the rules they name: the site embeds them as data
//! at build time and the API answers a case with the moves the caller may make now, so no page
//! keeps a list of its own (a label or a rule changed here changes every page).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::case::{AUTOMATIC, Action, Role, Status};
use crate::definitions::LookupLimit;
use crate::lookup::LookupKey;

/// A move a person may make on a case, as the API names it in a case's `actions` (CONTRACT
/// section 6): the status machine's actions, and editing and looking up the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// Change the notice's fields (Redigera, Spara).
    Edit,
    /// "Hämta anl-data".
    Lookup,
    Submit,
    Withdraw,
    Approve,
    Return,
    Reject,
    Complete,
    Close,
    Message,
}

impl Move {
    pub const ALL: [Move; 10] = [
        Move::Edit,
        Move::Lookup,
        Move::Submit,
        Move::Withdraw,
        Move::Approve,
        Move::Return,
        Move::Reject,
        Move::Complete,
        Move::Close,
        Move::Message,
    ];

    /// The status machine's action, for the moves that are one.
    fn action(self) -> Option<Action> {
        match self {
            Move::Edit | Move::Lookup => None,
            Move::Submit => Some(Action::Submit),
            Move::Withdraw => Some(Action::Withdraw),
            Move::Approve => Some(Action::Approve),
            Move::Return => Some(Action::Return),
            Move::Reject => Some(Action::Reject),
            Move::Complete => Some(Action::Complete),
            Move::Close => Some(Action::Close),
            Move::Message => Some(Action::Message),
        }
    }

    /// Whether `role` may make this move on a case in `status`.
    pub fn allowed(self, status: Status, role: Role) -> bool {
        match self.action() {
            Some(action) => action.transition(status, role).is_ok(),
            // Editing and looking up change the notice: the installer's, while it is editable.
            None => role == Role::Installer && status.editable(),
        }
    }

    /// The word on its button.
    pub fn label(self) -> &'static str {
        match self {
            Move::Edit => "Redigera",
            Move::Lookup => "Hämta anl-data",
            Move::Submit => "Skicka",
            Move::Withdraw => "Makulera",
            Move::Approve => "Godkänn",
            Move::Return => "Åter för komplettering",
            Move::Reject => "Ej godkänd",
            Move::Complete => "Skicka färdiganmälan",
            Move::Close => "Avsluta",
            Move::Message => "Skicka meddelande",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Move::Edit => "edit",
            Move::Lookup => "lookup",
            Move::Submit => "submit",
            Move::Withdraw => "withdraw",
            Move::Approve => "approve",
            Move::Return => "return",
            Move::Reject => "reject",
            Move::Complete => "complete",
            Move::Close => "close",
            Move::Message => "message",
        }
    }
}

/// The moves `role` may make on a case in `status`, in [`Move::ALL`]'s order.
pub fn moves(status: Status, role: Role) -> Vec<Move> {
    Move::ALL.into_iter().filter(|m| m.allowed(status, role)).collect()
}

impl Role {
    /// The side as the history names it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Installer => "Installatören",
            Role::NetworkCompany => "Nätbolaget",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Installer => "installer",
            Role::NetworkCompany => "network_company",
        }
    }
}

impl Action {
    /// What the history says was done.
    pub fn done(self) -> &'static str {
        match self {
            Action::Create => "Skapad",
            Action::Submit => "Skickad",
            Action::Withdraw => "Makulerad",
            Action::Approve => "Godkänd",
            Action::Return => "Åter för komplettering",
            Action::Reject => "Ej godkänd",
            Action::Complete => "Färdiganmäld",
            Action::Close => "Avslutad",
            Action::Message => "Meddelande",
            Action::DefinitionsUpdated => "Formuläret uppdaterat",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Approve => "approve",
            Action::Return => "return",
            Action::Reject => "reject",
            Action::Complete => "complete",
            Action::Close => "close",
            Action::Message => "message",
            Action::DefinitionsUpdated => "definitions_updated",
        }
    }

    pub const ALL: [Action; 10] = [
        Action::Create,
        Action::Submit,
        Action::Withdraw,
        Action::Approve,
        Action::Return,
        Action::Reject,
        Action::Complete,
        Action::Close,
        Action::Message,
        Action::DefinitionsUpdated,
    ];
}

/// The history's word for a submit of a case that was returned.
pub const SENT_AGAIN: &str = "Skickad igen";
/// The history's name for [`AUTOMATIC`], a step by a rule of the network company's.
pub const AUTOMATIC_LABEL: &str = "Automatiskt";

impl Status {
    /// What the installer reads under the status: what happens now and what to do. `None` for
    /// a draft, which needs no words.
    pub fn guidance(self) -> Option<&'static str> {
        match self {
            Status::Draft => None,
            Status::Submitted => Some("Anmälan är skickad och kan inte ändras."),
            Status::Returned => Some("Rätta det som nätbolaget ber om och skicka anmälan igen."),
            Status::Approved => Some("Arbetet får utföras. Skicka färdiganmälan när det är klart."),
            Status::Rejected | Status::Completed | Status::Closed | Status::Withdrawn => {
                Some("Anmälan kan inte ändras.")
            }
        }
    }
}

/// The statuses of the network company's inbox filter, in its order: every status of a case
/// it can see, that is every one but the draft.
pub fn inbox_statuses() -> Vec<Status> {
    Status::ALL.into_iter().filter(|s| *s != Status::Draft).collect()
}

/// What an audit entry records: a lookup, or a company's act on a data subject's cases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAct {
    /// "Hämta anl-data".
    #[default]
    Lookup,
    /// The company listed the cases that hold a person's or organisation's identity number.
    DataSubjectSearch,
    /// It exported them (the data subject's right of access).
    DataSubjectExport,
    /// It erased that person's data from those of them that are over.
    DataSubjectErasure,
    /// A company admin published a version of the company's definitions ("Formulär");
    /// `case_number` names the version ("version 3").
    DefinitionsPublished,
}

impl AuditAct {
    pub const ALL: [AuditAct; 5] = [
        AuditAct::Lookup,
        AuditAct::DataSubjectSearch,
        AuditAct::DataSubjectExport,
        AuditAct::DataSubjectErasure,
        AuditAct::DefinitionsPublished,
    ];

    /// What it was, as the audit log's "sökt på" says; `None` for a lookup, which says what
    /// it was made by ([`LookupKey::label`]).
    pub fn label(self) -> Option<&'static str> {
        match self {
            AuditAct::Lookup => None,
            AuditAct::DataSubjectSearch => Some("registerutdrag: sökning på personnummer"),
            AuditAct::DataSubjectExport => Some("registerutdrag: export"),
            AuditAct::DataSubjectErasure => Some("radering av personuppgifter"),
            AuditAct::DefinitionsPublished => Some("formulär publicerat"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAct::Lookup => "lookup",
            AuditAct::DataSubjectSearch => "data_subject_search",
            AuditAct::DataSubjectExport => "data_subject_export",
            AuditAct::DataSubjectErasure => "data_subject_erasure",
            AuditAct::DefinitionsPublished => "definitions_published",
        }
    }
}

impl LookupKey {
    pub const ALL: [LookupKey; 3] =
        [LookupKey::Ean, LookupKey::MeterNumber, LookupKey::EanAndMeterNumber];

    /// What a lookup was made by, as the audit log's "sökt på" says.
    pub fn label(self) -> &'static str {
        match self {
            LookupKey::Ean => "anläggnings-ID",
            LookupKey::MeterNumber => "mätarnummer",
            LookupKey::EanAndMeterNumber => "anläggnings-ID och mätarnummer",
        }
    }
}

impl LookupLimit {
    pub fn as_str(self) -> &'static str {
        match self {
            LookupLimit::PerUserPerMinute => "per_user_per_minute",
            LookupLimit::PerUserPerHour => "per_user_per_hour",
            LookupLimit::PerUserPerDay => "per_user_per_day",
            LookupLimit::PerFirmPerDay => "per_firm_per_day",
        }
    }
}

/// The audit log's "sökt på" for an entry: its act, or for a lookup its key.
pub fn audit_searched_by(act: AuditAct, by: Option<LookupKey>) -> &'static str {
    act.label().or(by.map(LookupKey::label)).unwrap_or("")
}

/// The case page's words: the statuses', the moves', the history's, the sides', and the
/// installer's guidance per status.
#[derive(Debug, Serialize)]
pub struct CaseWords {
    /// Status -> its label.
    pub statuses: serde_json::Map<String, serde_json::Value>,
    /// Move -> the word on its button.
    pub moves: serde_json::Map<String, serde_json::Value>,
    /// Action -> what the history says was done.
    pub done: serde_json::Map<String, serde_json::Value>,
    /// Role -> the side's name.
    pub roles: serde_json::Map<String, serde_json::Value>,
    /// Status -> the installer's guidance.
    pub guidance: serde_json::Map<String, serde_json::Value>,
    pub sent_again: &'static str,
    /// The history's `by` for an automatic step, and the word it shows.
    pub automatic: [&'static str; 2],
}

/// The audit page's words for "Sökt på" and "Hittad", as the CSV spells them.
#[derive(Debug, Serialize)]
pub struct AuditWords {
    pub acts: serde_json::Map<String, serde_json::Value>,
    pub keys: serde_json::Map<String, serde_json::Value>,
    pub limits: serde_json::Map<String, serde_json::Value>,
}

fn map<T: Copy>(
    items: impl IntoIterator<Item = T>,
    word: impl Fn(T) -> Option<(&'static str, &'static str)>,
) -> serde_json::Map<String, serde_json::Value> {
    items.into_iter().filter_map(word).map(|(k, v)| (k.to_string(), v.into())).collect()
}

pub fn case_words() -> CaseWords {
    CaseWords {
        statuses: map(Status::ALL, |s| Some((s.as_str(), s.label()))),
        moves: map(Move::ALL, |m| Some((m.as_str(), m.label()))),
        done: map(Action::ALL, |a| Some((a.as_str(), a.done()))),
        roles: map([Role::Installer, Role::NetworkCompany], |r| Some((r.as_str(), r.label()))),
        guidance: map(Status::ALL, |s| s.guidance().map(|g| (s.as_str(), g))),
        sent_again: SENT_AGAIN,
        automatic: [AUTOMATIC, AUTOMATIC_LABEL],
    }
}

pub fn audit_words() -> AuditWords {
    AuditWords {
        acts: map(AuditAct::ALL, |a| a.label().map(|l| (a.as_str(), l))),
        keys: map(LookupKey::ALL, |k| Some((k.as_str(), k.label()))),
        limits: map(LookupLimit::ALL, |l| Some((l.as_str(), l.describe()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_status_machine() {
        use Move::*;
        let installer = |s| moves(s, Role::Installer);
        let company = |s| moves(s, Role::NetworkCompany);
        assert_eq!(installer(Status::Draft), [Edit, Lookup, Submit, Withdraw]);
        assert_eq!(installer(Status::Returned), [Edit, Lookup, Submit, Withdraw, Message]);
        assert_eq!(installer(Status::Submitted), [Withdraw, Message]);
        assert_eq!(installer(Status::Approved), [Complete, Message]);
        assert_eq!(company(Status::Submitted), [Approve, Return, Reject, Message]);
        assert_eq!(company(Status::Approved), [Close, Message]);
        assert_eq!(company(Status::Completed), [Close, Message]);
        assert_eq!(company(Status::Rejected), [Close]);
        for ended in [Status::Closed, Status::Withdrawn] {
            assert!(installer(ended).is_empty() && company(ended).is_empty());
        }
    }

    #[test]
    fn names_are_those_the_api_uses() {
        for m in Move::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        }
        for a in Action::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        for a in AuditAct::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        for l in LookupLimit::ALL {
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
        }
        assert_eq!(serde_json::to_value(Role::NetworkCompany).unwrap(), "network_company");
    }

    #[test]
    fn the_audit_log_says_what_was_searched_by() {
        assert_eq!(audit_searched_by(AuditAct::Lookup, Some(LookupKey::Ean)), "anläggnings-ID");
        assert_eq!(audit_searched_by(AuditAct::Lookup, None), "");
        assert_eq!(
            audit_searched_by(AuditAct::DataSubjectErasure, Some(LookupKey::Ean)),
            "radering av personuppgifter"
        );
    }
}

/// The state of a version of a network company's own definitions file ("Formulär").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    /// Never published.
    Draft,
    /// What new cases and the company's pages use.
    Published,
    /// Published once, and no longer.
    Retired,
}

impl VersionState {
    /// The state of `version` when `published` is the published one and `ever` those published
    /// before; the shipped file (1) was the published one until another was.
    pub fn of(version: u32, published: u32, ever: &[u32]) -> VersionState {
        if version == published {
            VersionState::Published
        } else if version == 1 || ever.contains(&version) {
            VersionState::Retired
        } else {
            VersionState::Draft
        }
    }

    /// As "Formulär" says it.
    pub fn label(self) -> &'static str {
        match self {
            VersionState::Draft => "Utkast",
            VersionState::Published => "Publicerad",
            VersionState::Retired => "Tidigare publicerad",
        }
    }
}

#[cfg(test)]
mod version_states {
    use super::VersionState;

    #[test]
    fn a_version_is_published_retired_or_a_draft() {
        // Version 3 published, after 2; 4 never.
        let ever = [2, 3];
        assert_eq!(VersionState::of(3, 3, &ever), VersionState::Published);
        assert_eq!(VersionState::of(2, 3, &ever), VersionState::Retired);
        assert_eq!(VersionState::of(1, 3, &ever), VersionState::Retired, "the shipped file");
        assert_eq!(VersionState::of(4, 3, &ever), VersionState::Draft);
        assert_eq!(VersionState::of(1, 1, &[]), VersionState::Published);
        assert_eq!(VersionState::Retired.label(), "Tidigare publicerad");
    }
}
