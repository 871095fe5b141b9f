//! End-to-end tests of the generated Binance client (`xgen_clients::binance`) and its status
//! layer (`BinanceWithdrawals`) against the fake Binance of `xgen-fake-exchanges`, which checks
//! keys, timestamps and signatures with its own code.

use std::sync::Arc;

use xgen_clients::binance::{
    Client, GetSapiV1CapitalWithdrawHistoryRequest, PostSapiV1CapitalWithdrawApplyRequest,
};
use xgen_clients::withdrawals::{BinanceWithdrawals, WithdrawalState};
use xgen_fake_exchanges::binance::{
    Clock, Credential, FakeBinance, Reply, Status, Verdict, Withdrawal, WITHDRAW_HISTORY_PATH,
};
use xgen_runtime::binance::{BinanceCredentials, BinanceError, BinanceErrorKind, BinanceSigner};
use xgen_runtime::{Error, FixedTimestamp};

const API_KEY: &str = "binance-e2e-key";
const SECRET: &str = "BINANCEE2ESECRETNhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZ";
const NOW: u64 = 1_700_000_000_000;

fn signer_at(secret: &str, millis: u64) -> BinanceSigner {
    BinanceSigner::new(BinanceCredentials::from_secret(API_KEY, secret).unwrap())
        .with_timestamp_source(Arc::new(FixedTimestamp::new(millis)))
}

fn client(fake: &FakeBinance, signer: BinanceSigner) -> Client {
    Client::with_base_url(signer, &fake.base_url()).unwrap()
}

async fn start() -> FakeBinance {
    let fake = FakeBinance::start(API_KEY, Credential::Hmac(SECRET.into())).await;
    fake.set_clock(Clock::Fixed(NOW));
    fake
}

fn apply_request() -> PostSapiV1CapitalWithdrawApplyRequest {
    PostSapiV1CapitalWithdrawApplyRequest {
        coin: "USDT".into(),
        address: "0x94df8b352de7f46f64b01d3666bf6e936e44ce60".into(),
        amount: 8.91,
        network: Some("ETH".into()),
        withdraw_order_id: Some("e2e-1".into()),
        address_tag: None,
        name: None,
        transaction_fee_flag: None,
        wallet_type: None,
    }
}

fn binance_error(error: Error) -> BinanceError {
    BinanceError::of(&error)
        .cloned()
        .unwrap_or_else(|| panic!("expected a Binance error, got {error:?}"))
}

#[tokio::test]
async fn withdraw_then_read_the_status() {
    let fake = start().await;
    let binance = client(&fake, signer_at(SECRET, NOW).with_recv_window(5000));
    let applied = binance
        .post_sapi_v1_capital_withdraw_apply(&apply_request())
        .await
        .unwrap();
    let seen = fake.last_request().unwrap();
    assert_eq!(seen.verdict, Verdict::Accepted);
    let query = seen.query.clone().unwrap();
    assert!(query.starts_with("address=0x94df"), "{query}");
    assert!(
        query.contains(&format!("&recvWindow=5000&timestamp={NOW}&signature=")),
        "{query}"
    );
    assert_eq!(seen.header("x-mbx-apikey"), Some(API_KEY));

    let history = binance
        .get_sapi_v1_capital_withdraw_history(&GetSapiV1CapitalWithdrawHistoryRequest::default())
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].id.as_str(), history[0].status),
        (applied.id.as_str(), 4)
    );
    assert_eq!(history[0].withdraw_order_id, "e2e-1");

    let withdrawals = BinanceWithdrawals::new(binance);
    let status = withdrawals.status(&applied.id).await.unwrap().unwrap();
    assert_eq!(status.state, WithdrawalState::NotCancellable);
    assert_eq!(status.exchange_status, "4 Processing");
    assert!(status.record.typed.is_ok());
    fake.set_withdrawal_state(&applied.id, Status::Completed);
    let status = withdrawals.status(&applied.id).await.unwrap().unwrap();
    assert_eq!(
        (status.state, status.to_string().as_str()),
        (WithdrawalState::Completed, "completed (6 Completed)")
    );
    assert_eq!(withdrawals.status("not-there").await.unwrap(), None);
}

#[tokio::test]
async fn every_status_maps_and_a_missing_order_id_is_only_a_typed_record_problem() {
    let fake = start().await;
    for (id, status, state) in [
        ("s0", Status::EmailSent, WithdrawalState::Pending),
        ("s1", Status::Cancelled, WithdrawalState::Cancelled),
        ("s2", Status::AwaitingApproval, WithdrawalState::Pending),
        ("s3", Status::Rejected, WithdrawalState::Failed),
        ("s5", Status::Failure, WithdrawalState::Failed),
        ("s9", Status::Other(9), WithdrawalState::Unknown),
    ] {
        fake.add_withdrawal(Withdrawal::new(id, "BTC", "0.1").with_status(status));
        let withdrawals = BinanceWithdrawals::new(client(&fake, signer_at(SECRET, NOW)));
        let got = withdrawals.status(id).await.unwrap().unwrap();
        assert_eq!(got.state, state, "{id}");
        // Binance leaves out `withdrawOrderId` when there is none; its spec says required.
        let problem = got.record.typed.unwrap_err();
        assert!(problem.message.contains("withdrawOrderId"), "{problem}");
    }
    // The generated method, which decodes the whole reply, fails on the same records.
    let err = client(&fake, signer_at(SECRET, NOW))
        .get_sapi_v1_capital_withdraw_history(&GetSapiV1CapitalWithdrawHistoryRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn a_stale_timestamp_is_the_typed_1021() {
    let fake = start().await;
    let stale = client(&fake, signer_at(SECRET, NOW - 5001));
    let err = stale
        .post_sapi_v1_capital_withdraw_apply(&apply_request())
        .await
        .unwrap_err();
    let e = binance_error(err);
    assert_eq!(
        (e.status, e.code, e.kind),
        (
            400,
            Some(-1021),
            BinanceErrorKind::TimestampOutsideRecvWindow
        )
    );
    assert_eq!(
        e.message,
        "Timestamp for this request is outside of the recvWindow."
    );
    assert!(fake.withdrawals().is_empty());
    // A wider window lets the same timestamp through.
    let widened = client(
        &fake,
        signer_at(SECRET, NOW - 5001).with_recv_window(10_000),
    );
    assert!(widened
        .post_sapi_v1_capital_withdraw_apply(&apply_request())
        .await
        .is_ok());
}

#[tokio::test]
async fn bad_keys_and_secrets_are_typed() {
    let fake = start().await;
    let stranger = Client::with_base_url(
        BinanceSigner::new(BinanceCredentials::hmac("someone-else", SECRET).unwrap())
            .with_timestamp_source(Arc::new(FixedTimestamp::new(NOW))),
        &fake.base_url(),
    )
    .unwrap();
    let e =
        binance_error(
            stranger
                .get_sapi_v1_capital_withdraw_history(
                    &GetSapiV1CapitalWithdrawHistoryRequest::default(),
                )
                .await
                .unwrap_err(),
        );
    assert_eq!((e.status, e.kind), (401, BinanceErrorKind::RejectedApiKey));
    let wrong_secret = client(&fake, signer_at("not-the-secret", NOW));
    let err = wrong_secret
        .get_sapi_v1_capital_withdraw_history(&GetSapiV1CapitalWithdrawHistoryRequest::default())
        .await
        .unwrap_err();
    assert!(!err.is_transient(), "{err}");
    let e = binance_error(err);
    assert_eq!(
        (e.status, e.kind),
        (400, BinanceErrorKind::InvalidSignature)
    );
}

#[tokio::test]
async fn a_429_is_a_typed_rate_limit_with_retry_after() {
    let fake = start().await;
    fake.respond_once_on(WITHDRAW_HISTORY_PATH, Reply::RateLimited);
    let withdrawals = BinanceWithdrawals::new(client(&fake, signer_at(SECRET, NOW)));
    let err = withdrawals.status("x").await.unwrap_err();
    assert!(err.is_rate_limited() && !err.outcome_unknown(), "{err}");
    let e = binance_error(err);
    assert_eq!(
        (e.status, e.kind, e.retry_after_seconds()),
        (429, BinanceErrorKind::TooManyRequests, Some(1))
    );
    fake.respond_once_on(
        WITHDRAW_HISTORY_PATH,
        Reply::Exchange(xgen_fake_exchanges::binance::Answer::IpBanned { retry_after_s: 120 }),
    );
    let e = binance_error(withdrawals.status("x").await.unwrap_err());
    assert_eq!(
        (e.kind, e.retry_after_seconds()),
        (BinanceErrorKind::IpBanned, Some(120))
    );
    assert_eq!(withdrawals.status("x").await.unwrap(), None);
}
