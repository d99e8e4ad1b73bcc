// `cargo xtask bench swift [SIZE_MIB [ROUNDS]]`: a SIZE (default 1024 MiB) upload and download through the Swift
// API against `ossdirect upload` / `ossdirect download` on the same emulator (`ossdirect dev`), same part size and
// parallelism (the defaults: 8 MiB, 4), both keeping checkpoints, alternating, ROUNDS (default 8) runs each,
// compared by each side's median run (the best runs are printed too: on this 2-core VM the fastest runs are rare
// outliers, so best against best compared luck). Prints one line per run (time, speed, CPU), the Swift/CLI
// throughput ratios and this process's peak RSS; exits 1 when a ratio is below 0.95. The library, the CLI and this
// program are release builds (`cargo xtask bench swift` builds them).
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

    /// One timed run: its wall-clock seconds and the CPU seconds it used (this process's, or the CLI's).
    struct Run {
        var seconds: Double
        var cpu: Double
    }

    /// CPU seconds (user + system) so far of this process, or of its children that have been waited for.
    static func cpuSeconds(children: Bool) -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Runs `body` after a `sync` (not timed: each run pays for its own writes only); prints and returns its run.
    /// Nothing else frees memory between runs but the downloaded file: on this VM memory freed in bulk is reported
    /// to the host at once and slow to touch again (writing and removing a 2 GiB scratch file before each run, to
    /// "warm" free memory, had 900 MiB reported during every upload, which took 2.4–3.1 s instead of 2.3–2.7 s).
    static func timed(_ what: String, bytes: Int, dir: URL, inChild: Bool,
                      _ body: () async throws -> Void) async throws -> Run {
        sync()
        let cpu = cpuSeconds(children: inChild)
        let start = Date()
        try await body()
        let run = Run(seconds: Date().timeIntervalSince(start), cpu: cpuSeconds(children: inChild) - cpu)
        print(String(format: "%-22@ %8.2f s  %8.1f MiB/s  CPU %5.2f s", what as NSString, run.seconds,
                     Double(bytes) / 1_048_576 / run.seconds, run.cpu))
        return run
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

    /// Checks that a download wrote `size` bytes, and removes the file (untimed) before the next run.
    static func checkAndRemove(_ out: URL, size: Int) throws {
        let length = try FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int
        guard length == size else { throw StackError(description: "\(out.lastPathComponent): \(length ?? -1) bytes") }
        try FileManager.default.removeItem(at: out)
    }

    /// Runs the benchmark; whether both ratios reach 0.95.
    static func run() async throws -> Bool {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let mib = arguments.first.flatMap(Int.init) ?? 1024
        let rounds = arguments.dropFirst().first.flatMap(Int.init) ?? 8
        let size = mib << 20
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stack = try DevStack(dataDir: dir.appendingPathComponent("emulator"))
        defer { stack.stop() }
        let info = stack.info
        let file = try makeFile(in: dir, size: size)
        // Both sides resumable, like for like: the Swift client always keeps checkpoints (written after every
        // part), so the CLI keeps them too.
        var config = OSSConfiguration(endpoint: URL(string: info.ossEndpoint)!, region: info.region)
        config.checkpointDirectory = dir.appendingPathComponent("checkpoints")
        let client = try OSSClient(configuration: config, credentials: .staticCredentials(
            STSCredentials(accessKeyId: info.accessKeyId, accessKeySecret: info.accessKeySecret)))
        let env = ["OSS_ENDPOINT": info.ossEndpoint, "OSS_REGION": info.region,
                   "OSS_ACCESS_KEY_ID": info.accessKeyId, "OSS_ACCESS_KEY_SECRET": info.accessKeySecret]
        let cliFlags = ["--quiet", "--checkpoint-dir", dir.appendingPathComponent("cli-checkpoints").path]
        print("\(mib) MiB through ossdirect dev at \(info.ossEndpoint), \(rounds) rounds")

        // Untimed warm-up: both keys exist before the timed runs (the first upload to a new key ran up to 30 %
        // faster than every overwrite after it, a gift to whoever went first), and both sides ran once.
        let out = dir.appendingPathComponent("download.bin")
        try cli(["upload", file.path, "oss://\(info.bucket)/bench/cli.bin"] + cliFlags, env: env)
        try cli(["download", "oss://\(info.bucket)/bench/cli.bin", out.path] + cliFlags, env: env)
        try checkAndRemove(out, size: size)
        _ = try await client.upload(UploadRequest(bucket: info.bucket, key: "bench/swift.bin", source: .file(file))).value
        _ = try await client.download(DownloadRequest(bucket: info.bucket, key: "bench/swift.bin", destination: out)).value
        try checkAndRemove(out, size: size)

        // Alternating (who goes first changes each round), `rounds` runs each, compared by their medians.
        var cliUp: [Run] = [], swiftUp: [Run] = [], cliDown: [Run] = [], swiftDown: [Run] = []
        for round in 1...rounds {
            let cliUpload = {
                cliUp.append(try await timed("cli upload \(round)", bytes: size, dir: dir, inChild: true) {
                    try cli(["upload", file.path, "oss://\(info.bucket)/bench/cli.bin"] + cliFlags, env: env)
                })
            }
            let swiftUpload = {
                swiftUp.append(try await timed("swift upload \(round)", bytes: size, dir: dir, inChild: false) {
                    _ = try await client.upload(UploadRequest(bucket: info.bucket, key: "bench/swift.bin",
                                                              source: .file(file))).value
                })
            }
            let cliDownload = {
                cliDown.append(try await timed("cli download \(round)", bytes: size, dir: dir, inChild: true) {
                    try cli(["download", "oss://\(info.bucket)/bench/cli.bin", out.path] + cliFlags, env: env)
                })
                try checkAndRemove(out, size: size)
            }
            let swiftDownload = {
                swiftDown.append(try await timed("swift download \(round)", bytes: size, dir: dir, inChild: false) {
                    _ = try await client.download(DownloadRequest(bucket: info.bucket, key: "bench/swift.bin",
                                                                  destination: out)).value
                })
                try checkAndRemove(out, size: size)
            }
            let order = round % 2 == 1
                ? [cliUpload, swiftUpload, cliDownload, swiftDownload]
                : [swiftUpload, cliUpload, swiftDownload, cliDownload]
            for step in order { try await step() }
        }
        func best(_ runs: [Run]) -> Double { runs.map(\.seconds).min() ?? .infinity }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
        }
        func medianCPU(_ runs: [Run]) -> Double { median(runs.map(\.cpu)) }
        func typical(_ runs: [Run]) -> Double { median(runs.map(\.seconds)) }
        func perRound(_ cli: [Run], _ swift: [Run]) -> String {
            zip(cli, swift).map { String(format: "%.2f", $0.seconds / $1.seconds) }.joined(separator: " ")
        }
        let up = typical(cliUp) / typical(swiftUp), down = typical(cliDown) / typical(swiftDown)
        let mibs = Double(mib)
        print(String(format: "median of %ld, MiB/s: upload cli %.1f swift %.1f, download cli %.1f swift %.1f", rounds,
                     mibs / typical(cliUp), mibs / typical(swiftUp), mibs / typical(cliDown), mibs / typical(swiftDown)))
        print(String(format: "best of %ld, MiB/s: upload cli %.1f swift %.1f, download cli %.1f swift %.1f (best/best %.2f, %.2f)",
                     rounds, mibs / best(cliUp), mibs / best(swiftUp), mibs / best(cliDown), mibs / best(swiftDown),
                     best(cliUp) / best(swiftUp), best(cliDown) / best(swiftDown)))
        print("ratio per round (cli s / swift s): upload \(perRound(cliUp, swiftUp)); download \(perRound(cliDown, swiftDown))")
        print(String(format: "CPU s per run (median): upload cli %.2f swift %.2f, download cli %.2f swift %.2f",
                     medianCPU(cliUp), medianCPU(swiftUp), medianCPU(cliDown), medianCPU(swiftDown)))
        print(String(format: "ratio swift/cli (median/median): upload %.3f, download %.3f (at least 0.95 wanted)", up, down))
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
