// swift-tools-version:5.9
// WatcherKit: the watcher app's model below its SwiftUI screens, the Swift mirror of
// android-sample/watcher. It depends on the Testigo package that bindings/build-xcframework.sh
// assembles in bindings/out/TestigoSwift (run it first, on a Mac).
import PackageDescription

let package = Package(
    name: "WatcherKit",
    defaultLocalization: "es",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "WatcherKit", targets: ["WatcherKit"]),
    ],
    dependencies: [
        .package(name: "Testigo", path: "../../bindings/out/TestigoSwift"),
    ],
    targets: [
        .target(
            name: "WatcherKit",
            dependencies: [.product(name: "Testigo", package: "Testigo")],
            // The one catalog of the watcher's words, shared with Android (a link to
            // android-sample/watcher/src/main/resources/org/testigo/watcher).
            resources: [.copy("Strings")]
        ),
    ]
)
