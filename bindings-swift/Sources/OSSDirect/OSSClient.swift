import Foundation
import OSSDirectBindings

/// A client of one OSS endpoint with one credentials source: objects, listings, presigned URLs and resumable
/// transfers. Creating it does no I/O; share one per endpoint and user. Every method is safe from any thread
/// or actor; async methods never block the caller's thread.
public final class OSSClient: Sendable {
    /// The configuration it was made with.
    public let configuration: OSSConfiguration
    let native: OssClient
    private let checkpointDirectory: URL

    /// A client. Validates the configuration and builds the credentials source; does no I/O (no DNS, no token
    /// fetch). Throws `OSSError.invalidArgument` for a bad configuration.
    public init(configuration: OSSConfiguration, credentials: CredentialsSource) throws {
        ProcessSetup.once
        self.configuration = configuration
        if configuration.region.isEmpty { throw OSSError.invalidArgument("the region is empty") }
        guard let scheme = configuration.endpoint.scheme, ["http", "https"].contains(scheme.lowercased()) else {
            throw OSSError.invalidArgument("the endpoint must be an http(s) URL: \(configuration.endpoint)")
        }
        checkpointDirectory = try configuration.checkpointDirectory ?? CheckpointDirectory.default()
        let source = try credentials.native(timeout: configuration.credentialsTimeout)
        var timeoutMs: UInt64 = 60_000
        if let t = configuration.requestTimeout { timeoutMs = UInt64(max(0.001, t) * 1000) }
        let addressing: Addressing
        switch configuration.pathStyle {
        case .some(true): addressing = .pathStyle
        case .some(false): addressing = .virtualHosted
        case .none: addressing = .auto
        }
        let config = ClientConfig(
            region: configuration.region, endpoint: configuration.endpoint.absoluteString, addressing: addressing,
            signatureVersion: configuration.signatureVersion == .v1 ? .v1 : .v4,
            connectTimeoutMs: min(10_000, timeoutMs), readTimeoutMs: timeoutMs, retryAttempts: 3,
            userAgentSuffix: "ossdirect-swift", checkpointDir: checkpointDirectory.path)
        do {
            native = try OssClient(config: config, credentials: source)
        } catch {
            throw OSSError(error)
        }
    }

    /// How many native objects (clients, credential sources, transfers) are alive in the process: for leak tests.
    public static var liveNativeObjects: UInt64 { liveObjects() }

    private func call<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await cancellable(work)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw OSSError(error)
        }
    }

    // MARK: objects

    /// Uploads `data` as one object (PutObject). For large payloads use `upload(_:)`.
    @discardableResult
    public func putObject(bucket: String, key: String, data: Data, options: PutOptions = PutOptions()) async throws
        -> PutResult {
        let native = self.native
        let r = try await call {
            try await native.putObject(bucket: bucket, key: key, data: data, options: options.native)
        }
        return PutResult(etag: unquoted(r.etag), crc64: r.crc64, versionID: r.versionId)
    }

    /// Uploads a file as one object, read in parts (never whole in memory), multipart above 8 MiB; waits for
    /// it. The same as `upload(_:)` then `value`.
    @discardableResult
    public func putObject(bucket: String, key: String, fileURL: URL, options: PutOptions = PutOptions())
        async throws -> PutResult {
        let transfer = upload(UploadRequest(bucket: bucket, key: key, source: .file(fileURL),
                                            contentType: options.contentType, metadata: options.metadata))
        let r = try await transfer.value
        return PutResult(etag: r.etag, crc64: r.crc64, versionID: nil)
    }

    /// Reads a whole object into memory (checked against its CRC-64). For large objects use
    /// `getObject(bucket:key:to:)` or `download(_:)`.
    public func getObject(bucket: String, key: String) async throws -> Data {
        let native = self.native
        return try await call { try await native.getObject(bucket: bucket, key: key) }
    }

    /// Downloads an object into a file (ranged parts, verified, moved into place when complete).
    @discardableResult
    public func getObject(bucket: String, key: String, to fileURL: URL) async throws -> ObjectInfo {
        let native = self.native
        let info = try await call { try await native.getToFile(bucket: bucket, key: key, path: fileURL.path) }
        return ObjectInfo(info)
    }

    /// An object's metadata (HeadObject). A missing object throws `OSSError.service` with status 404.
    public func headObject(bucket: String, key: String) async throws -> ObjectInfo {
        let native = self.native
        return ObjectInfo(try await call { try await native.headObject(bucket: bucket, key: key) })
    }

    /// Deletes an object (succeeds when it does not exist).
    public func deleteObject(bucket: String, key: String) async throws {
        let native = self.native
        try await call { try await native.deleteObject(bucket: bucket, key: key) }
    }

    /// The objects under `prefix`, page after page as the sequence is consumed (`pageSize` per request, at most
    /// 1000). Stop iterating to stop fetching.
    public func listObjects(bucket: String, prefix: String? = nil, pageSize: Int? = nil)
        -> AsyncThrowingStream<ObjectSummary, Error> {
        let native = self.native
        let maxKeys = pageSize.map { UInt32(clamping: max(1, min(1000, $0))) }
        return AsyncThrowingStream { continuation in
            let task = Task {
                var token: String?
                repeat {
                    do {
                        let current = token
                        let page = try await cancellable {
                            try await native.listObjects(bucket: bucket, request: ListObjectsRequest(
                                prefix: prefix, delimiter: nil, continuationToken: current, maxKeys: maxKeys))
                        }
                        for o in page.objects {
                            continuation.yield(ObjectSummary(
                                key: o.key, size: o.size, etag: unquoted(o.etag),
                                lastModified: ISO8601DateFormatter.withFractions.date(from: o.lastModified)
                                    ?? ISO8601DateFormatter().date(from: o.lastModified)))
                        }
                        token = page.nextContinuationToken
                    } catch is CancellationError {
                        break
                    } catch {
                        continuation.finish(throwing: OSSError(error))
                        return
                    }
                } while token != nil && !Task.isCancelled
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A presigned request for `method` on `bucket`/`key`, valid for `expiresIn` seconds (and no longer than the
    /// STS token that signs it). `headers` must then be sent as given (e.g. `Content-Type` of a PUT).
    public func presign(method: String, bucket: String, key: String, expiresIn: TimeInterval,
                        headers: [String: String] = [:]) async throws -> PresignedRequest {
        let native = self.native
        let r = try await call {
            try await native.presign(request: PresignRequest(
                method: method, bucket: bucket, key: key, expiresInSecs: UInt64(max(1, expiresIn)), headers: headers))
        }
        guard let url = URL(string: r.url) else { throw OSSError.internal("presigned URL not parseable: \(r.url)") }
        return PresignedRequest(url: url, method: r.method, headers: r.signedHeaders, expiration: r.expiration)
    }

    // MARK: transfers

    private var transferOptions: TransferOptions {
        var o = TransferOptions(partSize: 8 << 20, parallel: 4, multipartThreshold: 8 << 20, progressIntervalMs: 200,
                                contentMd5: false, keepUploadOnCancel: false)
        if let p = configuration.partSize {
            o.partSize = UInt64(max(1, p))
            o.multipartThreshold = UInt64(max(1, p))
        }
        if let c = configuration.concurrency { o.parallel = UInt32(clamping: max(1, c)) }
        return o
    }

    /// Starts an upload at once: multipart above the part size, checkpointed, resumable. See `Transfer`.
    public func upload(_ request: UploadRequest) -> Transfer {
        let hub = TransferHub(autoResume: configuration.resumesWhenNetworkReturns, bucket: request.bucket,
                              key: request.key)
        do {
            let put = OSSDirectBindings.PutOptions(
                contentType: request.contentType, metadata: request.metadata, contentMd5: false,
                forbidOverwrite: false, acl: nil, cacheControl: nil, contentDisposition: nil)
            let t = try native.startUpload(
                request: OSSDirectBindings.UploadRequest(bucket: request.bucket, key: request.key,
                                                         source: try request.source.native(), put: put,
                                                         options: transferOptions),
                listener: hub)
            return Transfer(native: t, hub: hub, bucket: request.bucket, key: request.key)
        } catch {
            return Transfer(failed: OSSError(error), kind: .upload, bucket: request.bucket, key: request.key)
        }
    }

    /// Starts a download into a file at once: ranged parts, checkpointed, resumable. See `Transfer`.
    public func download(_ request: DownloadRequest) -> Transfer {
        let hub = TransferHub(autoResume: configuration.resumesWhenNetworkReturns, bucket: request.bucket,
                              key: request.key)
        do {
            let t = try native.startDownload(
                request: OSSDirectBindings.DownloadRequest(bucket: request.bucket, key: request.key,
                                                           path: request.destination.path, options: transferOptions),
                listener: hub)
            return Transfer(native: t, hub: hub, bucket: request.bucket, key: request.key)
        } catch {
            return Transfer(failed: OSSError(error), kind: .download, bucket: request.bucket, key: request.key)
        }
    }

    /// The unfinished transfers recorded in the checkpoint directory (e.g. by a previous run of the app).
    public func pendingTransfers() async throws -> [TransferRecord] {
        let native = self.native
        return try await call { try await native.pendingTransfers() }.map(TransferRecord.init)
    }

    /// Resumes a recorded transfer. `source` replaces an upload's source (needed for uploads of data or
    /// readers; a file upload resumes from its recorded file). A changed source fails with
    /// `OSSError.sourceChanged`.
    public func resume(_ record: TransferRecord, source: UploadSource? = nil) -> Transfer {
        let hub = TransferHub(autoResume: configuration.resumesWhenNetworkReturns, bucket: record.bucket,
                              key: record.key)
        do {
            let t = try native.resumeTransfer(record: record.native, source: try source?.native(), listener: hub)
            return Transfer(native: t, hub: hub, bucket: record.bucket, key: record.key)
        } catch {
            return Transfer(failed: OSSError(error), kind: record.kind, bucket: record.bucket, key: record.key)
        }
    }

    /// Forgets a recorded transfer: aborts its multipart upload on OSS, removes its checkpoint and partial file.
    public func discard(_ record: TransferRecord) async throws {
        let native = self.native
        let id = record.id
        try await call { try await native.discardTransfer(id: id) }
    }

    /// Pauses every transfer of this client (each stays resumable, also by a new client after a relaunch) and
    /// refuses new calls. Call it when the app is about to be suspended or the user logs out.
    public func close() async {
        native.pauseAllAndClose()
        let deadline = Date().addingTimeInterval(10)
        for t in native.activeTransfers() {
            while Date() < deadline {
                let s = t.snapshot().state
                if s != .running && s != .queued { break }
                await sleep(seconds: 0.02)
            }
        }
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}

extension PutOptions {
    var native: OSSDirectBindings.PutOptions {
        OSSDirectBindings.PutOptions(contentType: contentType, metadata: metadata, contentMd5: false,
                                     forbidOverwrite: false, acl: nil, cacheControl: nil, contentDisposition: nil)
    }
}

extension ObjectInfo {
    init(_ o: OSSDirectBindings.ObjectInfo) {
        self.init(size: o.size, etag: unquoted(o.etag), contentType: o.contentType.isEmpty ? nil : o.contentType,
                  lastModified: Self.httpDate(o.lastModified), crc64: o.crc64, metadata: o.metadata)
    }

    static func httpDate(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: s)
    }
}

extension TransferKind {
    init(_ k: OSSDirectBindings.TransferKind) { self = k == .upload ? .upload : .download }
    var native: OSSDirectBindings.TransferKind { self == .upload ? .upload : .download }
}

extension TransferRecord {
    init(_ r: OSSDirectBindings.TransferRecord) {
        self.init(id: r.id, kind: TransferKind(r.kind), bucket: r.bucket, key: r.key,
                  fileURL: r.localPath.map { URL(fileURLWithPath: $0) }, bytesTransferred: r.bytesDone,
                  totalBytes: r.totalBytes == 0 ? nil : r.totalBytes, sourceName: r.sourceName,
                  lastError: r.lastError)
        nativeRecord = NativeRecord(r)
    }

    var native: OSSDirectBindings.TransferRecord {
        nativeRecord?.value ?? OSSDirectBindings.TransferRecord(
            id: id, kind: kind.native, bucket: bucket, key: key, localPath: fileURL?.path, sourceName: sourceName,
            totalBytes: totalBytes ?? 0, bytesDone: bytesTransferred, partSize: 8 << 20, uploadId: nil, created: nil,
            updated: nil, lastError: lastError, problem: nil)
    }
}

/// The native record behind a `TransferRecord` (part size, upload id), kept for `resume`.
struct NativeRecord: Sendable, Hashable {
    let value: OSSDirectBindings.TransferRecord
    init(_ v: OSSDirectBindings.TransferRecord) { value = v }
}

extension UploadSource {
    func native() throws -> OSSDirectBindings.UploadSource {
        switch self {
        case .file(let url):
            guard url.isFileURL else { throw OSSError.invalidArgument("not a file URL: \(url)") }
            return .file(path: url.path)
        case .data(let data):
            return .bytes(data: data)
        case let .fileDescriptor(fd, identity):
            return .descriptor(fd: fd, identity: identity.native)
        case let .reader(size, identity, read):
            return .reader(reader: ReaderBridge(read), size: size, identity: identity.native)
        }
    }
}

extension SourceIdentity {
    var native: OSSDirectBindings.SourceIdentity { .init(name: name, version: version) }
}

/// The app's read closure as the native library's reader: any error it throws becomes `OSSError.io`.
final class ReaderBridge: OSSDirectBindings.SourceReader, @unchecked Sendable {
    private let read: @Sendable (_ offset: UInt64, _ length: Int) throws -> Data

    init(_ read: @escaping @Sendable (_ offset: UInt64, _ length: Int) throws -> Data) { self.read = read }

    func readAt(offset: UInt64, len: UInt32) throws -> Data {
        do {
            return try read(offset, Int(len))
        } catch let e as OSSError {
            throw e.native
        } catch {
            throw OssError.Io(path: nil, reason: "the app's reader failed: \(error)")
        }
    }
}
