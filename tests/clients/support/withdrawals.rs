//! The harness of `tests/clients/withdrawals.rs`: one [`Venue`] per exchange (its fake, the
//! withdrawal layer built on a generated client pointed at it, and what that exchange's words are
//! for each outcome), and a [`Recorder`] of the [`Progress`] steps of
//! `cancel_and_confirm_observed`, with the virtual (paused tokio) time of each.

use std::borrow::Borrow;
use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::time::Instant;
use xgen_clients::withdrawals::{
    AlphaPointAccount, AlphaPointWithdrawals, BybitWithdrawals, Cancel, CancelReply,
    ConfirmOptions, ExchangeRecord, KrakenWithdrawal, KrakenWithdrawals, KucoinWithdrawals,
    OkxWithdrawals, Outcome, Progress, Status, TypedRecord, WithdrawalState, WithdrawalStatus,
};
use xgen_fake_exchanges::{alphapoint, bybit, kraken, kucoin, okx, CancelScript};
use xgen_runtime::{Error, RateLimit};

use super::{KRAKEN_DOC_SECRET, TEST_API_KEY};

/// Defaults with a 30 s deadline: 1 s first wait, doubling, at most 15 s.
pub fn options_30s() -> ConfirmOptions {
    ConfirmOptions::with_deadline(Duration::from_secs(30))
}

/// One exchange under test: its fake, the withdrawal layer pointed at it, and its vocabulary.
pub trait Venue: Sized {
    /// The layer type under test.
    type Layer: Status;
    /// An owned id, lent to the layer as its `Id`.
    type Id: Borrow<<Self::Layer as Cancel>::Id> + Debug;

    /// The status of a fresh withdrawal, before any cancel: `exchange_status`, state.
    const PENDING: (&'static str, WithdrawalState);
    /// The status while a cancel is in progress (Bybit and AlphaPoint have no cancelling status:
    /// the withdrawal keeps its pending one).
    const CANCELLING: (&'static str, WithdrawalState);
    /// `exchange_status` of a cancelled withdrawal.
    const CANCELLED: &'static str;
    /// `exchange_status` of a completed withdrawal.
    const COMPLETED: &'static str;
    /// The status a refused cancel leaves the withdrawal in, as `Outcome::Refused` shows it.
    const REFUSED_STATUS: (&'static str, WithdrawalState);
    /// The status endpoint's rate limit (requests, per seconds) as the exchange documents it,
    /// which [`Venue::POLLS_IN_30S`] was worked out for. Written here, not read from `specs/`
    /// (users edit the specs): the tests check [`poll_schedule`] against the hand-worked
    /// schedule for this limit, and the layer against [`poll_schedule`] for the limit the spec
    /// gives now ([`polls_in_30s`]).
    const STATUS_LIMIT: Option<(u32, u32)>;
    /// The virtual times of the status polls of a cancel that stays pending for 30 s with
    /// [`options_30s`] under [`Venue::STATUS_LIMIT`], worked out by hand: at once, then 1 s
    /// doubling to 15 s (never below the rate limit's spacing), the last one on the deadline.
    const POLLS_IN_30S: &'static [Duration];

    /// Starts the fake and builds the layer over a generated client pointed at it.
    fn start() -> impl Future<Output = Self>;
    /// The layer under test.
    fn layer(&self) -> &Self::Layer;
    /// Adds a cancellable withdrawal to the fake's book (for `NotCancellable`: one in a state
    /// this exchange will not cancel), and returns its id.
    fn add(&self, name: &str, script: CancelScript) -> Self::Id;
    /// The id of a withdrawal the fake's book does not hold.
    fn unknown(&self, name: &str) -> Self::Id;
    /// The fake's count of status polls about `name`.
    fn status_polls(&self, name: &str) -> usize;
    /// The paths of every request the fake received, in order.
    fn paths(&self) -> Vec<String>;
    /// The cancel endpoint's path.
    fn cancel_path(&self) -> &'static str;
    /// The status endpoint's path.
    fn status_path(&self) -> &'static str;
    /// The id inside a status record's documented type; panics when the record is another
    /// exchange's or did not decode.
    fn record_id(record: &ExchangeRecord) -> String;

    /// The status record's key for the withdrawal id, and for the status.
    const ID_KEY: &'static str;
    const STATUS_KEY: &'static str;
    /// Where the (only) status record sits in the status reply, as a JSON path.
    const RECORD_PATH: &'static str;
    /// A field the docs list, that the state does not need.
    const DOCUMENTED_FIELD: &'static str;
    /// Whether the docs mark [`Self::DOCUMENTED_FIELD`] required, so that the typed record
    /// cannot be read without it (Kraken's own file marks no field of a withdrawal required).
    const DOCUMENTED_FIELD_REQUIRED: bool = true;
    /// A field the state does not need, and a value of another type than the documented one.
    fn retyped_field() -> (&'static str, Value);
    /// Passes every status record the fake sends through `rewrite`.
    fn rewrite_records(&self, rewrite: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static);

    /// `Outcome::Refused`'s reason for a cancel of a withdrawal this exchange will not cancel.
    fn refused_reason() -> String;
    /// `Outcome::NotFound`'s reason for an id this exchange does not know.
    fn not_found_reason() -> String;
    /// What `cancel()` alone answers for a withdrawal this exchange will not cancel.
    fn cancel_not_cancellable() -> CancelReply;
    /// What `cancel()` alone answers for an id this exchange does not know.
    fn cancel_unknown() -> CancelReply;
    /// What `cancel()` answers when sent a second time for the same withdrawal.
    fn cancel_again() -> CancelReply;

    /// How many requests the fake received on `path`.
    fn requests_on(&self, path: &str) -> usize {
        self.paths().iter().filter(|p| *p == path).count()
    }
}

/// [`Venue::POLLS_IN_30S`] when the rate limit allows polls less than 1 s apart: at once, then
/// 1, 2, 4, 8 and 15 s later, the last on the deadline.
const BACKOFF_IN_30S: &[Duration] = &[
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(3),
    Duration::from_secs(7),
    Duration::from_secs(15),
    Duration::from_secs(30),
];

/// Asserts a status's state, exchange text, and that its record is this exchange's record of
/// `name`.
pub fn assert_status<V: Venue>(
    status: &WithdrawalStatus,
    (exchange_status, state): (&str, WithdrawalState),
    name: &str,
) {
    assert_eq!(status.exchange_status, exchange_status, "{status:?}");
    assert_eq!(status.state, state, "{status:?}");
    assert_eq!(V::record_id(&status.record), name, "{status:?}");
    assert_eq!(status.record.raw[V::ID_KEY], json!(name), "{status:?}");
}

// ---------------------------------------------------------------------------------------------
// Kraken spot

const KRAKEN_ASSET: &str = "XBT";

pub struct Kraken {
    pub fake: kraken::FakeKraken,
    layer: KrakenWithdrawals,
}

/// The Kraken layer over a client signing with `secret_b64` for the fake's key.
pub fn kraken_layer(fake: &kraken::FakeKraken, secret_b64: &str) -> KrakenWithdrawals {
    let credentials =
        xgen_runtime::kraken::KrakenCredentials::new(TEST_API_KEY, secret_b64).unwrap();
    let signer = xgen_runtime::kraken::KrakenSigner::new(credentials);
    let client = xgen_clients::kraken::Client::with_base_url(signer, &fake.base_url()).unwrap();
    KrakenWithdrawals::new(client)
}

fn kraken_id(name: &str) -> KrakenWithdrawal {
    KrakenWithdrawal {
        asset: KRAKEN_ASSET.into(),
        refid: name.into(),
    }
}

impl Venue for Kraken {
    type Layer = KrakenWithdrawals;
    type Id = KrakenWithdrawal;

    const PENDING: (&'static str, WithdrawalState) = ("Pending", WithdrawalState::Pending);
    const CANCELLING: (&'static str, WithdrawalState) = (
        "Pending, status-prop cancel-pending",
        WithdrawalState::Cancelling,
    );
    const CANCELLED: &'static str = "Failure, status-prop canceled";
    const COMPLETED: &'static str = "Success";
    const REFUSED_STATUS: (&'static str, WithdrawalState) = (
        "Pending, status-prop cancel-denied",
        WithdrawalState::NotCancellable,
    );
    // Kraken's call counter (Starter tier), as documented: one call per 3 s.
    const STATUS_LIMIT: Option<(u32, u32)> = Some((1, 3));
    // 3 s at least: 3, 6, 12, then 9 s to land on the deadline.
    const POLLS_IN_30S: &'static [Duration] = &[
        Duration::ZERO,
        Duration::from_secs(3),
        Duration::from_secs(9),
        Duration::from_secs(21),
        Duration::from_secs(30),
    ];

    async fn start() -> Kraken {
        let fake = kraken::FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
        let layer = kraken_layer(&fake, KRAKEN_DOC_SECRET);
        Kraken { fake, layer }
    }
    fn layer(&self) -> &KrakenWithdrawals {
        &self.layer
    }
    fn add(&self, name: &str, script: CancelScript) -> KrakenWithdrawal {
        self.fake.add_withdrawal(
            kraken::Withdrawal {
                method: "Bitcoin".into(),
                network: "Bitcoin".into(),
                info: "bc1qexampleaddress".into(),
                ..kraken::Withdrawal::new(name, KRAKEN_ASSET, "0.5")
            }
            .with_script(script),
        );
        kraken_id(name)
    }
    fn unknown(&self, name: &str) -> KrakenWithdrawal {
        kraken_id(name)
    }
    fn status_polls(&self, name: &str) -> usize {
        self.fake.status_polls(name)
    }
    fn paths(&self) -> Vec<String> {
        self.fake.requests().into_iter().map(|r| r.path).collect()
    }
    fn cancel_path(&self) -> &'static str {
        kraken::WITHDRAW_CANCEL_PATH
    }
    fn status_path(&self) -> &'static str {
        kraken::WITHDRAW_STATUS_PATH
    }
    fn record_id(record: &ExchangeRecord) -> String {
        match &record.typed {
            Ok(TypedRecord::Kraken(row)) => row.refid.clone().unwrap_or_default(),
            other => panic!("expected a Kraken record, got {other:?}"),
        }
    }

    const ID_KEY: &'static str = "refid";
    const STATUS_KEY: &'static str = "status";
    const RECORD_PATH: &'static str = "result[0]";
    const DOCUMENTED_FIELD: &'static str = "amount";
    const DOCUMENTED_FIELD_REQUIRED: bool = false;
    fn retyped_field() -> (&'static str, Value) {
        ("time", json!("1700000000"))
    }
    fn rewrite_records(&self, rewrite: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static) {
        self.fake.rewrite_status_records(rewrite);
    }

    fn refused_reason() -> String {
        // Kraken answers `result: true` either way; WithdrawStatus shows the refusal.
        "the status shows it past the point where it can be cancelled".into()
    }
    fn not_found_reason() -> String {
        "EFunding:Unknown reference id".into()
    }
    fn cancel_not_cancellable() -> CancelReply {
        CancelReply::Requested
    }
    fn cancel_unknown() -> CancelReply {
        CancelReply::NotFound {
            reason: Self::not_found_reason(),
        }
    }
    fn cancel_again() -> CancelReply {
        // Kraken's WithdrawCancel has no "already cancelled" answer: a request, again.
        CancelReply::Requested
    }
}

// ---------------------------------------------------------------------------------------------
// OKX

pub const OKX_KEY: &str = "okx-withdrawals-key";
pub const OKX_SECRET: &str = "OKXWITHDRAWALSSECRET0123456789AB";
pub const OKX_PASSPHRASE: &str = "Okx-Withdrawals-Pass-1";

pub struct Okx {
    pub fake: okx::FakeOkx,
    layer: OkxWithdrawals,
}

impl Venue for Okx {
    type Layer = OkxWithdrawals;
    type Id = String;

    const PENDING: (&'static str, WithdrawalState) = ("0", WithdrawalState::Pending);
    const CANCELLING: (&'static str, WithdrawalState) = ("-3", WithdrawalState::Cancelling);
    const CANCELLED: &'static str = "-2";
    const COMPLETED: &'static str = "2";
    // OKX refuses (58216) a withdrawal past state 0/17/19, e.g. broadcasting.
    const REFUSED_STATUS: (&'static str, WithdrawalState) = ("1", WithdrawalState::NotCancellable);
    const STATUS_LIMIT: Option<(u32, u32)> = Some((6, 1));
    const POLLS_IN_30S: &'static [Duration] = BACKOFF_IN_30S;

    async fn start() -> Okx {
        let fake = okx::FakeOkx::start(OKX_KEY, OKX_SECRET, OKX_PASSPHRASE).await;
        let signer = xgen_runtime::okx::OkxSigner::new(
            xgen_runtime::okx::OkxCredentials::new(OKX_KEY, OKX_SECRET, OKX_PASSPHRASE).unwrap(),
        );
        let client = xgen_clients::okx::Client::with_base_url(signer, &fake.base_url()).unwrap();
        Okx {
            fake,
            layer: OkxWithdrawals::new(client),
        }
    }
    fn layer(&self) -> &OkxWithdrawals {
        &self.layer
    }
    fn add(&self, name: &str, script: CancelScript) -> String {
        let state = match script {
            CancelScript::NotCancellable => okx::State::Broadcasting,
            _ => okx::State::WaitingWithdrawal,
        };
        self.fake.add_withdrawal(
            okx::Withdrawal {
                chain: "USDT-TRC20".into(),
                to: "TXmVthgn6AXyC1T9RkT9ZeU8wTqKHdxgDY".into(),
                ..okx::Withdrawal::new(name, "USDT", "10.5")
            }
            .with_state(state)
            .with_script(script),
        );
        name.into()
    }
    fn unknown(&self, name: &str) -> String {
        name.into()
    }
    fn status_polls(&self, name: &str) -> usize {
        self.fake.status_polls(name)
    }
    fn paths(&self) -> Vec<String> {
        self.fake.requests().into_iter().map(|r| r.path).collect()
    }
    fn cancel_path(&self) -> &'static str {
        okx::CANCEL_WITHDRAWAL_PATH
    }
    fn status_path(&self) -> &'static str {
        okx::WITHDRAWAL_HISTORY_PATH
    }
    fn record_id(record: &ExchangeRecord) -> String {
        match &record.typed {
            Ok(TypedRecord::Okx(row)) => row.wd_id.clone(),
            other => panic!("expected an OKX record, got {other:?}"),
        }
    }

    const ID_KEY: &'static str = "wdId";
    const STATUS_KEY: &'static str = "state";
    const RECORD_PATH: &'static str = "data[0]";
    const DOCUMENTED_FIELD: &'static str = "amt";
    fn retyped_field() -> (&'static str, Value) {
        ("ts", json!(1_655_251_200_000_u64))
    }
    fn rewrite_records(&self, rewrite: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static) {
        self.fake.rewrite_status_records(rewrite);
    }

    fn refused_reason() -> String {
        "58216: Operation not allowed.".into()
    }
    fn not_found_reason() -> String {
        "58215: Withdrawal ID does not exist.".into()
    }
    fn cancel_not_cancellable() -> CancelReply {
        CancelReply::Refused {
            reason: Self::refused_reason(),
        }
    }
    fn cancel_unknown() -> CancelReply {
        CancelReply::NotFound {
            reason: Self::not_found_reason(),
        }
    }
    fn cancel_again() -> CancelReply {
        CancelReply::AlreadyCancelling {
            reason: "58220: Withdrawal request already canceled.".into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// KuCoin

pub const KUCOIN_KEY: &str = "kucoin-withdrawals-key";
pub const KUCOIN_SECRET: &str = "kucoin-withdrawals-secret-5bda4d4e";
pub const KUCOIN_PASSPHRASE: &str = "Kucoin-Withdrawals-Pass-3";

/// KuCoin's refusal of a withdrawal that is not `PROCESSING`: its generic parameter error, with
/// the spec's sentence (KuCoin has no code of its own for it).
pub const KUCOIN_NOT_PROCESSING: &str =
    "400100: Only withdrawal requests with PROCESSING status can be canceled.";
const KUCOIN_UNKNOWN: &str = "400100: Parameter Error";

/// The cancel and the single-withdrawal status share one path (`/api/v1/withdrawals/{id}`), so
/// the KuCoin venue tells requests apart by method and path template, as the fake's routes do.
const KUCOIN_CANCEL_ROUTE: &str = "DELETE /api/v1/withdrawals/{withdrawalId}";

pub struct Kucoin {
    pub fake: kucoin::FakeKuCoin,
    layer: KucoinWithdrawals,
}

impl Venue for Kucoin {
    type Layer = KucoinWithdrawals;
    type Id = String;

    const PENDING: (&'static str, WithdrawalState) = (
        "PROCESSING, cancelType CANCELABLE",
        WithdrawalState::Pending,
    );
    const CANCELLING: (&'static str, WithdrawalState) = (
        "PROCESSING, cancelType CANCELING",
        WithdrawalState::Cancelling,
    );
    // No cancelled status: FAILURE after this layer's accepted cancel.
    const CANCELLED: &'static str = "FAILURE, cancelType NON_CANCELABLE";
    const COMPLETED: &'static str = "SUCCESS, cancelType NON_CANCELABLE";
    const REFUSED_STATUS: (&'static str, WithdrawalState) = (
        "WALLET_PROCESSING, cancelType NON_CANCELABLE",
        WithdrawalState::NotCancellable,
    );
    // The spec gives the single-withdrawal endpoint no rate limit.
    const STATUS_LIMIT: Option<(u32, u32)> = None;
    const POLLS_IN_30S: &'static [Duration] = BACKOFF_IN_30S;

    async fn start() -> Kucoin {
        let fake = kucoin::FakeKuCoin::start(KUCOIN_KEY, KUCOIN_SECRET, KUCOIN_PASSPHRASE).await;
        let signer = xgen_runtime::kucoin::KucoinSigner::new(
            xgen_runtime::kucoin::KucoinCredentials::new(
                KUCOIN_KEY,
                KUCOIN_SECRET,
                KUCOIN_PASSPHRASE,
            )
            .unwrap(),
        );
        let client = xgen_clients::kucoin::Client::with_base_url(signer, &fake.base_url()).unwrap();
        Kucoin {
            fake,
            layer: KucoinWithdrawals::new(client),
        }
    }
    fn layer(&self) -> &KucoinWithdrawals {
        &self.layer
    }
    fn add(&self, name: &str, script: CancelScript) -> String {
        let state = match script {
            CancelScript::NotCancellable => kucoin::State::WalletProcessing,
            _ => kucoin::State::Processing,
        };
        self.fake.add_withdrawal(
            kucoin::Withdrawal {
                chain: "trx".into(),
                address: "TKFRQXSDcY4kd3QLzw7uK16GmLrjJggwX8".into(),
                ..kucoin::Withdrawal::new(name, "USDT", "3")
            }
            .with_state(state)
            .with_script(script),
        );
        name.into()
    }
    fn unknown(&self, name: &str) -> String {
        name.into()
    }
    fn status_polls(&self, name: &str) -> usize {
        self.fake.status_polls(name)
    }
    fn paths(&self) -> Vec<String> {
        self.fake
            .requests()
            .into_iter()
            .map(|r| match r.method.as_str() {
                "DELETE" => KUCOIN_CANCEL_ROUTE.to_owned(),
                "GET" => kucoin::WITHDRAWAL_BY_ID_ROUTE.to_owned(),
                _ => r.path,
            })
            .collect()
    }
    fn cancel_path(&self) -> &'static str {
        KUCOIN_CANCEL_ROUTE
    }
    fn status_path(&self) -> &'static str {
        kucoin::WITHDRAWAL_BY_ID_ROUTE
    }
    fn record_id(record: &ExchangeRecord) -> String {
        match &record.typed {
            Ok(TypedRecord::Kucoin(row)) => row.id.clone(),
            other => panic!("expected a KuCoin record, got {other:?}"),
        }
    }

    const ID_KEY: &'static str = "id";
    const STATUS_KEY: &'static str = "status";
    const RECORD_PATH: &'static str = "data";
    const DOCUMENTED_FIELD: &'static str = "amount";
    fn retyped_field() -> (&'static str, Value) {
        ("createdAt", json!("yesterday"))
    }
    fn rewrite_records(&self, rewrite: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static) {
        self.fake.rewrite_status_records(rewrite);
    }

    fn refused_reason() -> String {
        KUCOIN_NOT_PROCESSING.into()
    }
    fn not_found_reason() -> String {
        // KuCoin has no "not found" code: the single-withdrawal endpoint's `data: null` tells.
        format!("{KUCOIN_UNKNOWN}; the status endpoint does not list the withdrawal either")
    }
    fn cancel_not_cancellable() -> CancelReply {
        CancelReply::Refused {
            reason: KUCOIN_NOT_PROCESSING.into(),
        }
    }
    fn cancel_unknown() -> CancelReply {
        CancelReply::Refused {
            reason: KUCOIN_UNKNOWN.into(),
        }
    }
    fn cancel_again() -> CancelReply {
        // A withdrawal being cancelled is no longer cancellable: the same refusal.
        CancelReply::Refused {
            reason: KUCOIN_NOT_PROCESSING.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bybit

const BYBIT_KEY: &str = "bybit-withdrawals-key";
const BYBIT_SECRET: &str = "bybit-withdrawals-secret-0123456789";

pub struct Bybit {
    pub fake: bybit::FakeBybit,
    layer: BybitWithdrawals,
}

const BYBIT_REFUSED: &str = "Bybit answered `status: 0` (fail): the withdrawal cannot be \
                             cancelled, or is already cancelled";
const BYBIT_UNKNOWN: &str = "131002: parameter error";

impl Venue for Bybit {
    type Layer = BybitWithdrawals;
    type Id = String;

    const PENDING: (&'static str, WithdrawalState) = ("Pending", WithdrawalState::Pending);
    const CANCELLING: (&'static str, WithdrawalState) = Self::PENDING;
    const CANCELLED: &'static str = "CancelByUser";
    const COMPLETED: &'static str = "success";
    const REFUSED_STATUS: (&'static str, WithdrawalState) = Self::PENDING;
    const STATUS_LIMIT: Option<(u32, u32)> = Some((300, 60));
    const POLLS_IN_30S: &'static [Duration] = BACKOFF_IN_30S;

    async fn start() -> Bybit {
        let fake =
            bybit::FakeBybit::start(BYBIT_KEY, bybit::Credential::Hmac(BYBIT_SECRET.into())).await;
        let signer = xgen_runtime::bybit::BybitSigner::new(
            xgen_runtime::bybit::BybitCredentials::hmac(BYBIT_KEY, BYBIT_SECRET).unwrap(),
        );
        let client = xgen_clients::bybit::Client::with_base_url(signer, &fake.base_url()).unwrap();
        Bybit {
            fake,
            layer: BybitWithdrawals::new(client),
        }
    }
    fn layer(&self) -> &BybitWithdrawals {
        &self.layer
    }
    fn add(&self, name: &str, script: CancelScript) -> String {
        self.fake.add_withdrawal(
            bybit::Withdrawal {
                chain: "ETH".into(),
                to_address: "0x99ced129603abc771c0dabe935c326ff6c86645d".into(),
                ..bybit::Withdrawal::new(name, "USDT", "77")
            }
            .with_script(script),
        );
        name.into()
    }
    fn unknown(&self, name: &str) -> String {
        name.into()
    }
    fn status_polls(&self, name: &str) -> usize {
        self.fake.status_polls(name)
    }
    fn paths(&self) -> Vec<String> {
        self.fake.requests().into_iter().map(|r| r.path).collect()
    }
    fn cancel_path(&self) -> &'static str {
        bybit::WITHDRAW_CANCEL_PATH
    }
    fn status_path(&self) -> &'static str {
        bybit::QUERY_RECORD_PATH
    }
    fn record_id(record: &ExchangeRecord) -> String {
        match &record.typed {
            Ok(TypedRecord::Bybit(row)) => row.withdraw_id.clone(),
            other => panic!("expected a Bybit record, got {other:?}"),
        }
    }

    const ID_KEY: &'static str = "withdrawId";
    const STATUS_KEY: &'static str = "status";
    const RECORD_PATH: &'static str = "result.rows[0]";
    const DOCUMENTED_FIELD: &'static str = "coin";
    fn retyped_field() -> (&'static str, Value) {
        ("txID", json!(12345))
    }
    fn rewrite_records(&self, rewrite: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static) {
        self.fake.rewrite_status_records(rewrite);
    }

    fn refused_reason() -> String {
        BYBIT_REFUSED.into()
    }
    fn not_found_reason() -> String {
        // Bybit has no "not found" code: the layer reads the status endpoint to tell.
        format!("{BYBIT_UNKNOWN}; the status endpoint does not list the withdrawal either")
    }
    fn cancel_not_cancellable() -> CancelReply {
        CancelReply::Refused {
            reason: BYBIT_REFUSED.into(),
        }
    }
    fn cancel_unknown() -> CancelReply {
        CancelReply::Refused {
            reason: BYBIT_UNKNOWN.into(),
        }
    }
    fn cancel_again() -> CancelReply {
        // `status: 0` is Bybit's only answer to a second cancel.
        Self::cancel_not_cancellable()
    }
}

// ---------------------------------------------------------------------------------------------
// AlphaPoint APEX, with the ticket status sent as the documented integer or as its name

const AP_KEY: &str = "ap-withdrawals-key";
const AP_SECRET: &str = "ap-withdrawals-secret-0a1b2c3d";
const AP_USER: u64 = 96;
const AP_ACCOUNT: u64 = 7;

pub struct AlphaPoint<const NAMES: bool> {
    pub fake: alphapoint::FakeAlphaPoint,
    layer: AlphaPointWithdrawals,
}

/// AlphaPoint sending `Status` as its integer code (as documented).
pub type AlphaPointCodes = AlphaPoint<false>;
/// AlphaPoint sending `Status` as its name (as live venues seem to).
pub type AlphaPointNames = AlphaPoint<true>;

impl<const NAMES: bool> Venue for AlphaPoint<NAMES> {
    type Layer = AlphaPointWithdrawals;
    type Id = String;

    const PENDING: (&'static str, WithdrawalState) = (
        if NAMES { "New" } else { "0 New" },
        WithdrawalState::Pending,
    );
    const CANCELLING: (&'static str, WithdrawalState) = Self::PENDING;
    const CANCELLED: &'static str = if NAMES {
        "UserCanceled"
    } else {
        "11 UserCanceled"
    };
    const COMPLETED: &'static str = if NAMES {
        "FullyProcessed"
    } else {
        "5 FullyProcessed"
    };
    // APEX refuses a ticket already submitted to the chain; the layer still counts it pending.
    const REFUSED_STATUS: (&'static str, WithdrawalState) = (
        if NAMES { "Submitted" } else { "19 Submitted" },
        WithdrawalState::Pending,
    );
    const STATUS_LIMIT: Option<(u32, u32)> = Some((500, 600));
    // 500 requests per 600 s: 1.2 s apart at least.
    const POLLS_IN_30S: &'static [Duration] = &[
        Duration::ZERO,
        Duration::from_millis(1200),
        Duration::from_millis(3600),
        Duration::from_millis(8400),
        Duration::from_secs(18),
        Duration::from_secs(30),
    ];

    async fn start() -> Self {
        let fake = alphapoint::FakeAlphaPoint::start(AP_KEY, AP_SECRET, AP_USER).await;
        if NAMES {
            fake.set_status_format(alphapoint::StatusFormat::Name);
        }
        let signer = xgen_runtime::alphapoint::AlphaPointSigner::new(
            xgen_runtime::alphapoint::AlphaPointCredentials::new(
                AP_KEY,
                AP_SECRET,
                AP_USER.to_string(),
            )
            .unwrap(),
        );
        let client =
            xgen_clients::alphapoint::Client::with_base_url(signer, &fake.base_url()).unwrap();
        let account = AlphaPointAccount {
            oms_id: 1,
            user_id: AP_USER as i64,
            account_id: AP_ACCOUNT as i64,
        };
        AlphaPoint {
            fake,
            layer: AlphaPointWithdrawals::new(client, account),
        }
    }
    fn layer(&self) -> &AlphaPointWithdrawals {
        &self.layer
    }
    fn add(&self, name: &str, script: CancelScript) -> String {
        let status = match script {
            CancelScript::NotCancellable => alphapoint::TicketStatus::Submitted,
            _ => alphapoint::TicketStatus::New,
        };
        self.fake.add_withdrawal(
            alphapoint::Withdrawal {
                external_address: "ms6C3pKAAr8gRCcnVebs8VRkVrjcvqNYv3".into(),
                user_id: AP_USER,
                ..alphapoint::Withdrawal::new(name, AP_ACCOUNT, "BTC", "0.5")
            }
            .with_status(status)
            .with_script(script),
        );
        name.into()
    }
    fn unknown(&self, name: &str) -> String {
        name.into()
    }
    fn status_polls(&self, name: &str) -> usize {
        self.fake.status_polls(name)
    }
    fn paths(&self) -> Vec<String> {
        self.fake.requests().into_iter().map(|r| r.path).collect()
    }
    fn cancel_path(&self) -> &'static str {
        alphapoint::CANCEL_WITHDRAW_PATH
    }
    fn status_path(&self) -> &'static str {
        alphapoint::GET_WITHDRAW_TICKET_PATH
    }
    fn record_id(record: &ExchangeRecord) -> String {
        match &record.typed {
            Ok(TypedRecord::AlphaPoint(ticket)) => ticket.request_code.clone(),
            other => panic!("expected an AlphaPoint ticket, got {other:?}"),
        }
    }

    const ID_KEY: &'static str = "requestCode";
    const STATUS_KEY: &'static str = "Status";
    // GetWithdrawTicket answers with the ticket itself.
    const RECORD_PATH: &'static str = "";
    // The field the issue found missing on a live venue.
    const DOCUMENTED_FIELD: &'static str = "ticketNumber";
    fn retyped_field() -> (&'static str, Value) {
        ("amount", json!("0.5"))
    }
    fn rewrite_records(&self, rewrite: impl Fn(&mut Map<String, Value>) + Send + Sync + 'static) {
        self.fake.rewrite_status_records(rewrite);
    }

    fn refused_reason() -> String {
        "101: Operation Failed: Withdraw Ticket cannot be canceled in status Submitted".into()
    }
    fn not_found_reason() -> String {
        "101: Operation Failed: Withdraw Ticket not found for OmsId, AccountId, RequestCode".into()
    }
    fn cancel_not_cancellable() -> CancelReply {
        CancelReply::Refused {
            reason: Self::refused_reason(),
        }
    }
    fn cancel_unknown() -> CancelReply {
        CancelReply::NotFound {
            reason: Self::not_found_reason(),
        }
    }
    fn cancel_again() -> CancelReply {
        CancelReply::AlreadyCancelling {
            reason: "101: Operation Failed: Withdraw Ticket is already canceled".into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What cancel_and_confirm did, step by step, on the virtual clock

/// One [`Progress`] step, owned; `at` is the virtual time since the call began.
#[derive(Debug)]
pub enum Step {
    CancelSent {
        at: Duration,
        attempt: u32,
    },
    CancelAnswered {
        reply: CancelReply,
    },
    CancelFailed {
        error: String,
    },
    StatusSeen {
        elapsed: Duration,
        status: Option<WithdrawalStatus>,
    },
    StatusFailed {
        elapsed: Duration,
        error: String,
    },
    Waiting {
        delay: Duration,
    },
}

/// Records the steps `cancel_and_confirm_observed` reports.
#[derive(Debug)]
pub struct Recorder {
    start: Instant,
    pub steps: Vec<Step>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder {
            start: Instant::now(),
            steps: Vec::new(),
        }
    }

    pub fn observe(&mut self, progress: &Progress<'_>) {
        let at = self.start.elapsed();
        let step = match progress {
            Progress::CancelSent { attempt, .. } => Step::CancelSent {
                at,
                attempt: *attempt,
            },
            Progress::CancelAnswered { reply } => Step::CancelAnswered {
                reply: (*reply).clone(),
            },
            Progress::CancelFailed { error } => Step::CancelFailed {
                error: error.to_string(),
            },
            Progress::StatusSeen { elapsed, status } => Step::StatusSeen {
                elapsed: *elapsed,
                status: status.cloned(),
            },
            Progress::StatusFailed { elapsed, error } => Step::StatusFailed {
                elapsed: *elapsed,
                error: error.to_string(),
            },
            Progress::Waiting { delay } => Step::Waiting { delay: *delay },
            other => panic!("a Progress step this harness does not know: {other:?}"),
        };
        self.steps.push(step);
    }

    /// The virtual time of each status poll, answered or failed.
    pub fn poll_times(&self) -> Vec<Duration> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::StatusSeen { elapsed, .. } | Step::StatusFailed { elapsed, .. } => {
                    Some(*elapsed)
                }
                _ => None,
            })
            .collect()
    }

    /// The virtual time and attempt number of each cancel sent.
    pub fn cancels(&self) -> Vec<(Duration, u32)> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::CancelSent { at, attempt } => Some((*at, *attempt)),
                _ => None,
            })
            .collect()
    }

    /// Every wait announced.
    pub fn waits(&self) -> Vec<Duration> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Waiting { delay, .. } => Some(*delay),
                _ => None,
            })
            .collect()
    }
}

/// Runs `cancel_and_confirm_observed` on `venue` for `id`, recording each step.
pub async fn confirm<V: Venue>(
    venue: &V,
    id: &V::Id,
    options: &ConfirmOptions,
) -> (Result<Outcome, Error>, Recorder) {
    let mut recorder = Recorder::new();
    let outcome = venue
        .layer()
        .cancel_and_confirm_observed(id.borrow(), options, |p| recorder.observe(p))
        .await;
    (outcome, recorder)
}

/// The spacing the status endpoint's rate limit requires (zero without one), as the client
/// generated from the spec has it.
pub fn status_floor<V: Venue>(venue: &V) -> Duration {
    venue
        .layer()
        .status_rate_limit()
        .map_or(Duration::ZERO, |limit| limit.min_interval())
}

/// The spacing the cancel endpoint's rate limit requires (zero without one), as the client
/// generated from the spec has it.
pub fn cancel_spacing<V: Venue>(venue: &V) -> Duration {
    venue
        .layer()
        .cancel_operation()
        .rate_limit
        .map_or(Duration::ZERO, |limit| limit.min_interval())
}

/// The spacing [`Venue::STATUS_LIMIT`] requires (zero without one).
pub fn documented_status_floor<V: Venue>() -> Duration {
    V::STATUS_LIMIT.map_or(Duration::ZERO, |(requests, per_seconds)| {
        RateLimit {
            requests,
            per_seconds,
            scope: "",
        }
        .min_interval()
    })
}

/// The poll times of a cancel that never settles, as [`ConfirmOptions`] documents them: the
/// first poll at once, then waits of `first_interval` doubling up to `max_interval`, none
/// shorter than `floor` (the status endpoint's rate-limit spacing), and a last poll on the
/// deadline itself when `floor` leaves room for it.
pub fn poll_schedule(options: &ConfirmOptions, floor: Duration) -> Vec<Duration> {
    let max = options.max_interval.max(floor);
    let mut wait = options.first_interval.max(floor);
    let mut now = Duration::ZERO;
    let mut times = vec![now];
    while now < options.deadline {
        let remaining = options.deadline - now;
        now += if wait <= remaining {
            wait
        } else if remaining >= floor {
            remaining
        } else {
            break;
        };
        times.push(now);
        wait = (wait * 2).min(max);
    }
    times
}

/// [`Venue::POLLS_IN_30S`] for the status endpoint's rate limit as the spec gives it now.
pub fn polls_in_30s<V: Venue>(venue: &V) -> Vec<Duration> {
    poll_schedule(&options_30s(), status_floor(venue))
}

/// When a cancel that never settles stops polling with [`options_30s`], and the start of its
/// `StillUnknown` reason: at the last poll of [`polls_in_30s`], which lands on the deadline
/// unless the rate limit's spacing leaves too little room (never with the documented limits).
pub fn end_of_polling<V: Venue>(venue: &V) -> (Duration, String) {
    let deadline = options_30s().deadline;
    let last = *polls_in_30s(venue).last().expect("a first poll");
    let reason = if last == deadline {
        format!("the deadline of {deadline:?} passed")
    } else {
        format!(
            "no further status request fits before the deadline of {deadline:?} within the \
             endpoint's rate limit (one per {:?})",
            status_floor(venue)
        )
    };
    (last, reason)
}
