//! Remote runs on a Slurm cluster through its REST API (slurmrestd,
//! OpenAPI v0.0.38): submit a batch job that runs `panorama run` on the
//! cluster, follow it from pending to completed, cancel it, and read back the
//! results it wrote to storage both sides see.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value as J;
use tokio_util::sync::CancellationToken;

use crate::auth::Secret;

/// The REST API version spoken.
pub const API: &str = "v0.0.38";

#[derive(Debug, thiserror::Error)]
pub enum SlurmError {
    #[error("“{0}” is not a Slurm address; use slurm://HOST:PORT or http(s)://HOST:PORT")]
    BadAddress(String),
    #[error("the cluster at {url} cannot be reached: {detail}")]
    Unreachable { url: String, detail: String },
    #[error(
        "the cluster refused the sign-in (HTTP {status}). Get a fresh token with `scontrol token` (SLURM_JWT) and check the user name"
    )]
    Auth { status: u16 },
    #[error("the cluster answered {status}: {detail}")]
    Api { status: u16, detail: String },
    #[error("the cluster's answer cannot be read: {0}")]
    Malformed(String),
    #[error("could not prepare the job folder {path}: {detail}")]
    Folder { path: String, detail: String },
    #[error("job {job} ended {state}{}", if log.is_empty() { String::new() } else { format!("; its log ends with:\n{log}") })]
    JobFailed {
        job: u64,
        state: String,
        log: String,
    },
    #[error("cancelled; job {0} was cancelled on the cluster")]
    Cancelled(u64),
    #[error("no cluster token from the account {account}: {detail}")]
    Account { account: String, detail: String },
}

/// A cluster token from a signed-in account, for sites whose Slurm accepts
/// the identity provider's signed tokens (`AuthAltParameters=jwks=…`): an
/// access token for `audience` (RFC 8707 resource), and the cluster user it
/// names (its `sun` claim), if any.
pub async fn token_from_account(
    session: &crate::auth::Session,
    audience: &str,
) -> Result<(crate::auth::Secret, Option<String>), SlurmError> {
    let account = || session.account().id;
    let token = session
        .token_for(audience.trim())
        .await
        .map_err(|e| SlurmError::Account {
            account: account(),
            detail: e.to_string(),
        })?;
    let claims = crate::auth::provider::jwt_payload(token.expose());
    if claims.is_null() {
        return Err(SlurmError::Account {
            account: account(),
            detail: format!(
                "the provider gave an opaque token for {audience}, which a cluster cannot check;                  ask the site which audience its Slurm accepts"
            ),
        });
    }
    let user = claims
        .get("sun")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    Ok((token, user))
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    Pending {
        reason: String,
    },
    Running,
    Completed,
    /// Ended otherwise: FAILED, CANCELLED, TIMEOUT, NODE_FAIL…, with the exit code.
    Ended {
        state: String,
        exit_code: i64,
    },
}

impl JobState {
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Completed | Self::Ended { .. })
    }

    /// In words, for progress lines and the GUI.
    pub fn describe(&self) -> String {
        match self {
            Self::Pending { reason } if reason.is_empty() || reason == "None" => "queued".into(),
            Self::Pending { reason } => format!("queued ({reason})"),
            Self::Running => "running".into(),
            Self::Completed => "completed".into(),
            Self::Ended { state, exit_code } => {
                format!("{} (exit {})", state.to_lowercase(), exit_code >> 8)
            }
        }
    }
}

/// A Slurm cluster's REST endpoint and the credentials for it.
#[derive(Clone)]
pub struct Cluster {
    /// `http://host:port`
    pub base: String,
    pub user: String,
    pub token: Secret,
    client: reqwest::Client,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("base", &self.base)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub name: String,
    /// The batch script (starts with `#!`).
    pub script: String,
    /// The job's working folder (on storage the cluster sees).
    pub workdir: PathBuf,
    pub environment: BTreeMap<String, String>,
    /// Minutes; `None` = the partition's limit.
    pub time_limit: Option<u32>,
}

impl Cluster {
    /// `slurm://host:port` (plain HTTP, as slurmrestd listens on a trusted
    /// network), `slurm+https://host:port`, or an `http(s)://` URL.
    pub fn new(address: &str, user: &str, token: Secret) -> Result<Self, SlurmError> {
        let base = if let Some(rest) = address.strip_prefix("slurm+https://") {
            format!("https://{}", rest.trim_end_matches('/'))
        } else if let Some(rest) = address.strip_prefix("slurm://") {
            format!("http://{}", rest.trim_end_matches('/'))
        } else if crate::net::is_web_url(address) {
            address.trim_end_matches('/').to_owned()
        } else {
            return Err(SlurmError::BadAddress(address.to_owned()));
        };
        let Some(parsed) = url::Url::parse(&base)
            .ok()
            .filter(|u| u.host_str().is_some())
        else {
            return Err(SlurmError::BadAddress(address.to_owned()));
        };
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        if parsed.scheme() == "http" && !loopback {
            tracing::warn!(
                "the Slurm token goes to {} over plain http; use slurm+https:// where the cluster offers it",
                parsed.host_str().unwrap_or_default()
            );
        }
        // The token rides in a header reqwest does not strip on redirects:
        // never follow one.
        let client = crate::net::async_client_builder(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SlurmError::Malformed(e.to_string()))?;
        Ok(Self {
            base,
            user: user.to_owned(),
            token,
            client,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/slurm/{API}/{path}", self.base)
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<(u16, J), SlurmError> {
        let resp = req
            .header("X-SLURM-USER-NAME", &self.user)
            .header("X-SLURM-USER-TOKEN", self.token.expose())
            .send()
            .await
            .map_err(|e| SlurmError::Unreachable {
                url: self.base.clone(),
                detail: if e.is_connect() {
                    "nothing answers there (is slurmrestd running?)".into()
                } else {
                    e.to_string()
                },
            })?;
        let status = resp.status().as_u16();
        let text = crate::net::text_limited(resp, crate::net::limits::SLURM, "a Slurm answer")
            .await
            .map_err(|e| SlurmError::Malformed(e.to_string()))?;
        if status == 401 || status == 403 {
            return Err(SlurmError::Auth { status });
        }
        let body: J = serde_json::from_str(&text).map_err(|_| SlurmError::Api {
            status,
            detail: text.chars().take(200).collect(),
        })?;
        Ok((status, body))
    }

    /// The first error slurmrestd reports in its envelope.
    fn errors(status: u16, body: &J) -> Option<SlurmError> {
        let first = body
            .get("errors")
            .and_then(J::as_array)
            .and_then(|e| e.first())
            .or_else(|| body.get("error").map(|_| body))?;
        let detail = ["description", "error"]
            .iter()
            .find_map(|k| first.get(*k).and_then(J::as_str))
            .unwrap_or("unknown error")
            .to_owned();
        // A bad or expired token comes back as a 500 with these errors.
        if detail.contains("Zero Bytes were transmitted")
            || detail.contains("unable to load")
            || first.get("error_number").and_then(J::as_i64) == Some(-1)
        {
            return Some(SlurmError::Auth { status });
        }
        Some(SlurmError::Api { status, detail })
    }

    /// Check the cluster answers and accepts the credentials.
    pub async fn ping(&self) -> Result<(), SlurmError> {
        let (status, body) = self.call(self.client.get(self.url("ping"))).await?;
        if let Some(e) = Self::errors(status, &body) {
            return Err(e);
        }
        let up = body.get("pings").and_then(J::as_array).is_some_and(|p| {
            p.iter()
                .any(|x| x.get("ping").and_then(J::as_str) == Some("UP"))
        });
        if up {
            Ok(())
        } else {
            Err(SlurmError::Api {
                status,
                detail: "the controller is not up".into(),
            })
        }
    }

    /// Submit a batch job; returns its id.
    pub async fn submit(&self, spec: &JobSpec) -> Result<u64, SlurmError> {
        let dir = spec.workdir.display().to_string();
        let mut job = serde_json::json!({
            "name": spec.name,
            "current_working_directory": dir,
            "standard_output": format!("{dir}/slurm-%j.out"),
            "standard_error": format!("{dir}/slurm-%j.out"),
            "environment": spec.environment,
        });
        if let Some(t) = spec.time_limit {
            job["time_limit"] = t.into();
        }
        let body = serde_json::json!({ "script": spec.script, "job": job });
        let (status, answer) = self
            .call(self.client.post(self.url("job/submit")).json(&body))
            .await?;
        if let Some(e) = Self::errors(status, &answer) {
            return Err(e);
        }
        answer
            .get("job_id")
            .and_then(J::as_u64)
            .ok_or_else(|| SlurmError::Malformed("the answer names no job_id".into()))
    }

    /// Where a job stands.
    pub async fn state(&self, job: u64) -> Result<JobState, SlurmError> {
        let (status, body) = self
            .call(self.client.get(self.url(&format!("job/{job}"))))
            .await?;
        if let Some(e) = Self::errors(status, &body) {
            return Err(e);
        }
        let j = body
            .get("jobs")
            .and_then(J::as_array)
            .and_then(|j| j.first())
            .ok_or_else(|| SlurmError::Malformed(format!("job {job} is not listed")))?;
        Ok(parse_state(j))
    }

    /// Cancel a job (finished jobs are left as they are).
    pub async fn cancel(&self, job: u64) -> Result<(), SlurmError> {
        let (status, body) = self
            .call(self.client.delete(self.url(&format!("job/{job}"))))
            .await?;
        match Self::errors(status, &body) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Read `job_state`, `state_reason` and `exit_code` of a job record.
pub fn parse_state(j: &J) -> JobState {
    let state = j
        .get("job_state")
        .and_then(J::as_str)
        .unwrap_or("UNKNOWN")
        .to_owned();
    match state.as_str() {
        "PENDING" | "CONFIGURING" | "REQUEUED" => JobState::Pending {
            reason: j
                .get("state_reason")
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_owned(),
        },
        "RUNNING" | "COMPLETING" => JobState::Running,
        "COMPLETED" => JobState::Completed,
        _ => JobState::Ended {
            exit_code: j.get("exit_code").and_then(J::as_i64).unwrap_or(0),
            state,
        },
    }
}

/// A workflow run prepared for the cluster.
#[derive(Debug, Clone)]
pub struct RemoteRun {
    pub job: u64,
    /// The run's folder on shared storage: `workflow.json`, `out/`, the log.
    pub dir: PathBuf,
}

impl RemoteRun {
    /// The job's log (standard output and error).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("slurm-{}.out", self.job))
    }

    /// Where `panorama run --out` writes the results, workflow and RO-Crate.
    pub fn out_dir(&self) -> PathBuf {
        self.dir.join("out")
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The batch script that runs the workflow on the cluster.
pub fn run_script(panorama: &str, dir: &Path, settings: &[String]) -> String {
    let mut cmd = format!(
        "{} run {} --out {}",
        shell_quote(panorama),
        shell_quote(&dir.join("workflow.json").display().to_string()),
        shell_quote(&dir.join("out").display().to_string()),
    );
    for s in settings {
        cmd.push_str(&format!(" --set {}", shell_quote(s)));
    }
    format!("#!/bin/bash\nset -e\necho \"Panorama run on $(hostname), job $SLURM_JOB_ID\"\n{cmd}\n")
}

/// Everything a remote run needs besides the workflow.
#[derive(Debug, Clone)]
pub struct RemoteTarget {
    pub cluster: Cluster,
    /// A folder both this computer and the cluster's nodes see.
    pub shared_dir: PathBuf,
    /// The `panorama` program on the cluster.
    pub panorama: String,
}

/// Copy the workflow to shared storage and submit its run.
pub async fn submit_workflow(
    target: &RemoteTarget,
    workflow_text: &str,
    name: &str,
    settings: &[String],
) -> Result<RemoteRun, SlurmError> {
    // A name no one else can guess, created new (never an existing folder
    // or link), private to this user: the job runs as the same user on the
    // cluster, and nobody else can plant results, settings or links here.
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let token = openidconnect::CsrfToken::new_random();
    let random: String = token
        .secret()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    let dir = target
        .shared_dir
        .join(format!("panorama-run-{stamp}-{random}"));
    let folder = |e: std::io::Error| SlurmError::Folder {
        path: dir.display().to_string(),
        detail: e.to_string(),
    };
    std::fs::create_dir_all(&target.shared_dir).map_err(folder)?;
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        // Private when the job runs as this user (the usual case); when the
        // cluster account is another one, it must be able to write here, and
        // what comes back is read only from this user or that account.
        let same = uid_of(&target.cluster.user) == Some(own_uid());
        builder.mode(if same { 0o700 } else { 0o1777 });
    }
    builder.create(&dir).map_err(folder)?;
    #[cfg(unix)]
    if uid_of(&target.cluster.user) != Some(own_uid()) {
        use std::os::unix::fs::PermissionsExt;
        // The process umask narrows the mode given at creation.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777)).map_err(folder)?;
    }
    std::fs::write(dir.join("workflow.json"), workflow_text).map_err(folder)?;
    let mut env = BTreeMap::new();
    env.insert("PATH".to_owned(), "/usr/local/bin:/usr/bin:/bin".to_owned());
    // Panorama on the node keeps its settings with the run, not in a home folder.
    env.insert(
        "PANORAMA_HOME".to_owned(),
        dir.join("home").display().to_string(),
    );
    let spec = JobSpec {
        name: format!("panorama: {name}"),
        script: run_script(&target.panorama, &dir, settings),
        workdir: dir.clone(),
        environment: env,
        time_limit: None,
    };
    let job = target.cluster.submit(&spec).await?;
    Ok(RemoteRun { job, dir })
}

/// Follow a job until it ends, reporting each change of state; cancelling
/// `cancel` cancels the job on the cluster.
pub async fn follow(
    cluster: &Cluster,
    run: &RemoteRun,
    on_state: &(dyn Fn(&JobState) + Sync),
    cancel: &CancellationToken,
) -> Result<RemoteResults, SlurmError> {
    let mut last: Option<JobState> = None;
    loop {
        let state = cluster.state(run.job).await?;
        if last.as_ref() != Some(&state) {
            on_state(&state);
            last = Some(state.clone());
        }
        match state {
            JobState::Completed => break,
            JobState::Ended { state, .. } => {
                let log = std::fs::read_to_string(run.log_path()).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(12).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                return Err(SlurmError::JobFailed {
                    job: run.job,
                    state,
                    log: tail.join("\n"),
                });
            }
            _ => {}
        }
        tokio::select! {
            () = cancel.cancelled() => {
                cluster.cancel(run.job).await?;
                return Err(SlurmError::Cancelled(run.job));
            }
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
    let path = run.out_dir().join("results.json");
    let full = run.out_dir().join(super::batch::RESULTS_H5);
    check_own(
        &[&run.dir, &run.out_dir(), &path, &full],
        uid_of(&cluster.user),
    )?;
    let text = std::fs::read_to_string(&path).map_err(|e| SlurmError::Folder {
        path: path.display().to_string(),
        detail: format!("the job completed but left no results: {e}"),
    })?;
    let summary = serde_json::from_str(&text).map_err(|e| SlurmError::Malformed(e.to_string()))?;
    // Every value in full, bit for bit as the job computed it.
    let values = super::batch::read_values(&full).map_err(|e| SlurmError::Folder {
        path: full.display().to_string(),
        detail: format!("the job's full results cannot be read: {e}"),
    })?;
    Ok(RemoteResults { summary, values })
}

/// What a cluster run brings back: the JSON summary (long arrays shortened,
/// errors by node) and every value in full.
#[derive(Debug)]
pub struct RemoteResults {
    pub summary: J,
    pub values: BTreeMap<super::NodeId, super::value::Value>,
}

/// This process's user id.
#[cfg(unix)]
fn own_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    #[allow(unsafe_code)]
    unsafe {
        libc::getuid()
    }
}

/// The user id of the account `name` on this computer, if it has one.
#[cfg(unix)]
fn uid_of(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam reads the user database and returns a pointer to a
    // static record (or null), read at once and not kept.
    #[allow(unsafe_code)]
    unsafe {
        let pw = libc::getpwnam(c.as_ptr());
        (!pw.is_null()).then(|| (*pw).pw_uid)
    }
}

#[cfg(not(unix))]
fn uid_of(_name: &str) -> Option<u32> {
    None
}

/// Results are read back only from real files and folders (no links) that
/// belong to this user or to the cluster account `other`.
fn check_own(paths: &[&std::path::Path], other: Option<u32>) -> Result<(), SlurmError> {
    for p in paths {
        let refuse = |why: &str| SlurmError::Folder {
            path: p.display().to_string(),
            detail: format!("{why}; the results were not read"),
        };
        let Ok(meta) = std::fs::symlink_metadata(p) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            return Err(refuse("it is a symbolic link"));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if meta.uid() != own_uid() && Some(meta.uid()) != other {
                return Err(refuse(&format!(
                    "it belongs to another user (uid {})",
                    meta.uid()
                )));
            }
        }
    }
    Ok(())
}

/// Where cluster runs go (settings key `workflow.cluster`; never the token).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClusterSettings {
    /// `slurm://host:port` of the cluster's slurmrestd.
    pub address: String,
    pub user: String,
    /// A folder this computer and the cluster both see.
    pub shared_dir: String,
    /// The panorama program on the cluster's nodes.
    pub panorama: String,
    /// Sign in with this account's provider tokens instead of a typed token
    /// (sites whose Slurm accepts them); empty for a typed token.
    #[serde(default)]
    pub account: String,
    /// The audience (resource indicator) of the cluster's tokens.
    #[serde(default)]
    pub audience: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link planted where results are read back is refused.
    #[test]
    fn planted_links_in_a_run_folder_are_refused() {
        let tmp = tempfile::tempdir().expect("tmp");
        let run = RemoteRun {
            job: 1,
            dir: tmp.path().to_path_buf(),
        };
        std::fs::create_dir_all(run.out_dir()).expect("out");
        let elsewhere = tmp.path().join("elsewhere.json");
        std::fs::write(&elsewhere, "{}").expect("write");
        let results = run.out_dir().join("results.json");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&elsewhere, &results).expect("link");
        let err = check_own(&[&run.dir, &run.out_dir(), &results], None).expect_err("refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        std::fs::remove_file(&results).expect("rm");
        std::fs::write(&results, "{}").expect("write");
        check_own(&[&run.dir, &run.out_dir(), &results], None).expect("own files are read");
    }

    #[test]
    fn addresses_name_the_scheme_the_token_travels_on() {
        let c =
            Cluster::new("slurm+https://hpc.example.org:6820", "u", Secret::new("t")).expect("ok");
        assert_eq!(c.base, "https://hpc.example.org:6820");
        assert!(Cluster::new("slurm://", "u", Secret::new("t")).is_err());
    }

    #[test]
    fn states_are_read_as_slurmrestd_reports_them() {
        let j = serde_json::json!({"job_state": "PENDING", "state_reason": "Resources"});
        assert_eq!(parse_state(&j).describe(), "queued (Resources)");
        let j = serde_json::json!({"job_state": "FAILED", "exit_code": 768});
        assert_eq!(parse_state(&j).describe(), "failed (exit 3)");
        assert!(parse_state(&j).is_final());
        assert_eq!(
            parse_state(&serde_json::json!({"job_state": "RUNNING"})),
            JobState::Running
        );
    }

    #[test]
    fn addresses_and_scripts() {
        let c = Cluster::new("slurm://127.0.0.1:6820", "u", Secret::new("tok-SECRET")).expect("ok");
        assert_eq!(c.base, "http://127.0.0.1:6820");
        assert!(Cluster::new("ftp://x", "u", Secret::new("t")).is_err());
        assert!(
            !format!("{c:?}").contains("tok-SECRET"),
            "tokens never print"
        );
        let s = run_script(
            "/opt/panorama",
            Path::new("/shared/run 1"),
            &["2.value=3".into()],
        );
        assert!(s.starts_with("#!/bin/bash\n"));
        assert!(s.contains("'/opt/panorama' run '/shared/run 1/workflow.json' --out '/shared/run 1/out' --set '2.value=3'"), "{s}");
        let tricky = run_script("p", Path::new("/x"), &["1.name=it's".into()]);
        assert!(tricky.contains(r"'1.name=it'\''s'"), "{tricky}");
    }
}
