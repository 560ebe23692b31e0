//! What the command line tells its operator, in their language: the messages are in the
//! server's localisation files (`cli-*.ftl`, through the same Fluent bundles as the pages), the
//! language is the operator's locale (`TESTIGO_LANG`, else `LC_ALL`, `LC_MESSAGES`, `LANG`);
//! English where the locale is unset, `C` or `POSIX`, or a language Testigo does not speak.
//! Lines that machines read (JSON reports, `serve`'s announcement) are not messages.

use std::sync::OnceLock;

use testigo_server::i18n::Lang;

/// The operator's language.
pub(crate) fn lang() -> Lang {
    static LANG: OnceLock<Lang> = OnceLock::new();
    *LANG.get_or_init(|| from_locale(|key| std::env::var(key).ok()))
}

/// The language of the first locale variable set (`es_VE.UTF-8`, `pt-BR`, `fr`).
fn from_locale(var: impl Fn(&str) -> Option<String>) -> Lang {
    let Some(locale) = ["TESTIGO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(|key| var(key).filter(|v| !v.is_empty()))
    else {
        return Lang::En;
    };
    let primary = locale.split(['_', '-', '.', '@']).next().unwrap_or("").to_ascii_lowercase();
    Lang::from_code(&primary).unwrap_or(Lang::En)
}

/// Message `id` with its arguments, in the operator's language.
pub(crate) fn t(id: &str, args: &[(&str, String)]) -> String {
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    lang().t_args(id, &args)
}

/// A whole number written the operator's way (`1.234` in Spanish).
pub(crate) fn n(value: impl TryInto<i64>) -> String {
    lang().int(value.try_into().unwrap_or(i64::MAX))
}

/// A number with two decimals, written the operator's way (seconds, shares).
pub(crate) fn decimals(s: f64) -> String {
    lang().decimal(s, 2)
}

/// Prints message `id` (`say!("cli-revoked", device = id)`), a line in the operator's language.
macro_rules! say {
    ($id:literal $(, $key:ident = $value:expr)* $(,)?) => {
        println!("{}", $crate::say::t($id, &[$((stringify!($key), ($value).to_string())),*]))
    };
}
pub(crate) use say;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_the_operators_locale_and_english_otherwise() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(from_locale(env(&[])), Lang::En);
        assert_eq!(from_locale(env(&[("LANG", "C.UTF-8")])), Lang::En);
        assert_eq!(from_locale(env(&[("LANG", "POSIX")])), Lang::En);
        assert_eq!(from_locale(env(&[("LANG", "es_VE.UTF-8")])), Lang::Es);
        assert_eq!(from_locale(env(&[("LANG", "de_DE.UTF-8")])), Lang::En);
        assert_eq!(from_locale(env(&[("LANG", "es_VE.UTF-8"), ("LC_ALL", "pt_BR")])), Lang::Pt);
        assert_eq!(from_locale(env(&[("LC_ALL", "pt_BR"), ("TESTIGO_LANG", "fr")])), Lang::Fr);
        assert_eq!(from_locale(env(&[("LC_ALL", ""), ("LANG", "fr_FR@euro")])), Lang::Fr);
    }

    #[test]
    fn every_message_reads_in_each_language() {
        for lang in Lang::ALL {
            let text = lang.t_args("cli-revoked", &[("device", "abc")]);
            assert!(text.contains("abc") && !text.contains('⟦'), "{text}");
        }
    }
}
