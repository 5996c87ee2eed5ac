//! What a member signs when they decide: a [`DecisionStatement`] binds the request (its id and a
//! hash of its content), the decision, the member and the time, and reduces to one SHA-256
//! digest. The device signs the digest; the server and any offline verifier recompute it.
//!
//! - [`content_hash`]: SHA-256 of the payload's canonical JSON (fields in declaration order, sets
//!   and maps sorted, no whitespace), so two officers looking at the same request see the same hash.
//! - [`DecisionStatement::digest`] / [`DecisionStatement::short_digest`]: the full digest, and the
//!   16-character form two officers read to each other to compare out of band.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use ts_rs::TS;

use crate::actor::MemberId;
use crate::request::RequestPayload;

/// Which decision a statement records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DecisionKind {
    /// An approval toward the policy's N.
    Approve,
    /// A rejection: the request will not complete.
    Reject,
    /// The initiator withdraws their own pending request.
    Cancel,
    /// A member completes a request alone, where the policy permits it.
    Execute,
}

impl DecisionKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Cancel => "cancel",
            Self::Execute => "execute",
        }
    }
}

/// SHA-256 (lowercase hex) of the payload's canonical JSON.
pub fn content_hash(payload: &RequestPayload) -> String {
    // Serialising a struct cannot fail: every field is plain data with string keys.
    let canonical = serde_json::to_vec(payload).unwrap_or_default();
    hex(&Sha256::digest(canonical))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One decision, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DecisionStatement {
    /// The request.
    pub request_id: String,
    /// [`content_hash`] of its payload.
    pub content_hash: String,
    /// The decision.
    pub decision: DecisionKind,
    /// Who decides.
    pub member: String,
    /// When, unix seconds.
    #[ts(type = "number")]
    pub at: i64,
}

/// Domain separation: a statement's digest can never be mistaken for any other signed message.
const CONTEXT: &str = "countersign-decision-v1";

impl DecisionStatement {
    /// The statement for `decision` on the request `request_id` with `payload`, by `member` at `at`.
    pub fn new(
        request_id: &str,
        payload: &RequestPayload,
        decision: DecisionKind,
        member: &MemberId,
        at: i64,
    ) -> Self {
        Self::for_content(request_id, content_hash(payload), decision, member, at)
    }

    /// The statement for `decision` on the request `request_id` whose payload hashes to
    /// `content_hash` (as the member saw it), by `member` at `at`.
    pub fn for_content(
        request_id: &str,
        content_hash: String,
        decision: DecisionKind,
        member: &MemberId,
        at: i64,
    ) -> Self {
        Self {
            request_id: request_id.to_owned(),
            content_hash,
            decision,
            member: member.0.clone(),
            at,
        }
    }

    /// The exact bytes hashed: one `field:value` line each, in a fixed order.
    pub fn canonical(&self) -> String {
        format!(
            "{CONTEXT}\nrequest:{}\ncontent:{}\ndecision:{}\nmember:{}\nat:{}\n",
            self.request_id,
            self.content_hash,
            self.decision.as_str(),
            self.member,
            self.at
        )
    }

    /// SHA-256 of [`DecisionStatement::canonical`]: what the device signs.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.canonical().as_bytes()).into()
    }

    /// The digest's first 80 bits in base32, as `ABCD-EFGH-IJKL-MNOP`: short enough to read aloud,
    /// long enough that two different statements never share it in practice.
    pub fn short_digest(&self) -> String {
        const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let d = self.digest();
        let mut bits: u128 = 0;
        for b in &d[..10] {
            bits = (bits << 8) | u128::from(*b);
        }
        let chars: Vec<char> = (0..16)
            .map(|i| {
                let shift = 80 - 5 * (i + 1);
                char::from(BASE32[usize::try_from((bits >> shift) & 31).unwrap_or(0)])
            })
            .collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn withdrawal(amount: rust_decimal::Decimal) -> RequestPayload {
        RequestPayload::Withdrawal {
            asset: "BTC".into(),
            amount,
            fee: dec!(0.00015),
            key: "cold-storage-1".into(),
            address: "bc1qexample".into(),
        }
    }

    fn statement(payload: &RequestPayload) -> DecisionStatement {
        DecisionStatement::new(
            "AB12CDE-FGHIJK-LMNOPQ",
            payload,
            DecisionKind::Approve,
            &MemberId("m-ada".into()),
            1_795_348_800,
        )
    }

    #[test]
    fn the_canonical_form_is_fixed_and_every_field_changes_the_digest() {
        let base = statement(&withdrawal(dec!(2.5)));
        assert_eq!(
            base.canonical(),
            format!(
                "countersign-decision-v1\nrequest:AB12CDE-FGHIJK-LMNOPQ\ncontent:{}\ndecision:approve\nmember:m-ada\nat:1795348800\n",
                base.content_hash
            )
        );
        assert_eq!(base.content_hash.len(), 64);
        let variants = [
            DecisionStatement {
                request_id: "AB12CDE-FGHIJK-LMNOPR".into(),
                ..base.clone()
            },
            statement(&withdrawal(dec!(2.6))),
            DecisionStatement {
                decision: DecisionKind::Reject,
                ..base.clone()
            },
            DecisionStatement {
                member: "m-eve".into(),
                ..base.clone()
            },
            DecisionStatement {
                at: base.at + 1,
                ..base.clone()
            },
        ];
        for v in &variants {
            assert_ne!(v.digest(), base.digest(), "{v:?}");
            assert_ne!(v.short_digest(), base.short_digest(), "{v:?}");
        }
        assert_eq!(statement(&withdrawal(dec!(2.5))).digest(), base.digest());
    }

    #[test]
    fn the_short_digest_reads_in_four_groups_of_base32() {
        let s = statement(&withdrawal(dec!(1))).short_digest();
        assert_eq!(s.len(), 19);
        let groups: Vec<&str> = s.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(groups.iter().all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        }));
    }
}
