//! Retention (issue 11): with a clock the test controls, what each store keeps and what the
//! sweep removes at each age, per status, per company, attachments and the audit log included.

use std::sync::Arc;

use forms::retention::Retention;
use forms::{Action, Attachment, Case, Definitions, FileType, HistoryEntry, Role, Status};
use handler::retention::{Swept, sweep};
use handler::store::files::local::LocalFiles;
use handler::store::files::{Files, file_key};
use handler::store::{AuditEntry, CaseStore, PageRequest, Store};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// When every case of the test was last changed.
const T0: OffsetDateTime = datetime!(2026-01-01 12:00 UTC);

fn case(id: &str, company: &str, status: Status) -> Case {
    let defs = Definitions::builtin();
    let form = defs.form(company, "fuse_change").unwrap();
    let area = form.company.network_areas[0].id.clone();
    let mut case = Case::new_draft(
        id.into(),
        format!("X-2026-{id}"),
        &form,
        form.installation_type.job_types[0].id.clone(),
        area,
        "demo_el".into(),
        "anna".into(),
        T0,
    );
    case.status = status;
    if status != Status::Draft {
        case.submitted_at = Some(T0);
    }
    case.fields.insert("owner.name".into(), "Greta Ek".into());
    case.fields.insert("owner.identity_number".into(), "19121212-1212".into());
    case.fields.insert("payer.identity_number".into(), "556074-3089".into());
    case
}

fn audit(id: &str, at: OffsetDateTime) -> AuditEntry {
    AuditEntry {
        id: id.into(),
        company: "oresundskraft".into(),
        at,
        user: "anna".into(),
        firm: "demo_el".into(),
        case_id: "c".into(),
        case_number: "X".into(),
        act: handler::store::AuditAct::Lookup,
        by: Some(forms::LookupKey::Ean),
        found: true,
        limit_reached: None,
    }
}

fn local_files(dir: &std::path::Path) -> Files {
    Files::Local(Arc::new(LocalFiles::new(dir.into(), "http://x", &[7; 32]).unwrap()))
}

/// What is left of each case: `None` gone, else whether it still has identity numbers.
async fn left<S: Store>(s: &S, ids: &[&str]) -> Vec<(String, Option<bool>)> {
    let mut left = Vec::new();
    for id in ids {
        let case = s.get_case(id).await.unwrap();
        let has = case.map(|c| c.fields.contains_key("owner.identity_number"));
        left.push((id.to_string(), has));
    }
    left
}

async fn the_sweep_removes_what_is_due_at_each_age_per_status<S: Store>(s: &S) {
    let dir = tempfile::tempdir().unwrap();
    let files = local_files(dir.path());
    // Fiktiva Elnät Syd keeps drafts 10 days, identity numbers 20 and cases 30; Öresundskraft
    // has the defaults (90, 180, 1095).
    let mut defs = Definitions::builtin().clone();
    let short = Retention {
        drafts: Duration::days(10),
        identity_numbers: Duration::days(20),
        cases: Duration::days(30),
    };
    defs.companies.iter_mut().find(|c| c.id == "fiktiva_elnat_syd").unwrap().retention = short;

    let statuses = [
        ("draft", Status::Draft),
        ("closed", Status::Closed),
        ("withdrawn", Status::Withdrawn),
        ("rejected", Status::Rejected),
        ("approved", Status::Approved),
        ("submitted", Status::Submitted),
    ];
    let mut ids = Vec::new();
    for (name, status) in statuses {
        let mut c = case(name, "oresundskraft", status);
        if name == "closed" {
            c.attachments.push(Attachment {
                id: "a1".into(),
                field: "work.site_plan".into(),
                name: "plan.pdf".into(),
                file_type: FileType::Pdf,
                size: 4,
                uploaded_at: T0,
                uploaded_by: "anna".into(),
            });
        }
        s.create_case(&c).await.unwrap();
        ids.push(name);
    }
    for (name, status) in [("syd-draft", Status::Draft), ("syd-closed", Status::Closed)] {
        s.create_case(&case(name, "fiktiva_elnat_syd", status)).await.unwrap();
        ids.push(name);
    }
    // A draft withdrawn without ever being sent goes as a draft (90 days), not as a case.
    let mut unsent = case("unsent", "oresundskraft", Status::Withdrawn);
    unsent.submitted_at = None;
    s.create_case(&unsent).await.unwrap();
    ids.push("unsent");
    let attachment = dir.path().join(file_key("closed", "a1"));
    std::fs::create_dir_all(attachment.parent().unwrap()).unwrap();
    std::fs::write(&attachment, b"%PDF").unwrap();
    s.record_lookup(&audit("old", T0), &[], None).await.unwrap();
    s.record_lookup(&audit("new", T0 + Duration::days(800)), &[], None).await.unwrap();

    let at = |days: i64| T0 + Duration::days(days);
    // Per case in `ids` order: K kept whole, k kept without identity numbers, x removed.
    let steps = [
        // draft, closed, withdrawn, rejected, approved, submitted, syd-draft, syd-closed, unsent
        (5, "KKKKKKKKK"),
        (11, "KKKKKKxKK"),
        (21, "KKKKKKxkK"),
        (95, "xKKKKKxxx"),
        (185, "xkkkKKxxx"),
        (1100, "xxxxKKxxx"),
    ];
    let mut last = Swept::default();
    for (days, expected) in steps {
        last = sweep(s, &files, &defs, at(days)).await.unwrap();
        let swept = last;
        let got = left(s, &ids).await;
        let state = |c| match c {
            'K' => Some(true),
            'k' => Some(false),
            _ => None,
        };
        let want: Vec<(String, Option<bool>)> =
            ids.iter().zip(expected.chars()).map(|(id, c)| (id.to_string(), state(c))).collect();
        assert_eq!(got, want, "day {days}: {swept:?}");
        // The closed case's attachment goes with it, not before.
        assert_eq!(attachment.exists(), days < 1100, "day {days}");
    }
    // The audit log: at day 1100 the entry from day 0 is over 400 days old and goes where the
    // sweep prunes (SQLite); DynamoDB's TTL removes it by itself, so there the sweep does not.
    let page = PageRequest { limit: 10, after: None };
    let entries = s.lookups("oresundskraft", T0 - Duration::days(1), at(2000), &page).await;
    let ids: Vec<String> = entries.unwrap().items.into_iter().map(|e| e.id).collect();
    if std::any::type_name::<S>().ends_with("SqliteStore") {
        assert_eq!((last.audit_entries_removed, ids), (1, vec!["new".to_string()]));
    } else {
        assert_eq!((last.audit_entries_removed, ids.len()), (0, 2), "DynamoDB: its TTL's work");
    }
    assert_eq!(s.prune_lookups(at(1100) - forms::retention::AUDIT_RETENTION).await.unwrap(), 0);
}

/// Identity numbers removed: a new version, the same time of last change, the rest kept.
async fn removing_identity_numbers_keeps_the_rest_and_the_time<S: Store>(s: &S) {
    let dir = tempfile::tempdir().unwrap();
    let files = local_files(dir.path());
    let c = case("closed", "oresundskraft", Status::Closed);
    s.create_case(&c).await.unwrap();
    let swept = sweep(s, &files, Definitions::builtin(), T0 + Duration::days(200)).await.unwrap();
    assert_eq!(swept.identity_numbers_removed, 1);
    let after = s.get_case("closed").await.unwrap().unwrap();
    assert_eq!(after.version, c.version + 1);
    assert_eq!(after.updated_at, T0);
    assert_eq!(after.fields.get("owner.name").map(String::as_str), Some("Greta Ek"));
    assert!(!after.fields.contains_key("payer.identity_number"));
    // Nothing more to remove: the next sweep writes nothing.
    let again = sweep(s, &files, Definitions::builtin(), T0 + Duration::days(201)).await.unwrap();
    assert_eq!(again, Swept::default());
    assert_eq!(s.get_case("closed").await.unwrap().unwrap().version, c.version + 1);
}

/// A case closed at T0 with a message stored 100 days later (before messages on ended cases
/// were refused), which moved its time of last change; and a field that held an identity
/// number under the definitions of its time, no longer declared so.
fn ended_case() -> Case {
    let mut c = case("ended", "oresundskraft", Status::Closed);
    let step = |at, action, from, message: Option<&str>| HistoryEntry {
        at,
        by: "karin".into(),
        role: Some(Role::NetworkCompany),
        action,
        from: Some(from),
        to: Status::Closed,
        message: message.map(String::from),
    };
    let later = T0 + Duration::days(100);
    c.history.push(step(T0, Action::Close, Status::Completed, None));
    let message = "Fråga om 19121212-1212.";
    c.history.push(step(later, Action::Message, Status::Closed, Some(message)));
    c.updated_at = later;
    c.fields.insert("owner.old_number".into(), "19121212-1212".into());
    c.identity_fields.push("owner.old_number".into());
    c
}

/// The clock runs from the status change that ended the case, whatever was written after it
/// (here a message stored before messages on ended cases were refused, which moved the time of
/// last change), and every field that held an identity number when it was written is cleared,
/// whether the definitions declare it so now or not.
async fn the_clock_runs_from_the_end_and_clears_every_identity_field<S: Store>(s: &S) {
    let dir = tempfile::tempdir().unwrap();
    let files = local_files(dir.path());
    let c = ended_case();
    s.create_case(&c).await.unwrap();

    let defs = Definitions::builtin();
    let at = |days: i64| T0 + Duration::days(days);
    assert_eq!(sweep(s, &files, defs, at(179)).await.unwrap(), Swept::default());
    let swept = sweep(s, &files, defs, at(181)).await.unwrap();
    assert_eq!(swept.identity_numbers_removed, 1);
    let after = s.get_case("ended").await.unwrap().unwrap();
    let fields: Vec<&str> = after.fields.keys().map(String::as_str).collect();
    assert_eq!(fields, ["owner.name"]);
    let message = after.history.last().unwrap().message.as_deref();
    assert_eq!(message, Some("Fråga om [raderat]."), "the number goes from the texts too");
    assert_eq!(sweep(s, &files, defs, at(1094)).await.unwrap().cases_removed, 0);
    assert_eq!(sweep(s, &files, defs, at(1095)).await.unwrap().cases_removed, 1);
}

/// The sweep's candidates come a page at a time, each once, only in the statuses asked for and
/// only changed before the time given.
async fn retention_candidates_pages_through_each_candidate_once<S: Store>(s: &S) {
    for n in 0..7 {
        let status = if n % 2 == 0 { Status::Closed } else { Status::Approved };
        let mut c = case(&format!("c{n}"), "oresundskraft", status);
        c.updated_at = T0 + Duration::days(n);
        s.create_case(&c).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut page = PageRequest { limit: 2, after: None };
    loop {
        let found =
            s.retention_candidates(&[Status::Closed], T0 + Duration::days(5), &page).await.unwrap();
        assert!(found.items.len() <= 2);
        seen.extend(found.items.into_iter().map(|c| c.id));
        match found.next {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["c0", "c2", "c4"]);
    s.remove_case("c0").await.unwrap();
    s.remove_case("c0").await.unwrap();
    assert!(s.get_case("c0").await.unwrap().is_none());
}

contract!(
    the_sweep_removes_what_is_due_at_each_age_per_status,
    removing_identity_numbers_keeps_the_rest_and_the_time,
    the_clock_runs_from_the_end_and_clears_every_identity_field,
    retention_candidates_pages_through_each_candidate_once,
);

/// A SQLite database from before `retention_from` (schema version 2) gets the column, filled
/// from each case, when it is opened: a case that ended long ago is a candidate at once.
#[tokio::test]
async fn an_older_sqlite_database_gets_the_time_retention_counts_from() {
    use handler::store::sqlite::SqliteStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    SqliteStore::open(&path).unwrap().create_case(&ended_case()).await.unwrap();
    let older = format!(
        "{} ALTER TABLE cases DROP COLUMN retention_from; PRAGMA user_version = 2;",
        super::cases::BEFORE_SEARCH_KEYS
    );
    rusqlite::Connection::open(&path).unwrap().execute_batch(&older).unwrap();

    let store = SqliteStore::open(&path).unwrap();
    let page = PageRequest { limit: 10, after: None };
    let found = store.retention_candidates(&[Status::Closed], T0 + Duration::days(1), &page);
    let ids: Vec<String> = found.await.unwrap().items.into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["ended"]);
}
