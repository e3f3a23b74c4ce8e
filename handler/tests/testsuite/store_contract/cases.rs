//! Cases: creating, reading, versioned updates, and the firm's and the company's lists.

use forms::formats::complete_gsrn;
use forms::{Case, Definitions, Status};
use handler::store::{CaseQuery, PageRequest, Store, StoreError};

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
        firm: Some("firm-a".into()),
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
    let part_of_firm = CaseQuery { firm: Some("m-b".into()), ..CaseQuery::default() };
    assert_eq!(inbox_list(s, "co-x", &part_of_firm, 50).await.len(), 24, "part of the firm's id");
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

contract!(
    lists_come_in_pages_with_every_case_once,
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
