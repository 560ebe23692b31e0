package org.testigo.sample.ui

import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageCapture
import androidx.camera.core.ImageCaptureException
import androidx.camera.core.ImageProxy
import androidx.camera.core.UseCase
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.material3.Button
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.LocalLifecycleOwner
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import com.google.zxing.BinaryBitmap
import com.google.zxing.NotFoundException
import com.google.zxing.PlanarYUVLuminanceSource
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.qrcode.QRCodeReader
import java.io.File
import java.util.concurrent.Executors
import org.testigo.watcher.Strings

/**
 * The acta camera: a full-resolution JPEG of the page, handed to the core as the camera wrote it
 * (the core downsizes it, strips its metadata and reads the acta's QR code). The preview also
 * looks for the QR code with ZXing, so the numbers can be prefilled even if the photo's QR is
 * blurred. Camera permission is asked by the activity before this is shown.
 */
@Composable
fun ActaCamera(t: Strings, onPhoto: (ByteArray, String?) -> Unit) {
    val context = LocalContext.current
    val capture = remember { ImageCapture.Builder().setCaptureMode(ImageCapture.CAPTURE_MODE_MAXIMIZE_QUALITY).build() }
    val lastQr = remember { arrayOfNulls<String>(1) }
    val analysis = remember { qrAnalysis { lastQr[0] = it } }
    Column {
        CameraPreview(Modifier.fillMaxWidth().height(480.dp), capture, analysis)
        Button(onClick = {
            // To a private cache file, read, then deleted: the photo is kept only in the store.
            val file = File.createTempFile("acta", ".jpg", context.cacheDir)
            capture.takePicture(
                ImageCapture.OutputFileOptions.Builder(file).build(),
                ContextCompat.getMainExecutor(context),
                object : ImageCapture.OnImageSavedCallback {
                    override fun onImageSaved(output: ImageCapture.OutputFileResults) {
                        val bytes = file.readBytes()
                        file.delete()
                        onPhoto(bytes, lastQr[0])
                    }

                    override fun onError(exception: ImageCaptureException) {
                        file.delete()
                    }
                },
            )
        }, Modifier.fillMaxWidth()) { Text(t["button-take-photo"]) }
    }
}

/** The enrollment QR code, read from the preview with ZXing; `onText` is called once. */
@Composable
fun QrScanner(onText: (String) -> Unit) {
    val context = LocalContext.current
    val done = remember { booleanArrayOf(false) }
    val analysis = remember {
        qrAnalysis { text ->
            if (!done[0]) {
                done[0] = true
                ContextCompat.getMainExecutor(context).execute { onText(text) }
            }
        }
    }
    CameraPreview(Modifier.fillMaxWidth().height(320.dp), analysis)
}

/** The back camera's preview with `useCases` bound to the screen's lifecycle while it is shown. */
@Composable
private fun CameraPreview(modifier: Modifier, vararg useCases: UseCase) {
    val context = LocalContext.current
    val owner = LocalLifecycleOwner.current
    val preview = remember { PreviewView(context) }
    DisposableEffect(Unit) {
        val providerFuture = ProcessCameraProvider.getInstance(context)
        providerFuture.addListener({
            val provider = providerFuture.get()
            val previewUseCase = androidx.camera.core.Preview.Builder().build().also { it.surfaceProvider = preview.surfaceProvider }
            provider.unbindAll()
            provider.bindToLifecycle(owner, CameraSelector.DEFAULT_BACK_CAMERA, previewUseCase, *useCases)
        }, ContextCompat.getMainExecutor(context))
        onDispose { providerFuture.get().unbindAll() }
    }
    AndroidView({ preview }, modifier)
}

/** An analysis use case that reads QR codes from the preview's luminance plane. */
private fun qrAnalysis(onText: (String) -> Unit): ImageAnalysis {
    val reader = QRCodeReader()
    return ImageAnalysis.Builder()
        .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
        .build()
        .also { analysis ->
            analysis.setAnalyzer(Executors.newSingleThreadExecutor()) { image: ImageProxy ->
                image.use {
                    val plane = it.planes[0]
                    val bytes = ByteArray(plane.buffer.remaining()).also { b -> plane.buffer.get(b) }
                    val source = PlanarYUVLuminanceSource(bytes, plane.rowStride, it.height, 0, 0, it.width, it.height, false)
                    try {
                        onText(reader.decode(BinaryBitmap(HybridBinarizer(source))).text)
                    } catch (e: NotFoundException) {
                        // No QR code in this frame.
                    } catch (e: com.google.zxing.ReaderException) {
                        // A QR code that does not decode yet (blurred): the next frame may.
                    }
                }
            }
        }
}
