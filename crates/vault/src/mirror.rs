//! This device's own copy of what it signed: [`DecisionMirror`], a journal file in the
//! Organization journal's format, and [`compare_mirror`], which checks that every decision in it
//! is in the Organization's journal, unchanged.
//!
//! The Organization keeps the journal; a server that dropped or rewrote a decision could re-chain
//! its own file so that it still verifies. The mirror is the device's independent witness: it
//! holds the device's registration, then every decision the device signed and the server
//! accepted, each with its statement and signature. It contains no secret (public keys and
//! signatures only), and `countersign audit verify` checks it like any journal.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use countersign_org::DecisionStatement;

use crate::journal::{Chain, JournalEvent, JournalFault, JournalRecord, verify};

/// An append-only mirror file. Appends take an exclusive lock on the file and are fsync'd, so
/// the app and the CLI can share one.
#[derive(Debug, Clone)]
pub struct DecisionMirror {
    path: PathBuf,
}

/// Why the mirror could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// Reading or writing the file failed.
    #[error("the decision mirror {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The file is not a journal this device wrote (or was damaged).
    #[error("the decision mirror {path} is damaged ({fault}); move it aside to start a new one")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Its first bad record.
        fault: JournalFault,
    },
}

impl DecisionMirror {
    /// The mirror at `path` (created, with its directory, on the first decision).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The mirror file for a device profile (an org API URL, or `sandbox:<member>`) in `dir`:
    /// the profile with every character but letters, digits, `-` and `.` replaced by `_`.
    pub fn in_dir(dir: &Path, profile: &str) -> Self {
        let name: String = profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Self::new(dir.join(format!("{name}.jsonl")))
    }

    /// Where the mirror lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self) -> impl Fn(std::io::Error) -> MirrorError + '_ {
        |source| MirrorError::Io {
            path: self.path.clone(),
            source,
        }
    }

    /// Checks the mirror can be extended: absent (it will be created), or a journal that
    /// verifies. Read-only.
    pub fn check(&self) -> Result<(), MirrorError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => verify(&text)
                .map(|_| ())
                .map_err(|fault| MirrorError::Damaged {
                    path: self.path.clone(),
                    fault,
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(MirrorError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Appends a decision this device signed and the server accepted (`status`: the request's
    /// status after it), preceded by the device's registration the first time the device signs
    /// for `statement.member`. The file is verified before appending, so a damaged mirror is
    /// reported rather than extended.
    pub fn record(
        &self,
        at: i64,
        statement: &DecisionStatement,
        device_key: &str,
        signature: &str,
        status: &str,
    ) -> Result<JournalRecord, MirrorError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(self.io())?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(self.io())?;
        file.lock().map_err(self.io())?;
        let result = self.append_locked(&mut file, at, statement, device_key, signature, status);
        let _ = file.unlock();
        result
    }

    fn append_locked(
        &self,
        file: &mut File,
        at: i64,
        statement: &DecisionStatement,
        device_key: &str,
        signature: &str,
        status: &str,
    ) -> Result<JournalRecord, MirrorError> {
        let mut text = String::new();
        file.seek(SeekFrom::Start(0)).map_err(self.io())?;
        file.read_to_string(&mut text).map_err(self.io())?;
        verify(&text).map_err(|fault| MirrorError::Damaged {
            path: self.path.clone(),
            fault,
        })?;
        let records: Vec<JournalRecord> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let registered = records.iter().any(|r| {
            matches!(&r.event, JournalEvent::DeviceRegistered { member, device_key: k }
                if *member == statement.member && k == device_key)
        });
        let mut chain = Chain::after(records.last().cloned());
        let mut lines = String::new();
        if !registered {
            let record = chain.append(
                at,
                JournalEvent::DeviceRegistered {
                    member: statement.member.clone(),
                    device_key: device_key.to_owned(),
                },
            );
            lines.push_str(&record.to_line());
            lines.push('\n');
        }
        let record = chain.append(
            at,
            JournalEvent::Decision {
                statement: statement.clone(),
                device_key: device_key.to_owned(),
                signature: signature.to_owned(),
                status: status.to_owned(),
                // The mirror keeps what this device signed; the step-up is the server's record.
                window: None,
            },
        );
        lines.push_str(&record.to_line());
        lines.push('\n');
        file.write_all(lines.as_bytes()).map_err(self.io())?;
        file.sync_all().map_err(self.io())?;
        Ok(record)
    }
}

/// What comparing a mirror with the Organization's journal found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorComparison {
    /// Decisions in the mirror.
    pub decisions: usize,
    /// Those absent from the Organization's journal, or present with another statement or
    /// signature.
    pub missing: Vec<MissingDecision>,
}

/// A decision this device signed that the Organization's journal does not hold as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingDecision {
    /// Its line in the mirror.
    pub line: usize,
    /// What was signed.
    pub statement: DecisionStatement,
}

impl std::fmt::Display for MissingDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.statement;
        let request = if s.request_id.is_empty() {
            "a request executed at submission"
        } else {
            s.request_id.as_str()
        };
        write!(
            f,
            "mirror line {}: the {} of {request} by {} at {} (digest {}) is not in the Organization's journal as signed",
            self.line,
            s.decision.as_str(),
            s.member,
            s.at,
            s.short_digest()
        )
    }
}

/// Checks both journals (each must verify on its own), then that every decision in `mirror` is
/// in `org` with the same statement, device key and signature.
pub fn compare_mirror(mirror: &str, org: &str) -> Result<MirrorComparison, CompareFault> {
    verify(mirror).map_err(CompareFault::Mirror)?;
    verify(org).map_err(CompareFault::Org)?;
    let signed = |text: &str| -> Vec<(usize, DecisionStatement, String, String)> {
        text.lines()
            .enumerate()
            .filter_map(|(i, l)| {
                let record: JournalRecord = serde_json::from_str(l).ok()?;
                match record.event {
                    JournalEvent::Decision {
                        statement,
                        device_key,
                        signature,
                        ..
                    } => Some((i + 1, statement, device_key, signature)),
                    _ => None,
                }
            })
            .collect()
    };
    let in_org: std::collections::HashSet<(String, String, String)> = signed(org)
        .into_iter()
        .map(|(_, s, k, sig)| (s.canonical(), k, sig))
        .collect();
    let mine = signed(mirror);
    let missing = mine
        .iter()
        .filter(|(_, s, k, sig)| !in_org.contains(&(s.canonical(), k.clone(), sig.clone())))
        .map(|(line, s, _, _)| MissingDecision {
            line: *line,
            statement: s.clone(),
        })
        .collect();
    Ok(MirrorComparison {
        decisions: mine.len(),
        missing,
    })
}

/// A journal that does not verify, so no comparison was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareFault {
    /// The device's mirror.
    #[error("the decision mirror does not verify: {0}")]
    Mirror(JournalFault),
    /// The Organization's journal.
    #[error("the Organization's journal does not verify: {0}")]
    Org(JournalFault),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use countersign_org::{DecisionKind, MemberId, RequestPayload};

    use super::*;
    use crate::device::DeviceKey;

    fn statement(request: &str, at: i64) -> DecisionStatement {
        let payload = RequestPayload::RemoveAddress { key: "old".into() };
        DecisionStatement::new(
            request,
            &payload,
            DecisionKind::Approve,
            &MemberId("m-ben".into()),
            at,
        )
    }

    fn sign(mirror: &DecisionMirror, device: &DeviceKey, s: &DecisionStatement) -> JournalRecord {
        mirror
            .record(
                s.at,
                s,
                &device.public().to_base64(),
                &device.sign(&s.digest()),
                "pending",
            )
            .unwrap()
    }

    /// An Organization journal holding the same registration and decisions (its own chain).
    fn org_journal(device: &DeviceKey, statements: &[DecisionStatement]) -> String {
        let mut chain = Chain::default();
        let mut out = String::new();
        let mut push = |event| {
            out.push_str(&chain.append(1, event).to_line());
            out.push('\n');
        };
        push(JournalEvent::DeviceRegistered {
            member: "m-ben".into(),
            device_key: device.public().to_base64(),
        });
        for s in statements {
            push(JournalEvent::Decision {
                statement: s.clone(),
                device_key: device.public().to_base64(),
                signature: device.sign(&s.digest()),
                status: "pending".into(),
                window: None,
            });
        }
        out
    }

    #[test]
    fn the_mirror_verifies_and_registers_the_device_once() {
        let dir = tempfile::tempdir().unwrap();
        let mirror = DecisionMirror::in_dir(dir.path(), "https://org.example.com:8443");
        assert!(
            mirror
                .path()
                .ends_with("https___org.example.com_8443.jsonl")
        );
        let device = DeviceKey::generate();
        sign(&mirror, &device, &statement("R1", 10));
        let second = sign(&mirror, &device, &statement("R2", 20));
        assert_eq!(second.seq, 3, "registration, then two decisions");
        let text = std::fs::read_to_string(mirror.path()).unwrap();
        let verified = verify(&text).unwrap();
        assert_eq!((verified.records, verified.decisions), (3, 2));
        assert!(!text.contains(&device.to_base64()), "no private key");
    }

    #[test]
    fn a_damaged_mirror_is_reported_not_extended() {
        let dir = tempfile::tempdir().unwrap();
        let mirror = DecisionMirror::in_dir(dir.path(), "sandbox:m-ben");
        let device = DeviceKey::generate();
        sign(&mirror, &device, &statement("R1", 10));
        let text = std::fs::read_to_string(mirror.path()).unwrap();
        std::fs::write(mirror.path(), text.replace("R1", "R9")).unwrap();
        let s = statement("R2", 20);
        let err = mirror
            .record(
                20,
                &s,
                &device.public().to_base64(),
                &device.sign(&s.digest()),
                "pending",
            )
            .unwrap_err();
        assert!(matches!(err, MirrorError::Damaged { .. }), "{err}");
    }

    #[test]
    fn comparing_finds_a_decision_the_org_dropped_or_altered() {
        let dir = tempfile::tempdir().unwrap();
        let mirror = DecisionMirror::in_dir(dir.path(), "sandbox:m-ben");
        let device = DeviceKey::generate();
        let (r1, r2) = (statement("R1", 10), statement("R2", 20));
        sign(&mirror, &device, &r1);
        sign(&mirror, &device, &r2);
        let mine = std::fs::read_to_string(mirror.path()).unwrap();

        let whole =
            compare_mirror(&mine, &org_journal(&device, &[r1.clone(), r2.clone()])).unwrap();
        assert_eq!(whole.decisions, 2);
        assert!(whole.missing.is_empty());

        // The Organization re-chained its journal without R2: it verifies, but the mirror knows.
        let dropped =
            compare_mirror(&mine, &org_journal(&device, std::slice::from_ref(&r1))).unwrap();
        assert_eq!(dropped.missing.len(), 1);
        assert_eq!(dropped.missing[0].statement.request_id, "R2");
        assert_eq!(dropped.missing[0].line, 3);
        assert!(dropped.missing[0].to_string().contains(&r2.short_digest()));

        // A decision re-dated in the Organization's copy is not the one this device signed.
        let moved = statement("R2", 21);
        let altered = compare_mirror(&mine, &org_journal(&device, &[r1, moved])).unwrap();
        assert_eq!(altered.missing.len(), 1);

        let broken = compare_mirror(&mine.replace("R1", "R7"), &mine).unwrap_err();
        assert!(matches!(broken, CompareFault::Mirror(_)));
    }
}
