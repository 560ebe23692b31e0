//! Importing the election: the package JSON, and optionally the polling centers and stations
//! from a CSV file (what electoral registers are usually published as).
//!
//! The CSV has a header line and one line per station:
//!
//! ```text
//! center_id,center_name,region,station_id,number,registered_voters
//! 010101001,Escuela Básica Nacional,Distrito Capital/Libertador/Altagracia,010101001-1,1,520
//! ```
//!
//! `region` is the path from widest to narrowest, separated by `/`. Fields may be quoted with
//! `"` (a quote inside is doubled). A center's name and region must agree on every line.
//! [`write_stations_csv`] writes the same format (`testigo election sample --csv`).

use std::collections::HashMap;

use testigo_protocol::election::{ElectionPackage, PollingCenter, Station};

/// Why a CSV could not be read or written. Lines count from 1 (the header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The header is not the expected one.
    #[error("the header must be: {}", HEADER.join(","))]
    Header,
    /// A line is malformed.
    #[error("line {line}: {what}")]
    Line {
        /// The line number.
        line: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// The CSV could not be written (a center or station that cannot be put in a field).
    #[error("the stations cannot be written as CSV")]
    Write,
}

/// The columns, in order.
const HEADER: [&str; 6] = ["center_id", "center_name", "region", "station_id", "number", "registered_voters"];

/// Reads centers and stations from CSV text, in file order (RFC 4180 with the `csv` crate: quoted
/// fields, doubled quotes, a byte-order mark, `\r\n` or `\n`; every field trimmed).
pub fn read_stations_csv(text: &str) -> Result<(Vec<PollingCenter>, Vec<Station>), CsvError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| CsvError::Header)?;
    if header.iter().ne(HEADER) {
        return Err(CsvError::Header);
    }
    let mut centers: Vec<PollingCenter> = Vec::new();
    let mut center_index: HashMap<String, usize> = HashMap::new();
    let mut stations = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        let bad = |what| CsvError::Line { line, what };
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(match e.kind() {
                    csv::ErrorKind::UnequalLengths { .. } => bad("expected 6 fields"),
                    csv::ErrorKind::Utf8 { .. } => bad("not UTF-8"),
                    _ => bad("unreadable line"),
                });
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        let bad = |what| CsvError::Line { line, what };
        let Some([center_id, center_name, region, station_id, number, registered]) =
            record.iter().collect::<Vec<_>>().get(..).and_then(|f| <[&str; 6]>::try_from(f).ok())
        else {
            return Err(bad("expected 6 fields"));
        };
        if center_id.is_empty() || station_id.is_empty() {
            return Err(bad("empty id"));
        }
        let region: Vec<String> =
            region.split('/').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
        let number: u32 = number.parse().map_err(|_| bad("number is not a whole number"))?;
        let registered: u32 =
            registered.parse().map_err(|_| bad("registered_voters is not a whole number"))?;
        match center_index.get(center_id) {
            Some(&idx) => {
                let c = centers.get(idx).ok_or(bad("internal index"))?;
                if c.name != center_name || c.region != region {
                    return Err(bad("the center's name or region differs from an earlier line"));
                }
            }
            None => {
                center_index.insert(center_id.to_owned(), centers.len());
                centers.push(PollingCenter {
                    id: center_id.to_owned(),
                    name: center_name.to_owned(),
                    region,
                });
            }
        }
        stations.push(Station {
            id: station_id.to_owned(),
            center_id: center_id.to_owned(),
            number,
            registered_voters: registered,
        });
    }
    Ok((centers, stations))
}

/// The package's centers and stations as the CSV [`read_stations_csv`] reads, one line per
/// station in package order (a station whose center is missing is left out).
pub fn write_stations_csv(package: &ElectionPackage) -> Result<String, CsvError> {
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    writer.write_record(HEADER).map_err(|_| CsvError::Write)?;
    for s in &package.stations {
        let Some(c) = package.center(&s.center_id) else { continue };
        let (number, registered) = (s.number.to_string(), s.registered_voters.to_string());
        writer
            .write_record([c.id.as_str(), &c.name, &c.region.join("/"), &s.id, &number, &registered])
            .map_err(|_| CsvError::Write)?;
    }
    let bytes = writer.into_inner().map_err(|_| CsvError::Write)?;
    String::from_utf8(bytes).map_err(|_| CsvError::Write)
}

/// Replaces the package's centers and stations with the CSV's.
pub fn apply_stations_csv(package: &mut ElectionPackage, text: &str) -> Result<(), CsvError> {
    let (centers, stations) = read_stations_csv(text)?;
    package.centers = centers;
    package.stations = stations;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_fields_and_groups_centers() {
        let csv = "center_id,center_name,region,station_id,number,registered_voters\r\n\
                   c1,\"Escuela \"\"Bolívar\"\", sede 2\",Zulia/Maracaibo,s1,1,500\r\n\
                   c1,\"Escuela \"\"Bolívar\"\", sede 2\",Zulia/Maracaibo,s2,2,498\n\
                   \n\
                   c2,Liceo,Zulia / Cabimas,s3,1,300\n";
        let (centers, stations) = read_stations_csv(csv).unwrap();
        assert_eq!(centers.len(), 2);
        assert_eq!(centers[0].name, "Escuela \"Bolívar\", sede 2");
        assert_eq!(centers[1].region, vec!["Zulia", "Cabimas"]);
        assert_eq!(stations.len(), 3);
        assert_eq!(stations[1].registered_voters, 498);
    }

    #[test]
    fn what_is_written_reads_back() {
        let csv = "\u{feff}center_id,center_name,region,station_id,number,registered_voters\n\
                   c1,\"Escuela \"\"Bolívar\"\", sede 2\",Zulia/Maracaibo,s1,1,500\n\
                   c2,Liceo,Zulia/Cabimas,s3,1,300\n";
        let mut package: ElectionPackage =
            serde_json::from_str(include_str!("../../protocol/tests/snapshots/election_package.json"))
                .unwrap();
        apply_stations_csv(&mut package, csv).unwrap();
        let written = write_stations_csv(&package).unwrap();
        assert_eq!(written, csv.trim_start_matches('\u{feff}'));
        assert_eq!(read_stations_csv(&written).unwrap(), (package.centers.clone(), package.stations.clone()));
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let head = "center_id,center_name,region,station_id,number,registered_voters\n";
        assert_eq!(read_stations_csv("a,b\n"), Err(CsvError::Header));
        assert_eq!(
            read_stations_csv(&format!("{head}c1,x,r,s1,one,5\n")),
            Err(CsvError::Line { line: 2, what: "number is not a whole number" })
        );
        assert_eq!(
            read_stations_csv(&format!("{head}c1,x,r,s1,1,5\nc1,y,r,s2,2,5\n")),
            Err(CsvError::Line { line: 3, what: "the center's name or region differs from an earlier line" })
        );
        // An unclosed quote runs to the end of the file (a quoted field may hold line breaks).
        assert_eq!(
            read_stations_csv(&format!("{head}c1,\"x,r,s1,1,5\n")),
            Err(CsvError::Line { line: 2, what: "expected 6 fields" })
        );
        assert_eq!(
            read_stations_csv(&format!("{head}c1,x,r,s1,1\n")),
            Err(CsvError::Line { line: 2, what: "expected 6 fields" })
        );
    }
}
