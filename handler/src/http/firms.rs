//! The installer's firm ("Företag"): its name and numbers, and its members, whom the firm's
//! admin adds and removes; and the firm's name on every case, for both sides.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use forms::{Problem, ProblemCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::body::JsonBody;
use super::cases::{ApiResult, now};
use super::error::{ApiError, ErrorCode};
use crate::store::{Firm, FirmMember, FirmStore, Store, StoreError, StoreResult};

/// The caller's firm and its members (CONTRACT section 6).
#[derive(Debug, Serialize, JsonSchema)]
pub struct FirmView {
    #[serde(flatten)]
    pub firm: Firm,
    pub members: Vec<FirmMember>,
}

/// A colleague to add, by the e-mail address they sign in with.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub email: String,
    pub name: Option<String>,
}

/// A case's firm as both sides see it: its id and its name (the id, for a firm that is not in
/// the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FirmRef {
    pub id: String,
    pub name: String,
}

/// The names of the firms `ids`, in one read.
pub async fn firm_refs(
    store: &impl FirmStore,
    ids: BTreeSet<String>,
) -> StoreResult<BTreeMap<String, FirmRef>> {
    let found = store.firms_by_id(&ids).await?;
    let mut names: BTreeMap<String, String> =
        found.into_iter().map(|firm| (firm.id, firm.name)).collect();
    Ok(ids
        .into_iter()
        .map(|id| {
            let name = names.remove(&id).unwrap_or_else(|| id.clone());
            (id.clone(), FirmRef { id, name })
        })
        .collect())
}

/// The name of the firm `id`.
pub async fn firm_ref(store: &impl FirmStore, id: &str) -> StoreResult<FirmRef> {
    let mut refs = firm_refs(store, BTreeSet::from([id.to_string()])).await?;
    Ok(refs.remove(id).unwrap_or_else(|| FirmRef { id: id.into(), name: id.into() }))
}

/// The firm of `case`: the name it keeps, or else the firm's name now.
pub async fn case_firm(store: &impl FirmStore, case: &forms::Case) -> StoreResult<FirmRef> {
    match &case.firm_name {
        Some(name) => Ok(FirmRef { id: case.firm.clone(), name: name.clone() }),
        None => firm_ref(store, &case.firm).await,
    }
}

/// The ids of the firms that the Inkorg's filter `text` names: by organisation number, by a
/// part of the name, or by id (a firm that is not in the store is known by its id only).
pub async fn firms_matching(store: &impl FirmStore, text: &str) -> StoreResult<BTreeSet<String>> {
    let text = text.trim().to_lowercase();
    let org_number = forms::formats::normalize_org_number(&text);
    let mut ids: BTreeSet<String> = store
        .all_firms()
        .await?
        .into_iter()
        .filter(|firm| {
            org_number.as_ref() == Some(&firm.org_number)
                || (org_number.is_none() && firm.name.to_lowercase().contains(&text))
        })
        .map(|firm| firm.id)
        .collect();
    if org_number.is_none() {
        ids.insert(text);
    }
    Ok(ids)
}

const NOT_REGISTERED: &str = "Ert företag finns inte registrerat i Elanmälan ännu, så det har \
                              inga medlemmar att visa. Be Elanmälans förvaltning att lägga in \
                              det (docs/deploy.md).";

async fn registered<S: Store>(state: &AppState<S>, id: &str) -> Result<Firm, ApiError> {
    let ids = BTreeSet::from([id.to_string()]);
    state
        .store
        .firms_by_id(&ids)
        .await?
        .pop()
        .ok_or_else(|| ApiError::new(ErrorCode::FirmNotFound, NOT_REGISTERED))
}

/// The firm whose members an admin manages: always the admin's own.
fn admins_firm(caller: &Caller) -> Result<&str, ApiError> {
    let firm = caller.firm()?;
    if !caller.admin {
        return Err(ApiError::forbidden(
            "Bara företagets administratör lägger till och tar bort kollegor. Be hen om hjälp.",
        ));
    }
    Ok(firm)
}

fn bad_field(field: &str, message: &str) -> ApiError {
    let problem =
        Problem { field: field.into(), code: ProblemCode::InvalidFormat, message: message.into() };
    ApiError::new(ErrorCode::InvalidFields, message).with_fields(vec![problem])
}

/// GET /firm: the caller's firm, and who works for it.
pub async fn get<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> ApiResult<FirmView> {
    let id = caller.firm()?;
    let firm = registered(&state, id).await?;
    let members = state.store.firm_members(id).await?;
    Ok(Json(FirmView { firm, members }))
}

const LONGEST_NAME: usize = 100;

/// POST /firm/members: the firm's admin adds a colleague, who sees the firm's cases from their
/// next request on.
pub async fn add_member<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(new): JsonBody<NewMember>,
) -> Result<(StatusCode, Json<FirmMember>), ApiError> {
    let firm = admins_firm(&caller)?.to_string();
    registered(&state, &firm).await?;
    let email = new.email.trim().to_lowercase();
    if !forms::formats::is_single_address(&email) {
        return Err(bad_field("email", "Ange en e-postadress, till exempel namn@foretag.se."));
    }
    let name = new.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| {
        n.chars().count() > LONGEST_NAME || forms::formats::text_flaw(n, false).is_some()
    }) {
        return Err(bad_field(
            "name",
            "Ange namnet på en rad med högst 100 tecken, utan styrtecken.",
        ));
    }
    let member = FirmMember { firm, email, name, added_by: caller.user.clone(), added_at: now() };
    match state.store.add_firm_member(&member).await {
        Ok(()) => state.memberships.changed(),
        Err(StoreError::AlreadyExists) => {
            return Err(ApiError::new(
                ErrorCode::AlreadyExists,
                "Den e-postadressen är redan med i företaget.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(firm = %member.firm, "firm member added");
    Ok((StatusCode::CREATED, Json(member)))
}

/// DELETE /firm/members/{email}: the firm's admin removes a colleague, who loses the firm's
/// cases at once.
pub async fn remove_member<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(email): Path<String>,
) -> Result<StatusCode, ApiError> {
    let firm = admins_firm(&caller)?;
    let email = email.trim().to_lowercase();
    if caller.email.as_deref().is_some_and(|own| own.eq_ignore_ascii_case(&email)) {
        return Err(ApiError::forbidden(
            "Du kan inte ta bort dig själv. Be en annan administratör i företaget om det.",
        ));
    }
    let removed = state.store.remove_firm_member(firm, &email).await?;
    state.memberships.changed();
    if !removed {
        return Err(ApiError::new(
            ErrorCode::MemberNotFound,
            "Den e-postadressen är inte med i företaget. Ladda om sidan.",
        ));
    }
    tracing::info!(firm = %firm, "firm member removed");
    Ok(StatusCode::NO_CONTENT)
}
