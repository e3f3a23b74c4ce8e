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
    cdn: CloudFront,
}

/// The CloudFront distribution that serves the site. Its one call, CreateInvalidation, is
/// signed here with aws-sigv4 and sent by the SDK's own HTTP client: aws-sdk-cloudfront for it
/// alone put the Lambda zip over 5 MiB (the workspace's Cargo.toml has the sizes).
pub struct CloudFront {
    config: aws_config::SdkConfig,
    endpoint: String,
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
        cdn: CloudFront,
    ) -> SiteBucket {
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
        // As the SDK's clients do: a service's own endpoint, else the shared one (local tests).
        let endpoint = named("AWS_ENDPOINT_URL_CLOUDFRONT")
            .or_else(|| named("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| CloudFront::ENDPOINT.to_string());
        let cdn = CloudFront::new(&aws_config::load_from_env().await, endpoint, distribution);
        Ok(Some(SiteBucket::new(S3Files::client_from_env().await, bucket, cdn)))
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

impl CloudFront {
    /// CloudFront's one endpoint (a global service, signed for us-east-1).
    pub const ENDPOINT: &str = "https://cloudfront.amazonaws.com";

    /// The distribution `distribution`, reached at `endpoint` with the credentials, HTTP client
    /// and sleep of `config`.
    pub fn new(
        config: &aws_config::SdkConfig,
        endpoint: impl Into<String>,
        distribution: impl Into<String>,
    ) -> CloudFront {
        let endpoint = endpoint.into().trim_end_matches('/').to_string();
        CloudFront { config: config.clone(), endpoint, distribution: distribution.into() }
    }

    /// One invalidation of `paths`.
    async fn invalidate(&self, paths: Vec<String>) -> Result<(), String> {
        let url =
            format!("{}/2020-05-31/distribution/{}/invalidation", self.endpoint, self.distribution);
        let request = crate::signed::SignedRequest {
            service: "cloudfront",
            operation: "CreateInvalidation",
            region: "us-east-1",
            url: &url,
            headers: &[("content-type", "application/xml")],
            body: invalidation_batch(&paths, &uuid::Uuid::new_v4().to_string()),
            timeout: CLOUDFRONT_OPERATION_TIMEOUT,
        };
        let response = crate::signed::send(&self.config, request).await?;
        if (200..300).contains(&response.status) {
            return Ok(());
        }
        // `<Error><Code>TooManyInvalidationsInProgress</Code>...`
        let body = std::str::from_utf8(&response.body);
        let code = body.ok().and_then(|b| b.split_once("<Code>")).map(|(_, rest)| rest);
        let code = code.and_then(|rest| rest.split_once("</Code>")).map(|(code, _)| code);
        let refused = code.map_or_else(|| response.status.to_string(), str::to_string);
        Err(format!("cloudfront: invalidating: {refused}"))
    }
}

/// CloudFront's `InvalidationBatch` document.
fn invalidation_batch(paths: &[String], caller_reference: &str) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    };
    let items: String = paths.iter().map(|p| format!("<Path>{}</Path>", escape(p))).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <InvalidationBatch xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\">\
         <Paths><Quantity>{}</Quantity><Items>{items}</Items></Paths>\
         <CallerReference>{}</CallerReference></InvalidationBatch>",
        paths.len(),
        escape(caller_reference)
    )
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
