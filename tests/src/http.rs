//! Plain HTTP/1.1 for the bridge's health and metrics endpoints in tests: a GET, a wait for a
//! status, a Prometheus scrape and one sample of it.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET path` over plain HTTP/1.1; returns the status code and the body.
pub async fn get(address: &str, path: &str) -> (u16, String) {
    try_get(address, path)
        .await
        .unwrap_or_else(|e| panic!("GET {path} on {address}: {e}"))
}

/// [`get`], or the connection error (nothing listens yet).
pub async fn try_get(address: &str, path: &str) -> std::io::Result<(u16, String)> {
    exchange(
        address,
        &format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"),
    )
    .await
}

/// `GET path` over HTTP/1.0, whose answer comes whole, never in chunks (as some servers send
/// an HTTP/1.1 body); the status code and the body, or the connection error.
pub async fn try_get_http10(address: &str, path: &str) -> std::io::Result<(u16, String)> {
    exchange(
        address,
        &format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n"),
    )
    .await
}

/// Sends `request` on a new connection and reads the response until the server closes it.
async fn exchange(address: &str, request: &str) -> std::io::Result<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response}"));
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    Ok((status, body))
}

/// `GET /metrics`; returns the body.
pub async fn scrape(address: &str) -> String {
    let (status, body) = get(address, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    body
}

pub fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// Polls `path` until it answers `status`; returns the body.
pub async fn wait_for(address: &str, path: &str, status: u16) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (now, body) = match try_get(address, path).await {
            Ok(answer) => answer,
            Err(e) => (0, format!("no answer: {e}")),
        };
        if now == status {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path} still answers {now}, not {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The value of the first sample of `name` whose labels contain every one of `labels`.
pub fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}
