//! End-to-end tests of the generated KuCoin client (`xgen_clients::kucoin`) and its withdrawal
//! layer (`KucoinWithdrawals`) against the fake KuCoin of `xgen-fake-exchanges`, which checks
//! keys, passphrases, timestamps and signatures with its own code.
//!
//! The outcome scenarios every exchange shares (cancelled, too late, refused, not found, still
//! unknown, on paused time) run on KuCoin in `withdrawals.rs` (`mod kucoin`); here are KuCoin's
//! own cases: its signing and typed errors, its hosts, and how a `FAILURE` reads.

use std::sync::Arc;

use xgen_clients::kucoin::{
    operations, AccountGetFuturesAccountRequest, AccountWithdrawalCancelWithdrawalRequest,
    AccountWithdrawalGetWithdrawalHistoryByIdRequest, AccountWithdrawalWithdrawalV3Request,
    AccountWithdrawalWithdrawalV3RequestWithdrawType, Client,
};
use xgen_clients::withdrawals::{
    Cancel, CancelReply, ConfirmOptions, KucoinWithdrawals, Outcome, Status, WithdrawalState,
};
use xgen_fake_exchanges::kucoin::{
    self as fake_kucoin, Answer, Clock, DocumentedError, FakeKuCoin, Reply, State, Verdict,
    Withdrawal, WITHDRAWAL_BY_ID_ROUTE, WITHDRAW_PATH,
};
use xgen_fake_exchanges::CancelScript;
use xgen_runtime::kucoin::{KucoinCredentials, KucoinError, KucoinErrorKind, KucoinSigner};
use xgen_runtime::{Error, FixedTimestamp, HttpRequest, SignError, Signer};

const API_KEY: &str = "kucoin-e2e-key-67e6515f";
const SECRET: &str = "kucoin-e2e-secret-2142051e-5bda";
const PASSPHRASE: &str = "Kucoin-E2E-Passphrase-4";
const ID: &str = "670deec84d64da0007d7c946";
/// 2025-03-28T07:35:59Z, the time of KuCoin's own example record.
const NOW: u64 = 1_743_147_359_000;

fn signer_with(secret: &str, passphrase: &str) -> KucoinSigner {
    KucoinSigner::new(KucoinCredentials::new(API_KEY, secret, passphrase).unwrap())
        .with_timestamp_source(Arc::new(FixedTimestamp::new(NOW)))
}

fn signer() -> KucoinSigner {
    signer_with(SECRET, PASSPHRASE)
}

fn client(fake: &FakeKuCoin) -> Client {
    Client::with_base_url(signer(), &fake.base_url()).unwrap()
}

async fn start() -> FakeKuCoin {
    let fake = FakeKuCoin::start(API_KEY, SECRET, PASSPHRASE).await;
    fake.set_clock(Clock::Fixed(NOW));
    fake
}

fn kucoin_error(error: Error) -> KucoinError {
    KucoinError::of(&error)
        .cloned()
        .unwrap_or_else(|| panic!("expected a KuCoin error, got {error:?}"))
}

fn by_id(id: &str) -> AccountWithdrawalGetWithdrawalHistoryByIdRequest {
    AccountWithdrawalGetWithdrawalHistoryByIdRequest {
        withdrawal_id: id.into(),
    }
}

#[tokio::test]
async fn signed_requests_are_accepted_by_kucoins_own_recipe() {
    let fake = start().await;
    fake.add_withdrawal(Withdrawal::new(ID, "USDT", "3"));
    let kucoin = client(&fake);

    let record = kucoin
        .account_withdrawal_get_withdrawal_history_by_id(&by_id(ID))
        .await
        .expect("the fake accepts the signature and the record decodes");
    assert_eq!(
        (record.id.as_str(), record.status.as_str()),
        (ID, "PROCESSING")
    );

    let req = fake.last_request().unwrap();
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/api/v1/withdrawals/670deec84d64da0007d7c946")
    );
    assert_eq!(req.header("kc-api-key"), Some(API_KEY));
    assert_eq!(req.header("kc-api-timestamp"), Some("1743147359000"));
    assert_eq!(req.header("kc-api-key-version"), Some("2"));
    // Key version 2: the passphrase travels signed with the secret, never as typed.
    let passphrase = fake_kucoin::sign_passphrase(SECRET, PASSPHRASE);
    assert_eq!(req.header("kc-api-passphrase"), Some(passphrase.as_str()));
    let expected = fake_kucoin::sign(SECRET, "1743147359000", "GET", &req.path, b"");
    assert_eq!(req.header("kc-api-sign"), Some(expected.as_str()));
}

#[tokio::test]
async fn a_json_body_is_signed_as_sent() {
    let fake = start().await;
    let kucoin = client(&fake);
    let request = AccountWithdrawalWithdrawalV3Request {
        amount: "3".into(),
        chain: Some("trx".into()),
        currency: "USDT".into(),
        fee_deduct_type: None,
        is_inner: None,
        memo: None,
        remark: Some("e2e".into()),
        to_address: "TKFRQXSDcY4kd3QLzw7uK16GmLrjJggwX8".into(),
        withdraw_type: AccountWithdrawalWithdrawalV3RequestWithdrawType::Address,
    };
    let made = kucoin
        .account_withdrawal_withdrawal_v3(&request)
        .await
        .expect("the fake accepts the signed body");

    let req = fake.last_request().unwrap();
    assert_eq!(
        (&req.verdict, req.path.as_str()),
        (&Verdict::Accepted, WITHDRAW_PATH)
    );
    assert_eq!(req.header("content-type"), Some("application/json"));
    let expected = fake_kucoin::sign(SECRET, "1743147359000", "POST", WITHDRAW_PATH, &req.body);
    assert_eq!(req.header("kc-api-sign"), Some(expected.as_str()));
    // The withdrawal is in the book, PROCESSING, under the id the reply gave.
    assert_eq!(
        fake.withdrawal(&made.withdrawal_id).map(|w| w.state),
        Some(State::Processing)
    );
}

#[tokio::test]
async fn the_generated_cancel_reads_kucoins_null_data_as_the_profile_says_it_may_be() {
    // The spec types the cancel's `data` as a string; KuCoin's example (and the fake) sends
    // `null`. The profile says so (`payload_may_be_null`), so the method returns an `Option`.
    let fake = start().await;
    fake.add_withdrawal(Withdrawal::new(ID, "USDT", "3"));
    let kucoin = client(&fake);
    let data = kucoin
        .account_withdrawal_cancel_withdrawal(&AccountWithdrawalCancelWithdrawalRequest {
            withdrawal_id: ID.into(),
        })
        .await
        .unwrap();
    assert_eq!(data, None);
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::Accepted);
    assert_eq!(fake.withdrawal(ID).unwrap().state, State::Canceling);

    let other = "670deec84d64da0007d7c947";
    fake.add_withdrawal(Withdrawal::new(other, "USDT", "4"));
    let layer = KucoinWithdrawals::new(client(&fake));
    assert_eq!(layer.cancel(other).await.unwrap(), CancelReply::Requested);
    assert_eq!(
        fake.last_request().unwrap().body_text(),
        "",
        "DELETE carries no body"
    );
}

#[tokio::test]
async fn a_stale_timestamp_is_a_typed_400002() {
    let fake = start().await;
    // Six seconds behind the server: outside KuCoin's five.
    let stale = KucoinSigner::new(KucoinCredentials::new(API_KEY, SECRET, PASSPHRASE).unwrap())
        .with_timestamp_source(Arc::new(FixedTimestamp::new(NOW - 6_000)));
    let kucoin = Client::with_base_url(stale, &fake.base_url()).unwrap();
    let error = kucoin
        .account_withdrawal_get_withdrawal_history_by_id(&by_id(ID))
        .await
        .unwrap_err();
    assert!(!error.is_transient() && !error.outcome_unknown(), "{error}");
    let e = kucoin_error(error);
    assert_eq!(
        (e.kind, e.code.as_str(), e.status),
        (KucoinErrorKind::InvalidTimestamp, "400002", 400)
    );
    assert!(e.kind.is_authentication());
    assert!(matches!(
        fake.last_request().unwrap().verdict,
        Verdict::StaleTimestamp(_)
    ));
}

#[tokio::test]
async fn a_wrong_passphrase_is_a_typed_400004_and_never_shown() {
    let fake = start().await;
    let kucoin =
        Client::with_base_url(signer_with(SECRET, "not-the-passphrase"), &fake.base_url()).unwrap();
    let error = kucoin
        .account_withdrawal_get_withdrawal_history_by_id(&by_id(ID))
        .await
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("not-the-passphrase"), "{shown}");
    let e = kucoin_error(error);
    assert_eq!(
        (e.kind, e.code.as_str(), e.status),
        (KucoinErrorKind::InvalidPassphrase, "400004", 401)
    );
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::WrongPassphrase
    );
}

/// Signs as KuCoin's signer does, then spoils the signature: the passphrase and everything
/// else stay right, so only the signature check can fail.
#[derive(Debug)]
struct SpoiledSignature(KucoinSigner);

impl Signer for SpoiledSignature {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        self.0.sign(request)?;
        for (name, value) in &mut request.headers {
            if name == "KC-API-SIGN" {
                *value = fake_kucoin::sign(SECRET, "1", "GET", "/elsewhere", b"");
            }
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_wrong_signature_is_a_typed_400005() {
    let fake = start().await;
    let runtime =
        xgen_runtime::Client::new(&fake.base_url(), Arc::new(SpoiledSignature(signer()))).unwrap();
    let kucoin = Client::from_runtime(runtime);
    let e = kucoin_error(
        kucoin
            .account_withdrawal_get_withdrawal_history_by_id(&by_id(ID))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (e.kind, e.code.as_str(), e.status),
        (KucoinErrorKind::InvalidSignature, "400005", 401)
    );
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
}

#[tokio::test]
async fn a_rate_limit_is_a_typed_429000_keeping_retry_after() {
    let fake = start().await;
    let kucoin = client(&fake);

    // KuCoin's own 429: its `gw-ratelimit-*` headers, no Retry-After.
    fake.respond_once_on(
        WITHDRAWAL_BY_ID_ROUTE,
        Reply::error(DocumentedError::TooManyRequests),
    );
    let error = kucoin
        .account_withdrawal_get_withdrawal_history_by_id(&by_id(ID))
        .await
        .unwrap_err();
    assert!(
        error.is_rate_limited() && error.is_transient() && !error.outcome_unknown(),
        "{error}"
    );
    let e = kucoin_error(error);
    assert_eq!(
        (e.kind, e.code.as_str(), e.status, e.retry_after.as_deref()),
        (KucoinErrorKind::TooManyRequests, "429000", 429, None)
    );

    // With a Retry-After header, the error keeps it.
    fake.respond_once_on(
        WITHDRAWAL_BY_ID_ROUTE,
        Reply::Exchange(Answer::TooManyRequestsRetryAfter { seconds: 3 }),
    );
    let e = kucoin_error(
        kucoin
            .account_withdrawal_get_withdrawal_history_by_id(&by_id(ID))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (e.kind, e.retry_after.as_deref(), e.retry_after_seconds()),
        (KucoinErrorKind::TooManyRequests, Some("3"), Some(3))
    );
    assert!(e.to_string().ends_with("(Retry-After: 3)"), "{e}");
}

#[tokio::test]
async fn a_futures_operation_goes_to_the_futures_host_it_is_given() {
    let spot = start().await;
    let futures = start().await;
    spot.add_withdrawal(Withdrawal::new(ID, "USDT", "3"));
    let runtime = xgen_runtime::Client::new(&spot.base_url(), Arc::new(signer()))
        .unwrap()
        .with_hosts(&[("Futures", futures.base_url().as_str())])
        .unwrap();
    let kucoin = Client::from_runtime(runtime);
    assert_eq!(
        operations::ACCOUNT_GET_FUTURES_ACCOUNT.host,
        Some("Futures")
    );

    // The fake serves the withdrawal endpoints alone: the futures host's fake answers KuCoin's
    // 404000, which is enough to show where the request went.
    let e = kucoin_error(
        kucoin
            .account_get_futures_account(&AccountGetFuturesAccountRequest::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(e.kind, KucoinErrorKind::UrlNotFound);
    let seen = futures.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("GET", "/api/v1/account-overview")
    );
    assert!(spot.requests().is_empty());

    // A Spot operation, with no Spot host given, goes to the client's own URL.
    kucoin
        .account_withdrawal_get_withdrawal_history_by_id(&by_id(ID))
        .await
        .unwrap();
    assert_eq!(spot.requests().len(), 1);
    assert_eq!(futures.requests().len(), 1);
}

// How a FAILURE reads: KuCoin has no cancelled status.

fn layer_over(fake: &FakeKuCoin) -> KucoinWithdrawals {
    KucoinWithdrawals::new(client(fake))
}

#[tokio::test]
async fn a_failure_is_cancelled_only_for_the_layer_whose_cancel_was_accepted() {
    let fake = start().await;
    fake.add_withdrawal(Withdrawal::new(ID, "USDT", "3"));
    let layer = layer_over(&fake);
    let outcome = layer
        .cancel_and_confirm(ID, &ConfirmOptions::default())
        .await
        .unwrap();
    let Outcome::Cancelled { status } = &outcome else {
        panic!("expected Cancelled, got {outcome:?}")
    };
    assert_eq!(
        (status.state, status.exchange_status.as_str()),
        (
            WithdrawalState::Cancelled,
            "FAILURE, cancelType NON_CANCELABLE"
        )
    );
    assert_eq!(
        outcome.to_string(),
        "cancelled: the exchange shows the withdrawal cancelled (FAILURE, cancelType \
         NON_CANCELABLE)"
    );

    // Clones share what was accepted; another layer, which sent no cancel, cannot tell the
    // FAILURE from a failed withdrawal's.
    let clone = layer.clone();
    assert_eq!(
        clone.status(ID).await.unwrap().unwrap().state,
        WithdrawalState::Cancelled
    );
    let stranger = layer_over(&fake);
    assert_eq!(
        stranger.status(ID).await.unwrap().unwrap().state,
        WithdrawalState::Failed
    );
}

#[tokio::test]
async fn a_failure_still_marked_canceling_is_cancelled_for_anyone() {
    let fake = start().await;
    fake.add_withdrawal(Withdrawal::new(ID, "USDT", "3").with_state(State::Failure));
    fake.rewrite_status_records(|record| {
        record.insert("cancelType".into(), "CANCELING".into());
    });
    let status = layer_over(&fake).status(ID).await.unwrap().unwrap();
    assert_eq!(
        (status.state, status.exchange_status.as_str()),
        (WithdrawalState::Cancelled, "FAILURE, cancelType CANCELING")
    );
}

#[tokio::test]
async fn a_failed_withdrawal_refuses_the_cancel_and_reads_failed() {
    let fake = start().await;
    fake.add_withdrawal(
        Withdrawal::new(ID, "USDT", "3")
            .with_state(State::Failure)
            .with_script(CancelScript::NotCancellable),
    );
    let outcome = layer_over(&fake)
        .cancel_and_confirm(ID, &ConfirmOptions::default())
        .await
        .unwrap();
    assert_eq!(
        outcome.to_string(),
        "failed: the withdrawal failed or was rejected by the exchange, not cancelled; the \
         funds did not leave (FAILURE, cancelType NON_CANCELABLE)"
    );
}

#[tokio::test]
async fn review_and_wallet_processing_are_past_cancelling() {
    for (state, shown) in [
        (State::Review, "REVIEW, cancelType NON_CANCELABLE"),
        (
            State::WalletProcessing,
            "WALLET_PROCESSING, cancelType NON_CANCELABLE",
        ),
    ] {
        let fake = start().await;
        fake.add_withdrawal(
            Withdrawal::new(ID, "USDT", "3")
                .with_state(state)
                .with_script(CancelScript::NotCancellable),
        );
        let outcome = layer_over(&fake)
            .cancel_and_confirm(ID, &ConfirmOptions::default())
            .await
            .unwrap();
        match outcome {
            Outcome::Refused { reason, status } => {
                assert_eq!(
                    reason,
                    "400100: Only withdrawal requests with PROCESSING status can be canceled."
                );
                let status = status.expect("listed");
                assert_eq!(
                    (status.state, status.exchange_status.as_str()),
                    (WithdrawalState::NotCancellable, shown)
                );
            }
            other => panic!("{shown}: expected Refused, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_cancel_with_bad_credentials_is_an_error_and_nothing_is_polled() {
    let fake = start().await;
    fake.add_withdrawal(Withdrawal::new(ID, "USDT", "3"));
    let layer = KucoinWithdrawals::new(
        Client::with_base_url(signer_with(SECRET, "wrong"), &fake.base_url()).unwrap(),
    );
    let error = layer
        .cancel_and_confirm(ID, &ConfirmOptions::default())
        .await
        .unwrap_err();
    assert_eq!(kucoin_error(error).kind, KucoinErrorKind::InvalidPassphrase);
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(fake.status_polls(ID), 0);
}
