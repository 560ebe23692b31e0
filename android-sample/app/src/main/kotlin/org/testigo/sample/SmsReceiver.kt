package org.testigo.sample

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.provider.Telephony
import kotlinx.coroutines.launch
import org.testigo.watcher.smsReceived

/**
 * Every SMS the phone receives, once the watcher allowed RECEIVE_SMS (asked when they first
 * send by SMS). The model passes on only those from the coordinators' gateway numbers, and the
 * core takes only its verified receipts; other SMS are not kept or read further. Works with the
 * app locked: the model opens the store as a background sync does.
 */
class SmsReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != Telephony.Sms.Intents.SMS_RECEIVED_ACTION) return
        // One broadcast is one message, in the parts the network split it into.
        val parts = Telephony.Sms.Intents.getMessagesFromIntent(intent)?.filterNotNull().orEmpty()
        val from = parts.firstOrNull()?.originatingAddress ?: return
        val text = parts.joinToString("") { it.messageBody.orEmpty() }
        val app = context.applicationContext as WatcherApp
        val pending = goAsync()
        app.scope.launch {
            try {
                app.watcher.smsReceived(from, text)
            } finally {
                pending.finish()
            }
        }
    }
}
