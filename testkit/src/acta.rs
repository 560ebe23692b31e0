//! What is written on an acta, and a model of an election that fills in plausible ones.
//!
//! An [`Election`] fixes what every acta of a contest shares — the ballot options (party cards)
//! and how popular each is across the country — so a corpus reads like one election. Each
//! [`Election::acta`] is then one polling station: registered voters, a turnout, null and blank
//! ballots, and the valid votes split across the options by the national shares bent by a local
//! lean.

use crate::rng::Rng;

/// One line of the acta's table: what it counts and the number written next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActaRow {
    /// What the row counts (a party card's name, "Votos nulos", …).
    pub label: String,
    /// The number written in the row.
    pub count: u32,
}

/// Everything printed or written on one acta page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActaSpec {
    /// The acta's identifier, printed in the header (`110601011.04.1.0001`).
    pub acta_id: String,
    /// Voters registered at the station, printed in the header.
    pub registered: u32,
    /// One row per ballot option, in ballot order.
    pub rows: Vec<ActaRow>,
    /// The other counts, printed below the total of valid votes. Actas from [`Election::acta`]
    /// hold, in this order: null votes, blank votes, voters who voted, ballots left unused.
    pub extra: Vec<ActaRow>,
    /// The text of the QR code printed on the acta, if it has one.
    pub qr_payload: Option<String>,
    /// Counts written by hand rather than printed.
    pub handwritten: bool,
}

impl ActaSpec {
    /// The valid votes: the sum of the option rows (the "total" printed under them).
    pub fn total_valid(&self) -> u32 {
        self.rows.iter().fold(0u32, |sum, row| sum.saturating_add(row.count))
    }
}

/// Labels of the extra rows of actas from [`Election::acta`], in order.
pub const EXTRA_LABELS: [&str; 4] = ["Votos nulos", "Votos en blanco", "Votantes", "Boletas no usadas"];

/// The QR text of a Venezuelan CNE 2024 acta: `<acta id>!<c1>,…,<cN>!<null>!<fourth>`.
///
/// Decoders of the published actas read the third part as null votes; what the fourth number
/// means is not confirmed, and `testigo-protocol` compares it with the blank votes, so the
/// generator writes the blank votes there.
pub fn qr_payload_2024(acta_id: &str, counts: &[u32], null: u32, fourth: u32) -> String {
    let counts: Vec<String> = counts.iter().map(u32::to_string).collect();
    format!("{acta_id}!{}!{null}!{fourth}", counts.join(","))
}

/// A contest's ballot options and their national popularity.
#[derive(Debug, Clone)]
pub struct Election {
    /// The ballot options' labels, in ballot order.
    pub labels: Vec<String>,
    shares: Vec<f64>,
}

impl Election {
    /// An election with `options` ballot options, drawn from `seed`.
    pub fn new(seed: u64, options: usize) -> Self {
        let mut rng = Rng::stream(seed, 0xE1EC);
        let labels = (0..options)
            .map(|_| {
                let letters = rng.int(3, 6);
                (0..letters).map(|_| char::from(b'A' + rng.int(0, 25) as u8)).collect::<String>()
            })
            .collect();
        // A few cards take most votes and a long tail gets a handful each, as on real ballots.
        let shares = (0..options).map(|_| (1.7 * rng.normal()).exp()).collect();
        Self { labels, shares }
    }

    /// One polling station's acta, drawn from `seed`.
    pub fn acta(&self, seed: u64) -> ActaSpec {
        self.acta_with_swing(seed, &[])
    }

    /// One polling station's acta, drawn from `seed`, with each option's popularity multiplied by
    /// its factor in `swing` (its region's lean; options past the end keep theirs).
    pub fn acta_with_swing(&self, seed: u64, swing: &[f64]) -> ActaSpec {
        let mut rng = Rng::stream(seed, 0xAC7A);
        let registered = rng.int(200, 600);
        let voters = (f64::from(registered) * rng.range(0.42, 0.88)).round() as u32;
        let null = (f64::from(voters) * rng.range(0.0, 0.03)).round() as u32;
        let blank =
            if rng.chance(0.5) { 0 } else { (f64::from(voters) * rng.range(0.0, 0.012)).round() as u32 };
        let valid = voters.saturating_sub(null + blank);
        let lean: Vec<f64> = self
            .shares
            .iter()
            .enumerate()
            .map(|(i, s)| s * swing.get(i).copied().unwrap_or(1.0) * (0.6 * rng.normal()).exp())
            .collect();
        let counts = split(valid, &lean);
        let acta_id = format!(
            "{:02}{:02}{:02}{:03}.{:02}.1.{:04}",
            rng.int(1, 24),
            rng.int(1, 21),
            rng.int(1, 12),
            rng.int(1, 180),
            rng.int(1, 12),
            rng.int(1, 9999)
        );
        let qr_payload = rng.chance(0.85).then(|| qr_payload_2024(&acta_id, &counts, null, blank));
        let rows =
            self.labels.iter().zip(&counts).map(|(l, c)| ActaRow { label: l.clone(), count: *c }).collect();
        let extra = EXTRA_LABELS
            .iter()
            .zip([null, blank, voters, registered.saturating_sub(voters)])
            .map(|(l, c)| ActaRow { label: (*l).to_owned(), count: c })
            .collect();
        ActaSpec { acta_id, registered, rows, extra, qr_payload, handwritten: rng.chance(0.5) }
    }
}

/// Splits `total` in proportion to `weights` by largest remainders, so the parts sum to `total`.
fn split(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| f64::from(total) * w / sum).collect();
    let mut counts: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let short = total.saturating_sub(counts.iter().sum());
    let mut order: Vec<usize> = (0..weights.len()).collect();
    let remainder = |i: &usize| exact.get(*i).map_or(0.0, |e| e - e.floor());
    order.sort_by(|a, b| remainder(b).total_cmp(&remainder(a)));
    for i in order.into_iter().take(short as usize) {
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up() {
        let election = Election::new(5, 38);
        for seed in 0..50 {
            let acta = election.acta(seed);
            assert_eq!(acta.rows.len(), 38);
            let [null, blank, voters, unused] = acta.extra.iter().map(|r| r.count).collect::<Vec<_>>()[..]
            else {
                panic!("four extra rows");
            };
            assert_eq!(acta.total_valid() + null + blank, voters);
            assert_eq!(voters + unused, acta.registered);
            assert!((200..=600).contains(&acta.registered));
            let id: Vec<&str> = acta.acta_id.split('.').collect();
            assert_eq!(id.iter().map(|p| p.len()).collect::<Vec<_>>(), [9, 2, 1, 4], "{}", acta.acta_id);
            if let Some(qr) = &acta.qr_payload {
                let parts: Vec<&str> = qr.split('!').collect();
                assert_eq!(parts[0], acta.acta_id);
                let counts: Vec<u32> = parts[1].split(',').map(|c| c.parse().unwrap()).collect();
                assert_eq!(counts, acta.rows.iter().map(|r| r.count).collect::<Vec<_>>());
                assert_eq!(parts[2..], [null.to_string(), blank.to_string()]);
            }
        }
    }

    #[test]
    fn split_is_exact() {
        assert_eq!(split(10, &[1.0, 1.0, 1.0]).iter().sum::<u32>(), 10);
        assert_eq!(split(7, &[]), Vec::<u32>::new());
        assert_eq!(split(0, &[1.0, 2.0]), [0, 0]);
    }
}
