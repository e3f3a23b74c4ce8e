//! E-mail to the other side of a case: every status change and message produces one, put in the
//! store's outbox with the change itself, and sent from there by [`deliver`], retried until it
//! goes out. Sending never blocks or fails the action that caused it.
//!
//! Where e-mails go: the installer who created the case (`Case::contact_email`), and the
//! network company's `inbox_email` in its definitions. `handler serve` writes them as `.eml`
//! files under the data directory; on AWS they go through Amazon SES.

mod mailer;

use std::sync::Arc;
use std::time::Duration;

use forms::definitions::Company;
use forms::{Action, Case, HistoryEntry, Role};
use time::OffsetDateTime;
use tokio::sync::Notify;

pub use self::mailer::{Mailer, SendError};
use crate::store::{Notification, OutboxStore, StoreError, WebhookStore};
use crate::webhooks::{self, Outcome};

/// The e-mails that the newest steps of `case` (those after `before` steps) give, one per step.
/// `firm` is the name of the case's installer firm; `site` is the site's address, for a link
/// to the case.
pub fn notifications(
    case: &Case,
    company: &Company,
    firm: &str,
    before: usize,
    site: &str,
    now: OffsetDateTime,
) -> Vec<Notification> {
    case.history
        .iter()
        .skip(before)
        .filter_map(|step| {
            // The side that did not take the step hears of it; an automatic step is news for
            // the installer.
            let to = match step.role {
                Some(Role::Installer) => company.inbox_email.clone()?,
                Some(Role::NetworkCompany) | None => case.contact_email.clone()?,
            };
            let (subject, body) = text(case, company, firm, step, site);
            Some(Notification {
                id: uuid::Uuid::new_v4().to_string(),
                to,
                subject,
                body,
                created_at: now,
                attempts: 0,
                retry_at: now,
                case_id: Some(case.id.clone()),
                webhook: None,
            })
        })
        .collect()
}

/// The subject and the text of the e-mail about `step`, in Swedish.
fn text(
    case: &Case,
    company: &Company,
    firm: &str,
    step: &HistoryEntry,
    site: &str,
) -> (String, String) {
    let what = match step.action {
        Action::Message => "Nytt meddelande".to_string(),
        Action::Submit => "Ny anmälan att handlägga".to_string(),
        _ => format!("Status: {}", step.to.label()),
    };
    let subject = format!("{} – {what}", case.number);
    let mut body = format!("Ärende {} hos {} från {firm}.\n\n{what}.\n", case.number, company.name);
    if let Some(message) = &step.message {
        body.push_str(&format!("\nMeddelande:\n{message}\n"));
    }
    let link =
        format!("{site}/anmalan/{}/{}/?id={}", case.company, case.installation_type, case.id);
    body.push_str(&format!(
        "\nÖppna ärendet i Elanmälan: {link}\n\nDet här e-postmeddelandet skickades automatiskt; \
         svara i Elanmälan, inte på det här brevet.\n"
    ));
    (subject, body)
}

/// How many e-mails one round takes from the outbox.
pub const ROUND: usize = 20;

/// What one round of [`deliver_due`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
}

impl Round {
    /// Whether more may be due at once: the round took all it could, and e-mails go out (when
    /// none do, the next round waits for its time instead of trying again at once).
    pub fn more_may_be_due(&self) -> bool {
        self.sent + self.failed >= ROUND && self.sent > 0
    }
}

/// Sends what is due in the outbox now: [`deliver_due_at`] at this moment.
pub async fn deliver_due<S: OutboxStore + WebhookStore>(
    store: &S,
    mailer: &Mailer,
    hooks: &webhooks::Sender,
) -> Result<Round, StoreError> {
    deliver_due_at(store, mailer, hooks, OffsetDateTime::now_utc()).await
}

/// Sends what is due in the outbox at `now`, at most [`ROUND`] items: e-mails, and webhooks'
/// events ([`webhooks::deliver`]); a failed one waits longer each time. Logs name no address:
/// only counts and reasons.
pub async fn deliver_due_at<S: OutboxStore + WebhookStore>(
    store: &S,
    mailer: &Mailer,
    hooks: &webhooks::Sender,
    now: OffsetDateTime,
) -> Result<Round, StoreError> {
    deliver_due_until(store, mailer, hooks, now, None).await
}

/// [`deliver_due_at`], taking no further item once `deadline` has passed: the outbox function
/// must end its rounds before Lambda's timeout, or an item it sent would stay due and go out
/// again. What it did not take stays due for the next invocation.
pub async fn deliver_due_until<S: OutboxStore + WebhookStore>(
    store: &S,
    mailer: &Mailer,
    hooks: &webhooks::Sender,
    now: OffsetDateTime,
    deadline: Option<std::time::Instant>,
) -> Result<Round, StoreError> {
    let mut round = Round::default();
    for mut notification in store.due_notifications(now, ROUND).await? {
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            break;
        }
        let outcome = match notification.webhook.clone() {
            // Boxed: the Lambda function's future is otherwise too deep for the compiler.
            Some(event) => Box::pin(webhooks::deliver(store, hooks, &notification, &event, now))
                .await
                .unwrap_or_else(|e| Outcome::Retry(e.to_string())),
            None => match mailer.send(&notification).await {
                Ok(()) => Outcome::Delivered,
                // Trying again cannot help: it leaves the outbox unsent (an address stored
                // before addresses were checked at sign-in).
                Err(SendError::BadAddress) => {
                    tracing::warn!("e-mail dropped: its address is not one e-mail address");
                    Outcome::Dropped
                }
                Err(SendError::Failed(reason)) => Outcome::Retry(reason),
            },
        };
        match outcome {
            Outcome::Delivered | Outcome::Dropped => {
                if outcome == Outcome::Delivered {
                    round.sent += 1;
                } else {
                    round.failed += 1;
                }
                if let Err(e) = store.notification_sent(&notification).await {
                    tracing::warn!(error = %e, "sent or dropped item left in the outbox");
                }
            }
            Outcome::Retry(reason) => {
                round.failed += 1;
                notification.attempts += 1;
                notification.retry_at = now + backoff(notification.attempts);
                let webhook = notification.webhook.is_some();
                tracing::warn!(%reason, attempts = notification.attempts, webhook, "outbox item not sent; will retry");
                if let Err(e) = store.notification_failed(&notification).await {
                    tracing::warn!(error = %e, "could not reschedule an outbox item");
                }
            }
        }
    }
    Ok(round)
}

/// `handler serve`'s sender: a round of [`deliver_due`] now, and again whenever `ready` is
/// notified (a change put e-mails in the outbox) or a while has passed. Runs until the process
/// ends. (On Lambda a scheduled function does the rounds instead: `lambda::run`.)
pub async fn deliver<S: OutboxStore + WebhookStore>(
    store: S,
    mailer: Arc<Mailer>,
    hooks: Arc<webhooks::Sender>,
    ready: Arc<Notify>,
) {
    loop {
        match deliver_due(&store, &mailer, &hooks).await {
            Ok(round) if round.more_may_be_due() => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not read the outbox"),
        }
        tokio::select! {
            () = ready.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(10)) => {}
        }
    }
}

/// 30 s, 1 min, 2 min, ... up to 6 hours between attempts.
fn backoff(attempts: u32) -> time::Duration {
    let seconds = 30i64.saturating_mul(1 << attempts.clamp(1, 20).saturating_sub(1));
    time::Duration::seconds(seconds.min(6 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_round_at_once_only_when_this_one_was_full_and_mail_went_out() {
        let round = |sent, failed| Round { sent, failed }.more_may_be_due();
        assert!(round(ROUND, 0));
        assert!(round(ROUND - 1, 1));
        assert!(!round(ROUND - 1, 0), "fewer were due than a round takes");
        assert!(!round(0, ROUND), "none went out: wait for the next round's time");
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_six_hours() {
        assert_eq!(backoff(1), time::Duration::seconds(30));
        assert_eq!(backoff(2), time::Duration::seconds(60));
        assert_eq!(backoff(5), time::Duration::seconds(480));
        assert_eq!(backoff(40), time::Duration::hours(6));
    }
}
