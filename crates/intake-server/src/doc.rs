//! The answers every operation can give besides its own, added to the OpenAPI document after
//! the routes are collected, so that a route added anywhere is described with them: a request
//! that cannot be read (400), no valid key (401), an id that does not exist (404), a body that
//! is too large or of the wrong type (413, 415), a body or query that breaks a rule (422), a key over its rate limit
//! (429, with `Retry-After`), and the service's own failure (500). All carry [`ErrorBody`].
//!
//! [`ErrorBody`]: crate::error::ErrorBody

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Adds the common answers to each operation of `doc` that does not describe them itself.
pub(crate) fn add_common_responses(doc: &mut OpenApi) {
    let secured_by_default = doc.security.as_ref().is_some_and(|s| !s.is_empty());
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            add_to(operation, secured_by_default);
        }
    }
}

fn add_to(operation: &mut Operation, secured_by_default: bool) {
    let secured = operation.security.as_ref().map_or(secured_by_default, |s| !s.is_empty());
    let has_path_ids = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
    let has_body = operation.request_body.is_some();
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
    let mut answers = vec![("400", "The request cannot be read (a query or body of the wrong form).")];
    if secured {
        answers.push(("401", "No API key, or an unknown or revoked one."));
    }
    if has_path_ids {
        answers.push(("404", "No such thing in the key's workspace."));
    }
    if has_body {
        answers.push(("413", "The body is larger than its limit; `details` names the setting."));
        answers.push(("415", "The body is not of a type this operation reads."));
    }
    if has_body || has_query {
        answers.push(("422", "The request breaks a rule; the message says which."));
    }
    if secured {
        answers.push(("429", "The key sent more requests than `rate_limit_per_minute` allows."));
    }
    answers.push(("500", "The service failed; its log has the cause."));
    for (status, description) in answers {
        if operation.responses.responses.contains_key(status) {
            continue;
        }
        let mut response = ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
        );
        if status == "429" {
            let seconds = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).build();
            let header = HeaderBuilder::new()
                .schema(Some(seconds))
                .description(Some("Seconds to wait before the next request."));
            response = response.header("Retry-After", header.build());
        }
        operation.responses.responses.insert(status.to_string(), RefOr::T(response.build()));
    }
}
