//! The retention sweep (docs/operations.md, "Retention"): removes what `forms::retention` says is due, on
//! either store. `handler serve` runs it at start and daily; on AWS the template's
//! `RetentionFunction` runs it daily.

use std::sync::Arc;
use std::time::Duration;

use forms::Definitions;
use forms::retention::{AUDIT_RETENTION, Retention, RetentionStep, SWEPT};
use time::OffsetDateTime;

use crate::definitions::LiveDefinitions;
use crate::store::files::{FileStore, Files, file_key};
use crate::store::{PageRequest, Store, StoreError};

/// What one sweep removed: counts only, for the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Swept {
    /// Cases removed whole (drafts never sent, and cases over for long).
    pub cases_removed: u64,
    /// Cases whose identity numbers were removed.
    pub identity_numbers_removed: u64,
    /// Audit entries removed (SQLite; DynamoDB's TTL removes them itself).
    pub audit_entries_removed: u64,
}

/// Removes what is due at `now`: each case as its company's `[retention]` says (a company no
/// longer in the definitions: the defaults), its attachments and customer link with it (the
/// link goes already with the identity numbers), and audit entries older than
/// [`AUDIT_RETENTION`], and then has the store forget the removed bytes. A case changed
/// meanwhile is left for the next sweep.
pub async fn sweep<S: Store>(
    store: &S,
    files: &Files,
    definitions: &Definitions,
    now: OffsetDateTime,
) -> Result<Swept, StoreError> {
    let shortest = definitions
        .companies
        .iter()
        .map(|c| c.retention.shortest())
        .chain([Retention::default().shortest()])
        .min()
        .unwrap_or_default();
    let mut swept = Swept::default();
    let mut page = PageRequest { limit: 100, after: None };
    loop {
        let found = store.retention_candidates(&SWEPT, now - shortest, &page).await?;
        for mut case in found.items {
            let company = definitions.company(&case.company);
            let retention = company.map(|c| c.retention).unwrap_or_default();
            match retention.step(&case, now) {
                RetentionStep::Keep => {}
                RetentionStep::RemoveCase => {
                    for attachment in &case.attachments {
                        files.delete(&file_key(&case.id, &attachment.id)).await?;
                    }
                    store.remove_customer_link(&case.id).await?;
                    store.remove_case(&case.id).await?;
                    swept.cases_removed += 1;
                }
                RetentionStep::RemoveIdentityNumbers => {
                    if case.remove_identity_numbers(definitions) {
                        match store.update_case(&case).await {
                            Ok(()) => {
                                // Its customer link has shown nothing since (`forms::customer`).
                                store.remove_customer_link(&case.id).await?;
                                swept.identity_numbers_removed += 1;
                            }
                            Err(StoreError::VersionConflict) => {}
                            Err(e) => return Err(e),
                        }
                    }
                }
            }
        }
        match found.next {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    swept.audit_entries_removed = store.prune_lookups(now - AUDIT_RETENTION).await?;
    crate::store::files::remove_stale_uploads(files, now).await?;
    if swept != Swept::default() {
        store.forget_removed().await?;
    }
    tracing::info!(
        cases_removed = swept.cases_removed,
        identity_numbers_removed = swept.identity_numbers_removed,
        audit_entries_removed = swept.audit_entries_removed,
        "retention sweep"
    );
    Ok(swept)
}

/// `handler serve`'s sweeper: a sweep now and then once a day, with the definitions as they
/// are then, until the process ends. A sweep that fails (the store is down) is tried again at
/// the next.
pub async fn sweep_daily<S: Store>(store: S, files: Arc<Files>, definitions: LiveDefinitions) {
    loop {
        let now = OffsetDateTime::now_utc();
        if let Err(e) = sweep(&store, &files, &definitions.current(), now).await {
            tracing::warn!(error = %e, "retention sweep failed; trying again tomorrow");
        }
        tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
    }
}
