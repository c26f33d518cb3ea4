//! The show's decisions, without I/O: going live, stopping, pausing, the grace period after the
//! program feed is lost, and the confirmed-live watchdog. Time comes in as an argument and what to do
//! goes out as [`Effect`]s, which the core carries out (the way str0m's `Rtc` takes `handle_input`
//! with a time and hands back what to send), so every rule here is tested in simulated time.
use crate::alert::Level;
use crate::media::feed::{FeedId, PerFeed};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What the core must do about a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The show began: open its record, start these outputs.
    StartOutputs(Vec<i64>),
    /// The show is over: stop every output and close its record with this reason.
    EndShow(&'static str),
    /// What goes to that feed's outputs: the slate (`true`) or the feed itself.
    Slate(FeedId, bool),
    /// Restart one output (the watchdog's `attempt` of [`WATCHDOG_RESTARTS`]).
    RestartOutput {
        id: i64,
        attempt: u32,
    },
    Alert {
        level: crate::alert::Level,
        message: String,
    },
    /// The show's state changed: tell the feed.
    ShowChanged,
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the show is already live")]
    AlreadyLive,
    #[error("the show is already going live")]
    Starting,
    #[error("the show is not live")]
    NotLive,
    #[error("no program feed: point OBS at the ingest URL or enable the test signal")]
    NoFeed,
    #[error("no enabled destinations")]
    NoDestinations,
    #[error("stopped while going live")]
    Cancelled,
}

impl Refused {
    /// The API's error code for it.
    pub fn code(&self) -> &'static str {
        match self {
            Refused::AlreadyLive | Refused::Starting => "already_live",
            Refused::NotLive => "not_live",
            Refused::NoFeed => "no_feed",
            Refused::NoDestinations => "no_destinations",
            Refused::Cancelled => "stopped",
        }
    }
}

/// Restarts of one output per show, at most, when its platform keeps saying "offline".
pub const WATCHDOG_RESTARTS: u32 = 3;

#[derive(Debug, Clone)]
pub struct Rules {
    /// How long outputs carry the slate after the feed drops before the show ends.
    pub feed_grace: Duration,
    /// How long a linked platform may say "offline" while the output to it is live before that
    /// output is restarted.
    pub confirm_live: Duration,
}

/// One output as the watchdog sees it, once a second.
#[derive(Debug, Clone)]
pub struct OutputView {
    pub id: i64,
    pub name: String,
    pub platform: String,
    /// The box's output to it is live.
    pub live: bool,
    /// The linked platform says the stream is offline (`false` also when nobody knows).
    pub platform_offline: bool,
}

#[derive(Default, Debug)]
struct Watch {
    offline_since: Option<Instant>,
    restarts: u32,
    gave_up: bool,
}

#[derive(Debug)]
pub struct Machine {
    rules: Rules,
    live: bool,
    paused: bool,
    /// A Go Live is under way (waiting for OBS's stream to reach the ingest).
    starting: bool,
    /// Bumped by every stop: a Go Live begun before it is void.
    epoch: u64,
    started: Option<Instant>,
    feed_lost_at: PerFeed<Option<Instant>>,
    watch: HashMap<i64, Watch>,
}

impl Machine {
    pub fn new(rules: Rules) -> Machine {
        Machine { rules, live: false, paused: false, starting: false, epoch: 0, started: None, feed_lost_at: PerFeed::default(), watch: HashMap::new() }
    }

    pub fn live(&self) -> bool {
        self.live
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn started(&self) -> Option<Instant> {
        self.started
    }

    /// Since when `feed` has been lost in this show (a second feed no output takes is never lost).
    pub fn feed_lost_at(&self, feed: FeedId) -> Option<Instant> {
        self.feed_lost_at[feed]
    }

    pub fn watchdog_restarts(&self, id: i64) -> u32 {
        self.watch.get(&id).map_or(0, |w| w.restarts)
    }

    /// A Go Live begins. Until [`Machine::go_live`] or [`Machine::abandon_go_live`], another is
    /// refused: the core may wait seconds for OBS's stream, and two presses must not both start.
    /// Returns the ticket to finish it with; a stop meanwhile voids it.
    pub fn begin_go_live(&mut self) -> Result<u64, Refused> {
        if self.live {
            return Err(Refused::AlreadyLive);
        }
        if self.starting {
            return Err(Refused::Starting);
        }
        self.starting = true;
        Ok(self.epoch)
    }

    /// The Go Live under way gave up before deciding (an error talking to OBS).
    pub fn abandon_go_live(&mut self, ticket: u64) {
        if ticket == self.epoch {
            self.starting = false;
        }
    }

    /// Ends the Go Live under way: live with `destinations` (each with the feed it takes) if any
    /// of them takes a feed that is connected. The others start too and carry their feed's slate
    /// until it comes.
    pub fn go_live(&mut self, ticket: u64, connected: PerFeed<bool>, destinations: Vec<(i64, FeedId)>, now: Instant) -> Result<Vec<Effect>, Refused> {
        if ticket != self.epoch {
            return Err(Refused::Cancelled);
        }
        self.starting = false;
        if self.live {
            return Err(Refused::AlreadyLive);
        }
        if !connected.iter().any(|(_, c)| *c) {
            return Err(Refused::NoFeed);
        }
        if destinations.is_empty() {
            return Err(Refused::NoDestinations);
        }
        if !destinations.iter().any(|(_, f)| connected[*f]) {
            return Err(Refused::NoFeed);
        }
        self.live = true;
        self.paused = false;
        self.started = Some(now);
        self.feed_lost_at = PerFeed::default();
        self.watch.clear();
        Ok(vec![Effect::StartOutputs(destinations.into_iter().map(|(id, _)| id).collect()), Effect::ShowChanged])
    }

    /// Stop: whatever the state, nothing is live afterwards.
    pub fn stop(&mut self) -> Vec<Effect> {
        let was = self.live;
        self.epoch += 1;
        self.starting = false;
        self.end();
        if was {
            vec![Effect::EndShow("stopped"), Effect::Slate(FeedId::Main, false), Effect::Slate(FeedId::Second, false), Effect::ShowChanged]
        } else {
            vec![Effect::EndShow("stopped"), Effect::ShowChanged]
        }
    }

    fn end(&mut self) {
        self.live = false;
        self.paused = false;
        self.started = None;
        self.feed_lost_at = PerFeed::default();
    }

    pub fn pause(&mut self, pause: bool) -> Result<Vec<Effect>, Refused> {
        if !self.live {
            return Err(Refused::NotLive);
        }
        self.paused = pause;
        Ok(vec![Effect::ShowChanged])
    }

    /// Whether each feed is fresh now, and whether any running output takes the second one.
    /// Decides each feed's slate and loss alert, and the end of the show when every feed it uses
    /// stays away past the grace period (a paused show waits as long as it must). The main feed
    /// always counts as used; the second only while an output takes it.
    pub fn feeds(&mut self, fresh: PerFeed<bool>, second_used: bool, now: Instant) -> Vec<Effect> {
        if !self.live {
            return vec![Effect::Slate(FeedId::Main, false), Effect::Slate(FeedId::Second, false)];
        }
        let used = PerFeed::new(true, second_used);
        let mut out = vec![];
        for f in FeedId::ALL {
            if fresh[f] || !used[f] {
                self.feed_lost_at[f] = None;
            } else if self.feed_lost_at[f].is_none() {
                self.feed_lost_at[f] = Some(now);
                let message = match f {
                    FeedId::Main => "program feed lost: outputs carry the slate",
                    FeedId::Second => "second feed lost: its outputs carry the slate",
                };
                out.push(Effect::Alert { level: Level::Warning, message: message.into() });
            }
        }
        let over = |at: Option<Instant>| at.is_some_and(|t| now.saturating_duration_since(t) > self.rules.feed_grace);
        // A show whose main feed is gone but whose second one still runs goes on (and the reverse).
        let all_over = FeedId::ALL.iter().filter(|f| used[**f]).all(|f| over(self.feed_lost_at[*f]));
        if !self.paused && all_over {
            self.end();
            out.push(Effect::EndShow("feed lost"));
            out.push(Effect::Alert { level: Level::Error, message: "the program feed did not return within the grace period: show ended".into() });
            out.push(Effect::Slate(FeedId::Main, false));
            out.push(Effect::Slate(FeedId::Second, false));
            out.push(Effect::ShowChanged);
            return out;
        }
        for f in FeedId::ALL {
            out.push(Effect::Slate(f, used[f] && (self.paused || !fresh[f])));
        }
        out
    }

    /// The confirmed-live watchdog, once a second: an output the box has live while its linked
    /// platform keeps saying "offline" for `confirm_live` is restarted, a few times per show, then
    /// left with an alert.
    pub fn watchdog(&mut self, outputs: &[OutputView], now: Instant) -> Vec<Effect> {
        self.watch.retain(|id, _| outputs.iter().any(|o| o.id == *id));
        let mut out = vec![];
        for o in outputs {
            let w = self.watch.entry(o.id).or_default();
            if !o.live || !o.platform_offline {
                w.offline_since = None;
                continue;
            }
            let since = *w.offline_since.get_or_insert(now);
            if now.saturating_duration_since(since) < self.rules.confirm_live {
                continue;
            }
            if w.restarts < WATCHDOG_RESTARTS {
                w.restarts += 1;
                w.offline_since = None;
                let secs = self.rules.confirm_live.as_secs();
                out.push(Effect::Alert {
                    level: Level::Warning,
                    message: format!(
                        "{}: {} reports the stream offline for {secs} s while the box is sending: restarting this output ({}/{WATCHDOG_RESTARTS})",
                        o.name, o.platform, w.restarts
                    ),
                });
                if self.live {
                    out.push(Effect::RestartOutput { id: o.id, attempt: w.restarts });
                }
            } else if !w.gave_up {
                w.gave_up = true;
                out.push(Effect::Alert {
                    level: Level::Error,
                    message: format!("{}: the box is sending but {} still reports the stream offline after {WATCHDOG_RESTARTS} restarts; check the stream key and the channel", o.name, o.platform),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Machine {
        Machine::new(Rules { feed_grace: Duration::from_secs(60), confirm_live: Duration::from_secs(90) })
    }

    /// Destinations that take the main feed.
    fn main(ids: &[i64]) -> Vec<(i64, FeedId)> {
        ids.iter().map(|id| (*id, FeedId::Main)).collect()
    }

    /// The main feed's freshness with no second feed in use; its effects but the second feed's
    /// "no slate".
    fn feed(m: &mut Machine, fresh: bool, t: Instant) -> Vec<Effect> {
        m.feeds(PerFeed::new(fresh, false), false, t).into_iter().filter(|e| *e != Effect::Slate(FeedId::Second, false)).collect()
    }

    fn live(m: &mut Machine, t: Instant) {
        let k = m.begin_go_live().unwrap();
        assert_eq!(m.go_live(k, PerFeed::new(true, false), main(&[1, 2]), t).unwrap(), vec![Effect::StartOutputs(vec![1, 2]), Effect::ShowChanged]);
    }

    /// Steps the feed from `from` for `secs` seconds in 100 ms steps; every effect seen.
    fn run(m: &mut Machine, from: Instant, secs: u64, fresh: bool) -> Vec<Effect> {
        (1..=secs * 10).flat_map(|i| feed(m, fresh, from + Duration::from_millis(i * 100))).collect()
    }

    fn ended(e: &[Effect]) -> bool {
        e.iter().any(|x| matches!(x, Effect::EndShow(_)))
    }

    #[test]
    fn going_live_needs_a_feed_and_a_destination() {
        let mut m = machine();
        let t = Instant::now();
        let k = m.begin_go_live().unwrap();
        assert_eq!(m.go_live(k, PerFeed::new(false, false), main(&[1]), t), Err(Refused::NoFeed));
        let k = m.begin_go_live().unwrap();
        assert_eq!(m.go_live(k, PerFeed::new(true, false), main(&[]), t), Err(Refused::NoDestinations));
        assert!(!m.live());
        live(&mut m, t);
        assert!(m.live());
        assert_eq!(m.begin_go_live(), Err(Refused::AlreadyLive));
    }

    #[test]
    fn two_go_lives_at_once_start_one_show() {
        // The core waits up to 15 s for OBS's stream between the two halves: a second press in
        // that wait used to pass the `live` check too and start every output twice.
        let mut m = machine();
        let t = Instant::now();
        let k = m.begin_go_live().unwrap();
        assert_eq!(m.begin_go_live(), Err(Refused::Starting));
        assert_eq!(Refused::Starting.code(), "already_live");
        m.go_live(k, PerFeed::new(true, false), main(&[1]), t).unwrap();
        assert_eq!(m.begin_go_live(), Err(Refused::AlreadyLive));
        // A Go Live that failed half-way lets the next one try.
        let mut m = machine();
        let k = m.begin_go_live().unwrap();
        m.abandon_go_live(k);
        assert!(m.begin_go_live().is_ok());
    }

    #[test]
    fn a_stop_while_going_live_wins() {
        // Stop pressed while the Go Live waits for OBS: when the feed then arrives, nothing starts.
        let mut m = machine();
        let t = Instant::now();
        let k = m.begin_go_live().unwrap();
        m.stop();
        assert_eq!(m.go_live(k, PerFeed::new(true, false), main(&[1]), t), Err(Refused::Cancelled));
        assert!(!m.live());
        // The void Go Live giving up does not undo a newer one.
        let k2 = m.begin_go_live().unwrap();
        m.abandon_go_live(k);
        assert_eq!(m.begin_go_live(), Err(Refused::Starting));
        assert!(m.go_live(k2, PerFeed::new(true, false), main(&[1]), t).is_ok());
    }

    #[test]
    fn a_lost_feed_carries_the_slate_then_ends_the_show_after_the_grace() {
        let mut m = machine();
        let t0 = Instant::now();
        live(&mut m, t0);
        assert_eq!(feed(&mut m, true, t0), vec![Effect::Slate(FeedId::Main, false)]);
        let lost = t0 + Duration::from_secs(10);
        let e = feed(&mut m, false, lost);
        assert!(matches!(&e[0], Effect::Alert { level: Level::Warning, .. }), "{e:?}");
        assert_eq!(e.last(), Some(&Effect::Slate(FeedId::Main, true)));
        // 59.9 s later: still on the slate, still live, one alert only.
        let e = run(&mut m, lost, 59, false);
        assert!(!ended(&e) && m.live());
        assert_eq!(e.iter().filter(|x| matches!(x, Effect::Alert { .. })).count(), 0);
        // Past 60 s: the show ends once.
        let e = run(&mut m, lost + Duration::from_secs(59), 2, false);
        assert_eq!(e.iter().filter(|x| matches!(x, Effect::EndShow("feed lost"))).count(), 1, "{e:?}");
        assert!(!m.live());
    }

    #[test]
    fn a_feed_back_within_the_grace_keeps_the_show() {
        let mut m = machine();
        let t0 = Instant::now();
        live(&mut m, t0);
        feed(&mut m, false, t0);
        run(&mut m, t0, 50, false);
        assert_eq!(feed(&mut m, true, t0 + Duration::from_secs(50)), vec![Effect::Slate(FeedId::Main, false)]);
        assert_eq!(m.feed_lost_at(FeedId::Main), None);
        // A new loss starts a new grace.
        let t1 = t0 + Duration::from_secs(55);
        feed(&mut m, false, t1);
        assert!(!ended(&run(&mut m, t1, 59, false)));
        assert!(m.live());
    }

    #[test]
    fn a_paused_show_waits_for_its_feed_as_long_as_it_takes() {
        let mut m = machine();
        let t0 = Instant::now();
        live(&mut m, t0);
        m.pause(true).unwrap();
        assert_eq!(feed(&mut m, true, t0), vec![Effect::Slate(FeedId::Main, true)], "paused: the slate, with the feed there");
        feed(&mut m, false, t0);
        let e = run(&mut m, t0, 600, false);
        assert!(!ended(&e) && m.live(), "ten minutes of feed loss while paused");
        // Resumed with the feed still gone: the grace counted from the loss has run out.
        m.pause(false).unwrap();
        assert!(ended(&feed(&mut m, false, t0 + Duration::from_secs(601))));
        assert_eq!(m.pause(true), Err(Refused::NotLive));
    }

    #[test]
    fn stop_ends_everything() {
        let mut m = machine();
        let t0 = Instant::now();
        live(&mut m, t0);
        m.pause(true).unwrap();
        let e = m.stop();
        assert!(e.contains(&Effect::EndShow("stopped")));
        assert!(!m.live() && !m.paused() && m.started().is_none());
        assert_eq!(feed(&mut m, false, t0), vec![Effect::Slate(FeedId::Main, false)], "nothing live: no slate, no alert");
    }

    fn slates(e: &[Effect]) -> Vec<(FeedId, bool)> {
        e.iter().filter_map(|x| if let Effect::Slate(f, on) = x { Some((*f, *on)) } else { None }).collect()
    }

    #[test]
    fn a_show_can_go_live_on_the_second_feed_alone() {
        let mut m = machine();
        let t = Instant::now();
        let both = vec![(1, FeedId::Main), (2, FeedId::Second)];
        // Only the second feed is there but nothing takes it: no feed for this show.
        let k = m.begin_go_live().unwrap();
        assert_eq!(m.go_live(k, PerFeed::new(false, true), main(&[1]), t), Err(Refused::NoFeed));
        // Something takes it: every destination starts, the main one on the slate until its feed comes.
        let k = m.begin_go_live().unwrap();
        assert_eq!(m.go_live(k, PerFeed::new(false, true), both, t).unwrap()[0], Effect::StartOutputs(vec![1, 2]));
        let e = m.feeds(PerFeed::new(false, true), true, t);
        assert_eq!(slates(&e), [(FeedId::Main, true), (FeedId::Second, false)]);
    }

    #[test]
    fn each_feed_has_its_own_slate_and_the_show_ends_when_both_are_gone() {
        let mut m = machine();
        let t0 = Instant::now();
        live(&mut m, t0);
        let step = |m: &mut Machine, main: bool, second: bool, at: Instant| m.feeds(PerFeed::new(main, second), true, at);
        assert_eq!(slates(&step(&mut m, true, true, t0)), [(FeedId::Main, false), (FeedId::Second, false)]);
        // The second feed drops: its own alert and slate; the main feed stays on air.
        let lost = t0 + Duration::from_secs(5);
        let e = step(&mut m, true, false, lost);
        assert!(e.iter().any(|x| matches!(x, Effect::Alert { message, .. } if message.starts_with("second feed lost"))), "{e:?}");
        assert_eq!(slates(&e), [(FeedId::Main, false), (FeedId::Second, true)]);
        assert_eq!(m.feed_lost_at(FeedId::Second), Some(lost));
        // Past the grace with the main feed still there: the show goes on, the second on its slate.
        let e: Vec<_> = (1..=700).flat_map(|i| step(&mut m, true, false, lost + Duration::from_millis(i * 100))).collect();
        assert!(!ended(&e) && m.live());
        // Then the main feed goes too: the show ends a grace after the later of the two losses.
        let main_lost = lost + Duration::from_secs(70);
        step(&mut m, false, false, main_lost);
        assert!(!ended(&step(&mut m, false, false, main_lost + Duration::from_secs(59))));
        assert!(ended(&step(&mut m, false, false, main_lost + Duration::from_secs(61))));
        // A second feed no output takes is never lost and never slated.
        let mut m = machine();
        live(&mut m, t0);
        let e = m.feeds(PerFeed::new(true, false), false, t0);
        assert_eq!(slates(&e), [(FeedId::Main, false), (FeedId::Second, false)]);
        assert!(!e.iter().any(|x| matches!(x, Effect::Alert { .. })));
        assert_eq!(m.feed_lost_at(FeedId::Second), None);
    }

    fn view(id: i64, live: bool, offline: bool) -> OutputView {
        OutputView { id, name: format!("d{id}"), platform: "twitch".into(), live, platform_offline: offline }
    }

    #[test]
    fn the_watchdog_restarts_three_times_then_alerts_once() {
        let mut m = machine();
        let t0 = Instant::now();
        live(&mut m, t0);
        let mut restarts = vec![];
        let mut errors = 0;
        // 10 minutes, once a second: output 1 live and "offline" all along, output 2 fine.
        for s in 0..600 {
            for e in m.watchdog(&[view(1, true, true), view(2, true, false)], t0 + Duration::from_secs(s)) {
                match e {
                    Effect::RestartOutput { id, attempt } => restarts.push((s, id, attempt)),
                    Effect::Alert { level: Level::Error, .. } => errors += 1,
                    _ => {}
                }
            }
        }
        assert_eq!(restarts.iter().map(|r| (r.1, r.2)).collect::<Vec<_>>(), vec![(1, 1), (1, 2), (1, 3)]);
        // Each after 90 s of "offline" since the last.
        assert_eq!(restarts.iter().map(|r| r.0).collect::<Vec<_>>(), vec![90, 181, 272]);
        assert_eq!(errors, 1);
        assert_eq!(m.watchdog_restarts(1), 3);
        assert_eq!(m.watchdog_restarts(2), 0);
        // A new show starts the count again.
        m.stop();
        live(&mut m, t0 + Duration::from_secs(700));
        assert_eq!(m.watchdog_restarts(1), 0);
    }

    #[test]
    fn the_watchdog_forgives_an_output_that_comes_back() {
        let mut m = machine();
        let t0 = Instant::now();
        live(&mut m, t0);
        for s in 0..80 {
            assert!(m.watchdog(&[view(1, true, true)], t0 + Duration::from_secs(s)).is_empty());
        }
        // The platform sees it at 80 s: the clock starts over.
        m.watchdog(&[view(1, true, false)], t0 + Duration::from_secs(80));
        for s in 81..170 {
            assert!(m.watchdog(&[view(1, true, true)], t0 + Duration::from_secs(s)).is_empty(), "at {s}");
        }
        // Not live from the box's side (reconnecting): not the platform's fault.
        let mut m = machine();
        live(&mut m, t0);
        for s in 0..300 {
            assert!(m.watchdog(&[view(1, false, true)], t0 + Duration::from_secs(s)).is_empty());
        }
    }
}
