//! The site of `handler serve`, built from the definitions into memory and served from there.
//! The first build runs while the API already answers (a page waits for it), and a new build
//! (`--watch`) replaces the old one in one step, so no page is ever read half-written.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use site::Encoding;
use tokio::sync::watch;

use super::preview::Preview;
use crate::site_pages::{Pages, Pending, SitePages};

/// The site being served: `None` until the first build is done.
#[derive(Clone)]
pub struct LiveSite {
    built: watch::Sender<Option<Arc<Files>>>,
    /// With `--watch`: every page loads the live preview's script.
    preview: Option<Preview>,
}

/// Path relative to the site root -> content.
type Files = HashMap<String, Arc<File>>;

/// A file of the site, and for text its compressed forms, each made on its first request and
/// kept: a start serves at once, and compresses only what is asked for (compressing the whole
/// site at every start took 0.3 s and 35 MiB, BENCHMARKS.md).
struct File {
    identity: Bytes,
    text: bool,
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
}

impl File {
    fn new(path: &str, bytes: Vec<u8>) -> Arc<File> {
        Arc::new(File {
            identity: Bytes::from(bytes),
            text: site::compresses(path),
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        })
    }

    fn encoded(&self, encoding: Encoding) -> &OnceLock<Bytes> {
        match encoding {
            Encoding::Gzip => &self.gzip,
            Encoding::Br => &self.br,
        }
    }
}

impl LiveSite {
    pub fn new(preview: Option<Preview>) -> Self {
        LiveSite { built: watch::Sender::new(None), preview }
    }

    /// Serves `site` from the next request on.
    pub fn replace(&self, site: site::Site) {
        let files = site
            .files
            .into_iter()
            .map(|(path, bytes)| {
                let file = File::new(&path, bytes);
                (path, file)
            })
            .collect();
        self.built.send_replace(Some(Arc::new(files)));
    }

    /// The site, once it is built.
    async fn files(&self) -> Arc<Files> {
        let mut built = self.built.subscribe();
        let ready = built.wait_for(Option::is_some).await.expect("the sender is self");
        ready.clone().expect("built")
    }
}

/// A publication replaces the company's pages at once, once the first build is done.
impl SitePages for LiveSite {
    fn replace_company<'a>(&'a self, company: &'a str, pages: Pages) -> Pending<'a> {
        Box::pin(async move {
            self.files().await;
            let prefixes = [format!("anmalan/{company}/"), format!("schemas/{company}/")];
            let theirs = |path: &str| prefixes.iter().any(|p| path.starts_with(p.as_str()));
            self.built.send_modify(|built| {
                let Some(files) = built else { return };
                let mut next: Files = files
                    .iter()
                    .filter(|(p, _)| !theirs(p))
                    .map(|(p, f)| (p.clone(), f.clone()))
                    .collect();
                next.extend(pages.into_iter().filter(|(p, _)| theirs(p)).map(|(p, b)| {
                    let file = File::new(&p, b);
                    (p, file)
                }));
                *built = Some(Arc::new(next));
            });
            Ok(())
        })
    }
}

/// A file of the site for GET and HEAD: `/x/` is `x/index.html`, and `/x` is sent to `/x/`
/// when that is a page (as a static file server does). Text goes as the build compressed it
/// when the browser accepts that: brotli, else gzip, else as it is.
pub async fn serve(
    State(site): State<LiveSite>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let allow = [(header::ALLOW, "GET, HEAD")];
        return (StatusCode::METHOD_NOT_ALLOWED, allow, "Method not allowed").into_response();
    }
    let files = site.files().await;
    let path = uri.path().trim_start_matches('/');
    let key = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let Some(file) = files.get(&key) else {
        if files.contains_key(&format!("{path}/index.html")) {
            let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
            let to = format!("/{path}/{query}");
            return (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response();
        }
        return (StatusCode::NOT_FOUND, "Sidan finns inte.").into_response();
    };
    let kind = key.rsplit_once('.').map_or("", |(_, ext)| ext);
    let content_type = match kind {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    };
    let accepted = Accepted::from(&headers);
    let encoding = match (file.text, accepted) {
        (false, _) => None,
        (true, Accepted { br: true, .. }) => Some(Encoding::Br),
        (true, Accepted { gzip: true, .. }) => Some(Encoding::Gzip),
        (true, _) => None,
    };
    let (body, encoding) = match (&site.preview, encoding) {
        // The live preview's pages are made per request, and only ever sent on loopback.
        (Some(preview), _) if kind == "html" => {
            (Body::from(with_preview_script(&file.identity, preview.generation())), None)
        }
        (_, Some(encoding)) => {
            (Body::from(encoded(&files, &key, encoding).await), Some(encoding.name()))
        }
        (_, None) => (Body::from(file.identity.clone()), None),
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if file.text {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    // A customer link's page (Kundlänk) is in no search engine (its robots meta says so too).
    if key.starts_with("kund/") {
        headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    }
    response
}

/// The file at `key` as `encoding` makes it: compressed on its first request, off the async
/// threads, and kept.
async fn encoded(files: &Arc<Files>, key: &str, encoding: Encoding) -> Bytes {
    if let Some(done) = files[key].encoded(encoding).get() {
        return done.clone();
    }
    let (files, key) = (files.clone(), key.to_owned());
    tokio::task::spawn_blocking(move || {
        let file = &files[&key];
        let encode = || Bytes::from(encoding.encode(&file.identity));
        file.encoded(encoding).get_or_init(encode).clone()
    })
    .await
    .expect("compressing does not panic")
}

/// The encodings an `Accept-Encoding` header accepts (RFC 9110 12.5.3): named, or covered by
/// `*`, and not with `q=0`.
#[derive(Debug, Default, PartialEq)]
struct Accepted {
    gzip: bool,
    br: bool,
}

impl From<&HeaderMap> for Accepted {
    fn from(headers: &HeaderMap) -> Accepted {
        let mut named = HashMap::new();
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            for item in value.to_str().unwrap_or("").split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let zero = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                named.insert(name, !zero);
            }
        }
        let any = named.get("*").copied().unwrap_or(false);
        let accepts = |name: &str| named.get(name).copied().unwrap_or(any);
        Accepted { gzip: accepts("gzip"), br: accepts("br") }
    }
}

/// The page with the live preview's script last in its head, told the definitions' generation
/// that the page shows.
fn with_preview_script(page: &[u8], generation: u64) -> Vec<u8> {
    let at = page.windows(7).position(|w| w == b"</head>").unwrap_or(0);
    let script =
        format!("<script src=\"/_preview.js\" data-generation=\"{generation}\" defer></script>\n");
    [&page[..at], script.as_bytes(), &page[at..]].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(values: &[&str]) -> Accepted {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        Accepted::from(&headers)
    }

    #[test]
    fn accept_encoding_names_what_may_be_sent() {
        let both = Accepted { gzip: true, br: true };
        let gzip = Accepted { gzip: true, br: false };
        assert_eq!(accepted(&["gzip, deflate, br"]), both);
        assert_eq!(accepted(&["gzip", "BR;q=0.5"]), both);
        assert_eq!(accepted(&["gzip, deflate"]), gzip);
        assert_eq!(accepted(&["gzip;q=1.0, br;q=0"]), gzip);
        assert_eq!(accepted(&["*;q=0.1, br;q=0"]), gzip);
        assert_eq!(accepted(&["identity"]), Accepted::default());
        assert_eq!(accepted(&["*, gzip;q=0, br;q=0.000"]), Accepted::default());
        assert_eq!(accepted(&[]), Accepted::default());
    }

    #[test]
    fn the_preview_script_goes_last_in_the_head() {
        let page = b"<html><head><title>x</title></head><body></body></html>";
        let out = String::from_utf8(with_preview_script(page, 7)).unwrap();
        assert_eq!(
            out,
            "<html><head><title>x</title><script src=\"/_preview.js\" data-generation=\"7\" \
             defer></script>\n</head><body></body></html>"
        );
    }
}
