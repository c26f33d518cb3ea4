//! Alerts to where the streamer is: webhooks, Discord, Slack, Telegram, ntfy. An output of the core
//! like the status screen: it reads the core's events, tells what matters (`kinds`), routes it by
//! the user's rules, holds back repeats (`gate`), and writes each message to the outbox in the
//! database before the courier (`deliver`) sends it, so a reboot loses none and nothing on the
//! media path ever waits for a chat app. Channels and rules change only through core commands.
pub mod channels;
pub mod deliver;
pub mod gate;
pub mod kinds;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::core::Event;
use crate::store::Store;
use kinds::{Kind, Notice};

/// The outbox's door: what the core and the event listener put messages through.
pub struct Outbox {
    store: Store,
    gate: Mutex<gate::Gate>,
    wake: Arc<tokio::sync::Notify>,
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default()
}

impl Outbox {
    pub fn new(store: Store) -> Arc<Outbox> {
        Arc::new(Outbox { store, gate: Mutex::default(), wake: Arc::default() })
    }

    /// Starts the courier, and the listener that turns `events` into notices.
    pub fn start(self: &Arc<Self>, events: tokio::sync::broadcast::Receiver<Event>, look: Box<dyn kinds::Lookup + Send>) {
        tokio::spawn(deliver::run(self.store.clone(), self.wake.clone()));
        tokio::spawn(self.clone().listen(events, look));
    }

    async fn listen(self: Arc<Self>, mut events: tokio::sync::broadcast::Receiver<Event>, look: Box<dyn kinds::Lookup + Send>) {
        let mut c = kinds::Classifier::default();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                e = events.recv() => match e {
                    Ok(e) => {
                        for n in c.handle(&e, &rfc3339(crate::store::now()), look.as_ref()) {
                            self.route(&n);
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => tracing::warn!("notifications missed {n} events"),
                    Err(_) => return,
                },
                _ = tick.tick() => {
                    let due = self.gate.lock().unwrap().summaries(crate::store::now());
                    for (channel, n) in due {
                        self.put(channel, &n);
                    }
                }
            }
        }
    }

    /// Sends `n` to every enabled channel a rule names for its kind (through the gate).
    fn route(&self, n: &Notice) {
        let Ok(rules) = self.store.notify_rules() else { return };
        let mut targets: Vec<i64> = rules.iter().filter(|r| r.kinds.iter().any(|k| k == n.kind.as_str())).flat_map(|r| r.channels.iter().copied()).collect();
        targets.sort_unstable();
        targets.dedup();
        for id in targets {
            if !self.store.channel(id).ok().flatten().is_some_and(|c| c.enabled) {
                continue;
            }
            let now = crate::store::now();
            if self.gate.lock().unwrap().admit(id, n, now) == gate::Verdict::Send {
                self.put(id, n);
            }
        }
    }

    fn put(&self, channel: i64, n: &Notice) {
        match self.store.enqueue_notice(channel, &serde_json::to_string(n).unwrap_or_default()) {
            Ok(_) => self.wake.notify_one(),
            Err(e) => tracing::warn!("a notification could not be queued: {e}"),
        }
    }

    /// Has the courier look at the outbox now (a channel was edited or switched back on).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A channel's "send a test": queued like any message (and held like one if pressed in a loop).
    pub fn test(&self, channel: i64) -> bool {
        let n = Notice {
            kind: Kind::Test,
            level: crate::alert::Level::Info,
            message: "a test from your onair box: this channel works".into(),
            at: rfc3339(crate::store::now()),
            show_id: None,
            destination: None,
            key: "test".into(),
        };
        let send = self.gate.lock().unwrap().admit(channel, &n, crate::store::now()) == gate::Verdict::Send;
        if send {
            self.put(channel, &n);
        }
        send
    }
}
