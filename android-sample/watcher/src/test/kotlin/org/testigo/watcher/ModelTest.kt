package org.testigo.watcher

import java.io.File
import java.nio.file.Files
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.testigo.core.TestigoException
import org.testigo.core.model.CarriedBundle
import org.testigo.core.model.ReportingStatus
import org.testigo.core.model.SyncOutcome
import org.testigo.core.model.SyncReport
import org.testigo.core.protocol.ReviewStatus
import org.testigo.core.protocol.Warning
import org.testigo.core.protocol.WarningCode

/** The model's pure parts: the catalog, the messages, the scheduler's rules, the PIN lock. */
class ModelTest {
    private fun report(outcome: SyncOutcome, pending: UInt = 0u, parked: UInt = 0u, linkError: String? = null) =
        SyncReport(outcome, 0u, 0u, parked, 0u, false, null, 0uL, 0uL, pending, linkError)

    @Test fun everyLanguageHasEveryKeyAndEveryMessageIsWorded() {
        val all = Strings.LANGUAGES.map { Strings.of(it) }
        val keys = all.first().keys
        for (s in all) assertEquals("${s.language} has other keys", keys, s.keys)
        val texts = mutableListOf<Text>()
        ReportingStatus.entries.forEach { texts += Messages.status(it); texts += Messages.captureStatus(it, true) }
        listOf(CarriedBundle("ab", 1uL, 0L, null, null), CarriedBundle("ab", 1uL, 0L, 5L, null), CarriedBundle("ab", 1uL, 0L, 5L, "changed"))
            .forEach { texts += Messages.carried(it) }
        texts += Messages.carryFailed(TestigoException.InvalidInput("not a bundle"))
        ReviewStatus.entries.forEach { texts += Messages.review(it) }
        WarningCode.entries.forEach { texts += Messages.warning(Warning(it, "f")) { "label" } }
        listOf(SyncOutcome.Idle, SyncOutcome.Pending(1), SyncOutcome.Cancelled, SyncOutcome.OutOfTime,
            SyncOutcome.NotEnrolled, SyncOutcome.Unauthorized, SyncOutcome.Busy)
            .forEach { texts += Messages.sync(report(it)); texts += Messages.sync(report(it, 2u, 1u, "down")) }
        listOf(
            TestigoException.WrongKey(""), TestigoException.StoreDamaged(""), TestigoException.StoreInUse(""),
            TestigoException.StoreClosed(""), TestigoException.Storage(""), TestigoException.InvalidInput(""),
            TestigoException.PackageRefused(""), TestigoException.NoPackage(""), TestigoException.NotAssigned(""),
            TestigoException.NotFound(""), TestigoException.NotDraft(""), TestigoException.CannotSupersede(""),
            TestigoException.DeviceKeyMismatch(""), TestigoException.SignerFailed(""), TestigoException.Network(""),
            TestigoException.Cancelled(""), TestigoException.EnrollmentRefused("refused: code_used"),
            TestigoException.EnrollmentRefused("?"), TestigoException.InvalidServer(""), TestigoException.Internal(""),
        ).forEach { texts += Messages.error(it) }
        listOf("the photo file on this phone is missing or damaged", "conflict: x", "station_not_assigned: y",
            "bad_signature: z", "the server refused the photo (not_a_jpeg)").forEach { texts += Messages.parked(it) }
        for (s in all) {
            assertEquals(s.language, emptyList<String>(), s.missing(texts.map { it.key }.distinct()))
        }
        assertEquals(Text("enroll-code-used"), Messages.error(TestigoException.EnrollmentRefused("refused: code_used")))
        assertEquals(Text("status-numbers-delivered"), Messages.captureStatus(ReportingStatus.QUEUED, true))
        assertEquals(Text("status-delivered"), Messages.captureStatus(ReportingStatus.DELIVERED, true))
        assertEquals(Text("status-waiting"), Messages.captureStatus(ReportingStatus.QUEUED, false))
        assertEquals(Text("carried-refused"), Messages.carried(CarriedBundle("ab", 1uL, 0L, 5L, "changed")))
        assertEquals(Text("error-storage"), Messages.carryFailed(TestigoException.Storage("full")))
        assertEquals(Text("parked-refused", "code" to "bad_signature"), Messages.parked("bad_signature: z"))
        // Arguments are put in, numbers per language.
        assertEquals("Pendientes: 1.234", Strings.of("es")[Text("pending", "count" to 1234)])
        assertEquals("Waiting: 1,234", Strings.of("en")[Text("pending", "count" to 1234)])
        assertEquals("pt", Strings.forLocales(listOf(java.util.Locale.GERMAN, java.util.Locale.forLanguageTag("pt-BR"))).language)
        assertEquals("es", Strings.forLocales(listOf(java.util.Locale.GERMAN)).language)
    }

    @Test fun theSchedulerFollowsTheRunsOutcome() {
        val now = 1_000_000L
        assertEquals(NextSync.None, SyncPolicy.after(report(SyncOutcome.Idle), now, awaitingReview = false))
        assertEquals(NextSync.WhenOnline(now + SyncPolicy.REVIEW_POLL_MS), SyncPolicy.after(report(SyncOutcome.Idle), now, true))
        // Never sooner than the floor, never sooner than the core asked.
        assertEquals(NextSync.WhenOnline(now + SyncPolicy.MIN_DELAY_MS), SyncPolicy.after(report(SyncOutcome.Pending(now)), now, false))
        assertEquals(NextSync.WhenOnline(now + 600_000), SyncPolicy.after(report(SyncOutcome.Pending(now + 600_000)), now, false))
        assertEquals(NextSync.WhenOnline(now + SyncPolicy.AFTER_STOP_MS), SyncPolicy.after(report(SyncOutcome.Cancelled), now, false))
        assertEquals(NextSync.WhenOnline(now + SyncPolicy.MIN_DELAY_MS), SyncPolicy.after(report(SyncOutcome.OutOfTime), now, false))
        assertEquals(NextSync.None, SyncPolicy.after(report(SyncOutcome.Busy), now, true))
        assertEquals(NextSync.Enroll, SyncPolicy.after(report(SyncOutcome.Unauthorized), now, true))
        assertEquals(NextSync.Enroll, SyncPolicy.after(report(SyncOutcome.NotEnrolled), now, false))
        assertEquals(NextSync.WhenOnline(now), SyncPolicy.now(now))
    }

    @Test fun smsFromTheGatewayAreToldApartFromOthers() {
        val numbers = listOf("+584121234567", "+58 424-123 4567")
        for (from in listOf("+584121234567", "04121234567", "0412-1234567", "584241234567", "+58 (424) 1234567")) {
            assertTrue(from, Gateway.matches(from, numbers))
        }
        for (from in listOf("+584121234568", "234567", "", "Movistar", "+14121234567", "4567")) {
            assertFalse(from, Gateway.matches(from, numbers))
        }
        // Short codes match only whole.
        assertTrue(Gateway.matches("2020", listOf("2020")))
        assertFalse(Gateway.matches("12020", listOf("2020")))
        assertFalse(Gateway.matches("+584121234567", emptyList()))
    }

    @Test fun sealedFilesAreNamedByTheirBytesAndReadWithinBounds() {
        val bytes = "sealed".toByteArray()
        // The first 12 hex digits of the bytes' SHA-256.
        assertEquals("testigo-c9d0036bed67.testigo", Bundles.fileName(bytes))
        assertTrue(Bundles.fileName(bytes) != Bundles.fileName("other".toByteArray()))
        val big = ByteArray(200_000) { it.toByte() }
        assertArrayEquals(big, Bundles.read(big.inputStream(), max = 200_000))
        assertNull(Bundles.read(big.inputStream(), max = 199_999))
        val dir = Files.createTempDirectory("share").toFile()
        val file = Bundles.write(File(dir, "bundles"), big)
        assertArrayEquals(big, file.readBytes())
        assertEquals(listOf(file.name), file.parentFile.list()!!.toList())
    }

    @Test fun thePinLockCountsWipesAndKeepsNoPin() {
        val file = File(Files.createTempDirectory("pin").toFile(), "pin.properties")
        val lock = PinLock(file, maxTries = 4, iterations = 1_000)
        assertFalse(lock.isSet)
        for (bad in listOf("123", "1234567890123", "12a4")) {
            assertTrue(runCatching { lock.set(bad, null) }.isFailure)
        }
        assertTrue(runCatching { lock.set("1234", "1234") }.isFailure)
        lock.set("1234", "9876")
        assertFalse("no PIN in the file", file.readText().contains("1234") || file.readText().contains("9876"))
        assertEquals(Unlock.Wrong(3), lock.check("0000"))
        assertEquals(Unlock.Wrong(2), lock.check("1111"))
        assertEquals(Unlock.Open, lock.check("1234"))
        // A success resets the count.
        assertEquals(Unlock.Wrong(3), lock.check("0000"))
        assertEquals(Unlock.Wrong(2), lock.check("0000"))
        assertEquals(Unlock.Wrong(1), lock.check("0000"))
        assertEquals(Unlock.Wipe, lock.check("0000"))
        lock.set("1234", "9876")
        assertEquals(Unlock.Wipe, lock.check("9876"))
        // Without a duress PIN the file has the same fields.
        lock.set("5555", null)
        assertEquals(setOf("salt", "pin", "duress", "failures"),
            java.util.Properties().apply { file.inputStream().use { load(it) } }.stringPropertyNames())
        assertEquals(Unlock.Open, lock.check("5555"))
        lock.clear()
        assertFalse(lock.isSet)
    }
}
