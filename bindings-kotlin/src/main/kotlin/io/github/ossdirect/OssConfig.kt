package io.github.ossdirect

import java.io.File
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import io.github.ossdirect.ffi.Addressing as FfiAddressing
import io.github.ossdirect.ffi.ClientConfig as FfiConfig
import io.github.ossdirect.ffi.SignatureVersion as FfiSignatureVersion

/** How the bucket appears in request URLs. */
enum class Addressing {
    /** Virtual-hosted (`bucket.host/key`), except for IP endpoints, which use path style. */
    Auto,

    /** `bucket.host/key`. */
    VirtualHosted,

    /** `host/bucket/key`. */
    PathStyle,

    /** A custom domain bound to one bucket: `host/key`. */
    Cname,
}

/** Which OSS signature requests carry. */
enum class SignatureVersion {
    /** V1 (HMAC-SHA1), the official mobile SDKs' default. */
    V1,

    /** V4 (HMAC-SHA256, region-scoped), the default. */
    V4,
}

/**
 * A client's settings. Only [region] is required.
 *
 * @property region the region, e.g. `cn-hangzhou`.
 * @property endpoint the endpoint URL (`https://oss-cn-hangzhou.aliyuncs.com`, `http://127.0.0.1:9000`);
 *   the region's public endpoint when `null`.
 * @property addressing how the bucket appears in URLs.
 * @property signatureVersion V1 or V4.
 * @property connectTimeout the longest wait for a connection.
 * @property readTimeout the longest wait for the next bytes of an answer: a dead network is noticed within
 *   this time, a transfer never hangs.
 * @property retryAttempts attempts per request, the first included (1 disables retries).
 * @property userAgentSuffix appended to the `User-Agent` (e.g. `MyApp/1.2`).
 * @property checkpointDir where transfers keep their checkpoints, so they resume after a pause, a failure or
 *   a process restart; transfers are not resumable without one. On Android, `OssAndroid.config` puts it
 *   under `noBackupFilesDir`.
 * @property networkMonitor when set, a transfer that fails for the network waits in
 *   [TransferState.WaitingForNetwork] and resumes by itself when the network is back.
 */
data class OssConfig(
    val region: String,
    val endpoint: String? = null,
    val addressing: Addressing = Addressing.Auto,
    val signatureVersion: SignatureVersion = SignatureVersion.V4,
    val connectTimeout: Duration = 10.seconds,
    val readTimeout: Duration = 60.seconds,
    val retryAttempts: Int = 3,
    val userAgentSuffix: String? = null,
    val checkpointDir: File? = null,
    val networkMonitor: NetworkMonitor? = null,
) {
    internal fun toFfi() = FfiConfig(
        region = region,
        endpoint = endpoint,
        addressing = when (addressing) {
            Addressing.Auto -> FfiAddressing.AUTO
            Addressing.VirtualHosted -> FfiAddressing.VIRTUAL_HOSTED
            Addressing.PathStyle -> FfiAddressing.PATH_STYLE
            Addressing.Cname -> FfiAddressing.CNAME
        },
        signatureVersion = signatureVersion.toFfi(),
        connectTimeoutMs = connectTimeout.inWholeMilliseconds.coerceAtLeast(1).toULong(),
        readTimeoutMs = readTimeout.inWholeMilliseconds.coerceAtLeast(1).toULong(),
        retryAttempts = retryAttempts.coerceAtLeast(0).toUInt(),
        userAgentSuffix = userAgentSuffix,
        checkpointDir = checkpointDir?.absolutePath,
    )
}

internal fun SignatureVersion.toFfi() = when (this) {
    SignatureVersion.V1 -> FfiSignatureVersion.V1
    SignatureVersion.V4 -> FfiSignatureVersion.V4
}

internal fun FfiSignatureVersion.toPublic() = when (this) {
    FfiSignatureVersion.V1 -> SignatureVersion.V1
    FfiSignatureVersion.V4 -> SignatureVersion.V4
}
