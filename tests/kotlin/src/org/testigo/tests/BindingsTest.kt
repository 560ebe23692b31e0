package org.testigo.tests

import java.security.MessageDigest
import java.time.Duration
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.junit.AfterClass
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test
import org.testigo.core.CancelToken
import org.testigo.core.Store
import org.testigo.core.SyncObserver
import org.testigo.core.TestigoException
import org.testigo.core.model.CaptureState
import org.testigo.core.model.OutboxKind
import org.testigo.core.model.OutboxState
import org.testigo.core.model.PackageInstall
import org.testigo.core.model.ReportingStatus
import org.testigo.core.model.SyncEvent
import org.testigo.core.model.SyncOptions
import org.testigo.core.model.SyncOutcome
import org.testigo.core.parseEnrollmentUri
import org.testigo.core.receiptVerifies
import org.testigo.core.protocol.ReceiptSubject
import org.testigo.core.protocol.ReviewStatus
import org.testigo.core.protocol.WarningCode
import org.testigo.core.wipeStoreDir

/** Records every sync event it is given. */
class Recorder : SyncObserver {
    val events: MutableList<SyncEvent> = Collections.synchronizedList(mutableListOf())
    override fun onEvent(event: SyncEvent) {
        events.add(event)
    }
}

/**
 * The generated Kotlin bindings against the real library and a real `testigo serve` on loopback:
 * what an Android app does, on the JVM.
 */
class BindingsTest {
    companion object {
        private lateinit var server: Server

        @BeforeClass @JvmStatic fun startServer() {
            server = Server()
        }

        @AfterClass @JvmStatic fun stopServer() {
            server.close()
        }
    }

    /** A phone: an empty store directory and its key. */
    private fun phoneDir() = server.newDir("phone")

    /** Asserts that `block` fails with exactly the exception class `T`, and returns it. */
    private inline fun <reified T : Throwable> assertFails(block: () -> Unit): T {
        try {
            block()
        } catch (e: Throwable) {
            if (e is T) return e
            throw AssertionError("expected ${T::class.simpleName}, got $e", e)
        }
        throw AssertionError("expected ${T::class.simpleName}, nothing was thrown")
    }

    /** A draft of the first station's acta with the synthetic photo attached and the QR numbers typed. */
    private fun typedDraft(store: Store): String {
        val id = store.newCapture(server.stationIds.first(), server.contestId)
        val photo = store.attachPhoto(id, server.actaJpeg)
        assertEquals(1u, photo.page)
        val qr = store.qrCounts(id) ?: throw AssertionError("the pipeline should read the acta's QR code")
        store.setCounts(id, qr.counts + qr.extraCounts)
        return id
    }

    @Test fun enrollCaptureSealSyncReceiptReviewAndWipe() {
        val dir = phoneDir()
        val key = randomKey()
        val store = Store.open(dir.path, key)
        val device = store.device()
        assertTrue(device.softwareKey)
        assertEquals(65, device.publicKey.size)
        assertEquals(32, device.keyId.length)

        // Enroll with the code as scanned from its QR code.
        val code = server.enrollCode()
        val scanned = parseEnrollmentUri(code.uri) ?: throw AssertionError("the enrollment QR should parse")
        assertEquals(code.code, scanned.code)
        val enrollment = store.enroll(server.url, scanned.code)
        assertEquals(listOf(server.stationIds.first()), enrollment.stationIds)
        // Kotlin compares arrays by reference: the key by content, the rest as a whole.
        val reread = store.enrollment()!!
        assertArrayEquals(enrollment.serverKey, reread.serverKey)
        assertEquals(enrollment.copy(serverKey = reread.serverKey), reread)
        val stations = store.stations()
        assertEquals(listOf(server.stationIds.first()), stations.map { it.stationId })
        assertEquals(ReportingStatus.NOT_STARTED, stations.single().status)
        assertTrue((store.electionPackage()?.contests ?: emptyList()).any { it.id == server.contestId })

        // Capture: photo from bytes, QR prefill, counts, notes.
        val id = store.newCapture(server.stationIds.first(), server.contestId)
        val photo = store.attachPhoto(id, server.actaJpeg)
        assertEquals(hex(MessageDigest.getInstance("SHA-256").digest(server.actaJpeg)), photo.originalSha256)
        assertTrue("stored photo is downsized", maxOf(photo.width, photo.height) <= 2000u)
        val stored = store.readPhoto(photo.sha256)
        assertEquals(photo.sha256, hex(MessageDigest.getInstance("SHA-256").digest(stored)))
        assertEquals(photo.size, stored.size.toULong())
        val thumbnail = store.thumbnail(photo.sha256) ?: throw AssertionError("a thumbnail is kept")
        assertArrayEquals(byteArrayOf(0xFF.toByte(), 0xD8.toByte()), thumbnail.copyOfRange(0, 2))
        val qr = store.qrCounts(id) ?: throw AssertionError("the pipeline should read the acta's QR code")
        assertEquals(server.actaQrPayload, store.capture(id).qrPayload)
        assertTrue(server.actaQrPayload.startsWith(qr.actaId))
        store.setCounts(id, qr.counts + qr.extraCounts)
        store.setNotes(id, "acta legible, firmada por los miembros de mesa")
        val draft = store.capture(id)
        assertEquals(CaptureState.DRAFT, draft.state)
        assertEquals(ReportingStatus.DRAFT, store.stations().single().status)
        assertFalse(draft.warnings.any { it.code == WarningCode.QR_MISMATCH || it.code == WarningCode.PHOTO_MISSING })

        // Seal: signed and queued, record first.
        val signed = store.seal(id)
        assertEquals(id, signed.record.id)
        assertEquals(qr.counts, signed.record.counts)
        assertEquals(listOf(photo), signed.record.photos)
        assertEquals(device.keyId, signed.record.deviceKeyId)
        val queued = store.outbox()
        assertEquals(listOf(OutboxKind.Record, OutboxKind.Photo(photo.sha256)), queued.map { it.kind })
        assertTrue(queued.all { it.state == OutboxState.PENDING && it.captureId == id })
        assertEquals(2u, store.pendingCount())

        // Sync, watched.
        val recorder = Recorder()
        val handle = store.observeSync(recorder)
        val report = store.sync()
        handle.close()
        assertEquals(SyncOutcome.Idle, report.outcome)
        assertEquals(1u, report.recordsDelivered)
        assertEquals(1u, report.photosDelivered)
        assertEquals(0u, report.pending)
        assertEquals(SyncEvent.Started, recorder.events.first())
        assertEquals(SyncEvent.Finished(report), recorder.events.last())
        assertEquals(2, recorder.events.count { it is SyncEvent.ItemDelivered })
        assertTrue(recorder.events.any { it is SyncEvent.Sending && it.kind is OutboxKind.Photo })

        // Receipts: verified by the core; what the app shows of them is consistent.
        val receipts = store.receipts(id)
        val all = store.receipts()
        assertEquals(receipts.map { it.receipt.receipt }, all.map { it.receipt.receipt })
        assertTrue(receipts.zip(all).all { (a, b) -> a.receipt.signature.contentEquals(b.receipt.signature) })
        assertEquals(2, receipts.size)
        val before = System.currentTimeMillis()
        for (stored in receipts) {
            val receipt = stored.receipt.receipt
            assertEquals(id, stored.captureId)
            assertEquals(enrollment.serverKeyId, receipt.serverKeyId)
            // The enrollment carries the key itself: the receipt is proof anyone can check.
            val keyId = MessageDigest.getInstance("SHA-256").digest(enrollment.serverKey).take(16)
                .joinToString("") { "%02x".format(it) }
            assertEquals(enrollment.serverKeyId, keyId)
            assertTrue(receiptVerifies(stored.receipt, enrollment.serverKey))
            assertFalse(receiptVerifies(stored.receipt, device.publicKey))
            assertEquals(device.keyId, receipt.deviceKeyId)
            assertTrue(receipt.receivedAtMs in (before - 600_000)..before)
            assertTrue("a DER signature", stored.receipt.signature.size in 64..80)
        }
        val subjects = receipts.map { it.receipt.receipt.subject }
        val record = subjects.filterIsInstance<ReceiptSubject.Record>().single()
        assertEquals(id, record.captureId)
        assertEquals(64, record.recordSha256.length)
        val photoReceipt = subjects.filterIsInstance<ReceiptSubject.Photo>().single()
        assertEquals(photo.sha256, photoReceipt.sha256)
        assertEquals(photo.size, photoReceipt.size)
        assertTrue(store.outbox().all { it.state == OutboxState.DONE })
        assertEquals(ReportingStatus.DELIVERED, store.stations().single().status)

        // The coordinators review it; the verdict comes back with the next sync.
        assertNull(store.review(id))
        server.review(id, "verified", "coincide con la foto")
        val again = store.sync(SyncOptions(ignoreBackoff = true, maxDuration = Duration.ofMinutes(1)))
        assertEquals(SyncOutcome.Idle, again.outcome)
        assertEquals(1u, again.reviews)
        val review = store.review(id) ?: throw AssertionError("the review should have arrived")
        assertEquals(ReviewStatus.VERIFIED, review.status)
        assertEquals("coincide con la foto", review.comment)

        // Panic wipe: nothing left, the object is closed, the key opens a new empty store.
        store.wipe()
        assertFails<TestigoException.StoreClosed> { store.captures() }
        assertFails<TestigoException.StoreClosed> { store.wipe() }
        assertEquals(emptyList<String>(), dir.list()?.toList())
        store.close()
        Store.open(dir.path, key).use { fresh ->
            assertTrue(fresh.captures().isEmpty())
            assertNull(fresh.enrollment())
            assertTrue(fresh.device().keyId != device.keyId)
        }
    }

    @Test fun aKotlinSignerHoldsTheDeviceKey() {
        val dir = phoneDir()
        val key = randomKey()
        val signer = JavaSecuritySigner()
        Store.open(dir.path, key, signer).use { store ->
            val device = store.device()
            assertFalse(device.softwareKey)
            assertArrayEquals(signer.publicKey(), device.publicKey)
            store.enroll(server.url, server.enrollCode().code)
            val id = typedDraft(store)
            val signed = store.seal(id)
            // The record's signature is the one the Kotlin key made, over the bytes Rust gave it.
            val (message, signature) = signer.signatures.last()
            assertArrayEquals(signature, signed.signature)
            assertTrue(signer.verify(message, signed.signature))
            // The server checks it against the key it enrolled, and signs a receipt.
            val report = store.sync()
            assertEquals(SyncOutcome.Idle, report.outcome)
            assertEquals(1u, report.recordsDelivered)
            assertEquals(2, store.receipts(id).size)
        }
        // The same key again opens the store; another key, or none, does not.
        Store.open(dir.path, key, signer).use { assertArrayEquals(signer.publicKey(), it.device().publicKey) }
        assertFails<TestigoException.DeviceKeyMismatch> { Store.open(dir.path, key, JavaSecuritySigner()) }
        assertFails<TestigoException.DeviceKeyMismatch> { Store.open(dir.path, key) }
    }

    @Test fun aFailingSignerFailsTheSealAndKeepsTheDraft() {
        val signer = JavaSecuritySigner()
        Store.open(phoneDir().path, randomKey(), signer).use { store ->
            store.installPackageJson(server.packageJson)
            val id = typedDraft(store)
            signer.locked = true
            val locked = assertFails<TestigoException.SignerFailed> { store.seal(id) }
            assertTrue(locked.message ?: "", (locked.message ?: "").contains("locked"))
            signer.locked = false
            signer.broken = true
            assertFails<TestigoException.SignerFailed> { store.seal(id) }
            assertEquals(CaptureState.DRAFT, store.capture(id).state)
            assertTrue(store.outbox().isEmpty())
            signer.broken = false
            store.seal(id)
            assertEquals(CaptureState.SEALED, store.capture(id).state)
        }
    }

    @Test fun observersStopWhenTheirHandleGoes() {
        Store.open(phoneDir().path, randomKey()).use { store ->
            store.enroll(server.url, server.enrollCode().code)
            store.seal(typedDraft(store))
            val kept = Recorder()
            val dropped = Recorder()
            val keptHandle = store.observeSync(kept)
            val droppedHandle = store.observeSync(dropped)
            droppedHandle.unregister()
            droppedHandle.unregister()
            val report = store.sync()
            assertEquals(SyncOutcome.Idle, report.outcome)
            assertTrue(kept.events.size >= 4)
            assertTrue(dropped.events.isEmpty())
            // Destroying the handle (close) unregisters too.
            keptHandle.close()
            val seen = kept.events.size
            store.sync(SyncOptions(ignoreBackoff = true, maxDuration = Duration.ofMinutes(1)))
            assertEquals(seen, kept.events.size)
            // An observer that throws never stops the sync it watches.
            val thrower = object : SyncObserver {
                override fun onEvent(event: SyncEvent) = throw IllegalStateException("an observer bug")
            }
            store.observeSync(thrower).use {
                store.seal(typedDraft(store))
                assertEquals(SyncOutcome.Idle, store.sync().outcome)
            }
            assertEquals(0u, store.pendingCount())
        }
    }

    @Test fun aCancelledSyncStopsAndTheNextOneFinishes() {
        Store.open(phoneDir().path, randomKey()).use { store ->
            store.enroll(server.url, server.enrollCode().code)
            val id = typedDraft(store)
            store.seal(id)
            // Cancel from another thread as soon as the photo starts going.
            val token = CancelToken()
            val photoStarted = CountDownLatch(1)
            val canceller = Executors.newSingleThreadExecutor()
            canceller.submit {
                photoStarted.await(60, TimeUnit.SECONDS)
                token.cancel()
            }
            val watcher = object : SyncObserver {
                override fun onEvent(event: SyncEvent) {
                    if (event is SyncEvent.Sending && event.kind is OutboxKind.Photo) {
                        photoStarted.countDown()
                        // Hold the sync thread until the other thread has cancelled.
                        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
                        while (!token.isCancelled() && System.nanoTime() < deadline) Thread.sleep(1)
                    }
                }
            }
            val report = store.observeSync(watcher).use { store.sync(null, token) }
            canceller.shutdown()
            assertTrue(token.isCancelled())
            assertEquals(SyncOutcome.Cancelled, report.outcome)
            assertEquals(1u, report.recordsDelivered)
            assertEquals(0u, report.photosDelivered)
            assertEquals(1u, store.pendingCount())
            // A cancelled token stops a run before it starts; a new one lets it finish.
            assertEquals(SyncOutcome.Cancelled, store.sync(null, token).outcome)
            val done = store.sync(SyncOptions(ignoreBackoff = true, maxDuration = Duration.ofMinutes(1)), CancelToken())
            assertEquals(SyncOutcome.Idle, done.outcome)
            assertEquals(1u, done.photosDelivered)
            assertEquals(2, store.receipts(id).size)
            // Enrollment takes a token too.
            val cancelled = CancelToken().also { it.cancel() }
            assertFails<TestigoException.Cancelled> { store.enroll(server.url, server.enrollCode().code, cancelled) }
        }
    }

    @Test fun wrongKeyAndBadBytesAreTypedErrors() {
        val dir = phoneDir()
        val key = randomKey()
        Store.open(dir.path, key).use { store ->
            assertFails<TestigoException.StoreInUse> { Store.open(dir.path, key) }
            assertFails<TestigoException.NoPackage> { store.stations() }
            assertEquals(PackageInstall.Installed, store.installPackageJson(server.packageJson))
            assertEquals(PackageInstall.Unchanged, store.installPackageJson(server.packageJson))
            assertFails<TestigoException.PackageRefused> { store.installPackageJson("{\"format\":".toByteArray()) }
            val id = store.newCapture(server.stationIds.first(), server.contestId)

            // Photo bytes are input: garbage, a truncated JPEG and nothing are refused; nothing changes.
            val garbage = ByteArray(4096).also { java.util.Random(7).nextBytes(it) }
            for (bad in listOf(garbage, server.actaJpeg.copyOfRange(0, 20_000), ByteArray(0))) {
                assertFails<TestigoException.InvalidInput> { store.attachPhoto(id, bad) }
            }
            assertTrue(store.capture(id).photos.isEmpty())
            assertTrue(store.capture(id).warnings.any { it.code == WarningCode.PHOTO_MISSING })

            assertFails<TestigoException.InvalidInput> { store.setCount(id, "no-such-field", 1u) }
            assertFails<TestigoException.InvalidInput> { store.setCount(id, "nulos", 2_000_000u) }
            assertFails<TestigoException.InvalidInput> { store.setNotes(id, "x".repeat(5000)) }
            assertFails<TestigoException.InvalidInput> { store.setQrPayload(id, "not an acta") }
            assertFails<TestigoException.InvalidInput> { store.capture("not-a-uuid") }
            assertFails<TestigoException.InvalidInput> { store.readPhoto("ABC") }
            assertFails<TestigoException.NotFound> { store.capture("01920000-0000-7000-8000-000000000000") }
            assertFails<TestigoException.NotFound> { store.removePhoto(id, 3u) }
            assertFails<TestigoException.NotAssigned> { store.newCapture("no-such-station", server.contestId) }
            assertFails<TestigoException.NotAssigned> { store.newCapture(server.stationIds.first(), "no-such-contest") }
            assertFails<TestigoException.CannotSupersede> { store.supersede(id) }
            assertFails<TestigoException.InvalidServer> { store.enroll("ftp://example.invalid", "AAAA-BBBB-CCCC") }
            assertFails<TestigoException.EnrollmentRefused> { store.enroll(server.url, "AAAA-BBBB-CCCC") }
            assertFails<TestigoException.Network> { store.enroll("http://127.0.0.1:9", "AAAA-BBBB-CCCC") }

            store.setQrPayload(id, server.actaQrPayload)
            store.seal(id)
            assertFails<TestigoException.NotDraft> { store.setCount(id, "nulos", 1u) }
            assertFails<TestigoException.NotDraft> { store.attachPhoto(id, server.actaJpeg) }
            assertFails<TestigoException.NotDraft> { store.discard(id) }
            store.integrityCheck()
        }
        assertFails<TestigoException.WrongKey> { Store.open(dir.path, randomKey()) }
        assertFails<TestigoException.InvalidInput> { Store.open(dir.path, ByteArray(31)) }
        // A key of zeros (an unset buffer) is not a key.
        assertFails<TestigoException.InvalidInput> { Store.open(dir.path, ByteArray(32)) }
        // The right key still opens it: nothing was touched.
        Store.open(dir.path, key).use { assertEquals(1, it.captures().size) }
        // A lost key: the directory can still be wiped.
        wipeStoreDir(dir.path)
        assertEquals(emptyList<String>(), dir.list()?.toList())
    }

    @Test fun draftsChangeUntilSealedAndCorrectionsSupersede() {
        Store.open(phoneDir().path, randomKey()).use { store ->
            store.installPackageJson(server.packageJson)
            val id = typedDraft(store)
            val second = store.attachPhoto(id, server.actaJpeg)
            assertEquals(1u, second.page) // the same photo again is the same page
            store.setCount(id, "nulos", null)
            assertTrue(store.capture(id).warnings.any { it.code == WarningCode.COUNT_MISSING && it.field == "nulos" })
            store.setCount(id, "nulos", 999u)
            assertTrue(store.capture(id).warnings.any { it.code == WarningCode.QR_MISMATCH && it.field == "nulos" })
            val qr = store.qrCounts(id) ?: throw AssertionError("QR numbers")
            store.setCount(id, "nulos", qr.extraCounts["nulos"])
            store.removePhoto(id, 1u)
            assertTrue(store.capture(id).photos.isEmpty())
            store.attachPhoto(id, server.actaJpeg)
            val sealed = store.seal(id)

            val fix = store.supersede(id)
            val draft = store.capture(fix)
            assertEquals(id, draft.supersedes)
            assertEquals(sealed.record.counts, draft.counts)
            assertEquals(sealed.record.photos, draft.photos)
            store.setCount(fix, sealed.record.counts.keys.first(), 1u)
            store.seal(fix)
            assertEquals(fix, store.capture(id).supersededBy)
            assertFails<TestigoException.CannotSupersede> { store.supersede(id) }
            assertEquals(setOf(id, fix), store.captures().map { it.id }.toSet())

            val scrap = store.newCapture(server.stationIds.first(), server.contestId)
            store.discard(scrap)
            assertFails<TestigoException.NotFound> { store.capture(scrap) }
            assertEquals(0uL, store.retryParked(id))
        }
    }

    @Test fun callsFromManyThreadsAtOnce() {
        Store.open(phoneDir().path, randomKey()).use { store ->
            store.enroll(server.url, server.enrollCode().code)
            val pool = Executors.newFixedThreadPool(6)
            val ids = (1..6).map {
                pool.submit<String> {
                    val id = store.newCapture(server.stationIds.first(), server.contestId)
                    store.setCount(id, "nulos", it.toUInt())
                    store.setNotes(id, "hilo $it")
                    store.seal(id)
                    store.sync(SyncOptions(ignoreBackoff = true, maxDuration = Duration.ofMinutes(1)))
                    id
                }
            }.map { it.get(120, TimeUnit.SECONDS) }
            pool.shutdown()
            assertEquals(6, ids.toSet().size)
            // Concurrent runs answer Busy rather than run twice; one more run sends what is left.
            store.sync(SyncOptions(ignoreBackoff = true, maxDuration = Duration.ofMinutes(1)))
            assertEquals(0u, store.pendingCount())
            for (id in ids) {
                assertEquals(1, store.receipts(id).size)
            }
        }
    }

    @Test fun enrollmentQrCodesParseOrAreRefused() {
        val full = parseEnrollmentUri("testigo:enroll?code=ABCD-EFGH-JKMN&server=https%3A%2F%2Fcoord.example%2Ftestigo")
        assertNotNull(full)
        assertEquals("ABCD-EFGH-JKMN", full?.code)
        assertEquals("https://coord.example/testigo", full?.serverUrl)
        assertNull(parseEnrollmentUri("testigo:enroll?code=ABCD-EFGH-JKMN")?.serverUrl)
        val pin = "sha256/b+7MjBbFVR2f6z61934tp3O/aL2e+cUpJ86yyG5WiSs="
        val pinned = parseEnrollmentUri("testigo:enroll?code=C&server=https%3A%2F%2F10.0.0.5&pin=sha256%2Fb%2B7MjBbFVR2f6z61934tp3O%2FaL2e%2BcUpJ86yyG5WiSs%3D")
        assertEquals(listOf(pin), pinned?.tlsPins)
        // A pin that does not parse refuses the whole code: enrolling without it would trust any authority.
        assertNull(parseEnrollmentUri("testigo:enroll?code=C&pin=sha256%2Fshort"))
        Store.open(phoneDir().path, randomKey()).use { store ->
            assertFails<TestigoException.InvalidServer> { store.enrollPinned("https://10.0.0.5", "C", listOf("sha256/short")) }
            assertFails<TestigoException.InvalidServer> { store.enrollPinned("http://127.0.0.1:9", "C", listOf(pin)) }
            assertNull(store.enrollment())
        }
        for (bad in listOf("", "https://example.org", "testigo:enroll?", "testigo:enroll?code=%ZZ", "testigo:enroll?code=")) {
            assertNull(bad, parseEnrollmentUri(bad))
        }
    }

    @Test fun aSyncWithoutEnrollmentSaysSo() {
        Store.open(phoneDir().path, randomKey()).use { store ->
            assertEquals(SyncOutcome.NotEnrolled, store.sync().outcome)
        }
    }
}
