package org.testigo.watcher

import java.io.File
import java.security.SecureRandom

/**
 * The platform's key store, as the store's master key needs it: a key that never leaves the
 * hardware wraps and unwraps the master key. Android: an AES-256-GCM key in Android Keystore
 * (StrongBox where present); iOS: a Secure Enclave key with ECIES, or a Keychain item.
 */
interface KeyVault {
    /** Encrypts `key` with the platform key (creating that key on first use). */
    fun wrap(key: ByteArray): ByteArray

    /** Decrypts what [wrap] returned; fails if the platform key is gone or the bytes were changed. */
    fun unwrap(wrapped: ByteArray): ByteArray

    /** Deletes the platform key: nothing it wrapped can be opened again. */
    fun destroy()
}

/**
 * The store's 32-byte master key: generated once, kept in `file` only as the vault wrapped it.
 * No key material is written in the clear or logged.
 */
class MasterKey(private val file: File, private val vault: KeyVault) {
    /** Whether a master key was made (and not destroyed). */
    val exists: Boolean get() = file.isFile

    /** The master key, made on first call. The caller should clear the array after use. */
    fun obtain(): ByteArray {
        if (file.isFile) return vault.unwrap(file.readBytes())
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val wrapped = vault.wrap(key)
        atomicWrite(file) { it.write(wrapped) }
        return key
    }

    /** Destroys the platform key and the wrapped copy: the store's data cannot be read again. */
    fun destroy() {
        vault.destroy()
        if (file.exists() && !file.delete()) throw IllegalStateException("could not delete the wrapped key")
    }
}
