//! What the cases in the store use that new definitions no longer have: a network company, or
//! an installation type, job type or network area of one. Such cases open as "Sidan finns inte"
//! and lists show their raw ids, so `handler serve --watch` warns before it serves the new
//! definitions and `handler check-definitions --data-dir DIR` refuses them
//! (docs/configuring-a-company.md, "Ärenden som redan finns").

use std::collections::BTreeMap;

use forms::Definitions;
use forms::case::Status;
use time::OffsetDateTime;

use crate::store::{CaseStore, PageRequest, StoreResult};

/// One thing that disappears, with the number of cases that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    pub company: String,
    /// `None`: the company itself; else what of it, e.g. `nätområdet \`polstad\``.
    pub what: Option<String>,
    pub cases: u64,
}

impl Lost {
    /// In Swedish, for the network company's staff.
    pub fn message(&self) -> String {
        let cases = if self.cases == 1 {
            "1 ärende använder".to_string()
        } else {
            format!("{} ärenden använder", self.cases)
        };
        match &self.what {
            None => format!(
                "nätbolaget `{}` finns inte längre i mappen, men {cases} det; de går inte att \
                 öppna förrän filen companies/{}.toml är tillbaka",
                self.company, self.company
            ),
            Some(what) => format!(
                "{what} finns inte längre hos nätbolaget `{}`, men {cases} det; lägg tillbaka det \
                 i companies/{}.toml",
                self.company, self.company
            ),
        }
    }
}

/// How many cases use each company, and each installation type, job type and network area of
/// a company: `(company, what)`, `what` as in [`Lost::what`].
async fn usage<S: CaseStore>(store: &S) -> StoreResult<BTreeMap<(String, Key), u64>> {
    let mut counts = BTreeMap::new();
    let far = OffsetDateTime::now_utc() + time::Duration::days(365 * 1000);
    let mut page = PageRequest { limit: 500, after: None };
    loop {
        let found = store.retention_candidates(&Status::ALL, far, &page).await?;
        for case in &found.items {
            let c = &case.company;
            for key in [
                Key::Company,
                Key::Type(case.installation_type.clone()),
                Key::Job(case.installation_type.clone(), case.job_type.clone()),
                Key::Area(case.network_area.clone()),
            ] {
                *counts.entry((c.clone(), key)).or_insert(0) += 1;
            }
        }
        match found.next {
            Some(next) => page.after = Some(next),
            None => return Ok(counts),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Company,
    Type(String),
    Job(String, String),
    Area(String),
}

/// What the store's cases use that `new` does not have, company by company.
pub async fn lost<S: CaseStore>(store: &S, new: &Definitions) -> StoreResult<Vec<Lost>> {
    let mut lost = Vec::new();
    for ((company, key), cases) in usage(store).await? {
        let found = new.company(&company);
        let what = match (&key, found) {
            (Key::Company, None) => None,
            (_, None) => continue,
            (Key::Company, Some(_)) => continue,
            (Key::Type(t), Some(c)) if c.offer(t).is_none() => {
                Some(format!("installationstypen `{t}`"))
            }
            (Key::Job(t, j), Some(c))
                if c.offer(t).is_some_and(|o| !o.job_types.iter().any(|x| x == j)) =>
            {
                Some(format!("jobbtypen `{j}` i `{t}`"))
            }
            (Key::Area(a), Some(c)) if c.network_area(a).is_none() => {
                Some(format!("nätområdet `{a}`"))
            }
            _ => continue,
        };
        lost.push(Lost { company, what, cases });
    }
    Ok(lost)
}
