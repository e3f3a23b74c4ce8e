//! A network company's webhooks ("Webhooks", docs/api.md): its admins register addresses and
//! the events each wants, see each one's latest deliveries, rotate its secret, resume it when
//! it was paused, and remove it. A secret is shown once, when it is made.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use forms::{Problem, ProblemCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::body::JsonBody;
use super::cases::{ApiResult, now};
use super::{ApiError, AppState, Caller, ErrorCode};
use crate::store::{Store, StoreError, Webhook, WebhookDelivery, WebhookSecret};
use crate::webhooks::{EVENTS, MAX_WEBHOOKS, ROTATION_OVERLAP, check_url, new_secret};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://` to a public address (`handler serve`: also `http://127.0.0.1:PORT`).
    pub url: String,
    /// Among `case.sent`, `case.approved`, `case.returned`, `case.rejected`,
    /// `case.withdrawn`, `case.completed`, `case.closed`, `case.message`.
    pub events: Vec<String>,
}

/// The secret, shown this once.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WebhookSecretView {
    pub id: String,
    /// `whsec_<base64>`: its decoded bytes are the HMAC key.
    pub secret: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_by: String,
    #[schemars(with = "String")]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Since when every delivery failed.
    #[schemars(with = "Option<String>")]
    #[serde(with = "time::serde::rfc3339::option")]
    pub failing_since: Option<OffsetDateTime>,
    /// Paused after a day of failures: nothing goes out until it is resumed.
    #[schemars(with = "Option<String>")]
    #[serde(with = "time::serde::rfc3339::option")]
    pub paused_at: Option<OffsetDateTime>,
    /// During a rotation: until when the old secret also signs.
    #[schemars(with = "Option<String>")]
    #[serde(with = "time::serde::rfc3339::option")]
    pub old_secret_until: Option<OffsetDateTime>,
}

impl WebhookView {
    fn of(webhook: &Webhook, now: OffsetDateTime) -> Self {
        WebhookView {
            id: webhook.id.clone(),
            url: webhook.url.clone(),
            events: webhook.events.clone(),
            created_by: webhook.created_by.clone(),
            created_at: webhook.created_at,
            failing_since: webhook.failing_since,
            paused_at: webhook.paused_at,
            old_secret_until: webhook
                .secrets
                .iter()
                .filter_map(|secret| secret.until)
                .filter(|until| *until > now)
                .max(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookView>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DeliveryList {
    /// Newest first, the latest 50 attempts.
    pub deliveries: Vec<WebhookDelivery>,
}

/// How many attempts the list of deliveries shows.
const DELIVERIES_SHOWN: usize = 50;

/// The company whose webhooks the caller manages; 403 for anyone but its admins.
fn admin_company(caller: &Caller) -> Result<&str, ApiError> {
    caller.company_admin_of().ok_or_else(|| {
        ApiError::forbidden(
            "Bara nätbolagets administratörer hanterar webhooks. Be en administratör om hjälp.",
        )
    })
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::WebhookNotFound, "Webhooken finns inte. Ladda om sidan.")
}

/// A webhook's id in the path: an unknown form is the same 404 as an unknown id.
pub struct WebhookId(String);

impl<S: Send + Sync> FromRequestParts<S> for WebhookId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(id) =
            Path::<String>::from_request_parts(parts, state).await.map_err(|_| not_found())?;
        match uuid::Uuid::try_parse(&id) {
            Ok(parsed) if parsed.hyphenated().to_string() == id => Ok(WebhookId(id)),
            _ => Err(not_found()),
        }
    }
}

fn field_problem(field: &str, code: ProblemCode, message: &str) -> Vec<Problem> {
    vec![Problem { field: field.into(), code, message: message.into() }]
}

pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> ApiResult<WebhookList> {
    let company = admin_company(&caller)?;
    let at = now();
    let webhooks = state.store.company_webhooks(company).await?;
    Ok(Json(WebhookList { webhooks: webhooks.iter().map(|w| WebhookView::of(w, at)).collect() }))
}

pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(new): JsonBody<NewWebhook>,
) -> Result<(StatusCode, Json<WebhookSecretView>), ApiError> {
    let company = admin_company(&caller)?;
    let url = check_url(new.url.trim(), state.webhook_policy).map_err(|reason| {
        ApiError::new(ErrorCode::InvalidWebhookUrl, reason).with_fields(field_problem(
            "url",
            ProblemCode::InvalidFormat,
            reason,
        ))
    })?;
    let mut events = BTreeSet::new();
    for event in &new.events {
        if !EVENTS.contains(&event.as_str()) {
            let message = format!("Okänd händelse. Välj bland: {}.", EVENTS.join(", "));
            return Err(ApiError::new(ErrorCode::UnknownWebhookEvent, message.clone())
                .with_fields(field_problem("events", ProblemCode::InvalidChoice, &message)));
        }
        events.insert(event.clone());
    }
    if events.is_empty() {
        let message = "Välj minst en händelse.";
        return Err(ApiError::new(ErrorCode::UnknownWebhookEvent, message)
            .with_fields(field_problem("events", ProblemCode::Required, message)));
    }
    if state.store.company_webhooks(company).await?.len() >= MAX_WEBHOOKS {
        return Err(ApiError::new(
            ErrorCode::TooManyWebhooks,
            format!("Nätbolaget har redan {MAX_WEBHOOKS} webhooks. Ta bort en först."),
        ));
    }
    // Who hears that it was paused: the company's inbox, else the admin who registered it.
    let contact = state
        .definitions()
        .company(company)
        .and_then(|c| c.inbox_email.clone())
        .or_else(|| caller.email.clone());
    let secret = new_secret();
    let webhook = Webhook {
        id: uuid::Uuid::new_v4().to_string(),
        company: company.to_string(),
        url: url.to_string(),
        events: events.into_iter().collect(),
        secrets: vec![WebhookSecret { key: secret.clone(), until: None }],
        created_by: caller.user.clone(),
        created_at: now(),
        contact,
        failing_since: None,
        paused_at: None,
        version: 1,
    };
    state.store.put_webhook(&webhook, &[]).await?;
    tracing::info!(company, webhook = %webhook.id, "webhook registered");
    Ok((StatusCode::CREATED, Json(WebhookSecretView { id: webhook.id, secret })))
}

pub async fn remove<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    WebhookId(id): WebhookId,
) -> Result<StatusCode, ApiError> {
    let company = admin_company(&caller)?;
    if !state.store.remove_webhook(company, &id).await? {
        return Err(not_found());
    }
    tracing::info!(company, webhook = %id, "webhook removed");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn deliveries<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    WebhookId(id): WebhookId,
) -> ApiResult<DeliveryList> {
    let company = admin_company(&caller)?;
    state.store.webhook(company, &id).await?.ok_or_else(not_found)?;
    let deliveries = state.store.webhook_deliveries(&id, DELIVERIES_SHOWN).await?;
    Ok(Json(DeliveryList { deliveries }))
}

/// A new secret, shown once; the old one goes on signing for [`ROTATION_OVERLAP`], so that
/// the receiver can change over without losing an event.
pub async fn rotate<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    WebhookId(id): WebhookId,
) -> ApiResult<WebhookSecretView> {
    let company = admin_company(&caller)?;
    let secret = new_secret();
    change(&state, company, &id, |webhook, at| {
        let mut secrets = vec![WebhookSecret { key: secret.clone(), until: None }];
        // The current one keeps signing a while; older ones end now.
        if let Some(current) = webhook.secrets.iter().find(|s| s.until.is_none_or(|u| u > at)) {
            let until = current.until.unwrap_or(at + ROTATION_OVERLAP).min(at + ROTATION_OVERLAP);
            secrets.push(WebhookSecret { key: current.key.clone(), until: Some(until) });
        }
        webhook.secrets = secrets;
    })
    .await?;
    tracing::info!(company, webhook = %id, "webhook secret rotated");
    Ok(Json(WebhookSecretView { id, secret }))
}

/// Sends again what comes from now on, after a pause.
pub async fn resume<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    WebhookId(id): WebhookId,
) -> ApiResult<WebhookView> {
    let company = admin_company(&caller)?;
    let webhook = change(&state, company, &id, |webhook, _| {
        webhook.paused_at = None;
        webhook.failing_since = None;
    })
    .await?;
    tracing::info!(company, webhook = %id, "webhook resumed");
    Ok(Json(WebhookView::of(&webhook, now())))
}

/// Reads, changes and stores the webhook, again if the sender changed it meanwhile.
async fn change<S: Store>(
    state: &AppState<S>,
    company: &str,
    id: &str,
    edit: impl Fn(&mut Webhook, OffsetDateTime),
) -> Result<Webhook, ApiError> {
    for _ in 0..3 {
        let mut webhook = state.store.webhook(company, id).await?.ok_or_else(not_found)?;
        edit(&mut webhook, now());
        webhook.version += 1;
        match state.store.put_webhook(&webhook, &[]).await {
            Ok(()) => return Ok(webhook),
            Err(StoreError::VersionConflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(ErrorCode::VersionConflict, "Webhooken ändrades samtidigt. Försök igen."))
}
