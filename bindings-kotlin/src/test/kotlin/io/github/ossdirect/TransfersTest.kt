package io.github.ossdirect

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.takeWhile
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import java.io.File
import kotlin.time.Duration.Companion.seconds

/** Transfers through the Kotlin API: progress, pause, resume, cancel, restarts, faults. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class TransfersTest {
    private val dev = DevStack.start()
    private val dir = tempDir("ossdirect-transfers")

    /** 1 MiB parts, 2 in flight: many parts from small files. */
    private val small = TransferOptions(partSize = 1L * MIB, parallel = 2, multipartThreshold = 1L * MIB)

    @AfterAll
    fun stop() {
        dev.close()
        dir.deleteRecursively()
    }

    private fun checkpoints(name: String) = File(dir, "checkpoints-$name").apply { mkdirs() }

    /** Slows every part down so a test can act mid-upload. */
    private fun slowParts(ms: Int = 150) = dev.addFaults("op=UploadPart,kind=delay,ms=$ms")

    @Test
    fun `a multipart upload reports monotone progress and ends Completed at the size`() = blocking {
        val file = patternFile(dir, "progress.bin", 12 * MIB + 123, 1)
        OssClient(dev.config(), dev.userCredentials()).use { alice ->
            val transfer = alice.upload(
                UploadRequest(dev.bucket, "users/alice/progress.bin", UploadSource.File(file), options = small),
            )
            val states = async(start = CoroutineStart.UNDISPATCHED) {
                transfer.state.takeWhile { !it.isTerminal }.toList()
            }
            val result = transfer.await()
            val seen = states.await()
            assertEquals(file.length(), result.size)
            assertEquals(13, result.parts)
            val done = seen.map { it.progress.bytesDone }
            assertEquals(done.sorted(), done, "progress never goes back: $done")
            assertTrue(seen.any { it is TransferState.Running }, "$seen")
            val end = transfer.state.value
            assertTrue(end is TransferState.Completed, "$end")
            assertEquals(file.length(), end.progress.bytesDone)
            assertEquals(file.length(), end.progress.bytesTotal)
            assertEquals(1.0, end.progress.fraction)
            assertArrayEquals(file.readBytes(), alice.getObject(dev.bucket, "users/alice/progress.bin"))
        }
    }

    @Test
    fun `pause then resume finishes without sending finished parts again`() = blocking(90.seconds) {
        val file = patternFile(dir, "pause.bin", 10 * MIB, 2)
        slowParts()
        try {
            OssClient(dev.config(checkpointDir = checkpoints("pause")), dev.userCredentials()).use { alice ->
                val t = alice.upload(
                    UploadRequest(dev.bucket, "users/alice/pause.bin", UploadSource.File(file), options = small),
                )
                t.state.first { it.progress.partsDone >= 3 }
                t.pause()
                val paused = withTimeout(5.seconds) { t.state.first { it is TransferState.Paused } }
                dev.resetStats()
                t.resume()
                val result = t.await()
                assertTrue(result.partsReused >= paused.progress.partsDone, "$result after $paused")
                assertTrue(dev.count("UploadPart") <= 10 - paused.progress.partsDone, "parts sent again")
                assertArrayEquals(file.readBytes(), alice.getObject(dev.bucket, "users/alice/pause.bin"))
            }
        } finally {
            dev.clearFaults()
        }
    }

    @Test
    fun `cancelling the coroutine that awaits pauses the upload, which resumes later`() = blocking(90.seconds) {
        val file = patternFile(dir, "coroutine.bin", 10 * MIB, 3)
        slowParts()
        try {
            OssClient(dev.config(checkpointDir = checkpoints("coroutine")), dev.userCredentials()).use { alice ->
                val before = dev.multipartUploadsOnServer().toSet()
                val t = alice.upload(
                    UploadRequest(dev.bucket, "users/alice/coroutine.bin", UploadSource.File(file), options = small),
                )
                val waiter = launch { t.await() }
                t.state.first { it.progress.partsDone >= 2 }
                waiter.cancelAndJoin()
                val paused = withTimeout(5.seconds) { t.state.first { it is TransferState.Paused } }
                assertTrue(paused.progress.partsDone >= 2)
                // Nothing lost: the checkpoint is there and the multipart upload too.
                assertEquals(1, (dev.multipartUploadsOnServer().toSet() - before).size, "the multipart upload stays")
                t.resume()
                val result = t.await()
                assertTrue(result.partsReused >= 2, "$result")
                assertArrayEquals(file.readBytes(), alice.getObject(dev.bucket, "users/alice/coroutine.bin"))
            }
        } finally {
            dev.clearFaults()
        }
    }

    @Test
    fun `cancel aborts the multipart upload and forgets the checkpoint`() = blocking(90.seconds) {
        val file = patternFile(dir, "cancel.bin", 10 * MIB, 4)
        val checkpoints = checkpoints("cancel")
        slowParts()
        try {
            OssClient(dev.config(checkpointDir = checkpoints), dev.userCredentials()).use { alice ->
                val before = dev.multipartUploadsOnServer().toSet()
                val t = alice.upload(
                    UploadRequest(dev.bucket, "users/alice/cancel.bin", UploadSource.File(file), options = small),
                )
                t.state.first { it.progress.partsDone >= 2 }
                assertEquals(1, (dev.multipartUploadsOnServer().toSet() - before).size)
                t.cancel()
                assertEquals(TransferState.Cancelled, t.state.value)
                assertThrows<OssException.Cancelled> { t.await() }
                assertEquals(before, dev.multipartUploadsOnServer().toSet(), "no multipart upload is left")
                assertEquals(emptyList<TransferRecord>(), alice.pendingTransfers())
                val missing = assertThrows<OssException.Service> { alice.headObject(dev.bucket, "users/alice/cancel.bin") }
                assertEquals(404, missing.status)
            }
        } finally {
            dev.clearFaults()
        }
    }

    @Test
    fun `a new client after close finds the transfer in pendingTransfers and finishes it`() = blocking(90.seconds) {
        val file = patternFile(dir, "restart.bin", 10 * MIB, 5)
        val checkpoints = checkpoints("restart")
        slowParts()
        val id: String
        try {
            val first = OssClient(dev.config(checkpointDir = checkpoints), dev.userCredentials())
            val t = first.upload(
                UploadRequest(dev.bucket, "users/alice/restart.bin", UploadSource.File(file), options = small),
            )
            id = t.id
            val waiter = async { runCatching { t.await() } }
            t.state.first { it.progress.partsDone >= 3 }
            first.close()
            assertTrue(waiter.await().exceptionOrNull() is OssException.Paused, "an awaiter of a closed client")
            assertTrue(t.state.value is TransferState.Paused, "${t.state.value}")
        } finally {
            dev.clearFaults()
        }
        OssClient(dev.config(checkpointDir = checkpoints), dev.userCredentials()).use { second ->
            val pending = second.pendingTransfers()
            assertEquals(listOf(id), pending.map { it.id })
            val record = pending.single()
            assertEquals(TransferKind.Upload, record.kind)
            assertEquals("users/alice/restart.bin", record.key)
            assertEquals(file.length(), record.totalBytes)
            assertTrue(record.bytesDone >= 3L * MIB, "$record")
            val result = second.resume(record).await()
            assertTrue(result.partsReused >= 3, "$result")
            assertEquals(emptyList<TransferRecord>(), second.pendingTransfers())
            assertArrayEquals(file.readBytes(), second.getObject(dev.bucket, "users/alice/restart.bin"))
        }
    }

    /** A download paused and resumed, then one left pending that a new client lists and discards. */
    @Test
    fun `a download is resumable and verified, and discard forgets a pending one`() = blocking(90.seconds) {
        val data = pattern(6 * MIB + 7, 6)
        val checkpoints = checkpoints("download")
        OssClient(dev.config(checkpointDir = checkpoints), dev.userCredentials()).use { alice ->
            val source = File(dir, "dl-source.bin").apply { writeBytes(data) }
            alice.upload(UploadRequest(dev.bucket, "users/alice/dl.bin", UploadSource.File(source), options = small))
                .await()
            dev.addFaults("op=GetObject,kind=delay,ms=150")
            try {
                val target = File(dir, "dl.bin")
                val t = alice.download(DownloadRequest(dev.bucket, "users/alice/dl.bin", target, small))
                t.state.first { it.progress.partsDone >= 2 }
                t.pause()
                t.state.first { it is TransferState.Paused }
                assertTrue(!target.exists(), "the target appears only when complete")
                t.resume()
                val result = t.await()
                assertEquals(TransferKind.Download, result.kind)
                assertArrayEquals(data, target.readBytes())

                val other = alice.download(DownloadRequest(dev.bucket, "users/alice/dl.bin", File(dir, "dl2.bin"), small))
                other.state.first { it.progress.partsDone >= 1 }
                other.pause()
                other.state.first { it is TransferState.Paused }
            } finally {
                dev.clearFaults()
            }
        }
        OssClient(dev.config(checkpointDir = checkpoints), dev.userCredentials()).use { again ->
            val pending = again.pendingTransfers()
            assertEquals(listOf(TransferKind.Download), pending.map { it.kind })
            again.discard(pending.single())
            assertEquals(emptyList<TransferRecord>(), again.pendingTransfers())
        }
    }

    @Test
    fun `a part corrupted in transit is retried and the object is intact`() = blocking(90.seconds) {
        val file = patternFile(dir, "corrupt-part.bin", 4 * MIB, 8)
        OssClient(dev.config(), dev.userCredentials()).use { alice ->
            dev.addFaults("op=UploadPart,kind=corrupt,nth=2")
            try {
                val t = alice.upload(
                    UploadRequest(dev.bucket, "users/alice/corrupt-part.bin", UploadSource.File(file), options = small),
                )
                try {
                    t.await()
                } catch (e: OssException.Integrity) {
                    // Reported rather than retried: acceptable, and then resumable.
                    t.resume()
                    t.await()
                }
            } finally {
                dev.clearFaults()
            }
            assertArrayEquals(file.readBytes(), alice.getObject(dev.bucket, "users/alice/corrupt-part.bin"))
        }
    }
}
