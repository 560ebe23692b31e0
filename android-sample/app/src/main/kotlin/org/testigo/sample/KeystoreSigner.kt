package org.testigo.sample

import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import java.math.BigInteger
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import org.testigo.core.Signer
import org.testigo.core.SignerException

/**
 * The device signing key: EC P-256 in Android Keystore (StrongBox where present), used through
 * the bindings' [Signer]. The private key never leaves the secure hardware.
 */
class KeystoreSigner(private val pm: PackageManager, private val alias: String = "testigo-device") : Signer {
    private val keyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }

    /** Makes the key if there is none: on first use, and again after a wipe deleted it. */
    @Synchronized
    private fun ensureKey() {
        if (!keyStore.containsAlias(alias)) {
            try {
                generate(strongBox = Build.VERSION.SDK_INT >= 28 && pm.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE))
            } catch (e: StrongBoxUnavailableException) {
                generate(strongBox = false)
            }
        }
    }

    override fun publicKey(): ByteArray {
        ensureKey()
        val point = (keyStore.getCertificate(alias)?.publicKey as? ECPublicKey)?.w
            ?: throw SignerException.Failed("the device key is gone")
        return byteArrayOf(0x04) + fixed32(point.affineX) + fixed32(point.affineY)
    }

    override fun sign(message: ByteArray): ByteArray {
        ensureKey()
        val key = keyStore.getKey(alias, null) as? PrivateKey ?: throw SignerException.Failed("the device key is gone")
        return try {
            Signature.getInstance("SHA256withECDSA").run {
                initSign(key)
                update(message)
                sign()
            }
        } catch (e: java.security.GeneralSecurityException) {
            throw SignerException.Failed("the key store could not sign")
        }
    }

    /** Deletes the device key (part of a wipe). */
    fun destroy() {
        if (keyStore.containsAlias(alias)) keyStore.deleteEntry(alias)
    }

    private fun generate(strongBox: Boolean) {
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
            .setDigests(KeyProperties.DIGEST_SHA256)
            .apply { if (Build.VERSION.SDK_INT >= 28) setIsStrongBoxBacked(strongBox) }
            .build()
        KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, "AndroidKeyStore").apply { initialize(spec) }.generateKeyPair()
    }

    private fun fixed32(n: BigInteger): ByteArray {
        val bytes = n.toByteArray()
        return when {
            bytes.size == 32 -> bytes
            bytes.size > 32 -> bytes.copyOfRange(bytes.size - 32, bytes.size)
            else -> ByteArray(32 - bytes.size) + bytes
        }
    }
}
