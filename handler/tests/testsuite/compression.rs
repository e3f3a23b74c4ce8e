//! `handler serve` sends pages, their CSS and JS, and API answers compressed when the browser
//! accepts it (brotli first, then gzip), and each decodes to the bytes sent uncompressed.

use std::io::Read;

use reqwest::Method;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, VARY};

use crate::support::server::{ANNA, Server};

/// A GET or HEAD of `path` with this `Accept-Encoding` (none when `None`): the answer's
/// `Content-Encoding`, `Vary` and body as sent.
async fn fetch(
    server: &Server,
    method: Method,
    path: &str,
    accept: Option<&str>,
) -> (Option<String>, Option<String>, Vec<u8>, Option<u64>) {
    let mut request = server.http().request(method, format!("{}{path}", server.url));
    if path.starts_with("/api/") {
        request = request.bearer_auth(server.token(ANNA));
    }
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let header = |name| response.headers().get(name).map(|v| v.to_str().unwrap().to_string());
    let (encoding, vary) = (header(CONTENT_ENCODING), header(VARY));
    let length = header(CONTENT_LENGTH).map(|l| l.parse().unwrap());
    (encoding, vary, response.bytes().await.unwrap().to_vec(), length)
}

fn decode(encoding: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap(),
        "br" => brotli::Decompressor::new(bytes, 4096).read_to_end(&mut out).unwrap(),
        other => panic!("unexpected Content-Encoding {other}"),
    };
    out
}

#[tokio::test]
async fn pages_assets_and_api_answers_come_compressed_when_asked() {
    let server = Server::sqlite();
    let (_, _, page, _) = fetch(&server, Method::GET, "/ny/", None).await;
    let page = String::from_utf8(page).unwrap();
    // The page's own stylesheet and script, as the browser finds them.
    let asset = |ext: &str| {
        let at = page.find(&format!(".{ext}\"")).unwrap_or_else(|| panic!("no .{ext} in {page}"));
        let start = page[..at].rfind("\"/assets/").unwrap() + 1;
        format!("{}.{ext}", &page[start..at])
    };
    let paths = ["/ny/".to_string(), asset("css"), asset("js"), "/api/v1/forms".to_string()];
    for path in &paths {
        let (encoding, _, identity, _) = fetch(&server, Method::GET, path, None).await;
        assert_eq!(encoding, None, "{path} is sent as it is when nothing is accepted");
        assert!(identity.len() > 500, "{path}: {} bytes", identity.len());
        // What Chromium sends, then each encoding alone, then one refused by q=0.
        for (accept, expected) in [
            ("gzip, deflate, br, zstd", "br"),
            ("br", "br"),
            ("gzip", "gzip"),
            ("gzip, br;q=0", "gzip"),
        ] {
            let (encoding, vary, sent, _) = fetch(&server, Method::GET, path, Some(accept)).await;
            assert_eq!(encoding.as_deref(), Some(expected), "{path} with {accept}");
            assert!(vary.is_some_and(|v| v.to_lowercase().contains("accept-encoding")), "{path}");
            assert!(
                sent.len() < identity.len() * 3 / 4,
                "{path} with {accept}: {} bytes",
                sent.len()
            );
            assert_eq!(decode(expected, &sent), identity, "{path} with {accept}");
        }
        let (encoding, ..) = fetch(&server, Method::GET, path, Some("identity")).await;
        assert_eq!(encoding, None, "{path} with identity");
    }
    // HEAD says what GET would send, without the body.
    for path in &paths[..3] {
        let (_, _, br, _) = fetch(&server, Method::GET, path, Some("br")).await;
        let (encoding, vary, body, length) = fetch(&server, Method::HEAD, path, Some("br")).await;
        assert_eq!(encoding.as_deref(), Some("br"), "HEAD {path}");
        assert!(vary.is_some(), "HEAD {path}");
        assert_eq!(length, Some(br.len() as u64), "HEAD {path}");
        assert!(body.is_empty(), "HEAD {path}");
    }
}
