//! The production store: one DynamoDB table (docs/design.md, section 3).
//!
//! - case: PK `CASE#<id>`, SK `CASE`, `version`; GSI1 `FIRM#<firm>` / `<updated_at>#<id>`
//!   (the firm's list); GSI2 `COMPANY#<company>` / `<status>#<submitted_at>#<id>` (the
//!   company inbox, sparse: drafts have no GSI2 keys); GSI4 `COMPANY#<company>#FIRM#<firm>` /
//!   the inbox key (the company's cases of one firm) and, if it has an anläggnings-ID, GSI3
//!   `COMPANY#<company>#EAN#<ean>` / the inbox key (its cases of one installation), both sparse
//!   as GSI2; `number_key`, `ean`, `search` and the filters' attributes beside the document.
//! - case number: PK `NUMBER#<company>#<number, lower case>`, SK the case's id, written with the
//!   case (a number never changes), removed with it.
//! - registry: PK `REG#<company>#EAN#<ean>`, SK `REG`; GSI1 `REG#<company>` / `<ean>` (to
//!   count); GSI3 `REG#<company>#METER#<meter>` / `<ean>` (lookup by meter number).
//! - audit: PK `AUDIT#<company>#<yyyy-mm-dd>`, SK `<at>#<id>`, `ttl` = at + 400 days.
//! - customer link: PK `LINK#<token hash>`, SK `LINK`, and the case's `CASE#<id>`, SK `LINK`
//!   (which link it has), both with `ttl` = the link's expiry (`customer_links.rs`).
//! - usage counter (and a refusal's once-marker): PK `USE#<key>`, SK `USE`, `count`, `ttl` =
//!   first use + the counter's lifetime.
//! - definitions version: PK `DEFS#<company>`, SK `VERSION#<version, 10 digits>`; its
//!   publication: same PK, SK `PUBLISHED#<at>#<version, 10 digits>`; the published version:
//!   PK `DEFS#POINTERS`, SK `<company>`, `version` (every company's in one partition).
//! - installer firm: PK `FIRMS`, SK `<id>` (every firm in one partition); its member: PK
//!   `FIRM#<id>`, SK `MEMBER#<email>`.
//! - webhook: PK `WEBHOOKS#<company>`, SK `<id>`; its deliveries: PK `WEBHOOK#<id>`, SK
//!   `<at>#<event id>#<attempt>`, `ttl` (`webhooks.rs`).
//!
//! Every item keeps its value as JSON in `doc`; times in keys are fixed-width UTC strings so
//! that string order is time order. Writes replace whole items (PutItem), so index keys an item
//! no longer has (a draft's GSI2 keys) disappear with the old item. Queries on the GSIs are
//! eventually consistent in AWS: a case written a moment ago may be missing from a list.

mod audit;
mod cases;
mod customer_links;
mod definitions;
mod firms;
mod items;
mod machine_clients;
mod outbox;
mod registry;
mod table;
mod webhooks;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::types::AttributeValue;

use self::cases::case_item;
use self::items::{from_doc, n, s, to_doc, unavailable};
use self::outbox::outbox_item;
use super::sortable_time;
use super::{
    AuditEntry, AuditStore, CappedUse, CaseQuery, CaseStore, Notification, OutboxStore, Page,
    PageRequest, RegistryStore, Search, StoreError, StoreResult, case_ean, firm_list_key,
    inbox_key, number_key, search_text,
};
pub use table::create_table;

/// The items a case is stored as: its own and, if it has a number, its number's. For tools that
/// write many ready cases at once (the search benchmark, `handler/examples/bench-search.rs`);
/// the store itself writes them with [`CaseStore::create_case`].
pub fn case_items(case: &forms::Case) -> StoreResult<Vec<Item>> {
    let mut items = vec![case_item(case)?];
    if !case.number.is_empty() {
        items.push(cases::number_item(case));
    }
    Ok(items)
}

/// A DynamoDB item: attribute name to value.
pub type Item = HashMap<String, AttributeValue>;

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
