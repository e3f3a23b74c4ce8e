//! The case (anmälan) and its life: statuses, who may move it where, and its history.
//! Over 500 lines with its unit tests, which read best next to the status machine.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::attachment::{Attachment, OpenUpload};
use crate::definitions::{Definitions, FieldKind};
use crate::form::{FieldValues, Form, FormPart, Problem, text_flaw_message};
use crate::formats::{TextFlaw, text_flaw};

mod versions;

/// Where a case is in its life (docs/design.md, glossary).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Ej skickat: only the installer firm sees it.
    Draft,
    /// För godkännande.
    Submitted,
    /// Åter för komplettering.
    Returned,
    /// Godkänd: the installer may do the work.
    Approved,
    /// Ej godkänd.
    Rejected,
    /// Färdiganmäld.
    Completed,
    /// Avslutad.
    Closed,
    /// Makulerad.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Rejected,
        Status::Completed,
        Status::Closed,
        Status::Withdrawn,
    ];

    /// The Swedish name people know from the installers' manual.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Ej skickat",
            Status::Submitted => "För godkännande",
            Status::Returned => "Åter för komplettering",
            Status::Approved => "Godkänd",
            Status::Rejected => "Ej godkänd",
            Status::Completed => "Färdiganmäld",
            Status::Closed => "Avslutad",
            Status::Withdrawn => "Makulerad",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Completed => "completed",
            Status::Closed => "closed",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The network company's inbox, in order: what awaits the company first, what is done
    /// last. A draft is never in it.
    pub const INBOX_ORDER: [Status; 7] = [
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Completed,
        Status::Rejected,
        Status::Withdrawn,
        Status::Closed,
    ];

    /// Where the status comes in the inbox ([`Status::INBOX_ORDER`]), from 0; a draft after
    /// all (9). The stores sort by it, so a stored rank must never change meaning.
    pub fn inbox_rank(self) -> u8 {
        Status::INBOX_ORDER.iter().position(|s| *s == self).map_or(9, |i| i as u8)
    }

    /// The case is over: Avslutad, Ej godkänd or Makulerad. Retention counts from the change
    /// that made it so, and nothing may be written to it any more.
    pub fn ended(self) -> bool {
        matches!(self, Status::Closed | Status::Rejected | Status::Withdrawn)
    }

    /// The installer may change the fields only before the case is sent, or when it was
    /// returned for completion.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }

    /// Whether the installer may change `part` of the form now: the notice while the case is
    /// editable, the completion notice once the case is approved (until it is sent), or
    /// together with the notice when the job needs only a completion notice.
    pub fn part_editable(self, part: FormPart, completion_only: bool) -> bool {
        match part {
            FormPart::Notice => self.editable(),
            FormPart::Completion => self == Status::Approved || completion_only && self.editable(),
        }
    }
}

/// Who acts on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Installer,
    NetworkCompany,
}

/// What can be done to a case; each row of [`Action::transition`] says by whom and from where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Submit,
    Withdraw,
    Approve,
    Return,
    Reject,
    Complete,
    Close,
    /// A message from either side on a sent case; the status stays.
    Message,
    /// An editable case moved to the version of its company's definitions published since
    /// ([`Case::move_to_version`]); the status stays.
    DefinitionsUpdated,
}

/// Why an action is not allowed. `WrongRole` is a 403, `WrongStatus` a 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{role:?} may not {action:?} a case")]
    WrongRole { action: Action, role: Role },
    #[error("cannot {action:?} a case in status {status:?}")]
    WrongStatus { action: Action, status: Status },
}

impl TransitionError {
    /// The Swedish explanation for the person who tried.
    pub fn message(&self) -> String {
        match self {
            TransitionError::WrongRole { role: Role::Installer, .. } => {
                "Det här gör nätbolaget, inte installatören.".into()
            }
            TransitionError::WrongRole { role: Role::NetworkCompany, .. } => {
                "Det här gör installatören, inte nätbolaget.".into()
            }
            TransitionError::WrongStatus { action: Action::Message, status } if status.ended() => {
                format!(
                    "Ärendet är över (status {}): det går inte att skriva fler meddelanden i det.",
                    status.label()
                )
            }
            TransitionError::WrongStatus { status, .. } => format!(
                "Det går inte när anmälan har status {}. Ladda om sidan och se vad som gäller nu.",
                status.label()
            ),
        }
    }
}

impl Action {
    /// Who may take this action; `None`: either side.
    fn actor(self) -> Option<Role> {
        match self {
            Action::Create
            | Action::Submit
            | Action::Withdraw
            | Action::Complete
            | Action::DefinitionsUpdated => Some(Role::Installer),
            Action::Approve | Action::Return | Action::Reject | Action::Close => {
                Some(Role::NetworkCompany)
            }
            Action::Message => None,
        }
    }

    /// The status after this action from `from`, if it is allowed there.
    fn target(self, from: Status) -> Option<Status> {
        use Status::*;
        match (self, from) {
            (Action::Submit, Draft | Returned) => Some(Submitted),
            (Action::Withdraw, Draft | Submitted | Returned) => Some(Withdrawn),
            (Action::Approve, Submitted) => Some(Approved),
            (Action::Return, Submitted) => Some(Returned),
            (Action::Reject, Submitted) => Some(Rejected),
            (Action::Complete, Approved) => Some(Completed),
            // Also an approved case whose work is never done.
            (Action::Close, Approved | Completed | Rejected) => Some(Closed),
            // Both sides may write once the case was sent, until it is over: a message on an
            // ended case would keep personal data past its retention (docs/operations.md, "Retention").
            (Action::Message, Draft) => None,
            (Action::Message, status) if status.ended() => None,
            (Action::Message, status) => Some(status),
            // Only what the installer may still change follows the published definitions.
            (Action::DefinitionsUpdated, Draft | Returned) => Some(from),
            _ => None,
        }
    }

    /// The status machine: the status after `role` does this action from `from`.
    pub fn transition(self, from: Status, role: Role) -> Result<Status, TransitionError> {
        if self.actor().is_some_and(|actor| actor != role) {
            return Err(TransitionError::WrongRole { action: self, role });
        }
        self.target(from).ok_or(TransitionError::WrongStatus { action: self, status: from })
    }
}

/// The network company's answer to a submitted case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Return,
    Reject,
}

/// Longest message to the installer; every message stays in the case's history.
pub const MESSAGE_MAX_CHARS: usize = 2000;

/// Why a decision's message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("a return or a rejection needs a message")]
    MessageRequired,
    #[error("the message is longer than {MESSAGE_MAX_CHARS} characters")]
    MessageTooLong,
    /// Text that is not only text ([`crate::formats::text_flaw`]).
    #[error("the message has a character that is not text")]
    InvalidCharacter(TextFlaw),
}

impl DecisionError {
    pub fn code(self) -> &'static str {
        match self {
            DecisionError::MessageRequired => "message_required",
            DecisionError::MessageTooLong => "message_too_long",
            DecisionError::InvalidCharacter(_) => "invalid_fields",
        }
    }

    /// The Swedish explanation for the network company's case handler.
    pub fn message(self) -> String {
        match self {
            DecisionError::MessageRequired => "Skriv ett meddelande till installatören: vad som \
                ska kompletteras eller varför anmälan inte godkänns."
                .into(),
            DecisionError::MessageTooLong => {
                format!("Meddelandet får vara högst {MESSAGE_MAX_CHARS} tecken.")
            }
            DecisionError::InvalidCharacter(flaw) => {
                format!("Meddelandet {}", text_flaw_message(flaw))
            }
        }
    }
}

impl Decision {
    pub fn action(self) -> Action {
        match self {
            Decision::Approve => Action::Approve,
            Decision::Return => Action::Return,
            Decision::Reject => Action::Reject,
        }
    }

    /// The message that goes with this decision: trimmed, absent when empty, at most
    /// [`MESSAGE_MAX_CHARS`], text that is only text (lines and tabs allowed). A return or a
    /// rejection needs one: the installer must learn what to complete, or why.
    pub fn checked_message(self, message: Option<&str>) -> Result<Option<String>, DecisionError> {
        let message = message.map(str::trim).filter(|m| !m.is_empty());
        if message.is_some_and(|m| m.chars().count() > MESSAGE_MAX_CHARS) {
            return Err(DecisionError::MessageTooLong);
        }
        if let Some(flaw) = message.and_then(|m| text_flaw(m, true)) {
            return Err(DecisionError::InvalidCharacter(flaw));
        }
        if message.is_none() && self != Decision::Approve {
            return Err(DecisionError::MessageRequired);
        }
        Ok(message.map(str::to_string))
    }
}

/// One step in a case's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HistoryEntry {
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub at: OffsetDateTime,
    /// The user id of who did it, or [`AUTOMATIC`] for a rule of the network company's.
    pub by: String,
    /// The side that did it; `None` for an automatic step.
    #[serde(default)]
    pub role: Option<Role>,
    pub action: Action,
    pub from: Option<Status>,
    pub to: Status,
    pub message: Option<String>,
}

/// Who did what the network company's own rules did, as the history names it.
pub const AUTOMATIC: &str = "automatiskt";

/// One notification (anmälan) and its life, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Case {
    pub id: String,
    /// The number people say on the phone, unique per network company: `ÖK-2026-00042`.
    #[serde(default)]
    pub number: String,
    pub company: String,
    pub installation_type: String,
    pub job_type: String,
    pub network_area: String,
    pub status: Status,
    /// Increases by one with every change; a write names the version it read.
    pub version: u64,
    /// The version of its company's definitions it was made or last edited under (1: the
    /// shipped file): it is checked, shown and decided by that version (docs/definitions.md,
    /// "Versions"). Cases stored before versions existed read as 1.
    #[serde(default = "shipped_version")]
    pub definitions_version: u32,
    /// The installer firm that owns the case.
    pub firm: String,
    /// The firm's name when the case was made (the API shows it with the id, `firm`), so that
    /// showing a case needs no read of the firm. Cases made before firms had names have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firm_name: Option<String>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub updated_at: OffsetDateTime,
    /// When it was first sent; the network company's inbox sorts by it.
    #[serde(with = "time::serde::rfc3339::option", default)]
    #[schemars(with = "Option<String>")]
    pub submitted_at: Option<OffsetDateTime>,
    /// In JSON, a group's items as an array (`crate::form::groups`).
    #[serde(with = "crate::form::groups::json")]
    #[schemars(with = "crate::form::groups::json::Schema")]
    pub fields: FieldValues,
    pub history: Vec<HistoryEntry>,
    /// Where the installer's news about the case is mailed: the address of whoever created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// The sides with news from the other side that they have not read yet.
    #[serde(default)]
    pub unread_by: Vec<Role>,
    /// The files attached to its fields of type `file` (bilagor), oldest first.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Upload links given and not yet confirmed (each counts against its field's `max_files`
    /// until it is confirmed or its link has expired).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uploads: Vec<OpenUpload>,
    /// The fields that have held an identity number under the definitions of their time, so
    /// that retention and erasure find them after a change of the definitions no longer
    /// declares them so (`forms::retention`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity_fields: Vec<String>,
}

fn shipped_version() -> u32 {
    1
}

/// Why an action on a case was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A submit with problems; all of them.
    #[error("the case has {} problems", .0.len())]
    Invalid(Vec<Problem>),
}

impl Case {
    /// A new draft, version 1.
    #[allow(clippy::too_many_arguments)]
    pub fn new_draft(
        id: String,
        number: String,
        form: &Form,
        job_type: String,
        network_area: String,
        firm: String,
        by: String,
        at: OffsetDateTime,
    ) -> Case {
        Case {
            id,
            number,
            company: form.company.id.clone(),
            installation_type: form.installation_type.id.clone(),
            job_type,
            network_area,
            status: Status::Draft,
            version: 1,
            definitions_version: form.company.definitions_version,
            firm,
            firm_name: None,
            created_by: by.clone(),
            created_at: at,
            updated_at: at,
            submitted_at: None,
            fields: FieldValues::new(),
            history: vec![HistoryEntry {
                at,
                by,
                role: Some(Role::Installer),
                action: Action::Create,
                from: None,
                to: Status::Draft,
                message: None,
            }],
            contact_email: None,
            unread_by: Vec::new(),
            attachments: Vec::new(),
            uploads: Vec::new(),
            identity_fields: Vec::new(),
        }
    }

    /// Moves the case by the status machine; a submit needs a notice without problems, a
    /// completion notice a complete notice and completion part. The other side has news. A
    /// submit of a job that needs only a completion notice ([`Form::completion_only`]) is
    /// completed in the same change; any other submit that a rule of the company's approves
    /// (`[[auto_approve]]`, [`Form::auto_approval`]) is approved in it, by [`AUTOMATIC`].
    pub fn act(
        &mut self,
        form: &Form,
        action: Action,
        role: Role,
        by: &str,
        at: OffsetDateTime,
        message: Option<String>,
    ) -> Result<(), CaseError> {
        let to = action.transition(self.status, role)?;
        // What the network company sees must be complete, at the submit and at the completion
        // notice alike.
        let problems = match action {
            Action::Submit => self.submit_problems(form),
            Action::Complete => {
                form.validate_case(&self.fields, &self.attachments, FormPart::Completion)
            }
            _ => Vec::new(),
        };
        if !problems.is_empty() {
            return Err(CaseError::Invalid(problems));
        }
        if action == Action::Submit {
            self.submitted_at.get_or_insert(at);
        }
        self.record(at, by, Some(role), action, to, message);
        self.fields_changed(form, at);
        let other = match role {
            Role::Installer => Role::NetworkCompany,
            Role::NetworkCompany => Role::Installer,
        };
        if !self.unread_by.contains(&other) {
            self.unread_by.push(other);
        }
        // A completion-only job was sent with its completion notice, and a rule of the
        // company's may approve a sent case at once; either is part of the submit's change, so
        // no one ever sees the case waiting.
        if action == Action::Submit {
            if form.completion_only(&self.job_type) {
                self.record(at, by, Some(role), Action::Complete, Status::Completed, None);
            } else if let Some(rule) = form.auto_approval(&self.job_type, &self.fields) {
                self.approve_automatically(&rule.description, at)?;
            }
        }
        Ok(())
    }

    /// The form the case is checked against in `definitions`: its company's form of its
    /// installation type, with the fields of its job type.
    pub fn form<'d>(&self, definitions: &'d Definitions) -> Option<Form<'d>> {
        Some(
            definitions
                .case_form(&self.company, &self.installation_type)?
                .for_job_type(&self.job_type),
        )
    }

    /// Whether the installer may change `part` of the case now ([`Status::part_editable`]).
    pub fn part_editable(&self, form: &Form, part: FormPart) -> bool {
        self.status.part_editable(part, form.completion_only(&self.job_type))
    }

    /// The parts of the form an edit of the case's fields may change now.
    pub fn editable_parts(&self, form: &Form) -> Vec<FormPart> {
        [FormPart::Notice, FormPart::Completion]
            .into_iter()
            .filter(|part| self.part_editable(form, *part))
            .collect()
    }

    /// What stops the case from being sent now: the notice, and the completion notice too when
    /// the job needs only that. Each sending is checked against the definitions as they are
    /// then; a case already sent is never checked again by a later change of them, and is not
    /// stopped by an offer the company has since withdrawn.
    pub fn submit_problems(&self, form: &Form) -> Vec<Problem> {
        let mut problems = match self.submitted_at {
            None => form.offer_problems(&self.job_type, &self.network_area),
            Some(_) => Vec::new(),
        };
        problems.extend(form.validate_case(&self.fields, &self.attachments, FormPart::Notice));
        if form.completion_only(&self.job_type) {
            let part = FormPart::Completion;
            problems.extend(form.validate_case(&self.fields, &self.attachments, part));
        }
        problems
    }

    /// Approves a just submitted case by a rule of the network company's (`description` says
    /// which), with no one acting; the installer has news. Part of the submit's change: the
    /// version stays, as both are stored in one write.
    /// The rule acts for the network company, so the status machine decides as for a person.
    fn approve_automatically(
        &mut self,
        description: &str,
        at: OffsetDateTime,
    ) -> Result<(), TransitionError> {
        let to = Action::Approve.transition(self.status, Role::NetworkCompany)?;
        let message = format!("Godkänd automatiskt enligt nätbolagets regel: {description}.");
        self.record(at, AUTOMATIC, None, Action::Approve, to, Some(message));
        if !self.unread_by.contains(&Role::Installer) {
            self.unread_by.push(Role::Installer);
        }
        Ok(())
    }

    fn record(
        &mut self,
        at: OffsetDateTime,
        by: &str,
        role: Option<Role>,
        action: Action,
        to: Status,
        message: Option<String>,
    ) {
        let from = Some(self.status);
        self.history.push(HistoryEntry { at, by: by.to_string(), role, action, from, to, message });
        self.status = to;
    }

    /// Whether `role` has news it has not read.
    pub fn unread_for(&self, role: Role) -> bool {
        self.unread_by.contains(&role)
    }

    /// `role` has read what there is; `false` when there was nothing new (nothing to store).
    pub fn mark_read(&mut self, role: Role) -> bool {
        let before = self.unread_by.len();
        self.unread_by.retain(|r| *r != role);
        self.unread_by.len() != before
    }

    /// A network company sees only what was sent to it: never a draft, not even that it exists,
    /// nor a draft that was withdrawn without ever being sent.
    pub fn visible_to_company(&self) -> bool {
        self.submitted_at.is_some()
    }

    /// Records a change: a new version at `at`.
    pub fn touch(&mut self, at: OffsetDateTime) {
        self.version += 1;
        self.updated_at = at;
    }

    /// Records a change that may have written fields (every edit, and every status change):
    /// notes which of them hold an identity number by `form`'s definitions, then touches.
    pub fn fields_changed(&mut self, form: &Form, at: OffsetDateTime) {
        for id in self.fields.keys() {
            let identity =
                form.field(id).is_some_and(|f| f.field.kind == FieldKind::IdentityNumber);
            if identity && !self.identity_fields.contains(id) {
                self.identity_fields.push(id.clone());
            }
        }
        self.touch(at);
    }

    /// When the case ended ([`Status::ended`]): the first status change into an ended status.
    pub fn ended_at(&self) -> Option<OffsetDateTime> {
        self.history.iter().find(|step| step.to.ended()).map(|step| step.at)
    }
}

/// A draft of Öresundskraft's Säkringsändring made at `at` in Helsingborg by Anna of Demo El AB:
/// the case the core's unit tests start from.
#[cfg(test)]
pub(crate) fn test_draft(at: OffsetDateTime) -> Case {
    let defs = crate::Definitions::builtin();
    let form = defs.form("oresundskraft", "fuse_change").unwrap();
    Case::new_draft(
        "c1".into(),
        "ÖK-2026-00001".into(),
        &form,
        "fuse_change".into(),
        "helsingborg".into(),
        "demo_el".into(),
        "anna".into(),
        at,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installers_path_and_the_network_companys_answers() {
        use Action::*;
        use Role::*;
        use Status::*;
        let allowed = [
            (Submit, Draft, Installer, Submitted),
            (Submit, Returned, Installer, Submitted),
            (Withdraw, Draft, Installer, Withdrawn),
            (Withdraw, Submitted, Installer, Withdrawn),
            (Withdraw, Returned, Installer, Withdrawn),
            (Approve, Submitted, NetworkCompany, Approved),
            (Return, Submitted, NetworkCompany, Returned),
            (Reject, Submitted, NetworkCompany, Rejected),
            (Complete, Approved, Installer, Completed),
            (Close, Approved, NetworkCompany, Closed),
            (Close, Completed, NetworkCompany, Closed),
            (Close, Rejected, NetworkCompany, Closed),
        ];
        for action in [Create, Submit, Withdraw, Approve, Return, Reject, Complete, Close] {
            for from in Status::ALL {
                for role in [Installer, NetworkCompany] {
                    let expected = allowed
                        .iter()
                        .find(|(a, f, r, _)| *a == action && *f == from && *r == role)
                        .map(|(_, _, _, to)| *to);
                    let got = action.transition(from, role);
                    match expected {
                        Some(to) => assert_eq!(got, Ok(to), "{action:?} {from:?} {role:?}"),
                        None => assert!(got.is_err(), "{action:?} {from:?} {role:?} -> {got:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn the_wrong_role_is_told_apart_from_the_wrong_status() {
        assert_eq!(
            Action::Submit.transition(Status::Draft, Role::NetworkCompany),
            Err(TransitionError::WrongRole { action: Action::Submit, role: Role::NetworkCompany })
        );
        assert_eq!(
            Action::Approve.transition(Status::Approved, Role::NetworkCompany),
            Err(TransitionError::WrongStatus { action: Action::Approve, status: Status::Approved })
        );
        assert!(
            TransitionError::WrongStatus { action: Action::Approve, status: Status::Approved }
                .message()
                .contains("Godkänd")
        );
    }

    #[test]
    fn decisions_are_their_actions_and_serialize_in_snake_case() {
        for (decision, action, json) in [
            (Decision::Approve, Action::Approve, "approve"),
            (Decision::Return, Action::Return, "return"),
            (Decision::Reject, Action::Reject, "reject"),
        ] {
            assert_eq!(decision.action(), action);
            assert_eq!(serde_json::to_value(decision).unwrap(), json);
            assert_eq!(serde_json::from_value::<Decision>(json.into()).unwrap(), decision);
        }
    }

    #[test]
    fn a_return_or_a_rejection_needs_a_message() {
        for decision in [Decision::Return, Decision::Reject] {
            for missing in [None, Some(""), Some(" \n\t ")] {
                assert_eq!(
                    decision.checked_message(missing),
                    Err(DecisionError::MessageRequired),
                    "{decision:?} {missing:?}"
                );
            }
            assert_eq!(
                decision.checked_message(Some("  Bifoga situationsplan.\n")),
                Ok(Some("Bifoga situationsplan.".to_string()))
            );
        }
        assert_eq!(Decision::Approve.checked_message(None), Ok(None));
        assert_eq!(Decision::Approve.checked_message(Some("  ")), Ok(None));
        assert_eq!(Decision::Approve.checked_message(Some(" Bra! ")), Ok(Some("Bra!".into())));
    }

    #[test]
    fn a_message_has_at_most_2000_characters_after_trimming() {
        let longest = "å".repeat(MESSAGE_MAX_CHARS);
        let padded = format!("  {longest}  ");
        for decision in [Decision::Approve, Decision::Return, Decision::Reject] {
            assert_eq!(decision.checked_message(Some(&padded)), Ok(Some(longest.clone())));
            let over = format!("{longest}å");
            assert_eq!(decision.checked_message(Some(&over)), Err(DecisionError::MessageTooLong));
        }
    }

    #[test]
    fn a_message_is_only_text_with_lines_and_tabs() {
        let refused = [
            ("Bifoga\u{0} plan.", "styrtecken (U+0000)"),
            ("Bifoga \u{1b}[2Jplan.", "styrtecken (U+001B)"),
            ("Bifoga \u{202E}nalp.", "(U+202E) som vänder textens riktning"),
            ("Bifoga \u{2067}plan\u{2069}.", "(U+2067) som vänder textens riktning"),
        ];
        for decision in [Decision::Approve, Decision::Return, Decision::Reject] {
            for (message, says) in refused {
                let error = decision.checked_message(Some(message)).unwrap_err();
                assert!(matches!(error, DecisionError::InvalidCharacter(_)), "{message:?}");
                assert!(error.message().starts_with("Meddelandet innehåller"), "{message:?}");
                assert!(error.message().contains(says), "{message:?}: {}", error.message());
            }
            let lines = "Bifoga:\n\t- situationsplan\r\n\t- foto\u{200B}";
            assert_eq!(decision.checked_message(Some(lines)), Ok(Some(lines.to_string())));
        }
    }

    #[test]
    fn decision_errors_have_codes_and_swedish_messages() {
        assert_eq!(DecisionError::MessageRequired.code(), "message_required");
        assert_eq!(
            DecisionError::MessageRequired.message(),
            "Skriv ett meddelande till installatören: vad som ska kompletteras eller varför \
             anmälan inte godkänns."
        );
        assert_eq!(DecisionError::MessageTooLong.code(), "message_too_long");
        assert_eq!(
            DecisionError::MessageTooLong.message(),
            "Meddelandet får vara högst 2000 tecken."
        );
    }

    #[test]
    fn the_inbox_shows_what_awaits_the_company_first_and_what_is_done_last() {
        let mut statuses = Status::ALL.to_vec();
        statuses.sort_by_key(|s| s.inbox_rank());
        use Status::*;
        assert_eq!(
            statuses,
            [Submitted, Returned, Approved, Completed, Rejected, Withdrawn, Closed, Draft]
        );
        // The stores keep the rank in their sort keys: these numbers must stay.
        let ranks: Vec<u8> = Status::ALL.iter().map(|s| s.inbox_rank()).collect();
        assert_eq!(ranks, [9, 0, 1, 2, 4, 3, 6, 5]);
    }

    #[test]
    fn statuses_have_the_manuals_names() {
        let labels: Vec<_> = Status::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "Ej skickat",
                "För godkännande",
                "Åter för komplettering",
                "Godkänd",
                "Ej godkänd",
                "Färdiganmäld",
                "Avslutad",
                "Makulerad"
            ]
        );
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
