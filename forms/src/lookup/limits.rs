//! The caps on lookups (`[lookup_limits]`, docs/operations.md, "Lookup limits") as pure rules: which counts
//! a lookup adds one to and in which order they are checked ([`Company::lookup_counts`]), and
//! what a lookup that a cap refused is told ([`Company::lookup_refusal`]). The store keeps the
//! counts, so that every instance of the handler shares them.

use time::{Duration, OffsetDateTime};

use crate::definitions::{Company, LookupLimit};

impl LookupLimit {
    /// The caps, the longest window first: the store reports the first cap reached, so a
    /// refusal names the cap that holds longest.
    pub const LONGEST_FIRST: [LookupLimit; 4] = [
        LookupLimit::PerFirmPerDay,
        LookupLimit::PerUserPerDay,
        LookupLimit::PerUserPerHour,
        LookupLimit::PerUserPerMinute,
    ];
}

/// One lookup's use of one cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupCount {
    pub limit: LookupLimit,
    /// What the store counts under: the company, the cap, whose count it is (the user's, or the
    /// installer firm's) and which window. Stored counts are found by it: it must not change.
    pub key: String,
    /// The most lookups the cap allows in its window.
    pub cap: u64,
    /// How long the count is kept: its window and a minute more, so that it is never gone
    /// while it counts.
    pub lifetime: Duration,
}

/// A lookup that a cap refused: 429, when to try again, and what the installer is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupRefusal {
    /// Seconds until the cap's window ends (at least 1).
    pub retry_after: u64,
    /// In Swedish: the company, the cap and when to try again.
    pub message: String,
    /// The first refusal by a cap in its window goes in the company's audit log, once under
    /// this key; later ones do not (a script that keeps trying would otherwise fill it).
    pub once_key: String,
}

impl Company {
    /// What a lookup at `at` by `user` of the installer firm `firm` counts against: one use of
    /// each of the company's caps, in the order of [`LookupLimit::LONGEST_FIRST`].
    pub fn lookup_counts(&self, firm: &str, user: &str, at: OffsetDateTime) -> Vec<LookupCount> {
        let now = at.unix_timestamp();
        LookupLimit::LONGEST_FIRST
            .into_iter()
            .map(|limit| {
                let window = limit.window_seconds();
                let who = if limit.per_firm() { format!("firm#{firm}") } else { user.to_string() };
                LookupCount {
                    limit,
                    key: format!("lookup#{}#{limit:?}#{who}#{}", self.id, now / window),
                    cap: self.lookup_limits.cap(limit),
                    lifetime: Duration::seconds(window + 60),
                }
            })
            .collect()
    }

    /// What a lookup that `count`'s cap refused at `at` is answered.
    pub fn lookup_refusal(&self, count: &LookupCount, at: OffsetDateTime) -> LookupRefusal {
        let window = count.limit.window_seconds();
        let retry_after = (window - at.unix_timestamp() % window).max(1) as u64;
        LookupRefusal {
            retry_after,
            message: format!(
                "{} tillåter högst {} uppslag {}. Försök igen {}.",
                self.name,
                count.cap,
                count.limit.describe(),
                wait_in_words(retry_after)
            ),
            once_key: format!("refused#{}", count.key),
        }
    }
}

/// "om 40 sekunder", "om 12 minuter", "om 3 timmar": when to try again, roughly.
fn wait_in_words(seconds: u64) -> String {
    match seconds {
        0..=90 => format!("om {seconds} sekunder"),
        91..=5400 => format!("om {} minuter", seconds.div_ceil(60)),
        _ => format!("om {} timmar", seconds.div_ceil(3600)),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::Definitions;

    fn company() -> Company {
        let mut company = Definitions::builtin().company("oresundskraft").unwrap().clone();
        company.lookup_limits.per_user_per_hour = 3;
        company
    }

    #[test]
    fn a_lookup_counts_against_each_cap_the_longest_window_first() {
        let at = datetime!(2026-12-06 10:20:30 UTC);
        let (minute, hour, day) =
            (at.unix_timestamp() / 60, at.unix_timestamp() / 3600, at.unix_timestamp() / 86_400);
        let counts = company().lookup_counts("demo_el", "anna", at);
        let seen: Vec<_> = counts
            .iter()
            .map(|c| (c.limit, c.key.as_str(), c.cap, c.lifetime.whole_seconds()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    LookupLimit::PerFirmPerDay,
                    format!("lookup#oresundskraft#PerFirmPerDay#firm#demo_el#{day}").as_str(),
                    2000,
                    86_460
                ),
                (
                    LookupLimit::PerUserPerDay,
                    format!("lookup#oresundskraft#PerUserPerDay#anna#{day}").as_str(),
                    400,
                    86_460
                ),
                (
                    LookupLimit::PerUserPerHour,
                    format!("lookup#oresundskraft#PerUserPerHour#anna#{hour}").as_str(),
                    3,
                    3660
                ),
                (
                    LookupLimit::PerUserPerMinute,
                    format!("lookup#oresundskraft#PerUserPerMinute#anna#{minute}").as_str(),
                    30,
                    120
                ),
            ]
        );
        // The next window is another count; the same window the same one.
        let later = company().lookup_counts("demo_el", "anna", datetime!(2026-12-06 10:20:59 UTC));
        assert_eq!(later, counts);
        let next = company().lookup_counts("demo_el", "anna", datetime!(2026-12-06 10:21:00 UTC));
        assert_eq!(next[..3], counts[..3]);
        assert_ne!(next[3].key, counts[3].key);
    }

    #[test]
    fn a_refusal_names_the_company_the_cap_and_when_to_try_again() {
        let company = company();
        let at = datetime!(2026-12-06 10:20:30 UTC);
        let counts = company.lookup_counts("demo_el", "anna", at);
        let refusal = company.lookup_refusal(&counts[2], at);
        assert_eq!(refusal.retry_after, 39 * 60 + 30);
        assert_eq!(
            refusal.message,
            "Öresundskraft tillåter högst 3 uppslag per användare och timme. Försök igen om 40 \
             minuter."
        );
        assert_eq!(refusal.once_key, format!("refused#{}", counts[2].key));
        let refusal = company.lookup_refusal(&counts[3], at);
        assert_eq!(refusal.retry_after, 30);
        assert!(refusal.message.ends_with("per användare och minut. Försök igen om 30 sekunder."));
        let refusal = company.lookup_refusal(&counts[0], at);
        assert_eq!(refusal.retry_after, 86_400 - (10 * 3600 + 20 * 60 + 30));
        assert!(
            refusal.message.starts_with("Öresundskraft tillåter högst 2000 uppslag per installationsföretag och dygn. Försök igen om 14 timmar."),
            "{}",
            refusal.message
        );
        // At the very end of a window: never less than a second.
        let last = datetime!(2026-12-06 10:20:59 UTC);
        assert_eq!(company.lookup_refusal(&counts[3], last).retry_after, 1);
    }

    #[test]
    fn the_wait_is_said_in_seconds_minutes_or_hours() {
        assert_eq!(wait_in_words(1), "om 1 sekunder");
        assert_eq!(wait_in_words(60), "om 60 sekunder");
        assert_eq!(wait_in_words(91), "om 2 minuter");
        assert_eq!(wait_in_words(3600), "om 60 minuter");
        assert_eq!(wait_in_words(5401), "om 2 timmar");
        assert_eq!(wait_in_words(86_400), "om 24 timmar");
    }
}
