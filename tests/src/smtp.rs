//! A real SMTP sink for tests: Python's `aiosmtpd` on a free loopback port, writing every message
//! it accepts to a maildir that tests read. The Python it runs is `SAMSPILL_TEST_PYTHON` (CI
//! points it at its virtualenv), else the first of `target/ci-venv` and `python3` that has
//! `aiosmtpd`, else a virtualenv `target/test-venv` made once with `aiosmtpd` from PyPI.

use anyhow::{Context, anyhow};
use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
    time::Duration,
};

/// The `aiosmtpd` release the sink runs.
const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The `To` header.
    pub to: String,
    /// The subject, decoded.
    pub subject: String,
    /// The plain-text body, decoded.
    pub body: String,
}

/// A running sink; stopped and its maildir removed when dropped.
pub struct SmtpSink {
    /// `smtp://127.0.0.1:PORT`.
    pub url: String,
    dir: PathBuf,
    child: Child,
}

fn has_aiosmtpd(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target")
}

fn find_python() -> anyhow::Result<PathBuf> {
    if let Ok(python) = std::env::var("SAMSPILL_TEST_PYTHON") {
        return Ok(PathBuf::from(python));
    }
    for candidate in [
        target_dir().join("ci-venv/bin/python"),
        target_dir().join("test-venv/bin/python"),
        PathBuf::from("python3"),
    ] {
        if has_aiosmtpd(&candidate) {
            return Ok(candidate);
        }
    }
    // Made once; a lock directory keeps parallel test processes from building it twice.
    let venv = target_dir().join("test-venv");
    let lock = target_dir().join("test-venv.lock");
    std::fs::create_dir_all(target_dir())?;
    let mut waited = 0;
    while std::fs::create_dir(&lock).is_err() {
        std::thread::sleep(Duration::from_millis(500));
        waited += 1;
        if waited > 600 {
            return Err(anyhow!(
                "{} is held; remove it if no test runs",
                lock.display()
            ));
        }
    }
    let python = venv.join("bin/python");
    let made = (|| -> anyhow::Result<()> {
        if has_aiosmtpd(&python) {
            return Ok(());
        }
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .context("python3 is needed for the SMTP sink")?
            .success()
            && Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    AIOSMTPD,
                ])
                .status()?
                .success();
        if ok {
            Ok(())
        } else {
            Err(anyhow!(
                "could not install {AIOSMTPD} into {}",
                venv.display()
            ))
        }
    })();
    let _ = std::fs::remove_dir(&lock);
    made.map(|()| python)
}

fn python() -> anyhow::Result<&'static Path> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| find_python().map_err(|e| format!("{e:#}")))
        .as_deref()
        .map_err(|e| anyhow!("SMTP sink: {e}"))
}

impl SmtpSink {
    /// Starts a sink on a free loopback port and waits until it accepts connections.
    pub async fn start() -> Self {
        match tokio::task::spawn_blocking(Self::try_start).await {
            Ok(Ok(sink)) => sink,
            Ok(Err(e)) => panic!("cannot start the SMTP sink: {e:#}"),
            Err(e) => panic!("cannot start the SMTP sink: {e}"),
        }
    }

    fn try_start() -> anyhow::Result<Self> {
        let python = python()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        // The sink makes the maildir itself; it must not exist yet.
        let dir =
            std::env::temp_dir().join(format!("samspill-mail-{}", uuid::Uuid::now_v7().simple()));
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
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting aiosmtpd")?;
        let sink = Self {
            url: format!("smtp://127.0.0.1:{port}"),
            dir,
            child,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(sink);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(anyhow!("aiosmtpd did not listen on port {port}"))
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        files
            .iter()
            .filter_map(|file| std::fs::read(file).ok())
            .filter_map(|raw| {
                let parsed = mailparse::parse_mail(&raw).ok()?;
                let header = |name: &str| {
                    mailparse::MailHeaderMap::get_first_value(parsed.headers.as_slice(), name)
                        .unwrap_or_default()
                };
                Some(Mail {
                    to: header("To"),
                    subject: header("Subject"),
                    body: parsed.get_body().ok()?.replace("\r\n", "\n"),
                })
            })
            .collect()
    }

    /// Waits (up to 20 seconds) until at least `count` messages have arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Mail> {
        for _ in 0..200 {
            let mails = self.messages();
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mails = self.messages();
        panic!("expected {count} emails, got {}: {mails:?}", mails.len());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
