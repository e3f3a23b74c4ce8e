//! Firm memberships as read in the last second. Every request of an installer checks that the
//! caller is still a member of their firm ([`super::auth::with_firm_checked`]); kept briefly,
//! that check costs no second trip to the store on every request (BENCHMARKS.md, "The API after
//! the membership cache"). A change of members made through this server takes effect at its next
//! request; one made through another server (another Lambda instance) within [`Memberships::TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::{Firm, FirmStore, StoreResult};

/// The firm, if the store has it, and whether the e-mail address is among its members.
type Membership = Option<(Firm, bool)>;

pub struct Memberships {
    kept: Mutex<Kept>,
    ttl: Duration,
}

impl Default for Memberships {
    fn default() -> Self {
        Memberships::keeping_for(Self::TTL)
    }
}

#[derive(Default)]
struct Kept {
    /// By firm id and lower-case e-mail address (none for a machine client).
    read: HashMap<(String, Option<String>), (Instant, Membership)>,
    /// Counts the changes of members: a read that began before one is not kept.
    changes: u64,
}

impl Memberships {
    pub const TTL: Duration = Duration::from_secs(1);
    /// More callers than this within a second is a load that a cache this simple need not keep.
    const MOST: usize = 10_000;

    /// Keeps each membership read for `ttl` (the tests' own, shorter).
    pub fn keeping_for(ttl: Duration) -> Self {
        Memberships { kept: Mutex::default(), ttl }
    }

    /// The membership of `email` (lower case) in `firm`, read from `store` unless read in the
    /// last second.
    pub async fn of(
        &self,
        store: &impl FirmStore,
        firm: &str,
        email: Option<&str>,
    ) -> StoreResult<Membership> {
        let key = (firm.to_string(), email.map(str::to_string));
        let changes = {
            let kept = self.lock();
            if let Some((at, membership)) = kept.read.get(&key)
                && at.elapsed() < self.ttl
            {
                return Ok(membership.clone());
            }
            kept.changes
        };
        let at = Instant::now();
        let membership = store.firm_membership(firm, email).await?;
        let mut kept = self.lock();
        if kept.changes == changes {
            if kept.read.len() >= Self::MOST {
                kept.read.retain(|_, (read_at, _)| read_at.elapsed() < self.ttl);
            }
            if kept.read.len() < Self::MOST {
                kept.read.insert(key, (at, membership.clone()));
            }
        }
        Ok(membership)
    }

    /// Forgets every membership read: a firm's members changed.
    pub fn changed(&self) {
        let mut kept = self.lock();
        kept.read.clear();
        kept.changes += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // What is kept is only ever a copy of the store's: usable despite a poison.
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(all(test, feature = "local"))]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;
    use crate::store::{FirmMember, FirmStore};

    const EMAIL: &str = "alva@demo-el.example";

    async fn firm_with_alva() -> SqliteStore {
        let store = SqliteStore::open_in_memory().unwrap();
        let firm = Firm {
            id: "demo_el".into(),
            name: "Demo El AB".into(),
            org_number: "556677-8899".into(),
            registration_number: None,
        };
        store.put_firm(&firm).await.unwrap();
        let at = time::OffsetDateTime::now_utc();
        let member = FirmMember {
            firm: firm.id,
            email: EMAIL.into(),
            name: None,
            added_by: "dan".into(),
            added_at: at,
        };
        store.add_firm_member(&member).await.unwrap();
        store
    }

    async fn is_member(memberships: &Memberships, store: &SqliteStore) -> bool {
        memberships.of(store, "demo_el", Some(EMAIL)).await.unwrap().is_some_and(|(_, m)| m)
    }

    #[tokio::test]
    async fn a_membership_is_kept_until_a_change_here_or_its_time_is_up() {
        let store = firm_with_alva().await;
        let memberships = Memberships::keeping_for(Duration::from_millis(200));
        assert!(is_member(&memberships, &store).await);
        // Removed by another server: this one still has it, for at most its time.
        assert!(store.remove_firm_member("demo_el", EMAIL).await.unwrap());
        assert!(is_member(&memberships, &store).await, "kept");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(!is_member(&memberships, &store).await, "read again once its time is up");

        // Changed through this server: forgotten at once.
        let store = firm_with_alva().await;
        let memberships = Memberships::keeping_for(Duration::from_secs(60));
        assert!(is_member(&memberships, &store).await);
        assert!(store.remove_firm_member("demo_el", EMAIL).await.unwrap());
        memberships.changed();
        assert!(!is_member(&memberships, &store).await, "forgotten on a change");
    }
}
