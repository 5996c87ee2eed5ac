//! Reads the command table (`src/command_table.rs`, the one declaration of every command) for
//! its names: Tauri makes a permission for each command of the inlined `countersign` plugin, and
//! its default permission allows them all, so the window's capability
//! (`capabilities/main.json`) grants them with `countersign:default`. The names also go to
//! `$OUT_DIR/command_names.rs`, which the crate compares with the commands it registers.

/// The command table's names, whatever their types and jobs (which this script never resolves).
macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        $door:ident fn $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $out:ty =
            |$ctx:ident $(, $app:ident)?| $body:expr;
    )*) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}

include!("src/command_table.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/command_table.rs");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let names: Vec<String> = COMMANDS.iter().map(|n| format!("{n:?}")).collect();
    std::fs::write(
        out.join("command_names.rs"),
        format!("[{}]", names.join(", ")),
    )
    .unwrap_or_else(|e| panic!("writing the command names: {e}"));
    tauri_build::try_build(
        tauri_build::Attributes::new().plugin(
            "countersign",
            tauri_build::InlinedPlugin::new()
                .commands(COMMANDS)
                .default_permission(tauri_build::DefaultPermissionRule::AllowAllCommands),
        ),
    )
    .unwrap_or_else(|e| panic!("tauri build configuration: {e:#}"));
}
