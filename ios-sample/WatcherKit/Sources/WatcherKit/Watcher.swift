import Foundation
import Testigo

/// Where the app keeps its files and which platform parts it uses.
public struct WatcherConfig {
    public var dataDir: URL
    public var vault: KeyVault
    public var signer: Signer?
    public var allowInsecureHttp = false
    public var maxPinTries = 10
    /// Where sealed files for sharing are written (for the share sheet); emptied by every wipe.
    public var shareDir = FileManager.default.temporaryDirectory.appendingPathComponent("bundles", isDirectory: true)
    /// Deletes the platform's own keys with every wipe (the device signing key): a key left
    /// behind would name the device in every record it signed, and those are public.
    public var onWipe: () -> Void = {}

    public init(dataDir: URL, vault: KeyVault, signer: Signer?) {
        self.dataDir = dataDir
        self.vault = vault
        self.signer = signer
    }

    var storeDir: URL { dataDir.appendingPathComponent("store", isDirectory: true) }
    var pinFile: URL { dataDir.appendingPathComponent("pin.json") }
    var keyFile: URL { dataDir.appendingPathComponent("master.key") }
}

/// Which screen is up (android-sample's `Screen`).
public enum Screen: Equatable {
    case starting
    case choosePin
    case locked(left: Int?)
    case enroll
    case home
    case capture(DraftView, confirming: Bool)
    case settings
}

public struct StationRow: Equatable, Identifiable {
    public var id: String { stationId }
    public let stationId: String
    public let number: UInt32
    public let centerName: String
    public let status: ReportingStatus
    public let statusText: Text
}

public struct CaptureRow: Equatable, Identifiable {
    public let id: String
    public let stationId: String
    public let status: ReportingStatus
    public let statusText: Text
    public let review: ReviewStatus?
    public let reviewText: Text?
    public let reviewComment: String?
    public let receipts: Int
    public let receiptsVerified: Bool
    public let parked: Text?
    public let waiting: Int
    public let supersedes: String?
    public let canCorrect: Bool
    /// Whether its signed record (the numbers) is delivered, whichever way it went.
    public let numbersDelivered: Bool
    /// Whether its numbers can go by SMS: the package names a gateway and the record waits.
    public let canSendSms: Bool
}

public struct FieldView: Equatable, Identifiable {
    public let id: String
    public let label: String
    public let value: UInt32?
    public let fromQr: Bool
}

public struct DraftView: Equatable {
    public let captureId: String
    public let stationId: String
    public let supersedes: String?
    public let photos: Int
    public let fields: [FieldView]
    public let notes: String
    public let warnings: [Text]
    public let qrRead: Bool
}

public struct SyncView: Equatable {
    public var running = false
    public var bytesDone: UInt64 = 0
    public var bytesTotal: UInt64 = 0
    public var pending = 0
    public var last: Text?
    /// Whether the last run could not reach the server: the screens then offer SMS.
    public var linkDown = false
}

public struct SettingsView: Equatable {
    public let serverUrl: String?
    public let deviceKeyId: String
    public let hardwareKey: Bool
}

public struct WatcherState: Equatable {
    public var screen: Screen = .starting
    public var stations: [StationRow] = []
    public var captures: [CaptureRow] = []
    public var sync = SyncView()
    public var settings: SettingsView?
    /// SMS and sealed files, for when there is no data link (Offline.swift).
    public var offline = OfflineView()
    public var message: Text?
}

/// The platform's background scheduler (BGTaskScheduler).
public protocol Scheduler: AnyObject {
    func schedule(_ next: NextSync)
}

/// The watcher's app below its screens: the mirror of android-sample's `Watcher.kt`. Blocking
/// core calls run off the main actor; the state is published on it. The members left `internal`
/// are for Offline.swift's actions.
@MainActor
public final class Watcher: ObservableObject {
    @Published public internal(set) var state = WatcherState()

    let config: WatcherConfig
    let scheduler: Scheduler
    private let lock: PinLock
    private let masterKey: MasterKey
    private(set) var store: Store?
    private var observers: [SyncObserverHandle] = []
    private var running: CancelToken?
    /// How many times each capture's SMS went out: a new try goes to the package's next number.
    var smsRounds: [String: Int] = [:]

    public init(config: WatcherConfig, scheduler: Scheduler) {
        self.config = config
        self.scheduler = scheduler
        lock = PinLock(file: config.pinFile, maxTries: config.maxPinTries)
        masterKey = MasterKey(file: config.keyFile, vault: config.vault)
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    public func start() { state.screen = lock.isSet ? .locked(left: nil) : .choosePin }

    public func choosePin(_ pin: String, duress: String?) async {
        do { try lock.set(pin: pin, duress: duress) } catch {
            state.message = Text("pin-invalid")
            return
        }
        await open()
    }

    public func unlock(_ pin: String) async {
        switch (try? lock.check(pin)) ?? .wrong(left: 0) {
        case .open: await open()
        case .wrong(let left): state.screen = .locked(left: left)
        case .wipe: await wipeNow(message: nil)
        }
    }

    public func lockNow() {
        close()
        state = WatcherState(screen: .locked(left: nil))
    }

    public func panicWipe() async { await wipeNow(message: Text("wiped")) }

    public func enroll(_ scannedOrTyped: String, serverUrl: String? = nil) async {
        guard let s = store else { return }
        let text = scannedOrTyped.trimmingCharacters(in: .whitespacesAndNewlines)
        let uri = parseEnrollmentUri(text: text)
        let code = uri?.code ?? text
        guard let url = uri?.serverUrl ?? serverUrl.flatMap({ $0.isEmpty ? nil : $0 }) else {
            state.message = Text("enroll-needs-server")
            return
        }
        let pins = uri?.tlsPins ?? []
        guard await core({ pins.isEmpty ? try s.enroll(serverUrl: url, code: code) : try s.enrollPinned(serverUrl: url, code: code, tlsPins: pins) }) != nil else { return }
        await refresh(.home)
        state.message = Text("enrolled")
        scheduler.schedule(SyncPolicy.now(Self.nowMs()))
    }

    public func openStation(_ stationId: String) async {
        guard let s = store else { return }
        let id = await core { () -> String in
            if let draft = try s.captures().first(where: { $0.stationId == stationId && $0.state == .draft }) { return draft.id }
            guard let contest = try s.electionPackage()?.contests.first else { throw TestigoError.NoPackage(message: "") }
            return try s.newCapture(stationId: stationId, contestId: contest.id)
        }
        if let id { await showDraft(id) }
    }

    /// Adds a photographed page; the core reads its QR and its numbers fill untyped counts.
    public func addPhoto(_ jpeg: Data, scannedQr: String? = nil) async {
        guard let s = store, let draft = currentDraft else { return }
        let id = draft.captureId
        guard await core({ () -> Bool in
            _ = try s.attachPhoto(captureId: id, photo: jpeg)
            if let scannedQr, try s.capture(captureId: id).qrPayload == nil {
                try s.setQrPayload(captureId: id, payload: scannedQr)
            }
            if let qr = try s.qrCounts(captureId: id) {
                let capture = try s.capture(captureId: id)
                let typed = Set(capture.counts.keys).union(capture.extraCounts.keys)
                var prefill: [String: UInt32?] = [:]
                for (field, value) in qr.counts.merging(qr.extraCounts, uniquingKeysWith: { a, _ in a }) where !typed.contains(field) {
                    prefill[field] = value
                }
                if !prefill.isEmpty { try s.setCounts(captureId: id, values: prefill) }
            }
            return true
        }) != nil else { return }
        await showDraft(id)
    }

    /// The prepared page as the core stored it (or its thumbnail), to show after the shot.
    public func preparedPhoto(page: Int, small: Bool = true) async -> Data? {
        guard let s = store, let id = currentDraft?.captureId else { return nil }
        return await core { () -> Data? in
            let photos = try s.capture(captureId: id).photos
            guard photos.indices.contains(page) else { return nil }
            if small { return try s.thumbnail(sha256: photos[page].sha256) }
            return try s.readPhoto(sha256: photos[page].sha256)
        } ?? nil
    }

    public func setCount(_ field: String, _ value: UInt32?) async {
        guard let s = store, let id = currentDraft?.captureId else { return }
        guard await core({ try s.setCount(captureId: id, field: field, value: value) }) != nil else { return }
        await showDraft(id)
    }

    public func setNotes(_ notes: String) async {
        guard let s = store, let id = currentDraft?.captureId else { return }
        guard await core({ try s.setNotes(captureId: id, notes: notes) }) != nil else { return }
        await showDraft(id)
    }

    public func requestSeal() {
        if case .capture(let draft, _) = state.screen { state.screen = .capture(draft, confirming: true) }
    }

    public func cancelSeal() {
        if case .capture(let draft, _) = state.screen { state.screen = .capture(draft, confirming: false) }
    }

    public func confirmSeal() async {
        guard let s = store, case .capture(let draft, true) = state.screen else { return }
        guard await core({ try s.seal(captureId: draft.captureId) }) != nil else {
            state.screen = .capture(draft, confirming: false)
            return
        }
        await refresh(.home)
        state.message = Text("sealed")
        scheduler.schedule(SyncPolicy.now(Self.nowMs()))
    }

    public func correct(_ captureId: String) async {
        guard let s = store, let id = await core({ try s.supersede(captureId: captureId) }) else { return }
        await showDraft(id)
    }

    public func retryParked(_ captureId: String) async {
        guard let s = store, await core({ try s.retryParked(captureId: captureId) }) != nil else { return }
        await refresh(state.screen)
        scheduler.schedule(SyncPolicy.now(Self.nowMs()))
    }

    public func home() async { await refresh(.home) }
    public func settings() async { await refresh(.settings) }
    public func dismiss() { state.message = nil }

    /// "Send now".
    @discardableResult
    public func sendNow() async -> NextSync { await sync(ignoreBackoff: true, maxDuration: 300) }

    /// A background task's run; `stopSync` when the task expires.
    @discardableResult
    public func syncInBackground(budget: TimeInterval = 25) async -> NextSync {
        await sync(ignoreBackoff: false, maxDuration: budget)
    }

    /// The OS ends the run (a background task's expiration handler).
    public func stopSync() { running?.cancel() }

    private func sync(ignoreBackoff: Bool, maxDuration: TimeInterval) async -> NextSync {
        guard running == nil else { return NextSync.none }
        guard let s = await openedStore() else { return NextSync.none }
        let token = CancelToken()
        running = token
        state.sync.running = true
        let result: Result<SyncReport, Error> = await Task.detached {
            Result { try s.sync(options: SyncOptions(ignoreBackoff: ignoreBackoff, maxDuration: maxDuration), cancel: token) }
        }.value
        running = nil
        state.sync.running = false
        switch result {
        case .failure(let e):
            state.message = Messages.error(e)
            let next = NextSync.whenOnline(atMs: Self.nowMs() + SyncPolicy.afterStopMs)
            scheduler.schedule(next)
            return next
        case .success(let report):
            // While locked, nothing is put on the (hidden) screens.
            if case .locked = state.screen {} else { await refresh(state.screen) }
            let awaiting = (await core { () -> Bool in
                try s.captures().contains { c in
                    guard c.state == .sealed, c.status == .delivered, try s.capture(captureId: c.id).supersededBy == nil else { return false }
                    let verdict = try s.review(captureId: c.id)?.status
                    return verdict != .verified && verdict != .rejected
                }
            }) ?? false
            let next = SyncPolicy.after(report, nowMs: Self.nowMs(), awaitingReview: awaiting)
            state.sync.last = Messages.sync(report)
            state.sync.linkDown = report.linkError != nil
            if next == .enroll { state.screen = .enroll }
            scheduler.schedule(next)
            return next
        }
    }

    /// The store, opened if the app is locked: a background run opens it, but only once a PIN
    /// and a master key exist (never before the first start).
    func openedStore() async -> Store? {
        if let store { return store }
        guard lock.isSet && FileManager.default.fileExists(atPath: config.keyFile.path) else { return nil }
        return await openStore()
    }

    // MARK: - internals

    private var currentDraft: DraftView? {
        if case .capture(let draft, _) = state.screen { return draft }
        return nil
    }

    /// Runs a blocking core call off the main actor; a failure becomes the message and `nil`.
    func core<T>(_ call: @escaping @Sendable () throws -> T) async -> T? {
        let result = await Task.detached { Result(catching: call) }.value
        switch result {
        case .success(let value): return value
        case .failure(let e):
            state.message = Messages.error(e)
            return nil
        }
    }

    private func open() async {
        guard let opened = await openStore() else { return }
        let enrolled = (await core { try opened.enrollment() }) ?? nil
        await refresh(enrolled != nil ? .home : .enroll)
    }

    /// Opens the store with the master key from the vault. The PIN only guards the screens, so a
    /// background sync opens the store while the app is locked.
    private func openStore() async -> Store? {
        if let store { return store }
        let config = self.config
        let masterKey = self.masterKey
        let opened = await core { () -> Store in
            try FileManager.default.createDirectory(at: config.storeDir, withIntermediateDirectories: true)
            var key = try masterKey.obtain()
            defer { key.resetBytes(in: 0..<key.count) }
            return try Store.open(dir: config.storeDir.path, key: key, signer: config.signer, allowInsecureHttp: config.allowInsecureHttp)
        }
        guard let opened else { return nil }
        store = opened
        if let handle = try? opened.observeSync(observer: Progress(self)) { observers.append(handle) }
        return opened
    }

    private func close() {
        observers.forEach { $0.unregister() }
        observers.removeAll()
        store = nil
    }

    private func wipeNow(message: Text?) async {
        running?.cancel()
        let s = store
        let config = self.config
        close()
        _ = await core {
            try? s?.wipe()
            try wipeStoreDir(dir: config.storeDir.path)
        }
        try? masterKey.destroy()
        try? lock.clear()
        // Sealed files shared earlier: nothing readable, but they say what the phone was for.
        try? FileManager.default.removeItem(at: config.shareDir)
        config.onWipe()
        scheduler.schedule(NextSync.none)
        state = WatcherState(screen: .choosePin, message: message)
    }

    func refresh(_ screen: Screen) async {
        guard let s = store else { return }
        let view = await core { () -> ([StationRow], [CaptureRow], SettingsView, OfflineView) in
            let enrollment = try s.enrollment()
            let outbox = try s.outbox()
            let assigned: [StationStatus]
            do { assigned = try s.stations() } catch TestigoError.NoPackage { assigned = [] }
            let stations = assigned.map {
                StationRow(stationId: $0.stationId, number: $0.number, centerName: $0.centerName, status: $0.status, statusText: Messages.status($0.status))
            }
            let pkg = try s.electionPackage()
            let smsNumbers = pkg?.smsNumbers ?? []
            let sealed = try s.captures().filter { $0.state == .sealed }.sorted { ($0.sealedAtMs ?? 0) > ($1.sealedAtMs ?? 0) }
            let captures = try sealed.map { c -> CaptureRow in
                let full = try s.capture(captureId: c.id)
                let review = try s.review(captureId: c.id)
                let receipts = try s.receipts(captureId: c.id)
                let items = outbox.filter { $0.captureId == c.id }
                let parked = items.first { $0.state == .parked }
                let record = items.first { if case .record = $0.kind { return true } else { return false } }?.state
                return CaptureRow(
                    id: c.id, stationId: c.stationId, status: c.status,
                    statusText: Messages.captureStatus(c.status, numbersDelivered: record == .done),
                    review: review?.status, reviewText: review.map { Messages.review($0.status) }, reviewComment: review?.comment,
                    receipts: receipts.count,
                    receiptsVerified: enrollment.map { e in receipts.allSatisfy { receiptVerifies(receipt: $0.receipt, serverKey: e.serverKey) } } ?? false,
                    parked: parked.map { Messages.parked($0.lastError ?? "") },
                    waiting: items.filter { $0.state == .pending }.count,
                    supersedes: c.supersedes, canCorrect: full.supersededBy == nil,
                    numbersDelivered: record == .done, canSendSms: !smsNumbers.isEmpty && record == .pending)
            }
            let device = try s.device()
            let waiting = outbox.filter { $0.state == .pending }.count
            return (stations, captures, SettingsView(serverUrl: enrollment?.serverUrl, deviceKeyId: device.keyId, hardwareKey: !device.softwareKey),
                    try offlineView(s, pkg, waiting: waiting))
        }
        guard let view else { return }
        state.screen = screen
        state.stations = view.0
        state.captures = view.1
        state.settings = view.2
        state.offline = view.3
        state.sync.pending = view.1.reduce(0) { $0 + $1.waiting }
    }

    private func showDraft(_ id: String) async {
        guard let s = store else { return }
        let view = await core { () -> DraftView in
            let c = try s.capture(captureId: id)
            guard let contest = try s.electionPackage()?.contests.first(where: { $0.id == c.contestId }) else {
                throw TestigoError.NoPackage(message: "")
            }
            let names = Dictionary(uniqueKeysWithValues: contest.candidates.map { ($0.id, $0.name) })
            let qr = try s.qrCounts(captureId: id)
            let qrValues = qr.map { $0.counts.merging($0.extraCounts, uniquingKeysWith: { a, _ in a }) } ?? [:]
            let values = c.counts.merging(c.extraCounts, uniquingKeysWith: { a, _ in a })
            let options = contest.options.map { o in
                FieldView(id: o.id, label: "\(names[o.candidateId] ?? o.candidateId) — \(o.party)", value: values[o.id],
                          fromQr: qrValues[o.id] != nil && qrValues[o.id] == values[o.id])
            }
            let extra = contest.countFields.map { f in
                FieldView(id: f.id, label: f.label, value: values[f.id], fromQr: qrValues[f.id] != nil && qrValues[f.id] == values[f.id])
            }
            let fields = options + extra
            let labels = Dictionary(uniqueKeysWithValues: fields.map { ($0.id, $0.label) })
            return DraftView(captureId: c.id, stationId: c.stationId, supersedes: c.supersedes, photos: c.photos.count,
                             fields: fields, notes: c.notes,
                             warnings: c.warnings.map { w in Messages.warning(w) { labels[$0] ?? $0 } }, qrRead: qr != nil)
        }
        if let view { state.screen = .capture(view, confirming: false) }
    }

    /// Sync progress into the state, from the syncing thread.
    private final class Progress: SyncObserver, @unchecked Sendable {
        weak var watcher: Watcher?
        init(_ watcher: Watcher) { self.watcher = watcher }

        func onEvent(event: SyncEvent) throws {
            guard case .sending(_, _, _, let done, let total) = event else { return }
            Task { @MainActor [weak watcher] in
                watcher?.state.sync.bytesDone = done
                watcher?.state.sync.bytesTotal = total
            }
        }
    }
}
