package io.github.ossdirect

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import io.github.ossdirect.ffi.Transfer as FfiTransfer
import io.github.ossdirect.ffi.TransferEvent as FfiEvent
import io.github.ossdirect.ffi.TransferListener as FfiListener
import io.github.ossdirect.ffi.TransferSnapshot as FfiSnapshot
import io.github.ossdirect.ffi.TransferState as FfiState

/**
 * Receives the SDK's reports (on an SDK thread) and queues them for the transfer's driver coroutine, so the
 * SDK thread never waits for app code.
 */
internal class SnapshotQueue : FfiListener {
    val channel = Channel<FfiSnapshot>(Channel.UNLIMITED)

    /** The transfer's events, for [Transfer.events]; a slow collector loses the oldest, never blocks the SDK. */
    val events = MutableSharedFlow<TransferEvent>(replay = 64, onBufferOverflow = BufferOverflow.DROP_OLDEST)

    override fun onEvent(event: FfiEvent) {
        events.tryEmit(
            when (event) {
                is FfiEvent.PartFinished -> TransferEvent.PartFinished(event.number.toInt(), event.bytes.toLong())
                is FfiEvent.Retrying ->
                    TransferEvent.Retrying(event.attempt.toInt(), event.reason, event.delayMs.toLong())
                is FfiEvent.CredentialsRefreshed -> TransferEvent.CredentialsRefreshed
            },
        )
    }

    override fun onStateChanged(snapshot: FfiSnapshot) {
        channel.trySend(snapshot)
    }

    override fun onProgress(snapshot: FfiSnapshot) {
        channel.trySend(snapshot)
    }
}

/**
 * A [Transfer] over the generated one: a driver coroutine in the client's scope turns the SDK's reports into
 * [state], and waits out network failures when the client has a [NetworkMonitor].
 */
internal class TransferImpl(
    private val ffi: FfiTransfer,
    private val queue: SnapshotQueue,
    private val scope: CoroutineScope,
    private val monitor: NetworkMonitor?,
    private val onEnd: (TransferImpl) -> Unit,
) : Transfer {
    override val id: String = ffi.id()
    override val kind: TransferKind = ffi.kind().toPublic()

    private val mutableState = MutableStateFlow<TransferState>(TransferState.Queued())
    override val state: StateFlow<TransferState> = mutableState.asStateFlow()
    override val events: SharedFlow<TransferEvent> = queue.events.asSharedFlow()

    /** Set when the client was closed: awaiting stops with [OssException.Paused]. */
    private val clientClosed = MutableStateFlow(false)

    private val lock = Any()
    private var networkWait: Job? = null
    private var networkFailures = 0
    private var bytesAtFailure = -1L

    @Volatile
    private var pausedByApp = false

    private val driver: Job = scope.launch {
        for (snapshot in queue.channel) {
            handle(snapshot)
            if (mutableState.value.let { it is TransferState.Completed || it is TransferState.Cancelled }) break
        }
        onEnd(this@TransferImpl)
    }

    private suspend fun handle(s: FfiSnapshot) {
        val progress = s.progress()
        when (s.state) {
            FfiState.QUEUED -> update(TransferState.Queued(progress))
            FfiState.RUNNING -> {
                if (progress.bytesDone > bytesAtFailure) networkFailures = 0
                update(TransferState.Running(progress))
            }
            FfiState.PAUSED -> update(TransferState.Paused(progress))
            FfiState.COMPLETED -> {
                val completed = try {
                    TransferState.Completed(ffiCall { ffi.result() }.toPublic())
                } catch (e: OssException) {
                    TransferState.Failed(e, progress)
                }
                update(completed)
            }
            FfiState.CANCELLED -> update(TransferState.Cancelled)
            FfiState.FAILED -> {
                // The same failure reported again while its wait is on.
                if (mutableState.value is TransferState.WaitingForNetwork) return
                val error = s.error?.let { OssException.from(it) } ?: OssException.Internal("failed without an error")
                if (monitor != null && !pausedByApp && !clientClosed.value &&
                    (error is OssException.Network || error is OssException.Timeout) &&
                    networkFailures < MAX_NETWORK_FAILURES
                ) {
                    networkFailures++
                    bytesAtFailure = progress.bytesDone
                    update(TransferState.WaitingForNetwork(progress, error))
                    waitForNetwork(monitor, networkFailures)
                } else {
                    update(TransferState.Failed(error, progress))
                }
            }
        }
    }

    /** Sets the state unless the transfer already ended for good. */
    private fun update(next: TransferState) {
        synchronized(lock) {
            val current = mutableState.value
            if (current is TransferState.Completed || current is TransferState.Cancelled) return
            // A report of the run the app just paused or resumed from may still arrive: waiting for the
            // network is left only by a resume, a pause or the end.
            if (current is TransferState.WaitingForNetwork && next is TransferState.Failed) return
            mutableState.value = next
        }
    }

    private fun waitForNetwork(monitor: NetworkMonitor, failures: Int) {
        synchronized(lock) {
            networkWait?.cancel()
            networkWait = scope.launch {
                val wasDown = !monitor.available.value
                monitor.available.first { it }
                // Back from an outage: go at once. Up all along (the server is unreachable): back off.
                delay(if (wasDown) 200.milliseconds else (1.seconds * (1 shl (failures - 1))).coerceAtMost(30.seconds))
                synchronized(lock) {
                    if (mutableState.value !is TransferState.WaitingForNetwork || pausedByApp) return@launch
                    mutableState.value = TransferState.Queued(mutableState.value.progress)
                }
                ffi.resume()
            }
        }
    }

    override fun pause() {
        pausedByApp = true
        synchronized(lock) {
            networkWait?.cancel()
            networkWait = null
            val current = mutableState.value
            if (current is TransferState.WaitingForNetwork) mutableState.value = TransferState.Paused(current.progress)
        }
        ffi.pause()
    }

    override fun resume() {
        pausedByApp = false
        synchronized(lock) {
            networkWait?.cancel()
            networkWait = null
            networkFailures = 0
            when (val current = mutableState.value) {
                is TransferState.Failed, is TransferState.Paused, is TransferState.WaitingForNetwork ->
                    mutableState.value = TransferState.Queued(current.progress)
                else -> {}
            }
        }
        ffi.resume()
    }

    override suspend fun cancel() {
        synchronized(lock) {
            networkWait?.cancel()
            networkWait = null
        }
        ffi.cancel()
        state.first { it is TransferState.Cancelled || it is TransferState.Completed }
    }

    override suspend fun await(): TransferResult {
        val end = try {
            combine(state, clientClosed) { s, closed -> s to closed }
                .first { (s, closed) -> s.isTerminal || closed }
                .first
        } catch (e: CancellationException) {
            if (!state.value.isTerminal) pause()
            throw e
        }
        return when (end) {
            is TransferState.Completed -> end.result
            is TransferState.Failed -> throw end.error
            is TransferState.Cancelled -> throw OssException.Cancelled()
            else -> throw OssException.Paused()
        }
    }

    /** The client closed (and paused it): awaiters stop; the driver ends. */
    internal suspend fun clientClosed() {
        synchronized(lock) { networkWait?.cancel() }
        queue.channel.close()
        withContext(NonCancellable) { driver.join() }
        synchronized(lock) {
            val current = mutableState.value
            if (!current.isTerminal) mutableState.value = TransferState.Paused(current.progress)
        }
        clientClosed.value = true
    }

    override fun toString() = "Transfer($id, ${state.value})"

    private companion object {
        /** Consecutive network failures without progress before a transfer gives up waiting. */
        const val MAX_NETWORK_FAILURES = 8
    }
}
