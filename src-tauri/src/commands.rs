//! The commands, expanded from their one declaration (`command_table.rs`).
//!
//! Each entry becomes a `#[tauri::command]` that goes through its door — [`AppCore::org`], which
//! refuses while the app is locked, [`AppCore::ledgers`], the offline review that stays open, or
//! the core itself for the session, locking and unlocking — and calls one job of
//! [`countersign_app`]. The same entries
//! give [`handler`] (registered as the `countersign` plugin, whose permissions `build.rs` makes
//! from the same table) and [`COMMANDS`], the description the TypeScript client is generated
//! from ([`typescript`]) and the IPC tests walk.
//!
//! The commands belong to an inlined plugin, so the webview calls them as
//! `plugin:countersign|<name>` and the window's capability grants them all with one
//! `countersign:default`.

use countersign_app::approvals::{DecisionOutcome, Shown};
use countersign_app::ipc::{
    DemoMember, DeviceStatus, Enrollment, EntryCaller, KeyReview, RequestFilter, Session,
    SubmitOutcome,
};
use countersign_app::ledgers::{
    ExportView, ImportSummary, IntegrityView, LedgerFacets, LedgerFilter, PageView, RowRefView,
    SeriesBucket, SeriesPointView, TotalView, TradesPageView,
};
use countersign_app::push::SyncState;
use countersign_app::window::WindowView;
use countersign_app::{
    AppCore, CommandError, addresses, approvals, keys, orgs, policies, requests, sandbox, stops,
    trust,
};
use countersign_org::view::{OrgView, RequestView, RevealedKey, StopView};
use countersign_org::{
    Decision, Policy, PolicyDiff, Preview, Replay, RequestPayload, Simulation, Workflow,
};
use tauri::{AppHandle, Runtime, State};

/// The plugin the commands belong to: the webview calls `plugin:countersign|<name>`.
pub const PLUGIN: &str = "countersign";

/// Which door a command goes through: what it may reach, and whether the lock refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// The signed-in member's Organization ([`AppCore::org`]): refused while locked.
    Org,
    /// The offline ledger review ([`AppCore::ledgers`]): open while locked, since it holds
    /// nothing of the Organization.
    Ledgers,
    /// The core itself, and it works while locked: the session, locking and unlocking.
    Session,
    /// The core itself, to change the session; the job refuses while locked.
    Switch,
}

impl Door {
    /// Whether the lock refuses the command.
    pub fn locked_out(self) -> bool {
        matches!(self, Self::Org | Self::Switch)
    }

    fn parse(word: &str) -> Self {
        match word {
            "org" => Self::Org,
            "ledgers" => Self::Ledgers,
            "session" => Self::Session,
            "switch" => Self::Switch,
            other => panic!("command_table.rs: unknown door {other}"),
        }
    }
}

/// A type as the TypeScript client names it, with the generated types it needs.
#[derive(Debug, Clone)]
pub struct TsType {
    /// The type's TypeScript expression (`Array<RequestView>`).
    pub name: String,
    /// The generated types it refers to, by name.
    pub uses: Vec<String>,
}

impl TsType {
    fn of<T: ts_rs::TS + 'static + ?Sized>() -> Self {
        /// The exported types a type names: itself, its dependencies, and its generic
        /// arguments (`Vec<T>` names `T`).
        struct Exported(Vec<String>);
        impl ts_rs::TypeVisitor for Exported {
            fn visit<T: ts_rs::TS + 'static + ?Sized>(&mut self) {
                if T::output_path().is_some() {
                    self.0.push(T::ident());
                }
            }
        }
        let mut exported = Exported(Vec::new());
        ts_rs::TypeVisitor::visit::<T>(&mut exported);
        T::visit_dependencies(&mut exported);
        T::visit_generics(&mut exported);
        let name = T::name();
        // Only those the expression itself names are imported (not what they name in turn).
        let words: Vec<&str> = name
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .collect();
        let mut uses: Vec<String> = exported
            .0
            .into_iter()
            .filter(|dep| words.contains(&dep.as_str()))
            .collect();
        uses.sort();
        uses.dedup();
        // `()` is what a command without output resolves with.
        let name = if name == "null" {
            "void".to_owned()
        } else {
            name
        };
        Self { name, uses }
    }
}

/// One command, as declared.
#[derive(Debug, Clone)]
pub struct Command {
    /// Its name in Rust and on the IPC bridge.
    pub name: &'static str,
    /// What it does (its doc comment).
    pub doc: String,
    /// The door it goes through.
    pub door: Door,
    /// Its arguments: the name as the webview sends it (camelCase, as Tauri reads it), and type.
    pub args: Vec<(String, TsType)>,
    /// What it resolves with.
    pub output: TsType,
}

/// `request_id` as Tauri expects the webview to send it: `requestId`.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        $door:ident fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $out:ty =
            |$ctx:ident $(, $app:ident)?| $body:expr;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            async fn $name<R: Runtime>(
                app: AppHandle<R>,
                core: State<'_, AppCore>,
                $($arg: $ty),*
            ) -> Result<$out, CommandError> {
                let _ = &app;
                commands!(@door $door core $ctx);
                $(let $app = app;)?
                $body
            }
        )*

        /// The commands' handler, for the `countersign` plugin.
        pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// Every command, as declared, in order.
        pub fn commands() -> Vec<Command> {
            vec![$(Command {
                name: stringify!($name),
                doc: [$($doc.trim()),*].join(" "),
                door: Door::parse(stringify!($door)),
                args: vec![$((camel(stringify!($arg)), TsType::of::<$ty>())),*],
                output: TsType::of::<$out>(),
            }),*]
        }
    };
    (@door org $core:ident $ctx:ident) => { let $ctx = $core.org().await?; };
    (@door ledgers $core:ident $ctx:ident) => { let $ctx = $core.ledgers()?; };
    (@door session $core:ident $ctx:ident) => { let $ctx: &AppCore = &*$core; };
    (@door switch $core:ident $ctx:ident) => { let $ctx: &AppCore = &*$core; };
}

include!("command_table.rs");

/// The names of every command, as `build.rs` reads them from the same table.
pub const COMMANDS: &[&str] = &include!(concat!(env!("OUT_DIR"), "/command_names.rs"));

/// The TypeScript client of every command: `ui/src/bindings/commands.ts`. It imports the
/// generated types it needs and exports [`Commands`]-shaped functions over one `invoke`.
pub fn typescript() -> String {
    let commands = commands();
    let mut uses: Vec<String> = commands
        .iter()
        .flat_map(|c| c.args.iter().map(|(_, t)| t).chain([&c.output]))
        .flat_map(|t| t.uses.iter().cloned())
        .collect();
    uses.sort();
    uses.dedup();
    let mut out = String::from(
        "// Generated from src-tauri/src/command_table.rs by `cargo test -p countersign-desktop \
         export_commands`; do not edit.\n\n",
    );
    for name in &uses {
        out.push_str(&format!("import type {{ {name} }} from \"./{name}\";\n"));
    }
    out.push_str(&format!(
        "\n/** The plugin the commands belong to. */\nexport const PLUGIN = \"{PLUGIN}\";\n\n"
    ));
    out.push_str(
        "/** Every command of the core, as a typed function. */\nexport interface Commands {\n",
    );
    for c in &commands {
        let args: Vec<String> = c
            .args
            .iter()
            .map(|(name, t)| format!("{name}: {}", t.name))
            .collect();
        out.push_str(&format!(
            "  /** {} */\n  {}({}): Promise<{}>;\n",
            c.doc,
            camel(c.name),
            args.join(", "),
            c.output.name
        ));
    }
    out.push_str("}\n\n");
    out.push_str(
        "/** Calls `command` of the plugin with its named arguments. */\n\
         export type Invoke = (command: string, args: Record<string, unknown>) => Promise<unknown>;\n\n",
    );
    out.push_str("/** The commands over `invoke` (the real one, or a test's). */\nexport function commands(invoke: Invoke): Commands {\n  return {\n");
    for c in &commands {
        let params: Vec<String> = c
            .args
            .iter()
            .map(|(name, t)| format!("{name}: {}", t.name))
            .collect();
        let names: Vec<&str> = c.args.iter().map(|(name, _)| name.as_str()).collect();
        out.push_str(&format!(
            "    {}: ({}) => invoke(\"plugin:{PLUGIN}|{}\", {{ {} }}) as Promise<{}>,\n",
            camel(c.name),
            params.join(", "),
            c.name,
            names.join(", "),
            c.output.name
        ));
    }
    out.push_str("  };\n}\n\n");
    out.push_str("/** Each command's name, and whether the app's lock refuses it. */\nexport const COMMAND_DOORS = {\n");
    for c in &commands {
        out.push_str(&format!(
            "  {}: {{ name: \"{}\", refusedWhileLocked: {} }},\n",
            camel(c.name),
            c.name,
            c.door.locked_out()
        ));
    }
    out.push_str("} as const satisfies Record<keyof Commands, { name: string; refusedWhileLocked: boolean }>;\n\n");
    out.push_str(&format!(
        "/** The events the core sends, by what they carry. */\nexport const EVENTS = {{\n  \
         /** The core locked itself for the OS (payload: a LockReason). */\n  appLocked: \"{}\",\n  \
         /** An import's progress (payload: an ImportProgress). */\n  ledgerImportProgress: \"{}\",\n  \
         /** A request the member may view changed (payload: a DeskEvent). */\n  orgEvent: \"{}\",\n  \
         /** Where the desk stands with the Organization (payload: a SyncState). */\n  orgSync: \"{}\",\n  \
         /** A notification or the tray asks to show a request, or the queue (payload: an OpenRequest). */\n  openRequest: \"{}\",\n}} as const;\n",
        crate::APP_LOCKED_EVENT,
        crate::LEDGER_IMPORT_PROGRESS_EVENT,
        crate::ORG_EVENT,
        crate::ORG_SYNC_EVENT,
        crate::OPEN_REQUEST_EVENT
    ));
    out.push_str(&format!(
        "\n/** The idle times a member may choose, in minutes (`set_idle_minutes` refuses others). */\n\
         export const IDLE_CHOICES: readonly number[] = [{}];\n\
         /** The idle time until the member chooses another. */\n\
         export const DEFAULT_IDLE_MINUTES = {};\n",
        countersign_app::IDLE_CHOICES.map(|m| m.to_string()).join(", "),
        countersign_app::DEFAULT_IDLE_MINUTES
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the TypeScript client next to the ts-rs bindings (`TS_RS_EXPORT_DIR`, which the
    /// workspace sets to `ui/src/bindings`); `cargo xtask test` exports to a scratch folder and
    /// fails when the committed one differs.
    #[test]
    fn export_bindings_commands() {
        let dir = std::env::var_os("TS_RS_EXPORT_DIR")
            .map(std::path::PathBuf::from)
            .expect("TS_RS_EXPORT_DIR is set by .cargo/config.toml");
        std::fs::create_dir_all(&dir).expect("bindings folder");
        std::fs::write(dir.join("commands.ts"), typescript()).expect("commands.ts");
    }

    #[test]
    fn the_build_script_and_the_crate_read_the_same_table() {
        let declared: Vec<&str> = commands().iter().map(|c| c.name).collect();
        assert_eq!(declared, COMMANDS);
        let mut unique = declared.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), declared.len(), "a command is declared twice");
    }

    #[test]
    fn arguments_are_named_as_tauri_reads_them() {
        assert_eq!(camel("request_id"), "requestId");
        assert_eq!(camel("accept_edited"), "acceptEdited");
        assert_eq!(camel("id"), "id");
        let submit = commands()
            .into_iter()
            .find(|c| c.name == "submit_request")
            .expect("declared");
        let args: Vec<(&str, &str)> = submit
            .args
            .iter()
            .map(|(n, t)| (n.as_str(), t.name.as_str()))
            .collect();
        assert_eq!(
            args,
            [
                ("payload", "RequestPayload"),
                ("execute", "boolean"),
                ("otp", "string | null"),
                ("reason", "string | null")
            ]
        );
        assert_eq!(submit.door, Door::Org);
    }
}
