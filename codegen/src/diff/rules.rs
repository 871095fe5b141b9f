//! The rules of `xgen diff`, in one place: every kind of spec change it reports, how much it
//! affects code that uses the generated client, and why.
//!
//! Severities are judged against what the emitter generates (`crate::emit`), for a user in
//! another crate who builds request structs with struct literals and reads replies:
//!
//! - a request struct derives `Default` only when every field is optional;
//! - a field is `T` when required and not nullable, otherwise `Option<T>`;
//! - enums are `#[non_exhaustive]` and open: a value the client does not list decodes into the
//!   `Other(..)` variant (`OtherValue(..)` when a listed value took `Other`), never an error;
//! - `oneOf` unions are plain (exhaustive) Rust enums;
//! - path, method, body encoding, parameter placement and signing live in the generated
//!   operations table, not in any type the user names.
//!
//! A rule's severity never depends on anything but the rule: where the generated code differs
//! (a request struct with or without `Default`, a field that is `Option<T>` either way), the
//! difference is its own rule, so this table is the whole story.

use std::fmt;

/// How a change affects code using the generated client. Ordered by harm:
/// `NonBreaking < PotentiallyBreaking < Breaking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Code that compiled keeps compiling and requests that worked keep working.
    NonBreaking,
    /// Code keeps compiling, but may behave differently or see failures it did not see before.
    PotentiallyBreaking,
    /// Code stops compiling, or a request it sends starts failing.
    Breaking,
}

impl Severity {
    /// Every severity, most harmful first (the order of summaries).
    pub const ALL: &'static [Severity] = &[
        Severity::Breaking,
        Severity::PotentiallyBreaking,
        Severity::NonBreaking,
    ];

    /// The words for people: `breaking`, `potentially breaking`, `non-breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::NonBreaking => "non-breaking",
            Severity::PotentiallyBreaking => "potentially breaking",
            Severity::Breaking => "breaking",
        }
    }

    /// The stable kebab-case id used in JSON and by `--fail-on`: `breaking`,
    /// `potentially-breaking`, `non-breaking`.
    pub fn id(self) -> &'static str {
        match self {
            Severity::NonBreaking => "non-breaking",
            Severity::PotentiallyBreaking => "potentially-breaking",
            Severity::Breaking => "breaking",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One kind of spec change. Each has a fixed [`Severity`], a stable kebab-case [`Rule::id`] and
/// a one-sentence [`Rule::why`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// A new exchange folder.
    ExchangeAdded,
    /// An exchange folder is gone.
    ExchangeRemoved,
    /// The profile's `signing` plugin changed.
    SigningChanged,
    /// The profile's `envelope` changed.
    EnvelopeChanged,
    /// A base URL environment was added to the profile.
    BaseUrlAdded,
    /// A base URL environment was removed from the profile.
    BaseUrlRemoved,
    /// A base URL environment points elsewhere.
    BaseUrlChanged,
    /// A new operation.
    OperationAdded,
    /// An operation is gone.
    OperationRemoved,
    /// An operation's path changed.
    PathChanged,
    /// An operation's HTTP method changed.
    MethodChanged,
    /// An operation's body encoding changed (or it gained or lost a body).
    BodyEncodingChanged,
    /// A request field moved between body, query, path and header.
    ParamLocationChanged,
    /// An operation became signed or unsigned, or the signer fills in other fields.
    SignedChanged,
    /// The API key permissions an operation needs changed.
    PermissionsChanged,
    /// The documented rate limit allows fewer requests, or counts them differently.
    RateLimitLowered,
    /// The documented rate limit allows more requests.
    RateLimitRaised,
    /// A request field was added and is required.
    RequestFieldAddedRequired,
    /// An optional request field was added to a request struct without `Default`.
    RequestFieldAddedOptional,
    /// An optional request field was added to a request struct that derives `Default`.
    RequestFieldAddedOptionalDefault,
    /// A request field was removed.
    RequestFieldRemoved,
    /// A response field was added.
    ResponseFieldAdded,
    /// A response field was removed.
    ResponseFieldRemoved,
    /// A field was renamed, and its Rust name changed with it.
    FieldRenamed,
    /// A field's wire spelling changed but its Rust name did not (`withdrawID` → `withdrawId`).
    FieldWireNameChanged,
    /// An optional request field became required.
    RequestFieldMadeRequired,
    /// A required, non-nullable request field became optional.
    RequestFieldMadeOptional,
    /// A required, non-nullable response field became optional.
    ResponseFieldMadeOptional,
    /// An optional response field became required (and is not nullable).
    ResponseFieldMadeRequired,
    /// A nullable field became required or optional without its Rust type changing.
    NullableFieldPresenceChanged,
    /// A required field became nullable or non-nullable.
    NullableChanged,
    /// An optional field became nullable or non-nullable.
    OptionalFieldNullableChanged,
    /// A field's, parameter's or reply's type changed.
    TypeChanged,
    /// A string became a decimal string or the other way round.
    TypeFormatChanged,
    /// A value was added to an enum the caller sends.
    RequestEnumValueAdded,
    /// A value was added to an enum the client decodes.
    ResponseEnumValueAdded,
    /// A value was removed from an enum the caller sends.
    RequestEnumValueRemoved,
    /// A value was removed from an enum the client decodes.
    ResponseEnumValueRemoved,
    /// An enum value kept its wire value but got another Rust variant name.
    EnumVariantRenamed,
    /// A description, summary or title changed.
    DescriptionChanged,
}

impl Rule {
    /// Every rule, in declaration order (the README's table). `DescriptionChanged` stays the
    /// last variant: a unit test relies on it to prove this list complete.
    pub const ALL: &'static [Rule] = &[
        Rule::ExchangeAdded,
        Rule::ExchangeRemoved,
        Rule::SigningChanged,
        Rule::EnvelopeChanged,
        Rule::BaseUrlAdded,
        Rule::BaseUrlRemoved,
        Rule::BaseUrlChanged,
        Rule::OperationAdded,
        Rule::OperationRemoved,
        Rule::PathChanged,
        Rule::MethodChanged,
        Rule::BodyEncodingChanged,
        Rule::ParamLocationChanged,
        Rule::SignedChanged,
        Rule::PermissionsChanged,
        Rule::RateLimitLowered,
        Rule::RateLimitRaised,
        Rule::RequestFieldAddedRequired,
        Rule::RequestFieldAddedOptional,
        Rule::RequestFieldAddedOptionalDefault,
        Rule::RequestFieldRemoved,
        Rule::ResponseFieldAdded,
        Rule::ResponseFieldRemoved,
        Rule::FieldRenamed,
        Rule::FieldWireNameChanged,
        Rule::RequestFieldMadeRequired,
        Rule::RequestFieldMadeOptional,
        Rule::ResponseFieldMadeOptional,
        Rule::ResponseFieldMadeRequired,
        Rule::NullableFieldPresenceChanged,
        Rule::NullableChanged,
        Rule::OptionalFieldNullableChanged,
        Rule::TypeChanged,
        Rule::TypeFormatChanged,
        Rule::RequestEnumValueAdded,
        Rule::ResponseEnumValueAdded,
        Rule::RequestEnumValueRemoved,
        Rule::ResponseEnumValueRemoved,
        Rule::EnumVariantRenamed,
        Rule::DescriptionChanged,
    ];

    /// How much a change of this kind affects code using the generated client.
    pub fn severity(self) -> Severity {
        use Severity::{Breaking, NonBreaking, PotentiallyBreaking};
        match self {
            Rule::ExchangeAdded
            | Rule::BaseUrlAdded
            | Rule::BaseUrlChanged
            | Rule::OperationAdded
            | Rule::PathChanged
            | Rule::MethodChanged
            | Rule::BodyEncodingChanged
            | Rule::ParamLocationChanged
            | Rule::SignedChanged
            | Rule::RateLimitRaised
            | Rule::ResponseFieldAdded
            | Rule::FieldWireNameChanged
            | Rule::NullableFieldPresenceChanged
            | Rule::OptionalFieldNullableChanged
            | Rule::TypeFormatChanged
            | Rule::RequestEnumValueAdded
            | Rule::DescriptionChanged => NonBreaking,
            Rule::PermissionsChanged
            | Rule::RateLimitLowered
            | Rule::RequestFieldAddedOptionalDefault
            | Rule::ResponseEnumValueAdded => PotentiallyBreaking,
            Rule::ExchangeRemoved
            | Rule::SigningChanged
            | Rule::EnvelopeChanged
            | Rule::BaseUrlRemoved
            | Rule::OperationRemoved
            | Rule::RequestFieldAddedRequired
            | Rule::RequestFieldAddedOptional
            | Rule::RequestFieldRemoved
            | Rule::ResponseFieldRemoved
            | Rule::FieldRenamed
            | Rule::RequestFieldMadeRequired
            | Rule::RequestFieldMadeOptional
            | Rule::ResponseFieldMadeOptional
            | Rule::ResponseFieldMadeRequired
            | Rule::NullableChanged
            | Rule::TypeChanged
            | Rule::RequestEnumValueRemoved
            | Rule::ResponseEnumValueRemoved
            | Rule::EnumVariantRenamed => Breaking,
        }
    }

    /// One sentence: what the generated client does differently, and so why the severity.
    pub fn why(self) -> &'static str {
        match self {
            Rule::ExchangeAdded => "A new module appears in the generated crate; nothing that exists changes.",
            Rule::ExchangeRemoved => "The exchange's module and client disappear, so code that uses them stops compiling.",
            Rule::SigningChanged => "The client's constructors take the new plugin's signer type and credentials, so code that builds the client stops compiling.",
            Rule::EnvelopeChanged => "Replies are unwrapped by another envelope and the exchange's errors arrive as another `Error` variant and error kind, so code matching on them stops matching or compiling.",
            Rule::BaseUrlAdded => "A new `…_URL` constant appears on the client; nothing that exists changes.",
            Rule::BaseUrlRemoved => "Its `…_URL` constant disappears (and `Client::new` with `production`), so code that names it stops compiling.",
            Rule::BaseUrlChanged => "The constant keeps its name and a regenerated client talks to the new host by itself.",
            Rule::OperationAdded => "A new method appears on the client; nothing that exists changes.",
            Rule::OperationRemoved => "The method and its request type disappear, so code that calls it stops compiling.",
            Rule::PathChanged => "The method keeps its signature and a regenerated client sends to the new path by itself; only clients generated before the change use the old one.",
            Rule::MethodChanged => "The method keeps its signature and a regenerated client sends the new HTTP method by itself; only clients generated before the change use the old one.",
            Rule::BodyEncodingChanged => "The request type keeps its shape and a regenerated client encodes the body the new way by itself.",
            Rule::ParamLocationChanged => "The field stays in the request struct and a regenerated client sends it in its new place (body, path, query or header) by itself.",
            Rule::SignedChanged => "The method keeps its signature and a regenerated client signs the request, or stops signing it, and fills in the signer's fields by itself.",
            Rule::PermissionsChanged => "Code still compiles, but an API key without the newly named permission gets the exchange's permission error.",
            Rule::RateLimitLowered => "Code still compiles, but a caller that kept to the old limit may now be throttled with the exchange's rate-limit error.",
            Rule::RateLimitRaised => "A caller that kept to the old limit keeps to the new one.",
            Rule::RequestFieldAddedRequired => "Struct literals of the request type stop compiling without the new field, and the exchange would refuse a request without it.",
            Rule::RequestFieldAddedOptional => "The request struct has a required field, so it derives no `Default` and every struct literal must now name the new field to compile.",
            Rule::RequestFieldAddedOptionalDefault => "Every field of the request struct is optional, so it derives `Default`: literals ending in `..Default::default()` still compile, literals that name every field do not.",
            Rule::RequestFieldRemoved => "The struct field disappears, so code that sets it stops compiling.",
            Rule::ResponseFieldAdded => "The reply type gains a field that decoding fills in; code that reads replies is unaffected.",
            Rule::ResponseFieldRemoved => "The struct field disappears, so code that reads it stops compiling.",
            Rule::FieldRenamed => "The Rust field name changes with the wire name, so code that sets or reads the old name stops compiling.",
            Rule::FieldWireNameChanged => "Only the spelling on the wire changes; the Rust field keeps its name and a regenerated client uses the new spelling by itself.",
            Rule::RequestFieldMadeRequired => "The exchange refuses requests without the field, and unless it is nullable its type changes from `Option<T>` to `T`, so struct literals stop compiling.",
            Rule::RequestFieldMadeOptional => "The field's type changes from `T` to `Option<T>`, so struct literals that set a plain value stop compiling.",
            Rule::ResponseFieldMadeOptional => "The field's type changes from `T` to `Option<T>`, so code that reads it as a plain value stops compiling.",
            Rule::ResponseFieldMadeRequired => "The field's type changes from `Option<T>` to `T`, so code that matches it against `Some`/`None` stops compiling.",
            Rule::NullableFieldPresenceChanged => "The field is nullable, so it is `Option<T>` either way; only whether a `None` is left out or sent as `null` changes.",
            Rule::NullableChanged => "The field is required, so its type flips between `T` and `Option<T>` and code that sets or reads it stops compiling.",
            Rule::OptionalFieldNullableChanged => "The field is optional, so it is `Option<T>` either way and the generated code keeps its shape.",
            Rule::TypeChanged => "The Rust type changes (or what it decodes from does), so code that builds or reads the value stops compiling, or a request the exchange accepted is refused.",
            Rule::TypeFormatChanged => "Strings and decimal strings are both `String` in Rust and JSON strings on the wire; only what the text is documented to mean changes.",
            Rule::RequestEnumValueAdded => "The enum gains a variant the caller may send; code that sends the existing values is unchanged.",
            Rule::ResponseEnumValueAdded => "The generated enum is `#[non_exhaustive]` and keeps unknown values in `Other(..)`, so code still compiles and decoding never fails, but the value now arrives as its own variant instead of `Other(..)`, and code that treats it as impossible or matched it inside `Other` behaves differently.",
            Rule::RequestEnumValueRemoved => "The variant disappears, so code that sends it stops compiling, and the exchange would refuse the value anyway.",
            Rule::ResponseEnumValueRemoved => "The variant disappears, so code that names it stops compiling; if the exchange still sends the value it arrives as `Other(..)`.",
            Rule::EnumVariantRenamed => "The wire value stays but the Rust variant is named differently, so code that names the old variant stops compiling.",
            Rule::DescriptionChanged => "Only doc comments change.",
        }
    }

    /// The stable kebab-case id, used in JSON and as the fixture folder's name.
    pub fn id(self) -> &'static str {
        match self {
            Rule::ExchangeAdded => "exchange-added",
            Rule::ExchangeRemoved => "exchange-removed",
            Rule::SigningChanged => "signing-changed",
            Rule::EnvelopeChanged => "envelope-changed",
            Rule::BaseUrlAdded => "base-url-added",
            Rule::BaseUrlRemoved => "base-url-removed",
            Rule::BaseUrlChanged => "base-url-changed",
            Rule::OperationAdded => "operation-added",
            Rule::OperationRemoved => "operation-removed",
            Rule::PathChanged => "path-changed",
            Rule::MethodChanged => "method-changed",
            Rule::BodyEncodingChanged => "body-encoding-changed",
            Rule::ParamLocationChanged => "param-location-changed",
            Rule::SignedChanged => "signed-changed",
            Rule::PermissionsChanged => "permissions-changed",
            Rule::RateLimitLowered => "rate-limit-lowered",
            Rule::RateLimitRaised => "rate-limit-raised",
            Rule::RequestFieldAddedRequired => "request-field-added-required",
            Rule::RequestFieldAddedOptional => "request-field-added-optional",
            Rule::RequestFieldAddedOptionalDefault => "request-field-added-optional-default",
            Rule::RequestFieldRemoved => "request-field-removed",
            Rule::ResponseFieldAdded => "response-field-added",
            Rule::ResponseFieldRemoved => "response-field-removed",
            Rule::FieldRenamed => "field-renamed",
            Rule::FieldWireNameChanged => "field-wire-name-changed",
            Rule::RequestFieldMadeRequired => "request-field-made-required",
            Rule::RequestFieldMadeOptional => "request-field-made-optional",
            Rule::ResponseFieldMadeOptional => "response-field-made-optional",
            Rule::ResponseFieldMadeRequired => "response-field-made-required",
            Rule::NullableFieldPresenceChanged => "nullable-field-presence-changed",
            Rule::NullableChanged => "nullable-changed",
            Rule::OptionalFieldNullableChanged => "optional-field-nullable-changed",
            Rule::TypeChanged => "type-changed",
            Rule::TypeFormatChanged => "type-format-changed",
            Rule::RequestEnumValueAdded => "request-enum-value-added",
            Rule::ResponseEnumValueAdded => "response-enum-value-added",
            Rule::RequestEnumValueRemoved => "request-enum-value-removed",
            Rule::ResponseEnumValueRemoved => "response-enum-value-removed",
            Rule::EnumVariantRenamed => "enum-variant-renamed",
            Rule::DescriptionChanged => "description-changed",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_kebab_case_and_all_is_complete() {
        let ids: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), Rule::ALL.len(), "duplicate rule id");
        for id in ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id} is not kebab-case"
            );
        }
        // Discriminants run 0..N in declaration order, so ALL is complete exactly when its
        // n-th entry has discriminant n and the last variant closes it.
        for (index, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(*rule as usize, index, "{rule} is out of place in Rule::ALL");
        }
        assert_eq!(Rule::DescriptionChanged as usize + 1, Rule::ALL.len());
    }

    #[test]
    fn every_why_is_one_sentence() {
        for rule in Rule::ALL {
            let why = rule.why();
            assert!(why.ends_with('.'), "{rule}: {why}");
            assert!(!why.trim_end_matches('.').contains(". "), "{rule}: {why}");
        }
    }
}
