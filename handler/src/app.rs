//! The one router: served by `lambda_http::run` on AWS Lambda and by `axum::serve` locally.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use forms::Definitions;
use serde::de::DeserializeOwned;
use tower_http::catch_panic::CatchPanicLayer;

use crate::api;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::store::Store;

/// Largest request body accepted (CONTRACT.md: 413 above it).
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every request handler shares: the store, the definitions and how callers are known.
pub struct AppState<S> {
    pub store: S,
    pub definitions: &'static Definitions,
    pub auth: Arc<Auth>,
    /// Lookups one user may make in one minute.
    pub lookups_per_minute: u64,
}

impl<S: Clone> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            store: self.store.clone(),
            definitions: self.definitions,
            auth: self.auth.clone(),
            lookups_per_minute: self.lookups_per_minute,
        }
    }
}

impl<S> AppState<S> {
    pub fn new(store: S, auth: Auth) -> Self {
        AppState {
            store,
            definitions: Definitions::builtin(),
            auth: Arc::new(auth),
            lookups_per_minute: 30,
        }
    }
}

/// The API under `/api/v1`; `site` is served for every other path when given.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(api::openapi))
        .route("/forms", get(api::forms))
        .route("/forms/{company}/{installation_type}/schema", get(api::form_schema))
        .route("/cases", post(api::create_case::<S>).get(api::list_cases::<S>))
        .route("/cases/{id}", get(api::get_case::<S>).patch(api::edit_case::<S>))
        .route("/cases/{id}/lookup", post(api::lookup::<S>))
        .route("/cases/{id}/copy-from-owner", post(api::copy_from_owner::<S>))
        .route("/cases/{id}/submit", post(api::submit::<S>))
        .route("/cases/{id}/withdraw", post(api::withdraw::<S>))
        .route("/cases/{id}/decision", post(api::decision::<S>))
        .route("/cases/{id}/completion", post(api::completion::<S>))
        .route("/cases/{id}/close", post(api::close::<S>))
        .route("/audit", get(api::audit::<S>))
        // After the routes: it applies to the routes registered so far.
        .method_not_allowed_fallback(api::method_not_allowed)
        .fallback(api::no_such_route)
        .with_state(state);
    Router::new()
        .nest("/api/v1", api)
        // The JSON extractor enforces the limit with a Swedish answer; this is a backstop.
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panic_answer))
}

/// A bug must still answer in the API's shape, and must not take the server down.
fn panic_answer(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "Något gick fel hos oss. Inget har sparats; försök igen om en stund.",
    )
    .into_response()
}

/// A JSON body: 415 if not JSON, 413 if too large, 400 if malformed (with line and column),
/// 422 if well-formed but of the wrong shape, each with a Swedish message.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_json =
            request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(
                |v| {
                    let mime = v.split(';').next().unwrap_or("").trim();
                    mime.eq_ignore_ascii_case("application/json")
                },
            );
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Skicka förfrågan som JSON (Content-Type: application/json).",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("Förfrågan är för stor: högst {} KiB.", BODY_LIMIT / 1024),
                )
            } else {
                ApiError::bad_request("Förfrågan kunde inte läsas. Försök igen.")
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            let place = format!("rad {}, kolumn {}", e.line(), e.column());
            if e.is_data() {
                ApiError::unprocessable(
                    "invalid_body",
                    format!("Förfrågan har fel innehåll ({place}): {e}"),
                )
            } else {
                ApiError::bad_request(format!("Förfrågan är inte giltig JSON ({place})."))
            }
        })
    }
}
