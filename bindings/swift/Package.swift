// swift-tools-version:5.9
// The Swift package around the XCFramework, assembled in bindings/out/TestigoSwift by
// bindings/build-xcframework.sh (on a Mac): the generated sources go to Sources/Testigo, the
// library to TestigoFFI.xcframework, and these tests to Tests/TestigoTests.
import PackageDescription

let package = Package(
    name: "Testigo",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Testigo", targets: ["Testigo"]),
    ],
    targets: [
        .binaryTarget(name: "TestigoFFI", path: "TestigoFFI.xcframework"),
        .target(
            name: "Testigo",
            dependencies: ["TestigoFFI"],
            path: "Sources/Testigo",
            // SQLCipher's CommonCrypto and getrandom's SecRandomCopyBytes.
            linkerSettings: [.linkedFramework("Security")]
        ),
        .testTarget(name: "TestigoTests", dependencies: ["Testigo"], path: "Tests/TestigoTests"),
    ]
)
