//! Storage ports: small traits the domain logic is written against, with two adapters that
//! share one contract test suite (`tests/testsuite/store_contract.rs`): SQLite (embedded default) and
//! DynamoDB (production).

pub mod dynamodb;
pub mod files;
#[cfg(feature = "local")]
pub mod sqlite;

use std::collections::BTreeSet;
use std::future::Future;

use forms::definitions::LookupLimit;
use forms::{Case, Installation, LookupKey, Status};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The case was changed since the caller read it (or does not exist any more).
    #[error("version conflict")]
    VersionConflict,
    /// A case with this id exists already.
    #[error("already exists")]
    AlreadyExists,
    /// The store cannot be reached or failed, and did nothing; the client may retry later (503).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store did not answer in time: a write may still have been done (503).
    #[error("store did not answer: {0}")]
    Unanswered(String),
    /// A stored document does not parse: a bug or a hand edit, which no retry mends (500).
    /// The reason names the kind of document and where it breaks, never its content.
    #[error("stored document not readable: {0}")]
    Corrupt(String),
    /// The use at this index of those given is at its cap ([`CappedUse`]): nothing was written.
    #[error("cap reached")]
    CapReached(usize),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A stored document of type `T` that does not parse, told by its type and serde's category,
/// line and column: serde's own message may quote the stored (personal) data.
pub(crate) fn corrupt<T>(e: serde_json::Error) -> StoreError {
    let kind = std::any::type_name::<T>();
    let (line, column) = (e.line(), e.column());
    StoreError::Corrupt(format!("{kind}: {:?} error at line {line} column {column}", e.classify()))
}

/// Cases: every write is conditional, so nothing is silently overwritten.
pub trait CaseStore: Send + Sync {
    /// Stores a new case; `AlreadyExists` if its id is taken.
    fn create_case(&self, case: &Case) -> impl Future<Output = StoreResult<()>> + Send;

    fn get_case(&self, id: &str) -> impl Future<Output = StoreResult<Option<Case>>> + Send;

    /// Replaces the stored case if its version is still `case.version - 1`, else
    /// `VersionConflict`.
    fn update_case(&self, case: &Case) -> impl Future<Output = StoreResult<()>> + Send {
        self.update_case_notifying(case, &[])
    }

    /// Like [`CaseStore::update_case`], and puts `outbox` in the outbox in the same
    /// transaction: a change is never stored without its e-mails, nor an e-mail without its
    /// change.
    fn update_case_notifying(
        &self,
        case: &Case,
        outbox: &[Notification],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Stores `case` as it is, its version unchanged, if the stored version is still
    /// `case.version`: for what is no edit of the case and must not make anyone's open page
    /// stale, such as read marks. `VersionConflict` otherwise.
    fn keep_version_update(&self, case: &Case) -> impl Future<Output = StoreResult<()>> + Send;

    /// Stores a new case with the next number of its company's cases in the year it was made,
    /// from 1 (`number` writes the n-th as people read it): the case as stored. A number is
    /// never given twice (one may be lost to a failed create). One transaction on SQLite; on
    /// DynamoDB the number's counter, then the case. `AlreadyExists` if its id is taken.
    fn create_numbered_case(
        &self,
        case: Case,
        number: impl FnOnce(u64) -> String + Send + 'static,
    ) -> impl Future<Output = StoreResult<Case>> + Send;

    /// One page of a firm's cases that match `query`, last changed first ("Mina ärenden").
    fn firm_cases(
        &self,
        firm: &str,
        query: &CaseQuery,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Case>>> + Send;

    /// One page of a network company's cases that match `query` ("Inkorg"): never drafts
    /// (they are not even in the index this reads); "För godkännande" first, then by status
    /// ([`Status::inbox_rank`]), oldest sent first.
    fn company_cases(
        &self,
        company: &str,
        query: &CaseQuery,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Case>>> + Send;

    /// Every company's cases in one of `statuses` whose retention counts from before `before`
    /// (`Case::retention_from`: the change that ended the case, or a draft's last change), one
    /// page (each case once over all pages, in the store's own order; a page may be short, even
    /// empty, and still have a next): the candidates of the retention sweep
    /// (`crate::retention`).
    fn retention_candidates(
        &self,
        statuses: &[Status],
        before: OffsetDateTime,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Case>>> + Send;

    /// Removes a case for good (the retention sweep); a case that is not there is no error.
    fn remove_case(&self, id: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// Makes what was removed or overwritten so far unreadable in the store's own files, after
    /// an erasure or a sweep (SQLite: its freed pages are zeroed as they go, and this empties
    /// the write-ahead log into the database; DynamoDB keeps no old versions to clear).
    fn forget_removed(&self) -> impl Future<Output = StoreResult<()>> + Send;
}

/// What a list of cases is narrowed to. Filters are exact; `text` is a search ([`Search`]):
/// a whole case number or a whole anläggnings-ID finds its cases by key, other text is found
/// anywhere in the case's number, anläggnings-ID and address ([`search_text`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    pub status: Option<Status>,
    pub network_area: Option<String>,
    pub installation_type: Option<String>,
    /// The installer firms' ids, exact: `None` is any firm, an empty set none. The stores find
    /// a company's cases of these firms by key (one index partition per firm).
    pub firms: Option<BTreeSet<String>>,
    /// Lower case, as [`search_text`] is.
    pub text: Option<String>,
}

/// What a list's search text finds, and so how a store finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search<'a> {
    /// A whole case number (lower case, [`is_case_number`]): the case with exactly this
    /// number, by key.
    Number(&'a str),
    /// A whole anläggnings-ID (18 digits): the cases of this installation, by key.
    Ean(&'a str),
    /// Anything else: found anywhere in [`search_text`], which reads the whole list.
    Text(&'a str),
}

impl CaseQuery {
    /// How `text` searches, if there is a text.
    pub fn search(&self) -> Option<Search<'_>> {
        let text = self.text.as_deref()?;
        Some(if is_case_number(text) {
            Search::Number(text)
        } else if text.len() == 18 && text.bytes().all(|b| b.is_ascii_digit()) {
            Search::Ean(text)
        } else {
            Search::Text(text)
        })
    }

    /// Whether `case` matches (the adapters filter in their query language; this says what
    /// they must agree with).
    pub fn matches(&self, case: &Case) -> bool {
        self.status.is_none_or(|s| case.status == s)
            && self.network_area.as_ref().is_none_or(|a| &case.network_area == a)
            && self.installation_type.as_ref().is_none_or(|t| &case.installation_type == t)
            && self.firms.as_ref().is_none_or(|firms| firms.contains(&case.firm))
            && self.search().is_none_or(|search| match search {
                Search::Number(number) => number_key(case) == number,
                Search::Ean(ean) => case_ean(case) == ean,
                Search::Text(text) => search_text(case).contains(text),
            })
    }
}

/// Whether `text` is a whole case number as the companies make them, in lower case:
/// `<prefix>-<year>-<n>`, the prefix 1 to 4 letters, the year 4 digits, `n` at least 5
/// (`Company::case_number`), e.g. `ök-2026-00042`.
pub fn is_case_number(text: &str) -> bool {
    let digits =
        |part: &str, least: usize| part.len() >= least && part.bytes().all(|b| b.is_ascii_digit());
    match text.split('-').collect::<Vec<_>>()[..] {
        [prefix, year, n] => {
            (1..=4).contains(&prefix.chars().count())
                && prefix.chars().all(char::is_lowercase)
                && year.len() == 4
                && digits(year, 4)
                && digits(n, 5)
                && n.len() <= 20
        }
        _ => false,
    }
}

/// What a search by case number finds a case by: its number in lower case.
pub fn number_key(case: &Case) -> String {
    case.number.to_lowercase()
}

/// A case's anläggnings-ID as stored (without spaces), or `""`.
pub fn case_ean(case: &Case) -> &str {
    case.fields.get("installation.ean").map(String::as_str).unwrap_or_default()
}

/// Where a page starts and how long it is. `after` is the list key ([`firm_list_key`] or
/// [`inbox_key`]) of the last item of the page before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub after: Option<String>,
}

/// One page of a list; `next` is where the next page starts, `None` on the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// The page from up to `limit + 1` items in list order: the extra item only says that
    /// more follow, and `key` gives the last shown item's list key.
    pub fn from_items(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more { items.last().map(key) } else { None };
        Page { items, next }
    }
}

/// A firm's list is ordered by this key, descending: last changed first, ties by id.
pub fn firm_list_key(case: &Case) -> String {
    format!("{}#{}", sortable_time(case.updated_at), case.id)
}

/// The inbox is ordered by this key, ascending: by the core's order of statuses
/// ([`Status::inbox_rank`]), then oldest sent first.
pub fn inbox_key(case: &Case) -> String {
    let submitted = case.submitted_at.map(sortable_time).unwrap_or_default();
    format!("{}#{submitted}#{}", case.status.inbox_rank(), case.id)
}

/// A new case's id: `<company>.<uuid>`. The company comes first so that a lookup knows whose
/// registry to read while it still reads the case (one round trip instead of two); ids made
/// before are a bare uuid, and work as well.
pub fn new_case_id(company: &str) -> String {
    format!("{company}.{}", uuid::Uuid::new_v4())
}

/// The company named in a case's id ([`new_case_id`]); only a hint until the case is read.
pub fn company_in_case_id(id: &str) -> Option<&str> {
    id.split_once('.').map(|(company, _)| company)
}

/// Whether `id` could be a case id at all (an id from outside is checked before any store, or
/// a file path, sees it): `<company>.<uuid>` or a bare uuid, in letters, digits, `-` and `_`.
pub fn is_case_id(id: &str) -> bool {
    let word = |part: &str, extra: u8| {
        !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == extra)
    };
    id.len() <= 128
        && match id.split_once('.') {
            Some((company, rest)) => word(company, b'_') && word(rest, b'-'),
            None => word(id, b'-'),
        }
}

/// Whether `key` has the shape of a list key (a cursor from outside is checked before any
/// store sees it): `<time>#<id>` (a firm's list, the audit log) or `<rank>#<time>#<id>` (the
/// inbox).
pub fn is_list_key(key: &str) -> bool {
    // A case id, or an audit entry's (a bare uuid, which is a case id's shape too).
    let id_ok = is_case_id;
    let time_ok =
        |t: &str| t.len() == 30 && t.bytes().all(|b| b.is_ascii_digit() || b"-:.TZ".contains(&b));
    match key.split('#').collect::<Vec<_>>()[..] {
        [time, id] => time_ok(time) && id_ok(id),
        [rank, time, id] => {
            rank.len() == 1 && rank.as_bytes()[0].is_ascii_digit() && time_ok(time) && id_ok(id)
        }
        _ => false,
    }
}

/// What a search finds a case by, lower case: its number, anläggnings-ID and address.
pub fn search_text(case: &Case) -> String {
    let field = |id: &str| case.fields.get(id).map(String::as_str).unwrap_or_default();
    [
        case.number.as_str(),
        field("installation.ean"),
        field("installation.street_address"),
        field("installation.postal_code"),
        field("installation.city"),
    ]
    .join(" ")
    .to_lowercase()
}

/// A network company's installation registry.
pub trait RegistryStore: Send + Sync {
    /// Inserts or replaces installations by EAN; writing the same rows again changes nothing.
    /// Rows come trimmed (`Installation::trimmed`, at the import); numbers are looked up as
    /// given.
    fn put_installations(
        &self,
        company: &str,
        rows: &[Installation],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn installation_by_ean(
        &self,
        company: &str,
        ean: &str,
    ) -> impl Future<Output = StoreResult<Option<Installation>>> + Send;

    /// The installations with this meter number: at most two, enough to tell a meter number
    /// that names one installation from one that was registered twice.
    fn installations_by_meter(
        &self,
        company: &str,
        meter_number: &str,
    ) -> impl Future<Output = StoreResult<Vec<Installation>>> + Send;

    /// How many installations the company has (to seed demo data only once).
    fn installation_count(&self, company: &str) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Removes the company's installations whose EAN is not in `keep` (a registry imported
    /// with `--replace` is the whole registry); how many were removed.
    fn remove_installations_except(
        &self,
        company: &str,
        keep: &BTreeSet<String>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// One lookup, as the audit log keeps it: who, for which firm, when, which case, by what key,
/// and whether it found something. Never the number looked up nor any personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditEntry {
    pub id: String,
    pub company: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub at: OffsetDateTime,
    pub user: String,
    pub firm: String,
    pub case_id: String,
    /// The case's number, as people know it.
    #[serde(default)]
    pub case_number: String,
    /// What was done: a lookup unless it says otherwise.
    #[serde(default)]
    pub act: AuditAct,
    /// What the installer looked up by; never the number itself (none for the other acts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<LookupKey>,
    /// Whether the lookup found the installation, or the act found any case.
    pub found: bool,
    /// The cap this lookup reached and was refused by (recorded once per cap and window), so
    /// that the company sees attempts at harvesting its registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_reached: Option<LookupLimit>,
}

/// What an audit entry records. For the acts on a data subject's cases (docs/operations.md, "Customers'
/// rights") `case_number` lists the cases concerned, and never the identity number.
pub use forms::words::AuditAct;

impl AuditEntry {
    /// The audit log is ordered by this key, ascending: time, then id.
    pub fn list_key(&self) -> String {
        format!("{}#{}", sortable_time(self.at), self.id)
    }
}

/// An e-mail about a case, kept in the store's outbox until it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Sending attempts so far.
    pub attempts: u32,
    /// The case it is about, so that an erasure reaches the e-mails not yet sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// Not an e-mail but a webhook's event (`to`, `subject` and `body` empty): it waits and is
    /// retried in the same outbox, written with the change that caused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookEvent>,
    /// Not to be tried before then.
    #[serde(with = "time::serde::rfc3339")]
    pub retry_at: OffsetDateTime,
}

impl Notification {
    /// The outbox is ordered by this key: oldest first.
    pub fn list_key(&self) -> String {
        format!("{}#{}", sortable_time(self.created_at), self.id)
    }
}

/// E-mails waiting to be sent: the sender takes what is due, and removes what went out.
pub trait OutboxStore: Send + Sync {
    /// Up to `limit` notifications whose `retry_at` has come, oldest first.
    fn due_notifications(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<Notification>>> + Send;

    /// Sent: gone from the outbox.
    fn notification_sent(&self, id: &Notification) -> impl Future<Output = StoreResult<()>> + Send;

    /// Not sent this time: stored with its new `attempts` and `retry_at`.
    fn notification_failed(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The e-mails about the case `case_id` still in the outbox, oldest first.
    fn case_notifications(
        &self,
        case_id: &str,
    ) -> impl Future<Output = StoreResult<Vec<Notification>>> + Send;

    /// Replaces a notification's text (an erasure); one that was sent meanwhile stays gone.
    fn rewrite_notification(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// One use counted against a cap, e.g. one of a user's lookups in the minute that `key` names.
/// A key names one window and is not counted on after it: the store may forget the counter
/// `lifetime` after its first use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CappedUse {
    pub key: String,
    pub cap: u64,
    pub lifetime: time::Duration,
}

/// The audit log and the lookup caps.
pub trait AuditStore: Send + Sync {
    /// An audited act, all or nothing: counts one use against each of `uses`, records `entry`
    /// and, if given, stores `case` (conditional on its version, as [`CaseStore::update_case`]).
    /// `CapReached(i)` when `uses[i]` is at its cap, `VersionConflict` when the case changed,
    /// `AlreadyExists` when the entry's id is taken (the log is append-only): then nothing was
    /// written. So there is never a lookup without its audit entry, nor an audit entry or a
    /// count of a lookup that was refused.
    fn record_lookup(
        &self,
        entry: &AuditEntry,
        uses: &[CappedUse],
        case: Option<&Case>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Records `entry` unless an entry was recorded under `once` before, within `lifetime`
    /// (a refusal by a cap is recorded once per cap and window); whether it was recorded.
    fn record_once(
        &self,
        entry: &AuditEntry,
        once: &str,
        lifetime: time::Duration,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// One page of a company's audit entries from `from` up to, not including, `to`, oldest
    /// first; `page.after` is the [`AuditEntry::list_key`] of the last entry before.
    fn lookups(
        &self,
        company: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
        page: &PageRequest,
    ) -> impl Future<Output = StoreResult<Page<AuditEntry>>> + Send;

    /// Removes the audit entries from before `before`; how many (DynamoDB's TTL removes them by
    /// itself, so there it removes none).
    fn prune_lookups(
        &self,
        before: OffsetDateTime,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// A version of a network company's own definitions file (`companies/<id>.toml`), as the
/// company uploaded it: immutable once stored (docs/definitions.md, "Versions").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionVersion {
    pub company: String,
    /// 1 is the shipped file; the store numbers the company's uploads 2, 3, ...
    pub version: u32,
    pub toml: String,
    pub note: String,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The secret part of its preview's address (128 random bits, base64url).
    pub preview_key: String,
}

/// One publication: `version` became the company's published version (`previous` before it,
/// `None`: the shipped file, never published).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    pub company: String,
    pub version: u32,
    pub previous: Option<u32>,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The network companies' own versions of their definitions, and which one each publishes.
pub trait DefinitionStore: Send + Sync {
    /// Stores a new version; `AlreadyExists` when its company has that number already
    /// (nothing written: the caller takes the next number and tries again).
    fn add_definition_version(
        &self,
        version: &DefinitionVersion,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The company's versions, oldest first.
    fn definition_versions(
        &self,
        company: &str,
    ) -> impl Future<Output = StoreResult<Vec<DefinitionVersion>>> + Send;

    /// One version, if the company has it.
    fn definition_version(
        &self,
        company: &str,
        version: u32,
    ) -> impl Future<Output = StoreResult<Option<DefinitionVersion>>> + Send;

    /// Makes `publication.version` the company's published version, records the publication
    /// and `audit` (the audit log's entry of it), all or nothing, if the published version is
    /// still `publication.previous` (`None`: none published yet); else `VersionConflict` and
    /// nothing written.
    fn publish_definitions(
        &self,
        publication: &Publication,
        audit: &AuditEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The published version of every company that has published one: one read, which every
    /// server makes now and then to see a publication made elsewhere.
    fn published_definitions(
        &self,
    ) -> impl Future<Output = StoreResult<std::collections::BTreeMap<String, u32>>> + Send;

    /// The company's publications, newest first.
    fn definition_publications(
        &self,
        company: &str,
    ) -> impl Future<Output = StoreResult<Vec<Publication>>> + Send;
}

/// An installer firm: the registered installation firm that answers for its installations
/// (elsäkerhetslagen). Firms not in the store are known only by the id in their users' sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Firm {
    pub id: String,
    pub name: String,
    /// `NNNNNN-NNNN`, its check digit checked (`forms::formats::normalize_org_number`).
    pub org_number: String,
    /// Its registration number at Elsäkerhetsverket, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
}

/// A colleague at a firm: who may work with the firm's cases, known by the e-mail address they
/// sign in with (lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FirmMember {
    pub firm: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub added_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub added_at: OffsetDateTime,
}

/// The installer firms and their colleagues.
pub trait FirmStore: Send + Sync {
    /// Stores a firm, or replaces the one with its id (the operator's `handler firm put`, the
    /// demo data).
    fn put_firm(&self, firm: &Firm) -> impl Future<Output = StoreResult<()>> + Send;

    /// The firms with these ids that the store has, by id.
    fn firms_by_id(
        &self,
        ids: &BTreeSet<String>,
    ) -> impl Future<Output = StoreResult<Vec<Firm>>> + Send;

    /// Every firm, by id (to find a firm by its name or organisation number).
    fn all_firms(&self) -> impl Future<Output = StoreResult<Vec<Firm>>> + Send;

    /// The firm `firm`, if the store has it, and whether `email` (lower case) is among its
    /// members: one read, made for every request of an installer.
    fn firm_membership(
        &self,
        firm: &str,
        email: Option<&str>,
    ) -> impl Future<Output = StoreResult<Option<(Firm, bool)>>> + Send;

    /// The firm's members, by e-mail address.
    fn firm_members(&self, firm: &str)
    -> impl Future<Output = StoreResult<Vec<FirmMember>>> + Send;

    /// Adds a member; `AlreadyExists` when the address is a member already.
    fn add_firm_member(&self, member: &FirmMember) -> impl Future<Output = StoreResult<()>> + Send;

    /// Removes a member; whether there was one.
    fn remove_firm_member(
        &self,
        firm: &str,
        email: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// A customer link ("Kundlänk"): a case's status for its customer, without sign-in, at an
/// address with a secret token. The store keeps only the token's SHA-256 ([`token_hash`]),
/// never the token. A case has at most one link; a new one replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLink {
    pub case_id: String,
    /// The SHA-256 of the token, base64url without padding.
    pub token_hash: String,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// It works until then at the latest (`forms::customer::link_expiry`); DynamoDB's TTL
    /// removes it after.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The store's key of a customer link's token: its SHA-256, base64url without padding.
pub fn token_hash(token: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token.as_bytes()))
}

/// The cases' customer links, and the counter that caps how often they are read.
pub trait CustomerLinkStore: Send + Sync {
    /// Stores `link` as its case's link, replacing the case's earlier link, which stops
    /// working at once.
    fn put_customer_link(
        &self,
        link: &CustomerLink,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The link whose token has this hash, if there is one (expired or not: the caller looks
    /// at `expires_at`).
    fn customer_link(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = StoreResult<Option<CustomerLink>>> + Send;

    /// The case's link, if it has one.
    fn case_customer_link(
        &self,
        case_id: &str,
    ) -> impl Future<Output = StoreResult<Option<CustomerLink>>> + Send;

    /// Removes the case's link (revoked, or the case's data removed); none is no error.
    fn remove_customer_link(&self, case_id: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// Counts one use against `used.cap`: `CapReached(0)` when it is at its cap, and then
    /// nothing is counted (the same counters as [`AuditStore::record_lookup`]'s).
    fn count_use(&self, used: &CappedUse) -> impl Future<Output = StoreResult<()>> + Send;
}

/// An event for one webhook, as the outbox keeps it: its body is fixed when the change is
/// stored, so that every attempt sends the same bytes under the same `webhook-id` (the
/// outbox item's id); it is signed with the webhook's secrets when it goes out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub company: String,
    /// The webhook's id.
    pub webhook: String,
    /// `case.sent`, ... (docs/api.md, "Webhooks").
    #[serde(rename = "type")]
    pub kind: String,
    /// The JSON body as sent.
    pub payload: String,
}

/// A company's webhook: where its events go and the secrets that sign them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub company: String,
    pub url: String,
    pub events: Vec<String>,
    /// Newest first; a rotation keeps the old one signing until its `until`.
    pub secrets: Vec<WebhookSecret>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Who hears by e-mail that the webhook was paused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Since when every delivery failed (none since the last success).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub failing_since: Option<OffsetDateTime>,
    /// Paused after a day of failures: nothing is sent until an admin resumes it.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub paused_at: Option<OffsetDateTime>,
    /// 1 when registered, one more with each change ([`WebhookStore::put_webhook`]).
    pub version: u64,
}

/// A signing secret, `whsec_<base64>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub key: String,
    /// It signs until then (the old secret of a rotation); `None`: for good.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
}

/// One attempt at delivering an event, as the webhook's list of deliveries shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WebhookDelivery {
    pub webhook: String,
    /// The event's `webhook-id`.
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub at: OffsetDateTime,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub delivered: bool,
    /// The receiver's HTTP status, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why it failed, in Swedish; never the receiver's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl WebhookDelivery {
    /// A webhook's deliveries are ordered by this key.
    pub fn list_key(&self) -> String {
        format!("{}#{}#{}", sortable_time(self.at), self.event_id, self.attempt)
    }
}

/// How long a webhook's deliveries are listed.
pub const DELIVERIES_KEPT: time::Duration = time::Duration::days(30);

/// The companies' webhooks and their deliveries.
pub trait WebhookStore: Send + Sync {
    /// Stores `webhook` and puts `outbox` in the outbox, all or nothing: a new one (version 1;
    /// `AlreadyExists` if its id is taken), or a change of the stored one if that is still at
    /// `version - 1` (else `VersionConflict`).
    fn put_webhook(
        &self,
        webhook: &Webhook,
        outbox: &[Notification],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The company's webhooks, by id.
    fn company_webhooks(
        &self,
        company: &str,
    ) -> impl Future<Output = StoreResult<Vec<Webhook>>> + Send;

    fn webhook(
        &self,
        company: &str,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<Webhook>>> + Send;

    /// Removes a webhook and its deliveries' list; whether there was one.
    fn remove_webhook(
        &self,
        company: &str,
        id: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Records an attempt; the store forgets it after [`DELIVERIES_KEPT`].
    fn record_webhook_delivery(
        &self,
        delivery: &WebhookDelivery,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The webhook's latest `limit` attempts, newest first.
    fn webhook_deliveries(
        &self,
        webhook: &str,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<WebhookDelivery>>> + Send;
}

/// A machine client: an installer firm's or a network company's own software, which signs in
/// with OAuth 2.0 client credentials (docs/api.md, "Machine clients"). Keyed by its client id
/// (Cognito's app client id on AWS); it acts for `org` in `role`, never as an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MachineClient {
    pub id: String,
    pub name: String,
    pub role: forms::Role,
    /// The firm or the company it acts for.
    pub org: String,
    /// What it may do: `cases.read`, `cases.write` (a firm's), `decisions.write` (a company's).
    pub scopes: Vec<String>,
    /// Local mode only: the SHA-256 of its secret ([`token_hash`]); on AWS Cognito keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(skip)]
    pub secret_hash: Option<String>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created_at: OffsetDateTime,
}

/// The machine clients, by id and by the firm or company they act for.
pub trait MachineClientStore: Send + Sync {
    /// Stores a new client; `AlreadyExists` when its id is taken.
    fn put_machine_client(
        &self,
        client: &MachineClient,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The client with this id, if there is one: read on every request of a client.
    fn machine_client(
        &self,
        id: &str,
    ) -> impl Future<Output = StoreResult<Option<MachineClient>>> + Send;

    /// The clients of a firm (`Role::Installer`) or a company, by id.
    fn machine_clients(
        &self,
        role: forms::Role,
        org: &str,
    ) -> impl Future<Output = StoreResult<Vec<MachineClient>>> + Send;

    /// Removes a client; whether there was one. Its tokens stop working at once.
    fn remove_machine_client(&self, id: &str) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// The key that lists an org's machine clients, the role's and the org's together.
pub fn machine_client_org(role: forms::Role, org: &str) -> String {
    match role {
        forms::Role::Installer => format!("firm#{org}"),
        forms::Role::NetworkCompany => format!("company#{org}"),
    }
}

/// Fixed-width UTC timestamp whose string order is time order (used as a sort key by both
/// adapters). Nanoseconds, so nothing is rounded away.
pub fn sortable_time(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(format)
        .expect("a UTC time with a four-digit year formats")
}

/// Everything the handler needs from a store.
pub trait Store:
    CaseStore
    + RegistryStore
    + AuditStore
    + OutboxStore
    + DefinitionStore
    + FirmStore
    + CustomerLinkStore
    + WebhookStore
    + MachineClientStore
    + Clone
    + 'static
{
}

impl<T> Store for T where
    T: CaseStore
        + RegistryStore
        + AuditStore
        + OutboxStore
        + DefinitionStore
        + FirmStore
        + CustomerLinkStore
        + WebhookStore
        + MachineClientStore
        + Clone
        + 'static
{
}
