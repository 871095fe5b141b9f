//! The withdrawal layer (`xgen_clients::withdrawals`) end to end: `cancel_and_confirm`,
//! `cancel` and `status` for every outcome on every exchange, each against its fake exchange on
//! 127.0.0.1 (`xgen-fake-exchanges`), which checks every signature with its own code and moves
//! the withdrawal along its `CancelScript`.
//!
//! Every test runs on paused tokio time: the waits between status polls pass on the virtual
//! clock, so a 30 s deadline takes milliseconds, and the time of each poll (from
//! `Progress::StatusSeen { elapsed, .. }`) is exact.
//!
//! The outcome scenarios are written once ([`scenario`]) and run on each exchange through its
//! [`Venue`](harness::Venue) (`tests/clients/support/withdrawals.rs`), which holds what
//! differs: the fake, the layer, and the exchange's own words for each outcome. Cases one
//! exchange's fake shows best follow in that exchange's module.

use std::time::Duration;

use crate::support::withdrawals::{
    self as harness, assert_status, cancel_spacing, confirm, documented_status_floor,
    end_of_polling, options_30s, poll_schedule, polls_in_30s, status_floor, AlphaPointCodes,
    AlphaPointNames, Bybit, Kraken, Kucoin, Okx, Step, Venue,
};
use xgen_clients::withdrawals::{
    Cancel, CancelReply, ConfirmOptions, Outcome, Status, WithdrawalState,
};
use xgen_fake_exchanges::CancelScript;

/// The outcome scenarios, generic over the exchange.
mod scenario {
    use std::borrow::Borrow;

    use super::*;

    /// `CancelsAfter { polls }`: `polls` polls show the cancelling state, the next one
    /// cancelled.
    pub async fn cancelled_after<V: Venue>(polls: usize) {
        let venue = V::start().await;
        let name = format!("wd-cancels-after-{polls}");
        let id = venue.add(
            &name,
            CancelScript::CancelsAfter {
                polls: polls as u32,
            },
        );

        let (outcome, steps) = confirm(&venue, &id, &options_30s()).await;

        match outcome.expect("the cancel is accepted") {
            Outcome::Cancelled { status } => {
                assert_status::<V>(&status, (V::CANCELLED, WithdrawalState::Cancelled), &name)
            }
            other => panic!("expected Cancelled, got {other:?}"),
        }
        // One cancel; the first poll at once, the others on the backoff schedule.
        assert_eq!(steps.cancels(), [(Duration::ZERO, 1)]);
        assert_eq!(venue.requests_on(venue.cancel_path()), 1);
        assert_eq!(steps.poll_times(), &polls_in_30s(&venue)[..=polls]);
        assert_eq!(venue.status_polls(&name), polls + 1);
        let seen: Vec<_> = steps
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::StatusSeen { status, .. } => Some(status.clone().expect("listed")),
                _ => None,
            })
            .collect();
        for status in &seen[..polls] {
            assert_status::<V>(status, V::CANCELLING, &name);
        }
    }

    /// `AlreadyCompleted`: the cancel is accepted as a request, the status shows the
    /// withdrawal sent.
    pub async fn too_late<V: Venue>() {
        let venue = V::start().await;
        let id = venue.add("wd-completed", CancelScript::AlreadyCompleted);

        let (outcome, steps) = confirm(&venue, &id, &options_30s()).await;

        match outcome.expect("the cancel is accepted") {
            Outcome::TooLate { status } => assert_status::<V>(
                &status,
                (V::COMPLETED, WithdrawalState::Completed),
                "wd-completed",
            ),
            other => panic!("expected TooLate, got {other:?}"),
        }
        assert_eq!(steps.poll_times(), [Duration::ZERO]);
        assert_eq!(venue.status_polls("wd-completed"), 1);
    }

    /// `NotCancellable`: the exchange refuses, in its words, and one status read says where
    /// the withdrawal stands.
    pub async fn refused<V: Venue>() {
        let venue = V::start().await;
        let id = venue.add("wd-refused", CancelScript::NotCancellable);

        let (outcome, steps) = confirm(&venue, &id, &options_30s()).await;

        match outcome.expect("the exchange answered") {
            Outcome::Refused { reason, status } => {
                assert_eq!(reason, V::refused_reason());
                let status = status.expect("the status endpoint lists it");
                assert_status::<V>(&status, V::REFUSED_STATUS, "wd-refused");
            }
            other => panic!("expected Refused, got {other:?}"),
        }
        assert_eq!(steps.cancels().len(), 1);
        assert_eq!(steps.poll_times(), [Duration::ZERO]);
        assert_eq!(venue.status_polls("wd-refused"), 1);
    }

    /// `Unknown`, and an id the book does not hold: the cancel says so (or, on Bybit, refuses
    /// generically) and the status endpoint does not list it.
    pub async fn not_found<V: Venue>() {
        let venue = V::start().await;
        let scripted = venue.add("wd-unknown", CancelScript::Unknown);
        let absent = venue.unknown("wd-never-made");

        for (round, (id, name)) in [(&scripted, "wd-unknown"), (&absent, "wd-never-made")]
            .into_iter()
            .enumerate()
        {
            let (outcome, steps) = confirm(&venue, id, &options_30s()).await;
            match outcome.expect("the exchange answered") {
                Outcome::NotFound { reason } => assert_eq!(reason, V::not_found_reason()),
                other => panic!("{name}: expected NotFound, got {other:?}"),
            }
            assert_eq!(steps.cancels().len(), 1, "{name}");
            assert_eq!(steps.poll_times(), [Duration::ZERO], "{name}");
            // Counted at the fake by request: Kraken's WithdrawStatus lists by asset, so the
            // fake counts its polls per listed withdrawal, not per id asked about.
            assert_eq!(venue.requests_on(venue.status_path()), round + 1, "{name}");
            assert_eq!(venue.requests_on(venue.cancel_path()), round + 1, "{name}");
        }
    }

    /// `StaysPending` with a 30 s deadline: polls on the backoff schedule, never closer than
    /// the status endpoint's rate limit, the last one on the deadline (when the rate limit
    /// leaves room for it, as the documented ones do), none after.
    pub async fn still_unknown_at_the_deadline<V: Venue>() {
        let venue = V::start().await;
        let id = venue.add("wd-stays", CancelScript::StaysPending);
        let options = options_30s();
        let began = tokio::time::Instant::now();

        let (outcome, steps) = confirm(&venue, &id, &options).await;

        // On the deadline with the documented limits.
        let (ends, deadline_reason) = end_of_polling(&venue);
        assert_eq!(began.elapsed(), ends, "returns at the last poll");
        match outcome.expect("the cancel is accepted") {
            Outcome::StillUnknown {
                reason,
                last_status,
                last_error,
            } => {
                assert_eq!(
                    reason,
                    format!("{deadline_reason}; the status is not final")
                );
                assert_status::<V>(
                    &last_status.expect("a status was seen"),
                    V::CANCELLING,
                    "wd-stays",
                );
                assert!(last_error.is_none(), "{last_error:?}");
            }
            other => panic!("expected StillUnknown, got {other:?}"),
        }

        // The schedule worked out by hand for the documented limit is the rule's, and the layer
        // follows the rule for the limit the spec gives now (users may edit it).
        assert_eq!(
            poll_schedule(&options, documented_status_floor::<V>()),
            V::POLLS_IN_30S,
            "the rule for the documented rate limit {:?}",
            V::STATUS_LIMIT
        );
        let times = steps.poll_times();
        assert_eq!(times, polls_in_30s(&venue));
        assert_eq!(venue.status_polls("wd-stays"), times.len());
        assert_eq!(venue.requests_on(venue.status_path()), times.len());
        let floor = status_floor(&venue);
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= floor,
                "polls {pair:?} closer than the rate limit's {floor:?}"
            );
        }
        assert!(times.iter().all(|t| *t <= options.deadline), "{times:?}");
        assert!(
            steps.waits().iter().all(|w| *w >= floor),
            "{:?}",
            steps.waits()
        );
        assert_eq!(steps.cancels().len(), 1, "a pending cancel is not repeated");
    }

    /// `status()` alone: a pending withdrawal as listed, and `None` for one not listed.
    pub async fn status_alone<V: Venue>() {
        let venue = V::start().await;
        let id = venue.add("wd-pending", CancelScript::StaysPending);
        let absent = venue.unknown("wd-never-made");

        let status = venue
            .layer()
            .status(id.borrow())
            .await
            .expect("the status endpoint answers")
            .expect("it lists the withdrawal");
        assert_status::<V>(&status, V::PENDING, "wd-pending");
        assert_eq!(venue.status_polls("wd-pending"), 1);

        let none = venue.layer().status(absent.borrow()).await.unwrap();
        assert_eq!(none, None);
        assert_eq!(venue.requests_on(venue.status_path()), 2);
        assert_eq!(venue.requests_on(venue.cancel_path()), 0);
    }

    /// A status record that lacks a documented field the state does not need still gives its
    /// outcome: `cancel_and_confirm` learns the withdrawal was cancelled from the id and status
    /// alone, the raw record is kept whole, and the typed record says what is missing and
    /// where.
    pub async fn cancelled_although_a_documented_field_is_missing<V: Venue>() {
        let venue = V::start().await;
        let name = "wd-lacks-a-field";
        let id = venue.add(name, CancelScript::CancelsAfter { polls: 0 });
        venue.rewrite_records(|record| {
            record.remove(V::DOCUMENTED_FIELD);
        });

        let (outcome, steps) = confirm(&venue, &id, &options_30s()).await;

        let status = match outcome.expect("the cancel is accepted") {
            Outcome::Cancelled { status } => status,
            other => panic!("expected Cancelled, got {other:?}"),
        };
        assert_eq!(
            (status.state, status.exchange_status.as_str()),
            (WithdrawalState::Cancelled, V::CANCELLED)
        );
        assert_eq!(status.record.raw[V::ID_KEY], serde_json::json!(name));
        assert_eq!(status.record.raw.get(V::DOCUMENTED_FIELD), None);
        if V::DOCUMENTED_FIELD_REQUIRED {
            let missing = status
                .record
                .typed
                .as_ref()
                .expect_err("the record lacks a required field");
            assert_eq!(missing.path, V::RECORD_PATH);
            assert_eq!(
                missing.message,
                format!("missing field `{}`", V::DOCUMENTED_FIELD)
            );
        } else {
            let typed = status.record.typed.as_ref();
            assert!(typed.is_ok(), "an optional field may be absent: {typed:?}");
        }
        // Learnt at the first poll, not at the deadline.
        assert_eq!(steps.poll_times(), [Duration::ZERO]);
    }

    /// Fields the docs do not list are kept in the raw record and do not stop the typed one.
    pub async fn fields_the_docs_do_not_list_are_kept<V: Venue>() {
        let venue = V::start().await;
        let id = venue.add("wd-extra", CancelScript::StaysPending);
        venue.rewrite_records(|record| {
            record.insert(
                "addedByTheExchange".into(),
                serde_json::json!({"nested": [1, "two", null]}),
            );
        });
        let status = venue.layer().status(id.borrow()).await.unwrap().unwrap();
        assert_status::<V>(&status, V::PENDING, "wd-extra");
        assert_eq!(
            status.record.raw["addedByTheExchange"],
            serde_json::json!({"nested": [1, "two", null]})
        );
    }

    /// An unrelated field of another type than documented: the state still comes through,
    /// the typed record names the field's path.
    pub async fn an_unrelated_field_of_another_type_does_not_hide_the_state<V: Venue>() {
        let venue = V::start().await;
        let id = venue.add("wd-retyped", CancelScript::StaysPending);
        let (field, value) = V::retyped_field();
        let sent = value.clone();
        venue.rewrite_records(move |record| {
            record.insert(field.into(), sent.clone());
        });
        let status = venue.layer().status(id.borrow()).await.unwrap().unwrap();
        assert_eq!(
            (status.exchange_status.as_str(), status.state),
            V::PENDING,
            "{status:?}"
        );
        assert_eq!(status.record.raw[field], value);
        let retyped = status
            .record
            .typed
            .as_ref()
            .expect_err("a field of another type");
        let path = if V::RECORD_PATH.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", V::RECORD_PATH)
        };
        assert_eq!(retyped.path, path, "{retyped}");
        assert!(retyped.message.starts_with("invalid type: "), "{retyped}");
        assert!(retyped
            .to_string()
            .starts_with(&format!("{path}: invalid type: ")));
    }

    /// Without its status field, a record gives no state: a decode error that names the record
    /// and the field, never a guess.
    pub async fn a_record_without_its_status_is_a_decode_error_naming_it<V: Venue>() {
        let venue = V::start().await;
        let id = venue.add("wd-no-status", CancelScript::StaysPending);
        venue.rewrite_records(|record| {
            record.remove(V::STATUS_KEY);
        });
        let err = venue.layer().status(id.borrow()).await.unwrap_err();
        let xgen_runtime::Error::Decode { path, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, V::RECORD_PATH);
        let text = err.to_string();
        let shown = if V::RECORD_PATH.is_empty() {
            "the reply"
        } else {
            V::RECORD_PATH
        };
        assert!(
            text.starts_with(&format!(
                "{shown}: missing field `{}` (JSON of an unexpected shape in the exchange's HTTP \
                 200 reply); body starts: {{",
                V::STATUS_KEY
            )),
            "{text}"
        );
        assert!(err.outcome_unknown(), "{err}");
    }

    /// `cancel()` alone: accepted, sent again, refused, unknown: each as the exchange
    /// documents it, and nothing polled.
    pub async fn cancel_alone<V: Venue>() {
        let venue = V::start().await;
        let layer = venue.layer();
        let id = venue.add("wd-cancel-me", CancelScript::CancelsAfter { polls: 3 });
        let stuck = venue.add("wd-stuck", CancelScript::NotCancellable);
        let absent = venue.unknown("wd-never-made");

        assert_eq!(
            layer.cancel(id.borrow()).await.unwrap(),
            CancelReply::Requested
        );
        assert_eq!(layer.cancel(id.borrow()).await.unwrap(), V::cancel_again());
        assert_eq!(
            layer.cancel(stuck.borrow()).await.unwrap(),
            V::cancel_not_cancellable()
        );
        assert_eq!(
            layer.cancel(absent.borrow()).await.unwrap(),
            V::cancel_unknown()
        );
        assert_eq!(venue.requests_on(venue.cancel_path()), 4);
        assert_eq!(venue.requests_on(venue.status_path()), 0);
    }
}

/// The outcome tests of one exchange, each on paused time.
macro_rules! every_outcome {
    ($venue:ty) => {
        #[tokio::test(start_paused = true)]
        async fn cancelled_after_two_polls() {
            scenario::cancelled_after::<$venue>(2).await;
        }

        #[tokio::test(start_paused = true)]
        async fn cancelled_at_the_first_poll() {
            scenario::cancelled_after::<$venue>(0).await;
        }

        #[tokio::test(start_paused = true)]
        async fn too_late_when_already_completed() {
            scenario::too_late::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn refused_in_the_exchanges_words() {
            scenario::refused::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn not_found_for_an_unknown_id() {
            scenario::not_found::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn still_unknown_at_the_deadline_within_the_rate_limit() {
            scenario::still_unknown_at_the_deadline::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn status_alone_reads_a_pending_withdrawal() {
            scenario::status_alone::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn cancel_alone_answers_as_documented() {
            scenario::cancel_alone::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn cancelled_although_a_documented_field_is_missing() {
            scenario::cancelled_although_a_documented_field_is_missing::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn fields_the_docs_do_not_list_are_kept() {
            scenario::fields_the_docs_do_not_list_are_kept::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn an_unrelated_field_of_another_type_does_not_hide_the_state() {
            scenario::an_unrelated_field_of_another_type_does_not_hide_the_state::<$venue>().await;
        }

        #[tokio::test(start_paused = true)]
        async fn a_record_without_its_status_is_a_decode_error_naming_it() {
            scenario::a_record_without_its_status_is_a_decode_error_naming_it::<$venue>().await;
        }
    };
}

mod kraken {
    use xgen_fake_exchanges::kraken::{DocumentedError, Reply};
    use xgen_runtime::kraken::KrakenErrorKind;
    use xgen_runtime::Error;

    use super::*;
    use crate::support::OTHER_SECRET;

    every_outcome!(Kraken);

    /// WithdrawCancel's `result: false` is the one refusal it has.
    #[tokio::test(start_paused = true)]
    async fn cancel_alone_refused_on_result_false() {
        let venue = Kraken::start().await;
        let id = venue.add("wd-false", CancelScript::CancelsAfter { polls: 0 });
        venue.fake.respond_once(Reply::result("false"));
        assert_eq!(
            venue.layer().cancel(&id).await.unwrap(),
            CancelReply::Refused {
                reason: "Kraken answered `result: false`".into()
            }
        );
    }

    /// A cancel signed with the wrong secret: `Err`, and the status endpoint is never asked.
    #[tokio::test(start_paused = true)]
    async fn a_cancel_failing_auth_is_an_error_and_nothing_is_polled() {
        let venue = Kraken::start().await;
        let id = venue.add("wd-auth", CancelScript::CancelsAfter { polls: 0 });
        let wrong = harness::kraken_layer(&venue.fake, OTHER_SECRET);
        let began = tokio::time::Instant::now();

        let mut steps = harness::Recorder::new();
        let result = wrong
            .cancel_and_confirm_observed(&id, &options_30s(), |p| steps.observe(p))
            .await;

        match result {
            Err(Error::Kraken(errors)) => {
                assert!(
                    errors.has_kind(KrakenErrorKind::InvalidSignature),
                    "{errors}"
                )
            }
            other => panic!("expected Kraken's invalid signature, got {other:?}"),
        }
        assert_eq!(began.elapsed(), Duration::ZERO, "no wait, no retry");
        assert_eq!(venue.paths(), [venue.cancel_path()]);
        assert_eq!(venue.status_polls("wd-auth"), 0);
        assert!(steps.poll_times().is_empty());
    }

    /// WithdrawStatus answering a rate limit once: the next poll waits at least twice as long
    /// as planned, and the cancel still confirms.
    #[tokio::test(start_paused = true)]
    async fn a_rate_limited_status_poll_slows_polling_down() {
        let venue = Kraken::start().await;
        let id = venue.add("wd-slow", CancelScript::CancelsAfter { polls: 1 });
        venue
            .fake
            .respond_once_on(venue.status_path(), Reply::RateLimited);
        let options = options_30s();

        let (outcome, steps) = confirm(&venue, &id, &options).await;

        assert!(
            matches!(outcome, Ok(Outcome::Cancelled { .. })),
            "{outcome:?}"
        );
        match &steps.steps[..] {
            [Step::CancelSent { .. }, Step::CancelAnswered { .. }, Step::StatusFailed { elapsed, error }, ..] =>
            {
                assert_eq!(*elapsed, Duration::ZERO);
                assert!(error.contains("EAPI:Rate limit exceeded"), "{error}");
            }
            other => panic!("expected a failed first poll, got {other:?}"),
        }
        let planned = options.first_interval.max(status_floor(&venue));
        let times = steps.poll_times();
        assert_eq!(
            times.len(),
            3,
            "rate-limited, cancelling, cancelled: {times:?}"
        );
        assert!(times[1] - times[0] >= planned * 2, "{times:?}");
        assert!(
            steps.waits().iter().all(|w| *w >= planned * 2),
            "every later wait is slowed down too: {:?}",
            steps.waits()
        );
        // The rate-limited request counts as a poll at the fake; only answered ones advance it.
        assert_eq!(venue.status_polls("wd-slow"), 3);
    }

    /// A status endpoint refusing the key (scripted `EGeneral:Permission denied`): the outcome
    /// is unknown at once, with the error, instead of polling until the deadline.
    #[tokio::test(start_paused = true)]
    async fn a_status_failing_auth_is_still_unknown_at_once() {
        let venue = Kraken::start().await;
        let id = venue.add("wd-no-query", CancelScript::CancelsAfter { polls: 0 });
        venue.fake.respond_with_on(
            venue.status_path(),
            Reply::error(DocumentedError::PermissionDenied),
        );
        let began = tokio::time::Instant::now();

        let (outcome, steps) = confirm(&venue, &id, &options_30s()).await;

        assert_eq!(
            began.elapsed(),
            Duration::ZERO,
            "no polling till the deadline"
        );
        match outcome.expect("the cancel was accepted") {
            Outcome::StillUnknown {
                reason,
                last_status,
                last_error,
            } => {
                assert_eq!(
                    reason,
                    "the cancel was requested, but kraken's status endpoint refused the request"
                );
                assert_eq!(last_status, None);
                match last_error {
                    Some(Error::Kraken(errors)) => {
                        assert!(
                            errors.has_kind(KrakenErrorKind::PermissionDenied),
                            "{errors}"
                        )
                    }
                    other => panic!("expected Kraken's permission error, got {other:?}"),
                }
            }
            other => panic!("expected StillUnknown, got {other:?}"),
        }
        assert_eq!(steps.poll_times(), [Duration::ZERO]);
        assert_eq!(venue.requests_on(venue.status_path()), 1);
    }
}

mod okx {
    use xgen_fake_exchanges::okx::{Answer, DocumentedError, Reply};
    use xgen_runtime::okx::OkxErrorKind;
    use xgen_runtime::Error;

    use super::*;

    every_outcome!(Okx);

    /// The cancel answered with a proxy's HTML 502: in doubt. The status still shows the
    /// withdrawal pending, so the cancel is sent again (at the first poll after the cancel
    /// endpoint's spacing: with OKX's documented limits, the one at 1 s), and the second one
    /// confirms.
    #[tokio::test(start_paused = true)]
    async fn a_cancel_lost_behind_a_502_is_sent_again_once_the_status_shows_it_pending() {
        let venue = Okx::start().await;
        let id = venue.add("wd-502", CancelScript::CancelsAfter { polls: 0 });
        venue.fake.respond_once(Reply::Html502);

        let (outcome, steps) = confirm(&venue, &id, &options_30s()).await;

        match outcome.expect("an outcome, not an error") {
            Outcome::Cancelled { status } => {
                assert_status::<Okx>(&status, ("-2", WithdrawalState::Cancelled), "wd-502")
            }
            other => panic!("expected Cancelled, got {other:?}"),
        }
        assert_eq!(venue.requests_on(venue.cancel_path()), 2, "sent twice");
        assert_eq!(
            steps.cancels().iter().map(|c| c.1).collect::<Vec<_>>(),
            [1, 2]
        );
        // The polls up to the one that sends the cancel again (documented limits: 0 and 1 s).
        let polls = polls_in_30s(&venue);
        let resent_at = polls
            .iter()
            .position(|t| *t >= cancel_spacing(&venue))
            .expect("a poll after the cancel endpoint's spacing");
        let mut walk = steps.steps.iter();
        match (walk.next(), walk.next()) {
            (Some(Step::CancelSent { .. }), Some(Step::CancelFailed { error, .. })) => {
                assert!(error.contains("502"), "{error}")
            }
            other => panic!("expected the cancel lost behind the 502, got {other:#?}"),
        }
        for poll in 0..=resent_at {
            if poll > 0 {
                assert!(
                    matches!(walk.next(), Some(Step::Waiting { .. })),
                    "{steps:#?}"
                );
            }
            match walk.next() {
                Some(Step::StatusSeen {
                    status: Some(pending),
                    ..
                }) => assert_eq!(pending.state, WithdrawalState::Pending),
                other => panic!("expected the withdrawal pending, got {other:#?}"),
            }
        }
        match (walk.next(), walk.next()) {
            (
                Some(Step::CancelSent { attempt: 2, .. }),
                Some(Step::CancelAnswered {
                    reply: CancelReply::Requested,
                }),
            ) => {}
            other => panic!("expected the cancel sent again and taken, got {other:#?}"),
        }
        let mut paths = vec![venue.cancel_path()];
        paths.extend([venue.status_path()].repeat(resent_at + 1));
        paths.extend([venue.cancel_path(), venue.status_path()]);
        assert_eq!(venue.paths(), paths);
    }

    /// A key without read permission on withdrawal-history (50120): unknown at once.
    #[tokio::test(start_paused = true)]
    async fn a_status_without_permission_is_still_unknown_at_once() {
        let venue = Okx::start().await;
        let id = venue.add("wd-no-read", CancelScript::CancelsAfter { polls: 0 });
        venue.fake.respond_with_on(
            venue.status_path(),
            Reply::error(DocumentedError::NoPermission),
        );
        let began = tokio::time::Instant::now();

        let (outcome, _) = confirm(&venue, &id, &options_30s()).await;

        assert_eq!(began.elapsed(), Duration::ZERO);
        match outcome.unwrap() {
            Outcome::StillUnknown {
                last_error: Some(Error::Okx(e)),
                last_status: None,
                ..
            } => assert_eq!(e.kind, OkxErrorKind::from_code("50120")),
            other => panic!("expected StillUnknown with OKX's 50120, got {other:?}"),
        }
        assert_eq!(venue.requests_on(venue.status_path()), 1);
    }

    /// Dropping the future while it waits between polls stops it: nothing more reaches the
    /// exchange, however long the clock runs afterwards.
    #[tokio::test(start_paused = true)]
    async fn dropping_the_future_mid_wait_sends_nothing_more() {
        let venue = Okx::start().await;
        let id = venue.add("wd-dropped", CancelScript::StaysPending);

        // Dropped during the wait after the third poll: with OKX's documented limit, polls at
        // 0, 1 and 3 s, dropped at 5 s during the 4 s wait.
        let polls = polls_in_30s(&venue);
        let drop_at = (polls[2] + polls[3]) / 2;
        let mut steps = harness::Recorder::new();
        let cut_short = tokio::time::timeout(
            drop_at,
            venue
                .layer()
                .cancel_and_confirm_observed(&id, &options_30s(), |p| steps.observe(p)),
        )
        .await;
        assert!(
            cut_short.is_err(),
            "still waiting at {drop_at:?}: {cut_short:?}"
        );
        assert_eq!(steps.poll_times(), polls[..3]);
        let sent = venue.fake.request_count();
        assert_eq!(sent, 4, "one cancel, three polls");

        tokio::time::sleep(Duration::from_secs(600)).await;
        assert_eq!(venue.fake.request_count(), sent, "nothing after the drop");
        assert_eq!(venue.status_polls("wd-dropped"), 3);
    }

    /// The text `xgen cancel` prints for each outcome, exactly.
    #[tokio::test(start_paused = true)]
    async fn each_outcome_displays_exactly() {
        let venue = Okx::start().await;
        let options = options_30s();
        let outcome_of = |name: &str, script| {
            let id = venue.add(name, script);
            let venue = &venue;
            async move {
                venue
                    .layer()
                    .cancel_and_confirm(&id, &options)
                    .await
                    .unwrap()
                    .to_string()
            }
        };

        assert_eq!(
            outcome_of("wd-c", CancelScript::CancelsAfter { polls: 1 }).await,
            "cancelled: the exchange shows the withdrawal cancelled (-2)"
        );
        assert_eq!(
            outcome_of("wd-t", CancelScript::AlreadyCompleted).await,
            "too late: the withdrawal completed and the funds have left (2)"
        );
        assert_eq!(
            outcome_of("wd-r", CancelScript::NotCancellable).await,
            "refused: the exchange will not cancel it: 58216: Operation not allowed.; status now \
             not cancellable (1)"
        );
        // Refused, and the status read after it failed: no "status now ...".
        venue
            .fake
            .respond_once_on(venue.status_path(), Reply::Html502);
        assert_eq!(
            outcome_of("wd-r2", CancelScript::NotCancellable).await,
            "refused: the exchange will not cancel it: 58216: Operation not allowed."
        );
        assert_eq!(
            outcome_of("wd-n", CancelScript::Unknown).await,
            "not found: the exchange does not know this withdrawal: 58215: Withdrawal ID does not \
             exist."
        );
        // "the deadline of 30s passed" with OKX's documented limit.
        let (_, deadline_reason) = end_of_polling(&venue);
        assert_eq!(
            outcome_of("wd-s", CancelScript::StaysPending).await,
            format!(
                "still unknown: {deadline_reason}; the status is not final; last status \
                 cancelling (-3)"
            )
        );

        // Failed: withdrawal-history shows `-1` (the book has no script for it).
        venue.fake.respond_once_on(
            venue.status_path(),
            Reply::Exchange(Answer::Data(
                r#"[{"ccy":"USDT","chain":"USDT-TRC20","amt":"10.5","ts":"1607418537715","from":"","to":"T1","txId":"","fee":"1","feeCcy":"USDT","state":"-1","wdId":"wd-f","clientId":""}]"#
                    .into(),
            )),
        );
        assert_eq!(
            outcome_of("wd-f", CancelScript::StaysPending).await,
            "failed: the withdrawal failed or was rejected by the exchange, not cancelled; the \
             funds did not leave (-1)"
        );

        // Unknown with the error that made it so.
        venue.fake.respond_once_on(
            venue.status_path(),
            Reply::error(DocumentedError::NoPermission),
        );
        assert_eq!(
            outcome_of("wd-e", CancelScript::StaysPending).await,
            "still unknown: the cancel was requested, but okx's status endpoint refused the \
             request; last error: OKX refused the request (HTTP 200): code 50120: API key \
             doesn't have permission to use this function."
        );
    }
}

mod bybit {
    use xgen_fake_exchanges::bybit::Reply;

    use super::*;

    every_outcome!(Bybit);

    /// The cancel answered with a rate limit (10006): sent again after a pause at least twice
    /// the cancel endpoint's spacing, then accepted and confirmed.
    #[tokio::test(start_paused = true)]
    async fn a_rate_limited_cancel_is_retried_after_a_pause() {
        let venue = Bybit::start().await;
        let id = venue.add("wd-429", CancelScript::CancelsAfter { polls: 0 });
        venue.fake.respond_once(Reply::RateLimited);
        let options = options_30s();

        let (outcome, steps) = confirm(&venue, &id, &options).await;

        assert!(
            matches!(outcome, Ok(Outcome::Cancelled { .. })),
            "{outcome:?}"
        );
        let cancels = steps.cancels();
        assert_eq!(cancels.len(), 2, "{cancels:?}");
        let spacing = cancel_spacing(&venue);
        let pause = cancels[1].0 - cancels[0].0;
        assert!(
            pause >= options.first_interval.max(spacing) * 2,
            "retried after {pause:?}"
        );
        match &steps.steps[1] {
            Step::CancelFailed { error, .. } => assert!(error.contains("10006"), "{error}"),
            other => panic!("expected the rate-limited cancel, got {other:?}"),
        }
        assert_eq!(venue.requests_on(venue.cancel_path()), 2);
        assert_eq!(steps.poll_times(), [pause]);
    }

    /// A cancel whose reply was lost although Bybit applied it (here: applied by an earlier
    /// cancel, then the layer's own cancel answered with a 502). Bybit has no cancelling
    /// status, so the withdrawal still shows `Pending`; the layer sends the cancel again, and
    /// Bybit answers `status: 0`, its one answer for "already cancelled" as for "cannot be
    /// cancelled". That must not end as `Refused`: the withdrawal is being cancelled.
    #[tokio::test(start_paused = true)]
    async fn a_repeated_cancel_refused_after_a_lost_reply_is_not_a_refusal() {
        let venue = Bybit::start().await;
        let id = venue.add("wd-lost", CancelScript::CancelsAfter { polls: 2 });
        assert_eq!(
            venue.layer().cancel(&id).await.unwrap(),
            CancelReply::Requested
        );
        venue.fake.respond_once(Reply::Html502);

        let (outcome, steps) = confirm(&venue, &id, &options_30s()).await;

        match outcome.expect("an outcome") {
            Outcome::Cancelled { status } => assert_status::<Bybit>(
                &status,
                ("CancelByUser", WithdrawalState::Cancelled),
                "wd-lost",
            ),
            other => panic!("expected Cancelled, got {other:?}\n{steps:#?}"),
        }
        // Sent again once (refused) at the first poll the cancel endpoint's spacing allows after
        // the first cancel (documented: 60 a minute, so the poll at 1 s), then never again:
        // polling decided.
        let polls = polls_in_30s(&venue);
        let resent = *polls
            .iter()
            .find(|t| **t >= cancel_spacing(&venue))
            .expect("a poll after the cancel endpoint's spacing");
        assert_eq!(steps.cancels(), [(Duration::ZERO, 1), (resent, 2)]);
        assert!(steps.steps.iter().any(|s| matches!(
            s,
            Step::CancelAnswered {
                reply: CancelReply::Refused { .. }
            }
        )));
        assert_eq!(steps.poll_times(), polls[..3]);
        assert_eq!(
            venue.requests_on(venue.cancel_path()),
            3,
            "ours, the 502, the repeat"
        );
    }

    /// The other side of the same answer: the first cancel really was lost (the 502 changed
    /// nothing) and Bybit refuses the repeat because it cannot cancel. The status never moves,
    /// so the outcome stays unknown at the deadline, saying the repeat was refused; it is not
    /// reported `Cancelled`, and the cancel is not sent a third time.
    #[tokio::test(start_paused = true)]
    async fn a_repeat_refused_for_good_is_still_unknown_at_the_deadline() {
        let venue = Bybit::start().await;
        let id = venue.add("wd-stuck", CancelScript::NotCancellable);
        venue.fake.respond_once(Reply::Html502);

        let (outcome, steps) = confirm(&venue, &id, &options_30s()).await;

        match outcome.expect("an outcome") {
            Outcome::StillUnknown {
                reason,
                last_status,
                last_error,
            } => {
                // "the deadline of 30s passed" with Bybit's documented limit.
                let (_, deadline_reason) = end_of_polling(&venue);
                assert_eq!(
                    reason,
                    format!(
                        "{deadline_reason}; the cancel got no clear reply and the status is not \
                         final; sent again, the cancel was refused: Bybit answered `status: 0` \
                         (fail): the withdrawal cannot be cancelled, or is already cancelled"
                    )
                );
                assert_status::<Bybit>(&last_status.unwrap(), Bybit::PENDING, "wd-stuck");
                let error = last_error.expect("the 502 is kept").to_string();
                assert!(error.contains("HTTP 502"), "{error}");
            }
            other => panic!("expected StillUnknown, got {other:?}"),
        }
        assert_eq!(steps.cancels().len(), 2);
        assert_eq!(steps.poll_times(), polls_in_30s(&venue));
    }

    /// A status value no doc lists, carrying an erase-line sequence and a right-to-left
    /// override: kept as sent in the status, escaped wherever it is shown.
    #[tokio::test(start_paused = true)]
    async fn a_hostile_status_is_kept_raw_and_shown_escaped() {
        let venue = Bybit::start().await;
        let id = venue.add("wd-hostile", CancelScript::StaysPending);
        venue.rewrite_records(|record| {
            record.insert("status".into(), "\u{1b}[2KCancelByUser\u{202e}".into());
        });
        let options = ConfirmOptions::with_deadline(Duration::from_secs(2));
        let (outcome, _) = confirm(&venue, &id, &options).await;
        let outcome = outcome.unwrap();
        let status = outcome.status().expect("a status was seen").clone();
        assert_eq!(status.state, WithdrawalState::Unknown);
        assert_eq!(status.exchange_status, "\u{1b}[2KCancelByUser\u{202e}");
        assert_eq!(
            status.to_string(),
            "unknown (\\u{1b}[2KCancelByUser\\u{202e})"
        );
        let shown = outcome.to_string();
        assert!(matches!(outcome, Outcome::StillUnknown { .. }), "{shown}");
        assert!(
            shown.contains("last status unknown (\\u{1b}[2KCancelByUser\\u{202e})"),
            "{shown}"
        );
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown:?}"
        );
    }
}

mod alphapoint {
    use super::*;

    every_outcome!(AlphaPointCodes);
}

mod alphapoint_status_names {
    use super::*;

    every_outcome!(AlphaPointNames);
}

mod kucoin {
    use super::*;

    every_outcome!(Kucoin);
}

mod kraken_pay {
    use xgen_clients::kraken_pay::Client;
    use xgen_clients::withdrawals::KrakenPayRequests;
    use xgen_fake_exchanges::kraken_pay::FakeKrakenPay;
    use xgen_runtime::kraken::{KrakenCredentials, KrakenSigner};

    use super::*;
    use crate::support::{KRAKEN_DOC_SECRET, TEST_API_KEY};

    /// Kraken Pay has no status endpoint (the compile_fail doctest in
    /// `src/withdrawals/mod.rs` shows there is no `cancel_and_confirm`); its cancel is
    /// `Requested`, and the same id again is `AlreadyCancelling` ("id already used").
    #[tokio::test(start_paused = true)]
    async fn cancel_is_requested_then_already_cancelling() {
        let fake = FakeKrakenPay::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
        let signer =
            KrakenSigner::new(KrakenCredentials::new(TEST_API_KEY, KRAKEN_DOC_SECRET).unwrap());
        let pay = KrakenPayRequests::new(Client::with_base_url(signer, &fake.base_url()).unwrap());

        assert_eq!(pay.exchange(), "kraken-pay");
        assert_eq!(
            pay.cancel("dGVzdC1pZC0wMDAx").await.unwrap(),
            CancelReply::Requested
        );
        match pay.cancel("dGVzdC1pZC0wMDAx").await.unwrap() {
            CancelReply::AlreadyCancelling { reason } => {
                assert!(reason.contains("id already used"), "{reason}")
            }
            other => panic!("expected AlreadyCancelling, got {other:?}"),
        }
        assert_eq!(fake.request_count(), 2);
    }
}
