//! Registration by contract (A2) and by category (A3), invitation (A1), and
//! the forced change of a temporary password, over real HTTP on both engines.

mod common;

use chrono::TimeDelta;
use common::{error_code, line_value, link_token, TestServer, OTHER_VAT, PERSON_CF};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_TAX_CODE, DEMO_USERNAME};

const NEW_PASSWORD: &str = "lampione sul Naviglio 1987";

fn registration(tax_code: &str, email: &str) -> Value {
    json!({"contract_no": "55501", "module_no": "1", "tax_code": tax_code, "email": email})
}

async fn registration_by_contract_emails_a_temporary_password_that_must_be_replaced(t: TestServer) {
    t.add_customer("30001", "company", OTHER_VAT, "55501").await;
    let response = t
        .post(
            "/auth/register",
            registration(OTHER_VAT, "ufficio@pec.ferramentabianchi.example"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"sent_to": "u***@pec.ferramentabianchi.example", "pending_approval": false})
    );

    let (to, subject, text) = t.last_mail().await;
    assert_eq!(to, "ufficio@pec.ferramentabianchi.example");
    assert_eq!(subject, "Le tue credenziali temporanee di Sportello");
    assert_eq!(line_value(&text, "Nome utente"), "30001");
    let temporary = line_value(&text, "Password temporanea");
    assert!(text.contains("sportello://invite?username=30001&token=spi_"), "{text}");

    // The temporary password logs in, but only to choose a definitive one.
    let (access, _) = t.tokens_for("30001", &temporary).await;
    let me: Value = t.json("/me", &access).await;
    assert_eq!(me["must_change_password"], true);
    assert_eq!(
        error_code(t.get("/home", &access).await).await,
        (StatusCode::FORBIDDEN, "password_change_required".into())
    );

    let weak = json!({"current_password": temporary, "new_password": "qwertyuiop123"});
    let response = t.post_as("/me/password", &access, weak).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["new_password"],
        "common"
    );

    let good = json!({"current_password": temporary, "new_password": NEW_PASSWORD});
    assert_eq!(
        t.post_as("/me/password", &access, good).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(t.get("/home", &access).await.status(), StatusCode::OK);
    assert_eq!(
        t.login("30001", &temporary).await.status(),
        StatusCode::UNAUTHORIZED,
        "the temporary one is gone"
    );
    t.tokens_for("30001", NEW_PASSWORD).await;

    // Registered for good: a new registration is refused.
    let again = t
        .post(
            "/auth/register",
            registration(OTHER_VAT, "ufficio@pec.ferramentabianchi.example"),
        )
        .await;
    assert_eq!(
        error_code(again).await,
        (StatusCode::CONFLICT, "already_registered".into())
    );
}

async fn registration_refuses_wrong_data_and_companies_without_pec(t: TestServer) {
    t.add_customer("30001", "company", OTHER_VAT, "55501").await;
    let wrong_tax = t
        .post("/auth/register", registration(DEMO_TAX_CODE, "ufficio@pec.example.it"))
        .await;
    assert_eq!(
        error_code(wrong_tax).await,
        (StatusCode::BAD_REQUEST, "details_mismatch".into())
    );

    let unknown_contract =
        json!({"contract_no": "99999", "module_no": "1", "tax_code": OTHER_VAT, "email": "a@pec.it"});
    assert_eq!(
        error_code(t.post("/auth/register", unknown_contract).await).await.1,
        "details_mismatch"
    );

    let bad_check_digit = t.post("/auth/register", registration("07654320155", "a@pec.it")).await;
    assert_eq!(bad_check_digit.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_check_digit.json::<Value>().await.unwrap()["fields"]["tax_code"],
        "invalid"
    );

    let no_pec = t
        .post("/auth/register", registration(OTHER_VAT, "mario.bianchi@gmail.com"))
        .await;
    assert_eq!(no_pec.status(), StatusCode::BAD_REQUEST);
    assert_eq!(no_pec.json::<Value>().await.unwrap()["fields"]["email"], "pec_required");

    let not_an_address = t
        .post("/auth/register", registration(OTHER_VAT, "ufficio at pec.it"))
        .await;
    assert_eq!(
        not_an_address.json::<Value>().await.unwrap()["fields"]["email"],
        "invalid"
    );
    assert!(
        t.outbox()
            .await
            .iter()
            .all(|m| !m.subject().unwrap().contains("credenziali")),
        "nothing was sent"
    );

    let demo_is_registered =
        json!({"contract_no": "84963", "module_no": "1", "tax_code": DEMO_TAX_CODE, "email": "x@pec.it"});
    assert_eq!(
        error_code(t.post("/auth/register", demo_is_registered).await).await.1,
        "already_registered"
    );
}

async fn a_second_registration_waits_60_minutes_and_then_voids_the_first(t: TestServer) {
    t.add_customer("30001", "company", OTHER_VAT, "55501").await;
    let first = t
        .post(
            "/auth/register",
            registration(OTHER_VAT, "uffico@pec.ferramentabianchi.example"),
        )
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first_password = line_value(&t.last_mail().await.2, "Password temporanea");

    t.clock.advance(TimeDelta::minutes(59));
    let early = t
        .post(
            "/auth/register",
            registration(OTHER_VAT, "ufficio@pec.ferramentabianchi.example"),
        )
        .await;
    assert_eq!(early.status(), StatusCode::CONFLICT);
    let body: Value = early.json().await.unwrap();
    assert_eq!(body["code"], "registration_pending");
    assert_eq!(body["fields"]["retry_after_minutes"], "1");

    t.clock.advance(TimeDelta::minutes(1) + TimeDelta::seconds(1));
    let again = t
        .post(
            "/auth/register",
            registration(OTHER_VAT, "ufficio@pec.ferramentabianchi.example"),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    // The notice and the new credentials are queued in one commit: found by recipient.
    let mails = t.outbox().await;
    let last_two = &mails[mails.len() - 2..];
    let to = |m: &mail_parser::Message| m.to().unwrap().first().unwrap().address().unwrap().to_owned();
    let notice = last_two
        .iter()
        .find(|m| to(m) == "uffico@pec.ferramentabianchi.example")
        .expect("the first address is told where the new credentials went");
    assert!(notice
        .body_text(0)
        .unwrap()
        .contains("u***@pec.ferramentabianchi.example"));
    let welcome = last_two
        .iter()
        .find(|m| to(m) == "ufficio@pec.ferramentabianchi.example")
        .expect("the new credentials go to the new address");
    let text = welcome.body_text(0).unwrap().into_owned();
    let second_password = line_value(&text, "Password temporanea");
    assert_ne!(first_password, second_password);
    assert_eq!(
        error_code(t.login("30001", &first_password).await).await.1,
        "invalid_credentials"
    );
    t.first_login("30001", &second_password, NEW_PASSWORD).await;
}

/// As ruled: contract data alone never re-address an account the company
/// invited, nor one somebody already logged in to.
async fn a_repeated_registration_cannot_take_over_an_invited_or_used_account(t: TestServer) {
    t.add_customer("30001", "company", OTHER_VAT, "55501").await;
    let ops = t.ops_token().await;
    let invite = json!({"customer_code": "30001", "email": "amministrazione@pec.bianchi.example"});
    assert_eq!(
        t.post_as("/ops/invitations", &ops, invite).await.status(),
        StatusCode::CREATED
    );
    let invited_password = line_value(&t.last_mail().await.2, "Password temporanea");
    t.clock.advance(TimeDelta::minutes(61));
    let takeover = t
        .post("/auth/register", registration(OTHER_VAT, "intruso@pec.example.it"))
        .await;
    assert_eq!(
        error_code(takeover).await,
        (StatusCode::CONFLICT, "already_registered".into())
    );
    t.first_login("30001", &invited_password, NEW_PASSWORD).await;

    // Self-registered, and logged in once with the temporary password (not yet replaced).
    t.add_customer("30002", "company", "02468130154", "55502").await;
    let own = json!({"contract_no": "55502", "module_no": "1", "tax_code": "02468130154", "email": "ufficio@pec.rossi.example"});
    assert_eq!(t.post("/auth/register", own).await.status(), StatusCode::CREATED);
    let temporary = line_value(&t.last_mail().await.2, "Password temporanea");
    t.tokens_for("30002", &temporary).await;
    t.clock.advance(TimeDelta::minutes(61));
    let other =
        json!({"contract_no": "55502", "module_no": "1", "tax_code": "02468130154", "email": "intruso@pec.example.it"});
    let takeover = t.post("/auth/register", other).await;
    assert_eq!(
        error_code(takeover).await,
        (StatusCode::CONFLICT, "already_registered".into())
    );
    t.tokens_for("30002", &temporary).await;
}

async fn a_temporary_password_expires_after_its_days(t: TestServer) {
    t.add_customer("30001", "company", OTHER_VAT, "55501").await;
    t.post(
        "/auth/register",
        registration(OTHER_VAT, "ufficio@pec.ferramentabianchi.example"),
    )
    .await;
    let temporary = line_value(&t.last_mail().await.2, "Password temporanea");
    t.clock.advance(TimeDelta::days(7) + TimeDelta::seconds(1));
    assert_eq!(
        error_code(t.login("30001", &temporary).await).await,
        (StatusCode::UNAUTHORIZED, "password_expired".into())
    );
}

async fn registration_by_category_waits_for_an_operator_then_emails_credentials(t: TestServer) {
    let ops = t.ops_token().await;
    let request = json!({"category": "company", "name": "Geometri Associati S.r.l.", "tax_code": "02468130154",
        "email": "studio@pec.geometriassociati.example", "agreement_code": "GEOM-PC", "language": "en"});
    let response = t.post("/auth/register-by-category", request.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.json::<Value>().await.unwrap()["pending_approval"], true);
    let (_, subject, _) = t.last_mail().await;
    assert_eq!(subject, "We received your registration");
    assert_eq!(
        error_code(t.post("/auth/register-by-category", request).await).await.1,
        "already_registered"
    );

    let pending = t.all_items("/ops/registrations", &ops).await;
    let item = &pending[0];
    assert_eq!(item["customer_name"], "Geometri Associati S.r.l.");
    assert_eq!(item["agreement_code"], "GEOM-PC");
    let username = item["customer_code"].as_str().unwrap().to_owned();
    assert!(
        username.starts_with('6'),
        "online customers are numbered from 600000: {username}"
    );
    assert_eq!(
        error_code(t.login(&username, "anything at all 123").await).await.1,
        "invalid_credentials"
    );

    let decide = format!("/ops/registrations/{}/decision", item["id"]);
    assert_eq!(
        t.post_as(&decide, &ops, json!({"approve": true})).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.post_as(&decide, &ops, json!({"approve": true})).await.status(),
        StatusCode::NOT_FOUND,
        "decided once"
    );
    let (to, subject, text) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (
            "studio@pec.geometriassociati.example",
            "Your temporary Sportello credentials"
        )
    );
    assert_eq!(line_value(&text, "Username"), username);
    let temporary = line_value(&text, "Temporary password");
    let access = t.first_login(&username, &temporary, NEW_PASSWORD).await;
    let notices = t.json("/notifications", &access).await;
    assert_eq!(
        notices["items"][0]["subject"], "Sportello Leasing S.p.A. – Registration approved",
        "{notices}"
    );

    let agreements = t.all_items("/ops/agreement-requests", &ops).await;
    let id = agreements[0]["id"].as_i64().unwrap();
    let path = format!("/ops/agreement-requests/{id}/decision");
    assert_eq!(
        t.post_as(&path, &ops, json!({"approve": true})).await.status(),
        StatusCode::NO_CONTENT
    );
    let agreement: Option<String> = agreement_of(&t, &username).await;
    assert_eq!(agreement.as_deref(), Some("GEOM-PC"));
}

/// A3 with the data the shop bills to: refused whole when one field is
/// wrong (nothing saved), kept when right, and on file after the approval.
async fn registration_by_category_keeps_the_billing_data_the_shop_needs(t: TestServer) {
    let billing = |postcode: &str| {
        json!({"name": "Geometri Associati S.r.l.", "tax_code": "02468130154", "street": "Via Roma 1",
            "postcode": postcode, "city": "Treviso", "province": "tv", "sdi_code": "0000000",
            "pec": "fatture@pec.geometriassociati.example"})
    };
    let request = |postcode: &str| {
        json!({"category": "company", "name": "Geometri Associati S.r.l.", "tax_code": "02468130154",
            "email": "studio@pec.geometriassociati.example", "billing": billing(postcode)})
    };
    let refused = t.post("/auth/register-by-category", request("3110")).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["fields"]["billing.postcode"],
        "invalid"
    );
    assert_eq!(
        t.post("/auth/register-by-category", request("31100")).await.status(),
        StatusCode::CREATED,
        "the refused registration saved nothing"
    );
    let ops = t.ops_token().await;
    let item = &t.all_items("/ops/registrations", &ops).await[0];
    let decide = format!("/ops/registrations/{}/decision", item["id"]);
    t.post_as(&decide, &ops, json!({"approve": true})).await;
    let username = item["customer_code"].as_str().unwrap().to_owned();
    let temporary = line_value(&t.last_mail().await.2, "Password temporanea");
    let access = t.first_login(&username, &temporary, NEW_PASSWORD).await;
    let wallet = t.json("/shop/wallet", &access).await;
    let mut expected = billing("31100");
    expected["province"] = json!("TV");
    assert_eq!(wallet["billing"], expected);
}

async fn agreement_of(t: &TestServer, code: &str) -> Option<String> {
    let store = &t.server.state.store;
    let customer = store.customer_by_code(code).await.unwrap().unwrap();
    store.customer_agreement(customer.id).await.unwrap()
}

async fn registration_by_category_checks_its_inputs(t: TestServer) {
    let base = json!({"category": "private", "name": "Mario Rossi", "tax_code": PERSON_CF, "email": "mario@gmail.com"});
    let mut company_without_pec = base.clone();
    company_without_pec["category"] = json!("company");
    company_without_pec["tax_code"] = json!("02468130154");
    let response = t.post("/auth/register-by-category", company_without_pec).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["email"],
        "pec_required"
    );

    let mut private_with_vat = base.clone();
    private_with_vat["tax_code"] = json!("02468130154");
    let response = t.post("/auth/register-by-category", private_with_vat).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["tax_code"],
        "person_expected"
    );

    let mut unknown_agreement = base.clone();
    unknown_agreement["agreement_code"] = json!("NOPE");
    let response = t.post("/auth/register-by-category", unknown_agreement).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["agreement_code"],
        "unknown"
    );

    let mut nameless = base.clone();
    nameless["name"] = json!("   ");
    let response = t.post("/auth/register-by-category", nameless).await;
    assert_eq!(response.json::<Value>().await.unwrap()["fields"]["name"], "required");

    assert_eq!(
        t.post("/auth/register-by-category", base).await.status(),
        StatusCode::CREATED,
        "a private person needs no PEC"
    );
}

async fn an_operator_invitation_carries_a_one_time_link_to_choose_the_password(t: TestServer) {
    t.add_customer("30001", "company", OTHER_VAT, "55501").await;
    let ops = t.ops_token().await;
    let invite = json!({"customer_code": "30001", "email": "ufficio@pec.ferramentabianchi.example"});
    let response = t.post_as("/ops/invitations", &ops, invite.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.json::<Value>().await.unwrap()["username"], "30001");
    let (to, _, text) = t.last_mail().await;
    assert_eq!(to, "ufficio@pec.ferramentabianchi.example");
    assert!(text.contains("sei stato invitato"), "{text}");
    let token = link_token(&text);

    let weak = json!({"token": token, "new_password": "30001-password-ok"});
    let response = t.post("/auth/password-reset/complete", weak).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["new_password"],
        "contains_username"
    );
    let accept = json!({"token": token, "new_password": NEW_PASSWORD});
    assert_eq!(
        t.post("/auth/password-reset/complete", accept.clone()).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        error_code(t.post("/auth/password-reset/complete", accept).await)
            .await
            .1,
        "code_expired",
        "one time only"
    );
    let (access, _) = t.tokens_for("30001", NEW_PASSWORD).await;
    assert_eq!(
        t.get("/home", &access).await.status(),
        StatusCode::OK,
        "no forced change after the link"
    );

    assert_eq!(
        error_code(t.post_as("/ops/invitations", &ops, invite).await).await.1,
        "already_registered"
    );
    let unknown = json!({"customer_code": "77777", "email": "a@pec.it"});
    let response = t.post_as("/ops/invitations", &ops, unknown).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["customer_code"],
        "unknown"
    );
    let customer_token = t.demo_tokens().await.0;
    let response = t
        .post_as(
            "/ops/invitations",
            &customer_token,
            json!({"customer_code": DEMO_USERNAME, "email": "a@pec.it"}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "a customer token is not an operator token"
    );
}

on_both_engines!(
    registration_by_contract_emails_a_temporary_password_that_must_be_replaced,
    registration_refuses_wrong_data_and_companies_without_pec,
    a_second_registration_waits_60_minutes_and_then_voids_the_first,
    a_temporary_password_expires_after_its_days,
    a_repeated_registration_cannot_take_over_an_invited_or_used_account,
    registration_by_category_keeps_the_billing_data_the_shop_needs,
    registration_by_category_waits_for_an_operator_then_emails_credentials,
    registration_by_category_checks_its_inputs,
    an_operator_invitation_carries_a_one_time_link_to_choose_the_password,
);
