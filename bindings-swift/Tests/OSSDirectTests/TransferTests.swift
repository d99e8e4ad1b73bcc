import Foundation
import XCTest
@testable import OSSDirect
import OSSDirectTestSupport

/// Resumable multipart uploads and downloads: progress, pause/resume, Task cancellation, cancel, relaunch,
/// the network going away.
final class TransferTests: XCTestCase {
    var stack: DevStack!
    var checkpoints: URL!

    override func setUpWithError() throws {
        stack = try DevStack()
        checkpoints = try temporaryDirectory(self)
    }

    override func tearDown() {
        stack?.stop()
        stack = nil
    }

    /// A client with small parts (so a few MiB make a multipart upload), root credentials.
    func client(partSize: Int = 1 << 20, autoResume: Bool = true, info: DevInfo? = nil) throws -> OSSClient {
        let info = info ?? stack.info
        var config = OSSConfiguration(endpoint: URL(string: info.ossEndpoint)!, region: info.region)
        config.checkpointDirectory = checkpoints
        config.partSize = partSize
        config.concurrency = 2
        config.resumesWhenNetworkReturns = autoResume
        config.requestTimeout = 5
        return try OSSClient(
            configuration: config,
            credentials: .staticCredentials(STSCredentials(
                accessKeyId: info.accessKeyId, accessKeySecret: info.accessKeySecret)))
    }

    /// Records every event of a transfer until its stream ends.
    func record(_ transfer: Transfer) -> (EventLog, Task<Void, Never>) {
        let log = EventLog()
        let task = Task {
            for await event in transfer.events {
                switch event {
                case .progress(let p): log.addProgress(p.bytesTransferred, total: p.totalBytes)
                case .running: log.add("running")
                case .paused: log.add("paused")
                case .resumed: log.add("resumed")
                case .waiting: log.add("waiting")
                case .completed: log.add("completed")
                case .failed: log.add("failed")
                case .cancelled: log.add("cancelled")
                case .partFinished(let number, _): log.add("part \(number)")
                case .retrying(_, let reason): log.add("retrying \(reason)")
                case .credentialsRefreshed: log.add("credentials refreshed")
                }
            }
            log.add("end")
        }
        return (log, task)
    }

    /// Waits until `condition` holds, at most `seconds`.
    func eventually(_ seconds: Double = 20, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        XCTFail("timed out waiting for: \(what)")
        throw TimeoutError(seconds: seconds, what: what)
    }

    func testMultipartUploadReportsMonotoneProgressEndingAtTheSize() async throws {
        let size = 6 << 20 + 12_345
        let file = try makeFile(in: try temporaryDirectory(self), size: size)
        let client = try client()
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/multi.bin", source: .file(file)))
        let (log, recorder) = record(transfer)
        let result = try await withTimeout(60, "upload") { try await transfer.value }
        _ = try await withTimeout(10, "event stream end") { await recorder.value }
        XCTAssertEqual(result.size, UInt64(size))
        let progress = log.progressValues
        XCTAssertFalse(progress.isEmpty)
        XCTAssertEqual(progress, progress.sorted(), "progress never goes back")
        XCTAssertEqual(progress.last, UInt64(size), "progress ends at the size")
        XCTAssertEqual(log.totalBytes, UInt64(size))
        XCTAssertEqual(log.names.suffix(2), ["completed", "end"])
        XCTAssertEqual(Set(log.names.filter { $0.hasPrefix("part ") }).count, 7, "every part finished: \(log.names)")
        let stats = try await operationCounts(stack.info)
        XCTAssertGreaterThanOrEqual(stats["UploadPart"] ?? 0, 7, "a multipart upload of 1 MiB parts")
        let back = try await client.getObject(bucket: stack.info.bucket, key: "swift/multi.bin")
        XCTAssertEqual(back, try Data(contentsOf: file))
    }

    func testReaderAndFileDescriptorSourcesUploadAndAThrowingReaderIsAnIOError() async throws {
        let client = try client()
        let bucket = stack.info.bucket
        let body = patternData(3 << 20 + 99, seed: 4)
        let identity = SourceIdentity(name: "photos://asset/42", version: "v1")
        let reader = UploadSource.reader(size: UInt64(body.count), identity: identity) { offset, length in
            let start = min(Int(offset), body.count)
            return body.subdata(in: start..<min(start + length, body.count))
        }
        let fromReader = client.upload(UploadRequest(bucket: bucket, key: "swift/reader.bin", source: reader))
        _ = try await withTimeout(60, "reader upload") { try await fromReader.value }
        let readBack = try await client.getObject(bucket: bucket, key: "swift/reader.bin")
        XCTAssertEqual(readBack, body)

        let file = try makeFile(in: try temporaryDirectory(self), size: 2 << 20 + 5)
        let fd = open(file.path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let fromDescriptor = client.upload(UploadRequest(
            bucket: bucket, key: "swift/fd.bin",
            source: .fileDescriptor(fd, identity: SourceIdentity(name: file.path, version: "v1"))))
        _ = try await withTimeout(60, "descriptor upload") { try await fromDescriptor.value }
        let fdBack = try await client.getObject(bucket: bucket, key: "swift/fd.bin")
        XCTAssertEqual(fdBack, try Data(contentsOf: file))

        struct GalleryRefused: Error {}
        let throwing = UploadSource.reader(size: 2 << 20, identity: identity) { _, _ in throw GalleryRefused() }
        let failing = client.upload(UploadRequest(bucket: bucket, key: "swift/throws.bin", source: throwing))
        do {
            _ = try await withTimeout(60, "throwing reader") { try await failing.value }
            XCTFail("a throwing reader must fail the upload")
        } catch let OSSError.io(message) {
            XCTAssertTrue(message.contains("GalleryRefused"), message)
        }
    }

    func testPauseThenResumeFinishesTheUpload() async throws {
        let size = 8 << 20
        let file = try makeFile(in: try temporaryDirectory(self), size: size)
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=400"])
        let client = try client()
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/paused.bin", source: .file(file)))
        let (log, recorder) = record(transfer)
        try await eventually(20, "some progress") { (log.progressValues.last ?? 0) > 0 }
        transfer.pause()
        transfer.pause()  // idempotent
        try await eventually(10, "paused event") { log.names.contains("paused") }
        let atPause = log.progressValues.last ?? 0
        try await Task.sleep(nanoseconds: 500_000_000)
        let uploadsWhilePaused = try await operationCounts(stack.info)["UploadPart"] ?? 0
        try await Task.sleep(nanoseconds: 500_000_000)
        let value7 = try await operationCounts(stack.info)["UploadPart"] ?? 0
        XCTAssertEqual(value7, uploadsWhilePaused, "no part is sent while paused")
        XCTAssertLessThan(atPause, UInt64(size))
        try await clearFaults(stack.info)
        transfer.resume()
        let result = try await withTimeout(60, "resumed upload") { try await transfer.value }
        XCTAssertEqual(result.size, UInt64(size))
        _ = try await withTimeout(10, "event stream end") { await recorder.value }
        XCTAssertTrue(log.names.contains("resumed"))
        XCTAssertEqual(log.progressValues.last, UInt64(size))
        let value8 = try await client.getObject(bucket: stack.info.bucket, key: "swift/paused.bin")
        XCTAssertEqual(value8, try Data(contentsOf: file))
    }

    func testCancellingTheAwaitingTaskPausesAndTheUploadResumesLater() async throws {
        let size = 8 << 20
        let file = try makeFile(in: try temporaryDirectory(self), size: size)
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=400"])
        let client = try client()
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/task-cancel.bin", source: .file(file)))
        let (log, _) = record(transfer)
        let waiter = Task { try await transfer.value }
        try await eventually(20, "some progress") { (log.progressValues.last ?? 0) > 0 }
        waiter.cancel()
        do {
            _ = try await withTimeout(10, "the cancelled await") { try await waiter.value }
            XCTFail("the cancelled Task returned a result")
        } catch is CancellationError {
        }
        try await eventually(10, "paused by the Task cancellation") { log.names.contains("paused") }
        XCTAssertFalse(log.names.contains("cancelled"), "Task cancellation pauses, it does not abort")
        XCTAssertEqual(inProgressUploads(dataDir: stack.dataDir, bucket: stack.info.bucket).count, 1,
                       "the multipart upload is kept for later")
        try await clearFaults(stack.info)
        transfer.resume()
        let result = try await withTimeout(60, "resumed upload") { try await transfer.value }
        XCTAssertEqual(result.size, UInt64(size))
        let value9 = try await client.getObject(bucket: stack.info.bucket, key: "swift/task-cancel.bin")
        XCTAssertEqual(value9, try Data(contentsOf: file))
    }

    func testTaskCancelledBeforeTheWorkStartsStillPauses() async throws {
        let file = try makeFile(in: try temporaryDirectory(self), size: 4 << 20)
        try await addFaults(stack.info, ["op=InitiateMultipartUpload,kind=delay,ms=300"])
        let client = try client()
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/early.bin", source: .file(file)))
        let waiter = Task {
            withUnsafeCurrentTask { $0?.cancel() }  // cancelled before `value` is even awaited
            return try await transfer.value
        }
        do {
            _ = try await withTimeout(10, "early cancel") { try await waiter.value }
            XCTFail("finished although cancelled before it started")
        } catch is CancellationError {
        }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let snapshot = transfer.snapshot
        XCTAssertEqual(snapshot.state, .paused, "\(snapshot)")
        let value10 = try await operationCounts(stack.info)["CompleteMultipartUpload"] ?? 0
        XCTAssertEqual(value10, 0)
    }

    func testCancelAbortsTheMultipartUploadOnTheServer() async throws {
        let file = try makeFile(in: try temporaryDirectory(self), size: 8 << 20)
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=400"])
        let client = try client()
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/cancelled.bin", source: .file(file)))
        let (log, recorder) = record(transfer)
        try await eventually(20, "a part uploaded") { (log.progressValues.last ?? 0) > 0 }
        XCTAssertEqual(inProgressUploads(dataDir: stack.dataDir, bucket: stack.info.bucket).count, 1)
        try await withTimeout(20, "cancel") { await transfer.cancel() }
        await transfer.cancel()  // idempotent
        XCTAssertEqual(inProgressUploads(dataDir: stack.dataDir, bucket: stack.info.bucket), [],
                       "no multipart upload left on the server")
        let value11 = try await operationCounts(stack.info)["AbortMultipartUpload"] ?? 0
        XCTAssertGreaterThanOrEqual(value11, 1)
        do {
            _ = try await withTimeout(10, "value after cancel") { try await transfer.value }
            XCTFail("a cancelled transfer has no value")
        } catch OSSError.cancelled {
        }
        _ = try await withTimeout(10, "event stream end") { await recorder.value }
        XCTAssertTrue(log.names.contains("cancelled"))
        let pending = try await client.pendingTransfers()
        XCTAssertFalse(pending.contains { $0.id == transfer.id }, "no checkpoint left")
    }

    func testANewClientFindsThePendingTransferAndFinishesIt() async throws {
        let size = 6 << 20
        let file = try makeFile(in: try temporaryDirectory(self), size: size)
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=400"])
        var id = ""
        do {
            let first = try client()
            let transfer = first.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/relaunch.bin", source: .file(file)))
            id = transfer.id
            let (log, _) = record(transfer)
            try await eventually(20, "some progress") { (log.progressValues.last ?? 0) > 0 }
            await first.close()  // the app goes away: everything pauses, checkpoints stay
        }
        try await clearFaults(stack.info)
        let second = try client()
        let pending = try await second.pendingTransfers()
        let record = try XCTUnwrap(pending.first { $0.id == id }, "pending: \(pending)")
        XCTAssertEqual(record.key, "swift/relaunch.bin")
        XCTAssertEqual(record.kind, .upload)
        XCTAssertGreaterThan(record.bytesTransferred, 0)
        let resumed = second.resume(record)
        let result = try await withTimeout(60, "resumed after relaunch") { try await resumed.value }
        XCTAssertEqual(result.size, UInt64(size))
        let value12 = try await second.getObject(bucket: stack.info.bucket, key: "swift/relaunch.bin")
        XCTAssertEqual(value12, try Data(contentsOf: file))
        let value13 = try await second.pendingTransfers().contains { $0.id == id }
        XCTAssertFalse(value13)
    }

    func testDiscardRemovesAPendingTransfer() async throws {
        let file = try makeFile(in: try temporaryDirectory(self), size: 4 << 20)
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=400"])
        let first = try client()
        let transfer = first.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/discard.bin", source: .file(file)))
        let (log, _) = record(transfer)
        try await eventually(20, "some progress") { (log.progressValues.last ?? 0) > 0 }
        await first.close()
        let second = try client()
        let recordFound = try await second.pendingTransfers().first { $0.id == transfer.id }
        let record = try XCTUnwrap(recordFound)
        try await second.discard(record)
        let value14 = try await second.pendingTransfers().contains { $0.id == transfer.id }
        XCTAssertFalse(value14)
        XCTAssertEqual(inProgressUploads(dataDir: stack.dataDir, bucket: stack.info.bucket), [])
    }

    func testDownloadWithProgressAndPause() async throws {
        let size = 5 << 20 + 7
        let data = patternData(size, seed: 3)
        let client = try client()
        _ = try await client.putObject(bucket: stack.info.bucket, key: "swift/down.bin", data: data)
        try await addFaults(stack.info, ["op=GetObject,kind=delay,ms=150"])
        let dest = try temporaryDirectory(self).appendingPathComponent("down.bin")
        let transfer = client.download(DownloadRequest(bucket: stack.info.bucket, key: "swift/down.bin", destination: dest))
        let (log, _) = record(transfer)
        try await eventually(20, "some progress") { (log.progressValues.last ?? 0) > 0 }
        transfer.pause()
        try await eventually(10, "paused") { log.names.contains("paused") }
        try await clearFaults(stack.info)
        transfer.resume()
        let result = try await withTimeout(60, "download") { try await transfer.value }
        XCTAssertEqual(result.size, UInt64(size))
        XCTAssertEqual(log.progressValues, log.progressValues.sorted())
        XCTAssertEqual(log.progressValues.last, UInt64(size))
        XCTAssertEqual(try Data(contentsOf: dest), data)
    }

    func testEmulatorStoppedMidUploadIsANetworkErrorAndTheUploadResumesAfterItRestarts() async throws {
        let size = 8 << 20
        let file = try makeFile(in: try temporaryDirectory(self), size: size)
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=400"])
        let client = try client(autoResume: false)
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/outage.bin", source: .file(file)))
        let (log, _) = record(transfer)
        try await eventually(20, "some progress") { (log.progressValues.last ?? 0) > 0 }
        stack.stop()
        do {
            _ = try await withTimeout(60, "failure while the emulator is down") { try await transfer.value }
            XCTFail("uploaded with the emulator stopped")
        } catch OSSError.network {
        } catch OSSError.timeout {
        }
        let restarted = try stack.restart()  // same ports, same data directory
        try await clearFaults(restarted)
        transfer.resume()
        let result = try await withTimeout(60, "upload after the restart") { try await transfer.value }
        XCTAssertEqual(result.size, UInt64(size))
        let value15 = try await client.getObject(bucket: restarted.bucket, key: "swift/outage.bin")
        XCTAssertEqual(value15, try Data(contentsOf: file))
    }

    func testANetworkFailureWaitsAndResumesByItself() async throws {
        let size = 6 << 20
        let file = try makeFile(in: try temporaryDirectory(self), size: size)
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=400"])
        let client = try client(autoResume: true)
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/outage-auto.bin", source: .file(file)))
        let (log, _) = record(transfer)
        try await eventually(20, "some progress") { (log.progressValues.last ?? 0) > 0 }
        stack.stop()
        try await eventually(60, "waiting for the network") { log.names.contains("waiting") }
        _ = try stack.restart()
        let result = try await withTimeout(90, "upload resumed by itself") { try await transfer.value }
        XCTAssertEqual(result.size, UInt64(size))
    }

    func testLargeFileIsReadInPartsNotIntoMemory() async throws {
        let size = 96 << 20
        let file = try makeFile(in: try temporaryDirectory(self), size: size)
        let client = try client(partSize: 4 << 20)
        let before = residentBytes()
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "swift/big.bin", source: .file(file)))
        let sampler = Task { () -> Int in
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, residentBytes())
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
            return peak
        }
        let result = try await withTimeout(120, "big upload") { try await transfer.value }
        sampler.cancel()
        let peak = await sampler.value
        XCTAssertEqual(result.size, UInt64(size))
        if before > 0 {
            XCTAssertLessThan(peak - before, 64 << 20, "a 96 MiB file did not go through memory whole")
        }
    }
}
