//! The client's signing cost: `API-Sign` over a typical private call (HMAC-SHA512 over the path
//! and SHA-256 of nonce ‖ body), and the server's verification of it. No target: it is reported
//! beside the sandbox's throughput, of which it is a small part.

#![allow(clippy::unwrap_used)]

use countersign_kraken::{ApiSecret, sign, verify_signature};
use criterion::{Criterion, criterion_group, criterion_main};

fn signing(c: &mut Criterion) {
    let secret = ApiSecret::from_base64(
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
    )
    .unwrap();
    let body = "nonce=1616492376594&asset=XBT&key=cold-storage-1&amount=0.25";
    c.bench_function("sign a Withdraw call", |b| {
        b.iter(|| sign(&secret, "/0/private/Withdraw", "1616492376594", body));
    });
    let sig = sign(&secret, "/0/private/Withdraw", "1616492376594", body);
    c.bench_function("verify a Withdraw signature", |b| {
        b.iter(|| verify_signature(&secret, "/0/private/Withdraw", "1616492376594", body, &sig));
    });
}

criterion_group!(benches, signing);
criterion_main!(benches);
