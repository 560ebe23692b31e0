//! Canonical bytes: the exact input to every signature.
//!
//! JSON is how records travel, but JSON is not stable enough to sign: field order, whitespace,
//! number forms and escapes all vary between encoders. So each signed object defines one byte
//! layout, written by [`Canon`]:
//!
//! - a domain string with a version (`testigo.capture.v1`), so a signature over one kind of object
//!   can never be replayed as another, and a future layout is a new domain;
//! - then every field in a fixed, documented order, each in a self-delimiting form: integers as
//!   fixed-width big-endian, strings and byte strings as a 4-byte big-endian length then the
//!   bytes, optional values as a 0/1 byte then the value, lists and maps as a 4-byte count then the
//!   items (maps in ascending byte order of their keys).
//!
//! Because every item is self-delimiting, two different objects can never produce the same bytes.

/// Writer of canonical bytes.
#[derive(Debug, Clone)]
pub struct Canon {
    buf: Vec<u8>,
}

impl Canon {
    /// Starts a canonical encoding in `domain` (e.g. `testigo.capture.v1`).
    pub fn new(domain: &str) -> Self {
        let mut c = Canon { buf: Vec::with_capacity(256) };
        c.str(domain);
        c
    }

    /// Appends one byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    /// Appends a `u32`, big-endian.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a `u64`, big-endian.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends an `i64`, big-endian two's complement.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a length (or count). Lengths beyond `u32::MAX` cannot occur in signed objects,
    /// whose sizes are bounded far below that; they saturate rather than wrap.
    pub fn count(&mut self, n: usize) -> &mut Self {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Appends a length-prefixed byte string.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.count(v.len());
        self.buf.extend_from_slice(v);
        self
    }

    /// Appends a length-prefixed UTF-8 string.
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }

    /// Appends an optional value: `0`, or `1` then the value.
    pub fn opt<T>(&mut self, v: Option<T>, f: impl FnOnce(&mut Self, T)) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                f(self, v);
                self
            }
        }
    }

    /// The finished bytes.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_self_delimiting() {
        let mut a = Canon::new("d");
        a.str("ab").str("c");
        let mut b = Canon::new("d");
        b.str("a").str("bc");
        assert_ne!(a.finish(), b.finish());
    }

    #[test]
    fn domain_separates_encodings() {
        let mut a = Canon::new("testigo.capture.v1");
        a.u32(1);
        let mut b = Canon::new("testigo.receipt.v1");
        b.u32(1);
        assert_ne!(a.finish(), b.finish());
    }

    #[test]
    fn layout_is_exactly_as_documented() {
        let mut c = Canon::new("d");
        c.u8(7).u32(1).i64(-1).opt(None::<u32>, |c, v| {
            c.u32(v);
        });
        c.opt(Some("x"), |c, v| {
            c.str(v);
        });
        assert_eq!(
            c.finish(),
            [vec![0, 0, 0, 1, b'd', 7, 0, 0, 0, 1], vec![0xff; 8], vec![0, 1, 0, 0, 0, 1, b'x'],].concat()
        );
    }
}
