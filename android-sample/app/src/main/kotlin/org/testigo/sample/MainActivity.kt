package org.testigo.sample

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.IntentCompat
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import androidx.lifecycle.lifecycleScope
import java.io.File
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.filterNotNull
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.launch
import org.testigo.sample.ui.FilePickers
import org.testigo.sample.ui.WatcherScreens
import org.testigo.watcher.Bundles
import org.testigo.watcher.Screen
import org.testigo.watcher.bundleSaved
import org.testigo.watcher.carryBundle

/** The one activity: draws the model's state; the model does the rest. */
class MainActivity : ComponentActivity(), FilePickers {
    /** A sealed file to carry (opened or shared by another app, or picked), waiting for the PIN. */
    private val incoming = MutableStateFlow<Uri?>(null)

    /** The sealed file the watcher is choosing a place for. */
    private var toSave: File? = null

    // The pickers' results come back here, after the app locked itself behind them.
    private val carryPicker = registerForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) incoming.value = uri
    }
    private val savePicker = registerForActivityResult(ActivityResultContracts.CreateDocument(Bundles.MIME_TYPE)) { uri ->
        val file = toSave
        toSave = null
        if (uri != null && file != null) {
            val app = application as WatcherApp
            app.scope.launch { app.watcher.bundleSaved(SharedFiles.save(app, file, uri)) }
        }
    }

    override fun pickToCarry() = carryPicker.launch(arrayOf("*/*"))

    override fun save(file: File) {
        toSave = file
        savePicker.launch(file.name)
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // No screenshots, no thumbnail in the recent apps: the screens show results and keys.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        val app = application as WatcherApp
        // The camera is the app's purpose: ask at once rather than in the middle of a capture.
        if (checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) {
            registerForActivityResult(ActivityResultContracts.RequestPermission()) {}.launch(Manifest.permission.CAMERA)
        }
        lifecycleScope.launch { app.watcher.start() }
        // Locked whenever the app leaves the screen: a phone taken from a pocket shows the PIN.
        ProcessLifecycleOwner.get().lifecycle.addObserver(object : DefaultLifecycleObserver {
            override fun onStop(owner: LifecycleOwner) {
                lifecycleScope.launch { app.watcher.lock() }
            }
        })
        // A runner's phone takes a file it was given as soon as the home screen is up (after
        // the PIN); the URI grant lasts as long as this activity.
        take(intent)
        lifecycleScope.launch {
            app.watcher.state.map { it.screen == Screen.Home }.distinctUntilChanged()
                .combine(incoming) { home, uri -> uri.takeIf { home } }
                .filterNotNull()
                .collect { uri ->
                    incoming.value = null
                    app.watcher.carryBundle { contentResolver.openInputStream(uri) }
                }
        }
        setContent { WatcherScreens(app.watcher, app.strings(), this) }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        take(intent)
    }

    /** The file of a VIEW or SEND intent (intent filters in AndroidManifest.xml), if it has one. */
    private fun take(intent: Intent?) {
        val uri = when (intent?.action) {
            Intent.ACTION_VIEW -> intent.data
            Intent.ACTION_SEND -> IntentCompat.getParcelableExtra(intent, Intent.EXTRA_STREAM, Uri::class.java)
            else -> null
        }
        if (uri != null) incoming.value = uri
    }
}
