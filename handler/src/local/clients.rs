//! Machine clients in local mode: their credentials made here (the secret kept only as its
//! SHA-256), and an OAuth 2.0 token endpoint for the client credentials grant (RFC 6749,
//! section 4.4) at `/oauth2/token`, the path of Cognito's, so that one program works against
//! both (docs/api.md, "Machine clients").

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use serde::Deserialize;

use super::LocalKey;
use super::key::CLIENT_TOKEN_SECONDS;
use crate::http::auth::RESOURCE_SERVER;
use crate::http::clients::{ClientIssuer, Issued, Pending};
use crate::store::{MachineClientStore, token_hash};

/// Clients made by `handler serve` itself: a random id and secret.
pub struct LocalIssuer;

impl ClientIssuer for LocalIssuer {
    fn create_client<'a>(&'a self, _name: &'a str, _scopes: &'a [String]) -> Pending<'a, Issued> {
        Box::pin(async {
            // Cognito's ids are 26 lower-case letters and digits; these look alike.
            let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
            let id: String =
                (0..26).map(|_| alphabet[rand::random_range(0..alphabet.len())] as char).collect();
            let bytes: [u8; 32] = rand::random();
            let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            Ok(Issued { id, secret_hash: Some(token_hash(&secret)), secret })
        })
    }

    fn delete_client<'a>(&'a self, _id: &'a str) -> Pending<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// A token request's form body.
#[derive(Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// An error as RFC 6749 (section 5.2) has it, which OAuth libraries read.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({"error": error, "error_description": description});
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"elanmalan\""),
        );
    }
    response
}

/// The client id and secret of HTTP Basic authentication (each form-encoded, RFC 6749
/// section 2.3.1), or of the body.
fn credentials(headers: &HeaderMap, form: &TokenRequest) -> Option<(String, String)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    if let Some(encoded) = basic {
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let decode = |s: &str| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
                .ok()
                .and_then(|mut v| v.pop())
                .map(|(_, v)| v)
        };
        return Some((decode(id)?, decode(secret)?));
    }
    Some((form.client_id.clone()?, form.client_secret.clone()?))
}

struct TokenState<S> {
    store: S,
    key: Arc<LocalKey>,
}

async fn token<S: MachineClientStore>(
    State(state): State<Arc<TokenState<S>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Ok(form) = serde_urlencoded::from_str::<TokenRequest>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Formuläret går inte att läsa.",
        );
    };
    if form.grant_type.as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Bara grant_type=client_credentials finns här.",
        );
    }
    let refused = || {
        oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Okänd klient eller fel hemlighet.")
    };
    let Some((id, secret)) = credentials(&headers, &form) else {
        return refused();
    };
    let client = match state.store.machine_client(&id).await {
        Ok(Some(client)) => client,
        Ok(None) => return refused(),
        Err(_) => {
            return oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "Försök igen om en stund.",
            );
        }
    };
    // Both hashes have the same length: comparing them leaks nothing of the secret.
    if client.secret_hash.as_deref() != Some(token_hash(&secret).as_str()) {
        return refused();
    }
    // As Cognito: the scopes asked for (all of the client's when none), each one the client has.
    let scopes: Vec<String> = match form.scope.as_deref().map(str::split_whitespace) {
        None => client.scopes.clone(),
        Some(asked) => {
            let mut scopes = Vec::new();
            for scope in asked {
                let bare = scope.strip_prefix(&format!("{RESOURCE_SERVER}/")).unwrap_or(scope);
                if !client.scopes.iter().any(|s| s == bare) {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        "Klienten har inte den behörigheten.",
                    );
                }
                scopes.push(bare.to_string());
            }
            scopes
        }
    };
    let access_token = state.key.mint_client(&client.id, &scopes);
    let body = serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": CLIENT_TOKEN_SECONDS,
    });
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /oauth2/token`.
pub fn token_routes<S: MachineClientStore + 'static>(store: S, key: Arc<LocalKey>) -> Router {
    Router::new()
        .route("/oauth2/token", post(token::<S>))
        .with_state(Arc::new(TokenState { store, key }))
}
