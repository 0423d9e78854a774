//! Who a request is from by the session cookies, for the devices page, forward-auth and the
//! browser client alike: a valid access cookie, or else the refresh cookie renewed on the spot.
//! The grace window makes renewal safe when several tabs (or a page's many requests behind a
//! gateway) do it at once: each is handed the same successor.

use super::{IssuedTokens, Principal, SessionService};
use crate::error::{DomainError, DomainResult, TokenRejection};
use crate::session::DeviceContext;
use crate::session_cookies::SessionCookies;

/// What the cookies said.
#[derive(Debug, Clone)]
pub struct CookieAuth {
    /// The caller, when the cookies lead to a live session.
    pub principal: Option<Principal>,
    /// New tokens, when the refresh cookie was used: the caller must set them as cookies.
    pub renewed: Option<IssuedTokens>,
    /// Cookies were sent but lead nowhere: the caller should clear them, so the browser stops
    /// sending them. Never when a newer refresh cookie has already replaced the one sent.
    pub stale: bool,
}

impl SessionService {
    pub async fn authenticate_cookies(
        &self,
        cookies: SessionCookies<'_>,
        device: &DeviceContext,
    ) -> DomainResult<CookieAuth> {
        let mut principal = match cookies.access.filter(|a| !a.is_empty()) {
            Some(access) => self.live_principal(access, device).await?,
            None => None,
        };
        let mut renewed = None;
        let mut superseded = false;
        if principal.is_none()
            && let Some(refresh) = cookies.refresh.filter(|r| !r.is_empty())
        {
            match self.refresh(refresh, device).await {
                Ok(tokens) => {
                    principal = self
                        .live_principal(tokens.access_token.expose(), device)
                        .await?;
                    renewed = Some(tokens);
                }
                // Another tab or request renewed first: the browser already holds (or is about
                // to receive) the newer cookie, which clearing would destroy.
                Err(DomainError::RefreshRejected(TokenRejection::Superseded)) => superseded = true,
                Err(DomainError::RefreshRejected(_)) => {}
                Err(other) => return Err(other),
            }
        }
        let stale = principal.is_none()
            && !superseded
            && (cookies.access.is_some() || cookies.refresh.is_some());
        Ok(CookieAuth {
            principal,
            renewed,
            stale,
        })
    }

    /// The principal of a valid access token whose session is live; `None` if it is not.
    async fn live_principal(
        &self,
        access_token: &str,
        device: &DeviceContext,
    ) -> DomainResult<Option<Principal>> {
        match self.authenticate(access_token, Some(device)).await {
            Ok(principal) => Ok(Some(principal)),
            Err(DomainError::AccessRejected(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
}
