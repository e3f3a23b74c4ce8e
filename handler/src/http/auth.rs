//! Who is calling. In Lambda mode API Gateway's JWT authorizer has verified the Cognito token and
//! the handler reads only the verified claims from the request context; locally the handler
//! verifies a bearer token signed with the data directory's key (`LocalKey::auth`, which only
//! the `local` feature has).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use forms::Role;

use super::AppState;
use super::error::ApiError;
use crate::store::{FirmStore, Store};

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
pub type VerifyToken = Arc<dyn Fn(&str) -> Option<Caller> + Send + Sync>;

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
    fn caller(&self, parts: &Parts) -> Result<Caller, ApiError> {
        let caller = self.claimed(parts)?;
        // The address goes into e-mails' `To:`: one checked address, or no sign-in.
        if caller.email.as_deref().is_some_and(|e| !forms::formats::is_single_address(e)) {
            return Err(ApiError::forbidden(
                "Kontots e-postadress är inte en enda giltig e-postadress, så ingen e-post kan \
                 skickas dit. Be den som sköter ert konto att rätta e-postadressen och logga \
                 sedan in igen.",
            ));
        }
        Ok(caller)
    }

    /// The caller as the token's claims say, not yet checked.
    fn claimed(&self, parts: &Parts) -> Result<Caller, ApiError> {
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

/// Reads the Cognito claims that API Gateway's JWT authorizer verified: `sub`, the custom
/// attributes `custom:role` and `custom:org`, and `email` only when `email_verified` (the
/// authorizer gives every claim as a string): mail must not go to an address its owner never
/// proved was theirs.
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
        with_firm_checked(state.auth.caller(parts)?, &state.store).await
    }
}

/// An installer of a firm that is in the store must be among its members, checked on every
/// request: one who is removed loses the firm's cases at once, whatever their sign-in still
/// says. A firm that is not in the store is known by the sign-in's claim alone.
pub async fn with_firm_checked(
    mut caller: Caller,
    store: &impl FirmStore,
) -> Result<Caller, ApiError> {
    if caller.role != Role::Installer {
        return Ok(caller);
    }
    let email = caller.email.as_deref().map(str::to_lowercase);
    match store.firm_membership(&caller.org, email.as_deref()).await? {
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
