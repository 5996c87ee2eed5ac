//! The living sandbox: customer deposits arrive in the hot wallet now and then, and the
//! rebalancer bot sweeps the excess to cold storage, so the demo Organization's approval queue
//! keeps moving while someone looks at it.

use std::time::Duration;

use countersign_client::{ExchangeClient, KeyContext, RateTier};
use countersign_kraken::{ApiSecret, Credentials};
use countersign_sandbox::RunningSandbox;
use rust_decimal::Decimal;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{Rebalancer, RebalancerConfig};

/// The service user the rebalancer runs as.
pub const REBALANCER_ID: &str = "su-rebalancer";

/// Pace of the demo.
#[derive(Debug, Clone)]
pub struct LivingConfig {
    /// Time between customer deposits.
    pub deposit_every: Duration,
    /// The rebalancer's settings.
    pub rebalancer: RebalancerConfig,
}

impl Default for LivingConfig {
    fn default() -> Self {
        Self {
            deposit_every: Duration::from_secs(20),
            rebalancer: RebalancerConfig::demo(),
        }
    }
}

/// Why the living sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum LivingError {
    /// The sandbox has no rebalancer service user (it was removed).
    #[error("the sandbox has no {REBALANCER_ID} service user")]
    NoRebalancer,
    /// The sandbox's store failed.
    #[error(transparent)]
    Store(#[from] countersign_sandbox::StoreError),
    /// The client could not be built.
    #[error(transparent)]
    Client(#[from] countersign_client::ExchangeError),
}

/// The running demo; dropping it (or [`Living::stop`]) stops both tasks.
#[derive(Debug)]
pub struct Living {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Living {
    /// Starts deposits and the rebalancer against `server`.
    pub fn start(server: &RunningSandbox, config: LivingConfig) -> Result<Self, LivingError> {
        let creds = server.sandbox.demo_credentials(&server.base_url)?;
        let bot = creds
            .service_users
            .iter()
            .find(|s| s.id == REBALANCER_ID)
            .ok_or(LivingError::NoRebalancer)?;
        let secret =
            ApiSecret::from_base64(&bot.api_secret).map_err(|_| LivingError::NoRebalancer)?;
        let key = KeyContext::in_memory(
            Credentials {
                api_key: bot.api_key.clone(),
                api_secret: secret,
            },
            RateTier::Intermediate.limit(),
        );
        let client = ExchangeClient::new(&server.base_url, key.into())?;
        let (stop, watcher) = watch::channel(false);
        let rebalancer = Rebalancer::new(client, config.rebalancer);
        let mut tasks = vec![tokio::spawn(rebalancer.run(watcher.clone()))];

        let sandbox = server.sandbox.clone();
        let mut deposits = watcher;
        tasks.push(tokio::spawn(async move {
            // Deposits between 0.35 and 0.9 BTC, in a fixed cycle.
            let sizes = [35, 62, 48, 90, 71, 55];
            for i in 0.. {
                tokio::select! {
                    () = tokio::time::sleep(config.deposit_every) => {}
                    changed = deposits.changed() => {
                        if changed.is_err() || *deposits.borrow() { return; }
                    }
                }
                let amount = Decimal::new(sizes[i % sizes.len()], 2);
                match sandbox.simulate_deposit("BTC", amount) {
                    Ok(refid) => tracing::info!(%refid, %amount, "customer deposit arrived"),
                    Err(e) => tracing::warn!(error = %e, "simulated deposit failed"),
                }
            }
        }));
        Ok(Self { stop, tasks })
    }

    /// Stops both tasks and waits for them.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Living {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
