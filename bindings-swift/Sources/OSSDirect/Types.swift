import Foundation

/// Which OSS signature the client computes.
public enum SignatureVersion: Sendable, Hashable, CustomStringConvertible {
    /// The legacy HMAC-SHA1 signature (`OSS AccessKeyId:Signature`).
    case v1
    /// `OSS4-HMAC-SHA256`, scoped to the region (the default).
    case v4

    public var description: String { self == .v1 ? "v1" : "v4" }
}

/// How a client talks to OSS. Building one does no I/O.
public struct OSSConfiguration: Sendable, Hashable {
    /// The OSS endpoint, e.g. `https://oss-cn-hangzhou.aliyuncs.com` (or the emulator's `http://127.0.0.1:PORT`).
    public var endpoint: URL
    /// The bucket's region, e.g. `cn-hangzhou` (V4 signatures are scoped to it).
    public var region: String
    /// The signature version (default V4).
    public var signatureVersion: SignatureVersion = .v4
    /// Where resumable transfers keep their checkpoints; `nil` means `CheckpointDirectory.default()`
    /// (Application Support, excluded from backups).
    public var checkpointDirectory: URL?
    /// The part size of multipart uploads and ranged downloads in bytes; `nil` means the SDK's default (8 MiB).
    public var partSize: Int?
    /// Parts in flight per transfer; `nil` means the SDK's default (4).
    public var concurrency: Int?
    /// How long one request may go without progress before it fails with `OSSError.timeout`, in seconds;
    /// `nil` means the SDK's default. A stalled connection never hangs a transfer forever.
    public var requestTimeout: TimeInterval?
    /// How long fetching credentials (token endpoint or the app's fetcher) may take, in seconds (default 30).
    public var credentialsTimeout: TimeInterval = 30
    /// Whether a transfer that failed for the network waits for it (`TransferEvent.waiting`) and resumes by
    /// itself (default `true`). With `false` it fails with `OSSError.network`; call `Transfer.resume()`.
    public var resumesWhenNetworkReturns: Bool = true
    /// Whether path-style URLs (`endpoint/bucket/key`) are used instead of `bucket.endpoint/key`; `nil` picks
    /// path style for IP addresses and `localhost`.
    public var pathStyle: Bool?

    /// A configuration with the SDK's defaults.
    public init(endpoint: URL, region: String) {
        self.endpoint = endpoint
        self.region = region
    }
}

/// STS credentials (or, for development only, a RAM user's long-lived keys without a token).
public struct STSCredentials: Sendable, Hashable, CustomStringConvertible {
    /// `STS.…` for STS credentials.
    public var accessKeyId: String
    /// The secret; never logged.
    public var accessKeySecret: String
    /// The security token of STS credentials; `nil` for long-lived keys.
    public var securityToken: String?
    /// When they expire; `nil` for keys that do not.
    public var expiration: Date?

    /// Credentials as the token server hands them out.
    public init(accessKeyId: String, accessKeySecret: String, securityToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.expiration = expiration
    }

    /// Shows the key id and expiry, never the secret or the token.
    public var description: String {
        "STSCredentials(accessKeyId: \(accessKeyId), expiration: \(expiration.map { "\($0)" } ?? "none"))"
    }
}

/// Options of a single PutObject.
public struct PutOptions: Sendable, Hashable {
    /// `Content-Type` (default: guessed by OSS).
    public var contentType: String?
    /// User metadata (`x-oss-meta-*`), names without the prefix.
    public var metadata: [String: String]

    /// Options with the given content type and metadata.
    public init(contentType: String? = nil, metadata: [String: String] = [:]) {
        self.contentType = contentType
        self.metadata = metadata
    }
}

/// What a PutObject produced.
public struct PutResult: Sendable, Hashable {
    /// The object's ETag (without quotes).
    public var etag: String
    /// The CRC-64 OSS computed, checked against the one the SDK computed.
    public var crc64: UInt64?
    /// The version id, on versioned buckets.
    public var versionID: String?
}

/// An object's metadata (HeadObject).
public struct ObjectInfo: Sendable, Hashable {
    /// Size in bytes.
    public var size: UInt64
    /// ETag (without quotes).
    public var etag: String
    /// `Content-Type`.
    public var contentType: String?
    /// `Last-Modified`.
    public var lastModified: Date?
    /// CRC-64 (`x-oss-hash-crc64ecma`).
    public var crc64: UInt64?
    /// User metadata (names without `x-oss-meta-`).
    public var metadata: [String: String]
}

/// One object of a listing.
public struct ObjectSummary: Sendable, Hashable {
    /// The key.
    public var key: String
    /// Size in bytes.
    public var size: UInt64
    /// ETag (without quotes).
    public var etag: String
    /// `LastModified`.
    public var lastModified: Date?
}

/// A presigned request: anyone holding it may perform it until `expiration` (and while the STS token that
/// signed it is valid).
public struct PresignedRequest: Sendable, Hashable {
    /// The URL with the signature in its query.
    public var url: URL
    /// The HTTP method.
    public var method: String
    /// Headers the request must carry as signed (e.g. `Content-Type`).
    public var headers: [String: String]
    /// When the signature expires.
    public var expiration: Date
}

/// What an upload reads.
public enum UploadSource: Sendable {
    /// A file, read in parts (never whole into memory); its size and modification date identify it on resume.
    case file(URL)
    /// Bytes in memory.
    case data(Data)
    /// An open file descriptor handed over to the SDK (it reads it with `pread` and closes it, also when the
    /// upload fails to start). It must be a regular file. Resumable under `identity`.
    case fileDescriptor(Int32, identity: SourceIdentity)
    /// Any random-access source: `read(offset, length)` returns exactly `length` bytes (fewer only at the end).
    /// Called on a thread of the SDK's blocking pool (not its I/O thread), possibly for several offsets at once; it may block. An error it throws
    /// fails the upload with `OSSError.io`. Resumable under `identity`.
    case reader(size: UInt64, identity: SourceIdentity, read: @Sendable (_ offset: UInt64, _ length: Int) throws -> Data)
}

/// How the app names a source that has no path, so an upload from it can be listed and resumed after the app
/// was terminated: `name` stays the same across launches (e.g. a Photos asset id), `version` changes with the
/// content (e.g. size and modification date). A resume onto another version fails with
/// `OSSError.sourceChanged` and keeps what was uploaded.
public struct SourceIdentity: Sendable, Hashable {
    /// What the source is.
    public var name: String
    /// Which content it holds.
    public var version: String

    /// An identity from its parts.
    public init(name: String, version: String) {
        self.name = name
        self.version = version
    }
}

/// An upload to start.
public struct UploadRequest: Sendable {
    /// The bucket.
    public var bucket: String
    /// The object key.
    public var key: String
    /// What to upload.
    public var source: UploadSource
    /// `Content-Type` of the object.
    public var contentType: String?
    /// User metadata.
    public var metadata: [String: String]

    /// An upload of `source` to `bucket`/`key`.
    public init(bucket: String, key: String, source: UploadSource, contentType: String? = nil,
                metadata: [String: String] = [:]) {
        self.bucket = bucket
        self.key = key
        self.source = source
        self.contentType = contentType
        self.metadata = metadata
    }
}

/// A download to start: into a file, in ranged parts, resumable.
public struct DownloadRequest: Sendable, Hashable {
    /// The bucket.
    public var bucket: String
    /// The object key.
    public var key: String
    /// The file to write (replaced when the download completes).
    public var destination: URL

    /// A download of `bucket`/`key` into `destination`.
    public init(bucket: String, key: String, destination: URL) {
        self.bucket = bucket
        self.key = key
        self.destination = destination
    }
}

/// Upload or download.
public enum TransferKind: Sendable, Hashable {
    /// An upload.
    case upload
    /// A download.
    case download
}

/// Where a transfer stands.
public enum TransferState: Sendable, Hashable {
    /// Created, not yet moving bytes.
    case queued
    /// Moving bytes.
    case running
    /// Paused (by `pause()`, Task cancellation or `close()`); `resume()` continues from the checkpoint.
    case paused
    /// Failed; `resume()` tries again from the checkpoint.
    case failed
    /// Finished.
    case completed
    /// Cancelled: multipart upload aborted, checkpoint and partial file removed.
    case cancelled
}

/// Progress of a transfer, with its rate and estimated time remaining.
public struct TransferProgress: Sendable, Hashable {
    /// Bytes done (only ever grows within one transfer).
    public var bytesTransferred: UInt64
    /// The total, when known.
    public var totalBytes: UInt64?
    /// Bytes per second over the last few seconds.
    public var bytesPerSecond: Double
    /// Seconds left at the current rate, when it can be estimated.
    public var estimatedTimeRemaining: TimeInterval?

    /// `bytesTransferred / totalBytes`, or 0 when the total is unknown.
    public var fractionCompleted: Double {
        guard let total = totalBytes, total > 0 else { return 0 }
        return Double(bytesTransferred) / Double(total)
    }
}

/// What a finished transfer produced.
public struct TransferResult: Sendable, Hashable {
    /// The bucket.
    public var bucket: String
    /// The key.
    public var key: String
    /// The object's size.
    public var size: UInt64
    /// The object's ETag.
    public var etag: String
    /// The object's CRC-64, checked end to end.
    public var crc64: UInt64?
}

/// A transfer's state as the SDK sees it now.
public struct TransferSnapshot: Sendable, Hashable {
    /// The transfer's id.
    public var id: String
    /// Upload or download.
    public var kind: TransferKind
    /// Where it stands.
    public var state: TransferState
    /// Bytes done.
    public var bytesTransferred: UInt64
    /// The total, when known.
    public var totalBytes: UInt64?
    /// The last error, for a failed transfer.
    public var error: OSSError?
}

/// A transfer recorded in the checkpoint directory: unfinished, resumable after a relaunch.
public struct TransferRecord: Sendable, Hashable, Identifiable {
    /// The transfer's id (the same as the `Transfer` that wrote it).
    public var id: String
    /// Upload or download.
    public var kind: TransferKind
    /// The bucket.
    public var bucket: String
    /// The key.
    public var key: String
    /// The file it reads or writes, when there is one (uploads of data or readers need a new source).
    public var fileURL: URL?
    /// Bytes done when it stopped.
    public var bytesTransferred: UInt64
    /// The total, when known.
    public var totalBytes: UInt64?
    /// The app's name of the descriptor or reader source an upload reads (pass that source to `resume`).
    public var sourceName: String? = nil
    /// Why its last run failed, if it did.
    public var lastError: String? = nil
    /// The native record (part size, upload id), kept for `OSSClient.resume`.
    var nativeRecord: NativeRecord? = nil
}

/// What happens to a transfer, in order. The stream ends after `completed` or `cancelled` (after `failed` it
/// stays open: `resume()` may continue the transfer).
public enum TransferEvent: Sendable {
    /// Bytes moved.
    case progress(TransferProgress)
    /// Moving bytes (first start).
    case running
    /// Paused.
    case paused
    /// Moving bytes again after a pause, a failure or a wait.
    case resumed
    /// Failed for the network; it resumes by itself once the network is back.
    case waiting(reason: OSSError)
    /// Finished.
    case completed(TransferResult)
    /// Failed; `resume()` may try again.
    case failed(OSSError)
    /// Cancelled.
    case cancelled
    /// Part (or download range) `number` finished: `bytes` of it are on the other side.
    case partFinished(number: UInt32, bytes: UInt64)
    /// A request failed (`reason`) and is sent again; `attempt` 1 is the first.
    case retrying(attempt: UInt32, reason: String)
    /// The server refused the credentials; fresh ones were fetched and the request sent again.
    case credentialsRefreshed
}
