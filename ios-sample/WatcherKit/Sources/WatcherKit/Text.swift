import Foundation

/// Something to tell the watcher, not yet in words: a key of the string catalog and its
/// arguments. The model only produces these; the screens turn them into words with `Strings`.
public struct Text: Equatable, Hashable, Sendable {
    /// An argument: words as given, or a number written the language's way.
    public enum Arg: Equatable, Hashable, Sendable {
        case text(String)
        case number(Int)
    }

    public let key: String
    public let args: [String: Arg]

    public init(_ key: String, _ args: [String: Arg] = [:]) {
        self.key = key
        self.args = args
    }
}

/// The watcher's words in one language, from the catalog shared with Android
/// (`Strings/strings_<lang>.properties`, UTF-8, `{name}` replaced by the argument `name`).
public final class Strings: @unchecked Sendable {
    /// The languages of the catalog; the first is used when none of the phone's matches.
    public static let languages = ["es", "en", "pt", "fr"]

    public let language: String
    private let table: [String: String]

    private init(language: String, table: [String: String]) {
        self.language = language
        self.table = table
    }

    /// The catalog for `language` (`es`, `en`, `pt` or `fr`).
    public static func of(_ language: String) throws -> Strings {
        guard languages.contains(language),
              let url = Bundle.module.url(forResource: "strings_\(language)", withExtension: "properties", subdirectory: "Strings")
        else { throw CocoaError(.fileNoSuchFile) }
        return Strings(language: language, table: parse(try String(contentsOf: url, encoding: .utf8)))
    }

    /// The catalog for the phone's preferred languages (`Locale.preferredLanguages`).
    public static func forPreferred(_ preferred: [String] = Locale.preferredLanguages) throws -> Strings {
        let codes = preferred.map { String($0.prefix(2)) }
        return try of(codes.first(where: languages.contains) ?? languages[0])
    }

    /// The words for `text`; an unknown key shows as itself (the catalog test catches it first).
    public subscript(_ text: Text) -> String {
        var out = table[text.key] ?? text.key
        for (name, value) in text.args {
            let words: String
            switch value {
            case .text(let t): words = t
            case .number(let n): words = number(n)
            }
            out = out.replacingOccurrences(of: "{\(name)}", with: words)
        }
        return out
    }

    /// The words for a key without arguments.
    public subscript(_ key: String) -> String { self[Text(key)] }

    /// A number in this language's digits and separators, for an argument.
    public func number(_ n: Int) -> String {
        let f = NumberFormatter()
        f.locale = Locale(identifier: language)
        f.numberStyle = .decimal
        return f.string(from: NSNumber(value: n)) ?? String(n)
    }

    /// `key=value` lines; `#` starts a comment line. The catalog uses no escapes.
    static func parse(_ text: String) -> [String: String] {
        var table: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            table[String(trimmed[..<eq])] = String(trimmed[trimmed.index(after: eq)...])
        }
        return table
    }
}
