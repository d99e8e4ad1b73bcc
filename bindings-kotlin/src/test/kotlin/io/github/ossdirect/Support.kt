package io.github.ossdirect

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.io.File
import java.nio.file.Files
import java.security.MessageDigest
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

const val MIB = 1024 * 1024

/** Runs a test body with a bound: a hang fails the test instead of the build. */
fun blocking(timeout: Duration = 60.seconds, block: suspend CoroutineScope.() -> Unit) =
    runBlocking { withTimeout(timeout) { block() } }

/** Deterministic bytes: different seeds differ everywhere. */
fun pattern(size: Int, seed: Int): ByteArray {
    val out = ByteArray(size)
    var x = seed * 2654435761L + 12345
    for (i in 0 until size) {
        x = x * 6364136223846793005L + 1442695040888963407L
        out[i] = (x ushr 56).toByte()
    }
    return out
}

/** A file of [size] pattern bytes in [dir]. */
fun patternFile(dir: File, name: String, size: Int, seed: Int): File =
    File(dir, name).apply { writeBytes(pattern(size, seed)) }

fun sha256(bytes: ByteArray): String =
    MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }

fun tempDir(prefix: String): File = Files.createTempDirectory(prefix).toFile()

/** A demo user's credentials from the token server's `/sts-token`. */
fun DevStack.userCredentials(user: String = "alice"): CredentialsSource =
    CredentialsSource.tokenEndpoint(tokenUrl, mapOf("Authorization" to "Bearer ${bearer(user)}"))

/** The emulator's RAM user key: full access (listing, deleting), for checks and clean-up. */
fun DevStack.rootCredentials(): CredentialsSource = CredentialsSource.static(accessKeyId, accessKeySecret)

/** A configuration for this stack's emulator. */
fun DevStack.config(
    version: SignatureVersion = SignatureVersion.V4,
    checkpointDir: File? = null,
    monitor: NetworkMonitor? = null,
    retryAttempts: Int = 3,
) = OssConfig(
    region = region,
    endpoint = ossEndpoint,
    signatureVersion = version,
    checkpointDir = checkpointDir,
    networkMonitor = monitor,
    retryAttempts = retryAttempts,
    readTimeout = 20.seconds,
)

/** The multipart uploads the emulator holds for its bucket (from its data directory). */
fun DevStack.multipartUploadsOnServer(): List<String> =
    File(dataDirectory, "buckets/$bucket/uploads").listFiles()
        ?.filter { File(it, "upload.json").exists() }?.map { it.name } ?: emptyList()
