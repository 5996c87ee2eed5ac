//! The demo Organization a newcomer meets: five members with different permissions (the Owner
//! among them), three service users, policies (2 approvals on Initiate Withdrawal, 1 on Manage
//! Access and Manage Policies, none on Manage Addresses), an address book,
//! balances in six assets, and pending withdrawals from both bots and members.

use countersign_org::{
    AccountPermission, Actor, AddressEntry, ApiKeySpec, Context, Decision, Member, MemberId, Org,
    Permissions, Policy, RequestId, RequestPayload, Scope, ServiceUser, ServiceUserId, Workflow,
    WorkflowPermission as P,
};
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
    account: &'static [AccountPermission],
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
            account: &[
                AccountPermission::Trade,
                AccountPermission::EarnAllocate,
                AccountPermission::EarnDeallocate,
            ],
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
            account: &[],
        },
        DemoMemberSpec {
            id: "m-chloe",
            name: "Chloe Park",
            role: "Treasury lead: initiates, approves and executes withdrawals; trades",
            owner: false,
            permissions: || Permissions::none().with(Workflow::InitiateWithdrawal, ALL_WITHDRAWAL),
            account: &[AccountPermission::Trade],
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
            account: &[],
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
            account: &[],
        },
    ]
}

const BOTS: &[(&str, &str, &[Scope])] = &[
    (
        "su-rebalancer",
        "rebalancer-bot",
        &[Scope::FundsQuery, Scope::FundsWithdraw, Scope::LedgerQuery],
    ),
    (
        "su-payouts",
        "payout-bot",
        &[Scope::FundsQuery, Scope::FundsWithdraw],
    ),
    (
        "su-reporting",
        "reporting-bot",
        &[
            Scope::FundsQuery,
            Scope::LedgerQuery,
            Scope::ExportData,
            Scope::TradesQueryClosed,
        ],
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

/// The demo Organization's policies: withdrawals need 2 approvals, access and policy changes 1
/// (only Ada and Eve approve those); the address book has no policy (changes complete at once).
fn policies() -> [(Workflow, Policy); 3] {
    [
        (Workflow::InitiateWithdrawal, Policy::requiring(2)),
        (Workflow::ManageAccess, Policy::requiring(1)),
        (Workflow::ManagePolicies, Policy::requiring(1)),
    ]
}

/// Seeds the demo Organization into an empty database, in one transaction. Pending requests are
/// submitted through the rules engine, as any request would be.
pub(crate) fn seed(conn: &mut Connection, now: i64) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    db::insert_org(&tx, ORG_NAME, now)?;
    let mut org = Org {
        name: ORG_NAME.into(),
        ..Org::default()
    };
    for spec in members() {
        let member = Member {
            id: MemberId(spec.id.into()),
            name: spec.name.into(),
            is_owner: spec.owner,
            permissions: (spec.permissions)(),
            account: spec.account.iter().copied().collect(),
        };
        db::insert_member(&tx, &member, spec.role, &crate::ids::totp_secret())?;
        db::insert_key(
            &tx,
            &ids::api_key(),
            &ids::api_secret(),
            &member.actor(),
            &db::member_key(),
        )?;
        org.members.insert(member.id.clone(), member);
    }
    for (id, name, scopes) in BOTS {
        let bot = ServiceUser {
            id: ServiceUserId((*id).into()),
            name: (*name).into(),
            key: ApiKeySpec {
                scopes: scopes.iter().copied().collect(),
                ..ApiKeySpec::default()
            },
            // The operator issued the seeded bots' keys: no member holds their secrets.
            key_holder: None,
        };
        db::insert_service_user(&tx, &bot)?;
        db::insert_key(
            &tx,
            &ids::api_key(),
            &ids::api_secret(),
            &bot.actor(),
            &bot.key,
        )?;
        org.service_users.insert(bot.id.clone(), bot);
    }
    for (workflow, policy) in policies() {
        db::insert_policy(&tx, workflow, &policy)?;
        org.policies.insert(workflow, policy);
    }
    for (key, asset, method, address) in ADDRESSES {
        db::insert_address(&tx, key, asset, method, address)?;
        org.addresses.insert(
            (*key).into(),
            AddressEntry {
                key: (*key).into(),
                asset: (*asset).into(),
                method: (*method).into(),
                address: (*address).into(),
                verified: true,
            },
        );
    }
    let mut balances = Vec::new();
    for (asset, amount) in BALANCES {
        db::set_balance(&tx, asset, dec(amount)?)?;
        balances.push((*asset, dec(amount)?));
    }
    crate::history::seed(&tx, &balances, now)?;
    for (initiator, asset, amount, fee, key, minutes_ago, approvers) in PENDING {
        let address = ADDRESSES
            .iter()
            .find(|a| a.0 == *key)
            .map(|a| a.3)
            .ok_or(StoreError::Corrupt("seed address"))?;
        let actor = if initiator.starts_with("su-") {
            Actor::ServiceUser(ServiceUserId((*initiator).into()))
        } else {
            Actor::Member(MemberId((*initiator).into()))
        };
        let created = now - minutes_ago * 60;
        let payload = RequestPayload::Withdrawal {
            asset: (*asset).into(),
            amount: dec(amount)?,
            fee: dec(fee)?,
            key: (*key).into(),
            address: address.into(),
        };
        let mut request = org
            .submit(
                RequestId(ids::refid()),
                &actor,
                payload,
                false,
                created,
                &Context::default(),
            )
            .map_err(|_| StoreError::Corrupt("seed request"))?
            .request;
        for (i, approver) in approvers.iter().enumerate() {
            let m = org
                .member(&MemberId((*approver).into()))
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
