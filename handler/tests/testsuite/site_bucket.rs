//! The site bucket on AWS (`handler::site_bucket`) against moto's S3 and CloudFront: a publish
//! replaces one company's pages, with their types and cache headers, removes its pages that
//! are gone, leaves every other file alone, and has CloudFront forget that company's paths only.

use handler::site_bucket::{CloudFront, SiteBucket};
use handler::site_pages::{Pages, SitePages};

use crate::support::moto::Moto;

fn cloudfront_client(moto: &Moto) -> aws_sdk_cloudfront::Client {
    let config = aws_sdk_cloudfront::Config::builder()
        .behavior_version(aws_sdk_cloudfront::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudfront::config::Region::new("us-east-1"))
        .endpoint_url(moto.url())
        .credentials_provider(aws_sdk_cloudfront::config::Credentials::new(
            "local", "local", None, None, "test",
        ))
        .build();
    aws_sdk_cloudfront::Client::from_conf(config)
}

/// A distribution in front of `bucket`, as moto needs it to take invalidations.
async fn distribution(client: &aws_sdk_cloudfront::Client, bucket: &str) -> String {
    use aws_sdk_cloudfront::types::{
        DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig,
        ViewerProtocolPolicy,
    };
    let origin = Origin::builder()
        .id("site")
        .domain_name(format!("{bucket}.s3.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference(uuid::Uuid::new_v4().to_string())
        .comment("site")
        .enabled(true)
        .origins(Origins::builder().quantity(1).items(origin).build().unwrap())
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let made = client.create_distribution().distribution_config(config).send().await;
    let made = made.unwrap_or_else(|e| panic!("a distribution in moto: {e:?}"));
    made.distribution().unwrap().id().to_string()
}

/// Every key in the bucket.
async fn keys(client: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    let listed = client.list_objects_v2().bucket(bucket).send().await.unwrap();
    let mut keys: Vec<String> =
        listed.contents().iter().filter_map(|o| o.key()).map(str::to_string).collect();
    keys.sort();
    keys
}

/// The paths of each invalidation the distribution has had, oldest first.
async fn invalidations(
    client: &aws_sdk_cloudfront::Client,
    distribution: &str,
) -> Vec<Vec<String>> {
    let listed = client.list_invalidations().distribution_id(distribution).send().await.unwrap();
    let mut all = Vec::new();
    let summaries = listed.invalidation_list().map(|l| l.items()).unwrap_or_default();
    for summary in summaries {
        let one = client
            .get_invalidation()
            .distribution_id(distribution)
            .id(summary.id())
            .send()
            .await
            .unwrap();
        let batch = one.invalidation().unwrap().invalidation_batch().unwrap();
        let mut paths = batch.paths().unwrap().items().to_vec();
        paths.sort();
        all.push(paths);
    }
    all
}

fn pages(items: &[(&str, &str)]) -> Pages {
    items.iter().map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())).collect()
}

struct Site {
    moto: Moto,
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
    bucket: String,
    distribution: String,
    writer: SiteBucket,
}

/// A bucket holding a deployed site: two companies' pages (one whose id begins with the
/// other's), the shared pages and the assets.
async fn deployed_site() -> Site {
    let moto = Moto::start();
    let (s3, cloudfront) = (moto.s3_client(), cloudfront_client(&moto));
    // What the handler signs CloudFront's call with: moto takes it only as CloudFront's.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-north-1"))
        .credentials_provider(aws_sdk_cloudfront::config::Credentials::new(
            "local", "local", None, None, "test",
        ))
        .load()
        .await;
    let bucket = moto.bucket().await;
    let distribution = distribution(&cloudfront, &bucket).await;
    for key in [
        "index.html",
        "assets/case.0123abcd.js",
        "anmalan/oresundskraft/villa/index.html",
        "anmalan/oresundskraft/laddbox/index.html",
        "schemas/oresundskraft/villa.json",
        "schemas/oresundskraft/laddbox.json",
        "anmalan/oresundskraft-syd/villa/index.html",
        "schemas/oresundskraft-syd/villa.json",
        "anmalan/ellevio/villa/index.html",
    ] {
        s3.put_object().bucket(&bucket).key(key).body(b"old".to_vec().into()).send().await.unwrap();
    }
    let writer =
        SiteBucket::new(s3.clone(), &bucket, CloudFront::new(&config, moto.url(), &distribution));
    Site { moto, s3, cloudfront, bucket, distribution, writer }
}

#[tokio::test]
async fn a_publish_replaces_one_companys_pages_and_invalidates_only_its_paths() {
    let site = deployed_site().await;
    let published = pages(&[
        ("anmalan/oresundskraft/villa/index.html", "<p>Villa v2</p>"),
        ("anmalan/oresundskraft/villa/v1/index.html", "<p>Villa v1</p>"),
        ("anmalan/oresundskraft/villa/v2/index.html", "<p>Villa v2</p>"),
        ("schemas/oresundskraft/villa.json", "{\"title\":\"Villa\"}"),
    ]);
    site.writer.replace_company("oresundskraft", published).await.expect("the pages are written");

    assert_eq!(
        keys(&site.s3, &site.bucket).await,
        [
            "anmalan/ellevio/villa/index.html",
            "anmalan/oresundskraft-syd/villa/index.html",
            "anmalan/oresundskraft/villa/index.html",
            "anmalan/oresundskraft/villa/v1/index.html",
            "anmalan/oresundskraft/villa/v2/index.html",
            "assets/case.0123abcd.js",
            "index.html",
            "schemas/oresundskraft-syd/villa.json",
            "schemas/oresundskraft/villa.json",
        ],
        "laddbox is gone from Öresundskraft's folders, and nothing else changed"
    );
    let get = |key: &str| site.s3.get_object().bucket(&site.bucket).key(key).send();
    let page = get("anmalan/oresundskraft/villa/index.html").await.unwrap();
    assert_eq!(page.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(page.cache_control(), Some("no-cache"));
    assert_eq!(page.body.collect().await.unwrap().into_bytes().as_ref(), b"<p>Villa v2</p>");
    let schema = get("schemas/oresundskraft/villa.json").await.unwrap();
    assert_eq!(schema.content_type(), Some("application/json"));
    assert_eq!(schema.cache_control(), Some("no-cache"));
    let other = get("anmalan/oresundskraft-syd/villa/index.html").await.unwrap();
    assert_eq!(other.body.collect().await.unwrap().into_bytes().as_ref(), b"old");

    assert_eq!(
        invalidations(&site.cloudfront, &site.distribution).await,
        [["/anmalan/oresundskraft/*", "/schemas/oresundskraft/*"]],
        "one invalidation, of Öresundskraft's paths only"
    );
}

#[tokio::test]
async fn a_page_outside_the_companys_folders_writes_nothing() {
    let site = deployed_site().await;
    let before = keys(&site.s3, &site.bucket).await;
    for (company, path) in [
        ("oresundskraft", "index.html"),
        ("oresundskraft", "anmalan/ellevio/villa/index.html"),
        ("oresundskraft", "anmalan/oresundskraft-syd/villa/index.html"),
        ("", "anmalan//villa/index.html"),
        ("oresundskraft/..", "anmalan/oresundskraft/../villa/index.html"),
    ] {
        let wrong = pages(&[("anmalan/oresundskraft/villa/index.html", "new"), (path, "new")]);
        let refused = site.writer.replace_company(company, wrong).await;
        assert!(refused.is_err(), "{company:?} {path}: {refused:?}");
    }
    assert_eq!(keys(&site.s3, &site.bucket).await, before);
    let page =
        site.s3.get_object().bucket(&site.bucket).key("anmalan/oresundskraft/villa/index.html");
    let page = page.send().await.unwrap();
    assert_eq!(page.body.collect().await.unwrap().into_bytes().as_ref(), b"old");
    assert!(invalidations(&site.cloudfront, &site.distribution).await.is_empty());
}

#[tokio::test]
async fn the_site_task_writes_every_company_and_invalidates_once() {
    let site = deployed_site().await;
    let companies = vec![
        ("oresundskraft".to_string(), pages(&[("anmalan/oresundskraft/villa/index.html", "ö")])),
        ("ellevio".to_string(), pages(&[("schemas/ellevio/villa.json", "{}")])),
    ];
    assert_eq!(site.writer.replace_all(companies).await, Ok(2));
    let keys = keys(&site.s3, &site.bucket).await;
    assert!(keys.contains(&"schemas/ellevio/villa.json".to_string()), "{keys:?}");
    assert!(!keys.contains(&"anmalan/ellevio/villa/index.html".to_string()), "{keys:?}");
    assert!(!keys.contains(&"schemas/oresundskraft/laddbox.json".to_string()), "{keys:?}");
    assert!(keys.contains(&"anmalan/oresundskraft-syd/villa/index.html".to_string()), "{keys:?}");
    assert_eq!(
        invalidations(&site.cloudfront, &site.distribution).await,
        [["/anmalan/*", "/schemas/*"]],
        "CloudFront allows 15 wildcard paths in progress: one invalidation for all companies"
    );
}

/// The same binary as the site's writer (`ELANMALAN_TASK=site`, the template's `SiteFunction`,
/// invoked by hand after a deploy): an invocation writes every company's pages and has
/// CloudFront forget the companies' folders once.
#[tokio::test]
async fn the_site_function_writes_the_pages_and_invalidates_once() {
    use handler::store::dynamodb::DynamoStore;
    use handler::store::{AuditEntry, DefinitionStore, DefinitionVersion, Publication};

    use crate::support::dynamodb::fresh_table;
    use crate::support::lambda_runtime::LambdaFunction;

    let site = deployed_site().await;
    let (client, table) = fresh_table("site").await;
    // Öresundskraft published a version 2 with a field of its own.
    let store = DynamoStore::new(client, table.clone());
    let shipped = std::fs::read_to_string(format!(
        "{}/companies/oresundskraft.toml",
        crate::support::SHIPPED
    ))
    .unwrap();
    let at = time::OffsetDateTime::now_utc();
    let toml = format!(
        "{shipped}\n[[field]]\nid = \"work.contact_on_site\"\nlabel = \"Kontaktperson på plats\"\n\
         type = \"text\"\n"
    );
    let version = DefinitionVersion {
        company: "oresundskraft".into(),
        version: 2,
        toml,
        note: String::new(),
        created_by: "admin_oresund".into(),
        created_at: at,
        preview_key: "k".into(),
    };
    store.add_definition_version(&version).await.unwrap();
    let publication = Publication {
        company: "oresundskraft".into(),
        version: 2,
        previous: None,
        by: "admin_oresund".into(),
        at,
    };
    let audit = AuditEntry {
        id: uuid::Uuid::new_v4().to_string(),
        company: "oresundskraft".into(),
        at,
        user: "admin_oresund".into(),
        firm: String::new(),
        case_id: String::new(),
        case_number: "version 2".into(),
        act: forms::words::AuditAct::DefinitionsPublished,
        by: None,
        found: true,
        limit_reached: None,
    };
    store.publish_definitions(&publication, &audit).await.unwrap();

    let endpoint = site.moto.url();
    let function = LambdaFunction::start(&[
        ("ELANMALAN_TASK", "site"),
        ("TABLE_NAME", &table),
        ("SITE_BUCKET", &site.bucket),
        ("DISTRIBUTION_ID", &site.distribution),
        ("AWS_ENDPOINT_URL_S3", &endpoint),
        ("AWS_ENDPOINT_URL_CLOUDFRONT", &endpoint),
    ])
    .await;
    let answer = function.invoke_raw("{}").await;
    let companies = forms::Definitions::builtin().companies.len();
    assert_eq!(answer, serde_json::json!({"companies": companies}), "{}", function.log());
    assert_eq!(
        invalidations(&site.cloudfront, &site.distribution).await,
        [["/anmalan/*", "/schemas/*"]],
        "{}",
        function.log()
    );
    let read = async |key: &str| {
        let object = site.s3.get_object().bucket(&site.bucket).key(key).send().await;
        let object = object.unwrap_or_else(|e| panic!("{key}: {e:?}"));
        String::from_utf8(object.body.collect().await.unwrap().to_vec()).unwrap()
    };
    let published = read("anmalan/oresundskraft/fuse_change/index.html").await;
    assert!(published.contains("Kontaktperson på plats"), "the published version's page");
    assert!(published.contains("data-definitions-version=\"2\""));
    let first = read("anmalan/oresundskraft/fuse_change/v1/index.html").await;
    assert!(!first.contains("Kontaktperson på plats"), "version 1's own page, for its cases");
    let keys = keys(&site.s3, &site.bucket).await;
    assert!(!keys.contains(&"anmalan/oresundskraft/villa/index.html".to_string()), "stale");
    assert!(keys.contains(&"anmalan/exempelnat_norr/fuse_change/index.html".to_string()));
    assert!(keys.contains(&"assets/case.0123abcd.js".to_string()), "assets are left alone");
}

/// What CloudFront would be sent, seen by a stand-in for it that answers as CloudFront does
/// when too many invalidations are in progress: the call is signed for CloudFront in
/// us-east-1 (its one region), carries the batch, and the refusal is an error naming its code.
#[tokio::test]
async fn the_invalidation_is_signed_for_cloudfront_and_its_refusal_is_an_error() {
    use std::sync::{Arc, Mutex};

    use axum::http::{HeaderMap, StatusCode};

    let site = deployed_site().await;
    let seen: Arc<Mutex<Vec<(String, HeaderMap, String)>>> = Arc::default();
    let app = axum::Router::new().fallback({
        let seen = seen.clone();
        move |uri: axum::http::Uri, headers: HeaderMap, body: String| async move {
            seen.lock().unwrap().push((uri.path().to_string(), headers, body));
            let refusal = "<?xml version=\"1.0\"?><ErrorResponse><Error><Type>Sender</Type>\
                           <Code>TooManyInvalidationsInProgress</Code></Error></ErrorResponse>";
            (StatusCode::BAD_REQUEST, refusal)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("eu-north-1"))
        .credentials_provider(aws_sdk_cloudfront::config::Credentials::new(
            "AKIDLOCAL",
            "local",
            Some("session".into()),
            None,
            "test",
        ))
        .load()
        .await;
    let writer = SiteBucket::new(
        site.s3.clone(),
        &site.bucket,
        CloudFront::new(&config, &url, "E2QWRUHEXAMPLE"),
    );

    let published = pages(&[("anmalan/oresundskraft/villa/index.html", "<p>Villa</p>")]);
    let refused = writer.replace_company("oresundskraft", published).await;
    let error = refused.expect_err("a refused invalidation is an error");
    assert!(error.contains("TooManyInvalidationsInProgress"), "{error}");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "one call, not retried");
    let (path, headers, body) = &seen[0];
    assert_eq!(path, "/2020-05-31/distribution/E2QWRUHEXAMPLE/invalidation");
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    let authorization = header("authorization");
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/"), "{authorization}");
    assert!(authorization.contains("/us-east-1/cloudfront/aws4_request"), "{authorization}");
    let signed = authorization.split("SignedHeaders=").nth(1).unwrap_or("");
    assert!(signed.starts_with("content-type;host;x-amz-date;x-amz-security-token,"), "{signed}");
    assert_eq!(header("x-amz-security-token"), "session");
    assert_eq!(header("content-type"), "application/xml");
    assert!(
        body.contains(
            "<Paths><Quantity>2</Quantity><Items><Path>/anmalan/oresundskraft/*</Path>\
             <Path>/schemas/oresundskraft/*</Path></Items></Paths>"
        ),
        "{body}"
    );
}
