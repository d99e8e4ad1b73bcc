package io.github.ossdirect

import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.EnumSource
import java.io.File
import java.net.HttpURLConnection
import java.net.URI
import kotlin.time.Duration.Companion.minutes

/** Object operations through the Kotlin API against a real `ossdirect dev`, signed V1 and V4. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ObjectsTest {
    private val dev = DevStack.start()
    private val dir = tempDir("ossdirect-objects")

    @AfterAll
    fun stop() {
        dev.close()
        dir.deleteRecursively()
    }

    @ParameterizedTest
    @EnumSource(SignatureVersion::class)
    fun `put, get, head and delete, bytes and files`(version: SignatureVersion) = blocking {
        val prefix = "users/alice/objects-$version"
        OssClient(dev.config(version), dev.userCredentials()).use { alice ->
            val data = pattern(100_000, 1)
            val put = alice.putObject(
                dev.bucket, "$prefix/a.bin", data,
                PutOptions(contentType = "application/x-test", metadata = mapOf("origin" to "kotlin")),
            )
            assertTrue(put.etag.isNotEmpty())
            assertNotNull(put.crc64)
            assertArrayEquals(data, alice.getObject(dev.bucket, "$prefix/a.bin"))

            val info = alice.headObject(dev.bucket, "$prefix/a.bin")
            assertEquals(data.size.toLong(), info.size)
            assertEquals("application/x-test", info.contentType)
            assertEquals(mapOf("origin" to "kotlin"), info.metadata)
            assertEquals(put.crc64, info.crc64)

            val file = patternFile(dir, "f-$version.bin", 300_000, 2)
            alice.putObject(dev.bucket, "$prefix/f.bin", file)
            val back = File(dir, "back-$version.bin")
            val fileInfo = alice.getObject(dev.bucket, "$prefix/f.bin", back)
            assertEquals(file.length(), fileInfo.size)
            assertArrayEquals(file.readBytes(), back.readBytes())

            val missing = assertThrows<OssException.Service> { alice.headObject(dev.bucket, "$prefix/none") }
            assertEquals(404, missing.status)

            alice.deleteObject(dev.bucket, "$prefix/a.bin")
            val gone = assertThrows<OssException.Service> { alice.headObject(dev.bucket, "$prefix/a.bin") }
            assertEquals(404, gone.status)
            alice.deleteObject(dev.bucket, "$prefix/a.bin") // deleting what is gone succeeds
        }
    }

    @ParameterizedTest
    @EnumSource(SignatureVersion::class)
    fun `a demo user lists and deletes its own objects, and nobody else's`(version: SignatureVersion) = blocking {
        val mine = "users/alice/own-$version/"
        val bobs = "users/bob/own-$version/"
        OssClient(dev.config(version), dev.userCredentials("bob")).use { bob ->
            bob.putObject(dev.bucket, "${bobs}b.txt", "bob's".toByteArray())
        }
        OssClient(dev.config(version), dev.userCredentials("alice")).use { alice ->
            val keys = (0 until 5).map { "${mine}k$it.txt" }
            keys.forEach { alice.putObject(dev.bucket, it, it.toByteArray()) }
            assertEquals(keys, alice.listObjects(dev.bucket, mine, pageSize = 2).toList().map { it.key })

            alice.deleteObject(dev.bucket, keys[0])
            alice.deleteObject(dev.bucket, keys[3])
            assertEquals(
                listOf(keys[1], keys[2], keys[4]),
                alice.listObjects(dev.bucket, mine).toList().map { it.key },
            )

            // Another user's prefix and the whole bucket are AccessDenied, for listing and deleting.
            for (prefix in listOf(bobs, "users/", "")) {
                val e = assertThrows<OssException.Service> {
                    alice.listObjects(dev.bucket, prefix).toList()
                }
                assertEquals("AccessDenied", e.code, "list '$prefix'")
            }
            val e = assertThrows<OssException.Service> { alice.deleteObject(dev.bucket, "${bobs}b.txt") }
            assertEquals("AccessDenied", e.code)
        }
        OssClient(dev.config(version), dev.userCredentials("bob")).use { bob ->
            assertEquals(listOf("${bobs}b.txt"), bob.listObjects(dev.bucket, bobs).toList().map { it.key })
        }
    }

    @Test
    fun `listObjects is a flow that fetches pages as they are collected`() = blocking {
        OssClient(dev.config(), dev.rootCredentials()).use { root ->
            val keys = (0 until 25).map { "list/k%02d".format(it) }
            keys.forEach { root.putObject(dev.bucket, it, it.toByteArray()) }
            root.putObject(dev.bucket, "list-other/x", byteArrayOf(1))

            dev.resetStats()
            val all = root.listObjects(dev.bucket, "list/", pageSize = 10).toList()
            assertEquals(keys, all.map { it.key })
            assertEquals(keys.map { it.length.toLong() }, all.map { it.size })
            assertEquals(3, listCalls(), "25 keys in pages of 10")

            dev.resetStats()
            val first = root.listObjects(dev.bucket, "list/", pageSize = 10).take(5).toList()
            assertEquals(keys.take(5), first.map { it.key })
            assertEquals(1, listCalls(), "a consumer that stops early fetches no more pages")

            val folders = root.listPages(dev.bucket, "", delimiter = "/").toList()
            val prefixes = folders.flatMap { it.commonPrefixes }
            assertTrue("list/" in prefixes && "list-other/" in prefixes, "$prefixes")
        }
    }

    private fun listCalls() = dev.stats().filterKeys { it.startsWith("ListObjects") }
        .values.sumOf { (it["count"] as? Long) ?: 0L }

    @ParameterizedTest
    @EnumSource(SignatureVersion::class)
    fun `presigned GET and PUT work with a plain HTTP client`(version: SignatureVersion) = blocking {
        OssClient(dev.config(version), dev.userCredentials()).use { alice ->
            val key = "users/alice/presigned-$version.txt"
            val body = "uploaded through a presigned URL ($version)".toByteArray()
            val put = alice.presign("PUT", dev.bucket, key, 10.minutes, mapOf("Content-Type" to "text/plain"))
            assertEquals("PUT", put.method)
            assertTrue(put.expiration.isAfter(java.time.Instant.now()))
            val c = URI(put.url).toURL().openConnection() as HttpURLConnection
            c.requestMethod = "PUT"
            c.doOutput = true
            put.signedHeaders.forEach { (k, v) -> c.setRequestProperty(k, v) }
            c.setRequestProperty("Content-Type", "text/plain")
            c.outputStream.use { it.write(body) }
            assertEquals(200, c.responseCode, c.errorStream?.readBytes()?.let(::String))
            c.disconnect()

            val get = alice.presign("GET", dev.bucket, key, 10.minutes)
            val g = URI(get.url).toURL().openConnection() as HttpURLConnection
            assertEquals(200, g.responseCode)
            assertArrayEquals(body, g.inputStream.use { it.readBytes() })
            g.disconnect()
            assertArrayEquals(body, alice.getObject(dev.bucket, key))
        }
    }

    @Test
    fun `AccessDenied outside the user's prefix is a Service exception with code and request id`() = blocking {
        OssClient(dev.config(), dev.userCredentials("alice")).use { alice ->
            val e = assertThrows<OssException.Service> {
                alice.putObject(dev.bucket, "users/bob/not-alice.txt", "no".toByteArray())
            }
            assertEquals(403, e.status)
            assertEquals("AccessDenied", e.code)
            assertTrue(e.requestId.isNotEmpty(), "request id")
            assertFalse(e.isRetryable)
            assertTrue(e.message!!.contains("AccessDenied"))
        }
    }

    @Test
    fun `corrupted bytes are retried or reported as Integrity, never stored`() = blocking {
        OssClient(dev.config(), dev.userCredentials()).use { alice ->
            val data = pattern(64 * 1024, 7)
            // Upload: the first PutObject's body is damaged in transit.
            dev.addFaults("op=PutObject,kind=corrupt,nth=1")
            try {
                alice.putObject(dev.bucket, "users/alice/corrupt.bin", data)
            } catch (e: OssException.Integrity) {
                // reported: acceptable, as long as nothing wrong is kept
            } finally {
                dev.clearFaults()
            }
            // Download: the first GetObject's body is damaged in transit.
            alice.putObject(dev.bucket, "users/alice/corrupt.bin", data)
            dev.addFaults("op=GetObject,kind=corrupt,nth=1")
            try {
                val back = try {
                    alice.getObject(dev.bucket, "users/alice/corrupt.bin")
                } catch (e: OssException.Integrity) {
                    alice.getObject(dev.bucket, "users/alice/corrupt.bin")
                }
                assertArrayEquals(data, back)
            } finally {
                dev.clearFaults()
            }
            assertArrayEquals(data, alice.getObject(dev.bucket, "users/alice/corrupt.bin"))
        }
    }
}
