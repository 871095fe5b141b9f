//! The withdrawal book every fake (but Kraken Pay) keeps: withdrawals a test adds, what a cancel
//! does to each, and how the status endpoints see them over time.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Rewrites the JSON object of one status record before it is sent (see `rewrite_status_records`
/// on each fake).
pub(crate) type RecordRewrite =
    Arc<dyn Fn(&mut serde_json::Map<String, serde_json::Value>) + Send + Sync>;

/// What a cancel does to one withdrawal, and what the status endpoint shows afterwards.
///
/// Each exchange module says how the variants map onto its own vocabulary (its cancel reply,
/// its error codes and its status values); the shape is the same everywhere:
///
/// | script | cancel reply | status afterwards |
/// |---|---|---|
/// | [`CancelsAfter { polls: n }`](CancelScript::CancelsAfter) | success | the next `n` answered polls show the exchange's cancelling state, then cancelled |
/// | [`StaysPending`](CancelScript::StaysPending) | success | the cancelling state, for ever |
/// | [`AlreadyCompleted`](CancelScript::AlreadyCompleted) | success (every exchange documents its cancel reply as "request received" only) | completed / success |
/// | [`NotCancellable`](CancelScript::NotCancellable) | the exchange's refusal | the state it had (Kraken: `status-prop` `cancel-denied`) |
/// | [`Unknown`](CancelScript::Unknown) | the exchange's not-found error | nothing: the withdrawal is never listed |
///
/// A second cancel of a withdrawal that is cancelling or cancelled gets the exchange's
/// "already cancelled" answer (see each module).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelScript {
    /// The cancel is accepted; the next `polls` status answers that list the withdrawal show
    /// the exchange's cancelling state, the one after shows it cancelled. `polls: 0` (the
    /// default) means the first poll after the cancel already shows it cancelled.
    CancelsAfter {
        /// How many answered polls still see the cancelling state.
        polls: u32,
    },
    /// The withdrawal completed before the cancel landed: the cancel is accepted (a request
    /// only, as every exchange documents), and the status shows it completed.
    AlreadyCompleted,
    /// The exchange refuses the cancel; the status keeps the withdrawal's state (Kraken, whose
    /// cancel reply is `result: true` either way, shows `status-prop: cancel-denied`).
    NotCancellable,
    /// The exchange does not know the id: the cancel gets its not-found error and the status
    /// endpoint never lists the withdrawal (its polls are still counted).
    Unknown,
    /// The cancel is accepted, and the withdrawal stays in the cancelling state for ever.
    StaysPending,
}

impl Default for CancelScript {
    /// [`CancelScript::CancelsAfter`] with `polls: 0`: the first poll after the cancel shows it
    /// cancelled.
    fn default() -> Self {
        CancelScript::CancelsAfter { polls: 0 }
    }
}

/// One exchange's withdrawal record, as the book needs it.
pub(crate) trait Ledger: Clone {
    /// The exchange's own state vocabulary.
    type State: Clone + PartialEq + fmt::Debug;

    fn id(&self) -> &str;
    fn script(&self) -> CancelScript;
    fn state(&self) -> &Self::State;
    /// Sets the state and stamps the exchange's "updated" time, if it has one.
    fn put_state(&mut self, state: Self::State, now_ms: u64);
    /// Fills fields left at 0 when added to the book: times with `now_ms`, sequence numbers
    /// with `position` (1 for the first withdrawal added).
    fn fill_defaults(&mut self, now_ms: u64, position: usize);

    /// The state while a cancel is in progress.
    fn cancelling(&self) -> Self::State;
    /// The state once cancelled.
    fn cancelled(&self) -> Self::State;
    /// The state of a withdrawal that completed.
    fn completed(&self) -> Self::State;
    /// The state after a refused cancel.
    fn denied(&self) -> Self::State;
    /// `true` when the state already says cancelling or cancelled.
    fn is_cancelling_or_cancelled(&self) -> bool;
}

/// What a cancel request found in the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CancelOutcome {
    /// The book is empty: the fake behaves as before books existed (scripted reply only).
    NoBook,
    /// Not in the book, or scripted [`CancelScript::Unknown`].
    NotFound,
    /// Accepted (the state moved per the script).
    Accepted,
    /// Refused ([`CancelScript::NotCancellable`]).
    Refused,
    /// Already cancelling or cancelled.
    AlreadyCancelled,
}

#[derive(Clone, Copy, Debug)]
enum Countdown {
    Polls(u32),
    Forever,
}

struct Entry<W> {
    withdrawal: W,
    cancel_requested: bool,
    countdown: Option<Countdown>,
}

/// The withdrawals of one fake, with the status polls each received.
pub(crate) struct Book<W> {
    entries: Vec<Entry<W>>,
    polls: HashMap<String, Vec<u64>>,
    rewrite: Option<RecordRewrite>,
}

impl<W> Default for Book<W> {
    fn default() -> Self {
        Book {
            entries: Vec::new(),
            polls: HashMap::new(),
            rewrite: None,
        }
    }
}

impl<W> Book<W> {
    /// Sets (or with `None` clears) the rewrite applied to every status record sent.
    pub(crate) fn set_rewrite(&mut self, rewrite: Option<RecordRewrite>) {
        self.rewrite = rewrite;
    }

    /// `record` (one status record's JSON object, as the exchange module wrote it) after the
    /// test's rewrite, if one is set. Keys keep no particular order once rewritten.
    pub(crate) fn rendered(&self, record: String) -> String {
        let Some(rewrite) = &self.rewrite else {
            return record;
        };
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&record) {
            Ok(mut object) => {
                rewrite(&mut object);
                serde_json::Value::Object(object).to_string()
            }
            // The modules write objects; anything else goes out as it is.
            Err(_) => record,
        }
    }
}

impl<W: Ledger> Book<W> {
    /// Adds a withdrawal, replacing one with the same id (its poll count stays).
    pub(crate) fn add(&mut self, mut withdrawal: W, now_ms: u64) {
        withdrawal.fill_defaults(now_ms, self.entries.len() + 1);
        let entry = Entry {
            withdrawal,
            cancel_requested: false,
            countdown: None,
        };
        match self
            .entries
            .iter_mut()
            .find(|e| e.withdrawal.id() == entry.withdrawal.id())
        {
            Some(existing) => *existing = entry,
            None => self.entries.push(entry),
        }
    }

    /// Sets a state by hand; stops any scripted progression. `false` when the id is unknown.
    pub(crate) fn set_state(&mut self, id: &str, state: W::State, now_ms: u64) -> bool {
        match self.entries.iter_mut().find(|e| e.withdrawal.id() == id) {
            Some(entry) => {
                entry.withdrawal.put_state(state, now_ms);
                entry.countdown = None;
                entry.cancel_requested = false;
                true
            }
            None => false,
        }
    }

    /// A copy of the withdrawal as it stands.
    pub(crate) fn get(&self, id: &str) -> Option<W> {
        self.entries
            .iter()
            .find(|e| e.withdrawal.id() == id)
            .map(|e| e.withdrawal.clone())
    }

    /// Every withdrawal, in the order added.
    pub(crate) fn all(&self) -> Vec<W> {
        self.entries.iter().map(|e| e.withdrawal.clone()).collect()
    }

    /// Applies a cancel of `id` (when `belongs` also holds, e.g. the asset or account matches).
    pub(crate) fn cancel(
        &mut self,
        id: &str,
        belongs: impl Fn(&W) -> bool,
        now_ms: u64,
    ) -> CancelOutcome {
        if self.entries.is_empty() {
            return CancelOutcome::NoBook;
        }
        let Some(entry) = self
            .entries
            .iter_mut()
            .find(|e| e.withdrawal.id() == id && belongs(&e.withdrawal))
        else {
            return CancelOutcome::NotFound;
        };
        let script = entry.withdrawal.script();
        if script == CancelScript::Unknown {
            return CancelOutcome::NotFound;
        }
        let repeat = entry.cancel_requested
            && matches!(
                script,
                CancelScript::CancelsAfter { .. } | CancelScript::StaysPending
            );
        if repeat || entry.withdrawal.is_cancelling_or_cancelled() {
            entry.cancel_requested = true;
            return CancelOutcome::AlreadyCancelled;
        }
        entry.cancel_requested = true;
        let w = &mut entry.withdrawal;
        match script {
            CancelScript::CancelsAfter { polls } => {
                let state = w.cancelling();
                w.put_state(state, now_ms);
                entry.countdown = Some(Countdown::Polls(polls));
                CancelOutcome::Accepted
            }
            CancelScript::StaysPending => {
                let state = w.cancelling();
                w.put_state(state, now_ms);
                entry.countdown = Some(Countdown::Forever);
                CancelOutcome::Accepted
            }
            CancelScript::AlreadyCompleted => {
                let state = w.completed();
                if *w.state() != state {
                    w.put_state(state, now_ms);
                }
                CancelOutcome::Accepted
            }
            CancelScript::NotCancellable => {
                let state = w.denied();
                if *w.state() != state {
                    w.put_state(state, now_ms);
                }
                CancelOutcome::Refused
            }
            CancelScript::Unknown => CancelOutcome::NotFound,
        }
    }

    /// Counts one status poll: under `named` when the request names an id, else under every
    /// withdrawal `matches` selects (hidden ones included).
    pub(crate) fn record_poll(
        &mut self,
        named: Option<&str>,
        matches: impl Fn(&W) -> bool,
        now_ms: u64,
    ) {
        let ids: Vec<String> = match named {
            Some(id) => vec![id.to_owned()],
            None => self
                .entries
                .iter()
                .filter(|e| matches(&e.withdrawal))
                .map(|e| e.withdrawal.id().to_owned())
                .collect(),
        };
        for id in ids {
            self.polls.entry(id).or_default().push(now_ms);
        }
    }

    /// Answers a poll: the withdrawals `matches` selects (never those scripted
    /// [`CancelScript::Unknown`]), sorted by `order` (stable: ties keep the order added), the
    /// first `limit` of them each advanced one step along its script.
    pub(crate) fn poll(
        &mut self,
        matches: impl Fn(&W) -> bool,
        order: impl FnMut(&W, &W) -> Ordering,
        limit: usize,
        now_ms: u64,
    ) -> Vec<W> {
        let mut order = order;
        let mut picked: Vec<usize> = (0..self.entries.len())
            .filter(|&i| {
                let w = &self.entries[i].withdrawal;
                w.script() != CancelScript::Unknown && matches(w)
            })
            .collect();
        picked.sort_by(|&a, &b| order(&self.entries[a].withdrawal, &self.entries[b].withdrawal));
        picked.truncate(limit);
        picked
            .into_iter()
            .map(|i| {
                let entry = &mut self.entries[i];
                match entry.countdown {
                    Some(Countdown::Polls(0)) => {
                        let state = entry.withdrawal.cancelled();
                        entry.withdrawal.put_state(state, now_ms);
                        entry.countdown = None;
                    }
                    Some(Countdown::Polls(n)) => entry.countdown = Some(Countdown::Polls(n - 1)),
                    Some(Countdown::Forever) | None => {}
                }
                entry.withdrawal.clone()
            })
            .collect()
    }

    /// The fake clock's time of each poll counted for `id`.
    pub(crate) fn poll_times(&self, id: &str) -> Vec<u64> {
        self.polls.get(id).cloned().unwrap_or_default()
    }
}

/// The public book methods of one exchange's fake, with the exchange's own types in the
/// signatures (so the docs show them).
macro_rules! book_api {
    ($exchange:ty, $withdrawal:ty, $state:ty, $id_name:literal) => {
        impl $crate::server::Fake<$exchange> {
            #[doc = concat!(
                "Adds a withdrawal to the fake's book (replacing one with the same ",
                $id_name,
                "). From then on the cancel endpoint consults the book: a known id moves per the \
                 withdrawal's [`CancelScript`](crate::CancelScript), an unknown one gets the \
                 exchange's not-found error. Times left at 0 are set to the fake's clock."
            )]
            pub fn add_withdrawal(&self, withdrawal: $withdrawal) {
                self.with_exchange_at(|e, now| e.book.add(withdrawal, now));
            }

            /// Sets a withdrawal's state by hand (stamping its update time with the fake's
            /// clock) and stops any scripted progression. `false` when the id is not in the
            /// book.
            pub fn set_withdrawal_state(&self, id: &str, state: $state) -> bool {
                self.with_exchange_at(|e, now| e.book.set_state(id, state, now))
            }

            /// The withdrawal as it stands now, if the book has it.
            pub fn withdrawal(&self, id: &str) -> Option<$withdrawal> {
                self.with_exchange(|e| e.book.get(id))
            }

            /// Every withdrawal in the book, in the order added.
            pub fn withdrawals(&self) -> Vec<$withdrawal> {
                self.with_exchange(|e| e.book.all())
            }

            #[doc = concat!(
                "How many status requests that passed the auth checks concerned this ",
                $id_name,
                ": requests naming it, and listing requests whose filters select it (whatever \
                 reply was scripted, and even when the withdrawal is scripted \
                 [`CancelScript::Unknown`](crate::CancelScript::Unknown) or not in the book)."
            )]
            pub fn status_polls(&self, id: &str) -> usize {
                self.with_exchange(|e| e.book.poll_times(id).len())
            }

            /// The fake clock's time (Unix ms) of each poll counted by
            /// [`status_polls`](Self::status_polls), oldest first: to check a client's polling
            /// interval.
            pub fn status_poll_times(&self, id: &str) -> Vec<u64> {
                self.with_exchange(|e| e.book.poll_times(id))
            }

            /// From now on, passes the JSON object of every withdrawal record a status
            /// endpoint sends through `rewrite` first: to drop a documented field, add one the
            /// docs do not list, or change a field's type, and see what a client makes of it.
            /// The book itself is unchanged. Replaces any earlier rewrite.
            ///
            /// For example `fake.rewrite_status_records(|record| { record.remove("amt"); })`.
            pub fn rewrite_status_records(
                &self,
                rewrite: impl Fn(&mut serde_json::Map<String, serde_json::Value>)
                    + Send
                    + Sync
                    + 'static,
            ) {
                let rewrite: $crate::book::RecordRewrite = std::sync::Arc::new(rewrite);
                self.with_exchange(|e| e.book.set_rewrite(Some(rewrite)));
            }

            /// Sends status records as the book has them again (undoes
            /// [`rewrite_status_records`](Self::rewrite_status_records)).
            pub fn clear_status_record_rewrite(&self) {
                self.with_exchange(|e| e.book.set_rewrite(None));
            }
        }
    };
}

pub(crate) use book_api;
