import Foundation
import OSSDirectBindings

/// Every error the SDK throws. Messages never contain secrets.
public enum OSSError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// OSS (or STS behind the token server) answered with an error: HTTP status, OSS error code
    /// (`AccessDenied`, `NoSuchKey`, …), its message, the request id for support tickets, and the `EC` code.
    case service(status: Int, code: String, message: String, requestID: String?, ec: String?)
    /// The connection failed (refused, reset, DNS, offline). Retrying later may work.
    case network(String)
    /// A request or credentials fetch took too long (including a stalled connection).
    case timeout(String)
    /// Credentials could not be obtained (token endpoint refused, the app's fetcher threw, bad JSON, expired).
    case credentials(String)
    /// The remote signer refused or failed to sign.
    case signing(String)
    /// Data was damaged in transit (CRC-64 or MD5 mismatch); nothing corrupt was kept.
    case integrity(String)
    /// An argument or the configuration is invalid.
    case invalidArgument(String)
    /// A local file could not be read or written.
    case io(String)
    /// The source of a resumed upload changed since the transfer started (size, date or identity).
    case sourceChanged(String)
    /// The transfer was cancelled (`Transfer.cancel()`).
    case cancelled
    /// A bug in the SDK; please report it with the message.
    case `internal`(String)

    public var description: String {
        switch self {
        case let .service(status, code, message, requestID, ec):
            var s = "OSS error \(status) \(code): \(message)"
            if let requestID { s += " (request id \(requestID))" }
            if let ec { s += " [EC \(ec)]" }
            return s
        case .network(let m): return "network error: \(m)"
        case .timeout(let m): return "timed out: \(m)"
        case .credentials(let m): return "credentials error: \(m)"
        case .signing(let m): return "signing error: \(m)"
        case .integrity(let m): return "integrity error: \(m)"
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .io(let m): return "I/O error: \(m)"
        case .sourceChanged(let m): return "the source changed: \(m)"
        case .cancelled: return "cancelled"
        case .internal(let m): return "internal error: \(m)"
        }
    }

    public var errorDescription: String? { description }

    /// Whether the failure came from the network (a transfer waits for it to return and resumes).
    public var isNetwork: Bool {
        switch self {
        case .network, .timeout: return true
        default: return false
        }
    }
}

extension OSSError {
    /// The idiomatic error for anything the native layer (or app code) threw.
    init(_ error: Error) {
        if let e = error as? OSSError {
            self = e
            return
        }
        guard let e = error as? OssError else {
            self = .internal(String(reflecting: error))
            return
        }
        switch e {
        case let .Service(status, code, reason, requestId, _, ec):
            self = .service(status: Int(status), code: code, message: reason,
                            requestID: requestId.isEmpty ? nil : requestId, ec: ec.isEmpty ? nil : ec)
        case .Network(let reason): self = .network(reason)
        case .Timeout(let reason): self = .timeout(reason)
        case .Credentials(let reason): self = .credentials(reason)
        case .Signing(let reason): self = .signing(reason)
        case let .Integrity(check, expected, actual):
            self = .integrity("\(check) mismatch: expected \(expected), got \(actual)")
        case .InvalidArgument(let reason): self = .invalidArgument(reason)
        case .InvalidResponse(let reason): self = .internal("unexpected response: \(reason)")
        case let .Io(path, reason): self = .io(path.map { "\($0): \(reason)" } ?? reason)
        case .SourceChanged(let reason): self = .sourceChanged(reason)
        case .Cancelled: self = .cancelled
        case .Paused: self = .internal("paused")
        case .Internal(let reason): self = .internal(reason)
        }
    }

    /// The native form (errors thrown by app closures cross the boundary as this).
    var native: OssError {
        switch self {
        case let .service(status, code, message, requestID, ec):
            return .Service(status: UInt16(clamping: status), code: code, reason: message,
                            requestId: requestID ?? "", hostId: "", ec: ec ?? "")
        case .network(let m): return .Network(reason: m)
        case .timeout(let m): return .Timeout(reason: m)
        case .credentials(let m): return .Credentials(reason: m)
        case .signing(let m): return .Signing(reason: m)
        case .integrity(let m): return .Integrity(check: "app", expected: m, actual: "")
        case .invalidArgument(let m): return .InvalidArgument(reason: m)
        case .io(let m): return .Io(path: nil, reason: m)
        case .sourceChanged(let m): return .SourceChanged(reason: m)
        case .cancelled: return .Cancelled
        case .internal(let m): return .Internal(reason: m)
        }
    }
}
