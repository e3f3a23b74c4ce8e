//! The signing key of local mode, kept in the data directory, and the tokens it signs
//! (`handler token`, the demo sign-in).

use std::sync::Arc;
use std::{fs, io::Write, path::Path};

use base64::Engine;
use forms::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::http::auth::Identity;
use crate::http::{Auth, Caller};
use crate::store::files::local::{LocalFiles, create_private_dir};

/// The issuer of local mode's tokens (`handler token`, the demo sign-in).
const ISSUER: &str = "elanmalan-local";

/// A local token's claims.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    org: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Where the case's news is mailed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// A company admin (or a firm admin): may publish the company's definitions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    admin: bool,
    iss: String,
    iat: i64,
    exp: i64,
}

/// A machine client's access token (`handler token --client`, `POST /oauth2/token`), shaped
/// as Cognito's for client credentials: no role, the client's firm or company is the store's.
#[derive(Debug, Serialize, Deserialize)]
struct ClientClaims {
    sub: String,
    client_id: String,
    /// Space separated, each with the resource server's prefix (`elanmalan/cases.read`).
    scope: String,
    token_use: String,
    iss: String,
    iat: i64,
    exp: i64,
}

/// A client's access token lasts an hour, as Cognito's do by default.
pub const CLIENT_TOKEN_SECONDS: i64 = 3600;

const KEY_FILE: &str = "jwt-secret";
/// HS256 wants a key at least as long as its hash (RFC 7518, section 3.2).
const MIN_KEY_BYTES: usize = 32;
/// A local token lasts a working day, and no token signed with the key is taken for longer.
const TOKEN_LIFETIME_SECONDS: i64 = 12 * 3600;

/// The signing key of local mode, created on first use.
pub struct LocalKey(Vec<u8>);

impl LocalKey {
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<LocalKey> {
        let path = data_dir.join(KEY_FILE);
        if let Ok(text) = fs::read_to_string(&path) {
            let key = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
            // A short key can be guessed, and with it any demo user's token.
            if key.len() < MIN_KEY_BYTES {
                return Err(std::io::Error::other(format!(
                    "{} holds a key of {} bytes; a signing key must have at least \
                     {MIN_KEY_BYTES}. Delete the file and a new key is made at the next start \
                     (tokens signed with the old one stop working)",
                    path.display(),
                    key.len()
                )));
            }
            return Ok(LocalKey(key));
        }
        create_private_dir(data_dir)?;
        let key: [u8; MIN_KEY_BYTES] = rand::random();
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        let written = writeln!(file, "{}", base64::engine::general_purpose::STANDARD.encode(key))
            .and_then(|()| file.sync_all());
        if let Err(e) = written {
            // A key cut short (a full disk) would refuse the next start with another reason.
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        Ok(LocalKey(key.to_vec()))
    }

    /// Attachments as files under `dir`, their links on `base_url` signed with this key (with
    /// an issuer of their own, so a link is never a sign-in nor a sign-in a link).
    pub fn local_files(
        &self,
        dir: std::path::PathBuf,
        base_url: &str,
    ) -> std::io::Result<LocalFiles> {
        LocalFiles::new(dir, base_url, &self.0)
    }

    /// Callers known by the tokens this key signed.
    pub fn auth(&self) -> Auth {
        let decoding = DecodingKey::from_secret(&self.0);
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        // Expired is expired: no grace of a minute.
        validation.leeway = 0;
        Auth::Local(Arc::new(move |token| {
            let Ok(person) = jsonwebtoken::decode::<Claims>(token, &decoding, &validation) else {
                let claims = jsonwebtoken::decode::<ClientClaims>(token, &decoding, &validation)
                    .ok()?
                    .claims;
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                if claims.token_use != "access"
                    || claims.iat > now
                    || claims.exp - claims.iat > CLIENT_TOKEN_SECONDS
                {
                    return None;
                }
                let scopes = crate::http::auth::token_scopes(&claims.scope);
                return Some(Identity::Client { id: claims.client_id, scopes });
            };
            let claims = person.claims;
            // A token made to last longer than `handler token` makes them (by anyone with the
            // key) is refused: a lost one must not open the server for weeks.
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            if claims.iat > now || claims.exp - claims.iat > TOKEN_LIFETIME_SECONDS {
                return None;
            }
            Some(
                Caller {
                    user: claims.sub,
                    role: claims.role,
                    org: claims.org,
                    email: claims.email,
                    firm_name: None,
                    admin: claims.admin,
                    machine: None,
                }
                .into(),
            )
        }))
    }

    fn sign(&self, claims: &impl Serialize) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(&self.0),
        )
        .expect("HS256 signing cannot fail")
    }

    /// A machine client's access token with `scopes` (without the resource server's prefix);
    /// the server checks on each request that the client still exists and has them.
    pub fn mint_client(&self, client_id: &str, scopes: &[String]) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let scope: Vec<String> =
            scopes.iter().map(|s| format!("{}/{s}", crate::http::auth::RESOURCE_SERVER)).collect();
        let claims = ClientClaims {
            sub: client_id.to_string(),
            client_id: client_id.to_string(),
            scope: scope.join(" "),
            token_use: "access".to_string(),
            iss: ISSUER.to_string(),
            iat: now,
            exp: now + CLIENT_TOKEN_SECONDS,
        };
        self.sign(&claims)
    }

    /// A signed token for local mode.
    pub fn mint(
        &self,
        role: Role,
        org: &str,
        user: &str,
        name: Option<&str>,
        email: Option<&str>,
    ) -> String {
        self.mint_for(role, org, user, name, email, false)
    }

    /// A signed token for local mode; `admin`: an admin of `org` (`handler token --admin`).
    pub fn mint_for(
        &self,
        role: Role,
        org: &str,
        user: &str,
        name: Option<&str>,
        email: Option<&str>,
        admin: bool,
    ) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = Claims {
            sub: user.to_string(),
            role,
            org: org.to_string(),
            name: name.map(str::to_string),
            email: email.map(str::to_string),
            admin,
            iss: ISSUER.to_string(),
            iat: now,
            exp: now + TOKEN_LIFETIME_SECONDS,
        };
        self.sign(&claims)
    }
}
