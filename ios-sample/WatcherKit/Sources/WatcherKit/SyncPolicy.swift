import Foundation
import Testigo

/// When the platform should run the next sync (BGTaskScheduler here, WorkManager on Android).
public enum NextSync: Equatable, Sendable {
    /// Nothing to send or wait for.
    case none
    /// When a network is present, not before this time (ms since the epoch).
    case whenOnline(atMs: Int64)
    /// The server no longer knows this device: ask the watcher to enroll again.
    case enroll
}

/// The scheduler's rules, the same as android-sample's `SyncPolicy.kt`.
public enum SyncPolicy {
    public static let minDelayMs: Int64 = 15_000
    public static let afterStopMs: Int64 = 30_000
    public static let reviewPollMs: Int64 = 15 * 60_000

    /// The next run after `report`; `awaitingReview` while a delivered capture lacks a final verdict.
    public static func after(_ report: SyncReport, nowMs: Int64, awaitingReview: Bool) -> NextSync {
        switch report.outcome {
        case .idle: return awaitingReview ? .whenOnline(atMs: nowMs + reviewPollMs) : NextSync.none
        case .pending(let retryAtMs): return .whenOnline(atMs: max(retryAtMs, nowMs + minDelayMs))
        case .cancelled: return .whenOnline(atMs: nowMs + afterStopMs)
        case .outOfTime: return .whenOnline(atMs: nowMs + minDelayMs)
        case .busy: return NextSync.none
        case .notEnrolled, .unauthorized: return .enroll
        }
    }

    /// After a seal or "send now": at once, once online.
    public static func now(_ nowMs: Int64) -> NextSync { .whenOnline(atMs: nowMs) }
}
