//! Customer links (Kundlänk): one a case, found by its token's hash, replaced and removed at
//! once; the capped counter of their reads; and the sweep takes a case's link with its
//! personal data.

use forms::{Case, Definitions, Status};
use handler::retention::sweep;
use handler::store::{CappedUse, CustomerLink, Store, StoreError};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::support::cases::draft_fuse_change;

const T0: OffsetDateTime = datetime!(2026-01-01 12:00 UTC);

fn link(case_id: &str, hash: &str) -> CustomerLink {
    CustomerLink {
        case_id: case_id.into(),
        token_hash: hash.into(),
        created_by: "anna".into(),
        created_at: T0,
        expires_at: T0 + Duration::days(1095),
    }
}

fn closed_case(id: &str) -> Case {
    let mut case = draft_fuse_change(id, "demo_el", T0);
    case.status = Status::Closed;
    case.submitted_at = Some(T0);
    case.fields.insert("owner.identity_number".into(), "19121212-1212".into());
    case
}

async fn a_new_link_replaces_the_cases_old_one<S: Store>(s: &S) {
    assert_eq!(s.customer_link("h1").await.unwrap(), None);
    assert_eq!(s.case_customer_link("c1").await.unwrap(), None);
    s.put_customer_link(&link("c1", "h1")).await.unwrap();
    s.put_customer_link(&link("c2", "h2")).await.unwrap();
    assert_eq!(s.customer_link("h1").await.unwrap(), Some(link("c1", "h1")));
    assert_eq!(s.case_customer_link("c1").await.unwrap(), Some(link("c1", "h1")));

    s.put_customer_link(&link("c1", "h3")).await.unwrap();
    assert_eq!(s.customer_link("h1").await.unwrap(), None, "the old link stops working");
    assert_eq!(s.customer_link("h3").await.unwrap(), Some(link("c1", "h3")));
    assert_eq!(s.case_customer_link("c1").await.unwrap(), Some(link("c1", "h3")));
    assert_eq!(s.customer_link("h2").await.unwrap(), Some(link("c2", "h2")), "others stay");
}

async fn a_removed_link_is_gone_and_removing_again_is_no_error<S: Store>(s: &S) {
    s.put_customer_link(&link("c1", "h1")).await.unwrap();
    s.remove_customer_link("c1").await.unwrap();
    assert_eq!(s.customer_link("h1").await.unwrap(), None);
    assert_eq!(s.case_customer_link("c1").await.unwrap(), None);
    s.remove_customer_link("c1").await.unwrap();
    s.remove_customer_link("never").await.unwrap();
}

async fn counted_uses_stop_at_the_cap<S: Store>(s: &S) {
    let used = CappedUse { key: "reads#x#1".into(), cap: 3, lifetime: Duration::minutes(2) };
    for _ in 0..3 {
        s.count_use(&used).await.unwrap();
    }
    assert!(matches!(s.count_use(&used).await, Err(StoreError::CapReached(0))));
    assert!(matches!(s.count_use(&used).await, Err(StoreError::CapReached(0))));
    let other = CappedUse { key: "reads#y#1".into(), ..used };
    s.count_use(&other).await.unwrap();
}

/// The sweep removes a link with the identity numbers of its case, and with the case.
async fn the_sweep_takes_the_link_with_the_personal_data<S: Store>(s: &S) {
    let dir = tempfile::tempdir().unwrap();
    let files = handler::store::files::Files::Local(std::sync::Arc::new(
        handler::store::files::local::LocalFiles::new(dir.path().into(), "http://x", &[7; 32])
            .unwrap(),
    ));
    let defs = Definitions::builtin();
    s.create_case(&closed_case("c1")).await.unwrap();
    s.put_customer_link(&link("c1", "h1")).await.unwrap();
    sweep(s, &files, defs, T0 + Duration::days(10)).await.unwrap();
    assert!(s.customer_link("h1").await.unwrap().is_some(), "kept while the data is");
    let swept = sweep(s, &files, defs, T0 + Duration::days(181)).await.unwrap();
    assert_eq!(swept.identity_numbers_removed, 1);
    assert_eq!(s.customer_link("h1").await.unwrap(), None);

    s.put_customer_link(&link("c1", "h2")).await.unwrap();
    let swept = sweep(s, &files, defs, T0 + Duration::days(1096)).await.unwrap();
    assert_eq!(swept.cases_removed, 1);
    assert_eq!(s.customer_link("h2").await.unwrap(), None);
    assert_eq!(s.case_customer_link("c1").await.unwrap(), None);
}

contract!(
    a_new_link_replaces_the_cases_old_one,
    a_removed_link_is_gone_and_removing_again_is_no_error,
    counted_uses_stop_at_the_cap,
    the_sweep_takes_the_link_with_the_personal_data,
);
