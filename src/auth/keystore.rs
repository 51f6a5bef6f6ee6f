//! Which OS keyring backend can hold refresh tokens on this machine:
//! the Secret Service on desktops, the kernel keyutils where none runs.

use std::time::Duration;

use serde::Serialize;

use crate::APP_ID;

/// A keyring backend Panorama can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// freedesktop Secret Service (GNOME Keyring, KWallet): survives reboots.
    SecretService,
    /// Linux kernel key retention: kept until logout or reboot.
    KernelKeyutils,
}

impl Backend {
    pub fn describe(self) -> &'static str {
        match self {
            Self::SecretService => "Secret Service (desktop keyring, kept across reboots)",
            Self::KernelKeyutils => "kernel keyutils (kept until you log out or reboot)",
        }
    }
}

/// What the probe found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyringReport {
    /// The backend Panorama will use, the best one that works.
    pub chosen: Option<Backend>,
    pub secret_service: Result<(), String>,
    pub keyutils: Result<(), String>,
}

const PROBE_USER: &str = "panorama-keyring-probe";

fn probe_secret_service() -> Result<(), String> {
    let cred = keyring::secret_service::SsCredential::new_with_target(None, APP_ID, PROBE_USER)
        .map_err(|e| e.to_string())?;
    match keyring::Entry::new_with_credential(Box::new(cred)).get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

fn probe_keyutils() -> Result<(), String> {
    let cred = keyring::keyutils::KeyutilsCredential::new_with_target(None, APP_ID, PROBE_USER)
        .map_err(|e| e.to_string())?;
    let entry = keyring::Entry::new_with_credential(Box::new(cred));
    entry.set_password("probe").map_err(|e| e.to_string())?;
    let read = entry.get_password().map_err(|e| e.to_string())?;
    // Clean up; a failure here leaves only the probe value behind.
    let _ = entry.delete_credential();
    if read == "probe" {
        Ok(())
    } else {
        Err("keyutils returned a different value than was stored".into())
    }
}

/// Probe both backends. The Secret Service probe talks to D-Bus, so it runs on
/// its own thread with a time limit: a stuck session bus must not hang Panorama.
pub fn probe() -> KeyringReport {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("keyring-probe".into())
        .spawn(move || {
            let _ = tx.send(probe_secret_service());
        });
    let secret_service = match spawned {
        Ok(_) => rx
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| Err("the Secret Service did not answer within 5 s".into())),
        Err(e) => Err(e.to_string()),
    };
    let keyutils = probe_keyutils();
    let chosen = if secret_service.is_ok() {
        Some(Backend::SecretService)
    } else if keyutils.is_ok() {
        Some(Backend::KernelKeyutils)
    } else {
        None
    };
    KeyringReport {
        chosen,
        secret_service,
        keyutils,
    }
}

/// Make the chosen backend the default for every keyring entry Panorama creates.
pub fn install(backend: Backend) {
    let builder = match backend {
        Backend::SecretService => keyring::secret_service::default_credential_builder(),
        Backend::KernelKeyutils => keyring::keyutils::default_credential_builder(),
    };
    keyring::set_default_credential_builder(builder);
}

/// Where refresh tokens are kept: an OS keyring, or this process's memory
/// when no keyring works (the sign-in then lasts until Panorama quits).
#[derive(Clone)]
pub enum Vault {
    Keyring(Backend),
    Memory(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>),
    /// The best keyring the probe finds, known once the probe ends: the
    /// probe runs in the background from the start (it may wait 5 s on a
    /// stuck session bus), and only a first use of a secret waits for it,
    /// never the window. The memory is the fallback when no keyring works.
    Probed(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>),
}

/// Where a vault's secrets go, once known.
enum Target {
    Keyring(Backend),
    Memory(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>),
}

/// The probe's answer, once per process.
static CHOSEN: std::sync::OnceLock<Option<Backend>> = std::sync::OnceLock::new();

/// Start the keyring probe in the background (once).
fn start_probe() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("keyring-choice".into())
            .spawn(|| {
                let _ = CHOSEN.get_or_init(|| probe().chosen);
            });
    });
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

fn keyring_error(e: keyring::Error) -> super::AuthError {
    super::AuthError::Keyring(e.to_string())
}

impl Vault {
    /// A vault that keeps secrets in memory only.
    pub fn memory() -> Self {
        Self::Memory(std::sync::Arc::default())
    }

    /// The backend named by `PANORAMA_KEYRING` (`secret-service`, `keyutils`,
    /// `memory`), else the best one the probe finds (probed once per process).
    pub fn system() -> Self {
        match std::env::var("PANORAMA_KEYRING").as_deref() {
            Ok("secret-service") => return Self::Keyring(Backend::SecretService),
            Ok("keyutils") => return Self::Keyring(Backend::KernelKeyutils),
            Ok("memory") => return Self::memory(),
            _ => {}
        }
        start_probe();
        Self::Probed(std::sync::Arc::default())
    }

    /// Where secrets go now: a probed vault waits here for the probe.
    fn resolved(&self) -> Target {
        match self {
            Self::Keyring(b) => Target::Keyring(*b),
            Self::Memory(m) => Target::Memory(m.clone()),
            Self::Probed(memory) => match CHOSEN.get_or_init(|| probe().chosen) {
                Some(b) => Target::Keyring(*b),
                None => {
                    tracing::debug!("no keyring works here; secrets stay in memory");
                    Target::Memory(memory.clone())
                }
            },
        }
    }

    /// In words, for `panorama accounts` and the Accounts tab.
    pub fn describe(&self) -> String {
        match self {
            Self::Probed(_) if CHOSEN.get().is_none() => "checking which keyring works…".into(),
            Self::Probed(_) => match self.resolved() {
                Target::Keyring(b) => b.describe().to_owned(),
                Target::Memory(m) => Self::Memory(m).describe(),
            },
            Self::Keyring(b) => b.describe().to_owned(),
            Self::Memory(_) => {
                "memory only (no keyring: sign-ins last until Panorama quits)".into()
            }
        }
    }

    /// [`Self::describe`] once the probe has ended (for the command line,
    /// which has no window to keep responsive).
    pub fn describe_settled(&self) -> String {
        if let Self::Probed(_) = self {
            let _ = self.resolved();
        }
        self.describe()
    }

    /// Whether a stored secret outlives this process.
    pub fn persistent(&self) -> bool {
        matches!(self.resolved(), Target::Keyring(_))
    }

    fn entry(backend: Backend, user: &str) -> Result<keyring::Entry, super::AuthError> {
        let cred: Box<keyring::Credential> = match backend {
            Backend::SecretService => Box::new(
                keyring::secret_service::SsCredential::new_with_target(None, APP_ID, user)
                    .map_err(keyring_error)?,
            ),
            Backend::KernelKeyutils => Box::new(
                keyring::keyutils::KeyutilsCredential::new_with_target(None, APP_ID, user)
                    .map_err(keyring_error)?,
            ),
        };
        Ok(keyring::Entry::new_with_credential(cred))
    }

    pub fn store(&self, user: &str, secret: &super::Secret) -> Result<(), super::AuthError> {
        match self.resolved() {
            Target::Keyring(b) => Self::entry(b, user)?
                .set_password(secret.expose())
                .map_err(keyring_error),
            Target::Memory(m) => {
                tracing::warn!(
                    "no keyring works here; this sign-in lasts until Panorama quits (`panorama doctor` tells why)"
                );
                m.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(user.to_owned(), secret.expose().to_owned());
                Ok(())
            }
        }
    }

    pub fn load(&self, user: &str) -> Result<Option<super::Secret>, super::AuthError> {
        match self.resolved() {
            Target::Keyring(b) => match Self::entry(b, user)?.get_password() {
                Ok(v) => Ok(Some(super::Secret::new(v))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(keyring_error(e)),
            },
            Target::Memory(m) => Ok(m
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(user)
                .map(|v| super::Secret::new(v.clone()))),
        }
    }

    pub fn delete(&self, user: &str) -> Result<(), super::AuthError> {
        match self.resolved() {
            Target::Keyring(b) => match Self::entry(b, user)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keyring_error(e)),
            },
            Target::Memory(m) => {
                m.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(user);
                Ok(())
            }
        }
    }
}
