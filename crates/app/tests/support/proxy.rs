//! A TCP proxy between the app and a real server that breaks connections on
//! purpose: closed at once, cut in the middle of a response, a 500 or a
//! malformed body instead of the answer, or the request delivered and the
//! reply lost. Faults are drawn per connection from a seeded generator.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Pass everything through.
    None,
    /// Close before reading the request.
    Refuse,
    /// Forward, then cut the response after this many bytes.
    Cut(usize),
    /// Answer 500 without asking the server.
    ServerError,
    /// Answer 200 with a body that is not JSON.
    Garbage,
    /// Let the server handle the request, then drop its reply.
    LoseReply,
}

struct Plan {
    rng: StdRng,
    /// Chance of a fault per connection, in percent.
    percent: u32,
    log: Vec<Fault>,
}

#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    plan: Arc<Mutex<Plan>>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr, seed: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let plan = Arc::new(Mutex::new(Plan {
            rng: StdRng::seed_from_u64(seed),
            percent: 0,
            log: Vec::new(),
        }));
        let shared = plan.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let fault = shared.lock().unwrap().draw();
                tokio::spawn(handle(client, upstream, fault));
            }
        });
        Proxy { addr, plan }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// From now on, each new connection fails with this chance (0 to 100).
    pub fn faults(&self, percent: u32) {
        self.plan.lock().unwrap().percent = percent;
    }

    /// The faults injected so far.
    pub fn injected(&self) -> Vec<Fault> {
        self.plan
            .lock()
            .unwrap()
            .log
            .iter()
            .copied()
            .filter(|f| *f != Fault::None)
            .collect()
    }
}

impl Plan {
    fn draw(&mut self) -> Fault {
        let fault = if self.rng.gen_range(0..100) >= self.percent {
            Fault::None
        } else {
            match self.rng.gen_range(0..5) {
                0 => Fault::Refuse,
                1 => Fault::Cut(self.rng.gen_range(1..400)),
                2 => Fault::ServerError,
                3 => Fault::Garbage,
                _ => Fault::LoseReply,
            }
        };
        self.log.push(fault);
        fault
    }
}

/// Reads one HTTP request (head and Content-Length body) from the client.
async fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = client.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = client.read(&mut buf).await.ok()?;
                if n == 0 {
                    return None;
                }
                data.extend_from_slice(&buf[..n]);
            }
            return Some(data);
        }
    }
}

/// One request per connection: the proxy asks the server to close after it,
/// so every request draws its own fault.
async fn handle(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    if fault == Fault::Refuse {
        return;
    }
    let Some(request) = read_request(&mut client).await else {
        return;
    };
    let canned = |status: &str, body: &str| {
        format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len())
    };
    match fault {
        Fault::ServerError => {
            let body = r#"{"code":"internal","message":"internal error"}"#;
            let _ = client
                .write_all(canned("500 Internal Server Error", body).as_bytes())
                .await;
            return;
        }
        Fault::Garbage => {
            let _ = client.write_all(canned("200 OK", "{\"items\": [tru").as_bytes()).await;
            return;
        }
        _ => {}
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let request = close_after(&request);
    if server.write_all(&request).await.is_err() {
        return;
    }
    let mut response = Vec::new();
    if server.read_to_end(&mut response).await.is_err() {
        return;
    }
    match fault {
        Fault::LoseReply => {}
        Fault::Cut(n) => {
            let _ = client
                .write_all(&response[..n.min(response.len().saturating_sub(1))])
                .await;
        }
        _ => {
            let _ = client.write_all(&response).await;
        }
    }
}

/// Rewrites the request's Connection header to `close`, so the server ends
/// the connection after its answer and the proxy knows where it ends.
fn close_after(request: &[u8]) -> Vec<u8> {
    let end = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(request.len());
    let head = String::from_utf8_lossy(&request[..end]);
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("connection: close");
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(&request[end..]);
    out
}
