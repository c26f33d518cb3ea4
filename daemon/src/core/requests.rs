//! Carrying out one command: the show's own (going live, pausing) are in `mod.rs`, decided by the
//! machine; the rest (destinations, profiles, guests, OBS, platform accounts) change the store or
//! a capability here, and announce what changed.
use super::command::{Command, CoreError, Join, NewDestination, Reply};
use super::{Event, State};
use crate::alert::Level;
use crate::guests::GuestEvent;
use crate::media::feed::FeedId;
use crate::platforms::{presets, Kind};
use crate::store::destinations::Change;

impl State {
    /// The one place every command is carried out (the actor calls it).
    pub(super) async fn run(&self, cmd: Command) -> Result<Reply, CoreError> {
        // A guest's page reports once a second: that one only when debugging.
        match cmd {
            Command::GuestReport { .. } => tracing::debug!(?cmd, "command"),
            _ => tracing::info!(?cmd, "command"),
        }
        use Command::*;
        match cmd {
            GoLive => self.go_live().await,
            StopLive => self.stop_live().await,
            Pause => self.pause(true).await,
            Resume => self.pause(false).await,
            StartDestination(id) => {
                self.store.destination(id)?;
                if !self.is_live() {
                    return Err(CoreError::Conflict("not_live", "go live first; destinations start with the show".into()));
                }
                self.start_destination(id).map(|_| Reply::Done)
            }
            StopDestination(id) => {
                self.store.destination(id)?;
                self.fanout.stop(id).await;
                Ok(Reply::Done)
            }
            CreateDestination(d) => self.create_destination(*d).map(Reply::Destination),
            UpdateDestination(id, change) => self.update_destination(id, *change).await,
            DeleteDestination(id) => {
                self.store.destination(id)?;
                self.fanout.stop(id).await;
                self.store.delete_destination(id)?;
                Ok(Reply::Done)
            }
            ImportStreamKey { platform, into } => self.import_stream_key(platform, into).await,
            SetTestSignal(on, picture) => self.set_test_signal(on, picture).await,
            RotateIngestKey(feed) => {
                let k = self.store.rotate_feed_key(feed)?;
                self.feeds.get(feed).set_key(k);
                Ok(Reply::Done)
            }
            SetSrtPassphrase(p) => {
                self.store.set_srt_passphrase(Some(&p.0))?;
                self.feeds.main.set_srt_passphrase(p.0);
                Ok(Reply::Done)
            }
            SaveProfile { id, name, destination_ids } => {
                for d in destination_ids.iter().flatten() {
                    if self.store.destination(*d).is_err() {
                        return Err(CoreError::Invalid(format!("no destination {d}")));
                    }
                }
                self.store.save_profile(id, name.as_deref(), destination_ids.as_deref()).map(Reply::Profile).map_err(profile_conflict)
            }
            DeleteProfile(id) => self.store.delete_profile(id).map(|_| Reply::Done).map_err(CoreError::from),
            ActivateProfile(id) => self.store.activate_profile(id).map(|_| Reply::Done).map_err(CoreError::from),
            SetAlertSettings { bitrate_floor_kbps, low_disk_mb, silence_alert_s } => {
                for (k, v) in [("bitrate_floor_kbps", bitrate_floor_kbps), ("low_disk_mb", low_disk_mb), ("silence_alert_s", silence_alert_s)] {
                    if let Some(v) = v {
                        self.store.set_setting(k, &v.to_string())?;
                    }
                }
                Ok(Reply::Done)
            }
            SetIce(c) => c.save(&self.store).map(|_| Reply::Done).map_err(CoreError::from),
            SetSlateImage(upload) => self.set_slate_image(upload),
            RestoreSettings { file, passphrase } => self.restore_settings(file.0, passphrase.0).await,
            StartRecording => self.start_recording(false).map(Reply::Recording),
            StopRecording => {
                let ids = self.recorder.stop(crate::recording::End::Stopped).await?;
                for id in &ids {
                    self.emit(Event::Recording { id: *id, recording: false });
                }
                Ok(Reply::Recording(self.store.recording(ids[0])?))
            }
            DeleteRecording(id) => self.delete_recording(id),
            SetRecordingSettings(s) => self.set_recording_settings(*s),
            CreateInvite { name, expires_in_s, max_uses, permissions } => {
                let (invite, token) = self.store.create_invite(&name, expires_in_s, max_uses, permissions)?;
                Ok(Reply::Invite { invite, token })
            }
            RevokeInvite(id) => {
                if !self.store.revoke_invite(&id)? {
                    return Err(CoreError::NotFound);
                }
                for (gid, name) in self.guests.remove_by_invite(&id) {
                    tracing::info!(guest = %gid, invite = %id, "invite revoked: guest session ended");
                    self.emit(Event::Guest(GuestEvent::Left { id: gid, name, reason: "invite revoked".into() }));
                }
                Ok(Reply::Done)
            }
            Talkback => {
                let p = crate::store::invites::Permissions { audio: true, video: true, screen: false };
                let (invite, token) = self.store.create_invite("Host", 12 * 3600, 100, p)?;
                let old = self.guests.talkback_invite.lock().unwrap().replace(invite.id.clone());
                if let Some(old) = old {
                    let _ = self.store.revoke_invite(&old);
                }
                Ok(Reply::Invite { invite, token })
            }
            RotateViewTokens => self.guests.rotate_view_tokens(&self.store).map(|_| Reply::Done).map_err(CoreError::from),
            JoinGuest(j) => {
                let Join { token, name, offer, replaces } = *j;
                let now = (std::time::Instant::now(), crate::store::now());
                let (id, answer) = crate::guests::join::join(&self.store, &self.guests, &token.0, name.as_deref(), &offer, replaces.as_deref(), now).await?;
                Ok(Reply::Joined { id, answer })
            }
            WatchGuest { id, by, offer, wait } => {
                let (viewer, answer) = crate::guests::watch::watch(&self.guests, &id, by, offer.0, wait).await?;
                Ok(Reply::Watching { viewer, answer })
            }
            StreamGuest { id, wait } => Ok(Reply::Stream(crate::guests::watch::stream(&self.guests, &id, wait).await?)),
            StreamGrid => {
                let encoder = self.settings.encoder.clone();
                // The encoder's lookup loads GStreamer's registry once: not on the core's thread.
                let name = tokio::task::spawn_blocking(move || encoder.name()).await.map_err(|e| CoreError::Unexpected(e.to_string()))?;
                let s = self.guests.grid.stream(&self.guests, &name).map_err(crate::guests::watch::WatchError::from)?;
                Ok(Reply::Stream(s))
            }
            StopWatching { id, viewer } => match crate::guests::watch::stop_watching(&self.guests, &id, &viewer) {
                true => Ok(Reply::Done),
                false => Err(CoreError::NotFound),
            },
            GuestReport { id, report } => {
                let g = self.guests.get(&id).ok_or(CoreError::NotFound)?;
                let (level, changed) = g.report(&report);
                if let Some(e) = changed {
                    self.emit(Event::Guest(e));
                }
                Ok(Reply::Quality(level))
            }
            MuteGuest { id, audio, video } => {
                let g = self.guests.get(&id).ok_or(CoreError::NotFound)?;
                g.set_mute(audio, video);
                let info = g.info.lock().unwrap().clone();
                Ok(Reply::Guest(info))
            }
            RemoveGuest { id, reason } => {
                let g = self.guests.remove(&id).ok_or(CoreError::NotFound)?;
                let name = g.info.lock().unwrap().name.clone();
                self.emit(Event::Guest(GuestEvent::Left { id, name, reason: reason.into() }));
                Ok(Reply::Done)
            }
            MuteAllGuests => match self.guests.mute_all() {
                0 => Err(CoreError::Conflict("no_guests", "there are no guests to mute".into())),
                _ => Ok(Reply::Done),
            },
            ConnectObs { connection, autostart } => {
                if let Some(a) = autostart {
                    self.store.set_setting("obs_autostart", if a { "true" } else { "false" })?;
                }
                self.obs.configure(connection)?;
                Ok(Reply::Done)
            }
            ObsStream(on) => self.obs.stream(on).await.map(|_| Reply::Done).map_err(CoreError::from),
            ObsRecord(on) => self.obs.record(on).await.map(|_| Reply::Done).map_err(CoreError::from),
            ObsScene(name) => {
                let (_, scenes) = self.obs.scenes().await?;
                // Its name, or its UUID (OBS 30+), which a rename in OBS leaves as it was.
                let Some(scene) = scenes.iter().find(|s| s.name == name).or_else(|| scenes.iter().find(|s| s.answers_to(&name))) else {
                    return Err(CoreError::Missing("no_such_scene", format!("OBS has no scene {name:?}")));
                };
                self.obs.set_scene(scene).await.map(|_| Reply::Done).map_err(CoreError::from)
            }
            ObsProfile(name) => {
                if !self.obs.profiles().await?.names.contains(&name) {
                    return Err(CoreError::Missing("no_such_profile", format!("OBS has no profile {name:?}")));
                }
                self.obs.set_profile(&name).await.map(|_| Reply::Done).map_err(CoreError::from)
            }
            ObsCollection(name) => {
                if !self.obs.collections().await?.names.contains(&name) {
                    return Err(CoreError::Missing("no_such_collection", format!("OBS has no scene collection {name:?}")));
                }
                self.obs.set_collection(&name).await.map(|_| Reply::Done).map_err(CoreError::from)
            }
            ObsSceneItem { id, enabled } => match self.obs.set_item_enabled(id, enabled).await? {
                true => Ok(Reply::Done),
                false => Err(CoreError::Missing("no_such_item", format!("the current scene has no source {id}"))),
            },
            ObsInput { name, muted, volume_db } => {
                let inputs = self.obs.audio_inputs_named().await?;
                let Some((input, _)) = inputs.iter().find(|(i, _)| i.name == name).or_else(|| inputs.iter().find(|(i, _)| i.answers_to(&name))) else {
                    return Err(CoreError::Missing("no_such_input", format!("OBS has no audio input {name:?}")));
                };
                self.obs.set_input(input, muted, volume_db).await.map(|_| Reply::Done).map_err(CoreError::from)
            }
            ObsReplaySave => Ok(Reply::File(self.obs.save_replay().await?)),
            NextScene => self.obs.next_scene().await.map(|_| Reply::Done).map_err(CoreError::from),
            ObsSetupStream { server } => self.obs.setup_stream(&server, &self.feeds.main.key()).await.map(|_| Reply::Done).map_err(CoreError::from),
            ObsBrowserSource { scene, name, url, width, height } => {
                self.obs.browser_source(&scene, &name, &url, width, height).await.map(|_| Reply::Done).map_err(CoreError::from)
            }
            CreateChannel { kind, name, settings, secret, enabled } => {
                Ok(Reply::Channel(self.store.create_channel(&kind, &name, &settings, secret.as_ref().map(|s| s.0.as_str()), enabled)?))
            }
            UpdateChannel { id, name, settings, secret, enabled } => {
                let c = self.store.update_channel(id, name.as_deref(), settings.as_ref(), secret.as_ref().map(|s| s.0.as_str()), enabled)?;
                if c.enabled {
                    self.store.retry_channel_now(id)?;
                    self.notify.wake();
                }
                Ok(Reply::Channel(c))
            }
            DeleteChannel(id) => match self.store.delete_channel(id)? {
                true => Ok(Reply::Done),
                false => Err(CoreError::NotFound),
            },
            TestChannel(id) => {
                self.store.channel(id)?.ok_or(CoreError::NotFound)?;
                match self.notify.test(id) {
                    true => Ok(Reply::Done),
                    false => Err(CoreError::Conflict("rate_limited", "this channel had a message a moment ago: its next one waits for the rate limit".into())),
                }
            }
            SetNotifyRules(rules) => self.store.set_notify_rules(&rules).map(|_| Reply::Done).map_err(CoreError::from),
            ObsGuestSource { scene, name, source } => Ok(Reply::SourceKind(self.obs.guest_source(&scene, &name, &source).await?)),
            SetPlatformApp { platform, client_id, client_secret, channel } => {
                self.platforms.set_app(platform, &client_id, client_secret.as_ref().map(|s| s.0.as_str()), &channel)?;
                Ok(Reply::Done)
            }
            LinkPlatform(k) => Ok(Reply::DeviceCode(self.platforms.link(k).await?)),
            UnlinkPlatform(k) => self.platforms.unlink(k).map(|_| Reply::Done).map_err(CoreError::from),
            SetTitle { title, category } => {
                self.any_linked()?;
                Ok(Reply::Results(self.platforms.set_title(&title, category.as_deref()).await))
            }
            SendChat(text) => {
                self.any_linked().map_err(|_| CoreError::Conflict("not_linked", "no platform account is linked: chat is read-only".into()))?;
                Ok(Reply::Results(self.platforms.send_chat(&text).await))
            }
        }
    }

    /// Starts recording the feeds the settings name, into the folder they name (by a show: it ends
    /// with it). Returns the first feed's recording; a second feed that cannot start is an alert.
    pub(super) fn start_recording(&self, by_show: bool) -> Result<crate::store::recordings::Recording, CoreError> {
        let set = self.store.recording_settings()?;
        let dir = crate::recording::folder(&set, self.settings.data_dir.as_deref())
            .ok_or_else(|| CoreError::Conflict("no_data_dir", "this box has no data dir to record into: set a recording path".into()))?;
        self.prune_recordings(&set);
        let show = self.record.lock().unwrap().as_ref().map(|r| r.id);
        let media = self.settings.media.clone().unwrap_or_else(tokio::runtime::Handle::current);
        let mut first = None;
        for f in FeedId::ALL.into_iter().filter(|f| set.feeds.iter().any(|x| x == f.as_str())) {
            match self.recorder.start(&media, &self.store, f, self.feeds.get(f).program(), &dir, set.reserve_mb, show, by_show) {
                Ok(rec) => {
                    self.emit(Event::Recording { id: rec.id, recording: true });
                    first.get_or_insert(rec);
                }
                Err(e) if first.is_none() => return Err(e.into()),
                Err(e) => self.emit(Event::Alert { level: Level::Error, message: format!("the {} feed is not being recorded: {e}", f.as_str()) }),
            }
        }
        first.ok_or_else(|| CoreError::Invalid("feeds: name at least one feed to record".into()))
    }

    /// A settings backup checked whole and staged; the box then restarts onto it (the store swaps it
    /// in before it opens the database). Nothing of the running box changes before the restart.
    async fn restore_settings(&self, file: Vec<u8>, passphrase: String) -> Result<Reply, CoreError> {
        if self.is_live() || self.recorder.current().is_some() {
            return Err(CoreError::Conflict("live", "stop the show (and the recording) before restoring settings".into()));
        }
        let dir = self.settings.data_dir.clone().ok_or_else(|| CoreError::Conflict("no_data_dir", "this box runs without a data dir".into()))?;
        let staged =
            tokio::task::spawn_blocking(move || crate::store::export::stage(&dir, &file, &passphrase)).await.map_err(|e| CoreError::Invalid(e.to_string()))?;
        match staged {
            Ok(()) => {}
            Err(crate::store::export::StageError::Refused(r)) => return Err(r.into()),
            Err(crate::store::export::StageError::Io(e)) => return Err(CoreError::Store(crate::store::StoreError::Io(e))),
        }
        self.emit(Event::Alert { level: Level::Warning, message: "settings restored from a backup: the box restarts to take them".into() });
        self.restart.notify_one();
        Ok(Reply::Done)
    }

    /// Recordings past the retention go, file and row.
    fn prune_recordings(&self, set: &crate::store::recordings::RecordingSettings) {
        if set.retention_days == 0 {
            return;
        }
        let before = chrono::Utc::now().timestamp() - set.retention_days as i64 * 86_400;
        for r in self.store.recordings_ended_before(before).unwrap_or_default() {
            if let Err(e) = self.delete_recording(r.id) {
                tracing::warn!(id = r.id, "old recording not removed: {e}");
            }
        }
    }

    fn delete_recording(&self, id: i64) -> Result<Reply, CoreError> {
        if self.recorder.is_running(id) {
            return Err(CoreError::Conflict("recording_running", "stop the recording before deleting it".into()));
        }
        let path = self.store.recording_path(id)?;
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CoreError::Conflict("recording_folder", format!("{}: {e}", path.display()))),
        }
        self.store.delete_recording(id)?;
        Ok(Reply::Done)
    }

    fn set_recording_settings(&self, s: crate::store::recordings::RecordingSettings) -> Result<Reply, CoreError> {
        if let Some(p) = &s.path {
            let dir = std::path::Path::new(p);
            if !dir.is_absolute() {
                return Err(CoreError::Invalid("path must be an absolute folder, e.g. /media/usb/recordings".into()));
            }
            std::fs::create_dir_all(dir).map_err(|e| CoreError::Invalid(format!("path {p}: {e}")))?;
            let probe = dir.join(".onair-write-test");
            std::fs::write(&probe, b"ok").map_err(|e| CoreError::Invalid(format!("path {p} is not writable: {e}")))?;
            let _ = std::fs::remove_file(probe);
        }
        if s.feeds.is_empty() || s.feeds.iter().any(|f| FeedId::parse(f).is_none()) {
            return Err(CoreError::Invalid("feeds: \"main\", \"second\" or both".into()));
        }
        self.store.set_recording_settings(&s)?;
        self.prune_recordings(&s);
        Ok(Reply::Done)
    }

    fn any_linked(&self) -> Result<(), CoreError> {
        match self.platforms.linked().is_empty() {
            true => Err(CoreError::Conflict("not_linked", "no platform account is linked".into())),
            false => Ok(()),
        }
    }

    fn create_destination(&self, d: NewDestination) -> Result<crate::store::destinations::Destination, CoreError> {
        let made = self.store.create_destination_with(&d.name, &d.platform, &d.url, &d.stream_key.0, &d.passphrase.0, d.enabled)?;
        if d.delay_s == 0 && d.output.is_none() && d.transcode_fallback && d.feed == Default::default() {
            return Ok(made);
        }
        let rest = Change {
            delay_s: Some(d.delay_s),
            output: Some(d.output),
            transcode_fallback: Some(d.transcode_fallback),
            feed: Some(d.feed),
            ..Default::default()
        };
        Ok(self.store.update_destination(made.id, rest)?)
    }

    /// The linked account's key (and its ingest address) onto a destination of that platform.
    async fn import_stream_key(&self, k: Kind, into: Option<i64>) -> Result<Reply, CoreError> {
        if let Some(id) = into {
            let cur = self.store.destination(id)?;
            if cur.platform != k.name() {
                return Err(CoreError::Invalid(format!("destination {id} is a {} destination", cur.platform)));
            }
        }
        let (url, key) = self.platforms.stream_key(k).await?;
        let url = url.or_else(|| presets::default_url(k.name()).map(str::to_string)).unwrap_or_default();
        // The platform's ingest address goes through the same split as a pasted URL: no secret stays in it.
        let url = match crate::fanout::url_secrets::split(&url, &key) {
            Ok(parts) => parts.url,
            Err(e) => return Err(CoreError::Invalid(format!("{} gave an ingest address the box cannot use: {e}", k.label()))),
        };
        match into {
            Some(id) => {
                self.update_destination(id, Change { stream_key: Some(key), ..Default::default() }).await?;
                Ok(Reply::Destination(self.store.destination(id)?))
            }
            None => {
                let who = self.platforms.status(k).account.unwrap_or_default();
                let name = format!("{} {who}", k.label()).trim().to_string();
                Ok(Reply::Destination(self.store.create_destination(&name, k.name(), &url, &key, true)?))
            }
        }
    }

    /// Saves the change; a live output follows it (restarted, started or stopped), the others do not move.
    async fn update_destination(&self, id: i64, change: Change) -> Result<Reply, CoreError> {
        let cur = self.store.destination(id)?;
        // Moving the crop window is done live; any other change of the picture restarts the output.
        let crop_moved = match (&cur.output, &change.output) {
            (Some(old), Some(Some(new))) if new.crop_x != old.crop_x && crate::media::transcode::Output { crop_x: old.crop_x, ..new.clone() } == *old => {
                Some(new.crop_x)
            }
            _ => None,
        };
        let picture_changed = crop_moved.is_none() && change.output.as_ref().is_some_and(|o| *o != cur.output);
        let (restart, enabling) = (change.touches_output() || picture_changed, change.enabled == Some(true));
        // A delay changes what viewers have already seen: only on a stopped output.
        if change.delay_s.is_some_and(|s| s != cur.delay_s) && self.fanout.is_running(id) {
            return Err(CoreError::Conflict("destination_running", "stop this destination to change its delay".into()));
        }
        let d = self.store.update_destination(id, change)?;
        if let Some(x) = crop_moved {
            self.fanout.set_crop_x(id, x);
        }
        let running = self.fanout.is_running(id);
        let output = match (self.is_live(), d.enabled, running) {
            (true, true, true) if restart => {
                // Only this output: the ring keeps feeding the others, and the new connection
                // starts at the latest keyframe like any reconnect.
                self.fanout.stop(id).await;
                self.start_destination(id)?;
                "restarted"
            }
            // Only when enabled now: a renamed output the user stopped stays stopped.
            (true, true, false) if enabling => {
                self.start_destination(id)?;
                "started"
            }
            (true, false, true) => {
                self.fanout.stop(id).await;
                "stopped"
            }
            _ => "unchanged",
        };
        tracing::info!(id, output, "destination updated");
        self.emit(Event::DestinationUpdated { id, output });
        Ok(Reply::Destination(self.store.destination(id)?))
    }
}

fn profile_conflict(e: crate::store::StoreError) -> CoreError {
    match e {
        crate::store::StoreError::Db(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            CoreError::Conflict("name_taken", "a profile with that name exists".into())
        }
        e => e.into(),
    }
}
