//! The database going away under load: every request is answered 503 with Retry-After (no
//! 500s, no hanging), and the server recovers by itself when the database returns.
//! PostgreSQL only: the server reaches it through a TCP proxy the test switches off and on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::node::{Db, Node, free_port, signup_and_login};

/// Forwards a local port to PostgreSQL until `stop`; then refuses connections and cuts the
/// ones it carried, as a database that went down would.
struct Proxy {
    port: u16,
    upstream: String,
    up: Arc<AtomicBool>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let mut proxy = Proxy {
            port: free_port(),
            upstream,
            up: Arc::default(),
            tasks: Arc::default(),
            acceptor: None,
        };
        proxy.resume().await;
        proxy
    }

    async fn resume(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.up.store(true, Ordering::SeqCst);
        let (upstream, tasks, up) = (self.upstream.clone(), self.tasks.clone(), self.up.clone());
        self.acceptor = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up.load(Ordering::SeqCst) {
                    continue;
                }
                let upstream = upstream.clone();
                tasks.lock().await.push(tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        }));
    }

    async fn stop(&mut self) {
        self.up.store(false, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
            let _ = acceptor.await;
        }
        for task in self.tasks.lock().await.drain(..) {
            task.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_outage_is_503_with_retry_after_and_the_server_recovers() {
    let Some(db) = Db::postgres().await else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let upstream = {
        let rest = db.url.split("://").nth(1).unwrap();
        let host_port = rest
            .split('@')
            .next_back()
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        if host_port.contains(':') {
            host_port.to_owned()
        } else {
            format!("{host_port}:5432")
        }
    };
    let mut proxy = Proxy::start(upstream.clone()).await;
    let via_proxy = db
        .url
        .replacen(&upstream, &format!("127.0.0.1:{}", proxy.port), 1);
    let node = Node::start(&via_proxy, &[]).await;
    let client = Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let session = signup_and_login(&client, &node, "ada@example.com").await;
    let token = session["access_token"].as_str().unwrap().to_owned();

    proxy.stop().await;
    let started = Instant::now();
    let mut statuses = Vec::new();
    let load = (0..24).map(|i| {
        let client = client.clone();
        let node_base = node.base.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let response = match i % 3 {
                0 => {
                    client
                        .get(format!("{node_base}/me/sessions"))
                        .bearer_auth(&token)
                        .send()
                        .await
                }
                1 => {
                    client
                        .post(format!("{node_base}/auth/login"))
                        .json(&json!({"email": "ada@example.com", "password": "whatever"}))
                        .send()
                        .await
                }
                _ => client.get(format!("{node_base}/readyz")).send().await,
            }
            .expect("answered, not hung");
            let retry_after = response.headers().get("retry-after").is_some();
            (response.status(), retry_after)
        })
    });
    for task in load.collect::<Vec<_>>() {
        statuses.push(task.await.unwrap());
    }
    for (status, retry_after) in &statuses {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{statuses:?}");
        assert!(retry_after, "every 503 says when to retry: {statuses:?}");
    }
    eprintln!(
        "outage: {} requests answered 503 within {:?}",
        statuses.len(),
        started.elapsed()
    );

    proxy.resume().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = client
            .get(node.url("/me/sessions"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not recover: {}",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(node);
    proxy.stop().await;
    db.finish().await;
}
