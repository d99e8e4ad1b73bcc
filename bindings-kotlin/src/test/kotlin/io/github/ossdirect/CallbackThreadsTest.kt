package io.github.ossdirect

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import java.io.File
import java.util.Collections
import java.util.IdentityHashMap
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * The SDK's threads stay attached to the JVM between callbacks, as daemon threads: JNA's default would attach and
 * detach (a new `java.lang.Thread`) for every callback, and non-daemon attached threads would hold up a desktop
 * JVM's exit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class CallbackThreadsTest {
    private val dev = DevStack.start()

    @AfterAll
    fun stop() = dev.close()

    @Test
    fun `callbacks come on attached daemon threads that are reused`() = blocking {
        val data = ByteArray(12 * MIB) { (it % 253).toByte() }
        val calls = AtomicInteger()
        val threads = Collections.synchronizedSet(Collections.newSetFromMap(IdentityHashMap<Thread, Boolean>()))
        val names = Collections.synchronizedSet(HashSet<String>())
        val daemons = Collections.synchronizedSet(HashSet<Boolean>())
        val reader = UploadSource.RandomAccessReader { offset, length ->
            calls.incrementAndGet()
            val thread = Thread.currentThread()
            threads += thread
            names += thread.name
            daemons += thread.isDaemon
            val start = offset.toInt().coerceAtMost(data.size)
            data.copyOfRange(start, (start + length).coerceAtMost(data.size))
        }
        OssClient(dev.config(), dev.userCredentials()).use { alice ->
            val source = UploadSource.Reader(data.size.toLong(), UploadSource.SourceIdentity("test://reuse", "1"), reader)
            val options = TransferOptions(partSize = 1L * MIB, parallel = 2, multipartThreshold = 1L * MIB)
            alice.upload(UploadRequest(dev.bucket, "users/alice/threads.bin", source, options = options)).await()
            assertArrayEquals(data, alice.getObject(dev.bucket, "users/alice/threads.bin"))
        }
        assertEquals(setOf("ossdirect-callback"), names, "callback thread names")
        assertEquals(setOf(true), daemons, "callback threads are daemons")
        // Detached after every call, each call would come on a new Thread object.
        assertTrue(threads.size * 4 <= calls.get(), "${threads.size} threads for ${calls.get()} reads")
    }

    @Test
    fun `a JVM that used the SDK exits when its main returns`() {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val properties = listOf("jna.library.path", "jna.nosys", "java.library.path")
            .mapNotNull { name -> System.getProperty(name)?.let { "-D$name=$it" } }
        val command = listOf(java) + properties + listOf(
            "-cp", System.getProperty("java.class.path"), ExitProbe::class.java.name,
            dev.ossEndpoint, dev.region, dev.tokenUrl, dev.bearer("alice"), dev.bucket,
        )
        val log = File.createTempFile("exit-probe", ".log")
        try {
            val process = ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start()
            val exited = process.waitFor(60, TimeUnit.SECONDS)
            if (!exited) process.destroyForcibly()
            val output = log.readText()
            assertTrue(exited, "the JVM did not exit within 60 s of its main returning:\n$output")
            assertEquals(0, process.exitValue(), output)
            assertTrue(output.contains("uploaded"), output)
        } finally {
            log.delete()
        }
    }
}

/** A desktop program: one upload with a listener and an app reader, then main returns. */
object ExitProbe {
    /** Arguments: endpoint, region, token URL, bearer, bucket. */
    @JvmStatic
    fun main(args: Array<String>) {
        val (endpoint, region, tokenUrl, bearer, bucket) = args
        val config = OssConfig(region = region, endpoint = endpoint)
        val credentials = CredentialsSource.tokenEndpoint(tokenUrl, mapOf("Authorization" to "Bearer $bearer"))
        val data = ByteArray(3 * MIB) { it.toByte() }
        val reader = UploadSource.RandomAccessReader { offset, length ->
            val start = offset.toInt().coerceAtMost(data.size)
            data.copyOfRange(start, (start + length).coerceAtMost(data.size))
        }
        OssClient(config, credentials).use { client ->
            blocking {
                val source = UploadSource.Reader(data.size.toLong(), UploadSource.SourceIdentity("probe://1", "1"), reader)
                val options = TransferOptions(partSize = 1L * MIB, multipartThreshold = 1L * MIB)
                val result = client.upload(UploadRequest(bucket, "users/alice/exit-probe.bin", source, options = options)).await()
                println("uploaded ${result.size} bytes")
            }
        }
    }
}
