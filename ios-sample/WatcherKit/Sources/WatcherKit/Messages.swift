import Foundation
import Testigo

/// How everything the core reports becomes something to tell the watcher: the mirror of
/// android-sample's `Messages.kt`, with the same keys of the same catalog.
public enum Messages {
    /// A failure of a call into the core.
    public static func error(_ e: Error) -> Text {
        guard let e = e as? TestigoError else { return Text("error-internal") }
        switch e {
        case .WrongKey: return Text("error-wrong-key")
        case .StoreDamaged: return Text("error-store-damaged")
        case .StoreInUse: return Text("error-store-in-use")
        case .StoreClosed: return Text("error-store-closed")
        case .Storage: return Text("error-storage")
        case .InvalidInput: return Text("error-invalid-input")
        case .PackageRefused: return Text("error-package-refused")
        case .NoPackage: return Text("error-no-package")
        case .NotAssigned: return Text("error-not-assigned")
        case .NotFound: return Text("error-not-found")
        case .NotDraft: return Text("error-not-draft")
        case .CannotSupersede: return Text("error-cannot-correct")
        case .DeviceKeyMismatch: return Text("error-device-key")
        case .SignerFailed: return Text("error-signer")
        case .Network: return Text("error-network")
        case .Cancelled: return Text("error-cancelled")
        case .EnrollmentRefused(let message): return enrollmentRefused(message)
        case .InvalidServer: return Text("error-invalid-server")
        case .Internal: return Text("error-internal")
        }
    }

    /// The server refused an enrollment: its stable code ends the core's message.
    static func enrollmentRefused(_ message: String) -> Text {
        let code = message.split(separator: " ").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "().")) } ?? ""
        switch code {
        case "code_invalid": return Text("enroll-code-invalid")
        case "code_used": return Text("enroll-code-used")
        case "device_exists": return Text("enroll-device-exists")
        case "rate_limited": return Text("enroll-rate-limited")
        default: return Text("enroll-refused")
        }
    }

    /// A warning on a draft's numbers, naming the field by its label.
    public static func warning(_ w: Warning, label: (String) -> String) -> Text {
        let field = Text.Arg.text(w.field.map(label) ?? "")
        switch w.code {
        case .countMissing: return Text("warning-count-missing", ["field": field])
        case .sumMismatch: return Text("warning-sum-mismatch")
        case .votedExceedsRegistered: return Text("warning-voted-exceeds-registered")
        case .photoMissing: return Text("warning-photo-missing")
        case .qrMismatch: return Text("warning-qr-mismatch", ["field": field])
        }
    }

    /// Where a station's acta stands on this phone.
    public static func status(_ s: ReportingStatus) -> Text {
        switch s {
        case .notStarted: return Text("status-not-started")
        case .draft: return Text("status-draft")
        case .queued: return Text("status-waiting")
        case .delivered: return Text("status-delivered")
        case .parked: return Text("status-parked")
        }
    }

    /// A sealed capture's status on its row: one still waiting whose numbers are already
    /// delivered (by SMS, or a run cut short before its photos) says that only the photo waits.
    public static func captureStatus(_ s: ReportingStatus, numbersDelivered: Bool) -> Text {
        s == .queued && numbersDelivered ? Text("status-numbers-delivered") : status(s)
    }

    /// Where a bundle this phone carries for another watcher stands.
    public static func carried(_ b: CarriedBundle) -> Text {
        if b.refused != nil { return Text("carried-refused") }
        if b.deliveredAtMs != nil { return Text("carried-delivered") }
        return Text("carried-waiting")
    }

    /// Why a file was not taken to carry: the core refuses, as bad input, whatever is not a
    /// bundle sealed to these coordinators; anything else is the core's failure as usual.
    public static func carryFailed(_ e: Error) -> Text {
        if let e = e as? TestigoError, case .InvalidInput = e { return Text("bundle-refused") }
        return error(e)
    }

    /// The coordinators' verdict.
    public static func review(_ s: ReviewStatus) -> Text {
        switch s {
        case .unreviewed: return Text("review-unreviewed")
        case .verified: return Text("review-verified")
        case .disputed: return Text("review-disputed")
        case .rejected: return Text("review-rejected")
        }
    }

    /// How a sync run ended.
    public static func sync(_ report: SyncReport) -> Text {
        let pending = ["pending": Text.Arg.number(Int(report.pending))]
        switch report.outcome {
        case .idle: return report.parked > 0 ? Text("sync-idle-parked") : Text("sync-idle")
        case .pending: return report.linkError != nil ? Text("sync-no-link", pending) : Text("sync-pending", pending)
        case .cancelled: return Text("sync-cancelled", pending)
        case .outOfTime: return Text("sync-out-of-time", pending)
        case .notEnrolled: return Text("sync-not-enrolled")
        case .unauthorized: return Text("sync-unauthorized")
        case .busy: return Text("sync-busy")
        }
    }

    /// Why an item is parked, and what to do.
    public static func parked(_ reason: String) -> Text {
        let code = reason.contains(":") ? String(reason[..<reason.firstIndex(of: ":")!]).trimmingCharacters(in: .whitespaces) : ""
        if reason.contains("photo file on this phone") { return Text("parked-photo-damaged") }
        if code == "conflict" { return Text("parked-conflict") }
        if code == "station_not_assigned" || code == "wrong_device" { return Text("parked-not-assigned") }
        if !code.isEmpty, code.allSatisfy({ $0.isLowercase || $0 == "_" }) {
            return Text("parked-refused", ["code": .text(code)])
        }
        return Text("parked-photo-refused")
    }
}
