//! `xgen-cancel` (`xgen cancel`), the real binary against the fake exchanges on 127.0.0.1: every outcome on every
//! exchange, with its exit code and the lines an operator reads.
//!
//! Real processes and real waits: the scripts cancel after at most one poll and deadlines are
//! 2 s at most. Each fake runs in the test's multi-thread runtime, so it keeps serving while the
//! test waits on the child in `spawn_blocking`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use xgen_fake_exchanges::CancelScript;

const KRAKEN_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
/// A valid base64 secret the fakes do not know.
const OTHER_KRAKEN_SECRET: &str =
    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg==";
const KRAKEN_KEY: &str = "TEST-KRAKEN-PUBLIC-KEY";
const OKX_KEY: &str = "37c541a1-0000-4000-8000-10fe7a038418";
const OKX_SECRET: &str = "22582BD0CFF14C41EDBF1AB98506286D";
const OKX_PASSPHRASE: &str = "Test-Passphrase-1";
const BYBIT_KEY: &str = "XXXXXXXXXX";
const BYBIT_SECRET: &str = "bybit-test-secret-0123456789ABCDEFGHIJ";
const ALPHAPOINT_KEY: &str = "28c68ac3fcfafc3d4e8d653fe57e5baf";
const ALPHAPOINT_SECRET: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const ALPHAPOINT_USER: u64 = 96;
const KUCOIN_KEY: &str = "67e6515f7960ba0007b42025";
const KUCOIN_SECRET: &str = "2142051e-5bda-4d4e-a3c6-a82395c66f80";
const KUCOIN_PASSPHRASE: &str = "Test-Passphrase-2";

const CREDENTIALS: &[(&str, &str)] = &[
    ("KRAKEN_API_KEY", KRAKEN_KEY),
    ("KRAKEN_API_SECRET", KRAKEN_SECRET),
    ("KRAKEN_PAY_API_KEY", KRAKEN_KEY),
    ("KRAKEN_PAY_API_SECRET", KRAKEN_SECRET),
    ("OKX_API_KEY", OKX_KEY),
    ("OKX_API_SECRET", OKX_SECRET),
    ("OKX_API_PASSPHRASE", OKX_PASSPHRASE),
    ("BYBIT_API_KEY", BYBIT_KEY),
    ("BYBIT_API_SECRET", BYBIT_SECRET),
    ("ALPHAPOINT_API_KEY", ALPHAPOINT_KEY),
    ("ALPHAPOINT_API_SECRET", ALPHAPOINT_SECRET),
    ("ALPHAPOINT_USER_ID", "96"),
    ("KUCOIN_API_KEY", KUCOIN_KEY),
    ("KUCOIN_API_SECRET", KUCOIN_SECRET),
    ("KUCOIN_API_PASSPHRASE", KUCOIN_PASSPHRASE),
];

/// What the fake's URL becomes in the lines compared.
const FAKE: &str = "http://fake";

/// One run of the binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Stdout's lines, the fake's base URL replaced by [`FAKE`] and each `status after 0.0 s`
    /// by `status after T s` (elapsed times vary from run to run).
    lines: Vec<String>,
}

impl Run {
    fn new(code: Option<i32>, stdout: String, stderr: String, base_url: Option<&str>) -> Run {
        let lines = stdout
            .lines()
            .map(|line| normalise(line, base_url))
            .collect();
        let run = Run {
            code,
            stdout,
            stderr,
            lines,
        };
        for secret in [
            KRAKEN_SECRET,
            OTHER_KRAKEN_SECRET,
            OKX_SECRET,
            OKX_PASSPHRASE,
            BYBIT_SECRET,
            ALPHAPOINT_SECRET,
            KUCOIN_SECRET,
            KUCOIN_PASSPHRASE,
        ] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "a secret was printed\n{}",
                run.show()
            );
        }
        run
    }

    fn show(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// The exit code, and every stdout line exactly.
    fn assert(&self, code: i32, lines: &[&str]) {
        assert_eq!(self.code, Some(code), "{}", self.show());
        assert_eq!(self.lines, lines, "{}", self.show());
    }

    /// Exit 7 after polling until the deadline: `head` first, then only status lines showing
    /// `status` and waits between them (as many as the deadline and the rate limit allow), then
    /// `outcome`.
    fn assert_still_unknown(&self, head: &[&str], status: &str, outcome: &str) {
        assert_eq!(self.code, Some(7), "{}", self.show());
        let lines = &self.lines;
        assert!(lines.len() > head.len() + 1, "{}", self.show());
        assert_eq!(&lines[..head.len()], head, "{}", self.show());
        assert_eq!(lines.last().unwrap(), outcome, "{}", self.show());
        let middle = &lines[head.len()..lines.len() - 1];
        let status_line = format!("status after T s: {status}");
        for (i, line) in middle.iter().enumerate() {
            if i % 2 == 0 {
                assert_eq!(line, &status_line, "{}", self.show());
            } else {
                assert!(
                    line.starts_with("waiting ") && line.ends_with(" s"),
                    "{}",
                    self.show()
                );
            }
        }
        assert!(middle.len() % 2 == 1, "ends on a status: {}", self.show());
    }

    /// Exit 1: the cancel was sent and not taken; the error is on stderr.
    fn assert_not_taken(&self, sent: &str, error: &str) {
        self.assert(
            1,
            &[
                sent,
                "outcome: cancel failed: the exchange did not take it; nothing is known to have \
                 been done",
            ],
        );
        let last = self.stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: the cancel failed: ") && last.contains(error),
            "{}",
            self.show()
        );
    }
}

fn normalise(line: &str, base_url: Option<&str>) -> String {
    let line = match base_url {
        Some(base) => line.replace(base, FAKE),
        None => line.to_owned(),
    };
    match line
        .strip_prefix("status after ")
        .and_then(|rest| rest.split_once(" s: "))
    {
        Some((seconds, rest)) if seconds.parse::<f64>().is_ok() => {
            format!("status after T s: {rest}")
        }
        _ => line,
    }
}

fn command(args: &[String], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xgen-cancel"));
    command
        .args(args)
        .envs(CREDENTIALS.iter().copied())
        .envs(env.iter().copied());
    command
}

/// Runs `xgen cancel <args> --base-url <base_url>` off the runtime's worker threads.
async fn xgen_at(base_url: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(["--base-url".to_owned(), base_url.to_owned()]);
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let output = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        command(&all, &env).output().unwrap()
    })
    .await
    .unwrap();
    Run::new(
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        Some(base_url),
    )
}

/// Runs `xgen cancel <args>` with no fake.
fn xgen(args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let output = command(&args, &[]).output().unwrap();
    Run::new(
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        None,
    )
}

const CONFIRM: [&str; 3] = ["--confirm", "--deadline", "2s"];

/// The first wait between status polls: the layer's 1 s, or longer when the status endpoint's
/// documented rate limit asks for more (Kraken's call counter: 3 s).
fn first_wait(status: &xgen_runtime::Operation) -> String {
    let floor = status
        .rate_limit
        .map_or(Duration::ZERO, |limit| limit.min_interval());
    format!(
        "waiting {:.1} s",
        floor.max(Duration::from_secs(1)).as_secs_f64()
    )
}

fn with<'a>(args: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    args.iter().chain(more).copied().collect()
}

mod kraken {
    use super::*;
    use xgen_clients::kraken::operations::GET_STATUS_RECENT_WITHDRAWALS as STATUS;
    use xgen_fake_exchanges::kraken::{
        Answer, FakeKraken, Reply, Withdrawal, WITHDRAW_CANCEL_PATH, WITHDRAW_STATUS_PATH,
    };

    const REFID: &str = "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg";
    const ARGS: &[&str] = &["kraken", REFID, "--asset", "XBT"];
    const SENT: &str = "sent: POST http://fake/0/private/WithdrawCancel \
                        {\"asset\":\"XBT\",\"refid\":\"FTQcuak-V6Za8qrWnhzTx67yYHz8Tg\"}";
    const REQUESTED: &str = "answer: cancellation requested (accepted, not yet done)";

    async fn fake(script: CancelScript) -> FakeKraken {
        let fake = FakeKraken::start(KRAKEN_KEY, KRAKEN_SECRET).await;
        fake.add_withdrawal(Withdrawal::new(REFID, "XBT", "0.5").with_script(script));
        fake
    }

    fn cancels(fake: &FakeKraken) -> usize {
        let requests = fake.requests();
        requests
            .iter()
            .filter(|r| r.path == WITHDRAW_CANCEL_PATH)
            .count()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn cancelled() {
        let fake = fake(CancelScript::CancelsAfter { polls: 0 }).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            0,
            &[
                SENT,
                REQUESTED,
                "status after T s: cancelled (Failure, status-prop canceled)",
                "outcome: cancelled: the exchange shows the withdrawal cancelled (Failure, \
                 status-prop canceled)",
            ],
        );
        assert_eq!(cancels(&fake), 1);
        assert_eq!(fake.status_polls(REFID), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn too_late() {
        let fake = fake(CancelScript::AlreadyCompleted).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            4,
            &[
                SENT,
                REQUESTED,
                "status after T s: completed (Success)",
                "outcome: too late: the withdrawal completed and the funds have left (Success)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn refused() {
        // Kraken answers `result: true` either way; the status shows the refusal.
        let fake = fake(CancelScript::NotCancellable).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            5,
            &[
                SENT,
                REQUESTED,
                "status after T s: not cancellable (Pending, status-prop cancel-denied)",
                "outcome: refused: the exchange will not cancel it: the status shows it past the \
                 point where it can be cancelled; status now not cancellable (Pending, \
                 status-prop cancel-denied)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn not_found() {
        let fake = fake(CancelScript::Unknown).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            6,
            &[
                SENT,
                "answer: withdrawal not found: EFunding:Unknown reference id",
                "status after T s: not listed by the status endpoint",
                "outcome: not found: the exchange does not know this withdrawal: \
                 EFunding:Unknown reference id",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn still_unknown_at_the_deadline() {
        let fake = fake(CancelScript::StaysPending).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert_still_unknown(
            &[SENT, REQUESTED],
            "cancelling (Pending, status-prop cancel-pending)",
            "outcome: still unknown: no further status request fits before the deadline of 2s \
             within the endpoint's rate limit (one per 3s); the status is not final; last status \
             cancelling (Pending, status-prop cancel-pending)",
        );
        if STATUS
            .rate_limit
            .is_some_and(|l| l.min_interval() > Duration::from_secs(2))
        {
            assert!(
                run.stderr
                    .starts_with("note: kraken's status endpoint allows "),
                "{}",
                run.show()
            );
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn failed_on_its_own() {
        let fake = fake(CancelScript::CancelsAfter { polls: 0 }).await;
        // The withdrawal failed at Kraken before the cancel took: the status says so.
        fake.respond_once_on(
            WITHDRAW_STATUS_PATH,
            Reply::Exchange(Answer::Result(format!(
                r#"[{{"method":"Bitcoin","aclass":"currency","asset":"XXBT","refid":"{REFID}","txid":null,"info":"addr","amount":"0.5","fee":"0.0001","time":1688014586,"status":"Failure"}}]"#
            ))),
        );
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            8,
            &[
                SENT,
                REQUESTED,
                "status after T s: failed (Failure)",
                "outcome: failed: the withdrawal failed or was rejected by the exchange, not \
                 cancelled; the funds did not leave (Failure)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_confirm_sends_the_cancel_only() {
        let fake = fake(CancelScript::CancelsAfter { polls: 0 }).await;
        let run = xgen_at(&fake.base_url(), ARGS, &[]).await;
        run.assert(
            3,
            &[
                SENT,
                REQUESTED,
                "outcome: requested, not confirmed: the exchange accepted the cancellation \
                 request; run again with --confirm to follow its status to an outcome",
            ],
        );
        assert_eq!(cancels(&fake), 1);
        assert_eq!(fake.status_polls(REFID), 0);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn wrong_secret() {
        let fake = fake(CancelScript::CancelsAfter { polls: 0 }).await;
        let run = xgen_at(
            &fake.base_url(),
            &with(ARGS, &CONFIRM),
            &[("KRAKEN_API_SECRET", OTHER_KRAKEN_SECRET)],
        )
        .await;
        run.assert_not_taken(SENT, "EAPI:Invalid signature");
        assert_eq!(fake.status_polls(REFID), 0);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_asset_nothing_is_sent() {
        let fake = fake(CancelScript::CancelsAfter { polls: 0 }).await;
        let run = xgen_at(&fake.base_url(), &["kraken", REFID, "--confirm"], &[]).await;
        run.assert(2, &[]);
        assert_eq!(
            run.stderr,
            "error: kraken needs --asset: WithdrawCancel names a withdrawal by its asset and \
             refid (e.g. --asset XBT)\n"
        );
        assert!(fake.requests().is_empty());
    }

    /// Ctrl-C while polling: stop, say the outcome is unknown, exit 7.
    #[cfg(unix)]
    #[tokio::test(flavor = "multi_thread")]
    async fn ctrl_c_leaves_the_outcome_unknown() {
        let fake = fake(CancelScript::StaysPending).await;
        let base_url = fake.base_url();
        let args: Vec<String> = ARGS
            .iter()
            .map(|s| s.to_string())
            .chain(["--confirm".into(), "--base-url".into(), base_url.clone()])
            .collect();
        let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
            let mut child = command(&args, &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut reader = BufReader::new(child.stdout.take().unwrap());
            let mut stdout = String::new();
            // Interrupt during the first wait (default deadline: 60 s).
            while !stdout.contains("waiting ") {
                let read = reader.read_line(&mut stdout).unwrap();
                assert!(read > 0, "stdout ended early: {stdout}");
            }
            let killed = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(killed.success());
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut reader, &mut rest).unwrap();
            stdout.push_str(&rest);
            let output = child.wait_with_output().unwrap();
            (
                output.status.code(),
                stdout,
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        })
        .await
        .unwrap();
        let run = Run::new(code, stdout, stderr, Some(&base_url));
        run.assert(
            7,
            &[
                SENT,
                REQUESTED,
                "status after T s: cancelling (Pending, status-prop cancel-pending)",
                &first_wait(&STATUS),
                "interrupted (Ctrl-C): nothing more is sent",
                "outcome: still unknown: interrupted before the state was final; the cancel may \
                 still happen: check again; last status cancelling (Pending, status-prop \
                 cancel-pending)",
            ],
        );
        assert_eq!(fake.status_polls(REFID), 1, "nothing sent after Ctrl-C");
    }
}

mod kraken_pay {
    use super::*;
    use xgen_fake_exchanges::kraken_pay::FakeKrakenPay;

    const ID: &str = "Zm9vYmFy";
    const SENT: &str =
        "sent: POST http://fake/0/private/Pay/request/cancel {\"external_id\":\"Zm9vYmFy\"}";

    #[tokio::test(flavor = "multi_thread")]
    async fn requested_never_confirmed() {
        let fake = FakeKrakenPay::start(KRAKEN_KEY, KRAKEN_SECRET).await;
        let run = xgen_at(&fake.base_url(), &["kraken-pay", ID], &[]).await;
        run.assert(
            3,
            &[
                SENT,
                "answer: cancellation requested (accepted, not yet done)",
                "outcome: requested, not confirmed: the exchange accepted the cancellation \
                 request; Kraken Pay reports the outcome by signed webhook only",
            ],
        );
        assert_eq!(fake.requests().len(), 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn already_cancelled_is_still_not_confirmed() {
        let fake = FakeKrakenPay::start(KRAKEN_KEY, KRAKEN_SECRET).await;
        fake.mark_id_used(ID);
        let run = xgen_at(&fake.base_url(), &["kraken-pay", ID], &[]).await;
        assert_eq!(run.code, Some(3), "{}", run.show());
        assert_eq!(run.lines[0], SENT);
        assert!(
            run.lines[1].starts_with("answer: already cancelled or cancelling: "),
            "{}",
            run.show()
        );
        assert!(
            run.lines[2].starts_with(
                "outcome: requested, not confirmed: the exchange says it is already cancelled \
                 or cancelling"
            ),
            "{}",
            run.show()
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn confirm_is_refused_and_nothing_is_sent() {
        let fake = FakeKrakenPay::start(KRAKEN_KEY, KRAKEN_SECRET).await;
        let run = xgen_at(&fake.base_url(), &["kraken-pay", ID, "--confirm"], &[]).await;
        run.assert(2, &[]);
        assert!(
            run.stderr.starts_with(
                "error: kraken-pay cannot --confirm: Kraken Pay has no status endpoint, the \
                 outcome of a cancel arrives by signed webhook"
            ),
            "{}",
            run.show()
        );
        assert!(fake.requests().is_empty());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn wrong_secret() {
        let fake = FakeKrakenPay::start(KRAKEN_KEY, KRAKEN_SECRET).await;
        let run = xgen_at(
            &fake.base_url(),
            &["kraken-pay", ID],
            &[("KRAKEN_PAY_API_SECRET", OTHER_KRAKEN_SECRET)],
        )
        .await;
        run.assert_not_taken(SENT, "Invalid signature");
    }
}

mod okx {
    use super::*;
    use xgen_clients::okx::operations::GET_WITHDRAWAL_HISTORY as STATUS;
    use xgen_fake_exchanges::okx::{FakeOkx, Reply, State, Withdrawal, WITHDRAWAL_HISTORY_PATH};

    const WD_ID: &str = "1123456";
    const ARGS: &[&str] = &["okx", WD_ID];
    const SENT: &str =
        "sent: POST http://fake/api/v5/asset/cancel-withdrawal {\"wdId\":\"1123456\"}";
    const REQUESTED: &str = "answer: cancellation requested (accepted, not yet done)";

    async fn fake(withdrawal: Withdrawal) -> FakeOkx {
        let fake = FakeOkx::start(OKX_KEY, OKX_SECRET, OKX_PASSPHRASE).await;
        fake.add_withdrawal(withdrawal);
        fake
    }

    fn withdrawal(script: CancelScript) -> Withdrawal {
        Withdrawal::new(WD_ID, "USDT", "10.5").with_script(script)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn cancelled() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 1 })).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            0,
            &[
                SENT,
                REQUESTED,
                "status after T s: cancelling (-3)",
                &first_wait(&STATUS),
                "status after T s: cancelled (-2)",
                "outcome: cancelled: the exchange shows the withdrawal cancelled (-2)",
            ],
        );
        assert_eq!(fake.status_polls(WD_ID), 2);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn too_late() {
        let fake = fake(withdrawal(CancelScript::AlreadyCompleted)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            4,
            &[
                SENT,
                REQUESTED,
                "status after T s: completed (2)",
                "outcome: too late: the withdrawal completed and the funds have left (2)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn refused() {
        let fake = fake(withdrawal(CancelScript::NotCancellable)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        let refusal = "58216: Operation not allowed.";
        run.assert(
            5,
            &[
                SENT,
                &format!("answer: cancel refused: {refusal}"),
                "status after T s: pending (0)",
                &format!(
                    "outcome: refused: the exchange will not cancel it: {refusal}; status now \
                     pending (0)"
                ),
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn not_found() {
        let fake = fake(withdrawal(CancelScript::Unknown)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        let reason = "58215: Withdrawal ID does not exist.";
        run.assert(
            6,
            &[
                SENT,
                &format!("answer: withdrawal not found: {reason}"),
                "status after T s: not listed by the status endpoint",
                &format!(
                    "outcome: not found: the exchange does not know this withdrawal: {reason}"
                ),
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn still_unknown_at_the_deadline() {
        let fake = fake(withdrawal(CancelScript::StaysPending)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert_still_unknown(
            &[SENT, REQUESTED],
            "cancelling (-3)",
            "outcome: still unknown: the deadline of 2s passed; the status is not final; last \
             status cancelling (-3)",
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn failed_on_its_own() {
        let fake = fake(withdrawal(CancelScript::NotCancellable).with_state(State::Failed)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            8,
            &[
                SENT,
                "answer: cancel refused: 58216: Operation not allowed.",
                "status after T s: failed (-1)",
                "outcome: failed: the withdrawal failed or was rejected by the exchange, not \
                 cancelled; the funds did not leave (-1)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_confirm_sends_the_cancel_only() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(&fake.base_url(), ARGS, &[]).await;
        run.assert(
            3,
            &[
                SENT,
                REQUESTED,
                "outcome: requested, not confirmed: the exchange accepted the cancellation \
                 request; run again with --confirm to follow its status to an outcome",
            ],
        );
        assert_eq!(fake.status_polls(WD_ID), 0);
    }

    /// A proxy's 502 leaves the cancel in doubt: the status shows it still pending, so the
    /// cancel goes again, and this time it takes.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_cancel_in_doubt_is_sent_again_while_pending() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        fake.respond_once(Reply::Html502);
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        assert_eq!(run.code, Some(0), "{}", run.show());
        assert_eq!(run.lines.len(), 10, "{}", run.show());
        assert_eq!(run.lines[0], SENT);
        assert!(
            run.lines[1]
                .starts_with("answer: none clear, the cancel may or may not have gone through: ")
                && run.lines[1].contains("502"),
            "{}",
            run.show()
        );
        assert_eq!(
            run.lines[2..],
            [
                // Sent again at the first poll past the cancel endpoint's spacing.
                "status after T s: pending (0)",
                &first_wait(&STATUS),
                "status after T s: pending (0)",
                &SENT.replace("sent:", "sent (attempt 2):"),
                REQUESTED,
                // The backoff's 2 s, cut to what is left of the deadline.
                "waiting 1.0 s",
                "status after T s: cancelled (-2)",
                "outcome: cancelled: the exchange shows the withdrawal cancelled (-2)",
            ]
        );
    }

    /// A status read that fails is shown, and polling goes on.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_failed_status_read_is_shown_and_polling_goes_on() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        fake.respond_once_on(WITHDRAWAL_HISTORY_PATH, Reply::Html502);
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        assert_eq!(run.code, Some(0), "{}", run.show());
        assert_eq!(run.lines.len(), 6, "{}", run.show());
        assert_eq!(run.lines[..2], [SENT, REQUESTED]);
        assert!(
            run.lines[2].starts_with("status after T s: could not be read: ")
                && run.lines[2].contains("502"),
            "{}",
            run.show()
        );
        assert_eq!(
            run.lines[3..],
            [
                first_wait(&STATUS).as_str(),
                "status after T s: cancelled (-2)",
                "outcome: cancelled: the exchange shows the withdrawal cancelled (-2)",
            ]
        );
    }

    /// Without --confirm, a cancel without a clear answer is "still unknown", not "failed".
    #[tokio::test(flavor = "multi_thread")]
    async fn without_confirm_a_cancel_in_doubt_is_still_unknown() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        fake.respond_once(Reply::Html502);
        let run = xgen_at(&fake.base_url(), ARGS, &[]).await;
        assert_eq!(run.code, Some(7), "{}", run.show());
        assert_eq!(run.lines.len(), 3, "{}", run.show());
        assert_eq!(run.lines[0], SENT);
        assert!(
            run.lines[1].starts_with("answer: none clear, "),
            "{}",
            run.show()
        );
        assert_eq!(
            run.lines[2],
            "outcome: still unknown: the cancel got no clear answer and may have gone through: \
             check the withdrawal's status"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn wrong_secret() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(
            &fake.base_url(),
            &with(ARGS, &CONFIRM),
            &[("OKX_API_SECRET", "0000000000000000000000000000000A")],
        )
        .await;
        run.assert_not_taken(SENT, "50113");
        assert_eq!(fake.status_polls(WD_ID), 0);
    }
}

mod bybit {
    use super::*;
    use xgen_clients::bybit::operations::GET_WITHDRAWAL_RECORDS as STATUS;
    use xgen_fake_exchanges::bybit::{Credential, FakeBybit, Status, Withdrawal};

    const ID: &str = "10197";
    const ARGS: &[&str] = &["bybit", ID];
    const SENT: &str = "sent: POST http://fake/v5/asset/withdraw/cancel {\"id\":\"10197\"}";
    const REQUESTED: &str = "answer: cancellation requested (accepted, not yet done)";
    const STATUS_0: &str = "Bybit answered `status: 0` (fail): the withdrawal cannot be \
                            cancelled, or is already cancelled";

    async fn fake(withdrawal: Withdrawal) -> FakeBybit {
        let fake = FakeBybit::start(BYBIT_KEY, Credential::Hmac(BYBIT_SECRET.into())).await;
        fake.add_withdrawal(withdrawal);
        fake
    }

    fn withdrawal(script: CancelScript) -> Withdrawal {
        Withdrawal::new(ID, "USDT", "77").with_script(script)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn cancelled() {
        // Bybit has no "cancelling" status: the withdrawal shows Pending until it is cancelled.
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 1 })).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            0,
            &[
                SENT,
                REQUESTED,
                "status after T s: pending (Pending)",
                &first_wait(&STATUS),
                "status after T s: cancelled (CancelByUser)",
                "outcome: cancelled: the exchange shows the withdrawal cancelled (CancelByUser)",
            ],
        );
        assert_eq!(fake.status_polls(ID), 2);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn too_late() {
        let fake = fake(withdrawal(CancelScript::AlreadyCompleted)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            4,
            &[
                SENT,
                REQUESTED,
                "status after T s: completed (success)",
                "outcome: too late: the withdrawal completed and the funds have left (success)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn refused() {
        let fake = fake(withdrawal(CancelScript::NotCancellable)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            5,
            &[
                SENT,
                &format!("answer: cancel refused: {STATUS_0}"),
                "status after T s: pending (Pending)",
                &format!(
                    "outcome: refused: the exchange will not cancel it: {STATUS_0}; status now \
                     pending (Pending)"
                ),
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn not_found() {
        // Bybit's answer to an unknown id is a generic parameter error; the status endpoint
        // not listing it either makes it "not found".
        let fake = fake(withdrawal(CancelScript::Unknown)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        assert_eq!(run.code, Some(6), "{}", run.show());
        assert_eq!(run.lines.len(), 4, "{}", run.show());
        assert_eq!(run.lines[0], SENT);
        assert!(
            run.lines[1].starts_with("answer: cancel refused: 131002: parameter error"),
            "{}",
            run.show()
        );
        assert_eq!(
            run.lines[2],
            "status after T s: not listed by the status endpoint"
        );
        assert!(
            run.lines[3].starts_with(
                "outcome: not found: the exchange does not know this withdrawal: 131002: \
                 parameter error"
            ) && run.lines[3]
                .ends_with("; the status endpoint does not list the withdrawal either"),
            "{}",
            run.show()
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn still_unknown_at_the_deadline() {
        let fake = fake(withdrawal(CancelScript::StaysPending)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert_still_unknown(
            &[SENT, REQUESTED],
            "pending (Pending)",
            "outcome: still unknown: the deadline of 2s passed; the status is not final; last \
             status pending (Pending)",
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn failed_on_its_own() {
        let fake = fake(withdrawal(CancelScript::NotCancellable).with_status(Status::Fail)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            8,
            &[
                SENT,
                &format!("answer: cancel refused: {STATUS_0}"),
                "status after T s: failed (Fail)",
                "outcome: failed: the withdrawal failed or was rejected by the exchange, not \
                 cancelled; the funds did not leave (Fail)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_confirm_sends_the_cancel_only() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(&fake.base_url(), ARGS, &[]).await;
        run.assert(
            3,
            &[
                SENT,
                REQUESTED,
                "outcome: requested, not confirmed: the exchange accepted the cancellation \
                 request; run again with --confirm to follow its status to an outcome",
            ],
        );
        assert_eq!(fake.status_polls(ID), 0);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn wrong_secret() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(
            &fake.base_url(),
            &with(ARGS, &CONFIRM),
            &[("BYBIT_API_SECRET", "some-other-bybit-secret-0000000000")],
        )
        .await;
        run.assert_not_taken(SENT, "10004");
        assert_eq!(fake.status_polls(ID), 0);
    }
}

mod kucoin {
    use super::*;
    use xgen_fake_exchanges::kucoin::{FakeKuCoin, State, Withdrawal};

    const ID: &str = "670deec84d64da0007d7c946";
    const ARGS: &[&str] = &["kucoin", ID];
    const SENT: &str = "sent: DELETE http://fake/api/v1/withdrawals/{withdrawalId} \
                        {\"withdrawalId\":\"670deec84d64da0007d7c946\"}";
    const REQUESTED: &str = "answer: cancellation requested (accepted, not yet done)";
    /// KuCoin's refusal: its generic parameter error, with the spec's sentence.
    const NOT_PROCESSING: &str =
        "400100: Only withdrawal requests with PROCESSING status can be canceled.";

    async fn fake(withdrawal: Withdrawal) -> FakeKuCoin {
        let fake = FakeKuCoin::start(KUCOIN_KEY, KUCOIN_SECRET, KUCOIN_PASSPHRASE).await;
        fake.add_withdrawal(withdrawal);
        fake
    }

    fn withdrawal(script: CancelScript) -> Withdrawal {
        Withdrawal::new(ID, "USDT", "3").with_script(script)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn cancelled() {
        // KuCoin has no cancelled status: the cancel shows as `cancelType: CANCELING`, then the
        // withdrawal ends in FAILURE, which reads as cancelled because this run's cancel of it
        // was accepted.
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 1 })).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            0,
            &[
                SENT,
                REQUESTED,
                "status after T s: cancelling (PROCESSING, cancelType CANCELING)",
                "waiting 1.0 s",
                "status after T s: cancelled (FAILURE, cancelType NON_CANCELABLE)",
                "outcome: cancelled: the exchange shows the withdrawal cancelled (FAILURE, \
                 cancelType NON_CANCELABLE)",
            ],
        );
        assert_eq!(fake.status_polls(ID), 2);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn too_late() {
        let fake = fake(withdrawal(CancelScript::AlreadyCompleted)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            4,
            &[
                SENT,
                REQUESTED,
                "status after T s: completed (SUCCESS, cancelType NON_CANCELABLE)",
                "outcome: too late: the withdrawal completed and the funds have left (SUCCESS, \
                 cancelType NON_CANCELABLE)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn refused() {
        let fake =
            fake(withdrawal(CancelScript::NotCancellable).with_state(State::WalletProcessing))
                .await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            5,
            &[
                SENT,
                &format!("answer: cancel refused: {NOT_PROCESSING}"),
                "status after T s: not cancellable (WALLET_PROCESSING, cancelType \
                 NON_CANCELABLE)",
                &format!(
                    "outcome: refused: the exchange will not cancel it: {NOT_PROCESSING}; status \
                     now not cancellable (WALLET_PROCESSING, cancelType NON_CANCELABLE)"
                ),
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn not_found() {
        // KuCoin's answer to an unknown id is its generic parameter error; the single-withdrawal
        // endpoint's `data: null` makes it "not found".
        let fake = fake(withdrawal(CancelScript::Unknown)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            6,
            &[
                SENT,
                "answer: cancel refused: 400100: Parameter Error",
                "status after T s: not listed by the status endpoint",
                "outcome: not found: the exchange does not know this withdrawal: 400100: \
                 Parameter Error; the status endpoint does not list the withdrawal either",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn still_unknown_at_the_deadline() {
        let fake = fake(withdrawal(CancelScript::StaysPending)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert_still_unknown(
            &[SENT, REQUESTED],
            "cancelling (PROCESSING, cancelType CANCELING)",
            "outcome: still unknown: the deadline of 2s passed; the status is not final; last \
             status cancelling (PROCESSING, cancelType CANCELING)",
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn failed_on_its_own() {
        // FAILURE without a cancel of ours that KuCoin accepted is a failure, not a cancel.
        let fake = fake(withdrawal(CancelScript::NotCancellable).with_state(State::Failure)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            8,
            &[
                SENT,
                &format!("answer: cancel refused: {NOT_PROCESSING}"),
                "status after T s: failed (FAILURE, cancelType NON_CANCELABLE)",
                "outcome: failed: the withdrawal failed or was rejected by the exchange, not \
                 cancelled; the funds did not leave (FAILURE, cancelType NON_CANCELABLE)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_confirm_sends_the_cancel_only() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(&fake.base_url(), ARGS, &[]).await;
        run.assert(
            3,
            &[
                SENT,
                REQUESTED,
                "outcome: requested, not confirmed: the exchange accepted the cancellation \
                 request; run again with --confirm to follow its status to an outcome",
            ],
        );
        assert_eq!(fake.status_polls(ID), 0);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn wrong_secret() {
        // The passphrase header is signed with the secret, so KuCoin's gateway sees a wrong
        // secret first as a wrong passphrase.
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(
            &fake.base_url(),
            &with(ARGS, &CONFIRM),
            &[("KUCOIN_API_SECRET", "some-other-kucoin-secret")],
        )
        .await;
        run.assert_not_taken(SENT, "code 400004");
        assert_eq!(fake.status_polls(ID), 0);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn wrong_passphrase() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(
            &fake.base_url(),
            &with(ARGS, &CONFIRM),
            &[("KUCOIN_API_PASSPHRASE", "not-the-passphrase")],
        )
        .await;
        run.assert_not_taken(SENT, "code 400004: Invalid KC-API-PASSPHRASE.");
        assert!(!run.stdout.contains("not-the-passphrase"), "{}", run.show());
    }
}

mod alphapoint {
    use super::*;
    use xgen_clients::alphapoint::operations::GET_WITHDRAW_TICKET as STATUS;
    use xgen_fake_exchanges::alphapoint::{FakeAlphaPoint, TicketStatus, Withdrawal};

    const CODE: &str = "866f9ee4-1d1b-4a6d-8b8e-6c0d4c6c2f3a";
    const ACCOUNT: u64 = 7;
    const ARGS: &[&str] = &["alphapoint", CODE, "--account-id", "7"];
    const SENT: &str = "sent: POST http://fake/AP/CancelWithdraw \
                        {\"AccountId\":7,\"OMSId\":1,\"RequestCode\":\
                        \"866f9ee4-1d1b-4a6d-8b8e-6c0d4c6c2f3a\",\"UserId\":96}";
    const REQUESTED: &str = "answer: cancellation requested (accepted, not yet done)";

    async fn fake(withdrawal: Withdrawal) -> FakeAlphaPoint {
        let fake = FakeAlphaPoint::start(ALPHAPOINT_KEY, ALPHAPOINT_SECRET, ALPHAPOINT_USER).await;
        fake.add_withdrawal(withdrawal);
        fake
    }

    fn withdrawal(script: CancelScript) -> Withdrawal {
        Withdrawal::new(CODE, ACCOUNT, "BTC", "0.5").with_script(script)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn cancelled() {
        // AlphaPoint has no "cancelling" status either; its status endpoint's documented limit
        // (500 per 10 minutes) spaces polls 1.2 s apart.
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 1 })).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            0,
            &[
                SENT,
                REQUESTED,
                "status after T s: pending (0 New)",
                &first_wait(&STATUS),
                "status after T s: cancelled (11 UserCanceled)",
                "outcome: cancelled: the exchange shows the withdrawal cancelled (11 \
                 UserCanceled)",
            ],
        );
        assert_eq!(fake.status_polls(CODE), 2);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn too_late() {
        let fake = fake(withdrawal(CancelScript::AlreadyCompleted)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert(
            4,
            &[
                SENT,
                REQUESTED,
                "status after T s: completed (5 FullyProcessed)",
                "outcome: too late: the withdrawal completed and the funds have left (5 \
                 FullyProcessed)",
            ],
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn refused() {
        let fake =
            fake(withdrawal(CancelScript::NotCancellable).with_status(TicketStatus::Submitted))
                .await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        assert_eq!(run.code, Some(5), "{}", run.show());
        assert_eq!(run.lines.len(), 4, "{}", run.show());
        assert_eq!(run.lines[0], SENT);
        assert!(
            run.lines[1].starts_with("answer: cancel refused: ")
                && run.lines[1].contains("Withdraw Ticket cannot be canceled in status Submitted"),
            "{}",
            run.show()
        );
        assert_eq!(run.lines[2], "status after T s: pending (19 Submitted)");
        assert!(
            run.lines[3].starts_with("outcome: refused: the exchange will not cancel it: ")
                && run.lines[3].ends_with("; status now pending (19 Submitted)"),
            "{}",
            run.show()
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn not_found() {
        let fake = fake(withdrawal(CancelScript::Unknown)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        assert_eq!(run.code, Some(6), "{}", run.show());
        assert_eq!(run.lines.len(), 4, "{}", run.show());
        assert_eq!(run.lines[0], SENT);
        assert!(
            run.lines[1].starts_with("answer: withdrawal not found: ")
                && run.lines[1].contains("Withdraw Ticket not found"),
            "{}",
            run.show()
        );
        assert_eq!(
            run.lines[2],
            "status after T s: not listed by the status endpoint"
        );
        assert!(
            run.lines[3]
                .starts_with("outcome: not found: the exchange does not know this withdrawal: ")
                && run.lines[3].contains("Withdraw Ticket not found"),
            "{}",
            run.show()
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn still_unknown_at_the_deadline() {
        let fake = fake(withdrawal(CancelScript::StaysPending)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        run.assert_still_unknown(
            &[SENT, REQUESTED],
            "pending (0 New)",
            "outcome: still unknown: no further status request fits before the deadline of 2s \
             within the endpoint's rate limit (one per 1.2s); the status is not final; last \
             status pending (0 New)",
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn failed_on_its_own() {
        let fake =
            fake(withdrawal(CancelScript::NotCancellable).with_status(TicketStatus::Failed)).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &CONFIRM), &[]).await;
        assert_eq!(run.code, Some(8), "{}", run.show());
        assert_eq!(run.lines.len(), 4, "{}", run.show());
        assert!(run.lines[1].starts_with("answer: cancel refused: "));
        assert_eq!(run.lines[2], "status after T s: failed (6 Failed)");
        assert_eq!(
            run.lines[3],
            "outcome: failed: the withdrawal failed or was rejected by the exchange, not \
             cancelled; the funds did not leave (6 Failed)"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn without_confirm_sends_the_cancel_only() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(&fake.base_url(), ARGS, &[]).await;
        run.assert(
            3,
            &[
                SENT,
                REQUESTED,
                "outcome: requested, not confirmed: the exchange accepted the cancellation \
                 request; run again with --confirm to follow its status to an outcome",
            ],
        );
        assert_eq!(fake.status_polls(CODE), 0);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn other_oms_id() {
        // --oms-id goes into the request; this fake's ticket is on OMS 1, so OMS 2 knows nothing.
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(&fake.base_url(), &with(ARGS, &["--oms-id", "2"]), &[]).await;
        assert_eq!(run.code, Some(6), "{}", run.show());
        assert_eq!(
            run.lines[0],
            SENT.replace("\"OMSId\":1", "\"OMSId\":2"),
            "{}",
            run.show()
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn wrong_secret() {
        let fake = fake(withdrawal(CancelScript::CancelsAfter { polls: 0 })).await;
        let run = xgen_at(
            &fake.base_url(),
            &with(ARGS, &CONFIRM),
            &[("ALPHAPOINT_API_SECRET", "ffffffffffffffffffffffffffffffff")],
        )
        .await;
        run.assert_not_taken(SENT, "AlphaPoint");
        assert_eq!(fake.status_polls(CODE), 0);
    }
}

/// Bad input: exit 2 with one line on stderr, nothing on stdout, nothing sent (no fake is even
/// running).
#[test]
fn bad_input() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["kraken", "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"],
            "error: kraken needs --asset",
        ),
        (
            &["okx", "1123456", "--asset", "USDT"],
            "error: --asset is for kraken only: okx names a withdrawal by its id alone",
        ),
        (
            &["okx", "1123456", "--account-id", "7"],
            "error: --account-id is for alphapoint only, not okx",
        ),
        (
            &["alphapoint", "866f9ee4", "--base-url", "http://127.0.0.1:9"],
            "error: alphapoint needs --account-id",
        ),
        (
            &["alphapoint", "866f9ee4", "--account-id", "7"],
            "error: alphapoint has no default host (APEX is white-label)",
        ),
        (
            &["okx", "1123456", "--confirm", "--deadline", "soon"],
            "error: invalid value 'soon' for '--deadline <DURATION>': 'soon' is not a \
             duration: use e.g. 90s, 2m, 500ms or a number of seconds",
        ),
        (
            &["okx", "1123456", "--confirm", "--deadline", "0s"],
            "error: invalid value '0s' for '--deadline <DURATION>': '0s': the deadline must be \
             more than zero",
        ),
        (
            &["okx", "1123456", "--deadline", "90s"],
            "error: --deadline applies only with --confirm",
        ),
        (
            &["kraken-pay", "Zm9vYmFy", "--confirm"],
            "error: kraken-pay cannot --confirm: Kraken Pay has no status endpoint",
        ),
        (
            &["binance", "1"],
            "error: unknown exchange 'binance'; known: alphapoint, bybit, kraken, kraken-pay, kucoin, \
             okx",
        ),
        (&["okx", " "], "error: the withdrawal id is empty"),
    ];
    for (args, message) in cases {
        let run = xgen(args);
        assert_eq!(run.code, Some(2), "{args:?}\n{}", run.show());
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.starts_with(message), "{args:?}\n{}", run.show());
    }
}

#[test]
fn missing_credentials_are_bad_input() {
    let output = Command::new(env!("CARGO_BIN_EXE_xgen-cancel"))
        .args(["okx", "1123456", "--base-url", "http://127.0.0.1:9"])
        .env_remove("OKX_API_KEY")
        .env_remove("OKX_API_SECRET")
        .env_remove("OKX_API_PASSPHRASE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: OKX_API_KEY, OKX_API_SECRET and OKX_API_PASSPHRASE are not set: the request cannot be signed without them\n"
    );
}

/// The help lists every exit code, from the same table the exit path uses.
#[test]
fn help_documents_every_exit_code() {
    let run = xgen(&["--help"]);
    assert_eq!(run.code, Some(0));
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|line| *line != "Exit codes:")
        .skip(1)
        .collect();
    let numbers: Vec<&str> = codes
        .iter()
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        numbers,
        ["0", "1", "2", "3", "4", "5", "6", "7", "8"],
        "{}",
        run.stdout
    );
    assert!(codes[0].contains("cancelled"));
    assert!(codes[7].contains("Ctrl-C"));
    for variable in [
        "KRAKEN_API_SECRET",
        "OKX_API_PASSPHRASE",
        "ALPHAPOINT_USER_ID",
        "KUCOIN_API_PASSPHRASE",
    ] {
        assert!(run.stdout.contains(variable), "{variable}");
    }
}
