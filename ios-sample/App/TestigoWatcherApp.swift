import BackgroundTasks
import SwiftUI
import Testigo
import WatcherKit

/// The watcher's iOS app: thin SwiftUI screens over WatcherKit's `Watcher`.
@main
struct TestigoWatcherApp: App {
    @StateObject private var watcher: Watcher
    @Environment(\.scenePhase) private var phase
    private let strings: Strings
    /// A sealed file opened with the app (AirDrop, Files, a messenger), carried once the PIN is typed.
    @State private var incoming: URL?

    init() {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("testigo", isDirectory: true)
        var config = WatcherConfig(dataDir: support, vault: SecureEnclaveVault(), signer: try? SecureEnclaveSigner())
        // A wipe (panic button, duress PIN, too many PINs) deletes the device key too.
        config.onWipe = { try? EnclaveKey.delete(tag: SecureEnclaveSigner.tag) }
        let watcher = Watcher(config: config, scheduler: BackgroundSync.shared)
        _watcher = StateObject(wrappedValue: watcher)
        strings = (try? Strings.forPreferred()) ?? (try! Strings.of("es"))
        BackgroundSync.shared.register(watcher)
    }

    var body: some Scene {
        WindowGroup {
            WatcherScreens(watcher: watcher, t: strings)
                .onAppear { watcher.start() }
                .onOpenURL { url in
                    incoming = url
                    carryIncoming()
                }
                .onChange(of: watcher.state.screen) { _ in carryIncoming() }
        }
        .onChange(of: phase) { newPhase in
            // Locked whenever the app leaves the screen; the app switcher shows no content.
            if newPhase == .background { watcher.lockNow() }
        }
    }
}

extension TestigoWatcherApp {
    /// Takes an opened file to carry once the home screen is up; iOS copied it into the app's
    /// Inbox, which is emptied afterwards (the store keeps what it carries).
    private func carryIncoming() {
        guard let url = incoming, watcher.state.screen == .home else { return }
        incoming = nil
        Task {
            await watcher.carryBundle(url)
            if url.pathComponents.contains("Inbox") { try? FileManager.default.removeItem(at: url) }
        }
    }
}

/// Background sync with BGTaskScheduler: one processing task needing network, resubmitted with
/// the time WatcherKit's `SyncPolicy` asks for.
final class BackgroundSync: Scheduler {
    static let shared = BackgroundSync()
    static let identifier = "org.testigo.watcher.sync"
    private weak var watcher: Watcher?

    func register(_ watcher: Watcher) {
        self.watcher = watcher
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Self.identifier, using: nil) { task in
            guard let task = task as? BGProcessingTask else { return }
            let run = Task { @MainActor in
                await self.watcher?.syncInBackground(budget: 25)
                task.setTaskCompleted(success: true)
            }
            task.expirationHandler = {
                Task { @MainActor in self.watcher?.stopSync() }
                run.cancel()
            }
        }
    }

    func schedule(_ next: NextSync) {
        BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: Self.identifier)
        guard case .whenOnline(let atMs) = next else { return }
        let request = BGProcessingTaskRequest(identifier: Self.identifier)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = Date(timeIntervalSince1970: TimeInterval(atMs) / 1000)
        try? BGTaskScheduler.shared.submit(request)
    }
}

/// The device signing key: P-256 in the Secure Enclave, through the bindings' `Signer`.
final class SecureEnclaveSigner: Signer, @unchecked Sendable {
    /// The key, made on first use and again after a wipe deleted it.
    private var key: SecKey {
        get throws { try EnclaveKey.find(tag: Self.tag) ?? EnclaveKey.create(tag: Self.tag) }
    }

    /// The Keychain tag of the device key.
    static let tag = Data("org.testigo.watcher.device".utf8)

    init() throws {
        _ = try key
    }

    func publicKey() throws -> Data {
        var error: Unmanaged<CFError>?
        guard let pub = SecKeyCopyPublicKey(try key), let bytes = SecKeyCopyExternalRepresentation(pub, &error) else {
            throw SignerError.Failed(message: "the device key is gone")
        }
        return bytes as Data // X9.63: 0x04 || X || Y, 65 bytes
    }

    func sign(message: Data) throws -> Data {
        var error: Unmanaged<CFError>?
        guard let signature = SecKeyCreateSignature(try key, .ecdsaSignatureMessageX962SHA256, message as CFData, &error) else {
            throw SignerError.Failed(message: "the Secure Enclave could not sign")
        }
        return signature as Data
    }
}
