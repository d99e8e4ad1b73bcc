package io.github.ossdirect

import java.time.Instant
import io.github.ossdirect.ffi.ListPage as FfiListPage
import io.github.ossdirect.ffi.ObjectInfo as FfiObjectInfo
import io.github.ossdirect.ffi.ObjectSummary as FfiObjectSummary
import io.github.ossdirect.ffi.PresignedRequest as FfiPresigned
import io.github.ossdirect.ffi.PutOptions as FfiPutOptions
import io.github.ossdirect.ffi.PutResult as FfiPutResult

/**
 * Headers of an object being written (a PutObject, or an upload's object).
 *
 * @property contentType `Content-Type`.
 * @property metadata user metadata, sent as `x-oss-meta-<name>`.
 * @property contentMd5 send `Content-MD5` so the server checks the bytes too (CRC-64 is always checked).
 * @property forbidOverwrite fail with `FileAlreadyExists` if the key exists.
 * @property acl `x-oss-object-acl` (`private`, `public-read`, …).
 * @property cacheControl `Cache-Control`.
 * @property contentDisposition `Content-Disposition`.
 */
data class PutOptions(
    val contentType: String? = null,
    val metadata: Map<String, String> = emptyMap(),
    val contentMd5: Boolean = false,
    val forbidOverwrite: Boolean = false,
    val acl: String? = null,
    val cacheControl: String? = null,
    val contentDisposition: String? = null,
) {
    internal fun toFfi() = FfiPutOptions(
        contentType = contentType,
        metadata = metadata,
        contentMd5 = contentMd5,
        forbidOverwrite = forbidOverwrite,
        acl = acl,
        cacheControl = cacheControl,
        contentDisposition = contentDisposition,
    )
}

/**
 * What a PutObject answered.
 *
 * @property etag the ETag (quoted).
 * @property crc64 the object's CRC-64, already checked against the bytes sent.
 * @property versionId `x-oss-version-id`, if versioning is on.
 * @property requestId `x-oss-request-id` (empty for a file put, which goes through the transfer engine).
 */
data class PutResult(val etag: String, val crc64: ULong?, val versionId: String?, val requestId: String)

internal fun FfiPutResult.toPublic() = PutResult(etag, crc64, versionId, requestId)

/**
 * An object's metadata.
 *
 * @property size size in bytes.
 * @property etag the ETag (quoted).
 * @property lastModified `Last-Modified` (an HTTP date).
 * @property contentType `Content-Type`.
 * @property objectType `Normal`, `Multipart` or `Appendable`.
 * @property crc64 the whole object's CRC-64.
 * @property metadata user metadata (names without `x-oss-meta-`).
 * @property requestId `x-oss-request-id`.
 */
data class ObjectInfo(
    val size: Long,
    val etag: String,
    val lastModified: String,
    val contentType: String,
    val objectType: String,
    val crc64: ULong?,
    val metadata: Map<String, String>,
    val requestId: String,
)

internal fun FfiObjectInfo.toPublic() = ObjectInfo(
    size.toLong(), etag, lastModified, contentType, objectType, crc64, metadata, requestId,
)

/**
 * One object in a listing.
 *
 * @property key the key.
 * @property size size in bytes.
 * @property etag the ETag (quoted).
 * @property lastModified `LastModified` (ISO 8601).
 * @property storageClass the storage class.
 */
data class ObjectSummary(
    val key: String,
    val size: Long,
    val etag: String,
    val lastModified: String,
    val storageClass: String,
)

internal fun FfiObjectSummary.toPublic() = ObjectSummary(key, size.toLong(), etag, lastModified, storageClass)

/**
 * One page of a listing.
 *
 * @property objects the objects on this page.
 * @property commonPrefixes the "folders": prefixes grouped by the delimiter.
 * @property nextContinuationToken where the next page starts; `null` on the last page.
 */
data class ListPage(
    val objects: List<ObjectSummary>,
    val commonPrefixes: List<String>,
    val nextContinuationToken: String?,
)

internal fun FfiListPage.toPublic() = ListPage(
    objects.map { it.toPublic() }, commonPrefixes, nextContinuationToken,
)

/**
 * A presigned request: anyone holding it can make the request until [expiration] (and no longer than the
 * STS token it was signed with lives).
 *
 * @property url the URL.
 * @property method its HTTP method.
 * @property signedHeaders headers that must be sent with it.
 * @property expiration when it stops working.
 */
data class PresignedRequest(
    val url: String,
    val method: String,
    val signedHeaders: Map<String, String>,
    val expiration: Instant,
)

internal fun FfiPresigned.toPublic() = PresignedRequest(url, method, signedHeaders, expiration)
