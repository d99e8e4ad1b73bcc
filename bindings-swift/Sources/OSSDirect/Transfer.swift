import Foundation
import OSSDirectBindings

/// A running upload or download. It starts when created and runs whether or not anyone awaits it; every
/// method returns at once and is safe from any thread or actor.
///
/// - `events`: progress and state changes, as an `AsyncStream` per subscriber.
/// - `value`: waits for the result. Cancelling the awaiting Task **pauses** the transfer (nothing is lost;
///   `resume()` continues), even when it is cancelled before the transfer started moving bytes.
/// - `pause()`, `resume()`: idempotent. `cancel()`: aborts the multipart upload on OSS and removes the
///   checkpoint (or the partial download).
public final class Transfer: Sendable {
    /// A stable id: the checkpoint's, so the same after a relaunch (see `OSSClient.pendingTransfers()`).
    public let id: String
    /// Upload or download.
    public let kind: TransferKind
    /// The bucket.
    public let bucket: String
    /// The key.
    public let key: String

    let native: OSSDirectBindings.Transfer?
    let hub: TransferHub
    private let startError: OSSError?

    init(native: OSSDirectBindings.Transfer, hub: TransferHub, bucket: String, key: String) {
        id = native.id()
        kind = native.kind() == .upload ? .upload : .download
        self.bucket = bucket
        self.key = key
        self.native = native
        self.hub = hub
        startError = nil
        hub.attach(native)
    }

    /// A transfer that could not start (e.g. its client was closed): `value` throws `error`.
    init(failed error: OSSError, kind: TransferKind, bucket: String, key: String) {
        id = "failed-" + UUID().uuidString
        self.kind = kind
        self.bucket = bucket
        self.key = key
        native = nil
        hub = TransferHub(autoResume: false, bucket: bucket, key: key)
        startError = error
        hub.failToStart(error)
    }

    /// Progress and state changes from now on (the current progress first), in order. Each access is a new
    /// subscriber. The stream ends after `completed` or `cancelled`; after `failed` it stays open, since
    /// `resume()` may continue the transfer.
    public var events: AsyncStream<TransferEvent> { hub.subscribe() }

    /// Where it stands now.
    public var snapshot: TransferSnapshot {
        guard let native else {
            return TransferSnapshot(id: id, kind: kind, state: .failed, bytesTransferred: 0, totalBytes: nil,
                                    error: startError)
        }
        let s = native.snapshot()
        return TransferSnapshot(id: id, kind: kind, state: TransferState(s.state), bytesTransferred: s.bytesDone,
                                totalBytes: s.bytesTotal == 0 ? nil : s.bytesTotal, error: s.error.map(OSSError.init))
    }

    /// The result, once the transfer completes. Throws its error when it fails (a network failure with
    /// `resumesWhenNetworkReturns` keeps waiting while the transfer waits for the network), `OSSError.cancelled`
    /// when cancelled, and `CancellationError` at once when the awaiting Task is cancelled — which pauses the
    /// transfer.
    public var value: TransferResult {
        get async throws {
            guard let native else { throw startError ?? .internal("no transfer") }
            let hub = self.hub, bucket = self.bucket, key = self.key
            return try await cancellable(onCancel: {
                hub.pausedByTaskCancellation()
                native.pause()
            }) {
                try await Self.result(of: native, hub: hub, bucket: bucket, key: key)
            }
        }
    }

    private static func result(of native: OSSDirectBindings.Transfer, hub: TransferHub, bucket: String,
                               key: String) async throws -> TransferResult {
        while true {
            try Task.checkCancellation()
            await hub.waitWhileRestarting(native)
            do {
                let r = try await native.result()
                return TransferResult(bucket: bucket, key: key, size: r.size, etag: unquoted(r.etag), crc64: r.crc64)
            } catch {
                let e = OSSError(error)
                if hub.willResumeByItself(after: e) {
                    // Waiting for the network: the transfer resumes by itself; wait for its next outcome.
                    await hub.waitUntilNotFailed(native)
                    continue
                }
                throw e
            }
        }
    }

    /// Stops moving bytes after the parts in flight, keeping everything done (idempotent).
    public func pause() {
        hub.userPaused(true)
        native?.pause()
    }

    /// Continues a paused or failed transfer from its checkpoint (idempotent).
    public func resume() {
        guard let native else { return }
        hub.userPaused(false)
        hub.restarting(native)
        native.resume()
    }

    /// Cancels: aborts the multipart upload on OSS, removes the checkpoint or partial file; returns when that
    /// is done (at most about 30 s). Idempotent; holds even before the transfer started.
    public func cancel() async {
        guard let native else { return }
        hub.userPaused(true)
        native.cancel()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let state = native.snapshot().state
            if state == .cancelled || state == .completed { break }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}

func unquoted(_ etag: String) -> String {
    etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
}

extension TransferState {
    init(_ s: OSSDirectBindings.TransferState) {
        switch s {
        case .queued: self = .queued
        case .running: self = .running
        case .paused: self = .paused
        case .completed: self = .completed
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
    }
}

/// Receives a transfer's native reports (on SDK threads), turns them into `TransferEvent`s for every
/// subscriber, computes rate and ETA, keeps progress monotone, and resumes after network failures.
final class TransferHub: OSSDirectBindings.TransferListener, @unchecked Sendable {
    private struct State {
        var subscribers: [UUID: AsyncStream<TransferEvent>.Continuation] = [:]
        var state: TransferState?
        var bytes: UInt64 = 0
        var total: UInt64?
        var samples: [(time: Date, bytes: UInt64)] = []
        var finished = false
        var terminal: TransferEvent?
        var userPaused = false
        var restartingSince: Date?
        var waitToken: UUID?
        var retryDelay: Double = 1
    }

    private let state = Locked(State())
    private let autoResume: Bool
    private let bucket: String
    private let key: String
    private var native: OSSDirectBindings.Transfer?

    init(autoResume: Bool, bucket: String, key: String) {
        self.autoResume = autoResume
        self.bucket = bucket
        self.key = key
    }

    func attach(_ transfer: OSSDirectBindings.Transfer) {
        state.withLock { _ in native = transfer }
    }

    func subscribe() -> AsyncStream<TransferEvent> {
        AsyncStream { continuation in
            let id = UUID()
            // Replay and registration under the lock that `emit` takes too: no event is missed or reordered.
            let registered: Bool = state.withLock { s in
                if s.bytes > 0 { continuation.yield(.progress(progress(s))) }
                if let terminal = s.terminal {
                    continuation.yield(terminal)
                    return false
                }
                if s.finished { return false }
                s.subscribers[id] = continuation
                return true
            }
            guard registered else {
                continuation.finish()
                return
            }
            continuation.onTermination = { [weak self] _ in
                self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
            }
        }
    }

    private func progress(_ s: State) -> TransferProgress {
        var rate = 0.0
        if let first = s.samples.first, let last = s.samples.last, last.time > first.time {
            rate = Double(last.bytes - first.bytes) / last.time.timeIntervalSince(first.time)
        }
        var eta: TimeInterval?
        if let total = s.total, rate > 0 { eta = Double(total - min(total, s.bytes)) / rate }
        if s.total != nil && s.bytes == s.total { eta = 0 }
        return TransferProgress(bytesTransferred: s.bytes, totalBytes: s.total, bytesPerSecond: rate,
                                estimatedTimeRemaining: eta)
    }

    private func emit(_ events: [TransferEvent], finish: Bool = false) {
        // Yields under the lock (ordering); `finish()` outside it, as it calls `onTermination`, which locks.
        let ended = state.withLock { s -> [AsyncStream<TransferEvent>.Continuation] in
            for c in s.subscribers.values {
                for e in events { c.yield(e) }
            }
            guard finish else { return [] }
            s.finished = true
            defer { s.subscribers.removeAll() }
            return Array(s.subscribers.values)
        }
        for c in ended { c.finish() }
    }

    /// Records bytes (never going back) and returns a progress event when they grew.
    private func record(_ snapshot: OSSDirectBindings.TransferSnapshot) -> TransferEvent? {
        state.withLock { s in
            if snapshot.bytesTotal > 0 { s.total = snapshot.bytesTotal }
            guard snapshot.bytesDone > s.bytes else { return nil }
            s.bytes = snapshot.bytesDone
            let now = Date()
            s.samples.append((now, s.bytes))
            s.samples.removeAll { now.timeIntervalSince($0.time) > 3 }
            if s.samples.count > 1 { s.retryDelay = 1 }
            return .progress(progress(s))
        }
    }

    // MARK: TransferListener (called on SDK threads, in order)

    func onProgress(snapshot: OSSDirectBindings.TransferSnapshot) {
        if let p = record(snapshot) { emit([p]) }
    }

    func onEvent(event: OSSDirectBindings.TransferEvent) {
        switch event {
        case let .partFinished(number, bytes): emit([.partFinished(number: number, bytes: bytes)])
        case let .retrying(attempt, reason, _): emit([.retrying(attempt: attempt, reason: reason)])
        case .credentialsRefreshed: emit([.credentialsRefreshed])
        }
    }

    func onStateChanged(snapshot: OSSDirectBindings.TransferSnapshot) {
        var events: [TransferEvent] = []
        if let p = record(snapshot) { events.append(p) }
        let new = TransferState(snapshot.state)
        let (previous, paused) = state.withLock { s -> (TransferState?, Bool) in
            let p = s.state
            s.state = new
            s.restartingSince = nil
            return (p, s.userPaused)
        }
        var finish = false
        switch new {
        case .queued:
            break
        case .running:
            events.append(previous == nil || previous == .queued ? .running : .resumed)
        case .paused:
            events.append(.paused)
        case .completed:
            // The last progress report may predate the end: progress ends at the size.
            let final: TransferEvent? = state.withLock { s in
                guard let total = s.total ?? (s.bytes > 0 ? s.bytes : nil), s.bytes < total else { return nil }
                s.bytes = total
                return .progress(progress(s))
            }
            if let final { events.append(final) }
            emit(events)
            // The result (ETag, CRC-64) is the native task's; it is there once the state is completed.
            let (native, bucket, key) = state.withLock { _ in (self.native, self.bucket, self.key) }
            Task {
                let event: TransferEvent
                do {
                    guard let native else { throw OSSError.internal("the transfer was released") }
                    let r = try await native.result()
                    event = .completed(TransferResult(bucket: bucket, key: key, size: r.size, etag: unquoted(r.etag),
                                                      crc64: r.crc64))
                } catch {
                    event = .failed(OSSError(error))
                }
                self.state.withLock { $0.terminal = event }
                self.emit([event], finish: true)
            }
            return
        case .failed:
            let error = snapshot.error.map(OSSError.init) ?? .internal("failed without an error")
            if autoResume && error.isNetwork && !paused {
                events.append(.waiting(reason: error))
                scheduleResume()
            } else {
                events.append(.failed(error))
            }
        case .cancelled:
            events.append(.cancelled)
            finish = true
        }
        if finish {
            let last = events.last
            state.withLock { $0.terminal = last }
        }
        emit(events, finish: finish)
    }

    // MARK: network awareness

    /// After a network failure: once the path is satisfied (NWPathMonitor where it exists), wait a growing
    /// delay (1 s, 2 s, … 30 s; reset by progress) and resume.
    private func scheduleResume() {
        let delay = state.withLock { s -> Double in
            let d = s.retryDelay
            s.retryDelay = min(30, s.retryDelay * 2)
            return d
        }
        let token = NetworkWatcher.shared.whenSatisfied { [weak self] in
            Task {
                await sleep(seconds: delay)
                guard let self else { return }
                let (native, go) = self.state.withLock { s in (self.native, !s.userPaused && s.state == .failed) }
                if go, let native {
                    Log.info("resuming transfer \(native.id()) after a network failure")
                    self.restarting(native)
                    native.resume()
                }
            }
        }
        state.withLock { $0.waitToken = token }
    }

    func willResumeByItself(after error: OSSError) -> Bool {
        autoResume && error.isNetwork && !state.withLock { $0.userPaused }
    }

    func userPaused(_ paused: Bool) {
        let token: UUID? = state.withLock { s in
            s.userPaused = paused
            if paused, let t = s.waitToken {
                s.waitToken = nil
                return t
            }
            return nil
        }
        if let token { NetworkWatcher.shared.cancelWait(token) }
    }

    func pausedByTaskCancellation() {
        userPaused(true)
        Log.debug("a Task awaiting a transfer was cancelled: pausing it")
    }

    /// `resume()` on a failed transfer: its state stays `failed` for a moment; `value` waits for the change.
    func restarting(_ native: OSSDirectBindings.Transfer) {
        if native.snapshot().state == .failed {
            state.withLock { $0.restartingSince = Date() }
        }
    }

    func waitWhileRestarting(_ native: OSSDirectBindings.Transfer) async {
        while let since = state.withLock({ $0.restartingSince }), Date().timeIntervalSince(since) < 5,
              native.snapshot().state == .failed, !Task.isCancelled {
            await sleep(seconds: 0.02)
        }
    }

    func waitUntilNotFailed(_ native: OSSDirectBindings.Transfer) async {
        while native.snapshot().state == .failed, !Task.isCancelled {
            await sleep(seconds: 0.05)
        }
    }

    func failToStart(_ error: OSSError) {
        state.withLock { s in
            s.state = .failed
            s.terminal = .failed(error)
        }
    }
}
