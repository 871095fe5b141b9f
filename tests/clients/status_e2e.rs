//! End-to-end tests of the generated withdrawal-status methods, each against its fake exchange
//! on 127.0.0.1 (`xgen-fake-exchanges`), which checks the signature with its own code and answers
//! from its withdrawal book:
//!
//! - Kraken `POST /0/private/WithdrawStatus` (`get_status_recent_withdrawals`, JSON body, as Kraken's file declares it);
//! - OKX `GET /api/v5/asset/withdrawal-history` (`get_withdrawal_history`, query parameters);
//! - Bybit `GET /v5/asset/withdraw/query-record` (`get_withdrawal_records`, query parameters);
//! - AlphaPoint `POST /AP/GetWithdrawTicket` and `POST /AP/GetWithdraws` (`get_withdraw_ticket`,
//!   `get_withdraws`, JSON bodies).
//!
//! Each asserts the decoded, typed fields (status variants, ids, amounts, times), and that a
//! status value the spec does not list is kept as `Other`.

mod kraken {
    use crate::support::fake_kraken::{
        Answer, CancelScript, FakeKraken, Reply, Status, Verdict, Withdrawal as BookWithdrawal,
        WithdrawalState, WITHDRAW_STATUS_PATH,
    };
    use crate::support::{KRAKEN_DOC_SECRET, TEST_API_KEY};
    use xgen_clients::kraken::{
        CancelWithdrawalRequest, Client, GetStatusRecentWithdrawalsRequest,
        GetStatusRecentWithdrawalsRequestCursor, Withdrawal, WithdrawalStatus,
        WithdrawalStatusProp,
    };
    use xgen_runtime::kraken::{KrakenCredentials, KrakenSigner};

    const PENDING_REFID: &str = "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg";
    const CANCELED_REFID: &str = "FTQcuak-V6Za8qrPnhsTx47yYLz8Tg";
    const ETH_REFID: &str = "FTQcuak-ETH0000000000000000000";
    /// Unix seconds of the first withdrawal; the others follow a minute apart.
    const TIME: u64 = 1_688_014_586;

    async fn start() -> (FakeKraken, Client) {
        let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
        let credentials = KrakenCredentials::new(TEST_API_KEY, KRAKEN_DOC_SECRET).unwrap();
        let client = Client::with_base_url(KrakenSigner::new(credentials), &fake.base_url())
            .expect("client builds");
        (fake, client)
    }

    fn book_withdrawal(refid: &str, asset: &str, amount: &str, time: u64) -> BookWithdrawal {
        BookWithdrawal {
            method: "Bitcoin".into(),
            network: "Bitcoin".into(),
            fee: "0.00015000".into(),
            info: "mzp6yUVMRxfasyfwzTZjjy38dHqMX7Z3GR".into(),
            key: "btc-wallet-1".into(),
            time,
            ..BookWithdrawal::new(refid, asset, amount)
        }
    }

    fn by_asset(asset: &str) -> GetStatusRecentWithdrawalsRequest {
        GetStatusRecentWithdrawalsRequest {
            asset: Some(asset.into()),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn rows_decode_with_legacy_asset_and_status_prop_present_and_absent() {
        let (fake, client) = start().await;
        fake.add_withdrawal(book_withdrawal(PENDING_REFID, "XBT", "0.72485000", TIME));
        fake.add_withdrawal(
            BookWithdrawal {
                txid: "THVRQM-33VKH-UCI7BS".into(),
                ..book_withdrawal(CANCELED_REFID, "XBT", "0.50000000", TIME + 60)
            }
            .with_state(WithdrawalState::CANCELED),
        );
        fake.add_withdrawal(book_withdrawal(ETH_REFID, "ETH", "1.5", TIME + 120));

        let rows = client
            .get_status_recent_withdrawals(&by_asset("XBT"))
            .await
            .expect("status succeeds");

        // Asked for XBT, listed as Kraken's legacy XXBT; the ETH withdrawal is filtered out.
        assert_eq!(
            rows,
            vec![
                Withdrawal {
                    aclass: Some("currency".into()),
                    amount: Some("0.72485000".into()),
                    asset: Some("XXBT".into()),
                    fee: Some(serde_json::json!("0.00015000")),
                    info: Some("mzp6yUVMRxfasyfwzTZjjy38dHqMX7Z3GR".into()),
                    key: Some("btc-wallet-1".into()),
                    method: Some("Bitcoin".into()),
                    network: Some("Bitcoin".into()),
                    refid: Some(PENDING_REFID.into()),
                    status: Some(WithdrawalStatus::Pending),
                    status_prop: None,
                    time: Some(TIME as i32),
                    txid: Some(String::new()),
                },
                Withdrawal {
                    aclass: Some("currency".into()),
                    amount: Some("0.50000000".into()),
                    asset: Some("XXBT".into()),
                    fee: Some(serde_json::json!("0.00015000")),
                    info: Some("mzp6yUVMRxfasyfwzTZjjy38dHqMX7Z3GR".into()),
                    key: Some("btc-wallet-1".into()),
                    method: Some("Bitcoin".into()),
                    network: Some("Bitcoin".into()),
                    refid: Some(CANCELED_REFID.into()),
                    status: Some(WithdrawalStatus::Failure),
                    status_prop: Some(WithdrawalStatusProp::Canceled),
                    time: Some(TIME as i32 + 60),
                    txid: Some("THVRQM-33VKH-UCI7BS".into()),
                },
            ]
        );

        // A signed JSON body, as Kraken's file declares: the signer's nonce first, then the
        // caller's fields.
        let seen = fake.last_request().unwrap();
        assert_eq!(seen.verdict, Verdict::Accepted);
        assert_eq!(seen.path, WITHDRAW_STATUS_PATH);
        assert_eq!(seen.header("content-type"), Some("application/json"));
        let nonce = seen.nonce.expect("a nonce was read");
        assert_eq!(
            seen.body_text(),
            format!(r#"{{"nonce":{nonce},"asset":"XBT"}}"#)
        );
        assert_eq!(fake.status_polls(PENDING_REFID), 1);
        assert_eq!(fake.status_polls(ETH_REFID), 0);
    }

    #[tokio::test]
    async fn cursor_limit_and_time_window_go_in_the_json_body() {
        let (fake, client) = start().await;
        fake.add_withdrawal(book_withdrawal(PENDING_REFID, "XBT", "0.1", TIME));
        fake.add_withdrawal(book_withdrawal(CANCELED_REFID, "XBT", "0.2", TIME + 60));

        let request = GetStatusRecentWithdrawalsRequest {
            asset: Some("XBT".into()),
            cursor: Some(GetStatusRecentWithdrawalsRequestCursor::Boolean(true)),
            limit: Some(1),
            start: Some(TIME.to_string()),
            end: Some((TIME + 3600).to_string()),
            ..Default::default()
        };
        let rows = client
            .get_status_recent_withdrawals(&request)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].refid.as_deref(), Some(PENDING_REFID));
        assert_eq!(rows[0].amount.as_deref(), Some("0.1"));

        let seen = fake.last_request().unwrap();
        assert_eq!(seen.verdict, Verdict::Accepted);
        let nonce = seen.nonce.unwrap();
        assert_eq!(
            seen.body_text(),
            format!(
                r#"{{"nonce":{nonce},"asset":"XBT","cursor":true,"end":"{}","limit":1,"start":"{TIME}"}}"#,
                TIME + 3600
            )
        );
    }

    #[tokio::test]
    async fn a_cancel_shows_as_cancel_pending_then_canceled() {
        let (fake, client) = start().await;
        fake.add_withdrawal(
            book_withdrawal(PENDING_REFID, "XBT", "0.72485000", TIME)
                .with_script(CancelScript::CancelsAfter { polls: 1 }),
        );
        let accepted = client
            .cancel_withdrawal(&CancelWithdrawalRequest {
                asset: "XBT".into(),
                refid: PENDING_REFID.into(),
            })
            .await
            .unwrap();
        assert!(accepted);

        let first = client
            .get_status_recent_withdrawals(&by_asset("XBT"))
            .await
            .unwrap();
        assert_eq!(first[0].status, Some(WithdrawalStatus::Pending));
        assert_eq!(
            first[0].status_prop,
            Some(WithdrawalStatusProp::CancelPending)
        );

        let second = client
            .get_status_recent_withdrawals(&by_asset("XBT"))
            .await
            .unwrap();
        assert_eq!(second[0].status, Some(WithdrawalStatus::Failure));
        assert_eq!(second[0].status_prop, Some(WithdrawalStatusProp::Canceled));
        assert_eq!(
            fake.withdrawal(PENDING_REFID).unwrap().state,
            WithdrawalState::CANCELED
        );
        // `Settled` and friends decode too: set one by hand.
        assert!(fake.set_withdrawal_state(PENDING_REFID, WithdrawalState::new(Status::Settled)));
        let third = client
            .get_status_recent_withdrawals(&by_asset("XBT"))
            .await
            .unwrap();
        assert_eq!(third[0].status, Some(WithdrawalStatus::Settled));
        assert_eq!(third[0].status_prop, None);
    }

    #[tokio::test]
    async fn unknown_status_values_are_kept_as_other() {
        let (fake, client) = start().await;
        fake.respond_once_on(
            WITHDRAW_STATUS_PATH,
            Reply::Exchange(Answer::Result(
                r#"[{"method":"Bitcoin","aclass":"currency","asset":"XXBT","refid":"R1","txid":null,"info":"addr","amount":"1.0","fee":"0.1","time":1688014586,"status":"Partial","status-prop":"on-review"}]"#
                    .into(),
            )),
        );
        let rows = client
            .get_status_recent_withdrawals(&by_asset("XBT"))
            .await
            .expect("unknown enum values still decode");
        assert_eq!(
            rows[0].status,
            Some(WithdrawalStatus::Other("Partial".into()))
        );
        assert_eq!(
            rows[0].status_prop,
            Some(WithdrawalStatusProp::Other("on-review".into()))
        );
        // `txid: null`, `network` and `key` absent: optional fields, not decode errors.
        assert_eq!(rows[0].txid, None);
        assert_eq!(rows[0].network, None);
        assert_eq!(rows[0].key, None);
    }
}

mod okx {
    use xgen_clients::okx::{
        CancelWithdrawalRequest, Client, GetWithdrawalHistoryRequest, WithdrawalRecord,
        WithdrawalState, WithdrawalType,
    };
    use xgen_fake_exchanges::okx::{
        self as fake_okx, Answer, CancelScript, FakeOkx, Reply, State, Verdict,
        Withdrawal as BookWithdrawal, WITHDRAWAL_HISTORY_PATH,
    };
    use xgen_runtime::okx::{OkxCredentials, OkxSigner};

    const API_KEY: &str = "okx-status-key-7f3a";
    const SECRET: &str = "OKXSTATUSSECRET0123456789ABCDEF0";
    const PASSPHRASE: &str = "Okx-Status-Pass-3";
    const WD_ID: &str = "1123456";
    /// Needs percent-encoding in a query: space, `/` and `+`.
    const CLIENT_ID: &str = "batch 7/a+b";
    /// 2020-12-08T09:08:57.715Z, the OKX docs' example time.
    const TS: u64 = 1_607_418_537_715;

    async fn start() -> (FakeOkx, Client) {
        let fake = FakeOkx::start(API_KEY, SECRET, PASSPHRASE).await;
        let credentials = OkxCredentials::new(API_KEY, SECRET, PASSPHRASE).unwrap();
        let client = Client::with_base_url(OkxSigner::new(credentials), &fake.base_url())
            .expect("client builds");
        (fake, client)
    }

    fn book(fake: &FakeOkx) {
        fake.add_withdrawal(BookWithdrawal {
            chain: "USDT-TRC20".into(),
            fee: "1".into(),
            to: "TXmVthgn6AXyC1T9RkT9ZeU8wTqKHdxgDY".into(),
            client_id: CLIENT_ID.into(),
            ts: TS,
            ..BookWithdrawal::new(WD_ID, "USDT", "10.5")
        });
        fake.add_withdrawal(
            BookWithdrawal {
                chain: "BTC-Bitcoin".into(),
                fee: "0.0002".into(),
                tx_id: "a1b2c3".into(),
                ts: TS + 1000,
                ..BookWithdrawal::new("1123457", "BTC", "0.01")
            }
            .with_state(State::Canceled),
        );
        fake.add_withdrawal(
            BookWithdrawal {
                ts: TS + 2000,
                ..BookWithdrawal::new("1123458", "USDT", "3")
            }
            .with_state(State::PendingTravelRule),
        );
    }

    #[tokio::test]
    async fn every_query_parameter_is_sent_percent_encoded_and_signed_as_sent() {
        let (fake, client) = start().await;
        book(&fake);

        let request = GetWithdrawalHistoryRequest {
            ccy: Some("USDT".into()),
            wd_id: Some(WD_ID.into()),
            client_id: Some(CLIENT_ID.into()),
            type_: Some(WithdrawalType::OnChain),
            state: Some(WithdrawalState::WaitingWithdrawal),
            after: Some(TS as i64 + 1),
            before: Some(TS as i64 - 1),
            limit: Some(10),
            tx_id: None,
        };
        let records = client.get_withdrawal_history(&request).await.unwrap();
        assert_eq!(
            records,
            vec![WithdrawalRecord {
                addr_ex: None,
                amt: "10.5".into(),
                area_code_from: None,
                area_code_to: None,
                ccy: "USDT".into(),
                chain: "USDT-TRC20".into(),
                client_id: CLIENT_ID.into(),
                fee: "1".into(),
                fee_ccy: "USDT".into(),
                from: String::new(),
                memo: None,
                non_tradable_asset: None,
                note: None,
                pmt_id: None,
                state: WithdrawalState::WaitingWithdrawal,
                tag: None,
                to: "TXmVthgn6AXyC1T9RkT9ZeU8wTqKHdxgDY".into(),
                to_addr_type: None,
                ts: TS.to_string(),
                tx_id: String::new(),
                wd_id: WD_ID.into(),
            }]
        );

        let seen = fake.last_request().unwrap();
        assert_eq!(seen.verdict, Verdict::Accepted);
        assert_eq!(seen.method, "GET");
        assert!(seen.body.is_empty());
        assert_eq!(
            seen.query.as_deref(),
            Some(
                "after=1607418537716&before=1607418537714&ccy=USDT&clientId=batch%207%2Fa%2Bb\
                 &limit=10&state=0&type=4&wdId=1123456"
            )
        );
        // The fake accepted it; recompute the signature over the path and query as received.
        let signed = fake_okx::verify_signature(
            SECRET,
            seen.header("ok-access-timestamp").unwrap(),
            "GET",
            &seen.path_and_query(),
            b"",
            seen.header("ok-access-sign").unwrap(),
        );
        assert!(signed, "signature over {}", seen.path_and_query());
    }

    #[tokio::test]
    async fn state_filter_and_newest_first() {
        let (fake, client) = start().await;
        book(&fake);

        let all = client
            .get_withdrawal_history(&GetWithdrawalHistoryRequest::default())
            .await
            .unwrap();
        let states: Vec<(&str, &WithdrawalState, &str)> = all
            .iter()
            .map(|r| (r.wd_id.as_str(), &r.state, r.ts.as_str()))
            .collect();
        assert_eq!(
            states,
            vec![
                (
                    "1123458",
                    &WithdrawalState::PendingTravelRule,
                    "1607418539715"
                ),
                ("1123457", &WithdrawalState::Canceled, "1607418538715"),
                (
                    "1123456",
                    &WithdrawalState::WaitingWithdrawal,
                    "1607418537715"
                ),
            ]
        );
        assert_eq!(fake.last_request().unwrap().query, None);

        let canceled = client
            .get_withdrawal_history(&GetWithdrawalHistoryRequest {
                state: Some(WithdrawalState::Canceled),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(canceled.len(), 1);
        assert_eq!(canceled[0].wd_id, "1123457");
        assert_eq!(canceled[0].amt, "0.01");
        assert_eq!(canceled[0].fee, "0.0002");
        assert_eq!(canceled[0].fee_ccy, "BTC");
        assert_eq!(canceled[0].tx_id, "a1b2c3");
        assert_eq!(
            fake.last_request().unwrap().query.as_deref(),
            Some("state=-2")
        );
    }

    #[tokio::test]
    async fn a_cancel_shows_as_canceling_then_canceled() {
        let (fake, client) = start().await;
        fake.add_withdrawal(
            BookWithdrawal::new(WD_ID, "USDT", "10.5")
                .with_script(CancelScript::CancelsAfter { polls: 1 }),
        );
        client
            .cancel_withdrawal(&CancelWithdrawalRequest {
                wd_id: WD_ID.into(),
            })
            .await
            .unwrap();
        let by_id = GetWithdrawalHistoryRequest {
            wd_id: Some(WD_ID.into()),
            ..Default::default()
        };
        let first = client.get_withdrawal_history(&by_id).await.unwrap();
        assert_eq!(first[0].state, WithdrawalState::Canceling);
        let second = client.get_withdrawal_history(&by_id).await.unwrap();
        assert_eq!(second[0].state, WithdrawalState::Canceled);
        assert_eq!(fake.status_polls(WD_ID), 2);
    }

    #[tokio::test]
    async fn an_unlisted_state_is_kept_as_other() {
        let (fake, client) = start().await;
        fake.respond_once_on(
            WITHDRAWAL_HISTORY_PATH,
            Reply::Exchange(Answer::Data(
                r#"[{"ccy":"USDT","chain":"USDT-TRC20","nonTradableAsset":false,"amt":"1","ts":"1607418537715","from":"","areaCodeFrom":"","to":"T1","areaCodeTo":"","toAddrType":"1","addrEx":{"comment":"123456"},"txId":"","fee":"0","feeCcy":"USDT","state":"21","wdId":"9","clientId":"","note":""}]"#
                    .into(),
            )),
        );
        let records = client
            .get_withdrawal_history(&GetWithdrawalHistoryRequest::default())
            .await
            .expect("an unlisted state still decodes");
        assert_eq!(records[0].state, WithdrawalState::Other("21".into()));
        assert_eq!(
            records[0].to_addr_type,
            Some(xgen_clients::okx::ToAddressType::Address)
        );
        assert_eq!(records[0].non_tradable_asset, Some(false));
        assert_eq!(
            records[0]
                .addr_ex
                .as_ref()
                .and_then(|m| m.get("comment"))
                .and_then(|v| v.as_str()),
            Some("123456")
        );
    }
}

mod bybit {
    use xgen_clients::bybit::{
        Client, GetWithdrawalRecordsRequest, WithdrawStatus, WithdrawType, WithdrawalRecord,
    };
    use xgen_fake_exchanges::bybit::{
        Credential, FakeBybit, Status, Verdict, Withdrawal as BookWithdrawal, QUERY_RECORD_PATH,
    };
    use xgen_runtime::bybit::{BybitCredentials, BybitSigner};

    const API_KEY: &str = "bybit-status-key";
    const SECRET: &str = "bybit-status-secret-0123456789ABCDEF";
    const HOUR_MS: u64 = 3_600_000;

    async fn start() -> (FakeBybit, Client) {
        let fake = FakeBybit::start(API_KEY, Credential::Hmac(SECRET.into())).await;
        let credentials = BybitCredentials::hmac(API_KEY, SECRET).unwrap();
        let client = Client::with_base_url(BybitSigner::new(credentials), &fake.base_url())
            .expect("client builds");
        (fake, client)
    }

    /// Two withdrawals an hour apart (the later one off-chain and cancelled); returns the
    /// creation time of the first.
    fn book(fake: &FakeBybit) -> u64 {
        let created = fake.now_ms() - 2 * HOUR_MS;
        fake.add_withdrawal(
            BookWithdrawal {
                chain: "ETH".into(),
                withdraw_fee: "10".into(),
                to_address: "0x99ced129603abc771c0dabe935c326ff6c86645d".into(),
                tx_id: "0xfeed".into(),
                create_time: created,
                update_time: created + 5000,
                ..BookWithdrawal::new("9976", "USDT", "77")
            }
            .with_status(Status::SecurityCheck),
        );
        fake.add_withdrawal(
            BookWithdrawal {
                chain: "internalAddressChain".into(),
                to_address: "999805".into(),
                tx_id: "0xbeef".into(),
                withdraw_type: 1,
                create_time: created + HOUR_MS,
                ..BookWithdrawal::new("13310", "USDT", "20.1234")
            }
            .with_status(Status::CancelByUser),
        );
        created
    }

    #[tokio::test]
    async fn withdraw_id_in_the_query_withdraw_id_in_the_rows() {
        let (fake, client) = start().await;
        let created = book(&fake);

        let page = client
            .get_withdrawal_records(&GetWithdrawalRecordsRequest {
                withdraw_id: Some("9976".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.next_page_cursor, "");
        assert_eq!(
            page.rows,
            vec![WithdrawalRecord {
                amount: "77".into(),
                chain: "ETH".into(),
                coin: "USDT".into(),
                create_time: created.to_string(),
                fee: None,
                status: WithdrawStatus::SecurityCheck,
                tag: String::new(),
                tax: None,
                tax_rate: None,
                tax_type: None,
                to_address: "0x99ced129603abc771c0dabe935c326ff6c86645d".into(),
                tx_id: "0xfeed".into(),
                update_time: (created + 5000).to_string(),
                withdraw_fee: "10".into(),
                withdraw_id: "9976".into(),
                withdraw_type: WithdrawType::OnChain,
            }]
        );
        let seen = fake.last_request().unwrap();
        assert_eq!(seen.verdict, Verdict::Accepted);
        assert_eq!(seen.path, QUERY_RECORD_PATH);
        assert_eq!(seen.query.as_deref(), Some("withdrawID=9976"));
        assert!(seen.body.is_empty(), "a GET carries no body");
        assert_eq!(fake.status_polls("9976"), 1);
    }

    #[tokio::test]
    async fn every_filter_goes_in_the_signed_query_and_rows_come_newest_first() {
        let (fake, client) = start().await;
        let created = book(&fake);
        let request = GetWithdrawalRecordsRequest {
            coin: Some("USDT".into()),
            withdraw_type: Some(WithdrawType::All),
            start_time: Some((created - HOUR_MS) as i64),
            end_time: Some((created + 2 * HOUR_MS) as i64),
            limit: Some(50),
            // Base64 with padding: the `=` must be percent-encoded.
            cursor: Some("eyJtaW5JRCI6OTgwMX0=".into()),
            ..Default::default()
        };
        let page = client.get_withdrawal_records(&request).await.unwrap();

        let rows: Vec<(&str, &WithdrawStatus, &WithdrawType, &str)> = page
            .rows
            .iter()
            .map(|r| {
                (
                    r.withdraw_id.as_str(),
                    &r.status,
                    &r.withdraw_type,
                    r.tx_id.as_str(),
                )
            })
            .collect();
        // The cancelled one shows `txID: ""`, as Bybit documents.
        assert_eq!(
            rows,
            vec![
                (
                    "13310",
                    &WithdrawStatus::CancelByUser,
                    &WithdrawType::OffChain,
                    ""
                ),
                (
                    "9976",
                    &WithdrawStatus::SecurityCheck,
                    &WithdrawType::OnChain,
                    "0xfeed"
                ),
            ]
        );
        assert_eq!(page.rows[0].amount, "20.1234");
        assert_eq!(page.rows[0].withdraw_fee, "0");

        let seen = fake.last_request().unwrap();
        assert_eq!(seen.verdict, Verdict::Accepted);
        assert_eq!(
            seen.query,
            Some(format!(
                "coin=USDT&cursor=eyJtaW5JRCI6OTgwMX0%3D&endTime={}&limit=50&startTime={}&withdrawType=2",
                created + 2 * HOUR_MS,
                created - HOUR_MS
            ))
        );
    }
}

mod alphapoint {
    use xgen_clients::alphapoint::{
        AssetType, AssetTypeName, CancelWithdrawalRequest, Client, GetWithdrawTicketRequest,
        GetWithdrawsRequest, TicketStatus, TicketStatusCode, TicketStatusName,
    };
    use xgen_fake_exchanges::alphapoint::{
        FakeAlphaPoint, Reply, StatusFormat, TicketStatus as BookStatus, Verdict,
        Withdrawal as BookWithdrawal, GET_WITHDRAWS_PATH, GET_WITHDRAW_TICKET_PATH,
    };
    use xgen_runtime::alphapoint::{AlphaPointCredentials, AlphaPointErrorKind, AlphaPointSigner};
    use xgen_runtime::Error;

    const API_KEY: &str = "ap-status-key-5e1c";
    const SECRET: &str = "ap-status-secret-0a1b2c3d4e5f";
    const USER_ID: u64 = 96;
    const ACCOUNT: u64 = 7;
    const CODE: &str = "866f9ee4-1d1b-4a6d-8b8e-6c0d4c6c2f3a";
    const OTHER_CODE: &str = "490b4fa3-53fc-44f4-bd29-7e16be86fba3";
    /// 2020-12-08T09:08:57.715Z.
    const CREATED_MS: u64 = 1_607_418_537_715;

    async fn start() -> (FakeAlphaPoint, Client) {
        let fake = FakeAlphaPoint::start(API_KEY, SECRET, USER_ID).await;
        let credentials = AlphaPointCredentials::new(API_KEY, SECRET, "96").unwrap();
        let client = Client::with_base_url(AlphaPointSigner::new(credentials), &fake.base_url())
            .expect("client builds");
        (fake, client)
    }

    fn book(fake: &FakeAlphaPoint) {
        fake.add_withdrawal(BookWithdrawal {
            fee_amt: "0.0001".into(),
            external_address: "ms6C3pKAAr8gRCcnVebs8VRkVrjcvqNYv3".into(),
            tx_id: "txid-1".into(),
            user_id: USER_ID,
            user_name: "jsmith".into(),
            created_ms: CREATED_MS,
            ..BookWithdrawal::new(CODE, ACCOUNT, "BTC", "0.5")
        });
        fake.add_withdrawal(
            BookWithdrawal {
                created_ms: CREATED_MS + 1000,
                ..BookWithdrawal::new(OTHER_CODE, ACCOUNT, "ETH", "2.25")
            }
            .with_status(BookStatus::FullyProcessed),
        );
        // Another account's ticket: never listed for ACCOUNT.
        fake.add_withdrawal(BookWithdrawal::new(
            "11111111-2222-3333-4444-555555555555",
            8,
            "BTC",
            "9",
        ));
    }

    fn ticket_request(code: &str) -> GetWithdrawTicketRequest {
        GetWithdrawTicketRequest {
            account_id: ACCOUNT as i64,
            oms_id: 1,
            request_code: code.into(),
        }
    }

    #[tokio::test]
    async fn ticket_status_decodes_as_integer_and_as_name() {
        let (fake, client) = start().await;
        book(&fake);

        let ticket = client
            .get_withdraw_ticket(&ticket_request(CODE))
            .await
            .unwrap();
        assert_eq!(
            ticket.status,
            TicketStatus::TicketStatusCode(TicketStatusCode::New)
        );
        assert_eq!(ticket.request_code, CODE);
        assert_eq!(ticket.account_id, ACCOUNT as i64);
        assert_eq!(ticket.oms_id, 1);
        assert_eq!(ticket.asset_id, 1);
        assert_eq!(ticket.asset_name, "BTC");
        assert_eq!(ticket.amount, 0.5);
        assert_eq!(ticket.fee_amt, 0.0001);
        assert_eq!(ticket.ticket_number, 1);
        assert_eq!(ticket.request_user_id, Some(USER_ID as i64));
        assert_eq!(ticket.request_user_name.as_deref(), Some("jsmith"));
        assert_eq!(ticket.created_timestamp, "2020-12-08T09:08:57.715Z");
        assert_eq!(ticket.last_update_timestamp, "2020-12-08T09:08:57.715Z");
        // JSON inside strings stays a string; it decodes on demand.
        let form: serde_json::Value =
            serde_json::from_str(ticket.template_form.as_deref().unwrap()).unwrap();
        assert_eq!(
            form["ExternalAddress"],
            "ms6C3pKAAr8gRCcnVebs8VRkVrjcvqNYv3"
        );
        assert_eq!(ticket.comments.as_deref(), Some("[]"));
        assert_eq!(ticket.attachments.as_deref(), Some("[]"));
        assert_eq!(ticket.audit_log.as_deref(), Some("[]"));

        let seen = fake.last_request().unwrap();
        assert_eq!(seen.verdict, Verdict::Accepted);
        assert_eq!(seen.path, GET_WITHDRAW_TICKET_PATH);
        assert_eq!(
            seen.json().unwrap(),
            serde_json::json!({"AccountId": 7, "OMSId": 1, "RequestCode": CODE})
        );

        // Cancel it, then read the status as the integer 11 and as the name "UserCanceled".
        client
            .cancel_withdrawal(&CancelWithdrawalRequest {
                account_id: ACCOUNT as i64,
                oms_id: 1,
                request_code: CODE.into(),
                user_id: USER_ID as i64,
            })
            .await
            .unwrap();
        let as_integer = client
            .get_withdraw_ticket(&ticket_request(CODE))
            .await
            .unwrap();
        assert_eq!(
            as_integer.status,
            TicketStatus::TicketStatusCode(TicketStatusCode::UserCanceled)
        );
        fake.set_status_format(StatusFormat::Name);
        let as_name = client
            .get_withdraw_ticket(&ticket_request(CODE))
            .await
            .unwrap();
        assert_eq!(
            as_name.status,
            TicketStatus::TicketStatusName(TicketStatusName::UserCanceled)
        );
        assert!(fake.last_request().unwrap().body_text().contains(CODE));
    }

    #[tokio::test]
    async fn get_withdraws_lists_the_accounts_tickets() {
        let (fake, client) = start().await;
        book(&fake);

        let request = GetWithdrawsRequest {
            account_id: ACCOUNT as i64,
            oms_id: 1,
        };
        let withdraws = client.get_withdraws(&request).await.unwrap();
        assert_eq!(withdraws.len(), 2, "{withdraws:?}");
        let first = &withdraws[0];
        assert_eq!(first.withdraw_code, CODE);
        assert_eq!(first.withdraw_id, 1);
        assert_eq!(first.account_id, ACCOUNT as i64);
        assert_eq!(first.amount, 0.5);
        assert_eq!(first.fee_amt, Some(0.0001));
        assert_eq!(first.fee_amount, None);
        assert_eq!(first.asset_name.as_deref(), Some("BTC"));
        assert_eq!(
            first.ticket_status,
            TicketStatus::TicketStatusCode(TicketStatusCode::New)
        );
        // The fake sends AssetType as a name; the integer the docs give would decode as well.
        assert_eq!(
            first.asset_type,
            Some(AssetType::AssetTypeName(AssetTypeName::CryptoCurrency))
        );
        let details: serde_json::Value =
            serde_json::from_str(first.withdraw_transaction_details.as_deref().unwrap()).unwrap();
        assert_eq!(details["TxId"], "txid-1");
        assert_eq!(
            details["ExternalAddress"],
            "ms6C3pKAAr8gRCcnVebs8VRkVrjcvqNYv3"
        );
        assert_eq!(
            first.created_timestamp.as_deref(),
            Some("2020-12-08T09:08:57.715Z")
        );
        assert_eq!(withdraws[1].withdraw_code, OTHER_CODE);
        assert_eq!(withdraws[1].amount, 2.25);
        assert_eq!(
            withdraws[1].ticket_status,
            TicketStatus::TicketStatusCode(TicketStatusCode::FullyProcessed)
        );

        fake.set_status_format(StatusFormat::Name);
        let named = client.get_withdraws(&request).await.unwrap();
        assert_eq!(
            named[1].ticket_status,
            TicketStatus::TicketStatusName(TicketStatusName::FullyProcessed)
        );

        let seen = fake.last_request().unwrap();
        assert_eq!(seen.path, GET_WITHDRAWS_PATH);
        assert_eq!(
            seen.json().unwrap(),
            serde_json::json!({"AccountId": 7, "OMSId": 1})
        );
    }

    #[tokio::test]
    async fn an_unknown_ticket_is_the_typed_error_104() {
        let (fake, client) = start().await;
        book(&fake);
        let result = client
            .get_withdraw_ticket(&ticket_request("00000000-0000-0000-0000-000000000000"))
            .await;
        match result {
            Err(Error::AlphaPoint(e)) => {
                assert_eq!(e.code, 104);
                assert_eq!(e.kind, AlphaPointErrorKind::ResourceNotFound);
                assert_eq!(e.message.as_deref(), Some("Resource Not Found"));
                assert_eq!(
                    e.detail.as_deref(),
                    Some("Withdraw Ticket not found for OmsId, AccountId, RequestCode")
                );
            }
            other => panic!("expected AlphaPoint error 104, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn unlisted_codes_and_names_are_kept_as_other() {
        let (fake, client) = start().await;
        let ticket = |status: &str| {
            format!(
                r#"{{"accountId":7,"assetId":1,"assetName":"BTC","amount":1.0,"omsId":1,"requestCode":"{CODE}","Status":{status},"feeAmt":0.0,"ticketNumber":3,"createdTimestamp":"2020-12-08T09:08:57.715Z","lastUpdateTimestamp":"2020-12-08T09:08:57.715Z"}}"#
            )
        };
        fake.respond_once_on(GET_WITHDRAW_TICKET_PATH, Reply::raw_json(200, ticket("23")));
        let code = client
            .get_withdraw_ticket(&ticket_request(CODE))
            .await
            .unwrap();
        assert_eq!(
            code.status,
            TicketStatus::TicketStatusCode(TicketStatusCode::Other(23))
        );
        // Optional fields the venue leaves out are `None`, not decode errors.
        assert_eq!(code.template_form, None);

        fake.respond_once_on(
            GET_WITHDRAW_TICKET_PATH,
            Reply::raw_json(200, ticket(r#""Archived""#)),
        );
        let name = client
            .get_withdraw_ticket(&ticket_request(CODE))
            .await
            .unwrap();
        assert_eq!(
            name.status,
            TicketStatus::TicketStatusName(TicketStatusName::Other("Archived".into()))
        );
    }
}
