#!/bin/sh
# cargo xtask xcframework [--release-url URL]
#
# Builds bindings-swift/Generated/OSSDirectFFI.xcframework (static libraries) and the generated Swift for iOS:
# - aarch64-apple-ios (devices), aarch64-apple-ios-sim + x86_64-apple-ios merged with lipo (simulators);
# - linked as safe for app extensions (-application_extension), so share and file-provider extensions may use it;
# - headers in their own subfolder (Headers/OSSDirectFFI/), so two UniFFI libraries can live in one app
#   without their module.modulemap files colliding;
# - `xcodebuild -create-xcframework`.
# With --release-url URL (where the zipped XCFramework will be published) it also zips it and prints the
# checksum to put into Package.swift (`releaseXCFrameworkURL` / `releaseXCFrameworkChecksum`).
#
# Needs macOS with Xcode and `rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios`.
set -eu

die() { echo "xcframework: $*" >&2; exit 1; }

if [ "$(uname -s)" != Darwin ]; then
    die "the XCFramework can only be built on macOS with Xcode (this is $(uname -s)): Apple's SDKs, lipo and
xcodebuild exist only there. On Linux, develop and test with \`cargo xtask swift test\` (the host library)."
fi
command -v xcodebuild >/dev/null 2>&1 || die "xcodebuild not found: install Xcode and run xcode-select -s"
command -v lipo >/dev/null 2>&1 || die "lipo not found: install Xcode's command line tools"

RELEASE_URL=""
while [ $# -gt 0 ]; do
    case "$1" in
        --release-url) RELEASE_URL=$2; shift 2 ;;
        *) die "unknown argument $1 (usage: cargo xtask xcframework [--release-url URL])" ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TARGETS="aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios"
installed=$(rustup target list --installed)
for t in $TARGETS; do
    echo "$installed" | grep -qx "$t" || die "Rust target $t missing: rustup target add $t"
done

export IPHONEOS_DEPLOYMENT_TARGET=15.0
for t in $TARGETS; do
    var=CARGO_TARGET_$(echo "$t" | tr 'a-z-' 'A-Z_')_RUSTFLAGS
    export "$var=-C link-arg=-Wl,-application_extension"
    cargo build --release --locked -p ossdirect-ffi --lib --target "$t"
done

OUT=$TARGET_DIR/xcframework
rm -rf "$OUT"
mkdir -p "$OUT/ios" "$OUT/ios-simulator" "$OUT/headers/OSSDirectFFI" "$OUT/bindings"
cp "$TARGET_DIR/aarch64-apple-ios/release/libossdirect_ffi.a" "$OUT/ios/"
lipo -create \
    "$TARGET_DIR/aarch64-apple-ios-sim/release/libossdirect_ffi.a" \
    "$TARGET_DIR/x86_64-apple-ios/release/libossdirect_ffi.a" \
    -output "$OUT/ios-simulator/libossdirect_ffi.a"

# Bindings from the device library (library mode), same generator version as the runtime.
cargo run --quiet -p uniffi-bindgen -- generate --library "$OUT/ios/libossdirect_ffi.a" --language swift \
    --config "$ROOT/uniffi.toml" --out-dir "$OUT/bindings"
cp "$OUT/bindings/OSSDirectFFI.h" "$OUT/headers/OSSDirectFFI/"
cat > "$OUT/headers/OSSDirectFFI/module.modulemap" <<'MAP'
module OSSDirectFFI {
    header "OSSDirectFFI.h"
    export *
}
MAP

PKG=$ROOT/bindings-swift/Generated
rm -rf "$PKG/OSSDirectFFI.xcframework"
mkdir -p "$PKG/OSSDirectBindings"
xcodebuild -create-xcframework \
    -library "$OUT/ios/libossdirect_ffi.a" -headers "$OUT/headers" \
    -library "$OUT/ios-simulator/libossdirect_ffi.a" -headers "$OUT/headers" \
    -output "$PKG/OSSDirectFFI.xcframework"
cp "$OUT/bindings/OSSDirectBindings.swift" "$PKG/OSSDirectBindings/"
echo "xcframework: $PKG/OSSDirectFFI.xcframework and the generated Swift are ready (swift build / Xcode)"

if [ -n "$RELEASE_URL" ]; then
    (cd "$PKG" && rm -f OSSDirectFFI.xcframework.zip && zip -qry OSSDirectFFI.xcframework.zip OSSDirectFFI.xcframework)
    sum=$(swift package compute-checksum "$PKG/OSSDirectFFI.xcframework.zip")
    echo "Publish $PKG/OSSDirectFFI.xcframework.zip at $RELEASE_URL and set in the released Package.swift:"
    echo "  let releaseXCFrameworkURL: String? = \"$RELEASE_URL\""
    echo "  let releaseXCFrameworkChecksum = \"$sum\""
    echo "and commit Generated/OSSDirectBindings/OSSDirectBindings.swift to the release branch or tag."
fi
