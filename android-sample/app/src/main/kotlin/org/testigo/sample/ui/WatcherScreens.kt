package org.testigo.sample.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import org.testigo.watcher.CaptureRow
import org.testigo.watcher.DraftView
import org.testigo.watcher.Screen
import org.testigo.watcher.Strings
import org.testigo.watcher.Watcher

/**
 * Every screen, drawn from [Watcher.state]. Screens hold no logic: each button calls one action
 * of the model, and every word comes from [Strings]. `pickers` are the activity's document
 * pickers (OfflineScreens.kt).
 */
@Composable
fun WatcherScreens(watcher: Watcher, t: Strings, pickers: FilePickers) {
    val state by watcher.state.collectAsState()
    val scope = rememberCoroutineScope()
    val snackbar = remember { SnackbarHostState() }
    LaunchedEffect(state.message) {
        state.message?.let {
            snackbar.showSnackbar(t[it])
            watcher.dismiss()
        }
    }
    MaterialTheme {
        Scaffold(snackbarHost = { SnackbarHost(snackbar) }) { padding ->
            Column(Modifier.fillMaxSize().padding(padding).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                when (val screen = state.screen) {
                    Screen.Starting -> Unit
                    Screen.ChoosePin -> ChoosePin(t) { pin, duress -> scope.launch { watcher.choosePin(pin, duress) } }
                    is Screen.Locked -> Locked(t, screen.left) { pin -> scope.launch { watcher.unlock(pin) } }
                    Screen.Enroll -> Enroll(t, onScanned = { scope.launch { watcher.enroll(it) } }) { code, server ->
                        scope.launch { watcher.enroll(code, server) }
                    }
                    Screen.Home -> Home(t, state.stations, state.captures, state.sync, state.offline, watcher, pickers)
                    is Screen.Capture -> CaptureForm(t, screen.draft, screen.confirming, watcher)
                    Screen.Settings -> Settings(t, state.settings, watcher)
                }
            }
        }
    }
}

@Composable
private fun ChoosePin(t: Strings, onChoose: (String, String?) -> Unit) {
    var pin by remember { mutableStateOf("") }
    var duress by remember { mutableStateOf("") }
    Text(t["pin-choose"], style = MaterialTheme.typography.titleLarge)
    PinField(pin) { pin = it }
    Text(t["pin-duress"])
    PinField(duress) { duress = it }
    Button(onClick = { onChoose(pin, duress.ifEmpty { null }) }) { Text(t["button-save"]) }
}

@Composable
private fun Locked(t: Strings, left: Int?, onUnlock: (String) -> Unit) {
    var pin by remember { mutableStateOf("") }
    Text(t["pin-enter"], style = MaterialTheme.typography.titleLarge)
    if (left != null) Text(t[org.testigo.watcher.Text("pin-wrong", "left" to left)])
    PinField(pin) { pin = it }
    Button(onClick = { onUnlock(pin); pin = "" }) { Text(t["button-unlock"]) }
}

@Composable
private fun PinField(value: String, onChange: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = { v -> onChange(v.filter { it.isDigit() }.take(12)) },
        visualTransformation = PasswordVisualTransformation(),
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword),
        singleLine = true,
    )
}

@Composable
private fun Enroll(t: Strings, onScanned: (String) -> Unit, onTyped: (String, String) -> Unit) {
    var code by remember { mutableStateOf("") }
    var server by remember { mutableStateOf("https://") }
    var scanning by remember { mutableStateOf(false) }
    Text(t["enroll-title"], style = MaterialTheme.typography.titleLarge)
    if (scanning) {
        QrScanner(onText = { scanning = false; onScanned(it) })
    } else {
        Button(onClick = { scanning = true }, Modifier.fillMaxWidth()) { Text(t["enroll-scan"]) }
    }
    Text(t["enroll-type-code"])
    OutlinedTextField(code, { code = it.trim() }, singleLine = true)
    Text(t["enroll-server"])
    OutlinedTextField(server, { server = it.trim() }, singleLine = true,
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri))
    Button(onClick = { onTyped(code, server) }) { Text(t["button-enroll"]) }
}

@Composable
private fun Home(
    t: Strings,
    stations: List<org.testigo.watcher.StationRow>,
    captures: List<CaptureRow>,
    sync: org.testigo.watcher.SyncView,
    offline: org.testigo.watcher.OfflineView,
    watcher: Watcher,
    pickers: FilePickers,
) {
    val scope = rememberCoroutineScope()
    var confirmWipe by remember { mutableStateOf(false) }
    // SMS is offered on a waiting capture when there is no data link: no network, or a network
    // on which the server cannot be reached.
    val online = rememberOnline()
    val context = LocalContext.current
    val telephony = remember { context.canSendSms() }
    val offerSms = telephony && (!online || sync.linkDown)
    LazyColumn(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        item { Text(t["stations-title"], style = MaterialTheme.typography.titleLarge) }
        items(stations, key = { it.stationId }) { s ->
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(12.dp)) {
                    Text(t[org.testigo.watcher.Text("station-number", "number" to s.number.toInt())] + " · " + s.centerName)
                    Text(t[s.statusText])
                    Button(onClick = { scope.launch { watcher.openStation(s.stationId) } }) { Text(t["button-capture"]) }
                }
            }
        }
        item {
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = { scope.launch { watcher.sendNow() } }, enabled = !sync.running) { Text(t["button-send-now"]) }
                OutlinedButton(onClick = { scope.launch { watcher.settings() } }) { Text(t["settings-title"]) }
            }
            if (sync.running && sync.bytesTotal > 0) {
                LinearProgressIndicator(progress = { sync.bytesDone.toFloat() / sync.bytesTotal }, Modifier.fillMaxWidth())
                Text(t[org.testigo.watcher.Text("sending", "done" to sync.bytesDone, "total" to sync.bytesTotal)])
            }
            Text(t[org.testigo.watcher.Text("pending", "count" to sync.pending)])
            sync.last?.let { Text(t[it]) }
        }
        item { Text(t["captures-title"], style = MaterialTheme.typography.titleLarge) }
        items(captures, key = { it.id }) { c -> CaptureCard(t, c, offerSms, watcher) }
        offlineItems(t, offline, watcher, pickers)
        item {
            TextButton(onClick = { confirmWipe = true }) { Text(t["button-wipe"]) }
        }
    }
    if (confirmWipe) {
        AlertDialog(
            onDismissRequest = { confirmWipe = false },
            text = { Text(t["wipe-confirm"]) },
            confirmButton = {
                Button(onClick = { confirmWipe = false; scope.launch { watcher.panicWipe() } }) { Text(t["button-wipe"]) }
            },
            dismissButton = { TextButton(onClick = { confirmWipe = false }) { Text(t["button-back"]) } },
        )
    }
}

@Composable
private fun CaptureCard(t: Strings, c: CaptureRow, offerSms: Boolean, watcher: Watcher) {
    val scope = rememberCoroutineScope()
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(c.stationId + " · " + t[c.statusText])
            Text(if (c.receipts > 0 && c.receiptsVerified) t["receipt-verified"] else t["receipt-missing"])
            c.reviewText?.let { Text(t[it]) }
            c.reviewComment?.let { Text("“$it”") }
            c.parked?.let {
                Text(t[it], color = MaterialTheme.colorScheme.error)
                OutlinedButton(onClick = { scope.launch { watcher.retryParked(c.id) } }) { Text(t["button-retry"]) }
            }
            if (c.canCorrect) {
                OutlinedButton(onClick = { scope.launch { watcher.correct(c.id) } }) { Text(t["button-correct"]) }
            }
            if (offerSms && c.canSendSms) SendBySms(t, c.id, watcher)
        }
    }
}

@Composable
private fun CaptureForm(t: Strings, draft: DraftView, confirming: Boolean, watcher: Watcher) {
    val scope = rememberCoroutineScope()
    var camera by remember(draft.captureId) { mutableStateOf(draft.photos.isEmpty()) }
    if (camera) {
        ActaCamera(t, onPhoto = { jpeg, qr -> camera = false; scope.launch { watcher.addPhoto(jpeg, qr) } })
        return
    }
    LazyColumn(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        item {
            Text(draft.stationId, style = MaterialTheme.typography.titleLarge)
            Text(if (draft.qrRead) t["qr-read"] else t["qr-not-read"])
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = { camera = true }) { Text(t["button-add-page"]) }
                if (draft.photos.isNotEmpty()) {
                    OutlinedButton(onClick = { scope.launch { watcher.removePhoto(draft.photos.size.toUInt()) } }) {
                        Text(t["button-remove-page"])
                    }
                }
            }
        }
        items(draft.photos, key = { it.sha256 }) { photo -> PreparedPhoto(watcher, photo) }
        items(draft.fields, key = { it.id }) { f ->
            OutlinedTextField(
                value = f.value?.toString() ?: "",
                onValueChange = { v -> scope.launch { watcher.setCount(f.id, v.filter { it.isDigit() }.take(9).toUIntOrNull()) } },
                label = { Text(f.label) },
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
                singleLine = true,
                modifier = Modifier.fillMaxWidth(),
            )
        }
        item {
            OutlinedTextField(draft.notes, { scope.launch { watcher.setNotes(it) } }, label = { Text(t["notes"]) }, modifier = Modifier.fillMaxWidth())
            draft.warnings.forEach { Text(t[it], color = MaterialTheme.colorScheme.error) }
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = { scope.launch { watcher.requestSeal() } }) { Text(t["button-seal"]) }
                OutlinedButton(onClick = { scope.launch { watcher.home() } }) { Text(t["button-back"]) }
            }
            TextButton(onClick = { scope.launch { watcher.discardDraft() } }) { Text(t["button-discard"]) }
        }
    }
    if (confirming) {
        AlertDialog(
            onDismissRequest = { scope.launch { watcher.cancelSeal() } },
            title = { Text(t["seal-confirm-title"]) },
            text = {
                Column {
                    draft.fields.forEach { Text("${it.label}: ${it.value ?: "—"}") }
                    Text(t["seal-confirm-body"])
                    if (draft.warnings.isNotEmpty()) Text(t["seal-confirm-warnings"], color = MaterialTheme.colorScheme.error)
                }
            },
            confirmButton = { Button(onClick = { scope.launch { watcher.confirmSeal() } }) { Text(t["button-confirm"]) } },
            dismissButton = { TextButton(onClick = { scope.launch { watcher.cancelSeal() } }) { Text(t["button-back"]) } },
        )
    }
}

/** The prepared page, as the core stored it: the watcher sees what will be sent. */
@Composable
private fun PreparedPhoto(watcher: Watcher, photo: org.testigo.core.protocol.PhotoRef) {
    var bitmap by remember(photo.sha256) { mutableStateOf<androidx.compose.ui.graphics.ImageBitmap?>(null) }
    LaunchedEffect(photo.sha256) {
        bitmap = watcher.preparedPhoto(photo, small = false)
            ?.let { android.graphics.BitmapFactory.decodeByteArray(it, 0, it.size)?.asImageBitmap() }
    }
    bitmap?.let { androidx.compose.foundation.Image(it, contentDescription = null, modifier = Modifier.fillMaxWidth()) }
}

@Composable
private fun Settings(t: Strings, settings: org.testigo.watcher.SettingsView?, watcher: Watcher) {
    val scope = rememberCoroutineScope()
    Text(t["settings-title"], style = MaterialTheme.typography.titleLarge)
    settings?.let {
        Text(t["settings-server"] + ": " + (it.serverUrl ?: "—"))
        Text(t["settings-device-key"] + ": " + it.deviceKeyId)
        Text(if (it.hardwareKey) t["settings-hardware-key"] else t["settings-software-key"])
    }
    OutlinedButton(onClick = { scope.launch { watcher.home() } }) { Text(t["button-back"]) }
}
