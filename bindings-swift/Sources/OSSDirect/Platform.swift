import Foundation
#if canImport(Network)
import Network
#endif
#if canImport(os)
import os
#endif

/// Where resumable transfers keep their checkpoints by default.
public enum CheckpointDirectory {
    /// `Application Support/OSSDirect/transfers` of the app (created if needed and excluded from iCloud and
    /// iTunes backups: the files are only useful on this device). On Linux: `$XDG_DATA_HOME` or
    /// `~/.local/share`, then `OSSDirect/transfers`.
    ///
    /// The path holds no sandbox container identifiers in the checkpoints themselves (they record the bucket,
    /// key and source identity), so transfers resume after an app update moves the container.
    public static func `default`() throws -> URL {
        let base = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        var dir = base.appendingPathComponent("OSSDirect", isDirectory: true)
            .appendingPathComponent("transfers", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try excludeFromBackup(&dir)
        return dir
    }

    /// Marks a directory as excluded from backups (`URLResourceValues.isExcludedFromBackup`, Apple platforms).
    static func excludeFromBackup(_ url: inout URL) throws {
        #if canImport(Darwin)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try url.setResourceValues(values)
        #endif
    }

    /// Whether the directory is excluded from backups (always `true` where there are no backups).
    public static func isExcludedFromBackup(_ url: URL) -> Bool {
        #if canImport(Darwin)
        return (try? url.resourceValues(forKeys: [.isExcludedFromBackupKey]).isExcludedFromBackup) == true
        #else
        return true
        #endif
    }
}

/// Network reachability: `NWPathMonitor` where the Network framework exists; elsewhere the network is
/// assumed reachable. Transfers that failed for the network wait for a satisfied path, then resume.
final class NetworkWatcher: @unchecked Sendable {
    static let shared = NetworkWatcher()

    private let lock = NSLock()
    private var satisfied = true
    private var waiters: [UUID: @Sendable () -> Void] = [:]
    #if canImport(Network)
    private let monitor = NWPathMonitor()
    #endif

    private init() {
        #if canImport(Network)
        monitor.pathUpdateHandler = { [weak self] path in
            self?.update(satisfied: path.status == .satisfied)
        }
        monitor.start(queue: DispatchQueue(label: "ossdirect.network"))
        #endif
    }

    /// Whether the network looks usable now.
    var isSatisfied: Bool {
        lock.lock(); defer { lock.unlock() }
        return satisfied
    }

    /// For tests and platforms without a monitor: what the monitor would report.
    func update(satisfied now: Bool) {
        lock.lock()
        satisfied = now
        let ready = now ? waiters : [:]
        if now { waiters.removeAll() }
        lock.unlock()
        for (_, w) in ready { w() }
        Log.debug("network path \(now ? "satisfied" : "unsatisfied")")
    }

    /// Calls `action` once the network is (or becomes) usable; the returned token cancels the wait.
    @discardableResult
    func whenSatisfied(_ action: @escaping @Sendable () -> Void) -> UUID {
        let id = UUID()
        lock.lock()
        if satisfied {
            lock.unlock()
            action()
            return id
        }
        waiters[id] = action
        lock.unlock()
        return id
    }

    func cancelWait(_ id: UUID) {
        lock.lock(); waiters[id] = nil; lock.unlock()
    }
}

/// The SDK's own log lines: `os.Logger` (subsystem `com.ossdirect`) where it exists, otherwise standard error
/// when `OSSDIRECT_SWIFT_LOG` is set. Lines never contain secrets.
enum Log {
    enum Level: String { case debug, info, error }

    #if canImport(os)
    private static let logger = Logger(subsystem: "com.ossdirect", category: "sdk")
    #else
    private static let toStderr = ProcessInfo.processInfo.environment["OSSDIRECT_SWIFT_LOG"] != nil
    #endif

    static func debug(_ message: @autoclosure () -> String) { write(.debug, message()) }
    static func info(_ message: @autoclosure () -> String) { write(.info, message()) }
    static func error(_ message: @autoclosure () -> String) { write(.error, message()) }

    static func write(_ level: Level, _ message: String) {
        #if canImport(os)
        switch level {
        case .debug: logger.debug("\(message, privacy: .public)")
        case .info: logger.info("\(message, privacy: .public)")
        case .error: logger.error("\(message, privacy: .public)")
        }
        #else
        if toStderr { FileHandle.standardError.write(Data("ossdirect \(level.rawValue): \(message)\n".utf8)) }
        #endif
    }
}

#if os(Linux)
import Glibc
#endif

/// Process-wide settings the native library relies on.
enum ProcessSetup {
    /// On Linux a write to a socket the server already closed raises SIGPIPE, which kills the process unless it
    /// is ignored (Rust programs ignore it at start; a Swift process loading the library does not). Apple
    /// platforms need nothing: the sockets are created with `SO_NOSIGPIPE`.
    static let once: Void = {
        #if os(Linux)
        _ = signal(SIGPIPE, SIG_IGN)
        #endif
    }()
}
