//! Handläggningstider: a network company's handling times per month, installation type and
//! network area (JSON and CSV), and the queue an installer's case is in. The figures are the
//! core's (`forms::handling_times`); this reads the company's cases and names things.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use forms::handling_times::{self, Figures, Month, Queue};
use forms::{Case, Problem, ProblemCode, Role};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::audit::csv_cell;
use super::auth::Caller;
use super::body::Params;
use super::cases::{ApiResult, now};
use super::error::{ApiError, ErrorCode};
use crate::store::{CaseQuery, PageRequest, Store};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PeriodQuery {
    /// The first month, `YYYY-MM`; default the month 11 months before `to`.
    pub from: Option<String>,
    /// The last month, `YYYY-MM`; default this month (UTC).
    pub to: Option<String>,
}

/// A company's handling times for the months `from..=to`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HandlingTimes {
    pub from: String,
    pub to: String,
    /// One per month, installation type and network area in which an interval ended, in that
    /// order.
    pub rows: Vec<HandlingTimesRow>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct HandlingTimesRow {
    /// `YYYY-MM`: the month the measured intervals ended in (UTC).
    pub month: String,
    pub installation_type: String,
    pub installation_type_name: String,
    pub network_area: String,
    pub network_area_name: String,
    /// From each submit to the decision on it (approve, return, reject).
    pub sent_to_decision: Figures,
    /// From the completion notice to the close.
    pub completion_to_closed: Figures,
}

/// The longest period one request may ask for, in months.
const MAX_MONTHS: i32 = 36;

/// How many cases one read of the store asks for.
const READ_PAGE: usize = 1000;

pub async fn list<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params<PeriodQuery>,
) -> ApiResult<HandlingTimes> {
    Ok(Json(handling_times(&state, &caller, &query).await?))
}

async fn handling_times<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    query: &PeriodQuery,
) -> Result<HandlingTimes, ApiError> {
    if caller.role != Role::NetworkCompany {
        return Err(ApiError::forbidden("Bara nätbolaget ser sina handläggningstider."));
    }
    let (from, to) = period(query)?;
    let cases = company_cases(&state.store, &caller.org).await?;
    let defs = state.definitions();
    let company = defs.company(&caller.org);
    let rows = handling_times::monthly(&cases, from, to)
        .into_iter()
        .map(|row| HandlingTimesRow {
            installation_type_name: defs
                .installation_type(&row.installation_type)
                .map_or_else(|| row.installation_type.clone(), |t| t.name.clone()),
            network_area_name: company
                .and_then(|c| c.network_area(&row.network_area))
                .map_or_else(|| row.network_area.clone(), |a| a.name.clone()),
            month: row.month,
            installation_type: row.installation_type,
            network_area: row.network_area,
            sent_to_decision: row.sent_to_decision,
            completion_to_closed: row.completion_to_closed,
        })
        .collect();
    let (from, to) = (handling_times::month_text(from), handling_times::month_text(to));
    Ok(HandlingTimes { from, to, rows })
}

/// The same rows as a CSV file for a spreadsheet: `;` between cells and a decimal comma, as
/// Excel in a Swedish locale reads it, and a byte order mark so that it reads UTF-8 (å, ä, ö).
/// Times in hours with one decimal, so that they can be summed and sorted.
pub async fn csv<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Params(query): Params<PeriodQuery>,
) -> Result<Response, ApiError> {
    let answer = handling_times(&state, &caller, &query).await?;
    let mut out = String::from(
        "\u{feff}Månad;Installationstyp;Nätområde;Skickad till beslut: antal;Skickad till \
         beslut: median (timmar);Skickad till beslut: 90:e percentilen (timmar);Färdiganmälan \
         till avslut: antal;Färdiganmälan till avslut: median (timmar);Färdiganmälan till \
         avslut: 90:e percentilen (timmar)\r\n",
    );
    for row in &answer.rows {
        let mut cells = vec![
            row.month.clone(),
            csv_cell(&row.installation_type_name),
            csv_cell(&row.network_area_name),
        ];
        for figures in [&row.sent_to_decision, &row.completion_to_closed] {
            cells.push(figures.count.to_string());
            cells.push(hours(figures.median_seconds));
            cells.push(hours(figures.p90_seconds));
        }
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    }
    let name = format!("handlaggningstider-{}-{}.csv", answer.from, answer.to);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        out,
    )
        .into_response())
}

/// Seconds as hours with one decimal and a decimal comma ("51,5"); empty for no value.
fn hours(seconds: Option<i64>) -> String {
    seconds.map_or_else(String::new, |s| {
        let tenths = (s * 10 + 1800) / 3600;
        format!("{},{}", tenths / 10, tenths % 10)
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueueQuery {
    pub installation_type: Option<String>,
}

/// The queue of one of a company's installation types, for an installer about to wait in it
/// (or the company itself): the company's sent → decision times over the last 90 days and how
/// many cases wait now. Figures only, never a case. Another network company gets 404.
pub async fn queue<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(company): Path<String>,
    Params(query): Params<QueueQuery>,
) -> ApiResult<Queue> {
    let unknown = || ApiError::new(ErrorCode::FormNotFound, "Nätbolaget finns inte i Elanmälan.");
    let offered = state.definitions().company(&company).ok_or_else(unknown)?;
    if caller.role == Role::NetworkCompany && caller.org != company {
        return Err(unknown());
    }
    let installation_type = query.installation_type.unwrap_or_default();
    if offered.offer(&installation_type).is_none() {
        let message = "Ange installation_type, en installationstyp som nätbolaget har.";
        let problem = Problem {
            field: "installation_type".into(),
            code: ProblemCode::InvalidChoice,
            message: message.into(),
        };
        return Err(ApiError::new(ErrorCode::UnknownChoice, message).with_fields(vec![problem]));
    }
    let key = (company, installation_type);
    if let Some(queue) = QUEUES.fresh(&key) {
        return Ok(Json(queue));
    }
    let cases = company_cases(&state.store, &key.0).await?;
    let queue = handling_times::queue(&cases, &key.1, now());
    QUEUES.keep(key, queue.clone());
    Ok(Json(queue))
}

/// How long a queue's figures are reused: every installer's page of a sent case asks, and each
/// answer reads all the company's cases; figures over 90 days hardly move in minutes.
const QUEUE_FRESH: std::time::Duration = std::time::Duration::from_secs(300);

/// The queues counted lately, per company and installation type, in this process (on Lambda,
/// per warm instance).
static QUEUES: QueueCache = QueueCache(std::sync::Mutex::new(Vec::new()));

type QueueKey = (String, String);

struct QueueCache(std::sync::Mutex<Vec<(QueueKey, std::time::Instant, Queue)>>);

impl QueueCache {
    fn fresh(&self, key: &QueueKey) -> Option<Queue> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .find(|(k, at, _)| k == key && at.elapsed() < QUEUE_FRESH)
            .map(|(_, _, queue)| queue.clone())
    }

    fn keep(&self, key: QueueKey, queue: Queue) {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(k, at, _)| *k != key && at.elapsed() < QUEUE_FRESH);
        kept.push((key, std::time::Instant::now(), queue));
    }
}

/// Every case the company has been sent, through its inbox's index (no drafts), page by page.
async fn company_cases<S: Store>(store: &S, company: &str) -> Result<Vec<Case>, ApiError> {
    let mut all = Vec::new();
    let mut page = PageRequest { limit: READ_PAGE, after: None };
    let query = CaseQuery::default();
    loop {
        let found = store.company_cases(company, &query, &page).await?;
        all.extend(found.items.into_iter().filter(|c| c.company == company));
        match found.next {
            Some(after) => page.after = Some(after),
            None => return Ok(all),
        }
    }
}

/// The months asked for; a month that is not `YYYY-MM`, or a period backwards or over
/// [`MAX_MONTHS`], is refused.
fn period(query: &PeriodQuery) -> Result<(Month, Month), ApiError> {
    let to = match month("to", query.to.as_deref())? {
        Some(to) => to,
        None => handling_times::month_of(now()),
    };
    let from = month("from", query.from.as_deref())?.unwrap_or_else(|| add_months(to, -11));
    let span = (to.0 - from.0) * 12 + i32::from(to.1) - i32::from(from.1);
    if !(0..MAX_MONTHS).contains(&span) {
        return Err(ApiError::new(
            ErrorCode::InvalidRange,
            "Välj en period där from är samma månad som to eller före, och som är högst 36 \
             månader.",
        ));
    }
    Ok((from, to))
}

fn add_months((year, month): Month, n: i32) -> Month {
    let index = year * 12 + i32::from(month) - 1 + n;
    (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8)
}

/// A month parameter, `YYYY-MM`, in the years 2000 to 2999.
fn month(key: &str, value: Option<&str>) -> Result<Option<Month>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let parsed = value.split_once('-').and_then(|(y, m)| {
        let digits = |s: &str, n| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(y, 4) || !digits(m, 2) {
            return None;
        }
        let (year, month) = (y.parse::<i32>().ok()?, m.parse::<u8>().ok()?);
        ((2000..=2999).contains(&year) && (1..=12).contains(&month)).then_some((year, month))
    });
    match parsed {
        Some(m) => Ok(Some(m)),
        None => Err(ApiError::invalid_date(
            key,
            format!("Ange {key} som ÅÅÅÅ-MM, till exempel 2026-12."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_hours() {
        assert_eq!(add_months((2026, 12), -11), (2026, 1));
        assert_eq!(add_months((2026, 1), -1), (2025, 12));
        assert_eq!(month("to", Some("2026-02")).unwrap(), Some((2026, 2)));
        for bad in ["2026-13", "2026-1", "26-01", "2026-01-01", "1999-12", "x"] {
            assert!(month("to", Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(hours(None), "");
        assert_eq!(hours(Some(51 * 3600 + 1800)), "51,5");
        assert_eq!(hours(Some(3600 / 20)), "0,1");
        assert_eq!(hours(Some(0)), "0,0");
    }
}
