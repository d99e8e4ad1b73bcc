/// Test support: starts and stops `ossdirect dev`, the emulator and the token server as child processes.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `ossdirect dev` (or `ossdirect emulator`) prints on its ready line.
public struct DevInfo: Decodable, Sendable {
    /// A demo user and their bearer token.
    public struct User: Decodable, Sendable {
        /// The user id.
        public let user: String
        /// The bearer token for the token server.
        public let bearerToken: String
        /// A user.
        public init(user: String, bearerToken: String) {
            self.user = user
            self.bearerToken = bearerToken
        }
        enum CodingKeys: String, CodingKey { case user, bearerToken = "bearer_token" }
    }
    /// The OSS endpoint.
    public let ossEndpoint: String
    /// The STS endpoint.
    public let stsEndpoint: String
    /// The region.
    public let region: String
    /// The bucket.
    public let bucket: String
    /// The emulator's RAM user key id.
    public let accessKeyId: String
    /// Its secret.
    public let accessKeySecret: String
    /// The role the token server assumes.
    public let roleArn: String
    /// Per-operation statistics.
    public let statsUrl: String
    /// The token endpoint (`ossdirect dev`).
    public var tokenUrl: String?
    /// The remote-signing endpoint, `POST /sign` (`ossdirect dev`).
    public var signUrl: String?
    /// Demo users (`ossdirect dev`).
    public var users: [User]?

    enum CodingKeys: String, CodingKey {
        case ossEndpoint = "oss_endpoint", stsEndpoint = "sts_endpoint", region, bucket
        case accessKeyId = "access_key_id", accessKeySecret = "access_key_secret", roleArn = "role_arn"
        case statsUrl = "stats_url", tokenUrl = "token_url", signUrl = "sign_url", users
    }

    /// The bearer token of a demo user.
    public func bearer(_ user: String) -> String {
        users?.first { $0.user == user }?.bearerToken ?? ""
    }
}

/// A stack failed to start.
public struct StackError: Error, CustomStringConvertible {
    /// What went wrong, with the process log.
    public let description: String
    /// An error with this text.
    public init(description: String) { self.description = description }
}

/// A child process (the emulator, the token server, `ossdirect dev`), killed when stopped.
public final class ChildProcess: @unchecked Sendable {
    /// The process.
    public let process = Process()
    /// A name for messages.
    public let name: String
    /// Its standard error.
    public let logURL: URL
    private let stdout = Pipe()

    /// Starts `executable`.
    public init(name: String, executable: String, arguments: [String], environment: [String: String] = [:]) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("ossdirect-\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: logURL)
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw StackError(description: "\(executable) is missing: build it with `cargo build -p ossdirect-cli` "
                + "(cargo xtask swift does) or set OSSDIRECT_BIN")
        }
        try process.run()
    }

    /// What it wrote to standard error.
    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// The first line the process writes to standard output, waiting at most `timeout`.
    public func firstLine(timeout: TimeInterval = 30) throws -> String {
        let handle = stdout.fileHandleForReading
        let box = LineBox()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var bytes = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                bytes.append(chunk)
                if bytes.contains(UInt8(ascii: "\n")) { break }
            }
            box.set(String(decoding: bytes, as: UTF8.self))
            done.signal()
        }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            stop()
            throw StackError(description: "\(name) printed no ready line within \(timeout) s; log:\n\(log)")
        }
        let text = box.get()
        guard let line = text.split(separator: "\n").first, !line.isEmpty else {
            stop()
            throw StackError(description: "\(name) exited before its ready line; log:\n\(log)")
        }
        return String(line)
    }

    /// SIGTERM, then SIGKILL after 5 s; waits (bounded) until the process is gone.
    public func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            let hard = Date().addingTimeInterval(5)
            while process.isRunning && Date() < hard { usleep(20_000) }
        }
    }

    deinit { stop() }
}

private final class LineBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    func set(_ v: String) { lock.lock(); value = v; lock.unlock() }
    func get() -> String { lock.lock(); defer { lock.unlock() }; return value }
}

/// Paths of the binaries, passed in by `cargo xtask swift` (defaults: the workspace's target/debug).
/// Paths of the binaries, passed in by `cargo xtask swift`.
public enum Binaries {
    /// The repository root.
    public static var repository: URL {
        // bindings-swift/Sources/OSSDirectTestSupport/DevStack.swift -> the repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
    /// `ossdirect`.
    public static var cli: String {
        ProcessInfo.processInfo.environment["OSSDIRECT_BIN"]
            ?? repository.appendingPathComponent("target/debug/ossdirect").path
    }
    /// `ossdirect-server`.
    public static var server: String {
        ProcessInfo.processInfo.environment["OSSDIRECT_SERVER_BIN"]
            ?? repository.appendingPathComponent("target/debug/ossdirect-server").path
    }
}

/// `ossdirect dev`: the emulator and the token server on loopback ports, with demo users alice and bob, who
/// may put, get, delete, list (with a prefix inside their own), list parts and abort under `users/<user>/`,
/// with credentials from `tokenURL` or signatures from `signURL`. Stop it with `stop()` (tests do, in
/// `tearDown` or `defer`).
public final class DevStack: @unchecked Sendable {
    /// Its ready line.
    public let info: DevInfo
    /// The emulator's data directory.
    public let dataDir: URL
    private var child: ChildProcess
    private let arguments: [String]

    /// Starts `ossdirect dev` with a fresh data directory (or the given one: restarts keep the objects).
    public init(dataDir: URL? = nil, extraArguments: [String] = []) throws {
        let dir = dataDir ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("ossdirect-dev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        self.dataDir = dir
        arguments = ["dev", "--data-dir", dir.path] + extraArguments
        child = try ChildProcess(name: "dev", executable: Binaries.cli, arguments: arguments)
        let line = try child.firstLine()
        info = try JSONDecoder().decode(DevInfo.self, from: Data(line.utf8))
    }

    /// The token endpoint.
    public var tokenURL: URL { URL(string: info.tokenUrl!)! }

    /// The remote-signing endpoint (`POST /sign`).
    public var signURL: URL { URL(string: info.signUrl!)! }

    /// Stops the stack (the data directory stays for `restart`).
    public func stop() { child.stop() }

    /// Starts it again on the same ports and data directory (after `stop`). Bearer tokens change.
    public func restart() throws -> DevInfo {
        let oss = URL(string: info.ossEndpoint)!
        let token = URL(string: info.tokenUrl!)!
        let args = arguments + ["--listen-oss", "127.0.0.1:\(oss.port!)", "--listen-token", "127.0.0.1:\(token.port!)"]
        var lastError: Error?
        // The port may take a moment to be free again.
        for _ in 0..<50 {
            do {
                child = try ChildProcess(name: "dev", executable: Binaries.cli, arguments: args)
                let line = try child.firstLine()
                return try JSONDecoder().decode(DevInfo.self, from: Data(line.utf8))
            } catch {
                lastError = error
                usleep(100_000)
            }
        }
        throw lastError ?? StackError(description: "restart failed")
    }

    deinit {
        child.stop()
        try? FileManager.default.removeItem(at: dataDir)
    }
}

/// The emulator and a token server configured by the test: credentials living `stsMaxLifetime` seconds,
/// optional remote signing (`POST /sign`). One bearer token for user alice.
public final class CustomStack: @unchecked Sendable {
    /// The emulator's ready line plus the token URL and alice.
    public let info: DevInfo
    /// `GET /sts-token`.
    public let tokenURL: URL
    /// `POST /sign`.
    public let signURL: URL
    /// Alice's bearer token.
    public let bearer = "swift-test-" + UUID().uuidString
    private let emulator: ChildProcess
    private let server: ChildProcess
    private let dir: URL

    /// Starts the emulator, then the token server.
    public init(stsMaxLifetime: Int? = nil, refreshMarginSeconds: Int = 300, signing: Bool = false,
         actions: [String] = ["oss:PutObject", "oss:GetObject", "oss:ListParts", "oss:AbortMultipartUpload"]) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ossdirect-stack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var emuArgs = ["emulator", "--listen", "127.0.0.1:0", "--sts-listen", "127.0.0.1:0",
                       "--data-dir", dir.appendingPathComponent("data").path]
        if let life = stsMaxLifetime { emuArgs += ["--sts-max-lifetime", String(life)] }
        emulator = try ChildProcess(name: "emulator", executable: Binaries.cli, arguments: emuArgs)
        let emuInfo = try JSONDecoder().decode(DevInfo.self, from: Data(try emulator.firstLine().utf8))
        let actionList = actions.map { "\"\($0)\"" }.joined(separator: ", ")
        let config = """
            listen = "127.0.0.1:0"
            [sts]
            endpoint = "\(emuInfo.stsEndpoint)"
            region = "\(emuInfo.region)"
            role_arn = "\(emuInfo.roleArn)"
            duration_seconds = 900
            [policy]
            bucket = "\(emuInfo.bucket)"
            prefix = "users/${user}/"
            actions = [\(actionList)]
            [auth]
            [[auth.tokens]]
            user = "alice"
            token = "\(bearer)"
            [cache]
            refresh_margin_seconds = \(refreshMarginSeconds)
            [rate_limit]
            enabled = false
            [signing]
            enabled = \(signing)
            region = "\(emuInfo.region)"
            """
        let configURL = dir.appendingPathComponent("server.toml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        server = try ChildProcess(
            name: "server", executable: Binaries.server,
            arguments: ["--config", configURL.path, "--log-format", "json"],
            environment: ["ALIBABA_CLOUD_ACCESS_KEY_ID": emuInfo.accessKeyId,
                          "ALIBABA_CLOUD_ACCESS_KEY_SECRET": emuInfo.accessKeySecret,
                          "RUST_LOG": "info"])
        // The server logs `{"addr":"127.0.0.1:PORT", "message":"token vending server listening", ...}`.
        var address: String?
        let deadline = Date().addingTimeInterval(30)
        while address == nil && Date() < deadline && server.process.isRunning {
            for line in server.log.split(separator: "\n") where line.contains("token vending server listening") {
                if let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                    address = (obj["addr"] as? String) ?? ((obj["fields"] as? [String: Any])?["addr"] as? String)
                }
            }
            if address == nil { usleep(50_000) }
        }
        guard let addr = address else {
            emulator.stop(); server.stop()
            throw StackError(description: "the token server did not start; log:\n\(server.log)")
        }
        var i = emuInfo
        i.tokenUrl = "http://\(addr)/sts-token"
        i.users = [.init(user: "alice", bearerToken: bearer)]
        info = i
        tokenURL = URL(string: "http://\(addr)/sts-token")!
        signURL = URL(string: "http://\(addr)/sign")!
    }

    /// The token server's log.
    public var serverLog: String { server.log }

    /// Stops both.
    public func stop() {
        server.stop()
        emulator.stop()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: dir)
    }
}
