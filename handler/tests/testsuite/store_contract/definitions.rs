//! The network companies' versions of their definitions: immutable numbered versions, one
//! published version per company, moved only from the one the caller saw, with its publication
//! and its audit entry, all or nothing.

use std::collections::BTreeMap;

use handler::store::{AuditAct, AuditEntry, DefinitionVersion, Publication, Store, StoreError};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::all_pages;

const T0: OffsetDateTime = datetime!(2026-12-01 09:00 UTC);

fn version(company: &str, number: u32, toml: &str) -> DefinitionVersion {
    DefinitionVersion {
        company: company.to_string(),
        version: number,
        toml: toml.to_string(),
        note: format!("Ändring {number}: nytt fält för säkringens märkström"),
        created_by: "admin_oresund".into(),
        created_at: T0 + Duration::minutes(i64::from(number)),
        preview_key: format!("key-{company}-{number}"),
    }
}

/// The publication of `version` over `previous` at `minute` minutes after T0, with its audit
/// entry.
fn publication(
    company: &str,
    version: u32,
    previous: Option<u32>,
    minute: i64,
) -> (Publication, AuditEntry) {
    let at = T0 + Duration::minutes(minute);
    let by = "admin_oresund".to_string();
    let publication =
        Publication { company: company.into(), version, previous, by: by.clone(), at };
    let audit = AuditEntry {
        id: format!("{company}-published-{minute}"),
        company: company.into(),
        at,
        user: by,
        firm: String::new(),
        case_id: String::new(),
        case_number: format!("version {version}"),
        act: AuditAct::DefinitionsPublished,
        by: None,
        found: true,
        limit_reached: None,
    };
    (publication, audit)
}

async fn publish<S: Store>(
    s: &S,
    company: &str,
    version: u32,
    previous: Option<u32>,
    minute: i64,
) -> Result<(), StoreError> {
    let (publication, audit) = publication(company, version, previous, minute);
    s.publish_definitions(&publication, &audit).await
}

/// The company's audit log of the day, all of it.
async fn audit_log<S: Store>(s: &S, company: &str) -> Vec<AuditEntry> {
    let (from, to) = (T0 - Duration::days(1), T0 + Duration::days(1));
    all_pages(2, async |page| s.lookups(company, from, to, page).await.unwrap()).await
}

async fn versions_are_numbered_per_company_and_immutable<S: Store>(s: &S) {
    assert!(s.definition_versions("co-x").await.unwrap().is_empty());
    // A version as long as a request body may be (64 KiB), in Swedish.
    let long = format!("# Öresundskraft\n{}", "[[fält]]\nnamn = \"Märkström\"\n".repeat(2200));
    assert!(long.len() > 64 * 1024 - 100, "{}", long.len());
    let (two, nine, ten) =
        (version("co-x", 2, &long), version("co-x", 9, "a = 1"), version("co-x", 10, "b = 2"));
    for v in [&ten, &two, &nine] {
        s.add_definition_version(v).await.unwrap();
    }
    let other = version("co-y", 2, "c = 3");
    s.add_definition_version(&other).await.unwrap();

    // A number is taken once per company: nothing is overwritten.
    let again = s.add_definition_version(&version("co-x", 2, "changed = true")).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists)), "{again:?}");

    // Oldest first, by number (not as text: 9 before 10).
    let listed = s.definition_versions("co-x").await.unwrap();
    assert_eq!(listed, [two.clone(), nine, ten.clone()]);
    assert_eq!(s.definition_versions("co-y").await.unwrap(), std::slice::from_ref(&other));
    assert!(s.definition_versions("co-z").await.unwrap().is_empty());

    assert_eq!(s.definition_version("co-x", 2).await.unwrap(), Some(two));
    assert_eq!(s.definition_version("co-x", 10).await.unwrap(), Some(ten));
    assert_eq!(s.definition_version("co-y", 2).await.unwrap(), Some(other));
    assert_eq!(s.definition_version("co-x", 3).await.unwrap(), None);
    assert_eq!(s.definition_version("co-z", 2).await.unwrap(), None);
}

/// What the store holds of co-x's publishing: `published` is its published version, and
/// `done` its publications, newest first (with their audit entries, which the log lists oldest
/// first).
async fn assert_published<S: Store>(s: &S, published: u32, done: &[&(Publication, AuditEntry)]) {
    let expected = BTreeMap::from([("co-x".to_string(), published)]);
    assert_eq!(s.published_definitions().await.unwrap(), expected);
    let publications: Vec<Publication> = done.iter().map(|p| p.0.clone()).collect();
    assert_eq!(s.definition_publications("co-x").await.unwrap(), publications, "newest first");
    let entries: Vec<AuditEntry> = done.iter().rev().map(|p| p.1.clone()).collect();
    assert_eq!(audit_log(s, "co-x").await, entries);
}

async fn publishing_moves_the_pointer_from_the_one_seen_all_or_nothing<S: Store>(s: &S) {
    assert!(s.published_definitions().await.unwrap().is_empty());
    assert!(s.definition_publications("co-x").await.unwrap().is_empty());

    publish(s, "co-x", 2, None, 1).await.unwrap();
    let first = publication("co-x", 2, None, 1);
    assert_published(s, 2, &[&first]).await;

    // Someone published meanwhile: a caller who saw none, or another version, is refused, and
    // nothing of its publication is written.
    for stale in [None, Some(3), Some(1)] {
        let refused = publish(s, "co-x", 3, stale, 2).await;
        assert!(matches!(refused, Err(StoreError::VersionConflict)), "{stale:?}: {refused:?}");
    }
    assert_published(s, 2, &[&first]).await;
    // Nor when its audit entry's id is taken (the log is append-only).
    let (taken, _) = publication("co-x", 3, Some(2), 2);
    let refused = s.publish_definitions(&taken, &first.1).await;
    assert!(matches!(refused, Err(StoreError::AlreadyExists)), "{refused:?}");
    assert_published(s, 2, &[&first]).await;

    // Forward, then back (a rollback is a publication of an older version).
    publish(s, "co-x", 3, Some(2), 3).await.unwrap();
    publish(s, "co-x", 2, Some(3), 4).await.unwrap();
    let (forward, back) = (publication("co-x", 3, Some(2), 3), publication("co-x", 2, Some(3), 4));
    assert_published(s, 2, &[&back, &forward, &first]).await;
    let log = audit_log(s, "co-x").await;
    assert!(log.iter().all(|e| e.act == AuditAct::DefinitionsPublished));
    assert_eq!(log[1].case_number, "version 3");
}

async fn every_companys_published_version_in_one_read<S: Store>(s: &S) {
    publish(s, "co-x", 2, None, 1).await.unwrap();
    publish(s, "co-y", 4, None, 2).await.unwrap();
    publish(s, "co-z", 3, None, 3).await.unwrap();
    publish(s, "co-y", 5, Some(4), 4).await.unwrap();
    let expected = BTreeMap::from([("co-x".into(), 2), ("co-y".into(), 5), ("co-z".into(), 3)]);
    assert_eq!(s.published_definitions().await.unwrap(), expected);
    // Each company's own publications only.
    let of_y = s.definition_publications("co-y").await.unwrap();
    let versions: Vec<(u32, Option<u32>)> = of_y.iter().map(|p| (p.version, p.previous)).collect();
    assert_eq!(versions, [(5, Some(4)), (4, None)]);
    assert_eq!(audit_log(s, "co-y").await.len(), 2);
    assert_eq!(audit_log(s, "co-x").await.len(), 1);
}

/// Admins publishing at once over the same published version: exactly one wins.
async fn one_of_concurrent_publications_wins<S: Store>(s: &S) {
    let mut at_once = tokio::task::JoinSet::new();
    for n in 0..6 {
        let s = s.clone();
        at_once.spawn(async move { publish(&s, "co-x", 2 + n, None, i64::from(n)).await });
    }
    let results = at_once.join_all().await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let refused = results.iter().filter(|r| matches!(r, Err(StoreError::VersionConflict))).count();
    assert_eq!((won, refused), (1, 5), "{results:?}");
    let publications = s.definition_publications("co-x").await.unwrap();
    assert_eq!(publications.len(), 1);
    let published = s.published_definitions().await.unwrap();
    assert_eq!(published, BTreeMap::from([("co-x".into(), publications[0].version)]));
    assert_eq!(audit_log(s, "co-x").await.len(), 1);
}

contract!(
    versions_are_numbered_per_company_and_immutable,
    publishing_moves_the_pointer_from_the_one_seen_all_or_nothing,
    every_companys_published_version_in_one_read,
    one_of_concurrent_publications_wins,
);
