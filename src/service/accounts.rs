//! Accounts: signing up and in, the password and the step-up that guards what matters.

use super::SessionService;
use super::{Principal, SignedIn};
use crate::account::{Email, Password};
use crate::audit::{AuditDetail, AuditEvent, PasswordCheck, SignInNovelty};
use crate::device::ClientHints;
use crate::error::{DomainError, DomainResult};
use crate::geo::Place;
use crate::rate_limit::Door;
use crate::session::{DeviceContext, EndReason};
use crate::store::{LiveSessionRow, NewSession, NewUser};
use crate::time::Timestamp;
use crate::token::{RefreshToken, random_id};

impl SessionService {
    #[tracing::instrument(skip_all, fields(ip = %device.ip))]
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        device: &DeviceContext,
    ) -> DomainResult<String> {
        let email = Email::parse(email)?;
        let password = Password::new_password(password)?;
        self.limit(Door::SignInPerIp, &self.ip_key(device)).await?;
        let password_hash = self.0.hasher.hash(&password).await?;
        let now = self.now();
        let user = NewUser {
            id: random_id()?,
            email: email.as_str().to_owned(),
            email_normalized: email.normalized().to_owned(),
            password_hash,
            created_at: now,
        };
        let event = AuditEvent::account_created(&user.id, device, now);
        self.0.store.create_user(&user, &event).await?;
        tracing::info!(user_id = %user.id, "account created");
        Ok(user.id)
    }

    /// Checks the password and starts a session on `device`. An unknown email and a wrong
    /// password cost the same time and get the same answer.
    #[tracing::instrument(skip_all, fields(ip = %device.ip))]
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        device: &DeviceContext,
    ) -> DomainResult<SignedIn> {
        let signed_in = self.check_and_sign_in(email, password, device).await;
        crate::metrics::sign_in(&signed_in);
        signed_in
    }

    async fn check_and_sign_in(
        &self,
        email: &str,
        password: &str,
        device: &DeviceContext,
    ) -> DomainResult<SignedIn> {
        let email = Email::parse(email).map_err(|_| DomainError::InvalidCredentials)?;
        let ip = self.ip_key(device);
        self.limit(Door::SignInPerIp, &ip).await?;
        self.limit(
            Door::SignInPerAccount,
            &format!("{}|{ip}", email.normalized()),
        )
        .await?;
        // Taken now and given back on success, so concurrent guesses cannot overdraw it.
        self.limit(Door::SignInFailures, email.normalized()).await?;
        let user = self.0.store.find_user_by_email(email.normalized()).await?;
        let candidate = Password::candidate(password);
        let matches = self
            .0
            .hasher
            .verify(&candidate, user.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        let now = self.now();
        let user = match user {
            Some(user) if matches => {
                self.refund(Door::SignInFailures, email.normalized())
                    .await?;
                user
            }
            user => {
                let user_id = user.as_ref().map(|u| u.id.as_str());
                return self
                    .refuse_sign_in(user_id, device, now, "sign-in refused")
                    .await;
            }
        };

        let description = self.describe(&device.user_agent, &device.client_hints, &device.ip);
        let place = description
            .location
            .as_ref()
            .and_then(|l| l.place().cloned());
        let label = description.label.label.clone();
        let (new_location, new_device) =
            self.novelty(&user.id, place.as_ref(), &label, now).await?;
        let session_id = random_id()?;
        let refresh_token = RefreshToken::generate()?;
        let session = NewSession {
            session_id: session_id.clone(),
            user_id: user.id.clone(),
            token: refresh_token.hash(),
            device: device.clone(),
            description: Some(description.clone()),
            signed_in_at: now,
            expires_at: self.0.policy.refresh_expires_at(now, now),
            new_location,
            verified_password_hash: user.password_hash.clone(),
        };
        let seen = SignInNovelty {
            place: place.as_ref(),
            new_location,
            label: &label,
            new_device,
        };
        let event = AuditEvent::sign_in(&user.id, &session_id, device, seen, now);
        let policy = &self.0.policy;
        let evicted = match self.0.store.create_session(&session, &event, policy).await {
            // The password was changed while this sign-in was checking the old one: answer
            // as for a wrong password, which is what it now is.
            Err(DomainError::InvalidCredentials) => {
                let why = "sign-in refused: the password changed while it was checked";
                return self.refuse_sign_in(Some(&user.id), device, now, why).await;
            }
            created => created?,
        };
        tracing::info!(user_id = %user.id, session = %&session.token.prefix(), new_location, "signed in");
        for target in &evicted {
            tracing::info!(user_id = %user.id, session = %target.jti_prefix, limit = policy.max_sessions, "least recently used session signed out: session cap reached");
        }

        let row = LiveSessionRow {
            session_id: session_id.clone(),
            user_id: user.id.clone(),
            // A new sign-in is a new session: it has no name until its owner gives one.
            name: None,
            jti_prefix: session.token.prefix().to_owned(),
            user_agent: device.user_agent.clone(),
            ip: device.ip.clone(),
            client_hints: device.client_hints.to_json(),
            // The description is at hand: nothing to read back from the stored columns.
            device: None,
            location: None,
            created_at: now,
            last_used_at: now,
            signed_in_at: now,
            expires_at: session.expires_at,
            new_location,
        };
        let tokens = self
            .issue(&user.id, &session_id, refresh_token, now)
            .await?;
        Ok(SignedIn {
            tokens,
            email: user.email,
            session: Self::described(row, description, &session_id),
            new_location,
        })
    }

    /// A refused sign-in: audited, and answered the same whatever the reason.
    async fn refuse_sign_in<T>(
        &self,
        user_id: Option<&str>,
        device: &DeviceContext,
        now: Timestamp,
        why: &'static str,
    ) -> DomainResult<T> {
        let event = AuditEvent::sign_in_failed(user_id, device, now);
        self.0.store.append_audit(&event).await?;
        tracing::info!("{why}");
        Err(DomainError::InvalidCredentials)
    }

    /// Whether this sign-in's place and device are new on the account: a place is new when
    /// no sign-in of this user in the window came from the same country and (when known)
    /// city; a device when none had the same label ("Chrome on Windows"). The very first
    /// sign-in has nothing to compare with and is flagged for neither.
    async fn novelty(
        &self,
        user_id: &str,
        place: Option<&Place>,
        label: &str,
        now: Timestamp,
    ) -> DomainResult<(bool, bool)> {
        let since = now.minus(self.0.policy.new_location_window);
        let earlier = self.0.store.sign_ins_since(user_id, since).await?;
        if earlier.is_empty() {
            return Ok((false, false));
        }
        let no_hints = ClientHints::default();
        let (mut place_seen, mut device_seen) = (place.is_none(), false);
        for record in &earlier {
            let AuditDetail::SignIn {
                country_code,
                city,
                device,
                ..
            } = &record.event.detail
            else {
                continue;
            };
            if let Some(place) = place {
                place_seen |= country_code.as_deref() == Some(place.country_code.as_str())
                    && (place.city.is_none() || city.as_deref() == place.city.as_deref());
            }
            if !device_seen {
                // Rows written before labels were recorded: label their user agent now.
                device_seen = match device {
                    Some(seen) => seen == label,
                    None => record
                        .event
                        .user_agent
                        .as_deref()
                        .is_some_and(|ua| self.0.labeler.label(ua, &no_hints).label == label),
                };
            }
            if place_seen && device_seen {
                break;
            }
        }
        Ok((!place_seen, !device_seen))
    }

    /// Confirms the password again, which unlocks step-up actions for a while.
    pub async fn reauthenticate(
        &self,
        who: &Principal,
        password: &str,
        device: &DeviceContext,
    ) -> DomainResult<()> {
        self.limit(Door::ReauthPerIp, &self.ip_key(device)).await?;
        self.limit(Door::ReauthPerSession, &who.session_id).await?;
        self.verify_password(who, password, PasswordCheck::Reauthentication, device)
            .await?;
        let event =
            AuditEvent::reauthenticated(&who.user_id, &who.session_id, Some(device), self.now());
        self.0
            .store
            .mark_reauthenticated(&who.session_id, &event)
            .await
    }

    /// Checks a signed-in session's password; a wrong one is audited (`reauth_failed`) so the
    /// owner sees a stolen session guessing.
    async fn verify_password(
        &self,
        who: &Principal,
        password: &str,
        check: PasswordCheck,
        device: &DeviceContext,
    ) -> DomainResult<()> {
        let user = self
            .0
            .store
            .find_user(&who.user_id)
            .await?
            .ok_or(DomainError::UserNotFound)?;
        let matches = self
            .0
            .hasher
            .verify(&Password::candidate(password), Some(&user.password_hash))
            .await?;
        if matches {
            return Ok(());
        }
        let event = AuditEvent::reauth_failed(
            &who.user_id,
            &who.session_id,
            check,
            Some(device),
            self.now(),
        );
        self.0.store.append_audit(&event).await?;
        tracing::info!(
            check = check.as_str(),
            "wrong password from a signed-in session"
        );
        Err(DomainError::WrongPassword)
    }

    pub(super) fn require_recent_auth(&self, who: &Principal) -> DomainResult<()> {
        if self
            .0
            .policy
            .reauth_is_fresh(who.reauthenticated_at, self.now())
        {
            Ok(())
        } else {
            Err(DomainError::ReauthRequired)
        }
    }

    pub async fn user_email(&self, who: &Principal) -> DomainResult<String> {
        let user = self
            .0
            .store
            .find_user(&who.user_id)
            .await?
            .ok_or(DomainError::UserNotFound)?;
        Ok(user.email)
    }

    /// Changes the password (needs a recent sign-in and the current password); by default
    /// every other session is signed out with it. Returns how many were.
    pub async fn change_password(
        &self,
        who: &Principal,
        current_password: &str,
        new_password: &str,
        sign_out_other_sessions: bool,
        device: &DeviceContext,
    ) -> DomainResult<u64> {
        self.change_password_confirmed(
            who,
            current_password,
            new_password,
            sign_out_other_sessions,
            device,
            Confirmed::ByRecentSignIn,
        )
        .await
    }

    /// Changes the password for a caller who has just typed the current one (the page's form):
    /// that entry is the re-authentication, limited as `/auth/reauth`'s is (per address and per
    /// session) and checked once, so a session whose last entry is old needs no separate step.
    /// The API keeps [`Self::change_password`], which asks for a recent entry before this one.
    pub async fn change_password_with_entry(
        &self,
        who: &Principal,
        current_password: &str,
        new_password: &str,
        sign_out_other_sessions: bool,
        device: &DeviceContext,
    ) -> DomainResult<u64> {
        self.change_password_confirmed(
            who,
            current_password,
            new_password,
            sign_out_other_sessions,
            device,
            Confirmed::ByThisEntry,
        )
        .await
    }

    /// The one password change: the new password checked first, the caller confirmed as
    /// `confirmed` says, the current password verified once; then the new password stored
    /// and, when asked, every other session ended, in one transaction with its audit event.
    async fn change_password_confirmed(
        &self,
        who: &Principal,
        current_password: &str,
        new_password: &str,
        sign_out_other_sessions: bool,
        device: &DeviceContext,
        confirmed: Confirmed,
    ) -> DomainResult<u64> {
        let new_password = Password::new_password_for(new_password, "new_password")?;
        match confirmed {
            Confirmed::ByRecentSignIn => self.require_recent_auth(who)?,
            Confirmed::ByThisEntry => self.limit(Door::ReauthPerIp, &self.ip_key(device)).await?,
        }
        self.limit(Door::ReauthPerSession, &who.session_id).await?;
        self.verify_password(who, current_password, PasswordCheck::PasswordChange, device)
            .await?;
        let hash = self.0.hasher.hash(&new_password).await?;
        let now = self.now();
        let mut tx = self.0.store.begin().await?;
        tx.set_password(&who.user_id, &hash, now).await?;
        let signed_out = if sign_out_other_sessions {
            let reason = EndReason::PasswordChanged;
            let keep = Some(who.session_id.as_str());
            tx.end_live_sessions(&who.user_id, keep, reason, &self.0.policy, now)
                .await?
        } else {
            0
        };
        let event = AuditEvent::password_changed(
            &who.user_id,
            &who.session_id,
            Some(device),
            signed_out,
            now,
        );
        tx.append_audit(&event).await?;
        tx.commit().await?;
        Ok(signed_out)
    }
}

/// How a password change knows the caller is the account's owner, beyond the current
/// password it always checks.
enum Confirmed {
    /// A password entered within the policy's window (the API's rule).
    ByRecentSignIn,
    /// The current password typed for this very change, limited as a re-authentication.
    ByThisEntry,
}
