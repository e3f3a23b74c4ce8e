//! Handläggningstider: how long a case has waited in each status, and a network company's
//! handling times per month, installation type and network area (docs/api.md,
//! "Handling times"). Pure: every function takes the time it counts to.
//!
//! Definitions, so that a company can tell Energimarknadsinspektionen what it measured:
//! - **Sent → decision** (`sent_to_decision`): from each submit (the first and each one after a
//!   return) to the next decision on it: approve, return or reject, by a person or by the
//!   company's own rules. A submit that is withdrawn before a decision, or still waits, is not
//!   measured; a completion-only job has no decision and is not measured either.
//! - **Completion → closed** (`completion_to_closed`): from the completion notice to the close.
//! - An interval belongs to the month it **ended** in (the decision, the close), in UTC, so a
//!   month's figures do not change once it is over.
//! - **Percentiles** are nearest-rank: of n values sorted ascending, the p-th percentile is the
//!   value at rank ⌈p·n/100⌉ (at least 1). The median is the 50th: the lower middle value when
//!   n is even. Every value is a whole second.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::case::{Action, Case, Status};

/// How long a case has been in one status, all its visits together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct StatusTime {
    pub status: Status,
    /// Whole seconds.
    pub seconds: i64,
    /// The same in Swedish, e.g. "2 dagar 3 timmar" ([`duration_sv`]).
    pub text: String,
}

/// The time `case` has spent in each status it has been in, in the order it first came to
/// them, the current one counted until `now`. An ended status (Avslutad, Ej godkänd, Makulerad)
/// is left out: nobody waits in it. A step dated before the one before it counts as no time.
pub fn status_times(case: &Case, now: OffsetDateTime) -> Vec<StatusTime> {
    let mut times: Vec<(Status, i64)> = Vec::new();
    let mut add = |status: Status, seconds: i64| match times.iter_mut().find(|(s, _)| *s == status)
    {
        Some((_, total)) => *total += seconds,
        None => times.push((status, seconds)),
    };
    for (i, step) in case.history.iter().enumerate() {
        let until = case.history.get(i + 1).map_or(now, |next| next.at);
        if !step.to.ended() {
            add(step.to, (until - step.at).whole_seconds().max(0));
        }
    }
    times
        .into_iter()
        .map(|(status, seconds)| StatusTime { status, seconds, text: duration_sv(seconds) })
        .collect()
}

/// A duration in Swedish as people say it, rounded down: "2 dagar 3 timmar", "1 dag",
/// "5 timmar 10 minuter", "1 minut", "under en minut".
pub fn duration_sv(seconds: i64) -> String {
    let unit = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    let (big, small) = match (days, hours) {
        (1.., _) => {
            (unit(days, "dag", "dagar"), (hours > 0).then(|| unit(hours, "timme", "timmar")))
        }
        (0, 1..) => (
            unit(hours, "timme", "timmar"),
            (minutes > 0).then(|| unit(minutes, "minut", "minuter")),
        ),
        _ if minutes > 0 => (unit(minutes, "minut", "minuter"), None),
        _ => ("under en minut".to_string(), None),
    };
    match small {
        Some(small) => format!("{big} {small}"),
        None => big,
    }
}

/// The two intervals a company is measured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Interval {
    SentToDecision,
    CompletionToClosed,
}

/// One measured interval of one case: which, when it ended, how long it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    pub interval: Interval,
    pub ended: OffsetDateTime,
    pub seconds: i64,
}

/// Every interval of `case` that has ended (module docs).
pub fn measured(case: &Case) -> Vec<Measured> {
    let mut out = Vec::new();
    let mut sent: Option<OffsetDateTime> = None;
    let mut completed: Option<OffsetDateTime> = None;
    for step in &case.history {
        let mut end = |start: &mut Option<OffsetDateTime>, interval| {
            if let Some(start) = start.take() {
                let seconds = (step.at - start).whole_seconds().max(0);
                out.push(Measured { interval, ended: step.at, seconds });
            }
        };
        match step.action {
            Action::Submit => sent = Some(step.at),
            Action::Approve | Action::Return | Action::Reject => {
                end(&mut sent, Interval::SentToDecision)
            }
            Action::Withdraw => sent = None,
            Action::Complete => {
                // A completion-only job is completed in its submit: no decision to wait for.
                sent = None;
                completed = Some(step.at);
            }
            Action::Close => end(&mut completed, Interval::CompletionToClosed),
            Action::Create | Action::Message | Action::DefinitionsUpdated => {}
        }
    }
    out
}

/// Count, median and 90th percentile of a set of durations (nearest-rank); `None` when empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Figures {
    pub count: usize,
    pub median_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
    /// The same in Swedish ([`duration_sv`]), for pages and files.
    pub median_text: Option<String>,
    pub p90_text: Option<String>,
}

impl Figures {
    /// The figures of `values` (in any order).
    pub fn of(mut values: Vec<i64>) -> Figures {
        values.sort_unstable();
        let (median, p90) = (percentile(&values, 50), percentile(&values, 90));
        Figures::known(values.len(), median, p90)
    }

    /// Figures of `count` values with this median and 90th percentile.
    pub fn known(count: usize, median: Option<i64>, p90: Option<i64>) -> Figures {
        Figures {
            count,
            median_seconds: median,
            p90_seconds: p90,
            median_text: median.map(duration_sv),
            p90_text: p90.map(duration_sv),
        }
    }
}

/// The `p`-th percentile (1..=100) of `sorted` (ascending) by nearest rank: the value at rank
/// ⌈p·n/100⌉, at least 1. `None` when empty.
pub fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    let n = sorted.len();
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// One row of a company's handling times: a month, an installation type, a network area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Row {
    /// `YYYY-MM`, the month the intervals ended in (UTC).
    pub month: String,
    pub installation_type: String,
    pub network_area: String,
    pub sent_to_decision: Figures,
    pub completion_to_closed: Figures,
}

/// A month, as `(year, month 1..=12)`; ordered as time is.
pub type Month = (i32, u8);

/// The month `at` is in, in UTC.
pub fn month_of(at: OffsetDateTime) -> Month {
    let at = at.to_offset(time::UtcOffset::UTC);
    (at.year(), u8::from(at.month()))
}

/// `YYYY-MM` of a month.
pub fn month_text((year, month): Month) -> String {
    format!("{year:04}-{month:02}")
}

/// The handling times of `cases` for the months `from..=to`: one row per month, installation
/// type and network area that had any interval end, in that order.
pub fn monthly<'c>(cases: impl IntoIterator<Item = &'c Case>, from: Month, to: Month) -> Vec<Row> {
    type Key = (Month, String, String);
    let mut groups: BTreeMap<Key, [Vec<i64>; 2]> = BTreeMap::new();
    for case in cases {
        for m in measured(case) {
            let month = month_of(m.ended);
            if month < from || month > to {
                continue;
            }
            let key = (month, case.installation_type.clone(), case.network_area.clone());
            groups.entry(key).or_default()[m.interval as usize].push(m.seconds);
        }
    }
    groups
        .into_iter()
        .map(|((month, installation_type, network_area), [sent, completed])| Row {
            month: month_text(month),
            installation_type,
            network_area,
            sent_to_decision: Figures::of(sent),
            completion_to_closed: Figures::of(completed),
        })
        .collect()
}

/// How many days [`queue`] looks back.
pub const QUEUE_DAYS: i64 = 90;

/// What an installer may see of the queue it is in: the company's sent → decision figures for
/// one installation type over the [`QUEUE_DAYS`] days before `now`, and how many of its cases
/// of that type wait for a decision now. Nothing of any single case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Queue {
    pub installation_type: String,
    pub days: i64,
    pub sent_to_decision: Figures,
    /// Cases of that type sent and waiting for a decision (status `submitted`).
    pub waiting: usize,
}

/// [`Queue`] of `installation_type` among `cases` (one company's).
pub fn queue<'c>(
    cases: impl IntoIterator<Item = &'c Case>,
    installation_type: &str,
    now: OffsetDateTime,
) -> Queue {
    let since = now - Duration::days(QUEUE_DAYS);
    let mut values = Vec::new();
    let mut waiting = 0;
    for case in cases.into_iter().filter(|c| c.installation_type == installation_type) {
        waiting += usize::from(case.status == Status::Submitted);
        values.extend(
            measured(case)
                .into_iter()
                .filter(|m| m.interval == Interval::SentToDecision && m.ended > since)
                .filter(|m| m.ended <= now)
                .map(|m| m.seconds),
        );
    }
    Queue {
        installation_type: installation_type.to_string(),
        days: QUEUE_DAYS,
        sent_to_decision: Figures::of(values),
        waiting,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::case::{HistoryEntry, Role, test_draft};

    /// A step of a fixture case.
    fn step(at: OffsetDateTime, action: Action, to: Status) -> HistoryEntry {
        let role = match action {
            Action::Approve | Action::Return | Action::Reject | Action::Close => {
                Role::NetworkCompany
            }
            _ => Role::Installer,
        };
        HistoryEntry { at, by: "x".into(), role: Some(role), action, from: None, to, message: None }
    }

    /// A case of `installation_type` in `area` with `steps` after its creation on 1 January.
    fn case(installation_type: &str, area: &str, steps: Vec<HistoryEntry>) -> Case {
        let mut case = test_draft(datetime!(2026-01-01 08:00 UTC));
        case.installation_type = installation_type.into();
        case.network_area = area.into();
        case.status = steps.last().map_or(Status::Draft, |s| s.to);
        case.history.extend(steps);
        case
    }

    const H: i64 = 3600;
    const D: i64 = 86_400;

    /// The fixture: cases with known times.
    fn fixture() -> Vec<Case> {
        use Action::*;
        use Status::*;
        vec![
            // Sent 2 Jan 08:00, approved 4 Jan 11:00 (2 d 3 h), completed 10 Jan, closed 12 Jan
            // 10:00 (2 d).
            case(
                "fuse_change",
                "helsingborg",
                vec![
                    step(datetime!(2026-01-02 08:00 UTC), Submit, Submitted),
                    step(datetime!(2026-01-04 11:00 UTC), Approve, Approved),
                    step(datetime!(2026-01-10 10:00 UTC), Complete, Completed),
                    step(datetime!(2026-01-12 10:00 UTC), Close, Closed),
                ],
            ),
            // Sent, returned after 1 h, sent again, rejected after 5 h: two decisions.
            case(
                "fuse_change",
                "helsingborg",
                vec![
                    step(datetime!(2026-01-05 09:00 UTC), Submit, Submitted),
                    step(datetime!(2026-01-05 10:00 UTC), Return, Returned),
                    step(datetime!(2026-01-06 09:00 UTC), Submit, Submitted),
                    step(datetime!(2026-01-06 14:00 UTC), Reject, Rejected),
                ],
            ),
            // Sent 31 Jan 20:00, approved 1 Feb 02:00 (6 h): counts in February.
            case(
                "fuse_change",
                "helsingborg",
                vec![
                    step(datetime!(2026-01-31 20:00 UTC), Submit, Submitted),
                    step(datetime!(2026-02-01 02:00 UTC), Approve, Approved),
                ],
            ),
            // Another area; sent and withdrawn: not measured; then one still waiting.
            case(
                "fuse_change",
                "angelholm",
                vec![
                    step(datetime!(2026-01-03 08:00 UTC), Submit, Submitted),
                    step(datetime!(2026-01-03 09:00 UTC), Withdraw, Withdrawn),
                ],
            ),
            case(
                "fuse_change",
                "angelholm",
                vec![step(datetime!(2026-01-20 08:00 UTC), Submit, Submitted)],
            ),
            // Another type, approved after 10 days; a message on the way changes nothing.
            case(
                "service_change",
                "helsingborg",
                vec![
                    step(datetime!(2026-01-10 12:00 UTC), Submit, Submitted),
                    step(datetime!(2026-01-11 12:00 UTC), Message, Submitted),
                    step(datetime!(2026-01-20 12:00 UTC), Approve, Approved),
                ],
            ),
            // A completion-only job: completed in its submit, closed 1 day later.
            case(
                "fuse_change",
                "helsingborg",
                vec![
                    step(datetime!(2026-01-15 08:00 UTC), Submit, Submitted),
                    step(datetime!(2026-01-15 08:00 UTC), Complete, Completed),
                    step(datetime!(2026-01-16 08:00 UTC), Close, Closed),
                ],
            ),
        ]
    }

    fn figures(count: usize, median: Option<i64>, p90: Option<i64>) -> Figures {
        Figures::known(count, median, p90)
    }

    #[test]
    fn the_fixtures_monthly_figures_are_known() {
        let rows = monthly(&fixture(), (2026, 1), (2026, 2));
        let none = figures(0, None, None);
        let row = |month: &str, t: &str, a: &str, sent, done| Row {
            month: month.into(),
            installation_type: t.into(),
            network_area: a.into(),
            sent_to_decision: sent,
            completion_to_closed: done,
        };
        assert_eq!(
            rows,
            vec![
                // January, fuse_change, Helsingborg: 2 d 3 h, 1 h, 5 h -> sorted 1 h, 5 h, 51 h;
                // median rank 2, p90 rank 3. Closed: 2 d and 1 d -> median rank 1, p90 rank 2.
                row(
                    "2026-01",
                    "fuse_change",
                    "helsingborg",
                    figures(3, Some(5 * H), Some(2 * D + 3 * H)),
                    figures(2, Some(D), Some(2 * D)),
                ),
                row(
                    "2026-01",
                    "service_change",
                    "helsingborg",
                    figures(1, Some(10 * D), Some(10 * D)),
                    none.clone()
                ),
                row(
                    "2026-02",
                    "fuse_change",
                    "helsingborg",
                    figures(1, Some(6 * H), Some(6 * H)),
                    none
                ),
            ]
        );
        // Only February.
        assert_eq!(monthly(&fixture(), (2026, 2), (2026, 2)).len(), 1);
        assert!(monthly(&fixture(), (2026, 3), (2026, 12)).is_empty());
    }

    #[test]
    fn the_queue_counts_the_last_90_days_and_who_waits() {
        let now = datetime!(2026-02-10 00:00 UTC);
        let q = queue(&fixture(), "fuse_change", now);
        assert_eq!(q.sent_to_decision, figures(4, Some(5 * H), Some(2 * D + 3 * H)));
        assert_eq!(q.waiting, 1);
        // 90 days on, only the decision of 1 February is left.
        let later = queue(&fixture(), "fuse_change", datetime!(2026-04-07 00:00 UTC));
        assert_eq!(later.sent_to_decision, figures(1, Some(6 * H), Some(6 * H)));
        assert_eq!(queue(&fixture(), "extension", now).sent_to_decision, figures(0, None, None));
    }

    #[test]
    fn time_per_status_counts_every_visit_and_the_current_one_until_now() {
        let cases = fixture();
        let times = |c: &Case, now| {
            status_times(c, now).into_iter().map(|t| (t.status, t.seconds)).collect::<Vec<_>>()
        };
        let now = datetime!(2026-03-01 00:00 UTC);
        // Created 1 Jan 08:00, sent 2 Jan 08:00, ...; Avslutad is left out.
        assert_eq!(
            times(&cases[0], now),
            vec![
                (Status::Draft, D),
                (Status::Submitted, 2 * D + 3 * H),
                (Status::Approved, 5 * D + 23 * H),
                (Status::Completed, 2 * D),
            ]
        );
        // Two visits to För godkännande: 1 h + 5 h.
        assert_eq!(
            times(&cases[1], now),
            vec![
                (Status::Draft, 4 * D + H),
                (Status::Submitted, 6 * H),
                (Status::Returned, 23 * H),
            ]
        );
        // Still waiting: until now. A message does not change the status.
        assert_eq!(
            times(&cases[4], datetime!(2026-01-22 09:30 UTC))[1],
            (Status::Submitted, 2 * D + 5400)
        );
        assert_eq!(times(&cases[5], now)[1], (Status::Submitted, 10 * D));
        let texts: Vec<String> = status_times(&cases[0], now).into_iter().map(|t| t.text).collect();
        assert_eq!(texts, ["1 dag", "2 dagar 3 timmar", "5 dagar 23 timmar", "2 dagar"]);
    }

    #[test]
    fn durations_in_swedish() {
        for (seconds, text) in [
            (0, "under en minut"),
            (59, "under en minut"),
            (60, "1 minut"),
            (150, "2 minuter"),
            (H, "1 timme"),
            (H + 60, "1 timme 1 minut"),
            (5 * H + 10 * 60, "5 timmar 10 minuter"),
            (D, "1 dag"),
            (D + H + 59 * 60, "1 dag 1 timme"),
            (2 * D + 3 * H, "2 dagar 3 timmar"),
            (40 * D, "40 dagar"),
        ] {
            assert_eq!(duration_sv(seconds), text);
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 50), Some(7));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[1, 2], 50), Some(1));
        assert_eq!(percentile(&[1, 2], 90), Some(2));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 50), Some(5));
        assert_eq!(percentile(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(percentile(&eleven, 90), Some(10));
        assert_eq!(percentile(&eleven, 100), Some(11));
    }

    proptest::proptest! {
        /// The nearest-rank percentile is a value of the set, with at least p % of the values
        /// at or below it and fewer than p % strictly below it.
        #[test]
        fn a_percentile_is_the_nearest_rank(mut values in proptest::collection::vec(0i64..1000, 1..60), p in 1usize..=100) {
            values.sort_unstable();
            let v = percentile(&values, p).unwrap();
            let n = values.len();
            let at_or_below = values.iter().filter(|x| **x <= v).count();
            let below = values.iter().filter(|x| **x < v).count();
            proptest::prop_assert!(values.contains(&v));
            proptest::prop_assert!(at_or_below * 100 >= p * n);
            proptest::prop_assert!(below * 100 < p * n);
        }
    }
}
