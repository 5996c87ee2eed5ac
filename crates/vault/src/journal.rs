//! The audit journal: an append-only, hash-chained record of every request, decision and
//! administrative change, verifiable offline by anyone holding the file.
//!
//! - [`JournalRecord`]: one entry — its sequence number, time, [`JournalEvent`], the previous
//!   record's hash and its own. `hash = SHA-256(prev ‖ "\n" ‖ canonical JSON of {seq, at,
//!   committed event})`; the first record's `prev` is 64 zeros. The committed event is the event
//!   with a request's payload standing as its content hash (already in the record) and an
//!   applied change as its digest ([`JournalEvent::committed`]), so a member who may not view a
//!   withdrawal or an address gets those records redacted ([`JournalRecord::redact`]) and the
//!   chain still verifies.
//! - [`Chain`]: appends records (the sandbox keeps it in SQLite; the app mirrors what its device
//!   did).
//! - [`verify`]: reads a JSON Lines export and checks every link, every hash, and every decision's
//!   signature against a device key registered to that member *earlier in the journal*; it names
//!   the first bad record. Altering, deleting, inserting or reordering any record is detected.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use countersign_org::{DecisionStatement, RequestPayload};

use crate::device::DevicePublicKey;

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JournalEvent {
    /// A request was submitted (by a member or a service user).
    RequestSubmitted {
        /// Its id.
        request_id: String,
        /// `member:<id>` or `service_user:<id>`.
        initiator: String,
        /// SHA-256 of its canonical payload (`countersign_org::content_hash`).
        content_hash: String,
        /// The payload itself, as submitted.
        payload: serde_json::Value,
        /// `pending` or `completed`.
        status: String,
    },
    /// A member registered a device key.
    DeviceRegistered {
        /// The member.
        member: String,
        /// The device's public key (base64).
        device_key: String,
    },
    /// A signed decision.
    Decision {
        /// What was signed.
        statement: DecisionStatement,
        /// The signing device's public key (base64).
        device_key: String,
        /// The Ed25519 signature of the statement's digest (base64).
        signature: String,
        /// The request's status after it.
        status: String,
        /// The decision window that stepped it up (see `WindowOpened`); absent in records
        /// written before windows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<String>,
    },
    /// A member's step-up code was accepted and opened a decision window: every decision
    /// journaled with its id was stepped up by that one code.
    WindowOpened {
        /// The member's id.
        member: String,
        /// The window's id.
        window: String,
        /// When it closes, unix seconds.
        closes_at: i64,
    },
    /// A pending request ended without a decision (its policy's expiry).
    RequestExpired {
        /// Its id.
        request_id: String,
    },
    /// A service user withdrew its own pending request (`WithdrawCancel`); service users have no
    /// device and sign nothing.
    RequestCancelled {
        /// Its id.
        request_id: String,
        /// `service_user:<id>`.
        by: String,
    },
    /// A created service user's secret was handed to the request's initiator, once.
    KeyRevealed {
        /// The creating request.
        request_id: String,
        /// Who received it.
        member: String,
    },
    /// A member pulled an emergency stop, at once and alone (lifting it is a request, journaled
    /// as any other).
    Stopped {
        /// `member:<id>`.
        by: String,
        /// `service_user:<id>` (its key) or `withdrawals` (the Organization's freeze).
        target: String,
        /// Why, as they wrote it.
        reason: String,
    },
    /// A completed request changed the Organization (members, service users, policies, the
    /// address book) or moved funds.
    Applied {
        /// The request that caused it.
        request_id: String,
        /// What changed, in words (empty when redacted).
        change: String,
        /// Redacted: the SHA-256 of the words withheld (`None`: the words are here).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        change_digest: Option<String>,
    },
}

impl JournalEvent {
    /// What a record's hash commits to: this event with a submitted request's payload left out
    /// (its `content_hash`, which [`verify`] checks against the payload when present, stands
    /// for it) and an applied change's words as their digest. Withholding either keeps the
    /// commitment, so a redacted record verifies exactly as the full one does.
    pub fn committed(&self) -> Self {
        match self {
            Self::RequestSubmitted {
                request_id,
                initiator,
                content_hash,
                status,
                ..
            } => Self::RequestSubmitted {
                request_id: request_id.clone(),
                initiator: initiator.clone(),
                content_hash: content_hash.clone(),
                payload: serde_json::Value::Null,
                status: status.clone(),
            },
            Self::Applied {
                request_id,
                change,
                change_digest,
            } => Self::Applied {
                request_id: request_id.clone(),
                change: String::new(),
                change_digest: Some(
                    change_digest
                        .clone()
                        .unwrap_or_else(|| sha256_hex(change.as_bytes())),
                ),
            },
            other => other.clone(),
        }
    }
}

/// The SHA-256 of `bytes`, lowercase hex: content hashes, change digests, certificate
/// fingerprints.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRecord {
    /// 1, 2, 3, ... without gaps.
    pub seq: u64,
    /// Unix seconds.
    pub at: i64,
    /// What happened.
    pub event: JournalEvent,
    /// The previous record's hash ([`GENESIS`] for the first).
    pub prev: String,
    /// This record's hash.
    pub hash: String,
}

#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    at: i64,
    event: &'a JournalEvent,
}

fn hash_of(prev: &str, seq: u64, at: i64, event: &JournalEvent) -> String {
    let event = &event.committed();
    let body = serde_json::to_string(&Hashed { seq, at, event }).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(body.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl JournalRecord {
    /// The record following `prev` (or the first, when `None`).
    pub fn next(prev: Option<&JournalRecord>, at: i64, event: JournalEvent) -> Self {
        let (seq, prev_hash) =
            prev.map_or((1, GENESIS.to_owned()), |p| (p.seq + 1, p.hash.clone()));
        let hash = hash_of(&prev_hash, seq, at, &event);
        Self {
            seq,
            at,
            event,
            prev: prev_hash,
            hash,
        }
    }

    /// Withholds what the record says of a request's content: a submitted request's payload
    /// (its `content_hash` stays) and an applied change's words (their digest stays). The hash
    /// is unchanged and still verifies; other records are left as they are.
    pub fn redact(&mut self) {
        match &mut self.event {
            JournalEvent::RequestSubmitted { payload, .. } => *payload = serde_json::Value::Null,
            JournalEvent::Applied {
                change,
                change_digest,
                ..
            } => {
                if change_digest.is_none() {
                    *change_digest = Some(sha256_hex(change.as_bytes()));
                }
                change.clear();
            }
            _ => {}
        }
    }

    /// Whether this record's content was withheld ([`JournalRecord::redact`]).
    pub fn is_redacted(&self) -> bool {
        match &self.event {
            JournalEvent::RequestSubmitted { payload, .. } => payload.is_null(),
            JournalEvent::Applied { change_digest, .. } => change_digest.is_some(),
            _ => false,
        }
    }

    /// One line of the JSON Lines export.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A journal being written: the last record, to chain the next one to.
#[derive(Debug, Default, Clone)]
pub struct Chain {
    last: Option<JournalRecord>,
}

impl Chain {
    /// A chain continuing after `last` (`None`: an empty journal).
    pub fn after(last: Option<JournalRecord>) -> Self {
        Self { last }
    }

    /// Appends `event` at `at` and returns the new record.
    pub fn append(&mut self, at: i64, event: JournalEvent) -> JournalRecord {
        let record = JournalRecord::next(self.last.as_ref(), at, event);
        self.last = Some(record.clone());
        record
    }
}

/// Where a journal first goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {problem}", seq.map(|s| format!(" (record {s})")).unwrap_or_default())]
pub struct JournalFault {
    /// 1-based line of the export.
    pub line: usize,
    /// The record's own sequence number, when it could be read.
    pub seq: Option<u64>,
    /// What is wrong, in words.
    pub problem: String,
}

/// What a verified journal holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Records checked.
    pub records: usize,
    /// Signed decisions among them, each checked against its device key.
    pub decisions: usize,
    /// The last record's hash: quote it to pin this journal's state.
    pub head: String,
}

/// Checks a JSON Lines journal: every line parses, sequence numbers run 1, 2, 3 …, each `prev`
/// is the previous record's hash, each hash matches its content, and each decision's signature
/// verifies against a device key registered to that member in an earlier record.
pub fn verify(text: &str) -> Result<Verified, JournalFault> {
    let mut prev: Option<JournalRecord> = None;
    let mut devices: Vec<(String, String)> = Vec::new();
    let mut decisions = 0;
    let mut records = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let record: JournalRecord = serde_json::from_str(raw).map_err(|e| JournalFault {
            line,
            seq: None,
            problem: format!("not a journal record ({e})"),
        })?;
        let fault = |problem: String| JournalFault {
            line,
            seq: Some(record.seq),
            problem,
        };
        let expected_seq = prev.as_ref().map_or(1, |p| p.seq + 1);
        if record.seq != expected_seq {
            return Err(fault(format!(
                "sequence number {} where {expected_seq} was expected: a record is missing, inserted or out of order",
                record.seq
            )));
        }
        let expected_prev = prev.as_ref().map_or(GENESIS, |p| p.hash.as_str());
        if record.prev != expected_prev {
            return Err(fault(
                "it does not chain to the record before it (prev hash differs)".into(),
            ));
        }
        if hash_of(&record.prev, record.seq, record.at, &record.event) != record.hash {
            return Err(fault(
                "its content does not match its hash: the record was altered".into(),
            ));
        }
        match &record.event {
            JournalEvent::RequestSubmitted {
                content_hash,
                payload,
                ..
            } if !payload.is_null() => {
                // The hash commits to the content hash, not the payload: the payload must be
                // the one it names.
                let parsed: RequestPayload = serde_json::from_value(payload.clone())
                    .map_err(|e| fault(format!("its payload is not a request's ({e})")))?;
                if countersign_org::content_hash(&parsed) != *content_hash {
                    return Err(fault(
                        "its payload does not match its content hash: the payload was altered"
                            .into(),
                    ));
                }
            }
            JournalEvent::Applied {
                change,
                change_digest: Some(digest),
                ..
            } if !change.is_empty() && sha256_hex(change.as_bytes()) != *digest => {
                // The hash commits to the digest: words beside it must be the ones it names.
                return Err(fault(
                    "its words do not match their digest: the change was altered".into(),
                ));
            }
            JournalEvent::DeviceRegistered { member, device_key } => {
                DevicePublicKey::from_base64(device_key)
                    .map_err(|e| fault(format!("registers an unusable device key: {e}")))?;
                devices.push((member.clone(), device_key.clone()));
            }
            JournalEvent::Decision {
                statement,
                device_key,
                signature,
                ..
            } => {
                if !devices
                    .iter()
                    .any(|(m, k)| *m == statement.member && k == device_key)
                {
                    return Err(fault(format!(
                        "the {} by {} is signed by a device key not registered to them",
                        statement.decision.as_str(),
                        statement.member
                    )));
                }
                let key = DevicePublicKey::from_base64(device_key)
                    .map_err(|e| fault(format!("unusable device key: {e}")))?;
                if !key.verify(&statement.digest(), signature) {
                    return Err(fault(format!(
                        "the signature of the {} by {} does not verify",
                        statement.decision.as_str(),
                        statement.member
                    )));
                }
                decisions += 1;
            }
            _ => {}
        }
        records += 1;
        prev = Some(record);
    }
    Ok(Verified {
        records,
        decisions,
        head: prev.map_or_else(|| GENESIS.to_owned(), |p| p.hash),
    })
}

#[cfg(test)]
mod tests {
    use countersign_org::DecisionKind;

    use super::*;
    use crate::device::DeviceKey;

    /// The withdrawal the test journal's request asks for.
    fn withdrawal() -> RequestPayload {
        RequestPayload::Withdrawal {
            asset: "BTC".into(),
            amount: "2.5".parse().expect("decimal"),
            fee: "0.0001".parse().expect("decimal"),
            key: "cold-storage-2".into(),
            address: "bc1qcold".into(),
        }
    }

    /// A journal of a submitted request, a device registration and two signed approvals.
    fn journal() -> (Vec<JournalRecord>, DeviceKey) {
        let ada = DeviceKey::generate();
        let chloe = DeviceKey::generate();
        let mut chain = Chain::default();
        let mut out = vec![
            chain.append(
                100,
                JournalEvent::RequestSubmitted {
                    request_id: "R1".into(),
                    initiator: "service_user:su-rebalancer".into(),
                    content_hash: countersign_org::content_hash(&withdrawal()),
                    payload: serde_json::to_value(withdrawal()).expect("json"),
                    status: "pending".into(),
                },
            ),
            chain.append(
                101,
                JournalEvent::DeviceRegistered {
                    member: "m-ada".into(),
                    device_key: ada.public().to_base64(),
                },
            ),
            chain.append(
                102,
                JournalEvent::DeviceRegistered {
                    member: "m-chloe".into(),
                    device_key: chloe.public().to_base64(),
                },
            ),
        ];
        for (member, key, at, status) in [
            ("m-ada", &ada, 110, "pending"),
            ("m-chloe", &chloe, 120, "completed"),
        ] {
            let statement = DecisionStatement {
                request_id: "R1".into(),
                content_hash: countersign_org::content_hash(&withdrawal()),
                decision: DecisionKind::Approve,
                member: member.into(),
                at,
            };
            out.push(chain.append(
                at,
                JournalEvent::Decision {
                    device_key: key.public().to_base64(),
                    signature: key.sign(&statement.digest()),
                    statement,
                    status: status.into(),
                    window: None,
                },
            ));
        }
        (out, ada)
    }

    fn text(records: &[JournalRecord]) -> String {
        records.iter().map(|r| r.to_line() + "\n").collect()
    }

    #[test]
    fn an_intact_journal_verifies_with_its_decisions_counted() {
        let (records, _) = journal();
        let v = verify(&text(&records)).expect("intact");
        assert_eq!(v.records, 5);
        assert_eq!(v.decisions, 2);
        assert_eq!(v.head, records[4].hash);
        assert_eq!(verify("").expect("empty").records, 0);
    }

    #[test]
    fn a_flipped_byte_anywhere_is_found_at_its_record() {
        let (records, _) = journal();
        let good = text(&records);
        // Flip one character inside each line's content (not whitespace) and expect that line.
        for (i, line) in good.lines().enumerate() {
            let offset: usize = good.lines().take(i).map(|l| l.len() + 1).sum();
            for pos in [
                line.find("\"at\":").map(|p| p + 5),
                line.rfind('"').map(|p| p - 1),
            ]
            .into_iter()
            .flatten()
            {
                let mut bytes = good.clone().into_bytes();
                let b = &mut bytes[offset + pos];
                *b = if *b == b'1' { b'2' } else { b'1' };
                let tampered = String::from_utf8(bytes).expect("utf8");
                let fault = verify(&tampered).expect_err("tampering is found");
                assert_eq!(fault.line, i + 1, "line {} pos {pos}: {fault}", i + 1);
            }
        }
    }

    #[test]
    fn a_deleted_record_is_found_where_the_gap_is() {
        let (mut records, _) = journal();
        records.remove(2);
        let fault = verify(&text(&records)).expect_err("gap");
        assert_eq!(fault.line, 3);
        assert!(
            fault.problem.contains("missing, inserted or out of order"),
            "{fault}"
        );
        // Dropping the last record cannot be told from a shorter journal: the head hash pins it.
        let (all, _) = journal();
        let v = verify(&text(&all[..4])).expect("prefix");
        assert_ne!(v.head, all[4].hash);
    }

    #[test]
    fn swapped_records_are_found() {
        let (mut records, _) = journal();
        records.swap(3, 4);
        let fault = verify(&text(&records)).expect_err("swap");
        assert_eq!(fault.line, 4);
    }

    #[test]
    fn rehashing_an_altered_record_still_breaks_the_next_link() {
        let (mut records, _) = journal();
        let JournalEvent::RequestSubmitted {
            payload,
            content_hash,
            ..
        } = &mut records[0].event
        else {
            panic!("first record");
        };
        // The forger changes the amount and recomputes both the content hash and the record's
        // own hash: the next record's link still gives it away.
        let mut altered = withdrawal();
        if let RequestPayload::Withdrawal { amount, .. } = &mut altered {
            *amount = "250".parse().expect("decimal");
        }
        *payload = serde_json::to_value(&altered).expect("json");
        *content_hash = countersign_org::content_hash(&altered);
        records[0].hash = hash_of(&records[0].prev, 1, records[0].at, &records[0].event);
        let fault = verify(&text(&records)).expect_err("relinked");
        assert_eq!(fault.line, 2);
        assert!(fault.problem.contains("does not chain"), "{fault}");
    }

    #[test]
    fn a_payload_altered_under_its_content_hash_is_found_at_its_record() {
        let (mut records, _) = journal();
        let JournalEvent::RequestSubmitted { payload, .. } = &mut records[0].event else {
            panic!("first record");
        };
        payload["amount"] = serde_json::json!("250");
        let fault = verify(&text(&records)).expect_err("altered");
        assert_eq!(fault.line, 1);
        assert!(fault.problem.contains("content hash"), "{fault}");
    }

    /// A journal with the request's completion applied, then every content record redacted.
    #[test]
    fn a_redacted_journal_verifies_to_the_same_head_and_its_digests_are_bound() {
        let (mut records, _) = journal();
        let mut chain = Chain::after(records.last().cloned());
        records.push(chain.append(
            121,
            JournalEvent::Applied {
                request_id: "R1".into(),
                change: "withdraw 2.5 BTC to cold-storage-2".into(),
                change_digest: None,
            },
        ));
        let full = verify(&text(&records)).expect("full");
        let mut redacted = records.clone();
        for r in &mut redacted {
            r.redact();
        }
        assert!(redacted[0].is_redacted() && redacted[5].is_redacted());
        assert!(
            !redacted[1].is_redacted(),
            "a device registration has nothing to withhold"
        );
        let lines = text(&redacted);
        assert!(!lines.contains("cold-storage-2"), "{lines}");
        assert!(!lines.contains("bc1qcold"), "{lines}");
        let seen = verify(&lines).expect("redacted");
        assert_eq!((seen.head, seen.records, seen.decisions), (full.head, 6, 2));
        // Redacting twice changes nothing.
        let mut again = redacted.clone();
        again.iter_mut().for_each(JournalRecord::redact);
        assert_eq!(again, redacted);
        // A digest that is not the words' is an altered record.
        let JournalEvent::Applied { change_digest, .. } = &mut redacted[5].event else {
            panic!("applied");
        };
        *change_digest = Some("00".repeat(32));
        let fault = verify(&text(&redacted)).expect_err("forged digest");
        assert_eq!(fault.line, 6);
        // Words set beside the true digest must be the words it names.
        let mut forged = records.clone();
        forged[5].redact();
        let JournalEvent::Applied { change, .. } = &mut forged[5].event else {
            panic!("applied");
        };
        *change = "withdraw 2.5 BTC to attacker".into();
        let fault = verify(&text(&forged)).expect_err("words under another digest");
        assert_eq!(fault.line, 6);
        assert!(fault.problem.contains("digest"), "{fault}");
    }

    #[test]
    fn a_decision_signed_by_an_unregistered_key_is_refused() {
        let (records, _) = journal();
        let mut chain = Chain::after(records.last().cloned());
        let stranger = DeviceKey::generate();
        let statement = DecisionStatement {
            request_id: "R1".into(),
            content_hash: "ab".repeat(32),
            decision: DecisionKind::Reject,
            member: "m-ada".into(),
            at: 130,
        };
        let mut all = records.clone();
        all.push(chain.append(
            130,
            JournalEvent::Decision {
                device_key: stranger.public().to_base64(),
                signature: stranger.sign(&statement.digest()),
                statement,
                status: "rejected".into(),
                window: None,
            },
        ));
        let fault = verify(&text(&all)).expect_err("unregistered");
        assert_eq!(fault.line, 6);
        assert!(fault.problem.contains("not registered"), "{fault}");
    }

    #[test]
    fn a_signature_over_another_statement_is_refused() {
        let (records, ada) = journal();
        let mut chain = Chain::after(records.last().cloned());
        let signed = DecisionStatement {
            request_id: "R1".into(),
            content_hash: "ab".repeat(32),
            decision: DecisionKind::Approve,
            member: "m-ada".into(),
            at: 140,
        };
        // The record claims a rejection, but the signature is over an approval.
        let claimed = DecisionStatement {
            decision: DecisionKind::Reject,
            ..signed.clone()
        };
        let mut all = records.clone();
        all.push(chain.append(
            140,
            JournalEvent::Decision {
                device_key: ada.public().to_base64(),
                signature: ada.sign(&signed.digest()),
                statement: claimed,
                status: "rejected".into(),
                window: None,
            },
        ));
        let fault = verify(&text(&all)).expect_err("mismatch");
        assert_eq!(fault.line, 6);
        assert!(fault.problem.contains("does not verify"), "{fault}");
    }
}
