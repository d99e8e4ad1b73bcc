package io.github.ossdirect.demo

import io.github.ossdirect.DevStack
import io.github.ossdirect.ManualNetworkMonitor
import io.github.ossdirect.TransferState
import io.github.ossdirect.UploadSource
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import java.io.File
import java.net.URI
import java.nio.file.Files
import kotlin.random.Random
import kotlin.time.Duration.Companion.seconds

/** The demo app's logic against a real `ossdirect dev`: what its screen does, without Android. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class DemoViewModelTest {
    private val dev = DevStack.start()
    private val dir = Files.createTempDirectory("ossdirect-demo").toFile()

    @AfterAll
    fun stop() {
        dev.close()
        dir.deleteRecursively()
    }

    private fun settings(prefix: String = "users/alice/demo/") = DemoSettings(
        tokenUrl = dev.tokenUrl,
        bearerToken = dev.bearer("alice"),
        endpoint = dev.ossEndpoint,
        region = dev.region,
        bucket = dev.bucket,
        prefix = prefix,
    )

    private fun file(name: String, size: Int) = File(dir, name).apply { writeBytes(Random(size).nextBytes(size)) }

    private fun model(scope: CoroutineScope, name: String, monitor: ManualNetworkMonitor? = null) = DemoViewModel(
        store = FileSettingsStore(File(dir, "$name/settings.properties")),
        checkpointDir = File(dir, "$name/checkpoints"),
        scratchDir = File(dir, "$name/scratch"),
        scope = scope,
        networkMonitor = monitor,
    )

    private fun <T> withScope(block: suspend CoroutineScope.(CoroutineScope) -> T): T = runBlocking {
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            withTimeout(120.seconds) { block(scope) }
        } finally {
            scope.cancel()
        }
    }

    private suspend fun DemoViewModel.item(id: String, until: (TransferState) -> Boolean) =
        state.first { ui -> ui.transfers.any { it.id == id && until(it.state) } }.transfers.first { it.id == id }

    @Test
    fun `settings persist, an upload shows progress and rate, the link works, the download-back check matches`() =
        withScope { scope ->
            model(scope, "a").use { vm ->
                assertEquals(false, vm.state.value.settings.complete)
                assertEquals(null, vm.upload("x", UploadSource.Bytes(byteArrayOf(1))), "no upload without settings")
                assertEquals(
                    null,
                    vm.upload("y") { error("a source was opened for an upload that cannot start") },
                    "nothing opened without settings",
                )
                vm.saveSettings(settings())
                assertEquals(settings(), FileSettingsStore(File(dir, "a/settings.properties")).load())

                dev.addFaults("op=UploadPart,kind=delay,ms=100")
                val source = file("photo.jpg", 20 * 1024 * 1024 + 5)
                val id = vm.upload("photo.jpg", UploadSource.File(source))!!
                val running = vm.item(id) { it is TransferState.Running && it.progress.bytesDone > 0 }
                assertEquals("users/alice/demo/photo.jpg", running.key)
                val moving = vm.state.first { ui ->
                    ui.transfers.single { it.id == id }.let { it.bytesPerSecond > 0 || it.state.isTerminal }
                }.transfers.single { it.id == id }
                assertTrue(moving.state.isTerminal || moving.etaSeconds != null, "rate and ETA: $moving")
                assertTrue(vm.busy.value || moving.state.isTerminal)
                val done = vm.item(id) { it is TransferState.Completed }
                dev.clearFaults()
                assertTrue(done.summary.startsWith("done"), done.summary)
                assertEquals(false, vm.busy.first { !it })

                vm.shareLink(id)
                val link = vm.state.first { ui -> ui.transfers.single { it.id == id }.link != null }
                    .transfers.single { it.id == id }.link!!
                val fetched = URI(link).toURL().openStream().use { it.readBytes() }
                assertArrayEquals(source.readBytes(), fetched, "the presigned link serves the upload")

                vm.checkDownload(id)
                val check = vm.state.first { ui ->
                    ui.transfers.single { it.id == id }.check.let { it != null && it != CheckResult.Checking }
                }.transfers.single { it.id == id }.check
                assertTrue(check is CheckResult.Matches, "$check")
            }
        }

    @Test
    fun `pause, resume and cancel each transfer`() = withScope { scope ->
        model(scope, "b").use { vm ->
            vm.saveSettings(settings())
            // Parts held 1 s and five of them for `a` (four in flight): a pause after the first
            // finished part always finds the fifth still running, however fast the machine.
            dev.addFaults("op=UploadPart,kind=delay,ms=1000")
            try {
                val a = vm.upload("a.bin", UploadSource.File(file("a.bin", 40 * 1024 * 1024)))!!
                val b = vm.upload("b.bin", UploadSource.File(file("b.bin", 12 * 1024 * 1024 + 1)))!!
                vm.item(a) { it.progress.partsDone >= 1 }
                vm.pause(a)
                vm.item(a) { it is TransferState.Paused }
                vm.cancel(b)
                vm.state.first { ui -> ui.transfers.none { it.id == b } }
                vm.resume(a)
                vm.item(a) { it is TransferState.Completed }
                assertEquals(listOf(a), vm.state.value.transfers.map { it.id })
            } finally {
                dev.clearFaults()
            }
        }
    }

    @Test
    fun `transfers survive process death - shown and resumed at the next start`() = withScope { scope ->
        // 6 parts of 8 MiB, 4 in flight, each held 1 s: when the first is done, at least two have not
        // started, so the upload is unfinished when the process dies (parts stream quickly on an idle machine).
        val source = file("video.mp4", 48 * 1024 * 1024)
        dev.addFaults("op=UploadPart,kind=delay,ms=1000")
        val id: String
        try {
            val first = model(scope, "c")
            first.saveSettings(settings())
            id = first.upload("video.mp4", UploadSource.File(source))!!
            first.item(id) { it.progress.partsDone >= 1 }
            first.close() // the process dies: its client is gone, the checkpoint stays
        } finally {
            dev.clearFaults()
        }
        model(scope, "c").use { again ->
            again.start()
            val restored = again.item(id) { it is TransferState.Completed }
            assertEquals("users/alice/demo/video.mp4", restored.key)
            assertTrue((restored.state as TransferState.Completed).result.partsReused >= 1)
        }
    }

    /**
     * Ten parts, each held 1 s by the server: when the server goes, parts are still to send (with 10 MiB and
     * 0.2 s, the upload used to finish while the server shut down gracefully, and `WaitingForNetwork` never came).
     */
    @Test
    fun `a transfer waits for the network and resumes by itself`() = withScope { scope ->
        val network = ManualNetworkMonitor(true)
        model(scope, "d", network).use { vm ->
            vm.saveSettings(settings())
            dev.addFaults("op=UploadPart,kind=delay,ms=1000")
            val id = vm.upload("offline.bin", UploadSource.File(file("offline.bin", 80 * 1024 * 1024)))!!
            vm.item(id) { it.progress.partsDone >= 1 }
            network.set(false)
            dev.stop() // the network goes: the server is out of reach
            val waiting = try {
                withTimeout(60.seconds) { vm.item(id) { it is TransferState.WaitingForNetwork } }
            } finally {
                dev.startAgain()
            }
            assertTrue(waiting.summary.startsWith("waiting for the network"), waiting.summary)
            assertTrue(vm.busy.value, "a waiting transfer keeps the foreground service")
            network.set(true)
            val done = vm.item(id) { it is TransferState.Completed }
            assertTrue((done.state as TransferState.Completed).result.partsReused >= 1)
        }
    }
}
