//! Avatars of people from other servers, served from here: a page that linked to them directly
//! would tell every remote server who reads what, and when. The first request fetches the image
//! from its origin (same client rules as federation: no private addresses outside test mode, no
//! blocked servers, 10 s timeout), checks it is a PNG, JPEG, GIF or WebP no larger than 1 MiB,
//! and keeps it under `<data_dir>/avatars/`, named by a hash of its URL (a new avatar URL is a
//! new file). Anything that fails gets the neutral placeholder.

use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

use crate::app::AppState;
use crate::db::federation as store;

/// The largest avatar accepted from elsewhere.
pub const MAX_AVATAR_BYTES: usize = 1024 * 1024;

const PLACEHOLDER: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#d9d4cc"/><circle cx="32" cy="25" r="11" fill="#8a8276"/><path d="M12 58c2-12 10-18 20-18s18 6 20 18z" fill="#8a8276"/></svg>"##;

pub use crate::text::sniff_image as sniff;

fn image(bytes: Vec<u8>, kind: &'static str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn placeholder() -> Response {
    let mut resp = image(PLACEHOLDER.as_bytes().to_vec(), "image/svg+xml");
    // Try again later: the origin may have been down.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=600"),
    );
    resp
}

/// Fetches at most [`MAX_AVATAR_BYTES`] of an image from its origin.
async fn fetch(state: &AppState, url: &url::Url) -> Option<Vec<u8>> {
    let config = state.config();
    if url.host_str().is_none_or(|h| state.hearth.refuses(h)) {
        return None;
    }
    if url.scheme() != "https" && !(config.federation_insecure && url.scheme() == "http") {
        return None;
    }
    let mut resp = state.media_client.get(url.clone()).send().await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_AVATAR_BYTES as u64)
    {
        return None;
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.ok()? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_AVATAR_BYTES {
            return None;
        }
    }
    Some(body)
}

fn cache_path(state: &AppState, url: &str) -> PathBuf {
    let name = hex::encode(sha2::Sha256::digest(url.as_bytes()));
    state.config().data_dir.join("avatars").join(name)
}

/// `GET /media/avatars/<id>`: the avatar of the remote person whose actor row is `id`.
pub async fn avatar(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    let row = state
        .hearth
        .db
        .run(move |c| Ok(store::find_actor_by_id(c, id)?))
        .await;
    let url = match row {
        Ok(Some(actor)) => actor.avatar_url,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            e.log();
            return placeholder();
        }
    };
    let Some(url) = url.and_then(|u| url::Url::parse(&u).ok()) else {
        return placeholder();
    };
    let path = cache_path(&state, url.as_str());
    if let Ok(bytes) = tokio::fs::read(&path).await
        && let Some(kind) = sniff(&bytes)
    {
        return image(bytes, kind);
    }
    let Some(bytes) = fetch(&state, &url).await else {
        tracing::debug!(%url, "avatar could not be fetched");
        return placeholder();
    };
    let Some(kind) = sniff(&bytes) else {
        tracing::debug!(%url, "avatar is not a PNG, JPEG, GIF or WebP");
        return placeholder();
    };
    if let Some(dir) = path.parent()
        && tokio::fs::create_dir_all(dir).await.is_ok()
    {
        // Written aside and renamed, so a reader never sees half a file.
        let tmp = path.with_extension("part");
        if tokio::fs::write(&tmp, &bytes).await.is_ok() {
            let _ = tokio::fs::rename(&tmp, &path).await;
        }
    }
    image(bytes, kind)
}

/// `GET /media/avatars/local/<sha256>`: a local person's avatar (content-addressed, so it can be
/// cached for good).
pub async fn local_avatar(State(state): State<AppState>, Path(hash): Path<String>) -> Response {
    if hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = state
        .config()
        .data_dir
        .join("avatars")
        .join("local")
        .join(&hash);
    match tokio::fs::read(&path).await {
        Ok(bytes) => match sniff(&bytes) {
            Some(kind) => {
                let mut resp = image(bytes, kind);
                resp.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                );
                resp
            }
            None => StatusCode::NOT_FOUND.into_response(),
        },
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a..."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"<html>"), None);
    }
}
