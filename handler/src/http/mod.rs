//! The HTTP API, one router for both modes: run by `lambda_http::run` on AWS Lambda and by
//! `axum::serve` in `handler serve`. Every route is a thin function over the forms core and the
//! store; everything here holds on Lambda exactly as locally.

pub(crate) mod attachments;
mod audit;
pub mod auth;
pub mod body;
mod cases;
pub mod clients;
mod company_pages;
pub mod customer_link;
mod data_subject;
pub mod definitions;
mod document;
pub mod error;
mod firms;
mod forms;
mod handling_times;
mod lookup;
mod memberships;
mod messages;
mod moves;
pub mod openapi;
mod previews;
mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tokio::sync::Notify;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

pub use self::auth::{Auth, Caller};
pub use self::body::BODY_LIMIT;
pub use self::company_pages::replace_company_pages;
pub use self::error::{ApiError, ErrorCode};
use crate::definitions::LiveDefinitions;
use crate::site_pages::{NoSitePages, SitePages};
use crate::store::Store;
use crate::store::files::Files;

/// What every request handler shares: the store, the definitions and how callers are known.
pub struct AppState<S> {
    pub store: S,
    /// The version of the definitions this request reads (see [`AppState::definitions`]).
    definitions: Arc<::forms::Definitions>,
    live: LiveDefinitions,
    pub auth: Arc<Auth>,
    /// Told when a change put e-mails in the outbox (`notify::deliver` waits on it).
    pub mail_ready: Arc<Notify>,
    /// The site's address, for links in e-mails (e.g. `https://elanmalan.example`).
    pub site_url: Arc<str>,
    /// Where attachments' bytes are kept.
    pub files: Arc<Files>,
    /// Where a company's pages go when it publishes (docs/deploy.md, "Published definitions").
    pub site_pages: Arc<dyn SitePages>,
    /// How the site's pages sign people in (as the build that made the rest of the site).
    pub sign_in: Arc<site::SignIn>,
    /// Where webhooks may be registered to (`handler serve` also allows `http://127.0.0.1`).
    pub webhook_policy: crate::webhooks::Policy,
    /// Where machine clients' credentials are made (Cognito, or the local server's own).
    pub clients: Arc<dyn clients::ClientIssuer>,
    /// Firm memberships as read in the last second (every request of an installer checks one).
    pub memberships: Arc<memberships::Memberships>,
}

/// Axum's `State` extractor clones the state once for each request, so the clone is where a
/// request takes its version of the definitions: it reads that one throughout, even when
/// `handler serve --watch` replaces them meanwhile.
impl<S: Clone> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: self.store.clone(),
            definitions: self.live.current(),
            live: self.live.clone(),
            auth: self.auth.clone(),
            mail_ready: self.mail_ready.clone(),
            site_url: self.site_url.clone(),
            files: self.files.clone(),
            site_pages: self.site_pages.clone(),
            sign_in: self.sign_in.clone(),
            webhook_policy: self.webhook_policy,
            clients: self.clients.clone(),
            memberships: self.memberships.clone(),
        }
    }
}

impl<S> AppState<S> {
    /// With the definitions built into the binary; see [`AppState::with_definitions`].
    pub fn new(store: S, auth: Auth) -> Self {
        let live = LiveDefinitions::builtin();
        AppState {
            store,
            definitions: live.current(),
            live,
            auth: Arc::new(auth),
            mail_ready: Arc::new(Notify::new()),
            site_url: Arc::from(""),
            files: Arc::new(Files::Unconfigured),
            site_pages: Arc::new(NoSitePages),
            sign_in: Arc::new(site::SignIn::Local),
            webhook_policy: crate::webhooks::Policy::PublicOnly,
            clients: Arc::new(clients::NoIssuer),
            memberships: Arc::default(),
        }
    }

    /// Serves `live` instead (`handler serve --definitions DIR`, and `--watch` replaces them).
    pub fn with_definitions(self, live: LiveDefinitions) -> Self {
        AppState { definitions: live.current(), live, ..self }
    }

    /// The definitions, as they were when this request began.
    pub fn definitions(&self) -> &::forms::Definitions {
        &self.definitions
    }

    /// The served definitions, as they were when this request began.
    pub fn served(&self) -> Arc<::forms::Definitions> {
        self.definitions.clone()
    }

    pub fn live(&self) -> &LiveDefinitions {
        &self.live
    }
}

impl<S: Store> AppState<S> {
    /// The definitions a case is read, checked and decided by: those of its version.
    pub async fn case_definitions(
        &self,
        case: &::forms::Case,
    ) -> Result<Arc<::forms::Definitions>, ApiError> {
        Ok(self.live.of_version(&self.store, &case.company, case.definitions_version).await?)
    }
}

/// Serves a publication made through another server within the definitions' cache time.
async fn published_elsewhere<S: Store>(
    State(state): State<AppState<S>>,
    request: Request,
    next: Next,
) -> Response {
    if let Err(e) = state.live.refresh(&state.store, false).await {
        // The versions known so far go on being served.
        tracing::warn!(reason = %e, "could not read the published definitions");
    }
    next.run(request).await
}

/// The API under `/api/v1`. Answers carry personal data, so no cache may keep them, and none
/// may be sniffed into another type.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(openapi::serve))
        .route("/forms", get(forms::catalog))
        .route("/forms/{company}/{installation_type}/schema", get(forms::schema))
        .route("/cases", post(cases::create::<S>).get(cases::list::<S>))
        .route("/cases/{id}", get(cases::get::<S>).patch(cases::edit::<S>))
        .route("/cases/{id}/document.pdf", get(document::pdf::<S>))
        .route("/cases/{id}/lookup", post(lookup::lookup::<S>))
        .route("/cases/{id}/copy-from-owner", post(cases::copy_from_owner::<S>))
        .route("/cases/{id}/submit", post(moves::submit::<S>))
        .route("/cases/{id}/withdraw", post(moves::withdraw::<S>))
        .route("/cases/{id}/decision", post(moves::decision::<S>))
        .route("/cases/{id}/completion", post(moves::completion::<S>))
        .route("/cases/{id}/close", post(moves::close::<S>))
        .route("/cases/{id}/messages", post(messages::write::<S>))
        .route("/cases/{id}/read", post(messages::read::<S>))
        .route(
            "/cases/{id}/customer-link",
            post(customer_link::create::<S>)
                .get(customer_link::get::<S>)
                .delete(customer_link::remove::<S>),
        )
        .route("/customer-status", post(customer_link::status::<S>))
        .route("/cases/{id}/attachments", post(attachments::start::<S>).get(attachments::list::<S>))
        .route(
            "/cases/{id}/attachments/{attachment}",
            put(attachments::confirm::<S>).delete(attachments::remove::<S>),
        )
        .route("/clients", post(clients::create::<S>).get(clients::list::<S>))
        .route("/clients/{id}", axum::routing::delete(clients::remove::<S>))
        .route("/firm", get(firms::get::<S>))
        .route("/firm/members", post(firms::add_member::<S>))
        .route("/firm/members/{email}", axum::routing::delete(firms::remove_member::<S>))
        .route("/data-subject/cases", post(data_subject::cases::<S>))
        .route("/data-subject/export", post(data_subject::export::<S>))
        .route("/data-subject/erase", post(data_subject::erase::<S>))
        .route("/audit", get(audit::lookups::<S>))
        .route("/audit.csv", get(audit::csv::<S>))
        .route("/handling-times", get(handling_times::list::<S>))
        .route("/handling-times.csv", get(handling_times::csv::<S>))
        .route("/companies/{company}/handling-times", get(handling_times::queue::<S>))
        .route("/definitions", get(definitions::list::<S>).post(definitions::create::<S>))
        .route("/definitions/{version}", get(definitions::get::<S>))
        .route("/definitions/{version}/changes", get(definitions::changes::<S>))
        .route("/definitions/{version}/publish", post(definitions::publish::<S>))
        .route("/webhooks", get(webhooks::list::<S>).post(webhooks::create::<S>))
        .route("/webhooks/{id}", axum::routing::delete(webhooks::remove::<S>))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries::<S>))
        .route("/webhooks/{id}/rotate", post(webhooks::rotate::<S>))
        .route("/webhooks/{id}/resume", post(webhooks::resume::<S>))
        .route("/previews/{company}/{version}/{key}/", get(previews::page::<S>))
        .route("/previews/{company}/{version}/{key}/check", post(previews::try_case::<S>))
        .route("/previews/{company}/{version}/{key}/{installation_type}/", get(previews::page::<S>))
        // After the routes: it applies to the routes registered so far.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(no_such_route)
        .layer(axum::middleware::from_fn_with_state(state.clone(), published_elsewhere::<S>))
        .with_state(state);
    Router::new()
        .nest("/api/v1", api)
        // The JSON extractor enforces the limit with a Swedish answer; this is a backstop.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_answer))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

async fn no_such_route() -> ApiError {
    ApiError::new(ErrorCode::NoSuchRoute, "Den adressen finns inte i API:t.")
}

/// A known address with a method it does not have (axum adds the `Allow` header).
async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "Adressen finns i API:t, men inte med den metoden. Se Allow-huvudet.",
    )
}

/// A bug must still answer in the API's shape, and must not take the server down.
fn panic_answer(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::internal().into_response()
}
