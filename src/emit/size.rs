//! How many bytes a rendered manifest takes as the Kubernetes API server stores it: the
//! object as compact JSON, without the YAML's comments, indentation and header.
//!
//! Custom resources are stored in etcd as JSON written by Go's `encoding/json` (they have
//! no protobuf encoding), so that is what is counted: no spaces, keys in document order,
//! strings escaped as Go escapes them (`"`, `\`, control characters, and `<`, `>`, `&`,
//! U+2028, U+2029 as `\u00XX`/`\u20XX`, since Go escapes HTML by default). The YAML is
//! walked once through serde and only lengths are added up, so the cost is linear in the
//! text and nothing of the document is kept.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

// The lengths Go's `encoding/json` writes, shared with the plan's estimate of the same
// objects, so the two agree by construction.
use crate::plan::size::{digits, json_str};

/// What [`json_bytes`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measured {
    /// The document's compact-JSON size.
    Exact(u64),
    /// Counting stopped once the size passed the bound it was given: at least this many.
    Above(u64),
}

/// The compact-JSON size in bytes of the one YAML document in `yaml`, counted until it
/// passes `stop_above` (then [`Measured::Above`]: the rest of the document is not read),
/// or why the document could not be read.
pub fn json_bytes(yaml: &str, stop_above: u64) -> Result<Measured, String> {
    // ladder's own output: no budget is needed against hostile input, but the same
    // scalar rules the spec is read with (ladder quotes what they would misread).
    let options = serde_saphyr::options! {
        with_snippet: false,
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        budget: None,
    };
    let counter = Counter {
        total: Cell::new(0),
        stop_above,
    };
    let result = serde_saphyr::with_deserializer_from_str_with_options(yaml, options, |de| {
        Seed(&counter).deserialize(de)
    });
    match result {
        Ok(()) => Ok(Measured::Exact(counter.total.get())),
        Err(_) if counter.total.get() > stop_above => Ok(Measured::Above(counter.total.get())),
        Err(e) => Err(e.without_snippet().to_string()),
    }
}

/// The running total and where counting stops.
struct Counter {
    total: Cell<u64>,
    stop_above: u64,
}

impl Counter {
    fn add<E: de::Error>(&self, n: u64) -> Result<(), E> {
        let total = self.total.get().saturating_add(n);
        self.total.set(total);
        if total > self.stop_above {
            Err(E::custom("over the bound"))
        } else {
            Ok(())
        }
    }
}

/// Adds the JSON length of one value to the counter.
#[derive(Clone, Copy)]
struct Seed<'a>(&'a Counter);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.0.add(if b { 4 } else { 5 })
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.0.add(digits(n.unsigned_abs()) + u64::from(n < 0))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.0.add(digits(n))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<(), E> {
        // Go writes floats in their shortest form; ladder emits none, so this is near enough.
        self.0.add(if f.is_finite() {
            f.to_string().len() as u64
        } else {
            4
        })
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.0.add(json_str(s))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.add(4)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.0.add(4)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // [a,b,…]
        self.0.add(2)?;
        let mut first = true;
        while seq.next_element_seed(self)?.is_some() {
            if !first {
                self.0.add(1)?;
            }
            first = false;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // {"key":value,…}
        self.0.add(2)?;
        let mut first = true;
        while map.next_key_seed(Key(self.0))?.is_some() {
            map.next_value_seed(self)?;
            self.0.add(1 + u64::from(!first))?;
            first = false;
        }
        Ok(())
    }
}

/// A map key: JSON keys are strings, so a YAML key `1` or `true` is written `"1"`, `"true"`.
#[derive(Clone, Copy)]
struct Key<'a>(&'a Counter);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar key")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        self.0.add(if b { 6 } else { 7 })
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<(), E> {
        self.0.add(digits(n.unsigned_abs()) + u64::from(n < 0) + 2)
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<(), E> {
        self.0.add(digits(n) + 2)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.0.add(json_str(s))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.add(6) // "null"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counted size is the length of the compact JSON, as serde_json writes it for
    /// text without characters Go escapes differently.
    #[test]
    fn counts_the_compact_json_of_the_document() {
        let yaml = "# a comment\napiVersion: v1\nkind: X  # trailing\nmetadata:\n  name: \"a\\\"b\"\n  labels: {a: '1', b: \"x\\ny\"}\nspec:\n  n: 3\n  neg: -12\n  on: true\n  off: false\n  nothing: null\n  empty: []\n  none: {}\n  list:\n    - a\n    - {k: v}\n  block: |\n    line one\n    \"quoted\" \\ tab\there\n";
        let value: serde_json::Value = serde_saphyr::from_str(yaml).unwrap();
        let expected = serde_json::to_string(&value).unwrap().len() as u64;
        assert_eq!(json_bytes(yaml, u64::MAX), Ok(Measured::Exact(expected)));
        // Counting stops once past the bound.
        assert!(matches!(json_bytes(yaml, 40), Ok(Measured::Above(n)) if n > 40 && n < expected));
    }

    #[test]
    fn escapes_html_characters_as_go_does() {
        // Go writes `{"u":"a\u0026b\u003c"}`.
        assert_eq!(json_bytes("u: a&b<\n", u64::MAX), Ok(Measured::Exact(22)));
    }
}
