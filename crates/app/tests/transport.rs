//! How the desktop talks to a server it cannot trust blindly: it never
//! follows a redirect (a login's body would be sent on to wherever the
//! answer points), and it keeps no download whose length or SHA-256 differ
//! from what the server stated. Real HTTP servers on 127.0.0.1.

use sportello_app::api::ApiClient;
use sportello_domain::api::operations as op;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server on loopback that answers every request with `answer` and counts
/// the requests it got. Returns its address.
async fn canned(answer: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counted = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = vec![0; 64 * 1024];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (address, seen)
}

fn answer(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_login_goes_nowhere_else() {
    let (elsewhere, reached) = canned(answer("200 OK", &[("Content-Length", "2".into())], b"{}")).await;
    let moved = answer(
        "307 Temporary Redirect",
        &[
            ("Location", format!("{elsewhere}/api/v1/auth/login")),
            ("Content-Length", "0".into()),
        ],
        b"",
    );
    let (server, _) = canned(moved).await;
    let client = ApiClient::new(&server);
    assert!(client.login("10093", "a password").await.is_err());
    assert_eq!(reached.load(Ordering::SeqCst), 0, "the password was not sent on");
}

#[tokio::test]
async fn a_download_is_kept_only_as_the_server_stated_it() {
    let body = b"%PDF-1.4 the statement".to_vec();
    let sha = sportello_app::files::sha256_hex(&body);
    let file = |sha: &str, length: usize, body: &[u8]| {
        answer(
            "200 OK",
            &[
                ("Content-Type", "application/pdf".into()),
                ("Content-Length", length.to_string()),
                ("X-Content-SHA256", sha.into()),
            ],
            body,
        )
    };
    let (good, _) = canned(file(&sha, body.len(), &body)).await;
    let downloaded = ApiClient::new(&good)
        .download(&op::requests::DOWNLOAD.call(&[&"x"]), "token")
        .await
        .unwrap();
    assert_eq!(downloaded, body);

    let other = sportello_app::files::sha256_hex(b"something else");
    let (altered, _) = canned(file(&other, body.len(), &body)).await;
    let refused = ApiClient::new(&altered)
        .download(&op::requests::DOWNLOAD.call(&[&"x"]), "token")
        .await;
    assert!(refused.is_err(), "bytes that are not what the server stated");

    let (cut, _) = canned(file(&sha, body.len() + 100, &body)).await;
    let refused = ApiClient::new(&cut)
        .download(&op::requests::DOWNLOAD.call(&[&"x"]), "token")
        .await;
    assert!(refused.is_err(), "a transfer cut short of its length");
}
