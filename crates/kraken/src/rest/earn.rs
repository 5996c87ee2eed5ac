//! Earn: strategies, allocations, and the asynchronous allocate/deallocate with their status.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wire::{self, wire_enum};

/// Request of `Earn/Strategies`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnStrategiesRequest {
    /// Sort ascending (default descending).
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ascending: Option<bool>,
    /// Only strategies for this asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Page to continue from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<i64>,
    /// Only these lock types (an array in JSON; comma-delimited in a form body).
    #[serde(
        default,
        with = "wire::comma_list_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub lock_type: Option<Vec<String>>,
}

wire_enum! {
    /// How funds are locked in a strategy.
    LockKind {
        /// Kraken Rewards on spot balances; no explicit allocation.
        Flex = "flex",
        /// Bonding and unbonding periods apply.
        Bonded = "bonded",
        /// Fixed term.
        Timed = "timed",
        /// Deallocatable at once.
        Instant = "instant",
    }
}

/// A strategy's `lock_type`: the kind plus the parameters that kind carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockType {
    /// `flex`, `bonded`, `timed` or `instant`.
    pub r#type: LockKind,
    /// Seconds between reward payouts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_frequency: Option<u64>,
    /// Bonding period, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonding_period: Option<u64>,
    /// Whether the bonding period varies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonding_period_variable: Option<bool>,
    /// Whether rewards accrue while bonding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonding_rewards: Option<bool>,
    /// Exit queue period, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_queue_period: Option<u64>,
    /// Unbonding period, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbonding_period: Option<u64>,
    /// Whether the unbonding period varies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbonding_period_variable: Option<bool>,
    /// Whether rewards accrue while unbonding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbonding_rewards: Option<bool>,
}

/// Yearly yield estimate, percent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AprEstimate {
    /// Low end.
    #[serde(with = "wire::money")]
    pub low: Decimal,
    /// High end.
    #[serde(with = "wire::money")]
    pub high: Decimal,
}

/// A strategy's auto-compounding (`{"type": "enabled"}`, or `optional` with a `default`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoCompound {
    /// `disabled`, `enabled` or `optional`.
    pub r#type: String,
    /// The default, when optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
}

/// Where a strategy's yield comes from (`{"type": "staking"}` or `off_chain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YieldSource {
    /// `staking` or `off_chain`.
    pub r#type: String,
}

/// One Earn strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnStrategy {
    /// Strategy id (`ESRFUO3-Q62XD-WIOIL7`).
    pub id: String,
    /// Asset it invests.
    pub asset: String,
    /// Lock type and its parameters.
    pub lock_type: LockType,
    /// Yield estimate, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apr_estimate: Option<AprEstimate>,
    /// Minimum (de)allocation in USD; absent means none.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_min_allocation: Option<Decimal>,
    /// Maximum a user may allocate; absent means no limit.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_cap: Option<Decimal>,
    /// Fee on allocating.
    #[serde(with = "wire::money")]
    pub allocation_fee: Decimal,
    /// Fee on deallocating.
    #[serde(with = "wire::money")]
    pub deallocation_fee: Decimal,
    /// Auto-compounding.
    pub auto_compound: AutoCompound,
    /// Yield source.
    pub yield_source: YieldSource,
    /// Whether the user may allocate now.
    pub can_allocate: bool,
    /// Whether the user may deallocate now.
    pub can_deallocate: bool,
    /// Why the user may not allocate (`tier`).
    #[serde(default)]
    pub allocation_restriction_info: Vec<String>,
}

/// `Earn/Strategies` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnStrategies {
    /// The strategies.
    pub items: Vec<EarnStrategy>,
    /// Next page, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Request of `Earn/Allocations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnAllocationsRequest {
    /// Sort ascending (default descending).
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ascending: Option<bool>,
    /// Asset to value allocations in (default USD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_asset: Option<String>,
    /// Leave out strategies holding nothing now.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub hide_zero_allocations: Option<bool>,
}

/// An amount in the strategy's asset and in the requested one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnAmount {
    /// In the native asset.
    #[serde(with = "wire::money")]
    pub native: Decimal,
    /// In the `converted_asset`.
    #[serde(with = "wire::money")]
    pub converted: Decimal,
}

/// One allocation moving between states, with when it moves on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationTranche {
    /// In the native asset.
    #[serde(with = "wire::money")]
    pub native: Decimal,
    /// In the `converted_asset`.
    #[serde(with = "wire::money")]
    pub converted: Decimal,
    /// When it entered this state (RFC 3339).
    pub created_at: String,
    /// When it leaves this state (RFC 3339).
    pub expires: String,
}

/// Funds in one state (bonding, exit queue, unbonding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationState {
    /// In the native asset.
    #[serde(with = "wire::money")]
    pub native: Decimal,
    /// In the `converted_asset`.
    #[serde(with = "wire::money")]
    pub converted: Decimal,
    /// How many allocations are in this state.
    pub allocation_count: u64,
    /// Each of them.
    #[serde(default)]
    pub allocations: Vec<AllocationTranche>,
}

/// Amounts allocated to a strategy, by state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmountAllocated {
    /// Bonding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonding: Option<AllocationState>,
    /// In the exit queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_queue: Option<AllocationState>,
    /// Pending (negative while deallocating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<EarnAmount>,
    /// Total.
    pub total: EarnAmount,
    /// Unbonding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbonding: Option<AllocationState>,
}

/// The current payout period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    /// Accumulated so far.
    pub accumulated_reward: EarnAmount,
    /// Estimated until the payout.
    pub estimated_reward: EarnAmount,
    /// Start (RFC 3339).
    pub period_start: String,
    /// Tentative payout time (RFC 3339).
    pub period_end: String,
}

/// One strategy's allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnAllocation {
    /// The strategy.
    pub strategy_id: String,
    /// Its asset.
    pub native_asset: String,
    /// Amounts by state.
    pub amount_allocated: AmountAllocated,
    /// Current payout period, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout: Option<Payout>,
    /// Earned over the account's lifetime.
    pub total_rewarded: EarnAmount,
}

/// `Earn/Allocations` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnAllocations {
    /// Asset the `converted` amounts are in.
    pub converted_asset: String,
    /// Total allocated, in `converted_asset`.
    #[serde(with = "wire::money")]
    pub total_allocated: Decimal,
    /// Total earned, in `converted_asset`.
    #[serde(with = "wire::money")]
    pub total_rewarded: Decimal,
    /// Next page, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Per strategy.
    pub items: Vec<EarnAllocation>,
}

/// Request of `Earn/Allocate`; the result is `true` once dispatched (poll the status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnAllocateRequest {
    /// Amount, in the strategy's asset.
    #[serde(with = "wire::money")]
    pub amount: Decimal,
    /// The strategy.
    pub strategy_id: String,
}

/// Request of `Earn/Deallocate`; the result is `true` once dispatched (poll the status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnDeallocateRequest {
    /// Amount, in the strategy's asset.
    #[serde(with = "wire::money")]
    pub amount: Decimal,
    /// The strategy.
    pub strategy_id: String,
}

/// Request of `Earn/AllocateStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnAllocateStatusRequest {
    /// The strategy.
    pub strategy_id: String,
}

/// Request of `Earn/DeallocateStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnDeallocateStatusRequest {
    /// The strategy.
    pub strategy_id: String,
}

/// `Earn/AllocateStatus` and `Earn/DeallocateStatus` result. A failed operation is reported as
/// an error of the status call itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnOperationStatus {
    /// Whether the last operation on the strategy is still in progress.
    pub pending: bool,
}
