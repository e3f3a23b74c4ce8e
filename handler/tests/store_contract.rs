//! One contract for every store: each test below is written once, generic over `Store`, and
//! run against SQLite (a file in a temp dir) and DynamoDB Local (a fresh table per test).

#[path = "support/dynamodb.rs"]
mod dynamodb_support;

use forms::formats::complete_gsrn;
use forms::{Case, Definitions, Installation, Status};
use handler::store::{AuditEntry, Store, StoreError};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The moment every test's story starts.
const T0: OffsetDateTime = datetime!(2026-11-28 09:00 UTC);

fn draft(id: &str, firm: &str, at: OffsetDateTime) -> Case {
    let form = Definitions::builtin().form("oresundskraft", "fuse_change").unwrap();
    let job_type = form.installation_type.job_types[0].id.clone();
    Case::new_draft(
        id.to_string(),
        &form,
        job_type,
        "area".to_string(),
        firm.to_string(),
        "user-1".to_string(),
        at,
    )
}

/// A case of `company` in `status`, first sent at `submitted_at`.
fn sent(id: &str, company: &str, status: Status, submitted_at: OffsetDateTime) -> Case {
    let mut case = draft(id, "firm-a", submitted_at - Duration::hours(1));
    case.company = company.to_string();
    case.status = status;
    case.submitted_at = Some(submitted_at);
    case.touch(submitted_at);
    case
}

fn installation(company_digits: &str, n: u32) -> Installation {
    Installation {
        ean: complete_gsrn(&format!("735999{company_digits}{n:08}")),
        meter_number: format!("M{company_digits}-{n}"),
        technical_number: format!("T{n}"),
        street_address: format!("Storgatan {n}"),
        postal_code: "252 21".into(),
        city: "Helsingborg".into(),
        owner_name: format!("Ägare {n}"),
        owner_identity_number: "19121212-1212".into(),
        ..Installation::default()
    }
}

fn ids(cases: &[Case]) -> Vec<&str> {
    cases.iter().map(|c| c.id.as_str()).collect()
}

async fn create_then_get_round_trips<S: Store>(s: &S) {
    let mut case = draft("c1", "firm-a", T0);
    case.fields.insert("installation.ean".into(), complete_gsrn("73599910000000001"));
    s.create_case(&case).await.unwrap();
    assert_eq!(s.get_case("c1").await.unwrap(), Some(case));
    assert_eq!(s.get_case("c2").await.unwrap(), None);
}

async fn create_twice_is_refused<S: Store>(s: &S) {
    let case = draft("c1", "firm-a", T0);
    s.create_case(&case).await.unwrap();
    let mut other = draft("c1", "firm-b", T0 + Duration::minutes(1));
    other.fields.insert("note".into(), "second".into());
    assert!(matches!(s.create_case(&other).await, Err(StoreError::AlreadyExists)));
    assert_eq!(s.get_case("c1").await.unwrap(), Some(case), "the first case is kept");
}

async fn update_with_the_read_version_is_stored<S: Store>(s: &S) {
    let mut case = draft("c1", "firm-a", T0);
    s.create_case(&case).await.unwrap();
    for minute in 1..=3 {
        case.fields.insert("note".into(), format!("edit {minute}"));
        case.touch(T0 + Duration::minutes(minute));
        s.update_case(&case).await.unwrap();
        assert_eq!(s.get_case("c1").await.unwrap().as_ref(), Some(&case));
    }
    assert_eq!(case.version, 4);
}

async fn stale_update_conflicts_and_changes_nothing<S: Store>(s: &S) {
    let original = draft("c1", "firm-a", T0);
    s.create_case(&original).await.unwrap();
    let mut first = original.clone();
    first.fields.insert("note".into(), "first".into());
    first.touch(T0 + Duration::minutes(1));
    s.update_case(&first).await.unwrap();

    // Read before `first` was written: its version is stale.
    let mut stale = original.clone();
    stale.fields.insert("note".into(), "stale".into());
    stale.touch(T0 + Duration::minutes(2));
    assert!(matches!(s.update_case(&stale).await, Err(StoreError::VersionConflict)));
    assert_eq!(s.get_case("c1").await.unwrap(), Some(first));

    // A version from the future conflicts too, and so does a case that does not exist.
    let mut ahead = stale.clone();
    ahead.touch(T0 + Duration::minutes(3));
    ahead.touch(T0 + Duration::minutes(3));
    assert!(matches!(s.update_case(&ahead).await, Err(StoreError::VersionConflict)));
    let mut missing = draft("nobody", "firm-a", T0);
    missing.touch(T0);
    assert!(matches!(s.update_case(&missing).await, Err(StoreError::VersionConflict)));
    assert_eq!(s.get_case("nobody").await.unwrap(), None);
}

async fn of_concurrent_updates_exactly_one_wins<S: Store>(s: &S) {
    let case = draft("c1", "firm-a", T0);
    s.create_case(&case).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (s, mut case) = (s.clone(), case.clone());
            tokio::spawn(async move {
                case.fields.insert("note".into(), format!("writer {i}"));
                case.touch(T0 + Duration::seconds(i));
                let result = s.update_case(&case).await;
                (case, result)
            })
        })
        .collect();
    let mut winners = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        match task.await.unwrap() {
            (case, Ok(())) => winners.push(case),
            (_, Err(StoreError::VersionConflict)) => conflicts += 1,
            (_, Err(e)) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins");
    assert_eq!(conflicts, 19);
    assert_eq!(s.get_case("c1").await.unwrap().as_ref(), winners.first());
}

async fn firm_cases_are_the_firms_own_newest_first<S: Store>(s: &S) {
    // Created out of order; `b` is updated last of all later on.
    for (id, firm, minute) in
        [("a", "firm-a", 10), ("b", "firm-a", 5), ("c", "firm-a", 20), ("x", "firm-b", 30)]
    {
        s.create_case(&draft(id, firm, T0 + Duration::minutes(minute))).await.unwrap();
    }
    assert_eq!(ids(&s.firm_cases("firm-a").await.unwrap()), ["c", "a", "b"]);
    assert_eq!(ids(&s.firm_cases("firm-b").await.unwrap()), ["x"]);
    assert!(s.firm_cases("firm-c").await.unwrap().is_empty());

    let mut b = s.get_case("b").await.unwrap().unwrap();
    b.touch(T0 + Duration::minutes(40));
    s.update_case(&b).await.unwrap();
    let listed = s.firm_cases("firm-a").await.unwrap();
    assert_eq!(ids(&listed), ["b", "c", "a"], "an update moves the case to the top");
    assert_eq!(listed[0], b, "the list holds the stored cases");
}

async fn company_cases_never_show_drafts<S: Store>(s: &S) {
    let mut hidden = draft("d1", "firm-a", T0);
    hidden.company = "co-x".into();
    s.create_case(&hidden).await.unwrap();
    // A draft withdrawn without ever being sent stays the firm's own.
    let mut withdrawn = draft("w1", "firm-a", T0);
    withdrawn.company = "co-x".into();
    withdrawn.status = Status::Withdrawn;
    s.create_case(&withdrawn).await.unwrap();
    assert!(s.company_cases("co-x", Some(Status::Withdrawn)).await.unwrap().is_empty());
    let cases = [
        sent("s1", "co-x", Status::Submitted, T0 + Duration::minutes(1)),
        sent("a1", "co-x", Status::Approved, T0 + Duration::minutes(2)),
        sent("r1", "co-x", Status::Returned, T0 + Duration::minutes(3)),
        sent("s2", "co-x", Status::Submitted, T0 + Duration::minutes(4)),
        sent("y1", "co-y", Status::Submitted, T0 + Duration::minutes(5)),
    ];
    for case in &cases {
        s.create_case(case).await.unwrap();
    }
    let all = s.company_cases("co-x", None).await.unwrap();
    assert_eq!(ids(&all), ["s2", "r1", "a1", "s1"], "newest submitted first, no draft");
    assert_eq!(all[0], cases[3]);
    assert_eq!(ids(&s.company_cases("co-x", Some(Status::Submitted)).await.unwrap()), ["s2", "s1"]);
    assert_eq!(ids(&s.company_cases("co-x", Some(Status::Approved)).await.unwrap()), ["a1"]);
    assert!(s.company_cases("co-x", Some(Status::Closed)).await.unwrap().is_empty());
    assert!(s.company_cases("co-x", Some(Status::Draft)).await.unwrap().is_empty());
    assert_eq!(ids(&s.company_cases("co-y", None).await.unwrap()), ["y1"]);
    assert!(s.company_cases("co-z", None).await.unwrap().is_empty());
}

async fn a_submitted_draft_reaches_the_inbox<S: Store>(s: &S) {
    let mut case = draft("c1", "firm-a", T0);
    s.create_case(&case).await.unwrap();
    assert!(s.company_cases(&case.company, None).await.unwrap().is_empty());

    case.status = Status::Submitted;
    case.submitted_at = Some(T0 + Duration::minutes(5));
    case.touch(T0 + Duration::minutes(5));
    s.update_case(&case).await.unwrap();
    assert_eq!(s.company_cases(&case.company, None).await.unwrap(), [case.clone()]);
    assert_eq!(
        s.company_cases(&case.company, Some(Status::Submitted)).await.unwrap(),
        [case.clone()]
    );

    // A status change moves it between the status filters.
    case.status = Status::Approved;
    case.touch(T0 + Duration::minutes(9));
    s.update_case(&case).await.unwrap();
    assert!(s.company_cases(&case.company, Some(Status::Submitted)).await.unwrap().is_empty());
    assert_eq!(s.company_cases(&case.company, Some(Status::Approved)).await.unwrap(), [case]);
}

async fn registry_finds_by_ean_and_meter_within_the_company<S: Store>(s: &S) {
    let rows: Vec<_> = (1..=3).map(|n| installation("100", n)).collect();
    let other = installation("200", 1);
    s.put_installations("co-x", &rows).await.unwrap();
    s.put_installations("co-y", std::slice::from_ref(&other)).await.unwrap();

    for row in &rows {
        assert_eq!(s.installation_by_ean("co-x", &row.ean).await.unwrap().as_ref(), Some(row));
        assert_eq!(
            s.installations_by_meter("co-x", &row.meter_number).await.unwrap().first(),
            Some(row)
        );
    }
    assert_eq!(s.installation_by_ean("co-x", &other.ean).await.unwrap(), None);
    assert_eq!(
        s.installations_by_meter("co-x", &other.meter_number).await.unwrap(),
        Vec::<Installation>::new()
    );
    assert_eq!(s.installation_by_ean("co-y", &rows[0].ean).await.unwrap(), None);
    assert_eq!(s.installation_by_ean("co-y", &other.ean).await.unwrap(), Some(other));
    assert_eq!(
        s.installations_by_meter("co-x", "M-unknown").await.unwrap(),
        Vec::<Installation>::new()
    );
    assert_eq!(s.installation_count("co-x").await.unwrap(), 3);
    assert_eq!(s.installation_count("co-y").await.unwrap(), 1);
    assert_eq!(s.installation_count("co-z").await.unwrap(), 0);
}

async fn a_reused_meter_number_finds_both_installations<S: Store>(s: &S) {
    let first = installation("100", 1);
    let mut second = installation("100", 2);
    second.meter_number = first.meter_number.clone();
    s.put_installations("co-x", &[first.clone(), second.clone()]).await.unwrap();
    let found = s.installations_by_meter("co-x", &first.meter_number).await.unwrap();
    let mut eans: Vec<_> = found.iter().map(|r| r.ean.clone()).collect();
    eans.sort();
    assert_eq!(eans, [first.ean, second.ean]);
}

async fn registry_rewrites_are_idempotent_and_replace<S: Store>(s: &S) {
    let mut rows: Vec<_> = (1..=3).map(|n| installation("100", n)).collect();
    s.put_installations("co-x", &rows).await.unwrap();
    s.put_installations("co-x", &rows).await.unwrap();
    assert_eq!(s.installation_count("co-x").await.unwrap(), 3);
    assert_eq!(s.installation_by_ean("co-x", &rows[1].ean).await.unwrap().as_ref(), Some(&rows[1]));

    // A new meter and address for the second installation replace the old row entirely.
    let old_meter = rows[1].meter_number.clone();
    rows[1].meter_number = "M-new".into();
    rows[1].city = "Höganäs".into();
    s.put_installations("co-x", &rows[1..2]).await.unwrap();
    assert_eq!(s.installation_count("co-x").await.unwrap(), 3);
    assert_eq!(s.installation_by_ean("co-x", &rows[1].ean).await.unwrap().as_ref(), Some(&rows[1]));
    assert_eq!(s.installations_by_meter("co-x", "M-new").await.unwrap().first(), Some(&rows[1]));
    assert_eq!(
        s.installations_by_meter("co-x", &old_meter).await.unwrap(),
        Vec::<Installation>::new()
    );

    // The same EAN twice in one call: the last row wins.
    let mut first = rows[2].clone();
    first.city = "Lund".into();
    let mut last = rows[2].clone();
    last.city = "Malmö".into();
    s.put_installations("co-x", &[first, last.clone()]).await.unwrap();
    assert_eq!(s.installation_by_ean("co-x", &last.ean).await.unwrap(), Some(last));
    assert_eq!(s.installation_count("co-x").await.unwrap(), 3);
}

async fn registry_takes_more_rows_than_one_batch<S: Store>(s: &S) {
    let rows: Vec<_> = (1..=60).map(|n| installation("100", n)).collect();
    s.put_installations("co-x", &rows).await.unwrap();
    assert_eq!(s.installation_count("co-x").await.unwrap(), 60);
    for row in [&rows[0], &rows[24], &rows[25], &rows[49], &rows[50], &rows[59]] {
        assert_eq!(s.installation_by_ean("co-x", &row.ean).await.unwrap().as_ref(), Some(row));
        assert_eq!(
            s.installations_by_meter("co-x", &row.meter_number).await.unwrap().first(),
            Some(row)
        );
    }
    s.put_installations("co-x", &[]).await.unwrap();
    assert_eq!(s.installation_count("co-x").await.unwrap(), 60);
}

async fn audit_lookups_by_time_range<S: Store>(s: &S) {
    let entry = |id: &str, company: &str, at: OffsetDateTime| AuditEntry {
        id: id.to_string(),
        company: company.to_string(),
        at,
        user: "user-1".into(),
        firm: "firm-a".into(),
        case_id: "c1".into(),
        by: "ean".into(),
        found: true,
    };
    // Across midnight, so that more than one day is read.
    let midnight = datetime!(2026-11-29 00:00 UTC);
    let before = entry("e0", "co-x", midnight - Duration::hours(2));
    let from = entry("e1", "co-x", midnight - Duration::hours(1));
    let late = entry("e2", "co-x", midnight - Duration::nanoseconds(1));
    let early = entry("e3", "co-x", midnight + Duration::minutes(1));
    let to = entry("e4", "co-x", midnight + Duration::hours(1));
    let other = entry("e5", "co-y", midnight);
    for e in [&early, &to, &before, &other, &late, &from] {
        s.record_lookup(e).await.unwrap();
    }
    let got = s.lookups("co-x", from.at, to.at).await.unwrap();
    assert_eq!(got, [from.clone(), late.clone(), early.clone()], "[from, to), oldest first");
    let other_company = s.lookups("co-y", from.at, to.at).await.unwrap();
    assert_eq!(other_company, std::slice::from_ref(&other));
    assert!(s.lookups("co-z", from.at, to.at).await.unwrap().is_empty());
    assert!(s.lookups("co-x", to.at, from.at).await.unwrap().is_empty());
    let whole_days = s.lookups("co-x", midnight - Duration::days(2), midnight + Duration::days(2));
    assert_eq!(whole_days.await.unwrap(), [before, from, late, early, to]);

    // The log is append-only.
    assert!(matches!(s.record_lookup(&other).await, Err(StoreError::AlreadyExists)));
}

async fn count_use_counts_per_key<S: Store>(s: &S) {
    assert_eq!(s.count_use("user-1#2026-11-28T09:00").await.unwrap(), 1);
    assert_eq!(s.count_use("user-1#2026-11-28T09:00").await.unwrap(), 2);
    assert_eq!(s.count_use("user-2#2026-11-28T09:00").await.unwrap(), 1);
    assert_eq!(s.count_use("user-1#2026-11-28T09:00").await.unwrap(), 3);
    assert_eq!(s.count_use("user-1#2026-11-28T09:01").await.unwrap(), 1);
    assert_eq!(s.count_use("user-2#2026-11-28T09:00").await.unwrap(), 2);
}

/// Stamps out one test per contract function and store.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let store =
                        handler::store::sqlite::SqliteStore::open(&dir.path().join("store.db"))
                            .unwrap();
                    super::$name(&store).await;
                }
            )*
        }

        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let store = crate::dynamodb_support::fresh_store(stringify!($name)).await;
                    super::$name(&store).await;
                }
            )*
        }
    };
}

contract!(
    create_then_get_round_trips,
    create_twice_is_refused,
    update_with_the_read_version_is_stored,
    stale_update_conflicts_and_changes_nothing,
    of_concurrent_updates_exactly_one_wins,
    firm_cases_are_the_firms_own_newest_first,
    company_cases_never_show_drafts,
    a_submitted_draft_reaches_the_inbox,
    registry_finds_by_ean_and_meter_within_the_company,
    a_reused_meter_number_finds_both_installations,
    registry_rewrites_are_idempotent_and_replace,
    registry_takes_more_rows_than_one_batch,
    audit_lookups_by_time_range,
    count_use_counts_per_key,
);

/// A counter past its lifetime starts again at 1. The setup writes an expired counter behind
/// the store's back, so it is per store; DynamoDB's TTL may not have deleted it yet.
mod expired_counters {
    use handler::store::AuditStore;

    #[tokio::test]
    async fn sqlite_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.db");
        let store = handler::store::sqlite::SqliteStore::open(&path).unwrap();
        assert_eq!(store.count_use("old").await.unwrap(), 1);
        assert_eq!(store.count_use("old").await.unwrap(), 2);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE usage_counters SET expires_at = '2020-01-01T00:00:00.000000000Z'", [])
            .unwrap();
        assert_eq!(store.count_use("old").await.unwrap(), 1);
        assert_eq!(store.count_use("old").await.unwrap(), 2);
    }

    #[tokio::test]
    async fn dynamodb_starts_again() {
        use aws_sdk_dynamodb::types::AttributeValue::{N, S};
        let (client, table) = crate::dynamodb_support::fresh_table("expired_counter").await;
        let store = handler::store::dynamodb::DynamoStore::new(client.clone(), table.clone());
        assert_eq!(store.count_use("old").await.unwrap(), 1);
        assert_eq!(store.count_use("old").await.unwrap(), 2);
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
        assert_eq!(store.count_use("old").await.unwrap(), 1);
        assert_eq!(store.count_use("old").await.unwrap(), 2);
    }
}

/// The table as production needs it; creating it again changes nothing.
#[tokio::test]
async fn dynamodb_table_has_its_indexes_and_ttl() {
    use aws_sdk_dynamodb::types::TimeToLiveStatus;
    let (client, table) = dynamodb_support::fresh_table("table_shape").await;
    handler::store::dynamodb::create_table(&client, &table).await.unwrap();

    let described = client.describe_table().table_name(&table).send().await.unwrap();
    let mut indexes: Vec<_> = described
        .table()
        .unwrap()
        .global_secondary_indexes()
        .iter()
        .map(|index| index.index_name().unwrap().to_string())
        .collect();
    indexes.sort();
    assert_eq!(indexes, ["GSI1", "GSI2", "GSI3"]);

    let ttl = client.describe_time_to_live().table_name(&table).send().await.unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("ttl"));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
}
