//! The outbox: e-mails stored with the change that caused them, or not at all; taken when due,
//! removed when sent, kept for later when not.

use forms::{Case, Status};
use handler::store::{Notification, Store, StoreError};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::support::cases::draft_fuse_change;

const T0: OffsetDateTime = datetime!(2026-11-28 09:00 UTC);

fn mail(id: &str, at: OffsetDateTime) -> Notification {
    Notification {
        id: id.into(),
        to: "anna@demo-el.example".into(),
        subject: "ÖK-2026-00001 – Status: Godkänd".into(),
        body: "Ärende ÖK-2026-00001.".into(),
        created_at: at,
        attempts: 0,
        case_id: None,
        webhook: None,
        retry_at: at,
    }
}

fn sent_case() -> Case {
    let mut case = draft_fuse_change("c1", "firm-a", T0);
    case.status = Status::Submitted;
    case.submitted_at = Some(T0);
    case
}

async fn e_mails_are_stored_with_their_change_or_not_at_all<S: Store>(s: &S) {
    let mut case = sent_case();
    s.create_case(&case).await.unwrap();
    let stale = case.clone();
    case.touch(T0 + Duration::minutes(1));
    s.update_case_notifying(&case, &[mail("m1", T0), mail("m2", T0 + Duration::seconds(1))])
        .await
        .unwrap();
    let mut stale = stale;
    stale.touch(T0 + Duration::minutes(2));
    let refused = s.update_case_notifying(&stale, &[mail("m3", T0)]).await;
    assert!(matches!(refused, Err(StoreError::VersionConflict)));
    let due = s.due_notifications(T0 + Duration::minutes(5), 10).await.unwrap();
    assert_eq!(due, [mail("m1", T0), mail("m2", T0 + Duration::seconds(1))], "m3 never stored");
    assert_eq!(s.due_notifications(T0 + Duration::minutes(5), 1).await.unwrap().len(), 1);

    // Sent: gone. Failed: back when its time comes.
    s.notification_sent(&due[0]).await.unwrap();
    let mut later = due[1].clone();
    later.attempts = 1;
    later.retry_at = T0 + Duration::hours(1);
    s.notification_failed(&later).await.unwrap();
    assert!(s.due_notifications(T0 + Duration::minutes(5), 10).await.unwrap().is_empty());
    assert_eq!(s.due_notifications(T0 + Duration::hours(2), 10).await.unwrap(), [later]);
}

/// An erasure reaches the e-mails about a case not yet sent: they are found by their case and
/// rewritten, and one sent meanwhile stays gone. Then the store forgets what was overwritten.
async fn a_cases_e_mails_are_found_and_rewritten<S: Store>(s: &S) {
    let mut case = sent_case();
    s.create_case(&case).await.unwrap();
    case.touch(T0 + Duration::minutes(1));
    let about = |id: &str, case_id: &str| Notification {
        case_id: Some(case_id.into()),
        body: "Meddelande: Greta Ek ringer.".into(),
        ..mail(id, T0)
    };
    let mails = [about("m1", "c1"), about("m2", "c2"), about("m3", "c1"), mail("m4", T0)];
    s.update_case_notifying(&case, &mails).await.unwrap();
    let found = s.case_notifications("c1").await.unwrap();
    assert_eq!(found, [about("m1", "c1"), about("m3", "c1")]);
    assert_eq!(s.case_notifications("c3").await.unwrap(), []);

    let mut rewritten = found.clone();
    for mail in &mut rewritten {
        mail.body = "Meddelande: [raderat] ringer.".into();
    }
    s.notification_sent(&found[1]).await.unwrap();
    for mail in &rewritten {
        s.rewrite_notification(mail).await.unwrap();
    }
    let due = s.due_notifications(T0 + Duration::minutes(5), 10).await.unwrap();
    assert_eq!(due, [rewritten[0].clone(), about("m2", "c2"), mail("m4", T0)]);
    s.forget_removed().await.unwrap();
}

contract!(
    e_mails_are_stored_with_their_change_or_not_at_all,
    a_cases_e_mails_are_found_and_rewritten
);
