//! The demo Organization a newcomer meets: five members with different permissions (the Owner
//! among them), two service users, a 2-approval policy on Initiate Withdrawal, an address book,
//! balances in six assets, and pending withdrawals from both bots and members.

use countersign_org::{
    Decision, Member, MemberId, Permissions, Policy, Request, RequestId, RequestPayload,
    ServiceUser, ServiceUserId, Submitter, Workflow, WorkflowPermission as P,
};
use countersign_vault::TotpSecret;
use rusqlite::Connection;
use rust_decimal::Decimal;

use crate::db::{self, StoreError};
use crate::ids;

/// The demo Organization's name.
pub const ORG_NAME: &str = "Northwind Treasury (demo)";

/// The demo member the app signs in as by default: a treasury officer who approves withdrawals.
pub const DEFAULT_MEMBER: &str = "m-ben";

struct DemoMemberSpec {
    id: &'static str,
    name: &'static str,
    role: &'static str,
    owner: bool,
    permissions: fn() -> Permissions,
}

const ALL_WITHDRAWAL: &[P] = &[P::View, P::Initiate, P::Approve, P::Execute];

fn members() -> [DemoMemberSpec; 5] {
    [
        DemoMemberSpec {
            id: "m-ada",
            name: "Ada Okafor",
            role: "Owner: every permission on every workflow",
            owner: true,
            permissions: Permissions::all,
        },
        DemoMemberSpec {
            id: "m-ben",
            name: "Ben Ruiz",
            role: "Treasury officer: initiates and approves withdrawals",
            owner: false,
            permissions: || {
                Permissions::none().with(
                    Workflow::InitiateWithdrawal,
                    &[P::View, P::Initiate, P::Approve],
                )
            },
        },
        DemoMemberSpec {
            id: "m-chloe",
            name: "Chloe Park",
            role: "Treasury lead: initiates, approves and executes withdrawals",
            owner: false,
            permissions: || Permissions::none().with(Workflow::InitiateWithdrawal, ALL_WITHDRAWAL),
        },
        DemoMemberSpec {
            id: "m-dev",
            name: "Dev Malik",
            role: "Auditor: views every workflow, approves nothing",
            owner: false,
            permissions: || {
                let mut p = Permissions::none();
                for w in Workflow::ALL {
                    p.grant(w, P::View);
                }
                p
            },
        },
        DemoMemberSpec {
            id: "m-eve",
            name: "Eve Santos",
            role: "Administrator: manages access, policies and addresses; views withdrawals",
            owner: false,
            permissions: || {
                let admin = &[P::View, P::Initiate, P::Approve];
                Permissions::none()
                    .with(Workflow::ManageAccess, admin)
                    .with(Workflow::ManagePolicies, admin)
                    .with(Workflow::ManageAddresses, admin)
                    .with(Workflow::InitiateWithdrawal, &[P::View])
            },
        },
    ]
}

const MEMBER_SCOPES: &[&str] = &["funds_query", "ledger_query"];
const BOT_SCOPES: &[(&str, &str, &[&str])] = &[
    (
        "su-rebalancer",
        "rebalancer-bot",
        &["funds_query", "funds_withdraw", "ledger_query"],
    ),
    (
        "su-payouts",
        "payout-bot",
        &["funds_query", "funds_withdraw"],
    ),
];

const ADDRESSES: &[(&str, &str, &str, &str)] = &[
    (
        "cold-storage-1",
        "BTC",
        "Bitcoin",
        "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3",
    ),
    (
        "cold-storage-2",
        "BTC",
        "Bitcoin",
        "bc1qm3x7d0f5g8h2j4k6l9p1q3r5s7t9v2w4y6z8a0",
    ),
    (
        "eth-treasury",
        "ETH",
        "Ether",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ),
    (
        "usdt-otc-desk",
        "USDT",
        "Tether USD (ERC20)",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    ),
    (
        "usd-operating",
        "USD",
        "Bank Frick (Wire)",
        "US-OPERATING-0042",
    ),
    ("eur-payroll", "EUR", "SEPA", "DE89370400440532013000"),
];

const BALANCES: &[(&str, &str)] = &[
    ("BTC", "48.2750000000"),
    ("ETH", "612.5000000000"),
    ("USDT", "1250000.00000000"),
    ("USD", "3480250.5500"),
    ("EUR", "915400.2000"),
    ("SOL", "18250.0000000000"),
];

/// (initiator, asset, amount, fee, address key, minutes ago, approvers so far)
type PendingSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static [&'static str],
);

const PENDING: &[PendingSpec] = &[
    (
        "su-rebalancer",
        "BTC",
        "2.5",
        "0.00015",
        "cold-storage-2",
        12,
        &[],
    ),
    (
        "su-payouts",
        "USDT",
        "48000",
        "2.5",
        "usdt-otc-desk",
        37,
        &["m-chloe"],
    ),
    ("m-chloe", "ETH", "120", "0.0035", "eth-treasury", 95, &[]),
    (
        "su-rebalancer",
        "BTC",
        "0.75",
        "0.00015",
        "cold-storage-1",
        180,
        &["m-ada"],
    ),
    ("m-ben", "EUR", "86500", "0.09", "eur-payroll", 260, &[]),
    ("m-ada", "USD", "250000", "5", "usd-operating", 1440, &[]),
];

fn dec(s: &str) -> Result<Decimal, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt("seed decimal"))
}

/// Seeds the demo Organization into an empty database, in one transaction.
pub(crate) fn seed(conn: &mut Connection, now: i64) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    db::insert_org(&tx, ORG_NAME, now)?;
    let mut roster = Vec::new();
    for spec in members() {
        let member = Member {
            id: MemberId(spec.id.into()),
            name: spec.name.into(),
            is_owner: spec.owner,
            permissions: (spec.permissions)(),
        };
        db::insert_member(&tx, &member, spec.role, &TotpSecret::generate())?;
        db::insert_key(
            &tx,
            &ids::api_key(),
            &ids::api_secret(),
            &member.actor(),
            MEMBER_SCOPES,
        )?;
        roster.push(member);
    }
    let mut bots = Vec::new();
    for (id, name, scopes) in BOT_SCOPES {
        let bot = ServiceUser {
            id: ServiceUserId((*id).into()),
            name: (*name).into(),
        };
        db::insert_service_user(&tx, &bot)?;
        db::insert_key(
            &tx,
            &ids::api_key(),
            &ids::api_secret(),
            &bot.actor(),
            scopes,
        )?;
        bots.push(bot);
    }
    let policy = Policy::requiring(2);
    db::insert_policy(&tx, Workflow::InitiateWithdrawal, &policy)?;
    for (key, asset, method, address) in ADDRESSES {
        db::insert_address(&tx, key, asset, method, address)?;
    }
    for (asset, amount) in BALANCES {
        db::set_balance(&tx, asset, dec(amount)?)?;
    }
    for (initiator, asset, amount, fee, key, minutes_ago, approvers) in PENDING {
        let address = ADDRESSES
            .iter()
            .find(|a| a.0 == *key)
            .map(|a| a.3)
            .ok_or(StoreError::Corrupt("seed address"))?;
        let submitter = match (
            roster.iter().find(|m| m.id.0 == *initiator),
            bots.iter().find(|b| b.id.0 == *initiator),
        ) {
            (Some(m), _) => Submitter::Member(m),
            (None, Some(b)) => Submitter::ServiceUser(b),
            (None, None) => return Err(StoreError::Corrupt("seed initiator")),
        };
        let created = now - minutes_ago * 60;
        let payload = RequestPayload::Withdrawal {
            asset: (*asset).into(),
            amount: dec(amount)?,
            fee: dec(fee)?,
            key: (*key).into(),
            address: address.into(),
        };
        let (mut request, _) = Request::submit(
            RequestId(ids::refid()),
            submitter,
            payload,
            Some(policy),
            false,
            created,
        )
        .map_err(|_| StoreError::Corrupt("seed request"))?;
        for (i, approver) in approvers.iter().enumerate() {
            let m = roster
                .iter()
                .find(|m| m.id.0 == *approver)
                .ok_or(StoreError::Corrupt("seed approver"))?;
            let at = created + 60 * (i64::try_from(i).unwrap_or(0) + 1);
            request
                .decide(m, Decision::Approve, None, at)
                .map_err(|_| StoreError::Corrupt("seed approval"))?;
        }
        db::insert_request(&tx, &request)?;
    }
    tx.commit()?;
    Ok(())
}
