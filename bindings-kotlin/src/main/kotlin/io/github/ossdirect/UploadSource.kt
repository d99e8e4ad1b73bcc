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

    /** Builders of sources defined elsewhere (Android's `Content`). */
    companion object
}
