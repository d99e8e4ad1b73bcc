package io.github.ossdirect

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.withTimeout
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger

/** Reader sources: the app's reader called off the caller's thread, and its exceptions as typed errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class SourcesTest {
    private val dev = DevStack.start()
    private val small = TransferOptions(partSize = 1L * MIB, parallel = 2, multipartThreshold = 1L * MIB)
    private val identity = UploadSource.SourceIdentity("photos://asset/42", "v1")

    @AfterAll
    fun stop() = dev.close()

    @Test
    fun `a reader source uploads in parts read at their offsets`() = blocking {
        val data = ByteArray(3 * MIB + 17) { (it % 251).toByte() }
        val calls = AtomicInteger()
        val caller = Thread.currentThread()
        val reader = UploadSource.RandomAccessReader { offset, length ->
            calls.incrementAndGet()
            check(Thread.currentThread() != caller) { "called on the caller's thread" }
            val start = offset.toInt().coerceAtMost(data.size)
            data.copyOfRange(start, (start + length).coerceAtMost(data.size))
        }
        OssClient(dev.config(), dev.userCredentials()).use { alice ->
            val key = "users/alice/reader.bin"
            val source = UploadSource.Reader(data.size.toLong(), identity, reader)
            dev.addFaults("op=UploadPart,kind=status,status=503,nth=1")
            val transfer = alice.upload(UploadRequest(dev.bucket, key, source, options = small))
            val result = try {
                transfer.await()
            } finally {
                dev.clearFaults()
            }
            assertEquals(4, result.parts)
            // The events: every part finished, and the refused one was retried, with why.
            val events = withTimeout(5_000) { transfer.events.take(5).toList() }
            val finished = events.filterIsInstance<TransferEvent.PartFinished>().map { it.number }.sorted()
            assertEquals(listOf(1, 2, 3, 4), finished, "$events")
            // The 503 answer, or the broken pipe of a body the server stopped reading early.
            assertTrue(events.any { it is TransferEvent.Retrying && it.attempt == 1 }, "$events")
            assertTrue(calls.get() >= 4, "reads: ${calls.get()}")
            assertArrayEquals(data, alice.getObject(dev.bucket, key))
        }
    }

    @Test
    fun `a reader that throws fails the upload with an I-O error`() = blocking {
        val reader = UploadSource.RandomAccessReader { _, _ -> throw IOException("the gallery said no") }
        OssClient(dev.config(), dev.userCredentials()).use { alice ->
            val source = UploadSource.Reader(2L * MIB, identity, reader)
            val e = assertThrows<OssException.Io> {
                alice.upload(UploadRequest(dev.bucket, "users/alice/throws.bin", source, options = small)).await()
            }
            assertTrue(e.message!!.contains("the gallery said no"), e.message)
        }
    }
}
