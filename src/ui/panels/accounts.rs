//! Signed-in accounts and what each one is used for; signing in through the
//! browser or with a code on another device (with a QR code), and out again.

use crate::auth::{Account, LoginRequest};
use crate::command::AccountsCommand;
use crate::command::Command;
use crate::state::AppState;
use crate::state::accounts::DeviceCode;

/// Identity providers research facilities federate through. Their client id
/// for Panorama is whatever the provider registered; the field stays editable.
const KNOWN_ISSUERS: [(&str, &str); 3] = [
    ("Helmholtz ID", "https://login.helmholtz.de/oauth2"),
    ("EGI Check-in", "https://aai.egi.eu/auth/realms/egi"),
    ("UmbrellaID", "https://umbrellaid.org/auth/realms/umbrella"),
];

/// The sign-in form.
#[derive(Default)]
pub struct AccountsUi {
    issuer: String,
    client_id: String,
    scopes: String,
    device: bool,
}

pub fn ui(ui: &mut egui::Ui, state: &AppState, s: &mut AccountsUi, out: &mut Vec<Command>) {
    let acc = &state.accounts;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.heading("Accounts");
            ui.label(
                "Open data needs no account. Sign in with your facility's identity provider \
                 to see embargoed data, read protected files and publish.",
            );
            if let Some(e) = &acc.book_error {
                ui.colored_label(ui.visuals().error_fg_color, e);
                return;
            }
            ui.add_space(8.0);
            if acc.list.is_empty() {
                ui.weak(
                    "Not signed in. Public catalogues and the demo data need no account; sign in \
                     below to reach a SciCat, data under embargo, or to publish.",
                );
            }
            for account in &acc.list {
                account_card(ui, state, account, out);
                ui.add_space(6.0);
            }
            ui.add_space(8.0);
            ui.separator();
            match &acc.signing_in {
                Some(p) => waiting(ui, &p.request, p.browser_url(), p.device_code(), out),
                None => sign_in_form(ui, s, acc.last_error.as_deref(), out),
            }
            if !acc.list.is_empty() {
                ui.add_space(12.0);
                ui.weak(format!("Refresh tokens are kept in: {}", acc.keyring()));
            }
        });
}

fn used_by(state: &AppState, account: &Account) -> Vec<String> {
    state
        .search
        .sources
        .iter()
        .filter(|s| s.account.as_deref() == Some(account.id.as_str()))
        .map(|s| s.name.clone())
        .collect()
}

fn account_card(ui: &mut egui::Ui, state: &AppState, a: &Account, out: &mut Vec<Command>) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width().min(720.0));
        ui.horizontal(|ui| {
            crate::ui::report::named(ui.strong(&a.display_name), &format!("account:{}", a.id));
            ui.weak(&a.id);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if state.accounts.is_signing_out(&a.id) {
                    ui.spinner();
                } else if ui
                    .button("Sign out")
                    .on_hover_text("Revoke this account's tokens and forget them")
                    .clicked()
                {
                    out.push(AccountsCommand::SignOut(a.id.clone()).into());
                }
            });
        });
        egui::Grid::new(("account", &a.id))
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                ui.weak("Issuer");
                ui.monospace(&a.issuer);
                ui.end_row();
                if let Some(e) = &a.email {
                    ui.weak("E-mail");
                    ui.label(e);
                    ui.end_row();
                }
                ui.weak("Scopes");
                ui.label(a.scopes.join(" "));
                ui.end_row();
                ui.weak("Access token");
                ui.label(match state.accounts.expires_at(&a.id) {
                    Some(exp) => expiry_text(exp - chrono_now()),
                    None => "fetched when first needed".to_owned(),
                });
                ui.end_row();
                ui.weak("Sign-in");
                ui.label(if a.remembered {
                    "kept in the keyring; tokens are refreshed when needed"
                } else {
                    "until Panorama quits (no keyring)"
                });
                ui.end_row();
                ui.weak("Used by");
                let users = used_by(state, a);
                if users.is_empty() {
                    ui.label("no source yet: bind one in Search, Sources…");
                } else {
                    ui.label(users.join(", "));
                }
                ui.end_row();
            });
        if !a.entitlements.is_empty() {
            let header =
                egui::CollapsingHeader::new(format!("Entitlements ({})", a.entitlements.len()))
                    .id_salt(("entitlements", &a.id))
                    .show(ui, |ui| {
                        for e in &a.entitlements {
                            ui.monospace(e);
                        }
                    });
            crate::ui::report::named(header.header_response, "header:Entitlements");
        }
    });
}

fn sign_in_form(
    ui: &mut egui::Ui,
    s: &mut AccountsUi,
    last_error: Option<&str>,
    out: &mut Vec<Command>,
) {
    ui.strong("Sign in with your institution");
    egui::Grid::new("sign-in")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label("Identity provider");
            ui.horizontal(|ui| {
                crate::ui::report::named(
                    ui.add(
                        egui::TextEdit::singleline(&mut s.issuer)
                            .hint_text("https://login.example.org (issuer URL)")
                            .desired_width((ui.available_width() - 110.0).clamp(120.0, 320.0)),
                    ),
                    "field:issuer",
                );
                egui::ComboBox::from_id_salt("known-issuers")
                    .selected_text("Known…")
                    .show_ui(ui, |ui| {
                        for (name, url) in KNOWN_ISSUERS {
                            if ui.selectable_label(s.issuer == url, name).clicked() {
                                url.clone_into(&mut s.issuer);
                            }
                        }
                    });
            });
            ui.end_row();
            ui.label("Client id");
            crate::ui::report::named(
                ui.add(
                    egui::TextEdit::singleline(&mut s.client_id)
                        .hint_text("as registered for Panorama (remembered per provider)")
                        .desired_width(ui.available_width().clamp(120.0, 320.0)),
                ),
                "field:client id",
            );
            ui.end_row();
            ui.label("Scopes");
            ui.add(
                egui::TextEdit::singleline(&mut s.scopes)
                    .hint_text(crate::auth::flow::DEFAULT_SCOPES.join(" "))
                    .desired_width(ui.available_width().clamp(120.0, 320.0)),
            );
            ui.end_row();
            ui.label("");
            crate::ui::report::named(
                ui.checkbox(
                    &mut s.device,
                    "Use a code on another device (no browser on this computer)",
                ),
                "checkbox:device code",
            );
            ui.end_row();
        });
    let issuer = s.issuer.trim();
    let valid = crate::net::is_web_url(issuer);
    if !issuer.is_empty() && !valid {
        ui.colored_label(
            ui.visuals().error_fg_color,
            "The identity provider is an http(s) address.",
        );
    }
    if crate::ui::report::named(
        ui.add_enabled(valid, egui::Button::new("Sign in")),
        "button:Sign in",
    )
    .clicked()
    {
        out.push(
            AccountsCommand::SignIn(LoginRequest {
                issuer: issuer.to_owned(),
                client_id: Some(s.client_id.trim().to_owned()).filter(|c| !c.is_empty()),
                scopes: s.scopes.split_whitespace().map(str::to_owned).collect(),
                device: s.device,
            })
            .into(),
        );
    }
    if let Some(e) = last_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

fn waiting(
    ui: &mut egui::Ui,
    request: &LoginRequest,
    url: Option<String>,
    code: Option<DeviceCode>,
    out: &mut Vec<Command>,
) {
    ui.strong(format!("Signing in at {}", request.issuer));
    match (&code, &url) {
        (Some(code), _) => {
            ui.label("On any device, open");
            ui.hyperlink(&code.verification_uri);
            ui.label("and enter this code:");
            let shown = ui.label(
                egui::RichText::new(&code.user_code)
                    .monospace()
                    .size(28.0)
                    .strong(),
            );
            // What the screen shows, for a test that approves the code.
            crate::ui::report::widget(
                ui.ctx(),
                &format!("device page:{}", code.verification_uri),
                shown.rect,
            );
            crate::ui::report::named(shown, &format!("device code:{}", code.user_code));
            ui.label("or scan:");
            qr_code(ui, &code.page);
            let left = code
                .expires_at
                .saturating_duration_since(std::time::Instant::now())
                .as_secs();
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "Waiting for approval (the code expires in {} min)",
                    left.div_ceil(60)
                ));
            });
        }
        (None, Some(url)) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Waiting for the browser. Finish signing in there.");
            });
            if ui
                .link("Open the sign-in page again")
                .on_hover_text("If no browser window appeared")
                .clicked()
            {
                let _ = crate::auth::open_in_browser(url);
            }
        }
        (None, None) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Contacting the identity provider…");
            });
        }
    }
    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
        out.push(AccountsCommand::CancelSignIn.into());
    }
}

/// Paint a QR code of `text` as squares (dark on a light quiet zone).
fn qr_code(ui: &mut egui::Ui, text: &str) {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return;
    };
    let width = code.width();
    let colors = code.to_colors();
    let module = 4.0;
    let quiet = 4.0 * module;
    let side = width as f32 * module + 2.0 * quiet;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::WidgetType::Image, true, "QR code of the sign-in page")
    });
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, egui::Color32::WHITE);
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = ((i % width) as f32, (i / width) as f32);
            let min = rect.min + egui::vec2(quiet + x * module, quiet + y * module);
            painter.rect_filled(
                egui::Rect::from_min_size(min, egui::vec2(module, module)),
                0.0,
                egui::Color32::BLACK,
            );
        }
    }
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// "valid for about 1 hour", "valid for 12 min", "expired; renewed on next use".
fn expiry_text(left_s: i64) -> String {
    match left_s {
        ..=0 => "expired; renewed on next use".to_owned(),
        1..=59 => "valid for less than a minute; renewed on next use".to_owned(),
        60..=3299 => format!("valid for {} min", left_s / 60),
        3300..=5399 => "valid for about 1 hour".to_owned(),
        _ => format!("valid for about {} hours", (left_s + 1800) / 3600),
    }
}
