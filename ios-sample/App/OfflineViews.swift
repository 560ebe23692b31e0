import MessageUI
import Network
import SwiftUI
import UIKit
import UniformTypeIdentifiers
import WatcherKit

/// Whether the phone has a usable network path, kept up to date. Without one, or when the last
/// sync could not reach the server, the home screen offers SMS.
final class Reachability: ObservableObject {
    @Published private(set) var online = true
    private let monitor = NWPathMonitor()

    init() {
        monitor.pathUpdateHandler = { [weak self] path in
            DispatchQueue.main.async { self?.online = path.status == .satisfied }
        }
        monitor.start(queue: DispatchQueue(label: "org.testigo.watcher.reachability"))
    }

    deinit { monitor.cancel() }
}

/// "Send the numbers by SMS": asks the model for the texts, says how many SMS go where, then
/// presents the system's message composer once per text. iOS lets an app send no SMS by itself:
/// the watcher taps send in each composer, and only when every text was sent is the capture
/// marked sent. The receipt SMS cannot be read by the app (iOS gives apps no incoming SMS): it
/// arrives with the next sync, or the watcher pastes it (`PasteReceipt`).
struct SendBySms: View {
    @ObservedObject var watcher: Watcher
    let t: Strings
    let captureId: String
    @State private var plan: SmsPlan?
    @State private var confirming = false
    /// The text whose composer is up.
    @State private var part: SmsPart?
    /// How the last composer closed, and which text it held.
    @State private var closed: (index: Int, result: MessageComposeResult)?

    /// One text of the plan in its composer.
    struct SmsPart: Identifiable {
        let plan: SmsPlan
        let index: Int
        var id: String { "\(plan.captureId)-\(index)" }
    }

    var body: some View {
        Button(t["button-send-sms"]) {
            Task {
                plan = await watcher.smsPlan(captureId)
                confirming = plan != nil
            }
        }
        .buttonStyle(.borderless)
        // The alert and the composer hang on views of their own, apart from the screen's alerts.
        .background(Color.clear.alert(isPresented: $confirming) {
            Alert(
                title: Text(plan.map { t[WatcherKit.Text("sms-confirm", ["count": .number($0.texts.count), "number": .text($0.number)])] } ?? ""),
                primaryButton: .default(Text(t["button-send"])) {
                    if let plan { part = SmsPart(plan: plan, index: 0) }
                },
                secondaryButton: .cancel(Text(t["button-back"])) { plan = nil })
        })
        .background(Color.clear.sheet(item: $part, onDismiss: next) { part in
            VStack(spacing: 0) {
                Text(t[WatcherKit.Text("sms-part", ["index": .number(part.index + 1), "count": .number(part.plan.texts.count)])])
                    .font(.caption)
                    .padding(8)
                MessageComposer(recipient: part.plan.number, body: part.plan.texts[part.index]) { result in
                    closed = (part.index, result)
                    self.part = nil
                }
            }
        })
    }

    /// Whether this phone can send SMS at all (an iPad or an iPod cannot).
    static var available: Bool { MFMessageComposeViewController.canSendText() }

    /// After a composer closed: the next text, or the end (each text must go as its own SMS).
    private func next() {
        guard let plan, let closed else { return }
        self.closed = nil
        guard closed.result == .sent else {
            self.plan = nil
            watcher.smsNotSent()
            return
        }
        if closed.index + 1 < plan.texts.count {
            part = SmsPart(plan: plan, index: closed.index + 1)
        } else {
            self.plan = nil
            Task { await watcher.smsSent(plan.captureId) }
        }
    }
}

/// The system's SMS composer for one text to one number.
struct MessageComposer: UIViewControllerRepresentable {
    let recipient: String
    let body: String
    let onFinish: (MessageComposeResult) -> Void

    func makeUIViewController(context: Context) -> MFMessageComposeViewController {
        let composer = MFMessageComposeViewController()
        composer.recipients = [recipient]
        composer.body = body
        composer.messageComposeDelegate = context.coordinator
        return composer
    }

    func updateUIViewController(_ controller: MFMessageComposeViewController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(onFinish) }

    final class Coordinator: NSObject, MFMessageComposeViewControllerDelegate {
        let onFinish: (MessageComposeResult) -> Void
        init(_ onFinish: @escaping (MessageComposeResult) -> Void) { self.onFinish = onFinish }

        func messageComposeViewController(_ controller: MFMessageComposeViewController, didFinishWith result: MessageComposeResult) {
            onFinish(result)
        }
    }
}

/// The coordinators' reply SMS, pasted by the watcher from Messages (iOS apps cannot read SMS).
struct PasteReceipt: View {
    @ObservedObject var watcher: Watcher
    let t: Strings

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(t["sms-receipt-later"]).font(.caption)
            Button(t["button-paste-receipt"]) {
                guard let text = UIPasteboard.general.string else { return }
                Task { await watcher.smsReceived(from: nil, text: text) }
            }
            .buttonStyle(.borderless)
        }
    }
}

/// The home screen's part for when there is no data link: the outbox as a sealed file to share,
/// a watcher's file to carry (as a runner), and the files carried.
struct OfflineSection: View {
    @ObservedObject var watcher: Watcher
    let t: Strings
    @State private var sharing: SharedFile?
    @State private var importing = false

    /// A file for the share sheet.
    struct SharedFile: Identifiable {
        let url: URL
        var id: URL { url }
    }

    var body: some View {
        let offline = watcher.state.offline
        Section(header: Text(t["offline-title"])) {
            if offline.canShareBundle {
                Text(t["bundle-explain"]).font(.caption)
                Button(t["button-share-bundle"]) {
                    Task { if let file = await watcher.exportBundle() { sharing = SharedFile(url: file.url) } }
                }
            }
            Text(t["carry-explain"]).font(.caption)
            Button(t["button-carry-bundle"]) { importing = true }
        }
        .fileImporter(isPresented: $importing, allowedContentTypes: [UTType(exportedAs: Bundles.typeIdentifier), .data]) { result in
            if case .success(let url) = result { Task { await watcher.carryBundle(url) } }
        }
        .sheet(item: $sharing) { ShareSheet(url: $0.url) }
        if !offline.carried.isEmpty {
            Section(header: Text(t["carried-title"])) {
                ForEach(offline.carried) { row in
                    VStack(alignment: .leading, spacing: 4) {
                        Text(t[WatcherKit.Text("carried-row", ["kb": .number(Int((row.size + 1023) / 1024))])])
                        Text(t[row.status]).font(.caption)
                        if row.canPassOn {
                            Button(t["button-pass-on"]) {
                                Task { if let url = await watcher.passOn(row.sha256) { sharing = SharedFile(url: url) } }
                            }
                            .buttonStyle(.borderless)
                        }
                    }
                }
            }
        }
    }
}

/// The share sheet for a sealed file: AirDrop to a runner's iPhone, Save to Files (a USB stick
/// on a Lightning or USB-C adapter), a messenger.
struct ShareSheet: UIViewControllerRepresentable {
    let url: URL

    func makeUIViewController(context: Context) -> UIActivityViewController {
        UIActivityViewController(activityItems: [url], applicationActivities: nil)
    }

    func updateUIViewController(_ controller: UIActivityViewController, context: Context) {}
}
