//! The production store: one DynamoDB table (DESIGN.md section 3).
//!
//! - case: PK `CASE#<id>`, SK `CASE`, `version`; GSI1 `FIRM#<firm>` / `<updated_at>#<id>`
//!   (the firm's list); GSI2 `COMPANY#<company>` / `<status>#<submitted_at>#<id>` (the
//!   company inbox, sparse: drafts have no GSI2 keys).
//! - registry: PK `REG#<company>#EAN#<ean>`, SK `REG`; GSI1 `REG#<company>` / `<ean>` (to
//!   count); GSI3 `REG#<company>#METER#<meter>` / `<ean>` (lookup by meter number).
//! - audit: PK `AUDIT#<company>#<yyyy-mm-dd>`, SK `<at>#<id>`, `ttl` = at + 400 days.
//! - usage counter: PK `USE#<key>`, SK `USE`, `count`, `ttl` = first use + 1 hour.
//!
//! Every item keeps its value as JSON in `doc`; times in keys are fixed-width UTC strings so
//! that string order is time order. Writes replace whole items (PutItem), so index keys an item
//! no longer has (a draft's GSI2 keys) disappear with the old item. Queries on the GSIs are
//! eventually consistent in AWS: a case written a moment ago may be missing from a list.

mod table;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, ReturnValue, Select, WriteRequest};
use forms::{Case, Installation, Status};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::sortable_time;
use super::{AuditEntry, AuditStore, CaseStore, RegistryStore, StoreError, StoreResult};
pub use table::create_table;

type Item = HashMap<String, AttributeValue>;

/// How long audit entries are kept before DynamoDB's TTL deletes them.
const AUDIT_RETENTION: time::Duration = time::Duration::days(400);
/// How long a `count_use` counter lives after its first use.
const COUNTER_LIFETIME: time::Duration = time::Duration::hours(1);
/// BatchWriteItem takes at most 25 requests.
const BATCH_SIZE: usize = 25;
/// Rounds of retrying a batch's unprocessed items before giving up.
const BATCH_TRIES: u32 = 8;

/// How long one DynamoDB call may take, retries included. A store that accepts connections but
/// does not answer then costs a request this long and a 503 with Retry-After, not a hang; the
/// next request tries again, so the store's return needs no restart.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one attempt may take before the SDK retries it.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1200);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A client from the standard AWS configuration (environment, profile, region), with the
/// timeouts above.
pub async fn client_from_env() -> Client {
    let shared = aws_config::load_from_env().await;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let config = aws_sdk_dynamodb::config::Builder::from(&shared).timeout_config(timeouts).build();
    Client::from_conf(config)
}

/// The DynamoDB store. Cloning is cheap (the SDK client is shared).
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store on `table`, which must exist (see [`create_table`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore { client, table: table.into() }
    }
}

/// Maps an SDK error to `Unavailable` with a short text: the error code or kind, never a
/// message (which may quote values, i.e. personal data).
fn unavailable<E: ProvideErrorMetadata, R>(what: &str, error: &SdkError<E, R>) -> StoreError {
    let reason = match error {
        SdkError::ServiceError(e) => e.err().code().unwrap_or("service error"),
        // Sent, but not answered: the write may have been done.
        SdkError::TimeoutError(_) => {
            return StoreError::Unanswered(format!("dynamodb did not {what} in time"));
        }
        SdkError::ResponseError(_) => {
            return StoreError::Unanswered(format!(
                "dynamodb could not {what}: unreadable response"
            ));
        }
        SdkError::DispatchFailure(_) => "not reachable",
        SdkError::ConstructionFailure(_) => "request not built",
        _ => "unknown error",
    };
    StoreError::Unavailable(format!("dynamodb could not {what}: {reason}"))
}

/// Whether a conditional write was refused (for operations without a typed check at hand).
fn condition_failed<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    let code = error.as_service_error().and_then(ProvideErrorMetadata::code);
    code == Some("ConditionalCheckFailedException")
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn to_doc<T: Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|_| StoreError::Unavailable("could not encode a document".into()))
}

/// The serde error is dropped on purpose: it may quote the stored (personal) data.
fn from_doc<T: DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let invalid = || StoreError::Unavailable("a stored document is not valid".into());
    let doc = item.get("doc").and_then(|doc| doc.as_s().ok()).ok_or_else(invalid)?;
    serde_json::from_str(doc).map_err(|_| invalid())
}

fn case_key(id: &str) -> Item {
    HashMap::from([("PK".into(), s(format!("CASE#{id}"))), ("SK".into(), s("CASE"))])
}

/// The GSI2 sort key: a missing submitted_at (never the case after a submit) sorts lowest.
fn inbox_sort_key(case: &Case) -> String {
    let submitted = case.submitted_at.map(sortable_time).unwrap_or_default();
    format!("{}#{submitted}#{}", case.status.as_str(), case.id)
}

fn case_item(case: &Case) -> StoreResult<Item> {
    let mut item = case_key(&case.id);
    item.insert("version".into(), n(case.version));
    item.insert("doc".into(), to_doc(case)?);
    item.insert("GSI1PK".into(), s(format!("FIRM#{}", case.firm)));
    item.insert("GSI1SK".into(), s(format!("{}#{}", sortable_time(case.updated_at), case.id)));
    // Sparse index: a draft carries no GSI2 keys, so the company cannot even query it. As the
    // whole item is replaced on every write, a draft's item never keeps old GSI2 keys.
    if case.visible_to_company() {
        item.insert("GSI2PK".into(), s(format!("COMPANY#{}", case.company)));
        item.insert("GSI2SK".into(), s(inbox_sort_key(case)));
    }
    Ok(item)
}

fn registry_key(company: &str, ean: &str) -> Item {
    HashMap::from([("PK".into(), s(format!("REG#{company}#EAN#{ean}"))), ("SK".into(), s("REG"))])
}

fn registry_item(company: &str, row: &Installation) -> StoreResult<Item> {
    let ean = row.ean.as_str();
    let meter = row.meter_number.as_str();
    let mut item = registry_key(company, ean);
    item.insert("doc".into(), to_doc(row)?);
    // GSI1 lists a company's installations (to count them).
    item.insert("GSI1PK".into(), s(format!("REG#{company}")));
    item.insert("GSI1SK".into(), s(ean));
    if !meter.is_empty() {
        item.insert("GSI3PK".into(), s(format!("REG#{company}#METER#{meter}")));
        item.insert("GSI3SK".into(), s(ean));
    }
    Ok(item)
}

fn audit_partition(company: &str, day: time::Date) -> String {
    format!("AUDIT#{company}#{day}")
}

impl DynamoStore {
    /// Writes `item` only if `condition` holds; when it does not, the answer is `refused`.
    async fn put_if(
        &self,
        what: &str,
        item: Item,
        condition: &str,
        values: &[(&str, AttributeValue)],
        refused: StoreError,
    ) -> StoreResult<()> {
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        for (name, value) in values {
            request = request.expression_attribute_values(*name, value.clone());
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(refused)
            }
            Err(e) => Err(unavailable(what, &e)),
        }
    }

    /// All items of a query on `index`, in index order, every page.
    async fn query_all(
        &self,
        what: &str,
        index: &str,
        key_condition: &str,
        values: &[(&str, String)],
        forward: bool,
    ) -> StoreResult<Vec<Item>> {
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(key_condition)
            .scan_index_forward(forward);
        for (name, value) in values {
            request = request.expression_attribute_values(*name, s(value));
        }
        request
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| unavailable(what, &e))
    }

    async fn put_batch(&self, mut requests: Vec<WriteRequest>) -> StoreResult<()> {
        for attempt in 0..BATCH_TRIES {
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(|e| unavailable("write installations", &e))?;
            requests = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(&self.table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            // Throttled: back off exponentially (25 ms .. 3.2 s) before trying the rest.
            tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
        }
        Err(StoreError::Unavailable(
            "dynamodb could not write installations: items left unprocessed".into(),
        ))
    }
}

impl CaseStore for DynamoStore {
    async fn create_case(&self, case: &Case) -> StoreResult<()> {
        let item = case_item(case)?;
        let condition = "attribute_not_exists(PK)";
        self.put_if("create a case", item, condition, &[], StoreError::AlreadyExists).await
    }

    async fn get_case(&self, id: &str) -> StoreResult<Option<Case>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(case_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable("read a case", &e))?;
        output.item().map(from_doc).transpose()
    }

    async fn update_case(&self, case: &Case) -> StoreResult<()> {
        let Some(expected) = case.version.checked_sub(1) else {
            return Err(StoreError::VersionConflict);
        };
        // A missing item has no version, so the condition also fails for a deleted case.
        let item = case_item(case)?;
        let values = [(":expected", n(expected))];
        let refused = StoreError::VersionConflict;
        self.put_if("update a case", item, "version = :expected", &values, refused).await
    }

    async fn firm_cases(&self, firm: &str) -> StoreResult<Vec<Case>> {
        // Newest first by `<updated_at>#<id>`: ties by id descending.
        let items = self
            .query_all(
                "list a firm's cases",
                "GSI1",
                "GSI1PK = :pk",
                &[(":pk", format!("FIRM#{firm}"))],
                false,
            )
            .await?;
        items.iter().map(from_doc).collect()
    }

    async fn company_cases(&self, company: &str, status: Option<Status>) -> StoreResult<Vec<Case>> {
        let pk = format!("COMPANY#{company}");
        let items = match status {
            Some(Status::Draft) => return Ok(Vec::new()),
            Some(status) => {
                self.query_all(
                    "list a company's cases",
                    "GSI2",
                    "GSI2PK = :pk AND begins_with(GSI2SK, :status)",
                    &[(":pk", pk), (":status", format!("{}#", status.as_str()))],
                    false,
                )
                .await?
            }
            None => {
                self.query_all(
                    "list a company's cases",
                    "GSI2",
                    "GSI2PK = :pk",
                    &[(":pk", pk)],
                    false,
                )
                .await?
            }
        };
        let mut cases: Vec<Case> = items.iter().map(from_doc).collect::<StoreResult<_>>()?;
        // GSI2SK sorts by status first; across statuses, order by submitted_at (then id), both
        // descending, as the key does within one status.
        cases.sort_by(|a, b| (b.submitted_at, &b.id).cmp(&(a.submitted_at, &a.id)));
        Ok(cases)
    }
}

impl RegistryStore for DynamoStore {
    async fn put_installations(&self, company: &str, rows: &[Installation]) -> StoreResult<()> {
        // One batch may not name a key twice: the last row of an EAN wins, as in SQLite.
        let mut by_ean: BTreeMap<&str, &Installation> = BTreeMap::new();
        for row in rows {
            by_ean.insert(row.ean.as_str(), row);
        }
        let requests = by_ean
            .values()
            .map(|row| {
                let put = PutRequest::builder()
                    .set_item(Some(registry_item(company, row)?))
                    .build()
                    .map_err(|_| StoreError::Unavailable("could not build a put request".into()))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<StoreResult<Vec<_>>>()?;
        // Not one transaction (DynamoDB has none this large); each item is written whole and
        // the import is idempotent, so a failed import is repaired by running it again.
        for chunk in requests.chunks(BATCH_SIZE) {
            self.put_batch(chunk.to_vec()).await?;
        }
        Ok(())
    }

    async fn installation_by_ean(
        &self,
        company: &str,
        ean: &str,
    ) -> StoreResult<Option<Installation>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(registry_key(company, ean)))
            .send()
            .await
            .map_err(|e| unavailable("read an installation", &e))?;
        output.item().map(from_doc).transpose()
    }

    async fn installations_by_meter(
        &self,
        company: &str,
        meter_number: &str,
    ) -> StoreResult<Vec<Installation>> {
        let meter = meter_number;
        if meter.is_empty() {
            return Ok(Vec::new());
        }
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI3")
            .key_condition_expression("GSI3PK = :pk")
            .expression_attribute_values(":pk", s(format!("REG#{company}#METER#{meter}")))
            .limit(2)
            .send()
            .await
            .map_err(|e| unavailable("read an installation", &e))?;
        output.items().iter().map(from_doc).collect()
    }

    async fn installation_count(&self, company: &str) -> StoreResult<u64> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(format!("REG#{company}")))
            .select(Select::Count)
            .into_paginator()
            .send();
        let mut count = 0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| unavailable("count installations", &e))?;
            count += u64::try_from(page.count()).unwrap_or_default();
        }
        Ok(count)
    }
}

impl AuditStore for DynamoStore {
    async fn record_lookup(&self, entry: &AuditEntry) -> StoreResult<()> {
        let at = entry.at.to_offset(time::UtcOffset::UTC);
        let item = HashMap::from([
            ("PK".to_string(), s(audit_partition(&entry.company, at.date()))),
            ("SK".to_string(), s(format!("{}#{}", sortable_time(at), entry.id))),
            ("doc".to_string(), to_doc(entry)?),
            ("ttl".to_string(), n((at + AUDIT_RETENTION).unix_timestamp())),
        ]);
        // The audit log is append-only: an entry is never replaced.
        let condition = "attribute_not_exists(PK)";
        self.put_if("record a lookup", item, condition, &[], StoreError::AlreadyExists).await
    }

    async fn lookups(
        &self,
        company: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Vec<AuditEntry>> {
        let (from, to) = (from.to_offset(time::UtcOffset::UTC), to.to_offset(time::UtcOffset::UTC));
        if from >= to {
            return Ok(Vec::new());
        }
        // SK is `<at>#<id>`: every entry at `to` sorts after the bare `to`, every earlier one
        // before it, so BETWEEN (inclusive) gives [from, to).
        let (low, high) = (sortable_time(from), sortable_time(to));
        let last_day = (to - time::Duration::NANOSECOND).date();
        let mut day = from.date();
        let mut entries = Vec::new();
        loop {
            let items = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
                .expression_attribute_values(":pk", s(audit_partition(company, day)))
                .expression_attribute_values(":low", s(&low))
                .expression_attribute_values(":high", s(&high))
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
                .map_err(|e| unavailable("read the audit log", &e))?;
            for item in &items {
                entries.push(from_doc(item)?);
            }
            if day >= last_day {
                break;
            }
            day = day.next_day().unwrap_or(last_day);
        }
        Ok(entries)
    }

    /// Counts a use of `key` in a counter that lives one hour from its first use. DynamoDB's
    /// TTL deletes lazily (up to days late), so an item whose `ttl` has passed is treated as
    /// gone: it is reset to 1 instead of counted on.
    async fn count_use(&self, key: &str) -> StoreResult<u64> {
        let key_item = HashMap::from([
            ("PK".to_string(), s(format!("USE#{key}"))),
            ("SK".to_string(), s("USE")),
        ]);
        // Bounded: each round loses only to a concurrent reset, after which counting succeeds.
        for _ in 0..5 {
            let now = OffsetDateTime::now_utc().unix_timestamp();
            let ttl = now + COUNTER_LIFETIME.whole_seconds();
            let counted = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key_item.clone()))
                .update_expression("ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)")
                .condition_expression("attribute_not_exists(PK) OR #ttl > :now")
                .expression_attribute_names("#count", "count")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":ttl", n(ttl))
                .expression_attribute_values(":now", n(now))
                .return_values(ReturnValue::UpdatedNew)
                .send()
                .await;
            match counted {
                Ok(output) => {
                    return output
                        .attributes()
                        .and_then(|attributes| attributes.get("count"))
                        .and_then(|count| count.as_n().ok())
                        .and_then(|count| count.parse().ok())
                        .ok_or_else(|| {
                            StoreError::Unavailable("dynamodb returned no usage count".into())
                        });
                }
                Err(e) if condition_failed(&e) => {}
                Err(e) => return Err(unavailable("count a use", &e)),
            }
            // Expired but not yet deleted: start a new counter, unless someone just did.
            let mut item = key_item.clone();
            item.insert("count".into(), n(1));
            item.insert("ttl".into(), n(ttl));
            let reset = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("#ttl <= :now")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            match reset {
                Ok(_) => return Ok(1),
                Err(e) if condition_failed(&e) => {}
                Err(e) => return Err(unavailable("count a use", &e)),
            }
        }
        Err(StoreError::Unavailable("dynamodb could not count a use: too much contention".into()))
    }
}
