//! Balances, deposits and withdrawals.
//!
//! A `Withdraw` is an Organization request from the key's owner on the Initiate Withdrawal
//! workflow, decided by the same rules engine as the org API: with no policy it completes at once
//! (the balance is debited and the withdrawal and its fee posted to the ledger); under a policy it
//! enters the approval queue and `WithdrawStatus` follows the request — `Initial` + `onhold` while
//! it waits, `Success` once approved and executed, `Failure` + `canceled` when rejected, expired or
//! cancelled (`shared/spec/kraken-rest.md`, **(extension)**). The request's id is the refid.

use countersign_kraken::rest::{
    BalanceExEntry, BalanceExResult, BalanceResult, DepositAddress, DepositMethod,
    DepositStatusEntry, DepositStatusResult, Limit, TransferStatus, TransferStatusProp,
    WebSocketsToken, WithdrawAddress, WithdrawInfo, WithdrawMethod, WithdrawResult,
    WithdrawStatusEntry, WithdrawStatusResult,
};
use countersign_kraken::{ApiError, FundingError, Timestamp};
use countersign_org::{Context, RequestId, RequestPayload, RequestStatus, Verdict, Workflow};
use rust_decimal::Decimal;

use super::{optional, required};
use crate::auth::{Caller, internal};
use crate::market::{self, AssetSpec};
use crate::{Sandbox, db};

/// The `asset` field, known to the sandbox.
fn asset_param(caller: &Caller) -> Result<&'static AssetSpec, ApiError> {
    let name = required(caller, "asset")?;
    market::asset(name).ok_or_else(|| ApiError::InvalidArguments(Some("asset".into())))
}

/// An optional `asset` filter.
fn asset_filter(caller: &Caller) -> Result<Option<&'static AssetSpec>, ApiError> {
    caller
        .param("asset")
        .map(|name| {
            market::asset(name).ok_or_else(|| ApiError::InvalidArguments(Some("asset".into())))
        })
        .transpose()
}

/// A positive amount in `field`.
fn amount_param(caller: &Caller, field: &str) -> Result<Decimal, ApiError> {
    let amount: Decimal = required(caller, field)?
        .parse()
        .map_err(|_| ApiError::InvalidArguments(Some(field.to_owned())))?;
    if amount <= Decimal::ZERO {
        return Err(ApiError::InvalidArguments(Some(field.to_owned())));
    }
    Ok(amount)
}

/// Spot balances by the exchange's asset names, scaled to each asset's decimals.
fn balances(sandbox: &Sandbox) -> Result<Vec<(&'static AssetSpec, Decimal)>, ApiError> {
    let held = db::balances(&sandbox.conn()).map_err(internal)?;
    Ok(market::ASSETS
        .iter()
        .map(|a| (a, a.scale(held.get(a.code).copied().unwrap_or_default())))
        .collect())
}

pub(super) fn balance(sandbox: &Sandbox) -> Result<BalanceResult, ApiError> {
    Ok(BalanceResult(
        balances(sandbox)?
            .into_iter()
            .map(|(a, amount)| (a.name.to_owned(), amount))
            .collect(),
    ))
}

pub(super) fn balance_ex(sandbox: &Sandbox) -> Result<BalanceExResult, ApiError> {
    let held = {
        let conn = sandbox.conn();
        db::held(&conn).map_err(internal)?
    };
    Ok(BalanceExResult(
        balances(sandbox)?
            .into_iter()
            .map(|(a, amount)| {
                let hold = a.scale(held.get(a.code).copied().unwrap_or_default());
                (
                    a.name.to_owned(),
                    BalanceExEntry {
                        balance: amount,
                        credit: None,
                        credit_used: None,
                        hold_trade: hold,
                    },
                )
            })
            .collect(),
    ))
}

pub(super) fn deposit_methods(caller: &Caller) -> Result<Vec<DepositMethod>, ApiError> {
    let a = asset_param(caller)?;
    Ok(vec![DepositMethod {
        method: a.deposit_method.to_owned(),
        limit: Limit::Unlimited,
        fee: Some(Decimal::ZERO),
        address_setup_fee: None,
        gen_address: Some(true),
        minimum: Some(a.min()),
    }])
}

pub(super) fn deposit_addresses(caller: &Caller) -> Result<Vec<DepositAddress>, ApiError> {
    let a = asset_param(caller)?;
    let method = required(caller, "method")?;
    if method != a.deposit_method {
        return Err(ApiError::Funding(FundingError::InvalidMethod));
    }
    Ok(vec![DepositAddress {
        address: a.deposit_address.to_owned(),
        expiretm: Timestamp::UNIX_EPOCH,
        new: Some(false),
        tag: None,
        memo: None,
    }])
}

/// Deposits are the ledger's `deposit` entries (the sandbox receives no new ones by itself).
pub(super) fn deposit_status(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<DepositStatusResult, ApiError> {
    let filter = asset_filter(caller)?;
    let window = super::ledger::Window::of(caller);
    let conn = sandbox.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT refid, time, asset, amount, fee FROM ledger WHERE type = 'deposit' ORDER BY time DESC, rowid DESC LIMIT 200",
        )
        .map_err(|e| internal(e.into()))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(|e| internal(e.into()))?;
    let mut out = Vec::new();
    for row in rows {
        let (refid, time, code, amount, fee) = row.map_err(|e| internal(e.into()))?;
        let Some(a) = market::asset(&code) else {
            continue;
        };
        if filter.is_some_and(|f| f.code != a.code) || !window.admits(time) {
            continue;
        }
        out.push(DepositStatusEntry {
            method: a.deposit_method.to_owned(),
            aclass: "currency".into(),
            asset: a.name.to_owned(),
            refid,
            txid: Some(String::new()),
            info: Some(a.deposit_address.to_owned()),
            amount: a.scale(decimal(&amount)?),
            fee: Some(a.scale(decimal(&fee)?)),
            time: Timestamp::from_unix_seconds(time).unwrap_or_default(),
            status: TransferStatus::Success,
            status_prop: None,
            originators: None,
        });
    }
    Ok(DepositStatusResult::List(out))
}

fn decimal(s: &str) -> Result<Decimal, ApiError> {
    s.parse()
        .map_err(|_| internal(db::StoreError::Corrupt("decimal")))
}

pub(super) fn withdraw_methods(caller: &Caller) -> Result<Vec<WithdrawMethod>, ApiError> {
    let filter = asset_filter(caller)?;
    Ok(market::ASSETS
        .iter()
        .filter(|a| filter.is_none_or(|f| f.code == a.code))
        .map(|a| WithdrawMethod {
            asset: a.name.to_owned(),
            method: a.withdraw_method.to_owned(),
            network: None,
            minimum: Some(a.min()),
        })
        .collect())
}

pub(super) fn withdraw_addresses(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<Vec<WithdrawAddress>, ApiError> {
    let filter = asset_filter(caller)?;
    let key = caller.param("key");
    let verified: Option<bool> = optional(caller, "verified")?;
    let org = db::load_org(&sandbox.conn()).map_err(internal)?;
    Ok(org
        .addresses
        .values()
        .filter_map(|e| {
            let a = market::asset(&e.asset)?;
            let keep = filter.is_none_or(|f| f.code == a.code)
                && key.is_none_or(|k| k == e.key)
                && verified.is_none_or(|v| v == e.verified);
            keep.then(|| WithdrawAddress {
                address: e.address.clone(),
                asset: a.name.to_owned(),
                method: e.method.clone(),
                key: e.key.clone(),
                tag: None,
                memo: None,
                verified: e.verified,
            })
        })
        .collect())
}

pub(super) fn withdraw_info(sandbox: &Sandbox, caller: &Caller) -> Result<WithdrawInfo, ApiError> {
    let a = asset_param(caller)?;
    let key = required(caller, "key")?;
    let amount = amount_param(caller, "amount")?;
    let conn = sandbox.conn();
    let org = db::load_org(&conn).map_err(internal)?;
    let entry = org
        .addresses
        .get(key)
        .filter(|e| e.asset == a.code)
        .ok_or(ApiError::Funding(FundingError::UnknownWithdrawKey))?;
    let available = db::spendable(&conn, a).map_err(internal)?;
    let fee = a.fee();
    Ok(WithdrawInfo {
        method: entry.method.clone(),
        limit: a.scale((available - fee).max(Decimal::ZERO)),
        amount: a.scale(amount),
        fee: a.scale(fee),
    })
}

/// `Withdraw`: submits an Initiate Withdrawal request as the key's owner.
pub(super) fn withdraw(sandbox: &Sandbox, caller: &Caller) -> Result<WithdrawResult, ApiError> {
    let a = asset_param(caller)?;
    let key = required(caller, "key")?;
    let amount = amount_param(caller, "amount")?;
    let max_fee: Option<Decimal> = optional(caller, "max_fee")?;
    if amount.scale() > a.decimals {
        return Err(ApiError::InvalidArguments(Some("amount".into())));
    }
    if amount < a.min() {
        return Err(ApiError::Funding(FundingError::InvalidAmount));
    }
    // No account holds more than the rules' largest amount (10^20): what the exchange says of
    // any amount beyond the funds.
    if amount > countersign_org::max_amount() {
        return Err(ApiError::Funding(FundingError::InsufficientFunds));
    }
    let fee = a.fee();
    if max_fee.is_some_and(|max| fee > max) {
        return Err(ApiError::Funding(FundingError::MaxFeeExceeded));
    }
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let org = db::load_org(&conn).map_err(internal)?;
    let entry = org
        .addresses
        .get(key)
        .filter(|e| e.asset == a.code)
        .ok_or(ApiError::Funding(FundingError::UnknownWithdrawKey))?;
    if caller
        .param("address")
        .is_some_and(|addr| addr != entry.address)
    {
        return Err(ApiError::Funding(FundingError::InvalidWithdrawalAddress));
    }
    let payload = RequestPayload::Withdrawal {
        asset: a.code.to_owned(),
        amount,
        fee,
        key: entry.key.clone(),
        address: entry.address.clone(),
    };
    let context = Context {
        // Funds held by open orders cannot leave.
        available: Some(db::spendable(&conn, a).map_err(internal)?),
    };
    let submission = org
        .submit(
            RequestId(crate::ids::refid()),
            &caller.actor,
            payload,
            false,
            now,
            &context,
        )
        .map_err(|refused| {
            let failed = refused
                .preview
                .trace
                .iter()
                .rev()
                .find(|s| s.verdict == Verdict::Fail)
                .map(|s| s.rule.clone())
                .unwrap_or_default();
            if failed == "funds.available" {
                ApiError::Funding(FundingError::InsufficientFunds)
            } else {
                ApiError::PermissionDenied
            }
        })?;
    let request = submission.request;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    db::insert_request(&tx, &request).map_err(internal)?;
    crate::lifecycle::journal_submitted(&tx, &request, now)?;
    if request.status == RequestStatus::Completed {
        crate::lifecycle::complete(&tx, &request, now)?;
    }
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(WithdrawResult {
        refid: request.id.0,
    })
}

/// `WithdrawStatus`: every withdrawal of the account (any initiator), newest first.
pub(super) fn withdraw_status(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<WithdrawStatusResult, ApiError> {
    let filter = asset_filter(caller)?;
    let window = super::ledger::Window::of(caller);
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    crate::lifecycle::sweep_expired(&mut conn, now)?;
    let requests = db::requests(&conn, &[Workflow::InitiateWithdrawal], None).map_err(internal)?;
    let mut out = Vec::new();
    for r in requests {
        let RequestPayload::Withdrawal {
            asset,
            amount,
            fee,
            key,
            address,
        } = &r.payload
        else {
            continue;
        };
        let Some(a) = market::asset(asset) else {
            continue;
        };
        if filter.is_some_and(|f| f.code != a.code) || !window.admits(r.created_at) {
            continue;
        }
        let (status, status_prop) = match r.status {
            RequestStatus::Pending => (TransferStatus::Initial, Some(TransferStatusProp::OnHold)),
            RequestStatus::Completed => (TransferStatus::Success, None),
            RequestStatus::Rejected | RequestStatus::Expired | RequestStatus::Cancelled => {
                (TransferStatus::Failure, Some(TransferStatusProp::Canceled))
            }
        };
        let method = db::address_method(&conn, key)
            .map_err(internal)?
            .unwrap_or_else(|| a.withdraw_method.to_owned());
        out.push(WithdrawStatusEntry {
            method,
            network: None,
            aclass: "currency".into(),
            asset: a.name.to_owned(),
            refid: r.id.0.clone(),
            txid: (r.status == RequestStatus::Completed).then(|| db::sent_txid(&r.id.0)),
            info: Some(address.clone()),
            amount: a.scale(*amount),
            fee: Some(a.scale(*fee)),
            time: Timestamp::from_unix_seconds(r.created_at).unwrap_or_default(),
            status,
            status_prop,
            key: Some(key.clone()),
        });
    }
    Ok(WithdrawStatusResult::List(out))
}

/// `WithdrawCancel`: cancels a withdrawal still waiting for approval, by its initiator. Returns
/// whether it was cancelled (`false` once it completed or ended otherwise).
pub(super) fn withdraw_cancel(sandbox: &Sandbox, caller: &Caller) -> Result<bool, ApiError> {
    let a = asset_param(caller)?;
    let refid = required(caller, "refid")?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    crate::lifecycle::sweep_expired(&mut conn, now)?;
    let mut request = db::request(&conn, refid)
        .map_err(internal)?
        .filter(
            |r| matches!(&r.payload, RequestPayload::Withdrawal { asset, .. } if asset == a.code),
        )
        .ok_or(ApiError::Funding(FundingError::UnknownReferenceId))?;
    if request.initiator != caller.actor {
        return Err(ApiError::PermissionDenied);
    }
    if request.cancel(&caller.actor, now).is_err() {
        return Ok(false);
    }
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    db::update_status(&tx, &request).map_err(internal)?;
    let by = match &caller.actor {
        countersign_org::Actor::ServiceUser(id) => format!("service_user:{}", id.0),
        countersign_org::Actor::Member(id) => format!("member:{}", id.0),
    };
    db::journal(
        &tx,
        now,
        countersign_vault::JournalEvent::RequestCancelled {
            request_id: request.id.0.clone(),
            by,
        },
    )
    .map_err(internal)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(true)
}

/// `GetWebSocketsToken`: a token valid 15 minutes (the sandbox serves no WebSocket; the token
/// proves the key may have one).
pub(super) fn websockets_token() -> WebSocketsToken {
    use base64::Engine as _;
    let bytes: [u8; 30] = crate::ids::bytes();
    WebSocketsToken {
        token: base64::engine::general_purpose::STANDARD.encode(bytes),
        expires: 900,
    }
}
