package org.testigo.watcher

import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import javax.imageio.ImageIO
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test
import java.io.ByteArrayInputStream
import org.testigo.core.SyncObserver
import org.testigo.core.model.OutboxKind
import org.testigo.core.model.ReportingStatus
import org.testigo.core.model.SyncEvent
import org.testigo.core.protocol.ReviewStatus
import org.testigo.tests.JavaSecuritySigner
import org.testigo.tests.Server
import org.testigo.tests.Testigo

/**
 * One watcher's night through the app's model, as the screens and the background worker drive
 * it, against the real library and a real `testigo serve`: PIN, enrollment by QR, a capture with
 * the QR's numbers, a seal, a sync the OS stops, "send now", the receipts, reviews arriving, a
 * correction, a parked photo, the lock, and the duress PIN wiping everything.
 */
class WatcherNightTest {
    companion object {
        private lateinit var server: Server
        /** A server that also takes SMS, for the nights without a data link. */
        private lateinit var gateway: SmsServer

        @BeforeClass @JvmStatic fun startServer() {
            server = Server()
            gateway = SmsServer()
        }

        @AfterClass @JvmStatic fun stopServer() {
            server.close()
            gateway.close()
        }
    }

    /** What the model asked the platform's scheduler for, in order. */
    private class Plans : Scheduler {
        val asked = CopyOnWriteArrayList<NextSync>()
        override fun schedule(next: NextSync) {
            asked.add(next)
        }
    }

    /** Holds the sync thread on the first photo chunk until the OS (the test) stops the run. */
    private class StopOnPhoto(private val watcher: () -> Watcher) : SyncObserver {
        @Volatile var armed = false
        @Volatile var stopped = false
        override fun onEvent(event: SyncEvent) {
            if (armed && event is SyncEvent.Sending && event.kind is OutboxKind.Photo) {
                armed = false
                watcher().stopSync()
                stopped = true
            }
        }
    }

    /** The text of an enrollment QR code that carries the server's address, as an operator prints it. */
    private fun scannedQr(): String {
        val json = Testigo.run("enroll", "--data", server.data.path, "--station", server.stationIds.first(),
            "--url", server.url, "--json")
        return Regex("\"uri\":\"([^\"]+)\"").find(json)?.groupValues?.get(1)
            ?: throw IllegalStateException("no uri in: $json")
    }

    /** A first start with PIN 1111, enrollment from the QR code, and one acta photographed and sealed. */
    private suspend fun sealOneActa(watcher: Watcher, qr: String = scannedQr()) {
        watcher.start()
        watcher.choosePin("1111", null)
        watcher.enroll(qr)
        watcher.openStation(watcher.now().stations.first().stationId)
        watcher.addPhoto(server.actaJpeg)
        watcher.requestSeal()
        watcher.confirmSeal()
        assertEquals(Text("sealed"), watcher.now().message)
    }

    private fun strings() = Strings.LANGUAGES.map { Strings.of(it) }

    /** Every message shown exists in every language. */
    private fun assertWorded(text: Text?) {
        if (text == null) return
        for (s in strings()) assertTrue("${s.language} lacks ${text.key}", s.missing(listOf(text.key)).isEmpty())
    }

    private fun Watcher.now() = state.value

    /** A JPEG of a blank page: a usable photo that is not the acta's. */
    private fun blankPage(): ByteArray {
        val image = BufferedImage(1200, 1600, BufferedImage.TYPE_INT_RGB)
        val g = image.createGraphics()
        g.color = java.awt.Color.WHITE
        g.fillRect(0, 0, 1200, 1600)
        g.color = java.awt.Color.BLACK
        g.drawString("acta", 100, 100)
        g.dispose()
        return ByteArrayOutputStream().also { ImageIO.write(image, "jpg", it) }.toByteArray()
    }

    @Test fun aWatchersNight() = runBlocking {
        val plans = Plans()
        val dir = server.newDir("watcher")
        val vault = JvmVault()
        lateinit var watcher: Watcher
        val stopper = StopOnPhoto { watcher }
        var platformKeysDeleted = 0
        watcher = Watcher(
            WatcherConfig(dir, vault, JavaSecuritySigner(), pinIterations = 1_000, onWipe = { platformKeysDeleted++ }),
            plans,
            progress = stopper,
        )

        // First run: choose a PIN and a duress PIN (a bad choice is refused with a message).
        watcher.start()
        assertEquals(Screen.ChoosePin, watcher.now().screen)
        watcher.choosePin("2468", "2468")
        assertEquals(Text("pin-invalid"), watcher.now().message)
        watcher.dismiss()
        watcher.choosePin("2468", "1357")
        assertEquals(watcher.now().message.toString(), Screen.Enroll, watcher.now().screen)
        assertTrue("the master key is kept wrapped", File(dir, "master.key").length() > 32)
        assertTrue(watcher.now().settings!!.hardwareKey)

        // Enroll with the text of the scanned QR code.
        watcher.enroll(scannedQr())
        assertEquals(Text("enrolled"), watcher.now().message)
        assertEquals(Screen.Home, watcher.now().screen)
        val station = watcher.now().stations.single()
        assertEquals(server.stationIds.first(), station.stationId)
        assertEquals(ReportingStatus.NOT_STARTED, station.status)
        assertTrue(plans.asked.last() is NextSync.WhenOnline)
        assertEquals(server.url, watcher.now().settings!!.serverUrl)

        // Capture: the form is empty and warns of the missing photo; the photo's QR fills it.
        watcher.openStation(station.stationId)
        var draft = (watcher.now().screen as Screen.Capture).draft
        assertTrue(draft.fields.isNotEmpty() && draft.fields.all { it.value == null })
        assertTrue(draft.warnings.contains(Text("warning-photo-missing")))
        watcher.addPhoto(server.actaJpeg)
        draft = (watcher.now().screen as Screen.Capture).draft
        assertTrue(draft.qrRead)
        assertEquals(1, draft.photos.size)
        // The prepared photo is shown after the shot: a downsized JPEG, and its thumbnail.
        val prepared = watcher.preparedPhoto(draft.photos.single(), small = false)!!
        val thumbnail = watcher.preparedPhoto(draft.photos.single())!!
        for (jpeg in listOf(prepared, thumbnail)) assertEquals(0xFF.toByte(), jpeg[0])
        assertTrue(thumbnail.size < prepared.size && prepared.size < server.actaJpeg.size)
        assertEquals(draft.photos.single().sha256,
            java.security.MessageDigest.getInstance("SHA-256").digest(prepared).joinToString("") { "%02x".format(it) })
        // The acta's QR carries every option's votes; the numbers it lacks are asked for by name.
        val typed = draft.fields.filter { !it.fromQr }
        assertTrue(draft.fields.filter { it.fromQr }.all { it.value != null })
        assertEquals(listOf("votantes", "sobrantes"), typed.map { it.id })
        assertTrue(typed.all { it.value == null })
        for (f in typed) assertTrue(draft.warnings.toString(), draft.warnings.contains(Text("warning-count-missing", "field" to f.label)))
        assertFalse(draft.warnings.contains(Text("warning-photo-missing")))
        draft.warnings.forEach(::assertWorded)
        watcher.setCount("votantes", draft.fields.filter { it.fromQr }.sumOf { it.value!! })
        watcher.setCount("sobrantes", 0u)
        draft = (watcher.now().screen as Screen.Capture).draft
        assertFalse(draft.warnings.any { it.key == "warning-count-missing" })
        // A typo is flagged against the QR, by the field's label, and corrected.
        val first = draft.fields.first()
        watcher.setCount(first.id, first.value!! + 7u)
        draft = (watcher.now().screen as Screen.Capture).draft
        assertTrue(draft.warnings.toString(), draft.warnings.contains(Text("warning-qr-mismatch", "field" to first.label)))
        assertFalse(draft.fields.first().fromQr)
        watcher.setCount(first.id, first.value!!)
        watcher.setNotes("firmada por todos los miembros")

        // Seal only after the confirmation.
        watcher.requestSeal()
        assertTrue((watcher.now().screen as Screen.Capture).confirming)
        watcher.confirmSeal()
        assertEquals(Text("sealed"), watcher.now().message)
        assertEquals(Screen.Home, watcher.now().screen)
        var row = watcher.now().captures.single()
        assertEquals(ReportingStatus.QUEUED, row.status)
        assertEquals(0, row.receipts)
        assertEquals(NextSync.WhenOnline::class, plans.asked.last()::class)

        // The background run is stopped by the OS mid-photo: it says so and plans another.
        stopper.armed = true
        var next = watcher.syncInBackground()
        assertTrue(stopper.stopped)
        assertTrue(next is NextSync.WhenOnline)
        assertEquals(Text("sync-cancelled", "pending" to 1), watcher.now().sync.last)
        assertFalse(watcher.now().sync.running)
        row = watcher.now().captures.single()
        assertEquals(ReportingStatus.QUEUED, row.status)
        assertEquals(1, row.waiting)
        assertTrue("the progress reached the screen", watcher.now().sync.bytesTotal > 0)

        // "Send now": delivered, with both receipts checked against the enrollment's key.
        next = watcher.sendNow()
        row = watcher.now().captures.single()
        assertEquals(ReportingStatus.DELIVERED, row.status)
        assertEquals(2, row.receipts)
        assertTrue(row.receiptsVerified)
        assertEquals(Text("sync-idle"), watcher.now().sync.last)
        assertNull(row.review)
        // Delivered without a verdict: keep asking for it now and then.
        assertTrue(next is NextSync.WhenOnline && (next as NextSync.WhenOnline).atMs >= System.currentTimeMillis() + 60_000)

        // The coordinators dispute it; the verdict arrives with the next background run.
        server.review(row.id, "disputed", "la foto está borrosa")
        watcher.syncInBackground()
        row = watcher.now().captures.single()
        assertEquals(ReviewStatus.DISPUTED, row.review)
        assertEquals(Text("review-disputed"), row.reviewText)
        assertEquals("la foto está borrosa", row.reviewComment)

        // A correction with a new photo of the page: the old capture can no longer be corrected.
        watcher.correct(row.id)
        draft = (watcher.now().screen as Screen.Capture).draft
        assertEquals(row.id, draft.supersedes)
        assertTrue("the numbers carry over", draft.fields.all { it.value != null })
        watcher.removePhoto(1u)
        watcher.addPhoto(blankPage())
        draft = (watcher.now().screen as Screen.Capture).draft
        assertEquals(1, draft.photos.size)
        watcher.requestSeal()
        watcher.confirmSeal()
        assertEquals(2, watcher.now().captures.size)
        val correction = watcher.now().captures.first { it.supersedes == row.id }
        assertFalse(watcher.now().captures.first { it.id == row.id }.canCorrect)

        // Its photo is damaged on the phone before it leaves: parked, with what to do.
        val photos = File(File(dir, "store"), "photos").listFiles()!!.filter { it.isFile }
        val newest = photos.maxByOrNull { it.lastModified() }!!
        newest.writeBytes(newest.readBytes().copyOf(100))
        watcher.sendNow()
        val parked = watcher.now().captures.first { it.id == correction.id }
        assertEquals(ReportingStatus.PARKED, parked.status)
        assertEquals(Text("parked-photo-damaged"), parked.parked)
        assertEquals(Text("sync-idle-parked"), watcher.now().sync.last)
        assertWorded(parked.parked)

        // Locked in the pocket: background sync still runs, and shows nothing until the PIN.
        watcher.lock()
        assertEquals(Screen.Locked(), watcher.now().screen)
        assertTrue(watcher.now().captures.isEmpty())
        server.review(correction.id, "verified", "ok")
        watcher.syncInBackground()
        assertEquals(Screen.Locked(), watcher.now().screen)
        assertTrue(watcher.now().captures.isEmpty())
        // A wrong PIN counts down, the right one opens with everything kept.
        watcher.unlock("0000")
        assertEquals(Screen.Locked(9), watcher.now().screen)
        watcher.unlock("2468")
        assertEquals(Screen.Home, watcher.now().screen)
        assertEquals(2, watcher.now().captures.size)
        assertEquals("the review came in while locked", ReviewStatus.VERIFIED,
            watcher.now().captures.first { it.id == correction.id }.review)

        // Under duress: the duress PIN wipes everything, the master key included, silently.
        watcher.lock()
        watcher.unlock("1357")
        assertEquals(Screen.ChoosePin, watcher.now().screen)
        assertNull(watcher.now().message)
        assertTrue(vault.destroyed)
        assertEquals("the device key goes too", 1, platformKeysDeleted)
        assertEquals(listOf<String>(), dir.list()!!.filter { File(dir, it).let { f -> f.isFile || (f.list()?.isNotEmpty() ?: false) } })
        assertEquals(NextSync.None, plans.asked.last())
        watcher.start()
        assertEquals(Screen.ChoosePin, watcher.now().screen)
    }

    @Test fun cancellingTheWorkersCoroutineStopsTheSync() = runBlocking {
        // WorkManager stops a CoroutineWorker by cancelling its coroutine: the core's run must end.
        lateinit var job: kotlinx.coroutines.Deferred<NextSync>
        val cancelOnPhoto = object : SyncObserver {
            @Volatile var cancelled = false
            override fun onEvent(event: SyncEvent) {
                if (!cancelled && event is SyncEvent.Sending && event.kind is OutboxKind.Photo) {
                    cancelled = true
                    job.cancel()
                }
            }
        }
        val watcher = Watcher(WatcherConfig(server.newDir("watcher"), JvmVault(), pinIterations = 1_000), Plans(),
            progress = cancelOnPhoto)
        sealOneActa(watcher)
        job = async(Dispatchers.Default) { watcher.syncInBackground() }
        assertTrue(runCatching { job.await() }.exceptionOrNull() is kotlinx.coroutines.CancellationException)
        assertTrue(cancelOnPhoto.cancelled)
        assertFalse(watcher.now().sync.running)
        // The photo did not go; the next run is not refused as busy and delivers it.
        watcher.home()
        assertEquals(1, watcher.now().captures.single().waiting)
        // The cancelled run ends a moment after its coroutine; until then "send now" waits its turn.
        for (attempt in 1..50) {
            watcher.sendNow()
            if (watcher.now().captures.single().status == ReportingStatus.DELIVERED) break
            Thread.sleep(100)
        }
        assertEquals(ReportingStatus.DELIVERED, watcher.now().captures.single().status)
        assertEquals(2, watcher.now().captures.single().receipts)
    }

    @Test fun tooManyWrongPinsWipe() = runBlocking {
        val dir = server.newDir("watcher")
        val vault = JvmVault()
        val watcher = Watcher(WatcherConfig(dir, vault, maxPinTries = 3, pinIterations = 1_000), Plans())
        watcher.start()
        watcher.choosePin("1111", null)
        watcher.enroll(scannedQr())
        watcher.lock()
        watcher.unlock("2222")
        watcher.unlock("3333")
        assertEquals(Screen.Locked(1), watcher.now().screen)
        watcher.unlock("4444")
        assertEquals(Screen.ChoosePin, watcher.now().screen)
        assertTrue(vault.destroyed)
        assertFalse(File(dir, "master.key").exists())
        assertFalse(File(dir, "pin.properties").exists())
    }

    @Test fun thePanicButtonWipesAndSaysSo() = runBlocking {
        val dir = server.newDir("watcher")
        val vault = JvmVault()
        val watcher = Watcher(WatcherConfig(dir, vault, pinIterations = 1_000), Plans())
        watcher.start()
        watcher.choosePin("1111", null)
        watcher.enroll(scannedQr())
        watcher.openStation(server.stationIds.first())
        watcher.addPhoto(server.actaJpeg)
        watcher.panicWipe()
        assertEquals(Screen.ChoosePin, watcher.now().screen)
        assertEquals(Text("wiped"), watcher.now().message)
        assertTrue(vault.destroyed)
        assertFalse(File(File(dir, "store"), "photos").exists())
    }

    @Test fun aRevokedPhoneIsAskedToEnrollAgain() = runBlocking {
        val plans = Plans()
        val watcher = Watcher(WatcherConfig(server.newDir("watcher"), JvmVault(), pinIterations = 1_000), plans)
        sealOneActa(watcher)
        Testigo.run("device", "revoke", "--data", server.data.path, "--reason", "phone seized",
            watcher.now().settings!!.deviceKeyId)
        val next = watcher.sendNow()
        assertEquals(NextSync.Enroll, next)
        assertEquals(Screen.Enroll, watcher.now().screen)
        assertEquals(Text("sync-unauthorized"), watcher.now().sync.last)
        assertEquals(NextSync.Enroll, plans.asked.last())
        // A wrong code is refused by name; the sealed capture stays.
        watcher.enroll("not-a-code", server.url)
        assertEquals(Text("enroll-code-invalid"), watcher.now().message)
        assertEquals(1, watcher.now().captures.size)
    }

    @Test fun typedCodesNeedAServer() = runBlocking {
        val watcher = Watcher(WatcherConfig(server.newDir("watcher"), JvmVault(), pinIterations = 1_000), Plans())
        watcher.start()
        watcher.choosePin("1111", null)
        watcher.enroll(server.enrollCode().code)
        assertEquals(Text("enroll-needs-server"), watcher.now().message)
        assertEquals(Screen.Enroll, watcher.now().screen)
        watcher.enroll(server.enrollCode().code, server.url)
        assertEquals(Screen.Home, watcher.now().screen)
    }

    /** Records whether any photo bytes went out. */
    private class PhotoWatch : SyncObserver {
        @Volatile var photoSent = false
        override fun onEvent(event: SyncEvent) {
            if (event is SyncEvent.Sending && event.kind is OutboxKind.Photo) photoSent = true
        }
    }

    @Test fun aRunnerCarriesASealedFileToTheCoordinators() = runBlocking {
        // A watcher with no link at all: everything waiting leaves as one sealed file.
        val photos = PhotoWatch()
        val watcher = Watcher(WatcherConfig(gateway.newDir("watcher"), JvmVault(), pinIterations = 1_000), Plans(),
            progress = photos)
        sealOneActa(watcher, gateway.enrollmentQr(gateway.stationIds[0]))
        assertTrue(watcher.now().offline.canShareBundle)
        val bundle = watcher.exportBundle()!!
        assertEquals(Text("bundle-exported", "count" to 1), watcher.now().message)
        assertEquals(1, bundle.actas)
        assertTrue(bundle.file.name.matches(Regex("testigo-[0-9a-f]{12}\\.testigo")))
        assertEquals(File(watcher.config.shareDir, bundle.file.name), bundle.file)
        val row = watcher.now().captures.single()
        assertEquals("exporting sends nothing", ReportingStatus.QUEUED, row.status)
        assertEquals(2, row.waiting)
        // The runner's phone (enrolled for its own table) takes it, and refuses what is not one.
        val plans = Plans()
        val runner = Watcher(WatcherConfig(gateway.newDir("runner"), JvmVault(), pinIterations = 1_000), plans)
        runner.start()
        runner.choosePin("2222", null)
        runner.enroll(gateway.enrollmentQr(gateway.stationIds[1]))
        runner.carryBundle { ByteArrayInputStream("not a bundle".toByteArray()) }
        assertEquals(Text("bundle-refused"), runner.now().message)
        runner.carryBundle { throw java.io.FileNotFoundException("taken away") }
        assertEquals(Text("bundle-unreadable"), runner.now().message)
        assertTrue(runner.now().offline.carried.isEmpty())
        runner.carryBundle { bundle.file.inputStream() }
        assertEquals(Text("bundle-carried"), runner.now().message)
        var carried = runner.now().offline.carried.single()
        assertEquals(Text("carried-waiting"), carried.status)
        assertEquals(bundle.file.length(), carried.size)
        assertTrue(carried.canPassOn)
        assertTrue(plans.asked.last() is NextSync.WhenOnline)
        // Passed on, the file is the same bytes.
        assertArrayEquals(bundle.file.readBytes(), runner.passOn(carried.sha256)!!.readBytes())
        // The runner reaches a link: its sync forwards the file, which then leaves the phone.
        runner.sendNow()
        carried = runner.now().offline.carried.single()
        assertEquals(Text("carried-delivered"), carried.status)
        assertFalse(carried.canPassOn)
        assertWorded(carried.status)
        // The watcher's next sync learns from its feed that everything arrived: no photo goes again.
        watcher.sendNow()
        val delivered = watcher.now().captures.single()
        assertEquals(ReportingStatus.DELIVERED, delivered.status)
        assertEquals(2, delivered.receipts)
        assertTrue(delivered.receiptsVerified)
        assertFalse("the photo came in the file", photos.photoSent)
        assertFalse(watcher.now().offline.canShareBundle)
        assertNull(watcher.exportBundle())
        assertEquals(Text("bundle-nothing-waiting"), watcher.now().message)
        // A wipe leaves no shared file behind.
        watcher.panicWipe()
        assertFalse(watcher.config.shareDir.exists())
    }

    @Test fun theNumbersGoBySmsAndTheReceiptComesBack() = runBlocking {
        val watcher = Watcher(WatcherConfig(gateway.newDir("watcher"), JvmVault(), pinIterations = 1_000), Plans())
        sealOneActa(watcher, gateway.enrollmentQr(gateway.stationIds[2]))
        // The package says where SMS go; the waiting capture can go that way.
        assertEquals(listOf(SmsServer.NUMBER), watcher.now().offline.smsNumbers)
        val row = watcher.now().captures.single()
        assertTrue(row.canSendSms)
        assertFalse(row.numbersDelivered)
        val plan = watcher.smsPlan(row.id)!!
        assertEquals(SmsServer.NUMBER, plan.number)
        assertEquals(row.id, plan.captureId)
        assertTrue(plan.texts.toString(), plan.texts.isNotEmpty() && plan.texts.all { it.length <= 160 })
        // The gateway phone hands each SMS to the server as it arrives, the last first: the
        // server answers the receipt once every part is in. A gateway without the secret is refused.
        assertTrue(runCatching { gateway.postSms("+584141112233", plan.texts.first(), secret = "guess") }.isFailure)
        val replies = plan.texts.reversed().map { gateway.postSms("+584141112233", it) }
        assertTrue(replies.toString(), replies.dropLast(1).all { it == null })
        val receipt = replies.last()!!
        watcher.smsSent(row.id)
        assertEquals(Text("sms-sent"), watcher.now().message)
        assertEquals(ReportingStatus.QUEUED, watcher.now().captures.single().status)
        // Someone's SMS from the gateway, or the receipt from another number, change nothing;
        // a pasted text that is no receipt is said so.
        assertFalse(watcher.smsReceived(SmsServer.NUMBER, "¿Llegaste bien?"))
        assertFalse(watcher.smsReceived("+584149998877", receipt))
        watcher.dismiss()
        assertFalse(watcher.smsReceived(null, "R" + receipt.drop(1).reversed()))
        assertEquals(Text("sms-not-a-receipt"), watcher.now().message)
        assertFalse(watcher.now().captures.single().numbersDelivered)
        // The receipt arrives with the phone locked in a pocket, the sender in national format.
        watcher.lock()
        assertTrue(watcher.smsReceived("0412-1234567", receipt))
        assertEquals(Screen.Locked(), watcher.now().screen)
        assertTrue(watcher.now().captures.isEmpty())
        watcher.unlock("1111")
        val after = watcher.now().captures.single()
        assertTrue(after.numbersDelivered)
        assertFalse(after.canSendSms)
        assertEquals(Text("status-numbers-delivered"), after.statusText)
        assertWorded(after.statusText)
        assertEquals(1, after.receipts)
        assertTrue("the receipt by SMS verifies like one over HTTP", after.receiptsVerified)
        assertEquals("the photo waits for a link", 1, after.waiting)
        assertNull(watcher.smsPlan(row.id))
        assertEquals(Text("sms-not-needed"), watcher.now().message)
        // A link: the photo goes.
        watcher.sendNow()
        assertEquals(ReportingStatus.DELIVERED, watcher.now().captures.single().status)
        assertEquals(2, watcher.now().captures.single().receipts)
    }

    @Test fun aServerWithoutSmsOffersNone() = runBlocking {
        val watcher = Watcher(WatcherConfig(server.newDir("watcher"), JvmVault(), pinIterations = 1_000), Plans())
        sealOneActa(watcher)
        assertEquals(emptyList<String>(), watcher.now().offline.smsNumbers)
        val row = watcher.now().captures.single()
        assertFalse(row.canSendSms)
        assertNull(watcher.smsPlan(row.id))
        assertEquals(Text("sms-no-number"), watcher.now().message)
        // Sealed files need no gateway: the package names the coordinators' key.
        assertTrue(watcher.now().offline.canShareBundle)
    }
}
