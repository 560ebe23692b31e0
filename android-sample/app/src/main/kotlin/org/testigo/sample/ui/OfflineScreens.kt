package org.testigo.sample.ui

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyListScope
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import java.io.File
import kotlinx.coroutines.launch
import org.testigo.sample.SharedFiles
import org.testigo.sample.SmsSender
import org.testigo.sample.WatcherApp
import org.testigo.watcher.CarriedRow
import org.testigo.watcher.OfflineView
import org.testigo.watcher.SmsPlan
import org.testigo.watcher.Strings
import org.testigo.watcher.Watcher
import org.testigo.watcher.exportBundle
import org.testigo.watcher.passOn
import org.testigo.watcher.smsNotSent
import org.testigo.watcher.smsPlan
import org.testigo.watcher.smsSent

/**
 * What the screens ask of the activity: the system's document pickers. Their results come back
 * after the app was locked (a picker covers the app, and the app locks when it leaves the
 * screen), so the activity, not a screen, receives them and acts once the PIN is typed.
 */
interface FilePickers {
    /** A runner picks a watcher's sealed file to carry (any type: sticks and chats lose it). */
    fun pickToCarry()

    /** The watcher picks where to save a sealed file (a USB stick, a folder). */
    fun save(file: File)
}

/** The home screen's part for when there is no data link: sealed files out and in, and the files carried. */
internal fun LazyListScope.offlineItems(t: Strings, offline: OfflineView, watcher: Watcher, pickers: FilePickers) {
    item(key = "offline") { OfflineActions(t, offline, watcher, pickers) }
    if (offline.carried.isNotEmpty()) {
        item(key = "carried-title") { Text(t["carried-title"], style = MaterialTheme.typography.titleMedium) }
    }
    items(offline.carried, key = { "carried-" + it.sha256 }) { CarriedCard(t, it, watcher) }
}

@Composable
private fun OfflineActions(t: Strings, offline: OfflineView, watcher: Watcher, pickers: FilePickers) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(t["offline-title"], style = MaterialTheme.typography.titleLarge)
        if (offline.canShareBundle) {
            Text(t["bundle-explain"])
            Button(onClick = {
                scope.launch { watcher.exportBundle()?.let { SharedFiles.share(context, it.file, t["bundle-share-title"]) } }
            }) { Text(t["button-share-bundle"]) }
            OutlinedButton(onClick = { scope.launch { watcher.exportBundle()?.let { pickers.save(it.file) } } }) {
                Text(t["button-save-bundle"])
            }
        }
        Text(t["carry-explain"])
        OutlinedButton(onClick = { pickers.pickToCarry() }) { Text(t["button-carry-bundle"]) }
    }
}

@Composable
private fun CarriedCard(t: Strings, row: CarriedRow, watcher: Watcher) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(t[org.testigo.watcher.Text("carried-row", "kb" to (row.size + 1023) / 1024)])
            Text(t[row.status])
            if (row.canPassOn) {
                OutlinedButton(onClick = {
                    scope.launch { watcher.passOn(row.sha256)?.let { SharedFiles.share(context, it, t["bundle-share-title"]) } }
                }) { Text(t["button-pass-on"]) }
            }
        }
    }
}

/** SEND_SMS to send the numbers, RECEIVE_SMS to read the receipt (without it, it comes with the next sync). */
private val SMS_PERMISSIONS = arrayOf(Manifest.permission.SEND_SMS, Manifest.permission.RECEIVE_SMS)

/**
 * "Send the numbers by SMS" on a waiting capture: asks for the SMS permissions the first time,
 * shows how many SMS go to which number, sends them, and tells the model. The send runs in the
 * application's scope: it waits for the radio's reports even if this card goes away.
 */
@Composable
internal fun SendBySms(t: Strings, captureId: String, watcher: Watcher) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var plan by remember { mutableStateOf<SmsPlan?>(null) }
    var sending by remember { mutableStateOf(false) }
    val ask = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { granted ->
        if (granted[Manifest.permission.SEND_SMS] == true) scope.launch { plan = watcher.smsPlan(captureId) }
        else watcher.smsNotSent(denied = true)
    }
    OutlinedButton(enabled = !sending, onClick = {
        val missing = SMS_PERMISSIONS.filter { ContextCompat.checkSelfPermission(context, it) != PackageManager.PERMISSION_GRANTED }
        if (missing.isEmpty()) scope.launch { plan = watcher.smsPlan(captureId) } else ask.launch(missing.toTypedArray())
    }) { Text(t["button-send-sms"]) }
    plan?.let { p ->
        AlertDialog(
            onDismissRequest = { plan = null },
            text = { Text(t[org.testigo.watcher.Text("sms-confirm", "count" to p.texts.size, "number" to p.number)]) },
            confirmButton = {
                Button(onClick = {
                    plan = null
                    sending = true
                    val app = context.applicationContext as WatcherApp
                    app.scope.launch {
                        if (SmsSender(app).send(p)) watcher.smsSent(p.captureId) else watcher.smsNotSent()
                        sending = false
                    }
                }) { Text(t["button-send"]) }
            },
            dismissButton = { TextButton(onClick = { plan = null }) { Text(t["button-back"]) } },
        )
    }
}

/** Whether this phone can send SMS at all (a tablet without telephony cannot). */
internal fun Context.canSendSms(): Boolean = packageManager.hasSystemFeature(PackageManager.FEATURE_TELEPHONY)

/**
 * Whether the phone has a network that reaches the internet (validated by the system), kept up
 * to date. Without one, or when the last sync could not reach the server (a blocked server on a
 * working network), the screens offer SMS.
 */
@Composable
internal fun rememberOnline(): Boolean {
    val context = LocalContext.current
    val connectivity = remember { context.getSystemService(ConnectivityManager::class.java) }
    var online by remember { mutableStateOf(connectivity.validated()) }
    DisposableEffect(connectivity) {
        val callback = object : ConnectivityManager.NetworkCallback() {
            override fun onCapabilitiesChanged(network: Network, capabilities: NetworkCapabilities) {
                online = capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_VALIDATED)
            }

            override fun onLost(network: Network) {
                online = false
            }
        }
        connectivity.registerDefaultNetworkCallback(callback)
        onDispose { connectivity.unregisterNetworkCallback(callback) }
    }
    return online
}

private fun ConnectivityManager.validated(): Boolean =
    getNetworkCapabilities(activeNetwork)?.hasCapability(NetworkCapabilities.NET_CAPABILITY_VALIDATED) == true
