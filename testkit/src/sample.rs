//! A whole synthetic election: the package coordinators import, and the truth of every acta.
//!
//! Shaped like Venezuela's 2024 presidential election: one contest, 38 party cards for 10
//! candidates, four extra counts (null, blank, voters who voted, ballots unused), a QR code in the
//! CNE 2024 format on most actas; regions from state to municipality to parish; centers with one to
//! nine tables; each state leans its own way (a regional swing on every option). Center codes follow the CNE pattern (state, municipality, parish, center:
//! `SSMMPPCCC`), so acta ids (`SSMMPPCCC.TT.1.NNNN`) read like real ones. Names of municipalities,
//! parishes and centers are invented.
//!
//! The same seed and size give the same package and the same actas, and every acta agrees with its
//! station's registered voters.

use std::collections::BTreeMap;

use testigo_protocol::election::{
    BallotOption, Candidate, Contest, CountField, CountFieldKind, Election as PackageElection,
    ElectionPackage, PACKAGE_FORMAT, PollingCenter, QrFormat, Station,
};

use crate::acta::{ActaSpec, Election, qr_payload_2024};
use crate::rng::Rng;

/// The contest's id in sample packages.
pub const CONTEST_ID: &str = "presidencial";
/// Candidates in the sample contest.
pub const CANDIDATES: usize = 10;
/// Ids of the extra count fields, in the order of [`crate::EXTRA_LABELS`].
pub const FIELD_IDS: [&str; 4] = ["nulos", "blancos", "votantes", "sobrantes"];

const STATES: [&str; 24] = [
    "Distrito Capital",
    "Amazonas",
    "Anzoátegui",
    "Apure",
    "Aragua",
    "Barinas",
    "Bolívar",
    "Carabobo",
    "Cojedes",
    "Falcón",
    "Guárico",
    "Lara",
    "Mérida",
    "Miranda",
    "Monagas",
    "Nueva Esparta",
    "Portuguesa",
    "Sucre",
    "Táchira",
    "Trujillo",
    "Yaracuy",
    "Zulia",
    "La Guaira",
    "Delta Amacuro",
];

const CENTER_KINDS: [&str; 6] =
    ["Escuela Básica", "Unidad Educativa", "Liceo", "Escuela Estadal", "Colegio", "Escuela Bolivariana"];

/// One station of a sample election: where it is and whose acta it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleStation {
    /// The station's index in the package.
    pub index: usize,
    /// Its center's 9-digit code.
    pub center_code: String,
    /// The table number.
    pub table: u32,
    /// Its state's index (the first level of the region tree).
    pub state: usize,
}

/// A synthetic election: the package and the model its actas are drawn from.
#[derive(Debug, Clone)]
pub struct SampleElection {
    /// The coordinators' package (no assignment).
    pub package: ElectionPackage,
    /// Where each station is, in package order.
    pub stations: Vec<SampleStation>,
    model: Election,
    /// Per state, each ballot option's regional lean (a factor on its national popularity).
    swing: Vec<Vec<f64>>,
    seed: u64,
}

impl SampleElection {
    /// An election with `stations` tables, drawn from `seed`.
    pub fn new(seed: u64, stations: usize) -> Self {
        let model = Election::new(seed, crate::DEFAULT_OPTIONS);
        let mut rng = Rng::stream(seed, 0x5A4E);
        let mut centers = Vec::new();
        let mut out_stations = Vec::new();
        let mut where_ = Vec::new();
        // Walk states, municipalities and parishes, opening centers until enough tables exist.
        let states = STATES.len().min(stations.div_ceil(40).max(1));
        let per_state = stations.div_ceil(states);
        // A state holds up to 99 municipalities of 2–6 parishes; big elections get bigger parishes.
        let scale = u32::try_from(per_state.div_ceil(6000)).unwrap_or(u32::MAX).clamp(1, 100);
        let mut index = 0usize;
        'states: for (s, state) in STATES.iter().enumerate().take(states) {
            let mut in_state = 0usize;
            for m in 1.. {
                let municipality = format!("Municipio {}", municipality_name(seed, s, m));
                for p in 1..=rng.int(2, 6) {
                    let parish = format!("Parroquia {}", parish_name(seed, s, m, p as usize));
                    for c in 1..=rng.int(2, 9) * scale {
                        if index >= stations {
                            break 'states;
                        }
                        if in_state >= per_state {
                            continue 'states;
                        }
                        let code = format!("{:02}{:02}{:02}{:03}", s + 1, m, p, c);
                        let kind = CENTER_KINDS.get(rng.int(0, 5) as usize).copied().unwrap_or("Escuela");
                        centers.push(PollingCenter {
                            id: code.clone(),
                            name: format!("{kind} {}", center_name(seed, index)),
                            region: vec![(*state).to_owned(), municipality.clone(), parish.clone()],
                        });
                        let tables = rng.int(1, 9);
                        for t in 1..=tables {
                            if index >= stations || in_state >= per_state {
                                break;
                            }
                            let id = format!("{code}-{t:02}");
                            out_stations.push(Station {
                                id,
                                center_id: code.clone(),
                                number: t,
                                registered_voters: model.acta(station_seed(seed, index)).registered,
                            });
                            where_.push(SampleStation {
                                index,
                                center_code: code.clone(),
                                table: t,
                                state: s,
                            });
                            index += 1;
                            in_state += 1;
                        }
                    }
                }
                if m > 99 {
                    break;
                }
            }
        }
        let candidates = (0..CANDIDATES)
            .map(|i| Candidate { id: format!("c{:02}", i + 1), name: candidate_name(i) })
            .collect();
        let options = model
            .labels
            .iter()
            .enumerate()
            .map(|(i, label)| BallotOption {
                id: format!("o{:02}", i + 1),
                candidate_id: format!("c{:02}", i % CANDIDATES + 1),
                party: label.clone(),
            })
            .collect();
        let kinds = [
            CountFieldKind::Null,
            CountFieldKind::Blank,
            CountFieldKind::VotersWhoVoted,
            CountFieldKind::BallotsUnused,
        ];
        let count_fields = kinds
            .iter()
            .zip(FIELD_IDS)
            .zip(crate::EXTRA_LABELS)
            .map(|((kind, id), label)| CountField { id: id.to_owned(), kind: *kind, label: label.to_owned() })
            .collect();
        let package = ElectionPackage {
            format: PACKAGE_FORMAT,
            version: 1,
            election: PackageElection {
                id: format!("sim-{seed}"),
                name: "Elección presidencial simulada".into(),
                date: "2026-07-28".into(),
                time_zone: Some("America/Caracas".into()),
            },
            contests: vec![Contest {
                id: CONTEST_ID.into(),
                name: "Presidencial".into(),
                candidates,
                options,
                count_fields,
                acta_qr: Some(QrFormat::Venezuela2024),
            }],
            centers,
            stations: out_stations,
            assignment: None,
            bundle_key: None,
            sms_numbers: Vec::new(),
        };
        // Regions lean: each option's popularity varies by state (a log-normal factor, a swing of
        // roughly ±25% in share), on top of each table's own lean, as real regional results do.
        let swing = (0..STATES.len())
            .map(|s| {
                let mut rng = Rng::stream(seed ^ (s as u64).wrapping_mul(0x51_7CC1), 0x5317);
                (0..crate::DEFAULT_OPTIONS).map(|_| (0.25 * rng.normal()).exp()).collect()
            })
            .collect();
        SampleElection { package, stations: where_, model, swing, seed }
    }

    /// The truth of station `index`'s acta: what is printed and written on it. Its registered
    /// voters are the package's, and its acta id and QR code name its center and table.
    pub fn acta(&self, index: usize) -> Option<ActaSpec> {
        let at = self.stations.get(index)?;
        let swing = self.swing.get(at.state).map_or(&[][..], Vec::as_slice);
        let mut spec = self.model.acta_with_swing(station_seed(self.seed, index), swing);
        spec.acta_id = format!("{}.{:02}.1.{:04}", at.center_code, at.table, index % 10_000);
        if spec.qr_payload.is_some() {
            let counts: Vec<u32> = spec.rows.iter().map(|r| r.count).collect();
            let extra: Vec<u32> = spec.extra.iter().map(|r| r.count).collect();
            spec.qr_payload = Some(qr_payload_2024(
                &spec.acta_id,
                &counts,
                extra.first().copied().unwrap_or(0),
                extra.get(1).copied().unwrap_or(0),
            ));
        }
        Some(spec)
    }

    /// The seed of station `index`'s acta (for photographing it: [`crate::SyntheticActa`]).
    pub fn acta_seed(&self, index: usize) -> u64 {
        station_seed(self.seed, index)
    }
}

/// An acta's numbers keyed by the sample package's option and field ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActaCounts {
    /// Votes per ballot option id.
    pub counts: BTreeMap<String, u32>,
    /// Extra counts per field id.
    pub extra: BTreeMap<String, u32>,
}

/// The numbers of an acta keyed by the sample package's option and field ids.
pub fn acta_counts(spec: &ActaSpec) -> ActaCounts {
    let counts = spec.rows.iter().enumerate().map(|(i, r)| (format!("o{:02}", i + 1), r.count)).collect();
    let extra = spec.extra.iter().zip(FIELD_IDS).map(|(r, id)| (id.to_owned(), r.count)).collect();
    ActaCounts { counts, extra }
}

fn station_seed(seed: u64, index: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (index as u64).wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

const SYLLABLES: [&str; 24] = [
    "ma", "ra", "ca", "bo", "li", "var", "san", "ta", "ro", "sa", "mi", "ran", "da", "que", "na", "gua",
    "ri", "co", "to", "pe", "al", "ve", "zu", "la",
];

fn word(rng: &mut Rng) -> String {
    let n = rng.int(2, 4);
    let mut w: String =
        (0..n).map(|_| SYLLABLES.get(rng.int(0, 23) as usize).copied().unwrap_or("a")).collect();
    if let Some(first) = w.get(..1) {
        w = first.to_uppercase() + w.get(1..).unwrap_or("");
    }
    w
}

fn municipality_name(seed: u64, s: usize, m: usize) -> String {
    word(&mut Rng::stream(seed ^ (s as u64) << 8 ^ m as u64, 0x3A1))
}

fn parish_name(seed: u64, s: usize, m: usize, p: usize) -> String {
    word(&mut Rng::stream(seed ^ (s as u64) << 16 ^ (m as u64) << 8 ^ p as u64, 0x3A2))
}

fn center_name(seed: u64, index: usize) -> String {
    let mut rng = Rng::stream(seed ^ index as u64, 0x3A3);
    format!("{} {}", word(&mut rng), word(&mut rng))
}

fn candidate_name(i: usize) -> String {
    let mut rng = Rng::stream(i as u64, 0xCA4D);
    format!("{} {}", word(&mut rng), word(&mut rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_valid_deterministic_and_sized() {
        for n in [1, 7, 250, 3000, 150_000] {
            let e = SampleElection::new(3, n);
            e.package.validate().unwrap();
            assert_eq!(e.package.stations.len(), n);
            assert_eq!(e.stations.len(), n);
            assert_eq!(e.package.contests[0].options.len(), 38);
        }
        let a = SampleElection::new(3, 100);
        let b = SampleElection::new(3, 100);
        assert_eq!(a.package, b.package);
        assert_ne!(a.package, SampleElection::new(4, 100).package);
        let states: std::collections::BTreeSet<_> =
            SampleElection::new(1, 3000).package.centers.iter().map(|c| c.region[0].clone()).collect();
        assert_eq!(states.len(), 24);
    }

    #[test]
    fn actas_agree_with_their_station_and_parse_as_the_contest() {
        let e = SampleElection::new(9, 60);
        let contest = &e.package.contests[0];
        for (i, station) in e.package.stations.iter().enumerate() {
            let acta = e.acta(i).unwrap();
            assert_eq!(acta.registered, station.registered_voters);
            assert!(acta.acta_id.starts_with(&station.center_id));
            if let Some(qr) = &acta.qr_payload {
                let parsed = testigo_protocol::qr::parse(&QrFormat::Venezuela2024, contest, qr).unwrap();
                let truth = acta_counts(&acta);
                assert_eq!(parsed.counts, truth.counts);
                assert_eq!(parsed.extra_counts["nulos"], truth.extra["nulos"]);
            }
        }
        assert!(e.acta(60).is_none());
    }
}
