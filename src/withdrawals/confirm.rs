//! `cancel_and_confirm`: one cancel, then status polls with backoff until the outcome is known.
//!
//! Written once for every exchange: the exchange-specific parts (what a cancel reply means,
//! which status is which state) live behind [`Cancel`] and [`Status`].

use std::future::Future;
use std::time::Duration;

use tokio::time::{sleep, timeout_at, Instant};
use xgen_runtime::{Error, Operation, RateLimit};

use super::{CancelReply, Outcome, Status, WithdrawalState, WithdrawalStatus};

/// How long and how often [`Status::cancel_and_confirm`] polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfirmOptions {
    /// How long to keep trying, from the call until the last status poll (default 60 s).
    pub deadline: Duration,
    /// The wait before the second poll; each later wait doubles (default 1 s). The first poll
    /// follows the cancel's reply at once.
    pub first_interval: Duration,
    /// The longest wait between polls (default 15 s).
    pub max_interval: Duration,
}

impl Default for ConfirmOptions {
    fn default() -> Self {
        ConfirmOptions {
            deadline: Duration::from_secs(60),
            first_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
        }
    }
}

impl ConfirmOptions {
    /// The defaults with another deadline.
    pub fn with_deadline(deadline: Duration) -> ConfirmOptions {
        ConfirmOptions {
            deadline,
            ..ConfirmOptions::default()
        }
    }
}

/// One step of [`Status::cancel_and_confirm_observed`], as it happens.
#[derive(Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// The cancel is being sent (again, when `attempt` > 1).
    CancelSent {
        /// The cancel endpoint.
        operation: &'static Operation,
        /// The request's fields (the signer adds its own: nonce, timestamps, signature).
        request: &'a serde_json::Value,
        /// 1 for the first attempt.
        attempt: u32,
    },
    /// The exchange answered the cancel.
    CancelAnswered {
        /// What it answered.
        reply: &'a CancelReply,
    },
    /// The cancel failed in a way that leaves it in doubt or worth repeating; the status
    /// endpoint will tell.
    CancelFailed {
        /// Why.
        error: &'a Error,
    },
    /// A status poll was answered; `status` is `None` when the endpoint does not list the
    /// withdrawal.
    StatusSeen {
        /// Time since the call began.
        elapsed: Duration,
        /// What the endpoint said.
        status: Option<&'a WithdrawalStatus>,
    },
    /// A status poll failed.
    StatusFailed {
        /// Time since the call began.
        elapsed: Duration,
        /// Why.
        error: &'a Error,
    },
    /// Waiting before the next request.
    Waiting {
        /// How long.
        delay: Duration,
    },
}

/// Spaces requests: exponential backoff from `next`, never closer than the rate limit allows,
/// never past the deadline.
struct Pacer {
    next: Duration,
    max: Duration,
    floor: Duration,
    deadline: Instant,
}

impl Pacer {
    fn new(first: Duration, max: Duration, limit: Option<RateLimit>, deadline: Instant) -> Pacer {
        let floor = limit.map_or(Duration::ZERO, |l| l.min_interval());
        Pacer {
            next: first.max(floor),
            max: max.max(floor),
            floor,
            deadline,
        }
    }

    /// The wait before the next request, or `None` when the next request would come after the
    /// deadline. A last request lands on the deadline itself when the rate limit allows it.
    fn next_wait(&mut self) -> Option<Duration> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return None;
        }
        let wait = self.next;
        self.next = (self.next * 2).min(self.max);
        if wait <= remaining {
            Some(wait)
        } else if remaining >= self.floor {
            Some(remaining)
        } else {
            None
        }
    }

    /// After a rate-limit refusal: the limit is shared with whatever else uses the key, so wait
    /// at least twice as long as planned.
    fn slow_down(&mut self) {
        self.next = (self.next * 2).max(self.floor * 2);
        self.max = self.max.max(self.next);
    }
}

/// The cancel's fate once the exchange has been asked.
enum Sent {
    /// The exchange answered about the withdrawal.
    Answered(CancelReply),
    /// The reply leaves it open whether the cancel was applied.
    InDoubt(Error),
    /// No answer came before the deadline (and its grace): the cancel may still be applied.
    NoAnswer,
}

/// A cancel the exchange did not take.
enum Refusal {
    /// It refused: the reason in its words.
    Refused(String),
    /// It does not know the withdrawal: its words.
    NotFound(String),
}

impl Refusal {
    /// `None` for a reply that took the request.
    fn from_reply(reply: CancelReply) -> Option<Refusal> {
        match reply {
            CancelReply::Requested | CancelReply::AlreadyCancelling { .. } => None,
            CancelReply::Refused { reason } => Some(Refusal::Refused(reason)),
            CancelReply::NotFound { reason } => Some(Refusal::NotFound(reason)),
        }
    }
}

/// The outcome a final (or past-cancelling) state means; the status back while it can still
/// change.
fn settled(status: WithdrawalStatus) -> Result<Outcome, WithdrawalStatus> {
    match status.state {
        WithdrawalState::Cancelled => Ok(Outcome::Cancelled { status }),
        WithdrawalState::Completed => Ok(Outcome::TooLate { status }),
        WithdrawalState::Failed => Ok(Outcome::Failed { status }),
        WithdrawalState::NotCancellable => Ok(Outcome::Refused {
            reason: "the status shows it past the point where it can be cancelled".into(),
            status: Some(status),
        }),
        WithdrawalState::Pending | WithdrawalState::Cancelling | WithdrawalState::Unknown => {
            Err(status)
        }
    }
}

/// How long a request may take once the deadline is near: the last poll may land on the
/// deadline itself and must be allowed an answer, yet a hung exchange must not hold the caller
/// long past it.
const ANSWER_GRACE: Duration = Duration::from_secs(5);

/// One `cancel_and_confirm` call: what it has sent and seen so far.
struct Confirmation<'a, X: Status + ?Sized, F> {
    exchange: &'a X,
    id: &'a X::Id,
    request: serde_json::Value,
    observe: F,
    start: Instant,
    deadline: Instant,
    deadline_text: String,
    cancel_pacer: Pacer,
    status_pacer: Pacer,
    cancel_attempts: u32,
    last_cancel_at: Instant,
    /// The error of the last cancel whose reply left its fate open; `None` once one was
    /// answered.
    in_doubt: Option<Error>,
    /// The refusal of a cancel sent again after one without a clear reply.
    repeat_refused: Option<String>,
    last_status: Option<WithdrawalStatus>,
    last_error: Option<Error>,
}

impl<'a, X, F> Confirmation<'a, X, F>
where
    X: Status + ?Sized,
    F: FnMut(&Progress<'_>),
{
    fn new(exchange: &'a X, id: &'a X::Id, options: &ConfirmOptions, observe: F) -> Self {
        let start = Instant::now();
        let deadline = start + options.deadline;
        let pacer = |limit| {
            Pacer::new(
                options.first_interval,
                options.max_interval,
                limit,
                deadline,
            )
        };
        Confirmation {
            exchange,
            id,
            request: exchange.cancel_request(id),
            observe,
            start,
            deadline,
            deadline_text: format!("{:?}", options.deadline),
            cancel_pacer: pacer(exchange.cancel_operation().rate_limit),
            status_pacer: pacer(exchange.status_rate_limit()),
            cancel_attempts: 0,
            last_cancel_at: start,
            in_doubt: None,
            repeat_refused: None,
            last_status: None,
            last_error: None,
        }
    }

    async fn run(mut self) -> Result<Outcome, Error> {
        match self.send_cancel().await? {
            Sent::Answered(reply) => {
                if let Some(refusal) = Refusal::from_reply(reply) {
                    return Ok(self.after_refusal(refusal).await);
                }
            }
            Sent::InDoubt(error) => self.in_doubt = Some(error),
            Sent::NoAnswer => return Ok(self.no_answer("the cancel")),
        }
        loop {
            if let Some(outcome) = self.poll().await {
                return Ok(outcome);
            }
            if !self.wait(Pace::Status).await {
                return Ok(self.deadline_outcome());
            }
        }
    }

    /// When a request sent now must have answered: the deadline, or shortly after it for a
    /// request sent just before it.
    fn answer_limit(&self) -> Instant {
        self.deadline.max(Instant::now() + ANSWER_GRACE)
    }

    /// Sleeps for the next wait of `pace`, telling the observer; `false` when the deadline
    /// leaves no room for another request.
    async fn wait(&mut self, pace: Pace) -> bool {
        let pacer = match pace {
            Pace::Cancel => &mut self.cancel_pacer,
            Pace::Status => &mut self.status_pacer,
        };
        match pacer.next_wait() {
            Some(delay) => {
                (self.observe)(&Progress::Waiting { delay });
                sleep(delay).await;
                true
            }
            None => false,
        }
    }

    /// Sends the cancel, again after a pause while it surely had no effect (a rate limit, a
    /// connection never made), until the deadline. `Err` when it was never accepted and never
    /// in doubt.
    async fn send_cancel(&mut self) -> Result<Sent, Error> {
        let (exchange, id) = (self.exchange, self.id);
        loop {
            self.cancel_attempts += 1;
            self.last_cancel_at = Instant::now();
            (self.observe)(&Progress::CancelSent {
                operation: exchange.cancel_operation(),
                request: &self.request,
                attempt: self.cancel_attempts,
            });
            let Some(answer) = bounded(self.answer_limit(), exchange.cancel(id)).await else {
                return Ok(Sent::NoAnswer);
            };
            match answer {
                Ok(reply) => {
                    (self.observe)(&Progress::CancelAnswered { reply: &reply });
                    return Ok(Sent::Answered(reply));
                }
                Err(error) if error.outcome_unknown() => {
                    (self.observe)(&Progress::CancelFailed { error: &error });
                    return Ok(Sent::InDoubt(error));
                }
                Err(error) if error.is_transient() => {
                    (self.observe)(&Progress::CancelFailed { error: &error });
                    if error.is_rate_limited() {
                        self.cancel_pacer.slow_down();
                    }
                    if !self.wait(Pace::Cancel).await {
                        return Err(error);
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// One status read: `Ok(None)` when the endpoint does not list the withdrawal, `Err` with
    /// the error, `None` when no answer came in time; each told to the observer.
    async fn read_status(&mut self) -> Option<Result<Option<WithdrawalStatus>, Error>> {
        let (exchange, id) = (self.exchange, self.id);
        let answer = bounded(self.answer_limit(), exchange.status(id)).await?;
        let elapsed = self.start.elapsed();
        match &answer {
            Ok(status) => (self.observe)(&Progress::StatusSeen {
                elapsed,
                status: status.as_ref(),
            }),
            Err(error) => (self.observe)(&Progress::StatusFailed { elapsed, error }),
        }
        Some(answer)
    }

    /// One poll after the cancel was taken (or left in doubt): the outcome, once there is one.
    async fn poll(&mut self) -> Option<Outcome> {
        let Some(answer) = self.read_status().await else {
            return Some(self.no_answer("a status request"));
        };
        match answer {
            Ok(Some(status)) => {
                self.last_error = None;
                match settled(status) {
                    Ok(outcome) => Some(outcome),
                    Err(open) => {
                        let outcome = self.resend_if_lost(&open).await;
                        self.last_status = Some(open);
                        outcome
                    }
                }
            }
            Ok(None) => {
                self.last_error = None;
                None
            }
            Err(error) if !error.is_transient() => Some(Outcome::StillUnknown {
                reason: format!(
                    "the cancel was {}, but {}'s status endpoint refused the request",
                    if self.in_doubt.is_some() {
                        "sent without a clear reply"
                    } else {
                        "requested"
                    },
                    self.exchange.exchange()
                ),
                last_status: self.last_status.take(),
                last_error: Some(error),
            }),
            Err(error) => {
                if error.is_rate_limited() {
                    self.status_pacer.slow_down();
                }
                self.last_error = Some(error);
                None
            }
        }
    }

    /// A cancel lost in transit leaves a pending withdrawal pending: asks again, once the cancel
    /// endpoint's rate limit allows.
    async fn resend_if_lost(&mut self, open: &WithdrawalStatus) -> Option<Outcome> {
        let lost = self.in_doubt.is_some()
            && self.repeat_refused.is_none()
            && open.state == WithdrawalState::Pending
            && self.last_cancel_at.elapsed() >= self.cancel_pacer.floor;
        if !lost {
            return None;
        }
        match self.send_cancel().await {
            Ok(Sent::Answered(reply)) => match Refusal::from_reply(reply) {
                // Refusing a repeat may only mean the first cancel went through: Bybit answers
                // `status: 0` to "already cancelled" as to "cannot be cancelled", and shows no
                // cancelling status. The status decides.
                Some(Refusal::Refused(reason)) => {
                    self.repeat_refused = Some(reason);
                    None
                }
                Some(refusal) => Some(self.after_refusal(refusal).await),
                None => {
                    self.in_doubt = None;
                    None
                }
            },
            Ok(Sent::InDoubt(error)) => {
                self.in_doubt = Some(error);
                None
            }
            Ok(Sent::NoAnswer) => Some(self.no_answer("the cancel, sent again,")),
            Err(error) => Some(Outcome::StillUnknown {
                reason: "the first cancel's reply was lost and sending it again failed; the \
                         withdrawal is still pending"
                    .into(),
                last_status: Some(open.clone()),
                last_error: Some(error),
            }),
        }
    }

    /// The outcome of a cancel the exchange refused or did not recognise, after one status read:
    /// the refusal may be because the withdrawal is already cancelled, or already sent.
    async fn after_refusal(&mut self, refusal: Refusal) -> Outcome {
        let status = match self.read_status().await {
            Some(Ok(Some(status))) => match settled(status) {
                // Past cancelling, as the refusal said: keep the refusal's words (OKX `58216`),
                // not a description of the state.
                Ok(Outcome::Refused { status, .. }) if matches!(refusal, Refusal::Refused(_)) => {
                    status
                }
                Ok(outcome) => return outcome,
                Err(open) => Some(open),
            },
            Some(Ok(None)) => {
                // Neither the cancel nor the status endpoint knows it: whatever words the
                // refusal used (Bybit's is a generic parameter error), the exchange does not
                // know this id.
                let reason = match refusal {
                    Refusal::NotFound(reason) => reason,
                    Refusal::Refused(reason) => {
                        format!("{reason}; the status endpoint does not list the withdrawal either")
                    }
                };
                return Outcome::NotFound { reason };
            }
            Some(Err(_)) | None => None,
        };
        match (refusal, status) {
            (Refusal::NotFound(reason), Some(status)) => Outcome::Refused {
                reason: format!(
                    "{reason} (yet the status endpoint lists the withdrawal: check the id and \
                     asset)"
                ),
                status: Some(status),
            },
            (Refusal::NotFound(reason), None) => Outcome::NotFound { reason },
            (Refusal::Refused(reason), status) => Outcome::Refused { reason, status },
        }
    }

    /// A request that did not answer before the deadline (and its grace).
    fn no_answer(&mut self, what: &str) -> Outcome {
        Outcome::StillUnknown {
            reason: format!(
                "{what} got no answer before the deadline of {}; the cancel may still be applied",
                self.deadline_text
            ),
            last_status: self.last_status.take(),
            last_error: self.last_error.take().or(self.in_doubt.take()),
        }
    }

    /// The outcome when no further poll fits before the deadline.
    fn deadline_outcome(self) -> Outcome {
        let deadline = &self.deadline_text;
        let mut reason = if Instant::now() < self.deadline {
            format!(
                "no further status request fits before the deadline of {deadline} within the \
                 endpoint's rate limit (one per {:?})",
                self.status_pacer.floor
            )
        } else {
            format!("the deadline of {deadline} passed")
        };
        reason.push_str(match (&self.last_status, &self.in_doubt) {
            (None, _) if self.last_error.is_none() => {
                "; the status endpoint never listed the withdrawal"
            }
            (_, Some(_)) => "; the cancel got no clear reply and the status is not final",
            _ => "; the status is not final",
        });
        if let Some(refused) = &self.repeat_refused {
            reason.push_str(&format!("; sent again, the cancel was refused: {refused}"));
        }
        Outcome::StillUnknown {
            reason,
            last_status: self.last_status,
            last_error: self.last_error.or(self.in_doubt),
        }
    }
}

/// `fut`, or `None` if it has not answered by `limit`.
async fn bounded<T>(limit: Instant, fut: impl Future<Output = T>) -> Option<T> {
    timeout_at(limit, fut).await.ok()
}

/// Which request a wait is for.
#[derive(Clone, Copy)]
enum Pace {
    Cancel,
    Status,
}

pub(super) async fn cancel_and_confirm<X, F>(
    exchange: &X,
    id: &X::Id,
    options: &ConfirmOptions,
    observe: F,
) -> Result<Outcome, Error>
where
    X: Status + ?Sized,
    F: FnMut(&Progress<'_>) + Send,
{
    Confirmation::new(exchange, id, options, observe)
        .run()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(requests: u32, per_seconds: u32) -> Option<RateLimit> {
        Some(RateLimit {
            requests,
            per_seconds,
            scope: "test",
        })
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_doubles_up_to_the_cap() {
        let deadline = Instant::now() + Duration::from_secs(3600);
        let mut pacer = Pacer::new(
            Duration::from_secs(1),
            Duration::from_secs(15),
            None,
            deadline,
        );
        let waits: Vec<u64> = (0..7)
            .map(|_| pacer.next_wait().unwrap().as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 15, 15, 15]);
    }

    #[tokio::test(start_paused = true)]
    async fn never_closer_than_the_rate_limit() {
        let deadline = Instant::now() + Duration::from_secs(3600);
        // Kraken's status counter: one request per 3 s sustained.
        let mut pacer = Pacer::new(
            Duration::from_millis(100),
            Duration::from_secs(2),
            limit(1, 3),
            deadline,
        );
        for _ in 0..5 {
            assert!(pacer.next_wait().unwrap() >= Duration::from_secs(3));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn last_request_lands_on_the_deadline_only_if_the_limit_allows() {
        let start = Instant::now();
        let mut pacer = Pacer::new(
            Duration::from_secs(8),
            Duration::from_secs(15),
            limit(1, 3),
            start + Duration::from_secs(5),
        );
        assert_eq!(pacer.next_wait(), Some(Duration::from_secs(5)));
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(pacer.next_wait(), None, "1 s left, the limit needs 3 s");
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_limit_refusal_at_least_doubles_the_wait() {
        let deadline = Instant::now() + Duration::from_secs(3600);
        let mut pacer = Pacer::new(
            Duration::from_secs(1),
            Duration::from_secs(2),
            limit(1, 3),
            deadline,
        );
        pacer.slow_down();
        assert!(pacer.next_wait().unwrap() >= Duration::from_secs(6));
    }
}
