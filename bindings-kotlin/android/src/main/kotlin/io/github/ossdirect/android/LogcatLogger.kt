package io.github.ossdirect.android

import android.util.Log
import io.github.ossdirect.LogLevel
import io.github.ossdirect.OssLogger
import io.github.ossdirect.Ossdirect

/**
 * Writes the SDK's log lines to Logcat under [tag]. Install it with [install]; the SDK never logs secrets.
 */
class LogcatLogger(private val tag: String = "ossdirect") : OssLogger {
    override fun log(level: LogLevel, target: String, message: String) {
        val priority = when (level) {
            LogLevel.Trace -> Log.VERBOSE
            LogLevel.Debug -> Log.DEBUG
            LogLevel.Info -> Log.INFO
            LogLevel.Warn -> Log.WARN
            LogLevel.Error -> Log.ERROR
        }
        Log.println(priority, tag, "$target: $message")
    }

    /** Builders. */
    companion object {
        /** Sends the SDK's lines at [level] and above to Logcat. */
        @JvmStatic
        @JvmOverloads
        fun install(level: LogLevel = LogLevel.Info, tag: String = "ossdirect") {
            Ossdirect.setLogger(level, LogcatLogger(tag))
        }
    }
}
