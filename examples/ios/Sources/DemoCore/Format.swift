import Foundation

/// Texts for the transfer list.
public enum Format {
    /// `512 B`, `1.5 KiB`, `12.0 MiB`, `1.20 GiB`.
    public static func bytes(_ n: UInt64) -> String {
        let d = Double(n)
        switch n {
        case ..<1024: return "\(n) B"
        case ..<(1 << 20): return String(format: "%.1f KiB", d / 1024)
        case ..<(1 << 30): return String(format: "%.1f MiB", d / 1_048_576)
        default: return String(format: "%.2f GiB", d / 1_073_741_824)
        }
    }

    /// `3.2 MiB/s`, or empty when nothing moves.
    public static func rate(_ bytesPerSecond: Double) -> String {
        bytesPerSecond > 0 ? bytes(UInt64(bytesPerSecond)) + "/s" : ""
    }

    /// `42 s`, `3 min 5 s`, `1 h 2 min`, or empty when unknown.
    public static func eta(_ seconds: TimeInterval?) -> String {
        guard let s = seconds, s.isFinite, s >= 0 else { return "" }
        let t = Int(s.rounded(.up))
        if t < 60 { return "\(t) s" }
        if t < 3600 { return "\(t / 60) min \(t % 60) s" }
        return "\(t / 3600) h \((t % 3600) / 60) min"
    }
}
