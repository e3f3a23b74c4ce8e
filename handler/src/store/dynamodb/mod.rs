//! The production store: one DynamoDB table (docs/design.md, section 3).
//!
//! - case: PK `CASE#<id>`, SK `CASE`, `version`; GSI1 `FIRM#<firm>` / `<updated_at>#<id>`
//!   (the firm's list); GSI2 `COMPANY#<company>` / `<status>#<submitted_at>#<id>` (the
//!   company inbox, sparse: drafts have no GSI2 keys).
//! - registry: PK `REG#<company>#EAN#<ean>`, SK `REG`; GSI1 `REG#<company>` / `<ean>` (to
//!   count); GSI3 `REG#<company>#METER#<meter>` / `<ean>` (lookup by meter number).
//! - audit: PK `AUDIT#<company>#<yyyy-mm-dd>`, SK `<at>#<id>`, `ttl` = at + 400 days.
//! - usage counter (and a refusal's once-marker): PK `USE#<key>`, SK `USE`, `count`, `ttl` =
//!   first use + the counter's lifetime.
//!
//! Every item keeps its value as JSON in `doc`; times in keys are fixed-width UTC strings so
//! that string order is time order. Writes replace whole items (PutItem), so index keys an item
//! no longer has (a draft's GSI2 keys) disappear with the old item. Queries on the GSIs are
//! eventually consistent in AWS: a case written a moment ago may be missing from a list.

mod table;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, DeleteRequest, Put, PutRequest, ReturnValue, Select,
    TransactWriteItem, Update, WriteRequest,
};
use forms::retention::AUDIT_RETENTION;
use forms::{Case, Installation, Status};
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::sortable_time;
use super::{
    AuditEntry, AuditStore, CappedUse, CaseQuery, CaseStore, Notification, OutboxStore, Page,
    PageRequest, RegistryStore, StoreError, StoreResult, firm_list_key, inbox_key, search_text,
};
pub use table::create_table;

type Item = HashMap<String, AttributeValue>;

/// BatchWriteItem takes at most 25 requests.
const BATCH_SIZE: usize = 25;
/// Rounds of retrying a batch's unprocessed items before giving up.
const BATCH_TRIES: u32 = 8;
/// A number longer than this is in no registry (imports check lengths) and would not fit in a
/// key (2 048 bytes): a lookup by it finds nothing, without asking DynamoDB, which would refuse.
const MAX_NUMBER_BYTES: usize = 1024;
/// Tries of a transaction that lost to a concurrent one on the same item (e.g. two lookups of
/// one firm at once, on its day's counter), 10 ms, 20 ms, ... apart.
const TRANSACTION_TRIES: u32 = 5;

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

fn from_doc<T: DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let Some(doc) = item.get("doc").and_then(|doc| doc.as_s().ok()) else {
        let kind = std::any::type_name::<T>();
        return Err(StoreError::Corrupt(format!("{kind}: no doc attribute of type S")));
    };
    serde_json::from_str(doc).map_err(crate::store::corrupt::<T>)
}

fn case_key(id: &str) -> Item {
    HashMap::from([("PK".into(), s(format!("CASE#{id}"))), ("SK".into(), s("CASE"))])
}

fn case_item(case: &Case) -> StoreResult<Item> {
    let mut item = case_key(&case.id);
    item.insert("version".into(), n(case.version));
    item.insert("doc".into(), to_doc(case)?);
    item.insert("GSI1PK".into(), s(format!("FIRM#{}", case.firm)));
    item.insert("GSI1SK".into(), s(firm_list_key(case)));
    // Sparse index: a draft carries no GSI2 keys, so the company cannot even query it. As the
    // whole item is replaced on every write, a draft's item never keeps old GSI2 keys.
    if case.visible_to_company() {
        item.insert("GSI2PK".into(), s(format!("COMPANY#{}", case.company)));
        item.insert("GSI2SK".into(), s(inbox_key(case)));
    }
    // What the lists filter and search by (CaseQuery), beside the document.
    item.insert("status".into(), s(case.status.as_str()));
    // What the retention sweep filters by (`updated` for items written before there was
    // `retention_from`).
    item.insert("updated".into(), s(sortable_time(case.updated_at)));
    item.insert("retention_from".into(), s(sortable_time(case.retention_from())));
    item.insert("network_area".into(), s(&case.network_area));
    item.insert("installation_type".into(), s(&case.installation_type));
    item.insert("firm_search".into(), s(case.firm.to_lowercase()));
    item.insert("search".into(), s(search_text(case)));
    Ok(item)
}

/// A list's query on one index partition: where it starts and what it filters.
struct ListQuery<'a> {
    what: &'static str,
    index: &'static str,
    partition: String,
    /// Only keys that begin so (a status's rank in the inbox).
    key_prefix: Option<String>,
    forward: bool,
    query: &'a CaseQuery,
    page: &'a PageRequest,
}

/// The FilterExpression and its values for the filters of `query` that the key does not
/// already apply (`by_key`: the status is in the key).
fn case_filter(
    query: &CaseQuery,
    status_by_key: bool,
) -> (Option<String>, Vec<(&'static str, AttributeValue)>) {
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    let mut equal = |name: &'static str, placeholder: &'static str, value: Option<&str>| {
        if let Some(value) = value {
            conditions.push(format!("#{name} = {placeholder}"));
            values.push((placeholder, s(value)));
        }
    };
    if !status_by_key {
        equal("status", ":status", query.status.map(|st| st.as_str()));
    }
    equal("network_area", ":area", query.network_area.as_deref());
    equal("installation_type", ":type", query.installation_type.as_deref());
    if let Some(firm) = &query.firm {
        conditions.push("contains(#firm_search, :firm)".to_string());
        values.push((":firm", s(firm)));
    }
    if let Some(text) = &query.text {
        conditions.push("contains(#search, :text)".to_string());
        values.push((":text", s(text)));
    }
    let expression = (!conditions.is_empty()).then(|| conditions.join(" AND "));
    (expression, values)
}

/// The outbox is one partition, oldest first: a few thousand e-mails a day at the most.
fn outbox_item(notification: &Notification) -> StoreResult<Item> {
    let mut item = HashMap::from([
        ("PK".to_string(), s("OUTBOX")),
        ("SK".to_string(), s(notification.list_key())),
        ("retry_at".to_string(), s(sortable_time(notification.retry_at))),
    ]);
    if let Some(case_id) = &notification.case_id {
        item.insert("case_id".into(), s(case_id));
    }
    item.insert("doc".into(), to_doc(notification)?);
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
    /// The query of a company's installations on GSI1, the EAN as its sort key.
    fn company_installations(
        &self,
        company: &str,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", s(format!("REG#{company}")))
    }

    /// The next number of the company's cases in `year`, from 1 (atomic: never given twice).
    async fn next_case_number(&self, company: &str, year: i32) -> StoreResult<u64> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(format!("COUNTER#case_number#{company}#{year}")))
            .key("SK", s("COUNTER"))
            .update_expression("ADD #value :one")
            .expression_attribute_names("#value", "value")
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| unavailable("number a case", &e))?;
        output
            .attributes()
            .and_then(|a| a.get("value"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| StoreError::Unavailable("dynamodb returned no case number".into()))
    }

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

    /// Writes `items` in one TransactWriteItems, all or none. `Ok(Some(i))` when the condition
    /// of `items[i]` (the first that failed) refused it, and nothing was written. A transaction
    /// that lost to a concurrent one on the same item is tried again ([`TRANSACTION_TRIES`]);
    /// its token makes the SDK's own retries of one attempt idempotent.
    async fn transact(
        &self,
        what: &str,
        items: Vec<TransactWriteItem>,
    ) -> StoreResult<Option<usize>> {
        let mut backoff = Duration::from_millis(5);
        for _ in 0..TRANSACTION_TRIES {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .client_request_token(uuid::Uuid::new_v4().to_string())
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(None),
                Err(error) => error,
            };
            let reasons = match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    cancelled.cancellation_reasons()
                }
                _ => return Err(unavailable(what, &error)),
            };
            let code = |reason: &CancellationReason| reason.code().unwrap_or_default().to_string();
            if let Some(refused) = reasons.iter().position(|r| code(r) == "ConditionalCheckFailed")
            {
                return Ok(Some(refused));
            }
            if !reasons.iter().any(|r| code(r) == "TransactionConflict") {
                return Err(unavailable(what, &error));
            }
            backoff *= 2;
            tokio::time::sleep(backoff).await;
        }
        Err(StoreError::Unavailable(format!("dynamodb could not {what}: too much contention")))
    }

    /// A Put in a transaction, written only if `condition` holds (if there is one).
    fn put_item_if(
        &self,
        item: Item,
        condition: Option<&str>,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<TransactWriteItem> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string));
        for (name, value) in values {
            put = put.expression_attribute_values(*name, value.clone());
        }
        let put = put
            .build()
            .map_err(|e| StoreError::Unavailable(format!("could not build a transaction: {e}")))?;
        Ok(TransactWriteItem::builder().put(put).build())
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

    async fn update_case_notifying(&self, case: &Case, outbox: &[Notification]) -> StoreResult<()> {
        let Some(expected) = case.version.checked_sub(1) else {
            return Err(StoreError::VersionConflict);
        };
        // A missing item has no version, so the condition also fails for a deleted case.
        let item = case_item(case)?;
        let values = [(":expected", n(expected))];
        let refused = StoreError::VersionConflict;
        if outbox.is_empty() {
            return self
                .put_if("update a case", item, "version = :expected", &values, refused)
                .await;
        }
        // The case and its e-mails in one transaction (at most 100 items, far more than one
        // change's e-mails).
        let mut items = vec![self.put_item_if(item, Some("version = :expected"), &values)?];
        for notification in outbox {
            items.push(self.put_item_if(outbox_item(notification)?, None, &[])?);
        }
        match self.transact("update a case", items).await? {
            None => Ok(()),
            Some(_) => Err(refused),
        }
    }

    /// A Scan, in the table's own order (not id order): the sweep runs once a day and needs a
    /// filter over every case (a few hundred thousand items; docs/scaling.md has its cost). A
    /// page may hold fewer cases than `limit`, even none, and still have a next one.
    async fn retention_candidates(
        &self,
        statuses: &[Status],
        before: OffsetDateTime,
        page: &PageRequest,
    ) -> StoreResult<Page<Case>> {
        let names: Vec<String> = (0..statuses.len()).map(|i| format!(":s{i}")).collect();
        let filter = format!(
            "begins_with(PK, :case) AND #status IN ({}) AND (#retention < :before \
             OR (attribute_not_exists(#retention) AND #updated < :before))",
            names.join(", ")
        );
        let mut scan = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(filter)
            .expression_attribute_names("#updated", "updated")
            .expression_attribute_names("#retention", "retention_from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":case", s("CASE#"))
            .expression_attribute_values(":before", s(sortable_time(before)));
        for (name, status) in names.iter().zip(statuses) {
            scan = scan.expression_attribute_values(name, s(status.as_str()));
        }
        // `after` is the key where the last scan stopped, which may be any item of the table.
        if let Some((pk, sk)) = page.after.as_deref().and_then(|after| after.split_once('\n')) {
            scan = scan.set_exclusive_start_key(Some(HashMap::from([
                ("PK".to_string(), s(pk)),
                ("SK".to_string(), s(sk)),
            ])));
        }
        let limit = i32::try_from(page.limit).unwrap_or(i32::MAX);
        let found =
            scan.limit(limit).send().await.map_err(|e| unavailable("list cases to retain", &e))?;
        let items = found.items().iter().map(from_doc::<Case>).collect::<StoreResult<_>>()?;
        let key = |name: &str| {
            found.last_evaluated_key().and_then(|k| k.get(name)).and_then(|v| v.as_s().ok())
        };
        let next = key("PK").zip(key("SK")).map(|(pk, sk)| format!("{pk}\n{sk}"));
        Ok(Page { items, next })
    }

    async fn remove_case(&self, id: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(case_key(id)))
            .send()
            .await
            .map_err(|e| unavailable("remove a case", &e))?;
        Ok(())
    }

    /// DynamoDB keeps no old versions of an item that a caller could clear; the template's
    /// point-in-time recovery keeps the table's past for its 35 days, and then no more.
    async fn forget_removed(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn keep_version_update(&self, case: &Case) -> StoreResult<()> {
        let item = case_item(case)?;
        let values = [(":expected", n(case.version))];
        let refused = StoreError::VersionConflict;
        self.put_if("update a case", item, "version = :expected", &values, refused).await
    }

    async fn create_numbered_case(
        &self,
        mut case: Case,
        number: impl FnOnce(u64) -> String + Send + 'static,
    ) -> StoreResult<Case> {
        let n = self.next_case_number(&case.company, case.created_at.year()).await?;
        case.number = number(n);
        self.create_case(&case).await?;
        Ok(case)
    }

    async fn firm_cases(
        &self,
        firm: &str,
        query: &CaseQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Case>> {
        // Last changed first by `<updated_at>#<id>`: ties by id descending.
        self.list(ListQuery {
            what: "list a firm's cases",
            index: "GSI1",
            partition: format!("FIRM#{firm}"),
            key_prefix: None,
            forward: false,
            query,
            page,
        })
        .await
    }

    async fn company_cases(
        &self,
        company: &str,
        query: &CaseQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Case>> {
        if query.status == Some(Status::Draft) {
            return Ok(Page { items: Vec::new(), next: None });
        }
        self.list(ListQuery {
            what: "list a company's cases",
            index: "GSI2",
            partition: format!("COMPANY#{company}"),
            key_prefix: query.status.map(|st| format!("{}#", st.inbox_rank())),
            forward: true,
            query,
            page,
        })
        .await
    }
}

impl DynamoStore {
    /// One page of a list: queries the index from the page's start until `limit + 1`
    /// matching cases are found (a filter may leave a query page short) or the partition ends.
    async fn list(&self, list: ListQuery<'_>) -> StoreResult<Page<Case>> {
        let (pk, sk) = (format!("{}PK", list.index), format!("{}SK", list.index));
        let (filter, filter_values) = case_filter(list.query, list.key_prefix.is_some());
        let mut start = list.page.after.as_ref().map(|after| {
            // The index key and the table key of the case the last page ended with.
            let id = after.rsplit('#').next().unwrap_or_default();
            let mut key = case_key(id);
            key.insert(pk.clone(), s(&list.partition));
            key.insert(sk.clone(), s(after));
            key
        });
        let mut cases = Vec::new();
        loop {
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(list.index)
                .scan_index_forward(list.forward)
                .limit(i32::try_from(list.page.limit + 1).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .expression_attribute_names("#pk", &pk)
                .expression_attribute_values(":pk", s(&list.partition));
            request = match &list.key_prefix {
                Some(prefix) => request
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#sk", &sk)
                    .expression_attribute_values(":prefix", s(prefix)),
                None => request.key_condition_expression("#pk = :pk"),
            };
            if let Some(filter) = &filter {
                request = request.filter_expression(filter);
                for name in ["status", "network_area", "installation_type", "firm_search", "search"]
                {
                    if filter.contains(&format!("#{name}")) {
                        request = request.expression_attribute_names(format!("#{name}"), name);
                    }
                }
                for (placeholder, value) in &filter_values {
                    request = request.expression_attribute_values(*placeholder, value.clone());
                }
            }
            let output = request.send().await.map_err(|e| unavailable(list.what, &e))?;
            for item in output.items() {
                cases.push(from_doc::<Case>(item)?);
            }
            start = output.last_evaluated_key().cloned();
            if cases.len() > list.page.limit || start.is_none() {
                break;
            }
        }
        let key = if list.index == "GSI1" { firm_list_key } else { inbox_key };
        Ok(Page::from_items(cases, list.page.limit, key))
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
        if ean.len() > MAX_NUMBER_BYTES {
            return Ok(None);
        }
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
        if meter.is_empty() || meter.len() > MAX_NUMBER_BYTES {
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
        let mut pages =
            self.company_installations(company).select(Select::Count).into_paginator().send();
        let mut count = 0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| unavailable("count installations", &e))?;
            count += u64::try_from(page.count()).unwrap_or_default();
        }
        Ok(count)
    }

    async fn remove_installations_except(
        &self,
        company: &str,
        keep: &BTreeSet<String>,
    ) -> StoreResult<u64> {
        let query = self.company_installations(company).projection_expression("GSI1SK");
        let mut pages = query.into_paginator().send();
        let mut gone = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| unavailable("list installations", &e))?;
            for item in page.items() {
                let ean = item.get("GSI1SK").and_then(|v| v.as_s().ok());
                if let Some(ean) = ean.filter(|ean| !keep.contains(*ean)) {
                    let delete = DeleteRequest::builder()
                        .set_key(Some(registry_key(company, ean)))
                        .build()
                        .map_err(|_| StoreError::Unavailable("could not build a delete".into()))?;
                    gone.push(WriteRequest::builder().delete_request(delete).build());
                }
            }
        }
        for chunk in gone.chunks(BATCH_SIZE) {
            self.put_batch(chunk.to_vec()).await?;
        }
        Ok(gone.len() as u64)
    }
}

fn audit_item(entry: &AuditEntry) -> StoreResult<Item> {
    let at = entry.at.to_offset(time::UtcOffset::UTC);
    Ok(HashMap::from([
        ("PK".to_string(), s(audit_partition(&entry.company, at.date()))),
        ("SK".to_string(), s(format!("{}#{}", sortable_time(at), entry.id))),
        ("doc".to_string(), to_doc(entry)?),
        ("ttl".to_string(), n((at + AUDIT_RETENTION).unix_timestamp())),
    ]))
}

fn counter_key(key: &str) -> Item {
    HashMap::from([("PK".to_string(), s(format!("USE#{key}"))), ("SK".to_string(), s("USE"))])
}

/// The audit log is append-only: an entry is never replaced.
const NEW_ITEM: &str = "attribute_not_exists(PK)";

/// Days of the audit log read at once.
const AUDIT_DAYS_AT_ONCE: i64 = 7;

/// One day's partition of a company's audit log, from `low` to `high` (inclusive), after
/// `after`.
struct AuditDay {
    client: Client,
    table: String,
    partition: String,
    low: String,
    high: String,
    after: String,
    /// How many entries are enough.
    wanted: usize,
}

impl AuditDay {
    async fn entries(self) -> StoreResult<Vec<AuditEntry>> {
        let mut entries: Vec<AuditEntry> = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
                .expression_attribute_values(":pk", s(&self.partition))
                .expression_attribute_values(":low", s(&self.low))
                .expression_attribute_values(":high", s(&self.high))
                .limit(i32::try_from(self.wanted + 1).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| unavailable("read the audit log", &e))?;
            for item in output.items() {
                let entry: AuditEntry = from_doc(item)?;
                if entry.list_key() > self.after {
                    entries.push(entry);
                }
            }
            start = output.last_evaluated_key().cloned();
            if start.is_none() || entries.len() >= self.wanted {
                return Ok(entries);
            }
        }
    }
}

impl AuditStore for DynamoStore {
    async fn record_lookup(
        &self,
        entry: &AuditEntry,
        uses: &[CappedUse],
        case: Option<&Case>,
    ) -> StoreResult<()> {
        if uses.is_empty() && case.is_none() {
            let item = audit_item(entry)?;
            return self
                .put_if("record a lookup", item, NEW_ITEM, &[], StoreError::AlreadyExists)
                .await;
        }
        let build = |e: aws_sdk_dynamodb::error::BuildError| {
            StoreError::Unavailable(format!("could not build a transaction: {e}"))
        };
        let now = OffsetDateTime::now_utc();
        let mut items = Vec::with_capacity(uses.len() + 2);
        for used in uses {
            // Counted only below the cap; `ttl` set by the first use. A key names one window,
            // so a counter that TTL has not yet deleted is never counted on after its time.
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(counter_key(&used.key)))
                .update_expression("ADD #count :one SET #ttl = if_not_exists(#ttl, :ttl)")
                .condition_expression("attribute_not_exists(#count) OR #count < :cap")
                .expression_attribute_names("#count", "count")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":cap", n(used.cap))
                .expression_attribute_values(":ttl", n((now + used.lifetime).unix_timestamp()))
                .build()
                .map_err(build)?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        items.push(self.put_item_if(audit_item(entry)?, Some(NEW_ITEM), &[])?);
        if let Some(case) = case {
            let expected = case.version.checked_sub(1).ok_or(StoreError::VersionConflict)?;
            let values = [(":expected", n(expected))];
            items.push(self.put_item_if(case_item(case)?, Some("version = :expected"), &values)?);
        }
        match self.transact("record a lookup", items).await? {
            None => Ok(()),
            Some(index) if index < uses.len() => Err(StoreError::CapReached(index)),
            Some(index) if index == uses.len() => Err(StoreError::AlreadyExists),
            Some(_) => Err(StoreError::VersionConflict),
        }
    }

    async fn record_once(
        &self,
        entry: &AuditEntry,
        once: &str,
        lifetime: time::Duration,
    ) -> StoreResult<bool> {
        let mut marker = counter_key(once);
        marker.insert("count".into(), n(1));
        let expires = OffsetDateTime::now_utc() + lifetime;
        marker.insert("ttl".into(), n(expires.unix_timestamp()));
        // An expired marker that TTL has not yet deleted still counts: `once` names a window.
        let items = vec![
            self.put_item_if(marker, Some(NEW_ITEM), &[])?,
            self.put_item_if(audit_item(entry)?, Some(NEW_ITEM), &[])?,
        ];
        match self.transact("record a lookup", items).await? {
            None => Ok(true),
            Some(0) => Ok(false),
            Some(_) => Err(StoreError::AlreadyExists),
        }
    }

    async fn lookups(
        &self,
        company: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let (from, to) = (from.to_offset(time::UtcOffset::UTC), to.to_offset(time::UtcOffset::UTC));
        let empty = Page { items: Vec::new(), next: None };
        if from >= to {
            return Ok(empty);
        }
        // SK is `<at>#<id>`: every entry at `to` sorts after the bare `to`, every earlier one
        // before it, so BETWEEN (inclusive) gives [from, to). A page goes on after the key of
        // the last entry shown, in that entry's day.
        let high = sortable_time(to);
        let after = page.after.clone().unwrap_or_default();
        let low = sortable_time(from).max(after.clone());
        let Some(mut day) = forms::formats::parse_date(low.get(..10).unwrap_or_default()) else {
            return Ok(empty);
        };
        let last_day = (to - time::Duration::NANOSECOND).date();
        let mut entries: Vec<AuditEntry> = Vec::new();
        // The days' partitions a week at a time, each week's at once: the default range (a
        // week) is one round trip. A page needs at most `limit + 1` entries from any one day.
        while day <= last_day && entries.len() <= page.limit {
            let mut week = tokio::task::JoinSet::new();
            for n in 0..AUDIT_DAYS_AT_ONCE {
                let Some(date) =
                    day.checked_add(time::Duration::days(n)).filter(|d| *d <= last_day)
                else {
                    break;
                };
                let day_query = AuditDay {
                    client: self.client.clone(),
                    table: self.table.clone(),
                    partition: audit_partition(company, date),
                    low: low.clone(),
                    high: high.clone(),
                    after: after.clone(),
                    wanted: page.limit + 1,
                };
                week.spawn(async move { (date, day_query.entries().await) });
            }
            let mut days = week.join_all().await;
            days.sort_by_key(|(date, _)| *date);
            for (date, day_entries) in days {
                if entries.len() <= page.limit {
                    entries.extend(day_entries?);
                }
                day = date;
            }
            let Some(next) = day.next_day() else { break };
            day = next;
        }
        Ok(Page::from_items(entries, page.limit, AuditEntry::list_key))
    }

    /// DynamoDB's TTL removes audit entries [`AUDIT_RETENTION`] after they were written.
    async fn prune_lookups(&self, _before: OffsetDateTime) -> StoreResult<u64> {
        Ok(0)
    }
}

impl DynamoStore {
    /// Up to `limit` e-mails of the outbox that match `filter` (naming `:value`), all pages read.
    async fn outbox_where(
        &self,
        filter: &str,
        value: String,
        limit: usize,
    ) -> StoreResult<Vec<Notification>> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .filter_expression(filter)
                .expression_attribute_values(":pk", s("OUTBOX"))
                .expression_attribute_values(":value", s(value.clone()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| unavailable("read the outbox", &e))?;
            for item in output.items() {
                found.push(from_doc::<Notification>(item)?);
            }
            start = output.last_evaluated_key().cloned();
            if start.is_none() || found.len() >= limit {
                found.truncate(limit);
                return Ok(found);
            }
        }
    }
}

impl OutboxStore for DynamoStore {
    async fn due_notifications(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> StoreResult<Vec<Notification>> {
        self.outbox_where("retry_at <= :value", sortable_time(now), limit).await
    }

    async fn notification_sent(&self, notification: &Notification) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("PK", s("OUTBOX"))
            .key("SK", s(notification.list_key()))
            .send()
            .await
            .map_err(|e| unavailable("empty the outbox", &e))?;
        Ok(())
    }

    async fn notification_failed(&self, notification: &Notification) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(outbox_item(notification)?))
            .send()
            .await
            .map_err(|e| unavailable("keep an e-mail for later", &e))?;
        Ok(())
    }

    async fn case_notifications(&self, case_id: &str) -> StoreResult<Vec<Notification>> {
        self.outbox_where("case_id = :value", case_id.to_string(), usize::MAX).await
    }

    async fn rewrite_notification(&self, notification: &Notification) -> StoreResult<()> {
        let item = outbox_item(notification)?;
        let what = "rewrite an e-mail";
        match self
            .put_if(what, item, "attribute_exists(PK)", &[], StoreError::VersionConflict)
            .await
        {
            // Sent meanwhile: it stays gone.
            Err(StoreError::VersionConflict) => Ok(()),
            done => done,
        }
    }
}
