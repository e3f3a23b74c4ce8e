//! The network company's lookup audit log.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use forms::Role;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AppState;
use super::auth::Caller;
use super::body::Params;
use super::cases::{ApiResult, PageQuery, next_cursor, now};
use super::error::{ApiError, ErrorCode};
use crate::store::{AuditEntry, PageRequest, Store, is_list_key};

#[derive(Debug, Serialize, JsonSchema)]
pub struct AuditAnswer {
    pub entries: Vec<AuditEntry>,
    /// Give it as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    from: Option<String>,
    to: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// The longest period one request may ask for, in days after the first.
const MAX_DAYS: i64 = 92;

pub async fn lookups<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params<AuditQuery>,
) -> ApiResult<AuditAnswer> {
    let (start, end) = period(&caller, &query)?;
    let page = query.page.request(is_list_key)?;
    let page = state.store.lookups(&caller.org, start, end, &page).await?;
    let next_cursor = next_cursor(&page);
    Ok(Json(AuditAnswer { entries: page.items, next_cursor }))
}

/// The most rows one CSV file holds (about 100 bytes each): far more than a company's lookups
/// in the longest period, and still within an answer's size on Lambda.
const CSV_MAX_ROWS: usize = 50_000;

/// The same entries as a CSV file for a spreadsheet. A cell that begins with `=`, `+`, `-` or
/// `@` gets a `'` first, so that no spreadsheet runs it as a formula.
pub async fn csv<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params<AuditQuery>,
) -> Result<Response, ApiError> {
    let (start, end) = period(&caller, &query)?;
    let mut out = String::from("tidpunkt,användare,installationsföretag,ärende,sökt på,hittad\r\n");
    let mut page = PageRequest { limit: 1000, after: None };
    let mut rows = 0;
    loop {
        let found = state.store.lookups(&caller.org, start, end, &page).await?;
        for e in &found.items {
            let by = forms::words::audit_searched_by(e.act, e.by);
            let at =
                e.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
            let found = match e.limit_reached {
                Some(limit) => format!("nej, spärrad av gränsen {}", limit.describe()),
                None if e.found => "ja".into(),
                None => "nej".into(),
            };
            let cells = [at.as_str(), &e.user, &e.firm, &e.case_number, by, &found];
            out.push_str(&cells.map(csv_cell).join(","));
            out.push_str("\r\n");
            rows += 1;
        }
        match found.next {
            Some(after) if rows < CSV_MAX_ROWS => page.after = Some(after),
            _ => break,
        }
    }
    let name = format!(
        "uppslag-{}-{}.csv",
        query.from.as_deref().unwrap_or("start"),
        query.to.as_deref().unwrap_or("idag")
    );
    let name: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric() || "-.".contains(*c)).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        out,
    )
        .into_response())
}

/// One CSV cell: quoted when it must be (RFC 4180, and on `;`, which Excel in a Swedish locale
/// takes for the separator), and never a formula.
pub(super) fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', ';', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The period asked for, [from 00:00, the day after `to` 00:00), for a network company only.
fn period(
    caller: &Caller,
    query: &AuditQuery,
) -> Result<(OffsetDateTime, OffsetDateTime), ApiError> {
    if caller.role != Role::NetworkCompany {
        return Err(ApiError::forbidden("Bara nätbolaget ser sin logg över hämtningar."));
    }
    let to = day("to", query.to.as_deref())?.unwrap_or_else(|| now().date());
    let from = day("from", query.from.as_deref())?.unwrap_or(to - time::Duration::days(6));
    if from > to || (to - from).whole_days() > MAX_DAYS {
        return Err(ApiError::new(
            ErrorCode::InvalidRange,
            "Välj en period där from är före to och som är högst 93 dagar.",
        ));
    }
    let start = from.midnight().assume_utc();
    let end = (to + time::Duration::days(1)).midnight().assume_utc();
    Ok((start, end))
}

/// A day parameter. Years far from now are refused before any date arithmetic could overflow.
fn day(key: &str, value: Option<&str>) -> Result<Option<time::Date>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    match forms::formats::parse_date(value) {
        Some(d) if (2000..=2999).contains(&d.year()) => Ok(Some(d)),
        _ => Err(ApiError::invalid_date(
            key,
            format!("Ange {key} som ÅÅÅÅ-MM-DD, till exempel 2026-12-01."),
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_cells_are_never_formulas_and_are_quoted_when_they_must_be() {
        assert_eq!(super::csv_cell("anna"), "anna");
        assert_eq!(super::csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(super::csv_cell("+46"), "'+46");
        assert_eq!(super::csv_cell("-1"), "'-1");
        assert_eq!(super::csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::csv_cell("a,b"), "\"a,b\"");
        // Excel in a Swedish locale splits on `;`: a cell that holds one stays one cell.
        assert_eq!(super::csv_cell("a;b"), "\"a;b\"");
        assert_eq!(super::csv_cell("x;=1+1"), "\"x;=1+1\"");
        assert_eq!(super::csv_cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(super::csv_cell("rad 1\nrad 2"), "\"rad 1\nrad 2\"");
        assert_eq!(super::csv_cell("\t=1"), "'\t=1");
        assert_eq!(super::csv_cell("\r=1"), "\"'\r=1\"");
    }
}
