package io.github.ossdirect

import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource
import java.time.Instant
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds

/** Every source of credentials, against the real token server and emulator. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class CredentialsTest {
    private val dev = DevStack.start()
    private val dir = tempDir("ossdirect-credentials")

    @AfterAll
    fun stop() {
        dev.close()
        dir.deleteRecursively()
    }

    /** alice's credentials, fetched from the token server by the test's own HTTP code. */
    private fun fetchAlice(): StsCredentials {
        val (status, body) = DevStack.http(
            "GET", dev.tokenUrl, null, mapOf("Authorization" to "Bearer ${dev.bearer("alice")}"),
        )
        check(status == 200) { "$status $body" }
        @Suppress("UNCHECKED_CAST")
        val json = Json.parse(body) as Map<String, Any?>
        return StsCredentials(
            json["AccessKeyId"] as String,
            json["AccessKeySecret"] as String,
            json["SecurityToken"] as String,
            Instant.parse(json["Expiration"] as String),
        )
    }

    @Test
    fun `token endpoint credentials expiring mid-upload are fetched again and the upload finishes`() =
        blocking(90.seconds) {
            StsTokenServer(lifetimeSeconds = 3).use { sts ->
                val credentials = CredentialsSource.tokenEndpoint(sts.url, refreshBefore = 0.seconds)
                val config = OssConfig(region = sts.region, endpoint = sts.ossEndpoint)
                OssClient(config, credentials).use { client ->
                    // 12 parts, 2 at a time, 500 ms each: about 3 s, and tokens live 3 s.
                    sts.addFaults("op=UploadPart,kind=delay,ms=500")
                    val file = patternFile(dir, "long.bin", 12 * MIB, 21)
                    val result = client.upload(
                        UploadRequest(
                            sts.bucket, "long.bin", UploadSource.File(file),
                            options = TransferOptions(partSize = 1L * MIB, parallel = 2, multipartThreshold = 1L * MIB),
                        ),
                    ).await()
                    assertEquals(file.length(), result.size)
                    assertTrue(sts.fetches.get() >= 2, "credentials were fetched again: ${sts.fetches.get()}")
                    assertArrayEquals(file.readBytes(), client.getObject(sts.bucket, "long.bin"))
                }
            }
        }

    @Test
    fun `an upload through ossdirect dev outlives its token, refreshes it and completes`() = blocking(90.seconds) {
        // Every STS credential of this stack lives 3 s. 16 parts of 1 MiB, 2 at a time, each held 700 ms by
        // the emulator before it checks the token: about 6 s, and requests signed shortly before a token
        // expires reach the check after it did.
        DevStack.start(stsMaxLifetimeSeconds = 3).use { short ->
            val credentials = CredentialsSource.tokenEndpoint(
                short.tokenUrl, mapOf("Authorization" to "Bearer ${short.bearer("alice")}"), refreshBefore = 0.seconds,
            )
            OssClient(short.config(), credentials).use { alice ->
                short.addFaults("op=UploadPart,kind=delay,ms=700")
                val file = patternFile(dir, "outlives.bin", 16 * MIB, 24)
                val assumedBefore = short.count("AssumeRole")
                val started = System.nanoTime()
                val transfer = alice.upload(
                    UploadRequest(
                        short.bucket, "users/alice/outlives.bin", UploadSource.File(file),
                        options = TransferOptions(partSize = 1L * MIB, parallel = 2, multipartThreshold = 1L * MIB),
                    ),
                )
                val events = Collections.synchronizedList(mutableListOf<TransferEvent>())
                val collector = launch { transfer.events.collect { events += it } }
                val result = transfer.await()
                delay(200)
                collector.cancel()
                val seconds = (System.nanoTime() - started) / 1e9
                assertEquals(file.length(), result.size)
                assertTrue(seconds > 3, "the upload outlived a token: $seconds s")
                assertTrue(short.count("AssumeRole") - assumedBefore >= 2, "credentials were vended again")
                assertTrue(
                    events.any { it is TransferEvent.CredentialsRefreshed },
                    "an expired token was refused and refreshed: $events",
                )
                short.clearFaults()
                assertArrayEquals(file.readBytes(), alice.getObject(short.bucket, "users/alice/outlives.bin"))
            }
        }
    }

    @Test
    fun `a Kotlin suspend fetcher supplies the credentials, off the caller's thread`() = blocking {
        val calls = AtomicInteger()
        val threads = mutableSetOf<String>()
        val caller = Thread.currentThread().name
        val source = CredentialsSource.fetcher {
            calls.incrementAndGet()
            synchronized(threads) { threads += Thread.currentThread().name }
            delay(50) // a suspend fetcher may suspend
            fetchAlice()
        }
        OssClient(dev.config(), source).use { alice ->
            repeat(5) { alice.putObject(dev.bucket, "users/alice/fetcher-$it.txt", "x".toByteArray()) }
            assertEquals("x", String(alice.getObject(dev.bucket, "users/alice/fetcher-4.txt")))
        }
        assertEquals(1, calls.get(), "cached: one fetch for five requests")
        assertFalse(caller in threads, "fetched on $threads, not on the caller's thread")
    }

    @Test
    fun `a fetcher that throws fails the request with Credentials, carrying its message`() = blocking {
        val source = CredentialsSource.fetcher { throw IllegalStateException("the app server said no") }
        OssClient(dev.config(), source).use { client ->
            val e = assertThrows<OssException.Credentials> {
                client.putObject(dev.bucket, "users/alice/never.txt", "x".toByteArray())
            }
            assertTrue(e.reason.contains("the app server said no"), e.reason)
        }
    }

    @Test
    fun `a fetcher that never returns fails the request with Credentials after its timeout`() = blocking(60.seconds) {
        val cancelled = AtomicInteger()
        val source = CredentialsSource.fetcher(timeout = 1.seconds) {
            try {
                awaitCancellation()
            } finally {
                cancelled.incrementAndGet()
            }
        }
        OssClient(dev.config(retryAttempts = 1), source).use { client ->
            val started = System.nanoTime()
            assertThrows<OssException.Credentials> {
                client.putObject(dev.bucket, "users/alice/never.txt", "x".toByteArray())
            }
            val seconds = (System.nanoTime() - started) / 1e9
            assertTrue(seconds < 20, "gave up after $seconds s")
        }
    }

    @ParameterizedTest
    @EnumSource(SignatureVersion::class)
    fun `the token server's sign endpoint signs for a device that holds no secret`(version: SignatureVersion) =
        blocking {
            val source = CredentialsSource.signingEndpoint(
                dev.signUrl, mapOf("Authorization" to "Bearer ${dev.bearer("alice")}"),
            )
            OssClient(dev.config(version), source).use { alice ->
                val data = pattern(50_000, 22)
                alice.putObject(dev.bucket, "users/alice/signed-$version.bin", data)
                assertArrayEquals(data, alice.getObject(dev.bucket, "users/alice/signed-$version.bin"))
                // A multipart upload: initiate, parts, complete are all signed remotely.
                val file = patternFile(dir, "signed-$version.bin", 3 * MIB, 23)
                alice.upload(
                    UploadRequest(
                        dev.bucket, "users/alice/signed-mp-$version.bin", UploadSource.File(file),
                        options = TransferOptions(partSize = 1L * MIB, multipartThreshold = 1L * MIB),
                    ),
                ).await()
                assertArrayEquals(file.readBytes(), alice.getObject(dev.bucket, "users/alice/signed-mp-$version.bin"))
                // Listing and deleting are signed too, inside the user's prefix.
                val prefix = "users/alice/signed-mp-$version"
                assertEquals(listOf("$prefix.bin"), alice.listObjects(dev.bucket, prefix).toList().map { it.key })
                alice.deleteObject(dev.bucket, "$prefix.bin")
                assertEquals(emptyList<String>(), alice.listObjects(dev.bucket, prefix).toList().map { it.key })
                // The server signs only inside the user's prefix: it refuses, so nothing reaches OSS.
                val e = assertThrows<OssException.Signing> {
                    alice.putObject(dev.bucket, "users/bob/signed.bin", data)
                }
                assertTrue(e.reason.contains("AccessDenied"), e.reason)
                for (outside in listOf("users/bob/", "")) {
                    val refused = assertThrows<OssException.Signing> {
                        alice.listObjects(dev.bucket, outside).toList()
                    }
                    assertTrue(refused.reason.contains("AccessDenied"), refused.reason)
                }
            }
        }

    @Test
    fun `a Kotlin remote signer forwarding to the token server's sign endpoint`() = blocking {
        val calls = AtomicInteger()
        val source = CredentialsSource.remoteSigner { request ->
            calls.incrementAndGet()
            signThroughServer(request)
        }
        OssClient(dev.config(), source).use { alice ->
            alice.putObject(dev.bucket, "users/alice/kotlin-signer.txt", "signed in Kotlin".toByteArray())
            assertEquals("signed in Kotlin", String(alice.getObject(dev.bucket, "users/alice/kotlin-signer.txt")))
        }
        assertTrue(calls.get() >= 2, "one signature per request")
    }

    @Test
    fun `a Kotlin remote signer that throws fails the request with Signing`() = blocking {
        val failing = CredentialsSource.remoteSigner { throw IllegalStateException("no signature today") }
        OssClient(dev.config(retryAttempts = 1), failing).use { client ->
            val e = assertThrows<OssException.Signing> {
                client.putObject(dev.bucket, "users/alice/unsigned.txt", "x".toByteArray())
            }
            assertTrue(e.reason.contains("no signature today"), e.reason)
        }
    }

    /** The app's own signer: POSTs the request to `/sign` with its own HTTP code. */
    private fun signThroughServer(r: SigningRequest): SigningResult {
        fun pairs(m: Map<String, String?>) = m.entries.joinToString(",", "[", "]") { (k, v) ->
            "[${Json.quote(k)},${v?.let { Json.quote(it) } ?: "null"}]"
        }
        val body = "{" + listOf(
            "\"version\":${Json.quote(if (r.version == SignatureVersion.V1) "v1" else "v4")}",
            "\"method\":${Json.quote(r.method)}",
            "\"bucket\":${Json.quote(r.bucket ?: "")}",
            "\"key\":${Json.quote(r.key ?: "")}",
            "\"query\":${pairs(r.query)}",
            "\"headers\":${pairs(r.headers)}",
            "\"string_to_sign\":${Json.quote(r.stringToSign)}",
            "\"date\":${Json.quote(r.date)}",
            "\"region\":${Json.quote(r.region)}",
        ).joinToString(",") + "}"
        val (status, answer) = DevStack.http(
            "POST", dev.signUrl, body,
            mapOf("Authorization" to "Bearer ${dev.bearer("alice")}", "Content-Type" to "application/json"),
        )
        check(status == 200) { "sign: $status $answer" }
        @Suppress("UNCHECKED_CAST")
        val json = Json.parse(answer) as Map<String, Any?>
        return SigningResult(
            json["signature"] as String,
            json["access_key_id"] as String,
            json["security_token"] as String,
        )
    }

    @Test
    fun `credentials never show in toString`() {
        val c = StsCredentials("STS.id", "very-secret", "token-value", null)
        assertFalse(c.toString().contains("very-secret"))
        assertFalse(c.toString().contains("token-value"))
        assertNotEquals("", c.toString())
    }
}
