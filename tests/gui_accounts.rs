//! The Accounts tab against a real OpenID Provider: fill the form, sign in
//! with a device code (shown with a QR code), approve it in a scripted
//! browser, see the account, bind it to a source, sign out.

mod common;

use common::oidc::{Browser, Choice, start_op};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use panorama::paths::AppDirs;
use panorama::runtime::Runtime;
use panorama::ui::PanoramaApp;

/// The provider's port shows in the account id, so the snapshot needs a fixed one.
const OP_PORT: &str = "39517";

fn step_until(h: &mut Harness<'_, PanoramaApp>, what: &str, done: impl Fn(&PanoramaApp) -> bool) {
    for _ in 0..4000 {
        h.step();
        if done(h.state()) {
            h.run_steps(3);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("{what} never happened");
}

fn type_into(h: &mut Harness<'_, PanoramaApp>, index: usize, text: &str) {
    let field = h
        .get_all_by_role(egui::accesskit::Role::TextInput)
        .nth(index)
        .expect("text field");
    field.focus();
    h.run_steps(2);
    h.event(egui::Event::Text(text.into()));
    h.run_steps(2);
}

#[test]
fn device_sign_in_shows_the_account_and_sign_out_forgets_it() {
    // SAFETY: the only test in this binary sets it before any thread reads it.
    #[allow(unsafe_code)]
    unsafe {
        // Keep the test's tokens out of any real keyring and the snapshot stable.
        std::env::set_var("PANORAMA_KEYRING", "memory");
    }
    let op = start_op(&[("OP_PORT", OP_PORT)]);
    let home = tempfile::tempdir().expect("tmp");
    let dirs = AppDirs::under(home.path());
    let mut h = Harness::builder()
        .with_size([1100.0, 760.0])
        .wgpu()
        .build_eframe(move |cc| {
            PanoramaApp::new(cc.egui_ctx.clone(), Runtime::new().expect("rt"), dirs, None)
        });
    h.run_steps(4);
    h.get_by_label("Accounts").click();
    h.run_steps(4);
    h.get_by_label_contains("Not signed in");

    // Issuer, client id, device flow, Sign in.
    type_into(&mut h, 0, &op.url);
    type_into(&mut h, 1, "test-native");
    h.get_by_label_contains("Use a code on another device")
        .click();
    h.run_steps(2);
    h.get_by_label("Sign in").click();
    step_until(&mut h, "the device code", |app| {
        app.state()
            .accounts
            .signing_in
            .as_ref()
            .is_some_and(|p| p.device_code().is_some())
    });
    let code = h
        .state()
        .state()
        .accounts
        .signing_in
        .as_ref()
        .and_then(panorama::state::accounts::SignInProgress::device_code)
        .expect("code");
    h.get_by_label(&code.user_code);
    h.get_by_label("QR code of the sign-in page");
    // One Cancel in the panel, one on the task in the status bar.
    assert_eq!(h.get_all_by_label("Cancel").count(), 2);

    // The person approves on "another device".
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let (status, page) = rt.block_on(Browser::new().sign_in(
        &code.verification_uri,
        "gina",
        Some(&code.user_code),
        Choice::Approve,
    ));
    assert_eq!(status, 200, "{page}");
    step_until(&mut h, "the sign-in", |app| {
        app.state().accounts.signing_in.is_none() && !app.state().accounts.list.is_empty()
    });
    let id = format!("gina@127.0.0.1:{OP_PORT}");
    h.get_by_label(&id);
    h.get_by_label("Test User gina");
    h.get_by_label_contains("Signed in as Test User gina");

    // Bind it to a source: the card says which sources use it.
    h.state_mut()
        .state_mut()
        .apply(panorama::command::SearchCommand::BindAccount {
            source: "panosc".into(),
            account: Some(id.clone()),
        });
    h.run_steps(4);
    h.get_by_label("PaNOSC");
    h.get_by_label("Entitlements (3)").click();
    h.run_steps(4);
    h.get_by_label("urn:geant:helmholtz.de:group:test-vo#login.helmholtz.de");
    h.snapshot("accounts_signed_in");

    // A file server that checks tokens: first refused, then "Open as" the
    // account in place, and the file opens.
    let data = tempfile::tempdir().expect("data");
    common::h5grove_sample(data.path());
    let mut cmd = std::process::Command::new(common::venv_python());
    cmd.arg(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/h5grove_serve.py"),
    )
    .env("H5_DIR", data.path())
    .env("PORT", "0")
    .env_remove("TOKEN")
    .env("INTROSPECT_URL", format!("{}/token/introspection", op.url))
    .env("INTROSPECT_CLIENT", "test-rs")
    .env("INTROSPECT_SECRET", "test-rs-secret");
    let grove = common::start_peer(cmd, "H5GROVE_READY");
    let url = format!("{}/?file=sample.h5", grove.url);
    h.state_mut()
        .state_mut()
        .apply(panorama::command::DocumentsCommand::OpenUrl(url.clone()));
    step_until(&mut h, "the refusal", |app| {
        app.state().documents.open.iter().any(
            |d| matches!(&d.status, panorama::state::DocStatus::Failed(m) if m.contains("sign in")),
        )
    });
    h.get_by_label(&format!("Open as {id}")).click();
    step_until(&mut h, "the signed-in read", |app| {
        app.state()
            .documents
            .open
            .iter()
            .any(|d| d.location == url && d.status == panorama::state::DocStatus::Ready)
    });
    assert_eq!(
        h.state().state().documents.open.len(),
        1,
        "the failed entry was replaced"
    );

    // Sign out: revoked at the provider, gone from the list.
    h.get_by_label("Sign out").click();
    step_until(&mut h, "the sign-out", |app| {
        app.state().accounts.list.is_empty()
    });
    h.get_by_label_contains("Not signed in");
    h.get_by_label_contains("Signed out of gina@");
}
