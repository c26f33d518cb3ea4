//! What an input may ask of the core, what it answers, and why it refuses. Every input (HTTP,
//! a button, OBS and platform events, the schedulers) speaks these words; `api/error.rs` maps the
//! refusals to HTTP.
use crate::guests::{join::JoinError, quality, BrowserReport, GuestInfo};
use crate::obs::Connection;
use crate::platforms::{oauth::DeviceCode, Kind, LinkError, PlatformError};
use crate::store::destinations::{Change, Destination};
use crate::store::invites::{Invite, Permissions};
use crate::store::profiles::Profile;
use crate::store::StoreError;

/// A secret a command carries (a passphrase, a password): kept out of the log, which records
/// every command.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "<redacted>" })
    }
}

/// A settings backup file a command carries: its size in the log, never its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct BackupFile(pub Vec<u8>);

impl std::fmt::Debug for BackupFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

/// A destination to create, as checked by the API (the URL already split from its secrets).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDestination {
    pub name: String,
    pub platform: String,
    pub url: String,
    pub stream_key: Secret,
    pub passphrase: Secret,
    pub enabled: bool,
    pub delay_s: u32,
    /// Its own picture (`None`: the feed as it is), already checked.
    pub output: Option<crate::media::transcode::Output>,
    pub transcode_fallback: bool,
    pub feed: crate::media::feed::FeedId,
}

/// A parsed SDP offer (its `Debug` says only how many media sections it has: an offer carries
/// ICE credentials).
pub struct Offer(pub gstreamer_sdp::SDPMessage);

impl Clone for Offer {
    fn clone(&self) -> Self {
        Offer(self.0.clone())
    }
}

impl PartialEq for Offer {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_text().ok() == other.0.as_text().ok()
    }
}

impl std::fmt::Debug for Offer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Offer({} media)", self.0.medias_len())
    }
}

/// A guest asking to join with an invite (WHIP): the offer is checked and answered by `guests`.
#[derive(Clone, PartialEq)]
pub struct Join {
    pub token: Secret,
    /// The name the guest typed, if any (the invite's otherwise).
    pub name: Option<String>,
    pub offer: Vec<u8>,
    /// The session the guest's page had before its network dropped (`X-Replaces`).
    pub replaces: Option<String>,
}

/// The log gets the offer's size, not its bytes.
impl std::fmt::Debug for Join {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Join")
            .field("token", &self.token)
            .field("name", &self.name)
            .field("offer_bytes", &self.offer.len())
            .field("replaces", &self.replaces)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub enum Command {
    GoLive,
    StopLive,
    Pause,
    Resume,
    StartDestination(i64),
    StopDestination(i64),
    CreateDestination(Box<NewDestination>),
    /// Edit a destination (`PATCH /destinations/{id}`, a platform's stream-key import). While the
    /// show is live its output follows: restarted with the new address or key, started when
    /// enabled, stopped when disabled; the others are untouched.
    UpdateDestination(i64, Box<Change>),
    /// Stops its output, then forgets it (and its place in profiles).
    DeleteDestination(i64),
    /// The slate's picture: a decoded-and-checked upload to move into place, or `None` for the
    /// built-in slate. A slate on air switches to it at once.
    SetSlateImage(Option<std::path::PathBuf>),
    /// Checks a settings backup and stages it; the box restarts onto it (refused while live).
    RestoreSettings {
        file: BackupFile,
        passphrase: Secret,
    },
    /// The linked account's stream key onto destination `into`, or onto a new destination.
    ImportStreamKey {
        platform: Kind,
        into: Option<i64>,
    },
    /// On or off; on, at the picture asked for (else the last feed's size, or 1280×720 at 30).
    SetTestSignal(bool, Option<TestPicture>),
    RotateIngestKey(crate::media::feed::FeedId),
    /// `""` turns SRT ingest encryption off.
    SetSrtPassphrase(Secret),
    SaveProfile {
        id: Option<i64>,
        name: Option<String>,
        destination_ids: Option<Vec<i64>>,
    },
    DeleteProfile(i64),
    /// `None`: no profile, every enabled destination goes live.
    ActivateProfile(Option<i64>),
    /// The alert thresholds (`None` leaves one as it is).
    SetAlertSettings {
        bitrate_floor_kbps: Option<u64>,
        low_disk_mb: Option<u64>,
        silence_alert_s: Option<u64>,
    },
    SetIce(Box<crate::guests::ice::IceConfig>),
    CreateInvite {
        name: String,
        expires_in_s: i64,
        max_uses: i64,
        permissions: Permissions,
    },
    /// Also ends the sessions the invite made.
    RevokeInvite(String),
    /// A new invite for the host's own camera (the dashboard's talkback); the previous one goes.
    Talkback,
    RotateViewTokens,
    /// A guest joins: the invite is checked, the offer answered, the invite used up.
    JoinGuest(Box<Join>),
    /// A viewer starts watching a guest (WHEP): `by` was checked from its view token, the offer
    /// parsed; answered once the guest's media flows (up to `wait`).
    WatchGuest {
        id: String,
        by: crate::guests::access::Viewer,
        offer: Box<Offer>,
        wait: std::time::Duration,
    },
    /// A reader (an OBS Media Source) takes the guest as a Matroska stream; it ends when the reply's
    /// stream is dropped. Waits for a connecting guest's media like `WatchGuest`.
    StreamGuest {
        id: String,
        wait: std::time::Duration,
    },
    /// A reader (an OBS Media Source) takes the grid as one stream (every guest on the grid
    /// composed and encoded once); it ends when the reply's stream is dropped.
    StreamGrid,
    /// A viewer hangs up (WHEP `DELETE`).
    StopWatching {
        id: String,
        viewer: String,
    },
    /// The guest's own page reports what its browser measures; the answer is what to send.
    GuestReport {
        id: String,
        report: BrowserReport,
    },
    MuteGuest {
        id: String,
        audio: Option<bool>,
        video: Option<bool>,
    },
    /// `reason` is what the dashboard says ("removed by the host", "left").
    RemoveGuest {
        id: String,
        reason: &'static str,
    },
    /// Mute every guest's audio (the guests capability carries it out).
    MuteAllGuests,
    ConnectObs {
        connection: Connection,
        autostart: Option<bool>,
    },
    ObsStream(bool),
    ObsRecord(bool),
    /// A scene's name, or its UUID (OBS 30+).
    ObsScene(String),
    ObsProfile(String),
    ObsCollection(String),
    /// Show or hide a source of the current program scene.
    ObsSceneItem {
        id: i64,
        enabled: bool,
    },
    /// An audio input's mute and fader (`None` leaves it); `name` may be its UUID (OBS 30+).
    ObsInput {
        name: String,
        muted: Option<bool>,
        volume_db: Option<f64>,
    },
    /// Saves OBS's replay buffer; the reply names the file.
    ObsReplaySave,
    /// Next program scene in OBS (the OBS bridge carries it out).
    NextScene,
    /// Writes the box's ingest (this server and the box's key) into OBS's stream settings.
    ObsSetupStream {
        server: String,
    },
    ObsBrowserSource {
        scene: String,
        name: String,
        url: String,
        width: u32,
        height: u32,
    },
    /// A guest (or the grid) as a source in an OBS scene; the reply says which kind OBS got.
    ObsGuestSource {
        scene: String,
        name: String,
        source: Box<crate::obs::compat::GuestSource>,
    },
    SetPlatformApp {
        platform: Kind,
        client_id: String,
        client_secret: Option<Secret>,
        channel: String,
    },
    LinkPlatform(Kind),
    UnlinkPlatform(Kind),
    SetTitle {
        title: String,
        category: Option<String>,
    },
    SendChat(String),
    /// Record the program now (also with no show: "record only").
    StartRecording,
    StopRecording,
    /// Removes the recording's file and its row; not the one running.
    DeleteRecording(i64),
    SetRecordingSettings(Box<crate::store::recordings::RecordingSettings>),
    /// A notification channel, its settings checked (`notify::channels::check`).
    CreateChannel {
        kind: String,
        name: String,
        settings: serde_json::Value,
        secret: Option<Secret>,
        enabled: bool,
    },
    UpdateChannel {
        id: i64,
        name: Option<String>,
        settings: Option<serde_json::Value>,
        secret: Option<Secret>,
        enabled: Option<bool>,
    },
    DeleteChannel(i64),
    /// Queues a test message to the channel (held like any message when pressed in a loop).
    TestChannel(i64),
    SetNotifyRules(Vec<crate::store::notify::Rule>),
}

impl Command {
    /// Commands that wait on something outside the box (OBS, a platform, a destination closing
    /// its stream, a browser's offer): the actor runs them on their own task so the next command
    /// is not held up behind them.
    pub fn waits_outside(&self) -> bool {
        use Command::*;
        matches!(
            self,
            GoLive
                | StopLive
                | StopDestination(_)
                | UpdateDestination(..)
                | DeleteDestination(_)
                | ImportStreamKey { .. }
                | JoinGuest(_)
                | WatchGuest { .. }
                | StreamGuest { .. }
                | StreamGrid
                | ConnectObs { .. }
                | ObsStream(_)
                | ObsRecord(_)
                | ObsScene(_)
                | ObsProfile(_)
                | ObsCollection(_)
                | ObsSceneItem { .. }
                | ObsInput { .. }
                | ObsReplaySave
                | NextScene
                | ObsSetupStream { .. }
                | ObsBrowserSource { .. }
                | ObsGuestSource { .. }
                | LinkPlatform(_)
                | SetTitle { .. }
                | SendChat(_)
                | StopRecording
        )
    }
}

/// What a command answers besides "done".
#[derive(Debug)]
pub enum Reply {
    Done,
    Destination(Destination),
    Profile(Profile),
    Invite {
        invite: Invite,
        token: String,
    },
    Guest(GuestInfo),
    Watching {
        viewer: String,
        answer: String,
    },
    Joined {
        id: String,
        answer: String,
    },
    Quality(quality::Level),
    DeviceCode(DeviceCode),
    /// Per platform: what it answered (title, chat).
    Results(Vec<(Kind, Result<(), PlatformError>)>),
    Recording(crate::store::recordings::Recording),
    Stream(crate::guests::sfu::GuestStream),
    Channel(crate::store::notify::Channel),
    /// The kind of OBS input a source became.
    SourceKind(&'static str),
    /// A file something wrote (OBS's replay).
    File(String),
}

macro_rules! reply_as {
    ($name:ident, $variant:ident, $t:ty) => {
        pub fn $name(self) -> Result<$t, CoreError> {
            match self {
                Reply::$variant(v) => Ok(v),
                r => Err(CoreError::Unexpected(format!("{r:?}"))),
            }
        }
    };
}

impl Reply {
    reply_as!(destination, Destination, Destination);
    reply_as!(profile, Profile, Profile);
    reply_as!(guest, Guest, GuestInfo);
    reply_as!(quality, Quality, quality::Level);
    reply_as!(device_code, DeviceCode, DeviceCode);
    reply_as!(results, Results, Vec<(Kind, Result<(), PlatformError>)>);
    reply_as!(recording, Recording, crate::store::recordings::Recording);
    reply_as!(file, File, String);
    reply_as!(stream, Stream, crate::guests::sfu::GuestStream);
    reply_as!(channel, Channel, crate::store::notify::Channel);
    reply_as!(source_kind, SourceKind, &'static str);

    pub fn invite(self) -> Result<(Invite, String), CoreError> {
        match self {
            Reply::Invite { invite, token } => Ok((invite, token)),
            r => Err(CoreError::Unexpected(format!("{r:?}"))),
        }
    }

    pub fn watching(self) -> Result<(String, String), CoreError> {
        match self {
            Reply::Watching { viewer, answer } => Ok((viewer, answer)),
            r => Err(CoreError::Unexpected(format!("{r:?}"))),
        }
    }

    pub fn joined(self) -> Result<(String, String), CoreError> {
        match self {
            Reply::Joined { id, answer } => Ok((id, answer)),
            r => Err(CoreError::Unexpected(format!("{r:?}"))),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{1}")]
    Conflict(&'static str, String),
    #[error("not found")]
    NotFound,
    /// Something the command names does not exist, with its own code (`no_such_scene`).
    #[error("{1}")]
    Missing(&'static str, String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Obs(#[from] crate::obs::ObsError),
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Join(#[from] JoinError),
    #[error(transparent)]
    Watch(#[from] crate::guests::watch::WatchError),
    #[error(transparent)]
    Record(#[from] crate::recording::RecordError),
    /// The core has stopped (the daemon is shutting down).
    #[error("the box is shutting down")]
    Stopped,
    #[error("the slate image could not be saved: {0}")]
    Slate(#[source] std::io::Error),
    #[error(transparent)]
    Restore(#[from] crate::store::export::RestoreError),
    /// A reply of another shape than the command's: a bug, answered as 500.
    #[error("unexpected reply {0}")]
    Unexpected(String),
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CoreError::NotFound,
            e => CoreError::Store(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The core logs every command with `{:?}`: no secret a command carries may show there.
    #[test]
    fn commands_keep_their_secrets_out_of_the_log() {
        let s = "s3cret-value-42";
        let ice = crate::guests::ice::IceConfig { turn_url: Some("turn:x".into()), turn_password: Some(s.into()), ..Default::default() };
        let commands = [
            Command::SetIce(Box::new(ice)),
            Command::SetSrtPassphrase(Secret(s.into())),
            Command::CreateDestination(Box::new(NewDestination {
                name: "n".into(),
                platform: "custom".into(),
                url: "rtmp://h/app".into(),
                stream_key: Secret(s.into()),
                passphrase: Secret(s.into()),
                enabled: true,
                delay_s: 0,
                output: None,
                transcode_fallback: true,
                feed: Default::default(),
            })),
            Command::UpdateDestination(1, Box::new(Change { stream_key: Some(s.into()), passphrase: Some(s.into()), ..Default::default() })),
            Command::ConnectObs { connection: Connection { host: "h".into(), port: 4455, password: Some(s.into()) }, autostart: None },
            Command::SetPlatformApp { platform: Kind::Twitch, client_id: "id".into(), client_secret: Some(Secret(s.into())), channel: String::new() },
            Command::JoinGuest(Box::new(Join { token: Secret(format!("inv.{s}")), name: None, offer: s.as_bytes().to_vec(), replaces: None })),
        ];
        for c in commands {
            let logged = format!("{c:?}");
            assert!(!logged.contains(s) && !logged.contains("115, 51"), "{logged}");
        }
    }
}

/// The test signal's picture size and rate (checked at the API: even sizes, 160×90 to 3840×2160, 1–60 fps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestPicture {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}
