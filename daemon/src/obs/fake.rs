//! A stand-in obs-websocket server for the bridge's unit tests: the protocol's handshake, then each
//! request answered by a script, the way OBS 29 (obs-websocket 5.1: no UUIDs) or a newer one would.
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// An answer: obs-websocket's status code (100: success, 207: not ready) and the response data.
pub type Answer = (u16, Value);

pub struct Fake {
    pub port: u16,
    /// Every request type, in the order they came.
    pub seen: Arc<Mutex<Vec<String>>>,
    /// Events to push to the client (a JSON `{"eventType", "eventData"}` each).
    pub events: tokio::sync::mpsc::UnboundedSender<Value>,
}

impl Fake {
    pub fn count(&self, request: &str) -> usize {
        self.seen.lock().unwrap().iter().filter(|r| *r == request).count()
    }
}

/// OBS 29.0.2's version answer (obs-websocket 5.1.0).
pub fn obs29_version() -> Value {
    json!({"obsVersion": "29.0.2", "obsWebSocketVersion": "5.1.0", "rpcVersion": 1, "availableRequests": [], "supportedImageFormats": ["png"],
           "platform": "debian", "platformDescription": "Debian GNU/Linux 12"})
}

/// Serves one client at a time. `answer(request type, how many times it came before)`: `None`
/// for obs-websocket's default answer to requests the test does not care about.
pub async fn serve(answer: impl Fn(&str, usize) -> Option<Answer> + Send + Sync + 'static) -> Fake {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (events, mut pending) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let answer = Arc::new(answer);
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = l.accept().await {
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { continue };
            let hello = json!({"op": 0, "d": {"obsWebSocketVersion": "5.1.0", "rpcVersion": 1}});
            if ws.send(Message::text(hello.to_string())).await.is_err() {
                continue;
            }
            loop {
                let msg = tokio::select! {
                    m = ws.next() => m,
                    Some(ev) = pending.recv() => {
                        let _ = ws.send(Message::text(json!({"op": 5, "d": ev}).to_string())).await;
                        continue;
                    }
                };
                let Some(Ok(Message::Text(text))) = msg else { break };
                let m: Value = serde_json::from_str(&text).unwrap();
                let reply = match m["op"].as_u64() {
                    // Identify and Reidentify.
                    Some(1) | Some(3) => json!({"op": 2, "d": {"negotiatedRpcVersion": 1}}),
                    Some(6) => {
                        let ty = m["d"]["requestType"].as_str().unwrap().to_string();
                        let n = {
                            let mut s = log.lock().unwrap();
                            let n = s.iter().filter(|r| **r == ty).count();
                            s.push(ty.clone());
                            n
                        };
                        let (code, data) = answer(&ty, n).unwrap_or_else(|| default_answer(&ty));
                        let status =
                            if code == 100 { json!({"result": true, "code": 100}) } else { json!({"result": false, "code": code, "comment": "from the fake"}) };
                        json!({"op": 7, "d": {"requestType": ty, "requestId": m["d"]["requestId"], "requestStatus": status, "responseData": data}})
                    }
                    _ => continue,
                };
                if ws.send(Message::text(reply.to_string())).await.is_err() {
                    break;
                }
            }
        }
    });
    Fake { port, seen, events }
}

/// What an idle OBS 29 answers (no UUIDs anywhere).
fn default_answer(ty: &str) -> Answer {
    let data = match ty {
        "GetVersion" => obs29_version(),
        "GetStats" => json!({"cpuUsage": 1.5, "memoryUsage": 100.0, "availableDiskSpace": 1000.0, "activeFps": 30.0, "averageFrameRenderTime": 0.5,
                             "renderSkippedFrames": 0, "renderTotalFrames": 100, "outputSkippedFrames": 0, "outputTotalFrames": 100,
                             "webSocketSessionIncomingMessages": 1, "webSocketSessionOutgoingMessages": 1}),
        "GetStreamStatus" => json!({"outputActive": false, "outputReconnecting": false, "outputTimecode": "00:00:00.000", "outputDuration": 0,
                                    "outputCongestion": 0.0, "outputBytes": 0, "outputSkippedFrames": 0, "outputTotalFrames": 0}),
        "GetRecordStatus" => json!({"outputActive": false, "outputPaused": false, "outputTimecode": "00:00:00.000", "outputDuration": 0, "outputBytes": 0}),
        "GetCurrentProgramScene" => json!({"currentProgramSceneName": "Scene"}),
        "GetSceneList" => json!({"currentProgramSceneName": "Scene", "currentPreviewSceneName": null,
                                 "scenes": [{"sceneIndex": 0, "sceneName": "Second"}, {"sceneIndex": 1, "sceneName": "Scene"}]}),
        "GetCurrentProfile" | "GetProfileList" => json!({"currentProfileName": "onair", "profiles": ["onair"]}),
        "GetSceneCollectionList" => json!({"currentSceneCollectionName": "onair", "sceneCollections": ["onair"]}),
        _ => json!({}),
    };
    (100, data)
}
