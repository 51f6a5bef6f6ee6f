//! `panorama login | accounts | logout | token`: the sign-in commands, on
//! the same library calls as the Accounts tab.

use std::io::Write;
use std::process::ExitCode;

use crate::auth::{AccountBook, LoginRequest};
use crate::paths::AppDirs;

fn book(dirs: &AppDirs) -> Result<AccountBook, ExitCode> {
    AccountBook::system(dirs).map_err(|e| {
        eprintln!("panorama: {e}");
        ExitCode::FAILURE
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        })
}

/// A QR code of `text` drawn with half-block characters, for terminals.
pub fn qr_text(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
    )
}

/// `panorama login ISSUER`.
pub fn login(
    dirs: &AppDirs,
    issuer: &str,
    client_id: Option<String>,
    scopes: Vec<String>,
    device: bool,
) -> ExitCode {
    let (book, rt) = match (book(dirs), runtime()) {
        (Ok(b), Ok(r)) => (b, r),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    let request = LoginRequest {
        issuer: issuer.to_owned(),
        client_id,
        scopes,
        device,
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let result = rt.block_on(book.sign_in(
        &request,
        |url| {
            eprintln!("Opening your browser to sign in. If it does not open, visit:\n  {url}");
            if let Err(e) = crate::auth::open_in_browser(url) {
                eprintln!("(could not start a browser: {e})");
            }
            eprintln!("Waiting for the browser… (Ctrl+C to cancel)");
            Ok(())
        },
        |code| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "To sign in, open {}\nand enter the code: {}",
                code.verification_uri, code.user_code
            );
            if let Some(qr) = qr_text(code.page()) {
                let _ = writeln!(out, "or scan:\n{qr}");
            }
            let _ = writeln!(
                out,
                "Waiting for approval (the code expires in {} min)…",
                code.expires_in.as_secs().div_ceil(60)
            );
            let _ = out.flush();
        },
        cancel,
    ));
    match result {
        Ok(account) => {
            println!("Signed in as {} ({})", account.id, account.display_name);
            if !account.remembered {
                eprintln!(
                    "Note: no keyring is available, so this sign-in is not kept after this command. `panorama doctor` tells why."
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `panorama accounts`.
pub fn accounts(dirs: &AppDirs, json: bool) -> ExitCode {
    let book = match book(dirs) {
        Ok(b) => b,
        Err(c) => return c,
    };
    let accounts = book.accounts();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&accounts).unwrap_or_else(|_| "[]".into())
        );
        return ExitCode::SUCCESS;
    }
    if accounts.is_empty() {
        println!("No accounts. Sign in with `panorama login ISSUER`.");
        return ExitCode::SUCCESS;
    }
    for a in &accounts {
        println!("{}", a.id);
        println!("  name:     {}", a.display_name);
        if let Some(e) = &a.email {
            println!("  e-mail:   {e}");
        }
        println!("  issuer:   {}", a.issuer);
        println!("  scopes:   {}", a.scopes.join(" "));
        for e in &a.entitlements {
            println!("  entitled: {e}");
        }
        println!(
            "  kept:     {}",
            if a.remembered {
                "refresh token in the keyring"
            } else {
                "not kept (no keyring)"
            }
        );
    }
    println!("Keyring: {}", book.vault().describe_settled());
    ExitCode::SUCCESS
}

/// `panorama logout ACCOUNT`.
pub fn logout(dirs: &AppDirs, account: &str) -> ExitCode {
    let (book, rt) = match (book(dirs), runtime()) {
        (Ok(b), Ok(r)) => (b, r),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    match rt.block_on(book.sign_out(account)) {
        Ok(out) => {
            match (&out.revoked, &out.revocation_error) {
                (true, _) => println!("Signed out of {}; its tokens are revoked.", out.account),
                (false, Some(e)) => println!(
                    "Signed out of {} and forgot its tokens. The provider could not revoke them ({e}); they expire on their own.",
                    out.account
                ),
                (false, None) => println!(
                    "Signed out of {} and forgot its tokens (the provider offers no revocation; they expire on their own).",
                    out.account
                ),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `panorama token ACCOUNT`: a fresh access token on stdout, for scripts.
pub fn token(dirs: &AppDirs, account: &str) -> ExitCode {
    let (book, rt) = match (book(dirs), runtime()) {
        (Ok(b), Ok(r)) => (b, r),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    let result = book
        .session(account)
        .and_then(|s| rt.block_on(async { s.token().await }));
    match result {
        Ok(t) => {
            println!("{}", t.expose());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("panorama: {e}");
            ExitCode::FAILURE
        }
    }
}
