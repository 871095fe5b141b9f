//! The README's "Testing your own code against a fake exchange" example, verbatim, so the README
//! never shows code that does not compile or work.

#[tokio::test]
async fn fake_exchange_example_from_the_readme() -> Result<(), Box<dyn std::error::Error>> {
    use xgen_clients::okx::{CancelWithdrawalRequest, Client};
    use xgen_clients::runtime::okx::{OkxCredentials, OkxErrorKind, OkxSigner};
    use xgen_clients::runtime::Error;
    use xgen_fake_exchanges::okx::{DocumentedError, FakeOkx, Reply};

    let fake = FakeOkx::start("key", "secret", "passphrase").await;
    let signer = OkxSigner::new(OkxCredentials::new("key", "secret", "passphrase")?);
    let okx = Client::with_base_url(signer, &fake.base_url())?;
    fake.respond_once(Reply::error(DocumentedError::AlreadyCanceled));
    let request = CancelWithdrawalRequest {
        wd_id: "1123456".into(),
    };
    match okx.cancel_withdrawal(&request).await {
        Err(Error::Okx(e)) => assert_eq!(e.kind, OkxErrorKind::from_code("58220")),
        other => panic!("expected OKX's 58220, got {other:?}"),
    }
    assert_eq!(fake.requests().len(), 1);
    Ok(())
}
