//! The store's schema and its migrations, in order; `PRAGMA user_version` counts how many ran.

/// Schema migrations, in order; `PRAGMA user_version` counts how many have run.
pub(super) const MIGRATIONS: &[&str] = &[
    SCHEMA,
    // 2: API key settings (spec §5); removed members and service users are kept (marked) so
    //    history still names them; and secrets of created service users awaiting their one-time
    //    reveal to the request's initiator.
    "ALTER TABLE api_keys ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
     ALTER TABLE api_keys ADD COLUMN last_used INTEGER;
     ALTER TABLE members ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE members ADD COLUMN account TEXT NOT NULL DEFAULT '[]';
     ALTER TABLE service_users ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE reveals (
         request_id TEXT PRIMARY KEY REFERENCES requests(id),
         api_key TEXT NOT NULL,
         secret TEXT NOT NULL
     );",
    // 3: the exchange's private API. The account's rate tier; a key's optional 2FA password
    //    (server-side, like its secret); ledger entries gain aclass and wallet; members' keys
    //    may read the account (balances, ledgers, orders, exports) — they never withdraw through
    //    it, withdrawals by members go through the org API; exports, orders, trades and Earn.
    "ALTER TABLE org ADD COLUMN rate_tier TEXT NOT NULL DEFAULT 'intermediate';
     ALTER TABLE api_keys ADD COLUMN otp_password TEXT;
     ALTER TABLE ledger ADD COLUMN aclass TEXT NOT NULL DEFAULT 'currency';
     ALTER TABLE ledger ADD COLUMN wallet TEXT NOT NULL DEFAULT 'spot / main';
     CREATE INDEX ledger_by_time ON ledger(time);
     CREATE INDEX ledger_by_refid ON ledger(refid);
     UPDATE api_keys SET scopes = '[\"funds_query\",\"funds_add\",\"trades_query_open\",\"trades_query_closed\",\"ledger_query\",\"export_data\"]'
         WHERE owner_kind = 'member';
     CREATE TABLE exports (
         id TEXT PRIMARY KEY,
         report TEXT NOT NULL CHECK (report IN ('ledgers', 'trades')),
         description TEXT NOT NULL,
         format TEXT NOT NULL,
         fields TEXT NOT NULL,
         starttm INTEGER NOT NULL,
         endtm INTEGER NOT NULL,
         created INTEGER NOT NULL,
         status TEXT NOT NULL,
         data BLOB
     );
     CREATE TABLE orders (
         txid TEXT PRIMARY KEY,
         pair TEXT NOT NULL,
         side TEXT NOT NULL,
         ordertype TEXT NOT NULL,
         price TEXT NOT NULL,
         volume TEXT NOT NULL,
         vol_exec TEXT NOT NULL,
         cost TEXT NOT NULL,
         fee TEXT NOT NULL,
         status TEXT NOT NULL,
         userref INTEGER,
         opentm INTEGER NOT NULL,
         closetm INTEGER
     );
     CREATE INDEX orders_by_status ON orders(status, opentm);
     CREATE TABLE trades (
         txid TEXT PRIMARY KEY,
         ordertxid TEXT NOT NULL REFERENCES orders(txid),
         pair TEXT NOT NULL,
         time INTEGER NOT NULL,
         side TEXT NOT NULL,
         ordertype TEXT NOT NULL,
         price TEXT NOT NULL,
         cost TEXT NOT NULL,
         fee TEXT NOT NULL,
         vol TEXT NOT NULL,
         ledgers TEXT NOT NULL
     );
     CREATE TABLE earn_operations (
         refid TEXT PRIMARY KEY,
         kind TEXT NOT NULL CHECK (kind IN ('allocate', 'deallocate')),
         strategy_id TEXT NOT NULL,
         asset TEXT NOT NULL,
         amount TEXT NOT NULL,
         time INTEGER NOT NULL
     );",
    // 4: an order's client order id (`cl_ord_id`), unique among open orders as on the exchange.
    "ALTER TABLE orders ADD COLUMN cl_ord_id TEXT;
     CREATE UNIQUE INDEX open_orders_by_cl_ord_id ON orders(cl_ord_id)
         WHERE status = 'open' AND cl_ord_id IS NOT NULL;",
    // 5: the trust layer. Members' registered device keys; each decision's signature; and the
    //    audit journal, hash-chained (`countersign_vault::journal`), appended in the same
    //    transaction as what it records.
    "CREATE TABLE devices (
         member_id TEXT NOT NULL REFERENCES members(id),
         device_key TEXT NOT NULL,
         registered_at INTEGER NOT NULL,
         PRIMARY KEY (member_id, device_key)
     );
     ALTER TABLE decisions ADD COLUMN device_key TEXT;
     ALTER TABLE decisions ADD COLUMN signature TEXT;
     ALTER TABLE decisions ADD COLUMN digest TEXT;
     CREATE TABLE journal (
         seq INTEGER PRIMARY KEY,
         at INTEGER NOT NULL,
         record TEXT NOT NULL
     );",
    // 6: 2FA enrollment. An invited member joins without an authenticator (`totp_enrolled` 0;
    //    the `totp_secret` written at invitation is never revealed nor accepted) until they
    //    confirm the secret `EnrollTotp` last generated for them (`pending_totp`).
    "ALTER TABLE members ADD COLUMN totp_enrolled INTEGER NOT NULL DEFAULT 1;
     ALTER TABLE members ADD COLUMN pending_totp TEXT;",
    // 7: each key's use of the exchange API, for least privilege: calls answered per endpoint,
    //    refusals per cause, addresses called from (each a count and the last time).
    "CREATE TABLE key_calls (
         api_key TEXT NOT NULL,
         endpoint TEXT NOT NULL,
         calls INTEGER NOT NULL,
         last_at INTEGER NOT NULL,
         PRIMARY KEY (api_key, endpoint)
     );
     CREATE TABLE key_refusals (
         api_key TEXT NOT NULL,
         cause TEXT NOT NULL,
         refusals INTEGER NOT NULL,
         last_at INTEGER NOT NULL,
         PRIMARY KEY (api_key, cause)
     );
     CREATE TABLE key_addresses (
         api_key TEXT NOT NULL,
         address TEXT NOT NULL,
         calls INTEGER NOT NULL,
         last_at INTEGER NOT NULL,
         PRIMARY KEY (api_key, address)
     );",
    // 8: emergency stops (`countersign_org::Stop`, JSON: who, when, why). A service user's key
    //    stopped (every call it signs refused), and the Organization's withdrawal freeze; NULL
    //    when not in force.
    "ALTER TABLE api_keys ADD COLUMN stop TEXT;
     ALTER TABLE org ADD COLUMN withdrawals_frozen TEXT;",
    // 9: the address-book entries each key's withdrawal calls named (`key` of `Withdraw` and
    //    `WithdrawInfo`), so renaming or removing an entry can say which bots still use it.
    "CREATE TABLE key_destinations (
         api_key TEXT NOT NULL,
         entry TEXT NOT NULL,
         calls INTEGER NOT NULL,
         last_at INTEGER NOT NULL,
         PRIMARY KEY (api_key, entry)
     );",
    // 10: the officer's desk. The Organization's decision window (seconds; `OrgSettings`); the
    //    initiator's reason on each request; and the decision windows members' codes opened
    //    (each decision's journal record names the one that stepped it up).
    "ALTER TABLE org ADD COLUMN decision_window INTEGER NOT NULL DEFAULT 120;
     ALTER TABLE requests ADD COLUMN reason TEXT;
     CREATE TABLE decision_windows (
         id TEXT PRIMARY KEY,
         member_id TEXT NOT NULL REFERENCES members(id),
         opened_at INTEGER NOT NULL,
         closes_at INTEGER NOT NULL
     );",
    // 11: nonces are spent durably (`keys::spend_nonce`): every nonce accepted, per key, until
    //    it falls out of any window's reach. Nonces used before this migration were not kept,
    //    so each key's floor starts at its highest: nothing at or below it is accepted again.
    "CREATE TABLE used_nonces (
         api_key TEXT NOT NULL,
         nonce INTEGER NOT NULL,
         PRIMARY KEY (api_key, nonce)
     ) WITHOUT ROWID;
     ALTER TABLE api_keys ADD COLUMN nonce_floor INTEGER NOT NULL DEFAULT 0;
     UPDATE api_keys SET nonce_floor = highest_nonce;",
    // 12: an export is its key's (`exchange::export`): only the key that made it lists,
    //    retrieves or removes it. Exports made before this belong to no key, and no call reaches
    //    them.
    "ALTER TABLE exports ADD COLUMN api_key TEXT;",
    // 13: who received each service user's secret (`ServiceUser::key_holder`): the initiator of
    //    the request that created it. Service users made before this have none on record.
    "ALTER TABLE service_users ADD COLUMN key_holder TEXT REFERENCES members(id);",
    // 14: a journal record's hash commits to a request's content hash, not its payload, so a
    //    member's export can withhold what they may not view (`JournalEvent::committed`). The
    //    records are re-chained in Rust after this step (`JOURNAL_RECHAINED`).
    "SELECT 1;",
    // 15: the device-signed statements already used (`countersign`), until they are too old to
    //    be accepted anyway: a statement signs one decision, once. An Execute at submission
    //    names no request yet, so its statement was otherwise good again for its freshness.
    "CREATE TABLE IF NOT EXISTS spent_statements (
        signature TEXT PRIMARY KEY,
        at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS spent_statements_at ON spent_statements(at);",
];

/// The migration after which the journal is re-chained under the current hash
/// (`journal::rechain_journal`), in the same transaction.
pub(super) const JOURNAL_RECHAINED: usize = 14;

const SCHEMA: &str = r"
CREATE TABLE org (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE members (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,                 -- unique among current members (the engine checks)
    role TEXT NOT NULL,
    is_owner INTEGER NOT NULL,
    permissions TEXT NOT NULL,          -- JSON: {workflow: [permission]}
    totp_secret TEXT NOT NULL,          -- base32; the sandbox plays the exchange and keeps it
    last_otp_step INTEGER               -- newest TOTP step accepted: a code is accepted once
);
CREATE UNIQUE INDEX one_owner ON members(is_owner) WHERE is_owner = 1;
CREATE TABLE service_users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL                  -- unique among current service users (the engine checks)
);
CREATE TABLE api_keys (
    api_key TEXT PRIMARY KEY,
    secret TEXT NOT NULL,               -- base64; server-side, as the exchange keeps it
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('member', 'service_user')),
    owner_id TEXT NOT NULL,
    scopes TEXT NOT NULL,               -- JSON array of wire permission names
    nonce_window INTEGER NOT NULL DEFAULT 0,
    highest_nonce INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE policies (
    workflow TEXT PRIMARY KEY,
    always_require_approval INTEGER NOT NULL,
    required_approvals INTEGER NOT NULL CHECK (required_approvals >= 1),
    locked INTEGER NOT NULL,
    expires_after INTEGER
);
CREATE TABLE addresses (
    key TEXT PRIMARY KEY,
    asset TEXT NOT NULL,
    method TEXT NOT NULL,
    address TEXT NOT NULL,
    verified INTEGER NOT NULL
);
CREATE TABLE balances (
    asset TEXT PRIMARY KEY,
    amount TEXT NOT NULL                -- decimal string
);
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    initiator_kind TEXT NOT NULL,
    initiator_id TEXT NOT NULL,
    payload TEXT NOT NULL,              -- JSON RequestPayload
    status TEXT NOT NULL,
    policy TEXT,                        -- JSON Policy snapshot at submission
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX requests_by_status ON requests(status, created_at);
CREATE TABLE decisions (
    request_id TEXT NOT NULL REFERENCES requests(id),
    member_id TEXT NOT NULL REFERENCES members(id),
    decision TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT,
    seq INTEGER NOT NULL,
    PRIMARY KEY (request_id, member_id)
);
CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    refid TEXT NOT NULL,
    time INTEGER NOT NULL,
    type TEXT NOT NULL,
    subtype TEXT NOT NULL,
    asset TEXT NOT NULL,
    amount TEXT NOT NULL,
    fee TEXT NOT NULL,
    balance TEXT NOT NULL
);
";
