import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import OSSDirect
import OSSDirectTestSupport

/// Single requests against `ossdirect dev`, with the emulator's own (static) keys and with a demo user's STS
/// credentials from the token server.
final class ObjectTests: XCTestCase {
    var stack: DevStack!

    override func setUpWithError() throws {
        stack = try DevStack()
    }

    override func tearDown() {
        stack?.stop()
        stack = nil
    }

    func rootClient(_ version: SignatureVersion = .v4) throws -> OSSClient {
        let info = stack.info
        var config = OSSConfiguration(endpoint: URL(string: info.ossEndpoint)!, region: info.region)
        config.signatureVersion = version
        config.checkpointDirectory = try temporaryDirectory(self)
        return try OSSClient(
            configuration: config,
            credentials: .staticCredentials(STSCredentials(
                accessKeyId: info.accessKeyId, accessKeySecret: info.accessKeySecret)))
    }

    func aliceClient() throws -> OSSClient {
        let info = stack.info
        var config = OSSConfiguration(endpoint: URL(string: info.ossEndpoint)!, region: info.region)
        config.checkpointDirectory = try temporaryDirectory(self)
        return try OSSClient(
            configuration: config,
            credentials: .tokenEndpoint(stack.tokenURL, headers: ["Authorization": "Bearer \(info.bearer("alice"))"]))
    }

    func roundTrip(_ version: SignatureVersion) async throws {
        let client = try rootClient(version)
        let bucket = stack.info.bucket
        let body = patternData(100_000, seed: 7)
        let key = "swift/\(version)/hello.bin"
        let put = try await client.putObject(bucket: bucket, key: key, data: body,
                                             options: PutOptions(contentType: "application/x-test",
                                                                 metadata: ["who": "swift"]))
        XCTAssertFalse(put.etag.isEmpty)

        let got = try await client.getObject(bucket: bucket, key: key)
        XCTAssertEqual(got, body)

        let info = try await client.headObject(bucket: bucket, key: key)
        XCTAssertEqual(info.size, UInt64(body.count))
        XCTAssertEqual(info.contentType, "application/x-test")
        XCTAssertEqual(info.metadata["who"], "swift")
        XCTAssertEqual(info.etag, put.etag)

        let dir = try temporaryDirectory(self)
        let dest = dir.appendingPathComponent("copy.bin")
        try await client.getObject(bucket: bucket, key: key, to: dest)
        XCTAssertEqual(try Data(contentsOf: dest), body)

        let file = try makeFile(in: dir, size: 300_000, seed: 9)
        _ = try await client.putObject(bucket: bucket, key: key + ".file", fileURL: file)
        let value4 = try await client.getObject(bucket: bucket, key: key + ".file")
        XCTAssertEqual(value4, try Data(contentsOf: file))

        try await client.deleteObject(bucket: bucket, key: key)
        do {
            _ = try await client.headObject(bucket: bucket, key: key)
            XCTFail("the object is still there after deleteObject")
        } catch let OSSError.service(status, _, _, _, _) {
            XCTAssertEqual(status, 404)
        }
    }

    func testPutGetHeadDeleteWithV4Signatures() async throws {
        try await roundTrip(.v4)
    }

    func testPutGetHeadDeleteWithV1Signatures() async throws {
        try await roundTrip(.v1)
    }

    func testListObjectsStreamsEveryPage() async throws {
        let client = try rootClient()
        let bucket = stack.info.bucket
        let keys = (0..<7).map { "swift/list/item-\($0)" }
        for key in keys { _ = try await client.putObject(bucket: bucket, key: key, data: Data(key.utf8)) }
        _ = try await client.putObject(bucket: bucket, key: "swift/other", data: Data("x".utf8))

        var seen: [String] = []
        for try await object in client.listObjects(bucket: bucket, prefix: "swift/list/", pageSize: 3) {
            seen.append(object.key)
            XCTAssertEqual(object.size, UInt64(object.key.utf8.count))
        }
        XCTAssertEqual(seen, keys, "three pages of at most 3, in order, nothing outside the prefix")
        let stats = try await operationCounts(stack.info)
        XCTAssertGreaterThanOrEqual(stats["ListObjects"] ?? 0, 3, "the stream fetched page after page")
    }

    func testPresignedGetWorksWithURLSession() async throws {
        let client = try rootClient()
        let bucket = stack.info.bucket
        let body = Data("presigned body".utf8)
        _ = try await client.putObject(bucket: bucket, key: "swift/presigned.txt", data: body)
        let presigned = try await client.presign(method: "GET", bucket: bucket, key: "swift/presigned.txt",
                                                 expiresIn: 300)
        XCTAssertEqual(presigned.method, "GET")
        let (status, got, _) = try await http("GET", presigned.url, headers: presigned.headers)
        XCTAssertEqual(status, 200)
        XCTAssertEqual(got, body)
        // A presigned PUT too.
        let put = try await client.presign(method: "PUT", bucket: bucket, key: "swift/presigned-put.txt",
                                           expiresIn: 300)
        let (putStatus, _, _) = try await http("PUT", put.url, body: Data("up".utf8), headers: put.headers)
        XCTAssertEqual(putStatus, 200)
        let value5 = try await client.getObject(bucket: bucket, key: "swift/presigned-put.txt")
        XCTAssertEqual(value5, Data("up".utf8))
    }

    func testTokenEndpointUserMayWriteOnlyUnderTheirPrefix() async throws {
        let client = try aliceClient()
        let bucket = stack.info.bucket
        _ = try await client.putObject(bucket: bucket, key: "users/alice/mine.txt", data: Data("ok".utf8))
        let value6 = try await client.getObject(bucket: bucket, key: "users/alice/mine.txt")
        XCTAssertEqual(value6, Data("ok".utf8))
        do {
            _ = try await client.putObject(bucket: bucket, key: "users/bob/theirs.txt", data: Data("no".utf8))
            XCTFail("alice wrote under bob's prefix")
        } catch let OSSError.service(status, code, message, requestID, _) {
            XCTAssertEqual(status, 403)
            XCTAssertEqual(code, "AccessDenied")
            XCTAssertFalse(message.isEmpty)
            XCTAssertEqual(requestID?.count, 24, "the emulator's request id: \(String(describing: requestID))")
        }
    }

    func testDemoUserListsAndDeletesOnlyUnderTheirPrefix() async throws {
        let client = try aliceClient()
        let bucket = stack.info.bucket
        let prefix = "users/alice/own/"
        let keys = (0..<4).map { "\(prefix)k\($0)" }
        for key in keys { _ = try await client.putObject(bucket: bucket, key: key, data: Data(key.utf8)) }
        var seen: [String] = []
        for try await object in client.listObjects(bucket: bucket, prefix: prefix, pageSize: 3) { seen.append(object.key) }
        XCTAssertEqual(seen, keys)
        try await client.deleteObject(bucket: bucket, key: keys[1])
        seen = []
        for try await object in client.listObjects(bucket: bucket, prefix: prefix) { seen.append(object.key) }
        XCTAssertEqual(seen, [keys[0], keys[2], keys[3]])
        // Another user's prefix and the whole bucket: AccessDenied, for listing and for deleting.
        for other in ["users/bob/", nil] as [String?] {
            do {
                for try await _ in client.listObjects(bucket: bucket, prefix: other) {}
                XCTFail("alice listed \(other ?? "the whole bucket")")
            } catch let OSSError.service(status, code, _, _, _) {
                XCTAssertEqual(status, 403)
                XCTAssertEqual(code, "AccessDenied")
            }
        }
        do {
            try await client.deleteObject(bucket: bucket, key: "users/bob/theirs.txt")
            XCTFail("alice deleted under bob's prefix")
        } catch let OSSError.service(status, code, _, _, _) {
            XCTAssertEqual(status, 403)
            XCTAssertEqual(code, "AccessDenied")
        }
    }

    func testInvalidConfigurationIsRejectedWithoutIO() throws {
        var config = OSSConfiguration(endpoint: URL(string: "http://127.0.0.1:9")!, region: "")
        config.checkpointDirectory = try temporaryDirectory(self)
        XCTAssertThrowsError(try OSSClient(configuration: config, credentials: .staticCredentials(
            STSCredentials(accessKeyId: "a", accessKeySecret: "b")))) { error in
            guard case OSSError.invalidArgument = error else { return XCTFail("\(error)") }
        }
    }

    func testPrivacyManifestAndCheckpointDirectory() throws {
        let manifest = Resources.bundle.url(forResource: "PrivacyInfo", withExtension: "xcprivacy")
        XCTAssertNotNil(manifest, "PrivacyInfo.xcprivacy is a resource of the package")
        let plist = try PropertyListSerialization.propertyList(from: Data(contentsOf: manifest!), format: nil)
        XCTAssertEqual((plist as? [String: Any])?["NSPrivacyTracking"] as? Bool, false)
        let dir = try CheckpointDirectory.default()
        XCTAssertTrue(dir.path.contains("OSSDirect"))
        XCTAssertTrue(CheckpointDirectory.isExcludedFromBackup(dir))
    }
}
