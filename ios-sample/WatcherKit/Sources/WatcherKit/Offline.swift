import CryptoKit
import Foundation
import Testigo

// When there is no data link: the mirror of android-sample's `Offline.kt`. A sealed record's
// numbers go as a few SMS to the coordinators' gateway (`Store.smsFor`), and the whole outbox can
// leave as one sealed file for a runner (`Store.exportBundle`), whose phone carries it to a link
// (`Store.carryBundle`).
//
// iOS differs from Android in two ways. An app cannot send SMS by itself: the screens present the
// system's message composer once per text, and the watcher sends each. And an app cannot read
// incoming SMS at all: the coordinators' receipt arrives with the next sync (the server puts it
// in the phone's feed), or the watcher pastes the reply SMS (`smsReceived(from: nil, …)`).

/// The ways out without a data link, as the home screen offers them.
public struct OfflineView: Equatable {
    /// The coordinators' SMS gateway numbers from the election package; empty: no SMS.
    public var smsNumbers: [String] = []
    /// Whether the outbox can leave as a sealed file now (the package names the key, something waits).
    public var canShareBundle = false
    /// Files this phone carries, or carried, for other watchers, newest first.
    public var carried: [CarriedRow] = []

    public init() {}
}

/// A sealed file this phone carries for another watcher.
public struct CarriedRow: Equatable, Identifiable {
    public var id: String { sha256 }
    public let sha256: String
    public let size: UInt64
    public let receivedAtMs: Int64
    /// Waiting, delivered, or refused by the coordinators.
    public let status: Text
    /// Whether it can be passed on to another runner: only while this phone still holds it.
    public let canPassOn: Bool
}

/// A capture's numbers as SMS: send each text as one SMS to `number`, then `smsSent`.
public struct SmsPlan: Equatable, Identifiable {
    public var id: String { captureId }
    public let captureId: String
    public let number: String
    public let texts: [String]
}

/// A sealed file written into `WatcherConfig.shareDir` to share; `actas` tally sheets travel in it.
public struct BundleFile: Equatable {
    public let url: URL
    public let actas: Int
}

/// The sealed files, as on Android.
public enum Bundles {
    /// The files' extension, registered by both apps (Info.plist: `UTExportedTypeDeclarations`).
    public static let fileExtension = "testigo"
    public static let mimeType = "application/vnd.testigo.bundle"
    /// The exported type's identifier (Info.plist).
    public static let typeIdentifier = "org.testigo.bundle"
    /// The largest file taken to carry: the protocol's largest bundle.
    public static let maxBytes = 256 * 1024 * 1024

    /// A file's name, from its bytes' hash: it tells whoever sees it nothing of the station or time.
    public static func fileName(_ bytes: Data) -> String {
        let hex = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return "testigo-\(hex.prefix(12)).\(fileExtension)"
    }

    /// Writes `bytes` into `dir` under `fileName`, whole or not at all.
    static func write(_ bytes: Data, in dir: URL) throws -> URL {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(fileName(bytes))
        try bytes.write(to: url, options: .atomic)
        return url
    }
}

/// Which SMS are the coordinators' gateway's (`Gateway.matches` in Offline.kt).
public enum Gateway {
    /// Whether `from` is one of the gateway `numbers`: digits compared without trunk zeros, the
    /// shorter at the end of the longer when it has at least 7 digits.
    public static func matches(_ from: String, _ numbers: [String]) -> Bool {
        let sender = digits(from)
        guard !sender.isEmpty else { return false }
        return numbers.map(digits).contains { number in
            !number.isEmpty && (number == sender
                || (min(number.count, sender.count) >= 7 && (number.hasSuffix(sender) || sender.hasSuffix(number))))
        }
    }

    static func digits(_ number: String) -> String {
        String(number.filter { ("0"..."9").contains($0) }.drop(while: { $0 == "0" }))
    }
}

/// What an action found: something to go on with, or something to tell the watcher instead.
enum Found<T> {
    case go(T)
    case tell(Text)
}

/// The offline part of the home screen (called by `refresh`, off the main actor).
func offlineView(_ s: Store, _ pkg: ElectionPackage?, waiting: Int) throws -> OfflineView {
    var view = OfflineView()
    view.smsNumbers = pkg?.smsNumbers ?? []
    view.canShareBundle = pkg?.bundleKey != nil && waiting > 0
    view.carried = try s.carriedBundles().map {
        CarriedRow(sha256: $0.sha256, size: $0.size, receivedAtMs: $0.receivedAtMs,
                   status: Messages.carried($0), canPassOn: $0.deliveredAtMs == nil)
    }
    return view
}

@MainActor
extension Watcher {
    /// The SMS that carry a sealed capture's numbers and the gateway number to send them to;
    /// `nil` with a message when SMS is not the way. A further try goes to the next number.
    public func smsPlan(_ captureId: String) async -> SmsPlan? {
        guard let s = store else { return nil }
        let round = smsRounds[captureId] ?? 0
        let found = await core { () -> Found<SmsPlan> in
            let numbers = try s.electionPackage()?.smsNumbers ?? []
            let record = try s.outbox().first { item in
                guard item.captureId == captureId, case .record = item.kind else { return false }
                return true
            }
            if numbers.isEmpty { return .tell(Text("sms-no-number")) }
            guard record?.state == .pending else { return .tell(Text("sms-not-needed")) }
            let texts = try s.smsFor(captureId: captureId)
            return .go(SmsPlan(captureId: captureId, number: numbers[round % numbers.count], texts: texts))
        }
        switch found {
        case .go(let plan)?: return plan
        case .tell(let text)?: state.message = text
        case nil: break
        }
        return nil
    }

    /// The watcher sent every SMS of the plan from the composer. The numbers wait for the
    /// receipt, which comes with the next sync (or pasted: `smsReceived(from: nil, …)`).
    public func smsSent(_ captureId: String) async {
        guard let s = store, await core({ try s.smsSent(captureId: captureId) }) != nil else { return }
        smsRounds[captureId, default: 0] += 1
        await refresh(state.screen)
        state.message = Text("sms-sent")
    }

    /// Not every SMS went out (the watcher cancelled, or the composer failed).
    public func smsNotSent(denied: Bool = false) {
        state.message = Text(denied ? "sms-permission" : "sms-not-sent")
    }

    /// An SMS from `from`, or one the watcher pasted (`from` = `nil`): the coordinators' receipt
    /// delivers the capture's numbers. Returns whether it was a receipt.
    @discardableResult
    public func smsReceived(from: String?, text: String) async -> Bool {
        guard let s = await openedStore() else { return false }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let delivered = await core { () -> Bool in
            let numbers = try s.electionPackage()?.smsNumbers ?? []
            // Other SMS are none of the app's business: they do not reach the core.
            if let from, !Gateway.matches(from, numbers) { return false }
            return try s.acceptSmsReceipt(text: trimmed) != nil
        } ?? false
        if case .locked = state.screen { return delivered }
        if delivered {
            await refresh(state.screen)
            state.message = Text("sms-receipt")
        } else if from == nil {
            state.message = Text("sms-not-a-receipt")
        }
        return delivered
    }

    /// Seals everything waiting into one file in `config.shareDir`, for the share sheet; `nil`
    /// with a message when nothing waits or the package allows no files. Nothing is sent by this.
    public func exportBundle() async -> BundleFile? {
        guard let s = store else { return nil }
        let dir = config.shareDir
        let found = await core { () -> Found<BundleFile> in
            guard let pkg = try s.electionPackage() else { return .tell(Text("error-no-package")) }
            guard pkg.bundleKey != nil else { return .tell(Text("bundle-no-key")) }
            let waiting = try s.outbox().filter { $0.state == .pending }
            guard !waiting.isEmpty else { return .tell(Text("bundle-nothing-waiting")) }
            let bytes: Data
            do {
                bytes = try s.exportBundle()
            } catch TestigoError.InvalidInput {
                return .tell(Text("bundle-nothing-waiting")) // a sync delivered the last item meanwhile
            }
            do {
                let url = try Bundles.write(bytes, in: dir)
                return .go(BundleFile(url: url, actas: Set(waiting.map(\.captureId)).count))
            } catch {
                return .tell(Text("error-storage"))
            }
        }
        switch found {
        case .go(let file)?:
            state.message = Text("bundle-exported", ["count": .number(file.actas)])
            return file
        case .tell(let text)?: state.message = text
        case nil: break
        }
        return nil
    }

    /// A runner takes another watcher's sealed file (from the file importer, or opened with the
    /// app) to carry it: the next sync forwards it.
    public func carryBundle(_ url: URL) async {
        let read = await Task.detached { () -> Result<Data?, Error> in
            Result {
                // The file importer's URLs are security-scoped; files opened with the app are not.
                let scoped = url.startAccessingSecurityScopedResource()
                defer { if scoped { url.stopAccessingSecurityScopedResource() } }
                let size = try url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
                guard size <= Bundles.maxBytes else { return nil }
                return try Data(contentsOf: url)
            }
        }.value
        guard case .success(let bytes) = read else {
            state.message = Text("bundle-unreadable")
            return
        }
        guard let s = store else { return }
        guard let bytes else {
            state.message = Text("bundle-refused")
            return
        }
        let carried = await Task.detached { Result { try s.carryBundle(bytes: bytes) } }.value
        if case .failure(let e) = carried {
            state.message = Messages.carryFailed(e)
            return
        }
        await refresh(state.screen)
        state.message = Text("bundle-carried")
        scheduler.schedule(SyncPolicy.now(Self.nowMs()))
    }

    /// A carried file written again into `config.shareDir`, to pass on to another runner.
    public func passOn(_ sha256: String) async -> URL? {
        guard let s = store else { return nil }
        let dir = config.shareDir
        guard let bytes = await core({ try s.carriedBundleBytes(sha256: sha256) }) else { return nil }
        do {
            return try Bundles.write(bytes, in: dir)
        } catch {
            state.message = Text("error-storage")
            return nil
        }
    }
}
