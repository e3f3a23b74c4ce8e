//! "Hämta anl-data": find the installation by EAN or meter number, audit the lookup, and merge
//! it into the case (or only show what would change). Nothing in a log line names a person, an
//! address or the number looked up.

use axum::Json;
use axum::extract::State;
use forms::definitions::{Company, LookupLimit};
use forms::lookup::LookupCount;
use forms::{Case, Change, FieldValues, Form, Installation, LookupQuery};
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
    let case = case?;
    let definitions = state.case_definitions(&case).await?;
    let form = form_or_gone(&definitions, &case)?;
    let query = form.lookup_query(ean, meter_number)?;
    let (by_ean, by_meter_number) = match (ahead, read_ahead) {
        (Some((company, ahead)), Some(found)) if company == case.company && ahead == query => {
            found?
        }
        _ => read_registry(&state.store, &case.company, &query).await?,
    };

    let ask = Ask { query, overwrite: request.overwrite, apply: request.apply };
    Ok(Json(look_up(&state, &caller, case, &form, &ask, (by_ean, by_meter_number)).await?))
}

/// What a lookup asks: by which numbers, and "Skriv över fält i anmälan?" and whether to write.
pub(super) struct Ask {
    pub query: LookupQuery,
    pub overwrite: bool,
    pub apply: bool,
}

/// The lookup that the registry answered with `found` (by the anläggnings-ID, by the meter
/// number), merged into `case` by `form`: audited and counted against the caps, and, if
/// `ask.apply`, written with the case, all in one write. What both "Hämta anl-data" and a case
/// started from its anläggnings-ID (`POST /cases` with `ean`) do.
pub(super) async fn look_up<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    mut case: Case,
    form: &Form<'_>,
    ask: &Ask,
    found: (Option<Installation>, Vec<Installation>),
) -> Result<LookupAnswer, ApiError> {
    let Ask { query, overwrite, apply } = ask;
    let (by_ean, by_meter_number) = found;
    let outcome = form.resolve_lookup(query, by_ean, by_meter_number).map(|installation| {
        form.lookup_outcome(&case.fields, &case.network_area, &installation, *overwrite)
    });
    if let Ok(outcome) = &outcome {
        case.fields = outcome.fields.clone();
        if *apply {
            case.fields_changed(form, now());
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
    let counts = form.company.lookup_counts(&caller.org, &caller.user, now());
    let uses: Vec<CappedUse> = counts
        .iter()
        .map(|c| CappedUse { key: c.key.clone(), cap: c.cap, lifetime: c.lifetime })
        .collect();
    let applied = (*apply && outcome.is_ok()).then_some(&case);
    match state.store.record_lookup(&audit(outcome.is_ok(), None), &uses, applied).await {
        Err(StoreError::CapReached(index)) => {
            return Err(refused(state, form.company, &counts[index], &audit).await);
        }
        written => written?,
    }
    tracing::info!(case = %case.id, by = query.key().as_str(), found = outcome.is_ok(), "lookup");
    let outcome = outcome?;
    Ok(LookupAnswer {
        message: outcome.message,
        installation: outcome.installation,
        changes: outcome.changes,
        warnings: outcome.warnings,
        case: view(state, caller, case).await?,
    })
}

/// The installations with the query's anläggnings-ID and with its meter number, read at once.
pub(super) async fn read_registry<S: Store>(
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

/// The answer to a lookup that `count`'s cap refused: 429 with when to try again. The first
/// refusal by a cap in its window goes in the company's audit log, with the cap.
async fn refused<S: Store>(
    state: &AppState<S>,
    company: &Company,
    count: &LookupCount,
    audit: &impl Fn(bool, Option<LookupLimit>) -> AuditEntry,
) -> ApiError {
    let refusal = company.lookup_refusal(count, now());
    let entry = audit(false, Some(count.limit));
    if let Err(e) = state.store.record_once(&entry, &refusal.once_key, count.lifetime).await {
        return e.into();
    }
    // Logs carry no one's identity, so the user is not named here.
    tracing::warn!(limit = ?count.limit, "lookup limit reached");
    ApiError::rate_limited(refusal.retry_after).with_message(refusal.message)
}
