// swift-tools-version:6.0
//
// The iOS demo's logic, without UIKit or SwiftUI: settings, the transfer list (bytes, rate, ETA),
// pause/resume/cancel, resuming after a relaunch, the presigned share link and the download-back check.
// It compiles and is tested on Linux (`cargo xtask swift test --package-path examples/ios`); the SwiftUI
// views in App/ only display it (see App/README.md to run the app in Xcode).
import PackageDescription

let package = Package(
    name: "OSSDirectDemo",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [.library(name: "DemoCore", targets: ["DemoCore"])],
    dependencies: [.package(path: "../../bindings-swift")],
    targets: [
        .target(name: "DemoCore", dependencies: [.product(name: "OSSDirect", package: "bindings-swift")]),
        .testTarget(
            name: "DemoCoreTests",
            dependencies: ["DemoCore", .product(name: "OSSDirectTestSupport", package: "bindings-swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
