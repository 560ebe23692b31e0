package org.testigo.watcher

import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The platform key store on the JVM: an AES-256-GCM key that stays in this object, as an
 * Android Keystore key stays in the hardware (the app's `KeystoreVault` does the same there).
 */
class JvmVault : KeyVault {
    private var key: SecretKey? = null
    var destroyed = false
        private set

    override fun wrap(key: ByteArray): ByteArray {
        val k = this.key ?: KeyGenerator.getInstance("AES").apply { init(256) }.generateKey().also { this.key = it }
        destroyed = false
        val iv = ByteArray(12).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.ENCRYPT_MODE, k, GCMParameterSpec(128, iv)) }
        return iv + cipher.doFinal(key)
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        val k = key ?: throw IllegalStateException("the vault's key is gone")
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            .apply { init(Cipher.DECRYPT_MODE, k, GCMParameterSpec(128, wrapped.copyOfRange(0, 12))) }
        return cipher.doFinal(wrapped.copyOfRange(12, wrapped.size))
    }

    override fun destroy() {
        key = null
        destroyed = true
    }
}
