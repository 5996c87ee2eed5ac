//! Risk flags on a pending withdrawal ([`risk_flags`]), each with one line of why
//! ([`RiskFlag`]), read from the Organization's request history as the member may see it:
//!
//! - [`FlagKind::FirstToDestination`]: no earlier completed withdrawal went to this address;
//! - [`FlagKind::NewDestination`]: its address-book entry was added or renamed within
//!   [`NEW_DESTINATION_SECONDS`] before the request, or after it was made;
//! - [`FlagKind::LargeAmount`]: above [`LARGE_FACTOR`]× the median of the initiator's last
//!   [`AMOUNT_HISTORY`] completed withdrawals of the asset, when there are at least
//!   [`AMOUNT_MIN_HISTORY`];
//! - [`FlagKind::UnusualHour`]: outside the hours (UTC) in which the Organization's requests
//!   usually arrive, once there are [`HOURS_MIN_HISTORY`] to learn from;
//! - [`FlagKind::PolicyChanged`]: the workflow's policy changed since submission;
//! - [`FlagKind::KeyChanged`]: the initiating bot's key changed within
//!   [`KEY_CHANGE_SECONDS`] before the request, or after it.
//!
//! Pure: the history and the request are views, times are unix seconds.

use rust_decimal::Decimal;

use crate::actor::ActorKind;
use crate::flag::{FlagKind, RiskFlag};
use crate::request::{RequestPayload, RequestStatus, grouped};
use crate::view::{DestinationNamed, RequestView};

/// A destination added or renamed this recently (seconds) is new: 24 hours.
pub const NEW_DESTINATION_SECONDS: i64 = 24 * 3600;
/// An amount above this many times the initiator's median is large.
pub const LARGE_FACTOR: u32 = 5;
/// How many of the initiator's last withdrawals of the asset the median is taken over.
pub const AMOUNT_HISTORY: usize = 50;
/// The fewest earlier withdrawals a median is taken from.
pub const AMOUNT_MIN_HISTORY: usize = 5;
/// The fewest requests the usual hours are learned from.
pub const HOURS_MIN_HISTORY: usize = 20;
/// The share of requests the usual hours cover, in percent.
pub const HOURS_COVER_PERCENT: usize = 90;
/// A bot's key changed this recently (seconds) is flagged: 7 days.
pub const KEY_CHANGE_SECONDS: i64 = 7 * 86_400;

fn flag(kind: FlagKind, why: String) -> RiskFlag {
    RiskFlag { kind, why }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(mut values: Vec<Decimal>) -> Option<Decimal> {
    values.sort();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => values.get(n / 2).copied(),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / Decimal::TWO),
    }
}

fn hour_of(at: i64) -> usize {
    usize::try_from(at.rem_euclid(86_400) / 3600).unwrap_or(0)
}

/// The shortest run of hours (wrapping past midnight) holding [`HOURS_COVER_PERCENT`] of
/// `times`: `(first hour, hours long)`, or `None` below [`HOURS_MIN_HISTORY`].
fn usual_hours(times: &[i64]) -> Option<(usize, usize)> {
    if times.len() < HOURS_MIN_HISTORY {
        return None;
    }
    let mut per_hour = [0usize; 24];
    for t in times {
        per_hour[hour_of(*t)] += 1;
    }
    let needed = (times.len() * HOURS_COVER_PERCENT).div_ceil(100);
    (1..=24).find_map(|len| {
        (0..24).find_map(|start| {
            let covered: usize = (0..len).map(|i| per_hour[(start + i) % 24]).sum();
            (covered >= needed).then_some((start, len))
        })
    })
}

/// The latest completed request that added entry `key` or renamed an entry to it, from the
/// history the member may see (`None`: the entry predates the history).
pub fn destination_named(key: &str, history: &[RequestView]) -> Option<DestinationNamed> {
    history
        .iter()
        .filter(|r| r.status == RequestStatus::Completed)
        .filter_map(|r| match &r.payload {
            RequestPayload::AddAddress { key: k, .. } if k == key => Some(("added", r)),
            RequestPayload::RelabelAddress { new_key, .. } if new_key == key => {
                Some(("renamed", r))
            }
            _ => None,
        })
        .max_by_key(|(_, r)| r.updated_at)
        .map(|(verb, r)| DestinationNamed {
            verb: verb.to_owned(),
            at: r.updated_at,
            by: r.initiator.clone(),
            request_id: r.id.clone(),
        })
}

/// The risk flags of `request` (a pending withdrawal; anything else has none), read from
/// `history`: the requests the member may see, any order, `request` among them or not.
pub fn risk_flags(request: &RequestView, history: &[RequestView]) -> Vec<RiskFlag> {
    let RequestPayload::Withdrawal {
        asset,
        amount,
        key,
        address,
        ..
    } = &request.payload
    else {
        return Vec::new();
    };
    let mut flags = Vec::new();
    let earlier = |r: &&RequestView| r.id != request.id && r.created_at < request.created_at;
    let completed = |r: &&RequestView| r.status == RequestStatus::Completed;

    // First to this address: no earlier completed withdrawal went there.
    let sent_before = history.iter().filter(earlier).filter(completed).any(
        |r| matches!(&r.payload, RequestPayload::Withdrawal { address: a, .. } if a == address),
    );
    if !sent_before {
        flags.push(flag(
            FlagKind::FirstToDestination,
            format!("no earlier withdrawal went to {key} ({address})"),
        ));
    }

    // A new name: the entry was added or renamed (completed) lately, or after the request.
    if let Some(named) = destination_named(key, history) {
        let (verb, r) = (named.verb.as_str(), &named);
        let since = request.created_at - r.at;
        if since < 0 {
            flags.push(flag(
                FlagKind::NewDestination,
                format!(
                    "{key} was {verb} after this request was made ({})",
                    r.request_id
                ),
            ));
        } else if since < NEW_DESTINATION_SECONDS {
            flags.push(flag(
                FlagKind::NewDestination,
                format!(
                    "{key} was {verb} {} before this request ({})",
                    span(since),
                    r.request_id
                ),
            ));
        }
    }

    // A large amount for this initiator and asset.
    let mut theirs: Vec<&RequestView> = history
        .iter()
        .filter(earlier)
        .filter(completed)
        .filter(|r| r.initiator.id == request.initiator.id)
        .filter(|r| matches!(&r.payload, RequestPayload::Withdrawal { asset: a, .. } if a == asset))
        .collect();
    theirs.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    theirs.truncate(AMOUNT_HISTORY);
    if theirs.len() >= AMOUNT_MIN_HISTORY {
        let amounts = theirs
            .iter()
            .filter_map(|r| match &r.payload {
                RequestPayload::Withdrawal { amount, .. } => Some(*amount),
                _ => None,
            })
            .collect::<Vec<_>>();
        if let Some(m) = median(amounts)
            && *amount > m * Decimal::from(LARGE_FACTOR)
        {
            flags.push(flag(
                FlagKind::LargeAmount,
                format!(
                    "{} {asset} is above {LARGE_FACTOR}× the median ({} {asset}) of {}'s last {} withdrawals of {asset}",
                    grouped(*amount),
                    grouped(m),
                    request.initiator.name,
                    theirs.len()
                ),
            ));
        }
    }

    // An unusual hour, learned from when the Organization's requests arrive.
    let times: Vec<i64> = history
        .iter()
        .filter(earlier)
        .map(|r| r.created_at)
        .collect();
    if let Some((start, len)) = usual_hours(&times) {
        let hour = hour_of(request.created_at);
        if (hour + 24 - start) % 24 >= len {
            flags.push(flag(
                FlagKind::UnusualHour,
                format!(
                    "made at {hour:02}:00–{:02}:00 UTC; {HOURS_COVER_PERCENT}% of the Organization's {} earlier requests arrived {start:02}:00–{:02}:00 UTC",
                    (hour + 1) % 24,
                    times.len(),
                    (start + len) % 24
                ),
            ));
        }
    }

    if request.policy_changed {
        flags.push(flag(
            FlagKind::PolicyChanged,
            "the policy changed since this request was submitted; it still follows the one it was submitted under".into(),
        ));
    }

    // The initiating bot's key changed lately, or after the request.
    if request.initiator.kind == ActorKind::ServiceUser {
        let changed = history
            .iter()
            .filter(completed)
            .filter(|r| {
                matches!(&r.payload, RequestPayload::ChangeServiceUserKey { service_user, .. }
                    if service_user.0 == request.initiator.id)
            })
            .max_by_key(|r| r.updated_at);
        if let Some(r) = changed {
            let since = request.created_at - r.updated_at;
            if since < KEY_CHANGE_SECONDS {
                flags.push(flag(
                    FlagKind::KeyChanged,
                    if since < 0 {
                        format!(
                            "{}'s key changed after this request was made ({})",
                            request.initiator.name, r.id
                        )
                    } else {
                        format!(
                            "{}'s key changed {} before this request ({})",
                            request.initiator.name,
                            span(since),
                            r.id
                        )
                    },
                ));
            }
        }
    }
    flags
}

/// "3 h", "45 min", "2 days".
fn span(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => format!("{} min", (s / 60).max(1)),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}
