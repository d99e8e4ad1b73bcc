package io.github.ossdirect.android

import android.content.ContentResolver
import android.content.Context
import android.content.Intent
import android.database.Cursor
import android.net.Uri
import android.provider.DocumentsContract
import android.provider.OpenableColumns
import io.github.ossdirect.OssClient
import io.github.ossdirect.Transfer
import io.github.ossdirect.TransferRecord
import io.github.ossdirect.UploadRequest
import io.github.ossdirect.UploadSource
import java.io.File
import java.io.IOException

/**
 * A `content://` document (from `ACTION_OPEN_DOCUMENT`, a share intent, MediaStore) as an upload source,
 * read through its file descriptor: the SDK reads parts from it at their offsets as they are sent, and
 * the descriptor is closed when the upload is done with it. No copy to a temporary file, never the whole file in memory.
 *
 * The document's identity (name: the URI; version: size and last-modified time) goes into the checkpoint, so a
 * resume after the document changed is refused ([io.github.ossdirect.OssException.SourceChanged]) instead of
 * mixing two versions. Providers that only stream (a pipe, no
 * size) are read in order through an `InputStream` instead; such an upload cannot resume after a pause.
 *
 * @param takePersistablePermission take the URI's persistable read permission, so the upload can be resumed
 *   after process death (only documents from `ACTION_OPEN_DOCUMENT` / `ACTION_CREATE_DOCUMENT` grant one).
 * @throws IOException when the document cannot be opened.
 */
@Suppress("FunctionName")
fun UploadSource.Companion.Content(
    context: Context,
    uri: Uri,
    takePersistablePermission: Boolean = true,
): UploadSource {
    val resolver = context.contentResolver
    if (takePersistablePermission) ContentUploads.takePermission(resolver, uri)
    val (size, modified) = ContentUploads.describe(resolver, uri)
    val identity = UploadSource.SourceIdentity(uri.toString(), "size=$size;modified=$modified")
    val pfd = resolver.openFileDescriptor(uri, "r") ?: throw IOException("cannot open $uri")
    val statSize = pfd.statSize
    if (statSize >= 0) {
        // A real file behind the descriptor: positioned reads, resumable. The SDK owns and closes it from here.
        return UploadSource.Descriptor(pfd.detachFd(), identity)
    }
    pfd.close()
    require(size >= 0) { "$uri has no size and no seekable descriptor: it cannot be uploaded" }
    val reader = object : UploadSource.RandomAccessReader {
        private var stream = resolver.openInputStream(uri) ?: throw IOException("cannot open $uri")
        private var position = 0L

        @Synchronized
        override fun readAt(offset: Long, length: Int): ByteArray {
            if (offset < position) {
                stream.close()
                stream = resolver.openInputStream(uri) ?: throw IOException("cannot reopen $uri")
                position = 0
            }
            while (position < offset) {
                val skipped = stream.skip(offset - position)
                if (skipped <= 0) throw IOException("$uri ended at $position")
                position += skipped
            }
            val out = ByteArray(length)
            var filled = 0
            while (filled < length) {
                val n = stream.read(out, filled, length - filled)
                if (n < 0) break
                filled += n
            }
            position += filled
            return if (filled == length) out else out.copyOf(filled)
        }
    }
    return UploadSource.Reader(size, identity, reader)
}

/**
 * Uploads of `content://` documents that survive process death: each transfer's URI is remembered under
 * `noBackupFilesDir`, so [resumePending] reopens the documents of the transfers a new process finds in
 * [OssClient.pendingTransfers].
 */
class ContentUploads(context: Context) {
    private val appContext = context.applicationContext
    private val dir = File(appContext.noBackupFilesDir, "ossdirect/content-uris").apply { mkdirs() }

    /** Starts uploading [uri] to [key] and remembers the document for a resume after process death. */
    fun upload(client: OssClient, bucket: String, key: String, uri: Uri): Transfer {
        val transfer = client.upload(UploadRequest(bucket, key, UploadSource.Content(appContext, uri)))
        remember(transfer.id, uri)
        return transfer
    }

    /** Remembers that transfer [id] reads [uri]. */
    fun remember(id: String, uri: Uri) {
        File(dir, fileName(id)).writeText(uri.toString())
    }

    /** The document transfer [id] reads, if one was remembered. */
    fun uriOf(id: String): Uri? = File(dir, fileName(id)).takeIf { it.exists() }?.readText()?.let(Uri::parse)

    /** Forgets transfer [id]'s document (and releases its persistable permission when [release]). */
    fun forget(id: String, release: Boolean = true) {
        val file = File(dir, fileName(id))
        val uri = uriOf(id)
        file.delete()
        if (release && uri != null) {
            try {
                appContext.contentResolver.releasePersistableUriPermission(uri, Intent.FLAG_GRANT_READ_URI_PERMISSION)
            } catch (_: SecurityException) {
                // it had none
            }
        }
    }

    /** The source to resume [record] with: its document reopened, or `null` for a file-backed transfer. */
    fun sourceFor(record: TransferRecord): UploadSource? =
        uriOf(record.id)?.let { UploadSource.Content(appContext, it, takePersistablePermission = false) }

    /**
     * Resumes every pending transfer of [client] (call it at start, e.g. from the `Application`). Transfers
     * whose document is gone or no longer readable are discarded; returns the resumed ones.
     */
    suspend fun resumePending(client: OssClient): List<Transfer> {
        val resumed = mutableListOf<Transfer>()
        for (record in client.pendingTransfers()) {
            if (record.problem != null) {
                client.discard(record)
                forget(record.id)
                continue
            }
            val source = try {
                sourceFor(record)
            } catch (e: Exception) {
                // IOException, SecurityException (permission gone), FileNotFoundException
                client.discard(record)
                forget(record.id)
                continue
            }
            resumed += client.resume(record, source)
        }
        return resumed
    }

    private fun fileName(id: String) = id.replace(Regex("[^A-Za-z0-9._-]"), "_") + ".uri"

    internal companion object {
        fun takePermission(resolver: ContentResolver, uri: Uri) {
            try {
                resolver.takePersistableUriPermission(uri, Intent.FLAG_GRANT_READ_URI_PERMISSION)
            } catch (_: SecurityException) {
                // Not a document with a persistable grant (a share intent, MediaStore): readable now only.
            }
        }

        /** Size (-1 when unknown) and last-modified time (0 when unknown) of a document. */
        fun describe(resolver: ContentResolver, uri: Uri): Pair<Long, Long> {
            var size = -1L
            var modified = 0L
            val columns = arrayOf(OpenableColumns.SIZE, DocumentsContract.Document.COLUMN_LAST_MODIFIED)
            val cursor: Cursor? = try {
                resolver.query(uri, columns, null, null, null)
            } catch (_: Exception) {
                try {
                    resolver.query(uri, arrayOf(OpenableColumns.SIZE), null, null, null)
                } catch (_: Exception) {
                    null
                }
            }
            cursor?.use {
                if (it.moveToFirst()) {
                    val s = it.getColumnIndex(OpenableColumns.SIZE)
                    if (s >= 0 && !it.isNull(s)) size = it.getLong(s)
                    val m = it.getColumnIndex(DocumentsContract.Document.COLUMN_LAST_MODIFIED)
                    if (m >= 0 && !it.isNull(m)) modified = it.getLong(m)
                }
            }
            return size to modified
        }
    }
}
