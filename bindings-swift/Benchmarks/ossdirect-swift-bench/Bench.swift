// `cargo xtask bench swift [SIZE_MIB]`: a SIZE (default 1024 MiB) upload and download through the Swift API
// against `ossdirect upload` / `ossdirect download` on the same emulator (`ossdirect dev`), same part size and
// parallelism (the defaults: 8 MiB, 4), alternating, best of five each. Prints one line per run, the Swift/CLI
// throughput ratios and this process's peak RSS; exits 1 when a ratio is below 0.95. The library, the CLI and
// this program are release builds (`cargo xtask bench swift` builds them).
import Foundation
import OSSDirect
import OSSDirectTestSupport

@main
struct Bench {
    static func main() async {
        do {
            // Exits after `run` returned, so its clean-up (the stack, the temporary files) has run.
            let passed = try await run()
            if !passed { exit(1) }
        } catch {
            FileHandle.standardError.write(Data("bench failed: \(error)\n".utf8))
            exit(2)
        }
    }

    /// Runs `body` after a `sync` (not timed) and prints and returns its throughput in MiB/s.
    static func timed(_ what: String, bytes: Int, _ body: () async throws -> Void) async throws -> Double {
        sync()
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

    /// Runs the benchmark; whether both ratios reach 0.95.
    static func run() async throws -> Bool {
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

        // Alternating, best of five each (a one-off stall on a shared machine does not decide the ratio); who
        // goes first changes each round, and each run starts after a `sync` (not timed), so none pays for
        // flushing the previous run's writes.
        // Untimed warm-up: both keys exist before the timed runs (the first upload to a new key ran up to 30 %
        // faster than every overwrite after it, a gift to whoever went first).
        try cli(["upload", file.path, "oss://\(info.bucket)/bench/cli.bin", "--quiet", "--no-resume"], env: env)
        _ = try await client.upload(UploadRequest(bucket: info.bucket, key: "bench/swift.bin", source: .file(file))).value
        let rounds = 5
        var cliUp = 0.0, swiftUp = 0.0, cliDown = 0.0, swiftDown = 0.0
        let cliOut = dir.appendingPathComponent("cli.out"), swiftOut = dir.appendingPathComponent("swift.out")
        for round in 1...rounds {
            let cliUpload = {
                cliUp = max(cliUp, try await timed("cli upload \(round)", bytes: size) {
                    try cli(["upload", file.path, "oss://\(info.bucket)/bench/cli.bin", "--quiet", "--no-resume"],
                            env: env)
                })
            }
            let swiftUpload = {
                swiftUp = max(swiftUp, try await timed("swift upload \(round)", bytes: size) {
                    _ = try await client.upload(UploadRequest(bucket: info.bucket, key: "bench/swift.bin",
                                                              source: .file(file))).value
                })
            }
            let cliDownload = {
                cliDown = max(cliDown, try await timed("cli download \(round)", bytes: size) {
                    try cli(["download", "oss://\(info.bucket)/bench/cli.bin", cliOut.path, "--quiet",
                             "--no-resume"], env: env)
                })
            }
            let swiftDownload = {
                swiftDown = max(swiftDown, try await timed("swift download \(round)", bytes: size) {
                    _ = try await client.download(DownloadRequest(bucket: info.bucket, key: "bench/swift.bin",
                                                                  destination: swiftOut)).value
                })
            }
            let order = round % 2 == 1
                ? [cliUpload, swiftUpload, cliDownload, swiftDownload]
                : [swiftUpload, cliUpload, swiftDownload, cliDownload]
            for step in order { try await step() }
            for out in [cliOut, swiftOut] {
                let length = try FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int
                guard length == size else { throw StackError(description: "\(out.lastPathComponent): \(length ?? -1) bytes") }
                try FileManager.default.removeItem(at: out)
            }
        }
        let up = swiftUp / cliUp, down = swiftDown / cliDown
        print(String(format: "best of %ld, MiB/s: upload cli %.1f swift %.1f, download cli %.1f swift %.1f", rounds,
                     cliUp, swiftUp, cliDown, swiftDown))
        print(String(format: "ratio swift/cli: upload %.3f, download %.3f (at least 0.95 wanted)", up, down))
        print("Swift process peak RSS \(peakRSSMiB()) MiB")
        return up >= 0.95 && down >= 0.95
    }

    /// This process's peak resident set (the CLI runs in its own processes).
    static func peakRSSMiB() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) / 1024  // KiB
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss) / 1_048_576  // bytes
        #endif
    }
}
