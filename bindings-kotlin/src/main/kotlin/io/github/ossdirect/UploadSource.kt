package io.github.ossdirect

import io.github.ossdirect.ffi.UploadSource as FfiSource

/**
 * What an upload reads. Files are read part by part as parts are sent, never whole in memory, and are
 * resumable; on Android, `UploadSource.Content(context, uri)` (in `ossdirect-android`) reads a `content://`
 * document through its file descriptor, without a copy.
 */
sealed class UploadSource {
    /** The generated form. */
    internal abstract fun toFfi(): FfiSource

    /** A file, read as parts are sent; resumable (its identity is checked on resume). */
    data class File(val file: java.io.File) : UploadSource() {
        override fun toFfi(): FfiSource = FfiSource.File(file.absolutePath)
    }

    /** Bytes in memory, for small payloads. */
    class Bytes(val data: ByteArray) : UploadSource() {
        override fun toFfi(): FfiSource = FfiSource.Bytes(data)

        override fun toString() = "Bytes(${data.size} bytes)"
    }

    /**
     * An open file descriptor (e.g. a `ParcelFileDescriptor`'s from the `ContentResolver`), read at part
     * offsets as parts are sent: no copy, never whole in memory. [release] is called once the upload no longer
     * needs it (it ended, or its client closed).
     *
     * @property identity what identifies the document between runs (URI, size, modification time).
     */
    class Descriptor(val fd: Int, val identity: String, private val release: () -> Unit = {}) : UploadSource() {
        // Read through the descriptor's /proc link, which the SDK opens and reads like a file.
        override fun toFfi(): FfiSource = FfiSource.File("/proc/self/fd/$fd")

        override fun released() = release()

        override fun toString() = "Descriptor($fd, $identity)"
    }

    /** Reads a source at an offset: [readAt] returns up to [length] bytes at [offset] (fewer only at the end). */
    fun interface RandomAccessReader {
        /** The bytes at [offset], [length] of them unless the source ends first. */
        fun readAt(offset: Long, length: Int): ByteArray
    }

    /**
     * A source the app reads itself ([reader]), of a known [size], for streams that have no file descriptor.
     * Not resumable after a pause unless the reader can read any offset again.
     */
    class Reader(val size: Long, val identity: String, val reader: RandomAccessReader) : UploadSource() {
        override fun toFfi(): FfiSource =
            throw OssException.InvalidArgument("reader sources are not supported by this build of ossdirect-ffi")

        override fun toString() = "Reader($size bytes, $identity)"
    }

    /** Called once the upload no longer needs the source. */
    internal open fun released() {}

    /** Builders of sources defined elsewhere (Android's `Content`). */
    companion object
}
