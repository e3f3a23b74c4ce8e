//! What only `handler serve` has: the generated site on the same origin as the API, and a
//! sign-in for the demo users (local mode has no identity provider).

use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app::JsonBody;
use crate::auth::LocalKey;
use crate::demo::DEMO_USERS;
use crate::error::ApiError;

/// No inline scripts or styles anywhere, so the policy needs no `unsafe-inline`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

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
        ApiError::unprocessable("unknown_user", "Det finns ingen sådan demoanvändare.")
    })?;
    let token = key.mint(user.role, user.org, user.user, Some(user.name));
    Ok(Json(serde_json::json!({ "token": token })))
}

/// The API router plus the demo sign-in and the site in `site_dir`.
pub fn with_site(api: Router, key: Arc<LocalKey>, site_dir: &Path) -> Router {
    let local = Router::new()
        .route("/api/v1/local/users", get(users))
        .route("/api/v1/local/sign-in", post(sign_in))
        .with_state(key);
    let site = Router::new().fallback_service(ServeDir::new(site_dir)).layer(
        SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
    );
    local.merge(api).merge(site).layer(SetResponseHeaderLayer::if_not_present(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
}
