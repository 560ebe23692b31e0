//! Checking an acta's numbers.
//!
//! Two kinds of problem, handled differently:
//! - impossible input (a field the acta does not have, a count no table could reach, notes too
//!   long) is refused with an error when it is entered;
//! - inconsistencies (sums that do not add up, more voters than registered, no photo, the QR
//!   disagreeing with what was typed) become [`Warning`]s. They never stop a seal: a wrong acta is
//!   evidence, and the watcher must be able to send exactly what the paper says.

use std::collections::BTreeMap;

use testigo_protocol::election::{Contest, CountFieldKind, Station};
use testigo_protocol::{Warning, WarningCode};

use crate::error::{Error, Result};

/// The largest count accepted for any field. No polling table has a million voters; a bigger
/// number is a slip of the finger or hostile input.
pub const MAX_COUNT: u32 = testigo_protocol::capture::MAX_COUNT;

/// The longest notes accepted, in bytes of UTF-8.
pub const MAX_NOTES_BYTES: usize = testigo_protocol::capture::MAX_NOTES_BYTES;

/// Where a typed number goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldSlot {
    /// A ballot option.
    Option,
    /// An extra count field.
    Extra,
}

/// Checks that `field` is on this contest's acta and `value` is possible.
pub(crate) fn check_count(contest: &Contest, field: &str, value: Option<u32>) -> Result<FieldSlot> {
    let slot = if contest.options.iter().any(|o| o.id == field) {
        FieldSlot::Option
    } else if contest.count_fields.iter().any(|f| f.id == field) {
        FieldSlot::Extra
    } else {
        return Err(Error::UnknownField(field.to_owned()));
    };
    if let Some(v) = value
        && v > MAX_COUNT
    {
        return Err(Error::CountTooLarge { field: field.to_owned(), value: v });
    }
    Ok(slot)
}

/// Checks the notes' length.
pub(crate) fn check_notes(notes: &str) -> Result<()> {
    if notes.len() > MAX_NOTES_BYTES {
        return Err(Error::NotesTooLong { max: MAX_NOTES_BYTES });
    }
    Ok(())
}

/// What is checked.
pub struct ActaNumbers<'a> {
    /// The contest's acta layout.
    pub contest: &'a Contest,
    /// The station (for its registered voters).
    pub station: &'a Station,
    /// Votes per option id.
    pub counts: &'a BTreeMap<String, u32>,
    /// Extra counts per field id.
    pub extra_counts: &'a BTreeMap<String, u32>,
    /// How many photos the capture has.
    pub photos: usize,
    /// The numbers decoded from the acta's QR code, per option or field id, when it was read.
    pub qr_counts: Option<&'a BTreeMap<String, u32>>,
}

/// The warnings for an acta's numbers, in a stable order (by code, then field).
pub fn validate(acta: &ActaNumbers<'_>) -> Vec<Warning> {
    let contest = acta.contest;
    let mut warnings = Vec::new();
    for option in &contest.options {
        if !acta.counts.contains_key(&option.id) {
            warnings.push(Warning::on(WarningCode::CountMissing, &option.id));
        }
    }
    for field in &contest.count_fields {
        if !acta.extra_counts.contains_key(&field.id) {
            warnings.push(Warning::on(WarningCode::CountMissing, &field.id));
        }
    }

    let extra = |kind| contest.field_of_kind(kind).and_then(|f| acta.extra_counts.get(&f.id)).copied();
    let all_options_typed = contest.options.iter().all(|o| acta.counts.contains_key(&o.id));
    let null_blank_typed = [CountFieldKind::Null, CountFieldKind::Blank]
        .into_iter()
        .all(|k| contest.field_of_kind(k).is_none() || extra(k).is_some());
    let total = all_options_typed.then(|| {
        let options: u64 = acta.counts.values().map(|&v| u64::from(v)).sum();
        options
            + u64::from(extra(CountFieldKind::Null).unwrap_or(0))
            + u64::from(extra(CountFieldKind::Blank).unwrap_or(0))
    });
    let voted = extra(CountFieldKind::VotersWhoVoted);
    if let (Some(total), Some(voted), true) = (total, voted, null_blank_typed)
        && total != u64::from(voted)
    {
        warnings.push(Warning::new(WarningCode::SumMismatch));
    }
    // Voters who voted as the acta states it, or, on actas without that field, the votes counted.
    let turnout = voted.map(u64::from).or(total);
    if let Some(turnout) = turnout
        && turnout > u64::from(acta.station.registered_voters)
    {
        warnings.push(Warning::new(WarningCode::VotedExceedsRegistered));
    }
    if acta.photos == 0 {
        warnings.push(Warning::new(WarningCode::PhotoMissing));
    }
    if let Some(qr) = acta.qr_counts {
        for (field, qr_value) in qr {
            let typed = acta.counts.get(field).or_else(|| acta.extra_counts.get(field));
            if typed != Some(qr_value) {
                warnings.push(Warning::on(WarningCode::QrMismatch, field));
            }
        }
    }
    warnings.sort();
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use testigo_protocol::election::{BallotOption, Candidate, CountField};

    fn contest() -> Contest {
        Contest {
            id: "p".into(),
            name: "P".into(),
            candidates: vec![Candidate { id: "c1".into(), name: "C1".into() }],
            options: vec![
                BallotOption { id: "a".into(), candidate_id: "c1".into(), party: "A".into() },
                BallotOption { id: "b".into(), candidate_id: "c1".into(), party: "B".into() },
            ],
            count_fields: vec![
                CountField { id: "null".into(), kind: CountFieldKind::Null, label: "N".into() },
                CountField { id: "blank".into(), kind: CountFieldKind::Blank, label: "B".into() },
                CountField { id: "voted".into(), kind: CountFieldKind::VotersWhoVoted, label: "V".into() },
            ],
            acta_qr: None,
        }
    }

    fn station(registered: u32) -> Station {
        Station { id: "s".into(), center_id: "c".into(), number: 1, registered_voters: registered }
    }

    fn map(items: &[(&str, u32)]) -> BTreeMap<String, u32> {
        items.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn codes(w: &[Warning]) -> Vec<(WarningCode, Option<&str>)> {
        w.iter().map(|w| (w.code, w.field.as_deref())).collect()
    }

    #[test]
    fn a_consistent_acta_has_no_warnings() {
        let (c, s) = (contest(), station(100));
        let counts = map(&[("a", 40), ("b", 50)]);
        let extra = map(&[("null", 3), ("blank", 2), ("voted", 95)]);
        let qr = map(&[("a", 40), ("b", 50), ("null", 3), ("blank", 2)]);
        let acta = ActaNumbers {
            contest: &c,
            station: &s,
            counts: &counts,
            extra_counts: &extra,
            photos: 1,
            qr_counts: Some(&qr),
        };
        assert_eq!(validate(&acta), vec![]);
    }

    #[test]
    fn each_inconsistency_has_its_code() {
        let (c, s) = (contest(), station(90));
        let counts = map(&[("a", 40), ("b", 50)]);
        let extra = map(&[("null", 3), ("blank", 2), ("voted", 94)]);
        let qr = map(&[("a", 41), ("b", 50)]);
        let acta = ActaNumbers {
            contest: &c,
            station: &s,
            counts: &counts,
            extra_counts: &extra,
            photos: 0,
            qr_counts: Some(&qr),
        };
        assert_eq!(
            codes(&validate(&acta)),
            vec![
                (WarningCode::SumMismatch, None),
                (WarningCode::VotedExceedsRegistered, None),
                (WarningCode::PhotoMissing, None),
                (WarningCode::QrMismatch, Some("a")),
            ]
        );
    }

    #[test]
    fn missing_counts_are_named_and_suppress_the_sum_check() {
        let (c, s) = (contest(), station(100));
        let counts = map(&[("a", 40)]);
        let extra = map(&[("voted", 95)]);
        let acta = ActaNumbers {
            contest: &c,
            station: &s,
            counts: &counts,
            extra_counts: &extra,
            photos: 1,
            qr_counts: None,
        };
        assert_eq!(
            codes(&validate(&acta)),
            vec![
                (WarningCode::CountMissing, Some("b")),
                (WarningCode::CountMissing, Some("blank")),
                (WarningCode::CountMissing, Some("null")),
            ]
        );
    }

    #[test]
    fn without_a_voted_field_the_total_is_checked_against_registered() {
        let mut c = contest();
        c.count_fields.retain(|f| f.kind != CountFieldKind::VotersWhoVoted);
        let s = station(80);
        let counts = map(&[("a", 40), ("b", 50)]);
        let extra = map(&[("null", 0), ("blank", 0)]);
        let acta = ActaNumbers {
            contest: &c,
            station: &s,
            counts: &counts,
            extra_counts: &extra,
            photos: 1,
            qr_counts: None,
        };
        assert_eq!(codes(&validate(&acta)), vec![(WarningCode::VotedExceedsRegistered, None)]);
    }

    #[test]
    fn impossible_input_is_refused() {
        let c = contest();
        assert!(matches!(check_count(&c, "zzz", Some(1)), Err(Error::UnknownField(_))));
        assert!(matches!(check_count(&c, "a", Some(MAX_COUNT + 1)), Err(Error::CountTooLarge { .. })));
        assert_eq!(check_count(&c, "a", Some(MAX_COUNT)).unwrap(), FieldSlot::Option);
        assert_eq!(check_count(&c, "voted", None).unwrap(), FieldSlot::Extra);
        assert!(check_notes(&"x".repeat(MAX_NOTES_BYTES)).is_ok());
        assert!(matches!(check_notes(&"x".repeat(MAX_NOTES_BYTES + 1)), Err(Error::NotesTooLong { .. })));
    }
}
