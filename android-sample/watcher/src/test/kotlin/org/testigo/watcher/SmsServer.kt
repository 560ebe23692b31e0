package org.testigo.watcher

import java.io.File
import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import org.testigo.core.Store
import org.testigo.tests.Testigo
import org.testigo.tests.randomKey

/**
 * A real coordinators' server that also takes SMS: `testigo serve --sms-secret --sms-number` on
 * loopback, over the same sample election as the bindings' `Server`. [postSms] is the SMS
 * gateway phone (an SMSSync-style app) handing over one SMS it received, as `POST /v1/sms` with
 * the form fields `from`, `message` and `secret`; it answers the SMS the gateway sends back.
 */
class SmsServer : AutoCloseable {
    companion object {
        /** The gateway's number, as the operator gives it (`--sms-number`). */
        const val NUMBER = "+584121234567"
        const val SECRET = "gateway-secret-for-tests"
    }

    val root: File = Files.createTempDirectory("testigo-sms").toFile()
    val data = File(root, "server")
    val url: String
    val stationIds: List<String>
    private val process: Process
    private val http = HttpClient.newHttpClient()

    init {
        val pkg = File(root, "election.json")
        Testigo.run("election", "sample", "--stations", "3", "--out", pkg.path)
        Testigo.run("election", "import", "--data", data.path, pkg.path)
        stationIds = Store.open(newDir("scratch").path, randomKey()).use { store ->
            store.installPackageJson(pkg.readBytes())
            val ids = store.electionPackage()!!.stations.map { it.id }
            store.wipe()
            ids
        }
        val out = File(root, "serve.out")
        val err = File(root, "serve.err")
        process = ProcessBuilder(
            Testigo.bin, "serve", "--data", data.path, "--listen", "127.0.0.1:0",
            "--sms-secret", SECRET, "--sms-number", NUMBER,
        ).redirectOutput(out).redirectError(err).start()
        Runtime.getRuntime().addShutdownHook(Thread { process.destroyForcibly() })
        url = listening(out, err)
    }

    private fun listening(out: File, err: File): String {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
        while (System.nanoTime() < deadline) {
            check(process.isAlive) { "testigo serve exited: ${err.readText()}" }
            val first = out.readLines().firstOrNull()
            if (first != null && first.startsWith("listening on ")) return first.removePrefix("listening on ").trim()
            Thread.sleep(50)
        }
        throw IllegalStateException("testigo serve did not say where it listens")
    }

    /** The text of an enrollment QR code for `station`, with this server's address. */
    fun enrollmentQr(station: String): String {
        val json = Testigo.run("enroll", "--data", data.path, "--station", station, "--url", url, "--json")
        return Regex("\"uri\":\"([^\"]+)\"").find(json)?.groupValues?.get(1) ?: throw IllegalStateException("no uri in: $json")
    }

    /**
     * The gateway hands over an SMS from `from`; returns the SMS it is told to send back
     * (`payload.messages[0].message`: the receipt once every part of a record is in), if any.
     */
    fun postSms(from: String, text: String, secret: String = SECRET): String? {
        val form = listOf("from" to from, "message" to text, "secret" to secret)
            .joinToString("&") { (k, v) -> k + "=" + URLEncoder.encode(v, Charsets.UTF_8) }
        val request = HttpRequest.newBuilder(URI.create("$url/v1/sms"))
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString(Charsets.UTF_8))
        check(response.statusCode() == 200) { "POST /v1/sms answered ${response.statusCode()}: ${response.body()}" }
        return replyOf(response.body())
    }

    /** A new empty directory for one phone. */
    fun newDir(name: String): File = Files.createTempDirectory(root.toPath(), name).toFile()

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        root.deleteRecursively()
    }
}

/**
 * `payload.messages[0].message` of the gateway's JSON answer, or `null` when it has no messages.
 * The receipt is written in the GSM alphabet (`"`, `£`, `è`, Greek capitals…), so the JSON
 * string is read with its escapes.
 */
internal fun replyOf(json: String): String? {
    val messages = json.indexOf("\"messages\"")
    if (messages < 0) return null
    val key = json.indexOf("\"message\"", messages + "\"messages\"".length)
    check(key >= 0) { "no message in: $json" }
    var i = json.indexOf('"', json.indexOf(':', key) + 1) + 1
    val out = StringBuilder()
    while (true) {
        when (val c = json[i++]) {
            '"' -> return out.toString()
            '\\' -> when (val e = json[i++]) {
                'n' -> out.append('\n')
                'r' -> out.append('\r')
                't' -> out.append('\t')
                'b' -> out.append('\b')
                'f' -> out.append('\u000C')
                'u' -> out.append(json.substring(i, i + 4).toInt(16).toChar()).also { i += 4 }
                else -> out.append(e)
            }
            else -> out.append(c)
        }
    }
}
