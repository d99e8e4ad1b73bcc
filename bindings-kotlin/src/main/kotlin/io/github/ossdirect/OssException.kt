package io.github.ossdirect

import io.github.ossdirect.ffi.OssException as FfiError

/**
 * Everything that can go wrong in an ossdirect call. A `when` over the subclasses is exhaustive.
 *
 * [isRetryable] says whether the same call may succeed later (network, timeouts, throttling, server
 * errors, expired credentials, damaged bytes); a transfer that failed with such an error can be resumed.
 */
sealed class OssException(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /** Whether trying the same thing again later may succeed. */
    open val isRetryable: Boolean get() = false

    /**
     * OSS answered with an error document.
     *
     * @property status the HTTP status.
     * @property code the OSS error code, e.g. `AccessDenied`, `NoSuchKey`.
     * @property reason the server's message.
     * @property requestId `x-oss-request-id`, for support requests.
     * @property hostId the `HostId` of the answer.
     * @property ec the detailed error code (`EC`).
     */
    class Service(
        val status: Int,
        val code: String,
        val reason: String,
        val requestId: String,
        val hostId: String,
        val ec: String,
    ) : OssException("OSS answered $status $code: $reason (request id $requestId)") {
        override val isRetryable: Boolean
            get() = status >= 500 || status == 408 || status == 429 ||
                code in setOf("RequestTimeTooSkewed", "SecurityTokenExpired", "InvalidSecurityToken")
    }

    /** The connection failed or broke (no network, server unreachable, connection reset). */
    class Network(val reason: String) : OssException("network error: $reason") {
        override val isRetryable: Boolean get() = true
    }

    /** A request took longer than its timeout. */
    class Timeout(val reason: String) : OssException("timed out: $reason") {
        override val isRetryable: Boolean get() = true
    }

    /** No usable credentials could be had: the token endpoint or the app's fetcher failed, threw or hung. */
    class Credentials(val reason: String) : OssException("credentials unavailable: $reason") {
        override val isRetryable: Boolean get() = true
    }

    /** A remote signer could not or would not sign. */
    class Signing(val reason: String) : OssException("signing failed: $reason")

    /**
     * The bytes are not what the server says they are (after the SDK's own retries).
     *
     * @property check `crc64`, `md5` or `length`.
     */
    class Integrity(val check: String, val expected: String, val actual: String) :
        OssException("$check mismatch: expected $expected, got $actual") {
        override val isRetryable: Boolean get() = true
    }

    /** An argument was rejected before anything was sent. */
    class InvalidArgument(val reason: String) : OssException("invalid argument: $reason")

    /** The server's answer could not be understood. */
    class InvalidResponse(val reason: String) : OssException("unexpected response: $reason")

    /** A local file or descriptor could not be read or written. [path] is the file when known. */
    class Io(val path: String?, val reason: String) : OssException("I/O error: $reason")

    /** The source is not what the transfer started with, so it was not resumed. */
    class SourceChanged(val reason: String) : OssException("the source changed: $reason")

    /** The transfer or call was cancelled. */
    class Cancelled : OssException("cancelled")

    /** The transfer was paused; it can be resumed. */
    class Paused : OssException("paused") {
        override val isRetryable: Boolean get() = true
    }

    /** A bug, or an unexpected error thrown by app code handed to the SDK. */
    class Internal(val reason: String, cause: Throwable? = null) : OssException("internal error: $reason", cause)

    internal companion object {
        /** The public form of a generated error. */
        fun from(e: FfiError): OssException = when (e) {
            is FfiError.Service -> Service(
                e.status.toInt(), e.code, e.reason, e.requestId, e.hostId, e.ec,
            )
            is FfiError.Network -> Network(e.reason)
            is FfiError.Timeout -> Timeout(e.reason)
            is FfiError.Credentials -> Credentials(e.reason)
            is FfiError.Signing -> Signing(e.reason)
            is FfiError.Integrity -> Integrity(e.check, e.expected, e.actual)
            is FfiError.InvalidArgument -> InvalidArgument(e.reason)
            is FfiError.InvalidResponse -> InvalidResponse(e.reason)
            is FfiError.Io -> Io(e.path, e.reason)
            is FfiError.SourceChanged -> SourceChanged(e.reason)
            is FfiError.Cancelled -> Cancelled()
            is FfiError.Paused -> Paused()
            is FfiError.Internal -> Internal(e.reason)
        }.also { it.stackTrace = e.stackTrace }

        /** The generated error for an app callback's failure (what the SDK reports for it). */
        fun toFfi(t: Throwable, kind: (String) -> FfiError): FfiError = when (t) {
            is OssException -> toFfi(t)
            else -> kind("${t::class.java.simpleName}: ${t.message}")
        }

        private fun toFfi(e: OssException): FfiError = when (e) {
            is Service -> FfiError.Service(e.status.toUShort(), e.code, e.reason, e.requestId, e.hostId, e.ec)
            is Network -> FfiError.Network(e.reason)
            is Timeout -> FfiError.Timeout(e.reason)
            is Credentials -> FfiError.Credentials(e.reason)
            is Signing -> FfiError.Signing(e.reason)
            is Integrity -> FfiError.Integrity(e.check, e.expected, e.actual)
            is InvalidArgument -> FfiError.InvalidArgument(e.reason)
            is InvalidResponse -> FfiError.InvalidResponse(e.reason)
            is Io -> FfiError.Io(e.path, e.reason)
            is SourceChanged -> FfiError.SourceChanged(e.reason)
            is Cancelled -> FfiError.Cancelled()
            is Paused -> FfiError.Paused()
            is Internal -> FfiError.Internal(e.reason)
        }
    }
}

/** Runs a generated call, turning its errors into [OssException]s. */
internal inline fun <T> ffiCall(block: () -> T): T =
    try {
        CallbackThreads.ensure()
        block()
    } catch (e: FfiError) {
        throw OssException.from(e)
    }
