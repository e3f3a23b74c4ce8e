//! The scripts and stylesheets as they are sent, bundled, minified and named by their content
//! when the crate is compiled (`build.rs`); and the Content-Security-Policy that allows exactly
//! them.

use std::collections::BTreeMap;

use serde::Serialize;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The one inline script: at the top of the case page's head, it asks for the case before the
/// styles and scripts have come (a round trip sooner on a slow connection).
pub(crate) fn early_case_request() -> &'static str {
    EARLY_CASE_REQUEST
}

/// The Content-Security-Policy the site is served with, by `handler serve` and by CloudFront
/// (`infra/template.yaml`, compared by a test). Scripts and styles come from the site only, with
/// one exception named by its SHA-256: the case page's early case request. So it needs no
/// `unsafe-inline`. `connect_to`: the origins the pages call besides their own, on AWS
/// Cognito's hosted sign-in (the token exchange) and the attachments bucket (uploads).
pub fn content_security_policy(connect_to: &[&str]) -> String {
    let connect = std::iter::once("'self'").chain(connect_to.iter().copied());
    format!(
        "default-src 'self'; script-src 'self' 'sha256-{EARLY_CASE_SHA256}'; style-src 'self'; \
         img-src 'self' data:; connect-src {}; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'",
        connect.collect::<Vec<_>>().join(" ")
    )
}

/// The names the pages link to.
#[derive(Serialize)]
pub(crate) struct Assets {
    /// Stylesheet name (`style`, `lists`) -> its fingerprinted file name.
    css: BTreeMap<&'static str, &'static str>,
    /// Bundle name (`lists`, `case`, ...) -> its fingerprinted file name.
    js: BTreeMap<&'static str, &'static str>,
}

impl Assets {
    pub(crate) fn new() -> Self {
        Assets { css: STYLES.into_iter().collect(), js: BUNDLES.into_iter().collect() }
    }
}

/// Every stylesheet and bundle into `files` under `assets/`.
pub(crate) fn write(files: &mut BTreeMap<String, Vec<u8>>) {
    let named = STYLES.iter().zip(STYLES_CONTENT).chain(BUNDLES.iter().zip(BUNDLES_CONTENT));
    for ((_, file), content) in named {
        files.insert(format!("assets/{file}"), content.as_bytes().to_vec());
    }
}
