//! The README's examples, verbatim, so the README never shows code that does not compile or work:
//! "Testing your own code against a fake exchange", and the function of "Knowing the outcome:
//! cancel and confirm", run against the fake OKX.

use std::time::Duration;
use xgen_clients::runtime::Error;
use xgen_clients::withdrawals::{ConfirmOptions, OkxWithdrawals, Outcome, Status};

/// Cancels an OKX withdrawal and says whether the funds stayed home.
async fn stop_withdrawal(okx: xgen_clients::okx::Client, wd_id: &str) -> Result<bool, Error> {
    let withdrawals = OkxWithdrawals::new(okx);
    let deadline = ConfirmOptions::with_deadline(Duration::from_secs(60));
    let outcome = withdrawals.cancel_and_confirm(wd_id, &deadline).await?;
    match &outcome {
        Outcome::Cancelled { .. } => println!("{outcome}"),
        Outcome::TooLate { status } => println!("sent already, as {}", status.exchange_status),
        Outcome::StillUnknown { .. } => println!("check again later: {outcome}"),
        other => println!("{other}"),
    }
    Ok(outcome.is_cancelled())
}

#[tokio::test(start_paused = true)]
async fn cancel_and_confirm_example_from_the_readme() -> Result<(), Box<dyn std::error::Error>> {
    use xgen_clients::okx::Client;
    use xgen_clients::runtime::okx::{OkxCredentials, OkxSigner};
    use xgen_fake_exchanges::okx::{CancelScript, FakeOkx, Withdrawal};

    let fake = FakeOkx::start("key", "secret", "passphrase").await;
    let signer = OkxSigner::new(OkxCredentials::new("key", "secret", "passphrase")?);
    let okx = Client::with_base_url(signer, &fake.base_url())?;
    fake.add_withdrawal(
        Withdrawal::new("1123456", "USDT", "100")
            .with_script(CancelScript::CancelsAfter { polls: 2 }),
    );
    assert!(stop_withdrawal(okx.clone(), "1123456").await?);
    fake.add_withdrawal(
        Withdrawal::new("1123457", "USDT", "100").with_script(CancelScript::AlreadyCompleted),
    );
    assert!(!stop_withdrawal(okx, "1123457").await?);
    Ok(())
}

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

/// The `rust` code block under `heading` in README.md.
fn readme_block(heading: &str) -> String {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find(heading).expect("README heading")..];
    let start = section.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let end = start + section[start..].find("```").expect("the block's end");
    section[start..end].to_owned()
}

#[test]
fn the_readme_examples_are_the_tested_code() {
    // "Calling the generated client" is the doctest of src/lib.rs, line for line.
    let doctest: String = include_str!("../../src/lib.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect();
    assert!(
        doctest.contains(&readme_block("## Calling the generated client")),
        "README's 'Calling the generated client' differs from the doctest in src/lib.rs"
    );
    // "Knowing the outcome" is this file's `stop_withdrawal`, imports included.
    assert!(
        include_str!("readme_examples.rs")
            .contains(&readme_block("## Knowing the outcome: cancel and confirm")),
        "README's cancel-and-confirm example differs from tests/clients/readme_examples.rs"
    );
}
