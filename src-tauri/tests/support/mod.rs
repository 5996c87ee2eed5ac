//! The desktop app as the webview meets it, without a window: Tauri's mock runtime with the
//! app's real context (so the capability and the plugin's permissions decide), the commands
//! registered as in the app, and a core on the embedded sandbox with an in-memory keychain and
//! clipboard. Shared by the IPC tests and the UI fixture recorder.

#![allow(dead_code)]

use countersign_app::{AppCore, Environment, Target};
use countersign_desktop::commands::PLUGIN;
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::{InvokeRequest, WebviewWindow, WebviewWindowBuilder};

/// The app and its main window.
pub struct Desktop {
    pub app: tauri::App<MockRuntime>,
    pub webview: WebviewWindow<MockRuntime>,
    /// The import progress events the core sent, oldest first (taken by [`Desktop::events`]).
    progress: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
}

impl Desktop {
    /// The app on `core`.
    pub fn new(core: AppCore) -> Self {
        let app = countersign_desktop::with_commands(mock_builder())
            .manage(core)
            .build(tauri::generate_context!())
            .expect("the app builds");
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("the main window");
        let progress: std::sync::Arc<std::sync::Mutex<Vec<Value>>> = std::sync::Arc::default();
        let sink = std::sync::Arc::clone(&progress);
        tauri::Listener::listen_any(
            &app,
            countersign_desktop::LEDGER_IMPORT_PROGRESS_EVENT,
            move |event| {
                if let (Ok(payload), Ok(mut events)) =
                    (serde_json::from_str::<Value>(event.payload()), sink.lock())
                {
                    events.push(payload);
                }
            },
        );
        Self {
            app,
            webview,
            progress,
        }
    }

    /// The import progress events sent since the last time they were taken.
    pub fn events(&self) -> Vec<Value> {
        self.progress
            .lock()
            .map(|mut events| std::mem::take(&mut *events))
            .unwrap_or_default()
    }

    /// The app on a fresh embedded sandbox in `dir`, in the environment `env` gives.
    pub fn on_sandbox(env: Environment) -> Self {
        let core = tauri::async_runtime::block_on(AppCore::open(env, Target::Sandbox));
        assert!(core.is_open(), "the sandbox opens");
        Self::new(core)
    }

    /// What the webview would get back from command `name` with `args`: its output, or its
    /// rejection (a job's `{code, message}`, or the IPC layer's own string).
    pub fn call(&self, name: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: format!("plugin:{PLUGIN}|{name}"),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_owned(),
        };
        get_ipc_response(&self.webview, request).map(|body| {
            body.deserialize::<Value>()
                .expect("a command's output is JSON")
        })
    }
}
