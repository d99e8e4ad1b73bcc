package io.github.ossdirect

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.time.Instant
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import io.github.ossdirect.ffi.CredentialsFetcher as FfiFetcher
import io.github.ossdirect.ffi.CredentialsSource as FfiSource
import io.github.ossdirect.ffi.HttpMethod as FfiHttpMethod
import io.github.ossdirect.ffi.OssException as FfiError
import io.github.ossdirect.ffi.SignatureProvider as FfiSigner
import io.github.ossdirect.ffi.SigningRequest as FfiSigningRequest
import io.github.ossdirect.ffi.SigningResult as FfiSigningResult
import io.github.ossdirect.ffi.StsCredentials as FfiStsCredentials

/**
 * A set of STS credentials, as an app's fetcher returns them.
 *
 * @property accessKeyId `AccessKeyId` (`STS.…`).
 * @property accessKeySecret `AccessKeySecret` (never printed by [toString]).
 * @property securityToken `SecurityToken`; `null` for a permanent key.
 * @property expiration when they expire; `null` when unknown (then they are refreshed hourly).
 */
class StsCredentials(
    val accessKeyId: String,
    val accessKeySecret: String,
    val securityToken: String?,
    val expiration: Instant?,
) {
    /** The key id and expiry only: the secret and the token stay out of logs. */
    override fun toString() = "StsCredentials(accessKeyId=$accessKeyId, expiration=$expiration)"

    internal fun toFfi() = FfiStsCredentials(accessKeyId, accessKeySecret, securityToken, expiration)
}

/** HTTP method of a token endpoint. */
enum class HttpMethod {
    /** GET, the official mobile SDKs' way. */
    Get,

    /** POST. */
    Post,
}

/**
 * What a remote signer is handed: the exact string to sign and the request it describes, so the signer can
 * check the request against its own policy before signing.
 *
 * @property version V1 or V4.
 * @property stringToSign the exact string to sign.
 * @property date `yyyymmdd` of the signing time (V4 keys depend on it).
 * @property region the region (V4 keys depend on it).
 * @property method the HTTP method.
 * @property bucket the bucket, if any.
 * @property key the object key, if any.
 * @property headers the headers being signed.
 * @property query the query parameters (`null` value: a valueless one such as `?uploads`).
 */
data class SigningRequest(
    val version: SignatureVersion,
    val stringToSign: String,
    val date: String,
    val region: String,
    val method: String,
    val bucket: String?,
    val key: String?,
    val headers: Map<String, String>,
    val query: Map<String, String?>,
)

/**
 * A remote signer's answer.
 *
 * @property signature V1: base64 HMAC-SHA1; V4: hex HMAC-SHA256 under the derived key.
 * @property accessKeyId the AccessKeyId the signature was made with.
 * @property securityToken the STS token the signature covers, if any.
 */
class SigningResult(val signature: String, val accessKeyId: String, val securityToken: String?) {
    /** Without the token. */
    override fun toString() = "SigningResult(accessKeyId=$accessKeyId)"
}

/**
 * Where a client's credentials come from. Build one with [static], [tokenEndpoint], [fetcher],
 * [remoteSigner] or [signingEndpoint]. One source can serve several clients, which then share its cached
 * credentials (one fetch in flight however many requests wait, refreshed in the background before expiry).
 *
 * Nothing is fetched when the source is built: the first request fetches, off the caller's thread.
 * [close] releases it once no client uses it (clients keep what they need alive).
 */
class CredentialsSource private constructor(internal val ffi: FfiSource) : AutoCloseable {
    /** Releases the native object (idempotent); clients built with it keep working. */
    override fun close() = ffi.close()

    /** Builders. */
    companion object {
        init {
            CallbackThreads.ensure()
        }

        /**
         * Fixed credentials: an STS set the app already has, or a key for tests. They are not refreshed.
         */
        @JvmStatic
        fun static(accessKeyId: String, accessKeySecret: String, securityToken: String? = null): CredentialsSource =
            CredentialsSource(FfiSource.staticCredentials(accessKeyId, accessKeySecret, securityToken))

        /**
         * The app server's token endpoint (e.g. `ossdirect-server`'s `/sts-token`): its JSON (the official
         * mobile SDKs' format, raw STS `Credentials`, or `Code: "Success"`) is fetched with [method] and
         * [headers] (the user's `Authorization`), and fetched again [refreshBefore] the expiry.
         *
         * @throws OssException.InvalidArgument for a URL that cannot be used.
         */
        @JvmStatic
        fun tokenEndpoint(
            url: String,
            headers: Map<String, String> = emptyMap(),
            method: HttpMethod = HttpMethod.Get,
            refreshBefore: Duration = 300.seconds,
            timeout: Duration = 10.seconds,
        ): CredentialsSource = ffiCall {
            CredentialsSource(
                FfiSource.tokenEndpoint(
                    url,
                    if (method == HttpMethod.Get) FfiHttpMethod.GET else FfiHttpMethod.POST,
                    headers,
                    refreshBefore.inWholeSeconds.coerceAtLeast(0).toULong(),
                    timeout.inWholeMilliseconds.coerceAtLeast(1).toULong(),
                ),
            )
        }

        /**
         * The app's own fetcher (e.g. its authenticated HTTP stack), a `suspend` function. It runs on
         * [Dispatchers.IO], never on the caller's (main) thread, at most once at a time; its credentials are
         * cached and fetched again [refreshBefore] their expiry. A fetch that throws, or takes longer than
         * [timeout], fails the requests waiting for it with [OssException.Credentials].
         */
        @JvmStatic
        fun fetcher(
            refreshBefore: Duration = 300.seconds,
            timeout: Duration = 30.seconds,
            fetch: suspend () -> StsCredentials,
        ): CredentialsSource {
            val adapter = object : FfiFetcher {
                override suspend fun fetch(): FfiStsCredentials =
                    appCallback({ FfiError.Credentials(it) }) { fetch().toFfi() }
            }
            return CredentialsSource(
                FfiSource.fetcher(
                    adapter,
                    refreshBefore.inWholeSeconds.coerceAtLeast(0).toULong(),
                    timeout.inWholeMilliseconds.coerceAtLeast(1).toULong(),
                ),
            )
        }

        /**
         * Remote signing by the app's own code: the device never holds a secret. [sign] is called for every
         * request (on [Dispatchers.IO]); a throw or a wait past [timeout] fails the request with
         * [OssException.Signing].
         */
        @JvmStatic
        fun remoteSigner(
            timeout: Duration = 30.seconds,
            sign: suspend (SigningRequest) -> SigningResult,
        ): CredentialsSource {
            val adapter = object : FfiSigner {
                override suspend fun sign(request: FfiSigningRequest): FfiSigningResult =
                    appCallback({ FfiError.Signing(it) }) {
                        val r = sign(request.toPublic())
                        FfiSigningResult(r.signature, r.accessKeyId, r.securityToken)
                    }
            }
            return CredentialsSource(
                FfiSource.remoteSigner(adapter, timeout.inWholeMilliseconds.coerceAtLeast(1).toULong()),
            )
        }

        /**
         * Remote signing by `ossdirect-server`'s `POST /sign` (or a compatible endpoint), sending [headers]
         * (the user's `Authorization`) with each call.
         *
         * @throws OssException.InvalidArgument for a URL that cannot be used.
         */
        @JvmStatic
        fun signingEndpoint(
            url: String,
            headers: Map<String, String> = emptyMap(),
            timeout: Duration = 10.seconds,
        ): CredentialsSource = ffiCall {
            CredentialsSource(
                FfiSource.signingEndpoint(url, headers, timeout.inWholeMilliseconds.coerceAtLeast(1).toULong()),
            )
        }
    }
}

/**
 * Runs app code handed to the SDK on [Dispatchers.IO]; what it throws (but a cancellation) reaches the SDK
 * as [kind] with the exception's text, or as itself when it is an [OssException].
 */
private suspend fun <T> appCallback(kind: (String) -> FfiError, block: suspend () -> T): T = try {
    withContext(Dispatchers.IO) { block() }
} catch (e: CancellationException) {
    throw e
} catch (e: Throwable) {
    throw OssException.toFfi(e, kind)
}

private fun FfiSigningRequest.toPublic() = SigningRequest(
    version = version.toPublic(),
    stringToSign = stringToSign,
    date = date,
    region = region,
    method = method,
    bucket = bucket,
    key = key,
    headers = headers,
    query = query,
)
