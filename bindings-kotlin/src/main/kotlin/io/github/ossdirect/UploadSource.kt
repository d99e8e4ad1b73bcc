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
     * An open file descriptor handed over to the SDK (Android: `ParcelFileDescriptor.detachFd()` of a
     * `content://` document), read at part offsets as parts are sent: no copy, never whole in memory. From
     * here the SDK owns it and closes it, also when the upload fails to start. It must be a regular file
     * (a pipe cannot be read at offsets: use [Reader]). Resumable after process death under [identity].
     */
    class Descriptor(val fd: Int, val identity: SourceIdentity) : UploadSource() {
        override fun toFfi(): FfiSource = FfiSource.Descriptor(fd, identity.toFfi())

        override fun toString() = "Descriptor($fd, $identity)"
    }

    /** Reads a source at an offset: [readAt] returns up to [length] bytes at [offset] (fewer only at the end). */
    fun interface RandomAccessReader {
        /** The bytes at [offset], [length] of them unless the source ends first. */
        fun readAt(offset: Long, length: Int): ByteArray
    }

    /**
     * A source the app reads itself ([reader]), of a known [size]: called on a thread of the SDK's blocking pool
     * (never the main thread nor the SDK's I/O thread), possibly for several offsets at once; it may block. Resumable under [identity] as long as
     * the reader can serve any offset again. An exception it throws fails the upload with [OssException.Io].
     */
    class Reader(val size: Long, val identity: SourceIdentity, val reader: RandomAccessReader) : UploadSource() {
        override fun toFfi(): FfiSource = FfiSource.Reader(ReaderBridge(reader), size.toULong(), identity.toFfi())

        override fun toString() = "Reader($size bytes, $identity)"
    }

    /**
     * How the app names a source that has no path, so an upload from it can be listed and resumed after the
     * process was killed: [name] stays the same across runs (e.g. the `content://` Uri), [version] changes
     * with the content (e.g. size and last-modified time). A resume onto another version fails with
     * [OssException.SourceChanged] and keeps what was uploaded.
     */
    data class SourceIdentity(val name: String, val version: String) {
        internal fun toFfi() = io.github.ossdirect.ffi.SourceIdentity(name, version)
    }

    /** Builders of sources defined elsewhere (Android's `Content`). */
    companion object
}

/** The app's reader as the native library's: any exception becomes a typed I/O error of the upload. */
private class ReaderBridge(private val reader: UploadSource.RandomAccessReader) : io.github.ossdirect.ffi.SourceReader {
    override fun readAt(offset: ULong, len: UInt): ByteArray =
        try {
            reader.readAt(offset.toLong(), len.toInt())
        } catch (e: Exception) {
            throw io.github.ossdirect.ffi.OssException.Io(null, "the app's reader failed: ${e.message ?: e}")
        }
}
