//! Real sockets for the alert tests: an HTTP/1.1 receiver that records every request and
//! answers with a status the test sets (or never answers), and an SMTP server that keeps
//! every message. Small on purpose; the end-to-end suite uses Debian's aiosmtpd and the
//! reference standardwebhooks verifier (scripts/e2e-alerts.sh).

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the HTTP receiver was sent: headers (lower-case names) and body, per request.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// An HTTP/1.1 receiver on 127.0.0.1 answering every request with the status `status` holds
/// (0: never answers).
pub struct Receiver {
    pub url: String,
    status: Arc<Mutex<u16>>,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let status = Arc::new(Mutex::new(200u16));
        let got = Arc::new(Mutex::new(Vec::new()));
        let (answer, record) = (status.clone(), got.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (answer, record) = (answer.clone(), record.clone());
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    loop {
                        let mut line = String::new();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let mut headers = Vec::new();
                        loop {
                            let mut header = String::new();
                            stream.read_line(&mut header).await.unwrap();
                            let header = header.trim_end();
                            if header.is_empty() {
                                break;
                            }
                            let (name, value) = header.split_once(':').unwrap();
                            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
                        }
                        let length: usize = headers
                            .iter()
                            .find(|(n, _)| n == "content-length")
                            .map_or(0, |(_, v)| v.parse().unwrap());
                        let mut body = vec![0; length];
                        stream.read_exact(&mut body).await.unwrap();
                        let body = String::from_utf8(body).unwrap();
                        record.lock().unwrap().push(Received { headers, body });
                        let status = *answer.lock().unwrap();
                        if status == 0 {
                            // Hold the request open, as a receiver that hangs does.
                            std::future::pending::<()>().await;
                        }
                        let reply = format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nlocation: http://127.0.0.1:9/\r\n\r\n"
                        );
                        stream.get_mut().write_all(reply.as_bytes()).await.unwrap();
                    }
                });
            }
        });
        Self { url, status, got }
    }

    pub fn answer(&self, status: u16) {
        *self.status.lock().unwrap() = status;
    }

    pub fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// A minimal SMTP server on 127.0.0.1 keeping each message's DATA.
pub struct MailSink {
    pub url: String,
    mails: Arc<Mutex<Vec<String>>>,
}

impl MailSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let mails = Arc::new(Mutex::new(Vec::new()));
        let keep = mails.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let keep = keep.clone();
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    stream
                        .get_mut()
                        .write_all(b"220 sink ESMTP\r\n")
                        .await
                        .unwrap();
                    loop {
                        let mut line = String::new();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let verb = line.trim_end().to_ascii_uppercase();
                        let reply: &[u8] = if verb.starts_with("EHLO") {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if verb == "DATA" {
                            stream.get_mut().write_all(b"354 go on\r\n").await.unwrap();
                            let mut data = String::new();
                            loop {
                                let mut line = String::new();
                                stream.read_line(&mut line).await.unwrap();
                                if line == ".\r\n" {
                                    break;
                                }
                                // A line the client began with a dot was sent with two.
                                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                            }
                            keep.lock().unwrap().push(data);
                            b"250 queued\r\n"
                        } else if verb == "QUIT" {
                            stream.get_mut().write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        } else {
                            b"250 ok\r\n"
                        };
                        stream.get_mut().write_all(reply).await.unwrap();
                    }
                });
            }
        });
        Self { url, mails }
    }

    pub fn mails(&self) -> Vec<String> {
        self.mails.lock().unwrap().clone()
    }
}
