//! Cases: creating, reading, versioned updates, and the firm's and the company's lists.

use forms::formats::complete_gsrn;
use forms::{Case, Definitions, Status};
use std::collections::BTreeSet;

use handler::store::{CaseQuery, CaseStore, PageRequest, Search, Store, StoreError};

use super::all_pages;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The moment every test's story starts.
const T0: OffsetDateTime = datetime!(2026-11-28 09:00 UTC);

fn draft(id: &str, firm: &str, at: OffsetDateTime) -> Case {
    let form = Definitions::builtin().form("oresundskraft", "fuse_change").unwrap();
    let job_type = form.installation_type.job_types[0].id.clone();
    Case::new_draft(
        id.to_string(),
        format!("ÖK-2026-{id}"),
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

fn ids(cases: &[Case]) -> Vec<&str> {
    cases.iter().map(|c| c.id.as_str()).collect()
}

/// Every page of a firm's list that matches `query`, `limit` at a time.
async fn firm_list<S: Store>(s: &S, firm: &str, query: &CaseQuery, limit: usize) -> Vec<Case> {
    all_pages(limit, async |page| s.firm_cases(firm, query, page).await.unwrap()).await
}

/// Every page of a company's inbox that matches `query`, `limit` at a time.
async fn inbox_list<S: Store>(s: &S, company: &str, query: &CaseQuery, limit: usize) -> Vec<Case> {
    all_pages(limit, async |page| s.company_cases(company, query, page).await.unwrap()).await
}

async fn firm<S: Store>(s: &S, firm: &str) -> Vec<Case> {
    firm_list(s, firm, &CaseQuery::default(), 50).await
}

async fn inbox<S: Store>(s: &S, company: &str, status: Option<Status>) -> Vec<Case> {
    inbox_list(s, company, &CaseQuery { status, ..CaseQuery::default() }, 50).await
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
    assert_eq!(ids(&firm(s, "firm-a").await), ["c", "a", "b"]);
    assert_eq!(ids(&firm(s, "firm-b").await), ["x"]);
    assert!(firm(s, "firm-c").await.is_empty());

    let mut b = s.get_case("b").await.unwrap().unwrap();
    b.touch(T0 + Duration::minutes(40));
    s.update_case(&b).await.unwrap();
    let listed = firm(s, "firm-a").await;
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
    assert!(inbox(s, "co-x", Some(Status::Withdrawn)).await.is_empty());
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
    let all = inbox(s, "co-x", None).await;
    assert_eq!(ids(&all), ["s1", "s2", "r1", "a1"], "waiting first, oldest sent first, no draft");
    assert_eq!(all[1], cases[3]);
    assert_eq!(ids(&inbox(s, "co-x", Some(Status::Submitted)).await), ["s1", "s2"]);
    assert_eq!(ids(&inbox(s, "co-x", Some(Status::Approved)).await), ["a1"]);
    assert!(inbox(s, "co-x", Some(Status::Closed)).await.is_empty());
    assert!(inbox(s, "co-x", Some(Status::Draft)).await.is_empty());
    assert_eq!(ids(&inbox(s, "co-y", None).await), ["y1"]);
    assert!(inbox(s, "co-z", None).await.is_empty());
}

async fn a_submitted_draft_reaches_the_inbox<S: Store>(s: &S) {
    let mut case = draft("c1", "firm-a", T0);
    s.create_case(&case).await.unwrap();
    assert!(inbox(s, &case.company, None).await.is_empty());

    case.status = Status::Submitted;
    case.submitted_at = Some(T0 + Duration::minutes(5));
    case.touch(T0 + Duration::minutes(5));
    s.update_case(&case).await.unwrap();
    assert_eq!(inbox(s, &case.company, None).await, [case.clone()]);
    assert_eq!(inbox(s, &case.company, Some(Status::Submitted)).await, [case.clone()]);

    // A status change moves it between the status filters.
    case.status = Status::Approved;
    case.touch(T0 + Duration::minutes(9));
    s.update_case(&case).await.unwrap();
    assert!(inbox(s, &case.company, Some(Status::Submitted)).await.is_empty());
    assert_eq!(inbox(s, &case.company, Some(Status::Approved)).await, [case]);
}

/// 120 cases in pages of 50: three pages, every case once, in list order, on both lists; and
/// the filters applied by the store, page by page.
async fn lists_come_in_pages_with_every_case_once<S: Store>(s: &S) {
    let statuses = [Status::Submitted, Status::Approved, Status::Returned];
    let mut made = Vec::new();
    for i in 0..120 {
        let mut case =
            sent(&format!("p{i:03}"), "co-x", statuses[i % 3], T0 + Duration::minutes(i as i64));
        case.network_area = if i % 4 == 0 { "north".into() } else { "south".into() };
        case.firm = if i % 5 == 0 { "firm-b".into() } else { "firm-a".into() };
        case.fields.insert("installation.street_address".into(), format!("Storgatan {i}"));
        s.create_case(&case).await.unwrap();
        made.push(case);
    }
    let all = CaseQuery::default();
    let first =
        s.company_cases("co-x", &all, &PageRequest { limit: 50, after: None }).await.unwrap();
    assert_eq!(first.items.len(), 50);
    let second = PageRequest { limit: 50, after: first.next.clone() };
    let second = s.company_cases("co-x", &all, &second).await.unwrap();
    assert_eq!(second.items.len(), 50);
    let third = PageRequest { limit: 50, after: second.next.clone() };
    let third = s.company_cases("co-x", &all, &third).await.unwrap();
    assert_eq!((third.items.len(), third.next), (20, None));

    let listed = inbox_list(s, "co-x", &all, 50).await;
    let mut expected = made.clone();
    expected.sort_by_key(|c| (c.status.inbox_rank(), c.submitted_at, c.id.clone()));
    assert_eq!(ids(&listed), ids(&expected), "each case once, waiting first, oldest first");
    let firm_a = firm_list(s, "firm-a", &all, 50).await;
    assert_eq!(firm_a.len(), 96);
    assert!(firm_a.windows(2).all(|w| w[0].updated_at >= w[1].updated_at), "last changed first");

    let narrow = CaseQuery {
        status: Some(Status::Approved),
        network_area: Some("north".into()),
        firms: Some(BTreeSet::from(["firm-a".to_string()])),
        ..CaseQuery::default()
    };
    let filtered = inbox_list(s, "co-x", &narrow, 7).await;
    let expected: Vec<&Case> = made.iter().filter(|c| narrow.matches(c)).collect();
    assert_eq!(filtered.len(), expected.len());
    assert!(!filtered.is_empty() && filtered.iter().all(|c| narrow.matches(c)));
    let found = CaseQuery { text: Some("storgatan 11".into()), ..CaseQuery::default() };
    let hits = inbox_list(s, "co-x", &found, 50).await;
    assert_eq!(ids(&hits).len(), 11, "Storgatan 11 and 110 to 119");
    let by_number = CaseQuery { text: Some("ök-2026-p042".into()), ..CaseQuery::default() };
    assert_eq!(ids(&inbox_list(s, "co-x", &by_number, 50).await), ["p042"]);
    assert_eq!(firm_list(s, "firm-b", &found, 3).await.len(), 2, "110 and 115 are firm-b's");
    let firm_b = CaseQuery { firms: Some(firms(&["firm-b"])), ..CaseQuery::default() };
    assert_eq!(inbox_list(s, "co-x", &firm_b, 50).await.len(), 24);
    let part_of_firm = CaseQuery { firms: Some(firms(&["m-b"])), ..CaseQuery::default() };
    assert!(inbox_list(s, "co-x", &part_of_firm, 50).await.is_empty(), "firm ids are exact");
}

fn firms(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

/// The inbox's searches by key: a whole case number, a whole anläggnings-ID, a set of firms;
/// each in inbox order, in pages, combined with the other filters, never a draft nor another
/// company's case, and following the case's changes.
async fn the_inbox_finds_numbers_eans_and_firms_by_key<S: Store>(s: &S) {
    let statuses = [Status::Submitted, Status::Approved, Status::Returned];
    let eans: Vec<String> =
        (0..4).map(|i| complete_gsrn(&format!("7359991000000000{i}"))).collect();
    let mut made = Vec::new();
    for i in 0..24 {
        let mut case =
            sent(&format!("k{i:02}"), "co-x", statuses[i % 3], T0 + Duration::minutes(i as i64));
        case.number = format!("ÖK-2026-{:05}", i + 1);
        case.firm = ["firm-a", "firm-b", "firm-c"][(i / 2) % 3].to_string();
        case.fields.insert("installation.ean".into(), eans[i % 4].clone());
        // An address that holds another case's number and part of an anläggnings-ID.
        case.fields.insert("installation.street_address".into(), format!("ÖK-2026-00007 väg {i}"));
        s.create_case(&case).await.unwrap();
        made.push(case);
    }
    // Never found: a draft and another company's case with the same number, EAN and firm.
    let mut hidden = draft("hidden", "firm-a", T0);
    hidden.company = "co-x".into();
    hidden.number = "ÖK-2026-00099".into();
    hidden.fields.insert("installation.ean".into(), eans[0].clone());
    s.create_case(&hidden).await.unwrap();
    let mut other = sent("other", "co-y", Status::Submitted, T0);
    other.number = "ÖK-2026-00007".into();
    other.fields.insert("installation.ean".into(), eans[0].clone());
    s.create_case(&other).await.unwrap();

    let expect = |query: &CaseQuery, made: &[Case]| -> Vec<String> {
        let mut found: Vec<&Case> = made.iter().filter(|c| query.matches(c)).collect();
        found.sort_by_key(|c| handler::store::inbox_key(c));
        found.iter().map(|c| c.id.clone()).collect()
    };
    let text = |t: &str| CaseQuery { text: Some(t.into()), ..CaseQuery::default() };
    let check = async |query: &CaseQuery, made: &[Case], limit: usize| {
        let listed = inbox_list(s, "co-x", query, limit).await;
        let listed: Vec<String> = listed.iter().map(|c| c.id.clone()).collect();
        assert_eq!(listed, expect(query, made), "{query:?} {limit} at a time");
        listed
    };

    // A whole number: that case alone, not the addresses that hold it.
    let number = text("ök-2026-00007");
    assert_eq!(number.search(), Some(Search::Number("ök-2026-00007")));
    assert_eq!(check(&number, &made, 1).await, ["k06"]);
    assert!(check(&text("ök-2026-00099"), &made, 5).await.is_empty(), "a draft's number");
    assert!(check(&text("ök-2025-00007"), &made, 5).await.is_empty());
    let wrong_status = CaseQuery { status: Some(Status::Closed), ..number.clone() };
    assert!(check(&wrong_status, &made, 5).await.is_empty());
    // Part of a number searches the text: the addresses hold it too.
    assert_eq!(text("ök-2026-0000").search(), Some(Search::Text("ök-2026-0000")));
    assert_eq!(check(&text("ök-2026-0000"), &made, 5).await.len(), 24);

    // A whole anläggnings-ID: its cases, in pages.
    let ean = text(&eans[1]);
    assert_eq!(ean.search(), Some(Search::Ean(eans[1].as_str())));
    assert_eq!(check(&ean, &made, 2).await.len(), 6);
    let approved = CaseQuery { status: Some(Status::Approved), ..ean.clone() };
    assert_eq!(check(&approved, &made, 1).await, ["k01", "k13"]);
    assert_eq!(check(&text(&eans[0]), &made, 3).await.len(), 6, "no draft, no other company");

    // Firms: exact ids, any number of them, an empty set none.
    let one = CaseQuery { firms: Some(firms(&["firm-b"])), ..CaseQuery::default() };
    assert_eq!(check(&one, &made, 3).await.len(), 8);
    let two =
        CaseQuery { firms: Some(firms(&["firm-a", "firm-c", "firm-z"])), ..CaseQuery::default() };
    assert_eq!(check(&two, &made, 5).await.len(), 16);
    assert_eq!(check(&two, &made, 100).await.len(), 16);
    let narrow =
        CaseQuery { status: Some(Status::Returned), text: Some("väg 1".into()), ..two.clone() };
    assert!(!check(&narrow, &made, 2).await.is_empty());
    let none = CaseQuery { firms: Some(BTreeSet::new()), ..CaseQuery::default() };
    assert!(check(&none, &made, 5).await.is_empty());
    let with_ean = CaseQuery { firms: Some(firms(&["firm-a"])), ..ean.clone() };
    assert_eq!(check(&with_ean, &made, 1).await, ["k01", "k13"]);

    // The installer's own list finds the same way (its cases at both companies).
    assert_eq!(ids(&firm_list(s, "firm-a", &number, 1).await), ["k06", "other"]);
    assert!(firm_list(s, "firm-b", &number, 5).await.is_empty());

    // A changed anläggnings-ID and firm move the case between searches; a removed case is gone.
    let mut moved = made[1].clone();
    moved.fields.insert("installation.ean".into(), eans[2].clone());
    moved.firm = "firm-z".into();
    moved.touch(T0 + Duration::hours(2));
    s.update_case(&moved).await.unwrap();
    made[1] = moved;
    assert!(!check(&ean, &made, 3).await.contains(&"k01".to_string()));
    assert!(check(&text(&eans[2]), &made, 3).await.contains(&"k01".to_string()));
    assert!(check(&two, &made, 4).await.contains(&"k01".to_string()));
    s.remove_case("k06").await.unwrap();
    made.remove(6);
    assert!(check(&number, &made, 5).await.is_empty());
}

/// A new draft of `company` made in `year`, numbered by the store.
async fn numbered<S: Store>(s: &S, id: &str, company: &str, year: i32) -> String {
    let mut case = draft(id, "firm-a", T0.replace_year(year).unwrap());
    case.company = company.to_string();
    let stored = s.create_numbered_case(case, move |n| format!("{year}-{n}")).await.unwrap();
    assert_eq!(s.get_case(id).await.unwrap().map(|c| c.number), Some(stored.number.clone()));
    stored.number
}

async fn case_numbers_are_given_once_and_in_order<S: Store>(s: &S) {
    assert_eq!(numbered(s, "c1", "co-x", 2026).await, "2026-1");
    assert_eq!(numbered(s, "c2", "co-x", 2026).await, "2026-2");
    assert_eq!(numbered(s, "c3", "co-y", 2026).await, "2026-1", "per company");
    assert_eq!(numbered(s, "c4", "co-x", 2027).await, "2027-1", "per year");
    let mut at_once = tokio::task::JoinSet::new();
    for n in 0..20 {
        let s = s.clone();
        at_once.spawn(async move { numbered(&s, &format!("d{n}"), "co-x", 2026).await });
    }
    let mut numbers = at_once.join_all().await;
    numbers.sort_by_key(|number| number[5..].parse::<u64>().unwrap());
    numbers.dedup();
    let expected: Vec<String> = (3..=22).map(|n| format!("2026-{n}")).collect();
    assert_eq!(numbers, expected, "20 at once: each number once");
    // A taken id: refused, and nothing replaced.
    let mut taken = draft("c1", "firm-a", T0);
    taken.company = "co-x".into();
    let again = s.create_numbered_case(taken, |n| format!("again-{n}")).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists)), "{again:?}");
    assert_eq!(s.get_case("c1").await.unwrap().unwrap().number, "2026-1");
}

async fn a_read_mark_keeps_the_version<S: Store>(s: &S) {
    let mut case = sent("c1", "co-x", Status::Submitted, T0);
    case.unread_by = vec![forms::Role::NetworkCompany];
    s.create_case(&case).await.unwrap();
    case.mark_read(forms::Role::NetworkCompany);
    s.keep_version_update(&case).await.unwrap();
    let stored = s.get_case("c1").await.unwrap().unwrap();
    assert_eq!((stored.version, stored.unread_by.len()), (case.version, 0));
    // After an edit the old version is stale for a read mark too.
    let mut edited = stored.clone();
    edited.touch(T0 + Duration::minutes(1));
    s.update_case(&edited).await.unwrap();
    assert!(matches!(s.keep_version_update(&case).await, Err(StoreError::VersionConflict)));
    assert_eq!(s.get_case("c1").await.unwrap(), Some(edited));
}

/// What takes a SQLite database back to before the search keys (schema version 3).
pub(super) const BEFORE_SEARCH_KEYS: &str = "DROP INDEX cases_by_number; DROP INDEX cases_by_ean;
    DROP INDEX cases_by_company_firm; ALTER TABLE cases DROP COLUMN number_key;
    ALTER TABLE cases DROP COLUMN ean; PRAGMA user_version = 3;";

/// A SQLite database from before the search keys (schema version 3) gets them, filled from
/// each case, when it is opened.
#[tokio::test]
async fn an_older_sqlite_database_gets_the_search_keys() {
    use handler::store::sqlite::SqliteStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut case = sent("c1", "co-x", Status::Submitted, T0);
    case.number = "ÖK-2026-00001".into();
    case.fields.insert("installation.ean".into(), complete_gsrn("73599910000000001"));
    SqliteStore::open(&path).unwrap().create_case(&case).await.unwrap();
    rusqlite::Connection::open(&path).unwrap().execute_batch(BEFORE_SEARCH_KEYS).unwrap();

    let store = SqliteStore::open(&path).unwrap();
    let by = |text: String| CaseQuery { text: Some(text), ..CaseQuery::default() };
    let by_firm = CaseQuery { firms: Some(firms(&["firm-a"])), ..CaseQuery::default() };
    for query in [by("ök-2026-00001".into()), by(complete_gsrn("73599910000000001")), by_firm] {
        assert_eq!(ids(&inbox_list(&store, "co-x", &query, 5).await), ["c1"], "{query:?}");
    }
}

/// A DynamoDB table from before the search keys: `handler reindex-cases` (its store function)
/// gives every case its keys, and a case changed meanwhile is left as that change wrote it.
#[tokio::test]
async fn reindexing_an_older_dynamodb_table_gives_every_case_its_keys() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let (client, table) = crate::support::dynamodb::fresh_table("reindex").await;
    let store = handler::store::dynamodb::DynamoStore::new(client.clone(), &table);
    let mut case = sent("c1", "co-x", Status::Submitted, T0);
    case.number = "ÖK-2026-00001".into();
    case.fields.insert("installation.ean".into(), complete_gsrn("73599910000000001"));
    store.create_case(&case).await.unwrap();
    // As a case was stored before: no GSI3, GSI4, `number_key` or `ean`, no number item.
    let key = |pk: &str, sk: &str| {
        [("PK", pk), ("SK", sk)].map(|(k, v)| (k.to_string(), AttributeValue::S(v.into())))
    };
    client
        .update_item()
        .table_name(&table)
        .set_key(Some(key("CASE#c1", "CASE").into()))
        .update_expression("REMOVE GSI3PK, GSI3SK, GSI4PK, GSI4SK, number_key, ean")
        .send()
        .await
        .unwrap();
    let number_item = key("NUMBER#co-x#ök-2026-00001", "c1").into();
    client.delete_item().table_name(&table).set_key(Some(number_item)).send().await.unwrap();
    let queries = [
        CaseQuery { text: Some("ök-2026-00001".into()), ..CaseQuery::default() },
        CaseQuery { text: Some(complete_gsrn("73599910000000001")), ..CaseQuery::default() },
        CaseQuery { firms: Some(firms(&["firm-a"])), ..CaseQuery::default() },
    ];
    for query in &queries {
        assert!(inbox_list(&store, "co-x", query, 5).await.is_empty(), "{query:?}");
    }

    assert_eq!(store.reindex_cases().await.unwrap(), (1, 0));
    for query in &queries {
        assert_eq!(ids(&inbox_list(&store, "co-x", query, 5).await), ["c1"], "{query:?}");
    }
    assert_eq!(store.get_case("c1").await.unwrap(), Some(case), "the case as it was");
    assert_eq!(store.reindex_cases().await.unwrap(), (1, 0), "again: the same");
}

contract!(
    lists_come_in_pages_with_every_case_once,
    the_inbox_finds_numbers_eans_and_firms_by_key,
    case_numbers_are_given_once_and_in_order,
    a_read_mark_keeps_the_version,
    create_then_get_round_trips,
    create_twice_is_refused,
    update_with_the_read_version_is_stored,
    stale_update_conflicts_and_changes_nothing,
    of_concurrent_updates_exactly_one_wins,
    firm_cases_are_the_firms_own_newest_first,
    company_cases_never_show_drafts,
    a_submitted_draft_reaches_the_inbox,
);
