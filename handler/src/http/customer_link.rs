//! "Kundlänk": the installer gives the installation's customer a link to a page that shows the
//! case's number, network company, status and dates (`forms::customer::CustomerStatus`), and
//! nothing personal, without sign-in. The link's token (256 random bits less the UUIDs' version
//! bits, base64url) is shown once, when it is made; the store keeps only its SHA-256. The
//! customer's page (`/kund/#<token>`) keeps the token in the address's fragment, which no
//! server or CDN log sees, and sends it in the body of `POST /customer-status`, so that no
//! access log keeps it either. Logs never carry a token.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use forms::customer::{CustomerStatus, link_expiry, may_have_link};
use forms::{Case, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AppState;
use super::auth::Caller;
use super::body::JsonBody;
use super::cases::{CaseId, now};
use super::error::{ApiError, ErrorCode};
use crate::store::{CappedUse, CustomerLink, Store, StoreError, token_hash};

/// Reads of customer links a client may make a minute.
pub const STATUS_READS_PER_MINUTE: u64 = 30;

/// A customer link just made: the only time its address is shown.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NewCustomerLink {
    /// The customer's page, with the token after `#`.
    pub url: String,
    #[serde(flatten)]
    pub link: CustomerLinkInfo,
}

/// The case's link, without its address (which is not stored).
#[derive(Debug, Serialize, JsonSchema)]
pub struct CustomerLinkInfo {
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created_at: OffsetDateTime,
    /// It works until then at the latest, and stops sooner when the case's personal data is
    /// removed (retention or erasure) or the link is removed.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub expires_at: OffsetDateTime,
}

impl From<&CustomerLink> for CustomerLinkInfo {
    fn from(link: &CustomerLink) -> Self {
        CustomerLinkInfo { created_at: link.created_at, expires_at: link.expires_at }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerStatusRequest {
    /// The token from the link (after `#`).
    pub token: String,
}

fn link_not_found() -> ApiError {
    ApiError::new(
        ErrorCode::CustomerLinkNotFound,
        "Länken fungerar inte längre: den har tagits bort eller gått ut. Be installatören om en \
         ny länk.",
    )
}

/// The case, if the caller is an installer of its firm; anyone else gets the 404 of an
/// unknown case.
async fn own_case<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    id: &str,
) -> Result<Case, ApiError> {
    match state.store.get_case(id).await? {
        Some(case) if caller.role == Role::Installer && caller.can_see(&case) => Ok(case),
        _ => Err(ApiError::case_not_found()),
    }
}

/// A new token: two random UUIDs' bytes (244 random bits), base64url.
fn new_token() -> String {
    let bytes = [*uuid::Uuid::new_v4().as_bytes(), *uuid::Uuid::new_v4().as_bytes()].concat();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `POST /cases/{id}/customer-link`: a new link for a sent case, replacing its earlier one.
pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
) -> Result<(StatusCode, Json<NewCustomerLink>), ApiError> {
    let case = own_case(&state, &caller, &id).await?;
    let retention = state.definitions().company(&case.company).map(|c| c.retention);
    let retention = retention.unwrap_or_default();
    let at = now();
    if !may_have_link(&case, &retention, at) {
        return Err(ApiError::new(
            ErrorCode::InvalidStatus,
            "En kundlänk kan skapas när anmälan är skickad till nätbolaget, och så länge dess \
             uppgifter sparas.",
        ));
    }
    let token = new_token();
    let link = CustomerLink {
        case_id: case.id.clone(),
        token_hash: token_hash(&token),
        created_by: caller.user.clone(),
        created_at: at,
        expires_at: link_expiry(&retention, at),
    };
    state.store.put_customer_link(&link).await?;
    tracing::info!(case = %case.id, "customer link made");
    let url = format!("{}/kund/#{token}", state.site_url.trim_end_matches('/'));
    let made = NewCustomerLink { url, link: CustomerLinkInfo::from(&link) };
    Ok((StatusCode::CREATED, Json(made)))
}

/// `GET /cases/{id}/customer-link`: whether the case has a link, and until when.
pub async fn get<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
) -> Result<Json<CustomerLinkInfo>, ApiError> {
    let case = own_case(&state, &caller, &id).await?;
    match state.store.case_customer_link(&case.id).await? {
        Some(link) if link.expires_at > now() => Ok(Json(CustomerLinkInfo::from(&link))),
        _ => Err(link_not_found()),
    }
}

/// `DELETE /cases/{id}/customer-link`: the link stops working at once (204, also when there
/// was none).
pub async fn remove<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
) -> Result<StatusCode, ApiError> {
    let case = own_case(&state, &caller, &id).await?;
    state.store.remove_customer_link(&case.id).await?;
    tracing::info!(case = %case.id, "customer link removed");
    Ok(StatusCode::NO_CONTENT)
}

/// Who is asking, for the cap on reads: on `handler serve` the connection's address; on AWS
/// the viewer's address as CloudFront gives it (`CloudFront-Viewer-Address`), else the address
/// API Gateway saw. Only its hash is kept, in the counter's key.
pub struct Client(String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // `handler serve` puts the connection's address in (the Lambda build has no such thing).
        #[cfg(feature = "local")]
        let connected = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        #[cfg(not(feature = "local"))]
        let connected: Option<std::net::IpAddr> = None;
        let address = match connected {
            Some(ip) => ip.to_string(),
            None => viewer_address(parts).unwrap_or_default(),
        };
        Ok(Client(token_hash(&address)))
    }
}

/// The viewer's IP address on AWS.
fn viewer_address(parts: &Parts) -> Option<String> {
    let cloudfront = parts
        .headers
        .get("cloudfront-viewer-address")
        .and_then(|v| v.to_str().ok())
        // `<ip>:<port>`; an IPv6 address has colons of its own.
        .and_then(|v| v.rsplit_once(':').map(|(ip, _)| ip.to_string()));
    cloudfront.or_else(|| {
        use lambda_http::request::RequestContext;
        match parts.extensions.get::<RequestContext>()? {
            RequestContext::ApiGatewayV2(context) => context.http.source_ip.clone(),
            _ => None,
        }
    })
}

/// `POST /customer-status` (no sign-in): what the link with `token` shows. An unknown, revoked
/// or expired token, and a case whose data is removed or due for removal, are the same 404.
/// Counted against the client's cap first: 429 with Retry-After over it.
pub async fn status<S: Store>(
    State(state): State<AppState<S>>,
    Client(client): Client,
    JsonBody(request): JsonBody<CustomerStatusRequest>,
) -> Response {
    match read_status(&state, &client, &request.token).await {
        Ok(status) => {
            let mut response = Json(status).into_response();
            response.headers_mut().insert(
                HeaderName::from_static("x-robots-tag"),
                HeaderValue::from_static("noindex"),
            );
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn read_status<S: Store>(
    state: &AppState<S>,
    client: &str,
    token: &str,
) -> Result<CustomerStatus, ApiError> {
    let at = now();
    let minute = at.unix_timestamp().div_euclid(60);
    let used = CappedUse {
        key: format!("customer-status#{client}#{minute}"),
        cap: STATUS_READS_PER_MINUTE,
        lifetime: time::Duration::minutes(2),
    };
    match state.store.count_use(&used).await {
        Err(StoreError::CapReached(_)) => {
            tracing::warn!("customer status reads limited");
            let retry_after = (60 - at.unix_timestamp().rem_euclid(60)).max(1) as u64;
            return Err(ApiError::rate_limited(retry_after).with_message(format!(
                "För många försök att läsa status. Vänta {retry_after} sekunder och försök igen."
            )));
        }
        counted => counted?,
    }
    // A token is 43 base64url characters; anything else is no link of ours.
    let plausible = token.len() == 43
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !plausible {
        return Err(link_not_found());
    }
    let link = state.store.customer_link(&token_hash(token)).await?;
    let Some(link) = link.filter(|l| l.expires_at > at) else {
        return Err(link_not_found());
    };
    let Some(case) = state.store.get_case(&link.case_id).await? else {
        return Err(link_not_found());
    };
    let company = state.definitions().company(&case.company);
    let retention = company.map(|c| c.retention).unwrap_or_default();
    if !may_have_link(&case, &retention, at) {
        return Err(link_not_found());
    }
    let name = company.map_or(case.company.as_str(), |c| c.name.as_str());
    Ok(CustomerStatus::of(&case, name))
}
