package org.testigo.sample

import android.app.Application
import androidx.core.os.ConfigurationCompat
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import org.testigo.watcher.Strings
import org.testigo.watcher.Watcher
import org.testigo.watcher.WatcherConfig

/** Holds the one [Watcher] of the process, shared by the screens and the sync worker. */
class WatcherApp : Application() {
    /** The model below every screen. */
    lateinit var watcher: Watcher
        private set

    /**
     * Work that must outlive the screen that started it: an SMS send waiting for the radio's
     * reports, a receipt SMS handed over by [SmsReceiver].
     */
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    private lateinit var signer: KeystoreSigner

    override fun onCreate() {
        super.onCreate()
        signer = KeystoreSigner(packageManager)
        watcher = Watcher(
            WatcherConfig(
                dataDir = filesDir,
                vault = KeystoreVault(packageManager),
                signer = signer,
                // Served by the FileProvider (res/xml/bundle_paths.xml); the OS may clear it.
                shareDir = File(cacheDir, "bundles"),
                // A wipe (panic button, duress PIN, too many PINs) deletes the device key too.
                onWipe = { signer.destroy() },
            ),
            scheduler = WorkScheduler(this),
        )
    }

    /** The watcher's words, in the phone's preferred language among the four. */
    fun strings(): Strings {
        val list = ConfigurationCompat.getLocales(resources.configuration)
        return Strings.forLocales((0 until list.size()).mapNotNull { list[it] })
    }
}
