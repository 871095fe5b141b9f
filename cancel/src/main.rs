//! `xgen-cancel` (also run as `xgen cancel`): cancel one withdrawal and, with `--confirm`,
//! follow its status to an outcome, through the withdrawal layer of `xgen-clients`
//! (`xgen_clients::withdrawals`).
//!
//! It is its own binary because it links the generated clients and the hand-written layer
//! over them: when a spec change stops that layer from compiling (an exhaustive `match` meeting
//! a new status), only this binary stops, never the generator.
//!
//! Every line of what happened goes to stdout as it happens (what was sent, the exchange's
//! answer, each status seen, each wait, the outcome); errors go to stderr. The exit code says
//! the outcome: [`Exit`] is the one table of codes, used by the help text and the exit path.

mod clients;

use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use clap::Parser;
use xgen_clients::withdrawals::{
    AlphaPointAccount, AlphaPointWithdrawals, BybitWithdrawals, Cancel, CancelReply,
    ConfirmOptions, KrakenPayRequests, KrakenWithdrawal, KrakenWithdrawals, KucoinWithdrawals,
    OkxWithdrawals, Outcome, Progress, Status,
};

/// How a step failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: an unknown exchange, a bad flag, missing credentials (exit 2).
    Input(String),
    /// The exchange or the network did not take the cancel (exit 1).
    Refused(String),
}

fn main() -> ExitCode {
    run(CancelArgs::parse())
}

/// How long `--confirm` keeps polling when `--deadline` is not given.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

/// The longest `--deadline` accepted.
const MAX_DEADLINE: Duration = Duration::from_secs(24 * 60 * 60);

/// The exit codes of `xgen cancel`, one per outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The status endpoint shows the withdrawal cancelled.
    Cancelled,
    /// The cancel was not taken: nothing is known to have been done.
    CancelFailed,
    /// Bad input; nothing was sent.
    BadInput,
    /// The exchange accepted the cancel, and nobody has confirmed it.
    NotConfirmed,
    /// The withdrawal completed: the funds have left.
    TooLate,
    /// The exchange will not cancel it.
    Refused,
    /// The exchange does not know the withdrawal.
    NotFound,
    /// The outcome is not known yet (deadline, Ctrl-C, a cancel without a clear answer).
    StillUnknown,
    /// The withdrawal failed or was rejected on its own; the funds did not leave.
    FailedOnItsOwn,
}

impl Exit {
    /// Every code, in order.
    pub const ALL: [Exit; 9] = [
        Exit::Cancelled,
        Exit::CancelFailed,
        Exit::BadInput,
        Exit::NotConfirmed,
        Exit::TooLate,
        Exit::Refused,
        Exit::NotFound,
        Exit::StillUnknown,
        Exit::FailedOnItsOwn,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Cancelled => 0,
            Exit::CancelFailed => 1,
            Exit::BadInput => 2,
            Exit::NotConfirmed => 3,
            Exit::TooLate => 4,
            Exit::Refused => 5,
            Exit::NotFound => 6,
            Exit::StillUnknown => 7,
            Exit::FailedOnItsOwn => 8,
        }
    }

    /// What the code means, for `--help` (README.md's command table says the same).
    pub fn description(self) -> &'static str {
        match self {
            Exit::Cancelled => {
                "cancelled: the status endpoint shows the withdrawal cancelled (only with --confirm)"
            }
            Exit::CancelFailed => {
                "the cancel failed (credentials, network, an exchange error): nothing known done"
            }
            Exit::BadInput => "bad input (exchange, id, flags, --deadline, credentials): nothing sent",
            Exit::NotConfirmed => {
                "requested, not confirmed: the exchange took the cancel (no --confirm, kraken-pay)"
            }
            Exit::TooLate => "too late: the withdrawal completed; the funds have left",
            Exit::Refused => "refused: the exchange will not cancel it (or shows it past cancelling)",
            Exit::NotFound => "not found: the exchange does not know this withdrawal",
            Exit::StillUnknown => {
                "still unknown at the deadline, after Ctrl-C, or with no clear answer: check again"
            }
            Exit::FailedOnItsOwn => {
                "failed on its own: the exchange failed or rejected it; the funds did not leave"
            }
        }
    }

    /// The exit code an outcome of `cancel_and_confirm` means.
    pub fn of(outcome: &Outcome) -> Exit {
        match outcome {
            Outcome::Cancelled { .. } => Exit::Cancelled,
            Outcome::TooLate { .. } => Exit::TooLate,
            Outcome::Failed { .. } => Exit::FailedOnItsOwn,
            Outcome::Refused { .. } => Exit::Refused,
            Outcome::NotFound { .. } => Exit::NotFound,
            Outcome::StillUnknown { .. } => Exit::StillUnknown,
            // An outcome this command does not know yet: never claim more than "unknown".
            _ => Exit::StillUnknown,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// The text after `xgen cancel --help`'s options, exit codes from [`Exit`].
pub fn after_help() -> String {
    let codes: Vec<String> = Exit::ALL
        .iter()
        .map(|exit| format!("  {}  {}", exit.code(), exit.description()))
        .collect();
    format!(
        "\
The withdrawal id, per exchange:
  kraken      the refid, with --asset:  xgen cancel kraken FTQcuak-V6Za8qrWnhzTx67yYHz8Tg --asset XBT
  okx         the wdId:                 xgen cancel okx 1123456 --confirm
  bybit       the withdrawal id:        xgen cancel bybit 10197 --confirm
  kucoin      the withdrawalId:         xgen cancel kucoin 670deec84d64da0007d7c946 --confirm
  alphapoint  the RequestCode, with --account-id (and --oms-id if not 1) and --base-url:
              xgen cancel alphapoint <GUID> --account-id 7 --base-url https://<venue host>
  kraken-pay  the payment request's external_id (no --confirm)

Without --confirm the cancel is sent once and the exchange's answer reported: an accepted
cancel is a request, not a cancellation. With --confirm the status endpoint is then polled (with
backoff, within its documented rate limit) until the withdrawal is cancelled, completed, failed
or past cancelling, or until --deadline. Kraken Pay has no status endpoint (the outcome arrives
by signed webhook), so kraken-pay takes no --confirm.

{credentials}

Exit codes:
{codes}",
        credentials = clients::credentials_help(),
        codes = codes.join("\n"),
    )
}

/// Cancel a withdrawal; with --confirm, follow its status to an outcome (the exit code says
/// which).
#[derive(Debug, Parser)]
#[command(name = "xgen-cancel", version, after_help = after_help())]
pub struct CancelArgs {
    /// The exchange: kraken, kraken-pay, okx, bybit, kucoin or alphapoint.
    exchange: String,
    /// The withdrawal: Kraken's refid, OKX's wdId, Bybit's id, KuCoin's withdrawalId,
    /// AlphaPoint's RequestCode, Kraken Pay's external_id.
    #[arg(value_name = "WITHDRAWAL_ID")]
    id: String,
    /// The asset withdrawn (kraken only, and required there), e.g. XBT.
    #[arg(long)]
    asset: Option<String>,
    /// After the cancel, poll the status until the outcome is known or the deadline passes.
    #[arg(long)]
    confirm: bool,
    /// With --confirm: how long to poll, e.g. 90s, 2m, 500ms or a number of seconds [default:
    /// 60s].
    #[arg(long, value_name = "DURATION", value_parser = parse_deadline)]
    deadline: Option<Duration>,
    /// Send to this base URL instead of the exchange's production URL (required for
    /// alphapoint).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// AlphaPoint only: the OMS id [default: 1].
    #[arg(long, value_name = "N")]
    oms_id: Option<i64>,
    /// AlphaPoint only, and required there: the account the withdrawal is from.
    #[arg(long, value_name = "N")]
    account_id: Option<i64>,
}

/// `90s`, `2m`, `500ms`, or a plain number of seconds (decimals allowed).
fn parse_deadline(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let (number, seconds_per_unit) = if let Some(n) = trimmed.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = trimmed.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = trimmed.strip_suffix('m') {
        (n, 60.0)
    } else {
        (trimmed, 1.0)
    };
    let not_a_duration =
        || format!("'{text}' is not a duration: use e.g. 90s, 2m, 500ms or a number of seconds");
    let number = number.trim();
    if number.is_empty()
        || !number
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
    {
        return Err(not_a_duration());
    }
    let value: f64 = number.parse().map_err(|_| not_a_duration())?;
    let duration = Duration::try_from_secs_f64(value * seconds_per_unit)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("'{text}': the deadline must be more than zero"))?;
    if duration > MAX_DEADLINE {
        return Err(format!("'{text}': the deadline can be at most 24 hours"));
    }
    Ok(duration)
}

/// Runs `xgen cancel`; every way it ends, failures included, exits through [`Exit`].
pub fn run(args: CancelArgs) -> ExitCode {
    let exit = match execute(args) {
        Ok(exit) => exit,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            Exit::BadInput
        }
        Err(Failure::Refused(message)) => {
            eprintln!("error: {message}");
            Exit::CancelFailed
        }
    };
    exit.into()
}

/// One exchange's withdrawal layer and the id of the withdrawal to cancel.
enum Target {
    Kraken(KrakenWithdrawals, KrakenWithdrawal),
    KrakenPay(KrakenPayRequests, String),
    Okx(OkxWithdrawals, String),
    Bybit(BybitWithdrawals, String),
    Kucoin(KucoinWithdrawals, String),
    AlphaPoint(AlphaPointWithdrawals, String),
}

fn execute(args: CancelArgs) -> Result<Exit, Failure> {
    let target = target(&args)?;
    let options = args
        .confirm
        .then(|| ConfirmOptions::with_deadline(args.deadline.unwrap_or(DEFAULT_DEADLINE)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Refused(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        match &target {
            Target::Kraken(x, id) => {
                let report = Report::new(x.client().runtime().base_url());
                cancel(x, id, options.as_ref(), &report).await
            }
            Target::KrakenPay(x, id) => {
                let report = Report::new(x.client().runtime().base_url());
                send_only(x, id, &report).await
            }
            Target::Okx(x, id) => {
                let report = Report::new(x.client().runtime().base_url());
                cancel(x, id.as_str(), options.as_ref(), &report).await
            }
            Target::Bybit(x, id) => {
                let report = Report::new(x.client().runtime().base_url());
                cancel(x, id.as_str(), options.as_ref(), &report).await
            }
            Target::Kucoin(x, id) => {
                let report = Report::new(x.client().runtime().base_url());
                cancel(x, id.as_str(), options.as_ref(), &report).await
            }
            Target::AlphaPoint(x, id) => {
                let report = Report::new(x.client().runtime().base_url());
                cancel(x, id.as_str(), options.as_ref(), &report).await
            }
        }
    })
}

/// Checks the arguments (before any credential is read), then builds the exchange's client
/// from the environment, as `xgen request` does.
fn target(args: &CancelArgs) -> Result<Target, Failure> {
    let exchange = args.exchange.as_str();
    if !clients::NAMES.contains(&exchange) {
        return Err(Failure::Input(format!(
            "unknown exchange '{exchange}'; known: {}",
            clients::NAMES.join(", ")
        )));
    }
    let id = args.id.trim();
    if id.is_empty() {
        return Err(Failure::Input("the withdrawal id is empty".into()));
    }
    let asset =
        match (exchange, args.asset.as_deref().map(str::trim)) {
            ("kraken", None) => return Err(Failure::Input(
                "kraken needs --asset: WithdrawCancel names a withdrawal by its asset and refid \
                 (e.g. --asset XBT)"
                    .into(),
            )),
            ("kraken", Some("")) => return Err(Failure::Input("--asset is empty".into())),
            ("kraken", Some(asset)) => Some(asset.to_owned()),
            (_, Some(_)) => {
                return Err(Failure::Input(format!(
                    "--asset is for kraken only: {exchange} names a withdrawal by its id alone"
                )))
            }
            (_, None) => None,
        };
    if exchange != "alphapoint" {
        for (flag, given) in [
            ("--oms-id", args.oms_id.is_some()),
            ("--account-id", args.account_id.is_some()),
        ] {
            if given {
                return Err(Failure::Input(format!(
                    "{flag} is for alphapoint only, not {exchange}"
                )));
            }
        }
    }
    if exchange == "kraken-pay" && args.confirm {
        return Err(Failure::Input(
            "kraken-pay cannot --confirm: Kraken Pay has no status endpoint, the outcome of a \
             cancel arrives by signed webhook (payload.status cancelled, success, failed, \
             expired or declined); run without --confirm to send the cancel"
                .into(),
        ));
    }
    if args.deadline.is_some() && !args.confirm {
        return Err(Failure::Input(
            "--deadline applies only with --confirm".into(),
        ));
    }
    let base_url = args.base_url.as_deref();
    Ok(match exchange {
        "kraken" => Target::Kraken(
            KrakenWithdrawals::new(clients::kraken(base_url)?),
            KrakenWithdrawal {
                asset: asset.unwrap_or_default(),
                refid: id.to_owned(),
            },
        ),
        "kraken-pay" => Target::KrakenPay(
            KrakenPayRequests::new(clients::kraken_pay(base_url)?),
            id.to_owned(),
        ),
        "okx" => Target::Okx(OkxWithdrawals::new(clients::okx(base_url)?), id.to_owned()),
        "bybit" => Target::Bybit(
            BybitWithdrawals::new(clients::bybit(base_url)?),
            id.to_owned(),
        ),
        "kucoin" => Target::Kucoin(
            KucoinWithdrawals::new(clients::kucoin(base_url)?),
            id.to_owned(),
        ),
        _ => {
            let account_id = args.account_id.ok_or_else(|| {
                Failure::Input(
                    "alphapoint needs --account-id: CancelWithdraw and GetWithdrawTicket name a \
                     withdrawal by its account and RequestCode"
                        .into(),
                )
            })?;
            let client = clients::alphapoint(base_url)?;
            let account = AlphaPointAccount {
                oms_id: args.oms_id.unwrap_or(1),
                user_id: clients::alphapoint_user_id()?,
                account_id,
            };
            Target::AlphaPoint(AlphaPointWithdrawals::new(client, account), id.to_owned())
        }
    })
}

/// Prints each step as a line on stdout, and remembers enough for an interrupted run.
struct Report {
    base_url: String,
    seen: Mutex<Seen>,
}

/// What an interrupted run can still say.
#[derive(Default)]
struct Seen {
    /// The exchange answered the cancel (or the status endpoint was read since).
    answered: bool,
    /// The last status seen, in words.
    last_status: Option<String>,
}

impl Report {
    fn new(base_url: &str) -> Report {
        Report {
            base_url: base_url.to_owned(),
            seen: Mutex::new(Seen::default()),
        }
    }

    fn show(&self, progress: &Progress<'_>) {
        if let Some(line) = self.line(progress) {
            println!("{line}");
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match progress {
            Progress::CancelAnswered { .. } => seen.answered = true,
            Progress::StatusSeen { status, .. } => {
                seen.answered = true;
                seen.last_status = Some(match status {
                    Some(status) => status.to_string(),
                    None => "not listed".into(),
                });
            }
            _ => {}
        }
    }

    /// The line for one step: the request's fields only (the signer's nonce, timestamp and
    /// signature are added later and never shown).
    fn line(&self, progress: &Progress<'_>) -> Option<String> {
        let seconds = |d: &Duration| format!("{:.1} s", d.as_secs_f64());
        Some(match progress {
            Progress::CancelSent {
                operation,
                request,
                attempt,
            } => {
                let again = match attempt {
                    1 => String::new(),
                    n => format!(" (attempt {n})"),
                };
                format!(
                    "sent{again}: {} {}{} {request}",
                    operation.method, self.base_url, operation.path
                )
            }
            Progress::CancelAnswered { reply } => format!("answer: {reply}"),
            Progress::CancelFailed { error } if error.outcome_unknown() => {
                format!("answer: none clear, the cancel may or may not have gone through: {error}")
            }
            Progress::CancelFailed { error } => {
                format!("answer: not taken, to be sent again if the deadline allows: {error}")
            }
            Progress::StatusSeen {
                elapsed,
                status: Some(status),
            } => format!("status after {}: {status}", seconds(elapsed)),
            Progress::StatusSeen {
                elapsed,
                status: None,
            } => format!(
                "status after {}: not listed by the status endpoint",
                seconds(elapsed)
            ),
            Progress::StatusFailed { elapsed, error } => {
                format!(
                    "status after {}: could not be read: {error}",
                    seconds(elapsed)
                )
            }
            Progress::Waiting { delay } => format!("waiting {}", seconds(delay)),
            _ => return None,
        })
    }

    /// After Ctrl-C: what is known, and that the outcome is not.
    fn interrupted(&self) -> Exit {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        println!("interrupted (Ctrl-C): nothing more is sent");
        if seen.answered {
            let last = match &seen.last_status {
                Some(status) => format!("; last status {status}"),
                None => String::new(),
            };
            println!(
                "outcome: still unknown: interrupted before the state was final; the cancel may \
                 still happen: check again{last}"
            );
        } else {
            println!(
                "outcome: still unknown: interrupted before the exchange answered the cancel; it \
                 may have gone through: check the withdrawal's status"
            );
        }
        Exit::StillUnknown
    }
}

/// Resolves on Ctrl-C; never, if the signal cannot be listened for.
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// With options: cancel and confirm; without: send the cancel only.
async fn cancel<X: Status>(
    exchange: &X,
    id: &X::Id,
    options: Option<&ConfirmOptions>,
    report: &Report,
) -> Result<Exit, Failure> {
    let Some(options) = options else {
        return send_only(exchange, id, report).await;
    };
    if let Some(limit) = exchange.status_rate_limit() {
        if options.deadline < limit.min_interval() {
            eprintln!(
                "note: {}'s status endpoint allows {} request(s) per {} s, so a deadline of {:?} \
                 leaves room for one status read only",
                exchange.exchange(),
                limit.requests,
                limit.per_seconds,
                options.deadline
            );
        }
    }
    let confirmed = exchange.cancel_and_confirm_observed(id, options, |p| report.show(p));
    let result = tokio::select! {
        result = confirmed => result,
        () = ctrl_c() => return Ok(report.interrupted()),
    };
    match result {
        Ok(outcome) => {
            println!("outcome: {outcome}");
            Ok(Exit::of(&outcome))
        }
        Err(error) => Err(not_taken(&error)),
    }
}

/// Sends the cancel once and reports the answer: never a confirmation.
async fn send_only<X: Cancel>(exchange: &X, id: &X::Id, report: &Report) -> Result<Exit, Failure> {
    let request = exchange.cancel_request(id);
    report.show(&Progress::CancelSent {
        operation: exchange.cancel_operation(),
        request: &request,
        attempt: 1,
    });
    let result = tokio::select! {
        result = exchange.cancel(id) => result,
        () = ctrl_c() => return Ok(report.interrupted()),
    };
    let reply = match result {
        Ok(reply) => reply,
        Err(error) if error.outcome_unknown() => {
            report.show(&Progress::CancelFailed { error: &error });
            println!(
                "outcome: still unknown: the cancel got no clear answer and may have gone \
                 through: check the withdrawal's status"
            );
            return Ok(Exit::StillUnknown);
        }
        Err(error) => return Err(not_taken(&error)),
    };
    report.show(&Progress::CancelAnswered { reply: &reply });
    let follow = if exchange.exchange() == "kraken-pay" {
        "Kraken Pay reports the outcome by signed webhook only"
    } else {
        "run again with --confirm to follow its status to an outcome"
    };
    let (exit, outcome) = match &reply {
        CancelReply::Requested => (
            Exit::NotConfirmed,
            format!(
                "requested, not confirmed: the exchange accepted the cancellation request; \
                 {follow}"
            ),
        ),
        CancelReply::AlreadyCancelling { reason } => (
            Exit::NotConfirmed,
            format!(
                "requested, not confirmed: the exchange says it is already cancelled or \
                 cancelling ({reason}); {follow}"
            ),
        ),
        CancelReply::Refused { reason } => (
            Exit::Refused,
            format!("refused: the exchange will not cancel it: {reason}"),
        ),
        CancelReply::NotFound { reason } => (
            Exit::NotFound,
            format!("not found: the exchange does not know this withdrawal: {reason}"),
        ),
        other => (
            Exit::StillUnknown,
            format!("still unknown: an answer this command does not know: {other}"),
        ),
    };
    println!("outcome: {outcome}");
    Ok(exit)
}

/// A cancel the exchange did not take: the outcome line on stdout, the error for stderr.
fn not_taken(error: &xgen_runtime::Error) -> Failure {
    println!(
        "outcome: cancel failed: the exchange did not take it; nothing is known to have been done"
    );
    Failure::Refused(format!("the cancel failed: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines() {
        let ok = |text: &str| parse_deadline(text).unwrap();
        assert_eq!(ok("90s"), Duration::from_secs(90));
        assert_eq!(ok("2m"), Duration::from_secs(120));
        assert_eq!(ok("500ms"), Duration::from_millis(500));
        assert_eq!(ok("45"), Duration::from_secs(45));
        assert_eq!(ok("1.5"), Duration::from_millis(1500));
        assert_eq!(ok(" 2 s "), Duration::from_secs(2));
        for bad in ["", "s", "ten", "5x", "5h", "1e3", "inf", "NaN", "--5"] {
            let error = parse_deadline(bad).unwrap_err();
            assert!(error.contains("is not a duration"), "{bad}: {error}");
        }
        for zero in ["0", "0s", "-5s", "0ms"] {
            let error = parse_deadline(zero).unwrap_err();
            assert!(error.contains("more than zero"), "{zero}: {error}");
        }
        assert!(parse_deadline("25h").is_err());
        assert!(parse_deadline("1441m").unwrap_err().contains("24 hours"));
    }

    #[test]
    fn exit_codes_are_distinct_and_in_order() {
        for (index, exit) in Exit::ALL.iter().enumerate() {
            assert_eq!(usize::from(exit.code()), index, "{exit:?}");
        }
        // The codes `main` and clap use for the other commands mean the same here.
        assert_eq!(Exit::BadInput.code(), 2);
        assert_eq!(Exit::CancelFailed.code(), 1);
    }
}
