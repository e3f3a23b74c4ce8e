//! The site on AWS: the adapter of [`SitePages`] that writes a company's pages to the bucket
//! CloudFront serves (`SITE_BUCKET`) and has CloudFront forget that company's paths only
//! (`DISTRIBUTION_ID`). docs/deploy.md, "Published definitions", says which rights it needs.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::site_pages::{Pages, Pending, SitePages};
use crate::store::files::S3Files;

/// The site's folders that hold a company's own pages, each as `<folder>/<company>/`.
pub const COMPANY_FOLDERS: [&str; 2] = ["anmalan", "schemas"];

/// Pages change on every publish, so a browser and CloudFront ask again each time (the
/// invalidation empties CloudFront's copies; this stops a browser keeping its own).
pub const CACHE_CONTROL: &str = "no-cache";

/// Puts at once: a company has a few dozen pages.
const PARALLEL_PUTS: usize = 16;

/// How long one CloudFront call may take, retries included: a publish is answered within API
/// Gateway's 10 s.
const CLOUDFRONT_OPERATION_TIMEOUT: Duration = Duration::from_secs(5);

/// The site bucket and the distribution in front of it.
pub struct SiteBucket {
    client: aws_sdk_s3::Client,
    bucket: String,
    cdn: Cdn,
}

/// The CloudFront distribution that serves the site.
struct Cdn {
    client: aws_sdk_cloudfront::Client,
    distribution: String,
}

/// The type a site file is served as, by its name.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// `anmalan/<company>/`, `schemas/<company>/`.
fn company_prefixes(company: &str) -> Vec<String> {
    COMPANY_FOLDERS.iter().map(|folder| format!("{folder}/{company}/")).collect()
}

fn failed<E: aws_sdk_s3::error::ProvideErrorMetadata>(what: &str, e: E) -> String {
    format!("{what}: {}", e.code().unwrap_or("not reachable"))
}

impl SiteBucket {
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        cloudfront: aws_sdk_cloudfront::Client,
        distribution: impl Into<String>,
    ) -> SiteBucket {
        let cdn = Cdn { client: cloudfront, distribution: distribution.into() };
        SiteBucket { client, bucket: bucket.into(), cdn }
    }

    /// The bucket from `SITE_BUCKET` and the distribution from `DISTRIBUTION_ID`, if a bucket
    /// is set; one without the other is a mistake in the deployment.
    pub async fn from_env() -> Result<Option<SiteBucket>, String> {
        let named = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
        let (bucket, distribution) = match (named("SITE_BUCKET"), named("DISTRIBUTION_ID")) {
            (None, None) => return Ok(None),
            (Some(bucket), Some(distribution)) => (bucket, distribution),
            _ => {
                return Err("SITE_BUCKET and DISTRIBUTION_ID are set together or not at all".into());
            }
        };
        let shared = aws_config::load_from_env().await;
        let timeouts = aws_sdk_cloudfront::config::timeout::TimeoutConfig::builder()
            .operation_timeout(CLOUDFRONT_OPERATION_TIMEOUT)
            .build();
        let cloudfront =
            aws_sdk_cloudfront::config::Builder::from(&shared).timeout_config(timeouts).build();
        Ok(Some(SiteBucket::new(
            S3Files::client_from_env().await,
            bucket,
            aws_sdk_cloudfront::Client::from_conf(cloudfront),
            distribution,
        )))
    }

    /// Makes the bucket's `anmalan/<company>/` and `schemas/<company>/` hold exactly `pages`,
    /// without an invalidation. Nothing is written when a page lies outside those folders.
    pub async fn write_company(&self, company: &str, pages: Pages) -> Result<(), String> {
        let prefixes = company_prefixes(company);
        if company.is_empty() || company.contains(['/', '*']) {
            return Err(format!("site bucket: {company:?} is not a company's folder"));
        }
        if let Some(outside) =
            pages.keys().find(|path| !prefixes.iter().any(|p| path.starts_with(p)))
        {
            return Err(format!("site bucket: {outside} is not a page of {company}"));
        }
        let keep: BTreeSet<String> = pages.keys().cloned().collect();
        let pages: Vec<(String, Vec<u8>)> = pages.into_iter().collect();
        for chunk in pages.chunks(PARALLEL_PUTS) {
            let mut puts = tokio::task::JoinSet::new();
            for (key, bytes) in chunk {
                let (client, bucket) = (self.client.clone(), self.bucket.clone());
                let (key, bytes) = (key.clone(), bytes.clone());
                puts.spawn(async move { put_page(&client, &bucket, &key, bytes).await });
            }
            while let Some(put) = puts.join_next().await {
                put.map_err(|e| format!("site bucket: a put stopped: {e}"))??;
            }
        }
        for prefix in &prefixes {
            for key in self.page_keys(prefix).await? {
                if !keep.contains(&key) {
                    self.delete_page(&key).await?;
                }
            }
        }
        Ok(())
    }

    /// Writes every company's pages, then one invalidation of every company's folders:
    /// CloudFront allows only 15 wildcard paths in progress at once. Answers how many companies.
    pub async fn replace_all(&self, companies: Vec<(String, Pages)>) -> Result<usize, String> {
        let count = companies.len();
        for (company, pages) in companies {
            self.write_company(&company, pages).await?;
        }
        let paths: Vec<String> =
            COMPANY_FOLDERS.iter().map(|folder| format!("/{folder}/*")).collect();
        self.cdn.invalidate(paths).await?;
        Ok(count)
    }

    /// The keys under `prefix`, every page of ListObjectsV2.
    async fn page_keys(&self, prefix: &str) -> Result<Vec<String>, String> {
        let client = &self.client;
        let mut keys = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(next.take())
                .send()
                .await
                .map_err(|e| failed("site bucket: listing", e))?;
            keys.extend(page.contents().iter().filter_map(|o| o.key()).map(str::to_string));
            match page.next_continuation_token() {
                Some(token) if page.is_truncated() == Some(true) => next = Some(token.to_string()),
                _ => return Ok(keys),
            }
        }
    }

    async fn delete_page(&self, key: &str) -> Result<(), String> {
        let client = &self.client;
        client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failed("site bucket: deleting", e))
    }
}

async fn put_page(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> Result<(), String> {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type(key))
        .cache_control(CACHE_CONTROL)
        .body(bytes.into())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| failed("site bucket: writing", e))
}

impl Cdn {
    /// One invalidation of `paths`.
    async fn invalidate(&self, paths: Vec<String>) -> Result<(), String> {
        use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
        let quantity = i32::try_from(paths.len()).map_err(|_| "too many paths".to_string())?;
        let paths = Paths::builder().quantity(quantity).set_items(Some(paths)).build();
        let batch = InvalidationBatch::builder()
            .paths(paths.map_err(|e| format!("cloudfront: {e}"))?)
            .caller_reference(uuid::Uuid::new_v4().to_string())
            .build()
            .map_err(|e| format!("cloudfront: {e}"))?;
        let client = &self.client;
        client
            .create_invalidation()
            .distribution_id(&self.distribution)
            .invalidation_batch(batch)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failed("cloudfront: invalidating", e))
    }
}

impl SitePages for SiteBucket {
    /// The company's pages, then one invalidation of its folders only.
    fn replace_company<'a>(&'a self, company: &'a str, pages: Pages) -> Pending<'a> {
        Box::pin(async move {
            self.write_company(company, pages).await?;
            let paths = company_prefixes(company).iter().map(|p| format!("/{p}*")).collect();
            self.cdn.invalidate(paths).await
        })
    }
}
