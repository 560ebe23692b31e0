package org.testigo.tests

import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import java.util.concurrent.TimeUnit
import org.testigo.core.Store

/** The `testigo` command, as an operator runs it (path from `TESTIGO_BIN`). */
object Testigo {
    val bin: String = System.getenv("TESTIGO_BIN")
        ?: throw IllegalStateException("TESTIGO_BIN must name the testigo binary (bindings/test-kotlin.sh sets it)")

    /** Runs `testigo args…` to completion and returns its standard output; fails on a non-zero exit. */
    fun run(vararg args: String): String {
        val err = File.createTempFile("testigo-cli", ".err")
        try {
            val process = ProcessBuilder(listOf(bin) + args).redirectError(err).start()
            val out = process.inputStream.bufferedReader().readText()
            check(process.waitFor(120, TimeUnit.SECONDS)) { "testigo ${args.joinToString(" ")} did not finish" }
            check(process.exitValue() == 0) {
                "testigo ${args.joinToString(" ")} exited with ${process.exitValue()}: ${err.readText()}"
            }
            return out
        } finally {
            err.delete()
        }
    }
}

/** A one-time enrollment code as `testigo enroll --json` prints it. */
data class EnrollCode(val code: String, val uri: String)

/**
 * A real coordinators' server on loopback (`testigo serve`) with a synthetic election of three
 * stations, and one synthetic 12-megapixel photo of an acta (`testigo sim actas`) with its truth.
 */
class Server : AutoCloseable {
    val root: File = Files.createTempDirectory("testigo-kotlin").toFile()
    val data = File(root, "server")
    val url: String
    val stationIds: List<String>
    val contestId: String
    val packageJson: ByteArray
    val actaJpeg: ByteArray
    /** The text of the QR code printed on the acta photo. */
    val actaQrPayload: String
    private val process: Process

    init {
        val pkg = File(root, "election.json")
        Testigo.run("election", "sample", "--stations", "3", "--out", pkg.path)
        Testigo.run("election", "import", "--data", data.path, pkg.path)
        packageJson = pkg.readBytes()
        // The package's station and contest ids, read the way an app would: through the bindings.
        val scratch = newDir("scratch")
        Store.open(scratch.path, randomKey()).use { store ->
            store.installPackageJson(packageJson)
            val election = store.electionPackage() ?: throw IllegalStateException("package not installed")
            stationIds = election.stations.map { it.id }
            contestId = election.contests.first().id
            store.wipe()
        }

        val actas = File(root, "actas")
        Testigo.run("sim", "actas", "--count", "1", "--out", actas.path)
        actaJpeg = File(actas, "acta-0001.jpg").readBytes()
        val truth = File(actas, "acta-0001.json").readText()
        actaQrPayload = Regex("\"qr_payload\":\\s*\"([^\"]+)\"").find(truth)?.groupValues?.get(1)
            ?: throw IllegalStateException("no qr_payload in the acta's truth")

        val out = File(root, "serve.out")
        process = ProcessBuilder(Testigo.bin, "serve", "--data", data.path, "--listen", "127.0.0.1:0")
            .redirectOutput(out)
            .redirectError(File(root, "serve.err"))
            .start()
        // Should the JVM stop before `close`, the server goes with it.
        Runtime.getRuntime().addShutdownHook(Thread { process.destroyForcibly() })
        url = waitForListening(out)
    }

    private fun waitForListening(out: File): String {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
        while (System.nanoTime() < deadline) {
            check(process.isAlive) { "testigo serve exited: ${File(root, "serve.err").readText()}" }
            val first = out.readLines().firstOrNull()
            if (first != null && first.startsWith("listening on ")) {
                return first.removePrefix("listening on ").trim()
            }
            Thread.sleep(50)
        }
        throw IllegalStateException("testigo serve did not say where it listens")
    }

    /** A one-time code for a new device reporting `station`. */
    fun enrollCode(station: String = stationIds.first()): EnrollCode {
        val json = Testigo.run("enroll", "--data", data.path, "--station", station, "--json")
        val code = Regex("\"code\":\"([^\"]+)\"").find(json)?.groupValues?.get(1)
        val uri = Regex("\"uri\":\"([^\"]+)\"").find(json)?.groupValues?.get(1)
        return EnrollCode(
            code ?: throw IllegalStateException("no code in: $json"),
            uri ?: throw IllegalStateException("no uri in: $json"),
        )
    }

    /** The coordinators review a capture (`testigo review`, on the running server's data). */
    fun review(captureId: String, status: String, comment: String) {
        Testigo.run("review", "--data", data.path, "--capture", captureId, "--status", status, "--comment", comment)
    }

    /** A new empty directory for one phone's store. */
    fun newDir(name: String): File = Files.createTempDirectory(root.toPath(), name).toFile()

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor()
        }
        root.deleteRecursively()
    }
}

/** A random 32-byte master key, as an app keeps in the platform key store. */
fun randomKey(): ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }

/** Lowercase hex of `bytes`. */
fun hex(bytes: ByteArray): String = bytes.joinToString("") { "%02x".format(it) }
