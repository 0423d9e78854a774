//! `GET /openapi.json`: an OpenAPI 3.1 document generated from the handlers and types.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{auth, error, me};

#[derive(OpenApi)]
#[openapi(
    info(title = "signedin", description = "Sessions you can see and end: accounts, rotating refresh tokens, devices, revocation and audit events."),
    paths(
        auth::signup, auth::login, auth::refresh, auth::reauth, auth::logout, auth::check,
        me::list_sessions, me::revoke_session, me::revoke_sessions, me::change_password, me::security_events,
    ),
    components(schemas(error::Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Signing up, in, out; refreshing tokens"),
        (name = "sessions", description = "The caller's sessions on their devices"),
        (name = "account", description = "Password and security events"),
    )
)]
pub struct ApiDoc;

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

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
