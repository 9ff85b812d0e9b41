//! The shop on the desktop against a real server on 127.0.0.1: the catalogue,
//! wallet, orders and quotes synced into the cache; the carts kept across a
//! restart; an order placed offline sent once; refusals kept for the user.

mod support;

use chrono::Utc;
use serde_json::{json, Value};
use sportello_app::notifier::OpenTarget;
use sportello_app::shop::CartKind;
use sportello_domain::api::shop::{AcceptQuote, CartItem, Catalogue, Order, Quote, ShopPaymentMethod, Wallet};
use sportello_domain::shop::form::FormValues;
use sportello_domain::ErrorCode;
use sportello_server::demo;
use support::Fixture;

fn form(pairs: &[(&str, &str)]) -> FormValues {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn property_search(sheet: &str) -> CartItem {
    CartItem {
        service_code: "VIS-IMM".into(),
        form: form(&[
            ("immobile.municipality", "Piacenza"),
            ("immobile.register", "urban"),
            ("immobile.sheet", sheet),
            ("immobile.parcel", "118"),
            ("tipo", "storica"),
        ]),
    }
}

fn report_request() -> CartItem {
    CartItem {
        service_code: "REL-IMM".into(),
        form: form(&[
            ("immobile.municipality", "Piacenza"),
            ("immobile.register", "land"),
            ("immobile.sheet", "7"),
            ("immobile.parcel", "12"),
            ("indirizzo.street", "Via Roma 1"),
            ("indirizzo.postcode", "29121"),
            ("indirizzo.city", "Piacenza"),
            ("indirizzo.province", "PC"),
        ]),
    }
}

/// The customer proves a payment over HTTP and the demo operator confirms it.
async fn proven(f: &Fixture, method: &str, amount: &str) {
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let upload = f
        .http
        .post(f.url("/attachments?name=bonifico.pdf"))
        .bearer_auth(&token)
        .body(b"%PDF-1.4\n%%EOF\n".to_vec())
        .send()
        .await
        .unwrap();
    let receipt: Value = upload.json().await.unwrap();
    let proof = json!({"method": method, "amount": amount, "attachment_id": receipt["id"], "reference": "TRN42"});
    let proof: Value = f
        .post("/shop/payment-proofs", &token, proof)
        .await
        .json()
        .await
        .unwrap();
    let ops = f.ops_token().await;
    let decided = f
        .post(
            &format!("/ops/payment-proofs/{}/decision", proof["id"]),
            &ops,
            json!({"approve": true}),
        )
        .await;
    assert!(decided.status().is_success());
}

#[tokio::test]
async fn the_shop_is_synced_and_both_carts_survive_a_restart() {
    let f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, _) = f.engine(desk.clone(), "demo.db").await;
    engine.sync_once().await.unwrap();
    let cache = engine.cache();
    let catalogue: Catalogue = cache.document("shop.catalogue").await.unwrap().unwrap();
    assert_eq!(catalogue.services.len(), 6);
    assert_eq!(catalogue.price_list, "STD");
    let wallet: Wallet = cache.document("shop.wallet").await.unwrap().unwrap();
    assert_eq!(wallet.credit.to_string(), "0.00");
    assert_eq!(wallet.billing.city, "Roma");

    cache
        .add_to_cart(CartKind::Order, &property_search("42"), Utc::now())
        .await
        .unwrap();
    cache
        .add_to_cart(CartKind::Quote, &report_request(), Utc::now())
        .await
        .unwrap();
    let bad = cache
        .add_to_cart(CartKind::Order, &property_search("4a"), Utc::now())
        .await
        .unwrap_err();
    let fields = bad.to_wire().fields.unwrap();
    assert_eq!(fields["form.immobile.sheet"], "invalid", "checked like the server does");
    let wrong_cart = cache
        .add_to_cart(CartKind::Order, &report_request(), Utc::now())
        .await
        .unwrap_err();
    assert_eq!(wrong_cart.to_wire().fields.unwrap()["service_code"], "needs_quote");
    let first = cache.cart().await.unwrap()[0].id;
    cache
        .update_cart_line(first, &property_search("43").form)
        .await
        .unwrap();
    let refused = cache
        .update_cart_line(first, &property_search("").form)
        .await
        .unwrap_err();
    assert_eq!(refused.to_wire().fields.unwrap()["form.immobile.sheet"], "required");
    cache.close().await;

    // The app restarts: a new engine opens the same file.
    let (again, _) = f.engine(desk, "demo.db").await;
    let cart = again.cache().cart().await.unwrap();
    assert_eq!(cart.len(), 2);
    assert_eq!(
        (cart[0].kind, cart[0].form["immobile.sheet"].as_str()),
        (CartKind::Order, "43")
    );
    assert_eq!(
        (cart[1].kind, cart[1].service_code.as_str()),
        (CartKind::Quote, "REL-IMM")
    );
}

#[tokio::test]
async fn an_order_placed_offline_is_sent_once_and_refusals_go_back_to_the_cart() {
    let mut f = Fixture::start().await;
    let desk = f.desk(&f.base(), demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    let (engine, shown) = f.engine(desk, "demo.db").await;
    engine.sync_once().await.unwrap();
    proven(&f, "prepaid_credit", "50.00").await;
    engine.sync_once().await.unwrap();
    let cache = engine.cache();
    let wallet: Wallet = cache.document("shop.wallet").await.unwrap().unwrap();
    assert_eq!(
        wallet.credit.to_string(),
        "50.00",
        "the confirmed top-up reached the cache"
    );

    f.stop_server().await;
    cache
        .add_to_cart(CartKind::Order, &property_search("42"), Utc::now())
        .await
        .unwrap();
    cache
        .add_to_cart(CartKind::Order, &property_search("43"), Utc::now())
        .await
        .unwrap();
    let queued = cache
        .place_order(ShopPaymentMethod::PrepaidCredit, &wallet.billing, Utc::now())
        .await
        .unwrap();
    assert_eq!((queued.kind.as_str(), queued.state.as_str()), ("order", "queued"));
    assert!(cache.cart().await.unwrap().is_empty(), "the cart moved into the outbox");
    assert_eq!(
        engine.sync_once().await.unwrap_err().code(),
        ErrorCode::ServerUnreachable
    );
    assert_eq!(cache.outbox().await.unwrap().len(), 1);

    f.restart_server().await;
    let round = engine.sync_once().await.unwrap();
    assert_eq!(round.outbox.sent, 1);
    engine.sync_once().await.unwrap();
    let orders: Vec<Order> = cache.document("shop.orders").await.unwrap().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!((orders[0].net.to_string(), orders[0].items.len()), ("24.00".into(), 2));
    let wallet: Wallet = cache.document("shop.wallet").await.unwrap().unwrap();
    assert_eq!(wallet.credit.to_string(), "26.00");
    let token = f.token(demo::DEMO_USERNAME, demo::DEMO_PASSWORD).await;
    assert_eq!(
        f.get("/shop/orders", &token).await["items"].as_array().unwrap().len(),
        1,
        "sent exactly once"
    );

    // A method never proven: the server refuses, the entry stays to be seen, and goes back to the cart.
    cache
        .add_to_cart(CartKind::Order, &property_search("44"), Utc::now())
        .await
        .unwrap();
    let refused = cache
        .place_order(ShopPaymentMethod::AdvanceOnConsumption, &wallet.billing, Utc::now())
        .await
        .unwrap();
    assert_eq!(engine.sync_once().await.unwrap().outbox.rejected, 1);
    let kept = cache.outbox().await.unwrap();
    assert_eq!(kept[0].error.as_ref().unwrap().code, ErrorCode::PaymentNotProven);
    assert!(cache.restore_cart(refused.id, Utc::now()).await.unwrap());
    assert!(cache.outbox().await.unwrap().is_empty());
    assert_eq!(cache.cart().await.unwrap()[0].form["immobile.sheet"], "44");

    // A quote: requested from the quote cart, priced by an operator (a desktop notice), accepted.
    cache
        .add_to_cart(CartKind::Quote, &report_request(), Utc::now())
        .await
        .unwrap();
    cache
        .request_quote(Some("Solo al mattino".into()), Utc::now())
        .await
        .unwrap();
    engine.sync_once().await.unwrap();
    let quotes: Vec<Quote> = cache.document("shop.quotes").await.unwrap().unwrap();
    assert_eq!((quotes.len(), quotes[0].message.as_str()), (1, "Solo al mattino"));
    shown.take();
    let ops = f.ops_token().await;
    let item = quotes[0].items[0].id;
    let until = (Utc::now().date_naive() + chrono::Days::new(10)).to_string();
    let price = json!({"prices": {item.to_string(): "480.00"}, "valid_until": until});
    let priced = f
        .post(&format!("/ops/quotes/{}/price", quotes[0].id), &ops, price)
        .await;
    assert!(priced.status().is_success());
    engine.sync_once().await.unwrap();
    let quotes: Vec<Quote> = cache.document("shop.quotes").await.unwrap().unwrap();
    assert_eq!(quotes[0].total.unwrap().to_string(), "585.60");
    let notices = shown.take();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].open, OpenTarget::Quote { id: quotes[0].id });

    proven(&f, "advance_on_consumption", "585.60").await;
    let accept = AcceptQuote {
        payment_method: ShopPaymentMethod::AdvanceOnConsumption,
        billing: wallet.billing.clone(),
    };
    cache.accept_quote(quotes[0].id, &accept, Utc::now()).await.unwrap();
    assert_eq!(engine.sync_once().await.unwrap().outbox.sent, 1);
    let orders: Vec<Order> = cache.document("shop.orders").await.unwrap().unwrap();
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[0].quote_id, Some(quotes[0].id));
}
