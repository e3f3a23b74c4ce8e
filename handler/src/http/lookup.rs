//! "Hämta anl-data": find the installation by EAN or meter number, audit the lookup, and merge
//! it into the case (or only show what would change). Nothing in a log line names a person, an
//! address or the number looked up.

use axum::Json;
use axum::extract::State;
use forms::{Change, FieldValues};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::body::{JsonBody, whole_number};
use super::cases::{ApiResult, CaseId, CaseView, form_or_gone, load_for_edit, now, view};
use super::error::ApiError;
use crate::store::{AuditEntry, Store};

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    #[serde(deserialize_with = "whole_number")]
    #[schemars(with = "u64")]
    pub version: u64,
    pub meter_number: Option<String>,
    pub ean: Option<String>,
    /// "Skriv över fält i anmälan?": Ja (true, default) or Nej (false).
    #[serde(default = "yes")]
    pub overwrite: bool,
    /// false (default): show what would change and write nothing; true: write it.
    #[serde(default)]
    pub apply: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LookupAnswer {
    /// "Anläggningen hittades." and where it is.
    pub message: String,
    /// The installation and customer found; never identity numbers.
    pub installation: FieldValues,
    pub changes: Vec<Change>,
    /// E.g. that the registry places the installation in another network area.
    pub warnings: Vec<String>,
    /// The case as it is (apply) or would be (no apply) after the lookup.
    pub case: CaseView,
}

pub async fn lookup<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    CaseId(id): CaseId,
    JsonBody(request): JsonBody<LookupRequest>,
) -> ApiResult<LookupAnswer> {
    let mut case = load_for_edit(&state, &caller, &id, request.version).await?;
    let form = form_or_gone(&state, &case)?;
    let query = form.lookup_query(request.ean.as_deref(), request.meter_number.as_deref())?;
    rate_limit(&state, &caller).await?;

    let by_ean = match query.ean() {
        Some(ean) => state.store.installation_by_ean(&case.company, ean).await?,
        None => None,
    };
    let by_meter_number = match query.meter_number() {
        Some(meter) => state.store.installations_by_meter(&case.company, meter).await?,
        None => Vec::new(),
    };
    let found = form.resolve_lookup(&query, by_ean, by_meter_number);
    let entry = AuditEntry {
        id: uuid::Uuid::new_v4().to_string(),
        company: case.company.clone(),
        at: now(),
        user: caller.user.clone(),
        firm: caller.org.clone(),
        case_id: case.id.clone(),
        case_number: case.number.clone(),
        by: query.key(),
        found: found.is_ok(),
    };
    state.store.record_lookup(&entry).await?;
    tracing::info!(case = %case.id, by = query.key().as_str(), found = entry.found, "lookup");
    let installation = found?;

    let outcome =
        form.lookup_outcome(&case.fields, &case.network_area, &installation, request.overwrite);
    case.fields = outcome.fields;
    if request.apply {
        case.touch(now());
        state.store.update_case(&case).await?;
    }
    Ok(Json(LookupAnswer {
        message: outcome.message,
        installation: outcome.installation,
        changes: outcome.changes,
        warnings: outcome.warnings,
        case: view(&state, &caller, case),
    }))
}

/// At most `lookups_per_minute` lookups per user and minute, counted in the store so that every
/// Lambda instance shares the count.
async fn rate_limit<S: Store>(state: &AppState<S>, caller: &Caller) -> Result<(), ApiError> {
    let now = now().unix_timestamp();
    let minute = now / 60;
    let count = state.store.count_use(&format!("lookup#{}#{minute}", caller.user)).await?;
    if count > state.lookups_per_minute {
        let retry_after = (60 - now % 60).max(1) as u64;
        // Logs carry no one's identity, so the user is not named here.
        tracing::warn!("lookup rate limit reached");
        return Err(ApiError::rate_limited(retry_after));
    }
    Ok(())
}
