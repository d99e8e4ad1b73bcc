//! `set_logger`: the SDK's `tracing` events forwarded to the app's logger (Logcat, os_log).
//! The SDK's own events come at the chosen level; other libraries' only from `Warn` up, so no
//! header or body of theirs can carry a secret into the app's log. Events and spans no one will
//! see are turned off where they are written (each call site's interest), so an app that logs at
//! `Info` pays nothing for the HTTP stack's per-read `trace!` lines.

use std::sync::{Arc, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// Severity of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Everything, including per-request detail.
    Trace,
    /// Diagnostic detail.
    Debug,
    /// Notable events (retries, refreshes).
    Info,
    /// Something went wrong but was handled.
    Warn,
    /// Something failed.
    Error,
}

/// The app's logger. Called from SDK threads; keep it short and thread-safe.
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    /// One log line: level, the module it came from, and the message with its fields.
    fn log(&self, level: LogLevel, target: String, message: String);
}

type Installed = (Arc<dyn Logger>, LogLevel);

static LOGGER: RwLock<Option<Installed>> = RwLock::new(None);
static SUBSCRIBER: OnceLock<bool> = OnceLock::new();

/// Sends the SDK's log lines at `level` and above to `logger` (replacing any logger set before).
#[uniffi::export]
pub fn set_logger(logger: Arc<dyn Logger>, level: LogLevel) {
    *LOGGER.write().unwrap_or_else(|p| p.into_inner()) = Some((logger, level));
    SUBSCRIBER.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(Forward);
        tracing::subscriber::set_global_default(subscriber).is_ok()
    });
    // Call sites already seen keep the interest they were given for the previous level.
    tracing::callsite::rebuild_interest_cache();
}

/// The installed logger's level, if one is installed.
fn installed_level() -> Option<LogLevel> {
    LOGGER
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|(_, level)| *level)
}

/// Whether events or spans with `meta` can reach the installed logger.
fn reaches_logger(meta: &Metadata<'_>) -> bool {
    installed_level().is_some_and(|min| wanted(meta.target(), level_of(meta.level()), min))
}

fn level_of(level: &Level) -> LogLevel {
    match *level {
        Level::TRACE => LogLevel::Trace,
        Level::DEBUG => LogLevel::Debug,
        Level::INFO => LogLevel::Info,
        Level::WARN => LogLevel::Warn,
        _ => LogLevel::Error,
    }
}

/// Whether an event of `target` at `level` goes to an app that asked for `wanted`.
fn wanted(target: &str, level: LogLevel, wanted: LogLevel) -> bool {
    let ours = target.starts_with("ossdirect");
    level >= wanted && (ours || level >= LogLevel::Warn)
}

struct Forward;

impl<S: Subscriber> Layer<S> for Forward {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if reaches_logger(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        reaches_logger(meta)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(match installed_level() {
            None => LevelFilter::OFF,
            Some(LogLevel::Trace) => LevelFilter::TRACE,
            Some(LogLevel::Debug) => LevelFilter::DEBUG,
            Some(LogLevel::Info) => LevelFilter::INFO,
            Some(LogLevel::Warn) => LevelFilter::WARN,
            Some(LogLevel::Error) => LevelFilter::ERROR,
        })
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let installed = LOGGER.read().unwrap_or_else(|p| p.into_inner()).clone();
        let Some((logger, min)) = installed else {
            return;
        };
        let meta = event.metadata();
        let level = level_of(meta.level());
        if !wanted(meta.target(), level, min) {
            return;
        }
        let mut text = Text::default();
        event.record(&mut text);
        let target = meta.target().to_owned();
        // A logger that throws or panics must not take the SDK down with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            logger.log(level, target, text.0)
        }));
    }
}

/// The message first, then `name=value` for the other fields.
#[derive(Default)]
struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        if field.name() == "message" {
            let rest = std::mem::take(&mut self.0);
            let _ = write!(self.0, "{value:?}{rest}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Discard;

    impl Logger for Discard {
        fn log(&self, _level: LogLevel, _target: String, _message: String) {}
    }

    /// The only test here that installs a logger (the subscriber is process-wide).
    #[test]
    fn call_sites_no_one_reads_are_turned_off_and_follow_the_level() {
        set_logger(Arc::new(Discard), LogLevel::Info);
        assert!(tracing::enabled!(target: "ossdirect::client", Level::INFO));
        assert!(!tracing::enabled!(target: "ossdirect::client", Level::DEBUG));
        assert!(!tracing::enabled!(target: "hyper::proto", Level::INFO));
        assert!(tracing::enabled!(target: "hyper::proto", Level::WARN));
        assert_eq!(LevelFilter::current(), LevelFilter::INFO);

        set_logger(Arc::new(Discard), LogLevel::Trace);
        assert!(tracing::enabled!(target: "ossdirect::client", Level::TRACE));
        assert!(!tracing::enabled!(target: "hyper::proto", Level::TRACE));
        assert_eq!(LevelFilter::current(), LevelFilter::TRACE);

        set_logger(Arc::new(Discard), LogLevel::Warn);
        assert!(!tracing::enabled!(target: "ossdirect::client", Level::TRACE));
        assert!(!tracing::enabled!(target: "ossdirect::client", Level::INFO));
        assert!(tracing::enabled!(target: "ossdirect::client", Level::WARN));
    }

    #[test]
    fn other_libraries_only_warn_and_up() {
        assert!(wanted(
            "ossdirect::client",
            LogLevel::Trace,
            LogLevel::Trace
        ));
        assert!(!wanted("hyper::proto", LogLevel::Trace, LogLevel::Trace));
        assert!(!wanted("reqwest::connect", LogLevel::Info, LogLevel::Trace));
        assert!(wanted("reqwest::connect", LogLevel::Warn, LogLevel::Trace));
        assert!(!wanted(
            "ossdirect::client",
            LogLevel::Debug,
            LogLevel::Info
        ));
    }
}
