//! Buying services in the real window: a fixed-price service bought with
//! prepaid credit, its outcome delivered by an operator and opened from
//! "my orders", the credit's invoice among the invoices; a quote requested,
//! priced by an operator and accepted. Every shop screen is photographed.

use super::harness::{click, screenshot, type_into, wait_for, wait_text, Harness, WAIT};
use super::screens::{choose, count, go};
use super::{log_in, serial, text, wait_synced};
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_PASSWORD, DEMO_USERNAME};
use thirtyfour::prelude::*;

/// The customer's and the operator's calls to the server, over HTTP.
struct Desk {
    http: reqwest::Client,
    base: String,
    /// The operator's token, kept: an authenticator code is good for one login.
    operator: tokio::sync::OnceCell<String>,
}

impl Desk {
    fn of(h: &Harness) -> Desk {
        Desk {
            http: reqwest::Client::new(),
            base: format!("{}/api/v1", h.server_url),
            operator: tokio::sync::OnceCell::new(),
        }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }

    async fn get(&self, path: &str, token: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    async fn operator(&self) -> String {
        self.operator
            .get_or_init(|| async {
                let login = sportello_server::testkit::demo_operator_login(&sportello_server::Clock::default());
                self.post("/ops/login", None, login).await["access_token"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .await
            .clone()
    }

    async fn customer(&self, h: &Harness) -> String {
        let login = json!({"username": DEMO_USERNAME, "password": DEMO_PASSWORD});
        let challenge = self.post("/auth/login", None, login).await;
        let verify = json!({"challenge_id": challenge["challenge_id"], "code": h.latest_code().await});
        self.post("/auth/verify", None, verify).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The customer sends a transfer receipt for 50.00 of prepaid credit; the operator confirms it.
    async fn prepaid_credit(&self, h: &Harness) {
        let customer = self.customer(h).await;
        let receipt: Value = self
            .http
            .post(format!("{}/attachments?name=bonifico.pdf", self.base))
            .bearer_auth(&customer)
            .body(b"%PDF-1.4\n%%EOF\n".to_vec())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let proof = json!({"method": "prepaid_credit", "amount": "50.00", "attachment_id": receipt["id"],
            "reference": "TRN0099"});
        let proof = self.post("/shop/payment-proofs", Some(&customer), proof).await;
        let ops = self.operator().await;
        let path = format!("/ops/payment-proofs/{}/decision", proof["id"]);
        self.post(&path, Some(&ops), json!({"approve": true})).await;
    }
}

async fn attr(element: &WebElement, name: &str) -> String {
    element.attr(name).await.unwrap().unwrap_or_default()
}

/// Waits until the element's attribute holds `expected` (the sync brings it).
async fn wait_attr_of(driver: &WebDriver, css: &str, name: &str, expected: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let now = attr(&wait_for(driver, css).await, name).await;
        if now == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} {name}: {now}, not {expected}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

async fn fill_property_search(driver: &WebDriver) {
    type_into(driver, "[data-testid=svc-immobile-municipality]", "Piacenza").await;
    choose(driver, "[data-testid=svc-immobile-register]", "urban").await;
    type_into(driver, "[data-testid=svc-immobile-sheet]", "4a").await;
    type_into(driver, "[data-testid=svc-immobile-parcel]", "118").await;
    choose(driver, "[data-testid=svc-tipo]", "storica").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_is_bought_with_prepaid_credit_and_a_quote_is_accepted() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let desk = Desk::of(&h);
    desk.prepaid_credit(&h).await;
    let driver = h.launch().await;
    log_in(&h, &driver).await;
    wait_synced(&driver).await;

    go(&driver, "shop").await;
    wait_text(
        &driver,
        "[data-code=VIS-IMM] [data-testid=service-price]",
        "12,00 € + IVA",
    )
    .await;
    screenshot(&driver, "shop-catalogue-it").await;
    click(&driver, "[data-testid=open-VIS-IMM]").await;
    fill_property_search(&driver).await;
    click(&driver, "[data-testid=service-submit]").await;
    wait_text(&driver, "[data-testid=svc-immobile-sheet-error]", "Valore non valido.").await;
    screenshot(&driver, "shop-service-refused-it").await;
    let sheet = wait_for(&driver, "[data-testid=svc-immobile-sheet]").await;
    sheet.clear().await.unwrap();
    type_into(&driver, "[data-testid=svc-immobile-sheet]", "42").await;
    click(&driver, "[data-testid=service-submit]").await;
    wait_for(&driver, "[data-testid=service-added]").await;

    click(&driver, "[data-testid=shop-tab-cart]").await;
    wait_text(&driver, "[data-testid=cart-total]", "14,64 €").await;
    screenshot(&driver, "shop-cart-it").await;
    click(&driver, "[data-testid=proceed]").await;
    wait_for(&driver, "[data-testid=checkout]").await;
    assert!(!wait_for(&driver, "[data-testid=method-advance_on_consumption]")
        .await
        .is_enabled()
        .await
        .unwrap());
    assert!(text(&driver, "[data-testid=checkout]")
        .await
        .contains("Credito disponibile: 50,00 €"));
    screenshot(&driver, "shop-checkout-it").await;
    click(&driver, "[data-testid=complete]").await;
    wait_for(&driver, "[data-testid=order-sent]").await;

    // The order, from the window, is on the server once; the credit was drawn.
    let ops = desk.operator().await;
    let all: Value = desk.get("/ops/orders", &ops).await;
    let orders = all["items"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!(
        (order["net"].as_str(), order["payment_method"].as_str()),
        (Some("12.00"), Some("prepaid_credit"))
    );
    assert_eq!(order["items"][0]["form"]["immobile.sheet"], "42");
    go(&driver, "shop").await;
    click(&driver, "[data-testid=shop-tab-orders]").await;
    let code = order["code"].as_str().unwrap();
    wait_attr_of(
        &driver,
        &format!("[data-code='{code}'] [data-testid=order-item]"),
        "data-status",
        "pending",
    )
    .await;

    // The operator delivers the outcome: the window shows it, and the order fulfilled.
    let item = order["items"][0]["id"].as_i64().unwrap();
    let delivered = desk
        .http
        .post(format!("{}/ops/order-items/{item}/pdf?name=visura.pdf", desk.base))
        .bearer_auth(&ops)
        .body(b"%PDF-1.4\n% visura\n%%EOF\n".to_vec())
        .send()
        .await
        .unwrap();
    assert!(delivered.status().is_success());
    wait_attr_of(
        &driver,
        &format!("[data-code='{code}'] [data-testid=order-item]"),
        "data-status",
        "fulfilled",
    )
    .await;
    wait_text(
        &driver,
        &format!("[data-code='{code}'] [data-testid=order-status]"),
        "Evaso",
    )
    .await;
    assert_eq!(count(&driver, "[data-testid=open-outcome]").await, 1);
    screenshot(&driver, "shop-orders-it").await;
    // The request list holds the purchase and its outcome too.
    go(&driver, "requests").await;
    wait_for(
        &driver,
        &format!("[data-testid=purchase-row][data-code='{code}'][data-status=fulfilled]"),
    )
    .await;
    assert_eq!(count(&driver, "[data-testid=purchase-outcome]").await, 1);
    screenshot(&driver, "requests-purchases-it").await;

    // The credit's invoice (issued when it was bought) is among the invoices.
    let customer = desk.customer(&h).await;
    let invoices: Value = desk.get("/invoices?limit=200", &customer).await;
    let credit_invoice = invoices["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["total"] == "61.00")
        .expect("the credit's invoice, 50.00 + VAT");
    go(&driver, "invoices").await;
    let number = credit_invoice["number"].as_str().unwrap();
    wait_for(&driver, &format!("[data-testid=open-pdf][aria-label*='{number}']")).await;

    // A quote: asked for from the quote cart, priced by the operator, accepted with the credit left.
    go(&driver, "shop").await;
    click(&driver, "[data-testid=open-PER-STIMA]").await;
    type_into(&driver, "[data-testid=svc-indirizzo-street]", "Via Roma 1").await;
    type_into(&driver, "[data-testid=svc-indirizzo-postcode]", "29121").await;
    type_into(&driver, "[data-testid=svc-indirizzo-city]", "Piacenza").await;
    type_into(&driver, "[data-testid=svc-indirizzo-province]", "PC").await;
    choose(&driver, "[data-testid=svc-destinazione]", "residenziale").await;
    click(&driver, "[data-testid=service-submit]").await;
    wait_for(&driver, "[data-testid=service-added]").await;
    click(&driver, "[data-testid=shop-tab-cart]").await;
    type_into(&driver, "#quote-message", "Sopralluogo al mattino").await;
    click(&driver, "[data-testid=send-quote]").await;
    wait_for(&driver, "[data-testid=form-sent]").await;
    click(&driver, "[data-testid=shop-tab-quotes]").await;
    wait_attr_of(&driver, "[data-testid=quote]", "data-status", "requested").await;
    let quotes: Value = desk.get("/ops/quotes", &ops).await;
    let quote = &quotes["items"][0];
    assert_eq!(quote["message"], "Sopralluogo al mattino");
    let until = (h.state().clock.today() + chrono::Days::new(15)).to_string();
    let price = json!({"prices": {quote["items"][0]["id"].to_string(): "30.00"}, "valid_until": until,
        "note": "Perito disponibile giovedì."});
    desk.post(&format!("/ops/quotes/{}/price", quote["id"]), Some(&ops), price)
        .await;
    wait_attr_of(&driver, "[data-testid=quote]", "data-status", "priced").await;
    screenshot(&driver, "shop-quotes-it").await;
    click(&driver, "[data-testid=accept-quote]").await;
    wait_attr_of(&driver, "[data-testid=quote]", "data-status", "accepted").await;
    click(&driver, "[data-testid=shop-tab-orders]").await;
    let deadline = std::time::Instant::now() + WAIT;
    while count(&driver, "[data-testid=order]").await < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the accepted quote's order did not show"
        );
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    click(&driver, "[data-testid=shop-tab-wallet]").await;
    wait_text(&driver, "[data-testid=credit]", "8,00 €").await;
    screenshot(&driver, "shop-wallet-it").await;

    click(&driver, "[data-testid=lang-en]").await;
    click(&driver, "[data-testid=shop-tab-catalogue]").await;
    wait_text(
        &driver,
        "[data-code=VIS-IMM] [data-testid=service-price]",
        "€12.00 + VAT",
    )
    .await;
    screenshot(&driver, "shop-catalogue-en").await;
    click(&driver, "[data-testid=shop-tab-orders]").await;
    wait_text(
        &driver,
        &format!("[data-code='{code}'] [data-testid=order-status]"),
        "Fulfilled",
    )
    .await;
    screenshot(&driver, "shop-orders-en").await;
    click(&driver, "[data-testid=lang-it]").await;
    driver.quit().await.unwrap();
}

/// An EPC amount ("EUR61", "EUR14.64") as money with cents.
fn euros(field: &str) -> String {
    let amount: sportello_domain::Money = field.strip_prefix("EUR").expect("an amount in euros").parse().unwrap();
    amount.to_string()
}

/// The EPC payload of the payment slip's QR code, read back by an
/// independent decoder from the modules the window draws (WebKit's picture
/// of the window does not come back while the shop shows a slip).
async fn slip_payload(driver: &WebDriver) -> Vec<String> {
    let qr = wait_for(driver, "[data-testid=payment-qr]").await;
    let view_box = attr(&qr, "viewBox").await;
    let size: usize = view_box.split(' ').nth(2).expect("0 0 N N").parse().unwrap();
    let path = qr.find(By::Css("path")).await.unwrap();
    let d = attr(&path, "d").await;
    qr_from_modules(size, &d).split('\n').map(str::to_owned).collect()
}

/// Decodes a QR code drawn as "M{x} {y}h1v1h-1z" squares in a `size` box.
fn qr_from_modules(size: usize, d: &str) -> String {
    const SCALE: usize = 6;
    let width = size * SCALE;
    let mut dark = vec![false; width * width];
    for square in d.split('M').filter(|s| !s.is_empty()) {
        let corner = square.split('h').next().unwrap();
        let (x, y) = corner.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        for dy in 0..SCALE {
            for dx in 0..SCALE {
                dark[(y * SCALE + dy) * width + x * SCALE + dx] = true;
            }
        }
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, width, |x, y| if dark[y * width + x] { 0 } else { 255 });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("a readable QR code").1
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_paid_in_advance_waits_for_its_transfer_and_a_top_up_shows_how_to_pay() {
    let _serial = serial().await;
    let h = Harness::start().await;
    let desk = Desk::of(&h);
    let driver = h.launch().await;
    log_in(&h, &driver).await;
    wait_synced(&driver).await;

    // Bought by advance payment: nothing to prove first, the order waits for its transfer.
    go(&driver, "shop").await;
    click(&driver, "[data-testid=open-VIS-IMM]").await;
    fill_property_search(&driver).await;
    type_into(&driver, "[data-testid=svc-immobile-sheet]", "42").await;
    click(&driver, "[data-testid=service-submit]").await;
    wait_for(&driver, "[data-testid=service-added]").await;
    click(&driver, "[data-testid=shop-tab-cart]").await;
    click(&driver, "[data-testid=proceed]").await;
    click(&driver, "[data-testid=method-advance_payment]").await;
    click(&driver, "[data-testid=complete]").await;
    wait_for(&driver, "[data-testid=order-sent]").await;
    click(&driver, "[data-testid=shop-tab-orders]").await;
    wait_text(&driver, "[data-testid=order-status]", "In attesa del pagamento").await;
    let code = attr(&wait_for(&driver, "[data-testid=order]").await, "data-code").await;

    click(&driver, "[data-testid=order-pay]").await;
    wait_text(&driver, "[data-testid=payment-amount]", "14,64 €").await;
    let payload = slip_payload(&driver).await;
    assert_eq!(payload[..4], ["BCD", "002", "1", "SCT"], "{payload:?}");
    assert_eq!(euros(&payload[7]), "14.64");
    assert!(
        payload[10].starts_with(&format!("Pagamento anticipato ordine {code} - ")),
        "{payload:?}"
    );
    screenshot(&driver, "shop-order-awaiting-it").await;

    // The receipt is sent for that order, with its total; the desk confirms it.
    click(&driver, "[data-testid=order-send-proof]").await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let amount = wait_for(&driver, "[data-testid=proof-amount]")
            .await
            .prop("value")
            .await
            .unwrap();
        if amount.as_deref() == Some("14.64") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the proof's amount is {amount:?}, not the order's total"
        );
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
    type_into(&driver, "[data-testid=proof-reference]", "TRN4242").await;
    let receipt = h.dir.path().join("bonifico.pdf");
    std::fs::write(&receipt, b"%PDF-1.4\n%%EOF\n").unwrap();
    wait_for(&driver, "[data-testid=proof-file]")
        .await
        .send_keys(receipt.to_string_lossy().as_ref())
        .await
        .unwrap();
    click(&driver, "[data-testid=proof-submit]").await;
    wait_for(&driver, "[data-testid=proof-sent]").await;
    let ops = desk.operator().await;
    let waiting: Value = desk.get("/ops/payment-proofs?status=submitted", &ops).await;
    let proof = &waiting["items"][0];
    assert_eq!(
        (proof["method"].as_str(), proof["amount"].as_str()),
        (Some("advance_payment"), Some("14.64"))
    );
    desk.post(
        &format!("/ops/payment-proofs/{}/decision", proof["id"]),
        Some(&ops),
        json!({"approve": true}),
    )
    .await;
    click(&driver, "[data-testid=shop-tab-orders]").await;
    wait_text(&driver, "[data-testid=order-status]", "In lavorazione").await;

    // A top-up: 50.00 of credit is a transfer of 61.00, VAT added as its invoice will.
    click(&driver, "[data-testid=shop-tab-wallet]").await;
    choose(&driver, "[data-testid=slip-method]", "prepaid_credit").await;
    type_into(&driver, "[data-testid=slip-amount]", "50,00").await;
    click(&driver, "[data-testid=slip-show]").await;
    wait_text(&driver, "[data-testid=payment-amount]", "61,00 €").await;
    let payload = slip_payload(&driver).await;
    assert_eq!(euros(&payload[7]), "61.00");
    assert!(payload[10].starts_with("Ricarica credito prepagato - "), "{payload:?}");
    screenshot(&driver, "shop-wallet-slip-it").await;
    click(&driver, "[data-testid=lang-en]").await;
    wait_text(&driver, "[data-testid=payment-slip] h2", "Pay by bank transfer").await;
    screenshot(&driver, "shop-wallet-slip-en").await;
    click(&driver, "[data-testid=lang-it]").await;
    driver.quit().await.unwrap();
}
