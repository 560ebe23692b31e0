package org.testigo.watcher

import org.testigo.core.model.ReportingStatus
import org.testigo.core.protocol.PhotoRef
import org.testigo.core.protocol.ReviewStatus

// What the screens draw: the model's one state ([Watcher.state]) and its parts.

/** Which screen is up. */
sealed interface Screen {
    /** Before [Watcher.start]. */
    data object Starting : Screen

    /** First run, or after a wipe: choose a PIN (and a duress PIN). */
    data object ChoosePin : Screen

    /** Type the PIN; `left` tries remain after a wrong one. */
    data class Locked(val left: Int? = null) : Screen

    /** Scan the enrollment QR code, or type the code and the server's address. */
    data object Enroll : Screen

    /** The stations and the captures. */
    data object Home : Screen

    /** A draft being filled; `confirming` while the seal confirmation is shown. */
    data class Capture(val draft: DraftView, val confirming: Boolean = false) : Screen

    /** The server and the device key. */
    data object Settings : Screen
}

/** One assigned station on the home screen. */
data class StationRow(
    val stationId: String,
    val number: UInt,
    val centerName: String,
    val region: List<String>,
    val status: ReportingStatus,
    val statusText: Text,
)

/** One capture on the home screen: where it is and what came back. */
data class CaptureRow(
    val id: String,
    val stationId: String,
    val status: ReportingStatus,
    val statusText: Text,
    val sealedAtMs: Long?,
    /** The coordinators' verdict, once one arrived. */
    val review: ReviewStatus?,
    val reviewText: Text?,
    val reviewComment: String?,
    /** Receipts the server signed for this capture, each checked against the enrollment's key. */
    val receipts: Int,
    val receiptsVerified: Boolean,
    /** Why it is parked and what to do, when it is. */
    val parked: Text?,
    /** Items of this capture still waiting to go. */
    val waiting: Int,
    val supersedes: String?,
    /** Whether it can be corrected now (sealed and not already corrected). */
    val canCorrect: Boolean,
    /** Whether its signed record (the numbers) is delivered, whichever way it went. */
    val numbersDelivered: Boolean = false,
    /**
     * Whether its numbers can go by SMS: the package names a gateway number and the record
     * still waits ([smsPlan]). The screen offers it when there is no data link.
     */
    val canSendSms: Boolean = false,
)

/** One number of the acta in the capture form. */
data class FieldView(val id: String, val label: String, val value: UInt?, val fromQr: Boolean)

/** The draft on the capture screen. */
data class DraftView(
    val captureId: String,
    val stationId: String,
    val supersedes: String?,
    val photos: List<PhotoRef>,
    val fields: List<FieldView>,
    val notes: String,
    val warnings: List<Text>,
    /** Whether the acta's QR code was read (its numbers prefilled the form). */
    val qrRead: Boolean,
)

/** The sync as the watcher sees it. */
data class SyncView(
    val running: Boolean = false,
    val bytesDone: Long = 0,
    val bytesTotal: Long = 0,
    val pending: Int = 0,
    val last: Text? = null,
    /**
     * Whether the last run could not reach the server (no network, or the server blocked): the
     * screens then offer the ways without a data link (Offline.kt) even if the phone shows a network.
     */
    val linkDown: Boolean = false,
)

/** The settings screen. */
data class SettingsView(val serverUrl: String?, val deviceKeyId: String, val hardwareKey: Boolean, val pendingItems: Int)

/** Everything the screens show. */
data class WatcherState(
    val screen: Screen = Screen.Starting,
    val stations: List<StationRow> = emptyList(),
    val captures: List<CaptureRow> = emptyList(),
    val sync: SyncView = SyncView(),
    val settings: SettingsView? = null,
    /** SMS and sealed files, for when there is no data link (Offline.kt). */
    val offline: OfflineView = OfflineView(),
    /** A message to show once (a snackbar), then [Watcher.dismiss]. */
    val message: Text? = null,
)
