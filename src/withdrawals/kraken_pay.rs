//! Kraken Pay: a cancel, and no status endpoint.

use xgen_runtime::kraken::KrakenErrorKind;
use xgen_runtime::{Error, Operation};

use super::state::wire_fields;
use super::{Cancel, CancelReply};
use crate::kraken_pay::{operations, CancelPayRequestRequest, Client};

/// Cancels Kraken Pay payment requests.
///
/// Kraken Pay documents no status endpoint: the outcome of a cancel arrives as a signed webhook
/// (an ES256 JWT whose `payload.status` is `cancelled`, `success`, `failed`, `expired` or
/// `declined`). So this type implements [`Cancel`] and not [`Status`](super::Status): there is
/// no `cancel_and_confirm` to call, and `xgen cancel kraken-pay --confirm` refuses.
///
/// | reply | [`CancelReply`] |
/// |---|---|
/// | `{"error":[],"result":{}}` | `Requested` |
/// | `id already used` (the cancel was sent before) | `AlreadyCancelling` |
/// | anything else | `Err` |
#[derive(Clone, Debug)]
pub struct KrakenPayRequests {
    client: Client,
}

impl KrakenPayRequests {
    /// Cancels through `client`.
    pub fn new(client: Client) -> KrakenPayRequests {
        KrakenPayRequests { client }
    }

    /// The generated client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn cancel_request(external_id: &str) -> CancelPayRequestRequest {
    CancelPayRequestRequest {
        external_id: external_id.to_owned(),
    }
}

impl Cancel for KrakenPayRequests {
    /// The payment request's `external_id`.
    type Id = str;

    fn exchange(&self) -> &'static str {
        "kraken-pay"
    }

    fn cancel_operation(&self) -> &'static Operation {
        &operations::CANCEL_PAY_REQUEST
    }

    fn cancel_request(&self, external_id: &str) -> serde_json::Value {
        wire_fields(&cancel_request(external_id))
    }

    async fn cancel(&self, external_id: &str) -> Result<CancelReply, Error> {
        match self
            .client
            .cancel_pay_request(&cancel_request(external_id))
            .await
        {
            Ok(_) => Ok(CancelReply::Requested),
            Err(Error::Kraken(errors)) if errors.has_kind(KrakenErrorKind::IdAlreadyUsed) => {
                // Pay's entries are objects; their message is the words ("id already used").
                let words: Vec<&str> = errors.errors.iter().map(|e| e.message.as_str()).collect();
                Ok(CancelReply::AlreadyCancelling {
                    reason: xgen_runtime::envelope::body_excerpt(words.join("; ").as_bytes()),
                })
            }
            Err(other) => Err(other),
        }
    }
}
