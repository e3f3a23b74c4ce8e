//! Webhooks (Standard Webhooks, docs/api.md "Webhooks"): a network company's admins register
//! addresses that hear of its cases' steps. Each step's event for each webhook that wants it
//! is put in the outbox with the change itself ([`case_events`]), so no stored step goes
//! unannounced; the outbox's rounds ([`crate::notify::deliver_due`]) send it, signed, at least
//! once, with growing pauses, and pause a webhook whose deliveries failed for a day.
//!
//! Events are fanned out to the webhooks when the change is written, one outbox item per
//! webhook: each delivery then has its own attempts and pauses, and a receiver that is down
//! delays no other. The cost is one read of the company's webhooks per step; a webhook
//! registered while a step is being stored may miss that step.

pub mod address;
mod sender;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use forms::{Action, Case};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

pub use self::address::{Policy, check_url, is_public};
pub use self::sender::{Outcome, Sender, deliver};
use crate::store::{Notification, StoreResult, Webhook, WebhookEvent, WebhookStore};

/// Every event a webhook may ask for.
pub const EVENTS: [&str; 8] = [
    "case.sent",
    "case.approved",
    "case.returned",
    "case.rejected",
    "case.withdrawn",
    "case.completed",
    "case.closed",
    "case.message",
];

/// A company's webhooks at the most (each step writes one outbox item per webhook, and a
/// DynamoDB transaction takes 100 items).
pub const MAX_WEBHOOKS: usize = 10;

/// How long the old secret keeps signing after a rotation.
pub const ROTATION_OVERLAP: time::Duration = time::Duration::hours(24);

/// How long a webhook's deliveries may fail before it is paused.
pub const PAUSE_AFTER: time::Duration = time::Duration::hours(24);

/// The event a step announces, if any.
pub fn event_of(action: Action) -> Option<&'static str> {
    Some(match action {
        Action::Submit => "case.sent",
        Action::Approve => "case.approved",
        Action::Return => "case.returned",
        Action::Reject => "case.rejected",
        Action::Withdraw => "case.withdrawn",
        Action::Complete => "case.completed",
        Action::Close => "case.closed",
        Action::Message => "case.message",
        Action::Create | Action::DefinitionsUpdated => return None,
    })
}

/// A new signing secret: `whsec_` and 32 random bytes in base64 (two v4 UUIDs' bytes, from
/// the operating system's generator, as the other secrets here).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the secret's decoded bytes; `None`
/// for a secret that is not `whsec_<base64>`.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: one signature per secret still signing at `now`, newest
/// first, space-separated (two during a rotation).
pub fn signature_header(
    webhook: &Webhook,
    now: OffsetDateTime,
    id: &str,
    timestamp: i64,
    body: &str,
) -> String {
    webhook
        .secrets
        .iter()
        .filter(|secret| secret.until.is_none_or(|until| until > now))
        .filter_map(|secret| sign(&secret.key, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The outbox items that announce the steps of `case` after the first `before` to the
/// webhooks among `webhooks` that want them and are not paused.
pub fn events(
    case: &Case,
    webhooks: &[Webhook],
    before: usize,
    now: OffsetDateTime,
) -> Vec<Notification> {
    let mut items = Vec::new();
    for step in case.history.iter().skip(before) {
        let Some(kind) = event_of(step.action) else { continue };
        let payload = serde_json::json!({
            "type": kind,
            "timestamp": step.at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            "data": {
                "case_id": case.id,
                "number": case.number,
                "company": case.company,
                "status": step.to.as_str(),
            },
        })
        .to_string();
        for webhook in webhooks {
            if webhook.paused_at.is_some() || !webhook.events.iter().any(|e| e == kind) {
                continue;
            }
            items.push(Notification {
                id: format!("msg_{}", uuid::Uuid::new_v4().simple()),
                to: String::new(),
                subject: String::new(),
                body: String::new(),
                created_at: now,
                attempts: 0,
                case_id: Some(case.id.clone()),
                retry_at: now,
                webhook: Some(WebhookEvent {
                    company: case.company.clone(),
                    webhook: webhook.id.clone(),
                    kind: kind.to_string(),
                    payload: payload.clone(),
                }),
            });
        }
    }
    items
}

/// [`events`] for the company's webhooks, read only when a step announces something.
pub async fn case_events<S: WebhookStore>(
    store: &S,
    case: &Case,
    before: usize,
    now: OffsetDateTime,
) -> StoreResult<Vec<Notification>> {
    if !case.history.iter().skip(before).any(|step| event_of(step.action).is_some()) {
        return Ok(Vec::new());
    }
    let webhooks = store.company_webhooks(&case.company).await?;
    Ok(events(case, &webhooks, before, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_example() {
        // The example in the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(signature.as_deref(), Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }

    #[test]
    fn a_new_secret_is_32_random_bytes() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(STANDARD.decode(a.strip_prefix("whsec_").unwrap()).unwrap().len(), 32);
    }
}
