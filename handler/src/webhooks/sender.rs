//! Sends one outbox item of a webhook: signed with the webhook's secrets, to its address as
//! [`Policy`] allows, no redirect followed; records the attempt; pauses the webhook after a
//! day of failures, with an e-mail to its contact.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use super::address::PublicResolver;
use super::{PAUSE_AFTER, Policy, check_url, signature_header};
use crate::store::{
    Notification, StoreError, StoreResult, Webhook, WebhookDelivery, WebhookEvent, WebhookStore,
};

/// How long one delivery may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client for deliveries.
pub struct Sender {
    client: reqwest::Client,
    policy: Policy,
}

/// What became of an outbox item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered 2xx: the item is done.
    Delivered,
    /// Not to be sent any more (the webhook was removed or paused): the item is done.
    Dropped,
    /// To be tried again later, for this reason.
    Retry(String),
}

impl Sender {
    pub fn new(policy: Policy) -> Result<Sender, String> {
        // reqwest takes the process's rustls provider: the AWS SDK's aws-lc-rs.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .dns_resolver(Arc::new(PublicResolver))
            .user_agent("Elanmalan-Webhooks/1")
            .build()
            .map_err(|e| format!("webhook client: {e}"))?;
        Ok(Sender { client, policy })
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Posts `body`; the receiver's status, and `Err` with a reason (Swedish) unless it is 2xx.
    async fn post(
        &self,
        url: &str,
        headers: [(&'static str, String); 3],
        body: String,
    ) -> (Option<u16>, Result<(), String>) {
        let url = match check_url(url, self.policy) {
            Ok(url) => url,
            Err(reason) => return (None, Err(reason.to_string())),
        };
        let mut request =
            self.client.post(url).header("content-type", "application/json").body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let code = Some(status.as_u16());
                if status.is_success() {
                    (code, Ok(()))
                } else if status.is_redirection() {
                    (
                        code,
                        Err(format!(
                            "Mottagaren svarade med en omdirigering ({status}), som inte följs."
                        )),
                    )
                } else {
                    (code, Err(format!("Mottagaren svarade med status {}.", status.as_u16())))
                }
            }
            Err(e) if e.is_timeout() => (None, Err("Mottagaren svarade inte i tid.".into())),
            Err(e) if e.is_connect() => (
                None,
                Err("Ingen förbindelse med mottagaren (eller så pekar namnet på en adress som \
                     inte är tillåten)."
                    .into()),
            ),
            Err(_) => (None, Err("Leveransen misslyckades.".into())),
        }
    }
}

/// Delivers the outbox item `item` (carrying `event`) at `now`.
pub async fn deliver<S: WebhookStore>(
    store: &S,
    sender: &Sender,
    item: &Notification,
    event: &WebhookEvent,
    now: OffsetDateTime,
) -> StoreResult<Outcome> {
    let Some(webhook) = store.webhook(&event.company, &event.webhook).await? else {
        return Ok(Outcome::Dropped);
    };
    if webhook.paused_at.is_some() {
        return Ok(Outcome::Dropped);
    }
    let timestamp = now.unix_timestamp();
    let signature = signature_header(&webhook, now, &item.id, timestamp, &event.payload);
    let headers = [
        ("webhook-id", item.id.clone()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ];
    let (status, result) = sender.post(&webhook.url, headers, event.payload.clone()).await;
    let delivery = WebhookDelivery {
        webhook: webhook.id.clone(),
        event_id: item.id.clone(),
        kind: event.kind.clone(),
        // When it was made, so that two attempts of one round list in the order they were
        // made; the round's `now` when a test drives the clock ahead.
        at: now.max(OffsetDateTime::now_utc()),
        attempt: item.attempts + 1,
        delivered: result.is_ok(),
        status,
        reason: result.as_ref().err().cloned(),
    };
    if let Err(e) = store.record_webhook_delivery(&delivery).await {
        tracing::warn!(error = %e, "could not record a webhook delivery");
    }
    match result {
        Ok(()) => {
            if webhook.failing_since.is_some() {
                let healthy = Webhook { failing_since: None, ..next(&webhook) };
                keep(store.put_webhook(&healthy, &[]).await)?;
            }
            Ok(Outcome::Delivered)
        }
        Err(reason) => {
            let since = webhook.failing_since.unwrap_or(now);
            if now - since < PAUSE_AFTER {
                if webhook.failing_since.is_none() {
                    let failing = Webhook { failing_since: Some(since), ..next(&webhook) };
                    keep(store.put_webhook(&failing, &[]).await)?;
                }
                return Ok(Outcome::Retry(reason));
            }
            let paused = Webhook { paused_at: Some(now), ..next(&webhook) };
            let mail: Vec<Notification> = paused_mail(&paused, now).into_iter().collect();
            match store.put_webhook(&paused, &mail).await {
                Ok(()) => {
                    tracing::warn!(webhook = %webhook.id, "webhook paused after a day of failures");
                    Ok(Outcome::Dropped)
                }
                // Changed meanwhile (rotated, resumed): decided again at the next attempt.
                Err(StoreError::VersionConflict) => Ok(Outcome::Retry(reason)),
                Err(e) => Err(e),
            }
        }
    }
}

/// The webhook's next version.
fn next(webhook: &Webhook) -> Webhook {
    Webhook { version: webhook.version + 1, ..webhook.clone() }
}

/// A change of the webhook's health that lost to an admin's change is left for the next
/// attempt.
fn keep(result: StoreResult<()>) -> StoreResult<()> {
    match result {
        Err(StoreError::VersionConflict) => Ok(()),
        other => other,
    }
}

/// The e-mail that tells the webhook's contact that it was paused.
fn paused_mail(webhook: &Webhook, now: OffsetDateTime) -> Option<Notification> {
    let to = webhook.contact.clone()?;
    let since = webhook
        .failing_since
        .and_then(|since| since.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default();
    Some(Notification {
        id: uuid::Uuid::new_v4().to_string(),
        to,
        subject: "Webhook pausad i Elanmälan".into(),
        body: format!(
            "Elanmälan har inte kunnat leverera händelser till webhooken {} sedan {since} \
             (UTC), och har därför pausat den. Inga fler händelser skickas dit förrän en \
             administratör återupptar den på sidan Webhooks, där leveranserna och felen \
             visas.\n\nDet här e-postmeddelandet skickades automatiskt.\n",
            webhook.url
        ),
        created_at: now,
        attempts: 0,
        case_id: None,
        retry_at: now,
        webhook: None,
    })
}
