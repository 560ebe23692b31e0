package org.testigo.watcher

import java.io.File
import java.security.MessageDigest
import java.security.SecureRandom
import java.util.Base64
import java.util.Properties
import javax.crypto.SecretKeyFactory
import javax.crypto.spec.PBEKeySpec

/** What typing a PIN leads to. */
sealed interface Unlock {
    /** The PIN is right: open the app. */
    data object Open : Unlock

    /** Wrong; `left` more tries before the phone wipes itself. */
    data class Wrong(val left: Int) : Unlock

    /** The duress PIN, or one try too many: wipe everything, then look like a fresh install. */
    data object Wipe : Unlock
}

/**
 * The app's PIN and its duress PIN. Only salted PBKDF2 hashes are kept (in `file`, written
 * atomically), never the PINs. Both hashes are always computed and compared in constant time, so
 * neither the time taken nor the file tells whether a duress PIN exists or which one was typed.
 * After `maxTries` wrong PINs in a row the answer is [Unlock.Wipe].
 *
 * The PIN guards the app's screens against a quick look; the data itself is protected by the
 * store's master key, which the platform key store keeps (see [MasterKey]).
 */
class PinLock(private val file: File, private val maxTries: Int = 10, private val iterations: Int = 60_000) {
    init {
        require(maxTries >= 1) { "maxTries must be at least 1" }
    }

    /** Whether a PIN was chosen. */
    val isSet: Boolean get() = file.isFile

    /**
     * Chooses the PIN and, if given, the duress PIN (4 to 12 digits each, not equal). Replaces any
     * earlier choice and resets the count of wrong tries.
     */
    fun set(pin: String, duress: String?) {
        require(valid(pin)) { "the PIN must be 4 to 12 digits" }
        require(duress == null || valid(duress)) { "the duress PIN must be 4 to 12 digits" }
        require(duress != pin) { "the duress PIN must differ from the PIN" }
        val salt = ByteArray(16).also { SecureRandom().nextBytes(it) }
        // Without a duress PIN, a random value stands in so the file looks the same either way.
        val duressHash = duress?.let { hash(it, salt) } ?: ByteArray(32).also { SecureRandom().nextBytes(it) }
        write(salt, hash(pin, salt), duressHash, 0)
    }

    /** Checks a typed PIN. */
    fun check(pin: String): Unlock {
        val props = read()
        val salt = props.bytes("salt")
        val typed = hash(pin, salt)
        val isPin = MessageDigest.isEqual(typed, props.bytes("pin"))
        val isDuress = MessageDigest.isEqual(typed, props.bytes("duress"))
        val failures = props.getProperty("failures")?.toIntOrNull() ?: 0
        return when {
            isDuress -> Unlock.Wipe
            isPin -> {
                if (failures != 0) write(salt, props.bytes("pin"), props.bytes("duress"), 0)
                Unlock.Open
            }
            failures + 1 >= maxTries -> Unlock.Wipe
            else -> {
                write(salt, props.bytes("pin"), props.bytes("duress"), failures + 1)
                Unlock.Wrong(maxTries - failures - 1)
            }
        }
    }

    /** Forgets the PINs (part of a wipe). */
    fun clear() {
        if (file.exists() && !file.delete()) throw IllegalStateException("could not delete the PIN file")
    }

    private fun valid(pin: String) = pin.length in 4..12 && pin.all { it in '0'..'9' }

    private fun hash(pin: String, salt: ByteArray): ByteArray {
        val spec = PBEKeySpec(pin.toCharArray(), salt, iterations, 256)
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).encoded
        } finally {
            spec.clearPassword()
        }
    }

    private fun read(): Properties {
        check(isSet) { "no PIN was chosen" }
        return Properties().apply { file.inputStream().use { load(it) } }
    }

    private fun Properties.bytes(name: String): ByteArray =
        Base64.getDecoder().decode(getProperty(name) ?: throw IllegalStateException("the PIN file lacks $name"))

    private fun write(salt: ByteArray, pin: ByteArray, duress: ByteArray, failures: Int) {
        val b64 = Base64.getEncoder()
        val props = Properties().apply {
            setProperty("salt", b64.encodeToString(salt))
            setProperty("pin", b64.encodeToString(pin))
            setProperty("duress", b64.encodeToString(duress))
            setProperty("failures", failures.toString())
        }
        atomicWrite(file) { out -> props.store(out, null) }
    }
}

/** Writes `file` through a temporary file and a rename, so a crash leaves the old or the new. */
internal fun atomicWrite(file: File, write: (java.io.OutputStream) -> Unit) {
    file.parentFile?.mkdirs()
    val tmp = File(file.parentFile, file.name + ".tmp")
    tmp.outputStream().use { out ->
        write(out)
        out.fd.sync()
    }
    if (!tmp.renameTo(file)) throw IllegalStateException("could not replace ${file.name}")
}
