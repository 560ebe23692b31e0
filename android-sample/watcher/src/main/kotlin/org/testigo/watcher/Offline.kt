package org.testigo.watcher

import java.io.ByteArrayOutputStream
import java.io.File
import java.io.IOException
import java.io.InputStream
import java.security.MessageDigest
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import org.testigo.core.Store
import org.testigo.core.TestigoException
import org.testigo.core.model.OutboxKind
import org.testigo.core.model.OutboxState
import org.testigo.core.protocol.ElectionPackage

// When there is no data link (ADR 15), two ways out, both the core's work:
//
// - **SMS.** A sealed record's numbers go whole as a few SMS to the coordinators' gateway
//   (`Store.smsFor`); the gateway answers one SMS, the receipt, which the core verifies like an
//   HTTP receipt (`Store.acceptSmsReceipt`). The photos wait for a link. The platform sends the
//   texts (Android's SmsManager; iOS's message composer, one SMS at a time, sent by the watcher)
//   and hands over the SMS it receives (Android only: iOS apps cannot read SMS, so there the
//   receipt arrives with the next sync, or the watcher pastes it).
// - **Sealed files.** The whole outbox leaves as one file only the coordinators can open
//   (`Store.exportBundle`), for a runner or a USB stick; a runner's phone takes such files
//   (`Store.carryBundle`) and its next sync forwards them. The watcher's items stay waiting until
//   their receipts come back through the feed.
//
// These actions decide when each way is offered and what the watcher is told; they extend
// [Watcher] from this file to keep Watcher.kt to the everyday flow.

/** The ways out without a data link, as the home screen offers them. */
data class OfflineView(
    /** The coordinators' SMS gateway numbers from the election package; empty: no SMS. */
    val smsNumbers: List<String> = emptyList(),
    /** Whether the outbox can leave as a sealed file now: the package names the coordinators' key and something waits. */
    val canShareBundle: Boolean = false,
    /** Files this phone carries, or carried, for other watchers (a runner's), newest first. */
    val carried: List<CarriedRow> = emptyList(),
)

/** A sealed file this phone carries for another watcher. */
data class CarriedRow(
    /** Its name: the SHA-256 of its bytes, in hex. */
    val sha256: String,
    val size: Long,
    val receivedAtMs: Long,
    /** Waiting, delivered, or refused by the coordinators. */
    val status: Text,
    /** Whether it can be passed on to another runner ([passOn]): only while this phone still holds it. */
    val canPassOn: Boolean,
)

/** A capture's numbers as SMS: send each text as one SMS to `number`, then [smsSent]. */
data class SmsPlan(val captureId: String, val number: String, val texts: List<String>)

/** A sealed file written into [WatcherConfig.shareDir] to share; `actas` tally sheets travel in it. */
data class BundleFile(val file: File, val actas: Int)

/** The sealed files, on both platforms. */
object Bundles {
    /** The files' extension, registered by both apps. */
    const val EXTENSION = "testigo"

    /** The files' MIME type (Android's share sheet and intent filters, iOS's exported type). */
    const val MIME_TYPE = "application/vnd.testigo.bundle"

    /** The largest file taken to carry: the protocol's largest bundle (`MAX_BUNDLE_BYTES`). */
    const val MAX_BYTES = 256 * 1024 * 1024

    /**
     * A file's name: from its bytes' hash, so that the name tells a runner, or whoever finds the
     * file, nothing of the station or the time (the contents are sealed too).
     */
    fun fileName(bytes: ByteArray): String {
        val hex = MessageDigest.getInstance("SHA-256").digest(bytes).joinToString("") { "%02x".format(it) }
        return "testigo-${hex.take(12)}.$EXTENSION"
    }

    /** Reads a file to carry, at most `max` bytes; `null` if it is larger (it cannot be a bundle). */
    fun read(input: InputStream, max: Int = MAX_BYTES): ByteArray? {
        val out = ByteArrayOutputStream()
        val buffer = ByteArray(64 * 1024)
        while (true) {
            val n = input.read(buffer)
            if (n < 0) return out.toByteArray()
            if (out.size() + n > max) return null
            out.write(buffer, 0, n)
        }
    }

    /** Writes `bytes` into `dir` under [fileName], whole or not at all. */
    internal fun write(dir: File, bytes: ByteArray): File {
        if (!dir.isDirectory && !dir.mkdirs()) throw IOException("cannot make the share directory")
        val file = File(dir, fileName(bytes))
        val part = File(dir, file.name + ".part")
        part.writeBytes(bytes)
        if (!part.renameTo(file)) throw IOException("cannot name the shared file")
        return file
    }
}

/** Which incoming SMS are the coordinators' gateway's. */
object Gateway {
    /**
     * Whether an SMS from `from` comes from one of the gateway `numbers` (international format).
     * Phones give the sender as the network wrote it, international (`+58412…`) or national
     * (`0412…`): the digits are compared without the trunk zeros, the shorter at the end of the
     * longer when it has at least 7 digits. Only these SMS reach the core; nothing else the
     * watcher receives is read. (A forged sender gains nothing: the core checks the receipt's
     * signature.)
     */
    fun matches(from: String, numbers: List<String>): Boolean {
        val sender = digits(from)
        if (sender.isEmpty()) return false
        return numbers.map(::digits).any { number ->
            number.isNotEmpty() && (number == sender ||
                (minOf(number.length, sender.length) >= 7 && (number.endsWith(sender) || sender.endsWith(number))))
        }
    }

    private fun digits(number: String) = number.filter { it in '0'..'9' }.trimStart('0')
}

/** What an action found: something to go on with, or something to tell the watcher instead. */
private sealed interface Found<out T> {
    data class Go<T>(val value: T) : Found<T>
    data class Tell(val text: Text) : Found<Nothing>
}

/** The offline part of the home screen (called by [Watcher.refresh], on `io`). */
internal fun offlineView(s: Store, pkg: ElectionPackage?, waiting: Int) = OfflineView(
    smsNumbers = pkg?.smsNumbers.orEmpty(),
    canShareBundle = pkg?.bundleKey != null && waiting > 0,
    carried = s.carriedBundles().map {
        CarriedRow(it.sha256, it.size.toLong(), it.receivedAtMs, Messages.carried(it), canPassOn = it.deliveredAtMs == null)
    },
)

private fun Watcher.tell(text: Text) = _state.update { it.copy(message = text) }

/**
 * The SMS that carry a sealed capture's numbers, and the gateway number to send them to; `null`
 * with a message when SMS is not the way (no gateway in the package, the numbers already
 * delivered or refused). Each further try after [smsSent] goes to the package's next number.
 */
suspend fun Watcher.smsPlan(captureId: String): SmsPlan? = actions.withLock {
    val s = store ?: return@withLock null
    val found = core {
        val numbers = s.electionPackage()?.smsNumbers.orEmpty()
        val record = s.outbox().firstOrNull { it.captureId == captureId && it.kind is OutboxKind.Record }
        when {
            numbers.isEmpty() -> Found.Tell(Text("sms-no-number"))
            record?.state != OutboxState.PENDING -> Found.Tell(Text("sms-not-needed"))
            else -> Found.Go(SmsPlan(captureId, numbers[(smsRounds[captureId] ?: 0) % numbers.size], s.smsFor(captureId)))
        }
    } ?: return@withLock null
    when (found) {
        is Found.Go -> found.value
        is Found.Tell -> null.also { tell(found.text) }
    }
}

/**
 * Every SMS of the plan went out (the platform's report, or the watcher sent each one). The
 * numbers stay waiting until the receipt comes back, by SMS or with the next sync.
 */
suspend fun Watcher.smsSent(captureId: String) = actions.withLock {
    val s = store ?: return@withLock
    core { s.smsSent(captureId) } ?: return@withLock
    smsRounds.merge(captureId, 1, Int::plus)
    refresh(state.value.screen)
    tell(Text("sms-sent"))
}

/** The SMS did not all go out (no signal, no credit, cancelled); `denied`: the watcher refused the SMS permission. */
fun Watcher.smsNotSent(denied: Boolean = false) = tell(Text(if (denied) "sms-permission" else "sms-not-sent"))

/**
 * An SMS arrived (Android's `SMS_RECEIVED`), or the watcher pasted one (`from` = `null`). Only
 * SMS from a gateway number reach the core; the coordinators' receipt delivers the capture's
 * numbers. Works while the app is locked (the phone in a pocket), showing nothing until the PIN.
 * Returns whether it was a receipt.
 */
suspend fun Watcher.smsReceived(from: String?, text: String): Boolean {
    val s = openedStore() ?: return false
    return actions.withLock {
        val delivered = core {
            val gateway = from == null || Gateway.matches(from, s.electionPackage()?.smsNumbers.orEmpty())
            // Other SMS are none of the app's business: they do not reach the core.
            gateway && s.acceptSmsReceipt(text.trim()) != null
        } ?: return@withLock false
        if (state.value.screen is Screen.Locked) return@withLock delivered
        if (delivered) {
            refresh(state.value.screen)
            tell(Text("sms-receipt"))
        } else if (from == null) {
            tell(Text("sms-not-a-receipt"))
        }
        delivered
    }
}

/**
 * Seals everything waiting into one file in [WatcherConfig.shareDir], for the platform to share
 * (a runner's phone, a USB stick); `null` with a message when there is nothing to send or the
 * package allows no files. Nothing is sent by this: the items wait for their receipts.
 */
suspend fun Watcher.exportBundle(): BundleFile? = actions.withLock {
    val s = store ?: return@withLock null
    val found = core {
        val pkg = s.electionPackage()
        val waiting = s.outbox().filter { it.state == OutboxState.PENDING }
        when {
            pkg == null -> Found.Tell(Text("error-no-package"))
            pkg.bundleKey == null -> Found.Tell(Text("bundle-no-key"))
            waiting.isEmpty() -> Found.Tell(Text("bundle-nothing-waiting"))
            else -> try {
                Found.Go(BundleFile(Bundles.write(config.shareDir, s.exportBundle()), waiting.map { it.captureId }.distinct().size))
            } catch (e: TestigoException.InvalidInput) {
                // A sync delivered the last item meanwhile.
                Found.Tell(Text("bundle-nothing-waiting"))
            } catch (e: IOException) {
                Found.Tell(Text("error-storage"))
            }
        }
    } ?: return@withLock null
    when (found) {
        is Found.Go -> found.value.also { tell(Text("bundle-exported", "count" to it.actas)) }
        is Found.Tell -> null.also { tell(found.text) }
    }
}

/**
 * A runner takes another watcher's sealed file to carry it to the coordinators: the next sync
 * forwards it. `open` opens the file the platform gave (the file picker's, or one shared to the
 * app); it is read before the model is busy. Files that are not bundles for these coordinators
 * are refused with a message.
 */
suspend fun Watcher.carryBundle(open: () -> InputStream?) {
    val bytes = try {
        withContext(io) { (open() ?: throw IOException("no such file")).use { Bundles.read(it) } }
    } catch (e: IOException) {
        return tell(Text("bundle-unreadable"))
    } catch (e: SecurityException) {
        // The platform took back the permission to read it (Android's URI grants).
        return tell(Text("bundle-unreadable"))
    }
    actions.withLock {
        val s = store ?: return@withLock
        if (bytes == null) return@withLock tell(Text("bundle-refused"))
        try {
            withContext(io) { s.carryBundle(bytes) }
        } catch (e: TestigoException) {
            return@withLock tell(Messages.carryFailed(e))
        }
        refresh(state.value.screen)
        tell(Text("bundle-carried"))
        scheduler.schedule(SyncPolicy.now(clock()))
    }
}

/** The platform copied a sealed file where the watcher chose (a USB stick, a folder), or could not. */
fun Watcher.bundleSaved(saved: Boolean) = tell(Text(if (saved) "bundle-saved" else "bundle-not-saved"))

/** A carried file written again into [WatcherConfig.shareDir], to pass on to another runner. */
suspend fun Watcher.passOn(sha256: String): File? = actions.withLock {
    val s = store ?: return@withLock null
    core { s.carriedBundleBytes(sha256) }?.let { bytes ->
        try {
            withContext(io) { Bundles.write(config.shareDir, bytes) }
        } catch (e: IOException) {
            null.also { tell(Text("error-storage")) }
        }
    }
}
