package io.github.ossdirect.demo.android

import android.content.ContentProvider
import android.content.ContentValues
import android.database.Cursor
import android.database.MatrixCursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import android.provider.DocumentsContract
import android.provider.OpenableColumns
import java.io.File
import java.io.FileNotFoundException

/**
 * A read-only documents provider over the files of [directory], as `content://[AUTHORITY]/<file name>`: what the
 * system picker hands back from `ACTION_OPEN_DOCUMENT`, with the columns apps read (display name, size, last
 * modified) and a seekable descriptor from [openFile].
 */
class FileDocumentsProvider : ContentProvider() {
    /** Where the documents are. */
    lateinit var directory: File

    override fun onCreate() = true

    override fun query(
        uri: Uri,
        projection: Array<out String>?,
        selection: String?,
        selectionArgs: Array<out String>?,
        sortOrder: String?,
    ): Cursor {
        val file = fileOf(uri)
        val columns = projection ?: arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE)
        val row = columns.map { column ->
            when (column) {
                OpenableColumns.DISPLAY_NAME -> file.name
                OpenableColumns.SIZE -> file.length()
                DocumentsContract.Document.COLUMN_LAST_MODIFIED -> file.lastModified()
                else -> null
            }
        }
        return MatrixCursor(columns).apply { addRow(row) }
    }

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        if (mode != "r") throw FileNotFoundException("$uri is read-only")
        return ParcelFileDescriptor.open(fileOf(uri), ParcelFileDescriptor.MODE_READ_ONLY)
    }

    override fun getType(uri: Uri) = "application/octet-stream"

    override fun insert(uri: Uri, values: ContentValues?): Uri? = throw UnsupportedOperationException("read-only")

    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?) =
        throw UnsupportedOperationException("read-only")

    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?) =
        throw UnsupportedOperationException("read-only")

    private fun fileOf(uri: Uri): File {
        val name = uri.lastPathSegment ?: throw FileNotFoundException("$uri")
        return File(directory, name).takeIf { it.isFile } ?: throw FileNotFoundException("$uri")
    }

    /** Its authority and URIs. */
    companion object {
        /** The authority it is registered under. */
        const val AUTHORITY = "io.github.ossdirect.demo.test.documents"

        /** The document URI of [file] (a file of [directory]). */
        fun uriOf(file: File): Uri = Uri.Builder().scheme("content").authority(AUTHORITY).appendPath(file.name).build()
    }
}
