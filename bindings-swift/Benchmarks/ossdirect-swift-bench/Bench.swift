// `cargo xtask bench swift [SIZE_MIB]`: a SIZE (default 1024 MiB) upload and download through the Swift API
// against `ossdirect upload` / `ossdirect download` on the same emulator (`ossdirect dev`), same part size and
// parallelism (the defaults: 8 MiB, 4). Prints one line per run and the Swift/CLI throughput ratios; exits 1
// when a ratio is below 0.95. Run it on the same build profile for both (the CLI and the library come from the
// same `cargo build`).
import Foundation
import OSSDirect
import OSSDirectTestSupport

@main
struct Bench {
    static func main() async {
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("bench failed: \(error)\n".utf8))
            exit(2)
        }
    }

    static func timed(_ what: String, bytes: Int, _ body: () async throws -> Void) async throws -> Double {
        let start = Date()
        try await body()
        let seconds = Date().timeIntervalSince(start)
        let mibps = Double(bytes) / 1_048_576 / seconds
        print(String(format: "%-22@ %8.2f s  %8.1f MiB/s", what as NSString, seconds, mibps))
        return mibps
    }

    static func cli(_ args: [String], env: [String: String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Binaries.cli)
        p.arguments = args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw StackError(description: "ossdirect \(args[0]) failed") }
    }

    static func run() async throws {
        let mib = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1024
        let size = mib << 20
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stack = try DevStack(dataDir: dir.appendingPathComponent("emulator"))
        defer { stack.stop() }
        let info = stack.info
        let file = try makeFile(in: dir, size: size)
        var config = OSSConfiguration(endpoint: URL(string: info.ossEndpoint)!, region: info.region)
        config.checkpointDirectory = dir.appendingPathComponent("checkpoints")
        let client = try OSSClient(configuration: config, credentials: .staticCredentials(
            STSCredentials(accessKeyId: info.accessKeyId, accessKeySecret: info.accessKeySecret)))
        let env = ["OSS_ENDPOINT": info.ossEndpoint, "OSS_REGION": info.region,
                   "OSS_ACCESS_KEY_ID": info.accessKeyId, "OSS_ACCESS_KEY_SECRET": info.accessKeySecret]
        print("\(mib) MiB through ossdirect dev at \(info.ossEndpoint)")

        let cliUp = try await timed("cli upload", bytes: size) {
            try cli(["upload", file.path, "oss://\(info.bucket)/bench/cli.bin", "--quiet", "--no-resume"], env: env)
        }
        let swiftUp = try await timed("swift upload", bytes: size) {
            _ = try await client.upload(UploadRequest(bucket: info.bucket, key: "bench/swift.bin", source: .file(file))).value
        }
        let cliDown = try await timed("cli download", bytes: size) {
            try cli(["download", "oss://\(info.bucket)/bench/cli.bin", dir.appendingPathComponent("cli.out").path,
                     "--quiet", "--no-resume"], env: env)
        }
        let swiftDown = try await timed("swift download", bytes: size) {
            _ = try await client.download(DownloadRequest(bucket: info.bucket, key: "bench/swift.bin",
                                                          destination: dir.appendingPathComponent("swift.out"))).value
        }
        let up = swiftUp / cliUp, down = swiftDown / cliDown
        print(String(format: "ratio swift/cli: upload %.3f, download %.3f (at least 0.95 wanted)", up, down))
        if up < 0.95 || down < 0.95 { exit(1) }
    }
}
