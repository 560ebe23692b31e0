package org.testigo.sample

import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.testigo.watcher.KeyVault

/**
 * The store's master key wrapped by an AES-256-GCM key in Android Keystore (StrongBox where the
 * phone has one). The Keystore key never leaves the secure hardware; the wrapped master key is a
 * file in the app's private directory.
 */
class KeystoreVault(private val pm: PackageManager, private val alias: String = "testigo-master-wrap") : KeyVault {
    private val keyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }

    override fun wrap(key: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION).apply { init(Cipher.ENCRYPT_MODE, secretKey()) }
        return cipher.iv + cipher.doFinal(key)
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        val key = keyStore.getKey(alias, null) as? SecretKey
            ?: throw IllegalStateException("the Keystore key is gone: the data cannot be opened")
        val cipher = Cipher.getInstance(TRANSFORMATION)
            .apply { init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, wrapped, 0, IV_BYTES)) }
        return cipher.doFinal(wrapped, IV_BYTES, wrapped.size - IV_BYTES)
    }

    override fun destroy() {
        if (keyStore.containsAlias(alias)) keyStore.deleteEntry(alias)
    }

    private fun secretKey(): SecretKey =
        (keyStore.getKey(alias, null) as? SecretKey) ?: try {
            generate(strongBox = strongBoxPresent())
        } catch (e: StrongBoxUnavailableException) {
            generate(strongBox = false)
        }

    private fun strongBoxPresent() =
        Build.VERSION.SDK_INT >= 28 && pm.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)

    private fun generate(strongBox: Boolean): SecretKey {
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .apply { if (Build.VERSION.SDK_INT >= 28) setIsStrongBoxBacked(strongBox) }
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore")
            .apply { init(spec) }
            .generateKey()
    }

    private companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
    }
}
