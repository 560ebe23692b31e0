//! What an enrollment QR code holds:
//! `testigo:enroll?code=XXXX-XXXX-XXXX[&server=<url>][&pin=sha256/<base64>]…`.
//!
//! A `pin` is the SHA-256 of the server's TLS public key (its DER SubjectPublicKeyInfo, standard
//! base64, as in HPKP and curl's `--pinnedpubkey`). A phone enrolled with pins trusts that key and
//! nothing else: no certificate authority, however trusted by the phone, can stand in for the
//! server. Several pins allow a backup key.
//!
//! The server writes it ([`EnrollmentUri::to_uri`]) beside each one-time code it hands out; the
//! phone reads it ([`parse_enrollment_uri`]) when the watcher scans the code. Values are
//! percent-encoded; a server address that is not `http://` or `https://` is dropped rather than
//! trusted (a QR code is input from anyone).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The scheme and path every enrollment URI starts with.
const PREFIX: &str = "testigo:enroll?";
/// The longest code accepted (codes are 12 characters; room for dashes and spaces).
const MAX_CODE_LEN: usize = 64;
/// Everything but RFC 3986's unreserved characters is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// What an enrollment QR code holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EnrollmentUri {
    /// The one-time code.
    pub code: String,
    /// The server's address, if the code carries it.
    pub server_url: Option<String>,
    /// The server's TLS key pins (`sha256/<base64>`); empty when the code pins nothing.
    pub tls_pins: Vec<String>,
}

impl EnrollmentUri {
    /// The URI text, as put in the QR code.
    pub fn to_uri(&self) -> String {
        let mut uri = format!("{PREFIX}code={}", utf8_percent_encode(&self.code, COMPONENT));
        if let Some(url) = &self.server_url {
            uri.push_str(&format!("&server={}", utf8_percent_encode(url, COMPONENT)));
        }
        for pin in &self.tls_pins {
            uri.push_str(&format!("&pin={}", utf8_percent_encode(pin, COMPONENT)));
        }
        uri
    }
}

/// The pin prefix: the hash function, as in HPKP.
const PIN_PREFIX: &str = "sha256/";
/// The most pins one code may carry (a key and its backups).
pub const MAX_TLS_PINS: usize = 4;

/// The pin (`sha256/<base64>`) of a TLS public key given as its DER SubjectPublicKeyInfo.
pub fn tls_pin(spki_der: &[u8]) -> String {
    use base64::Engine as _;
    let digest = crate::Sha256::digest(spki_der);
    format!("{PIN_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(digest.0))
}

/// The SHA-256 a pin names; `None` if `pin` is not `sha256/` and the standard base64 of 32 bytes.
pub fn parse_tls_pin(pin: &str) -> Option<[u8; 32]> {
    use base64::Engine as _;
    let b64 = pin.trim().strip_prefix(PIN_PREFIX)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    bytes.try_into().ok()
}

/// A query value: percent-decoded, `+` read as a space (as form encoders write it); `None` if a
/// `%` is not followed by two hex digits or the bytes are not UTF-8.
fn decode(value: &str) -> Option<String> {
    let b = value.as_bytes();
    let escapes_ok = b.iter().enumerate().all(|(i, &c)| {
        c != b'%'
            || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if !escapes_ok {
        return None;
    }
    percent_decode_str(&value.replace('+', " ")).decode_utf8().ok().map(|v| v.into_owned())
}

/// Reads the text of an enrollment QR code; `None` if it is not one.
pub fn parse_enrollment_uri(text: &str) -> Option<EnrollmentUri> {
    let query = text.trim().strip_prefix(PREFIX)?;
    let (mut code, mut server_url, mut tls_pins) = (None, None, Vec::new());
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=')?;
        match k {
            "code" => code = Some(decode(v)?),
            "server" => server_url = Some(decode(v)?),
            // A pin that does not parse is not dropped like a bad address: enrolling without the
            // pin the coordinators meant would trust what they meant to shut out.
            "pin" if tls_pins.len() < MAX_TLS_PINS => {
                let pin = decode(v)?;
                parse_tls_pin(&pin)?;
                tls_pins.push(pin);
            }
            "pin" => return None,
            _ => {}
        }
    }
    let code = code.filter(|c| !c.is_empty() && c.len() <= MAX_CODE_LEN)?;
    let server_url = server_url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    Some(EnrollmentUri { code, server_url, tls_pins })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_carry_the_code_and_the_server_and_round_trip() {
        let u = EnrollmentUri {
            code: "AAAA-BBBB-CCCC".into(),
            server_url: Some("https://x.org/a b".into()),
            tls_pins: vec![],
        };
        assert_eq!(u.to_uri(), "testigo:enroll?code=AAAA-BBBB-CCCC&server=https%3A%2F%2Fx.org%2Fa%20b");
        assert_eq!(parse_enrollment_uri(&u.to_uri()), Some(u));
        let bare = EnrollmentUri { code: "Z".into(), server_url: None, tls_pins: vec![] };
        assert_eq!(bare.to_uri(), "testigo:enroll?code=Z");
        assert_eq!(parse_enrollment_uri(&bare.to_uri()), Some(bare));
    }

    #[test]
    fn junk_does_not_parse() {
        assert_eq!(
            parse_enrollment_uri("testigo:enroll?code=A+B&server=http%3A%2F%2Fh").unwrap(),
            EnrollmentUri { code: "A B".into(), server_url: Some("http://h".into()), tls_pins: vec![] }
        );
        assert!(parse_enrollment_uri("https://evil.example/?code=1").is_none());
        assert!(parse_enrollment_uri("testigo:enroll?server=https%3A%2F%2Fx").is_none());
        assert!(parse_enrollment_uri("testigo:enroll?code=%ff").is_none());
        assert!(parse_enrollment_uri("testigo:enroll?code=%zz").is_none());
        assert!(parse_enrollment_uri("testigo:enroll?code=A%2").is_none());
        assert!(parse_enrollment_uri("testigo:enroll?code=").is_none());
        assert!(parse_enrollment_uri("testigo:enroll?code").is_none());
        assert!(parse_enrollment_uri(&format!("testigo:enroll?code={}", "A".repeat(65))).is_none());
        assert!(
            parse_enrollment_uri("testigo:enroll?code=A&server=javascript%3Aalert(1)")
                .unwrap()
                .server_url
                .is_none()
        );
    }

    #[test]
    fn pins_round_trip_and_a_bad_pin_refuses_the_whole_code() {
        // `openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64` of these bytes.
        let pin = tls_pin(b"spki");
        assert_eq!(pin, "sha256/b+7MjBbFVR2f6z61934tp3O/aL2e+cUpJ86yyG5WiSs=");
        assert_eq!(parse_tls_pin(&pin), Some(crate::Sha256::digest(b"spki").0));
        let u = EnrollmentUri {
            code: "C".into(),
            server_url: Some("https://10.0.0.5:8443".into()),
            tls_pins: vec![pin.clone(), tls_pin(b"backup")],
        };
        assert_eq!(parse_enrollment_uri(&u.to_uri()), Some(u.clone()));
        assert!(u.to_uri().contains("&pin=sha256%2Fb%2B7MjBbF"));
        for bad in ["sha256/short", "sha1/8wwcRYD/iP5UjIDiVnObvd0hVQKJKzq44YZrC1fMhsk=", "", "sha256/!!"] {
            let uri = format!("testigo:enroll?code=C&pin={}", utf8_percent_encode(bad, COMPONENT));
            assert_eq!(parse_enrollment_uri(&uri), None, "{bad}");
        }
        let many = format!("testigo:enroll?code=C{}", format!("&pin={pin}").repeat(MAX_TLS_PINS + 1));
        assert_eq!(parse_enrollment_uri(&many), None);
    }
}
