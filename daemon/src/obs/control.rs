//! OBS beyond scenes: profiles and scene collections, the current scene's sources, audio inputs,
//! the replay buffer. Each is a few obs-websocket 5.0 requests (so every OBS 28+ answers them).
use std::time::Duration;

use serde::Serialize;

use super::{call, call_within, compat, Named, Obs, ObsError};

/// Switching a profile or a scene collection: OBS answers once it has loaded it.
pub(super) const SWITCH: Duration = Duration::from_secs(30);

/// OBS's profiles or scene collections: which one is in use, and all of them.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Choice {
    pub current: String,
    pub names: Vec<String>,
}

/// A source in the current program scene.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SceneItem {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
}

/// An input with audio (a microphone, desktop audio, a media source).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AudioInput {
    pub name: String,
    /// OBS 30+ (obs-websocket 5.3+); `null` from an older OBS. `POST /obs/inputs/{uuid}` works too.
    pub uuid: Option<String>,
    pub muted: bool,
    /// −100 is what OBS shows as −∞.
    pub volume_db: f64,
    /// The last meter reading (peak after the fader), once OBS sends meters.
    pub level_db: Option<f64>,
}

/// OBS's fader range: −100 dB (silence) to +26 dB.
pub const VOLUME_DB: std::ops::RangeInclusive<f64> = -100.0..=26.0;

impl Obs {
    pub async fn profiles(&self) -> Result<Choice, ObsError> {
        let c = self.client().await?;
        let c = &*c;
        let p = call(|| async move { c.profiles().list().await }).await?;
        Ok(Choice { current: p.current, names: p.profiles })
    }

    pub async fn set_profile(&self, name: &str) -> Result<(), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        self.switching(call_within(SWITCH, || async move { c.profiles().set_current(name).await })).await
    }

    pub async fn collections(&self) -> Result<Choice, ObsError> {
        let c = self.client().await?;
        let c = &*c;
        let s = call(|| async move { c.scene_collections().list().await }).await?;
        Ok(Choice { current: s.current, names: s.collections })
    }

    /// OBS loads the collection before it answers; requests meanwhile are told "not ready" (and
    /// sent again until it is).
    pub async fn set_collection(&self, name: &str) -> Result<(), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        self.switching(call_within(SWITCH, || async move { c.scene_collections().set_current(name).await })).await
    }

    /// A switch with the polls held while it runs (OBS's own events may come too late to hold them).
    async fn switching<T>(&self, f: impl std::future::Future<Output = Result<T, ObsError>>) -> Result<T, ObsError> {
        self.hold_polls_for(SWITCH);
        let r = f.await;
        self.hold_polls_for(Duration::from_secs(1));
        r
    }

    /// The current program scene's sources, top of the list first (as OBS shows them). The scene
    /// is named by its UUID where OBS gives one: a rename between the requests changes nothing.
    pub async fn scene_items(&self) -> Result<Vec<SceneItem>, ObsError> {
        let c = self.client().await?;
        let c = &*c;
        let scene = &compat::program_scene(c).await?;
        let mut items = call(|| async move { c.scene_items().list(scene.scene_id()).await }).await?;
        items.sort_by_key(|i| std::cmp::Reverse(i.index));
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            let enabled = call(|| async move { c.scene_items().enabled(scene.scene_id(), i.id).await }).await?;
            out.push(SceneItem { id: i.id, name: i.source_name, enabled });
        }
        Ok(out)
    }

    /// Shows or hides a source of the current program scene; `false` when the scene has no such item.
    pub async fn set_item_enabled(&self, id: i64, enabled: bool) -> Result<bool, ObsError> {
        let c = self.client().await?;
        let c = &*c;
        let scene = &compat::program_scene(c).await?;
        if !call(|| async move { c.scene_items().list(scene.scene_id()).await }).await?.iter().any(|i| i.id == id) {
            return Ok(false);
        }
        call(|| async move { c.scene_items().set_enabled(obws::requests::scene_items::SetEnabled { scene: scene.scene_id(), item_id: id, enabled }).await })
            .await?;
        Ok(true)
    }

    /// The inputs that have audio: OBS refuses a mute query for one that has none.
    pub async fn audio_inputs(&self) -> Result<Vec<AudioInput>, ObsError> {
        Ok(self.audio_inputs_named().await?.into_iter().map(|(_, a)| a).collect())
    }

    /// The audio inputs, each with how the bridge names it to OBS.
    pub async fn audio_inputs_named(&self) -> Result<Vec<(Named, AudioInput)>, ObsError> {
        let c = self.client().await?;
        let c = &*c;
        let mut out = vec![];
        for (i, kind) in compat::inputs(c, None).await? {
            let id = i.input_id();
            let muted = match call(|| async move { c.inputs().muted(id).await }).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::debug!(input = %i.name, %kind, "not an audio input: {e}");
                    continue;
                }
            };
            let v = call(|| async move { c.inputs().volume(id).await }).await?;
            let level_db = self.level(&i.name);
            let a = AudioInput {
                name: i.name.clone(),
                uuid: i.uuid_string(),
                muted,
                volume_db: (v.db as f64).clamp(*VOLUME_DB.start(), *VOLUME_DB.end()),
                level_db,
            };
            out.push((i, a));
        }
        Ok(out)
    }

    pub async fn set_input(&self, input: &Named, muted: Option<bool>, volume_db: Option<f64>) -> Result<(), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        if let Some(m) = muted {
            call(|| async move { c.inputs().set_muted(input.input_id(), m).await }).await?;
        }
        if let Some(db) = volume_db {
            call(|| async move { c.inputs().set_volume(input.input_id(), obws::requests::inputs::Volume::Db(db as f32)).await }).await?;
        }
        Ok(())
    }

    /// Saves OBS's replay buffer (it must be running in OBS); the file OBS wrote.
    pub async fn save_replay(&self) -> Result<String, ObsError> {
        let c = self.client().await?;
        let c = &*c;
        // An OBS whose replay buffer is not enabled in its output settings refuses the question
        // itself (InvalidResourceState), one with it enabled but stopped says `false`.
        match call(|| async move { c.replay_buffer().status().await }).await {
            Ok(true) => {}
            Ok(false) | Err(ObsError::Obs(_)) => {
                return Err(ObsError::Lacks("its replay buffer is off (OBS: Settings → Output → Replay Buffer, then Start Replay Buffer)"))
            }
            Err(e) => return Err(e),
        }
        call(|| async move { c.replay_buffer().save().await }).await?;
        // OBS writes the file after it answers; the name comes a moment later.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        call(|| async move { c.replay_buffer().last_replay().await }).await
    }
}
