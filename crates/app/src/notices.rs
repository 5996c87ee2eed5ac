//! Told when it needs me, and only then: [`keep_watch`] reads the member's pending queue each
//! time the event stream says something changed ([`crate::push`]), and hands a [`NoticeSink`]
//! (the desktop: its tray and the OS's notifications) what a person should be told:
//!
//! - how many requests need the member now (the tray's count);
//! - a [`Notice`] for each request that newly needs them: its summary while the app is unlocked
//!   (at most [`MAX_ONE_BY_ONE`] on screen; beyond, a count); while it is locked, only how many
//!   need them, with no detail until the member unlocks;
//! - a [`Notice`] when one of the member's own requests is decided or ends, or is about to expire
//!   ([`EXPIRY_WARNING_MS`] before);
//! - which earlier notices no longer hold (the request was decided), so they can be taken down.
//!
//! What to say is decided by [`DeskWatch`], a pure state machine over successive readings of the
//! queue, so every rule is tested without a bus or a window.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use countersign_org::view::ActorKind;
use countersign_org::view::RequestView;
use countersign_org::{Decision, RequestStatus};

use crate::core::AppCore;
use crate::push::{DeskEvent, DeskSink, SyncState};

/// How long before its expiry the initiator of a pending request is told it is about to expire.
pub const EXPIRY_WARNING_MS: i64 = 30 * 60 * 1000;

/// The most requests told one by one and still on screen. Beyond it, arrivals are told as a
/// count: a bot's burst does not flood the desktop, and each notice on screen holds a bus
/// connection until it is closed.
pub const MAX_ONE_BY_ONE: usize = 8;

/// How long a nudge waits for others before reading the queue, so a burst (a bot submitting
/// several requests at once) is read once.
pub const SETTLE: Duration = Duration::from_millis(25);

/// What a notice is about, which decides what replaces or takes it down.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeTopic {
    /// This request needs the member's decision; taken down once it no longer does.
    NeedsYou(String),
    /// How many requests need the member (while locked): one notice, replaced by the next.
    NeedYouCount,
    /// One of the member's own requests changed (decided, ended, about to expire).
    Yours(String),
    /// One of the member's own requests changed while the app was locked: no detail.
    YoursLocked,
}

impl NoticeTopic {
    /// The request a click on the notice opens (`None`: the app, at its queue).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::NeedsYou(id) | Self::Yours(id) => Some(id),
            Self::NeedYouCount | Self::YoursLocked => None,
        }
    }
}

/// One thing to tell the member, as the OS shows it: a title and one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What it is about.
    pub topic: NoticeTopic,
    /// The headline.
    pub title: String,
    /// The line under it.
    pub body: String,
}

/// Where what [`keep_watch`] learns goes.
pub trait NoticeSink: Send + Sync {
    /// How many pending requests the member may decide now.
    fn needs_me(&self, count: usize);
    /// Something to tell the member.
    fn notify(&self, notice: &Notice);
    /// An earlier notice on `topic` no longer holds.
    fn withdraw(&self, topic: &NoticeTopic);
}

/// A [`DeskSink`] that also nudges [`keep_watch`] on every change and sync state (a stream
/// (re)opened may have missed changes; one that is down is retried, and each retry reads again,
/// so the count keeps up while the stream does not).
#[derive(Debug)]
pub struct Nudging<S> {
    /// Where the events go on to (the desktop: the webview).
    pub sink: S,
    /// What [`keep_watch`] waits on.
    pub nudges: Arc<tokio::sync::Notify>,
}

impl<S: DeskSink> DeskSink for Nudging<S> {
    fn event(&self, event: &DeskEvent) {
        self.sink.event(event);
        self.nudges.notify_one();
    }

    fn sync(&self, state: &SyncState, resync: bool) {
        self.sink.sync(state, resync);
        self.nudges.notify_one();
    }
}

/// What one reading of the queue means for the member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// How many requests need the member's decision.
    pub needs_me: usize,
    /// What to tell them.
    pub notices: Vec<Notice>,
    /// Earlier notices that no longer hold.
    pub withdrawn: Vec<NoticeTopic>,
    /// The member's own requests that left the queue since the last reading: their final state
    /// is read ([`DeskWatch::ended`]) to say how they ended.
    pub ended: Vec<String>,
}

/// The member's queue as last read, and what they were already told.
#[derive(Debug, Default)]
pub struct DeskWatch {
    /// Read at least once (the first reading of a session says only how many wait).
    primed: bool,
    /// Requests that needed the member at the last reading.
    needing: BTreeSet<String>,
    /// Of those, the ones told one by one (their notices are taken down when they stop needing).
    told: BTreeSet<String>,
    /// The member's own pending requests: id → expiry (unix seconds), if any.
    own: BTreeMap<String, Option<i64>>,
    /// Own requests already warned of their expiry.
    warned: BTreeSet<String>,
}

impl DeskWatch {
    /// A watch that has read nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes in a reading of the pending queue as `me` sees it at `now_ms`, `locked` or not.
    pub fn observe(
        &mut self,
        me: &str,
        pending: &[RequestView],
        locked: bool,
        now_ms: i64,
    ) -> Reading {
        let mut reading = Reading::default();
        let needing: BTreeSet<String> = pending
            .iter()
            .filter(|r| r.status == RequestStatus::Pending && r.viewer.can_decide)
            .map(|r| r.id.clone())
            .collect();
        reading.needs_me = needing.len();
        let arrived: Vec<&RequestView> = pending
            .iter()
            .filter(|r| needing.contains(&r.id) && !self.needing.contains(&r.id))
            .collect();
        // First what no longer holds, so its place among the one-by-one notices is free.
        let gone: Vec<String> = self.told.difference(&needing).cloned().collect();
        for id in gone {
            self.told.remove(&id);
            reading.withdrawn.push(NoticeTopic::NeedsYou(id));
        }
        if !self.primed || locked {
            // On a session's first reading (what waited before the app was open), or while
            // locked: only how many wait, once, and only if anything new needs the member.
            if !arrived.is_empty() {
                reading.notices.push(count_notice(needing.len()));
            }
        } else {
            let mut folded = false;
            for r in &arrived {
                if self.told.len() >= MAX_ONE_BY_ONE {
                    folded = true;
                    continue;
                }
                reading.notices.push(Notice {
                    topic: NoticeTopic::NeedsYou(r.id.clone()),
                    title: format!("{} needs your decision", workflow_noun(r)),
                    body: r.summary.clone(),
                });
                self.told.insert(r.id.clone());
            }
            if folded {
                reading.notices.push(count_notice(needing.len()));
            }
        }
        if needing.is_empty() && !self.needing.is_empty() {
            reading.withdrawn.push(NoticeTopic::NeedYouCount);
        }
        self.needing = needing;

        let own: BTreeMap<String, Option<i64>> = pending
            .iter()
            .filter(|r| {
                r.status == RequestStatus::Pending
                    && r.initiator.kind == ActorKind::Member
                    && r.initiator.id == me
            })
            .map(|r| (r.id.clone(), r.expires_at))
            .collect();
        if self.primed {
            reading.ended = self
                .own
                .keys()
                .filter(|id| !own.contains_key(*id))
                .cloned()
                .collect();
        }
        for r in pending.iter().filter(|r| own.contains_key(&r.id)) {
            let Some(expires_at) = r.expires_at else {
                continue;
            };
            let left_ms = expires_at * 1000 - now_ms;
            // Marked warned once inside the warning time, even when already past its expiry
            // (the ending will say so), so it is never due again.
            if left_ms <= EXPIRY_WARNING_MS && self.warned.insert(r.id.clone()) && left_ms > 0 {
                reading.notices.push(if locked {
                    yours_locked()
                } else {
                    Notice {
                        topic: NoticeTopic::Yours(r.id.clone()),
                        title: format!(
                            "Your request expires in {}",
                            minutes_words((left_ms + 59_999) / 60_000)
                        ),
                        body: format!(
                            "{} — {} of {} approvals so far",
                            r.summary, r.approvals, r.required_approvals
                        ),
                    }
                });
            }
        }
        self.warned.retain(|id| own.contains_key(id));
        self.own = own;
        self.primed = true;
        reading
    }

    /// What to tell the member about their own request that left the queue, read again: how it
    /// ended (with no detail while `locked`).
    pub fn ended(&self, request: &RequestView, locked: bool) -> Option<Notice> {
        let outcome = match request.status {
            RequestStatus::Pending => return None,
            RequestStatus::Completed => "was approved and completed",
            RequestStatus::Rejected => "was rejected",
            RequestStatus::Cancelled => "was cancelled",
            RequestStatus::Expired => "expired",
        };
        if locked {
            return Some(yours_locked());
        }
        let why = request
            .decisions
            .iter()
            .rev()
            .find(|d| d.decision == Decision::Reject)
            .and_then(|d| d.reason.as_deref())
            .map(|r| format!(" Reason: {r}"))
            .unwrap_or_default();
        Some(Notice {
            topic: NoticeTopic::Yours(request.id.clone()),
            title: format!("Your request {outcome}"),
            body: format!("{}.{why}", request.summary),
        })
    }

    /// When the next reading is due without any event (an own request reaching its warning
    /// time), in unix milliseconds.
    pub fn next_due_ms(&self) -> Option<i64> {
        self.own
            .iter()
            .filter(|(id, _)| !self.warned.contains(*id))
            .filter_map(|(_, expires)| expires.map(|s| s * 1000 - EXPIRY_WARNING_MS))
            .min()
    }
}

fn count_notice(count: usize) -> Notice {
    Notice {
        topic: NoticeTopic::NeedYouCount,
        title: if count == 1 {
            "1 request needs you".into()
        } else {
            format!("{count} requests need you")
        },
        body: "Open Countersign to review.".into(),
    }
}

fn yours_locked() -> Notice {
    Notice {
        topic: NoticeTopic::YoursLocked,
        title: "One of your requests changed".into(),
        body: "Unlock Countersign to see it.".into(),
    }
}

fn workflow_noun(r: &RequestView) -> &'static str {
    use countersign_org::Workflow;
    match r.workflow {
        Workflow::InitiateWithdrawal => "A withdrawal",
        Workflow::ManageAddresses => "An address change",
        Workflow::ManagePolicies => "A policy change",
        Workflow::ManageAccess => "An access change",
    }
}

fn minutes_words(minutes: i64) -> String {
    if minutes == 1 {
        "1 minute".into()
    } else {
        format!("{minutes} minutes")
    }
}

/// Reads the member's pending queue each time `nudges` is notified (the desktop nudges on every
/// event and sync state of [`crate::push::follow`]), and when an own request reaches its expiry
/// warning, telling `sink` what changed. Runs for as long as the app does; a new session starts
/// afresh. It reads through the session, not the lock's door: the count and the detail-free
/// notices keep coming while the app is locked.
pub async fn keep_watch(core: &AppCore, nudges: Arc<tokio::sync::Notify>, sink: &impl NoticeSink) {
    let mut changes = core.session_changes();
    let mut watch = DeskWatch::new();
    loop {
        let now_ms = (core.env().clock)();
        let due = watch
            .next_due_ms()
            .map(|at| Duration::from_millis(u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0)));
        tokio::select! {
            () = nudges.notified() => tokio::time::sleep(SETTLE).await,
            () = async {
                match due {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            } => {}
            _ = changes.changed() => {
                watch = DeskWatch::new();
                sink.needs_me(0);
                continue;
            }
        }
        if let Err(e) = read_once(core, &mut watch, sink).await {
            tracing::debug!("the queue could not be read for notices: {}", e.message);
        }
    }
}

async fn read_once(
    core: &AppCore,
    watch: &mut DeskWatch,
    sink: &impl NoticeSink,
) -> Result<(), crate::CommandError> {
    let state = core.state().await?;
    let client = &state.signed_in.client;
    let pending = client
        .list_requests(countersign_client::RequestFilter {
            status: Some(RequestStatus::Pending),
            workflow: None,
        })
        .await?;
    let locked = core.is_locked();
    let reading = watch.observe(
        &state.signed_in.session.member.id,
        &pending,
        locked,
        (core.env().clock)(),
    );
    sink.needs_me(reading.needs_me);
    for topic in &reading.withdrawn {
        sink.withdraw(topic);
    }
    for notice in &reading.notices {
        sink.notify(notice);
    }
    for id in &reading.ended {
        let request = client.get_request(id).await?;
        if let Some(notice) = watch.ended(&request, locked) {
            sink.notify(&notice);
        }
    }
    Ok(())
}
