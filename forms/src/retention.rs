//! How long personal data is kept (docs/operations.md, "Retention"): declared per status, with the periods
//! a network company's definitions set (`[retention]`), counted from [`Case::retention_from`]:
//! a draft's last change, or the status change that ended the case (nothing written after it
//! restarts the clock).
//!
//! | status | identity numbers | the whole case |
//! |---|---|---|
//! | Ej skickat, or Makulerad without ever being sent | with the case | removed after `drafts` |
//! | Avslutad, Makulerad, Ej godkänd | removed after `identity_numbers` | removed after `cases` |
//! | every other status (the case is open) | kept | kept |

use time::{Duration, OffsetDateTime};

use crate::data_subject::spellings;
use crate::definitions::{Company, Definitions, FieldKind};
use crate::{Case, Status};

/// A company's retention periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// A draft never sent.
    pub drafts: Duration,
    /// The identity numbers of a case that is over.
    pub identity_numbers: Duration,
    /// A case that is over, whole.
    pub cases: Duration,
}

/// Drafts: an installer who has not sent a notice in three months has given it up. Identity
/// numbers: six months after a case is over, time enough for questions about it (the
/// installation's owner stays in the company's own registry). Whole cases: three years, the
/// limitation period for claims against a consumer (preskriptionslagen 2 §).
impl Default for Retention {
    fn default() -> Self {
        Retention {
            drafts: Duration::days(90),
            identity_numbers: Duration::days(180),
            cases: Duration::days(3 * 365),
        }
    }
}

/// How long the lookup audit log is kept, on both stores: a year and a month, so that a whole
/// year can always be reviewed.
pub const AUDIT_RETENTION: Duration = Duration::days(400);

/// The statuses in which something of a case is ever removed.
pub const SWEPT: [Status; 4] = [Status::Draft, Status::Closed, Status::Withdrawn, Status::Rejected];

/// What is due for one case now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionStep {
    Keep,
    RemoveIdentityNumbers,
    RemoveCase,
}

impl Retention {
    /// What is due for `case` at `now`, by its status and the time since
    /// [`Case::retention_from`]. A draft withdrawn without ever being sent is a draft given up.
    pub fn step(&self, case: &Case, now: OffsetDateTime) -> RetentionStep {
        let age = now - case.retention_from();
        let never_sent = case.submitted_at.is_none();
        match case.status {
            Status::Draft | Status::Withdrawn if never_sent => {
                if age >= self.drafts {
                    RetentionStep::RemoveCase
                } else {
                    RetentionStep::Keep
                }
            }
            Status::Closed | Status::Withdrawn | Status::Rejected => {
                if age >= self.cases {
                    RetentionStep::RemoveCase
                } else if age >= self.identity_numbers {
                    RetentionStep::RemoveIdentityNumbers
                } else {
                    RetentionStep::Keep
                }
            }
            _ => RetentionStep::Keep,
        }
    }

    /// The shortest period after which anything is removed: older cases are the candidates.
    pub fn shortest(&self) -> Duration {
        self.drafts.min(self.identity_numbers).min(self.cases)
    }
}

/// The ids of the fields that hold identity numbers at `company`: those of type
/// `identity_number`, shared or its own (`None`: a company no longer defined, the shared ones).
pub fn identity_number_fields<'d>(
    definitions: &'d Definitions,
    company: Option<&'d Company>,
) -> Vec<&'d str> {
    let own = company.map(|c| c.fields.as_slice()).unwrap_or_default();
    definitions
        .fields
        .iter()
        .chain(own)
        .filter(|f| f.kind == FieldKind::IdentityNumber)
        .map(|f| f.id.as_str())
        .collect()
}

impl Case {
    /// Where retention counts from: the status change that ended the case ([`Case::ended_at`];
    /// its last change if its history does not say), else its last change (a draft).
    pub fn retention_from(&self) -> OffsetDateTime {
        match self.status.ended() {
            true => self.ended_at().unwrap_or(self.updated_at),
            false => self.updated_at,
        }
    }

    /// The fields of the case that hold identity numbers: those of type `identity_number` in
    /// the definitions now, and those that were so when they were written
    /// ([`Case::identity_fields`]), so that a change of the definitions hides none. The one
    /// rule of which fields retention clears and a data subject's request searches.
    pub fn identity_number_fields(&self, definitions: &Definitions) -> Vec<String> {
        let company = definitions.company(&self.company);
        let mut fields: Vec<String> =
            identity_number_fields(definitions, company).into_iter().map(String::from).collect();
        for id in &self.identity_fields {
            if !fields.contains(id) {
                fields.push(id.clone());
            }
        }
        fields
    }

    /// Removes the identity numbers ([`Case::identity_number_fields`]) from their fields and
    /// from every text of the case, where they become `[raderat]` ([`Case::scrub_texts`]), as
    /// [`Case::remove_values`] does; whether there were any.
    pub fn remove_identity_numbers(&mut self, definitions: &Definitions) -> bool {
        let fields = self.identity_number_fields(definitions);
        let day = self.created_at.date();
        let numbers: Vec<String> = fields
            .iter()
            .filter_map(|id| self.fields.get(id))
            .flat_map(|v| spellings(v, day))
            .collect();
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        if fields.iter().any(|id| self.fields.contains_key(*id)) {
            self.scrub_texts(&numbers);
        }
        self.remove_values(&fields)
    }

    /// Removes the values of `fields` (identity numbers); whether there were any. The version
    /// goes up, so that an open page reloads, but not the time of the last change: that is
    /// what retention counts from.
    pub fn remove_values(&mut self, fields: &[&str]) -> bool {
        let before = self.fields.len();
        self.fields.retain(|id, _| !fields.contains(&id.as_str()));
        let removed = self.fields.len() < before;
        if removed {
            self.version += 1;
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Definitions, Role};
    use time::macros::datetime;

    fn case(status: Status, changed: OffsetDateTime) -> Case {
        let mut case = crate::case::test_draft(changed);
        case.status = status;
        if status != Status::Draft {
            case.submitted_at = Some(changed);
        }
        case
    }

    #[test]
    fn each_status_keeps_its_data_for_its_period() {
        let r = Retention::default();
        let changed = datetime!(2026-01-01 12:00 UTC);
        let at = |days: i64| changed + Duration::days(days);
        for status in Status::ALL {
            let steps: Vec<RetentionStep> = [0, 89, 90, 179, 180, 1094, 1095]
                .map(|d| r.step(&case(status, changed), at(d)))
                .to_vec();
            use RetentionStep::*;
            let expected = match status {
                Status::Draft => {
                    vec![Keep, Keep, RemoveCase, RemoveCase, RemoveCase, RemoveCase, RemoveCase]
                }
                Status::Closed | Status::Withdrawn | Status::Rejected => vec![
                    Keep,
                    Keep,
                    Keep,
                    Keep,
                    RemoveIdentityNumbers,
                    RemoveIdentityNumbers,
                    RemoveCase,
                ],
                _ => vec![Keep; 7],
            };
            assert_eq!(steps, expected, "{status:?}");
            assert_eq!(SWEPT.contains(&status), expected.iter().any(|s| *s != Keep), "{status:?}");
        }
        assert_eq!(r.shortest(), Duration::days(90));
    }

    #[test]
    fn identity_numbers_go_and_the_last_change_stays() {
        let defs = Definitions::builtin();
        let company = defs.company("oresundskraft").unwrap();
        let fields = identity_number_fields(defs, Some(company));
        assert!(
            fields.contains(&"owner.identity_number") && fields.contains(&"payer.identity_number")
        );
        let changed = datetime!(2026-01-01 12:00 UTC);
        let mut c = case(Status::Closed, changed);
        c.fields.insert("owner.identity_number".into(), "19121212-1212".into());
        c.fields.insert("payer.identity_number".into(), "556074-3089".into());
        c.fields.insert("owner.name".into(), "Greta Ek".into());
        let version = c.version;
        assert!(c.remove_values(&fields));
        assert_eq!(c.fields.keys().collect::<Vec<_>>(), ["owner.name"]);
        assert_eq!((c.version, c.updated_at), (version + 1, changed));
        assert!(!c.remove_values(&fields), "nothing left to remove: no new version");
        assert_eq!(c.version, version + 1);
    }

    #[test]
    fn a_draft_withdrawn_without_being_sent_goes_as_a_draft() {
        let r = Retention::default();
        let changed = datetime!(2026-01-01 12:00 UTC);
        let mut c = case(Status::Withdrawn, changed);
        c.submitted_at = None;
        assert_eq!(r.step(&c, changed + Duration::days(89)), RetentionStep::Keep);
        assert_eq!(r.step(&c, changed + Duration::days(90)), RetentionStep::RemoveCase);
    }

    #[test]
    fn the_clock_runs_from_the_change_that_ended_the_case() {
        let defs = Definitions::builtin();
        let form = defs.form("oresundskraft", "fuse_change").unwrap();
        let r = Retention::default();
        let sent = datetime!(2026-01-01 12:00 UTC);
        let mut c = case(Status::Submitted, sent);
        c.act(&form, Action::Reject, Role::NetworkCompany, "karin", sent, Some("Nej.".into()))
            .unwrap();
        // Closed 100 days after the rejection: the case ended at the rejection.
        let closed = sent + Duration::days(100);
        c.act(&form, Action::Close, Role::NetworkCompany, "karin", closed, None).unwrap();
        assert_eq!((c.ended_at(), c.retention_from()), (Some(sent), sent));
        assert_eq!(r.step(&c, sent + Duration::days(180)), RetentionStep::RemoveIdentityNumbers);
        // Nothing may be written to it any more.
        let message = c.act(&form, Action::Message, Role::Installer, "anna", closed, None);
        assert!(matches!(message, Err(crate::CaseError::Transition(_))), "{message:?}");
    }

    #[test]
    fn a_field_once_an_identity_number_stays_one_for_retention() {
        let defs = Definitions::builtin();
        let form = defs.form("oresundskraft", "fuse_change").unwrap();
        let mut c = case(Status::Draft, datetime!(2026-01-01 12:00 UTC));
        c.fields.insert("owner.identity_number".into(), "19121212-1212".into());
        c.fields.insert("owner.name".into(), "Greta Ek".into());
        c.fields_changed(&form, datetime!(2026-01-02 12:00 UTC));
        assert_eq!(c.identity_fields, ["owner.identity_number"]);
        c.history[0].message = Some("Ägaren har 121212+1212, inte 20121212-1212.".into());
        // A later version of the definitions without the field still clears it.
        let mut later = defs.clone();
        later.fields.retain(|f| f.id != "owner.identity_number");
        assert!(
            !identity_number_fields(&later, later.company("oresundskraft"))
                .contains(&"owner.identity_number")
        );
        assert!(c.identity_number_fields(&later).contains(&"owner.identity_number".to_string()));
        assert!(c.remove_identity_numbers(&later));
        assert_eq!(c.fields.keys().collect::<Vec<_>>(), ["owner.name"]);
        // The number is gone from the texts too; another person's stays.
        let message = c.history[0].message.as_deref();
        assert_eq!(message, Some("Ägaren har [raderat], inte 20121212-1212."));
        assert!(!c.remove_identity_numbers(&later), "nothing left: no new version");
    }
}
