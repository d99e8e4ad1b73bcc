//! DeleteMultipleObjects (`POST /<bucket>?delete`).

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use md5::{Digest, Md5};
use serde::Deserialize;

use super::super::error::OssError;
use super::super::xml::{maybe_encoded, Xml};
use super::multipart::malformed_xml;
use super::{receive_error, xml, Call};
use crate::storage;

/// The most keys one request may delete.
const MAX_KEYS: usize = 1000;
/// The largest request body accepted.
const MAX_BODY: usize = 2 * 1024 * 1024;

#[derive(Deserialize)]
struct DeleteDocument {
    #[serde(rename = "Quiet", default)]
    quiet: Option<bool>,
    #[serde(rename = "Object", default)]
    objects: Vec<DeleteEntry>,
}

#[derive(Deserialize)]
struct DeleteEntry {
    #[serde(rename = "Key", default)]
    key: Option<String>,
}

/// The keys to delete and whether the answer is quiet, from a body whose `Content-MD5`
/// (required) matches.
async fn read_request(call: &Call<'_>, body: Body) -> Result<(Vec<String>, bool), OssError> {
    if call.req.header("content-md5").is_none() {
        return Err(OssError::new(
            StatusCode::BAD_REQUEST,
            "MissingArgument",
            "Missing Some Required Arguments: DeleteMultipleObjects needs Content-MD5.",
        )
        .with("ArgumentName", "Content-MD5"));
    }
    let bytes = storage::read_small(body, MAX_BODY, |n| call.counters.add_bytes(n))
        .await
        .map_err(receive_error)?;
    let digest: [u8; 16] = Md5::digest(&bytes).into();
    call.check_md5(&digest)?;
    let text = std::str::from_utf8(&bytes).map_err(malformed_xml)?;
    let doc: DeleteDocument = quick_xml::de::from_str(text).map_err(malformed_xml)?;
    if doc.objects.is_empty() || doc.objects.len() > MAX_KEYS {
        return Err(malformed_xml(format!(
            "a Delete lists 1 to {MAX_KEYS} Object elements, not {}",
            doc.objects.len()
        )));
    }
    let keys = doc
        .objects
        .into_iter()
        .map(|o| o.key.filter(|k| !k.is_empty()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| malformed_xml("an Object has no Key"))?;
    Ok((keys, doc.quiet.unwrap_or(false)))
}

/// DeleteMultipleObjects: deletes up to 1000 keys (missing ones count as deleted); each needs
/// `oss:DeleteObject`, checked for all before any is deleted. The answer lists them unless
/// `Quiet` is true; `encoding-type=url` URL-encodes them.
pub(crate) async fn delete_multiple(call: &Call<'_>, body: Body) -> Result<Response, OssError> {
    let (keys, quiet) = read_request(call, body).await?;
    for key in &keys {
        call.authorize_object("oss:DeleteObject", key)?;
    }
    let bucket = call.req.bucket();
    for key in &keys {
        call.app
            .storage
            .delete_object(bucket, key)
            .await
            .map_err(|e| call.store_error(e))?;
    }
    let encode = call.req.url_encoding();
    let mut doc = Xml::new("DeleteResult");
    if encode {
        doc.elem("EncodingType", "url");
    }
    if !quiet {
        for key in &keys {
            doc.open("Deleted")
                .elem("Key", maybe_encoded(key, encode))
                .close();
        }
    }
    Ok(xml(doc.finish()))
}
