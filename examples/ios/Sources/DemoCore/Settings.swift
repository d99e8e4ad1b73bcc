import Foundation
import OSSDirect

/// What the settings screen edits: where the token server and OSS are, who the user is, where files go.
public struct DemoSettings: Codable, Sendable, Equatable {
    /// The token server's `GET /sts-token` URL.
    public var tokenServerURL: String
    /// The user's bearer token for the token server.
    public var bearerToken: String
    /// The OSS endpoint.
    public var endpoint: String
    /// The bucket's region.
    public var region: String
    /// The bucket.
    public var bucket: String
    /// The key prefix the user may write to (`users/<user>/`).
    public var prefix: String

    /// Settings as given.
    public init(tokenServerURL: String = "", bearerToken: String = "", endpoint: String = "",
                region: String = "cn-hangzhou", bucket: String = "", prefix: String = "") {
        self.tokenServerURL = tokenServerURL
        self.bearerToken = bearerToken
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
    }

    /// What is wrong, one line per field; empty when the settings can be used.
    public var problems: [String] {
        var p: [String] = []
        if URL(string: tokenServerURL)?.scheme?.hasPrefix("http") != true { p.append("Token server URL: not an http(s) URL") }
        if bearerToken.isEmpty { p.append("Bearer token: empty") }
        if URL(string: endpoint)?.scheme?.hasPrefix("http") != true { p.append("Endpoint: not an http(s) URL") }
        if region.isEmpty { p.append("Region: empty") }
        if bucket.isEmpty { p.append("Bucket: empty") }
        if !prefix.isEmpty && !prefix.hasSuffix("/") { p.append("Prefix: must end with /") }
        return p
    }

    /// The object key for a file name under the prefix.
    public func key(for name: String) -> String {
        prefix + name.replacingOccurrences(of: "/", with: "_")
    }
}

/// Keeps the settings in a JSON file (Application Support on iOS).
public struct SettingsStore: Sendable {
    /// The file.
    public let url: URL

    /// A store in `directory`.
    public init(directory: URL) {
        url = directory.appendingPathComponent("demo-settings.json")
    }

    /// The saved settings, or defaults.
    public func load() -> DemoSettings {
        guard let data = try? Data(contentsOf: url),
              let s = try? JSONDecoder().decode(DemoSettings.self, from: data) else { return DemoSettings() }
        return s
    }

    /// Saves them.
    public func save(_ settings: DemoSettings) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder().encode(settings).write(to: url, options: .atomic)
    }
}
