//! Lengths of JSON as Go's `encoding/json` writes it, compact: what etcd stores for the
//! objects `size` estimates and `emit::size` measures.

use serde_json::Value as Json;

/// `{a,b,…}` of fields already measured with their keys.
pub(super) fn object(fields: &[u64]) -> u64 {
    2 + fields.iter().sum::<u64>() + (fields.len() as u64).saturating_sub(1)
}

/// `[a,b,…]`.
pub(super) fn list(items: impl Iterator<Item = u64>) -> u64 {
    let (mut len, mut n) = (2, 0u64);
    for item in items {
        len += item;
        n += 1;
    }
    len + n.saturating_sub(1)
}

/// `"key":`.
pub(super) fn key(k: &str) -> u64 {
    json_str(k) + 1
}

/// A JSON string's length with its quotes, escaped as Go's `encoding/json` escapes it
/// (`"`, `\`, control characters, and `<`, `>`, `&`, U+2028, U+2029 as `\u….`).
pub(crate) fn json_str(s: &str) -> u64 {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' => 2,
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8() as u64,
        })
        .sum::<u64>()
}

/// How many decimal digits `n` has.
pub(crate) fn digits(n: u64) -> u64 {
    u64::from(n.checked_ilog10().unwrap_or(0)) + 1
}

/// `{"k":"v",…}`.
pub(super) fn string_map_len(map: &indexmap::IndexMap<String, String>) -> u64 {
    let fields: Vec<u64> = map.iter().map(|(k, v)| key(k) + json_str(v)).collect();
    object(&fields)
}

/// A JSON value's length as Go's `encoding/json` writes it, compact.
pub(super) fn json_len(value: &Json) -> u64 {
    match value {
        Json::Null => 4,
        Json::Bool(b) => 4 + u64::from(!*b),
        Json::Number(n) => n.to_string().len() as u64,
        Json::String(s) => json_str(s),
        Json::Array(items) => list(items.iter().map(json_len)),
        Json::Object(map) => {
            let fields: Vec<u64> = map.iter().map(|(k, v)| key(k) + json_len(v)).collect();
            object(&fields)
        }
    }
}
