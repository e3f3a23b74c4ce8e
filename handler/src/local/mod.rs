//! What only `handler serve` has: the generated site on the same origin as the API, a sign-in
//! for the demo users (local mode has no identity provider), the key that signs their tokens,
//! the demo registry, the live preview of `--watch`, and a trace of every request on the
//! console.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, Request, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use self::key::LocalKey;
pub use self::preview::Preview;
pub use self::site::LiveSite;
use crate::definitions::LiveDefinitions;
use crate::http::body::JsonBody;
use crate::http::{ApiError, ErrorCode};
use crate::store::files::local::{LinkedCases, LocalFiles};
use demo::{CompanyHandler, DEMO_USERS};

pub mod clients;
pub mod demo;
mod files;
mod key;
mod preview;
mod site;

#[derive(Serialize)]
struct DemoUserView<'u> {
    user: &'u str,
    name: &'u str,
    role: forms::Role,
    org: &'u str,
}

/// What the demo sign-in needs: the key, and the definitions served, whose companies each get
/// a demo case handler (`demo::CompanyHandler`).
#[derive(Clone)]
struct SignInState {
    key: Arc<LocalKey>,
    definitions: LiveDefinitions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInRequest {
    user: String,
}

async fn users(State(state): State<SignInState>) -> Json<serde_json::Value> {
    let handlers = CompanyHandler::all(&state.definitions.current());
    let users: Vec<DemoUserView> = DEMO_USERS
        .iter()
        .map(|u| DemoUserView { user: u.user, name: u.name, role: u.role, org: u.org })
        .chain(handlers.iter().map(|h| DemoUserView {
            user: &h.user,
            name: &h.name,
            role: forms::Role::NetworkCompany,
            org: &h.org,
        }))
        .collect();
    Json(serde_json::json!({ "users": users }))
}

async fn sign_in(
    State(state): State<SignInState>,
    JsonBody(request): JsonBody<SignInRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let token = match DEMO_USERS.iter().find(|u| u.user == request.user) {
        Some(user) => user.token(&state.key),
        None => CompanyHandler::all(&state.definitions.current())
            .into_iter()
            .find(|h| h.user == request.user)
            .ok_or_else(|| {
                ApiError::new(ErrorCode::UnknownUser, "Det finns ingen sådan demoanvändare.")
            })?
            .token(&state.key),
    };
    Ok(Json(serde_json::json!({ "token": token })))
}

/// The names this server answers to: its loopback address and port as bound, or `localhost`
/// with that port. Any other `Host` is a page elsewhere that rebound its own name to this
/// machine (DNS rebinding) to reach the demo sign-in, and is refused.
#[derive(Clone)]
struct OwnHosts([String; 2]);

impl OwnHosts {
    fn new(addr: SocketAddr) -> OwnHosts {
        OwnHosts([addr.to_string(), format!("localhost:{}", addr.port())])
    }
}

async fn only_own_host(
    State(own): State<OwnHosts>,
    request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    if host.is_some_and(|host| own.0.iter().any(|own| own.eq_ignore_ascii_case(host))) {
        return next.run(request).await;
    }
    let mut refused = ApiError::new(
        ErrorCode::Forbidden,
        format!(
            "Den här servern svarar bara på sin egen adress. Öppna http://{}/ i stället.",
            own.0[0]
        ),
    )
    .into_response();
    // Like every API answer: a cache must not keep the refusal for the right name.
    refused.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    refused
}

/// `path` as the trace shows it: a file link's token, which lets whoever has it put or get a
/// file, is left out.
fn traced_path(path: &str) -> &str {
    ["/api/v1/uploads/", "/api/v1/downloads/"]
        .into_iter()
        .find(|prefix| path.starts_with(prefix))
        .map_or(path, |prefix| &prefix[..prefix.len() - 1])
}

/// The API router plus the demo sign-in, the links of attachments kept as local files, the
/// site and (with `--watch`) the live preview, with the API's answers compressed, a trace of each request: method, path,
/// status and time, never the query string (it may hold a search) nor a file link's token. Requests for another host
/// than `addr` are refused.
pub fn with_site(
    api: Router,
    addr: SocketAddr,
    key: Arc<LocalKey>,
    definitions: LiveDefinitions,
    files: Option<(Arc<LocalFiles>, Arc<dyn LinkedCases>)>,
    site: LiveSite,
    preview: Option<&Preview>,
) -> Router {
    let local = Router::new()
        .route("/api/v1/local/users", get(users))
        .route("/api/v1/local/sign-in", post(sign_in))
        .with_state(SignInState { key, definitions })
        // Without local files (`--attachments s3`) the links' addresses answer the API's 404.
        .merge(files.map(|(files, cases)| files::routes(files, cases)).unwrap_or_default())
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
            tracing::info_span!("request", method = %request.method(), path = traced_path(request.uri().path()))
        })
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    // The API's answers compressed as the browser accepts (on AWS they go as the Lambda
    // function wrote them: docs/deploy.md); the site's files are compressed by `site.rs`.
    let api = api.layer(CompressionLayer::new());
    local
        .merge(api)
        .merge(site)
        .layer(middleware::from_fn_with_state(OwnHosts::new(addr), only_own_host))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(trace)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_trace_leaves_file_links_tokens_out() {
        assert_eq!(super::traced_path("/api/v1/uploads/eyJ0.x.y"), "/api/v1/uploads");
        assert_eq!(super::traced_path("/api/v1/downloads/eyJ0.x.y"), "/api/v1/downloads");
        assert_eq!(super::traced_path("/api/v1/cases/c-1"), "/api/v1/cases/c-1");
    }
}
