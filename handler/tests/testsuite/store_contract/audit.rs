//! The audit log, and a lookup's one write: its counts against the caps, its audit entry and
//! the case it changed, all or nothing.

use forms::{Case, Definitions};
use handler::store::{AuditEntry, CappedUse, Store, StoreError};

use super::all_pages;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Every page of a company's audit log in [from, to), `limit` at a time.
async fn all_lookups<S: Store>(
    s: &S,
    company: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
    limit: usize,
) -> Vec<AuditEntry> {
    all_pages(limit, async |page| s.lookups(company, from, to, page).await.unwrap()).await
}

fn entry(id: &str, company: &str, at: OffsetDateTime) -> AuditEntry {
    AuditEntry {
        id: id.to_string(),
        company: company.to_string(),
        at,
        user: "user-1".into(),
        firm: "firm-a".into(),
        case_id: "c1".into(),
        case_number: "ÖK-2026-00001".into(),
        act: handler::store::AuditAct::Lookup,
        by: Some(forms::LookupKey::Ean),
        found: true,
        limit_reached: None,
    }
}

async fn audit_lookups_by_time_range<S: Store>(s: &S) {
    // Across midnight, so that more than one day is read.
    let midnight = datetime!(2026-11-29 00:00 UTC);
    let before = entry("e0", "co-x", midnight - Duration::hours(2));
    let from = entry("e1", "co-x", midnight - Duration::hours(1));
    let late = entry("e2", "co-x", midnight - Duration::nanoseconds(1));
    // A lookup refused by a cap is kept with it.
    let early = AuditEntry {
        found: false,
        limit_reached: Some(forms::definitions::LookupLimit::PerUserPerHour),
        ..entry("e3", "co-x", midnight + Duration::minutes(1))
    };
    let to = entry("e4", "co-x", midnight + Duration::hours(1));
    let other = entry("e5", "co-y", midnight);
    for e in [&early, &to, &before, &other, &late, &from] {
        s.record_lookup(e, &[], None).await.unwrap();
    }
    let got = all_lookups(s, "co-x", from.at, to.at, 50).await;
    assert_eq!(got, [from.clone(), late.clone(), early.clone()], "[from, to), oldest first");
    let other_company = all_lookups(s, "co-y", from.at, to.at, 50).await;
    assert_eq!(other_company, std::slice::from_ref(&other));
    assert!(all_lookups(s, "co-z", from.at, to.at, 50).await.is_empty());
    assert!(all_lookups(s, "co-x", to.at, from.at, 50).await.is_empty());
    let (two_days_before, two_days_after) =
        (midnight - Duration::days(2), midnight + Duration::days(2));
    let whole_days = [before, from, late, early, to];
    // One at a time, across the days' partitions: the same entries, each once.
    for limit in [1, 2, 50] {
        let got = all_lookups(s, "co-x", two_days_before, two_days_after, limit).await;
        assert_eq!(got, whole_days, "pages of {limit}");
    }

    // The log is append-only.
    assert!(matches!(s.record_lookup(&other, &[], None).await, Err(StoreError::AlreadyExists)));
}

/// A draft of Öresundskraft to apply lookups to.
fn draft(id: &str) -> Case {
    let form = Definitions::builtin().form("oresundskraft", "fuse_change").unwrap();
    let job_type = form.installation_type.job_types[0].id.clone();
    let (firm, user) = ("firm-a".to_string(), "user-1".to_string());
    Case::new_draft(id.into(), "ÖK-1".into(), &form, job_type, "area".into(), firm, user, T0)
}

const T0: OffsetDateTime = datetime!(2026-11-28 09:00 UTC);

fn capped(key: &str, cap: u64) -> CappedUse {
    CappedUse { key: key.to_string(), cap, lifetime: Duration::hours(1) }
}

async fn entries<S: Store>(s: &S) -> Vec<String> {
    let day = (T0 - Duration::days(1), T0 + Duration::days(1));
    all_lookups(s, "co-x", day.0, day.1, 50).await.into_iter().map(|e| e.id).collect()
}

/// Records lookup `id` at `second` seconds after T0.
async fn record<S: Store>(
    s: &S,
    id: &str,
    second: i64,
    uses: &[CappedUse],
    case: Option<&Case>,
) -> Result<(), StoreError> {
    s.record_lookup(&entry(id, "co-x", T0 + Duration::seconds(second)), uses, case).await
}

async fn a_lookup_is_counted_audited_and_applied_all_or_nothing<S: Store>(s: &S) {
    let mut case = draft("co-x.c1");
    s.create_case(&case).await.unwrap();
    let day = capped("user-1#day", 3);
    let both = [day.clone(), capped("user-1#minute", 2)];
    let day = std::slice::from_ref(&day);

    // A preview (no case) and an applied lookup: both counted and audited.
    record(s, "e1", 1, &both, None).await.unwrap();
    case.fields.insert("owner.name".into(), "Found".into());
    case.touch(T0 + Duration::seconds(2));
    record(s, "e2", 2, &both, Some(&case)).await.unwrap();
    assert_eq!(s.get_case("co-x.c1").await.unwrap(), Some(case.clone()));

    // The minute's cap is reached: nothing is written, not even the day's count.
    let mut refused = case.clone();
    refused.fields.insert("owner.name".into(), "Refused".into());
    refused.touch(T0 + Duration::seconds(3));
    let third = record(s, "e3", 3, &both, Some(&refused)).await;
    assert!(matches!(third, Err(StoreError::CapReached(1))), "{third:?}");
    assert_eq!(s.get_case("co-x.c1").await.unwrap(), Some(case.clone()), "the case unchanged");
    assert_eq!(entries(s).await, ["e1", "e2"], "no entry of the refused lookup");

    // A stale version: nothing written, no use counted.
    let stale = record(s, "e4", 4, day, Some(&case)).await;
    assert!(matches!(stale, Err(StoreError::VersionConflict)), "{stale:?}");
    assert_eq!(entries(s).await, ["e1", "e2"]);

    // The day's third use is still free (the refusals were not counted); a fourth is not.
    record(s, "e5", 5, day, None).await.unwrap();
    let fourth = record(s, "e6", 6, day, None).await;
    assert!(matches!(fourth, Err(StoreError::CapReached(0))), "{fourth:?}");
    // Another key counts on its own.
    record(s, "e7", 7, &[capped("user-2#day", 1)], None).await.unwrap();

    // An entry id is used once, with counts or without; a refusal so counts nothing either.
    let again = record(s, "e7", 7, &[capped("user-3#day", 1)], None).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists)), "{again:?}");
    record(s, "e8", 8, &[capped("user-3#day", 1)], None).await.unwrap();
    assert_eq!(entries(s).await, ["e1", "e2", "e5", "e7", "e8"]);
}

async fn a_refusal_is_recorded_once_per_key<S: Store>(s: &S) {
    let once = "refused#user-1#minute";
    let first = AuditEntry { found: false, ..entry("r1", "co-x", T0) };
    assert!(s.record_once(&first, once, Duration::hours(1)).await.unwrap());
    let second = AuditEntry { found: false, ..entry("r2", "co-x", T0 + Duration::seconds(1)) };
    assert!(!s.record_once(&second, once, Duration::hours(1)).await.unwrap());
    let other = AuditEntry { found: false, ..entry("r3", "co-x", T0 + Duration::seconds(2)) };
    assert!(s.record_once(&other, "refused#user-2#minute", Duration::hours(1)).await.unwrap());
    assert_eq!(entries(s).await, ["r1", "r3"]);
}

/// Lookups at once on one counter (a firm's installers on its day's cap): the cap holds, and
/// each lookup is either written whole or refused by the cap, never lost to the contention.
async fn a_cap_holds_under_concurrent_lookups<S: Store>(s: &S) {
    let mut at_once = tokio::task::JoinSet::new();
    for n in 0..12 {
        let s = s.clone();
        at_once.spawn(async move {
            record(&s, &format!("e{n}"), n, &[capped("firm#day", 5)], None).await
        });
    }
    let results = at_once.join_all().await;
    let written = results.iter().filter(|r| r.is_ok()).count();
    let refused = results.iter().filter(|r| matches!(r, Err(StoreError::CapReached(0)))).count();
    assert_eq!((written, refused), (5, 7), "{results:?}");
    assert_eq!(entries(s).await.len(), 5);
}

contract!(
    audit_lookups_by_time_range,
    a_cap_holds_under_concurrent_lookups,
    a_lookup_is_counted_audited_and_applied_all_or_nothing,
    a_refusal_is_recorded_once_per_key,
);
