//! Human-facing text in Spanish, English, Portuguese and French, from Project Fluent files
//! (`server/locales/*.ftl`, compiled in), and numbers and times written the way each language
//! writes them.
//!
//! Nothing a person reads is written in code: a page asks [`Lang::t`] (or [`Lang::t_args`]) for a
//! message by its id. Each language has three files in one bundle: the portal's (`es.ftl`), the
//! coordinators' dashboard's (`dash-es.ftl`, every id prefixed `dash-`) and what the command line
//! tells its operator (`cli-es.ftl`, every id prefixed `cli-`). The four languages have the same
//! ids in each file (a test checks); a missing id renders as `⟦id⟧`, which the page tests look
//! for. Which language: the one the URL names (every portal address starts with it), else the
//! best match for `Accept-Language` ([`Lang::negotiate`], by `fluent-langneg`; the dashboard
//! always asks this way), else Spanish; the command line follows the operator's locale
//! (`TESTIGO_LANG`, `LC_ALL`, `LC_MESSAGES`, `LANG`).

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Spanish (the default).
    Es,
    /// English.
    En,
    /// Portuguese.
    Pt,
    /// French.
    Fr,
}

/// Each language's files: the portal's, the dashboard's, the command line's.
const SOURCES: [(Lang, [&str; 3]); 4] = [
    (
        Lang::Es,
        [
            include_str!("../locales/es.ftl"),
            include_str!("../locales/dash-es.ftl"),
            include_str!("../locales/cli-es.ftl"),
        ],
    ),
    (
        Lang::En,
        [
            include_str!("../locales/en.ftl"),
            include_str!("../locales/dash-en.ftl"),
            include_str!("../locales/cli-en.ftl"),
        ],
    ),
    (
        Lang::Pt,
        [
            include_str!("../locales/pt.ftl"),
            include_str!("../locales/dash-pt.ftl"),
            include_str!("../locales/cli-pt.ftl"),
        ],
    ),
    (
        Lang::Fr,
        [
            include_str!("../locales/fr.ftl"),
            include_str!("../locales/dash-fr.ftl"),
            include_str!("../locales/cli-fr.ftl"),
        ],
    ),
];

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [Bundle; 4] {
    static BUNDLES: OnceLock<[Bundle; 4]> = OnceLock::new();
    BUNDLES.get_or_init(|| SOURCES.map(|(lang, sources)| bundle(lang, sources)))
}

/// A bundle of one language's messages, from all its files. A syntax error in a file is logged
/// and the messages that did parse are kept (the tests refuse such a file).
fn bundle(lang: Lang, sources: [&str; 3]) -> Bundle {
    let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Values go into HTML and attributes; bidi isolation marks would only add bytes.
    bundle.set_use_isolating(false);
    for src in sources {
        let resource = match FluentResource::try_new(src.to_owned()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(lang = lang.code(), ?errors, "localisation file has errors");
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(lang = lang.code(), ?errors, "localisation files repeat ids");
        }
    }
    bundle
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 4] = [Lang::Es, Lang::En, Lang::Pt, Lang::Fr];

    /// The BCP 47 code (`es`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
            Lang::Pt => "pt",
            Lang::Fr => "fr",
        }
    }

    /// The language with this code, exactly.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language's own name for itself, for the language switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Es => "Español",
            Lang::En => "English",
            Lang::Pt => "Português",
            Lang::Fr => "Français",
        }
    }

    /// The best language for an `Accept-Language` header (Spanish when nothing matches).
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let requested = fluent_langneg::accepted_languages::parse(accept_language.unwrap_or(""));
        let available: Vec<LanguageIdentifier> =
            Lang::ALL.iter().filter_map(|l| l.code().parse().ok()).collect();
        let default: Option<LanguageIdentifier> = Lang::Es.code().parse().ok();
        let chosen = fluent_langneg::negotiate_languages(
            &requested,
            &available,
            default.as_ref(),
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        chosen.first().and_then(|id| Lang::from_code(id.language.as_str())).unwrap_or(Lang::Es)
    }

    fn bundle(self) -> &'static Bundle {
        let i = Lang::ALL.iter().position(|l| *l == self).unwrap_or(0);
        // `ALL` and the bundles are in the same order.
        #[allow(clippy::indexing_slicing)]
        &bundles()[i]
    }

    /// The message `id`.
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with its arguments (strings; numbers are formatted first, see
    /// [`Lang::int`]).
    pub fn t_args(self, id: &str, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(*v));
        }
        self.format(id, Some(&fa))
    }

    /// The message `id` with a count that chooses the plural form (`$n`, formatted), and other
    /// arguments.
    pub fn t_count(self, id: &str, n: u64, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        fa.set("count", FluentValue::from(n));
        fa.set("n", FluentValue::from(self.int(i64::try_from(n).unwrap_or(i64::MAX))));
        for (k, v) in args {
            fa.set(*k, FluentValue::from(*v));
        }
        self.format(id, Some(&fa))
    }

    fn format(self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(lang = self.code(), id, "missing message");
            return format!("⟦{id}⟧");
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(lang = self.code(), id, ?errors, "message did not format cleanly");
        }
        text.into_owned()
    }

    /// An integer with the language's digit grouping (`1.234.567`, `1,234,567`, `1 234 567`).
    pub fn int(self, n: i64) -> String {
        use num_format::{Locale, ToFormattedString};
        let locale = match self {
            Lang::Es => Locale::es,
            Lang::En => Locale::en,
            Lang::Pt => Locale::pt,
            Lang::Fr => Locale::fr,
        };
        n.to_formatted_string(&locale)
    }

    /// `part / whole` as a percentage with one decimal, the way the language writes it
    /// (`42,5 %`, `42.5%`); `—` when `whole` is 0.
    pub fn percent(self, part: u64, whole: u64) -> String {
        if whole == 0 {
            return "—".to_owned();
        }
        // Tenths of a percent, rounded half up, in integers.
        let tenths = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
        let (int, frac) = (tenths / 10, tenths % 10);
        match self {
            Lang::En => format!("{int}.{frac}%"),
            Lang::Es | Lang::Pt => format!("{int},{frac} %"),
            Lang::Fr => format!("{int},{frac}\u{202f}%"),
        }
    }

    /// A number with `places` decimals and the language's decimal sign (`1.5`, `1,5`).
    pub fn decimal(self, value: f64, places: usize) -> String {
        let text = format!("{value:.places$}");
        match self {
            Lang::En => text,
            Lang::Es | Lang::Pt | Lang::Fr => text.replace('.', ","),
        }
    }

    /// The time of day of a server time in the election's time zone ([`in_zone`]), as
    /// `18:05:09`.
    pub fn time(self, ms: i64) -> String {
        local(ms).strftime("%H:%M:%S").to_string()
    }

    /// A server time (milliseconds since the epoch) in the election's time zone ([`in_zone`]),
    /// as `2024-07-28 14:05:00 -04` (the zone's abbreviation, or its offset where it has none).
    pub fn datetime(self, ms: i64) -> String {
        local(ms).strftime("%Y-%m-%d %H:%M:%S %Z").to_string()
    }
}

/// The message naming a role (the dashboard's and the command line's word for it).
pub fn role_label(role: crate::repo::coord::Role) -> &'static str {
    use crate::repo::coord::Role;
    match role {
        Role::Observer => "dash-role-observer",
        Role::Reviewer => "dash-role-reviewer",
        Role::Admin => "dash-role-admin",
    }
}

tokio::task_local! {
    /// The time zone times are shown in while a request is served (see [`in_zone`]).
    static ZONE: jiff::tz::TimeZone;
}

/// `ms` as a time in the zone of the request being served (UTC outside one).
fn local(ms: i64) -> jiff::Zoned {
    let at = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let zone = ZONE.try_with(Clone::clone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned(zone)
}

/// The time zone with this IANA name (from the time zone database compiled in); `None` is UTC.
pub fn time_zone(name: Option<&str>) -> Result<jiff::tz::TimeZone, String> {
    match name {
        None => Ok(jiff::tz::TimeZone::UTC),
        Some(name) => jiff::tz::TimeZone::get(name).map_err(|_| format!("no time zone {name:?} is known")),
    }
}

/// Runs `work` (a page being made) with times shown in `zone`.
pub async fn in_zone<F: std::future::Future>(zone: jiff::tz::TimeZone, work: F) -> F::Output {
    ZONE.scope(zone, work).await
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    use fluent_syntax::ast;

    fn ids(src: &str) -> BTreeSet<String> {
        messages(src).into_keys().collect()
    }

    /// Every message of a file with the variables it uses (in its value, selectors and variants).
    fn messages(src: &str) -> BTreeMap<String, BTreeSet<String>> {
        let resource = FluentResource::try_new(src.to_owned()).expect("the file parses");
        resource
            .entries()
            .filter_map(|e| match e {
                ast::Entry::Message(m) => {
                    let mut vars = BTreeSet::new();
                    if let Some(value) = &m.value {
                        pattern_vars(value, &mut vars);
                    }
                    Some((m.id.name.to_owned(), vars))
                }
                _ => None,
            })
            .collect()
    }

    fn pattern_vars(pattern: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_vars(expression, vars);
            }
        }
    }

    fn expression_vars(expression: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_vars(selector, vars);
                for v in variants {
                    pattern_vars(&v.value, vars);
                }
            }
            ast::Expression::Inline(inline) => inline_vars(inline, vars),
        }
    }

    fn inline_vars(inline: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                vars.insert(id.name.to_owned());
            }
            ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
            _ => {}
        }
    }

    #[test]
    fn every_language_has_every_message_and_parses() {
        for file in 0..3 {
            let es = ids(SOURCES[0].1[file]);
            assert!(es.len() > 20);
            for (lang, sources) in SOURCES {
                assert_eq!(
                    ids(sources[file]),
                    es,
                    "{} has other messages than es (file {file})",
                    lang.code()
                );
            }
        }
        // The dashboard's ids, and only they, start with `dash-`, the command line's with
        // `cli-`: the files never collide.
        for (lang, [portal, dash, cli]) in SOURCES {
            assert!(
                ids(portal).iter().all(|id| !id.starts_with("dash-") && !id.starts_with("cli-")),
                "{}",
                lang.code()
            );
            assert!(ids(dash).iter().all(|id| id.starts_with("dash-")), "{}", lang.code());
            assert!(ids(cli).iter().all(|id| id.starts_with("cli-")), "{}", lang.code());
        }
    }

    #[test]
    fn dashboard_and_command_line_messages_use_the_same_variables_in_every_language() {
        for file in [1, 2] {
            let es = messages(SOURCES[0].1[file]);
            for (lang, sources) in SOURCES {
                for (id, vars) in messages(sources[file]) {
                    assert_eq!(Some(&vars), es.get(&id), "{}: {id}", lang.code());
                }
            }
        }
    }

    #[test]
    fn languages_are_negotiated_from_accept_language() {
        assert_eq!(Lang::negotiate(Some("fr-CA,fr;q=0.9,en;q=0.5")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("pt-BR")), Lang::Pt);
        assert_eq!(Lang::negotiate(Some("de-DE,de")), Lang::Es);
        assert_eq!(Lang::negotiate(None), Lang::Es);
        assert_eq!(Lang::negotiate(Some("\u{0}garbage;;q=x")), Lang::Es);
    }

    #[test]
    fn numbers_and_times_are_written_per_language() {
        assert_eq!(Lang::Es.int(1_234_567), "1.234.567");
        assert_eq!(Lang::En.int(1_234_567), "1,234,567");
        assert_eq!(Lang::En.percent(1, 3), "33.3%");
        assert_eq!(Lang::Es.percent(2, 3), "66,7 %");
        assert_eq!(Lang::Fr.percent(0, 0), "—");
        assert_eq!(Lang::Es.datetime(1_722_189_900_000), "2024-07-28 18:05:00 UTC");
        assert_eq!(
            (Lang::En.decimal(2.345, 1), Lang::Fr.decimal(2.0, 2)),
            ("2.3".to_owned(), "2,00".to_owned())
        );
        let caracas = time_zone(Some("America/Caracas")).unwrap();
        let shown = futures_util::FutureExt::now_or_never(in_zone(caracas, async {
            (Lang::Es.datetime(1_722_189_900_000), Lang::Es.time(1_722_189_900_000))
        }));
        assert_eq!(shown, Some(("2024-07-28 14:05:00 -04".to_owned(), "14:05:00".to_owned())));
        assert!(time_zone(Some("Mars/Olympus_Mons")).is_err());
        let one = Lang::En.t_count("portal-tables", 1, &[]);
        let many = Lang::En.t_count("portal-tables", 1200, &[]);
        assert!(one.contains('1') && !one.contains("tables"), "{one}");
        assert!(many.contains("1,200") && many.contains("tables"), "{many}");
        assert!(!Lang::Fr.t("national-results").starts_with('⟦'));
        assert_eq!(Lang::Pt.t("dash-sign-in"), "Entrar", "the dashboard's file is in the same bundle");
        assert_eq!(Lang::Es.t("no-such-message-id"), "⟦no-such-message-id⟧");
    }
}
