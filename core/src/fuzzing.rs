//! Entry points for the fuzz targets (feature `fuzzing`, used by `fuzz/`): each parser of bytes
//! from the network or the disk, fed arbitrary input. They must never panic. Not a stable API.

use reqwest::header::HeaderMap;

use crate::client::{Addressing, Endpoint};
use crate::transfer::upload::reconcile::{classify, local_match, Listed};
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

/// A resume's reconciliation: an upload checkpoint and the server's ListParts page for it
/// (split at the first NUL byte). Every listed part of a valid checkpoint is classified as a
/// resume does; a part to compare must lie inside the source.
pub fn reconcile(data: &[u8]) {
    let (checkpoint_bytes, page) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(Ok(cp)) = checkpoint::parse::<UploadCheckpoint>(checkpoint_bytes) else {
        return;
    };
    if cp.check().is_err() {
        return;
    }
    let Ok((parts, _next)) = crate::api::multipart::parse_parts_page(page) else {
        return;
    };
    let size = cp.source.size;
    for part in &parts {
        if let Listed::CompareLocal { offset, len } = classify(part, size, cp.part_size, &cp.parts)
        {
            assert!(
                offset
                    .checked_add(len as u64)
                    .is_some_and(|end| end <= size),
                "part {} compared at {offset}+{len}, beyond the source's {size} bytes",
                part.part_number
            );
            if len <= 64 * 1024 {
                let _ = local_match(part, &vec![0; len]);
            }
        }
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
