import DemoCore
import Foundation
import OSSDirect
import OSSDirectTestSupport
import XCTest

/// The demo's view model against `ossdirect dev`, as the SwiftUI views drive it.
final class DemoModelTests: XCTestCase, @unchecked Sendable {
    /// `ossdirect dev` and a scratch directory for one test, both removed at its end.
    struct Env {
        let stack: DevStack
        let dir: URL

        func settings(user: String = "alice") -> DemoSettings {
            DemoSettings(tokenServerURL: stack.info.tokenUrl!, bearerToken: stack.info.bearer(user),
                         endpoint: stack.info.ossEndpoint, region: stack.info.region, bucket: stack.info.bucket,
                         prefix: "users/\(user)/")
        }

        @MainActor
        func model() -> DemoModel {
            DemoModel(settings: settings(), inbox: dir.appendingPathComponent("inbox"),
                      checkpointDirectory: dir.appendingPathComponent("checkpoints"))
        }
    }

    func makeEnv() throws -> Env {
        let env = Env(stack: try DevStack(), dir: try makeTemporaryDirectory())
        addTeardownBlock {
            env.stack.stop()
            try? FileManager.default.removeItem(at: env.dir)
        }
        return env
    }

    @MainActor
    func eventually(_ seconds: Double = 20, _ what: String, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTFail("timed out waiting for: \(what)")
        throw TimeoutError(seconds: seconds, what: what)
    }

    func testSettingsValidationAndStore() throws {
        let env = try makeEnv()
        let dir = env.dir
        XCTAssertFalse(DemoSettings().problems.isEmpty)
        XCTAssertEqual(env.settings().problems, [])
        var bad = env.settings()
        bad.prefix = "users/alice"
        XCTAssertEqual(bad.problems, ["Prefix: must end with /"])
        XCTAssertEqual(env.settings().key(for: "a/b.jpg"), "users/alice/a_b.jpg")
        let store = SettingsStore(directory: dir)
        try store.save(env.settings())
        XCTAssertEqual(store.load(), env.settings())
    }

    func testFormatting() {
        XCTAssertEqual(Format.bytes(512), "512 B")
        XCTAssertEqual(Format.bytes(5 << 20), "5.0 MiB")
        XCTAssertEqual(Format.rate(0), "")
        XCTAssertEqual(Format.rate(3_145_728), "3.0 MiB/s")
        XCTAssertEqual(Format.eta(42), "42 s")
        XCTAssertEqual(Format.eta(185), "3 min 5 s")
        XCTAssertEqual(Format.eta(nil), "")
    }

    @MainActor
    func testUploadShowsProgressThenShareLinkAndDownloadCheck() async throws {
        let env = try makeEnv()
        let m = env.model()
        var changes = 0
        m.onChange = { changes += 1 }
        let data = patternData(3 << 20 + 17, seed: 11)
        let id = try m.upload(data: data, name: "photo.jpg")
        XCTAssertEqual(m.rows.first?.id, id)
        XCTAssertEqual(m.rows.first?.key, "users/alice/photo.jpg")
        try await withTimeout(60, "upload") { try await m.waitUntilDone(id) }
        try await eventually(10, "completed row") { m.rows.first?.state == .completed }
        let row = try XCTUnwrap(m.rows.first)
        XCTAssertEqual(row.bytes, UInt64(data.count))
        XCTAssertEqual(row.fraction, 1)
        XCTAssertEqual(row.progressText, "3.0 MiB of 3.0 MiB")
        XCTAssertGreaterThan(changes, 1)

        let link = try await m.shareLink(id)
        let (status, body, _) = try await http("GET", link)
        XCTAssertEqual(status, 200)
        XCTAssertEqual(body, data, "the presigned link serves the uploaded bytes")
        XCTAssertEqual(m.rows.first?.shareURL, link)

        let same = try await m.verifyDownload(id)
        XCTAssertTrue(same)
        XCTAssertEqual(m.rows.first?.verified, true)
        await m.shutdown()
    }

    @MainActor
    func testPauseResumeAndCancelFromTheList() async throws {
        let env = try makeEnv()
        let stack = env.stack, dir = env.dir
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=200"])
        let m = env.model()
        let file = try makeFile(in: dir, name: "video.mov", size: 20 << 20)
        let id = try m.upload(fileURL: file)
        try await eventually(30, "progress shown") { (m.rows.first?.bytes ?? 0) > 0 }
        XCTAssertTrue(m.rows.first!.canPause)
        m.pause(id)
        try await eventually(10, "paused row") { m.rows.first?.state == .paused }
        XCTAssertTrue(m.rows.first!.canResume)
        m.resume(id)
        try await eventually(10, "running again") { m.rows.first?.state == .running }
        await m.cancel(id)
        try await eventually(10, "cancelled row") { m.rows.first?.state == .cancelled }
        XCTAssertEqual(inProgressUploads(dataDir: stack.dataDir, bucket: stack.info.bucket), [])
        await m.shutdown()
    }

    @MainActor
    func testUnfinishedUploadResumesAfterARelaunch() async throws {
        let env = try makeEnv()
        let stack = env.stack
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=200"])
        let first = env.model()
        let data = patternData(12 << 20, seed: 4)
        let id = try first.upload(data: data, name: "long.bin")
        try await eventually(30, "some progress") { (first.rows.first?.bytes ?? 0) > 0 }
        await first.shutdown()  // the app is killed
        try await clearFaults(stack.info)

        let second = env.model()  // the next launch
        try await second.restore()
        let row = try XCTUnwrap(second.rows.first { $0.id == id }, "restored rows: \(second.rows)")
        XCTAssertEqual(row.key, "users/alice/long.bin")
        try await withTimeout(60, "resumed upload") { try await second.waitUntilDone(id) }
        try await eventually(10, "completed") { second.rows.first?.state == .completed }
        let value16 = try await second.verifyDownload(id)
        XCTAssertTrue(value16)
        await second.shutdown()
    }
}
