package io.github.ossdirect

import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import java.time.Instant
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import io.github.ossdirect.ffi.TransferKind as FfiKind
import io.github.ossdirect.ffi.TransferOptions as FfiOptions
import io.github.ossdirect.ffi.TransferRecord as FfiRecord
import io.github.ossdirect.ffi.TransferResult as FfiResult
import io.github.ossdirect.ffi.TransferSnapshot as FfiSnapshot

/** Upload or download. */
enum class TransferKind {
    /** Device to OSS. */
    Upload,

    /** OSS to device. */
    Download,
}

internal fun FfiKind.toPublic() = if (this == FfiKind.UPLOAD) TransferKind.Upload else TransferKind.Download

/**
 * How a transfer runs. The defaults (8 MiB parts, 4 in flight) were the fastest within a 64 MiB memory
 * budget in the project's benchmark; memory stays near [partSize] × [parallel] whatever the file's size.
 *
 * @property partSize part size in bytes (grows by itself so no upload needs more than 10,000 parts).
 * @property parallel parts in flight at once.
 * @property multipartThreshold uploads up to this size go in one PutObject.
 * @property progressInterval shortest interval between progress reports.
 * @property contentMd5 send `Content-MD5` with every part.
 * @property keepUploadOnCancel on [Transfer.cancel], keep the multipart upload on the server instead of
 *   aborting it.
 */
data class TransferOptions(
    val partSize: Long = 8L * 1024 * 1024,
    val parallel: Int = 4,
    val multipartThreshold: Long = 8L * 1024 * 1024,
    val progressInterval: Duration = 200.milliseconds,
    val contentMd5: Boolean = false,
    val keepUploadOnCancel: Boolean = false,
) {
    internal fun toFfi() = FfiOptions(
        partSize = partSize.coerceAtLeast(1).toULong(),
        parallel = parallel.coerceAtLeast(1).toUInt(),
        multipartThreshold = multipartThreshold.coerceAtLeast(0).toULong(),
        progressIntervalMs = progressInterval.inWholeMilliseconds.coerceAtLeast(0).toULong(),
        contentMd5 = contentMd5,
        keepUploadOnCancel = keepUploadOnCancel,
    )
}

/**
 * An upload to start with [OssClient.upload].
 *
 * @property bucket the bucket.
 * @property key the object key.
 * @property source what to upload.
 * @property put the object's headers.
 * @property options how the transfer runs.
 */
data class UploadRequest(
    val bucket: String,
    val key: String,
    val source: UploadSource,
    val put: PutOptions = PutOptions(),
    val options: TransferOptions = TransferOptions(),
)

/**
 * A download to start with [OssClient.download]. The object is written beside [file] and renamed to it once
 * complete and verified (CRC-64), so [file] is never half-written.
 *
 * @property bucket the bucket.
 * @property key the object key.
 * @property file the file to write.
 * @property options how the transfer runs.
 */
data class DownloadRequest(
    val bucket: String,
    val key: String,
    val file: java.io.File,
    val options: TransferOptions = TransferOptions(),
)

/**
 * How far a transfer got.
 *
 * @property bytesDone bytes transferred (including parts in flight).
 * @property bytesTotal bytes in the whole transfer (0 until known).
 * @property partsDone parts finished.
 * @property partsTotal parts in all.
 */
data class TransferProgress(val bytesDone: Long, val bytesTotal: Long, val partsDone: Int, val partsTotal: Int) {
    /** Done as a fraction in 0..1 (0 while the size is unknown). */
    val fraction: Double get() = if (bytesTotal > 0) (bytesDone.toDouble() / bytesTotal).coerceIn(0.0, 1.0) else 0.0

    /** Nothing done yet. */
    companion object {
        /** Nothing done, size unknown. */
        val NONE = TransferProgress(0, 0, 0, 0)
    }
}

internal fun FfiSnapshot.progress() =
    TransferProgress(bytesDone.toLong(), bytesTotal.toLong(), partsDone.toInt(), partsTotal.toInt())

/**
 * What a finished transfer produced.
 *
 * @property kind upload or download.
 * @property etag the object's ETag.
 * @property crc64 the object's CRC-64 (verified end to end).
 * @property size bytes in the object.
 * @property parts parts (1 for a single request).
 * @property partsReused parts an earlier run had already transferred (after a pause, failure or restart).
 */
data class TransferResult(
    val kind: TransferKind,
    val etag: String,
    val crc64: ULong?,
    val size: Long,
    val parts: Int,
    val partsReused: Int,
)

internal fun FfiResult.toPublic() =
    TransferResult(kind.toPublic(), etag, crc64, size.toLong(), parts.toInt(), partsReused.toInt())

/**
 * Where a transfer stands. The story of every transfer ends in a terminal state ([isTerminal]):
 * [Completed], [Failed] or [Cancelled]; a [Failed] one can still be resumed with [Transfer.resume].
 */
sealed interface TransferState {
    /** How far it got. */
    val progress: TransferProgress

    /** Whether nothing more happens unless the app resumes it. */
    val isTerminal: Boolean get() = false

    /** Started, not yet moving bytes (also right after a resume). */
    data class Queued(override val progress: TransferProgress = TransferProgress.NONE) : TransferState

    /** Moving bytes. */
    data class Running(override val progress: TransferProgress) : TransferState

    /** Paused by the app (or by the cancellation of the coroutine awaiting it, or by closing the client). */
    data class Paused(override val progress: TransferProgress) : TransferState

    /**
     * Failed for the network; it resumes by itself when the [NetworkMonitor] reports the network back.
     *
     * @property error the failure it waits out.
     */
    data class WaitingForNetwork(override val progress: TransferProgress, val error: OssException) : TransferState

    /** Finished. */
    data class Completed(val result: TransferResult) : TransferState {
        override val progress: TransferProgress
            get() = TransferProgress(result.size, result.size, result.parts, result.parts)
        override val isTerminal: Boolean get() = true
    }

    /** Ended with [error]; [Transfer.resume] tries again from the checkpoint. */
    data class Failed(val error: OssException, override val progress: TransferProgress) : TransferState {
        override val isTerminal: Boolean get() = true
    }

    /** Cancelled: the multipart upload aborted, the checkpoint and any partial download removed. */
    data object Cancelled : TransferState {
        override val progress: TransferProgress get() = TransferProgress.NONE
        override val isTerminal: Boolean get() = true
    }
}

/**
 * A running or finished upload or download, started by [OssClient.upload], [OssClient.download] or
 * [OssClient.resume]. Its control methods return at once and are safe from any thread, the main thread
 * included.
 */
/** Something that happened inside a transfer besides progress. */
sealed interface TransferEvent {
    /** Part (or download range) [number] finished: [bytes] of it are on the other side. */
    data class PartFinished(val number: Int, val bytes: Long) : TransferEvent

    /** A request failed ([reason]) and is sent again after [delayMillis]; [attempt] 1 is the first. */
    data class Retrying(val attempt: Int, val reason: String, val delayMillis: Long) : TransferEvent

    /** The server refused the credentials; fresh ones were fetched and the request sent again. */
    data object CredentialsRefreshed : TransferEvent
}

interface Transfer {
    /** Stable id: its checkpoint's, so the same after a process restart. */
    val id: String

    /** Upload or download. */
    val kind: TransferKind

    /** Where it stands; ends in a terminal state ([TransferState.isTerminal]). */
    val state: StateFlow<TransferState>

    /**
     * What happens inside it besides progress: parts finished, requests retried (with why), credentials
     * refreshed. Hot and never ending: a new collector first gets the latest 64 events, so one that starts
     * right after the transfer misses nothing.
     */
    val events: SharedFlow<TransferEvent>

    /** Stops moving bytes, keeping what was done (idempotent). A transfer without a checkpoint is cancelled. */
    fun pause()

    /** Continues a paused or failed transfer from its checkpoint (idempotent). */
    fun resume()

    /**
     * Cancels: aborts the multipart upload on the server and forgets the checkpoint (idempotent; holds even
     * before the work started). Returns once the transfer has ended (`Cancelled`, or `Completed` if it
     * finished first).
     */
    suspend fun cancel()

    /**
     * Waits for the end and returns the result.
     *
     * Cancelling the coroutine that awaits **pauses** the transfer: it stays resumable and nothing is lost;
     * use [cancel] to abort it.
     *
     * @throws OssException the error it failed with; [OssException.Cancelled] if it was cancelled;
     *   [OssException.Paused] if its client was closed before it finished (resume it from a new client).
     */
    suspend fun await(): TransferResult
}

/**
 * An unfinished transfer found in the checkpoint directory, e.g. after the app was killed. Resume it with
 * [OssClient.resume] or drop it with [OssClient.discard].
 *
 * @property id the transfer's id.
 * @property kind upload or download.
 * @property bucket the bucket (empty for a broken entry).
 * @property key the key (empty for a broken entry).
 * @property localPath the local file (uploads from a file, downloads); `null` for other sources.
 * @property totalBytes bytes in the whole transfer.
 * @property bytesDone bytes already transferred.
 * @property partSize the part size.
 * @property uploadId the multipart upload (uploads).
 * @property sourceName the app's name of the descriptor or reader source an upload reads (pass that source
 *   again to [OssClient.resume]).
 * @property created when the transfer started, if recorded.
 * @property updated when the checkpoint was last written.
 * @property lastError why its last run failed, if it did.
 * @property problem why it cannot be resumed (a broken checkpoint): discard it.
 */
data class TransferRecord(
    val id: String,
    val kind: TransferKind,
    val bucket: String,
    val key: String,
    val localPath: String?,
    val totalBytes: Long,
    val bytesDone: Long,
    val partSize: Long,
    val uploadId: String?,
    val updated: Instant?,
    val problem: String?,
    val sourceName: String? = null,
    val created: Instant? = null,
    val lastError: String? = null,
) {
    internal fun toFfi() = FfiRecord(
        id, if (kind == TransferKind.Upload) FfiKind.UPLOAD else FfiKind.DOWNLOAD, bucket, key, localPath,
        sourceName, totalBytes.toULong(), bytesDone.toULong(), partSize.toULong(), uploadId, created, updated,
        lastError, problem,
    )
}

internal fun FfiRecord.toPublic() = TransferRecord(
    id, kind.toPublic(), bucket, key, localPath, totalBytes.toLong(), bytesDone.toLong(), partSize.toLong(),
    uploadId, updated, problem, sourceName, created, lastError,
)
