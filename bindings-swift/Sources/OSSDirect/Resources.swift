import Foundation

/// The package's resources (the privacy manifest).
enum Resources {
    /// The resource bundle of the `OSSDirect` module.
    static var bundle: Bundle { Bundle.module }
}
