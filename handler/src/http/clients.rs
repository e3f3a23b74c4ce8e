//! Machine clients ("Klienter"): an installer firm's or a network company's own software,
//! which signs in with OAuth 2.0 client credentials (docs/api.md, "Machine clients"). The
//! firm's or the company's admin creates one with the scopes it needs, sees the list, and
//! removes one; its secret is shown once, when it is made.

use std::future::Future;
use std::pin::Pin;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use forms::{Problem, ProblemCode, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::{Caller, scopes_for};
use super::body::JsonBody;
use super::cases::now;
use super::error::{ApiError, ErrorCode};
use crate::store::{MachineClient, Store, StoreError};

/// What the identity provider answers for a new client: its id, and its secret (shown once).
pub struct Issued {
    pub id: String,
    pub secret: String,
    /// The SHA-256 of the secret, when this server checks it itself (`handler serve`).
    pub secret_hash: Option<String>,
}

pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// Where client credentials are made: Cognito's app clients on AWS, the local server's own
/// otherwise.
pub trait ClientIssuer: Send + Sync {
    /// A new client named `name` with `scopes` (without the resource server's prefix).
    fn create_client<'a>(&'a self, name: &'a str, scopes: &'a [String]) -> Pending<'a, Issued>;
    /// Removes the client, so that no new token is issued to it.
    fn delete_client<'a>(&'a self, id: &'a str) -> Pending<'a, ()>;
}

/// No identity provider to make clients with (a deployment without a user pool).
pub struct NoIssuer;

impl ClientIssuer for NoIssuer {
    fn create_client<'a>(&'a self, _: &'a str, _: &'a [String]) -> Pending<'a, Issued> {
        Box::pin(async { Err("no identity provider is configured for machine clients".into()) })
    }
    fn delete_client<'a>(&'a self, _: &'a str) -> Pending<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// A client to create.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// What the client is, for people: e.g. "Ordersystemet".
    pub name: String,
    /// `cases.read` and `cases.write` for a firm's client; `cases.read` and `decisions.write`
    /// for a company's.
    pub scopes: Vec<String>,
}

/// A client as its admin sees it; `secret` only in the answer that created it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientView {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub org: String,
    pub scopes: Vec<String>,
    pub created_by: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientList {
    pub clients: Vec<ClientView>,
}

impl From<MachineClient> for ClientView {
    fn from(c: MachineClient) -> Self {
        let created_at = c.created_at.format(&time::format_description::well_known::Rfc3339);
        ClientView {
            id: c.id,
            name: c.name,
            role: c.role,
            org: c.org,
            scopes: c.scopes,
            created_by: c.created_by,
            created_at: created_at.unwrap_or_default(),
            secret: None,
        }
    }
}

/// The firm or company whose clients the caller manages: its admin's own, never a client's.
fn admins_org(caller: &Caller) -> Result<(Role, String), ApiError> {
    if caller.machine.is_none() && caller.admin {
        match caller.role {
            Role::Installer => return Ok((Role::Installer, caller.firm()?.to_string())),
            Role::NetworkCompany => return Ok((Role::NetworkCompany, caller.org.clone())),
        }
    }
    Err(ApiError::forbidden(
        "Bara företagets eller nätbolagets administratör skapar och tar bort klienter. Be hen \
         om hjälp.",
    ))
}

fn bad_field(field: &str, message: String) -> ApiError {
    let problem =
        Problem { field: field.into(), code: ProblemCode::InvalidFormat, message: message.clone() };
    ApiError::new(ErrorCode::InvalidFields, message).with_fields(vec![problem])
}

const LONGEST_NAME: usize = 100;

/// POST /clients: the admin creates a client for its firm or company; 201 with its secret,
/// which is never shown again.
pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(new): JsonBody<NewClient>,
) -> Result<(StatusCode, Json<ClientView>), ApiError> {
    let (role, org) = admins_org(&caller)?;
    let name = new.name.trim().to_string();
    if name.is_empty()
        || name.chars().count() > LONGEST_NAME
        || forms::formats::text_flaw(&name, false).is_some()
    {
        return Err(bad_field(
            "name",
            "Ge klienten ett namn på en rad med högst 100 tecken, utan styrtecken.".into(),
        ));
    }
    let allowed = scopes_for(role);
    let mut scopes: Vec<String> = Vec::new();
    for scope in new.scopes {
        if !allowed.contains(&scope.as_str()) {
            return Err(bad_field(
                "scopes",
                format!(
                    "Okänd eller otillåten behörighet \"{scope}\". Välj bland: {}.",
                    allowed.join(", ")
                ),
            ));
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(bad_field(
            "scopes",
            format!("Ge klienten minst en behörighet: {}.", allowed.join(", ")),
        ));
    }
    let issued = state.clients.create_client(&name, &scopes).await.map_err(|reason| {
        tracing::error!(%reason, "could not create a machine client");
        ApiError::new(
            ErrorCode::StoreUnavailable,
            "Klienten kunde inte skapas just nu. Försök igen om en stund.",
        )
    })?;
    let client = MachineClient {
        id: issued.id,
        name,
        role,
        org,
        scopes,
        secret_hash: issued.secret_hash,
        created_by: caller.user.clone(),
        created_at: now(),
    };
    if let Err(e) = state.store.put_machine_client(&client).await {
        // Not in the store: no token of it would be taken; leave no client at Cognito either.
        let _ = state.clients.delete_client(&client.id).await;
        return Err(match e {
            StoreError::AlreadyExists => ApiError::new(
                ErrorCode::AlreadyExists,
                "En klient med det id:t finns redan. Försök igen.",
            ),
            e => e.into(),
        });
    }
    tracing::info!(client = %client.id, org = %client.org, "machine client created");
    let mut view = ClientView::from(client);
    view.secret = Some(issued.secret);
    Ok((StatusCode::CREATED, Json(view)))
}

/// GET /clients: the firm's or company's clients.
pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Json<ClientList>, ApiError> {
    let (role, org) = admins_org(&caller)?;
    let clients = state.store.machine_clients(role, &org).await?;
    Ok(Json(ClientList { clients: clients.into_iter().map(ClientView::from).collect() }))
}

/// DELETE /clients/{id}: removes the client; its tokens stop working at once.
pub async fn remove<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (role, org) = admins_org(&caller)?;
    let not_found = || {
        ApiError::new(
            ErrorCode::ClientNotFound,
            "Klienten finns inte, eller hör inte till er. Ladda om listan.",
        )
    };
    let client = state.store.machine_client(&id).await?.ok_or_else(not_found)?;
    if client.role != role || client.org != org {
        return Err(not_found());
    }
    state.clients.delete_client(&client.id).await.map_err(|reason| {
        tracing::error!(%reason, "could not delete a machine client");
        ApiError::new(
            ErrorCode::StoreUnavailable,
            "Klienten kunde inte tas bort just nu. Försök igen om en stund.",
        )
    })?;
    state.store.remove_machine_client(&client.id).await?;
    tracing::info!(client = %client.id, "machine client removed");
    Ok(StatusCode::NO_CONTENT)
}
