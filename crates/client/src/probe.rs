//! [`probe_key`]: which permissions a key actually has, found with calls that cannot change
//! anything, and whether that is enough for a [`Purpose`].
//!
//! One call per [`Capability`] (see [`Capability::probe`]); the exchange checks a key's permission
//! before it looks at the call's arguments, so `EGeneral:Permission denied` means the key lacks
//! it, and any other answer — a result, `EGeneral:Invalid arguments`, `EOrder:Unknown order`,
//! `EGeneral:Unknown method` — means the permission check passed. Answers that say nothing about
//! permissions (invalid key, signature or nonce, lockout, rate limit, service unavailable, no
//! answer at all) stop the probe with a [`ProbeError`]. Calls go through the [`ExchangeClient`],
//! so they are paced by the key's rate counter and signed with its nonces.
//!
//! Where one call cannot isolate a permission, the finding is [`Finding::Unknown`], with the
//! reason: `DepositMethods` and `WithdrawMethods` also need Query (`funds_query`), and
//! `CancelOrder` also admits Create & modify orders (`trades_modify`).

use countersign_kraken::rest::{self, Endpoint, PrivateRequest};
use countersign_kraken::{ApiError, ErrorCategory, Scope};
use serde::{Deserialize, Serialize};

use crate::exchange::{ExchangeClient, ExchangeError};

/// Something a key may be allowed to do: a scope, or the WebSocket key setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    /// An API key permission.
    Scope(Scope),
    /// The key setting "Allow WebSocket connections" (not a scope).
    WebSocket,
}

impl Capability {
    /// Every capability, scopes in the spec's table order, then WebSocket.
    pub const ALL: [Capability; 11] = [
        Self::Scope(Scope::FundsQuery),
        Self::Scope(Scope::FundsEarn),
        Self::Scope(Scope::FundsAdd),
        Self::Scope(Scope::FundsWithdraw),
        Self::Scope(Scope::TradesQueryOpen),
        Self::Scope(Scope::TradesQueryClosed),
        Self::Scope(Scope::TradesModify),
        Self::Scope(Scope::TradesClose),
        Self::Scope(Scope::LedgerQuery),
        Self::Scope(Scope::ExportData),
        Self::WebSocket,
    ];

    /// The wire name (`funds_query`, ..., `websocket` as the key settings name it).
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::Scope(s) => s.wire_name(),
            Self::WebSocket => "websocket",
        }
    }

    /// The label on the exchange's key page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Scope(s) => s.label(),
            Self::WebSocket => "Allow WebSocket connections",
        }
    }

    /// `Export data (export_data)`.
    pub fn describe(self) -> String {
        format!("{} ({})", self.label(), self.wire_name())
    }

    /// The call that tests it. Each one changes nothing: queries, an `AddOrder` with
    /// `validate=true` and a volume of zero, a `CancelOrder` of an id no order can have, and a
    /// WebSocket token (which only lets its holder connect).
    pub fn probe(self) -> Endpoint {
        match self {
            Self::Scope(Scope::FundsQuery) => Endpoint::Balance,
            Self::Scope(Scope::FundsEarn) => Endpoint::EarnStrategies,
            Self::Scope(Scope::FundsAdd) => Endpoint::DepositMethods,
            Self::Scope(Scope::FundsWithdraw) => Endpoint::WithdrawMethods,
            Self::Scope(Scope::TradesQueryOpen) => Endpoint::OpenOrders,
            Self::Scope(Scope::TradesQueryClosed) => Endpoint::ClosedOrders,
            Self::Scope(Scope::TradesModify) => Endpoint::AddOrder,
            Self::Scope(Scope::TradesClose) => Endpoint::CancelOrder,
            Self::Scope(Scope::LedgerQuery) => Endpoint::Ledgers,
            Self::Scope(Scope::ExportData) => Endpoint::ExportStatus,
            Self::WebSocket => Endpoint::GetWebSocketsToken,
        }
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire_name())
    }
}

impl Serialize for Capability {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.wire_name())
    }
}

/// What the probe found out about one capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// The exchange let the call past its permission check.
    Has,
    /// The exchange answered `EGeneral:Permission denied`.
    Lacks,
    /// No call could tell (see [`Probed::evidence`]).
    Unknown,
}

impl Finding {
    /// `has`, `lacks`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Has => "has",
            Self::Lacks => "lacks",
            Self::Unknown => "unknown",
        }
    }
}

/// One capability's finding and what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probed {
    /// The capability.
    pub capability: Capability,
    /// What was found.
    pub finding: Finding,
    /// The call made, if one was (`None` when it could not tell anything).
    #[serde(serialize_with = "endpoint_name")]
    pub endpoint: Option<Endpoint>,
    /// Why: `answered`, the exchange's error string, or why nothing was called.
    pub evidence: String,
}

fn endpoint_name<S: serde::Serializer>(e: &Option<Endpoint>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_some(e.name()),
        None => s.serialize_none(),
    }
}

/// What a key can do, capability by capability, in [`Capability::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyProbe {
    /// One entry per capability.
    pub capabilities: Vec<Probed>,
    /// Caveats worth reading with the findings.
    pub notes: Vec<String>,
}

impl KeyProbe {
    /// The finding for `capability`.
    pub fn finding(&self, capability: Capability) -> Finding {
        self.capabilities
            .iter()
            .find(|p| p.capability == capability)
            .map_or(Finding::Unknown, |p| p.finding)
    }

    /// Whether the key is enough for `purpose`.
    pub fn verdict(&self, purpose: Purpose) -> Verdict {
        let needs = purpose.needs();
        let of = |f: Finding| -> Vec<Capability> {
            needs
                .iter()
                .copied()
                .filter(|c| self.finding(*c) == f)
                .collect()
        };
        let (missing, untested) = (of(Finding::Lacks), of(Finding::Unknown));
        let outcome = if !missing.is_empty() {
            Outcome::NotMet
        } else if !untested.is_empty() {
            Outcome::Undetermined
        } else {
            Outcome::Met
        };
        let phrase = purpose.phrase();
        let message = match outcome {
            Outcome::Met => format!("this key can {phrase}: it has {}", list(needs)),
            Outcome::NotMet if untested.is_empty() => {
                format!("this key cannot {phrase}: it lacks {}", list(&missing))
            }
            Outcome::NotMet => format!(
                "this key cannot {phrase}: it lacks {} (and {} could not be tested)",
                list(&missing),
                list(&untested)
            ),
            Outcome::Undetermined => format!(
                "cannot tell whether this key can {phrase}: {} could not be tested",
                list(&untested)
            ),
        };
        Verdict {
            purpose,
            outcome,
            needs: needs.to_vec(),
            missing,
            untested,
            message,
        }
    }
}

/// `A (a)`, `A (a) and B (b)`, `A (a), B (b) and C (c)`.
fn list(caps: &[Capability]) -> String {
    let names: Vec<String> = caps.iter().map(|c| c.describe()).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What a key is wanted for, and what that needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// `Balance`: Query.
    ReadBalances,
    /// Ledgers against balances: Query ledger entries and Query.
    Reconcile,
    /// `AddExport` … `RetrieveExport` of ledgers: Export data.
    ExportLedgers,
    /// `Withdraw`, with `WithdrawInfo` and the address book (`WithdrawAddresses`), which also
    /// need Query: Withdraw and Query.
    Withdraw,
    /// Place and cancel orders (`CancelOrder` admits Create & modify orders) and see them open:
    /// Create & modify orders and Query open orders & trades.
    Trade,
    /// Allocate and deallocate Earn, and see allocations (`Earn/Allocations` needs Query): Earn
    /// and Query.
    Earn,
    /// A WebSocket token: the key's WebSocket setting.
    WebSocket,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 7] = [
        Self::ReadBalances,
        Self::Reconcile,
        Self::ExportLedgers,
        Self::Withdraw,
        Self::Trade,
        Self::Earn,
        Self::WebSocket,
    ];

    /// The name on the command line (`export-ledgers`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ReadBalances => "read-balances",
            Self::Reconcile => "reconcile",
            Self::ExportLedgers => "export-ledgers",
            Self::Withdraw => "withdraw",
            Self::Trade => "trade",
            Self::Earn => "earn",
            Self::WebSocket => "websocket",
        }
    }

    /// Parses [`Purpose::name`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }

    /// What it needs, every one of them.
    pub fn needs(self) -> &'static [Capability] {
        use Capability::Scope as S;
        match self {
            Self::ReadBalances => &[S(Scope::FundsQuery)],
            Self::Reconcile => &[S(Scope::LedgerQuery), S(Scope::FundsQuery)],
            Self::ExportLedgers => &[S(Scope::ExportData)],
            Self::Withdraw => &[S(Scope::FundsWithdraw), S(Scope::FundsQuery)],
            Self::Trade => &[S(Scope::TradesModify), S(Scope::TradesQueryOpen)],
            Self::Earn => &[S(Scope::FundsEarn), S(Scope::FundsQuery)],
            Self::WebSocket => &[Capability::WebSocket],
        }
    }

    /// What the key would do, after "this key can(not)".
    pub fn phrase(self) -> &'static str {
        match self {
            Self::ReadBalances => "read balances",
            Self::Reconcile => "reconcile ledgers against balances",
            Self::ExportLedgers => "export ledgers",
            Self::Withdraw => "withdraw",
            Self::Trade => "trade",
            Self::Earn => "allocate to Earn",
            Self::WebSocket => "connect over WebSocket",
        }
    }
}

impl Serialize for Purpose {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Whether a purpose is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every capability it needs is there.
    Met,
    /// At least one is missing.
    NotMet,
    /// None is missing, but at least one could not be tested.
    Undetermined,
}

/// A purpose checked against a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The purpose.
    pub purpose: Purpose,
    /// Met or not.
    pub outcome: Outcome,
    /// What it needs.
    pub needs: Vec<Capability>,
    /// What the key lacks of it.
    pub missing: Vec<Capability>,
    /// What could not be tested.
    pub untested: Vec<Capability>,
    /// One line saying so, naming capabilities by label and wire name.
    pub message: String,
}

/// Why a probe stopped: an answer that says nothing about permissions.
#[derive(Debug, thiserror::Error)]
#[error("probing {capability} with {endpoint} stopped: {source}")]
pub struct ProbeError {
    /// The capability being probed.
    pub capability: Capability,
    /// The call made.
    pub endpoint: Endpoint,
    /// What came back.
    #[source]
    pub source: ExchangeError,
}

/// A request whose result is taken as any JSON: a probe only needs to know that the exchange
/// let the call through, not what it answered.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
struct Loose<R>(R);

impl<R: PrivateRequest> PrivateRequest for Loose<R> {
    const ENDPOINT: Endpoint = R::ENDPOINT;
    type Result = serde_json::Value;
}

/// An id that no order can have: not the exchange's `XXXXXX-XXXXX-XXXXXX` shape, lower case,
/// and not a number (which `CancelOrder` would read as a `userref`).
pub const NO_SUCH_ORDER: &str = "countersign-probe-no-such-order";

/// Probes every capability of the client's key, one call each (at most 11, costing 12 on the
/// rate counter), and stops at the first answer that says nothing about permissions.
pub async fn probe_key(client: &ExchangeClient) -> Result<KeyProbe, ProbeError> {
    use Capability::Scope as S;
    let mut found: Vec<Probed> = Vec::with_capacity(Capability::ALL.len());
    let mut notes = Vec::new();

    let query = run(
        client,
        S(Scope::FundsQuery),
        &rest::BalanceRequest::default(),
    )
    .await?;
    let has_query = query.finding == Finding::Has;
    found.push(query);
    found.push(
        run(
            client,
            S(Scope::LedgerQuery),
            &rest::LedgersRequest {
                without_count: Some(true),
                ..rest::LedgersRequest::default()
            },
        )
        .await?,
    );
    found.push(
        run(
            client,
            S(Scope::ExportData),
            &rest::ExportStatusRequest {
                report: rest::ExportReport::Ledgers,
            },
        )
        .await?,
    );
    found.push(
        run(
            client,
            S(Scope::TradesQueryOpen),
            &rest::OpenOrdersRequest::default(),
        )
        .await?,
    );
    found.push(
        run(
            client,
            S(Scope::TradesQueryClosed),
            &rest::ClosedOrdersRequest {
                without_count: Some(true),
                ..rest::ClosedOrdersRequest::default()
            },
        )
        .await?,
    );
    // DepositMethods and WithdrawMethods need Query as well: without it they are refused
    // whatever the other scope, so they are not called.
    found.push(if has_query {
        run(
            client,
            S(Scope::FundsAdd),
            &rest::DepositMethodsRequest {
                asset: "XBT".into(),
                aclass: None,
            },
        )
        .await?
    } else {
        needs_query(S(Scope::FundsAdd))
    });
    found.push(if has_query {
        run(
            client,
            S(Scope::FundsWithdraw),
            &rest::WithdrawMethodsRequest::default(),
        )
        .await?
    } else {
        needs_query(S(Scope::FundsWithdraw))
    });
    let earn = run(
        client,
        S(Scope::FundsEarn),
        &rest::EarnStrategiesRequest::default(),
    )
    .await?;
    if earn.finding == Finding::Has {
        notes.push(
            "Earn/Strategies tested Earn (funds_earn): the sandbox requires it there, but the \
             exchange's documentation says that call needs no permission, so against the \
             exchange itself \"has\" is not proof"
                .to_owned(),
        );
    }
    found.push(earn);

    let mut order = rest::AddOrderRequest::new(
        "XBTUSD",
        rest::OrderSide::Buy,
        rest::OrderType::Limit,
        Default::default(),
    );
    order.price = Some("1".into());
    order.validate = Some(true);
    let modify = run(client, S(Scope::TradesModify), &order).await?;
    let has_modify = modify.finding == Finding::Has;
    found.push(modify);
    // CancelOrder admits Create & modify orders as well as Cancel & close orders
    // (`Endpoint::requirement`), so it isolates the latter only when the former is absent.
    if has_modify {
        found.push(Probed {
            capability: S(Scope::TradesClose),
            finding: Finding::Unknown,
            endpoint: None,
            evidence: format!(
                "CancelOrder also admits {}, which this key has, so no safe call can tell",
                Capability::Scope(Scope::TradesModify).describe()
            ),
        });
    } else {
        found.push(
            run(
                client,
                S(Scope::TradesClose),
                &rest::CancelOrderRequest {
                    txid: Some(NO_SUCH_ORDER.into()),
                    cl_ord_id: None,
                },
            )
            .await?,
        );
    }
    found.push(
        run(
            client,
            Capability::WebSocket,
            &rest::WebSocketsTokenRequest::default(),
        )
        .await?,
    );

    if found.iter().all(|p| p.finding != Finding::Has) {
        notes.push(
            "every call was refused: if the key has an IP allowlist, this address may not be \
             on it (the exchange answers that with Permission denied too)"
                .to_owned(),
        );
    }
    found.sort_by_key(|p| Capability::ALL.iter().position(|c| *c == p.capability));
    Ok(KeyProbe {
        capabilities: found,
        notes,
    })
}

/// A capability whose probe also needs Query, on a key without Query.
fn needs_query(capability: Capability) -> Probed {
    Probed {
        capability,
        finding: Finding::Unknown,
        endpoint: None,
        evidence: format!(
            "needs Query to test: {} requires {} as well",
            capability.probe(),
            Capability::Scope(Scope::FundsQuery).describe()
        ),
    }
}

/// One probe call and what its answer means.
async fn run<R: PrivateRequest + Clone>(
    client: &ExchangeClient,
    capability: Capability,
    request: &R,
) -> Result<Probed, ProbeError> {
    let endpoint = R::ENDPOINT;
    let probed = |finding, evidence: String| Probed {
        capability,
        finding,
        endpoint: Some(endpoint),
        evidence,
    };
    match client.call(&Loose(request.clone())).await {
        Ok(_) => Ok(probed(Finding::Has, "answered".into())),
        Err(ExchangeError::Api(ApiError::PermissionDenied)) => Ok(probed(
            Finding::Lacks,
            ApiError::PermissionDenied.to_string(),
        )),
        Err(ExchangeError::Api(e)) if !says_nothing(&e) => {
            if e.category() == ErrorCategory::Permission {
                // `EAPI:Feature disabled`, `EEarnings:Permission denied:…`: refused for the
                // account or the product, which does not say whether the key's scope is there.
                return Ok(probed(
                    Finding::Unknown,
                    format!("{e} (refused for the account or product, not the key)"),
                ));
            }
            Ok(probed(
                Finding::Has,
                format!("{e} (after the permission check)"),
            ))
        }
        Err(source) => Err(ProbeError {
            capability,
            endpoint,
            source,
        }),
    }
}

/// Answers given before, or regardless of, the permission check.
fn says_nothing(e: &ApiError) -> bool {
    matches!(
        e.category(),
        ErrorCategory::Auth
            | ErrorCategory::Nonce
            | ErrorCategory::RateLimit
            | ErrorCategory::Unavailable
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe_with(has: &[Capability], unknown: &[Capability]) -> KeyProbe {
        KeyProbe {
            capabilities: Capability::ALL
                .iter()
                .map(|c| Probed {
                    capability: *c,
                    finding: if has.contains(c) {
                        Finding::Has
                    } else if unknown.contains(c) {
                        Finding::Unknown
                    } else {
                        Finding::Lacks
                    },
                    endpoint: Some(c.probe()),
                    evidence: String::new(),
                })
                .collect(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn verdicts_name_what_is_missing_by_label_and_wire_name() {
        use Capability::Scope as S;
        let p = probe_with(&[S(Scope::FundsQuery), S(Scope::LedgerQuery)], &[]);
        let v = p.verdict(Purpose::ExportLedgers);
        assert_eq!(v.outcome, Outcome::NotMet);
        assert_eq!(
            v.message,
            "this key cannot export ledgers: it lacks Export data (export_data)"
        );
        assert_eq!(p.verdict(Purpose::Reconcile).outcome, Outcome::Met);
        assert_eq!(
            p.verdict(Purpose::Reconcile).message,
            "this key can reconcile ledgers against balances: it has Query ledger entries \
             (ledger_query) and Query (funds_query)"
        );
        let v = probe_with(&[], &[S(Scope::FundsWithdraw)]).verdict(Purpose::Withdraw);
        assert_eq!(v.outcome, Outcome::NotMet);
        assert_eq!(
            v.message,
            "this key cannot withdraw: it lacks Query (funds_query) (and Withdraw \
             (funds_withdraw) could not be tested)"
        );
        let v = probe_with(&[S(Scope::FundsQuery)], &[S(Scope::FundsEarn)]).verdict(Purpose::Earn);
        assert_eq!(v.outcome, Outcome::Undetermined);
        assert_eq!(
            probe_with(&[], &[]).verdict(Purpose::WebSocket).message,
            "this key cannot connect over WebSocket: it lacks Allow WebSocket connections \
             (websocket)"
        );
    }

    #[test]
    fn every_probe_call_matches_what_its_endpoint_requires() {
        use countersign_kraken::rest::Requirement;
        for c in Capability::ALL {
            let req = c.probe().requirement();
            match c {
                Capability::WebSocket => assert_eq!(req, Requirement::WebSocket),
                Capability::Scope(s) => {
                    // The scope alone, or with Query, or as one of the admitted alternatives.
                    let alone = req.is_met(&[s], false);
                    let with_query = req.is_met(&[s, Scope::FundsQuery], false);
                    assert!(alone || with_query, "{c}");
                    assert!(!req.is_met(&[], false), "{c}");
                }
            }
            assert!(
                !matches!(
                    c.probe(),
                    Endpoint::Withdraw
                        | Endpoint::WithdrawCancel
                        | Endpoint::AddExport
                        | Endpoint::RemoveExport
                        | Endpoint::EarnAllocate
                        | Endpoint::EarnDeallocate
                ),
                "{c}"
            );
        }
        for p in Purpose::ALL {
            assert_eq!(Purpose::parse(p.name()), Some(p));
            assert!(!p.needs().is_empty());
        }
    }

    #[test]
    fn the_validating_order_and_the_cancel_cannot_act() {
        let mut order = rest::AddOrderRequest::new(
            "XBTUSD",
            rest::OrderSide::Buy,
            rest::OrderType::Limit,
            Default::default(),
        );
        order.validate = Some(true);
        let body = serde_urlencoded::to_string(&order).unwrap_or_default();
        assert!(
            body.contains("validate=true") && body.contains("volume=0"),
            "{body}"
        );
        assert!(NO_SUCH_ORDER.parse::<i64>().is_err());
        assert!(NO_SUCH_ORDER.chars().any(|c| c.is_ascii_lowercase()));
    }
}
