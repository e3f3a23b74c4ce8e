//! Storage ports: small traits the domain logic is written against, with two adapters that
//! share one contract test suite (`tests/testsuite/store_contract.rs`): SQLite (embedded default) and
//! DynamoDB (production).

pub mod dynamodb;
pub mod sqlite;

use std::future::Future;

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
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Cases: every write is conditional, so nothing is silently overwritten.
pub trait CaseStore: Send + Sync {
    /// Stores a new case; `AlreadyExists` if its id is taken.
    fn create_case(&self, case: &Case) -> impl Future<Output = StoreResult<()>> + Send;

    fn get_case(&self, id: &str) -> impl Future<Output = StoreResult<Option<Case>>> + Send;

    /// Replaces the stored case if its version is still `case.version - 1`, else
    /// `VersionConflict`.
    fn update_case(&self, case: &Case) -> impl Future<Output = StoreResult<()>> + Send;

    /// A firm's cases, most recently updated first ("Mina ärenden").
    fn firm_cases(&self, firm: &str) -> impl Future<Output = StoreResult<Vec<Case>>> + Send;

    /// A network company's cases that are not drafts, newest submitted first, optionally of
    /// one status. Drafts are not even in the index this reads.
    fn company_cases(
        &self,
        company: &str,
        status: Option<Status>,
    ) -> impl Future<Output = StoreResult<Vec<Case>>> + Send;
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
    /// What the installer looked up by; never the number itself.
    pub by: LookupKey,
    pub found: bool,
}

/// The lookup audit log and the lookup rate limit.
pub trait AuditStore: Send + Sync {
    fn record_lookup(&self, entry: &AuditEntry) -> impl Future<Output = StoreResult<()>> + Send;

    /// A company's audit entries from `from` up to, not including, `to`, oldest first.
    fn lookups(
        &self,
        company: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> impl Future<Output = StoreResult<Vec<AuditEntry>>> + Send;

    /// Counts one more use of `key` (e.g. a user's lookups in one minute) and returns the
    /// count so far; counters expire by themselves.
    fn count_use(&self, key: &str) -> impl Future<Output = StoreResult<u64>> + Send;
}

/// Fixed-width UTC timestamp whose string order is time order (used as a sort key by both
/// adapters). Nanoseconds, so nothing is rounded away.
pub(crate) fn sortable_time(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(format)
        .expect("a UTC time with a four-digit year formats")
}

/// Everything the handler needs from a store.
pub trait Store: CaseStore + RegistryStore + AuditStore + Clone + 'static {}

impl<T: CaseStore + RegistryStore + AuditStore + Clone + 'static> Store for T {}
