//! What the installation's customer sees through a customer link ("Kundlänk"): the case's
//! number, its network company, its status and the dates of its steps, and nothing else of the
//! case (no name, address, number or message). And how long such a link may work.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::retention::{Retention, RetentionStep};
use crate::{Case, Status};

/// A case as its customer link shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CustomerStatus {
    /// The case number, as the installer and the network company say it.
    pub number: String,
    /// The network company's name.
    pub company: String,
    pub status: Status,
    /// The status in Swedish.
    pub status_label: String,
    /// When the notice was first sent.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub sent_at: Option<OffsetDateTime>,
    /// When the network company last decided (approved or rejected), if it has.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub decided_at: Option<OffsetDateTime>,
    /// When the installer reported the work done (färdiganmälan), if it has.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub completed_at: Option<OffsetDateTime>,
    /// When the case was closed (Avslutad) or withdrawn (Makulerad), if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>")]
    pub closed_at: Option<OffsetDateTime>,
}

impl CustomerStatus {
    /// What the customer link of `case` shows; `company_name` is its network company's name.
    pub fn of(case: &Case, company_name: &str) -> CustomerStatus {
        let last_to = |statuses: &[Status]| {
            case.history.iter().rev().find(|step| statuses.contains(&step.to)).map(|s| s.at)
        };
        let closed = case
            .history
            .iter()
            .find(|step| matches!(step.to, Status::Closed | Status::Withdrawn))
            .map(|step| step.at)
            .filter(|_| case.submitted_at.is_some());
        CustomerStatus {
            number: case.number.clone(),
            company: company_name.to_string(),
            status: case.status,
            status_label: case.status.label().to_string(),
            sent_at: case.submitted_at,
            decided_at: last_to(&[Status::Approved, Status::Rejected]),
            completed_at: last_to(&[Status::Completed]),
            closed_at: closed,
        }
    }
}

/// Whether `case` may have a customer link at `now`: it was sent, and nothing of its personal
/// data is due for removal (a link expires with the case's retention).
pub fn may_have_link(case: &Case, retention: &Retention, now: OffsetDateTime) -> bool {
    case.submitted_at.is_some() && retention.step(case, now) == RetentionStep::Keep
}

/// When a customer link made at `made` expires at the latest: after the company's retention of
/// whole cases (three years by default). It stops working sooner when the case's personal data
/// is removed ([`may_have_link`]).
pub fn link_expiry(retention: &Retention, made: OffsetDateTime) -> OffsetDateTime {
    made + retention.cases.max(Duration::DAY)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::{Action, HistoryEntry, Role};

    fn step(at: OffsetDateTime, to: Status) -> HistoryEntry {
        HistoryEntry {
            at,
            by: "u".into(),
            role: Some(Role::NetworkCompany),
            action: Action::Approve,
            from: None,
            to,
            message: Some("Hej Anna Andersson".into()),
        }
    }

    #[test]
    fn the_status_has_the_dates_of_its_steps_and_nothing_personal() {
        let t0 = datetime!(2026-05-01 08:00 UTC);
        let mut case = crate::case::test_draft(t0);
        case.number = "ÖK-2026-00001".into();
        case.submitted_at = Some(t0 + Duration::hours(1));
        case.status = Status::Completed;
        case.history.push(step(t0 + Duration::hours(1), Status::Submitted));
        case.history.push(step(t0 + Duration::hours(2), Status::Returned));
        case.history.push(step(t0 + Duration::hours(3), Status::Approved));
        case.history.push(step(t0 + Duration::hours(4), Status::Completed));
        let status = CustomerStatus::of(&case, "Öresundskraft");
        assert_eq!(status.sent_at, Some(t0 + Duration::hours(1)));
        assert_eq!(status.decided_at, Some(t0 + Duration::hours(3)));
        assert_eq!(status.completed_at, Some(t0 + Duration::hours(4)));
        assert_eq!(status.closed_at, None);
        assert_eq!(status.status_label, "Färdiganmäld");
        let json = serde_json::to_string(&status).unwrap();
        assert!(!json.contains("Anna"), "{json}");
    }

    #[test]
    fn a_link_works_only_for_a_sent_case_whose_data_is_kept() {
        let t0 = datetime!(2026-05-01 08:00 UTC);
        let retention = Retention::default();
        let mut case = crate::case::test_draft(t0);
        assert!(!may_have_link(&case, &retention, t0));
        case.submitted_at = Some(t0);
        case.status = Status::Closed;
        case.history.push(step(t0, Status::Closed));
        assert!(may_have_link(&case, &retention, t0 + Duration::days(1)));
        assert!(!may_have_link(&case, &retention, t0 + retention.identity_numbers));
        assert_eq!(link_expiry(&retention, t0), t0 + retention.cases);
    }
}
