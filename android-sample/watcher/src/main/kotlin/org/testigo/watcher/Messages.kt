package org.testigo.watcher

import org.testigo.core.TestigoException
import org.testigo.core.model.CarriedBundle
import org.testigo.core.model.ReportingStatus
import org.testigo.core.model.SyncOutcome
import org.testigo.core.model.SyncReport
import org.testigo.core.protocol.ReviewStatus
import org.testigo.core.protocol.Warning
import org.testigo.core.protocol.WarningCode

/**
 * How everything the core reports becomes something to tell the watcher: one place, so both
 * platforms say the same thing and every message is in the catalog. Each message says what
 * happened and, where there is one, what to do.
 */
object Messages {
    /** A failure of a call into the core. */
    fun error(e: TestigoException): Text = when (e) {
        is TestigoException.WrongKey -> Text("error-wrong-key")
        is TestigoException.StoreDamaged -> Text("error-store-damaged")
        is TestigoException.StoreInUse -> Text("error-store-in-use")
        is TestigoException.StoreClosed -> Text("error-store-closed")
        is TestigoException.Storage -> Text("error-storage")
        is TestigoException.InvalidInput -> Text("error-invalid-input")
        is TestigoException.PackageRefused -> Text("error-package-refused")
        is TestigoException.NoPackage -> Text("error-no-package")
        is TestigoException.NotAssigned -> Text("error-not-assigned")
        is TestigoException.NotFound -> Text("error-not-found")
        is TestigoException.NotDraft -> Text("error-not-draft")
        is TestigoException.CannotSupersede -> Text("error-cannot-correct")
        is TestigoException.DeviceKeyMismatch -> Text("error-device-key")
        is TestigoException.SignerFailed -> Text("error-signer")
        is TestigoException.Network -> Text("error-network")
        is TestigoException.Cancelled -> Text("error-cancelled")
        is TestigoException.EnrollmentRefused -> enrollmentRefused(e.detail())
        is TestigoException.InvalidServer -> Text("error-invalid-server")
        is TestigoException.Internal -> Text("error-internal")
    }

    /** The server refused an enrollment: its stable code ends the core's message. */
    private fun enrollmentRefused(message: String): Text = when (message.substringAfterLast(' ').trim('(', ')', '.')) {
        "code_invalid" -> Text("enroll-code-invalid")
        "code_used" -> Text("enroll-code-used")
        "device_exists" -> Text("enroll-device-exists")
        "rate_limited" -> Text("enroll-rate-limited")
        else -> Text("enroll-refused")
    }

    /** A warning the core raises on a draft's numbers (the watcher may still seal). */
    fun warning(w: Warning, label: (String) -> String): Text {
        val field = w.field?.let(label) ?: ""
        return when (w.code) {
            WarningCode.COUNT_MISSING -> Text("warning-count-missing", "field" to field)
            WarningCode.SUM_MISMATCH -> Text("warning-sum-mismatch")
            WarningCode.VOTED_EXCEEDS_REGISTERED -> Text("warning-voted-exceeds-registered")
            WarningCode.PHOTO_MISSING -> Text("warning-photo-missing")
            WarningCode.QR_MISMATCH -> Text("warning-qr-mismatch", "field" to field)
        }
    }

    /** Where a station's acta stands on this phone. */
    fun status(s: ReportingStatus): Text = when (s) {
        ReportingStatus.NOT_STARTED -> Text("status-not-started")
        ReportingStatus.DRAFT -> Text("status-draft")
        ReportingStatus.QUEUED -> Text("status-waiting")
        ReportingStatus.DELIVERED -> Text("status-delivered")
        ReportingStatus.PARKED -> Text("status-parked")
    }

    /**
     * A sealed capture's status on its row: one still waiting whose numbers are already
     * delivered (by SMS, or a run cut short before its photos) says that only the photo waits.
     */
    fun captureStatus(s: ReportingStatus, numbersDelivered: Boolean): Text =
        if (s == ReportingStatus.QUEUED && numbersDelivered) Text("status-numbers-delivered") else status(s)

    /** Where a bundle this phone carries for another watcher stands. */
    fun carried(b: CarriedBundle): Text = when {
        b.refused != null -> Text("carried-refused")
        b.deliveredAtMs != null -> Text("carried-delivered")
        else -> Text("carried-waiting")
    }

    /**
     * Why a file was not taken to carry: the core refuses, as bad input, whatever is not a bundle
     * sealed to these coordinators; anything else is the core's failure as usual.
     */
    fun carryFailed(e: TestigoException): Text =
        if (e is TestigoException.InvalidInput) Text("bundle-refused") else error(e)

    /** The coordinators' verdict on a capture. */
    fun review(s: ReviewStatus): Text = when (s) {
        ReviewStatus.UNREVIEWED -> Text("review-unreviewed")
        ReviewStatus.VERIFIED -> Text("review-verified")
        ReviewStatus.DISPUTED -> Text("review-disputed")
        ReviewStatus.REJECTED -> Text("review-rejected")
    }

    /** How a sync run ended, in a line. */
    fun sync(report: SyncReport): Text = when (val o = report.outcome) {
        is SyncOutcome.Idle -> if (report.parked > 0u) Text("sync-idle-parked") else Text("sync-idle")
        is SyncOutcome.Pending ->
            if (report.linkError != null) Text("sync-no-link", "pending" to report.pending.toInt())
            else Text("sync-pending", "pending" to report.pending.toInt())
        is SyncOutcome.Cancelled -> Text("sync-cancelled", "pending" to report.pending.toInt())
        is SyncOutcome.OutOfTime -> Text("sync-out-of-time", "pending" to report.pending.toInt())
        is SyncOutcome.NotEnrolled -> Text("sync-not-enrolled")
        is SyncOutcome.Unauthorized -> Text("sync-unauthorized")
        is SyncOutcome.Busy -> Text("sync-busy")
    }

    /**
     * Why an item is parked (the core's reason: the server's stable refusal code first for a
     * record, a sentence for a photo), and what the watcher should do about it.
     */
    fun parked(reason: String): Text {
        val code = reason.substringBefore(':', "").trim()
        return when {
            reason.contains("photo file on this phone") -> Text("parked-photo-damaged")
            code == "conflict" -> Text("parked-conflict")
            code == "station_not_assigned" || code == "wrong_device" -> Text("parked-not-assigned")
            code.isNotEmpty() && code.all { it.isLowerCase() || it == '_' } -> Text("parked-refused", "code" to code)
            else -> Text("parked-photo-refused")
        }
    }

    /** The core's message (English, no personal data): for the enrollment code, and for logs. */
    private fun TestigoException.detail(): String = message ?: ""
}
