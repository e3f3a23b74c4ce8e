//! Webhooks and their deliveries: versioned writes, a company's own list, a pause written
//! with its e-mail, the latest deliveries newest first.

use handler::store::{Notification, Store, StoreError, Webhook, WebhookDelivery, WebhookSecret};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-28 09:00 UTC);

fn webhook(company: &str, id: &str) -> Webhook {
    Webhook {
        id: id.into(),
        company: company.into(),
        url: "https://hooks.example.se/elanmalan".into(),
        events: vec!["case.sent".into(), "case.approved".into()],
        secrets: vec![WebhookSecret { key: "whsec_c2VjcmV0".into(), until: None }],
        created_by: "asa".into(),
        created_at: T0,
        contact: Some("anmalningar@oresundskraft.example".into()),
        failing_since: None,
        paused_at: None,
        version: 1,
    }
}

async fn webhooks_are_versioned_and_the_companys_own<S: Store>(s: &S) {
    let first = webhook("oresundskraft", "w1");
    s.put_webhook(&first, &[]).await.unwrap();
    s.put_webhook(&webhook("oresundskraft", "w2"), &[]).await.unwrap();
    s.put_webhook(&webhook("other", "w3"), &[]).await.unwrap();
    assert!(matches!(s.put_webhook(&first, &[]).await, Err(StoreError::AlreadyExists)));

    let ids = |list: Vec<Webhook>| list.into_iter().map(|w| w.id).collect::<Vec<_>>();
    assert_eq!(ids(s.company_webhooks("oresundskraft").await.unwrap()), ["w1", "w2"]);
    assert_eq!(s.webhook("other", "w1").await.unwrap(), None, "not another company's");

    let failing = Webhook { failing_since: Some(T0), version: 2, ..first.clone() };
    s.put_webhook(&failing, &[]).await.unwrap();
    assert_eq!(s.webhook("oresundskraft", "w1").await.unwrap(), Some(failing.clone()));
    let stale = Webhook { paused_at: Some(T0), version: 2, ..first.clone() };
    assert!(matches!(s.put_webhook(&stale, &[]).await, Err(StoreError::VersionConflict)));

    // A pause and its e-mail together.
    let mail = Notification {
        id: "pause-mail".into(),
        to: "anmalningar@oresundskraft.example".into(),
        subject: "Webhook pausad".into(),
        body: "Pausad.".into(),
        created_at: T0,
        attempts: 0,
        case_id: None,
        webhook: None,
        retry_at: T0,
    };
    let paused = Webhook { paused_at: Some(T0), version: 3, ..failing };
    s.put_webhook(&paused, std::slice::from_ref(&mail)).await.unwrap();
    assert_eq!(s.due_notifications(T0, 10).await.unwrap(), std::slice::from_ref(&mail));
    let lost = Webhook { version: 3, ..paused.clone() };
    let other_mail = Notification { id: "lost".into(), ..mail.clone() };
    assert!(matches!(s.put_webhook(&lost, &[other_mail]).await, Err(StoreError::VersionConflict)));
    assert_eq!(s.due_notifications(T0, 10).await.unwrap(), [mail], "nothing of the lost write");

    assert!(s.remove_webhook("oresundskraft", "w1").await.unwrap());
    assert!(!s.remove_webhook("oresundskraft", "w1").await.unwrap());
    assert!(!s.remove_webhook("oresundskraft", "w3").await.unwrap(), "not another company's");
    assert_eq!(ids(s.company_webhooks("oresundskraft").await.unwrap()), ["w2"]);
}

async fn a_webhooks_latest_deliveries_come_newest_first<S: Store>(s: &S) {
    let delivery = |webhook: &str, minutes: i64, attempt: u32| WebhookDelivery {
        webhook: webhook.into(),
        event_id: "msg_1".into(),
        kind: "case.sent".into(),
        at: T0 + Duration::minutes(minutes),
        attempt,
        delivered: attempt == 3,
        status: Some(if attempt == 3 { 204 } else { 500 }),
        reason: (attempt < 3).then(|| "Mottagaren svarade med status 500.".into()),
    };
    for (minutes, attempt) in [(0, 1), (1, 2), (3, 3)] {
        s.record_webhook_delivery(&delivery("w1", minutes, attempt)).await.unwrap();
    }
    s.record_webhook_delivery(&delivery("w2", 0, 1)).await.unwrap();
    let latest = s.webhook_deliveries("w1", 2).await.unwrap();
    assert_eq!(latest, [delivery("w1", 3, 3), delivery("w1", 1, 2)]);
    assert_eq!(s.webhook_deliveries("w1", 10).await.unwrap().len(), 3);
    assert_eq!(s.webhook_deliveries("w3", 10).await.unwrap(), []);
}

contract!(
    webhooks_are_versioned_and_the_companys_own,
    a_webhooks_latest_deliveries_come_newest_first,
);
