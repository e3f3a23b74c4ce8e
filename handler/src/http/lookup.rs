//! "Hämta anl-data": find the installation by EAN or meter number, audit the lookup, and merge
//! it into the case (or only show what would change). Nothing in a log line names a person, an
//! address or the number looked up.

use axum::Json;
use axum::extract::State;
use forms::definitions::{Company, LookupLimit};
use forms::{Change, FieldValues, Installation, LookupQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::body::{JsonBody, whole_number};
use super::cases::{ApiResult, CaseId, CaseView, form_or_gone, load_for_edit, now, view};
use super::error::ApiError;
use crate::store::{AuditAct, AuditEntry, CappedUse, Store, StoreError, company_in_case_id};

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
    let (ean, meter_number) = (request.ean.as_deref(), request.meter_number.as_deref());
    // The case's id names its company, so the registry is read while the case is: the form
    // checks the numbers once the case is here, and a registry read by numbers it would not
    // have let through is thrown away unused.
    let ahead = company_in_case_id(&id).zip(LookupQuery::unchecked(ean, meter_number).ok());
    let (case, read_ahead) =
        tokio::join!(load_for_edit(&state, &caller, &id, request.version), async {
            match &ahead {
                Some((company, query)) => Some(read_registry(&state.store, company, query).await),
                None => None,
            }
        });
    let mut case = case?;
    let form = form_or_gone(&state, &case)?;
    let query = form.lookup_query(ean, meter_number)?;
    let (by_ean, by_meter_number) = match (ahead, read_ahead) {
        (Some((company, ahead)), Some(found)) if company == case.company && ahead == query => {
            found?
        }
        _ => read_registry(&state.store, &case.company, &query).await?,
    };

    let outcome = form.resolve_lookup(&query, by_ean, by_meter_number).map(|installation| {
        form.lookup_outcome(&case.fields, &case.network_area, &installation, request.overwrite)
    });
    if let Ok(outcome) = &outcome {
        case.fields = outcome.fields.clone();
        if request.apply {
            case.fields_changed(&form, now());
        }
    }
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
    // The caps' counts, the audit entry and the case with the lookup applied: one write, all
    // or nothing.
    let uses = capped_uses(&caller, form.company);
    let applied = (request.apply && outcome.is_ok()).then_some(&case);
    match state.store.record_lookup(&audit(outcome.is_ok(), None), &uses, applied).await {
        Err(StoreError::CapReached(index)) => {
            let limit = LONGEST_FIRST[index];
            return Err(refused(&state, form.company, limit, &uses[index], &audit).await);
        }
        written => written?,
    }
    tracing::info!(case = %case.id, by = query.key().as_str(), found = outcome.is_ok(), "lookup");
    let outcome = outcome?;
    Ok(Json(LookupAnswer {
        message: outcome.message,
        installation: outcome.installation,
        changes: outcome.changes,
        warnings: outcome.warnings,
        case: view(&state, &caller, case),
    }))
}

/// The installations with the query's anläggnings-ID and with its meter number, read at once.
async fn read_registry<S: Store>(
    store: &S,
    company: &str,
    query: &LookupQuery,
) -> Result<(Option<Installation>, Vec<Installation>), StoreError> {
    let by_ean = async {
        match query.ean() {
            Some(ean) => store.installation_by_ean(company, ean).await,
            None => Ok(None),
        }
    };
    let by_meter_number = async {
        match query.meter_number() {
            Some(meter) => store.installations_by_meter(company, meter).await,
            None => Ok(Vec::new()),
        }
    };
    let (by_ean, by_meter_number) = tokio::join!(by_ean, by_meter_number);
    Ok((by_ean?, by_meter_number?))
}

/// The caps on lookups, the longest window first: the store reports the first cap reached, so
/// a refusal names the cap that holds longest.
const LONGEST_FIRST: [LookupLimit; 4] = [
    LookupLimit::PerFirmPerDay,
    LookupLimit::PerUserPerDay,
    LookupLimit::PerUserPerHour,
    LookupLimit::PerUserPerMinute,
];

/// One use of each of the company's caps on lookups (`Company::lookup_limits`), in the order
/// of [`LONGEST_FIRST`]: per installer firm per day, and per user per day, hour and minute,
/// counted in the store so that every Lambda instance shares the count.
fn capped_uses(caller: &Caller, company: &Company) -> Vec<CappedUse> {
    let now = now().unix_timestamp();
    LONGEST_FIRST
        .into_iter()
        .map(|limit| {
            let window = limit.window_seconds();
            let who =
                if limit.per_firm() { format!("firm#{}", caller.org) } else { caller.user.clone() };
            CappedUse {
                key: format!("lookup#{}#{limit:?}#{who}#{}", company.id, now / window),
                cap: company.lookup_limits.cap(limit),
                // Outlives its window a little, so that it is never gone while it counts.
                lifetime: time::Duration::seconds(window + 60),
            }
        })
        .collect()
}

/// The answer to a lookup that `limit` refused (`used`, its use): 429 with when to try again.
/// The first refusal by a cap in its window goes in the company's audit log, with the cap;
/// later ones in the same window do not (a script that keeps trying would otherwise fill it).
async fn refused<S: Store>(
    state: &AppState<S>,
    company: &Company,
    limit: LookupLimit,
    used: &CappedUse,
    audit: &impl Fn(bool, Option<LookupLimit>) -> AuditEntry,
) -> ApiError {
    let once = format!("refused#{}", used.key);
    if let Err(e) = state.store.record_once(&audit(false, Some(limit)), &once, used.lifetime).await
    {
        return e.into();
    }
    // Logs carry no one's identity, so the user is not named here.
    tracing::warn!(limit = ?limit, "lookup limit reached");
    let window = limit.window_seconds();
    let retry_after = (window - now().unix_timestamp() % window).max(1) as u64;
    ApiError::rate_limited(retry_after).with_message(format!(
        "{} tillåter högst {} uppslag {}. Försök igen {}.",
        company.name,
        used.cap,
        limit.describe(),
        wait_in_words(retry_after)
    ))
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
