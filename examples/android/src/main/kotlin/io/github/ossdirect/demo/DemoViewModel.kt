package io.github.ossdirect.demo

import io.github.ossdirect.CredentialsSource
import io.github.ossdirect.DownloadRequest
import io.github.ossdirect.NetworkMonitor
import io.github.ossdirect.OssClient
import io.github.ossdirect.OssConfig
import io.github.ossdirect.OssException
import io.github.ossdirect.Transfer
import io.github.ossdirect.TransferKind
import io.github.ossdirect.TransferProgress
import io.github.ossdirect.TransferRecord
import io.github.ossdirect.TransferResult
import io.github.ossdirect.TransferState
import io.github.ossdirect.UploadRequest
import io.github.ossdirect.UploadSource
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.io.File
import kotlin.time.Duration.Companion.hours

/** The result of a download-back check of a finished upload. */
sealed interface CheckResult {
    /** Downloading. */
    data object Checking : CheckResult

    /** The object read back has the uploaded size and CRC-64. */
    data class Matches(val size: Long, val crc64: ULong?) : CheckResult

    /** It does not (or could not be read): [reason]. */
    data class Differs(val reason: String) : CheckResult
}

/**
 * One row of the transfer list.
 *
 * @property bytesPerSecond the recent rate (0 when not moving).
 * @property etaSeconds the time left at that rate, `null` when unknown.
 * @property link a presigned GET URL of a finished upload, once asked for.
 */
data class TransferItem(
    val id: String,
    val name: String,
    val key: String,
    val kind: TransferKind,
    val state: TransferState,
    val bytesPerSecond: Double = 0.0,
    val etaSeconds: Long? = null,
    val link: String? = null,
    val check: CheckResult? = null,
) {
    /** `12.5 / 40.0 MiB · 3.2 MiB/s · 11 s left`, or the state's word. */
    val summary: String
        get() {
            val p = state.progress
            val mib = { b: Long -> "%.1f".format(b / 1048576.0) }
            val size = if (p.bytesTotal > 0) "${mib(p.bytesDone)} / ${mib(p.bytesTotal)} MiB" else "${mib(p.bytesDone)} MiB"
            return when (state) {
                is TransferState.Running -> buildString {
                    append(size)
                    if (bytesPerSecond > 0) append(" · ${mib(bytesPerSecond.toLong())} MiB/s")
                    etaSeconds?.let { append(" · $it s left") }
                }
                is TransferState.Queued -> "queued · $size"
                is TransferState.Paused -> "paused · $size"
                is TransferState.WaitingForNetwork -> "waiting for the network · $size"
                is TransferState.Completed -> "done · ${mib(state.result.size)} MiB"
                is TransferState.Failed -> "failed: ${state.error.message}"
                is TransferState.Cancelled -> "cancelled"
            }
        }
}

/**
 * Everything the demo's screen shows.
 *
 * @property message the last notice (an error, a copied link), `null` when none.
 */
data class DemoUiState(
    val settings: DemoSettings,
    val transfers: List<TransferItem> = emptyList(),
    val message: String? = null,
)

/**
 * The demo app's logic, without Android types, so it runs and is tested on the JVM: settings, uploads with
 * progress, rate and ETA, pause/resume/cancel, transfers restored after process death, presigned links and a
 * download-back check. The Android `Activity` only renders [state] and forwards taps; the `Application` owns
 * the view model so transfers outlive the `Activity`.
 *
 * Credentials come from the app server's token endpoint with the user's bearer token; the SDK refreshes
 * them before they expire, so token refresh is invisible here.
 *
 * @param checkpointDir where transfers keep their checkpoints (Android: under `noBackupFilesDir`).
 * @param scratchDir where download-back checks write (Android: the cache directory).
 * @param scope the scope of the view model's work (Android: the application's, on the main thread).
 * @param networkMonitor makes transfers wait for the network and resume (Android: `ConnectivityNetworkMonitor`).
 * @param nanoTime the clock of rate and ETA.
 */
class DemoViewModel(
    private val store: SettingsStore,
    private val checkpointDir: File,
    private val scratchDir: File,
    private val scope: CoroutineScope,
    private val networkMonitor: NetworkMonitor? = null,
    private val nanoTime: () -> Long = System::nanoTime,
) : AutoCloseable {
    private val mutableState = MutableStateFlow(DemoUiState(store.load()))

    /** What the screen shows. */
    val state: StateFlow<DemoUiState> = mutableState.asStateFlow()

    private val mutableBusy = MutableStateFlow(false)

    /** Whether any transfer is moving or waiting to: the app keeps a foreground service while it is. */
    val busy: StateFlow<Boolean> = mutableBusy.asStateFlow()

    private var client: OssClient? = null
    private val transfers = LinkedHashMap<String, Transfer>()
    private val results = HashMap<String, TransferResult>()
    private val watchers = HashMap<String, Job>()

    /** Saves new settings; the next transfers use them (running ones are paused and resumed with them). */
    fun saveSettings(settings: DemoSettings) {
        store.save(settings)
        mutableState.update { it.copy(settings = settings, message = "settings saved") }
        val old = synchronized(this) { client.also { client = null } }
        if (old != null) {
            old.close()
            start()
        }
    }

    private fun clientOrNull(): OssClient? = synchronized(this) {
        client ?: run {
            val s = mutableState.value.settings
            if (!s.complete) return null
            val credentials = CredentialsSource.tokenEndpoint(
                s.tokenUrl, headers = mapOf("Authorization" to "Bearer ${s.bearerToken}"),
            )
            val config = OssConfig(
                region = s.region,
                endpoint = s.endpoint.ifBlank { null },
                signatureVersion = s.signatureVersion,
                checkpointDir = checkpointDir,
                networkMonitor = networkMonitor,
                userAgentSuffix = "ossdirect-demo/0.1",
            )
            OssClient(config, credentials).also { client = it }
        }
    }

    /**
     * Shows and resumes the transfers an earlier process left unfinished (call it at start). [sourceFor]
     * gives an upload's source again when it was not a file (the Android app reopens its `content://` URI).
     */
    fun start(sourceFor: (TransferRecord) -> UploadSource? = { null }) {
        val c = clientOrNull() ?: return
        scope.launch {
            try {
                for (record in c.pendingTransfers()) {
                    if (record.id in transfers) continue
                    if (record.problem != null) {
                        c.discard(record)
                        continue
                    }
                    val source = try {
                        sourceFor(record)
                    } catch (e: Exception) {
                        notice("${record.key}: its file is gone (${e.message}); dropped")
                        c.discard(record)
                        continue
                    }
                    track(c.resume(record, source), record.key.substringAfterLast('/'), record.key)
                }
            } catch (e: OssException) {
                notice("could not restore transfers: ${e.message}")
            }
        }
    }

    /** Starts uploading [source] as [name] under the prefix; returns the transfer's id (or `null`). */
    fun upload(name: String, source: UploadSource): String? = upload(name) { source }

    /**
     * Starts uploading the source [open] makes as [name]; returns the transfer's id (or `null`). [open] is called
     * only once the settings are complete, so nothing is opened (a document's descriptor, its permission) for an
     * upload that cannot start.
     */
    fun upload(name: String, open: () -> UploadSource): String? {
        val c = clientOrNull() ?: run {
            notice("fill in the settings first")
            return null
        }
        val s = mutableState.value.settings
        val key = s.keyFor(name)
        return try {
            val transfer = c.upload(UploadRequest(s.bucket, key, open()))
            track(transfer, name, key)
            transfer.id
        } catch (e: OssException) {
            notice("$name: ${e.message}")
            null
        }
    }

    private fun track(transfer: Transfer, name: String, key: String) {
        synchronized(this) { transfers[transfer.id] = transfer }
        val meter = RateMeter(nanoTime)
        val item = TransferItem(transfer.id, name, key, transfer.kind, transfer.state.value)
        mutableState.update { ui -> ui.copy(transfers = ui.transfers.filter { it.id != item.id } + item) }
        watchers[transfer.id]?.cancel()
        watchers[transfer.id] = scope.launch {
            transfer.state.collect { s ->
                val (rate, eta) = meter.sample(s)
                if (s is TransferState.Completed) results[transfer.id] = s.result
                edit(transfer.id) { it.copy(state = s, bytesPerSecond = rate, etaSeconds = eta) }
                refreshBusy()
            }
        }
        refreshBusy()
    }

    private fun refreshBusy() {
        mutableBusy.value = mutableState.value.transfers.any {
            it.state is TransferState.Running || it.state is TransferState.Queued ||
                it.state is TransferState.WaitingForNetwork
        }
    }

    private fun edit(id: String, change: (TransferItem) -> TransferItem) =
        mutableState.update { ui -> ui.copy(transfers = ui.transfers.map { if (it.id == id) change(it) else it }) }

    private fun notice(text: String) = mutableState.update { it.copy(message = text) }

    /** Pauses a transfer. */
    fun pause(id: String) = transfers[id]?.pause()

    /** Resumes a paused or failed transfer. */
    fun resume(id: String) = transfers[id]?.resume()

    /** Cancels a transfer (the multipart upload is aborted) and removes it from the list. */
    fun cancel(id: String, onCancelled: (String) -> Unit = {}) {
        val transfer = transfers[id] ?: return
        scope.launch {
            transfer.cancel()
            synchronized(this@DemoViewModel) { transfers.remove(id) }
            watchers.remove(id)?.cancel()
            mutableState.update { ui -> ui.copy(transfers = ui.transfers.filter { it.id != id }) }
            refreshBusy()
            onCancelled(id)
        }
    }

    /** Presigns a one-hour GET link to a finished upload (shown in its row, to copy or share). */
    fun shareLink(id: String) {
        val item = mutableState.value.transfers.firstOrNull { it.id == id } ?: return
        val c = clientOrNull() ?: return
        scope.launch {
            try {
                val link = c.presign("GET", mutableState.value.settings.bucket, item.key, 1.hours)
                edit(id) { it.copy(link = link.url) }
            } catch (e: OssException) {
                notice("link: ${e.message}")
            }
        }
    }

    /** Downloads a finished upload back and compares its size and CRC-64 with what was uploaded. */
    fun checkDownload(id: String) {
        val item = mutableState.value.transfers.firstOrNull { it.id == id } ?: return
        val uploaded = results[id] ?: return
        val c = clientOrNull() ?: return
        edit(id) { it.copy(check = CheckResult.Checking) }
        scope.launch {
            scratchDir.mkdirs()
            val target = File(scratchDir, "check-${id.hashCode().toUInt()}.bin")
            val check = try {
                val back = c.download(DownloadRequest(mutableState.value.settings.bucket, item.key, target)).await()
                when {
                    back.size != uploaded.size -> CheckResult.Differs("size ${back.size} != ${uploaded.size}")
                    back.crc64 != uploaded.crc64 -> CheckResult.Differs("CRC-64 ${back.crc64} != ${uploaded.crc64}")
                    else -> CheckResult.Matches(back.size, back.crc64)
                }
            } catch (e: OssException) {
                CheckResult.Differs(e.message ?: e.toString())
            } finally {
                target.delete()
            }
            edit(id) { it.copy(check = check) }
        }
    }

    /** Clears the notice once shown. */
    fun messageShown() = mutableState.update { it.copy(message = null) }

    /** Pauses every transfer (they resume at the next [start]) and releases the client. */
    override fun close() {
        synchronized(this) {
            client?.close()
            client = null
        }
        watchers.values.forEach { it.cancel() }
        watchers.clear()
    }
}

/** Rate (EWMA over progress samples) and time left. */
internal class RateMeter(private val nanoTime: () -> Long) {
    private var lastTime = 0L
    private var lastBytes = -1L
    private var rate = 0.0

    /** Feeds a state; returns (bytes per second, seconds left or `null`). */
    fun sample(state: TransferState): Pair<Double, Long?> {
        if (state !is TransferState.Running) {
            lastBytes = -1
            rate = 0.0
            return 0.0 to null
        }
        val p: TransferProgress = state.progress
        val now = nanoTime()
        if (lastBytes >= 0 && now > lastTime) {
            val instant = (p.bytesDone - lastBytes).coerceAtLeast(0) / ((now - lastTime) / 1e9)
            rate = if (rate == 0.0) instant else 0.7 * rate + 0.3 * instant
        }
        lastTime = now
        lastBytes = p.bytesDone
        val eta = if (rate > 0 && p.bytesTotal > 0) ((p.bytesTotal - p.bytesDone) / rate).toLong() else null
        return rate to eta
    }
}
