//! A loopback TCP proxy that a test can freeze, to stop a process's traffic to one cluster at an
//! exact moment without stopping the cluster.

use std::{
    io,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinSet,
};

/// Forwards connections from its own loopback port to `upstream`, until [`FaultProxy::hold`].
///
/// While held, connections stay open but no byte moves in either direction: a request sent
/// through it neither arrives nor fails, as on a network that silently drops packets. Bytes
/// that arrive meanwhile are kept, and delivered only after [`FaultProxy::release`]; those from
/// the client are counted ([`FaultProxy::held_bytes`]), so that a test can tell that a request
/// was really sent into the hold. Dropping the proxy closes every connection.
///
/// ```no_run
/// # async fn demo(b_address: &str) -> std::io::Result<()> {
/// use bridge_runtime::testing::FaultProxy;
///
/// let proxy = FaultProxy::start(b_address).await?;
/// // point a process at `proxy.address()` instead of `b_address`, then:
/// proxy.hold(); // its requests to B now hang
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FaultProxy {
    address: String,
    held: Arc<watch::Sender<bool>>,
    held_bytes: Arc<AtomicU64>,
    accepted: Arc<AtomicU64>,
    accept: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?.to_string();
        let held = Arc::new(watch::Sender::new(false));
        let held_bytes = Arc::new(AtomicU64::new(0));
        let upstream = upstream.to_owned();
        let state = held.clone();
        let counter = held_bytes.clone();
        let accepted = Arc::new(AtomicU64::new(0));
        let accepted_count = accepted.clone();
        let accept = tokio::spawn(async move {
            // Owned here, so that aborting this task closes every connection.
            let mut connections = JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                accepted_count.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue; // the client sees its connection closed, as with a dead server
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let requests = Some(counter.clone());
                connections.spawn(pump(client_read, server_write, state.subscribe(), requests));
                connections.spawn(pump(server_read, client_write, state.subscribe(), None));
            }
        });
        Ok(Self {
            address,
            held,
            held_bytes,
            accepted,
            accept,
        })
    }

    /// Connections accepted so far: how many a process opened to the upstream through it.
    pub fn connections(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// `127.0.0.1:port` to connect to instead of the upstream.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Stops moving bytes; connections stay open.
    pub fn hold(&self) {
        self.held.send_replace(true);
    }

    /// Moves bytes again, starting with those held back.
    pub fn release(&self) {
        self.held.send_replace(false);
    }

    /// Bytes from clients that arrived while held (counted from the first read in each hold of
    /// a connection: a stopped reader leaves the rest in the socket).
    pub fn held_bytes(&self) -> u64 {
        self.held_bytes.load(Ordering::SeqCst)
    }

    /// Waits until a client has sent bytes into the hold; fails after `timeout`.
    pub async fn wait_held_bytes(&self, timeout: Duration) -> io::Result<u64> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let n = self.held_bytes();
            if n > 0 {
                return Ok(n);
            }
            if tokio::time::Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no request reached the held proxy within {timeout:?}"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut held: watch::Receiver<bool>,
    held_bytes: Option<Arc<AtomicU64>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // Arrived during a hold, or held since it was read: keep these bytes here.
        if *held.borrow() {
            if let Some(counter) = &held_bytes {
                counter.fetch_add(n as u64, Ordering::SeqCst);
            }
            if held.wait_for(|h| !*h).await.is_err() {
                return;
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
