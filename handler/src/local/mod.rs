//! What only `handler serve` has: the generated site on the same origin as the API, a sign-in
//! for the demo users (local mode has no identity provider), the key that signs their tokens,
//! the demo registry, the live preview of `--watch`, and a trace of every request on the
//! console.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, Request, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use self::files::LocalFiles;
pub use self::key::LocalKey;
pub use self::preview::Preview;
pub use self::site::LiveSite;
use crate::http::body::JsonBody;
use crate::http::{ApiError, ErrorCode};
use demo::DEMO_USERS;

pub mod demo;
mod files;
mod key;
mod preview;
mod site;

#[derive(Serialize)]
struct DemoUserView {
    user: &'static str,
    name: &'static str,
    role: forms::Role,
    org: &'static str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInRequest {
    user: String,
}

async fn users() -> Json<serde_json::Value> {
    let users: Vec<DemoUserView> = DEMO_USERS
        .iter()
        .map(|u| DemoUserView { user: u.user, name: u.name, role: u.role, org: u.org })
        .collect();
    Json(serde_json::json!({ "users": users }))
}

async fn sign_in(
    State(key): State<Arc<LocalKey>>,
    JsonBody(request): JsonBody<SignInRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = DEMO_USERS.iter().find(|u| u.user == request.user).ok_or_else(|| {
        ApiError::new(ErrorCode::UnknownUser, "Det finns ingen sådan demoanvändare.")
    })?;
    let token = key.mint(user.role, user.org, user.user, Some(user.name), Some(user.email));
    Ok(Json(serde_json::json!({ "token": token })))
}

/// The API router plus the demo sign-in, the links of attachments kept as local files, the
/// site and (with `--watch`) the live preview, with a trace of each request: method, path,
/// status and time, never the query string (it may hold a search).
pub fn with_site(
    api: Router,
    key: Arc<LocalKey>,
    files: Option<Arc<LocalFiles>>,
    site: LiveSite,
    preview: Option<&Preview>,
) -> Router {
    let local = Router::new()
        .route("/api/v1/local/users", get(users))
        .route("/api/v1/local/sign-in", post(sign_in))
        .with_state(key)
        // Without local files (`--attachments s3`) the links' addresses answer the API's 404.
        .merge(files.map(files::routes).unwrap_or_default())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let preview = preview.map(Preview::routes).unwrap_or_default();
    let site = Router::new().fallback(site::serve).with_state(site).merge(preview).layer(
        SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::try_from(::site::content_security_policy(&[])).expect("a header value"),
        ),
    );
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = request.uri().path())
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    local
        .merge(api)
        .merge(site)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(trace)
}
