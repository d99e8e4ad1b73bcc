package io.github.ossdirect

import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.io.File
import kotlin.time.Duration.Companion.seconds

/** The server going away mid-upload: a Network failure, then a resume once it is back. */
@Timeout(180)
class NetworkTest {
    private val dev = DevStack.start()
    private val dir = tempDir("ossdirect-network")
    private val small = TransferOptions(partSize = 1L * MIB, parallel = 2, multipartThreshold = 1L * MIB)

    @AfterEach
    fun stop() {
        dev.close()
        dir.deleteRecursively()
    }

    @Test
    fun `the emulator stopped mid-upload is a Network failure, resumed after it restarts`() = blocking(120.seconds) {
        val file = patternFile(dir, "outage.bin", 10 * MIB, 11)
        val config = dev.config(checkpointDir = File(dir, "cp"), retryAttempts = 1)
            .copy(connectTimeout = 2.seconds, readTimeout = 5.seconds)
        dev.addFaults("op=UploadPart,kind=delay,ms=200")
        OssClient(config, dev.userCredentials()).use { alice ->
            val t = alice.upload(
                UploadRequest(dev.bucket, "users/alice/outage.bin", UploadSource.File(file), options = small),
            )
            t.state.first { it.progress.partsDone >= 3 }
            dev.stop()
            val failed = withTimeout(30.seconds) { t.state.first { it.isTerminal } }
            assertTrue(failed is TransferState.Failed, "$failed")
            failed as TransferState.Failed
            assertTrue(
                failed.error is OssException.Network || failed.error is OssException.Timeout,
                "a network error: ${failed.error}",
            )
            assertTrue(failed.error.isRetryable)
            dev.startAgain()
            t.resume()
            val result = t.await()
            assertTrue(result.partsReused >= 3, "$result")
            assertArrayEquals(file.readBytes(), alice.getObject(dev.bucket, "users/alice/outage.bin"))
        }
    }

    @Test
    fun `with a network monitor it waits for the network and resumes by itself`() = blocking(120.seconds) {
        val file = patternFile(dir, "waits.bin", 10 * MIB, 12)
        val network = ManualNetworkMonitor(initiallyAvailable = true)
        val config = dev.config(checkpointDir = File(dir, "cp2"), monitor = network, retryAttempts = 1)
            .copy(connectTimeout = 2.seconds, readTimeout = 5.seconds)
        dev.addFaults("op=UploadPart,kind=delay,ms=200")
        OssClient(config, dev.userCredentials()).use { alice ->
            val t = alice.upload(
                UploadRequest(dev.bucket, "users/alice/waits.bin", UploadSource.File(file), options = small),
            )
            t.state.first { it.progress.partsDone >= 3 }
            // The device loses its network: the server is out of reach.
            network.set(false)
            dev.stop()
            val waiting = withTimeout(30.seconds) { t.state.first { it !is TransferState.Running } }
            assertTrue(waiting is TransferState.WaitingForNetwork, "$waiting")
            // It does not give up while the network is away.
            kotlinx.coroutines.delay(1500)
            assertTrue(t.state.value is TransferState.WaitingForNetwork, "${t.state.value}")
            dev.startAgain()
            dev.addFaults("op=UploadPart,kind=delay,ms=20")
            network.set(true)
            val result = t.await()
            assertTrue(result.partsReused >= 3, "$result")
            assertArrayEquals(file.readBytes(), alice.getObject(dev.bucket, "users/alice/waits.bin"))
        }
    }
}
