//! The one-time reveal of a created service user's key, held in Rust after the reveal so the
//! webview never has to send the secret back: copy it to the OS clipboard (concealed from
//! clipboard managers where the OS has a hint for it, cleared after [`CLIPBOARD_SECONDS`]), or
//! store the key pair in the OS keychain. Forgotten on request, on the next reveal, or with the
//! app.
//!
//! - [`Revealed`]: the key in memory, by the request that created it.
//! - [`Clipboard`]: what the copy needs of an OS clipboard; [`SystemClipboard`] is the real one,
//!   [`MemoryClipboard`] one in memory.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use countersign_org::view::RevealedKey;

/// How long a copied secret stays on the clipboard.
pub const CLIPBOARD_SECONDS: u32 = 30;

/// A revealed key, kept until forgotten.
#[derive(Clone)]
pub struct Revealed {
    /// The request that created the service user.
    pub request_id: String,
    /// The service user's name.
    pub name: String,
    /// The key pair.
    pub key: RevealedKey,
}

impl std::fmt::Debug for Revealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revealed")
            .field("request_id", &self.request_id)
            .field("name", &self.name)
            .field("api_key", &self.key.api_key)
            .finish_non_exhaustive()
    }
}

/// An OS clipboard, as the copy uses it.
pub trait Clipboard: Send {
    /// Puts `text` on the clipboard, marked secret where the OS can.
    fn set_secret(&mut self, text: &str) -> Result<(), String>;
    /// The clipboard's text, if any.
    fn text(&mut self) -> Option<String>;
    /// Empties the clipboard.
    fn clear(&mut self) -> Result<(), String>;
}

/// The OS clipboard (arboard), with the concealment hints: `x-kde-passwordManagerHint` on Linux,
/// the concealed type on macOS, history and cloud exclusion on Windows.
#[derive(Default)]
pub struct SystemClipboard(Option<arboard::Clipboard>);

impl SystemClipboard {
    fn open(&mut self) -> Result<&mut arboard::Clipboard, String> {
        if self.0.is_none() {
            self.0 = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        self.0.as_mut().ok_or_else(|| "no clipboard".to_owned())
    }
}

impl Clipboard for SystemClipboard {
    fn set_secret(&mut self, text: &str) -> Result<(), String> {
        let set = self.open()?.set();
        #[cfg(target_os = "linux")]
        let set = arboard::SetExtLinux::exclude_from_history(set);
        #[cfg(target_os = "macos")]
        let set = arboard::SetExtApple::exclude_from_history(set);
        #[cfg(target_os = "windows")]
        let set = arboard::SetExtWindows::exclude_from_history(
            arboard::SetExtWindows::exclude_from_cloud(set),
        );
        set.text(text.to_owned()).map_err(|e| e.to_string())
    }

    fn text(&mut self) -> Option<String> {
        self.open().ok()?.get_text().ok()
    }

    fn clear(&mut self) -> Result<(), String> {
        self.open()?.clear().map_err(|e| e.to_string())
    }
}

impl std::fmt::Debug for SystemClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SystemClipboard")
    }
}

/// A clipboard in this process's memory only (tests; flows run without a desktop session).
/// It remembers whether the text was marked secret.
#[derive(Default)]
pub struct MemoryClipboard {
    /// The text on it.
    pub text: Option<String>,
    /// Whether that text was put there marked secret.
    pub secret: bool,
}

impl std::fmt::Debug for MemoryClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // It may hold a secret.
        f.debug_struct("MemoryClipboard")
            .field("holds_text", &self.text.is_some())
            .field("secret", &self.secret)
            .finish()
    }
}

impl Clipboard for MemoryClipboard {
    fn set_secret(&mut self, text: &str) -> Result<(), String> {
        self.text = Some(text.to_owned());
        self.secret = true;
        Ok(())
    }

    fn text(&mut self) -> Option<String> {
        self.text.clone()
    }

    fn clear(&mut self) -> Result<(), String> {
        self.text = None;
        self.secret = false;
        Ok(())
    }
}

/// Copies `secret` and clears the clipboard after `after`, unless something else was copied
/// meanwhile (then it is left alone).
pub fn copy_then_clear(
    clipboard: Arc<Mutex<dyn Clipboard>>,
    secret: String,
    after: Duration,
) -> Result<(), String> {
    clipboard
        .lock()
        .map_err(|_| "clipboard unavailable".to_owned())?
        .set_secret(&secret)?;
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        if let Ok(mut c) = clipboard.lock()
            && c.text().as_deref() == Some(secret.as_str())
        {
            let _ = c.clear();
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_copied_secret_is_cleared_after_the_delay_unless_replaced() {
        let c = Arc::new(Mutex::new(MemoryClipboard::default()));
        copy_then_clear(
            c.clone() as Arc<Mutex<dyn Clipboard>>,
            "s3cret".into(),
            Duration::from_secs(30),
        )
        .expect("copy");
        assert_eq!(c.lock().expect("lock").text.as_deref(), Some("s3cret"));
        assert!(
            c.lock().expect("lock").secret,
            "marked secret for clipboard managers"
        );
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert_eq!(c.lock().expect("lock").text.as_deref(), Some("s3cret"));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(c.lock().expect("lock").text, None, "cleared after 30 s");

        // Something copied meanwhile is not the app's to clear.
        copy_then_clear(
            c.clone() as Arc<Mutex<dyn Clipboard>>,
            "s3cret".into(),
            Duration::from_secs(30),
        )
        .expect("copy");
        c.lock().expect("lock").text = Some("the user's own text".into());
        tokio::time::sleep(Duration::from_secs(31)).await;
        assert_eq!(
            c.lock().expect("lock").text.as_deref(),
            Some("the user's own text")
        );
    }

    #[test]
    fn the_secret_never_prints() {
        let r = Revealed {
            request_id: "R".into(),
            name: "bot".into(),
            key: RevealedKey {
                api_key: "PUBLIC".into(),
                api_secret: "PRIVATE".into(),
            },
        };
        assert!(!format!("{r:?}").contains("PRIVATE"));
    }
}
