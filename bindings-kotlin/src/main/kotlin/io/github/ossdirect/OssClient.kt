package io.github.ossdirect

import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.runBlocking
import java.io.File
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.Duration
import io.github.ossdirect.ffi.DownloadRequest as FfiDownloadRequest
import io.github.ossdirect.ffi.ListObjectsRequest as FfiListRequest
import io.github.ossdirect.ffi.OssClient as FfiClient
import io.github.ossdirect.ffi.PresignRequest as FfiPresignRequest
import io.github.ossdirect.ffi.UploadRequest as FfiUploadRequest

/**
 * A client for one OSS endpoint and one source of credentials. Building it does no I/O (no DNS, no token
 * fetch): the first request does, off the caller's thread, so it can be built on the main thread.
 *
 * Every `suspend` function is main-safe and cancellable: cancelling the calling coroutine cancels the request.
 * Errors are [OssException]s. Transfers ([upload], [download]) run on the SDK's own threads and are
 * controlled through their [Transfer]; they survive the cancellation of the coroutine that started them.
 *
 * [close] pauses every transfer (they stay resumable from their checkpoints, see [pendingTransfers]) and
 * releases the native client. One client per endpoint and user is the intended use; it is thread-safe.
 *
 * @param config the settings; only the region is required.
 * @param credentials where credentials come from.
 * @throws OssException.InvalidArgument for a setting that cannot be used (e.g. a malformed endpoint).
 */
class OssClient(val config: OssConfig, credentials: CredentialsSource) : AutoCloseable {
    private val ffi: FfiClient = ffiCall { FfiClient(config.toFfi(), credentials.ffi) }
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("ossdirect"))
    private val transfers = ConcurrentHashMap<String, TransferImpl>()
    private val closed = AtomicBoolean(false)

    // ---- objects ----

    /** Writes [data] to [key] in one PutObject (checked with CRC-64). */
    suspend fun putObject(bucket: String, key: String, data: ByteArray, options: PutOptions = PutOptions()): PutResult =
        ffiCall { ffi.putObject(bucket, key, data, options.toFfi()) }.toPublic()

    /**
     * Writes [file] to [key] in one PutObject, streamed from the file (never whole in memory; up to 5 GiB).
     * For large files, or to pause and resume, use [upload] (multipart, resumable).
     */
    suspend fun putObject(bucket: String, key: String, file: File, options: PutOptions = PutOptions()): PutResult =
        ffiCall { ffi.putFile(bucket, key, file.absolutePath, options.toFfi()) }.toPublic()

    /** Reads the whole object into memory (checked with CRC-64). For large objects use [download]. */
    suspend fun getObject(bucket: String, key: String): ByteArray = ffiCall { ffi.getObject(bucket, key) }

    /**
     * Streams the object into [file] (written beside it and renamed when complete and verified).
     * Returns the object's metadata.
     */
    suspend fun getObject(bucket: String, key: String, file: File): ObjectInfo =
        ffiCall { ffi.getToFile(bucket, key, file.absolutePath) }.toPublic()

    /** The object's metadata. @throws OssException.Service with status 404 when there is no such object. */
    suspend fun headObject(bucket: String, key: String): ObjectInfo = ffiCall { ffi.headObject(bucket, key) }.toPublic()

    /** Deletes the object (succeeds when it does not exist). */
    suspend fun deleteObject(bucket: String, key: String) = ffiCall { ffi.deleteObject(bucket, key) }

    /**
     * The objects under [prefix], in key order. Pages of [pageSize] are fetched as the flow is collected
     * (a consumer that stops early fetches no more); the flow is cold: each collection lists again.
     */
    fun listObjects(bucket: String, prefix: String = "", pageSize: Int? = null): Flow<ObjectSummary> = flow {
        listPages(bucket, prefix, null, pageSize).collect { page -> page.objects.forEach { emit(it) } }
    }

    /**
     * The pages of a listing, fetched as collected; with a [delimiter] (usually `/`), keys are grouped into
     * [ListPage.commonPrefixes] ("folders").
     */
    fun listPages(
        bucket: String,
        prefix: String = "",
        delimiter: String? = null,
        pageSize: Int? = null,
    ): Flow<ListPage> = flow {
        var token: String? = null
        do {
            val request = FfiListRequest(prefix.ifEmpty { null }, delimiter, token, pageSize?.toUInt())
            val page = ffiCall { ffi.listObjects(bucket, request) }.toPublic()
            emit(page)
            token = page.nextContinuationToken
        } while (token != null)
    }

    /**
     * A presigned request: anyone holding the URL can make it (e.g. a plain HTTP client, a browser, a share
     * sheet) until it expires. The validity is capped by the signature version (V4: 7 days) and never
     * outlives the STS token it is signed with.
     *
     * @param method `GET`, `PUT`, `HEAD`, …
     * @param headers headers the URL's user must send (e.g. `Content-Type` of a PUT).
     */
    suspend fun presign(
        method: String,
        bucket: String,
        key: String,
        expiresIn: Duration,
        headers: Map<String, String> = emptyMap(),
    ): PresignedRequest = ffiCall {
        ffi.presign(FfiPresignRequest(method, bucket, key, expiresIn.inWholeSeconds.coerceAtLeast(1).toULong(), headers))
    }.toPublic()

    // ---- transfers ----

    /**
     * Starts an upload at once: one PutObject up to [TransferOptions.multipartThreshold], a multipart upload
     * above it, resumable with [OssConfig.checkpointDir]. Follow it with [Transfer.state]; [Transfer.await] for
     * its result.
     */
    fun upload(request: UploadRequest): Transfer {
        val queue = SnapshotQueue()
        val ffiRequest = FfiUploadRequest(
            request.bucket, request.key, request.source.toFfi(), request.put.toFfi(), request.options.toFfi(),
        )
        return track(ffiCall { ffi.startUpload(ffiRequest, queue) }, queue)
    }

    /** Starts a download at once: ranges fetched in parallel, resumable with [OssConfig.checkpointDir]. */
    fun download(request: DownloadRequest): Transfer {
        val queue = SnapshotQueue()
        val ffiRequest = FfiDownloadRequest(
            request.bucket, request.key, request.file.absolutePath, request.options.toFfi(),
        )
        return track(ffiCall { ffi.startDownload(ffiRequest, queue) }, queue)
    }

    /** Uploads [file] to [key] and waits for the end (cancelling the caller pauses the upload). */
    suspend fun uploadFile(
        bucket: String,
        key: String,
        file: File,
        put: PutOptions = PutOptions(),
        options: TransferOptions = TransferOptions(),
    ): TransferResult = upload(UploadRequest(bucket, key, UploadSource.File(file), put, options)).await()

    /** Downloads [key] into [file] and waits for the end (cancelling the caller pauses the download). */
    suspend fun downloadFile(
        bucket: String,
        key: String,
        file: File,
        options: TransferOptions = TransferOptions(),
    ): TransferResult = download(DownloadRequest(bucket, key, file, options)).await()

    /**
     * The unfinished transfers in [OssConfig.checkpointDir] that no [Transfer] of this client runs, e.g. after
     * the app was killed or an earlier client was closed.
     */
    suspend fun pendingTransfers(): List<TransferRecord> = ffiCall { ffi.pendingTransfers() }.map { it.toPublic() }

    /**
     * Resumes an unfinished transfer from its checkpoint; parts already on the server are not sent again.
     * A transfer whose source was not a file (a `content://` document, a descriptor) needs its [source] again.
     *
     * @throws OssException.SourceChanged (through [Transfer.await]) when the file is not the one it started with.
     */
    fun resume(record: TransferRecord, source: UploadSource? = null): Transfer {
        val queue = SnapshotQueue()
        return track(ffiCall { ffi.resumeTransfer(record.toFfi(), source?.toFfi(), queue) }, queue)
    }

    /** Forgets an unfinished transfer: aborts its multipart upload and removes its checkpoint. */
    suspend fun discard(record: TransferRecord) = ffiCall { ffi.discardTransfer(record.id) }

    /** The transfers of this client that have not ended ([TransferState.Completed] or `Cancelled`). */
    val activeTransfers: List<Transfer> get() = transfers.values.toList()

    private fun track(
        ffiTransfer: io.github.ossdirect.ffi.Transfer,
        queue: SnapshotQueue,
    ): Transfer {
        val transfer = TransferImpl(ffiTransfer, queue, scope, config.networkMonitor) {
            transfers.remove(it.id, it)
        }
        transfers[transfer.id] = transfer
        return transfer
    }

    /**
     * Pauses every transfer (they stay resumable: a new client finds them in [pendingTransfers]) and releases
     * the native client. Idempotent. Coroutines awaiting a transfer get [OssException.Paused].
     */
    override fun close() {
        if (!closed.compareAndSet(false, true)) return
        ffi.pauseAllAndClose()
        if (transfers.isNotEmpty()) {
            runBlocking { transfers.values.forEach { it.clientClosed() } }
        }
        transfers.clear()
        scope.cancel()
        ffi.close()
    }

    /** How many native SDK objects (clients, credential sources, transfers) are alive in this process. */
    companion object {
        init {
            CallbackThreads.ensure()
        }

        /** Native objects alive now: a leak check for tests. */
        @JvmStatic
        fun liveNativeObjects(): Long = io.github.ossdirect.ffi.liveObjects().toLong()
    }
}
