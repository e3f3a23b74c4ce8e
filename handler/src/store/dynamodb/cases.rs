//! The cases in DynamoDB: one item per case, the firm's list on GSI1 and the company inbox on
//! GSI2.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use forms::{Case, Status};
use time::OffsetDateTime;

use super::*;

pub(super) fn case_key(id: &str) -> Item {
    HashMap::from([("PK".into(), s(format!("CASE#{id}"))), ("SK".into(), s("CASE"))])
}

pub(super) fn case_item(case: &Case) -> StoreResult<Item> {
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
pub(super) struct ListQuery<'a> {
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
pub(super) fn case_filter(
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

impl DynamoStore {
    /// The next number of the company's cases in `year`, from 1 (atomic: never given twice).
    pub(super) async fn next_case_number(&self, company: &str, year: i32) -> StoreResult<u64> {
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
    pub(super) async fn list(&self, list: ListQuery<'_>) -> StoreResult<Page<Case>> {
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
