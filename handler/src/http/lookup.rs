//! "Hämta anl-data": find the installation by EAN or meter number, audit the lookup, and merge
//! it into the case (or only show what would change). Nothing in a log line names a person, an
//! address or the number looked up.

use axum::Json;
use axum::extract::State;
use forms::definitions::{Company, LookupLimit};
use forms::{Change, FieldValues};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::body::{JsonBody, whole_number};
use super::cases::{ApiResult, CaseId, CaseView, form_or_gone, load_for_edit, now, view};
use super::error::ApiError;
use crate::store::{AuditAct, AuditEntry, Store};

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
    let audit = |found, limit_reached| AuditEntry {
        id: uuid::Uuid::new_v4().to_string(),
        company: case.company.clone(),
        at: now(),
        user: caller.user.clone(),
        firm: caller.org.clone(),
        case_id: case.id.clone(),
        case_number: case.number.clone(),
        act: AuditAct::Lookup,
        by: Some(query.key()),
        found,
        limit_reached,
    };
    within_limits(&state, &caller, form.company, &audit).await?;

    let by_ean = match query.ean() {
        Some(ean) => state.store.installation_by_ean(&case.company, ean).await?,
        None => None,
    };
    let by_meter_number = match query.meter_number() {
        Some(meter) => state.store.installations_by_meter(&case.company, meter).await?,
        None => Vec::new(),
    };
    let found = form.resolve_lookup(&query, by_ean, by_meter_number);
    let entry = audit(found.is_ok(), None);
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

/// The company's caps on lookups (`Company::lookup_limits`): per user per minute, hour and day,
/// and per installer firm per day, each counted in the store so that every Lambda instance
/// shares the count. A refused lookup counts too. The first refusal by a cap in its window is
/// written to the audit log, with the cap; later ones in the same window are not (a script
/// that keeps trying would otherwise fill the log).
async fn within_limits<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    company: &Company,
    audit: &impl Fn(bool, Option<LookupLimit>) -> AuditEntry,
) -> Result<(), ApiError> {
    let now = now().unix_timestamp();
    let mut refused: Option<(LookupLimit, u64)> = None;
    for limit in LookupLimit::ALL {
        let window = limit.window_seconds();
        let who =
            if limit.per_firm() { format!("firm#{}", caller.org) } else { caller.user.clone() };
        let key = format!("lookup#{}#{limit:?}#{who}#{}", company.id, now / window);
        // A counter outlives its window a little, so that it is never gone while it counts.
        let lifetime = time::Duration::seconds(window + 60);
        let count = state.store.count_use(&key, lifetime).await?;
        let cap = company.lookup_limits.cap(limit);
        if count > cap {
            if count == cap + 1 {
                state.store.record_lookup(&audit(false, Some(limit))).await?;
            }
            // Logs carry no one's identity, so the user is not named here.
            tracing::warn!(limit = ?limit, "lookup limit reached");
            let retry_after = (window - now % window).max(1) as u64;
            if refused.is_none_or(|(_, longest)| retry_after > longest) {
                refused = Some((limit, retry_after));
            }
        }
    }
    match refused {
        None => Ok(()),
        Some((limit, retry_after)) => {
            Err(ApiError::rate_limited(retry_after).with_message(format!(
                "{} tillåter högst {} uppslag {}. Försök igen {}.",
                company.name,
                company.lookup_limits.cap(limit),
                limit.describe(),
                wait_in_words(retry_after)
            )))
        }
    }
}

/// "om 40 sekunder", "om 12 minuter", "om 3 timmar": when to try again, roughly.
fn wait_in_words(seconds: u64) -> String {
    match seconds {
        0..=90 => format!("om {seconds} sekunder"),
        91..=5400 => format!("om {} minuter", seconds.div_ceil(60)),
        _ => format!("om {} timmar", seconds.div_ceil(3600)),
    }
}

#[cfg(test)]
mod tests {
    use super::wait_in_words;

    #[test]
    fn the_wait_is_said_in_seconds_minutes_or_hours() {
        assert_eq!(wait_in_words(1), "om 1 sekunder");
        assert_eq!(wait_in_words(60), "om 60 sekunder");
        assert_eq!(wait_in_words(91), "om 2 minuter");
        assert_eq!(wait_in_words(3600), "om 60 minuter");
        assert_eq!(wait_in_words(5401), "om 2 timmar");
        assert_eq!(wait_in_words(86_400), "om 24 timmar");
    }
}
