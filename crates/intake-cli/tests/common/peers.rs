//! The tests' Python peers (`.ci/python-env`): a real SMTP server (aiosmtpd) on a loopback
//! port, and reading the messages it received with Python's own e-mail parser.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a test waits for the peer or a message.
const PATIENCE: Duration = Duration::from_secs(30);

/// The Python of the project's test peers (`.ci/python-env`), or why there is none; without
/// one the test is skipped, unless `INTAKE_REQUIRE_PEERS=1` (CI), where it fails.
pub fn python_peers() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let found = match Command::new("bash").arg(root.join(".ci/python-env")).stderr(Stdio::piped()).output() {
        Ok(out) if out.status.success() => {
            let printed =
                String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").trim().to_string();
            Ok(root.join(printed))
        }
        Ok(out) => Err(format!(".ci/python-env failed: {}", String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => Err(format!("bash .ci/python-env: {e}")),
    };
    match found {
        Ok(python) => Some(python),
        Err(reason) if std::env::var("INTAKE_REQUIRE_PEERS").as_deref() == Ok("1") => {
            panic!("INTAKE_REQUIRE_PEERS=1 and no Python peers: {reason}")
        }
        Err(reason) => {
            eprintln!("skipped: no Python peers ({reason}); INTAKE_REQUIRE_PEERS=1 makes this a failure");
            None
        }
    }
}

/// An aiosmtpd server on a loopback port writing every message to a maildir; stopped (by
/// its PID) when dropped.
pub struct SmtpPeer {
    child: Child,
    /// The port it listens on, as a flag's value.
    port: String,
}

impl SmtpPeer {
    pub fn start(python: &Path, maildir: &Path) -> SmtpPeer {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let peer = SmtpPeer { child, port: port.to_string() };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < PATIENCE, "aiosmtpd does not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        peer
    }

    /// The flags of `intake serve` that send its mail through this peer, from `from`.
    pub fn flags<'a>(&'a self, from: &'a str) -> [&'a str; 8] {
        ["--smtp-host", "127.0.0.1", "--smtp-port", &self.port, "--smtp-tls", "none", "--smtp-from", from]
    }
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for the first message in `maildir` and reads it with Python's e-mail parser:
/// `to`, `from`, `subject` and the decoded `text`.
pub fn first_message(python: &Path, maildir: &Path) -> Value {
    let new = maildir.join("new");
    let started = Instant::now();
    let file = loop {
        let found = std::fs::read_dir(&new).ok().and_then(|mut d| d.next()).and_then(Result::ok);
        if let Some(entry) = found {
            break entry.path();
        }
        assert!(started.elapsed() < PATIENCE, "no e-mail came");
        std::thread::sleep(Duration::from_millis(50));
    };
    let parse = "import email, email.policy, json, sys\n\
                 m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n\
                 print(json.dumps({'to': m['To'], 'from': m['From'], 'subject': m['Subject'], 'text': m.get_content()}))";
    let out = Command::new(python).args(["-c", parse]).arg(&file).output().expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}
