//! `GET /openapi.json`: an OpenAPI 3.1 document. Its paths come from the routers themselves
//! (`utoipa_axum::routes!`), so a route cannot be served undocumented; this module adds what
//! the whole document shares: info, tags, the bearer scheme and the problem schema.

use std::sync::Arc;

use axum::Json;
use axum::routing::{MethodRouter, get};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use super::error;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "signedin", description = "Sessions you can see and end: accounts, rotating refresh tokens, devices, revocation and audit events."),
    components(schemas(error::Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Signing up, in, out; refreshing tokens"),
        (name = "sessions", description = "The caller's sessions on their devices"),
        (name = "account", description = "Password and security events"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The router the API's modules merge into: it starts with the shared parts of the document.
pub fn document() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
}

/// `GET /openapi.json`, serving the document built with the router.
pub fn route(doc: utoipa::openapi::OpenApi) -> MethodRouter<AppState> {
    let doc = Arc::new(doc);
    get(move || {
        let doc = Arc::clone(&doc);
        async move { Json(doc.as_ref().clone()) }
    })
}
