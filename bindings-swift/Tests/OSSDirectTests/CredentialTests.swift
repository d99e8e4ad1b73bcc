import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import OSSDirect
import OSSDirectTestSupport

/// Where credentials come from: the token endpoint (with short-lived tokens), an app closure, the remote signer.
final class CredentialTests: XCTestCase {
    func config(_ info: DevInfo) throws -> OSSConfiguration {
        var config = OSSConfiguration(endpoint: URL(string: info.ossEndpoint)!, region: info.region)
        config.checkpointDirectory = try temporaryDirectory(self)
        config.partSize = 1 << 20
        config.concurrency = 2
        config.credentialsTimeout = 3
        return config
    }

    /// The token server's JSON, fetched by the app itself.
    static func fetchSTS(_ url: URL, bearer: String) async throws -> STSCredentials {
        let (status, body, _) = try await http("GET", url, headers: ["Authorization": "Bearer \(bearer)"])
        guard status == 200,
              let obj = try JSONSerialization.jsonObject(with: body) as? [String: Any],
              let id = obj["AccessKeyId"] as? String, let secret = obj["AccessKeySecret"] as? String,
              let token = obj["SecurityToken"] as? String, let expiration = obj["Expiration"] as? String
        else { throw URLError(.badServerResponse) }
        return STSCredentials(accessKeyId: id, accessKeySecret: secret, securityToken: token,
                              expiration: ISO8601DateFormatter().date(from: expiration))
    }

    func testTokensExpiringMidUploadAreRefreshed() async throws {
        // Every STS credential lives 4 s; the upload below takes longer: 12 parts of 1 MiB one after
        // another, each held 700 ms, so requests keep starting after a token expired.
        let stack = try CustomStack(stsMaxLifetime: 4, refreshMarginSeconds: 1)
        defer { stack.stop() }
        try await addFaults(stack.info, ["op=UploadPart,kind=delay,ms=700"])
        var configuration = try config(stack.info)
        configuration.partSize = 1 << 20
        configuration.concurrency = 1
        let client = try OSSClient(
            configuration: configuration,
            credentials: .tokenEndpoint(stack.tokenURL, headers: ["Authorization": "Bearer \(stack.bearer)"]))
        let size = 12 << 20
        let file = try makeFile(in: try temporaryDirectory(self), size: size)
        let assumedBefore = try await operationCounts(stack.info)["AssumeRole"] ?? 0
        let started = Date()
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "users/alice/long.bin", source: .file(file)))
        let result = try await withTimeout(90, "upload across token expiries") { try await transfer.value }
        XCTAssertEqual(result.size, UInt64(size))
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 5, "the upload outlived one token")
        let assumed = (try await operationCounts(stack.info)["AssumeRole"] ?? 0) - assumedBefore
        XCTAssertGreaterThanOrEqual(assumed, 2, "credentials were fetched again as they expired")
    }

    func testSwiftClosureFetcher() async throws {
        let stack = try DevStack()
        defer { stack.stop() }
        let calls = Counter()
        let url = stack.tokenURL
        let bearer = stack.info.bearer("bob")
        let client = try OSSClient(configuration: try config(stack.info), credentials: .fetcher {
            calls.increment()
            return try await Self.fetchSTS(url, bearer: bearer)
        })
        XCTAssertEqual(calls.value, 0, "creating a client does no I/O")
        for i in 0..<3 {
            _ = try await client.putObject(bucket: stack.info.bucket, key: "users/bob/f\(i)", data: Data("b".utf8))
        }
        XCTAssertEqual(calls.value, 1, "credentials are cached until they near expiry")
        let value1 = try await client.getObject(bucket: stack.info.bucket, key: "users/bob/f2")
        XCTAssertEqual(value1, Data("b".utf8))
    }

    func testFetcherThatThrowsIsACredentialsError() async throws {
        let stack = try DevStack()
        defer { stack.stop() }
        struct AppLoggedOut: Error {}
        let client = try OSSClient(configuration: try config(stack.info), credentials: .fetcher { throw AppLoggedOut() })
        do {
            _ = try await withTimeout(20, "put") {
                try await client.putObject(bucket: stack.info.bucket, key: "users/bob/x", data: Data())
            }
            XCTFail("no credentials, yet it succeeded")
        } catch let OSSError.credentials(message) {
            XCTAssertTrue(message.contains("AppLoggedOut"), message)
        }
        let value2 = try await operationCounts(stack.info)["PutObject"] ?? 0
        XCTAssertEqual(value2, 0, "nothing was sent unsigned")
    }

    func testFetcherThatNeverReturnsTimesOut() async throws {
        let stack = try DevStack()
        defer { stack.stop() }
        let client = try OSSClient(configuration: try config(stack.info), credentials: .fetcher {
            try await Task.sleep(nanoseconds: 3_600_000_000_000)
            throw CancellationError()
        })
        let started = Date()
        do {
            _ = try await withTimeout(40, "put with a hanging fetcher") {
                try await client.putObject(bucket: stack.info.bucket, key: "users/bob/x", data: Data())
            }
            XCTFail("succeeded without credentials")
        } catch OSSError.credentials {
        } catch OSSError.timeout {
        }
        // 3 s per attempt, at most 3 attempts with backoff: far from "forever".
        XCTAssertLessThan(Date().timeIntervalSince(started), 25, "the configured 3 s credentials timeout held")
    }

    func testRemoteSigningThroughTheTokenServer() async throws {
        let stack = try DevStack()
        defer { stack.stop() }
        let client = try OSSClient(
            configuration: try config(stack.info),
            credentials: .signingEndpoint(stack.signURL, headers: ["Authorization": "Bearer \(stack.info.bearer("alice"))"]))
        let body = patternData(3 << 20, seed: 5)
        _ = try await client.putObject(bucket: stack.info.bucket, key: "users/alice/signed.bin", data: body)
        let value3 = try await client.getObject(bucket: stack.info.bucket, key: "users/alice/signed.bin")
        XCTAssertEqual(value3, body)
        // A multipart upload, every part signed remotely.
        let file = try makeFile(in: try temporaryDirectory(self), size: 3 << 20)
        let transfer = client.upload(UploadRequest(bucket: stack.info.bucket, key: "users/alice/signed-multi.bin", source: .file(file)))
        let result = try await withTimeout(60, "remotely signed upload") { try await transfer.value }
        XCTAssertEqual(result.size, 3 << 20)
        // Outside alice's prefix the server refuses to sign.
        do {
            _ = try await client.putObject(bucket: stack.info.bucket, key: "users/bob/x", data: Data("x".utf8))
            XCTFail("signed outside the user's prefix")
        } catch OSSError.signing {
        } catch let OSSError.service(status, _, _, _, _) {
            XCTAssertEqual(status, 403)
        }
    }

    /// The token server refused to sign: its status and answer.
    struct SignRefused: Error {
        let status: Int
        let body: String
    }

    /// The app's own signer: POSTs the request the SDK describes to `ossdirect dev`'s `/sign` with the user's
    /// bearer token, through URLSession.
    static func signThroughServer(_ r: SigningRequest, at url: URL, bearer: String) async throws -> SigningResult {
        // `[name, value]` pairs; a valueless query parameter (`?uploads`) is `[name, null]`.
        func pairs(_ items: [(String, String?)]) -> [[Any]] {
            items.map { name, value in [name, value.map { $0 as Any } ?? NSNull()] }
        }
        let body: [String: Any] = [
            "version": r.version == .v1 ? "v1" : "v4",
            "method": r.method,
            "bucket": r.bucket ?? "",
            "key": r.key ?? "",
            "query": pairs(r.query.map { ($0.key, $0.value) }),
            "headers": pairs(r.headers.map { ($0.key, $0.value) }),
            "string_to_sign": r.stringToSign,
            "date": r.date,
            "region": r.region,
        ]
        let (status, answer, _) = try await http(
            "POST", url, body: try JSONSerialization.data(withJSONObject: body),
            headers: ["Authorization": "Bearer \(bearer)", "Content-Type": "application/json"])
        guard status == 200 else { throw SignRefused(status: status, body: String(decoding: answer, as: UTF8.self)) }
        guard let obj = try JSONSerialization.jsonObject(with: answer) as? [String: Any],
              let signature = obj["signature"] as? String, let id = obj["access_key_id"] as? String
        else { throw URLError(.badServerResponse) }
        return SigningResult(signature: signature, accessKeyId: id, securityToken: obj["security_token"] as? String)
    }

    func testSwiftClosureRemoteSignerThroughTheSignEndpoint() async throws {
        let stack = try DevStack()
        defer { stack.stop() }
        let calls = Counter()
        let url = stack.signURL
        let bearer = stack.info.bearer("alice")
        for version in [SignatureVersion.v1, .v4] {
            var configuration = try config(stack.info)
            configuration.signatureVersion = version
            let client = try OSSClient(configuration: configuration, credentials: .remoteSigner { request in
                calls.increment()
                return try await Self.signThroughServer(request, at: url, bearer: bearer)
            })
            let bucket = stack.info.bucket
            let prefix = "users/alice/closure-\(version)/"
            let body = patternData(200_000, seed: 11)
            _ = try await client.putObject(bucket: bucket, key: prefix + "a.bin", data: body)
            _ = try await client.putObject(bucket: bucket, key: prefix + "b.bin", data: Data("b".utf8))
            let got = try await client.getObject(bucket: bucket, key: prefix + "a.bin")
            XCTAssertEqual(got, body)
            var keys: [String] = []
            for try await object in client.listObjects(bucket: bucket, prefix: prefix) { keys.append(object.key) }
            XCTAssertEqual(keys, [prefix + "a.bin", prefix + "b.bin"])
            try await client.deleteObject(bucket: bucket, key: prefix + "a.bin")
            keys = []
            for try await object in client.listObjects(bucket: bucket, prefix: prefix) { keys.append(object.key) }
            XCTAssertEqual(keys, [prefix + "b.bin"], "deleted through the closure's signature")
            // Outside alice's prefix the server refuses; the closure's error is a signing error.
            do {
                _ = try await client.putObject(bucket: bucket, key: "users/bob/x", data: Data("x".utf8))
                XCTFail("signed outside the user's prefix")
            } catch let OSSError.signing(message) {
                XCTAssertTrue(message.contains("AccessDenied"), message)
            }
            do {
                for try await _ in client.listObjects(bucket: bucket, prefix: "users/bob/") {}
                XCTFail("listed another user's prefix")
            } catch let OSSError.signing(message) {
                XCTAssertTrue(message.contains("AccessDenied"), message)
            }
        }
        XCTAssertGreaterThanOrEqual(calls.value, 12, "the closure signed every request")
        let counts = try await operationCounts(stack.info)
        XCTAssertEqual(counts["AssumeRole"] ?? 0, 1, "the server signed with alice's cached credentials")
    }

    func testNoLeakOverTenThousandClients() async throws {
        let info = DevInfo.offline
        var config = OSSConfiguration(endpoint: URL(string: info.ossEndpoint)!, region: info.region)
        config.checkpointDirectory = try temporaryDirectory(self)
        let baseline = OSSClient.liveNativeObjects
        for i in 0..<10_000 {
            let client = try OSSClient(configuration: config, credentials: .staticCredentials(
                STSCredentials(accessKeyId: "id\(i)", accessKeySecret: "secret")))
            _ = client
        }
        for i in 0..<200 {
            _ = try OSSClient(configuration: config, credentials: .fetcher {
                STSCredentials(accessKeyId: "id\(i)", accessKeySecret: "s")
            })
        }
        XCTAssertEqual(OSSClient.liveNativeObjects, baseline, "every native client was released")
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

extension DevInfo {
    /// For tests that need no server.
    static let offline = try! JSONDecoder().decode(DevInfo.self, from: Data("""
        {"oss_endpoint":"http://127.0.0.1:9","sts_endpoint":"http://127.0.0.1:9","region":"cn-hangzhou",
         "bucket":"b","access_key_id":"a","access_key_secret":"s","role_arn":"r","stats_url":"x"}
        """.utf8))
}
