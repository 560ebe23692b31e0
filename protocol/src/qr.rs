//! Reading the numbers printed in an acta's QR code.
//!
//! The election package names the format per contest ([`QrFormat`]); each format has a parser
//! here that turns the QR text into counts keyed by the contest's own option and field ids, so
//! the phone can prefill the form and flag every typed number that differs. Adding a country is
//! adding a variant and a parser.

use std::collections::BTreeMap;

use crate::election::{Contest, CountFieldKind, QrFormat};

/// Longest QR payload accepted (a version-40 QR holds under 3 KB).
pub const MAX_QR_PAYLOAD: usize = 4096;

/// The numbers a QR code carries, keyed like a capture's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QrCounts {
    /// The acta's own identifier as printed in the code.
    pub acta_id: String,
    /// Votes per ballot option id.
    pub counts: BTreeMap<String, u32>,
    /// Extra counts per count field id (only fields the contest has).
    pub extra_counts: BTreeMap<String, u32>,
}

impl QrCounts {
    /// Every number, options and extra fields together, keyed by id.
    pub fn all(&self) -> BTreeMap<String, u32> {
        self.counts.iter().chain(&self.extra_counts).map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// Why a QR text could not be read as this election's acta.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The text does not have the format's shape.
    #[error("QR text does not match the acta format: {0}")]
    Shape(&'static str),
    /// The code carries a different number of option counts than the contest has options.
    #[error("QR code has {found} option counts, the acta has {expected}")]
    OptionCount {
        /// Options in the contest.
        expected: usize,
        /// Counts in the code.
        found: usize,
    },
    /// A count is not a non-negative integer.
    #[error("QR code holds a value that is not a count")]
    NotANumber,
}

/// Parses `payload` as `contest`'s acta in `format`.
pub fn parse(format: &QrFormat, contest: &Contest, payload: &str) -> Result<QrCounts, QrError> {
    if payload.len() > MAX_QR_PAYLOAD {
        return Err(QrError::Shape("too long"));
    }
    match format {
        QrFormat::Venezuela2024 => parse_venezuela_2024(contest, payload.trim()),
    }
}

/// Writes the QR text `format` would print for an acta with `acta_id` and these counts, so a
/// reader can tell a code that says exactly what was typed from one that does not. `None` when
/// the format needs a number the counts lack.
pub fn render(
    format: &QrFormat,
    contest: &Contest,
    acta_id: &str,
    counts: &BTreeMap<String, u32>,
    extra_counts: &BTreeMap<String, u32>,
) -> Option<String> {
    match format {
        QrFormat::Venezuela2024 => {
            let values: Vec<String> = contest
                .options
                .iter()
                .map(|o| counts.get(&o.id).map(u32::to_string))
                .collect::<Option<_>>()?;
            let field = |kind| contest.field_of_kind(kind).and_then(|f| extra_counts.get(&f.id));
            let (null, blank) = (field(CountFieldKind::Null)?, field(CountFieldKind::Blank)?);
            Some(format!("{acta_id}!{}!{null}!{blank}", values.join(",")))
        }
    }
}

fn number(text: &str) -> Result<u32, QrError> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QrError::NotANumber);
    }
    text.parse().map_err(|_| QrError::NotANumber)
}

/// Venezuela, CNE, 2024 presidential acta: `<acta id>!<c1>,…,<cN>!<a>!<b>`.
///
/// As published decoders of the 2024 actas read it: the acta id is the 9-digit center code, the
/// table and a serial (`110601011.04.1.0001`); then one count per party card in the order printed
/// on the acta (38 in 2024); then two more numbers. The third part is read as null votes; the
/// meaning of the fourth is not confirmed by a primary source (decoders call it "invalid"), so it
/// is compared with the acta's blank-vote field only when the contest has one.
fn parse_venezuela_2024(contest: &Contest, payload: &str) -> Result<QrCounts, QrError> {
    let parts: Vec<&str> = payload.split('!').collect();
    let [acta_id, counts, null, fourth] = parts.as_slice() else {
        return Err(QrError::Shape("expected four parts separated by '!'"));
    };
    if acta_id.is_empty() || acta_id.len() > 64 || !acta_id.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(QrError::Shape("acta id"));
    }
    let values: Vec<u32> = counts.split(',').map(number).collect::<Result<_, _>>()?;
    if values.len() != contest.options.len() {
        return Err(QrError::OptionCount { expected: contest.options.len(), found: values.len() });
    }
    let counts = contest.options.iter().zip(values).map(|(o, v)| (o.id.clone(), v)).collect();
    let mut extra_counts = BTreeMap::new();
    for (text, kind) in [(null, CountFieldKind::Null), (fourth, CountFieldKind::Blank)] {
        let value = number(text)?;
        if let Some(field) = contest.field_of_kind(kind) {
            extra_counts.insert(field.id.clone(), value);
        }
    }
    Ok(QrCounts { acta_id: (*acta_id).to_owned(), counts, extra_counts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::election::{BallotOption, Candidate, CountField};

    fn contest(options: usize) -> Contest {
        Contest {
            id: "p".into(),
            name: "P".into(),
            candidates: vec![Candidate { id: "c".into(), name: "C".into() }],
            options: (0..options)
                .map(|i| BallotOption {
                    id: format!("o{i}"),
                    candidate_id: "c".into(),
                    party: format!("P{i}"),
                })
                .collect(),
            count_fields: vec![CountField {
                id: "nulos".into(),
                kind: CountFieldKind::Null,
                label: "N".into(),
            }],
            acta_qr: Some(QrFormat::Venezuela2024),
        }
    }

    #[test]
    fn reads_a_2024_acta_with_38_cards() {
        let counts: Vec<String> = (0..38).map(|i| (i * 7 % 50).to_string()).collect();
        let text = format!("110601011.04.1.0001!{}!3!0", counts.join(","));
        let qr = parse(&QrFormat::Venezuela2024, &contest(38), &text).unwrap();
        assert_eq!(qr.acta_id, "110601011.04.1.0001");
        assert_eq!(qr.counts.len(), 38);
        assert_eq!(qr.counts["o5"], 35);
        // The contest has a null field but no blank field: the fourth number has nowhere to go.
        assert_eq!(qr.extra_counts, BTreeMap::from([("nulos".to_string(), 3)]));
        assert_eq!(qr.all().len(), 39);
    }

    #[test]
    fn refuses_malformed_texts() {
        let c = contest(3);
        for (text, err) in [
            ("1.2!1,2,3!0", QrError::Shape("expected four parts separated by '!'")),
            ("1.2!1,2,3!0!0!9", QrError::Shape("expected four parts separated by '!'")),
            ("abc!1,2,3!0!0", QrError::Shape("acta id")),
            ("!1,2,3!0!0", QrError::Shape("acta id")),
            ("1.2!1,2!0!0", QrError::OptionCount { expected: 3, found: 2 }),
            ("1.2!1,-2,3!0!0", QrError::NotANumber),
            ("1.2!1,,3!0!0", QrError::NotANumber),
            ("1.2!1,2,3!x!0", QrError::NotANumber),
            ("1.2!1,2,99999999999!0!0", QrError::NotANumber),
        ] {
            assert_eq!(parse(&QrFormat::Venezuela2024, &c, text), Err(err), "{text}");
        }
        assert!(parse(&QrFormat::Venezuela2024, &c, &"9".repeat(5000)).is_err());
    }
}
