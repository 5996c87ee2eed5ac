//! Async clients for Countersign's org API and the exchange's REST API.
//!
//! - [`ExchangeClient`]: a typed method per private endpoint of
//!   [`countersign_kraken::rest`] plus public `Time`, `Assets`, `AssetPairs`; paced, retried
//!   only when safe ([`ExchangeError::OutcomeUnknown`] otherwise), errors in [`ExchangeError`].
//! - [`OrgClient`]: typed org API calls (`me`, `org`, `list_requests`, `get_request`,
//!   `preview`, `submit`, `approve`, `reject`, `cancel`, `reveal`), each signed with the
//!   member's [`Credentials`] and a fresh nonce; errors in [`ClientError`]. Each call's name,
//!   form fields and answer are `countersign_orgapi`'s (the sandbox serves the same types).
//! - [`KeyContext`]: what all calls with one key share in a process — [`Nonces`] (in memory,
//!   [`NonceSource`], or persisted, [`NonceStore`]), the send turn, the [`RatePacer`].
//! - [`NonceStore`]: per-key nonces persisted in a directory, increasing across tasks,
//!   processes and restarts. [`RatePacer`] with [`RateTier`]: the exchange's call counter.
//! - [`probe_key`]: which permissions a key has, found with calls that change nothing
//!   ([`probe`]: capabilities, findings, purposes and their verdicts).
//!
//! Calls on one key are serialised (a nonce is assigned and sent in one turn), because the
//! server accepts a key's nonces only in increasing order of arrival. An org client and an
//! exchange client of the same key must share its [`KeyContext`].
//!
//! Decisions are never retried: a timed-out `Approve` may have landed, and the server refuses a
//! second use of the same TOTP code anyway.

mod events;
mod exchange;
mod key;
mod nonce;
mod nonce_store;
mod pacing;
pub mod probe;
mod transport;

use std::sync::Arc;
use std::time::Duration;

use countersign_kraken::{ApiError, Credentials, Envelope, HEADER_API_KEY, HEADER_API_SIGN};
use countersign_org::view::{OrgView, RequestView, RevealedKey};
use countersign_org::{DecisionKind, DecisionStatement, MemberId};
use countersign_org::{
    LockCheck, Policy, PolicyDiff, Preview, RequestPayload, RequestStatus, Workflow,
};
use countersign_orgapi::params::{
    ConfirmTotpParams, DecisionStepUp, GetRequestParams, ListRequestsParams, LockCheckParams,
    NoParams, PolicyDiffParams, PreviewParams, RegisterDeviceParams, RequestStepUp, SignedDecision,
    Submission, SubmitParams, VerifyCodeParams,
};
use countersign_orgapi::{Call, DeviceSignature, JsonText, Otp, StatementTime, call};
use countersign_vault::{DecisionMirror, DeviceKey, DevicePublicKey};
use url::Url;

pub use countersign_orgapi::events::{OrgEvent, OrgEventKind, StreamReady};
pub use countersign_orgapi::{
    DecisionWindow, MeResult, RegisteredDevice, SubmitResult, TotpEnrollment,
};
pub use events::{IDLE_LIMIT, OrgStream, StreamItem};
pub use exchange::{Answer, ClientOptions, ExchangeClient, ExchangeError, RetryPolicy};
pub use key::{KeyContext, Nonces};
pub use nonce::NonceSource;
pub use nonce_store::{Clock, DEFAULT_RESERVATION, NonceStore, NonceStoreError, system_clock};
pub use pacing::{RateLimit, RatePacer, RateTier};
pub use probe::{KeyProbe, ProbeError, probe_key};
pub use transport::{BadPin, BaseUrlProblem, CertPin, checked_base};

/// How long one org API call may take.
const ORG_TIMEOUT: Duration = Duration::from_secs(15);

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error string.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The server could not be reached or did not answer in time.
    #[error("cannot reach {url}: {message}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The server answered something that is not the documented shape.
    #[error("unexpected answer from {url}: {message}")]
    Protocol {
        /// The URL called.
        url: String,
        /// What did not parse.
        message: String,
    },
    /// The base URL is unusable, or plain http to another machine ([`transport::checked_base`]).
    #[error("invalid base URL: {0}")]
    BaseUrl(String),
    /// The server answered with a redirect, which is never followed: it would carry the key,
    /// the signature and any code to another address. Nothing was sent there.
    #[error(
        "{url} answered with a redirect to {location}; Countersign never follows one (it would carry your API key, signature and code there): use the final address itself"
    )]
    Redirected {
        /// The URL called.
        url: String,
        /// Where the answer pointed.
        location: String,
    },
    /// This device's decision mirror cannot be written, so nothing was signed or sent.
    #[error("{0}")]
    Mirror(String),
}

impl From<NonceStoreError> for ClientError {
    /// No nonce could be reserved, so nothing was sent.
    fn from(e: NonceStoreError) -> Self {
        Self::Unreachable {
            url: String::new(),
            message: e.to_string(),
        }
    }
}

/// A decision's step-up: the member's proof (a code, or a decision window a code opened), and
/// the device that signs the decision's statement (`countersign_org::DecisionStatement`).
#[derive(Debug, Clone, Copy)]
pub struct StepUp<'a> {
    /// The code or the window.
    pub proof: Proof<'a>,
    /// This device's signing key (its public half registered to the member).
    pub device: &'a DeviceKey,
}

/// What steps a decision up.
#[derive(Clone, Copy)]
pub enum Proof<'a> {
    /// The member's current 6-digit TOTP code (spent by the decision, opening a window).
    Code(&'a str),
    /// The id of an open decision window of the member's ([`OrgClient::verify_code`]).
    Window(&'a str),
}

impl std::fmt::Debug for Proof<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Code(_) => f.write_str("Code(<redacted>)"),
            Self::Window(id) => write!(f, "Window({id})"),
        }
    }
}

impl<'a> StepUp<'a> {
    /// Stepped up by the member's current code.
    pub fn code(otp: &'a str, device: &'a DeviceKey) -> Self {
        Self {
            proof: Proof::Code(otp),
            device,
        }
    }

    /// Stepped up by an open decision window.
    pub fn window(id: &'a str, device: &'a DeviceKey) -> Self {
        Self {
            proof: Proof::Window(id),
            device,
        }
    }

    /// The wire fields of the proof, for request `id`.
    fn on(&self, id: &str) -> DecisionStepUp {
        let (otp, window) = match self.proof {
            Proof::Code(otp) => (Some(Otp::from(otp)), None),
            Proof::Window(w) => (None, Some(w.to_owned())),
        };
        DecisionStepUp {
            id: id.to_owned(),
            otp,
            window,
        }
    }
}

/// Which requests to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestFilter {
    /// Only this status.
    pub status: Option<RequestStatus>,
    /// Only this workflow.
    pub workflow: Option<Workflow>,
}

/// A member's session with an org API.
#[derive(Debug, Clone)]
pub struct OrgClient {
    http: reqwest::Client,
    base: Url,
    key: Arc<KeyContext>,
    /// The key's member id, learnt from `Me` on the first signed decision.
    member: Arc<tokio::sync::OnceCell<String>>,
    /// Where this device keeps its own copy of every decision it signs (none: not kept).
    mirror: Option<Arc<DecisionMirror>>,
}

/// A signed statement, its form fields, and what the mirror keeps of it.
#[derive(Debug, Clone)]
struct Signed {
    fields: DeviceSignature,
    statement: DecisionStatement,
}

impl OrgClient {
    /// This client, keeping every decision it signs in `mirror` (this device's own journal).
    /// Before signing it checks the mirror verifies and can be written.
    #[must_use]
    pub fn with_mirror(mut self, mirror: DecisionMirror) -> Self {
        self.mirror = Some(Arc::new(mirror));
        self
    }

    /// A client for `base_url` (e.g. `http://127.0.0.1:8080`) signing with `creds`.
    pub fn new(base_url: &str, creds: Credentials) -> Result<Self, ClientError> {
        // The org API has no call counter of its own to mirror.
        Self::with_key(
            base_url,
            Arc::new(KeyContext::in_memory(creds, RateLimit::unlimited())),
        )
    }

    /// A client signing with a key whose nonces and turn are shared with other clients (an
    /// [`ExchangeClient`] of the same key).
    pub fn with_key(base_url: &str, key: Arc<KeyContext>) -> Result<Self, ClientError> {
        let base = transport::checked_base(base_url)
            .map_err(|problem| ClientError::BaseUrl(problem.to_string()))?;
        let http = transport::http_client(ORG_TIMEOUT, None).map_err(ClientError::BaseUrl)?;
        Ok(Self {
            http,
            base,
            key,
            member: Arc::default(),
            mirror: None,
        })
    }

    /// This client, accepting only the server certificate `pin` names (a sandbox shared across
    /// machines presents one it made itself).
    pub fn pinned(mut self, pin: &CertPin) -> Result<Self, ClientError> {
        self.http = transport::http_client(ORG_TIMEOUT, Some(pin)).map_err(ClientError::BaseUrl)?;
        Ok(self)
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// Who the key belongs to.
    pub async fn me(&self) -> Result<MeResult, ClientError> {
        self.call::<call::Me>(&NoParams {}).await
    }

    /// Requests visible to the member, newest first.
    pub async fn list_requests(
        &self,
        filter: RequestFilter,
    ) -> Result<Vec<RequestView>, ClientError> {
        let params = ListRequestsParams {
            status: filter.status,
            workflow: filter.workflow,
        };
        Ok(self.call::<call::ListRequests>(&params).await?.requests)
    }

    /// One request.
    pub async fn get_request(&self, id: &str) -> Result<RequestView, ClientError> {
        self.call::<call::GetRequest>(&GetRequestParams { id: id.to_owned() })
            .await
    }

    /// The Organization: members, service users with their keys, policies, address book.
    pub async fn org(&self) -> Result<OrgView, ClientError> {
        self.call::<call::Org>(&NoParams {}).await
    }

    /// What submitting `payload` would do, and why (as `as_member` would submit it, if given).
    pub async fn preview(
        &self,
        payload: &RequestPayload,
        execute: bool,
        as_member: Option<&str>,
    ) -> Result<Preview, ClientError> {
        let params = PreviewParams {
            submission: Submission {
                payload: JsonText(payload.clone()),
                execute,
                reason: None,
            },
            as_member: as_member.map(str::to_owned),
        };
        self.call::<call::Preview>(&params).await
    }

    /// Submits a request with the initiator's optional `reason`; executing at once under a
    /// policy is a decision and needs a step-up (the statement signs the content with an empty
    /// request id: it has none yet).
    pub async fn submit(
        &self,
        payload: &RequestPayload,
        execute: bool,
        reason: Option<&str>,
        step_up: Option<StepUp<'_>>,
    ) -> Result<SubmitResult, ClientError> {
        let mut params = SubmitParams {
            submission: Submission {
                payload: JsonText(payload.clone()),
                execute,
                reason: reason.map(str::to_owned),
            },
            otp: None,
            window: None,
            signed: None,
        };
        let mut signed = None;
        if let Some(s) = step_up {
            let on = s.on("");
            (params.otp, params.window) = (on.otp, on.window);
            let signature = self
                .signature("", payload, DecisionKind::Execute, s.device)
                .await?;
            params.signed = Some(signature.fields.clone());
            signed = Some(signature);
        }
        let result = self.call::<call::Submit>(&params).await?;
        if let Some(signed) = signed {
            self.mirror(signed, result.request.status).await;
        }
        Ok(result)
    }

    /// Cancels the member's own pending request.
    pub async fn cancel(
        &self,
        id: &str,
        step_up: StepUp<'_>,
        seen: Option<&RequestPayload>,
    ) -> Result<RequestView, ClientError> {
        self.decide::<call::Cancel>(id, DecisionKind::Cancel, step_up, seen, |on, signed| {
            SignedDecision {
                on,
                signed,
                reason: None,
            }
        })
        .await
    }

    /// Registers this device's public key to the member, with their current code.
    pub async fn register_device(
        &self,
        device: &DevicePublicKey,
        otp: &str,
    ) -> Result<RegisteredDevice, ClientError> {
        let params = RegisterDeviceParams {
            device_key: device.to_base64(),
            otp: Otp::from(otp),
        };
        self.call::<call::RegisterDevice>(&params).await
    }

    /// Starts 2FA enrollment for a member without an authenticator: a new secret, replacing any
    /// earlier unconfirmed one. Refused (`EOrg:2FA already enrolled`) once enrolled.
    pub async fn enroll_totp(&self) -> Result<TotpEnrollment, ClientError> {
        self.call::<call::EnrollTotp>(&NoParams {}).await
    }

    /// Finishes enrollment with the authenticator's first code, registering `device` to the
    /// member in the same call.
    pub async fn confirm_totp(
        &self,
        otp: &str,
        device: &DevicePublicKey,
    ) -> Result<RegisteredDevice, ClientError> {
        let params = ConfirmTotpParams {
            otp: Otp::from(otp),
            device_key: device.to_base64(),
        };
        self.call::<call::ConfirmTotp>(&params).await
    }

    /// Checks (and spends) the member's current code: unlocking the app, or opening a batch of
    /// decisions. Returns the decision window the code opened (`None`: the Organization's window
    /// is 0, or the org API has none).
    pub async fn verify_code(&self, otp: &str) -> Result<Option<DecisionWindow>, ClientError> {
        let params = VerifyCodeParams {
            otp: Otp::from(otp),
        };
        Ok(self.call::<call::VerifyCode>(&params).await?.window)
    }

    /// Closes every open decision window of the member at once (the app locks); how many were
    /// open.
    pub async fn close_windows(&self) -> Result<u32, ClientError> {
        Ok(self.call::<call::CloseWindows>(&NoParams {}).await?.closed)
    }

    /// The Organization's audit journal as JSON Lines (`countersign_vault::journal::verify`
    /// checks it).
    pub async fn export_journal(&self) -> Result<String, ClientError> {
        Ok(self.call::<call::ExportJournal>(&NoParams {}).await?.lines)
    }

    async fn member_id(&self) -> Result<String, ClientError> {
        self.member
            .get_or_try_init(|| async { Ok(self.me().await?.member.id) })
            .await
            .cloned()
    }

    /// The `device_key`, `signature` and `at` fields signing `kind` on `request_id` with
    /// `payload`, and what was signed. With a mirror, checks first that it can be written: a
    /// device that cannot keep its own record does not sign.
    async fn signature(
        &self,
        request_id: &str,
        payload: &RequestPayload,
        kind: DecisionKind,
        device: &DeviceKey,
    ) -> Result<Signed, ClientError> {
        let hash = countersign_org::content_hash(payload);
        if let Some(mirror) = &self.mirror {
            let mirror = Arc::clone(mirror);
            tokio::task::spawn_blocking(move || mirror.check())
                .await
                .map_err(|e| ClientError::Mirror(e.to_string()))?
                .map_err(|e| ClientError::Mirror(e.to_string()))?;
        }
        // The key's clock (the system clock, unless a test injected one).
        let at = i64::try_from(self.key.now_ms() / 1000).unwrap_or(0);
        let member = MemberId(self.member_id().await?);
        let statement = DecisionStatement::for_content(request_id, hash.clone(), kind, &member, at);
        let signature = device.sign(&statement.digest());
        Ok(Signed {
            fields: DeviceSignature {
                device_key: device.public().to_base64(),
                signature,
                at: StatementTime::from_seconds(at),
                content_hash: hash,
            },
            statement,
        })
    }

    /// Keeps a decision the server accepted in this device's mirror. The decision stands either
    /// way; a failure to record it (the file was checked just before) is reported on stderr.
    async fn mirror(&self, signed: Signed, status: RequestStatus) {
        let Some(mirror) = &self.mirror else { return };
        let mirror = Arc::clone(mirror);
        let status = status.as_str().to_owned();
        let done = tokio::task::spawn_blocking(move || {
            mirror.record(
                signed.statement.at,
                &signed.statement,
                &signed.fields.device_key,
                &signed.fields.signature,
                &status,
            )
        })
        .await;
        match done {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!("warning: the decision was accepted but not mirrored: {e}"),
            Err(e) => eprintln!("warning: the decision was accepted but not mirrored: {e}"),
        }
    }

    /// A signed decision on request `id`: the member signs the request as the server shows it;
    /// `params` makes the call's fields from the step-up and the signature.
    /// Signs `kind` on request `id` as `seen` (the payload the member was shown; `None`: as the
    /// server returns it now, for a caller that showed nothing) and sends it. The server refuses
    /// a decision whose content hash is not its request's (`EOrg:Request changed`).
    async fn decide<C: Call<Answer = RequestView>>(
        &self,
        id: &str,
        kind: DecisionKind,
        step_up: StepUp<'_>,
        seen: Option<&RequestPayload>,
        params: impl FnOnce(DecisionStepUp, DeviceSignature) -> C::Params,
    ) -> Result<RequestView, ClientError> {
        let fetched;
        let payload = match seen {
            Some(p) => p,
            None => {
                fetched = self.get_request(id).await?.payload;
                &fetched
            }
        };
        let signed = self.signature(id, payload, kind, step_up.device).await?;
        let view = self
            .call::<C>(&params(step_up.on(id), signed.fields.clone()))
            .await?;
        self.mirror(signed, view.status).await;
        Ok(view)
    }

    /// Reveals, once, the key of a service user created by the member's request (stepped up
    /// with the member's code).
    pub async fn reveal(&self, id: &str, otp: &str) -> Result<RevealedKey, ClientError> {
        let params = RequestStepUp {
            id: id.to_owned(),
            otp: Otp::from(otp),
        };
        self.call::<call::Reveal>(&params).await
    }

    /// What replacing `workflow`'s policy with `policy` (`None`: removing it) would change.
    pub async fn policy_diff(
        &self,
        workflow: Workflow,
        policy: Option<Policy>,
    ) -> Result<PolicyDiff, ClientError> {
        let params = PolicyDiffParams {
            workflow,
            policy: JsonText(policy),
        };
        self.call::<call::PolicyDiff>(&params).await
    }

    /// Whether `workflow`'s policy could be locked (by `as_member`, or the caller), and its bus factor.
    pub async fn lock_check(
        &self,
        workflow: Workflow,
        as_member: Option<&str>,
    ) -> Result<LockCheck, ClientError> {
        let params = LockCheckParams {
            workflow,
            as_member: as_member.map(str::to_owned),
        };
        self.call::<call::LockCheck>(&params).await
    }

    /// What service user `service_user`'s key did at the exchange API: endpoints called,
    /// refusals by cause, addresses called from.
    pub async fn key_usage(
        &self,
        service_user: &str,
    ) -> Result<countersign_org::view::KeyUsage, ClientError> {
        let params = countersign_orgapi::params::KeyUsageParams {
            service_user: service_user.to_owned(),
        };
        self.call::<call::KeyUsage>(&params).await
    }

    /// Switches service user `service_user`'s key off at once, with `reason` (an emergency
    /// stop, stepped up with the member's code). A stop already in force is answered as it
    /// stands.
    pub async fn stop_key(
        &self,
        service_user: &str,
        reason: &str,
        otp: &str,
    ) -> Result<countersign_org::view::StopView, ClientError> {
        let params = countersign_orgapi::params::StopKeyParams {
            service_user: service_user.to_owned(),
            reason: reason.to_owned(),
            otp: Otp::from(otp),
        };
        self.call::<call::StopKey>(&params).await
    }

    /// Freezes every withdrawal of the Organization at once, with `reason` (an emergency stop,
    /// stepped up with the member's code). A freeze already in force is answered as it stands.
    pub async fn freeze_withdrawals(
        &self,
        reason: &str,
        otp: &str,
    ) -> Result<countersign_org::view::StopView, ClientError> {
        let params = countersign_orgapi::params::FreezeWithdrawalsParams {
            reason: reason.to_owned(),
            otp: Otp::from(otp),
        };
        self.call::<call::FreezeWithdrawals>(&params).await
    }

    /// Approves a request, stepped up, with an optional reason, signed over `seen`: the payload
    /// the member was shown (`None`: as the server returns it now, for a caller that showed
    /// nothing). The server refuses it when its request differs (`EOrg:Request changed`).
    pub async fn approve(
        &self,
        id: &str,
        step_up: StepUp<'_>,
        reason: Option<&str>,
        seen: Option<&RequestPayload>,
    ) -> Result<RequestView, ClientError> {
        let reason = reason.map(str::to_owned);
        self.decide::<call::Approve>(id, DecisionKind::Approve, step_up, seen, |on, signed| {
            SignedDecision { on, signed, reason }
        })
        .await
    }

    /// Rejects a request, stepped up, with its reason (the org API refuses a rejection without
    /// one).
    pub async fn reject(
        &self,
        id: &str,
        step_up: StepUp<'_>,
        reason: Option<&str>,
        seen: Option<&RequestPayload>,
    ) -> Result<RequestView, ClientError> {
        let reason = reason.map(str::to_owned);
        self.decide::<call::Reject>(id, DecisionKind::Reject, step_up, seen, |on, signed| {
            SignedDecision { on, signed, reason }
        })
        .await
    }

    /// Calls `C`: its fields after a fresh `nonce`, signed with the key, answered in the envelope.
    async fn call<C: Call>(&self, params: &C::Params) -> Result<C::Answer, ClientError> {
        let path = C::NAME.path();
        let url = self
            .base
            .join(&path)
            .map_err(|_| ClientError::BaseUrl(self.base.to_string()))?;
        let fields = serde_urlencoded::to_string(params).map_err(|e| ClientError::Protocol {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        let _turn = self.key.turn.lock().await;
        let nonce = self.key.nonces().next()?.to_string();
        let mut body = serde_urlencoded::to_string([("nonce", nonce.as_str())]).map_err(|e| {
            ClientError::Protocol {
                url: url.to_string(),
                message: e.to_string(),
            }
        })?;
        if !fields.is_empty() {
            body.push('&');
            body.push_str(&fields);
        }
        let creds = self.key.credentials();
        let sign = countersign_kraken::sign(&creds.api_secret, &path, &nonce, &body);
        let unreachable = |e: reqwest::Error| ClientError::Unreachable {
            url: url.to_string(),
            message: crate::transport::explain(e),
        };
        let response = self
            .http
            .post(url.clone())
            .header(HEADER_API_KEY, &creds.api_key)
            .header(HEADER_API_SIGN, sign)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        if let Some(location) = transport::redirect_target(&response) {
            return Err(ClientError::Redirected {
                url: url.to_string(),
                location,
            });
        }
        let bytes = response.bytes().await.map_err(unreachable)?;
        let envelope: Envelope<C::Answer> =
            serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol {
                url: url.to_string(),
                message: e.to_string(),
            })?;
        if envelope
            .error
            .iter()
            .any(|m| m.starts_with("EAPI:Invalid nonce"))
        {
            self.key.nonces().resync();
        }
        Ok(envelope.into_result()?)
    }
}
