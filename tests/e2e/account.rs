//! The door, in the real window: a customer registers with its contract
//! data, reads the e-mailed temporary password, logs in and chooses the
//! definitive password; a forgotten password is reset by e-mail address and
//! code; a login locked by wrong passwords is recovered with the contract
//! data; a second device's session is ended from the first, then every
//! session; the authenticator app is turned on and asked at the next login.
//! Every new page is pictured in Italian and English.

use crate::harness::{click, screenshot, type_into, wait_for, wait_text, wait_text_containing, Harness};
use crate::screens::go;
use crate::{log_in_as, serial, wait_synced};
use sportello_server::demo::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_TAX_CODE, DEMO_USERNAME};
use thirtyfour::prelude::*;

const COMPANY_VAT: &str = "07654320154";
const DEFINITIVE: &str = "cipresso in collina 77";

/// The value after "`label`: " in an e-mail's text.
fn line_value(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} in {text}"))
        .trim()
        .to_owned()
}

/// A picture of the page in Italian, then in English, back in Italian.
async fn pictured(driver: &WebDriver, name: &str, title_it: &str, title_en: &str) {
    wait_text(driver, "h1", title_it).await;
    screenshot(driver, &format!("{name}-it")).await;
    click(driver, "[data-testid=lang-en]").await;
    wait_text(driver, "h1", title_en).await;
    screenshot(driver, &format!("{name}-en")).await;
    click(driver, "[data-testid=lang-it]").await;
    wait_text(driver, "h1", title_it).await;
}

async fn fill_contract(driver: &WebDriver, contract_no: &str, module_no: &str, tax_code: &str) {
    type_into(driver, "#account-contract_no", contract_no).await;
    type_into(driver, "#account-module_no", module_no).await;
    type_into(driver, "#account-tax_code", tax_code).await;
}

/// The status of a login's first step over HTTP, as another device would try it.
async fn login_status(h: &Harness, username: &str, password: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", h.server_url))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

/// Logs in with a password that the server refuses; returns the error's code.
async fn attempt_login(driver: &WebDriver, username: &str, password: &str) -> String {
    type_into(driver, "#username", username).await;
    type_into(driver, "#password", password).await;
    click(driver, "[data-testid=login-submit]").await;
    // The fields are disabled from the click until the answer is shown.
    wait_for(driver, "#password:not([disabled])").await;
    let error = wait_for(driver, "[data-testid=login-error]").await;
    error.attr("data-code").await.unwrap().unwrap_or_default()
}

async fn choose_new_password(driver: &WebDriver, password: &str) {
    type_into(driver, "#new-password", password).await;
    type_into(driver, "#confirm-password", password).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_registers_by_contract_and_the_first_access_sets_the_definitive_password() {
    let _serial = serial().await;
    let h = Harness::start().await;
    h.add_customer("30001", "company", COMPANY_VAT, "55501").await;
    let driver = h.launch().await;
    wait_for(&driver, "[data-testid=register-link]").await;
    screenshot(&driver, "login-links-it").await;

    click(&driver, "[data-testid=register-link]").await;
    pictured(&driver, "register", "Registrati", "Register").await;
    fill_contract(&driver, "55501", "1", COMPANY_VAT).await;
    type_into(&driver, "#register-email", "ufficio@ferramentabianchi.example").await;
    click(&driver, "[data-testid=register-submit]").await;
    wait_text(
        &driver,
        "[data-testid=pec-required]",
        "Per una società serve un indirizzo PEC.",
    )
    .await;

    type_into(&driver, "#register-email", "ufficio@pec.ferramentabianchi.example").await;
    click(&driver, "[data-testid=register-submit]").await;
    wait_text(
        &driver,
        "[data-testid=register-done]",
        "Abbiamo inviato a u***@pec.ferramentabianchi.example il nome utente e una password temporanea. \
         Accedi con questi dati: al primo accesso sceglierai la password definitiva.",
    )
    .await;
    screenshot(&driver, "register-done-it").await;

    // The same contract again within the hour: the wait is explained.
    click(&driver, "[data-testid=register-to-login]").await;
    let mail = h.latest_mail().await;
    let (username, temporary) = (
        line_value(&mail, "Nome utente"),
        line_value(&mail, "Password temporanea"),
    );
    assert_eq!(username, "30001");
    click(&driver, "[data-testid=register-link]").await;
    fill_contract(&driver, "55501", "1", COMPANY_VAT).await;
    type_into(&driver, "#register-email", "altro@pec.ferramentabianchi.example").await;
    click(&driver, "[data-testid=register-submit]").await;
    let refused = wait_for(&driver, "[data-testid=register-error]").await;
    assert_eq!(
        refused.attr("data-code").await.unwrap().as_deref(),
        Some("registration_pending")
    );
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("potrai ripetere la registrazione tra 60 minuti"));
    click(&driver, "[data-testid=back-to-login]").await;

    // First access: the temporary password leads straight to the definitive one.
    log_in_as(&h, &driver, &username, &temporary).await;
    wait_for(&driver, "[data-testid=change-password]").await;
    pictured(
        &driver,
        "first-access",
        "Scegli la password definitiva",
        "Choose your definitive password",
    )
    .await;
    type_into(&driver, "#current-password", "not the temporary one").await;
    choose_new_password(&driver, DEFINITIVE).await;
    click(&driver, "[data-testid=change-password-submit]").await;
    wait_text(
        &driver,
        "[data-testid=current-password-wrong]",
        "La password temporanea non è corretta.",
    )
    .await;

    type_into(&driver, "#current-password", &temporary).await;
    click(&driver, "[data-testid=change-password-submit]").await;
    wait_synced(&driver).await;
    wait_for(&driver, "[data-testid=overdue-total]").await;

    // The definitive password is the one that logs in now; the temporary one no longer does.
    assert!(login_status(&h, "30001", DEFINITIVE).await.is_success());
    assert_eq!(
        login_status(&h, "30001", &temporary).await,
        reqwest::StatusCode::UNAUTHORIZED
    );
    driver.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forgotten_password_is_reset_by_e_mail_and_a_locked_login_is_recovered_with_the_contract() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let driver = h.launch().await;

    // "Password dimenticata?" with the account's PEC address.
    wait_for(&driver, "[data-testid=forgot-link]").await;
    click(&driver, "[data-testid=forgot-link]").await;
    pictured(&driver, "forgot", "Password dimenticata", "Forgotten password").await;
    type_into(&driver, "#forgot-who", DEMO_EMAIL).await;
    click(&driver, "[data-testid=forgot-submit]").await;
    wait_for(&driver, "[data-testid=reset-code-form]").await;
    pictured(
        &driver,
        "reset-code",
        "Scegli la nuova password",
        "Choose a new password",
    )
    .await;
    let code = h.latest_code().await;
    type_into(&driver, "#reset-code", &code).await;
    choose_new_password(&driver, DEFINITIVE).await;
    click(&driver, "[data-testid=reset-code-submit]").await;
    wait_text(
        &driver,
        "[data-testid=login-info]",
        "Password salvata: accedi con la nuova password.",
    )
    .await;

    // Three wrong passwords pause the login; the next attempt, even with the
    // right password, is told how long to wait and how to recover at once.
    for _ in 0..3 {
        assert_eq!(
            attempt_login(&driver, DEMO_USERNAME, "una password sbagliata").await,
            "invalid_credentials"
        );
    }
    assert_eq!(attempt_login(&driver, DEMO_USERNAME, DEFINITIVE).await, "rate_limited");
    wait_text(
        &driver,
        "[data-testid=login-error]",
        "Troppi tentativi: riprova tra 1 minuto.",
    )
    .await;
    wait_for(&driver, "[data-testid=login-paused-hint]").await;
    screenshot(&driver, "login-paused-it").await;

    // "Login bloccata?": the contract data; the answer names no address.
    click(&driver, "[data-testid=locked-link]").await;
    pictured(&driver, "recover", "Login bloccata", "Login locked").await;
    fill_contract(&driver, "84963", "1", "0123456058X").await;
    click(&driver, "[data-testid=recover-submit]").await;
    wait_text(
        &driver,
        "[data-testid=tax-code-refused]",
        "Codice fiscale o partita IVA non valido.",
    )
    .await;
    type_into(&driver, "#account-tax_code", DEMO_TAX_CODE).await;
    click(&driver, "[data-testid=recover-submit]").await;
    wait_text(
        &driver,
        "[data-testid=reset-sent]",
        "Se i dati corrispondono a un account, abbiamo inviato all’indirizzo registrato un codice di 6 cifre e un link.",
    )
    .await;
    let mail = h.latest_mail().await;
    assert!(
        mail.contains(DEMO_USERNAME),
        "the recovery e-mail names the username: {mail}"
    );
    type_into(&driver, "#reset-code", &h.latest_code().await).await;
    choose_new_password(&driver, "lampione sul Naviglio 1987").await;
    click(&driver, "[data-testid=reset-code-submit]").await;
    wait_for(&driver, "[data-testid=login-info]").await;

    // The lock is lifted: the new password opens the home page.
    log_in_as(&h, &driver, DEMO_USERNAME, "lampione sul Naviglio 1987").await;
    wait_synced(&driver).await;
    wait_for(&driver, "[data-testid=overdue-total]").await;
    driver.quit().await.unwrap();
}

/// The demo user logged in over HTTP from another device; its refresh token.
async fn log_in_elsewhere(h: &Harness, device: &str) -> String {
    let http = reqwest::Client::new();
    let challenge: serde_json::Value = http
        .post(format!("{}/api/v1/auth/login", h.server_url))
        .json(&serde_json::json!({ "username": DEMO_USERNAME, "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = h.latest_code().await;
    let tokens: serde_json::Value = http
        .post(format!("{}/api/v1/auth/verify", h.server_url))
        .header("X-Device-Name", device)
        .json(&serde_json::json!({ "challenge_id": challenge["challenge_id"], "code": code }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["refresh_token"].as_str().unwrap().to_owned()
}

async fn refresh_status(h: &Harness, refresh_token: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{}/api/v1/auth/refresh", h.server_url))
        .json(&serde_json::json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_device_is_logged_out_from_the_first_and_then_every_device() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let driver = h.launch().await;
    log_in_as(&h, &driver, DEMO_USERNAME, DEMO_PASSWORD).await;
    wait_synced(&driver).await;
    let laptop = log_in_elsewhere(&h, "Portatile di Mario").await;

    go(&driver, "profile").await;

    // E6: a consent given in the window is dated there and kept on the server.
    wait_text(
        &driver,
        "[data-testid=consent-marketing-state]",
        "Consenso mai espresso.",
    )
    .await;
    click(&driver, "[data-testid=consent-marketing-switch]").await;
    let state = wait_for(&driver, "[data-testid=consent-marketing-state]").await;
    for _ in 0..100 {
        if state.text().await.unwrap().starts_with("Consenso dato il ") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(state.text().await.unwrap().starts_with("Consenso dato il "));
    let user = h.state().store.user_by_username(DEMO_USERNAME).await.unwrap().unwrap();
    let history = h.state().store.consent_history(user.id, 10).await.unwrap();
    assert_eq!(
        history.iter().map(|c| (c.kind.as_str(), c.granted)).collect::<Vec<_>>(),
        [("marketing", 1)]
    );
    scroll_into_view(&driver, "[data-testid=privacy-card]").await;
    screenshot(&driver, "privacy-it").await;

    wait_for(&driver, "[data-testid=session-row]:nth-child(2)").await;
    wait_text(
        &driver,
        "[data-testid=session-row][data-current=false] td",
        "Portatile di Mario",
    )
    .await;
    let this = wait_for(&driver, "[data-testid=session-row][data-current=true] td").await;
    assert!(this.text().await.unwrap().contains("Questo dispositivo"));
    scroll_into_view(&driver, "[data-testid=sessions-card]").await;
    screenshot(&driver, "sessions-it").await;
    click(&driver, "[data-testid=lang-en]").await;
    wait_text(&driver, "#sessions-title", "Sessions and devices").await;
    screenshot(&driver, "sessions-en").await;
    click(&driver, "[data-testid=lang-it]").await;

    // "Log out that device": the laptop's session ends on the server at once.
    click(
        &driver,
        "[data-testid=session-row][data-current=false] [data-testid=session-end]",
    )
    .await;
    wait_for(&driver, "[data-testid=session-ended]").await;
    assert_eq!(
        driver
            .find_all(By::Css("[data-testid=session-row]"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(refresh_status(&h, &laptop).await, reqwest::StatusCode::UNAUTHORIZED);

    // "Log out everywhere", confirmed: this window goes back to the login page.
    click(&driver, "[data-testid=sessions-end-all]").await;
    click(&driver, "[data-testid=sessions-end-all-confirm]").await;
    wait_for(&driver, "#username").await;
    assert_eq!(h.keyring_token(), None, "the keyring holds no session any more");
    driver.quit().await.unwrap();
}

async fn scroll_into_view(driver: &WebDriver, css: &str) {
    let element = wait_for(driver, css).await;
    driver
        .execute(
            "arguments[0].scrollIntoView({block: 'start'});",
            vec![element.to_json().unwrap()],
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_customer_registers_by_category_and_the_approval_reaches_the_window() {
    use sportello_server::{accounts, audit::Origin};
    let _serial = serial().await;
    let h = Harness::start().await;
    let driver = h.launch().await;
    click(&driver, "[data-testid=register-link]").await;
    click(&driver, "[data-testid=register-mode-category]").await;
    wait_for(&driver, "[data-testid=category-form]").await;
    pictured(&driver, "register-category", "Registrati", "Register").await;

    click(&driver, "[data-testid=category-professional]").await;
    type_into(&driver, "#reg-name", "Giulia Verdi").await;
    type_into(&driver, "#reg-tax-code", "VRDGLI85M41L736X").await;
    type_into(&driver, "#reg-email", "giulia.verdi@example.it").await;
    type_into(&driver, "#b-street", "Via Garibaldi 3").await;
    type_into(&driver, "#b-postcode", "31100").await;
    type_into(&driver, "#b-city", "Treviso").await;
    type_into(&driver, "#b-province", "TV").await;
    click(&driver, "[data-testid=category-submit]").await;
    let refused = wait_for(&driver, "[data-testid=reg-tax-code-error]").await;
    let tax_code_problem = refused.attr("data-problem").await.unwrap();
    assert_eq!(
        tax_code_problem.as_deref(),
        Some("invalid"),
        "a made-up tax code is refused on its field"
    );
    type_into(&driver, "#reg-tax-code", "RSSMRA80A01H501U").await;
    click(&driver, "[data-testid=category-submit]").await;
    wait_text(&driver, "h1", "Registrazione ricevuta").await;
    screenshot(&driver, "register-pending-it").await;
    assert!(
        h.latest_mail().await.contains("Giulia Verdi"),
        "the registration is acknowledged by e-mail"
    );

    // An operator approves it: the credentials arrive by e-mail, the notice in the window.
    let pending = h.state().store.pending_registrations(0, 10).await.unwrap();
    // As the command line does: one unit, so the credentials commit with the decision.
    let cli = Origin::cli();
    let approve = accounts::decide_registration(h.state(), &cli, pending[0].id, true);
    sportello_server::store::unit::scope(None, approve).await.0.unwrap();
    let mail = h.latest_mail().await;
    let (username, temporary) = (
        line_value(&mail, "Nome utente"),
        line_value(&mail, "Password temporanea"),
    );
    click(&driver, "[data-testid=register-to-login]").await;
    log_in_as(&h, &driver, &username, &temporary).await;
    wait_for(&driver, "[data-testid=change-password]").await;
    type_into(&driver, "#current-password", &temporary).await;
    choose_new_password(&driver, DEFINITIVE).await;
    click(&driver, "[data-testid=change-password-submit]").await;
    wait_synced(&driver).await;
    click(&driver, "[data-testid=bell]").await;
    let newest = wait_for(&driver, "[data-testid=notification] button").await;
    let subject = newest.attr("title").await.unwrap().unwrap_or_default();
    assert!(subject.ends_with("Registrazione approvata"), "{subject}");
    driver.quit().await.unwrap();
}

/// The code an authenticator app holding `secret` (as the window shows it)
/// displays `ahead` steps from now.
fn app_code(secret: &str, ahead: i64) -> String {
    let secret = sportello_domain::totp::decode_secret(secret).expect("the window shows a base32 key");
    let now = chrono::Utc::now().timestamp();
    sportello_domain::totp::code_at(&secret, now + ahead * sportello_domain::totp::STEP_SECS)
}

/// A4 with an authenticator: turned on from the profile (password, QR code
/// and key, first code, recovery codes), then asked at the next login in
/// place of the e-mailed code, with a code computed here as a phone would.
#[tokio::test(flavor = "multi_thread")]
async fn the_authenticator_is_turned_on_from_the_profile_and_asked_at_the_next_login() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let driver = h.launch().await;
    log_in_as(&h, &driver, DEMO_USERNAME, DEMO_PASSWORD).await;
    wait_synced(&driver).await;
    go(&driver, "profile").await;
    scroll_into_view(&driver, "[data-testid=totp-card]").await;
    wait_for(&driver, "[data-testid=totp-off]").await;
    click(&driver, "[data-testid=totp-start]").await;
    type_into(&driver, "#totp-password", "not my password").await;
    click(&driver, "[data-testid=totp-continue]").await;
    wait_text(
        &driver,
        "[data-testid=totp-password-error]",
        "La password non è corretta.",
    )
    .await;
    type_into(&driver, "#totp-password", DEMO_PASSWORD).await;
    click(&driver, "[data-testid=totp-continue]").await;

    wait_for(&driver, "[data-testid=totp-qr] path").await;
    let secret = wait_for(&driver, "[data-testid=totp-secret]")
        .await
        .text()
        .await
        .unwrap();
    scroll_into_view(&driver, "[data-testid=totp-card]").await;
    screenshot(&driver, "totp-scan-it").await;
    click(&driver, "[data-testid=lang-en]").await;
    wait_text(&driver, "#totp-title", "Two-step verification").await;
    screenshot(&driver, "totp-scan-en").await;
    click(&driver, "[data-testid=lang-it]").await;
    wait_text(&driver, "#totp-title", "Verifica in due passaggi").await;

    type_into(&driver, "#totp-code", &app_code(&secret, 0)).await;
    click(&driver, "[data-testid=totp-enable]").await;
    wait_for(&driver, "[data-testid=totp-codes] li").await;
    let mut recovery = Vec::new();
    for item in driver.find_all(By::Css("[data-testid=totp-codes] li")).await.unwrap() {
        recovery.push(item.text().await.unwrap().trim().to_owned());
    }
    assert_eq!(recovery.len(), 10, "{recovery:?}");
    scroll_into_view(&driver, "[data-testid=totp-card]").await;
    screenshot(&driver, "totp-codes-it").await;
    click(&driver, "[data-testid=totp-saved]").await;
    wait_text_containing(&driver, "[data-testid=totp-on]", "Attiva dal").await;
    assert!(h.latest_mail().await.contains("è stata attivata"), "the owner is told");

    click(&driver, "[data-testid=logout]").await;
    click(&driver, "[data-testid=logout-confirm]").await;
    type_into(&driver, "#username", DEMO_USERNAME).await;
    type_into(&driver, "#password", DEMO_PASSWORD).await;
    click(&driver, "[data-testid=login-submit]").await;
    wait_text_containing(&driver, "[data-testid=code-intro]", "app di autenticazione").await;
    pictured(&driver, "code-authenticator", "Codice di accesso", "Access code").await;
    // The app's next code: the enabling one's step is spent.
    type_into(&driver, "#code", &app_code(&secret, 1)).await;
    click(&driver, "[data-testid=code-submit]").await;
    wait_synced(&driver).await;

    // A lost phone: a recovery code, typed in the window, stands in once.
    click(&driver, "[data-testid=logout]").await;
    click(&driver, "[data-testid=logout-confirm]").await;
    type_into(&driver, "#username", DEMO_USERNAME).await;
    type_into(&driver, "#password", DEMO_PASSWORD).await;
    click(&driver, "[data-testid=login-submit]").await;
    click(&driver, "[data-testid=code-switch]").await;
    wait_text_containing(&driver, "[data-testid=code-intro]", "codici di recupero").await;
    screenshot(&driver, "code-recovery-it").await;
    type_into(&driver, "#code", &recovery[0]).await;
    click(&driver, "[data-testid=code-submit]").await;
    wait_synced(&driver).await;
    assert!(
        h.latest_mail().await.contains("ne restano 9"),
        "the owner is told a recovery code was used"
    );
    driver.quit().await.unwrap();
}
