//! The mail queue sends each message once across instances (X6): two
//! server processes work one queue against a slow SMTP server on loopback,
//! and a delivered message's text (a temporary password, a code, a link)
//! does not stay readable in the database.

mod common;

use common::Engine;
use sportello_server::store::mailq::MailState;
use sportello_server::store::unit::QueuedMail;
use sportello_server::store::Store;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A minimal SMTP server that takes `delay` to accept each message and
/// counts the messages it received by their Message-ID.
async fn slow_smtp(delay: Duration) -> (u16, Arc<Mutex<BTreeMap<String, usize>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let counted = seen.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(session(socket, delay, counted.clone()));
        }
    });
    (port, seen)
}

async fn session(socket: tokio::net::TcpStream, delay: Duration, seen: Arc<Mutex<BTreeMap<String, usize>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 slow.test ESMTP\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 slow.test\r\n",
            "DATA" => {
                let _ = write.write_all(b"354 end with a dot\r\n").await;
                let mut id = String::new();
                while let Ok(Some(data)) = lines.next_line().await {
                    if data == "." {
                        break;
                    }
                    if let Some(value) = data
                        .strip_prefix("Message-ID:")
                        .or_else(|| data.strip_prefix("Message-Id:"))
                    {
                        id = value.trim().to_owned();
                    }
                }
                tokio::time::sleep(delay).await;
                *seen.lock().unwrap().entry(id).or_default() += 1;
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 ok\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// Only the two processes send: the queue is filled through a store of
/// the test's own, with no worker of its own.
async fn each_message_is_sent_once_by_two_instances_through_a_slow_server(engine: Engine) {
    let (port, seen) = slow_smtp(Duration::from_millis(150)).await;
    let dir = tempfile::tempdir().unwrap();
    let database_url = common::fresh_database(engine, dir.path()).await;
    let store = Store::open(&database_url).await.unwrap();
    let messages = 12;
    let now = chrono::Utc::now().timestamp_millis();
    for n in 0..messages {
        let mail = QueuedMail {
            to: format!("cliente{n}@example.it"),
            subject: format!("Credenziali {n}"),
            body: format!("La password temporanea è Segreta-{n}"),
        };
        store.queue_mail(&mail, now).await.unwrap();
    }
    let smtp = format!("smtp://127.0.0.1:{port}");
    // A lease longer than one message (150 ms) and far shorter than a
    // batch of them (1.8 s): a batch leased at once would pass to the other
    // instance halfway and be sent twice.
    let env = [
        ("SPORTELLO_MAIL__SMTP_URL", smtp.as_str()),
        ("SPORTELLO_MAIL_LEASE_MS", "400"),
        ("SPORTELLO_MAIL_POLL_MS", "20"),
    ];
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = common::process("serve", &database_url, a_dir.path(), &env).await;
    let b = common::process("serve", &database_url, b_dir.path(), &env).await;
    for _ in 0..200 {
        if seen.lock().unwrap().len() >= messages {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Longer than a lease: a message taken twice would arrive by now.
    tokio::time::sleep(Duration::from_millis(800)).await;
    drop((a, b));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), messages, "every message arrived: {seen:?}");
    assert!(seen.values().all(|n| *n == 1), "each once: {seen:?}");
    let sent = store.mail_queue(MailState::Sent, None, 1000).await.unwrap();
    let ours: Vec<_> = sent.iter().filter(|m| m.subject.starts_with("Credenziali")).collect();
    assert_eq!(ours.len(), messages);
    assert!(
        ours.iter().all(|m| m.body.is_empty()),
        "no temporary password stays in the queue once delivered"
    );
}

#[tokio::test]
async fn sqlite() {
    each_message_is_sent_once_by_two_instances_through_a_slow_server(Engine::Sqlite).await
}

#[tokio::test]
async fn postgres() {
    each_message_is_sent_once_by_two_instances_through_a_slow_server(Engine::Postgres).await
}
