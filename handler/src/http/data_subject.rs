//! Customers' rights (README, "Customers' rights"): a network company finds every case of its
//! own that holds a person's or an organisation's identity number, exports them as JSON (the
//! data subject's right of access), and erases that person's data from those that are over.
//! Each act is written to the company's audit log, naming the cases and never the number. The
//! number comes in the body, never in the address, so that no access log keeps it.

use axum::Json;
use axum::extract::State;
use forms::formats::check_identity_number;
use forms::retention::identity_number_fields;
use forms::{Case, Problem, ProblemCode, Role, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::body::JsonBody;
use super::cases::{ApiResult, now};
use super::error::{ApiError, ErrorCode};
use crate::store::{AuditAct, AuditEntry, CaseQuery, PageRequest, Store, StoreError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSubjectRequest {
    /// Personnummer, samordningsnummer or organisationsnummer, in 10 or 12 digits.
    pub identity_number: String,
}

/// One case that holds the number.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DataSubjectCase {
    pub id: String,
    pub number: String,
    pub company: String,
    pub installation_type: String,
    pub status: Status,
    pub status_label: String,
    /// The fields that hold the number (e.g. `owner.identity_number`).
    pub fields: Vec<String>,
    /// Whether the person's data may be erased from it now: only from a case that is over
    /// (Avslutad, Makulerad, Ej godkänd); an open case needs it for the work.
    pub erasable: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DataSubjectCases {
    pub cases: Vec<DataSubjectCase>,
}

/// What the company's cases hold about the holder of the number: each case as stored, its
/// fields narrowed to the installation and the sections that hold the number (another person's
/// data in the same case, such as a different payer's, is not theirs to see).
#[derive(Debug, Serialize, JsonSchema)]
pub struct DataSubjectExport {
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub exported_at: time::OffsetDateTime,
    pub company: String,
    pub cases: Vec<Case>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Erasure {
    /// The numbers of the cases the person's data was erased from.
    pub erased: Vec<String>,
    /// The cases it was kept in, each with why.
    pub kept: Vec<KeptCase>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct KeptCase {
    pub number: String,
    /// Swedish, for a person.
    pub reason: String,
}

/// `POST /data-subject/cases`: the company's cases that hold the number.
pub async fn cases<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(request): JsonBody<DataSubjectRequest>,
) -> ApiResult<DataSubjectCases> {
    let found = matching(&state, &caller, &request).await?;
    audit(&state, &caller, AuditAct::DataSubjectSearch, found.iter().map(|(c, _)| c)).await?;
    let cases = found
        .into_iter()
        .map(|(case, fields)| DataSubjectCase {
            id: case.id,
            number: case.number,
            company: case.company,
            installation_type: case.installation_type,
            status: case.status,
            status_label: case.status.label().to_string(),
            fields,
            erasable: erasable(case.status),
        })
        .collect();
    Ok(Json(DataSubjectCases { cases }))
}

/// `POST /data-subject/export`: those cases whole, as JSON.
pub async fn export<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(request): JsonBody<DataSubjectRequest>,
) -> ApiResult<DataSubjectExport> {
    let found = matching(&state, &caller, &request).await?;
    audit(&state, &caller, AuditAct::DataSubjectExport, found.iter().map(|(c, _)| c)).await?;
    let cases = found
        .into_iter()
        .map(|(mut case, fields)| {
            let mut theirs = sections(&fields);
            theirs.push("installation.".into());
            case.fields.retain(|id, _| theirs.iter().any(|s| id.starts_with(s.as_str())));
            case
        })
        .collect();
    Ok(Json(DataSubjectExport { exported_at: now(), company: caller.org, cases }))
}

/// `POST /data-subject/erase`: from each case that is over, every value of the sections that
/// hold the number (e.g. all of Fastighetsägare: name, number, address, phone, e-mail). The
/// case keeps its number, status and history, and gets a new version. Open cases keep the data.
pub async fn erase<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(request): JsonBody<DataSubjectRequest>,
) -> ApiResult<Erasure> {
    let found = matching(&state, &caller, &request).await?;
    let (mut erased, mut kept, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for (mut case, fields) in found {
        if !erasable(case.status) {
            kept.push(KeptCase {
                number: case.number,
                reason: format!(
                    "Ärendet är {}: uppgifterna behövs tills det är avslutat. Radera dem när det \
                     är Avslutat, Makulerat eller Ej godkänt.",
                    case.status.label()
                ),
            });
            continue;
        }
        let sections = sections(&fields);
        let ids: Vec<String> = case
            .fields
            .keys()
            .filter(|id| sections.iter().any(|s| id.starts_with(s.as_str())))
            .cloned()
            .collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        case.remove_values(&ids);
        match state.store.update_case(&case).await {
            Ok(()) => {
                erased.push(case.number.clone());
                changed.push(case);
            }
            Err(StoreError::VersionConflict) => kept.push(KeptCase {
                number: case.number,
                reason: "Ärendet ändrades samtidigt. Försök igen.".into(),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    audit(&state, &caller, AuditAct::DataSubjectErasure, changed.iter()).await?;
    Ok(Json(Erasure { erased, kept }))
}

/// The sections of `fields` as id prefixes: `owner.identity_number` -> `owner.`.
fn sections(fields: &[String]) -> Vec<String> {
    fields.iter().filter_map(|f| f.split_once('.').map(|(s, _)| format!("{s}."))).collect()
}

fn erasable(status: Status) -> bool {
    matches!(status, Status::Closed | Status::Withdrawn | Status::Rejected)
}

/// The last ten digits: a personnummer with or without its century and dash, the same.
fn ten_digits(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(10)..].iter().collect()
}

/// The company's cases (every one it can see) that hold the number, each with the fields that
/// hold it, oldest first as the store lists them.
async fn matching<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    request: &DataSubjectRequest,
) -> Result<Vec<(Case, Vec<String>)>, ApiError> {
    if caller.role != Role::NetworkCompany {
        return Err(ApiError::forbidden(
            "Bara nätbolaget kan söka fram, lämna ut och radera en kunds uppgifter.",
        ));
    }
    if check_identity_number(&request.identity_number).is_err() {
        return Err(ApiError::new(
            ErrorCode::InvalidFields,
            "Ange ett giltigt person-, samordnings- eller organisationsnummer.",
        )
        .with_fields(vec![Problem {
            field: "identity_number".into(),
            code: ProblemCode::InvalidFormat,
            message: "Ange person-, samordnings- eller organisationsnummer med 10 eller 12 \
                      siffror, till exempel 19121212-1212 eller 556074-3089."
                .into(),
        }]));
    }
    let wanted = ten_digits(&request.identity_number);
    let definitions = state.definitions();
    let company = definitions.company(&caller.org);
    let holders = identity_number_fields(definitions, company);
    let mut found = Vec::new();
    let mut page = PageRequest { limit: 100, after: None };
    loop {
        let listed = state.store.company_cases(&caller.org, &CaseQuery::default(), &page).await?;
        for case in listed.items {
            let fields: Vec<String> = case
                .fields
                .iter()
                .filter(|(id, value)| holders.contains(&id.as_str()) && ten_digits(value) == wanted)
                .map(|(id, _)| id.clone())
                .collect();
            if !fields.is_empty() {
                found.push((case, fields));
            }
        }
        match listed.next {
            Some(after) => page.after = Some(after),
            None => return Ok(found),
        }
    }
}

/// One audit entry for the act, naming the cases it concerned (never the number).
async fn audit<'c, S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    act: AuditAct,
    cases: impl Iterator<Item = &'c Case>,
) -> Result<(), ApiError> {
    let numbers: Vec<&str> = cases.map(|c| c.number.as_str()).collect();
    let entry = AuditEntry {
        id: uuid::Uuid::new_v4().to_string(),
        company: caller.org.clone(),
        at: now(),
        user: caller.user.clone(),
        firm: String::new(),
        case_id: String::new(),
        case_number: numbers.join(", "),
        act,
        by: None,
        found: !numbers.is_empty(),
        limit_reached: None,
    };
    state.store.record_lookup(&entry, &[], None).await?;
    tracing::info!(act = ?act, cases = numbers.len(), "data subject request");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ten_digits;

    #[test]
    fn a_number_is_the_same_with_or_without_century_and_dash() {
        assert_eq!(ten_digits("19121212-1212"), "1212121212");
        assert_eq!(ten_digits("121212-1212"), "1212121212");
        assert_eq!(ten_digits("191212121212"), "1212121212");
        assert_eq!(ten_digits("556074-3089"), "5560743089");
        assert_eq!(ten_digits("12"), "12");
    }
}
