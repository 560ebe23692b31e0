//! Where a capture, and a station, stand in delivery: the [`ReportingStatus`] the watcher sees.
//!
//! The status is never stored; it is derived on every read from two facts the store already
//! keeps: whether the capture is sealed, and the states of its outbox items. A draft is `Draft`;
//! a sealed capture is `Parked` while any of its items is parked (the watcher must look),
//! `Queued` while any is pending, and `Delivered` once every item holds a verified receipt.
//! A station's status is the status of its latest capture, where a sealed capture counts over
//! any newer draft (a correction being typed does not hide what was already sent).
//!
//! This module knows the outbox table and the captures table, but not the capture lifecycle:
//! callers say whether a capture is sealed, so the capture code depends on this module and not
//! the other way round.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// Where a station stands, from this phone's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ReportingStatus {
    /// No capture yet.
    NotStarted,
    /// A draft exists but nothing is sealed.
    Draft,
    /// Sealed and waiting to be sent.
    Queued,
    /// The server has confirmed everything for the latest capture.
    Delivered,
    /// Sending failed permanently; the watcher must look.
    Parked,
}

/// How many of one capture's outbox items are parked, and how many pending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OutboxTally {
    /// Items refused for good, waiting for the watcher.
    pub(crate) parked: i64,
    /// Items still to be sent.
    pub(crate) pending: i64,
}

impl OutboxTally {
    /// The tally of the capture `capture_id`'s outbox items.
    pub(crate) fn of(c: &Connection, capture_id: &str) -> Result<OutboxTally> {
        Ok(c.query_row(
            "SELECT count(*) FILTER (WHERE state = 'parked'), count(*) FILTER (WHERE state = 'pending')
               FROM outbox WHERE capture_id = ?1",
            [capture_id],
            |r| Ok(OutboxTally { parked: r.get(0)?, pending: r.get(1)? }),
        )?)
    }

    /// The status of a capture with this tally: `sealed` says whether it was sealed (a draft has
    /// no outbox items).
    pub(crate) fn status(self, sealed: bool) -> ReportingStatus {
        match self {
            _ if !sealed => ReportingStatus::Draft,
            OutboxTally { parked, .. } if parked > 0 => ReportingStatus::Parked,
            OutboxTally { pending, .. } if pending > 0 => ReportingStatus::Queued,
            _ => ReportingStatus::Delivered,
        }
    }
}

/// The status of the station's latest capture (a sealed one over any newer draft), or
/// `NotStarted` when it has none.
pub(crate) fn station_status(c: &Connection, station_id: &str) -> Result<ReportingStatus> {
    let latest: Option<(String, String)> = c
        .prepare_cached(
            "SELECT c.id, c.state FROM captures c
              WHERE c.station_id = ?1
              ORDER BY c.state = 'sealed' DESC, c.created_at_ms DESC
              LIMIT 1",
        )?
        .query_row([station_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match latest {
        None => ReportingStatus::NotStarted,
        Some((_, state)) if state == "draft" => ReportingStatus::Draft,
        // Only the latest capture's items count: a parked item of a superseded capture is history.
        Some((id, _)) => OutboxTally::of(c, &id)?.status(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parked_outranks_pending_and_a_draft_is_a_draft() {
        let tally = |parked, pending| OutboxTally { parked, pending };
        assert_eq!(tally(0, 0).status(false), ReportingStatus::Draft);
        assert_eq!(tally(1, 3).status(true), ReportingStatus::Parked);
        assert_eq!(tally(0, 3).status(true), ReportingStatus::Queued);
        assert_eq!(tally(0, 0).status(true), ReportingStatus::Delivered);
    }
}
