import Foundation
import OSSDirectBindings

/// What a remote signer is asked to sign: the exact string, and the request it describes (so the signer can
/// check it against its policy first).
public struct SigningRequest: Sendable, Hashable {
    /// V1 or V4.
    public var version: SignatureVersion
    /// The exact string to sign.
    public var stringToSign: String
    /// `yyyymmdd` of the signing time (V4 signing keys depend on it).
    public var date: String
    /// The region (V4 signing keys depend on it).
    public var region: String
    /// The HTTP method.
    public var method: String
    /// The bucket, if any.
    public var bucket: String?
    /// The object key, if any.
    public var key: String?
    /// Signed headers.
    public var headers: [String: String]
    /// Query parameters (`nil` value: a valueless one such as `?uploads`).
    public var query: [String: String?]
}

/// A remote signer's answer.
public struct SigningResult: Sendable, Hashable {
    /// V1: base64 HMAC-SHA1; V4: hex HMAC-SHA256 under the derived key.
    public var signature: String
    /// The AccessKeyId the signature was made with.
    public var accessKeyId: String
    /// The STS token the signature covers, if any.
    public var securityToken: String?

    /// A signature made with `accessKeyId` (and `securityToken` for STS credentials).
    public init(signature: String, accessKeyId: String, securityToken: String? = nil) {
        self.signature = signature
        self.accessKeyId = accessKeyId
        self.securityToken = securityToken
    }
}

/// Where a client's credentials come from. Nothing is fetched until the first request; credentials are then
/// cached and fetched again before they expire, one fetch at a time, off the main thread, each bounded by
/// `OSSConfiguration.credentialsTimeout`.
public enum CredentialsSource: Sendable {
    /// Fixed credentials: an STS set the app already holds, or a key for tests.
    case staticCredentials(STSCredentials)
    /// The token server's `GET /sts-token` (the official mobile SDKs' JSON), sending `headers` (the user's
    /// `Authorization`).
    case tokenEndpoint(URL, headers: [String: String] = [:])
    /// The app's own code fetches them; a throw becomes `OSSError.credentials` carrying the error's text, a
    /// fetch that takes longer than the timeout fails the request instead of hanging it.
    case fetcher(@Sendable () async throws -> STSCredentials)
    /// The app's own signer: the device never holds a secret. A throw becomes `OSSError.signing`.
    case remoteSigner(@Sendable (SigningRequest) async throws -> SigningResult)
    /// The token server's `POST /sign` signs each request after checking it against the user's policy.
    case signingEndpoint(URL, headers: [String: String] = [:])
}

extension CredentialsSource {
    /// The native source. Creating it does no I/O.
    func native(timeout: TimeInterval) throws -> OSSDirectBindings.CredentialsSource {
        let ms = UInt64(max(0.001, timeout) * 1000)
        do {
            switch self {
            case .staticCredentials(let c):
                return OSSDirectBindings.CredentialsSource.staticCredentials(
                    accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken)
            case .tokenEndpoint(let url, let headers):
                return try OSSDirectBindings.CredentialsSource.tokenEndpoint(
                    url: url.absoluteString, method: .get, headers: headers, refreshBeforeSecs: 300, timeoutMs: ms)
            case .fetcher(let fetch):
                return OSSDirectBindings.CredentialsSource.fetcher(
                    fetcher: FetcherAdapter(fetch), refreshBeforeSecs: 300, timeoutMs: ms)
            case .remoteSigner(let sign):
                return OSSDirectBindings.CredentialsSource.remoteSigner(signer: SignerAdapter(sign), timeoutMs: ms)
            case .signingEndpoint(let url, let headers):
                return try OSSDirectBindings.CredentialsSource.signingEndpoint(
                    url: url.absoluteString, headers: headers, timeoutMs: ms)
            }
        } catch {
            throw OSSError(error)
        }
    }
}

/// The app's fetch closure as the native fetcher.
final class FetcherAdapter: OSSDirectBindings.CredentialsFetcher, @unchecked Sendable {
    let body: @Sendable () async throws -> STSCredentials

    init(_ body: @escaping @Sendable () async throws -> STSCredentials) { self.body = body }

    func fetch() async throws -> StsCredentials {
        do {
            let c = try await body()
            return StsCredentials(accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret,
                                  securityToken: c.securityToken, expiration: c.expiration)
        } catch let e as OSSError {
            throw e.native
        } catch {
            throw OssError.Credentials(reason: "the app's fetcher threw \(String(reflecting: error))")
        }
    }
}

/// The app's sign closure as the native signer.
final class SignerAdapter: OSSDirectBindings.SignatureProvider, @unchecked Sendable {
    let signer: @Sendable (SigningRequest) async throws -> SigningResult

    init(_ sign: @escaping @Sendable (SigningRequest) async throws -> SigningResult) { signer = sign }

    func sign(request: OSSDirectBindings.SigningRequest) async throws -> OSSDirectBindings.SigningResult {
        let r = SigningRequest(
            version: request.version == .v1 ? .v1 : .v4, stringToSign: request.stringToSign, date: request.date,
            region: request.region, method: request.method, bucket: request.bucket, key: request.key,
            headers: request.headers, query: request.query)
        do {
            let s = try await signer(r)
            return OSSDirectBindings.SigningResult(
                signature: s.signature, accessKeyId: s.accessKeyId, securityToken: s.securityToken)
        } catch let e as OSSError {
            throw e.native
        } catch {
            throw OssError.Signing(reason: "the app's signer threw \(String(reflecting: error))")
        }
    }
}
