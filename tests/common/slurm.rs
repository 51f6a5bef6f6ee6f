//! A real single-node Slurm cluster (Debian's slurmctld, slurmd, slurmrestd
//! with JWT, munge) started on loopback by tests/servers/slurm/start-slurm.sh.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

pub struct Slurm {
    state: PathBuf,
    env: Vec<(String, String)>,
}

impl Slurm {
    /// Start the cluster; it also accepts tokens signed by the keys in `jwks`
    /// (an identity provider's, as a site that maps its accounts would).
    pub fn start(jwks: &Path) -> Self {
        let state = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slurm-test");
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/slurm/start-slurm.sh");
        let out = Process::new("bash")
            .arg(script)
            .env("SLURM_TEST_STATE_DIR", &state)
            .env("SLURM_JWKS_FILE", jwks)
            .output()
            .expect("start-slurm.sh runs");
        assert!(
            out.status.success(),
            "the Slurm test cluster did not start (it needs root and apt's slurm-wlm, slurmrestd, munge; `make test` installs them):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self { state, env }
    }

    pub fn get(&self, key: &str) -> String {
        self.env.iter().find(|(k, _)| k == key).map_or_else(
            || panic!("start-slurm.sh printed no {key}"),
            |(_, v)| v.clone(),
        )
    }
}

impl Drop for Slurm {
    fn drop(&mut self) {
        let _ = Process::new("bash")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/slurm/stop-slurm.sh"))
            .env("SLURM_TEST_STATE_DIR", &self.state)
            .output();
    }
}
