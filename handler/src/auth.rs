//! Who is calling. In Lambda mode API Gateway's JWT authorizer has verified the Cognito token and
//! the handler reads only the verified claims from the request context; locally the handler
//! verifies a JWT it signed itself with a key kept in the data directory (`handler token`).

use std::{fs, io::Write, path::Path};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use forms::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::ApiError;

const ISSUER: &str = "elanmalan-local";
const KEY_FILE: &str = "jwt-secret";
/// A local token lasts a working day.
const TOKEN_LIFETIME_SECONDS: i64 = 12 * 3600;

/// The verified identity of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub role: Role,
    /// The installer firm or the network company the user belongs to.
    pub org: String,
}

impl Caller {
    /// Whether this caller may see the case at all (else 404). A network company sees only
    /// what was sent to it: never a draft, nor a draft that was withdrawn without being sent.
    pub fn can_see(&self, case: &forms::Case) -> bool {
        match self.role {
            Role::Installer => case.firm == self.org,
            Role::NetworkCompany => case.company == self.org && case.visible_to_company(),
        }
    }
}

/// How callers are identified.
#[derive(Clone)]
pub enum Auth {
    /// Tokens signed with the data directory's key (local mode).
    Local { decoding: DecodingKey },
    /// Claims verified by API Gateway's JWT authorizer (Lambda mode).
    ApiGateway,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    org: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    iss: String,
    iat: i64,
    exp: i64,
}

/// The signing key of local mode, created on first use.
pub struct LocalKey(Vec<u8>);

impl LocalKey {
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<LocalKey> {
        let path = data_dir.join(KEY_FILE);
        if let Ok(text) = fs::read_to_string(&path) {
            let key = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
            return Ok(LocalKey(key));
        }
        fs::create_dir_all(data_dir)?;
        let key: [u8; 32] = rand::random();
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        writeln!(file, "{}", base64::engine::general_purpose::STANDARD.encode(key))?;
        Ok(LocalKey(key.to_vec()))
    }

    pub fn auth(&self) -> Auth {
        Auth::Local { decoding: DecodingKey::from_secret(&self.0) }
    }

    /// A signed token for local mode.
    pub fn mint(&self, role: Role, org: &str, user: &str, name: Option<&str>) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user.to_string(),
            role,
            org: org.to_string(),
            name: name.map(str::to_string),
            iss: ISSUER.to_string(),
            iat: now,
            exp: now + TOKEN_LIFETIME_SECONDS,
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.0),
        )
        .expect("HS256 signing cannot fail")
    }
}

impl Auth {
    fn caller(&self, parts: &Parts) -> Result<Caller, ApiError> {
        match self {
            Auth::Local { decoding } => {
                let token = parts
                    .headers
                    .get(axum::http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .ok_or_else(|| ApiError::unauthorized("Logga in för att fortsätta."))?;
                let mut validation = Validation::new(Algorithm::HS256);
                validation.set_issuer(&[ISSUER]);
                let claims = jsonwebtoken::decode::<Claims>(token.trim(), decoding, &validation)
                    .map_err(|_| {
                        ApiError::unauthorized(
                            "Inloggningen har gått ut eller är ogiltig. Logga in igen.",
                        )
                    })?
                    .claims;
                Ok(Caller { user: claims.sub, role: claims.role, org: claims.org })
            }
            Auth::ApiGateway => api_gateway_caller(parts)
                .ok_or_else(|| ApiError::unauthorized("Logga in för att fortsätta.")),
        }
    }
}

/// Reads the Cognito claims that API Gateway's JWT authorizer verified: `sub`, and the custom
/// attributes `custom:role` and `custom:org`.
fn api_gateway_caller(parts: &Parts) -> Option<Caller> {
    use lambda_http::request::RequestContext;
    let RequestContext::ApiGatewayV2(context) = parts.extensions.get::<RequestContext>()? else {
        return None;
    };
    let claims = &context.authorizer.as_ref()?.jwt.as_ref()?.claims;
    let role = match claims.get("custom:role")?.as_str() {
        "installer" => Role::Installer,
        "network_company" => Role::NetworkCompany,
        _ => return None,
    };
    Some(Caller { user: claims.get("sub")?.clone(), role, org: claims.get("custom:org")?.clone() })
}

impl<S: Send + Sync> FromRequestParts<AppState<S>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        state.auth.caller(parts)
    }
}
