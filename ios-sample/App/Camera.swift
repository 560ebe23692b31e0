import AVFoundation
import SwiftUI
import WatcherKit

/// The acta camera (AVFoundation): a full-quality JPEG handed to the core as taken (the core
/// downsizes it, strips metadata and reads the acta's QR code); QR codes seen in the preview are
/// passed along too, in case the photo's is blurred.
struct ActaCameraView: UIViewControllerRepresentable {
    let t: Strings
    let onPhoto: (Data, String?) -> Void

    func makeUIViewController(context: Context) -> CameraController {
        CameraController(photo: true, buttonTitle: t["button-take-photo"], onPhoto: onPhoto, onQr: nil)
    }

    func updateUIViewController(_ controller: CameraController, context: Context) {}
}

/// The enrollment QR code from the camera's preview; `onText` is called once.
struct QrScannerView: UIViewControllerRepresentable {
    let onText: (String) -> Void

    func makeUIViewController(context: Context) -> CameraController {
        CameraController(photo: false, buttonTitle: nil, onPhoto: nil, onQr: onText)
    }

    func updateUIViewController(_ controller: CameraController, context: Context) {}
}

final class CameraController: UIViewController, AVCapturePhotoCaptureDelegate, AVCaptureMetadataOutputObjectsDelegate {
    private let session = AVCaptureSession()
    private let photoOutput = AVCapturePhotoOutput()
    private let wantsPhoto: Bool
    private let buttonTitle: String?
    private let onPhoto: ((Data, String?) -> Void)?
    private let onQr: ((String) -> Void)?
    private var lastQr: String?
    private var reported = false

    init(photo: Bool, buttonTitle: String?, onPhoto: ((Data, String?) -> Void)?, onQr: ((String) -> Void)?) {
        wantsPhoto = photo
        self.buttonTitle = buttonTitle
        self.onPhoto = onPhoto
        self.onQr = onQr
        super.init(nibName: nil, bundle: nil)
    }

    required init?(coder: NSCoder) { nil }

    override func viewDidLoad() {
        super.viewDidLoad()
        guard let device = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back),
              let input = try? AVCaptureDeviceInput(device: device), session.canAddInput(input) else { return }
        session.beginConfiguration()
        session.sessionPreset = wantsPhoto ? .photo : .high
        session.addInput(input)
        if wantsPhoto, session.canAddOutput(photoOutput) { session.addOutput(photoOutput) }
        let metadata = AVCaptureMetadataOutput()
        if session.canAddOutput(metadata) {
            session.addOutput(metadata)
            metadata.setMetadataObjectsDelegate(self, queue: .main)
            metadata.metadataObjectTypes = [.qr]
        }
        session.commitConfiguration()
        let preview = AVCaptureVideoPreviewLayer(session: session)
        preview.videoGravity = .resizeAspect
        preview.frame = view.bounds
        view.layer.addSublayer(preview)
        if let buttonTitle {
            let button = UIButton(type: .system, primaryAction: UIAction(title: buttonTitle) { [weak self] _ in self?.shoot() })
            button.backgroundColor = .systemBackground
            button.translatesAutoresizingMaskIntoConstraints = false
            view.addSubview(button)
            NSLayoutConstraint.activate([
                button.centerXAnchor.constraint(equalTo: view.centerXAnchor),
                button.bottomAnchor.constraint(equalTo: view.safeAreaLayoutGuide.bottomAnchor, constant: -16),
                button.heightAnchor.constraint(greaterThanOrEqualToConstant: 48),
            ])
        }
        DispatchQueue.global(qos: .userInitiated).async { [session] in session.startRunning() }
    }

    override func viewDidDisappear(_ animated: Bool) {
        super.viewDidDisappear(animated)
        session.stopRunning()
    }

    private func shoot() {
        let settings = AVCapturePhotoSettings(format: [AVVideoCodecKey: AVVideoCodecType.jpeg])
        photoOutput.capturePhoto(with: settings, delegate: self)
    }

    func photoOutput(_ output: AVCapturePhotoOutput, didFinishProcessingPhoto photo: AVCapturePhoto, error: Error?) {
        guard error == nil, let data = photo.fileDataRepresentation() else { return }
        onPhoto?(data, lastQr)
    }

    func metadataOutput(_ output: AVCaptureMetadataOutput, didOutput objects: [AVMetadataObject], from connection: AVCaptureConnection) {
        guard let text = objects.compactMap({ ($0 as? AVMetadataMachineReadableCodeObject)?.stringValue }).first else { return }
        lastQr = text
        if let onQr, !reported {
            reported = true
            onQr(text)
        }
    }
}
