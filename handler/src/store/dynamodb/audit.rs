//! The audit log of lookups and the counters of capped uses in DynamoDB.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use forms::Case;
use forms::retention::AUDIT_RETENTION;
use time::OffsetDateTime;

use super::*;

pub(super) fn audit_partition(company: &str, day: time::Date) -> String {
    format!("AUDIT#{company}#{day}")
}

pub(super) fn audit_item(entry: &AuditEntry) -> StoreResult<Item> {
    let at = entry.at.to_offset(time::UtcOffset::UTC);
    Ok(HashMap::from([
        ("PK".to_string(), s(audit_partition(&entry.company, at.date()))),
        ("SK".to_string(), s(format!("{}#{}", sortable_time(at), entry.id))),
        ("doc".to_string(), to_doc(entry)?),
        ("ttl".to_string(), n((at + AUDIT_RETENTION).unix_timestamp())),
    ]))
}

pub(super) fn counter_key(key: &str) -> Item {
    HashMap::from([("PK".to_string(), s(format!("USE#{key}"))), ("SK".to_string(), s("USE"))])
}

/// The audit log is append-only: an entry is never replaced.
pub(super) const NEW_ITEM: &str = "attribute_not_exists(PK)";

/// Days of the audit log read at once.
pub(super) const AUDIT_DAYS_AT_ONCE: i64 = 7;

/// One day's partition of a company's audit log, from `low` to `high` (inclusive), after
/// `after`.
pub(super) struct AuditDay {
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

impl DynamoStore {
    /// One use counted against its cap, in a transaction: counted only below the cap; `ttl`
    /// set by the first use. A key names one window, so a counter that TTL has not yet deleted
    /// is never counted on after its time.
    pub(super) fn counted_use(
        &self,
        used: &CappedUse,
        now: OffsetDateTime,
    ) -> StoreResult<TransactWriteItem> {
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
            .map_err(|e| StoreError::Unavailable(format!("could not build a transaction: {e}")))?;
        Ok(TransactWriteItem::builder().update(update).build())
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
        let now = OffsetDateTime::now_utc();
        let mut items = Vec::with_capacity(uses.len() + 2);
        for used in uses {
            items.push(self.counted_use(used, now)?);
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
