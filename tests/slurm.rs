//! Remote runs on a real single-node Slurm cluster (Debian's slurmctld,
//! slurmd, slurmrestd with JWT, munge) started on loopback by the test:
//! `panorama run --on slurm://…` gives what a local run gives, cancel works,
//! and failures come back with their reason.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::Duration;

use common::slurm::Slurm;
use panorama::auth::Secret;
use panorama::workflow::slurm::{Cluster, JobSpec, JobState, SlurmError};
use tokio_util::sync::CancellationToken;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/workflows/normalise_and_sum.json")
}

#[test]
fn workflows_run_on_a_real_slurm_cluster() {
    // The identity provider's signing keys, given to the cluster.
    let op = common::oidc::start_op(&[("OP_SLURM", "1")]);
    let keys = tempfile::tempdir().expect("tmp");
    let jwks = keys.path().join("jwks.json");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let body = reqwest::blocking::get(format!("{}/jwks", op.url))
        .and_then(reqwest::blocking::Response::text)
        .expect("the provider's keys");
    std::fs::write(&jwks, body).expect("write");
    let slurm = Slurm::start(&jwks);
    let url = slurm.get("SLURM_REST_URL").replace("http://", "slurm://");
    let user = slurm.get("SLURM_REST_USER");
    let token = slurm.get("SLURM_REST_TOKEN");
    let jobs = PathBuf::from(slurm.get("SLURM_JOB_DIR"));
    let home = tempfile::tempdir().expect("home");
    let bin = env!("CARGO_BIN_EXE_panorama");

    // `panorama run FILE --json --out OUT` with more arguments.
    let run_file = |file: &Path, extra: &[&str], out: &Path| {
        Process::new(bin)
            .arg("run")
            .arg(file)
            .args(["--json", "--out"])
            .arg(out)
            .args(extra)
            .env("PANORAMA_HOME", home.path())
            .env("SLURM_JWT", &token)
            .output()
            .expect("run")
    };
    let jobs_dir = jobs.display().to_string();
    let on_cluster = [
        "--on",
        url.as_str(),
        "--shared-dir",
        jobs_dir.as_str(),
        "--slurm-user",
        user.as_str(),
        "--remote-panorama",
        bin,
    ];
    // The same workflow, with a changed parameter, locally and on the cluster.
    let run = |extra: &[&str], out: &Path| {
        let mut args = vec!["--set", "2.value=2"];
        args.extend_from_slice(extra);
        run_file(&example(), &args, out)
    };
    let local_dir = tempfile::tempdir().expect("out");
    let local = run(&[], local_dir.path());
    assert!(
        local.status.success(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );
    let remote_dir = tempfile::tempdir().expect("out");
    let remote = run(&on_cluster, remote_dir.path());
    let log = String::from_utf8_lossy(&remote.stderr);
    assert!(remote.status.success(), "{log}");
    assert!(
        log.contains("submitted") && log.contains(": completed"),
        "{log}"
    );
    let json = |b: &[u8]| -> serde_json::Value { serde_json::from_slice(b).expect("JSON results") };
    assert_eq!(
        json(&remote.stdout),
        json(&local.stdout),
        "the cluster computes what this computer computes"
    );
    assert_eq!(
        json(&remote.stdout)["values"]["6"],
        serde_json::json!(2474.5)
    );
    // The job's RO-Crate came back with the results.
    assert!(remote_dir.path().join("ro-crate-metadata.json").is_file());
    if let Err(issues) = common::roc_validate(remote_dir.path()) {
        panic!("the cluster run's crate: {issues}");
    }

    // A 2048² result with NaN and infinities: the cluster's results come
    // back in full, bit for bit what this computer computes.
    let data = tempfile::tempdir().expect("data");
    let image = data.path().join("image.h5");
    {
        let mut v: Vec<f64> = (0..2048 * 2048)
            .map(|i| f64::from(i) * 1e-3 - 7.25)
            .collect();
        v[5] = f64::NAN;
        v[2049] = f64::INFINITY;
        v[4_000_000] = f64::NEG_INFINITY;
        let a = ndarray::Array2::from_shape_vec((2048, 2048), v).expect("shape");
        let f = hdf5::File::create(&image).expect("create");
        f.new_dataset_builder()
            .with_data(&a)
            .create("image")
            .expect("dataset");
    }
    let big = data.path().join("big.json");
    std::fs::write(
        &big,
        serde_json::json!({
            "schema_version": 1,
            "name": "Scale a detector image",
            "nodes": [
                {"id": 1, "kind": "read_hdf5", "params": {"file": image.display().to_string(), "path": "/image"}},
                {"id": 2, "kind": "scale", "params": {"factor": 0.1, "offset": 1.0}}
            ],
            "edges": ["1.0 -> 2.0"]
        })
        .to_string(),
    )
    .expect("workflow");
    let run_big = |extra: &[&str], out: &Path| run_file(&big, extra, out);
    let local_big = tempfile::tempdir().expect("out");
    let done = run_big(&[], local_big.path());
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let remote_big = tempfile::tempdir().expect("out");
    let done = run_big(&on_cluster, remote_big.path());
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let read = |dir: &Path| {
        panorama::workflow::batch::read_values(&dir.join(panorama::workflow::batch::RESULTS_H5))
            .expect("the full results")
    };
    let (here, there) = (read(local_big.path()), read(remote_big.path()));
    let bits = |v: &panorama::workflow::value::Value| -> (Vec<usize>, Vec<u64>) {
        match v {
            panorama::workflow::value::Value::Array(a) => {
                (a.shape().to_vec(), a.iter().map(|x| x.to_bits()).collect())
            }
            other => (Vec::new(), vec![other.to_array().sum().to_bits()]),
        }
    };
    let id = panorama::workflow::NodeId(2);
    assert_eq!(
        bits(&there[&id]).0,
        vec![2048, 2048],
        "all 2048² values came back"
    );
    assert_eq!(here.len(), there.len());
    for (id, v) in &here {
        assert!(bits(v) == bits(&there[id]), "node {} differs", id.0);
    }

    let rt = panorama::runtime::Runtime::new().expect("rt");
    let cluster = Cluster::new(&url, &user, Secret::new(token.clone())).expect("cluster");
    rt.block_on(cluster.ping()).expect("ping");

    // Cancel: a long job is cancelled on the cluster.
    let spec = JobSpec {
        name: "long".into(),
        script: "#!/bin/bash\nsleep 300\n".into(),
        workdir: jobs.clone(),
        environment: [("PATH".to_owned(), "/usr/bin:/bin".to_owned())].into(),
        time_limit: Some(10),
    };
    let job = rt.block_on(cluster.submit(&spec)).expect("submit");
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    rt.tasks().handle().spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        c2.cancel();
    });
    let run = panorama::workflow::slurm::RemoteRun {
        job,
        dir: jobs.clone(),
    };
    let followed = rt.block_on(panorama::workflow::slurm::follow(
        &cluster,
        &run,
        &|_| {},
        &cancel,
    ));
    assert!(
        matches!(followed, Err(SlurmError::Cancelled(j)) if j == job),
        "{followed:?}"
    );
    let mut state = JobState::Running;
    for _ in 0..40 {
        state = rt.block_on(cluster.state(job)).expect("state");
        if state.is_final() {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(
        matches!(&state, JobState::Ended { state, .. } if state == "CANCELLED"),
        "{state:?}"
    );

    // A job that fails reports the end of its log.
    let broken = Process::new(bin)
        .arg("run")
        .arg(example())
        .args(["--on", &url, "--shared-dir"])
        .arg(&jobs)
        .args([
            "--slurm-user",
            &user,
            "--remote-panorama",
            "/nonexistent/panorama",
        ])
        .env("PANORAMA_HOME", home.path())
        .env("SLURM_JWT", &token)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(!broken.status.success());
    assert!(
        err.contains("ended FAILED") && err.contains("No such file"),
        "{err}"
    );

    // A wrong token is a sign-in problem, worded as such.
    let forged =
        Cluster::new(&url, &user, Secret::new("eyJhbGciOiJIUzI1NiJ9.e30.forged")).expect("cluster");
    let refused = rt.block_on(forged.submit(&spec));
    assert!(
        matches!(refused, Err(SlurmError::Auth { .. })),
        "{refused:?}"
    );
    assert!(
        refused
            .expect_err("refused")
            .to_string()
            .contains("scontrol token")
    );

    // Signed in with an account of the identity provider: a token for the
    // cluster's audience is asked for, and the cluster accepts it as the user
    // it names.
    let (_book, session) = rt.block_on(common::oidc::sign_in(&op.url, &user));
    let (oidc_token, named) = rt
        .block_on(panorama::workflow::slurm::token_from_account(
            &session,
            "urn:test:api",
        ))
        .expect("a cluster token from the account");
    assert_eq!(named.as_deref(), Some(user.as_str()));
    let by_account = Cluster::new(&url, &user, oidc_token).expect("cluster");
    let quick = JobSpec {
        name: "hello".into(),
        script: "#!/bin/bash\necho hello from $(id -un)\n".into(),
        ..spec.clone()
    };
    let job = rt
        .block_on(by_account.submit(&quick))
        .expect("submitted with the account's token");
    let mut state = JobState::Running;
    for _ in 0..80 {
        state = rt.block_on(by_account.state(job)).expect("state");
        if state.is_final() {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(state, JobState::Completed);
    // An audience the provider does not serve gives no token, in words.
    let wrong = rt.block_on(panorama::workflow::slurm::token_from_account(
        &session,
        "urn:other:cluster",
    ));
    assert!(
        matches!(&wrong, Err(SlurmError::Account { .. })),
        "{wrong:?}"
    );

    // The same from the Workflows tab: settings remembered, token typed in.
    gui_run(&url, &user, &token, &jobs, bin);
}

fn gui_run(url: &str, user: &str, token: &str, jobs: &Path, bin: &str) {
    use common::gui::{settle, window};
    use egui_kittest::kittest::Queryable;
    let home = tempfile::tempdir().expect("home");
    let mut h = window(home.path(), 1300.0, 900.0);
    h.state_mut().state_mut().workflow.cluster = panorama::state::workflow::ClusterSettings {
        address: url.into(),
        user: user.into(),
        shared_dir: jobs.display().to_string(),
        panorama: bin.into(),
        ..Default::default()
    };
    h.run_steps(4);
    h.get_by_label("Workflows").click();
    h.run_steps(2);
    h.state_mut()
        .state_mut()
        .apply(panorama::command::WorkflowCommand::OpenWorkflow(example()));
    h.run_steps(4);
    h.get_by_label("Run on cluster…").click();
    h.run_steps(3);
    h.get_by_label("Token").focus();
    h.run_steps(2);
    h.event(egui::Event::Text(token.into()));
    h.run_steps(2);
    h.get_by_label("Submit").click();
    h.run_steps(2);
    let t0 = std::time::Instant::now();
    while h.state().state().workflow.remote_running() {
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "the cluster run did not end"
        );
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(100));
    }
    settle(&mut h);
    h.get_by_label_contains("completed; results below");
    h.get_by_label("= 1212");
    // The token is not kept anywhere on disk.
    for entry in walk(home.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(token),
            "{} holds the token",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
