package org.testigo.sample

import android.content.ClipData
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.core.content.FileProvider
import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.testigo.watcher.Bundles

/**
 * The sealed files on Android: handed to another app (Bluetooth, Quick Share, a messenger) by
 * the share sheet through the FileProvider, or saved where the watcher picks (a USB stick, a
 * folder) through the system's document picker.
 */
object SharedFiles {
    /** The FileProvider's authority (AndroidManifest.xml). */
    private fun authority(context: Context) = "${context.packageName}.bundles"

    /** Opens the share sheet for a sealed file the model wrote into its share directory. */
    fun share(context: Context, file: File, title: String) {
        val uri = FileProvider.getUriForFile(context, authority(context), file)
        val send = Intent(Intent.ACTION_SEND)
            .setType(Bundles.MIME_TYPE)
            .putExtra(Intent.EXTRA_STREAM, uri)
            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        // The grant travels with the clip data to whichever app the watcher picks.
        send.clipData = ClipData.newRawUri(file.name, uri)
        context.startActivity(Intent.createChooser(send, title))
    }

    /** Copies a sealed file to where the watcher chose to save it; false if it could not be written. */
    suspend fun save(context: Context, file: File, to: Uri): Boolean = withContext(Dispatchers.IO) {
        try {
            val out = context.contentResolver.openOutputStream(to, "w") ?: return@withContext false
            out.use { sink -> file.inputStream().use { it.copyTo(sink) } }
            true
        } catch (e: java.io.IOException) {
            false
        } catch (e: SecurityException) {
            false
        }
    }
}
