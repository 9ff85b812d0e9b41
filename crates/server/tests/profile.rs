//! Profile (A8), paper invoices (B5) and sub-users (A9), over real HTTP on both engines.

mod common;

use common::{error_code, line_value, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sportello_server::demo::{DEMO_EMAIL, DEMO_PASSWORD, DEMO_USERNAME};

const SUB_PASSWORD: &str = "tramonto a Posillipo 2024";

fn mario() -> Value {
    json!({"first_name": "Mario", "last_name": "Rossi", "email": "mario.rossi@example.it", "language": "it"})
}

async fn profile_shows_and_changes_settings_and_paper_invoices(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let profile: Value = t.json("/profile", &access).await;
    assert_eq!(
        profile,
        json!({"username": DEMO_USERNAME, "display_name": "Mario Rossi", "customer_name": "Studio Odontoiatrico Rossi S.r.l.",
               "language": "it", "email": DEMO_EMAIL, "secondary_email": null, "paper_invoices": false,
               "desk_emails": true, "parent_username": null, "must_change_password": false, "rights": ["requests", "shop", "bank"]})
    );
    let change = json!({"language": "en", "secondary_email": "segreteria@studiorossi.example", "paper_invoices": true});
    let updated: Value = t
        .call(Method::PATCH, "/profile", &access, Some(change))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(updated["language"], "en");
    assert_eq!(updated["secondary_email"], "segreteria@studiorossi.example");
    assert_eq!(updated["paper_invoices"], true);
    assert_eq!(updated["desk_emails"], true, "unchanged when not named");
    assert_eq!(t.json("/me", &access).await["language"], "en");

    let cleared: Value = t
        .call(
            Method::PATCH,
            "/profile",
            &access,
            Some(json!({"secondary_email": "", "paper_invoices": false})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (cleared["secondary_email"].clone(), cleared["paper_invoices"].clone()),
        (Value::Null, json!(false))
    );

    let bad = t
        .call(
            Method::PATCH,
            "/profile",
            &access,
            Some(json!({"secondary_email": "not-an-address"})),
        )
        .await;
    assert_eq!(
        bad.json::<Value>().await.unwrap()["fields"]["secondary_email"],
        "invalid"
    );
    let bad = t
        .call(Method::PATCH, "/profile", &access, Some(json!({"language": "fr"})))
        .await;
    assert_eq!(error_code(bad).await.0, StatusCode::BAD_REQUEST);
    let bad = t
        .call(Method::PATCH, "/profile", &access, Some(json!({"display_name": "  "})))
        .await;
    assert_eq!(bad.json::<Value>().await.unwrap()["fields"]["display_name"], "required");
}

async fn a_new_primary_address_is_confirmed_by_a_code_sent_to_it(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let (other_device, _) = t.demo_tokens().await;
    // Step-up: no password, or a wrong one, changes nothing.
    for (password, problem) in [("", "required"), ("not my password", "wrong")] {
        let body = json!({"email": "amministrazione@pec.studiorossi.example", "current_password": password});
        let refused = t.post_as("/profile/email", &access, body).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.json::<Value>().await.unwrap()["fields"]["current_password"],
            problem
        );
    }
    let not_pec = t
        .post_as(
            "/profile/email",
            &access,
            json!({"email": "mario@gmail.com", "current_password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(
        not_pec.json::<Value>().await.unwrap()["fields"]["email"],
        "pec_required",
        "the company writes from a PEC"
    );

    let started: Value = t
        .post_as(
            "/profile/email",
            &access,
            json!({"email": "amministrazione@pec.studiorossi.example", "current_password": DEMO_PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let (to, subject, text) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (
            "amministrazione@pec.studiorossi.example",
            "Conferma il tuo nuovo indirizzo e-mail"
        )
    );
    let code = sportello_server::testkit::code_in(&text);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let response = t
        .post_as(
            "/profile/email/confirm",
            &access,
            json!({"change_id": started["change_id"], "code": wrong}),
        )
        .await;
    assert_eq!(error_code(response).await.1, "invalid_code");
    assert_eq!(
        t.json("/profile", &access).await["email"],
        DEMO_EMAIL,
        "unchanged until confirmed"
    );

    let confirmed: Value = t
        .post_as(
            "/profile/email/confirm",
            &access,
            json!({"change_id": started["change_id"], "code": code}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(confirmed["email"], "amministrazione@pec.studiorossi.example");
    let (to, subject, _) = t.last_mail().await;
    assert_eq!(
        (to.as_str(), subject.as_str()),
        (DEMO_EMAIL, "Il tuo indirizzo e-mail di Sportello è cambiato"),
        "the old address is told"
    );
    assert_eq!(
        t.get("/home", &other_device).await.status(),
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    assert_eq!(t.get("/home", &access).await.status(), StatusCode::OK, "this one stays");
    let again = t
        .post_as(
            "/profile/email/confirm",
            &access,
            json!({"change_id": started["change_id"], "code": code}),
        )
        .await;
    assert_eq!(error_code(again).await.1, "code_expired");
}

/// Creates a sub-user and returns its username and the temporary password from its e-mail.
async fn add_sub_user(t: &TestServer, access: &str, form: Value) -> (String, String) {
    let response = t.post_as("/sub-users", access, form.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    let (to, _, text) = t.last_mail().await;
    assert_eq!(to, form["email"].as_str().unwrap());
    assert_eq!(line_value(&text, "Nome utente"), created["username"].as_str().unwrap());
    (
        created["username"].as_str().unwrap().to_owned(),
        line_value(&text, "Password temporanea"),
    )
}

async fn sub_users_are_numbered_see_the_parents_data_and_cannot_manage_sub_users(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let (username, temporary) = add_sub_user(&t, &access, mario()).await;
    assert_eq!(username, "10093.1");
    let list: Value = t.json("/sub-users", &access).await;
    assert_eq!(
        list,
        json!({"next_cursor": null, "items": [{"username": "10093.1", "first_name": "Mario", "last_name": "Rossi", "email": "mario.rossi@example.it",
                "secondary_email": null, "language": "it", "parent_username": "10093", "rights": []}]})
    );

    let sub = t.first_login(&username, &temporary, SUB_PASSWORD).await;
    let parents: Value = t.json("/contracts?limit=50", &access).await;
    let theirs: Value = t.json("/contracts?limit=50", &sub).await;
    assert_eq!(parents, theirs, "a sub-user sees the parent's data");
    assert_eq!(t.json("/profile", &sub).await["parent_username"], "10093");

    assert_eq!(
        error_code(t.post_as("/sub-users", &sub, mario()).await).await,
        (StatusCode::FORBIDDEN, "forbidden".into())
    );
    assert_eq!(error_code(t.get("/sub-users", &sub).await).await.1, "forbidden");
    let paper = t
        .call(Method::PATCH, "/profile", &sub, Some(json!({"paper_invoices": true})))
        .await;
    assert_eq!(
        error_code(paper).await.1,
        "forbidden",
        "paper invoices are the main user's"
    );
    let own = t
        .call(Method::PATCH, "/profile", &sub, Some(json!({"language": "en"})))
        .await;
    assert_eq!(own.status(), StatusCode::OK, "a sub-user sets its own language");
}

async fn sub_users_are_edited_and_deleted_for_good(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let (username, temporary) = add_sub_user(&t, &access, mario()).await;
    let sub = t.first_login(&username, &temporary, SUB_PASSWORD).await;

    let mut edit = mario();
    edit["last_name"] = json!("Rossini");
    edit["secondary_email"] = json!("m.rossini@example.it");
    edit["language"] = json!("en");
    let edited: Value = t
        .call(Method::PUT, "/sub-users/10093.1", &access, Some(edit))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (edited["last_name"].clone(), edited["language"].clone()),
        (json!("Rossini"), json!("en"))
    );
    let missing = t.call(Method::PUT, "/sub-users/10093.9", &access, Some(mario())).await;
    assert_eq!(error_code(missing).await.0, StatusCode::NOT_FOUND);
    let mut bad = mario();
    bad["first_name"] = json!("");
    let response = t.call(Method::PUT, "/sub-users/10093.1", &access, Some(bad)).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["fields"]["first_name"],
        "required"
    );

    assert_eq!(
        t.call(Method::DELETE, "/sub-users/10093.1", &access, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.get("/home", &sub).await.status(),
        StatusCode::UNAUTHORIZED,
        "its session ended"
    );
    assert_eq!(
        error_code(t.login(&username, SUB_PASSWORD).await).await.1,
        "invalid_credentials"
    );
    assert_eq!(t.json("/sub-users", &access).await["items"], json!([]));
    assert_eq!(
        t.call(Method::DELETE, "/sub-users/10093.1", &access, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let (next, _) = add_sub_user(&t, &access, mario()).await;
    assert_eq!(next, "10093.2", "a deleted sub-user's username is never given again");
}

async fn creating_a_sub_user_is_idempotent_and_checks_the_form(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let send = |body: Value, key: &'static str| {
        t.http
            .post(t.url("/sub-users"))
            .bearer_auth(&access)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send(mario(), "k-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let replay = send(mario(), "k-1").await.unwrap();
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    assert_eq!(
        t.json("/sub-users", &access).await["items"].as_array().unwrap().len(),
        1,
        "created once"
    );
    assert_eq!(
        t.outbox()
            .await
            .iter()
            .filter(|m| m.subject().unwrap().contains("credenziali"))
            .count(),
        1,
        "one e-mail"
    );

    let mut other = mario();
    other["first_name"] = json!("Luigi");
    assert_eq!(
        error_code(send(other, "k-1").await.unwrap()).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_mismatch".into())
    );

    let mut no_email = mario();
    no_email["email"] = json!("mario");
    let response = send(no_email.clone(), "k-2").await.unwrap();
    assert_eq!(response.json::<Value>().await.unwrap()["fields"]["email"], "invalid");
    no_email["email"] = json!("mario@example.it");
    assert_eq!(
        send(no_email, "k-2").await.unwrap().status(),
        StatusCode::CREATED,
        "a failed create frees its key"
    );
}

/// The right a refused call names, with its status.
async fn refused_right(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (status, body["fields"]["right"].as_str().unwrap_or("").to_owned())
}

/// A9: the main user chooses what each sub-user may do besides looking;
/// the server refuses the rest at once, with the right it lacks named.
async fn a_sub_user_does_only_what_its_rights_allow(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    let me: Value = t.json("/me", &access).await;
    assert_eq!(
        me["rights"],
        json!(["requests", "shop", "bank"]),
        "a main user may do everything"
    );

    let mut form = mario();
    form["rights"] = json!(["requests"]);
    let (username, temporary) = add_sub_user(&t, &access, form.clone()).await;
    let sub = t.first_login(&username, &temporary, SUB_PASSWORD).await;
    assert_eq!(t.json("/me", &sub).await["rights"], json!(["requests"]));
    assert_eq!(t.json("/profile", &sub).await["rights"], json!(["requests"]));
    assert_eq!(
        t.json("/sub-users", &access).await["items"][0]["rights"],
        json!(["requests"])
    );

    let context: Value = t.json("/self-service", &sub).await;
    let contract = context["contracts"][0]["id"].as_i64().unwrap();
    let tomorrow = (t.clock.today() + chrono::Days::new(1)).to_string();
    let free = json!({"kind": "free", "type_code": "other", "message": "Mi serve una copia del contratto."});
    let iban = json!({"kind": "iban_change", "contract_id": contract, "new_iban": "IT51W0306912011000000123456",
        "effective_from": tomorrow, "current_password": SUB_PASSWORD});
    let filed = t.post_as("/requests", &sub, free.clone()).await;
    assert_eq!(filed.status(), StatusCode::CREATED, "a request is within its rights");
    let request_id = filed.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(
        refused_right(t.post_as("/requests", &sub, iban.clone()).await).await,
        (StatusCode::FORBIDDEN, "bank".into()),
        "bank details need the bank right"
    );
    let join = json!({"agreement_code": "CONV-01"});
    assert_eq!(
        refused_right(t.post_as("/shop/agreements", &sub, join.clone()).await).await,
        (StatusCode::FORBIDDEN, "shop".into())
    );

    // The main user gives the bank right: it holds at once, on the same session.
    form["rights"] = json!(["bank", "requests"]);
    let edited = t
        .call(Method::PUT, &format!("/sub-users/{username}"), &access, Some(form))
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(
        edited.json::<Value>().await.unwrap()["rights"],
        json!(["requests", "bank"])
    );
    assert_eq!(
        t.post_as("/requests", &sub, iban.clone()).await.status(),
        StatusCode::CREATED
    );

    // A view-only sub-user files nothing, writes in no thread and uploads nothing.
    let (viewer, temporary) = add_sub_user(&t, &access, mario()).await;
    let viewer = t.first_login(&viewer, &temporary, SUB_PASSWORD).await;
    assert_eq!(t.json("/me", &viewer).await["rights"], json!([]));
    assert_eq!(
        refused_right(t.post_as("/requests", &viewer, free).await).await,
        (StatusCode::FORBIDDEN, "requests".into())
    );
    let reply = json!({"body": "Grazie"});
    let path = format!("/requests/{request_id}/messages");
    assert_eq!(
        refused_right(t.post_as(&path, &viewer, reply.clone()).await).await,
        (StatusCode::FORBIDDEN, "requests".into())
    );
    assert_eq!(t.post_as(&path, &sub, reply).await.status(), StatusCode::CREATED);
    let upload = t
        .http
        .post(t.url("/attachments?name=ricevuta.pdf"))
        .bearer_auth(&viewer)
        .body(b"%PDF-1.4 a receipt".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.json("/contracts?limit=50", &viewer).await,
        t.json("/contracts?limit=50", &access).await
    );
}

async fn sub_users_come_in_pages_with_a_cursor(t: TestServer) {
    let (access, _) = t.demo_tokens().await;
    for n in 1..=3 {
        let form = json!({"first_name": format!("Utente{n}"), "last_name": "Rossi",
                          "email": format!("utente{n}@example.it"), "language": "it"});
        add_sub_user(&t, &access, form).await;
    }
    let first = t.json("/sub-users?limit=2", &access).await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["10093.1", "10093.2"]);
    let cursor = first["next_cursor"].as_str().expect("a cursor while more follow");
    let second = t.json(&format!("/sub-users?limit=2&cursor={cursor}"), &access).await;
    assert_eq!(names(&second), ["10093.3"]);
    assert_eq!(second["next_cursor"], Value::Null, "the last page has no cursor");
    for bad in ["/sub-users?limit=0", "/sub-users?limit=501", "/sub-users?cursor=bogus"] {
        let (status, code) = error_code(t.get(bad, &access).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "bad_request"),
            "{bad}"
        );
    }
}

on_both_engines!(
    a_sub_user_does_only_what_its_rights_allow,
    profile_shows_and_changes_settings_and_paper_invoices,
    a_new_primary_address_is_confirmed_by_a_code_sent_to_it,
    sub_users_are_numbered_see_the_parents_data_and_cannot_manage_sub_users,
    sub_users_are_edited_and_deleted_for_good,
    creating_a_sub_user_is_idempotent_and_checks_the_form,
    sub_users_come_in_pages_with_a_cursor,
);
