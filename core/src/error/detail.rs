//! [`Detail`]: the words of an error and the error that caused it.

use std::sync::Arc;

/// A cause shared between errors (a failed credentials fetch seen by every waiting request).
type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong, in words, and the error that caused it if there is one.
///
/// `Display` shows the words only, which already include the text of the causes, so printing an
/// [`super::Error`] is enough; [`std::error::Error::source`] gives the cause itself, e.g. the
/// HTTP stack's error behind an [`super::Error::Network`]. It reads as the message it holds
/// (`detail.contains("AccessDenied")`).
#[derive(Clone, Debug)]
pub struct Detail {
    message: String,
    cause: Option<Cause>,
}

impl Detail {
    /// A detail with no cause behind it.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            cause: None,
        }
    }

    /// `message`, caused by `cause` (shared: the same cause can stand behind several errors).
    pub fn caused_by(
        message: impl Into<String>,
        cause: Arc<impl std::error::Error + Send + Sync + 'static>,
    ) -> Self {
        Self {
            message: message.into(),
            cause: Some(cause),
        }
    }

    /// The words of `error` and of each of its causes (`a: b: c`), with `error` as the cause.
    /// For errors that hide their causes in `Display` (reqwest's), so "connection reset" is
    /// visible wherever the error is printed.
    pub fn from_error(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Self {
            message,
            cause: Some(Arc::new(error)),
        }
    }

    /// `context: error`, with `error` as the cause.
    pub fn context(
        context: impl std::fmt::Display,
        error: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: format!("{context}: {error}"),
            cause: Some(Arc::new(error)),
        }
    }

    /// The words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Detail {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

impl std::ops::Deref for Detail {
    type Target = str;

    fn deref(&self) -> &str {
        &self.message
    }
}

impl From<String> for Detail {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for Detail {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}
