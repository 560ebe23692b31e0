import Foundation
import Security

/// The platform key store as the master key needs it (android-sample's `KeyVault`).
public protocol KeyVault: AnyObject {
    func wrap(_ key: Data) throws -> Data
    func unwrap(_ wrapped: Data) throws -> Data
    func destroy() throws
}

/// The store's 32-byte master key: made once, kept in `file` only as the vault wrapped it.
public final class MasterKey {
    private let file: URL
    private let vault: KeyVault

    public init(file: URL, vault: KeyVault) {
        self.file = file
        self.vault = vault
    }

    /// The master key, made on first call.
    public func obtain() throws -> Data {
        if FileManager.default.fileExists(atPath: file.path) {
            return try vault.unwrap(Data(contentsOf: file))
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard SecRandomCopyBytes(kSecRandomDefault, 32, &bytes) == errSecSuccess else { throw CocoaError(.featureUnsupported) }
        let key = Data(bytes)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try vault.wrap(key).write(to: file, options: [.atomic, .completeFileProtectionUntilFirstUserAuthentication])
        return key
    }

    /// Destroys the platform key and the wrapped copy.
    public func destroy() throws {
        try vault.destroy()
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
    }
}

/// The master key wrapped with ECIES by a P-256 key in the Secure Enclave (a Keychain key on a
/// simulator, which has no enclave). The enclave key never leaves the hardware.
public final class SecureEnclaveVault: KeyVault {
    private let tag: Data

    public init(tag: String = "org.testigo.watcher.master-wrap") {
        self.tag = Data(tag.utf8)
    }

    private static let algorithm = SecKeyAlgorithm.eciesEncryptionCofactorVariableIVX963SHA256AESGCM

    public func wrap(_ key: Data) throws -> Data {
        let priv = try privateKey(create: true)
        guard let pub = SecKeyCopyPublicKey(priv) else { throw CocoaError(.featureUnsupported) }
        var error: Unmanaged<CFError>?
        guard let out = SecKeyCreateEncryptedData(pub, Self.algorithm, key as CFData, &error) else {
            throw error!.takeRetainedValue() as Error
        }
        return out as Data
    }

    public func unwrap(_ wrapped: Data) throws -> Data {
        let priv = try privateKey(create: false)
        var error: Unmanaged<CFError>?
        guard let out = SecKeyCreateDecryptedData(priv, Self.algorithm, wrapped as CFData, &error) else {
            throw error!.takeRetainedValue() as Error
        }
        return out as Data
    }

    public func destroy() throws { try EnclaveKey.delete(tag: tag) }

    private func privateKey(create: Bool) throws -> SecKey {
        if let key = EnclaveKey.find(tag: tag) { return key }
        guard create else { throw CocoaError(.fileNoSuchFile) }
        return try EnclaveKey.create(tag: tag)
    }
}

/// A P-256 private key in the Secure Enclave (a Keychain key on a simulator), found by its tag:
/// the master key's wrapping key here, the device signing key in the app.
public enum EnclaveKey {
    /// The key with this tag, if there is one.
    public static func find(tag: Data) -> SecKey? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrApplicationTag as String: tag,
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecReturnRef as String: true,
        ]
        var item: CFTypeRef?
        guard SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let item else { return nil }
        return (item as! SecKey)
    }

    /// Deletes the key with this tag (nothing to do if there is none).
    public static func delete(tag: Data) throws {
        let query: [String: Any] = [kSecClass as String: kSecClassKey, kSecAttrApplicationTag as String: tag]
        let status = SecItemDelete(query as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw CocoaError(.fileWriteUnknown) }
    }

    /// A new key with this tag, usable after the first unlock, never leaving this device.
    public static func create(tag: Data) throws -> SecKey {
        var attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true,
                kSecAttrApplicationTag as String: tag,
                kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            ] as [String: Any],
        ]
        #if !targetEnvironment(simulator)
        attributes[kSecAttrTokenID as String] = kSecAttrTokenIDSecureEnclave
        #endif
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw error!.takeRetainedValue() as Error
        }
        return key
    }
}
