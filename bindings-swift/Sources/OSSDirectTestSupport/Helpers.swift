import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An operation ran past its bound.
public struct TimeoutError: Error, CustomStringConvertible {
    /// The bound.
    public let seconds: Double
    /// What timed out.
    public let what: String
    /// A bound for `what`.
    public init(seconds: Double, what: String) { self.seconds = seconds; self.what = what }
    public var description: String { "\(what) did not finish within \(seconds) s" }
}

/// Runs `operation`, failing with `TimeoutError` after `seconds` (the operation's task is cancelled).
public func withTimeout<T: Sendable>(
    _ seconds: Double, _ what: String = "operation", _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            throw TimeoutError(seconds: seconds, what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A fresh temporary directory (the caller removes it).
public func makeTemporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ossdirect-swift-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Deterministic bytes: a cheap generator, so different offsets hold different data.
public func patternData(_ size: Int, seed: UInt64 = 1) -> Data {
    var data = Data(count: size)
    data.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
        var x = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let words = raw.bindMemory(to: UInt64.self)
        for i in 0..<words.count {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            words[i] = x
        }
        for i in (words.count * 8)..<size { raw[i] = UInt8(truncatingIfNeeded: i) }
    }
    return data
}

/// Writes `size` pattern bytes to a file in `dir`, in 8 MiB pieces (never the whole file in memory).
public func makeFile(in dir: URL, name: String = "source.bin", size: Int, seed: UInt64 = 1) throws -> URL {
    let url = dir.appendingPathComponent(name)
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var written = 0
    var piece = 0
    while written < size {
        let n = min(8 << 20, size - written)
        handle.write(patternData(n, seed: seed &+ UInt64(piece)))
        written += n
        piece += 1
    }
    return url
}

/// A plain HTTP request with URLSession (FoundationNetworking on Linux), bounded by `timeout`.
public func http(_ method: String, _ url: URL, body: Data? = nil, headers: [String: String] = [:],
          timeout: TimeInterval = 20) async throws -> (status: Int, body: Data, headers: [String: String]) {
    var request = URLRequest(url: url, timeoutInterval: timeout)
    request.httpMethod = method
    request.httpBody = body
    for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
    let box = SessionBox()
    return try await withCheckedThrowingContinuation { cont in
        let task = box.session.dataTask(with: request) { data, response, error in
            if let error { cont.resume(throwing: error); return }
            let http = response as! HTTPURLResponse
            var h: [String: String] = [:]
            for (k, v) in http.allHeaderFields { h[String(describing: k).lowercased()] = String(describing: v) }
            cont.resume(returning: (http.statusCode, data ?? Data(), h))
        }
        task.resume()
    }
}

private final class SessionBox: @unchecked Sendable {
    let session = URLSession(configuration: .ephemeral)
    deinit { session.finishTasksAndInvalidate() }
}

/// The emulator's per-operation request counts (`GET /_emulator/stats`).
public func operationCounts(_ info: DevInfo) async throws -> [String: Int] {
    let (_, body, _) = try await http("GET", URL(string: info.statsUrl)!)
    let obj = try JSONSerialization.jsonObject(with: body) as? [String: Any]
    let ops = obj?["operations"] as? [String: [String: Any]] ?? [:]
    return ops.mapValues { ($0["count"] as? Int) ?? 0 }
}

/// Adds fault rules to the emulator (`POST /_emulator/faults`).
public func addFaults(_ info: DevInfo, _ rules: [String]) async throws {
    let body = try JSONSerialization.data(withJSONObject: rules)
    let (status, text, _) = try await http("POST", URL(string: info.ossEndpoint + "/_emulator/faults")!, body: body,
                                           headers: ["Content-Type": "application/json"])
    guard status == 200 else {
        throw StackError(description: "faults refused: \(status) \(String(decoding: text, as: UTF8.self))")
    }
}

/// Removes every fault rule.
public func clearFaults(_ info: DevInfo) async throws {
    _ = try await http("DELETE", URL(string: info.ossEndpoint + "/_emulator/faults")!)
}

/// Multipart uploads the emulator still holds for a bucket (its data directory:
/// `buckets/<bucket>/uploads/<id>/`).
public func inProgressUploads(dataDir: URL, bucket: String) -> [String] {
    let dir = dataDir.appendingPathComponent("buckets").appendingPathComponent(bucket).appendingPathComponent("uploads")
    return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }
}

/// Resident memory of this process in bytes (Linux `/proc/self/statm`; 0 elsewhere).
public func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * 4096
}

/// Collects a transfer's events in the background.
public final class EventLog: @unchecked Sendable {
    /// An empty log.
    public init() {}
    private let lock = NSLock()
    private var items: [String] = []
    private var progress: [UInt64] = []
    private var total: UInt64?

    /// Adds an event name.
    public func add(_ name: String) { lock.lock(); items.append(name); lock.unlock() }
    /// Adds a progress value.
    public func addProgress(_ done: UInt64, total t: UInt64?) {
        lock.lock(); progress.append(done); if let t { total = t }; lock.unlock()
    }
    /// Event names so far.
    public var names: [String] { lock.lock(); defer { lock.unlock() }; return items }
    /// Progress values so far.
    public var progressValues: [UInt64] { lock.lock(); defer { lock.unlock() }; return progress }
    /// The total reported.
    public var totalBytes: UInt64? { lock.lock(); defer { lock.unlock() }; return total }
}
