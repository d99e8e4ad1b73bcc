package io.github.ossdirect

import io.github.ossdirect.ffi.LogLevel as FfiLevel
import io.github.ossdirect.ffi.Logger as FfiLogger

/** Severity of an SDK log line. */
enum class LogLevel {
    /** Everything, including per-request detail. */
    Trace,

    /** Diagnostic detail. */
    Debug,

    /** Notable events (retries, credential refreshes). */
    Info,

    /** Something went wrong but was handled. */
    Warn,

    /** Something failed. */
    Error,
}

/** Receives the SDK's log lines, on SDK threads: keep it short and thread-safe. */
fun interface OssLogger {
    /** One line: its [level], the module it came from ([target]) and the message with its fields. */
    fun log(level: LogLevel, target: String, message: String)
}

/** The SDK's process-wide settings. */
object Ossdirect {
    init {
        CallbackThreads.ensure()
    }

    /**
     * Sends the SDK's log lines at [level] and above to [logger], replacing any logger set before.
     * Secrets (keys, tokens, signatures) are never logged; other libraries' lines come only from `Warn` up.
     * On Android, `LogcatLogger` writes to Logcat.
     */
    @JvmStatic
    fun setLogger(level: LogLevel = LogLevel.Info, logger: OssLogger) {
        val adapter = object : FfiLogger {
            override fun log(level: FfiLevel, target: String, message: String) {
                logger.log(level.toPublic(), target, message)
            }
        }
        io.github.ossdirect.ffi.setLogger(adapter, level.toFfi())
    }
}

private fun LogLevel.toFfi() = when (this) {
    LogLevel.Trace -> FfiLevel.TRACE
    LogLevel.Debug -> FfiLevel.DEBUG
    LogLevel.Info -> FfiLevel.INFO
    LogLevel.Warn -> FfiLevel.WARN
    LogLevel.Error -> FfiLevel.ERROR
}

private fun FfiLevel.toPublic() = when (this) {
    FfiLevel.TRACE -> LogLevel.Trace
    FfiLevel.DEBUG -> LogLevel.Debug
    FfiLevel.INFO -> LogLevel.Info
    FfiLevel.WARN -> LogLevel.Warn
    FfiLevel.ERROR -> LogLevel.Error
}
