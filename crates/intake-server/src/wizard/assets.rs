//! The pages' stylesheet and script, built into the binary (no CDN, no front-end build),
//! served with an ETag of their content so a browser asks again cheaply and never keeps a
//! stale copy after an upgrade.
//!
//! Must not: serve anything but the files listed here.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A file served under `/assets/`.
struct Asset {
    name: &'static str,
    kind: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "wizard.css",
        kind: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/wizard.css"),
    },
    Asset {
        name: "wizard.js",
        kind: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/wizard.js"),
    },
];

/// Each asset's ETag: its content's SHA-256, shortened.
static TAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            format!(
                "\"{}\"",
                Sha256::digest(a.bytes).iter().take(12).map(|b| format!("{b:02x}")).collect::<String>()
            )
        })
        .collect()
});

/// `GET /assets/{name}`: the file, or 304 when the browser's copy is current.
pub(crate) async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(at) = ASSETS.iter().position(|a| a.name == name) else {
        return super::PageError::new(StatusCode::NOT_FOUND, "No such file.").into_response();
    };
    let (asset, tag) = (&ASSETS[at], &TAGS[at]);
    let cached = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == tag);
    let tag = HeaderValue::from_str(tag).unwrap_or(HeaderValue::from_static("\"\""));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if cached {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag), cache]).into_response();
    }
    let kind = (header::CONTENT_TYPE, HeaderValue::from_static(asset.kind));
    (StatusCode::OK, [(header::ETAG, tag), cache, kind], asset.bytes).into_response()
}
