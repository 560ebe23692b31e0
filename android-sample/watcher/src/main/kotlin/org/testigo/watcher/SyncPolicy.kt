package org.testigo.watcher

import org.testigo.core.model.SyncOutcome
import org.testigo.core.model.SyncReport

/** When the platform should run the next sync (Android: WorkManager; iOS: BGTaskScheduler). */
sealed interface NextSync {
    /** Nothing to send or to wait for: no background work. */
    data object None : NextSync

    /** Run again when a network is present, not before `atMs` (ms since the epoch). */
    data class WhenOnline(val atMs: Long) : NextSync

    /** The server no longer knows this device: stop, and ask the watcher to enroll again. */
    data object Enroll : NextSync
}

/**
 * What the scheduler decides after a run: pure, so it is tested here and both platforms follow
 * the same rules.
 */
object SyncPolicy {
    /** The shortest wait the platform is asked for (WorkManager's floor is similar). */
    const val MIN_DELAY_MS = 15_000L

    /** How long to wait after the OS stopped a run before trying again. */
    const val AFTER_STOP_MS = 30_000L

    /** How often to ask for the coordinators' reviews while a delivered capture awaits one. */
    const val REVIEW_POLL_MS = 15 * 60_000L

    /**
     * The next run after `report`, at `nowMs`; `awaitingReview` says whether a delivered capture
     * has no final review yet (reviews arrive with syncs).
     */
    fun after(report: SyncReport, nowMs: Long, awaitingReview: Boolean): NextSync = when (val o = report.outcome) {
        is SyncOutcome.Idle -> if (awaitingReview) NextSync.WhenOnline(nowMs + REVIEW_POLL_MS) else NextSync.None
        is SyncOutcome.Pending -> NextSync.WhenOnline(maxOf(o.retryAtMs, nowMs + MIN_DELAY_MS))
        is SyncOutcome.Cancelled -> NextSync.WhenOnline(nowMs + AFTER_STOP_MS)
        is SyncOutcome.OutOfTime -> NextSync.WhenOnline(nowMs + MIN_DELAY_MS)
        is SyncOutcome.Busy -> NextSync.None
        is SyncOutcome.NotEnrolled, is SyncOutcome.Unauthorized -> NextSync.Enroll
    }

    /** After the watcher seals a capture or presses "send now": at once, once online. */
    fun now(nowMs: Long): NextSync = NextSync.WhenOnline(nowMs)
}
