package org.testigo.watcher

import java.io.InputStreamReader
import java.util.Locale
import java.util.Properties

/**
 * Something to tell the watcher, not yet in words: a key of the string catalog and its arguments.
 * The model only ever produces these; the screen turns them into words with [Strings], so every
 * message exists in every language and tests can check which message was chosen.
 */
data class Text(val key: String, val args: Map<String, Any> = emptyMap()) {
    constructor(key: String, vararg args: Pair<String, Any>) : this(key, args.toMap())
}

/**
 * The watcher's words in one language, from `strings_<lang>.properties` beside this class (UTF-8;
 * `{name}` is replaced by the argument of that name). Spanish, English, Portuguese and French.
 */
class Strings private constructor(val language: String, private val table: Map<String, String>) {
    /** The words for `text`; a missing key is a bug and fails loudly in tests (see [missing]). */
    operator fun get(text: Text): String {
        var out = table[text.key] ?: return text.key
        for ((name, value) in text.args) {
            out = out.replace("{$name}", format(value))
        }
        return out
    }

    /** The words for the key `key` with no arguments. */
    operator fun get(key: String): String = get(Text(key))

    /** Every key of the catalog. */
    val keys: Set<String> get() = table.keys

    /** Which of `keys` this language lacks. */
    fun missing(keys: Iterable<String>): List<String> = keys.filter { it !in table }

    private fun format(value: Any): String = when (value) {
        is Text -> get(value)
        is Number -> java.text.NumberFormat.getIntegerInstance(Locale.forLanguageTag(language)).format(value)
        else -> value.toString()
    }

    companion object {
        /** The languages the catalog has, the first being the one used when none matches. */
        val LANGUAGES = listOf("es", "en", "pt", "fr")

        /** The catalog for `language` (`es`, `en`, `pt` or `fr`). */
        fun of(language: String): Strings {
            require(language in LANGUAGES) { "no strings for $language" }
            val stream = Strings::class.java.getResourceAsStream("strings_$language.properties")
                ?: throw IllegalStateException("strings_$language.properties is not packaged")
            // Properties files are read as UTF-8 explicitly: older Android reads them as Latin-1.
            val props = Properties().apply { InputStreamReader(stream, Charsets.UTF_8).use { load(it) } }
            return Strings(language, props.stringPropertyNames().associateWith { props.getProperty(it) })
        }

        /** The catalog for the phone's language list (most preferred first), Spanish if none matches. */
        fun forLocales(locales: List<Locale>): Strings =
            of(locales.map { it.language }.firstOrNull { it in LANGUAGES } ?: LANGUAGES.first())
    }
}
