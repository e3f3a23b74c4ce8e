//! The lookup audit log and the usage counters behind the rate limit.

use handler::store::{AuditEntry, Store, StoreError};

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

async fn audit_lookups_by_time_range<S: Store>(s: &S) {
    let entry = |id: &str, company: &str, at: OffsetDateTime| AuditEntry {
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
    };
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
        s.record_lookup(e).await.unwrap();
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
    assert!(matches!(s.record_lookup(&other).await, Err(StoreError::AlreadyExists)));
}

async fn count_use_counts_per_key<S: Store>(s: &S) {
    let hour = Duration::hours(1);
    assert_eq!(s.count_use("user-1#2026-11-28T09:00", hour).await.unwrap(), 1);
    assert_eq!(s.count_use("user-1#2026-11-28T09:00", hour).await.unwrap(), 2);
    assert_eq!(s.count_use("user-2#2026-11-28T09:00", hour).await.unwrap(), 1);
    assert_eq!(s.count_use("user-1#2026-11-28T09:00", hour).await.unwrap(), 3);
    assert_eq!(s.count_use("user-1#2026-11-28T09:01", hour).await.unwrap(), 1);
    assert_eq!(s.count_use("user-2#2026-11-28T09:00", hour).await.unwrap(), 2);

    // Each counter lives as long as its first use said: a one-second one starts again.
    let second = Duration::seconds(1);
    assert_eq!(s.count_use("short", second).await.unwrap(), 1);
    assert_eq!(s.count_use("short", second).await.unwrap(), 2);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(s.count_use("short", second).await.unwrap(), 1);
    assert_eq!(s.count_use("user-1#2026-11-28T09:00", hour).await.unwrap(), 4);
}

contract!(audit_lookups_by_time_range, count_use_counts_per_key);

/// A counter past its lifetime starts again at 1. The setup writes an expired counter behind
/// the store's back, so it is per store; DynamoDB's TTL may not have deleted it yet.
mod expired_counters {
    use handler::store::AuditStore;

    #[tokio::test]
    async fn sqlite_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let store = handler::store::sqlite::SqliteStore::open(&path).unwrap();
        assert_eq!(store.count_use("old", time::Duration::hours(1)).await.unwrap(), 1);
        assert_eq!(store.count_use("old", time::Duration::hours(1)).await.unwrap(), 2);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE usage_counters SET expires_at = '2020-01-01T00:00:00.000000000Z'", [])
            .unwrap();
        assert_eq!(store.count_use("old", time::Duration::hours(1)).await.unwrap(), 1);
        assert_eq!(store.count_use("old", time::Duration::hours(1)).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn dynamodb_starts_again() {
        use aws_sdk_dynamodb::types::AttributeValue::{N, S};
        let (client, table) = crate::support::dynamodb::fresh_table("expired_counter").await;
        let store = handler::store::dynamodb::DynamoStore::new(client.clone(), table.clone());
        assert_eq!(store.count_use("old", time::Duration::hours(1)).await.unwrap(), 1);
        assert_eq!(store.count_use("old", time::Duration::hours(1)).await.unwrap(), 2);
        let expired_an_hour_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
        client
            .put_item()
            .table_name(&table)
            .item("PK", S("USE#old".into()))
            .item("SK", S("USE".into()))
            .item("count", N("7".into()))
            .item("ttl", N(expired_an_hour_ago.to_string()))
            .send()
            .await
            .unwrap();
        assert_eq!(store.count_use("old", time::Duration::hours(1)).await.unwrap(), 1);
        assert_eq!(store.count_use("old", time::Duration::hours(1)).await.unwrap(), 2);
    }
}
