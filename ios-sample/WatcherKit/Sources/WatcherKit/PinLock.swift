import CommonCrypto
import Foundation
import Security

/// What typing a PIN leads to.
public enum Unlock: Equatable, Sendable {
    case open
    /// Wrong; `left` more tries before everything is wiped.
    case wrong(left: Int)
    /// The duress PIN, or one try too many.
    case wipe
}

/// The PIN and the duress PIN, as android-sample's `PinLock.kt`: only salted PBKDF2 hashes are
/// kept (in a file protected until first unlock, written atomically); both are computed and
/// compared every time, so the file and the timing do not tell whether a duress PIN exists.
public final class PinLock {
    private struct Stored: Codable {
        var salt: Data
        var pin: Data
        var duress: Data
        var failures: Int
    }

    private let file: URL
    private let maxTries: Int
    private let iterations: UInt32

    public init(file: URL, maxTries: Int = 10, iterations: UInt32 = 60_000) {
        self.file = file
        self.maxTries = max(1, maxTries)
        self.iterations = iterations
    }

    public var isSet: Bool { FileManager.default.fileExists(atPath: file.path) }

    /// Chooses the PIN and the optional duress PIN (4 to 12 digits each, different).
    public func set(pin: String, duress: String?) throws {
        guard Self.valid(pin), duress.map(Self.valid) ?? true, duress != pin else {
            throw CocoaError(.validationFormatting)
        }
        let salt = Self.random(16)
        let duressHash = try duress.map { try hash($0, salt: salt) } ?? Self.random(32)
        try write(Stored(salt: salt, pin: try hash(pin, salt: salt), duress: duressHash, failures: 0))
    }

    /// Checks a typed PIN.
    public func check(_ pin: String) throws -> Unlock {
        var stored = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: file))
        let typed = try hash(pin, salt: stored.salt)
        let isPin = Self.constantTimeEqual(typed, stored.pin)
        let isDuress = Self.constantTimeEqual(typed, stored.duress)
        if isDuress { return .wipe }
        if isPin {
            if stored.failures != 0 {
                stored.failures = 0
                try write(stored)
            }
            return .open
        }
        if stored.failures + 1 >= maxTries { return .wipe }
        stored.failures += 1
        try write(stored)
        return .wrong(left: maxTries - stored.failures)
    }

    /// Forgets the PINs (part of a wipe).
    public func clear() throws {
        if isSet { try FileManager.default.removeItem(at: file) }
    }

    private static func valid(_ pin: String) -> Bool {
        (4...12).contains(pin.count) && pin.allSatisfy { ("0"..."9").contains($0) }
    }

    private func hash(_ pin: String, salt: Data) throws -> Data {
        var out = Data(count: 32)
        let password = Array(pin.utf8).map { CChar(bitPattern: $0) }
        let status = out.withUnsafeMutableBytes { outBytes in
            salt.withUnsafeBytes { saltBytes in
                CCKeyDerivationPBKDF(
                    CCPBKDFAlgorithm(kCCPBKDF2), password, password.count,
                    saltBytes.bindMemory(to: UInt8.self).baseAddress, salt.count,
                    CCPseudoRandomAlgorithm(kCCPRFHmacAlgSHA256), iterations,
                    outBytes.bindMemory(to: UInt8.self).baseAddress, 32)
            }
        }
        guard status == kCCSuccess else { throw CocoaError(.featureUnsupported) }
        return out
    }

    private func write(_ stored: Stored) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder().encode(stored).write(to: file, options: [.atomic, .completeFileProtectionUntilFirstUserAuthentication])
    }

    private static func random(_ count: Int) -> Data {
        var bytes = [UInt8](repeating: 0, count: count)
        _ = SecRandomCopyBytes(kSecRandomDefault, count, &bytes)
        return Data(bytes)
    }

    private static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[a.startIndex + i] ^ b[b.startIndex + i] }
        return diff == 0
    }
}
