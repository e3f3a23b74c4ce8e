//! Customers' rights (docs/operations.md, "Customers' rights"): a network company finds every case of its
//! own that holds a person's or an organisation's identity number, exports them as JSON (the
//! data subject's right of access), and erases that person's data from those that are over.
//! Each act is written to the company's audit log, naming the cases and never the number. The
//! number comes in the body, never in the address, so that no access log keeps it.

use axum::Json;
use axum::extract::State;
use forms::data_subject::{CHANGED_MEANWHILE, ExportedCase, holding, requested_number, scrub};
use forms::{Case, Role, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::body::JsonBody;
use super::cases::{ApiResult, now};
use super::error::{ApiError, ErrorCode};
use crate::store::files::{FileStore, file_key};
use crate::store::{AuditAct, AuditEntry, CaseQuery, PageRequest, Store, StoreError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSubjectRequest {
    /// Personnummer, samordningsnummer or organisationsnummer: 12 digits, or 10 read as the
    /// Swedish Tax Agency writes them (`-`: under 100 years old today, `+`: 100 or older).
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

/// What the company's cases hold about the holder of the number, each case as
/// `forms::data_subject::ExportedCase` says.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DataSubjectExport {
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub exported_at: time::OffsetDateTime,
    pub company: String,
    pub cases: Vec<ExportedCase>,
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
            // Asked first: the case's fields move into the answer below.
            erasable: case.erasable(),
            id: case.id,
            number: case.number,
            company: case.company,
            installation_type: case.installation_type,
            status: case.status,
            status_label: case.status.label().to_string(),
            fields,
        })
        .collect();
    Ok(Json(DataSubjectCases { cases }))
}

/// `POST /data-subject/export`: the person's part of those cases, as JSON.
pub async fn export<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(request): JsonBody<DataSubjectRequest>,
) -> ApiResult<DataSubjectExport> {
    let found = matching(&state, &caller, &request).await?;
    audit(&state, &caller, AuditAct::DataSubjectExport, found.iter().map(|(c, _)| c)).await?;
    let cases = found.iter().map(|(case, fields)| case.export_for_data_subject(fields)).collect();
    Ok(Json(DataSubjectExport { exported_at: now(), company: caller.org, cases }))
}

/// `POST /data-subject/erase`: from each case that is over, the person's part
/// (`Case::erase_data_subject`: the sections that hold the number, the files attached there,
/// their name and number in every text of the case), and from the e-mails about it not yet
/// sent, and its customer link goes; then the store forgets the erased bytes. The case keeps its number, status and
/// history, and gets a new version. Open cases keep the data.
pub async fn erase<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    JsonBody(request): JsonBody<DataSubjectRequest>,
) -> ApiResult<Erasure> {
    let found = matching(&state, &caller, &request).await?;
    let (mut erased, mut kept, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for (mut case, fields) in found {
        if let Some(reason) = case.kept_from_erasure() {
            kept.push(KeptCase { number: case.number, reason });
            continue;
        }
        let removed = case.erase_data_subject(&fields);
        match state.store.update_case(&case).await {
            Ok(()) => {
                state.store.remove_customer_link(&case.id).await?;
                for attachment in &removed.attachments {
                    state.files.delete(&file_key(&case.id, &attachment.id)).await?;
                }
                for mut mail in state.store.case_notifications(&case.id).await? {
                    mail.subject = scrub(&mail.subject, &removed.values);
                    mail.body = scrub(&mail.body, &removed.values);
                    state.store.rewrite_notification(&mail).await?;
                }
                erased.push(case.number.clone());
                changed.push(case);
            }
            Err(StoreError::VersionConflict) => {
                kept.push(KeptCase { number: case.number, reason: CHANGED_MEANWHILE.into() })
            }
            Err(e) => return Err(e.into()),
        }
    }
    // Even when nothing was erased now: a retry after a failed checkpoint completes it.
    state.store.forget_removed().await?;
    audit(&state, &caller, AuditAct::DataSubjectErasure, changed.iter()).await?;
    Ok(Json(Erasure { erased, kept }))
}

/// The company's cases (every one it can see) that hold the number, each with the fields that
/// hold it, oldest first as the store lists them. The number is compared whole, with its
/// century (`forms::data_subject::requested_number`, `holding`).
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
    let wanted = requested_number(&request.identity_number, now().date()).map_err(|problem| {
        ApiError::new(ErrorCode::InvalidFields, problem.message.clone()).with_fields(vec![problem])
    })?;
    let definitions = state.definitions();
    let mut found = Vec::new();
    let mut page = PageRequest { limit: 100, after: None };
    loop {
        let listed = state.store.company_cases(&caller.org, &CaseQuery::default(), &page).await?;
        for case in listed.items {
            let fields = holding(&case, definitions, &wanted);
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
