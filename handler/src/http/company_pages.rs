//! The company's static pages after a publication, rendered by the site generator
//! (`definitions::company_pages`) and handed to the site (docs/deploy.md, "Published
//! definitions").

use super::AppState;
use crate::store::Store;

/// Renders the company's pages and replaces them in the site. A failure is logged, not
/// answered: the publication stands, the API serves it, and the pages follow on the next
/// publication or the site task.
pub async fn replace_company_pages<S: Store>(state: &AppState<S>, company: &str) {
    let pages =
        crate::definitions::company_pages(state.live(), &state.store, company, &state.sign_in);
    let result = match pages.await {
        Ok(pages) => state.site_pages.replace_company(company, pages).await,
        Err(e) => Err(e),
    };
    if let Err(reason) = result {
        tracing::error!(company, %reason, "the company's pages were not replaced");
    }
}
