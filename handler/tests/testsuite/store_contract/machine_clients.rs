//! Machine clients: stored once by id, listed by their firm or company alone, removed with both
//! their items.

use forms::Role;
use handler::store::{MachineClient, Store, StoreError};
use time::macros::datetime;

fn client(id: &str, role: Role, org: &str) -> MachineClient {
    MachineClient {
        id: id.into(),
        name: format!("System {id}"),
        role,
        org: org.into(),
        scopes: vec!["cases.read".into(), "cases.write".into()],
        secret_hash: Some("hash".into()),
        created_by: "anna".into(),
        created_at: datetime!(2026-01-01 12:00 UTC),
    }
}

async fn machine_clients_are_kept_by_id_and_listed_by_org(store: &impl Store) {
    let a = client("c1", Role::Installer, "demo_el");
    let b = client("c2", Role::Installer, "demo_el");
    let other = client("c3", Role::Installer, "annan_el");
    // The same id at a company of the same name is another list.
    let company = client("c4", Role::NetworkCompany, "demo_el");
    for c in [&b, &a, &other, &company] {
        store.put_machine_client(c).await.unwrap();
    }
    assert_eq!(store.machine_client("c1").await.unwrap(), Some(a.clone()));
    assert_eq!(store.machine_client("nobody").await.unwrap(), None);
    assert_eq!(store.machine_clients(Role::Installer, "demo_el").await.unwrap(), [a.clone(), b]);
    assert_eq!(store.machine_clients(Role::NetworkCompany, "demo_el").await.unwrap(), [company]);
    assert!(store.machine_clients(Role::Installer, "none").await.unwrap().is_empty());

    let taken = client("c1", Role::Installer, "annan_el");
    assert!(matches!(store.put_machine_client(&taken).await, Err(StoreError::AlreadyExists)));
    assert_eq!(store.machine_client("c1").await.unwrap(), Some(a));

    assert!(store.remove_machine_client("c1").await.unwrap());
    assert!(!store.remove_machine_client("c1").await.unwrap());
    assert_eq!(store.machine_client("c1").await.unwrap(), None);
    assert_eq!(store.machine_clients(Role::Installer, "demo_el").await.unwrap().len(), 1);
    assert_eq!(store.machine_clients(Role::Installer, "annan_el").await.unwrap(), [other]);
}

contract!(machine_clients_are_kept_by_id_and_listed_by_org);
