//! What every request handler shares.

use std::sync::Arc;

use crate::auth::Authenticator;
use crate::metrics::Metrics;
use crate::policy::PolicyTemplate;
use crate::rate_limit::UserRateLimiter;
use crate::signing::SigningRules;
use crate::vend::Vendor;

/// The server's shared state.
#[derive(Debug)]
pub struct AppState {
    /// Turns requests into user ids.
    pub auth: Authenticator,
    /// Builds each user's session policy.
    pub policy: PolicyTemplate,
    /// Hands out credentials.
    pub vendor: Vendor,
    /// The per-user rate limit.
    pub limiter: UserRateLimiter,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The rules of `POST /sign`; `None` when remote signing is off.
    pub signing: Option<SigningRules>,
}
