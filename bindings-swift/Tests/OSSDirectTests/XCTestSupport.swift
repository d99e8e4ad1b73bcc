import Foundation
import OSSDirectTestSupport
import XCTest

/// A temporary directory removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = try makeTemporaryDirectory()
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}
