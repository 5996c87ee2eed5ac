//! Scripted service-user bots for the sandbox: they speak only the exchange's REST API, with a
//! service user's key, exactly as a customer's bot would.
//!
//! - [`Rebalancer`]: a treasury sweeper. When the hot wallet's balance of an asset, less every
//!   withdrawal of it still on hold, rises above a threshold, it withdraws the excess (down to a
//!   floor, net of the fee) to an address-book entry. Under the Organization's withdrawal policy
//!   the withdrawal waits for member approval; counting held withdrawals as already gone keeps
//!   the bot from sweeping the same funds twice, across restarts too (it keeps no state).
//! - [`Tick`]: what one look at the account led to.
//! - [`Rebalancer::run`]: the loop, ticking on an interval until told to stop.
//! - [`living::Living`]: the living sandbox — simulated customer deposits plus the rebalancer.

pub mod living;

use std::time::Duration;

use countersign_client::{ExchangeClient, ExchangeError};
use countersign_kraken::rest::{
    AssetsRequest, TransferStatus, TransferStatusProp, WithdrawInfoRequest, WithdrawRequest,
    WithdrawStatusRequest,
};
use rust_decimal::Decimal;

/// What the rebalancer watches and where it sweeps to.
#[derive(Debug, Clone)]
pub struct RebalancerConfig {
    /// The asset, by the exchange's name or altname (`XBT`).
    pub asset: String,
    /// The address-book entry (its `key`) the excess goes to.
    pub destination: String,
    /// Sweep when the balance is above this.
    pub threshold: Decimal,
    /// What to leave in the hot wallet after a sweep (before the fee).
    pub floor: Decimal,
    /// How often to look.
    pub interval: Duration,
}

impl RebalancerConfig {
    /// The demo: keep the BTC hot wallet between 40 and 45 BTC, sweeping to `cold-storage-1`.
    pub fn demo() -> Self {
        Self {
            asset: "XBT".into(),
            destination: "cold-storage-1".into(),
            threshold: Decimal::from(45),
            floor: Decimal::from(40),
            interval: Duration::from_secs(15),
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tick {
    /// The balance less held withdrawals is at or below the threshold.
    Idle {
        /// The balance seen.
        balance: Decimal,
        /// It, less withdrawals of the asset still on hold (amount and fee).
        projected: Decimal,
    },
    /// A sweep was submitted.
    Swept {
        /// Its reference.
        refid: String,
        /// The amount withdrawn (the fee comes on top).
        amount: Decimal,
        /// Whether it completed at once (no policy) rather than entering the approval queue.
        completed: bool,
    },
}

/// Why a tick failed.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The exchange refused or could not be reached.
    #[error(transparent)]
    Exchange(#[from] ExchangeError),
    /// The account has no balance line for the asset.
    #[error("the account reports no balance for {0}")]
    UnknownAsset(String),
}

/// The treasury sweeper.
#[derive(Debug)]
pub struct Rebalancer {
    client: ExchangeClient,
    config: RebalancerConfig,
}

impl Rebalancer {
    /// A rebalancer calling through `client` (a service user's key with `funds_query` and
    /// `funds_withdraw`).
    pub fn new(client: ExchangeClient, config: RebalancerConfig) -> Self {
        Self { client, config }
    }

    /// Looks once: sweeps the excess, or does nothing.
    pub async fn tick(&self) -> Result<Tick, BotError> {
        let statuses = self
            .client
            .withdraw_status(&WithdrawStatusRequest {
                asset: Some(self.config.asset.clone()),
                ..WithdrawStatusRequest::default()
            })
            .await?;
        let on_hold: Decimal = statuses
            .entries()
            .iter()
            .filter(|w| {
                w.status == TransferStatus::Initial
                    && w.status_prop == Some(TransferStatusProp::OnHold)
            })
            .map(|w| w.amount + w.fee.unwrap_or_default())
            .sum();
        // `Balance` keys assets by the exchange's name (`XXBT`); `Assets` maps the configured
        // altname to it.
        let unknown = || BotError::UnknownAsset(self.config.asset.clone());
        let assets = self
            .client
            .assets(&AssetsRequest {
                asset: Some(self.config.asset.clone()),
                aclass: None,
            })
            .await?;
        let name = assets.keys().next().ok_or_else(unknown)?;
        let balance = *self
            .client
            .balance()
            .await?
            .0
            .get(name)
            .ok_or_else(unknown)?;
        let projected = balance - on_hold;
        if projected <= self.config.threshold {
            return Ok(Tick::Idle { balance, projected });
        }
        let info = self
            .client
            .withdraw_info(&WithdrawInfoRequest {
                asset: self.config.asset.clone(),
                key: self.config.destination.clone(),
                amount: projected - self.config.floor,
            })
            .await?;
        let amount = projected - self.config.floor - info.fee;
        if amount <= Decimal::ZERO {
            return Ok(Tick::Idle { balance, projected });
        }
        let refid = self
            .client
            .withdraw(&WithdrawRequest {
                asset: self.config.asset.clone(),
                aclass: None,
                key: self.config.destination.clone(),
                amount,
                address: None,
                max_fee: Some(info.fee),
            })
            .await?
            .refid;
        // Whether it completed at once, or waits for approval, shows on the next tick; one
        // status call now tells the operator at once.
        let completed = self
            .client
            .withdraw_status(&WithdrawStatusRequest {
                asset: Some(self.config.asset.clone()),
                ..WithdrawStatusRequest::default()
            })
            .await?
            .entries()
            .iter()
            .any(|w| w.refid == refid && w.status == TransferStatus::Success);
        Ok(Tick::Swept {
            refid,
            amount,
            completed,
        })
    }

    /// Ticks every interval until `stop` resolves. Failures are logged and the loop goes on
    /// (the exchange may be briefly unavailable); a withdrawal whose outcome is unknown is never
    /// repeated blindly — the next tick sees it in `WithdrawStatus`.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.tick().await {
                Ok(Tick::Swept {
                    refid,
                    amount,
                    completed,
                }) => {
                    tracing::info!(%refid, %amount, completed, asset = %self.config.asset, "rebalancer swept the excess")
                }
                Ok(Tick::Idle { balance, projected }) => {
                    tracing::debug!(%balance, %projected, "rebalancer idle");
                }
                Err(e) => tracing::warn!(error = %e, "rebalancer tick failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.interval) => {}
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
            }
        }
    }
}
