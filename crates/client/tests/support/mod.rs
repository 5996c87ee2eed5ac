//! A member at their desk for the client tests: the org client, and this device's signing key,
//! registered to them by the sandbox's operator, so each decision is signed as the app signs it.

#![allow(dead_code)]

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use countersign_client::{KeyContext, NonceSource, Nonces, RateLimit};
use countersign_kraken::Credentials;

use countersign_client::{ClientError, OrgClient, StepUp, SubmitResult};
use countersign_org::RequestPayload;
use countersign_org::view::RequestView;
use countersign_sandbox::Sandbox;
use countersign_vault::DeviceKey;

/// A member's client with a registered device.
#[derive(Clone)]
pub struct Officer {
    pub client: OrgClient,
    pub device: Arc<DeviceKey>,
}

/// An org client whose statements are dated by the test's clock (`time`, unix seconds), as the
/// sandbox under test reads it.
pub fn client_at(base_url: &str, creds: Credentials, time: &Arc<AtomicI64>) -> OrgClient {
    let time = Arc::clone(time);
    let key = KeyContext::with_parts(
        creds,
        Nonces::Memory(NonceSource::new()),
        RateLimit::unlimited(),
        Arc::new(move || u64::try_from(time.load(Ordering::SeqCst) * 1000).unwrap_or(0)),
    );
    OrgClient::with_key(base_url, Arc::new(key)).expect("client")
}

impl Officer {
    /// `client` for member `id`, with a fresh device key registered to them.
    pub fn new(sandbox: &Sandbox, id: &str, client: OrgClient) -> Self {
        let device = DeviceKey::generate();
        sandbox
            .operator_register_device(id, &device.public().to_base64())
            .expect("register device");
        Self {
            client,
            device: Arc::new(device),
        }
    }

    fn step_up<'a>(&'a self, otp: &'a str) -> StepUp<'a> {
        StepUp::code(otp, &self.device)
    }

    pub async fn approve(&self, id: &str, otp: &str) -> Result<RequestView, ClientError> {
        self.client.approve(id, self.step_up(otp), None, None).await
    }

    pub async fn reject(
        &self,
        id: &str,
        otp: &str,
        reason: Option<&str>,
    ) -> Result<RequestView, ClientError> {
        self.client
            .reject(id, self.step_up(otp), reason, None)
            .await
    }

    pub async fn cancel(&self, id: &str, otp: &str) -> Result<RequestView, ClientError> {
        self.client.cancel(id, self.step_up(otp), None).await
    }

    pub async fn submit(
        &self,
        payload: &RequestPayload,
        execute: bool,
        otp: Option<&str>,
    ) -> Result<SubmitResult, ClientError> {
        self.client
            .submit(payload, execute, None, otp.map(|o| self.step_up(o)))
            .await
    }
}

impl Deref for Officer {
    type Target = OrgClient;

    fn deref(&self) -> &OrgClient {
        &self.client
    }
}
