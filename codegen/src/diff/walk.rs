//! The comparison: exchanges, then operations, then every type an operation reaches.
//!
//! Types are walked from each operation (its request struct, its reply), with the direction
//! they travel in, so a change in a shared type is reported under every operation that uses it:
//! a reviewer reads which methods are affected without looking the type up. A type is visited
//! once per operation and direction, which also stops the walk on recursive types.

use super::{Change, Rule};
use crate::ir::{
    Api, BodyEncoding, Enum, EnumVariant, Field, Operation, Origin, ParamLocation, Primitive,
    RateLimit, Struct, TypeDef, TypeKind, TypeName, TypeRef, Union,
};
use std::collections::{BTreeMap, BTreeSet};

/// Every change between two loaded spec sets, unsorted.
pub(super) fn apis(old: &[Api], new: &[Api]) -> Vec<Change> {
    let old: BTreeMap<&str, &Api> = old.iter().map(|a| (a.exchange.as_str(), a)).collect();
    let new: BTreeMap<&str, &Api> = new.iter().map(|a| (a.exchange.as_str(), a)).collect();
    let mut out = Vec::new();
    for (name, api) in &old {
        match new.get(name) {
            Some(newer) => {
                let start = out.len();
                exchange(api, newer, &mut out);
                for change in &mut out[start..] {
                    relative_origin(api, &mut change.old_origin);
                    relative_origin(newer, &mut change.new_origin);
                }
            }
            None => out.push(
                exchange_level(api, Rule::ExchangeRemoved, "exchange", "removed")
                    .origins(profile_origin(api, &[]), None),
            ),
        }
    }
    for (name, api) in &new {
        if !old.contains_key(name) {
            out.push(
                exchange_level(api, Rule::ExchangeAdded, "exchange", "added")
                    .origins(None, profile_origin(api, &[])),
            );
        }
    }
    out
}

/// `file#pointer` with the file relative to the specs folder, as [`Api::sources`] has it: the
/// two sides are usually read from different folders (a checkout of the base revision), and
/// the report must neither show those folders nor differ because of them.
fn relative_origin(api: &Api, origin: &mut Option<String>) {
    let Some(text) = origin.as_mut() else {
        return;
    };
    let (file, pointer) = text.split_once('#').unwrap_or((text.as_str(), ""));
    let source = api
        .sources
        .iter()
        .find(|source| std::path::Path::new(file).ends_with(source));
    if let Some(source) = source {
        *text = format!("{}#{pointer}", source.display());
    }
}

fn exchange_level(api: &Api, rule: Rule, subject: &str, detail: &str) -> Change {
    Change::new(
        &api.exchange,
        None,
        rule,
        subject.to_owned(),
        detail.to_owned(),
    )
}

/// The profile file of an exchange, as its origin (the profile is always among the sources).
fn profile_origin(api: &Api, key: &[&str]) -> Option<String> {
    let file = api.sources.iter().find(|p| p.ends_with("profile.yaml"))?;
    let origin = key
        .iter()
        .fold(Origin::root(file), |origin, segment| origin.child(segment));
    Some(origin.to_string())
}

fn exchange(old: &Api, new: &Api, out: &mut Vec<Change>) {
    let name = &new.exchange;
    let profile_change = |rule, subject: &str, key: &[&str], detail: String| {
        Change::new(name, None, rule, subject.to_owned(), detail)
            .origins(profile_origin(old, key), profile_origin(new, key))
    };
    if old.profile.signing != new.profile.signing {
        let detail = format!(
            "{} → {}",
            old.profile.signing.name, new.profile.signing.name
        );
        out.push(profile_change(
            Rule::SigningChanged,
            "signing plugin",
            &["signing"],
            detail,
        ));
    }
    if old.profile.envelope != new.profile.envelope {
        let detail = format!(
            "{} → {}",
            old.profile.envelope.name, new.profile.envelope.name
        );
        out.push(profile_change(
            Rule::EnvelopeChanged,
            "envelope",
            &["envelope"],
            detail,
        ));
    }
    for (env, url) in &old.profile.base_urls {
        let subject = format!("base URL `{env}`");
        let key = ["base_urls", env.as_str()];
        match new.profile.base_urls.get(env) {
            None => out.push(profile_change(
                Rule::BaseUrlRemoved,
                &subject,
                &key,
                format!("removed (was {url})"),
            )),
            Some(newer) if newer != url => out.push(profile_change(
                Rule::BaseUrlChanged,
                &subject,
                &key,
                format!("{url} → {newer}"),
            )),
            Some(_) => {}
        }
    }
    for (env, url) in &new.profile.base_urls {
        if !old.profile.base_urls.contains_key(env) {
            let key = ["base_urls", env.as_str()];
            out.push(profile_change(
                Rule::BaseUrlAdded,
                &format!("base URL `{env}`"),
                &key,
                format!("added ({url})"),
            ));
        }
    }
    if old.docs != new.docs {
        out.push(profile_change(
            Rule::DescriptionChanged,
            "title",
            &["title"],
            "description changed".to_owned(),
        ));
    }
    for (key, op) in &old.operations {
        match new.operations.get(key) {
            Some(newer) => operation(old, new, op, newer, out),
            None => out.push(
                Change::new(
                    name,
                    Some(&op.id),
                    Rule::OperationRemoved,
                    "operation".to_owned(),
                    format!("removed ({} {})", op.method.as_str(), op.path),
                )
                .origins(Some(op.origin.to_string()), None),
            ),
        }
    }
    for (key, op) in &new.operations {
        if !old.operations.contains_key(key) {
            out.push(
                Change::new(
                    name,
                    Some(&op.id),
                    Rule::OperationAdded,
                    "operation".to_owned(),
                    format!("added ({} {})", op.method.as_str(), op.path),
                )
                .origins(None, Some(op.origin.to_string())),
            );
        }
    }
}

fn body_word(body: crate::ir::ResponseBody) -> &'static str {
    match body {
        crate::ir::ResponseBody::Json => "JSON",
        crate::ir::ResponseBody::Empty => "empty",
        crate::ir::ResponseBody::Text => "text",
        crate::ir::ResponseBody::Bytes => "bytes",
    }
}

fn encoding_word(encoding: Option<BodyEncoding>) -> &'static str {
    match encoding {
        None => "none",
        Some(BodyEncoding::Json) => "json",
        Some(BodyEncoding::Form) => "form",
        Some(BodyEncoding::Raw) => "raw bytes",
        Some(BodyEncoding::Multipart) => "multipart",
    }
}

fn rate_limit_words(limit: Option<&RateLimit>) -> String {
    match limit {
        None => "none".to_owned(),
        Some(l) => format!("{} per {} s per {}", l.requests, l.per_seconds, l.scope),
    }
}

/// Whether `new` allows strictly more requests than `old`, counted the same way. A limit that
/// appears is a lowering (from none); one that disappears is a raise.
fn rate_limit_raised(old: Option<&RateLimit>, new: Option<&RateLimit>) -> bool {
    match (old, new) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(o), Some(n)) => {
            // requests/per_seconds compared without division: n.r / n.p > o.r / o.p.
            let faster = u64::from(n.requests) * u64::from(o.per_seconds)
                > u64::from(o.requests) * u64::from(n.per_seconds);
            faster && o.scope.eq_ignore_ascii_case(&n.scope)
        }
    }
}

/// Compares one operation present on both sides.
fn operation(
    old_api: &Api,
    new_api: &Api,
    old: &Operation,
    new: &Operation,
    out: &mut Vec<Change>,
) {
    let mut ctx = Ctx {
        old_api,
        new_api,
        exchange: &new_api.exchange,
        operation: &new.id,
        out,
    };
    let origins = || (Some(old.origin.to_string()), Some(new.origin.to_string()));
    let op_change = |ctx: &mut Ctx, rule, subject: &str, detail: String| {
        let (o, n) = origins();
        ctx.push(rule, subject.to_owned(), detail, o, n);
    };
    if old.path != new.path {
        let detail = format!("`{}` → `{}`", old.path, new.path);
        op_change(&mut ctx, Rule::PathChanged, "path", detail);
    }
    if old.method != new.method {
        let detail = format!("{} → {}", old.method.as_str(), new.method.as_str());
        op_change(&mut ctx, Rule::MethodChanged, "method", detail);
    }
    let (old_enc, new_enc) = (
        old.body.as_ref().map(|b| b.encoding),
        new.body.as_ref().map(|b| b.encoding),
    );
    if old_enc != new_enc {
        let detail = format!("{} → {}", encoding_word(old_enc), encoding_word(new_enc));
        op_change(&mut ctx, Rule::BodyEncodingChanged, "body", detail);
    }
    let (old_signing, new_signing) = (signing_words(old), signing_words(new));
    if old_signing != new_signing {
        let detail = format!("{old_signing} → {new_signing}");
        op_change(&mut ctx, Rule::SignedChanged, "signing", detail);
    }
    if old.permissions != new.permissions {
        let word = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".to_owned());
        let detail = format!("{} → {}", word(&old.permissions), word(&new.permissions));
        op_change(&mut ctx, Rule::PermissionsChanged, "permissions", detail);
    }
    let (old_limit, new_limit) = (old.rate_limit.as_ref(), new.rate_limit.as_ref());
    if rate_limit_words(old_limit) != rate_limit_words(new_limit) {
        let rule = match rate_limit_raised(old_limit, new_limit) {
            true => Rule::RateLimitRaised,
            false => Rule::RateLimitLowered,
        };
        let detail = format!(
            "{} → {}",
            rate_limit_words(old_limit),
            rate_limit_words(new_limit)
        );
        ctx.push(
            rule,
            "rate limit".to_owned(),
            detail,
            old_limit.map(|l| l.origin.to_string()),
            new_limit.map(|l| l.origin.to_string()),
        );
    }
    if old.docs != new.docs {
        op_change(
            &mut ctx,
            Rule::DescriptionChanged,
            "operation",
            "description changed".into(),
        );
    }
    if old.success_means != new.success_means {
        op_change(
            &mut ctx,
            Rule::DescriptionChanged,
            "what success means",
            "description changed".into(),
        );
    }
    if old.response_docs != new.response_docs {
        op_change(
            &mut ctx,
            Rule::DescriptionChanged,
            "response",
            "description changed".into(),
        );
    }
    request(&mut ctx, old, new);
    if old.response_body != new.response_body {
        // The method's return type changes between `T`, `()`, `String` and `Vec<u8>`.
        op_change(
            &mut ctx,
            Rule::TypeChanged,
            "response",
            format!(
                "reply {} → {}",
                body_word(old.response_body),
                body_word(new.response_body)
            ),
        );
        return;
    }
    let mut walk = Walk::new(Direction::Response, Locations::default());
    walk.type_ref(
        &mut ctx,
        &old.response,
        &new.response,
        "response",
        origins(),
    );
}

/// Whether an operation is signed and which body fields its signer owns, in words.
fn signing_words(op: &Operation) -> String {
    if !op.signed {
        return "unsigned".to_owned();
    }
    let owned: Vec<String> = op
        .signer_fields()
        .map(|f| format!("`{}`", f.wire))
        .collect();
    match owned.is_empty() {
        true => "signed".to_owned(),
        false => format!("signed, the signer sets {}", owned.join(", ")),
    }
}

/// The request struct: its presence is the method's signature; its fields are walked.
fn request(ctx: &mut Ctx<'_>, old: &Operation, new: &Operation) {
    let origins = (Some(old.origin.to_string()), Some(new.origin.to_string()));
    match (&old.request, &new.request) {
        (Some(o), Some(n)) => {
            let locations = Locations::of(old, new);
            let mut walk = Walk::new(Direction::Request, locations);
            let (o, n) = (TypeRef::Named(o.clone()), TypeRef::Named(n.clone()));
            walk.type_ref(ctx, &o, &n, "request", origins);
        }
        (None, None) => {}
        (o, n) => {
            let word =
                |t: &Option<TypeName>| t.as_ref().map_or("none".to_owned(), |t| format!("`{t}`"));
            let detail = format!("type {} → {}", word(o), word(n));
            ctx.push(
                Rule::TypeChanged,
                "request".to_owned(),
                detail,
                origins.0,
                origins.1,
            );
        }
    }
}

/// Where an operation's fixed context goes: which exchange and operation, and the output.
struct Ctx<'a> {
    old_api: &'a Api,
    new_api: &'a Api,
    exchange: &'a str,
    operation: &'a str,
    out: &'a mut Vec<Change>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        rule: Rule,
        subject: String,
        detail: String,
        old: Option<String>,
        new: Option<String>,
    ) {
        self.out.push(
            Change::new(self.exchange, Some(self.operation), rule, subject, detail)
                .origins(old, new),
        );
    }
}

/// Which way a type travels: the caller builds requests, the client decodes responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

impl Direction {
    fn word(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
        }
    }
}

/// Where each request field travels, by wire name, on each side: a parameter's location, or the
/// body. Only the operation's own request struct has locations.
#[derive(Default)]
struct Locations {
    request: Option<TypeName>,
    old: BTreeMap<String, ParamLocation>,
    new: BTreeMap<String, ParamLocation>,
}

impl Locations {
    fn of(old: &Operation, new: &Operation) -> Self {
        let map = |op: &Operation| {
            op.params
                .iter()
                .map(|p| (p.name.wire.clone(), p.location))
                .collect()
        };
        Locations {
            request: new.request.clone(),
            old: map(old),
            new: map(new),
        }
    }

    fn word(location: Option<&ParamLocation>) -> &'static str {
        match location {
            None => "body",
            Some(ParamLocation::Path) => "path",
            Some(ParamLocation::Query) => "query",
            Some(ParamLocation::Header) => "header",
        }
    }
}

/// One walk through the types of one operation in one direction.
struct Walk {
    direction: Direction,
    locations: Locations,
    /// Named types already compared in this walk.
    seen: BTreeSet<TypeName>,
}

type Origins = (Option<String>, Option<String>);

impl Walk {
    fn new(direction: Direction, locations: Locations) -> Self {
        Walk {
            direction,
            locations,
            seen: BTreeSet::new(),
        }
    }

    fn subject(&self, what: &str) -> String {
        format!("{} {what}", self.direction.word())
    }

    /// Compares two uses of a type: the same shape is walked into, a different one reported.
    /// `place` names the use (`response`, `field `Thing.id``), without the direction.
    fn type_ref(
        &mut self,
        ctx: &mut Ctx<'_>,
        old: &TypeRef,
        new: &TypeRef,
        place: &str,
        origins: Origins,
    ) {
        let (old_words, new_words) = (describe(old), describe(new));
        if old_words != new_words {
            let rule = match is_format_change(old, new) {
                true => Rule::TypeFormatChanged,
                false => Rule::TypeChanged,
            };
            let detail = format!("type {old_words} → {new_words}");
            ctx.push(rule, self.subject(place), detail, origins.0, origins.1);
            return;
        }
        // Same words, so the same named types in the same places: compare each pair once.
        let mut names = Vec::new();
        named_types(old, &mut names);
        for name in names {
            self.named(ctx, &name);
        }
    }

    fn named(&mut self, ctx: &mut Ctx<'_>, name: &TypeName) {
        if !self.seen.insert(name.clone()) {
            return;
        }
        let (Some(old), Some(new)) = (ctx.old_api.types.get(name), ctx.new_api.types.get(name))
        else {
            return;
        };
        let origins = (Some(old.origin.to_string()), Some(new.origin.to_string()));
        let new_kind = kind_word(&new.kind);
        if old.docs != new.docs {
            let subject = self.subject(&format!("{new_kind} `{name}`"));
            ctx.push(
                Rule::DescriptionChanged,
                subject,
                "description changed".to_owned(),
                origins.0.clone(),
                origins.1.clone(),
            );
        }
        match (&old.kind, &new.kind) {
            (TypeKind::Struct(o), TypeKind::Struct(n)) => self.structure(ctx, new, o, n),
            (TypeKind::Enum(o), TypeKind::Enum(n)) => self.enumeration(ctx, new, o, n, origins),
            (TypeKind::Union(o), TypeKind::Union(n)) => self.union(ctx, name, o, n, origins),
            (TypeKind::Alias(o), TypeKind::Alias(n))
            | (TypeKind::Newtype(o), TypeKind::Newtype(n)) => {
                let place = format!("type `{name}`");
                self.type_ref(ctx, o, n, &place, origins);
            }
            (o, _) => {
                let detail = format!("type {} `{name}` → {new_kind} `{name}`", kind_word(o));
                ctx.push(
                    Rule::TypeChanged,
                    self.subject(&format!("type `{name}`")),
                    detail,
                    origins.0,
                    origins.1,
                );
            }
        }
    }

    fn structure(&mut self, ctx: &mut Ctx<'_>, def: &TypeDef, old: &Struct, new: &Struct) {
        let name = &def.name;
        let old_fields: BTreeMap<&str, &Field> = old
            .fields
            .iter()
            .map(|f| (f.name.wire.as_str(), f))
            .collect();
        let new_fields: BTreeMap<&str, &Field> = new
            .fields
            .iter()
            .map(|f| (f.name.wire.as_str(), f))
            .collect();
        let removed: Vec<&Field> = old
            .fields
            .iter()
            .filter(|f| !new_fields.contains_key(f.name.wire.as_str()))
            .collect();
        let added: Vec<&Field> = new
            .fields
            .iter()
            .filter(|f| !old_fields.contains_key(f.name.wire.as_str()))
            .collect();
        let renames = renames(&removed, &added);
        let mut pairs: Vec<(&Field, &Field)> = old
            .fields
            .iter()
            .filter_map(|o| new_fields.get(o.name.wire.as_str()).map(|n| (o, *n)))
            .collect();
        for (o, n) in &renames {
            let (rule, detail) = match o.name.rust == n.name.rust {
                true => (
                    Rule::FieldWireNameChanged,
                    format!("wire name `{}` → `{}`", o.name.wire, n.name.wire),
                ),
                false => (
                    Rule::FieldRenamed,
                    format!("renamed from `{}`", o.name.wire),
                ),
            };
            let subject = self.subject(&format!("field `{name}.{}`", n.name.wire));
            ctx.push(
                rule,
                subject,
                detail,
                Some(o.origin.to_string()),
                Some(n.origin.to_string()),
            );
            pairs.push((o, n));
        }
        let renamed_old: BTreeSet<&str> =
            renames.iter().map(|(o, _)| o.name.wire.as_str()).collect();
        let renamed_new: BTreeSet<&str> =
            renames.iter().map(|(_, n)| n.name.wire.as_str()).collect();
        for field in removed
            .iter()
            .filter(|f| !renamed_old.contains(f.name.wire.as_str()))
        {
            let rule = match self.direction {
                Direction::Request => Rule::RequestFieldRemoved,
                Direction::Response => Rule::ResponseFieldRemoved,
            };
            let subject = self.subject(&format!("field `{name}.{}`", field.name.wire));
            ctx.push(
                rule,
                subject,
                "removed".to_owned(),
                Some(field.origin.to_string()),
                None,
            );
        }
        // A struct whose fields are all optional derives `Default` (see `emit::types`).
        let derives_default = new.fields.iter().all(|f| !f.required);
        for field in added
            .iter()
            .filter(|f| !renamed_new.contains(f.name.wire.as_str()))
        {
            let rule = match (self.direction, field.required, derives_default) {
                (Direction::Response, _, _) => Rule::ResponseFieldAdded,
                (Direction::Request, true, _) => Rule::RequestFieldAddedRequired,
                (Direction::Request, false, false) => Rule::RequestFieldAddedOptional,
                (Direction::Request, false, true) => Rule::RequestFieldAddedOptionalDefault,
            };
            let presence = match field.required {
                true => "required",
                false => "optional",
            };
            let nullable = match field.nullable {
                true => ", nullable",
                false => "",
            };
            let detail = format!("added ({presence}{nullable}, {})", describe(&field.ty));
            let subject = self.subject(&format!("field `{name}.{}`", field.name.wire));
            ctx.push(rule, subject, detail, None, Some(field.origin.to_string()));
        }
        for (o, n) in pairs {
            self.field(ctx, name, o, n);
        }
        self.additional(ctx, def, old, new);
    }

    /// `additionalProperties`: a flattened map field of the struct.
    fn additional(&mut self, ctx: &mut Ctx<'_>, def: &TypeDef, old: &Struct, new: &Struct) {
        let origins = (Some(def.origin.to_string()), Some(def.origin.to_string()));
        let place = format!("type `{}` additional properties", def.name);
        match (&old.additional, &new.additional) {
            (Some(o), Some(n)) => self.type_ref(ctx, o, n, &place, origins),
            (None, None) => {}
            (o, n) => {
                let word = |t: &Option<TypeRef>| {
                    t.as_ref()
                        .map_or("none".to_owned(), |t| format!("map of {}", describe(t)))
                };
                let detail = format!("type {} → {}", word(o), word(n));
                ctx.push(
                    Rule::TypeChanged,
                    self.subject(&place),
                    detail,
                    origins.0,
                    origins.1,
                );
            }
        }
    }

    fn field(&mut self, ctx: &mut Ctx<'_>, owner: &TypeName, old: &Field, new: &Field) {
        let place = format!("field `{owner}.{}`", new.name.wire);
        let origins = || (Some(old.origin.to_string()), Some(new.origin.to_string()));
        let subject = self.subject(&place);
        if Some(owner) == self.locations.request.as_ref() {
            let o = Locations::word(self.locations.old.get(&old.name.wire));
            let n = Locations::word(self.locations.new.get(&new.name.wire));
            if o != n {
                let (a, b) = origins();
                ctx.push(
                    Rule::ParamLocationChanged,
                    subject.clone(),
                    format!("moved from {o} to {n}"),
                    a,
                    b,
                );
            }
        }
        if old.required != new.required {
            let (a, b) = origins();
            let detail = match new.required {
                true => "made required",
                false => "made optional",
            };
            ctx.push(
                self.presence_rule(old, new),
                subject.clone(),
                detail.to_owned(),
                a,
                b,
            );
        }
        if old.nullable != new.nullable {
            let rule = match old.required == new.required && is_option(old) != is_option(new) {
                true => Rule::NullableChanged,
                false => Rule::OptionalFieldNullableChanged,
            };
            let detail = match new.nullable {
                true => "made nullable",
                false => "made non-nullable",
            };
            let (a, b) = origins();
            ctx.push(rule, subject.clone(), detail.to_owned(), a, b);
        }
        if old.docs != new.docs {
            let (a, b) = origins();
            ctx.push(
                Rule::DescriptionChanged,
                subject,
                "description changed".to_owned(),
                a,
                b,
            );
        }
        self.type_ref(ctx, &old.ty, &new.ty, &place, origins());
    }

    /// The rule for a field that became required or optional: what its Rust type does.
    fn presence_rule(&self, old: &Field, new: &Field) -> Rule {
        match (self.direction, new.required) {
            // Whatever its Rust type does, the exchange now refuses a request without it.
            (Direction::Request, true) => Rule::RequestFieldMadeRequired,
            _ if is_option(old) == is_option(new) => Rule::NullableFieldPresenceChanged,
            (Direction::Request, false) => Rule::RequestFieldMadeOptional,
            (Direction::Response, false) => Rule::ResponseFieldMadeOptional,
            (Direction::Response, true) => Rule::ResponseFieldMadeRequired,
        }
    }

    fn enumeration(
        &mut self,
        ctx: &mut Ctx<'_>,
        def: &TypeDef,
        old: &Enum,
        new: &Enum,
        origins: Origins,
    ) {
        let subject = self.subject(&format!("enum `{}`", def.name));
        let push = |ctx: &mut Ctx<'_>, rule, detail: String| {
            ctx.push(
                rule,
                subject.clone(),
                detail,
                origins.0.clone(),
                origins.1.clone(),
            );
        };
        if old.repr != new.repr || old.fallback.is_some() != new.fallback.is_some() {
            let detail = format!("type {} → {}", enum_words(old), enum_words(new));
            push(ctx, Rule::TypeChanged, detail);
            return;
        }
        let find = |variants: &'_ [EnumVariant], v: &EnumVariant| {
            variants.iter().find(|w| w.value == v.value).cloned()
        };
        for variant in &old.variants {
            match find(&new.variants, variant) {
                None => {
                    let rule = match self.direction {
                        Direction::Request => Rule::RequestEnumValueRemoved,
                        Direction::Response => Rule::ResponseEnumValueRemoved,
                    };
                    push(ctx, rule, format!("value {} removed", value_words(variant)));
                }
                Some(newer) => {
                    if newer.name != variant.name {
                        let detail = format!(
                            "value `{}`: variant `{}` → `{}`",
                            variant.value, variant.name, newer.name
                        );
                        push(ctx, Rule::EnumVariantRenamed, detail);
                    }
                    if newer.docs != variant.docs {
                        let detail = format!("value `{}`: description changed", variant.value);
                        push(ctx, Rule::DescriptionChanged, detail);
                    }
                }
            }
        }
        for variant in &new.variants {
            if find(&old.variants, variant).is_none() {
                let rule = match self.direction {
                    Direction::Request => Rule::RequestEnumValueAdded,
                    Direction::Response => Rule::ResponseEnumValueAdded,
                };
                push(ctx, rule, format!("value {} added", value_words(variant)));
            }
        }
    }

    fn union(
        &mut self,
        ctx: &mut Ctx<'_>,
        name: &TypeName,
        old: &Union,
        new: &Union,
        origins: Origins,
    ) {
        let names = |u: &Union| {
            u.variants
                .iter()
                .map(|v| v.name.to_string())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        if names(old) != names(new) {
            let detail = format!("type one of {} → one of {}", names(old), names(new));
            ctx.push(
                Rule::TypeChanged,
                self.subject(&format!("union `{name}`")),
                detail,
                origins.0,
                origins.1,
            );
            return;
        }
        for (o, n) in old.variants.iter().zip(&new.variants) {
            let place = format!("union `{name}` variant `{}`", n.name);
            self.type_ref(ctx, &o.ty, &n.ty, &place, origins.clone());
        }
    }
}

/// Removed and added fields that are one field renamed: the same type, and the same
/// description or the same letters ignoring case and separators. Only unambiguous pairs count.
fn renames<'f>(removed: &[&'f Field], added: &[&'f Field]) -> Vec<(&'f Field, &'f Field)> {
    let alike = |o: &Field, n: &Field| {
        let same_docs = !o.docs.is_empty() && o.docs == n.docs;
        describe(&o.ty) == describe(&n.ty)
            && (same_docs || letters(&o.name.wire) == letters(&n.name.wire))
    };
    let mut pairs = Vec::new();
    for o in removed {
        let candidates: Vec<&&Field> = added.iter().filter(|n| alike(o, n)).collect();
        if let [n] = candidates.as_slice() {
            let rivals = removed.iter().filter(|r| alike(r, n)).count();
            if rivals == 1 {
                pairs.push((*o, **n));
            }
        }
    }
    pairs
}

fn letters(wire: &str) -> String {
    wire.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether the generated field is `Option<T>` (see `emit::types::struct_field`).
fn is_option(field: &Field) -> bool {
    !field.required || field.nullable
}

/// A type in the words of the spec formats: `string`, `array of integer`, `` `Thing` ``.
fn describe(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Primitive(p) => primitive_word(*p).to_owned(),
        TypeRef::Named(name) => format!("`{name}`"),
        TypeRef::Array(item) => format!("array of {}", describe(item)),
        TypeRef::Map(value) => format!("map of {}", describe(value)),
        TypeRef::Any => "any".to_owned(),
    }
}

fn primitive_word(p: Primitive) -> &'static str {
    match p {
        Primitive::String => "string",
        Primitive::DecimalString => "decimal",
        Primitive::Bool => "boolean",
        Primitive::I32 => "int32",
        Primitive::I64 => "integer",
        Primitive::U64 => "unsigned integer",
        Primitive::F64 => "number",
        Primitive::Bytes => "bytes",
    }
}

/// String ↔ decimal string, at the same place in the same shape: both are `String` in Rust.
fn is_format_change(old: &TypeRef, new: &TypeRef) -> bool {
    let text = |t: &TypeRef| describe(t).replace("decimal", "string");
    text(old) == text(new)
}

fn named_types(ty: &TypeRef, out: &mut Vec<TypeName>) {
    match ty {
        TypeRef::Named(name) => out.push(name.clone()),
        TypeRef::Array(inner) | TypeRef::Map(inner) => named_types(inner, out),
        TypeRef::Primitive(_) | TypeRef::Any => {}
    }
}

fn kind_word(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "struct",
        TypeKind::Enum(_) => "enum",
        TypeKind::Union(_) => "union",
        TypeKind::Alias(_) => "alias",
        TypeKind::Newtype(_) => "newtype",
    }
}

fn enum_words(e: &Enum) -> String {
    let repr = match e.repr {
        crate::ir::EnumRepr::String => "string enum",
        crate::ir::EnumRepr::Integer => "integer enum",
    };
    match e.fallback {
        Some(_) => format!("open {repr}"),
        None => format!("closed {repr}"),
    }
}

/// `` `-4` `` or `` `-4` (`Expired`) `` when the Rust variant is not just the value.
fn value_words(variant: &EnumVariant) -> String {
    let value = variant.value.to_string();
    match TypeName::variant(&value) == variant.name {
        true => format!("`{value}`"),
        false => format!("`{value}` (`{}`)", variant.name),
    }
}
