//! The org API's event stream, read as Server-Sent Events (`countersign_orgapi::events`): a
//! signed `POST /0/org/Events`, then [`OrgStream::next`] for each event, parsed by
//! `eventsource-stream`. A stream that goes quiet for longer than [`IDLE_LIMIT`] (the server
//! sends a keep-alive every 15 s) counts as dropped: the caller reconnects.

use std::pin::Pin;
use std::time::Duration;

use countersign_kraken::{Envelope, HEADER_API_KEY, HEADER_API_SIGN};
use countersign_orgapi::events::{
    EVENTS_PATH, ORG_EVENT, OrgEvent, PING_EVENT, READY_EVENT, StreamReady,
};
use eventsource_stream::Eventsource as _;
use futures_util::{Stream, StreamExt as _};

use crate::{ClientError, OrgClient};

/// How long a stream may stay silent before it counts as dropped.
pub const IDLE_LIMIT: Duration = Duration::from_secs(45);

/// What the stream says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamItem {
    /// The stream is live after journal record `seq`: read the list once, then follow events.
    Ready(StreamReady),
    /// A request changed (or a stop was pulled).
    Event(OrgEvent),
    /// The stream fell behind and skipped events: read the list again.
    Lagged,
}

type Events = Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, String>> + Send>>;

/// An open event stream.
pub struct OrgStream {
    url: String,
    events: Events,
    /// Silence longer than this counts as a dropped stream.
    idle: Duration,
}

impl std::fmt::Debug for OrgStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgStream")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl OrgStream {
    /// Counts a silence longer than `idle` as a dropped stream (default [`IDLE_LIMIT`]; the
    /// server pings every 15 s).
    #[must_use]
    pub fn with_idle_limit(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// The next item; `None` when the server ended the stream. An error (a broken or silent
    /// connection, an event that does not parse) ends it too: reconnect.
    pub async fn next(&mut self) -> Option<Result<StreamItem, ClientError>> {
        loop {
            let event = match tokio::time::timeout(self.idle, self.events.next()).await {
                Err(_) => {
                    return Some(Err(
                        self.broken("the stream went silent (no event or keep-alive)")
                    ));
                }
                Ok(None) => return None,
                Ok(Some(Err(e))) => return Some(Err(self.broken(&e))),
                Ok(Some(Ok(event))) => event,
            };
            let parsed = match event.event.as_str() {
                READY_EVENT => serde_json::from_str(&event.data).map(StreamItem::Ready),
                ORG_EVENT => serde_json::from_str(&event.data).map(StreamItem::Event),
                "lagged" => Ok(StreamItem::Lagged),
                // Alive: the wait for the next event starts again.
                PING_EVENT => continue,
                // An event this client does not know: a newer server; skip it.
                _ => continue,
            };
            return Some(parsed.map_err(|e| ClientError::Protocol {
                url: self.url.clone(),
                message: e.to_string(),
            }));
        }
    }

    fn broken(&self, message: &str) -> ClientError {
        ClientError::Unreachable {
            url: self.url.clone(),
            message: message.to_owned(),
        }
    }
}

impl OrgClient {
    /// Opens the member's event stream. A refusal (the key, the signature) is the usual error.
    pub async fn events(&self) -> Result<OrgStream, ClientError> {
        let url = self
            .base
            .join(EVENTS_PATH)
            .map_err(|_| ClientError::BaseUrl(self.base.to_string()))?;
        let response = {
            let _turn = self.key.turn.lock().await;
            let nonce = self.key.nonces().next()?.to_string();
            let body = format!("nonce={nonce}");
            let creds = self.key.credentials();
            let sign = countersign_kraken::sign(&creds.api_secret, EVENTS_PATH, &nonce, &body);
            self.http
                .post(url.clone())
                .header(HEADER_API_KEY, &creds.api_key)
                .header(HEADER_API_SIGN, sign)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(reqwest::header::ACCEPT, "text/event-stream")
                // The client's 15 s timeout covers a whole call; a stream lasts: it is watched
                // for silence instead (`IDLE_LIMIT`).
                .timeout(Duration::from_secs(60 * 60 * 24 * 365))
                .body(body)
                .send()
                .await
                .map_err(|e| ClientError::Unreachable {
                    url: url.to_string(),
                    message: crate::transport::explain(e),
                })?
        };
        if let Some(location) = crate::transport::redirect_target(&response) {
            return Err(ClientError::Redirected {
                url: url.to_string(),
                location,
            });
        }
        let is_stream = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_stream {
            // Refused: the usual envelope says why.
            let bytes = response
                .bytes()
                .await
                .map_err(|e| ClientError::Unreachable {
                    url: url.to_string(),
                    message: crate::transport::explain(e),
                })?;
            let envelope: Envelope<serde_json::Value> =
                serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol {
                    url: url.to_string(),
                    message: e.to_string(),
                })?;
            envelope.into_result()?;
            return Err(ClientError::Protocol {
                url: url.to_string(),
                message: "the org API answered no event stream".into(),
            });
        }
        let events = response
            .bytes_stream()
            .eventsource()
            .map(|r| r.map_err(|e| e.to_string()));
        Ok(OrgStream {
            url: url.to_string(),
            events: Box::pin(events),
            idle: IDLE_LIMIT,
        })
    }
}
