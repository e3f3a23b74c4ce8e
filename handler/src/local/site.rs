//! The site of `handler serve`, built from the definitions into memory and served from there.
//! The first build runs while the API already answers (a page waits for it), and a new build
//! (`--watch`) replaces the old one in one step, so no page is ever read half-written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;

use super::preview::Preview;

/// The site being served: `None` until the first build is done.
#[derive(Clone)]
pub struct LiveSite {
    built: watch::Sender<Option<Arc<Files>>>,
    /// With `--watch`: every page loads the live preview's script.
    preview: Option<Preview>,
}

/// Path relative to the site root -> content.
type Files = HashMap<String, Bytes>;

impl LiveSite {
    pub fn new(preview: Option<Preview>) -> Self {
        LiveSite { built: watch::Sender::new(None), preview }
    }

    /// Serves `site` from the next request on.
    pub fn replace(&self, site: site::Site) {
        let files =
            site.files.into_iter().map(|(path, bytes)| (path, Bytes::from(bytes))).collect();
        self.built.send_replace(Some(Arc::new(files)));
    }

    /// The site, once it is built.
    async fn files(&self) -> Arc<Files> {
        let mut built = self.built.subscribe();
        let ready = built.wait_for(Option::is_some).await.expect("the sender is self");
        ready.clone().expect("built")
    }
}

/// A file of the site for GET and HEAD: `/x/` is `x/index.html`, and `/x` is sent to `/x/`
/// when that is a page (as a static file server does).
pub async fn serve(State(site): State<LiveSite>, method: Method, uri: Uri) -> Response {
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
    let Some(bytes) = files.get(&key) else {
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
    let body = match &site.preview {
        Some(preview) if kind == "html" => {
            Body::from(with_preview_script(bytes, preview.generation()))
        }
        _ => Body::from(bytes.clone()),
    };
    let mut response = Response::new(body);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
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
