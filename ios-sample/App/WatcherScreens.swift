import SwiftUI
import WatcherKit

/// Every screen, drawn from `Watcher.state`: each button calls one action, every word comes from
/// the shared catalog.
struct WatcherScreens: View {
    @ObservedObject var watcher: Watcher
    let t: Strings

    var body: some View {
        NavigationView {
            content
                .padding()
                .navigationTitle(t["app-name"])
        }
        .navigationViewStyle(.stack)
        .alert(isPresented: Binding(get: { watcher.state.message != nil }, set: { if !$0 { watcher.dismiss() } })) {
            Alert(title: Text(watcher.state.message.map { t[$0] } ?? ""))
        }
    }

    @ViewBuilder private var content: some View {
        switch watcher.state.screen {
        case .starting: ProgressView()
        case .choosePin: ChoosePinView(watcher: watcher, t: t)
        case .locked(let left): LockedView(watcher: watcher, t: t, left: left)
        case .enroll: EnrollView(watcher: watcher, t: t)
        case .home: HomeView(watcher: watcher, t: t)
        case .capture(let draft, let confirming): CaptureView(watcher: watcher, t: t, draft: draft, confirming: confirming)
        case .settings: SettingsScreen(watcher: watcher, t: t)
        }
    }
}

struct ChoosePinView: View {
    @ObservedObject var watcher: Watcher
    let t: Strings
    @State private var pin = ""
    @State private var duress = ""

    var body: some View {
        Form {
            Section(header: Text(t["pin-choose"])) { SecureField("", text: $pin).keyboardType(.numberPad) }
            Section(header: Text(t["pin-duress"])) { SecureField("", text: $duress).keyboardType(.numberPad) }
            Button(t["button-save"]) { Task { await watcher.choosePin(pin, duress: duress.isEmpty ? nil : duress) } }
        }
    }
}

struct LockedView: View {
    @ObservedObject var watcher: Watcher
    let t: Strings
    let left: Int?
    @State private var pin = ""

    var body: some View {
        Form {
            Section(header: Text(t["pin-enter"])) {
                SecureField("", text: $pin).keyboardType(.numberPad)
                if let left { Text(t[WatcherKit.Text("pin-wrong", ["left": .number(left)])]).foregroundColor(.red) }
            }
            Button(t["button-unlock"]) {
                let typed = pin
                pin = ""
                Task { await watcher.unlock(typed) }
            }
        }
    }
}

struct EnrollView: View {
    @ObservedObject var watcher: Watcher
    let t: Strings
    @State private var code = ""
    @State private var server = "https://"
    @State private var scanning = false

    var body: some View {
        Form {
            Section(header: Text(t["enroll-title"])) {
                if scanning {
                    QrScannerView { text in
                        scanning = false
                        Task { await watcher.enroll(text) }
                    }
                    .frame(height: 280)
                } else {
                    Button(t["enroll-scan"]) { scanning = true }
                }
            }
            Section(header: Text(t["enroll-type-code"])) { TextField("", text: $code).autocapitalization(.none) }
            Section(header: Text(t["enroll-server"])) { TextField("", text: $server).keyboardType(.URL).autocapitalization(.none) }
            Button(t["button-enroll"]) { Task { await watcher.enroll(code, serverUrl: server) } }
        }
    }
}

struct HomeView: View {
    @ObservedObject var watcher: Watcher
    let t: Strings
    @State private var confirmWipe = false
    @StateObject private var reachability = Reachability()

    /// SMS is offered on a waiting capture when there is no data link: no network, or a network
    /// on which the server cannot be reached.
    private var offerSms: Bool {
        SendBySms.available && (!reachability.online || watcher.state.sync.linkDown)
    }

    var body: some View {
        List {
            Section(header: Text(t["stations-title"])) {
                ForEach(watcher.state.stations) { s in
                    VStack(alignment: .leading) {
                        Text(t[WatcherKit.Text("station-number", ["number": .number(Int(s.number))])] + " · " + s.centerName)
                        Text(t[s.statusText]).font(.caption)
                        Button(t["button-capture"]) { Task { await watcher.openStation(s.stationId) } }
                    }
                }
            }
            Section {
                let sync = watcher.state.sync
                Button(t["button-send-now"]) { Task { await watcher.sendNow() } }.disabled(sync.running)
                if sync.running && sync.bytesTotal > 0 {
                    ProgressView(value: Double(sync.bytesDone), total: Double(sync.bytesTotal))
                }
                Text(t[WatcherKit.Text("pending", ["count": .number(sync.pending)])])
                if let last = sync.last { Text(t[last]) }
                Button(t["settings-title"]) { Task { await watcher.settings() } }
            }
            Section(header: Text(t["captures-title"])) {
                ForEach(watcher.state.captures) { c in
                    VStack(alignment: .leading, spacing: 4) {
                        Text(c.stationId + " · " + t[c.statusText])
                        Text(c.receipts > 0 && c.receiptsVerified ? t["receipt-verified"] : t["receipt-missing"]).font(.caption)
                        if let review = c.reviewText { Text(t[review]) }
                        if let comment = c.reviewComment { Text("“\(comment)”").italic() }
                        if let parked = c.parked {
                            Text(t[parked]).foregroundColor(.red)
                            Button(t["button-retry"]) { Task { await watcher.retryParked(c.id) } }
                        }
                        if c.canCorrect { Button(t["button-correct"]) { Task { await watcher.correct(c.id) } } }
                        if offerSms && c.canSendSms { SendBySms(watcher: watcher, t: t, captureId: c.id) }
                    }
                }
                // iOS apps cannot read SMS: the receipt comes with a sync, or pasted here.
                if !watcher.state.offline.smsNumbers.isEmpty && watcher.state.captures.contains(where: \.canSendSms) {
                    PasteReceipt(watcher: watcher, t: t)
                }
            }
            OfflineSection(watcher: watcher, t: t)
            Button(t["button-wipe"], role: .destructive) { confirmWipe = true }
        }
        .alert(isPresented: $confirmWipe) {
            Alert(
                title: Text(t["wipe-confirm"]),
                primaryButton: .destructive(Text(t["button-wipe"])) { Task { await watcher.panicWipe() } },
                secondaryButton: .cancel(Text(t["button-back"])))
        }
    }
}

struct CaptureView: View {
    @ObservedObject var watcher: Watcher
    let t: Strings
    let draft: DraftView
    let confirming: Bool
    @State private var camera = false

    var body: some View {
        Form {
            Section(header: Text(draft.stationId)) {
                Text(draft.qrRead ? t["qr-read"] : t["qr-not-read"])
                Button(draft.photos == 0 ? t["button-take-photo"] : t["button-add-page"]) { camera = true }
            }
            Section {
                ForEach(0..<draft.photos, id: \.self) { page in PreparedPhotoView(watcher: watcher, page: page) }
            }
            Section {
                ForEach(draft.fields) { f in
                    HStack {
                        Text(f.label)
                        Spacer()
                        TextField("", text: Binding(
                            get: { f.value.map(String.init) ?? "" },
                            set: { v in Task { await watcher.setCount(f.id, UInt32(v.filter(\.isNumber).prefix(9))) } }))
                            .keyboardType(.numberPad)
                            .multilineTextAlignment(.trailing)
                            .frame(width: 90)
                    }
                }
            }
            Section(header: Text(t["notes"])) {
                TextField("", text: Binding(get: { draft.notes }, set: { v in Task { await watcher.setNotes(v) } }))
            }
            Section {
                ForEach(draft.warnings, id: \.self) { Text(t[$0]).foregroundColor(.red) }
                Button(t["button-seal"]) { watcher.requestSeal() }
                Button(t["button-back"]) { Task { await watcher.home() } }
            }
        }
        .sheet(isPresented: $camera) {
            ActaCameraView(t: t) { jpeg, qr in
                camera = false
                Task { await watcher.addPhoto(jpeg, scannedQr: qr) }
            }
        }
        .alert(isPresented: Binding(get: { confirming }, set: { if !$0 { watcher.cancelSeal() } })) {
            Alert(
                title: Text(t["seal-confirm-title"]),
                message: Text(t["seal-confirm-body"] + (draft.warnings.isEmpty ? "" : "\n" + t["seal-confirm-warnings"])),
                primaryButton: .default(Text(t["button-confirm"])) { Task { await watcher.confirmSeal() } },
                secondaryButton: .cancel(Text(t["button-back"])) { watcher.cancelSeal() })
        }
    }
}

/// The prepared page as the core stored it: the watcher sees what will be sent.
struct PreparedPhotoView: View {
    @ObservedObject var watcher: Watcher
    let page: Int
    @State private var image: UIImage?

    var body: some View {
        Group {
            if let image { Image(uiImage: image).resizable().scaledToFit() } else { ProgressView() }
        }
        .task { image = await watcher.preparedPhoto(page: page, small: false).flatMap(UIImage.init(data:)) }
    }
}

struct SettingsScreen: View {
    @ObservedObject var watcher: Watcher
    let t: Strings

    var body: some View {
        Form {
            if let s = watcher.state.settings {
                Text(t["settings-server"] + ": " + (s.serverUrl ?? "—"))
                Text(t["settings-device-key"] + ": " + s.deviceKeyId).font(.system(.caption, design: .monospaced))
                Text(s.hardwareKey ? t["settings-hardware-key"] : t["settings-software-key"])
            }
            Button(t["button-back"]) { Task { await watcher.home() } }
        }
    }
}
