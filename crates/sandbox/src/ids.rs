//! Identifiers and keys in the exchange's shapes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng as _;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A reference id shaped like the exchange's (`AGBSO6T-UFMTTQ-I7KGS6`).
pub(crate) fn refid() -> String {
    let mut rng = rand::rng();
    let mut group = |n: usize| -> String {
        (0..n)
            .map(|_| char::from(BASE32[rng.random_range(0..32)]))
            .collect()
    };
    format!("{}-{}-{}", group(7), group(6), group(6))
}

/// A ledger entry id (`L4UESK-KG3EQ-UFO4T5`).
pub(crate) fn ledger_id() -> String {
    prefixed('L')
}

/// A transaction id of an order or a trade (`OQCLML-BW3P3-BUCMWZ`, `TCCCTY-WE2O6-P3NB37`).
pub(crate) fn txid(prefix: char) -> String {
    prefixed(prefix)
}

fn prefixed(first: char) -> String {
    let r = refid();
    // `XXXXXXX-XXXXXX-XXXXXX` -> `PXXXXX-XXXXX-XXXXXX`: the exchange's 6-5-6 shape.
    let body: String = r.chars().filter(|c| *c != '-').collect();
    format!("{first}{}-{}-{}", &body[..5], &body[5..10], &body[10..16])
}

/// An export id: four capital letters, as the exchange's (`TCJA`).
pub(crate) fn export_id() -> String {
    let mut rng = rand::rng();
    (0..4)
        .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
        .collect()
}

/// A public API key: 56 base64 characters, as the exchange issues.
pub(crate) fn api_key() -> String {
    let bytes: [u8; 42] = rand::rng().random();
    STANDARD.encode(bytes)
}

/// A private API key: 64 random bytes.
pub(crate) fn api_secret() -> countersign_kraken::ApiSecret {
    let bytes: [u8; 64] = rand::rng().random();
    countersign_kraken::ApiSecret::from_bytes(bytes.to_vec())
}

#[cfg(test)]
mod tests {
    #[test]
    fn shapes_match_the_exchange() {
        let r = super::refid();
        assert_eq!(r.len(), 21);
        assert_eq!(r.matches('-').count(), 2);
        assert_eq!(super::api_key().len(), 56);
        assert_eq!(super::api_secret().to_base64().len(), 88);
    }
}
