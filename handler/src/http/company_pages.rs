//! The company's static pages after a publication: rendered by the site generator from the
//! published version (and every version cases may be pinned to) and handed to the site
//! (docs/deploy.md, "Published definitions").

use super::AppState;
use crate::store::Store;

/// Renders the company's pages and replaces them in the site. A failure is logged, not
/// answered: the publication stands, the API serves it, and the pages follow on the next
/// publication or the site task.
pub async fn replace_company_pages<S: Store>(state: &AppState<S>, company: &str) {
    let rendered = async {
        let versions =
            super::definitions::page_versions(state, company).await.map_err(|e| e.message)?;
        let published = state.live().current();
        let older: Vec<&forms::Definitions> = versions
            .iter()
            .filter(|(n, _)| {
                published.company(company).is_some_and(|c| c.definitions_version != **n)
            })
            .map(|(_, d)| d.as_ref())
            .collect();
        site::company_pages(&published, &older, company, &state.sign_in).map_err(|e| e.to_string())
    };
    let result = match rendered.await {
        Ok(pages) => state.site_pages.replace_company(company, pages.files).await,
        Err(e) => Err(e),
    };
    if let Err(reason) = result {
        tracing::error!(company, %reason, "the company's pages were not replaced");
    }
}
