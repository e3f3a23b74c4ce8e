//! How `handler serve` compresses the site's text files (feature `compress`). On AWS CloudFront
//! compresses them itself, so the written site has none.

/// How a text file is compressed for a browser that accepts it, by `handler serve` on the
/// file's first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// gzip at level 9 (`gzip -9`).
    Gzip,
    /// brotli at quality 11 with a 64 KB window: 8 % smaller than quality 9 for the whole site,
    /// a quarter of its memory (5 against 22 MiB), at 2.5 times its time (1.0 against 0.4 s of
    /// one core; the case page alone 43 ms).
    Br,
}

impl Encoding {
    /// Its name in `Accept-Encoding` and `Content-Encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Br => "br",
        }
    }

    pub fn encode(self, bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        match self {
            Encoding::Gzip => {
                let mut gzip =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                gzip.write_all(bytes).expect("writing to memory");
                gzip.finish().expect("writing to memory")
            }
            Encoding::Br => {
                // A window of 64 KB (`lgwin` 16) holds any file of the site whole; the default
                // 4 MB window only costs memory, and made quality 11 ten times slower.
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 11,
                    lgwin: 16,
                    ..Default::default()
                };
                let mut br = Vec::new();
                brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)
                    .expect("writing to memory");
                br
            }
        }
    }
}

/// Whether a file is text that compresses: pages, stylesheets, scripts and schemas.
pub fn compresses(path: &str) -> bool {
    [".html", ".css", ".js", ".json"].iter().any(|ext| path.ends_with(ext))
}
