//! What an enrollment QR code holds: `testigo:enroll?code=XXXX-XXXX-XXXX[&server=<url>]`.
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
}

impl EnrollmentUri {
    /// The URI text, as put in the QR code.
    pub fn to_uri(&self) -> String {
        let code = utf8_percent_encode(&self.code, COMPONENT);
        match &self.server_url {
            Some(url) => format!("{PREFIX}code={code}&server={}", utf8_percent_encode(url, COMPONENT)),
            None => format!("{PREFIX}code={code}"),
        }
    }
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
    let (mut code, mut server_url) = (None, None);
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=')?;
        match k {
            "code" => code = Some(decode(v)?),
            "server" => server_url = Some(decode(v)?),
            _ => {}
        }
    }
    let code = code.filter(|c| !c.is_empty() && c.len() <= MAX_CODE_LEN)?;
    let server_url = server_url.filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    Some(EnrollmentUri { code, server_url })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_carry_the_code_and_the_server_and_round_trip() {
        let u = EnrollmentUri { code: "AAAA-BBBB-CCCC".into(), server_url: Some("https://x.org/a b".into()) };
        assert_eq!(u.to_uri(), "testigo:enroll?code=AAAA-BBBB-CCCC&server=https%3A%2F%2Fx.org%2Fa%20b");
        assert_eq!(parse_enrollment_uri(&u.to_uri()), Some(u));
        let bare = EnrollmentUri { code: "Z".into(), server_url: None };
        assert_eq!(bare.to_uri(), "testigo:enroll?code=Z");
        assert_eq!(parse_enrollment_uri(&bare.to_uri()), Some(bare));
    }

    #[test]
    fn junk_does_not_parse() {
        assert_eq!(
            parse_enrollment_uri("testigo:enroll?code=A+B&server=http%3A%2F%2Fh").unwrap(),
            EnrollmentUri { code: "A B".into(), server_url: Some("http://h".into()) }
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
}
