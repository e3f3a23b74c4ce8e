//! Who is calling. In Lambda mode API Gateway's JWT authorizer has verified the Cognito token and
//! the handler reads only the verified claims from the request context; locally the handler
//! verifies a bearer token signed with the data directory's key (`LocalKey::auth`, which only
//! the `local` feature has).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use forms::Role;

use super::AppState;
use super::error::{ApiError, ErrorCode};
use super::memberships::Memberships;
use crate::store::{FirmStore, MachineClientStore, Store};

/// The verified identity of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: String,
    pub role: Role,
    /// The installer firm or the network company the user belongs to. Empty for an installer
    /// whose firm is in the store but who is not among its members (any more): such a caller
    /// sees no case ([`with_firm_checked`]).
    pub org: String,
    /// The user's e-mail address, when the identity provider gives one (on AWS a verified
    /// one): an installer's news about its cases goes there. Always exactly one address.
    pub email: Option<String>,
    /// The name of an installer's firm (its id, for a firm that is not in the store), read with
    /// the membership: a new case keeps it, and the caller's own cases need no second read.
    pub firm_name: Option<String>,
    /// An admin of the org: a company admin manages the company's definitions ("Formulär"), a
    /// firm admin the firm's members ("Företag").
    pub admin: bool,
    /// A machine client (OAuth 2.0 client credentials): then `user` is `client:<id>`, and the
    /// client may do only what its scopes allow ([`scope_needed`]).
    pub machine: Option<ClientCaller>,
}

/// The machine client behind a caller, as its token and the store name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCaller {
    pub id: String,
    pub name: String,
    /// The scopes the token carries that the client still has, without the resource
    /// server's prefix: `cases.read`, `cases.write`, `decisions.write`.
    pub scopes: Vec<String>,
}

/// Reading cases: every GET of the API.
pub const SCOPE_READ: &str = "cases.read";
/// An installer firm's client: creating, editing, looking up, sending, withdrawing,
/// completing, messages and attachments.
pub const SCOPE_WRITE: &str = "cases.write";
/// A network company's client: approving, returning, rejecting, closing, and messages.
pub const SCOPE_DECIDE: &str = "decisions.write";
/// The Cognito resource server's identifier, which prefixes the scopes in an access token
/// (`elanmalan/cases.read`; infra/template.yaml).
pub const RESOURCE_SERVER: &str = "elanmalan";

/// The scopes a client of `role` may be given.
pub fn scopes_for(role: Role) -> [&'static str; 2] {
    match role {
        Role::Installer => [SCOPE_READ, SCOPE_WRITE],
        Role::NetworkCompany => [SCOPE_READ, SCOPE_DECIDE],
    }
}

/// The scope a machine client of `role` needs for `method path` (the path with or without
/// `/api/v1`), or `None` for what no client may do: the admins' routes (members, definitions,
/// webhooks, clients), the data subjects' routes, the audit, previews and customer links,
/// which are a person's work.
pub fn scope_needed(role: Role, method: &axum::http::Method, path: &str) -> Option<&'static str> {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["cases", ..] | ["firm"] | ["forms", ..] => {}
        _ => return None,
    }
    if segments.get(2) == Some(&"customer-link") {
        return None;
    }
    let reads = matches!(*method, axum::http::Method::GET | axum::http::Method::HEAD);
    if reads || segments.get(2) == Some(&"read") {
        return Some(SCOPE_READ);
    }
    Some(match role {
        Role::Installer => SCOPE_WRITE,
        Role::NetworkCompany => SCOPE_DECIDE,
    })
}

/// Who a valid token names: a person, or a machine client still to be found in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Person(Caller),
    Client { id: String, scopes: Vec<String> },
}

impl From<Caller> for Identity {
    fn from(caller: Caller) -> Self {
        Identity::Person(caller)
    }
}

/// The scopes of an access token's `scope` claim (space separated) that belong to the API,
/// without the resource server's prefix.
pub fn token_scopes(scope: &str) -> Vec<String> {
    scope
        .split_whitespace()
        .filter_map(|s| s.strip_prefix(RESOURCE_SERVER)?.strip_prefix('/'))
        .map(str::to_string)
        .collect()
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

impl Caller {
    /// The firm this installer works for, or 403: a network company, or an installer whose
    /// firm no longer counts them among its members.
    pub fn firm(&self) -> Result<&str, ApiError> {
        match self.role {
            Role::Installer if !self.org.is_empty() => Ok(&self.org),
            Role::Installer => Err(ApiError::forbidden(
                "Du är inte medlem i något installationsföretag i Elanmälan. Be företagets \
                 administratör att lägga till din e-postadress under Företag.",
            )),
            Role::NetworkCompany => Err(ApiError::forbidden("Det här gör installatören.")),
        }
    }

    /// The company whose definitions this caller manages: a network company's admin.
    pub fn company_admin_of(&self) -> Option<&str> {
        (self.role == Role::NetworkCompany && self.admin).then_some(self.org.as_str())
    }
}

/// Who a bearer token names, if it is valid (local mode's check of its own tokens).
pub type VerifyToken = Arc<dyn Fn(&str) -> Option<Identity> + Send + Sync>;

/// How callers are identified.
#[derive(Clone)]
pub enum Auth {
    /// Bearer tokens checked by the function (local mode: signed with the data directory's
    /// key).
    Local(VerifyToken),
    /// Claims verified by API Gateway's JWT authorizer (Lambda mode).
    ApiGateway,
}

impl Auth {
    fn caller(&self, parts: &Parts) -> Result<Identity, ApiError> {
        let caller = match self.claimed(parts)? {
            Identity::Person(caller) => caller,
            client => return Ok(client),
        };
        // The address goes into e-mails' `To:`: one checked address, or no sign-in.
        if caller.email.as_deref().is_some_and(|e| !forms::formats::is_single_address(e)) {
            return Err(ApiError::forbidden(
                "Kontots e-postadress är inte en enda giltig e-postadress, så ingen e-post kan \
                 skickas dit. Be den som sköter ert konto att rätta e-postadressen och logga \
                 sedan in igen.",
            ));
        }
        Ok(Identity::Person(caller))
    }

    /// The caller as the token's claims say, not yet checked.
    fn claimed(&self, parts: &Parts) -> Result<Identity, ApiError> {
        match self {
            Auth::Local(verify) => {
                let token = parts
                    .headers
                    .get(axum::http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .ok_or_else(|| ApiError::unauthorized("Logga in för att fortsätta."))?;
                verify(token.trim()).ok_or_else(|| {
                    ApiError::unauthorized(
                        "Inloggningen har gått ut eller är ogiltig. Logga in igen.",
                    )
                })
            }
            Auth::ApiGateway => api_gateway_caller(parts)
                .ok_or_else(|| ApiError::unauthorized("Logga in för att fortsätta.")),
        }
    }
}

/// Reads the claims that API Gateway's authorizer verified: a person's ID token (below), or a
/// machine client's access token (`token_use` `access`, `client_id`, `scope`, and no role:
/// the client's firm or company is the store's to say). The JWT authorizer puts them under
/// `jwt.claims`; the Lambda authorizer of infra/template.yaml, which also lets through the
/// access tokens of clients created after the deployment, under `lambda` as strings.
fn api_gateway_caller(parts: &Parts) -> Option<Identity> {
    use lambda_http::request::RequestContext;
    let RequestContext::ApiGatewayV2(context) = parts.extensions.get::<RequestContext>()? else {
        return None;
    };
    let authorizer = context.authorizer.as_ref()?;
    let claims: std::collections::HashMap<String, String> = match &authorizer.jwt {
        Some(jwt) => jwt.claims.clone(),
        None => authorizer
            .fields
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
    };
    if claims.get("token_use").is_some_and(|u| u == "access") && !claims.contains_key("custom:role")
    {
        let id = claims.get("client_id")?.clone();
        let scopes = token_scopes(claims.get("scope").map_or("", String::as_str));
        return Some(Identity::Client { id, scopes });
    }
    person_caller(&claims).map(Identity::Person)
}

/// Reads the Cognito claims of a person's ID token: `sub`, the custom
/// attributes `custom:role` and `custom:org`, and `email` only when `email_verified` (the
/// authorizer gives every claim as a string): mail must not go to an address its owner never
/// proved was theirs.
fn person_caller(claims: &std::collections::HashMap<String, String>) -> Option<Caller> {
    let role = match claims.get("custom:role")?.as_str() {
        "installer" => Role::Installer,
        "network_company" => Role::NetworkCompany,
        _ => return None,
    };
    Some(Caller {
        user: claims.get("sub")?.clone(),
        org: claims.get("custom:org")?.clone(),
        email: claims
            .get("email")
            .filter(|_| claims.get("email_verified").is_some_and(|v| v == "true"))
            .cloned(),
        firm_name: None,
        admin: claims.get("cognito:groups").is_some_and(|groups| {
            in_group(groups, if role == Role::Installer { FIRM_ADMIN_GROUP } else { ADMIN_GROUP })
        }),
        role,
        machine: None,
    })
}

/// The Cognito group of a company's admins (docs/deploy.md).
const ADMIN_GROUP: &str = "company-admins";
/// The Cognito group of an installer firm's admins (docs/deploy.md).
const FIRM_ADMIN_GROUP: &str = "firm-admins";

/// Whether the groups claim names `group`. API Gateway gives a list claim as a string, either
/// `[a b]` or a JSON array.
fn in_group(groups: &str, group: &str) -> bool {
    groups
        .split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | ',' | '"'))
        .any(|g| g == group)
}

impl<S: Store> FromRequestParts<AppState<S>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let caller = match state.auth.caller(parts)? {
            Identity::Person(caller) => caller,
            Identity::Client { id, scopes } => {
                let caller = client_caller(&state.store, id, scopes).await?;
                check_scope(&caller, &parts.method, parts.uri.path())?;
                caller
            }
        };
        with_firm_checked(caller, &state.store, &state.memberships).await
    }
}

/// The machine client `id` as the store knows it, with the scopes its token carries that it
/// still has: a removed client's tokens stop working at once, and no token gives more than
/// the client was given.
async fn client_caller(
    store: &impl MachineClientStore,
    id: String,
    scopes: Vec<String>,
) -> Result<Caller, ApiError> {
    let known = store.machine_client(&id).await?.ok_or_else(|| {
        ApiError::unauthorized(
            "Klienten finns inte (längre) i Elanmälan. Be administratören skapa en ny.",
        )
    })?;
    let scopes = scopes.into_iter().filter(|s| known.scopes.contains(s)).collect();
    Ok(Caller {
        user: format!("client:{}", known.id),
        role: known.role,
        org: known.org,
        email: None,
        firm_name: None,
        admin: false,
        machine: Some(ClientCaller { id: known.id, name: known.name, scopes }),
    })
}

/// 403 when a machine client's scopes do not cover the request, naming the scope it lacks.
pub fn check_scope(
    caller: &Caller,
    method: &axum::http::Method,
    path: &str,
) -> Result<(), ApiError> {
    let Some(machine) = &caller.machine else {
        return Ok(());
    };
    match scope_needed(caller.role, method, path) {
        Some(scope) if machine.scopes.iter().any(|s| s == scope) => Ok(()),
        Some(scope) => Err(ApiError::new(
            ErrorCode::InsufficientScope,
            format!(
                "Klienten saknar behörigheten {scope} (scope {RESOURCE_SERVER}/{scope}) som \
                 det här kräver. Be administratören ge klienten den, och hämta sedan en ny \
                 token med den."
            ),
        )),
        None => Err(ApiError::new(
            ErrorCode::InsufficientScope,
            "Det här kan bara en person göra, inte en klient (maskinkonto).",
        )),
    }
}

/// An installer of a firm that is in the store must be among its members, checked on every
/// request: one who is removed loses the firm's cases at once (on other servers within a
/// second: [`Memberships`]), whatever their sign-in still says. A firm that is not in the store
/// is known by the sign-in's claim alone.
pub async fn with_firm_checked(
    mut caller: Caller,
    store: &impl FirmStore,
    memberships: &Memberships,
) -> Result<Caller, ApiError> {
    if caller.role != Role::Installer {
        return Ok(caller);
    }
    // A firm's client acts for the firm that created it, with no e-mail address to check.
    if caller.machine.is_some() {
        let firm = memberships.of(store, &caller.org, None).await?;
        caller.firm_name = Some(firm.map_or_else(|| caller.org.clone(), |(firm, _)| firm.name));
        return Ok(caller);
    }
    let email = caller.email.as_deref().map(str::to_lowercase);
    match memberships.of(store, &caller.org, email.as_deref()).await? {
        Some((firm, true)) => caller.firm_name = Some(firm.name),
        Some((_, false)) => caller.org.clear(),
        None => caller.firm_name = Some(caller.org.clone()),
    }
    Ok(caller)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_groups_claim_is_read_in_both_of_api_gateways_forms() {
        for groups in ["[company-admins]", "[a company-admins]", "[\"x\",\"company-admins\"]"] {
            assert!(super::in_group(groups, "company-admins"), "{groups}");
        }
        for groups in ["[company-admins-old]", "[x]", "", "company"] {
            assert!(!super::in_group(groups, "company-admins"), "{groups}");
        }
    }
}
