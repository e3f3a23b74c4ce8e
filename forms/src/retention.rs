//! How long personal data is kept (README, "Retention"): declared per status, with the periods
//! a network company's definitions set (`[retention]`), counted from a case's last change.
//!
//! | status | identity numbers | the whole case |
//! |---|---|---|
//! | Ej skickat (a draft never sent) | with the case | removed after `drafts` |
//! | Avslutad, Makulerad, Ej godkänd | removed after `identity_numbers` | removed after `cases` |
//! | every other status (the case is open) | kept | kept |

use time::{Duration, OffsetDateTime};

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
    /// What is due for `case` at `now`, by its status and the time since its last change.
    pub fn step(&self, case: &Case, now: OffsetDateTime) -> RetentionStep {
        let age = now - case.updated_at;
        match case.status {
            Status::Draft if age >= self.drafts => RetentionStep::RemoveCase,
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
    use crate::Definitions;
    use time::macros::datetime;

    fn case(status: Status, changed: OffsetDateTime) -> Case {
        let defs = Definitions::builtin();
        let form = defs.form("oresundskraft", "fuse_change").unwrap();
        let mut case = Case::new_draft(
            "c1".into(),
            "ÖK-2026-00001".into(),
            &form,
            "fuse_change".into(),
            "helsingborg".into(),
            "demo_el".into(),
            "anna".into(),
            changed,
        );
        case.status = status;
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
}
