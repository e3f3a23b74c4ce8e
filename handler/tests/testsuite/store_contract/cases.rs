//! Cases: creating, reading, versioned updates, and the firm's and the company's lists.

use forms::formats::complete_gsrn;
use forms::{Case, Definitions, Status};
use handler::store::{Store, StoreError};
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

contract!(
    create_then_get_round_trips,
    create_twice_is_refused,
    update_with_the_read_version_is_stored,
    stale_update_conflicts_and_changes_nothing,
    of_concurrent_updates_exactly_one_wins,
    firm_cases_are_the_firms_own_newest_first,
    company_cases_never_show_drafts,
    a_submitted_draft_reaches_the_inbox,
);
