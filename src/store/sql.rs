//! The statements of the session store, written once for both SQLite and PostgreSQL.
//!
//! Both dialects accept `$n` parameters, `RETURNING` and `ON CONFLICT`, and `Timestamp`
//! encodes natively on each (see `timestamp.rs`), so the only differences are how a write
//! transaction begins and how a session row is locked; the macro takes those two strings.

macro_rules! session_store_impl {
    ($store:ident, $db:ty, $begin:literal, $for_update:literal) => {
        #[allow(clippy::too_many_arguments)]
        impl $store {
            pub async fn ping(&self) -> $crate::error::DomainResult<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await?;
                Ok(())
            }

            pub async fn token_owner(
                &self,
                token: &$crate::token::TokenHash,
            ) -> $crate::error::DomainResult<Option<$crate::store::TokenOwner>> {
                use sqlx::Row as _;
                let row = sqlx::query("SELECT session_id, user_id FROM refresh_tokens WHERE jti_hash = $1")
                    .bind(token.as_str())
                    .fetch_optional(self.reader())
                    .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::TokenOwner {
                    session_id: row.try_get("session_id")?,
                    user_id: row.try_get("user_id")?,
                }))
            }

            pub async fn server_secret(
                &self,
                candidate: &str,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<String> {
                sqlx::query(
                    "INSERT INTO server_secrets (name, value, created_at) VALUES ('access_token_key', $1, $2) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(candidate)
                .bind(now)
                .execute(self.writer())
                .await?;
                let row = sqlx::query("SELECT value FROM server_secrets WHERE name = 'access_token_key'")
                    .fetch_one(self.writer())
                    .await?;
                Ok(sqlx::Row::try_get(&row, "value")?)
            }

            pub async fn create_user(
                &self,
                user: &$crate::store::NewUser,
                event: &$crate::audit::AuditEvent,
            ) -> $crate::error::DomainResult<()> {
                let mut tx = self.writer().begin_with($begin).await?;
                let inserted = sqlx::query(
                    "INSERT INTO users (id, email, email_normalized, password_hash, created_at, password_changed_at) \
                     VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(&user.id)
                .bind(&user.email)
                .bind(&user.email_normalized)
                .bind(&user.password_hash)
                .bind(user.created_at)
                .execute(&mut *tx)
                .await;
                match inserted {
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err($crate::error::DomainError::EmailTaken);
                    }
                    other => {
                        other?;
                    }
                }
                Self::insert_audit(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            pub async fn find_user_by_email(
                &self,
                email_normalized: &str,
            ) -> $crate::error::DomainResult<Option<$crate::store::UserRow>> {
                let row = sqlx::query(
                    "SELECT id, email, password_hash, created_at FROM users WHERE email_normalized = $1",
                )
                .bind(email_normalized)
                .fetch_optional(self.reader())
                .await?;
                row.map(|row| Self::user_row(&row)).transpose()
            }

            pub async fn find_user(
                &self,
                user_id: &str,
            ) -> $crate::error::DomainResult<Option<$crate::store::UserRow>> {
                let row = sqlx::query("SELECT id, email, password_hash, created_at FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|row| Self::user_row(&row)).transpose()
            }

            pub async fn change_password(
                &self,
                user_id: &str,
                password_hash: &str,
                keep_session: &str,
                sign_out_others: bool,
                device: Option<&$crate::session::DeviceContext>,
                policy: &$crate::policy::Policy,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<u64> {
                let mut tx = self.writer().begin_with($begin).await?;
                sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
                    .bind(password_hash)
                    .bind(now)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                let signed_out = if sign_out_others {
                    Self::end_sessions(
                        &mut tx,
                        user_id,
                        keep_session,
                        $crate::session::EndReason::PasswordChanged,
                        policy,
                        now,
                    )
                    .await?
                } else {
                    0
                };
                let event = $crate::audit::AuditEvent::password_changed(
                    user_id,
                    keep_session,
                    device,
                    signed_out,
                    now,
                );
                Self::insert_audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(signed_out)
            }

            pub async fn create_session(
                &self,
                session: &$crate::store::NewSession,
                event: &$crate::audit::AuditEvent,
            ) -> $crate::error::DomainResult<()> {
                let mut tx = self.writer().begin_with($begin).await?;
                // The password the sign-in checked must still be the account's: a password
                // change that committed while the hash was being verified would otherwise
                // leave a session made with the old password alive after "sign out other
                // sessions". The lock (PostgreSQL; SQLite's writer is already exclusive)
                // orders this against `change_password`: whichever commits second sees the
                // other's write.
                let current_hash: Option<String> = sqlx::query_scalar(concat!(
                    "SELECT password_hash FROM users WHERE id = $1",
                    $for_update
                ))
                .bind(&session.user_id)
                .fetch_optional(&mut *tx)
                .await?;
                if current_hash.as_deref() != Some(session.verified_password_hash.as_str()) {
                    tx.rollback().await?;
                    return Err($crate::error::DomainError::InvalidCredentials);
                }
                sqlx::query(
                    "INSERT INTO sessions (id, user_id, signed_in_at, last_used_at, reauthenticated_at, new_location) \
                     VALUES ($1, $2, $3, $3, $3, $4)",
                )
                .bind(&session.session_id)
                .bind(&session.user_id)
                .bind(session.signed_in_at)
                .bind(session.new_location)
                .execute(&mut *tx)
                .await?;
                Self::insert_token(
                    &mut tx,
                    &session.token,
                    &session.session_id,
                    &session.user_id,
                    &session.device,
                    session.signed_in_at,
                    session.expires_at,
                    session.signed_in_at,
                )
                .await?;
                Self::insert_audit(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            pub async fn refresh(
                &self,
                request: $crate::store::RefreshRequest<'_>,
            ) -> $crate::error::DomainResult<$crate::store::RefreshOutcome> {
                use sqlx::Row as _;
                use $crate::error::TokenRejection;
                use $crate::rotation::RotationDecision;
                use $crate::store::RefreshOutcome;

                let now = request.now;
                let session_id = request.session_id.to_owned();
                let mut tx = self.writer().begin_with($begin).await?;
                let session = sqlx::query(concat!(
                    "SELECT user_id, signed_in_at, last_used_at, revoked_at FROM sessions WHERE id = $1",
                    $for_update
                ))
                .bind(&session_id)
                .fetch_one(&mut *tx)
                .await?;
                let user_id: String = session.try_get("user_id")?;
                let signed_in_at: $crate::time::Timestamp = session.try_get("signed_in_at")?;
                let times = $crate::session::SessionTimes {
                    signed_in_at,
                    last_used_at: session.try_get("last_used_at")?,
                    revoked_at: session.try_get("revoked_at")?,
                };
                let state = request.policy.session_state(&times, now);

                let decision = match $crate::rotation::decide_for_session(state) {
                    Some(decision) => decision,
                    None => {
                        let rotated = sqlx::query(
                            "UPDATE refresh_tokens SET revoked_at = $1, revoked_reason = $2, replaced_by = $3, last_used_at = $1 \
                             WHERE jti_hash = $4 AND revoked_at IS NULL AND expires_at > $1 RETURNING jti_prefix",
                        )
                        .bind(now)
                        .bind($crate::rotation::ROTATED)
                        .bind(request.successor.as_str())
                        .bind(request.presented.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                        if rotated.is_some() {
                            let expires_at = request.policy.refresh_expires_at(signed_in_at, now);
                            Self::insert_token(
                                &mut tx,
                                request.successor,
                                &session_id,
                                &user_id,
                                request.device,
                                now,
                                expires_at,
                                signed_in_at,
                            )
                            .await?;
                            sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE id = $2")
                                .bind(now)
                                .bind(&session_id)
                                .execute(&mut *tx)
                                .await?;
                            tx.commit().await?;
                            return Ok(RefreshOutcome::Rotated { user_id, session_id });
                        }
                        let token = sqlx::query(
                            "SELECT expires_at, revoked_at, revoked_reason, replaced_by FROM refresh_tokens WHERE jti_hash = $1",
                        )
                        .bind(request.presented.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                        let token = $crate::rotation::PresentedToken {
                            expires_at: token.try_get("expires_at")?,
                            revoked_at: token.try_get("revoked_at")?,
                            revoked_reason: token.try_get("revoked_reason")?,
                            replaced_by: token.try_get("replaced_by")?,
                        };
                        let successor_agent: Option<String> = sqlx::query(
                            "SELECT user_agent FROM refresh_tokens WHERE jti_hash = $1 AND revoked_at IS NULL",
                        )
                        .bind(request.successor.as_str())
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|row| row.try_get("user_agent"))
                        .transpose()?;
                        $crate::rotation::decide_for_spent_token(
                            &token,
                            $crate::rotation::Successor {
                                jti_hash: request.successor.as_str(),
                                live_user_agent: successor_agent.as_deref(),
                            },
                            &request.device.user_agent,
                            request.policy.reuse_grace,
                            now,
                        )
                    }
                };

                match decision {
                    RotationDecision::ShareSuccessor => {
                        let event = $crate::audit::AuditEvent::refresh_grace(
                            &user_id,
                            &session_id,
                            request.presented.prefix(),
                            request.successor.prefix(),
                            request.device,
                            now,
                        );
                        Self::insert_audit(&mut tx, &event).await?;
                        tx.commit().await?;
                        Ok(RefreshOutcome::Shared { user_id, session_id })
                    }
                    RotationDecision::Expire => {
                        let reason = $crate::session::EndReason::Expired;
                        if Self::end_session(&mut tx, &session_id, reason, now).await? {
                            let event = $crate::audit::AuditEvent::session_expired(
                                &user_id,
                                &session_id,
                                Some(request.device),
                                now,
                            );
                            Self::insert_audit(&mut tx, &event).await?;
                        }
                        tx.commit().await?;
                        Ok(RefreshOutcome::Rejected(TokenRejection::Expired))
                    }
                    RotationDecision::RevokeForReuse(cause) => {
                        let reason = $crate::session::EndReason::ReuseDetected;
                        Self::end_session(&mut tx, &session_id, reason, now).await?;
                        let event = $crate::audit::AuditEvent::reuse_detected(
                            &user_id,
                            &session_id,
                            request.presented.prefix(),
                            cause,
                            request.device,
                            now,
                        );
                        Self::insert_audit(&mut tx, &event).await?;
                        tx.commit().await?;
                        Ok(RefreshOutcome::Rejected(TokenRejection::Reused))
                    }
                    RotationDecision::RefuseSuperseded => {
                        let event = $crate::audit::AuditEvent::refresh_superseded(
                            &user_id,
                            &session_id,
                            request.presented.prefix(),
                            request.device,
                            now,
                        );
                        Self::insert_audit(&mut tx, &event).await?;
                        tx.commit().await?;
                        Ok(RefreshOutcome::Rejected(TokenRejection::Revoked))
                    }
                    RotationDecision::Refuse(rejection) => {
                        tx.rollback().await?;
                        Ok(RefreshOutcome::Rejected(rejection))
                    }
                    // The UPDATE above found the token not live while the session lock was
                    // held; nothing can have made it live again.
                    RotationDecision::Rotate => {
                        tx.rollback().await?;
                        Err($crate::error::DomainError::unexpected(
                            "refresh token became live again under the session lock",
                        ))
                    }
                }
            }

            pub async fn session_auth(
                &self,
                session_id: &str,
            ) -> $crate::error::DomainResult<Option<$crate::store::SessionAuthRow>> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT user_id, signed_in_at, last_used_at, reauthenticated_at, revoked_at FROM sessions WHERE id = $1",
                )
                .bind(session_id)
                .fetch_optional(self.reader())
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::SessionAuthRow {
                    user_id: row.try_get("user_id")?,
                    signed_in_at: row.try_get("signed_in_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    reauthenticated_at: row.try_get("reauthenticated_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                }))
            }

            pub async fn expire_session(
                &self,
                session_id: &str,
                device: Option<&$crate::session::DeviceContext>,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<bool> {
                use sqlx::Row as _;
                let mut tx = self.writer().begin_with($begin).await?;
                let Some(row) = sqlx::query("SELECT user_id FROM sessions WHERE id = $1")
                    .bind(session_id)
                    .fetch_optional(&mut *tx)
                    .await?
                else {
                    return Ok(false);
                };
                let user_id: String = row.try_get("user_id")?;
                let reason = $crate::session::EndReason::Expired;
                let ended = Self::end_session(&mut tx, session_id, reason, now).await?;
                if ended {
                    let event = $crate::audit::AuditEvent::session_expired(&user_id, session_id, device, now);
                    Self::insert_audit(&mut tx, &event).await?;
                }
                tx.commit().await?;
                Ok(ended)
            }

            pub async fn list_live_sessions(
                &self,
                user_id: &str,
                policy: &$crate::policy::Policy,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<Vec<$crate::store::LiveSessionRow>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT s.id, s.user_id, s.signed_in_at, s.new_location, t.jti_prefix, t.user_agent, t.ip, \
                            t.client_hints, t.created_at, t.last_used_at, t.expires_at \
                     FROM sessions s \
                     JOIN refresh_tokens t ON t.session_id = s.id AND t.revoked_at IS NULL \
                     WHERE s.user_id = $1 AND s.revoked_at IS NULL \
                       AND s.last_used_at > $2 AND s.signed_in_at > $3 AND t.expires_at > $4 \
                     ORDER BY t.last_used_at DESC, s.id",
                )
                .bind(user_id)
                .bind(policy.idle_cutoff(now))
                .bind(policy.absolute_cutoff(now))
                .bind(now)
                .fetch_all(self.reader())
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::LiveSessionRow {
                            session_id: row.try_get("id")?,
                            user_id: row.try_get("user_id")?,
                            jti_prefix: row.try_get("jti_prefix")?,
                            user_agent: row.try_get("user_agent")?,
                            ip: row.try_get("ip")?,
                            client_hints: row.try_get("client_hints")?,
                            created_at: row.try_get("created_at")?,
                            last_used_at: row.try_get("last_used_at")?,
                            signed_in_at: row.try_get("signed_in_at")?,
                            expires_at: row.try_get("expires_at")?,
                            new_location: row.try_get("new_location")?,
                        })
                    })
                    .collect()
            }

            pub async fn revoke_by_prefix(
                &self,
                user_id: &str,
                prefix: &$crate::token::JtiPrefix,
                by: $crate::store::RevokeBy<'_>,
                policy: &$crate::policy::Policy,
            ) -> $crate::error::DomainResult<$crate::audit::RevokedTarget> {
                use sqlx::Row as _;
                // Any token the session ever had counts, so a list a few rotations stale
                // still names the right device. Hex only (checked by JtiPrefix), compared as
                // a range so the (user_id, jti_hash) index answers it.
                let pad = 64 - prefix.as_str().len();
                let low = format!("{}{}", prefix.as_str(), "0".repeat(pad));
                let high = format!("{}{}", prefix.as_str(), "f".repeat(pad));
                let mut tx = self.writer().begin_with($begin).await?;
                let matches = sqlx::query(
                    "SELECT DISTINCT t.session_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id \
                     WHERE t.user_id = $1 AND t.jti_hash >= $2 AND t.jti_hash <= $3 \
                       AND s.revoked_at IS NULL AND s.last_used_at > $4 AND s.signed_in_at > $5 \
                     LIMIT 2",
                )
                .bind(user_id)
                .bind(&low)
                .bind(&high)
                .bind(policy.idle_cutoff(by.now))
                .bind(policy.absolute_cutoff(by.now))
                .fetch_all(&mut *tx)
                .await?;
                let session_id: String = match matches.as_slice() {
                    [] => return Err($crate::error::DomainError::SessionNotFound),
                    [only] => only.try_get("session_id")?,
                    _ => return Err($crate::error::DomainError::AmbiguousPrefix),
                };
                let latest = sqlx::query(
                    "SELECT jti_prefix, user_agent, ip FROM refresh_tokens WHERE session_id = $1 \
                     ORDER BY (revoked_at IS NULL) DESC, created_at DESC LIMIT 1",
                )
                .bind(&session_id)
                .fetch_one(&mut *tx)
                .await?;
                let target = $crate::audit::RevokedTarget {
                    session_id: session_id.clone(),
                    jti_prefix: latest.try_get("jti_prefix")?,
                    user_agent: latest.try_get("user_agent")?,
                    ip: latest.try_get("ip")?,
                };
                if !Self::end_session(&mut tx, &session_id, by.reason, by.now).await? {
                    return Err($crate::error::DomainError::SessionNotFound);
                }
                let event = $crate::audit::AuditEvent::session_revoked(
                    by.actor,
                    user_id,
                    by.acting_session,
                    &target,
                    by.device,
                    by.now,
                );
                Self::insert_audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(target)
            }

            pub async fn sign_out(
                &self,
                user_id: &str,
                session_id: &str,
                device: Option<&$crate::session::DeviceContext>,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<bool> {
                let mut tx = self.writer().begin_with($begin).await?;
                let reason = $crate::session::EndReason::SignedOut;
                let ended = Self::end_session(&mut tx, session_id, reason, now).await?;
                if ended {
                    let event = $crate::audit::AuditEvent::sign_out(user_id, session_id, device, now);
                    Self::insert_audit(&mut tx, &event).await?;
                }
                tx.commit().await?;
                Ok(ended)
            }

            pub async fn revoke_sessions(
                &self,
                user_id: &str,
                scope: $crate::audit::BulkScope,
                by: $crate::store::RevokeBy<'_>,
                policy: &$crate::policy::Policy,
            ) -> $crate::error::DomainResult<u64> {
                let keep = match scope {
                    $crate::audit::BulkScope::All => "",
                    $crate::audit::BulkScope::Others => by.acting_session.unwrap_or(""),
                };
                let mut tx = self.writer().begin_with($begin).await?;
                let count = Self::end_sessions(&mut tx, user_id, keep, by.reason, policy, by.now).await?;
                let event = $crate::audit::AuditEvent::sessions_revoked(
                    scope,
                    by.actor,
                    user_id,
                    by.acting_session,
                    count,
                    by.device,
                    by.now,
                );
                Self::insert_audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(count)
            }

            pub async fn users_with_live_sessions(&self) -> $crate::error::DomainResult<Vec<String>> {
                use sqlx::Row as _;
                let rows = sqlx::query("SELECT DISTINCT user_id FROM sessions WHERE revoked_at IS NULL ORDER BY user_id")
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(|row| Ok(row.try_get("user_id")?)).collect()
            }

            pub async fn mark_reauthenticated(
                &self,
                session_id: &str,
                event: &$crate::audit::AuditEvent,
            ) -> $crate::error::DomainResult<()> {
                let mut tx = self.writer().begin_with($begin).await?;
                sqlx::query("UPDATE sessions SET reauthenticated_at = $1 WHERE id = $2")
                    .bind(event.occurred_at)
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                Self::insert_audit(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            pub async fn append_audit(
                &self,
                event: &$crate::audit::AuditEvent,
            ) -> $crate::error::DomainResult<()> {
                let mut conn = self.writer().acquire().await?;
                Self::insert_audit(&mut conn, event).await
            }

            pub async fn security_events(
                &self,
                user_id: &str,
                before: i64,
                limit: i64,
            ) -> $crate::error::DomainResult<Vec<$crate::audit::AuditRecord>> {
                let rows = sqlx::query(
                    "SELECT id, occurred_at, kind, actor, user_id, session_id, target_session_id, target_prefix, \
                            ip, user_agent, detail \
                     FROM audit_events WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                )
                .bind(user_id)
                .bind(before)
                .bind(limit)
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(Self::audit_record).collect()
            }

            pub async fn sign_ins_since(
                &self,
                user_id: &str,
                since: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<Vec<$crate::audit::AuditRecord>> {
                let rows = sqlx::query(
                    "SELECT id, occurred_at, kind, actor, user_id, session_id, target_session_id, target_prefix, \
                            ip, user_agent, detail \
                     FROM audit_events WHERE user_id = $1 AND kind = 'sign_in' AND occurred_at >= $2 \
                     ORDER BY id DESC LIMIT 1000",
                )
                .bind(user_id)
                .bind(since)
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(Self::audit_record).collect()
            }

            pub async fn prune(
                &self,
                policy: &$crate::policy::Policy,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<$crate::store::PruneReport> {
                // In batches, each its own short statement, so the writer is never held for
                // long. A token is prunable once it was rotated, revoked or expired longer
                // ago than the idle timeout; every such row also has last_used_at before
                // the cutoff, which lets the index narrow the search.
                let cutoff = policy.prune_cutoff(now);
                let mut report = $crate::store::PruneReport::default();
                loop {
                    let deleted = sqlx::query(
                        "DELETE FROM refresh_tokens WHERE jti_hash IN (\
                           SELECT jti_hash FROM refresh_tokens WHERE last_used_at < $1 \
                             AND ((revoked_at IS NOT NULL AND revoked_at < $1) OR expires_at < $1) \
                           LIMIT 1000)",
                    )
                    .bind(cutoff)
                    .execute(self.writer())
                    .await?
                    .rows_affected();
                    report.tokens += deleted;
                    if deleted == 0 {
                        break;
                    }
                }
                loop {
                    let deleted = sqlx::query(
                        "DELETE FROM sessions WHERE id IN (\
                           SELECT id FROM sessions s WHERE \
                             ((s.revoked_at IS NOT NULL AND s.revoked_at < $1) OR s.last_used_at < $2 OR s.signed_in_at < $3) \
                             AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id) \
                           LIMIT 1000)",
                    )
                    .bind(cutoff)
                    .bind(cutoff.minus(policy.idle_timeout))
                    .bind(cutoff.minus(policy.max_age))
                    .execute(self.writer())
                    .await?
                    .rows_affected();
                    report.sessions += deleted;
                    if deleted == 0 {
                        break;
                    }
                }
                let audit_cutoff = now.minus(policy.audit_retention);
                loop {
                    let deleted = sqlx::query(
                        "DELETE FROM audit_events WHERE id IN (\
                           SELECT id FROM audit_events WHERE occurred_at < $1 LIMIT 1000)",
                    )
                    .bind(audit_cutoff)
                    .execute(self.writer())
                    .await?
                    .rows_affected();
                    report.audit_events += deleted;
                    if deleted == 0 {
                        break;
                    }
                }
                Ok(report)
            }

            pub async fn check_consistency(
                &self,
                policy: &$crate::policy::Policy,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<$crate::store::ConsistencyReport> {
                use sqlx::Row as _;
                let several = sqlx::query(
                    "SELECT session_id FROM refresh_tokens WHERE revoked_at IS NULL \
                     GROUP BY session_id HAVING COUNT(*) > 1 ORDER BY session_id",
                )
                .fetch_all(self.reader())
                .await?;
                let revoked_live = sqlx::query(
                    "SELECT DISTINCT t.session_id FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id \
                     WHERE t.revoked_at IS NULL AND s.revoked_at IS NOT NULL ORDER BY t.session_id",
                )
                .fetch_all(self.reader())
                .await?;
                let tokenless = sqlx::query(
                    "SELECT s.id AS session_id FROM sessions s \
                     WHERE s.revoked_at IS NULL AND s.last_used_at > $1 AND s.signed_in_at > $2 \
                       AND NOT EXISTS (SELECT 1 FROM refresh_tokens t \
                                       WHERE t.session_id = s.id AND t.revoked_at IS NULL) \
                     ORDER BY s.id",
                )
                .bind(policy.idle_cutoff(now))
                .bind(policy.absolute_cutoff(now))
                .fetch_all(self.reader())
                .await?;
                let orphans = sqlx::query(
                    "SELECT DISTINCT t.session_id FROM refresh_tokens t \
                     WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = t.session_id) \
                     ORDER BY t.session_id",
                )
                .fetch_all(self.reader())
                .await?;
                let sessions = sqlx::query("SELECT COUNT(*) AS n FROM sessions")
                    .fetch_one(self.reader())
                    .await?;
                let live = sqlx::query("SELECT COUNT(*) AS n FROM refresh_tokens WHERE revoked_at IS NULL")
                    .fetch_one(self.reader())
                    .await?;
                let ids = |rows: &[<$db as sqlx::Database>::Row]| -> Result<Vec<String>, sqlx::Error> {
                    rows.iter().map(|row| row.try_get("session_id")).collect()
                };
                Ok($crate::store::ConsistencyReport {
                    sessions: u64::try_from(sessions.try_get::<i64, _>("n")?).unwrap_or(0),
                    live_tokens: u64::try_from(live.try_get::<i64, _>("n")?).unwrap_or(0),
                    sessions_with_several_live_tokens: ids(&several)?,
                    revoked_sessions_with_live_tokens: ids(&revoked_live)?,
                    live_sessions_without_live_token: ids(&tokenless)?,
                    tokens_without_session: ids(&orphans)?,
                })
            }

            // ---- helpers shared by the statements above ----

            fn user_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> $crate::error::DomainResult<$crate::store::UserRow> {
                use sqlx::Row as _;
                Ok($crate::store::UserRow {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    password_hash: row.try_get("password_hash")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            fn audit_record(
                row: &<$db as sqlx::Database>::Row,
            ) -> $crate::error::DomainResult<$crate::audit::AuditRecord> {
                use sqlx::Row as _;
                let id: i64 = row.try_get("id")?;
                let kind: String = row.try_get("kind")?;
                let actor: String = row.try_get("actor")?;
                let detail: String = row.try_get("detail")?;
                let kind = $crate::audit::AuditKind::parse(&kind).ok_or_else(|| {
                    $crate::error::DomainError::unexpected(format!("unknown audit kind {kind:?}"))
                })?;
                let detail = $crate::audit::AuditDetail::from_stored(kind, &detail).map_err(|e| {
                    $crate::error::DomainError::unexpected(format!("audit event {id}: unreadable detail: {e}"))
                })?;
                Ok($crate::audit::AuditRecord {
                    id,
                    event: $crate::audit::AuditEvent {
                        actor: $crate::audit::Actor::parse(&actor),
                        user_id: row.try_get("user_id")?,
                        session_id: row.try_get("session_id")?,
                        target_session_id: row.try_get("target_session_id")?,
                        target_prefix: row.try_get("target_prefix")?,
                        ip: row.try_get("ip")?,
                        user_agent: row.try_get("user_agent")?,
                        detail,
                        occurred_at: row.try_get("occurred_at")?,
                    },
                })
            }

            async fn insert_audit(
                conn: &mut <$db as sqlx::Database>::Connection,
                event: &$crate::audit::AuditEvent,
            ) -> $crate::error::DomainResult<()> {
                let detail = event.detail.to_stored();
                sqlx::query(
                    "INSERT INTO audit_events (occurred_at, kind, actor, user_id, session_id, target_session_id, \
                                               target_prefix, ip, user_agent, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(event.occurred_at)
                .bind(event.kind().as_str())
                .bind(event.actor.as_str())
                .bind(event.user_id.as_deref())
                .bind(event.session_id.as_deref())
                .bind(event.target_session_id.as_deref())
                .bind(event.target_prefix.as_deref())
                .bind(event.ip.as_deref())
                .bind(event.user_agent.as_deref())
                .bind(detail)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            async fn insert_token(
                conn: &mut <$db as sqlx::Database>::Connection,
                token: &$crate::token::TokenHash,
                session_id: &str,
                user_id: &str,
                device: &$crate::session::DeviceContext,
                now: $crate::time::Timestamp,
                expires_at: $crate::time::Timestamp,
                signed_in_at: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<()> {
                sqlx::query(
                    "INSERT INTO refresh_tokens (jti_hash, jti_prefix, session_id, user_id, user_agent, ip, client_hints, \
                                                 created_at, last_used_at, expires_at, signed_in_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)",
                )
                .bind(token.as_str())
                .bind(token.prefix())
                .bind(session_id)
                .bind(user_id)
                .bind(&device.user_agent)
                .bind(&device.ip)
                .bind(device.client_hints.to_json())
                .bind(now)
                .bind(expires_at)
                .bind(signed_in_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// Revokes one session and all its tokens. The session row is updated first: that
            /// takes its lock, so a refresh in flight finishes before the tokens are revoked.
            async fn end_session(
                conn: &mut <$db as sqlx::Database>::Connection,
                session_id: &str,
                reason: $crate::session::EndReason,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<bool> {
                let ended = sqlx::query(
                    "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(reason.as_str())
                .bind(session_id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1, revoked_reason = $2 \
                     WHERE session_id = $3 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(reason.as_str())
                .bind(session_id)
                .execute(&mut *conn)
                .await?;
                Ok(ended == 1)
            }

            /// Revokes every live session of `user_id` but `keep` (pass "" to keep none).
            async fn end_sessions(
                conn: &mut <$db as sqlx::Database>::Connection,
                user_id: &str,
                keep: &str,
                reason: $crate::session::EndReason,
                policy: &$crate::policy::Policy,
                now: $crate::time::Timestamp,
            ) -> $crate::error::DomainResult<u64> {
                use sqlx::Row as _;
                let ended = sqlx::query(
                    "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 \
                     WHERE user_id = $3 AND revoked_at IS NULL AND id <> $4 \
                       AND last_used_at > $5 AND signed_in_at > $6 \
                     RETURNING id",
                )
                .bind(now)
                .bind(reason.as_str())
                .bind(user_id)
                .bind(keep)
                .bind(policy.idle_cutoff(now))
                .bind(policy.absolute_cutoff(now))
                .fetch_all(&mut *conn)
                .await?;
                for row in &ended {
                    let session_id: String = row.try_get("id")?;
                    sqlx::query(
                        "UPDATE refresh_tokens SET revoked_at = $1, revoked_reason = $2 \
                         WHERE session_id = $3 AND revoked_at IS NULL",
                    )
                    .bind(now)
                    .bind(reason.as_str())
                    .bind(&session_id)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(ended.len() as u64)
            }
        }
    };
}

pub(crate) use session_store_impl;
