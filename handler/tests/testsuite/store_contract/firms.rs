//! The installer firms and their members.

use std::collections::BTreeSet;

use handler::store::{Firm, FirmMember, FirmStore, StoreError};

contract!(firms_are_found_by_id_and_replaced_whole, members_come_and_go_one_by_one);

fn firm(id: &str, name: &str) -> Firm {
    Firm {
        id: id.into(),
        name: name.into(),
        org_number: "556677-8899".into(),
        registration_number: None,
    }
}

fn member(firm: &str, email: &str) -> FirmMember {
    FirmMember {
        firm: firm.into(),
        email: email.into(),
        name: None,
        added_by: "admin".into(),
        added_at: time::macros::datetime!(2026-12-06 12:00 UTC),
    }
}

async fn firms_are_found_by_id_and_replaced_whole(store: &impl FirmStore) {
    let ids = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(store.all_firms().await.unwrap(), vec![]);
    assert_eq!(store.firm_membership("a_el", Some("x@a.example")).await.unwrap(), None);
    store.put_firm(&firm("b_el", "B El AB")).await.unwrap();
    store.put_firm(&firm("a_el", "A El")).await.unwrap();
    store.put_firm(&firm("a_el", "A El AB")).await.unwrap();
    let found = store.firms_by_id(&ids(&["a_el", "nobody", "b_el"])).await.unwrap();
    assert_eq!(found, vec![firm("a_el", "A El AB"), firm("b_el", "B El AB")]);
    assert_eq!(store.firms_by_id(&ids(&[])).await.unwrap(), vec![]);
    assert_eq!(store.all_firms().await.unwrap(), found);
    // More ids than one batch read takes.
    let many: BTreeSet<String> = (0..150).map(|i| format!("f{i:03}")).collect();
    for id in many.iter().step_by(10) {
        store.put_firm(&firm(id, id)).await.unwrap();
    }
    assert_eq!(store.firms_by_id(&many).await.unwrap().len(), 15);
}

async fn members_come_and_go_one_by_one(store: &impl FirmStore) {
    store.put_firm(&firm("a_el", "A El AB")).await.unwrap();
    store.put_firm(&firm("b_el", "B El AB")).await.unwrap();
    store.add_firm_member(&member("a_el", "x@a.example")).await.unwrap();
    store.add_firm_member(&member("a_el", "w@a.example")).await.unwrap();
    let again = store.add_firm_member(&member("a_el", "x@a.example")).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists)), "{again:?}");
    let emails: Vec<String> =
        store.firm_members("a_el").await.unwrap().into_iter().map(|m| m.email).collect();
    assert_eq!(emails, ["w@a.example", "x@a.example"]);
    assert_eq!(store.firm_members("b_el").await.unwrap(), vec![]);

    let a = firm("a_el", "A El AB");
    assert_eq!(
        store.firm_membership("a_el", Some("x@a.example")).await.unwrap(),
        Some((a.clone(), true))
    );
    assert_eq!(store.firm_membership("a_el", None).await.unwrap(), Some((a.clone(), false)));
    let elsewhere = store.firm_membership("b_el", Some("x@a.example")).await.unwrap();
    assert_eq!(elsewhere, Some((firm("b_el", "B El AB"), false)));

    assert!(store.remove_firm_member("a_el", "x@a.example").await.unwrap());
    assert!(!store.remove_firm_member("a_el", "x@a.example").await.unwrap());
    assert_eq!(store.firm_membership("a_el", Some("x@a.example")).await.unwrap(), Some((a, false)));
    assert_eq!(store.firm_members("a_el").await.unwrap(), vec![member("a_el", "w@a.example")]);
}
