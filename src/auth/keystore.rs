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
