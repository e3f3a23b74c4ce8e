//! Where a network company's static pages go when it publishes a version of its definitions:
//! the in-memory site of `handler serve` (at once), or on AWS the site bucket, with a CloudFront
//! invalidation of that company's paths only (docs/deploy.md, "Published definitions").

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

/// Paths relative to the site root -> content.
pub type Pages = BTreeMap<String, Vec<u8>>;

pub type Pending<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Replaces a company's pages: every path under `anmalan/<company>/` and `schemas/<company>/`
/// becomes what `pages` holds (the others there are removed), and the rest of the site is
/// left alone.
pub trait SitePages: Send + Sync {
    fn replace_company<'a>(&'a self, company: &'a str, pages: Pages) -> Pending<'a>;
}

/// No site to update: the API alone (tests, or a deployment without a site bucket).
pub struct NoSitePages;

impl SitePages for NoSitePages {
    fn replace_company<'a>(&'a self, _company: &'a str, _pages: Pages) -> Pending<'a> {
        Box::pin(async { Ok(()) })
    }
}
