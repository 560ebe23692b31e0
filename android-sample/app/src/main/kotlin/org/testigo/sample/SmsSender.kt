package org.testigo.sample

import android.app.Activity
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.IntentFilter
import android.os.Build
import android.telephony.SmsManager
import androidx.core.content.ContextCompat
import java.util.UUID
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.withTimeoutOrNull
import org.testigo.watcher.SmsPlan

/**
 * Sends a capture's numbers with [SmsManager]: each text of the plan as one SMS (the core keeps
 * each to 160 characters of the GSM default alphabet, so no `divideMessage`), to the gateway
 * number, and reports whether every one went out. Each SMS carries a "sent" PendingIntent; only
 * `Activity.RESULT_OK` for all of them counts. Delivery reports are not asked for: the
 * coordinators' receipt SMS is the proof that counts.
 */
class SmsSender(private val context: Context) {
    /** Sends every text of `plan`; true when the radio reported each one sent. */
    suspend fun send(plan: SmsPlan): Boolean {
        val manager = smsManager() ?: return false
        // An action of its own per send: reports of an earlier, abandoned send cannot count here.
        val action = "${context.packageName}.SMS_SENT.${UUID.randomUUID()}"
        val reports = Channel<Int>(Channel.UNLIMITED)
        val receiver = object : BroadcastReceiver() {
            override fun onReceive(context: Context, intent: Intent) {
                reports.trySend(resultCode)
            }
        }
        // The PendingIntents are the app's own, so a receiver not exported still gets them.
        ContextCompat.registerReceiver(context, receiver, IntentFilter(action), ContextCompat.RECEIVER_NOT_EXPORTED)
        try {
            plan.texts.forEachIndexed { index, text ->
                val sent = PendingIntent.getBroadcast(
                    context,
                    index,
                    Intent(action).setPackage(context.packageName),
                    PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_ONE_SHOT,
                )
                manager.sendTextMessage(plan.number, null, text, sent, null)
            }
            val codes = withTimeoutOrNull(SENT_TIMEOUT_MS) { List(plan.texts.size) { reports.receive() } }
            return codes != null && codes.all { it == Activity.RESULT_OK }
        } catch (e: SecurityException) {
            // The SEND_SMS permission was taken back meanwhile.
            return false
        } catch (e: IllegalArgumentException) {
            // A number the phone does not take (an empty one in a broken package).
            return false
        } finally {
            context.unregisterReceiver(receiver)
        }
    }

    private fun smsManager(): SmsManager? =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
            context.getSystemService(SmsManager::class.java)
        } else {
            @Suppress("DEPRECATION")
            SmsManager.getDefault()
        }

    private companion object {
        /** How long to wait for the radio's reports: it retries on a weak signal by itself. */
        const val SENT_TIMEOUT_MS = 3 * 60_000L
    }
}
