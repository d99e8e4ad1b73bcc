import Foundation
import OSSDirect

/// The demo app's whole state and logic; the SwiftUI views only display `rows` and call these methods.
///
/// Picked photos, videos and files are first copied into the app's inbox directory (a file that stays put),
/// then uploaded from there in resumable parts, so an upload continues after a relaunch.
@MainActor
public final class DemoModel {
    /// One line of the transfer list.
    public struct Row: Identifiable, Sendable, Equatable {
        /// The transfer id.
        public let id: String
        /// The file name shown.
        public var name: String
        /// Upload or download.
        public var kind: TransferKind
        /// The object key.
        public var key: String
        /// Where it stands.
        public var state: TransferState
        /// Bytes done.
        public var bytes: UInt64
        /// Total bytes, when known.
        public var total: UInt64?
        /// Bytes per second.
        public var rate: Double
        /// Seconds left.
        public var eta: TimeInterval?
        /// The last error shown to the user.
        public var error: String?
        /// The file uploaded (for the download-back check).
        public var localFile: URL?
        /// A presigned link, once asked for.
        public var shareURL: URL?
        /// Whether downloading the object back gave the same bytes, once checked.
        public var verified: Bool?

        /// `1.0 MiB of 5.0 MiB`.
        public var progressText: String {
            total.map { "\(Format.bytes(bytes)) of \(Format.bytes($0))" } ?? Format.bytes(bytes)
        }
        /// `0.0 ... 1.0`.
        public var fraction: Double {
            guard let t = total, t > 0 else { return 0 }
            return Double(bytes) / Double(t)
        }
        /// `3.2 MiB/s · 12 s left` while running.
        public var detailText: String {
            guard state == .running else { return "\(state)" }
            let r = Format.rate(rate), e = Format.eta(eta)
            return [r, e.isEmpty ? "" : "\(e) left"].filter { !$0.isEmpty }.joined(separator: " · ")
        }
        /// Whether pause makes sense.
        public var canPause: Bool { state == .running || state == .queued }
        /// Whether resume makes sense.
        public var canResume: Bool { state == .paused || state == .failed }
        /// Whether cancel makes sense.
        public var canCancel: Bool { state != .completed && state != .cancelled }
    }

    /// The transfer list, newest first.
    public private(set) var rows: [Row] = []
    /// The settings in use.
    public private(set) var settings: DemoSettings
    /// Called after every change (the SwiftUI layer republishes).
    public var onChange: (@MainActor () -> Void)?

    private var client: OSSClient?
    private var transfers: [String: Transfer] = [:]
    private var observers: [String: Task<Void, Never>] = [:]
    private let checkpointDirectory: URL?
    private let inbox: URL

    /// A model with the given settings; `inbox` holds copies of picked items, `checkpointDirectory` the
    /// transfers' checkpoints (default: the SDK's, under Application Support).
    public init(settings: DemoSettings, inbox: URL, checkpointDirectory: URL? = nil) {
        self.settings = settings
        self.inbox = inbox
        self.checkpointDirectory = checkpointDirectory
    }

    /// Uses new settings (rebuilds the client; transfers in progress pause and stay resumable).
    public func apply(_ new: DemoSettings) async throws {
        if let problem = new.problems.first { throw OSSError.invalidArgument(problem) }
        if let old = client { await old.close() }
        client = nil
        settings = new
        _ = try makeClient()
        changed()
    }

    private func makeClient() throws -> OSSClient {
        if let client { return client }
        if let problem = settings.problems.first { throw OSSError.invalidArgument(problem) }
        var config = OSSConfiguration(endpoint: URL(string: settings.endpoint)!, region: settings.region)
        config.checkpointDirectory = checkpointDirectory
        let c = try OSSClient(configuration: config, credentials: .tokenEndpoint(
            URL(string: settings.tokenServerURL)!, headers: ["Authorization": "Bearer \(settings.bearerToken)"]))
        client = c
        return c
    }

    /// Uploads a file the user picked (copied into the inbox first). Returns the transfer id.
    @discardableResult
    public func upload(fileURL: URL, name: String? = nil) throws -> String {
        let name = name ?? fileURL.lastPathComponent
        let copy = try inboxCopy(name: name) { try FileManager.default.copyItem(at: fileURL, to: $0) }
        return try startUpload(file: copy, name: name)
    }

    /// Uploads picked bytes (a photo from `PhotosPicker`), written into the inbox first. Returns the transfer id.
    @discardableResult
    public func upload(data: Data, name: String) throws -> String {
        let copy = try inboxCopy(name: name) { try data.write(to: $0) }
        return try startUpload(file: copy, name: name)
    }

    private func inboxCopy(name: String, write: (URL) throws -> Void) throws -> URL {
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let dir = inbox.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try write(url)
        return url
    }

    private func startUpload(file: URL, name: String) throws -> String {
        let client = try makeClient()
        let key = settings.key(for: name)
        let transfer = client.upload(UploadRequest(bucket: settings.bucket, key: key, source: .file(file)))
        track(transfer, row: Row(id: transfer.id, name: name, kind: .upload, key: key, state: .queued, bytes: 0,
                                 total: nil, rate: 0, eta: nil, localFile: file))
        return transfer.id
    }

    private func track(_ transfer: Transfer, row: Row) {
        transfers[row.id] = transfer
        if let i = rows.firstIndex(where: { $0.id == row.id }) { rows[i] = row } else { rows.insert(row, at: 0) }
        observers[row.id]?.cancel()
        let id = row.id
        observers[id] = Task { [weak self] in
            for await event in transfer.events {
                guard let self else { return }
                self.apply(event, to: id)
            }
        }
        changed()
    }

    private func apply(_ event: TransferEvent, to id: String) {
        guard let i = rows.firstIndex(where: { $0.id == id }) else { return }
        switch event {
        case .progress(let p):
            rows[i].bytes = p.bytesTransferred
            rows[i].total = p.totalBytes ?? rows[i].total
            rows[i].rate = p.bytesPerSecond
            rows[i].eta = p.estimatedTimeRemaining
            if rows[i].state == .queued { rows[i].state = .running }
        case .running, .resumed:
            rows[i].state = .running
            rows[i].error = nil
        case .paused:
            rows[i].state = .paused
            rows[i].rate = 0
        case .waiting(let reason):
            rows[i].state = .failed
            rows[i].error = "Waiting for the network (\(reason))"
        case .completed(let result):
            rows[i].state = .completed
            rows[i].bytes = result.size
            rows[i].total = result.size
            rows[i].rate = 0
            rows[i].eta = nil
        case .failed(let error):
            rows[i].state = .failed
            rows[i].error = error.description
            rows[i].rate = 0
        case .cancelled:
            rows[i].state = .cancelled
            rows[i].rate = 0
        case .partFinished, .retrying, .credentialsRefreshed:
            return // the row shows progress and state only
        }
        changed()
    }

    /// Pauses a transfer.
    public func pause(_ id: String) { transfers[id]?.pause() }

    /// Resumes a paused or failed transfer.
    public func resume(_ id: String) { transfers[id]?.resume() }

    /// Cancels a transfer (aborts the multipart upload on OSS) and removes its inbox copy.
    public func cancel(_ id: String) async {
        await transfers[id]?.cancel()
        if let file = rows.first(where: { $0.id == id })?.localFile {
            try? FileManager.default.removeItem(at: file.deletingLastPathComponent())
        }
    }

    /// Waits for a transfer's end (tests and "share when done"); throws its error.
    public func waitUntilDone(_ id: String) async throws {
        guard let t = transfers[id] else { throw OSSError.invalidArgument("no transfer \(id)") }
        _ = try await t.value
    }

    /// At launch: lists the transfers a previous run left unfinished and resumes them.
    public func restore() async throws {
        let client = try makeClient()
        for record in try await client.pendingTransfers() where transfers[record.id] == nil {
            let transfer = client.resume(record)
            track(transfer, row: Row(
                id: record.id, name: (record.fileURL?.lastPathComponent ?? record.key), kind: record.kind,
                key: record.key, state: .queued, bytes: record.bytesTransferred, total: record.totalBytes,
                rate: 0, eta: nil, localFile: record.fileURL))
        }
    }

    /// A presigned GET link to a finished upload, valid for `expiresIn` seconds (and while the STS token is).
    public func shareLink(_ id: String, expiresIn: TimeInterval = 3600) async throws -> URL {
        guard let row = rows.first(where: { $0.id == id }), row.state == .completed else {
            throw OSSError.invalidArgument("the upload is not finished")
        }
        let link = try await makeClient().presign(method: "GET", bucket: settings.bucket, key: row.key,
                                                   expiresIn: expiresIn)
        update(id) { $0.shareURL = link.url }
        return link.url
    }

    /// Downloads a finished upload back and compares it with the local copy.
    public func verifyDownload(_ id: String) async throws -> Bool {
        guard let row = rows.first(where: { $0.id == id }), row.state == .completed, let local = row.localFile else {
            throw OSSError.invalidArgument("the upload is not finished")
        }
        let back = inbox.appendingPathComponent("verify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: back) }
        let download = try makeClient().download(DownloadRequest(bucket: settings.bucket, key: row.key, destination: back))
        _ = try await download.value
        let same = try Self.sameContents(local, back)
        update(id) { $0.verified = same }
        return same
    }

    /// Compares two files in 1 MiB pieces.
    nonisolated static func sameContents(_ a: URL, _ b: URL) throws -> Bool {
        let ha = try FileHandle(forReadingFrom: a), hb = try FileHandle(forReadingFrom: b)
        defer { try? ha.close(); try? hb.close() }
        while true {
            let x = ha.readData(ofLength: 1 << 20), y = hb.readData(ofLength: 1 << 20)
            if x != y { return false }
            if x.isEmpty { return true }
        }
    }

    /// Pauses everything (the app goes to the background or quits).
    public func shutdown() async {
        for o in observers.values { o.cancel() }
        observers.removeAll()
        if let client { await client.close() }
        client = nil
        transfers.removeAll()
    }

    private func update(_ id: String, _ change: (inout Row) -> Void) {
        guard let i = rows.firstIndex(where: { $0.id == id }) else { return }
        change(&rows[i])
        changed()
    }

    private func changed() { onChange?() }
}
