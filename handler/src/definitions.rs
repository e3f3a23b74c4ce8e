//! The definitions a server reads ([`LiveDefinitions`]): the operator's layer (`base.toml`,
//! `installation_types.toml`) shipped with the build, and each network company's own file in the
//! version it published (docs/definitions.md, "Versions"); the older versions that cases are
//! pinned to; and (locally) a definitions folder read through `definition-files`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use forms::Definitions;
use forms::definitions::{DefinitionErrors, Source};

use crate::store::{DefinitionStore, StoreResult};

/// How long a server serves the published versions it knows before it asks the store again:
/// a publication made through another server (another Lambda instance) is served everywhere
/// within this time. `ELANMALAN_DEFINITIONS_TTL_SECONDS` changes it (the tests use 1).
pub const PUBLISHED_TTL: Duration = Duration::from_secs(30);

/// The definitions being served. `handler serve --watch` replaces the shipped files; a
/// publication replaces one company's file. Each served set is an `Arc`, freed when the last
/// request reading it is done.
#[derive(Clone)]
pub struct LiveDefinitions(Arc<Live>);

struct Live {
    served: RwLock<Arc<Served>>,
    /// The definitions of other versions that cases are pinned to, by company and version.
    pinned: Mutex<HashMap<(String, u32), Arc<Definitions>>>,
    /// When the store's published versions were last read.
    checked: Mutex<Option<Instant>>,
    ttl: Duration,
}

/// One served set: the shipped files, and what each company publishes.
struct Served {
    definitions: Arc<Definitions>,
    shipped: Arc<Shipped>,
    /// The published version and its text, of each company that published one that is served.
    published: BTreeMap<String, (u32, String)>,
}

/// The files of a build (or of `--definitions DIR`): the operator's and the companies' own.
#[derive(Clone)]
struct Shipped {
    root: String,
    operator: Vec<Source>,
    /// Company id -> its shipped file, which is its version 1.
    companies: BTreeMap<String, Source>,
}

const COMPANIES: &str = "companies/";

/// The path of a company's own file among the definition files.
pub fn company_file(company: &str) -> String {
    format!("{COMPANIES}{company}.toml")
}

impl Shipped {
    fn new(root: &str, sources: Vec<Source>) -> Shipped {
        let (companies, operator): (Vec<Source>, Vec<Source>) =
            sources.into_iter().partition(|s| s.path.starts_with(COMPANIES));
        let companies = companies
            .into_iter()
            .filter_map(|s| {
                let id = s.path.strip_prefix(COMPANIES)?.strip_suffix(".toml")?.to_string();
                Some((id, s))
            })
            .collect();
        Shipped { root: root.to_string(), operator, companies }
    }

    /// The operator's files with the given company files.
    fn parse(
        &self,
        companies: impl IntoIterator<Item = Source>,
    ) -> Result<Definitions, DefinitionErrors> {
        let sources: Vec<Source> = self.operator.iter().cloned().chain(companies).collect();
        Definitions::parse(&self.root, &sources)
    }

    /// Every company's file: the published text where there is one, else the shipped file.
    fn texts(&self, published: &BTreeMap<String, (u32, String)>) -> Vec<Source> {
        let mut texts: BTreeMap<&str, Source> =
            self.companies.iter().map(|(id, s)| (id.as_str(), s.clone())).collect();
        for (id, (_, text)) in published {
            texts.insert(id, Source { path: company_file(id), text: text.clone() });
        }
        texts.into_values().collect()
    }

    /// The served definitions: each company at its published version. A published version
    /// that no longer parses with this build's operator layer is dropped (the shipped file is
    /// served instead, and it is logged), so that one company cannot stop the others.
    fn compose(&self, mut published: BTreeMap<String, (u32, String)>) -> Served {
        let mut definitions = loop {
            match self.parse(self.texts(&published)) {
                Ok(definitions) => break definitions,
                Err(errors) => {
                    let broken: Vec<String> = published
                        .keys()
                        .filter(|id| errors.0.iter().any(|e| e.file.ends_with(&company_file(id))))
                        .cloned()
                        .collect();
                    if broken.is_empty() {
                        // The shipped files themselves: checked when they were read.
                        panic!("the shipped definitions are broken:\n{errors}");
                    }
                    for id in broken {
                        tracing::error!(
                            company = %id,
                            "the published definitions do not fit this build; serving the \
                             shipped file until the company publishes again"
                        );
                        published.remove(&id);
                    }
                }
            }
        };
        for company in &mut definitions.companies {
            company.definitions_version = published.get(&company.id).map_or(1, |(v, _)| *v);
        }
        Served { definitions: Arc::new(definitions), shipped: Arc::new(self.clone()), published }
    }
}

impl LiveDefinitions {
    /// The definitions built into the binary.
    pub fn builtin() -> Self {
        Self::from_checked("forms/definitions", forms::definitions::builtin_sources())
    }

    /// The definitions of `sources` (already checked: `Definitions::parse` took them).
    pub fn from_checked(root: &str, sources: Vec<Source>) -> Self {
        let served = Shipped::new(root, sources).compose(BTreeMap::new());
        let ttl = std::env::var("ELANMALAN_DEFINITIONS_TTL_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(PUBLISHED_TTL, Duration::from_secs);
        LiveDefinitions(Arc::new(Live {
            served: RwLock::new(Arc::new(served)),
            pinned: Mutex::new(HashMap::new()),
            checked: Mutex::new(None),
            ttl,
        }))
    }

    fn served(&self) -> Arc<Served> {
        // A panic while the lock was held cannot leave a half-written `Arc` behind.
        self.0.served.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The set being served now: every company at its published version.
    pub fn current(&self) -> Arc<Definitions> {
        self.served().definitions.clone()
    }

    /// Serves the files of `sources` (checked) from the next request on, with each company's
    /// published version as before (`handler serve --watch`).
    pub fn replace_shipped(&self, root: &str, sources: Vec<Source>) {
        let published = self.served().published.clone();
        let served = Shipped::new(root, sources).compose(published);
        *self.0.served.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(served);
        self.0.pinned.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Reads the store's published versions if [`PUBLISHED_TTL`] has passed since the last
    /// read (or at once with `now`), and serves the ones that changed.
    pub async fn refresh<S: DefinitionStore>(&self, store: &S, now: bool) -> StoreResult<()> {
        {
            let mut checked = self.0.checked.lock().unwrap_or_else(|e| e.into_inner());
            if !now && checked.is_some_and(|at| at.elapsed() < self.0.ttl) {
                return Ok(());
            }
            // Others go on with what is served while this request reads.
            *checked = Some(Instant::now());
        }
        let pointers = store.published_definitions().await.inspect_err(|_| {
            *self.0.checked.lock().unwrap_or_else(|e| e.into_inner()) = None;
        })?;
        let served = self.served();
        let unchanged = pointers.len() == served.published.len()
            && pointers.iter().all(|(id, v)| served.published.get(id).is_some_and(|(n, _)| n == v));
        if unchanged {
            return Ok(());
        }
        let mut published = BTreeMap::new();
        for (company, version) in pointers {
            let text = match served.published.get(&company) {
                Some((n, text)) if *n == version => text.clone(),
                _ => match self.text(store, &served.shipped, &company, version).await? {
                    Some(text) => text,
                    None => continue,
                },
            };
            published.insert(company, (version, text));
        }
        let next = served.shipped.compose(published);
        *self.0.served.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        tracing::info!("published definitions changed; serving them");
        Ok(())
    }

    /// The text of a company's version: the store's, or the shipped file for version 1 when
    /// the store has none.
    async fn text<S: DefinitionStore>(
        &self,
        store: &S,
        shipped: &Shipped,
        company: &str,
        version: u32,
    ) -> StoreResult<Option<String>> {
        if let Some(stored) = store.definition_version(company, version).await? {
            return Ok(Some(stored.toml));
        }
        Ok((version == 1).then(|| shipped.companies.get(company).map(|s| s.text.clone())).flatten())
    }

    /// The definitions of `company` at `version`: the served set when that is its published
    /// version, else that version (with the operator's layer of this build) read from the store
    /// once and kept. A version that is gone or no longer parses reads as the served one.
    pub async fn of_version<S: DefinitionStore>(
        &self,
        store: &S,
        company: &str,
        version: u32,
    ) -> StoreResult<Arc<Definitions>> {
        let served = self.served();
        let served_version = served.definitions.company(company).map(|c| c.definitions_version);
        if served_version.is_none_or(|v| v == version) {
            return Ok(served.definitions.clone());
        }
        let key = (company.to_string(), version);
        if let Some(found) = self.0.pinned.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(found.clone());
        }
        let Some(text) = self.text(store, &served.shipped, company, version).await? else {
            return Ok(served.definitions.clone());
        };
        let parsed = served.shipped.parse([Source { path: company_file(company), text }]);
        let Ok(mut definitions) = parsed else {
            tracing::warn!(company, version, "a pinned version does not fit this build");
            return Ok(served.definitions.clone());
        };
        for c in &mut definitions.companies {
            c.definitions_version = version;
        }
        let definitions = Arc::new(definitions);
        self.0.pinned.lock().unwrap_or_else(|e| e.into_inner()).insert(key, definitions.clone());
        Ok(definitions)
    }

    /// Checks a company's file as `check-definitions` would: with the operator's files and
    /// every other company's served file. The definitions of that company alone when it is
    /// good, numbered `version`.
    pub fn check(
        &self,
        company: &str,
        text: &str,
        version: u32,
    ) -> Result<Definitions, DefinitionErrors> {
        let served = self.served();
        let mut published = served.published.clone();
        published.insert(company.to_string(), (version, text.to_string()));
        served.shipped.parse(served.shipped.texts(&published))?;
        let mut alone =
            served.shipped.parse([Source { path: company_file(company), text: text.into() }])?;
        for c in &mut alone.companies {
            c.definitions_version = version;
        }
        Ok(alone)
    }

    /// The company's shipped file (its version 1), if the build has it.
    pub fn shipped_text(&self, company: &str) -> Option<String> {
        self.served().shipped.companies.get(company).map(|s| s.text.clone())
    }
}

/// The files of `dir`, checked: every problem found in them, or their definitions and the files.
#[cfg(feature = "local")]
pub fn read_folder(dir: &std::path::Path) -> Result<(Definitions, Vec<Source>), DefinitionErrors> {
    let files = definition_files::read(dir).map_err(|e| {
        DefinitionErrors::single(
            e.path.display().to_string(),
            format!("cannot be read: {}", e.source),
        )
    })?;
    let sources: Vec<Source> =
        files.into_iter().map(|(path, text)| Source { path, text }).collect();
    let definitions = Definitions::parse(&dir.display().to_string(), &sources)?;
    Ok((definitions, sources))
}

/// A company's pages as a publication writes them: its served version at the form's own address,
/// and each version its cases may be pinned to (1, and every one it published) at its `v<N>/`.
pub async fn company_pages<S: DefinitionStore>(
    live: &LiveDefinitions,
    store: &S,
    company: &str,
    sign_in: &site::SignIn,
) -> Result<crate::site_pages::Pages, String> {
    let served = live.current();
    let published = served.company(company).map_or(1, |c| c.definitions_version);
    let mut numbers: Vec<u32> = store
        .definition_publications(company)
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|p| p.version)
        .chain([1])
        .filter(|n| *n != published)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut older = Vec::with_capacity(numbers.len());
    for n in numbers {
        older.push(live.of_version(store, company, n).await.map_err(|e| e.to_string())?);
    }
    let older: Vec<&Definitions> = older.iter().map(Arc::as_ref).collect();
    let pages =
        site::company_pages(&served, &older, company, sign_in).map_err(|e| e.to_string())?;
    Ok(pages.files)
}

/// Every company's pages ([`company_pages`]) from the versions the store says they publish:
/// what the site function writes after a new build's site is deployed.
pub async fn published_pages<S: DefinitionStore>(
    live: &LiveDefinitions,
    store: &S,
    sign_in: &site::SignIn,
) -> Result<Vec<(String, crate::site_pages::Pages)>, String> {
    live.refresh(store, true).await.map_err(|e| e.to_string())?;
    let companies: Vec<String> = live.current().companies.iter().map(|c| c.id.clone()).collect();
    let mut all = Vec::with_capacity(companies.len());
    for company in companies {
        let pages = company_pages(live, store, &company, sign_in).await?;
        all.push((company, pages));
    }
    Ok(all)
}
