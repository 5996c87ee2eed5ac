//! Identifiers, keys and secrets in the exchange's shapes, and where their randomness comes
//! from: the OS, unless [`deterministic`] seeded it for this process (fixture recording), so
//! the same script against a fresh sandbox makes the same ids, keys and TOTP secrets.

use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::{Rng, RngCore, SeedableRng as _};

/// The seeded generator, when [`deterministic`] was called.
static SEEDED: Mutex<Option<rand::rngs::StdRng>> = Mutex::new(None);

/// From now on, every id, key and secret the sandbox makes in this process comes from a
/// generator seeded with `seed` (never in a server anyone uses: it makes keys guessable).
pub fn deterministic(seed: u64) {
    *SEEDED.lock().unwrap_or_else(PoisonError::into_inner) =
        Some(rand::rngs::StdRng::seed_from_u64(seed));
}

/// Runs `f` on the seeded generator if there is one, else on the OS-seeded thread generator.
fn with_rng<T>(f: impl FnOnce(&mut dyn RngCore) -> T) -> T {
    let mut seeded = SEEDED.lock().unwrap_or_else(PoisonError::into_inner);
    match seeded.as_mut() {
        Some(rng) => f(rng),
        None => f(&mut rand::rng()),
    }
}

/// `N` random bytes.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    with_rng(|rng| {
        let mut out = [0u8; N];
        rng.fill_bytes(&mut out);
        out
    })
}

/// A new authenticator secret (160 bits).
pub(crate) fn totp_secret() -> countersign_vault::TotpSecret {
    countersign_vault::TotpSecret::from_bytes(&bytes::<20>())
        .unwrap_or_else(|| unreachable!("160 bits is a valid secret length"))
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A reference id shaped like the exchange's (`AGBSO6T-UFMTTQ-I7KGS6`).
pub(crate) fn refid() -> String {
    with_rng(|rng| {
        let mut group = |n: usize| -> String {
            (0..n)
                .map(|_| char::from(BASE32[rng.random_range(0..32)]))
                .collect()
        };
        format!("{}-{}-{}", group(7), group(6), group(6))
    })
}

/// A decision window's id (`W` and a reference-shaped id). Bound to its member server-side,
/// so it grants nothing to anyone else who reads it.
pub(crate) fn window_id() -> String {
    format!("W{}", refid())
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

/// An export id: capital letters, as the exchange's (`TCJA`), but sixteen of them (about 75
/// bits), so that an id cannot be guessed: four letters are 456,976 tries.
pub(crate) fn export_id() -> String {
    with_rng(|rng| {
        (0..16)
            .map(|_| char::from(b'A' + rng.random_range(0..26u8)))
            .collect()
    })
}

/// A public API key: 56 base64 characters, as the exchange issues.
pub(crate) fn api_key() -> String {
    STANDARD.encode(bytes::<42>())
}

/// A private API key: 64 random bytes.
pub(crate) fn api_secret() -> countersign_kraken::ApiSecret {
    countersign_kraken::ApiSecret::from_bytes(bytes::<64>().to_vec())
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
