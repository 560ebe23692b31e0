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

use std::collections::HashMap;

use testigo_protocol::election::{ElectionPackage, PollingCenter, Station};

/// Why a CSV could not be read. Lines count from 1 (the header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The header is not the expected one.
    #[error("the header must be: {EXPECTED_HEADER}")]
    Header,
    /// A line is malformed.
    #[error("line {line}: {what}")]
    Line {
        /// The line number.
        line: usize,
        /// What is wrong.
        what: &'static str,
    },
}

const EXPECTED_HEADER: &str = "center_id,center_name,region,station_id,number,registered_voters";

/// Splits one CSV line into fields (RFC 4180 quoting, no line breaks inside fields).
fn fields(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                    // After a closing quote only a separator or the end may follow.
                    if !matches!(chars.peek(), None | Some(',')) {
                        return None;
                    }
                }
            }
            (false, ',') => {
                out.push(std::mem::take(&mut field));
                at_start = true;
            }
            (_, c) => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return None;
    }
    out.push(field);
    Some(out)
}

/// Reads centers and stations from CSV text, in file order.
pub fn read_stations_csv(text: &str) -> Result<(Vec<PollingCenter>, Vec<Station>), CsvError> {
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, l)| l.trim_start_matches('\u{feff}').trim()).unwrap_or_default();
    let header: Vec<String> = fields(header).ok_or(CsvError::Header)?;
    let expected: Vec<&str> = EXPECTED_HEADER.split(',').collect();
    if header.iter().map(|h| h.trim()).collect::<Vec<_>>() != expected {
        return Err(CsvError::Header);
    }
    let mut centers: Vec<PollingCenter> = Vec::new();
    let mut center_index: HashMap<String, usize> = HashMap::new();
    let mut stations = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        let bad = |what| CsvError::Line { line: line_no, what };
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let f = fields(line).ok_or(bad("unbalanced quotes"))?;
        let [center_id, center_name, region, station_id, number, registered] = f.as_slice() else {
            return Err(bad("expected 6 fields"));
        };
        let (center_id, station_id) = (center_id.trim(), station_id.trim());
        if center_id.is_empty() || station_id.is_empty() {
            return Err(bad("empty id"));
        }
        let region: Vec<String> =
            region.split('/').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
        let number: u32 = number.trim().parse().map_err(|_| bad("number is not a whole number"))?;
        let registered: u32 =
            registered.trim().parse().map_err(|_| bad("registered_voters is not a whole number"))?;
        match center_index.get(center_id) {
            Some(&idx) => {
                let c = centers.get(idx).ok_or(bad("internal index"))?;
                if c.name != center_name.trim() || c.region != region {
                    return Err(bad("the center's name or region differs from an earlier line"));
                }
            }
            None => {
                center_index.insert(center_id.to_owned(), centers.len());
                centers.push(PollingCenter {
                    id: center_id.to_owned(),
                    name: center_name.trim().to_owned(),
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
        assert_eq!(
            read_stations_csv(&format!("{head}c1,\"x,r,s1,1,5\n")),
            Err(CsvError::Line { line: 2, what: "unbalanced quotes" })
        );
        assert_eq!(
            read_stations_csv(&format!("{head}c1,x,r,s1,1\n")),
            Err(CsvError::Line { line: 2, what: "expected 6 fields" })
        );
    }
}
