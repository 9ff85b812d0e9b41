//! Every screen in the real window against the demo server: the figures
//! shown are the server's, each self-service form refuses bad input and files
//! good input once, a reply lands on its thread, a sub-user is added and
//! deleted, and every section is photographed in both languages and themes.

use super::harness::{
    click, screenshot, type_into, wait_for, wait_gone, wait_text, wait_text_containing, Harness, WAIT,
};
use super::{fit, it_money, log_in, serial, text, value, wait_synced};
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_PASSWORD, DEMO_USERNAME};
use std::path::Path;
use thirtyfour::prelude::*;

/// The server's own answers, through its HTTP API with a session of its own.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
    /// One operator session for the whole run: a second login within the
    /// same 30 s would replay its one-time code, which the server refuses.
    operator: tokio::sync::OnceCell<String>,
}

impl Api {
    async fn log_in(h: &Harness) -> Api {
        let mut api = Api {
            http: reqwest::Client::new(),
            base: format!("{}/api/v1", h.server_url),
            token: String::new(),
            operator: tokio::sync::OnceCell::new(),
        };
        let login = api
            .post(
                "/auth/login",
                json!({"username": DEMO_USERNAME, "password": DEMO_PASSWORD}),
            )
            .await;
        let code = h.latest_code().await;
        let tokens = api
            .post(
                "/auth/verify",
                json!({"challenge_id": login["challenge_id"], "code": code}),
            )
            .await;
        api.token = tokens["access_token"].as_str().unwrap().to_owned();
        api
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    /// A session of the demo's service-desk operator.
    async fn operator(&self) -> String {
        let login = || async {
            let login = sportello_server::testkit::demo_operator_login(&sportello_server::Clock::default());
            let session = self.post("/ops/login", login).await;
            session["access_token"].as_str().unwrap().to_owned()
        };
        self.operator.get_or_init(login).await.clone()
    }

    /// What an operator sends: the answer's JSON, after checking it succeeded.
    async fn as_operator(&self, path: &str, body: reqwest::Body, json: bool) -> Value {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.operator().await);
        if json {
            request = request.header("content-type", "application/json");
        }
        let sent = request.body(body).send().await.unwrap();
        assert!(sent.status().is_success(), "{path}: {}", sent.status());
        sent.json().await.unwrap_or(Value::Null)
    }

    /// A company message to every customer, as an operator sends it.
    async fn broadcast(&self, title: &str, body: &str) {
        let message = json!({"title": title, "body": body}).to_string();
        self.as_operator("/ops/broadcasts", message.into(), true).await;
    }

    async fn count(&self, path: &str) -> usize {
        self.get(path).await["items"].as_array().unwrap().len()
    }
}

/// Sets a control's value as a user's choice would, with the events Svelte listens to.
pub(super) async fn choose(driver: &WebDriver, css: &str, value: &str) {
    wait_for(driver, css).await;
    driver
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event('input', { bubbles: true }));
             el.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap();
}

/// An attribute's value; empty when absent or when the element was just
/// replaced by a new rendering (callers that wait read it again).
pub(super) async fn attr(driver: &WebDriver, css: &str, name: &str) -> String {
    wait_for(driver, css)
        .await
        .attr(name)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Waits until an attribute holds `expected`.
pub(super) async fn wait_attr(driver: &WebDriver, css: &str, name: &str, expected: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let now = attr(driver, css, name).await;
        if now == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} {name}={now:?}, not {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub(super) async fn go(driver: &WebDriver, section: &str) {
    click(driver, &format!("[data-testid=nav-{section}]")).await;
    wait_for(driver, &format!("main[data-section={section}]")).await;
}

pub(super) async fn count(driver: &WebDriver, css: &str) -> usize {
    driver.find_all(By::Css(css)).await.unwrap().len()
}

/// The request codes the server holds for the demo customer, newest first.
async fn request_codes(api: &Api) -> Vec<String> {
    let list = api.get("/requests?limit=100").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

/// The form says it is sent, or, on a machine busy enough that the outbox
/// has not been flushed yet, that it will be: the server is checked after.
async fn form_accepted(driver: &WebDriver) {
    wait_for(driver, "[data-testid=form-sent], [data-testid=form-queued]").await;
}

async fn wait_new_request(api: &Api, before: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let codes = request_codes(api).await;
        if codes.len() > before {
            assert_eq!(codes.len(), before + 1, "filed exactly once");
            return codes;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the request never reached the server"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn lists_match_the_server(driver: &WebDriver, api: &Api) {
    go(driver, "payments").await;
    let schedule = api.count("/schedule?limit=500").await;
    wait_attr(driver, "[data-testid=schedule]", "data-total", &schedule.to_string()).await;
    let home = api.get("/home").await;
    let overdue = home["situation"]["overdue_total"].as_str().unwrap();
    wait_attr(driver, "[data-testid=schedule-overdue-total]", "data-value", overdue).await;
    assert_eq!(
        text(driver, "[data-testid=schedule-overdue-total]").await,
        it_money(overdue.parse().unwrap())
    );
    let drawn = count(driver, "[data-testid=schedule-row]").await;
    assert!(
        drawn > 0 && drawn <= schedule,
        "only the rows in view are drawn ({drawn})"
    );
    // B1: the list opens on the oldest line still owed, not on the last year's.
    let overdue_lines = api.get("/schedule?limit=500&status=overdue").await;
    let oldest = overdue_lines["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["due_on"].as_str().unwrap().parse::<chrono::NaiveDate>().unwrap())
        .min()
        .expect("the demo has an overdue line");
    // The row's whole text, wrapped values included (WebDriver's text is what is painted).
    let first_row = driver
        .execute(
            "return document.querySelector(\"[data-testid=schedule-row][aria-rowindex='2']\").textContent;",
            vec![],
        )
        .await
        .unwrap()
        .json()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        first_row.contains(&oldest.format("%d/%m/%Y").to_string()) && first_row.contains("Scaduto"),
        "the first line is the oldest overdue one: {first_row}"
    );
    choose(driver, "#payments-status", "overdue").await;
    let overdue_rows = api.count("/schedule?limit=500&status=overdue").await;
    wait_attr(
        driver,
        "[data-testid=schedule]",
        "data-total",
        &overdue_rows.to_string(),
    )
    .await;

    an_overdue_line_shows_the_transfer_that_pays_it(driver, api).await;

    go(driver, "invoices").await;
    let to = chrono::Utc::now().date_naive() + chrono::Days::new(366);
    let invoices = api.count(&format!("/invoices?limit=500&to={to}")).await;
    wait_attr(driver, "[data-testid=invoices]", "data-total", &invoices.to_string()).await;

    go(driver, "assets").await;
    let assets = api.count("/assets?limit=500").await;
    wait_attr(driver, "[data-testid=assets]", "data-total", &assets.to_string()).await;

    go(driver, "contracts").await;
    let contract_no = attr(driver, "[data-testid=contract-detail]", "data-contract").await;
    let contracts = api.get("/contracts?limit=100").await;
    let listed = contracts["items"].as_array().unwrap();
    let id = listed.iter().find(|c| c["contract_no"] == json!(contract_no)).unwrap()["id"].clone();
    let detail = api.get(&format!("/contracts/{id}")).await;
    assert_eq!(
        value(&wait_for(driver, "[data-testid=c-outstanding]").await).await,
        detail["outstanding_today"].as_str().unwrap()
    );
    let plan = api.get(&format!("/contracts/{id}/plan?limit=500")).await;
    let rows = plan["items"].as_array().unwrap().len();
    assert_eq!(
        count(driver, "[data-testid=plan-row]").await,
        rows.min(25),
        "25 rows a page"
    );
    if rows > 25 {
        click(driver, "[data-testid=plan-next]").await;
        screenshot(driver, "contract-plan-next-it").await;
        wait_text(
            driver,
            "[data-testid=plan-page]",
            &format!("26 - {} di {rows}", rows.min(50)),
        )
        .await;
    }
    wait_for(driver, "[data-testid=chart-outstanding]").await;
}

/// "Come pagare" on an overdue line: the company's account and the line's
/// reference, and an EPC QR code that a reader decodes from a picture of
/// the window into the same transfer.
async fn an_overdue_line_shows_the_transfer_that_pays_it(driver: &WebDriver, api: &Api) {
    let line = &api.get("/schedule?limit=1&status=overdue").await["items"][0];
    let payee = api.get("/home").await["payee"].clone();
    click(driver, &format!("[data-testid=pay-{}]", line["id"])).await;
    wait_text(driver, "[data-testid=payment-iban]", payee["iban"].as_str().unwrap()).await;
    let due: chrono::NaiveDate = line["due_on"].as_str().unwrap().parse().unwrap();
    let reference = format!(
        "Contratto {} rata {} scadenza {}",
        line["contract_no"].as_str().unwrap(),
        line["installment_no"],
        due.format("%d/%m/%Y")
    );
    assert_eq!(text(driver, "[data-testid=payment-remittance]").await, reference);
    screenshot(driver, "payment-slip-it").await;
    let picture = driver
        .find(By::Css("[data-testid=payment-qr]"))
        .await
        .unwrap()
        .screenshot_as_png()
        .await
        .unwrap();
    let payload = qr_in(&picture);
    let lines: Vec<&str> = payload.split('\n').collect();
    assert_eq!(lines[..4], ["BCD", "002", "1", "SCT"], "{payload}");
    assert_eq!(lines[5], payee["beneficiary"].as_str().unwrap());
    assert_eq!(lines[6], payee["iban"].as_str().unwrap());
    let balance: sportello_domain::Money = line["balance"].as_str().unwrap().parse().unwrap();
    assert_eq!(lines[7], format!("EUR{}", balance.decimal().normalize()));
    assert_eq!(lines[10], reference);
    click(driver, "[data-testid=lang-en]").await;
    wait_text(driver, "[data-testid=payment-slip] h2", "Pay by bank transfer").await;
    screenshot(driver, "payment-slip-en").await;
    click(driver, "[data-testid=lang-it]").await;

    // The transfer made, the customer reports it: the line shows as reported
    // here and the server holds the report until the collection arrives.
    click(driver, "[data-testid=payment-report]").await;
    wait_text_containing(driver, "[data-testid=payment-reported]", "La rata risulta segnalata").await;
    wait_text(driver, &format!("[data-testid=reported-{}]", line["id"]), "Segnalata").await;
    let reported = api
        .get(&format!("/schedule?contract={}&limit=500", line["contract_id"]))
        .await;
    let same = reported["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == line["id"])
        .unwrap();
    assert!(same["reported_at"].is_string(), "{same}");
    screenshot(driver, "payment-reported-it").await;
    click(driver, "[data-testid=payment-slip-close]").await;

    // The overdue total, paid at once: the same account, the total's amount.
    click(driver, "[data-testid=pay-overdue]").await;
    let overdue: sportello_domain::Money = api.get("/home").await["situation"]["overdue_total"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    wait_text(driver, "[data-testid=payment-amount]", &it_money(overdue)).await;
    assert!(text(driver, "[data-testid=payment-remittance]")
        .await
        .starts_with("Saldo scaduto al "));
    click(driver, "[data-testid=payment-slip-close]").await;
}

/// The text of the one QR code in a PNG picture.
fn qr_in(png: &[u8]) -> String {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let luma = |x: usize, y: usize| {
        let at = (y * width + x) * channels;
        let rgb = &pixels[at..at + channels.min(3)];
        (rgb.iter().map(|&v| u32::from(v)).sum::<u32>() / rgb.len() as u32) as u8
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().unwrap().1
}

async fn forms_refuse_bad_input_and_file_good_input_once(driver: &WebDriver, api: &Api) {
    go(driver, "self_service").await;
    let before = request_codes(api).await.len();

    // S1: the check digits are checked as you type; a valid IBAN is filed.
    choose(
        driver,
        "#iban-contract",
        &attr(driver, "#iban-contract option:nth-child(2)", "value").await,
    )
    .await;
    type_into(driver, "#iban-new", "IT52W0306912011000000123456").await;
    wait_attr(
        driver,
        "[data-testid=iban-new-error]",
        "data-problem",
        "iban_check_digits",
    )
    .await;
    type_into(driver, "#iban-new", "IT51W0306912011000000123456").await;
    wait_gone(driver, "[data-testid=iban-new-error]").await;
    click(driver, "[data-testid=iban-submit]").await;
    wait_attr(driver, "[data-testid=iban-effective-error]", "data-problem", "required").await;
    let long: String = "à".repeat(501);
    choose(driver, "#iban-message", &long).await;
    wait_attr(driver, "[data-testid=iban-message-error]", "data-problem", "too_long").await;
    wait_text(driver, "[data-testid=iban-message-count]", "501/500 caratteri").await;
    screenshot(driver, "form-iban-errors-it").await;
    choose(driver, "#iban-message", "Nuovo conto aziendale").await;
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(2);
    type_into(driver, "#iban-effective", &tomorrow.format("%d/%m/%Y").to_string()).await;
    // Bank details ask for the password again (step-up): a wrong one is said on its field.
    click(driver, "[data-testid=iban-submit]").await;
    wait_attr(driver, "[data-testid=iban-password-error]", "data-problem", "required").await;
    type_into(driver, "#iban-password", "not the password").await;
    click(driver, "[data-testid=iban-submit]").await;
    wait_attr(
        driver,
        "[data-testid=iban-password-error]",
        "data-problem",
        "password_wrong",
    )
    .await;
    assert_eq!(
        request_codes(api).await.len(),
        before,
        "nothing filed with a wrong password"
    );
    type_into(driver, "#iban-password", DEMO_PASSWORD).await;
    screenshot(driver, "form-iban-filled-it").await;
    click(driver, "[data-testid=iban-submit]").await;
    form_accepted(driver).await;
    let mut filed = wait_new_request(api, before).await.len();

    // S2: an empty form says what is missing; then it is filed.
    click(driver, "[data-testid=tab-address_change]").await;
    click(driver, "[data-testid=address-submit]").await;
    wait_attr(driver, "[data-testid=address-new-error]", "data-problem", "required").await;
    type_into(driver, "#address-new", "Via Roma 10, 20121 Milano MI").await;
    type_into(driver, "#address-effective", &tomorrow.format("%d/%m/%Y").to_string()).await;
    click(driver, "[data-testid=address-submit]").await;
    form_accepted(driver).await;
    filed = wait_new_request(api, filed).await.len();

    // S3: neither message nor file is refused; a message is enough.
    click(driver, "[data-testid=tab-free]").await;
    choose(
        driver,
        "#free-type",
        &attr(driver, "#free-type option:nth-child(2)", "value").await,
    )
    .await;
    click(driver, "[data-testid=free-submit]").await;
    wait_attr(driver, "[data-testid=free-message-error]", "data-problem", "empty").await;
    type_into(driver, "#free-message", "Vorrei una copia del contratto").await;
    click(driver, "[data-testid=free-submit]").await;
    form_accepted(driver).await;
    filed = wait_new_request(api, filed).await.len();

    // S4: the outstanding principal shows as soon as the contract is chosen.
    click(driver, "[data-testid=tab-early_termination]").await;
    let contract = attr(driver, "#termination-contract option:nth-child(2)", "value").await;
    choose(driver, "#termination-contract", &contract).await;
    let quote = api.get(&format!("/contracts/{contract}/payoff")).await;
    wait_attr(
        driver,
        "[data-testid=payoff-outstanding]",
        "data-value",
        quote["outstanding_principal"].as_str().unwrap(),
    )
    .await;
    click(driver, "[data-testid=termination-submit]").await;
    wait_attr(
        driver,
        "[data-testid=termination-last-error]",
        "data-problem",
        "required",
    )
    .await;
    let last = quote["installments"][0]["number"].to_string();
    choose(driver, "#termination-last", &last).await;
    screenshot(driver, "form-termination-it").await;
    click(driver, "[data-testid=termination-submit]").await;
    form_accepted(driver).await;
    wait_new_request(api, filed).await;
}

async fn a_reply_lands_on_its_thread(driver: &WebDriver, api: &Api) {
    go(driver, "requests").await;
    let codes = request_codes(api).await;
    let deadline = std::time::Instant::now() + WAIT;
    while count(driver, "[data-testid=request-row]").await != codes.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "the list never showed every request"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let demo = codes.iter().find(|c| c.ends_with("-000001")).unwrap();
    click(driver, &format!("[data-testid=request-row][data-code='{demo}'] button")).await;
    wait_for(driver, &format!("[data-testid=request-detail][data-code='{demo}']")).await;
    let before = count(driver, "[data-testid=message]").await;
    type_into(driver, "#reply-message", "Grazie, attendo la copia.").await;
    click(driver, "[data-testid=reply-submit]").await;
    let deadline = std::time::Instant::now() + WAIT;
    while count(driver, "[data-testid=message]").await != before + 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the reply never showed on the thread"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    screenshot(driver, "request-thread-it").await;
}

/// H4: a company message of 4,000 characters reaches the bell, and the
/// messages page shows every character of it, in Italian and English.
async fn a_long_company_message_is_read_in_full(driver: &WebDriver, api: &Api) {
    let paragraph = "Gentile cliente, dal 1° gennaio 2027 cambiano le coordinate bancarie per i bonifici. ";
    let body = format!("{}\n\nCordiali saluti.", paragraph.repeat(46).trim_end());
    assert!((3900..=4000).contains(&body.chars().count()));
    go(driver, "home").await;
    api.broadcast("Nuove coordinate bancarie", &body).await;
    click(driver, "[data-testid=bell]").await;
    let subject = "Sportello Leasing S.p.A. – Nuove coordinate bancarie";
    wait_attr(driver, "[data-testid=notification] button", "title", subject).await;
    screenshot(driver, "bell-it").await;
    click(driver, "[data-testid=all-messages]").await;
    wait_for(driver, "main[data-section=messages]").await;
    wait_text_containing(driver, "[data-testid=messages-item] h2", "Nuove coordinate bancarie").await;
    let first = "[data-testid=messages-item]";
    assert_eq!(attr(driver, first, "data-kind").await, "broadcast");
    assert_eq!(attr(driver, first, "data-read").await, "false");
    let shown = driver
        .execute(
            "const b = document.querySelector('[data-testid=messages-item] [data-testid=message-body]');
             return [b.textContent, b.scrollHeight <= b.clientHeight + 1, b.getBoundingClientRect().width];",
            vec![],
        )
        .await
        .unwrap();
    let shown = shown.json();
    assert!(shown[0].as_str() == Some(body.as_str()), "the whole text, as sent");
    assert_eq!(shown[1], json!(true), "nothing of it clipped");
    screenshot(driver, "messages-it").await;
    click(driver, &format!("{first} [data-testid=message-mark-read]")).await;
    wait_attr(driver, first, "data-read", "true").await;
    choose(driver, "[data-testid=messages-kind]", "desk").await;
    let deadline = std::time::Instant::now() + WAIT;
    while attr(driver, first, "data-kind").await != "desk" {
        assert!(std::time::Instant::now() < deadline, "the filter never applied");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    choose(driver, "[data-testid=messages-kind]", "").await;
    click(driver, "[data-testid=lang-en]").await;
    wait_text_containing(driver, "[data-testid=messages-count]", "messages").await;
    screenshot(driver, "messages-en").await;
    let violations = serious_violations(driver).await;
    click(driver, "[data-testid=lang-it]").await;
    assert!(violations.is_empty(), "accessibility findings: {violations:?}");
}

/// S4: the desk answers the early termination filed above with its payoff
/// figure and statement PDF; the window shows the figure, and the statement
/// opens from the thread and is kept for offline use.
async fn the_desks_payoff_and_statement_open_on_the_request(driver: &WebDriver, api: &Api) {
    let requests = api.get("/requests").await;
    let early = requests["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "early_termination")
        .expect("the early termination filed by the forms")
        .clone();
    let id = early["id"].as_i64().unwrap();
    let detail = api.get(&format!("/requests/{id}")).await;
    let installment = detail["details"]["last_installment_no"].clone();
    let due = detail["details"]["last_installment_due"].clone();
    let pdf = b"%PDF-1.4\n% prospetto di estinzione\n%%EOF\n".to_vec();
    let path = format!("/ops/attachments?name=prospetto.pdf&request_id={id}");
    let file = api.as_operator(&path, pdf.clone().into(), false).await;
    let valid_until = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let reply = json!({
        "body": "Ecco il conteggio di estinzione con il prospetto.",
        "attachment_ids": [file["id"]],
        "payoff": {"amount": "18234.56", "valid_until": valid_until, "installment_no": installment, "installment_due": due},
    });
    let path = format!("/ops/requests/{id}/replies");
    api.as_operator(&path, reply.to_string().into(), true).await;

    let _ = std::fs::remove_dir_all(documents().join("attachments"));
    go(driver, "requests").await;
    let code = early["code"].as_str().unwrap();
    click(driver, &format!("[data-testid=request-row][data-code='{code}'] button")).await;
    wait_text_containing(driver, "[data-testid=payoff-amount]", "18.234,56").await;
    screenshot(driver, "request-payoff-it").await;
    click(driver, "[data-testid=payoff-statement]").await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let kept: Vec<_> = walk(&documents())
            .into_iter()
            .filter(|p| p.to_string_lossy().contains(code) && p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        if let Some(file) = kept.first() {
            assert_eq!(std::fs::read(file).unwrap(), pdf, "the desk's statement, as sent");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the statement was never kept");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    click(driver, "[data-testid=lang-en]").await;
    wait_text_containing(driver, "[data-testid=payoff-answer]", "Early termination payoff").await;
    screenshot(driver, "request-payoff-en").await;
    click(driver, "[data-testid=lang-it]").await;
}

/// C3: a document the company publishes is listed on its contract, opens
/// once downloaded, and opens again with the server down.
async fn a_contract_document_opens_and_then_offline(h: &mut Harness, driver: &WebDriver, api: &Api) {
    let viewer = super::harness::record_viewer("application/pdf");
    let pdf = b"%PDF-1.4\n% documento di sintesi\n%%EOF\n".to_vec();
    let path = "/ops/contract-documents?contract=84963/1&kind=summary&title=Documento%20di%20sintesi&issued_on=2024-05-16&name=sintesi.pdf";
    api.as_operator(path, pdf.clone().into(), false).await;
    go(driver, "contracts").await;
    choose(driver, "#contracts-select", &contract_id(api, "84963").await).await;
    wait_text_containing(driver, "[data-testid=contract-document]", "Documento di sintesi").await;
    click(driver, "[data-testid=link-documents]").await;
    screenshot(driver, "contract-documents-it").await;
    click(driver, "[data-testid=open-document]").await;
    let opened = super::harness::opened_files(&viewer, 1).await;
    assert!(opened[0].contains("/contracts/84963-1-summary-"), "{opened:?}");
    assert_eq!(
        std::fs::read(&opened[0]).unwrap(),
        pdf,
        "the viewer got the published PDF"
    );

    // Offline, the kept copy opens again.
    h.stop_server().await;
    click(driver, "[data-testid=open-document]").await;
    let opened = super::harness::opened_files(&viewer, 2).await;
    assert_eq!(opened[1], opened[0]);
    assert_eq!(count(driver, "[data-testid=contract-documents] [role=alert]").await, 0);
    click(driver, "[data-testid=lang-en]").await;
    wait_text_containing(driver, "[data-testid=contract-documents] h2", "Contract documents").await;
    screenshot(driver, "contract-documents-en").await;
    click(driver, "[data-testid=lang-it]").await;
    h.restart_server().await;
}

/// X5: the header's "?" opens the guide at the screen on view; the search
/// finds an entry by its words, without accents, in either language.
async fn the_guide_opens_at_the_screen_and_finds_by_words(driver: &WebDriver) {
    go(driver, "payments").await;
    click(driver, "[data-testid=screen-help]").await;
    wait_attr(driver, "[data-testid=guide-page]", "data-topic", "payments").await;
    wait_text_containing(driver, "[data-testid=guide-page]", "Ho fatto il bonifico: segnalalo").await;
    screenshot(driver, "help-guide-payments-it").await;
    type_into(driver, "[data-testid=guide-search]", "modalita pagamento").await;
    wait_text_containing(driver, "[data-testid=guide-results]", "Causale e modalità di pagamento").await;
    screenshot(driver, "help-guide-search-it").await;
    click(driver, "[data-testid=lang-en]").await;
    type_into(driver, "[data-testid=guide-search]", "subscription renewal").await;
    wait_text_containing(
        driver,
        "[data-testid=guide-results]",
        "Subscription: expiry and renewal",
    )
    .await;
    screenshot(driver, "help-guide-search-en").await;
    click(driver, "[data-testid=lang-it]").await;
}

/// The id of the demo customer's contract `number`, as the server lists it.
async fn contract_id(api: &Api, number: &str) -> String {
    let list = api.get("/contracts").await;
    let contract = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract_no"] == number);
    contract.expect("the demo contract")["id"].to_string()
}

async fn a_sub_user_is_added_and_deleted(driver: &WebDriver, api: &Api) {
    go(driver, "profile").await;
    click(driver, "[data-testid=subuser-add]").await;
    click(driver, "[data-testid=su-save]").await;
    wait_attr(driver, "[data-testid=su-first-error]", "data-problem", "required").await;
    type_into(driver, "#su-first", "Giulia").await;
    type_into(driver, "#su-last", "Verdi").await;
    type_into(driver, "#su-email", "giulia.verdi@example.it").await;
    screenshot(driver, "subuser-dialog-it").await;
    click(driver, "[data-testid=su-save]").await;
    wait_for(driver, "[data-testid=subuser-row][data-username='10093.1']").await;
    assert_eq!(api.get("/sub-users").await["items"][0]["username"], "10093.1");
    click(driver, "[data-testid=subuser-delete]").await;
    wait_for(driver, "[data-testid=subuser-delete-dialog]").await;
    click(driver, "[data-testid=subuser-delete-confirm]").await;
    wait_for(driver, "[data-testid=subusers-empty]").await;
    assert_eq!(api.get("/sub-users").await["items"], json!([]));
}

/// The invoice's PDF, opened once, is kept in the app's data folder.
async fn an_invoice_pdf_is_downloaded_for_the_viewer(driver: &WebDriver) {
    go(driver, "invoices").await;
    click(driver, "[data-testid=open-pdf]").await;
    a_pdf_is_kept().await;
}

/// B2: a paid line's invoice number opens that invoice's PDF.
async fn the_schedule_opens_the_invoice_of_a_line(driver: &WebDriver) {
    let _ = std::fs::remove_dir_all(documents());
    go(driver, "payments").await;
    choose(driver, "#payments-status", "paid").await;
    click(driver, "[data-testid^=schedule-invoice-]").await;
    a_pdf_is_kept().await;
}

fn documents() -> std::path::PathBuf {
    let home = std::env::var("XDG_DATA_HOME").unwrap();
    Path::new(&home).join("it.sportello.desktop/documents")
}

/// Waits for a PDF among the kept documents.
async fn a_pdf_is_kept() {
    let folder = documents();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let pdfs: Vec<_> = walk(&folder)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        if let Some(pdf) = pdfs.first() {
            assert!(std::fs::read(pdf).unwrap().starts_with(b"%PDF-"));
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no PDF under {}",
            folder.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    entries
        .flatten()
        .flat_map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                vec![e.path()]
            }
        })
        .collect()
}

const SECTIONS: [&str; 11] = [
    "home",
    "payments",
    "invoices",
    "contracts",
    "assets",
    "self_service",
    "requests",
    "shop",
    "profile",
    "help",
    "settings",
];

/// axe-core's serious and critical findings on the page as it is now, in the real WebKit window.
async fn serious_violations(driver: &WebDriver) -> Vec<String> {
    let axe = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ui/node_modules/axe-core/axe.min.js"
    ))
    .expect("axe-core is installed by npm");
    driver
        .execute(&format!("{axe}\nwindow.axe = axe;"), vec![])
        .await
        .unwrap();
    let found = driver
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.axe.run(document, { resultTypes: ['violations'] }).then((r) => done(r.violations
               .filter((v) => v.impact === 'serious' || v.impact === 'critical')
               .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found.json().clone()).unwrap()
}

/// Every section in Italian and English, light and dark, at the window's
/// default and smallest sizes: a picture each, nothing that does not fit
/// (`fit::overflows`), and no serious or critical accessibility finding
/// (checked at the default size: the smaller one changes no markup).
async fn photograph_every_section(driver: &WebDriver) {
    let mut found = Vec::new();
    let mut unfit = Vec::new();
    for (width, height) in fit::SIZES {
        fit::resize(driver, width, height).await;
        let default_size = (width, height) == fit::SIZES[0];
        for theme in ["light", "dark"] {
            go(driver, "settings").await;
            click(driver, &format!("[data-testid=settings-theme-{theme}]")).await;
            wait_attr(driver, "html", "data-theme", theme).await;
            for lang in ["it", "en"] {
                click(driver, &format!("[data-testid=lang-{lang}]")).await;
                wait_attr(driver, "html", "lang", lang).await;
                for section in SECTIONS {
                    go(driver, section).await;
                    settle(driver, section).await;
                    let size = if default_size {
                        String::new()
                    } else {
                        format!("-{width}")
                    };
                    screenshot(driver, &format!("{section}-{lang}-{theme}{size}")).await;
                    // The theme changes colours only: sizes are checked once per language.
                    if theme == "light" {
                        for what in fit::overflows(driver).await {
                            unfit.push(format!("{section} ({lang}, {width}×{height}): {what}"));
                        }
                    }
                    if default_size {
                        for violation in serious_violations(driver).await {
                            found.push(format!("{section} ({lang}, {theme}): {violation}"));
                        }
                    }
                    // What lies below the first screenful, or behind a click: the
                    // plan and its charts, a request's thread beside the list.
                    if let Some(view) = second_view(driver, section).await {
                        screenshot(driver, &format!("{view}-{lang}-{theme}{size}")).await;
                        for what in fit::overflows(driver).await {
                            unfit.push(format!("{view} ({lang}, {width}×{height}): {what}"));
                        }
                    }
                }
            }
        }
    }
    fit::resize(driver, fit::SIZES[0].0, fit::SIZES[0].1).await;
    click(driver, "[data-testid=lang-it]").await;
    assert!(unfit.is_empty(), "what does not fit its window:\n{}", unfit.join("\n"));
    assert!(found.is_empty(), "accessibility findings:\n{}", found.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_section_fits_the_window_in_both_languages_and_themes() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let driver = h.launch().await;
    photograph_the_door(&h, &driver).await;
    wait_synced(&driver).await;
    photograph_every_section(&driver).await;
    driver.quit().await.unwrap();
}

/// The login page (its button disabled until both fields are filled) and the
/// code page, at both sizes and in both languages, fit their window; then
/// logs in.
async fn photograph_the_door(h: &Harness, driver: &WebDriver) {
    let mut unfit = Vec::new();
    for page in ["login", "code"] {
        if page == "code" {
            type_into(driver, "#username", DEMO_USERNAME).await;
            type_into(driver, "#password", DEMO_PASSWORD).await;
            click(driver, "[data-testid=login-submit]").await;
            wait_for(driver, "[data-testid=code-resend-wait]").await;
        }
        for (width, height) in fit::SIZES {
            fit::resize(driver, width, height).await;
            for lang in ["en", "it"] {
                click(driver, &format!("[data-testid=lang-{lang}]")).await;
                wait_attr(driver, "html", "lang", lang).await;
                screenshot(driver, &format!("{page}-{lang}-{width}")).await;
                for what in fit::overflows(driver).await {
                    unfit.push(format!("{page} ({lang}, {width}×{height}): {what}"));
                }
            }
        }
    }
    assert!(unfit.is_empty(), "what does not fit its window:\n{}", unfit.join("\n"));
    fit::resize(driver, fit::SIZES[0].0, fit::SIZES[0].1).await;
    type_into(driver, "#code", &h.latest_code().await).await;
    click(driver, "[data-testid=code-submit]").await;
}

/// Brings into view the part of `section` the first picture does not show,
/// and names it; `None` for sections with nothing more to show.
async fn second_view(driver: &WebDriver, section: &str) -> Option<&'static str> {
    match section {
        "contracts" => {
            let plan = driver.find(By::Css("[data-testid=plan]")).await.unwrap();
            driver
                .execute(
                    "window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY
                        - document.querySelector('.app-header').offsetHeight - 12);",
                    vec![plan.to_json().unwrap()],
                )
                .await
                .unwrap();
            Some("plan")
        }
        "requests" if count(driver, "[data-testid=request-row] button").await > 0 => {
            click(driver, "[data-testid=request-row] button").await;
            wait_for(driver, "[data-testid=request-detail]").await;
            settle(driver, section).await;
            Some("requests-thread")
        }
        _ => None,
    }
}

/// Lists and pages show content, not their skeletons, before the picture:
/// nothing loading on two looks 150 ms apart.
async fn settle(driver: &WebDriver, section: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    let mut quiet = 0;
    while quiet < 2 {
        let busy = count(driver, "[aria-busy=true], .skeleton").await;
        quiet = if busy == 0 { quiet + 1 } else { 0 };
        assert!(std::time::Instant::now() < deadline, "{section} kept loading");
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_screen_shows_the_servers_data_and_its_forms_work() {
    let _serial = serial().await;
    let mut h = Harness::start().await;
    let driver = h.launch().await;
    log_in(&h, &driver).await;
    wait_synced(&driver).await;
    let api = Api::log_in(&h).await;

    lists_match_the_server(&driver, &api).await;
    an_invoice_pdf_is_downloaded_for_the_viewer(&driver).await;
    the_schedule_opens_the_invoice_of_a_line(&driver).await;
    forms_refuse_bad_input_and_file_good_input_once(&driver, &api).await;
    a_reply_lands_on_its_thread(&driver, &api).await;
    a_long_company_message_is_read_in_full(&driver, &api).await;
    the_desks_payoff_and_statement_open_on_the_request(&driver, &api).await;
    a_sub_user_is_added_and_deleted(&driver, &api).await;
    a_contract_document_opens_and_then_offline(&mut h, &driver, &api).await;
    the_guide_opens_at_the_screen_and_finds_by_words(&driver).await;
    driver.quit().await.unwrap();
}
