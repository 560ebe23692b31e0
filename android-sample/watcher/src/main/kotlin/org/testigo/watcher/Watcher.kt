package org.testigo.watcher

import java.io.File
import java.time.Duration
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asExecutor
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import org.testigo.core.CancelToken
import org.testigo.core.Signer
import org.testigo.core.Store
import org.testigo.core.SyncObserver
import org.testigo.core.SyncObserverHandle
import org.testigo.core.TestigoException
import org.testigo.core.model.Capture
import org.testigo.core.model.CaptureState
import org.testigo.core.model.OutboxKind
import org.testigo.core.model.OutboxState
import org.testigo.core.model.ReportingStatus
import org.testigo.core.model.SyncEvent
import org.testigo.core.model.SyncOptions
import org.testigo.core.model.SyncOutcome
import org.testigo.core.model.SyncReport
import org.testigo.core.parseEnrollmentUri
import org.testigo.core.protocol.Contest
import org.testigo.core.protocol.PhotoRef
import org.testigo.core.protocol.ReviewStatus
import org.testigo.core.receiptVerifies
import org.testigo.core.wipeStoreDir

/** Where the app keeps its files and which platform parts it uses. */
class WatcherConfig(
    /** The app's private files directory (Android `filesDir`, iOS Application Support). */
    val dataDir: File,
    /** The platform key store that wraps the store's master key. */
    val vault: KeyVault,
    /** The device key in the platform key store; `null` keeps a software key in the store. */
    val signer: Signer? = null,
    /** Plain `http://` servers (a rehearsal on a LAN; never on election day). */
    val allowInsecureHttp: Boolean = false,
    /** Wrong PINs in a row before the phone wipes itself. */
    val maxPinTries: Int = 10,
    /** PBKDF2 iterations for the PINs. */
    val pinIterations: Int = 60_000,
    /**
     * Where files for sharing are written (sealed bundles for a runner), which the platform's
     * share sheet can read: Android a directory under `cacheDir` served by a FileProvider, iOS a
     * temporary directory. Emptied by every wipe.
     */
    val shareDir: File = File(dataDir, "share"),
    /**
     * Deletes the platform's own keys with every wipe (the device signing key in the key store):
     * a key left behind would name the device in every record it signed, and those are public.
     */
    val onWipe: () -> Unit = {},
) {
    internal val storeDir = File(dataDir, "store")
    internal val pinFile = File(dataDir, "pin.properties")
    internal val keyFile = File(dataDir, "master.key")
}

/** The platform's background scheduler: WorkManager on Android, BGTaskScheduler on iOS. */
fun interface Scheduler {
    /** Replaces whatever background sync was planned with `next`. */
    fun schedule(next: NextSync)
}

/**
 * The watcher's app below its screens: one object per process, driving the core through the
 * bindings and publishing one [WatcherState]. Screens call the `suspend` actions and draw
 * [state]; the background worker calls [syncInBackground]. Every core call runs on `io`; a
 * failure becomes [WatcherState.message] and never loses what is stored.
 */
class Watcher(
    // `internal`, like the members marked so below: Offline.kt's actions use them.
    internal val config: WatcherConfig,
    internal val scheduler: Scheduler,
    internal val clock: () -> Long = System::currentTimeMillis,
    internal val io: CoroutineDispatcher = Dispatchers.IO,
    /** The platform's own view of a sync (Android: the progress notification), if it has one. */
    private val progress: SyncObserver? = null,
) {
    internal val _state = MutableStateFlow(WatcherState())

    /** What the screens draw. */
    val state: StateFlow<WatcherState> = _state.asStateFlow()

    private val lock = PinLock(config.pinFile, config.maxPinTries, config.pinIterations)
    private val masterKey = MasterKey(config.keyFile, config.vault)
    internal val actions = Mutex()
    internal var store: Store? = null
        private set
    private val observers = mutableListOf<SyncObserverHandle>()
    private val running = AtomicReference<CancelToken?>(null)

    /** How many times each capture's SMS went out in this process: a new try goes to the next gateway. */
    internal val smsRounds = java.util.concurrent.ConcurrentHashMap<String, Int>()

    /** Decides the first screen: choose a PIN, or type it. */
    suspend fun start() = act {
        _state.update { it.copy(screen = if (lock.isSet) Screen.Locked() else Screen.ChoosePin) }
    }

    /** Chooses the PIN and the optional duress PIN, then opens the app. */
    suspend fun choosePin(pin: String, duress: String?) = act {
        try {
            lock.set(pin, duress)
        } catch (e: IllegalArgumentException) {
            _state.update { it.copy(message = Text("pin-invalid")) }
            return@act
        }
        open()
    }

    /** Checks a typed PIN: opens, counts a wrong try, or wipes (duress PIN or too many tries). */
    suspend fun unlock(pin: String) = act {
        when (val r = lock.check(pin)) {
            is Unlock.Open -> open()
            is Unlock.Wrong -> _state.update { it.copy(screen = Screen.Locked(r.left)) }
            // Under duress the app must look like a fresh install: no message about a wipe.
            is Unlock.Wipe -> wipeNow(message = null)
        }
    }

    /** Locks the app (it went to the background); the store closes until the PIN is typed again. */
    suspend fun lock() = act {
        close()
        _state.value = WatcherState(screen = Screen.Locked())
    }

    /** The panic button: deletes every capture, photo and key, and the master key with them. */
    suspend fun panicWipe() = act { wipeNow(message = Text("wiped")) }

    /**
     * Enrolls with the text of the scanned QR code, or with a typed code and the server's address
     * (`serverUrl`, needed when the code does not carry one).
     */
    suspend fun enroll(scannedOrTyped: String, serverUrl: String? = null) = act {
        val s = store ?: return@act
        val uri = parseEnrollmentUri(scannedOrTyped.trim())
        val code = uri?.code ?: scannedOrTyped.trim()
        val url = uri?.serverUrl ?: serverUrl?.trim()?.takeIf { it.isNotEmpty() }
        if (url == null) {
            _state.update { it.copy(message = Text("enroll-needs-server")) }
            return@act
        }
        core {
            if (uri != null && uri.tlsPins.isNotEmpty()) s.enrollPinned(url, code, uri.tlsPins) else s.enroll(url, code)
        } ?: return@act
        refresh(Screen.Home)
        _state.update { it.copy(message = Text("enrolled")) }
        scheduler.schedule(SyncPolicy.now(clock()))
    }

    /** Opens the station's draft, or starts one (for `contestId`, or the package's first contest). */
    suspend fun openStation(stationId: String, contestId: String? = null) = act {
        val s = store ?: return@act
        val id = core {
            s.captures().firstOrNull { it.stationId == stationId && it.state == CaptureState.DRAFT }?.id
                ?: s.newCapture(stationId, contest(s, contestId).id)
        } ?: return@act
        showDraft(id)
    }

    /**
     * Adds a photographed page. The core prepares it (downsized, EXIF removed) and reads the
     * acta's QR code; the QR's numbers fill every count the watcher has not typed yet.
     * `scannedQr` is the QR text the camera's own scanner read, if it read one.
     */
    suspend fun addPhoto(jpeg: ByteArray, scannedQr: String? = null) = act {
        val s = store ?: return@act
        val draft = currentDraft() ?: return@act
        core {
            s.attachPhoto(draft.captureId, jpeg)
            if (scannedQr != null && s.capture(draft.captureId).qrPayload == null) {
                s.setQrPayload(draft.captureId, scannedQr)
            }
            val qr = s.qrCounts(draft.captureId)
            if (qr != null) {
                val capture = s.capture(draft.captureId)
                val typed = capture.counts.keys + capture.extraCounts.keys
                val prefill = (qr.counts + qr.extraCounts).filterKeys { it !in typed }
                if (prefill.isNotEmpty()) s.setCounts(draft.captureId, prefill.mapValues { it.value })
            }
        } ?: return@act
        showDraft(draft.captureId)
    }

    /**
     * The prepared page as the core stored it (downsized, metadata stripped), to show after the
     * shot, or its small thumbnail with `small`; `null` if there is no such photo.
     */
    suspend fun preparedPhoto(photo: PhotoRef, small: Boolean = true): ByteArray? {
        val s = actions.withLock { store } ?: return null
        return core { if (small) s.thumbnail(photo.sha256) else s.readPhoto(photo.sha256) }
    }

    /** Removes a page of the draft. */
    suspend fun removePhoto(page: UInt) = act {
        val s = store ?: return@act
        val draft = currentDraft() ?: return@act
        core { s.removePhoto(draft.captureId, page) } ?: return@act
        showDraft(draft.captureId)
    }

    /** Types (or clears, with `null`) one count. */
    suspend fun setCount(field: String, value: UInt?) = act {
        val s = store ?: return@act
        val draft = currentDraft() ?: return@act
        core { s.setCount(draft.captureId, field, value) } ?: return@act
        showDraft(draft.captureId)
    }

    /** Replaces the draft's notes. */
    suspend fun setNotes(notes: String) = act {
        val s = store ?: return@act
        val draft = currentDraft() ?: return@act
        core { s.setNotes(draft.captureId, notes) } ?: return@act
        showDraft(draft.captureId)
    }

    /** Asks to seal: shows the confirmation with the numbers and the warnings. */
    suspend fun requestSeal() = act {
        val screen = _state.value.screen as? Screen.Capture ?: return@act
        _state.update { it.copy(screen = screen.copy(confirming = true)) }
    }

    /** Goes back from the confirmation to the form. */
    suspend fun cancelSeal() = act {
        val screen = _state.value.screen as? Screen.Capture ?: return@act
        _state.update { it.copy(screen = screen.copy(confirming = false)) }
    }

    /** Seals the confirmed draft (signed with the device key, queued) and plans a sync. */
    suspend fun confirmSeal() = act {
        val s = store ?: return@act
        val screen = _state.value.screen as? Screen.Capture ?: return@act
        if (!screen.confirming) return@act
        core { s.seal(screen.draft.captureId) } ?: run {
            _state.update { it.copy(screen = screen.copy(confirming = false)) }
            return@act
        }
        refresh(Screen.Home)
        _state.update { it.copy(message = Text("sealed")) }
        scheduler.schedule(SyncPolicy.now(clock()))
    }

    /** Leaves the capture screen; the draft stays. */
    suspend fun home() = act { refresh(Screen.Home) }

    /** Discards the open draft. */
    suspend fun discardDraft() = act {
        val s = store ?: return@act
        val draft = currentDraft() ?: return@act
        core { s.discard(draft.captureId) } ?: return@act
        refresh(Screen.Home)
    }

    /** Starts a correction of a sealed capture: a new draft with its numbers, opened. */
    suspend fun correct(captureId: String) = act {
        val s = store ?: return@act
        val id = core { s.supersede(captureId) } ?: return@act
        showDraft(id)
    }

    /** Puts a parked capture back in line (after the watcher did what the message said). */
    suspend fun retryParked(captureId: String) = act {
        val s = store ?: return@act
        core { s.retryParked(captureId) } ?: return@act
        refresh(_state.value.screen)
        scheduler.schedule(SyncPolicy.now(clock()))
    }

    /** Shows the settings. */
    suspend fun settings() = act { refresh(Screen.Settings) }

    /** The message was shown. */
    fun dismiss() = _state.update { it.copy(message = null) }

    /** "Send now": a run at once, ignoring back-off. */
    suspend fun sendNow(): NextSync = sync(ignoreBackoff = true, maxDuration = Duration.ofMinutes(5))

    /**
     * The background worker's run, within the OS's budget. Returns (and hands the scheduler) when
     * to run next. The OS may stop it at any time with [stopSync].
     */
    suspend fun syncInBackground(budget: Duration = Duration.ofMinutes(9)): NextSync =
        sync(ignoreBackoff = false, maxDuration = budget)

    /** The OS stops the running sync (WorkManager's `onStopped`, an iOS task's expiration). */
    fun stopSync() {
        running.get()?.cancel()
    }

    private suspend fun sync(ignoreBackoff: Boolean, maxDuration: Duration): NextSync {
        val s = openedStore() ?: return NextSync.None
        val token = CancelToken()
        if (!running.compareAndSet(null, token)) return NextSync.None
        _state.update { it.copy(sync = it.sync.copy(running = true, bytesDone = 0, bytesTotal = 0)) }
        val report: SyncReport? = try {
            blockingCancellable(token) {
                try {
                    s.sync(SyncOptions(ignoreBackoff, maxDuration), token)
                } finally {
                    // Free only once the core's run has really ended (after a cancel, a moment later).
                    running.set(null)
                    token.close()
                }
            }
        } catch (e: TestigoException) {
            _state.update { it.copy(message = Messages.error(e)) }
            null
        } catch (e: kotlinx.coroutines.CancellationException) {
            // The worker was stopped: the run ends, and WorkManager reschedules the job itself.
            _state.update { it.copy(sync = it.sync.copy(running = false)) }
            throw e
        }
        val next = if (report == null) {
            NextSync.WhenOnline(clock() + SyncPolicy.AFTER_STOP_MS)
        } else {
            // While locked, nothing is put on the (hidden) screens.
            actions.withLock { if (_state.value.screen !is Screen.Locked) refresh(_state.value.screen) }
            val awaiting = core { awaitingReview(s) } ?: false
            SyncPolicy.after(report, clock(), awaiting)
        }
        _state.update {
            it.copy(
                sync = it.sync.copy(
                    running = false,
                    last = report?.let(Messages::sync) ?: it.sync.last,
                    linkDown = report?.let { r -> r.linkError != null } ?: it.sync.linkDown,
                ),
                screen = if (next is NextSync.Enroll) Screen.Enroll else it.screen,
            )
        }
        scheduler.schedule(next)
        return next
    }

    /**
     * The store, opened if the app is locked: a background run (a sync, an SMS arriving) opens it,
     * but only once a PIN and a master key exist (never before the first start).
     */
    internal suspend fun openedStore(): Store? =
        actions.withLock { store ?: if (lock.isSet && masterKey.exists) openStore() else null }

    // ---- internals (called under `actions`) ----

    /**
     * Runs a blocking core call on `io`; cancelling the calling coroutine (WorkManager stopping
     * its worker, a screen going away) cancels `token`, so the call ends at once.
     */
    private suspend fun <T> blockingCancellable(token: CancelToken, call: () -> T): T =
        suspendCancellableCoroutine { cont ->
            cont.invokeOnCancellation { token.cancel() }
            io.asExecutor().execute {
                val result = runCatching(call)
                if (cont.isActive) cont.resumeWith(result)
            }
        }

    private suspend fun act(block: suspend () -> Unit) = actions.withLock { block() }

    /** Runs a core call on `io`; a failure becomes the message and `null`. */
    internal suspend fun <T> core(call: () -> T): T? = try {
        withContext(io) { call() }
    } catch (e: TestigoException) {
        _state.update { it.copy(message = Messages.error(e)) }
        null
    }

    private suspend fun open() {
        val opened = openStore() ?: return
        val enrolled = core { opened.enrollment() } != null
        refresh(if (enrolled) Screen.Home else Screen.Enroll)
    }

    /**
     * Opens the store with the master key from the platform's vault. The PIN only guards the
     * screens, so a background sync opens the store while the app is locked.
     */
    private suspend fun openStore(): Store? {
        store?.let { return it }
        val opened = withContext(io) {
            // The store's directory is made here; the core creates what goes in it.
            if (!config.storeDir.isDirectory && !config.storeDir.mkdirs()) {
                _state.update { it.copy(message = Text("error-storage")) }
                return@withContext null
            }
            val key = masterKey.obtain()
            try {
                Store.open(config.storeDir.path, key, config.signer, config.allowInsecureHttp)
            } catch (e: TestigoException) {
                _state.update { it.copy(message = Messages.error(e)) }
                null
            } finally {
                key.fill(0)
            }
        } ?: return null
        store = opened
        observers += opened.observeSync(Progress())
        progress?.let { observers += opened.observeSync(it) }
        return opened
    }

    /** Reviews come with syncs: keep asking while a delivered capture has no final verdict. */
    private fun awaitingReview(s: Store): Boolean = s.captures().any { c ->
        c.state == CaptureState.SEALED && c.status == ReportingStatus.DELIVERED &&
            s.capture(c.id).supersededBy == null &&
            s.review(c.id)?.status.let { it != ReviewStatus.VERIFIED && it != ReviewStatus.REJECTED }
    }

    private fun close() {
        observers.forEach { it.close() }
        observers.clear()
        store?.close()
        store = null
    }

    private suspend fun wipeNow(message: Text?) {
        running.get()?.cancel()
        withContext(io) {
            val s = store
            if (s != null) {
                try {
                    s.wipe()
                } catch (e: TestigoException) {
                    // Closed or damaged: the directory is removed below all the same.
                }
            }
            close()
            wipeStoreDir(config.storeDir.path)
            masterKey.destroy()
            lock.clear()
            // Sealed files shared earlier: nothing readable, but they say what the phone was for.
            config.shareDir.deleteRecursively()
            config.onWipe()
        }
        scheduler.schedule(NextSync.None)
        _state.value = WatcherState(screen = Screen.ChoosePin, message = message)
    }

    internal suspend fun refresh(screen: Screen) {
        val s = store ?: return
        val view = core {
            val enrollment = s.enrollment()
            val outbox = s.outbox()
            // Before enrollment (or before its package arrived) there are no stations yet.
            val assigned = try {
                s.stations()
            } catch (e: TestigoException.NoPackage) {
                emptyList()
            }
            val stations = assigned.map {
                StationRow(it.stationId, it.number, it.centerName, it.region, it.status, Messages.status(it.status))
            }
            val pkg = s.electionPackage()
            val smsNumbers = pkg?.smsNumbers.orEmpty()
            val captures = s.captures().filter { it.state == CaptureState.SEALED }.sortedByDescending { it.sealedAtMs }.map { c ->
                val full = s.capture(c.id)
                val review = s.review(c.id)
                val receipts = s.receipts(c.id)
                val items = outbox.filter { it.captureId == c.id }
                val parked = items.firstOrNull { it.state == OutboxState.PARKED }
                val record = items.firstOrNull { it.kind is OutboxKind.Record }?.state
                CaptureRow(
                    id = c.id,
                    stationId = c.stationId,
                    status = c.status,
                    statusText = Messages.captureStatus(c.status, numbersDelivered = record == OutboxState.DONE),
                    sealedAtMs = c.sealedAtMs,
                    review = review?.status,
                    reviewText = review?.let { Messages.review(it.status) },
                    reviewComment = review?.comment,
                    receipts = receipts.size,
                    receiptsVerified = enrollment != null && receipts.all { receiptVerifies(it.receipt, enrollment.serverKey) },
                    parked = parked?.let { Messages.parked(it.lastError ?: "") },
                    waiting = items.count { it.state == OutboxState.PENDING },
                    supersedes = c.supersedes,
                    canCorrect = full.supersededBy == null,
                    numbersDelivered = record == OutboxState.DONE,
                    canSendSms = smsNumbers.isNotEmpty() && record == OutboxState.PENDING,
                )
            }
            val device = s.device()
            val pending = outbox.count { it.state == OutboxState.PENDING }
            val settings = SettingsView(enrollment?.serverUrl, device.keyId, !device.softwareKey, pending)
            HomeView(stations, captures, settings, offlineView(s, pkg, pending))
        } ?: return
        _state.update {
            it.copy(
                screen = screen,
                stations = view.stations,
                captures = view.captures,
                settings = view.settings,
                offline = view.offline,
                sync = it.sync.copy(pending = view.settings.pendingItems),
            )
        }
    }

    private class HomeView(
        val stations: List<StationRow>,
        val captures: List<CaptureRow>,
        val settings: SettingsView,
        val offline: OfflineView,
    )

    private fun currentDraft(): DraftView? = (_state.value.screen as? Screen.Capture)?.draft

    /** The contest `contestId`, or the package's first (most elections have one per acta). */
    private fun contest(s: Store, contestId: String?): Contest {
        val pkg = s.electionPackage() ?: throw TestigoException.NoPackage("no election package is installed")
        return pkg.contests.firstOrNull { contestId == null || it.id == contestId }
            ?: throw TestigoException.NotAssigned("unknown contest")
    }

    private suspend fun showDraft(id: String) {
        val s = store ?: return
        val view = core { draftView(s, s.capture(id)) } ?: return
        _state.update { it.copy(screen = Screen.Capture(view)) }
    }

    private fun draftView(s: Store, c: Capture): DraftView {
        val contest = contest(s, c.contestId)
        val candidates = contest.candidates.associateBy { it.id }
        val qr = s.qrCounts(c.id)
        val qrValues = qr?.let { it.counts + it.extraCounts } ?: emptyMap()
        val values = c.counts + c.extraCounts
        val fields = contest.options.map { o ->
            val name = candidates[o.candidateId]?.name ?: o.candidateId
            FieldView(o.id, "$name — ${o.party}", values[o.id], qrValues[o.id] != null && qrValues[o.id] == values[o.id])
        } + contest.countFields.map { f ->
            FieldView(f.id, f.label, values[f.id], qrValues[f.id] != null && qrValues[f.id] == values[f.id])
        }
        val labels = fields.associate { it.id to it.label }
        return DraftView(
            captureId = c.id,
            stationId = c.stationId,
            supersedes = c.supersedes,
            photos = c.photos,
            fields = fields,
            notes = c.notes,
            warnings = c.warnings.map { w -> Messages.warning(w) { labels[it] ?: it } },
            qrRead = qr != null,
        )
    }

    /** Sync progress into the state (called on the syncing thread). */
    private inner class Progress : SyncObserver {
        override fun onEvent(event: SyncEvent) {
            when (event) {
                is SyncEvent.Sending -> _state.update {
                    it.copy(sync = it.sync.copy(running = true, bytesDone = event.bytesDone.toLong(), bytesTotal = event.bytesTotal.toLong()))
                }
                else -> Unit
            }
        }
    }
}
