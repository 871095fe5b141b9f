//! Running the real `xgen` binary, scratch copies of the specs, and a tiny HTTP server for APIs
//! that have no fake exchange.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Kraken's published documentation secret: public test data.
pub const KRAKEN_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
pub const KRAKEN_KEY: &str = "TEST-KRAKEN-PUBLIC-KEY";

/// Every exchange's test credentials, from `signing-examples.json` where it has them.
pub const CREDENTIALS: &[(&str, &str)] = &[
    ("KRAKEN_API_KEY", KRAKEN_KEY),
    ("KRAKEN_API_SECRET", KRAKEN_SECRET),
    ("KRAKEN_PAY_API_KEY", KRAKEN_KEY),
    ("KRAKEN_PAY_API_SECRET", KRAKEN_SECRET),
    ("OKX_API_KEY", "37c541a1-0000-4000-8000-10fe7a038418"),
    ("OKX_API_SECRET", "22582BD0CFF14C41EDBF1AB98506286D"),
    ("OKX_API_PASSPHRASE", "Test-Passphrase-1"),
    ("BYBIT_API_KEY", "XXXXXXXXXX"),
    ("BYBIT_API_SECRET", "bybit-test-secret-0123456789ABCDEFGHIJ"),
    ("ALPHAPOINT_API_KEY", "28c68ac3fcfafc3d4e8d653fe57e5baf"),
    ("ALPHAPOINT_API_SECRET", "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
    ("ALPHAPOINT_USER_ID", "96"),
];

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `xgen <args>` in the workspace, with every test credential set.
pub fn xgen(args: &[&str]) -> Output {
    xgen_with(args, CREDENTIALS)
}

/// `xgen <args>` in the workspace with exactly these variables of ours set (inherited ones
/// that could change the outcome removed).
pub fn xgen_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xgen"));
    command.args(args).current_dir(workspace());
    for (name, _) in CREDENTIALS {
        command.env_remove(name);
    }
    command.envs(env.iter().copied()).output().unwrap()
}

/// [`xgen`] off the async runtime's threads, so a fake in the same runtime keeps serving.
pub async fn xgen_async(args: Vec<String>, env: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        xgen_with(&args, &env)
    })
    .await
    .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Exit code 2, this exact message on stderr, and nothing on stdout.
pub fn assert_input_error(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert_eq!(stderr(output), format!("error: {message}\n"));
    assert_eq!(stdout(output), "");
}

/// A copy of the real specs folder, to edit on purpose.
pub fn specs_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("specs"), dir.path());
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Replaces the one occurrence of `from` in `file`, failing if it is not there exactly once.
pub fn edit(file: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(file).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} in {}",
        file.display()
    );
    fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// A specs folder with one exchange, `name`, made of a profile and one OpenAPI file.
pub fn openapi_specs(name: &str, profile: &str, openapi: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(name);
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("profile.yaml"), profile).unwrap();
    fs::write(folder.join("api.yaml"), openapi).unwrap();
    dir
}

/// One request as a [`TinyServer`] received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub request_line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    /// The body as JSON, for servers that check what was sent.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP/1.1 server on 127.0.0.1 for an API with no fake exchange: it checks credentials with
/// its own rule and answers each request with what `answer` returns.
pub struct TinyServer {
    pub base_url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl TinyServer {
    /// `answer` gets each request and returns a status and a JSON body.
    pub async fn start(answer: fn(&Received) -> (u16, String)) -> TinyServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    let (status, body) = answer(&request);
                    log.lock().unwrap().push(request);
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        TinyServer { base_url, received }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..n]);
    }
    Some(Received {
        request_line,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
