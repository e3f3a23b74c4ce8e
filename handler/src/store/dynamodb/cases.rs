//! The cases in DynamoDB: one item per case, the firm's list on GSI1, the company inbox on
//! GSI2, a company's cases of one anläggnings-ID on GSI3 and of one firm on GSI4, and an item
//! per case number that points at its case.

use std::collections::{BTreeSet, HashMap};

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
        // The inbox by key, sparse as GSI2: the company's cases of one firm, and of one
        // anläggnings-ID (GSI3, which the registry's items share under other partitions).
        item.insert("GSI4PK".into(), s(firm_partition(&case.company, &case.firm)));
        item.insert("GSI4SK".into(), s(inbox_key(case)));
        let ean = case_ean(case);
        if !ean.is_empty() {
            item.insert("GSI3PK".into(), s(ean_partition(&case.company, ean)));
            item.insert("GSI3SK".into(), s(inbox_key(case)));
        }
    }
    // What the lists filter and search by (CaseQuery), beside the document.
    item.insert("status".into(), s(case.status.as_str()));
    item.insert("number_key".into(), s(number_key(case)));
    item.insert("ean".into(), s(case_ean(case)));
    // What the retention sweep filters by (`updated` for items written before there was
    // `retention_from`).
    item.insert("updated".into(), s(sortable_time(case.updated_at)));
    item.insert("retention_from".into(), s(sortable_time(case.retention_from())));
    item.insert("network_area".into(), s(&case.network_area));
    item.insert("installation_type".into(), s(&case.installation_type));
    item.insert("search".into(), s(search_text(case)));
    Ok(item)
}

/// The GSI4 partition of a company's sent cases of one firm.
pub(super) fn firm_partition(company: &str, firm: &str) -> String {
    format!("COMPANY#{company}#FIRM#{firm}")
}

/// The GSI3 partition of a company's sent cases of one anläggnings-ID.
pub(super) fn ean_partition(company: &str, ean: &str) -> String {
    format!("COMPANY#{company}#EAN#{ean}")
}

/// The item that says which case has a number (a number never changes, so it is written once,
/// with the case): PK `NUMBER#<company>#<number, lower case>`, SK the case's id. A query of the
/// partition finds the case, strongly consistent, without an index.
pub(super) fn number_item(case: &Case) -> Item {
    HashMap::from([
        ("PK".into(), s(number_partition(&case.company, &number_key(case)))),
        ("SK".into(), s(&case.id)),
    ])
}

fn number_partition(company: &str, number: &str) -> String {
    format!("NUMBER#{company}#{number}")
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
    // The firms are a key or the list's own (GSI1): checked on the documents (CaseQuery::matches).
    let (condition, text) = match query.search() {
        None => (None, None),
        Some(Search::Text(text)) => (Some("contains(#search, :text)"), Some(text)),
        Some(Search::Number(number)) => (Some("#number_key = :text"), Some(number)),
        Some(Search::Ean(ean)) => (Some("#ean = :text"), Some(ean)),
    };
    if let Some((condition, text)) = condition.zip(text) {
        conditions.push(condition.to_string());
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
    /// The case and the item of its number, in one transaction.
    async fn create_case(&self, case: &Case) -> StoreResult<()> {
        let item = case_item(case)?;
        let condition = "attribute_not_exists(PK)";
        if case.number.is_empty() {
            return self
                .put_if("create a case", item, condition, &[], StoreError::AlreadyExists)
                .await;
        }
        let items = vec![
            self.put_item_if(item, Some(condition), &[])?,
            self.put_item_if(number_item(case), None, &[])?,
        ];
        match self.transact("create a case", items).await? {
            None => Ok(()),
            Some(_) => Err(StoreError::AlreadyExists),
        }
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

    /// The case, then the item of its number (a number item left by a failure points at no
    /// case, and a search by the number finds nothing).
    async fn remove_case(&self, id: &str) -> StoreResult<()> {
        let removed = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(case_key(id)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| unavailable("remove a case", &e))?;
        let Some(old) = removed.attributes() else { return Ok(()) };
        let case = from_doc::<Case>(old)?;
        if !case.number.is_empty() {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(number_item(&case)))
                .send()
                .await
                .map_err(|e| unavailable("remove a case", &e))?;
        }
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
        if query.firms.as_ref().is_some_and(|firms| !firms.contains(firm)) {
            return Ok(Page { items: Vec::new(), next: None });
        }
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
        if query.status == Some(Status::Draft)
            || query.firms.as_ref().is_some_and(BTreeSet::is_empty)
        {
            return Ok(Page { items: Vec::new(), next: None });
        }
        // By key: a whole case number (its number item), a whole anläggnings-ID (GSI3), the
        // firms (GSI4, one partition each, merged in inbox order). Else the inbox (GSI2), read
        // in order and filtered.
        match (query.search(), &query.firms) {
            (Some(Search::Number(number)), _) => {
                return self.company_case_by_number(company, number, query, page).await;
            }
            (Some(Search::Ean(ean)), _) => {
                let partition = ean_partition(company, ean);
                let cases = self.keyed("GSI3", partition, query, page).await?;
                return Ok(Page::from_items(cases, page.limit, inbox_key));
            }
            (_, Some(firms)) => {
                let mut cases = Vec::new();
                for firm in firms {
                    let partition = firm_partition(company, firm);
                    cases.extend(self.keyed("GSI4", partition, query, page).await?);
                }
                cases.sort_by_cached_key(inbox_key);
                return Ok(Page::from_items(cases, page.limit, inbox_key));
            }
            _ => {}
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
    /// Writes every case again as it is, with the keys and attributes of this version
    /// ([`case_item`], [`number_item`]), for a table from before them (`handler reindex-cases`,
    /// docs/deploy.md): a Scan, then per case its number's item and the case, the case only if
    /// its version is still the one read (a case changed meanwhile got its keys from that
    /// change). How many cases were written, and how many had changed.
    pub async fn reindex_cases(&self) -> StoreResult<(u64, u64)> {
        let (mut written, mut changed) = (0, 0);
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(PK, :case) AND SK = :sk")
                .expression_attribute_values(":case", s("CASE#"))
                .expression_attribute_values(":sk", s("CASE"))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| unavailable("read the cases", &e))?;
            for item in page.items() {
                let case = from_doc::<Case>(item)?;
                if !case.number.is_empty() {
                    self.client
                        .put_item()
                        .table_name(&self.table)
                        .set_item(Some(number_item(&case)))
                        .send()
                        .await
                        .map_err(|e| unavailable("write a case number", &e))?;
                }
                let values = [(":expected", n(case.version))];
                let refused = StoreError::VersionConflict;
                let item = case_item(&case)?;
                match self
                    .put_if("write a case", item, "version = :expected", &values, refused)
                    .await
                {
                    Ok(()) => written += 1,
                    Err(StoreError::VersionConflict) => changed += 1,
                    Err(e) => return Err(e),
                }
            }
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok((written, changed));
            }
        }
    }

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
        for reads in 0.. {
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(list.index)
                .scan_index_forward(list.forward)
                .limit(read_limit(list.page.limit, reads))
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
                for name in FILTERED {
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
                let case = from_doc::<Case>(item)?;
                if list.query.matches(&case) {
                    cases.push(case);
                }
            }
            start = output.last_evaluated_key().cloned();
            if cases.len() > list.page.limit || start.is_none() {
                break;
            }
        }
        let key = if list.index == "GSI1" { firm_list_key } else { inbox_key };
        Ok(Page::from_items(cases, list.page.limit, key))
    }

    /// The company's sent case with this number (lower case) if it matches `query`: the
    /// number's item, then the case, both strongly consistent (two items read).
    async fn company_case_by_number(
        &self,
        company: &str,
        number: &str,
        query: &CaseQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Case>> {
        let what = "find a case by its number";
        let pointers = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(number_partition(company, number)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(what, &e))?;
        let mut cases = Vec::new();
        for pointer in pointers.items() {
            let Some(id) = pointer.get("SK").and_then(|v| v.as_s().ok()) else { continue };
            let Some(case) = self.get_case(id).await? else { continue };
            let after = page.after.as_deref().is_none_or(|after| inbox_key(&case).as_str() > after);
            if case.company == company && case.visible_to_company() && query.matches(&case) && after
            {
                cases.push(case);
            }
        }
        cases.sort_by_cached_key(inbox_key);
        Ok(Page::from_items(cases, page.limit, inbox_key))
    }

    /// Up to `page.limit + 1` cases of one partition of an index keyed by [`inbox_key`] (GSI3,
    /// GSI4) that match `query`, in inbox order, after `page.after`: the status by the key's
    /// range, the other filters on the documents.
    async fn keyed(
        &self,
        index: &'static str,
        partition: String,
        query: &CaseQuery,
        page: &PageRequest,
    ) -> StoreResult<Vec<Case>> {
        let what = "list a company's cases by key";
        let mut cases = Vec::new();
        // Too long for a key: no case has it (DynamoDB would refuse the query).
        if partition.len() > MAX_NUMBER_BYTES {
            return Ok(cases);
        }
        let (pk, sk) = (format!("{index}PK"), format!("{index}SK"));
        let after = page.after.clone();
        // The range of the sort key: after the cursor, within the status's rank.
        let mut values = vec![(":pk", s(&partition))];
        let condition = match (query.status.map(|st| st.inbox_rank()), &after) {
            (None, None) => "#pk = :pk",
            (None, Some(after)) => {
                values.push((":after", s(after)));
                "#pk = :pk AND #sk > :after"
            }
            (Some(rank), after) => {
                let (low, high) = (format!("{rank}#"), format!("{rank}$"));
                match after {
                    Some(after) if after.as_str() >= high.as_str() => return Ok(cases),
                    Some(after) if after.as_str() >= low.as_str() => {
                        // BETWEEN includes the cursor's own case: it is dropped below.
                        values.push((":low", s(after)));
                        values.push((":high", s(high)));
                        "#pk = :pk AND #sk BETWEEN :low AND :high"
                    }
                    _ => {
                        values.push((":low", s(low)));
                        "#pk = :pk AND begins_with(#sk, :low)"
                    }
                }
            }
        };
        let (filter, filter_values) = case_filter(query, true);
        let mut start = None;
        for reads in 0.. {
            let mut request = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .limit(read_limit(page.limit, reads))
                .set_exclusive_start_key(start.take())
                .key_condition_expression(condition)
                .expression_attribute_names("#pk", &pk);
            if condition.contains("#sk") {
                request = request.expression_attribute_names("#sk", &sk);
            }
            for (placeholder, value) in values.iter().chain(&filter_values) {
                request = request.expression_attribute_values(*placeholder, value.clone());
            }
            if let Some(filter) = &filter {
                request = request.filter_expression(filter);
                for name in FILTERED.iter().filter(|name| filter.contains(&format!("#{name}"))) {
                    request = request.expression_attribute_names(format!("#{name}"), *name);
                }
            }
            let output = request.send().await.map_err(|e| unavailable(what, &e))?;
            for item in output.items() {
                let case = from_doc::<Case>(item)?;
                let own_key = after.as_deref().is_some_and(|after| inbox_key(&case) == after);
                if !own_key && query.matches(&case) {
                    cases.push(case);
                }
            }
            start = output.last_evaluated_key().cloned();
            if cases.len() > page.limit || start.is_none() {
                break;
            }
        }
        Ok(cases)
    }
}

/// How many items the `reads`-th Query of a list's page evaluates (DynamoDB's `Limit` counts
/// the items read before the filter): the page and one more at first, four times as many on
/// each further read, up to 1 000 (a Query reads at most 1 MB anyway). A filter that matches
/// most cases costs a read of the page; a rare match, such as an address, is a few dozen round
/// trips through a large inbox instead of one per 51 cases.
fn read_limit(limit: usize, reads: u32) -> i32 {
    let grown = (limit + 1).saturating_mul(4usize.saturating_pow(reads));
    i32::try_from(grown.min(1000).max(limit + 1)).unwrap_or(i32::MAX)
}

/// The attributes a list's FilterExpression may name ([`case_filter`]).
const FILTERED: [&str; 6] =
    ["status", "network_area", "installation_type", "number_key", "ean", "search"];
