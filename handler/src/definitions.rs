//! The definitions a server reads: the version being served ([`LiveDefinitions`]), which
//! `handler serve --watch` replaces, and (locally) a definitions folder read through
//! `definition-files`.

use std::sync::{Arc, RwLock};

#[cfg(feature = "local")]
use forms::definitions::{DefinitionErrors, Source};

/// The definitions being served, which `handler serve --watch` replaces when their files
/// change. Each version is an `Arc`, freed when the last request reading it is done.
#[derive(Clone)]
pub struct LiveDefinitions(Arc<RwLock<Arc<forms::Definitions>>>);

impl LiveDefinitions {
    pub fn new(definitions: forms::Definitions) -> Self {
        LiveDefinitions(Arc::new(RwLock::new(Arc::new(definitions))))
    }

    /// The version being served now.
    pub fn current(&self) -> Arc<forms::Definitions> {
        // A panic while the lock was held cannot leave a half-written `Arc` behind.
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Serves `definitions` from the next request on.
    pub fn replace(&self, definitions: forms::Definitions) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(definitions);
    }
}

/// The definitions in the files of `dir`, or every problem found in them.
#[cfg(feature = "local")]
pub fn read_folder(dir: &std::path::Path) -> Result<forms::Definitions, DefinitionErrors> {
    let files = definition_files::read(dir).map_err(|e| {
        DefinitionErrors::single(
            e.path.display().to_string(),
            format!("cannot be read: {}", e.source),
        )
    })?;
    let sources: Vec<Source> =
        files.into_iter().map(|(path, text)| Source { path, text }).collect();
    forms::Definitions::parse(&dir.display().to_string(), &sources)
}

/// STUB (issue 21, defs-aws): the coordinator's version replaces this one. Every company's
/// pages as its published version renders them (`site::company_pages`), for the site
/// function (`ELANMALAN_TASK=site`). Until then it reads what the real one reads, and renders
/// nothing.
pub async fn published_pages<S: crate::store::DefinitionStore>(
    store: &S,
) -> Result<Vec<(String, crate::site_pages::Pages)>, String> {
    for (company, version) in store.published_definitions().await.map_err(|e| e.to_string())? {
        store.definition_version(&company, version).await.map_err(|e| e.to_string())?;
    }
    Ok(Vec::new())
}
