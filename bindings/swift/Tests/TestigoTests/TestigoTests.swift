// The generated Swift bindings against the real library and a real `testigo serve` on loopback:
// what the iOS app does, run on a Mac with `swift test` (bindings/README.md). The tests that need
// the server skip themselves unless TESTIGO_BIN names a `testigo` binary built for the Mac.

#if os(macOS)
import CryptoKit
import Foundation
import XCTest

import Testigo

extension NSLock {
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A device key held by CryptoKit, as the app holds one in the Secure Enclave
/// (`SecureEnclave.P256.Signing.PrivateKey` has the same API).
final class CryptoKitSigner: Signer, @unchecked Sendable {
    private let key = P256.Signing.PrivateKey()
    private let lock = NSLock()
    private var made: [(Data, Data)] = []
    var signatures: [(Data, Data)] { lock.locked { made } }

    func publicKey() throws -> Data { key.publicKey.x963Representation }

    func sign(message: Data) throws -> Data {
        let signature = try key.signature(for: message).derRepresentation
        lock.locked { made.append((message, signature)) }
        return signature
    }

    func verify(_ message: Data, _ signature: Data) -> Bool {
        guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
        return key.publicKey.isValidSignature(parsed, for: message)
    }
}

final class Recorder: SyncObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [SyncEvent] = []
    var events: [SyncEvent] { lock.locked { seen } }
    func onEvent(event: SyncEvent) throws { lock.locked { seen.append(event) } }
}

/// The `testigo` command and a server it runs on loopback.
final class TestServer {
    let bin: String
    let root: URL
    let data: URL
    let process = Process()
    var url = ""
    var stationId = ""
    var contestId = ""
    var acta = Data()

    init(bin: String) throws {
        self.bin = bin
        root = FileManager.default.temporaryDirectory.appendingPathComponent("testigo-swift-\(UUID().uuidString)")
        data = root.appendingPathComponent("server")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let package = root.appendingPathComponent("election.json")
        _ = try run("election", "sample", "--stations", "3", "--out", package.path)
        _ = try run("election", "import", "--data", data.path, package.path)
        let election = try JSONSerialization.jsonObject(with: Data(contentsOf: package)) as? [String: Any]
        stationId = ((election?["stations"] as? [[String: Any]])?.first?["id"] as? String) ?? ""
        contestId = ((election?["contests"] as? [[String: Any]])?.first?["id"] as? String) ?? ""
        let actas = root.appendingPathComponent("actas")
        _ = try run("sim", "actas", "--count", "1", "--out", actas.path)
        acta = try Data(contentsOf: actas.appendingPathComponent("acta-0001.jpg"))

        let out = root.appendingPathComponent("serve.out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = ["serve", "--data", data.path, "--listen", "127.0.0.1:0"]
        process.standardOutput = try FileHandle(forWritingTo: out)
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, line.hasPrefix("listening on ") {
                url = String(line.dropFirst("listening on ".count))
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw NSError(domain: "testigo", code: 1, userInfo: [NSLocalizedDescriptionKey: "serve did not start"])
    }

    func run(_ args: String...) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "testigo", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "testigo \(args.joined(separator: " ")) failed"])
        }
        return output
    }

    func enrollCode() throws -> String {
        let json = try JSONSerialization.jsonObject(
            with: run("enroll", "--data", data.path, "--station", stationId, "--json")) as? [String: Any]
        return ((json?["codes"] as? [[String: Any]])?.first?["code"] as? String) ?? ""
    }

    func phoneDir() throws -> String {
        let dir = root.appendingPathComponent("phone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: root)
    }
}

func randomKey() -> Data { Data((0..<32).map { _ in UInt8.random(in: 0...255) }) }

final class TestigoTests: XCTestCase {
    func server() throws -> TestServer {
        guard let bin = ProcessInfo.processInfo.environment["TESTIGO_BIN"] else {
            throw XCTSkip("set TESTIGO_BIN to a testigo binary built for this Mac")
        }
        return try TestServer(bin: bin)
    }

    func testEnrollCaptureSealSyncReceiptsAndWipeWithACryptoKitSigner() throws {
        let server = try server()
        let signer = CryptoKitSigner()
        let store = try Store.open(dir: server.phoneDir(), key: randomKey(), signer: signer)
        XCTAssertFalse(try store.device().softwareKey)
        XCTAssertEqual(try store.device().publicKey, try signer.publicKey())

        let enrollment = try store.enroll(serverUrl: server.url, code: server.enrollCode())
        XCTAssertEqual(enrollment.stationIds, [server.stationId])

        let id = try store.newCapture(stationId: server.stationId, contestId: server.contestId)
        let photo = try store.attachPhoto(captureId: id, photo: server.acta)
        let qr = try XCTUnwrap(try store.qrCounts(captureId: id))
        var counts: [String: UInt32?] = [:]
        for (field, value) in qr.counts.merging(qr.extraCounts, uniquingKeysWith: { a, _ in a }) { counts[field] = value }
        try store.setCounts(captureId: id, values: counts)
        let signed = try store.seal(captureId: id)
        let last = try XCTUnwrap(signer.signatures.last)
        XCTAssertEqual(last.1, signed.signature)
        XCTAssertTrue(signer.verify(last.0, signed.signature))

        let recorder = Recorder()
        let handle = try store.observeSync(observer: recorder)
        let report = try store.sync()
        handle.unregister()
        XCTAssertEqual(report.outcome, .idle)
        XCTAssertEqual(report.recordsDelivered, 1)
        XCTAssertEqual(report.photosDelivered, 1)
        XCTAssertEqual(recorder.events.first, .started)
        XCTAssertEqual(recorder.events.last, .finished(report))

        let receipts = try store.receipts(captureId: id)
        XCTAssertEqual(receipts.count, 2)
        for stored in receipts {
            XCTAssertEqual(stored.receipt.receipt.serverKeyId, enrollment.serverKeyId)
            if case let .photo(_, sha256, size) = stored.receipt.receipt.subject {
                XCTAssertEqual(sha256, photo.sha256)
                XCTAssertEqual(size, photo.size)
            }
        }

        try store.wipe()
        XCTAssertThrowsError(try store.captures()) { error in
            guard case TestigoError.StoreClosed = error else { return XCTFail("\(error)") }
        }
    }

    func testWrongKeyAndCorruptPhotoAreTypedErrors() throws {
        let server = try server()
        let dir = try server.phoneDir()
        let key = randomKey()
        do {
            let store = try Store.open(dir: dir, key: key)
            _ = try store.enroll(serverUrl: server.url, code: server.enrollCode())
            let id = try store.newCapture(stationId: server.stationId, contestId: server.contestId)
            XCTAssertThrowsError(try store.attachPhoto(captureId: id, photo: Data(server.acta.prefix(20_000)))) { error in
                guard case TestigoError.InvalidInput = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try Store.open(dir: dir, key: randomKey())) { error in
            guard case TestigoError.WrongKey = error else { return XCTFail("\(error)") }
        }
    }
}
#endif
