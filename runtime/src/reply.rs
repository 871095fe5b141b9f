//! Operations whose successful reply is not JSON: nothing at all (`204`), text, or bytes of
//! another media type. The envelope still decides what a failure is, so an exchange's error
//! reply comes back typed whatever the success reply would have been.

use serde::de::IgnoredAny;
use serde::Serialize;

use crate::envelope::{ensure_success, Envelope};
use crate::error::Error;
use crate::operation::Operation;
use crate::transport::{Client, RawResponse};

impl Client {
    /// Prepares and sends a request whose successful reply carries nothing to decode: a 2xx
    /// with an empty body is success; any other reply goes through the envelope `E`, so an
    /// error it carries (or a non-2xx status) is the error.
    pub async fn send_empty<B: Serialize + ?Sized, E: Envelope>(
        &self,
        operation: &'static Operation,
        body: &B,
    ) -> Result<(), Error> {
        let response = self.execute(self.prepare(operation, body)?).await?;
        empty_reply::<E>(&response)
    }

    /// Prepares and sends a request whose successful reply is text (`text/plain`, `text/csv`):
    /// the body of a 2xx reply, with invalid UTF-8 replaced.
    pub async fn send_text<B: Serialize + ?Sized, E: Envelope>(
        &self,
        operation: &'static Operation,
        body: &B,
    ) -> Result<String, Error> {
        let response = self.execute(self.prepare(operation, body)?).await?;
        raw_reply::<E>(&response).map(|bytes| String::from_utf8_lossy(bytes).into_owned())
    }

    /// Prepares and sends a request whose successful reply is bytes of some other media type
    /// (`application/octet-stream`, `application/pdf`): the body of a 2xx reply, as received.
    pub async fn send_bytes<B: Serialize + ?Sized, E: Envelope>(
        &self,
        operation: &'static Operation,
        body: &B,
    ) -> Result<Vec<u8>, Error> {
        let response = self.execute(self.prepare(operation, body)?).await?;
        raw_reply::<E>(&response).map(<[u8]>::to_vec)
    }
}

/// Success for a 2xx with nothing in it; otherwise what the envelope makes of the reply.
pub fn empty_reply<E: Envelope>(response: &RawResponse) -> Result<(), Error> {
    let success = (200..300).contains(&response.status);
    if success && response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    E::decode::<IgnoredAny>(response).map(|_| ())
}

/// The body of a 2xx reply that is not JSON; a JSON reply, or one of any other status, goes
/// through the envelope: its error if the body is one, else the body of a 2xx, else
/// [`Error::Http`]. Exchanges that report errors inside a 2xx (Kraken's `{"error": [...]}`)
/// do so in JSON, so such an error is never taken for the file that was asked for.
pub fn raw_reply<E: Envelope>(response: &RawResponse) -> Result<&[u8], Error> {
    if (200..300).contains(&response.status) && response.says_json() != Some(true) {
        return Ok(&response.body);
    }
    match E::decode::<IgnoredAny>(response) {
        Err(error) => Err(error),
        // A non-2xx whose body the envelope reads as success is still a failure.
        Ok(_) => ensure_success(response).map(|()| response.body.as_slice()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PlainJson;

    fn reply(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: None,
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    #[test]
    fn an_empty_2xx_is_success_and_anything_else_goes_through_the_envelope() {
        assert!(empty_reply::<PlainJson>(&reply(204, "")).is_ok());
        assert!(empty_reply::<PlainJson>(&reply(200, "{}")).is_ok());
        let err = empty_reply::<PlainJson>(&reply(404, "{\"message\":\"no\"}")).unwrap_err();
        assert_eq!(err.status(), Some(404));
        let kraken = empty_reply::<crate::kraken::KrakenEnvelope>(&reply(
            200,
            r#"{"error":["EGeneral:Invalid arguments"]}"#,
        ));
        assert!(matches!(kraken, Err(Error::Kraken(_))), "{kraken:?}");
    }

    #[test]
    fn text_and_bytes_are_the_body_of_a_2xx() {
        assert_eq!(
            raw_reply::<PlainJson>(&reply(200, "a,b\n1,2")).unwrap(),
            b"a,b\n1,2"
        );
        let err = raw_reply::<PlainJson>(&reply(500, "<html>oops</html>")).unwrap_err();
        assert_eq!(err.status(), Some(500));
    }

    #[test]
    fn an_error_inside_a_2xx_json_reply_is_the_error_not_the_file() {
        let mut error = reply(200, r#"{"error":["EGeneral:Invalid arguments"]}"#);
        error.content_type = Some("application/json; charset=utf-8".into());
        let kraken = raw_reply::<crate::kraken::KrakenEnvelope>(&error);
        assert!(matches!(kraken, Err(Error::Kraken(_))), "{kraken:?}");
        let mut zip = reply(200, "PK\u{3}\u{4}...");
        zip.content_type = Some("application/zip".into());
        assert_eq!(
            raw_reply::<crate::kraken::KrakenEnvelope>(&zip).unwrap(),
            "PK\u{3}\u{4}...".as_bytes()
        );
    }
}
