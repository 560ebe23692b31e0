package org.testigo.tests

import java.math.BigInteger
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.util.concurrent.CopyOnWriteArrayList
import org.testigo.core.Signer
import org.testigo.core.SignerException

/**
 * A device key held by the JVM's own crypto provider, the way an Android app holds one in the
 * Android Keystore: EC P-256, `SHA256withECDSA`, DER signatures. The private key never leaves it.
 */
class JavaSecuritySigner : Signer {
    private val keyPair: KeyPair = KeyPairGenerator.getInstance("EC")
        .apply { initialize(ECGenParameterSpec("secp256r1")) }
        .generateKeyPair()

    /** Every (message, signature) this signer produced, in order. */
    val signatures = CopyOnWriteArrayList<Pair<ByteArray, ByteArray>>()

    /** When set, `sign` fails as a locked key store does. */
    @Volatile var locked = false

    /** When set, `sign` throws something that is not a [SignerException]: an app's bug. */
    @Volatile var broken = false

    override fun publicKey(): ByteArray {
        val point = (keyPair.public as ECPublicKey).w
        return byteArrayOf(0x04) + fixed32(point.affineX) + fixed32(point.affineY)
    }

    override fun sign(message: ByteArray): ByteArray {
        if (locked) throw SignerException.Failed("the key store is locked")
        if (broken) throw IllegalStateException("a bug in the app's signer")
        val signature = Signature.getInstance("SHA256withECDSA").run {
            initSign(keyPair.private)
            update(message)
            sign()
        }
        signatures.add(message to signature)
        return signature
    }

    /** Whether `signature` is this key's over `message`. */
    fun verify(message: ByteArray, signature: ByteArray): Boolean =
        Signature.getInstance("SHA256withECDSA").run {
            initVerify(keyPair.public)
            update(message)
            verify(signature)
        }

    /** A coordinate as exactly 32 big-endian bytes (BigInteger adds a sign byte or drops zeros). */
    private fun fixed32(n: BigInteger): ByteArray {
        val bytes = n.toByteArray()
        return when {
            bytes.size == 32 -> bytes
            bytes.size > 32 -> bytes.copyOfRange(bytes.size - 32, bytes.size)
            else -> ByteArray(32 - bytes.size) + bytes
        }
    }
}
