//! XML helpers for response documents.

use serde::de::DeserializeOwned;

use crate::error::{Detail, Error, Result};

/// Parses a response document.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let text = std::str::from_utf8(body).map_err(|e| {
        Error::InvalidResponse(Detail::caused_by(
            format!("{what}: body is not UTF-8"),
            std::sync::Arc::new(e),
        ))
    })?;
    quick_xml::de::from_str(text).map_err(|e| Error::InvalidResponse(Detail::context(what, e)))
}

/// Decodes a value returned with `encoding-type=url`.
pub(crate) fn url_decoded(value: &str, encoded: bool) -> String {
    if encoded {
        percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .into_owned()
    } else {
        value.to_owned()
    }
}

/// Escapes text for an XML element.
pub(crate) fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}
