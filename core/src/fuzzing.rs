//! Entry points for the fuzz targets (feature `fuzzing`, used by `fuzz/`): each parser of bytes
//! from the network or the disk, fed arbitrary input. They must never panic. Not a stable API.

use reqwest::header::HeaderMap;

use crate::client::{Addressing, Endpoint};
use crate::transfer::{checkpoint, CheckpointCheck, DownloadCheckpoint, UploadCheckpoint};

/// A token endpoint's answer (status from the first byte: 200 or an error).
pub fn token_response(data: &[u8]) {
    let status = if data.first().is_some_and(|b| b % 2 == 0) {
        200
    } else {
        500
    };
    let _ = crate::credentials::parse_token_response(status, data);
}

/// An OSS error document.
pub fn error_xml(data: &[u8]) {
    let _ = crate::client::error_response::parse(403, &HeaderMap::new(), data);
}

/// A ListObjectsV2 page.
pub fn list_xml(data: &[u8]) {
    let _ = crate::api::list::parse_page(data);
}

/// A checkpoint file, as an upload's and as a download's, checked field by field.
pub fn checkpoint(data: &[u8]) {
    if let Ok(Ok(cp)) = checkpoint::parse::<UploadCheckpoint>(data) {
        let _ = cp.check();
    }
    if let Ok(Ok(cp)) = checkpoint::parse::<DownloadCheckpoint>(data) {
        let _ = cp.check();
    }
}

/// An endpoint as configured, and the URLs built on it.
pub fn endpoint(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(endpoint) = Endpoint::parse(text) {
        let query = [("k".to_owned(), Some("v".to_owned()))];
        for addressing in [Addressing::Auto, Addressing::PathStyle] {
            let _ = endpoint.url_for(addressing, Some("bucket"), Some("a/b c"), &query);
        }
        let _ = endpoint.may_teach_clock();
    }
}
