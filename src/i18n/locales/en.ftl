# signedin — the page's messages in English, the reference every other language follows.
# Ids are stable; a message's variables ($name) are given by the code and may be used or not.
# Plural forms use CLDR's categories for the language (one, other; few, many where it has them).

## The frame around every page
site-name = signedin
skip-link = Skip to content
nav-account = Account
nav-signed-in-as = Signed in as
nav-devices = Devices
nav-password = Password
nav-sign-out = Sign out
nav-sign-in = Sign in
nav-create-account = Create account
footer-tagline = signedin · see where you're signed in, and sign out anywhere.
language-label = Language
language-change = Change language

## The start page
home-title = Where you're signed in
home-heading = Where you're signed in
home-lead = See every device signed in to your account — which browser, where, and when it was last active — and sign any of them out with one click.
home-sign-in = Sign in
home-create-account = Create an account
home-feature-see = See every device, browser and place your account is signed in from.
home-feature-end = Sign out a lost phone or a shared computer from wherever you are.
home-feature-alerts = Hear about new sign-ins, and end one that wasn't you.
home-summary-heading = Your account
home-summary-devices = { $count ->
    [one] 1 device signed in
   *[other] { $count } devices signed in
}
home-summary-last = Last new sign-in: { $device }, { $when }
home-summary-last-place = Last new sign-in: { $device }, { $place }, { $when }
home-see-devices = See your devices
home-change-password = Change your password

## The devices page
devices-title = Your devices
devices-heading = Where you're signed in
devices-lead = These devices are signed in to your account. If you don't recognise one, sign it out.
devices-list-label = Signed-in devices
devices-loading = Loading devices
devices-load-error = Your devices could not be loaded.
devices-try-again = Try again
devices-only-this = This is the only device signed in to your account.
devices-show-more = Show more devices
devices-shown = { $shown } of { $total } shown
devices-locations-approximate = Locations are approximate.
devices-change-password = Change your password
device-this = This device
device-new-location = New location
device-signed-in-local = Signed in on a local network
device-signed-in-from = Signed in from { $place }
device-last-active = Last active
device-signed-in = Signed in
device-ip = IP
device-user-agent = User agent
device-sign-out = Sign out
device-sign-out-named = Sign out { $device }
device-sign-out-this = Sign out { $device } (this device)
device-rename = Rename
device-rename-named = Rename { $device }
device-name = Device name
device-save = Save
device-rename-failed = Could not rename that device.
device-signed-out = { $device } was signed out.
device-sign-out-failed = Could not sign that device out.
you-were-signed-out = You were signed out
you-were-signed-out-on = You were signed out (on { $device })
you-were-signed-out-at = You were signed out (at { $when })
you-were-signed-out-on-at = You were signed out (on { $device }, at { $when })
new-sign-in = New sign-in: { $device }
new-sign-in-new-location = New sign-in from a new location: { $device }

## Signing the other devices out
bulk-open = Sign out of all other sessions
bulk-explain = { $count ->
    [one] This signs out 1 other session. That device will need to sign in again.
   *[other] This signs out { $count } other sessions. Those devices will need to sign in again.
}
bulk-confirm = { $count ->
    [one] Sign out 1 other session
   *[other] Sign out { $count } other sessions
}
bulk-password = Confirm your password
bulk-done = { $count ->
    [0] No other sessions were signed in.
    [one] Signed out of 1 other session.
   *[other] Signed out of { $count } other sessions.
}

## Recent security activity
activity-heading = Recent security activity
activity-none = No recent activity.
sessions-count = { $count ->
    [one] { $count } session
   *[other] { $count } sessions
}
event-with-place = { $text } · { $place }
event-account-created = Account created on { $device }
event-sign-in = New sign-in: { $device }
event-sign-in-new-location = New sign-in from a new location: { $device }
event-sign-in-failed = Failed sign-in attempt: { $device }
event-sign-out = You signed out on { $device }
event-session-revoked-by-you = You signed out { $target }
event-session-revoked-by-admin = An administrator signed out { $target }
event-others-revoked-by-you = { $count ->
    [one] You signed out of 1 session on other devices
   *[other] You signed out of { $count } sessions on other devices
}
event-others-revoked-by-admin = { $count ->
    [one] An administrator signed out of 1 session on other devices
   *[other] An administrator signed out of { $count } sessions on other devices
}
event-all-revoked-by-you = { $count ->
    [one] You signed out of all 1 session
   *[other] You signed out of all { $count } sessions
}
event-all-revoked-by-admin = { $count ->
    [one] An administrator signed out of all 1 session
   *[other] An administrator signed out of all { $count } sessions
}
event-reuse-detected = A stolen sign-in was detected and that device was signed out
event-session-expired = A session expired
event-password-changed = Password changed on { $device }
event-reauthenticated = Password confirmed on { $device }
event-reauth-failed = Wrong password entered on { $device }
event-refresh-grace = Sign-in renewed twice at once on { $device }
event-refresh-superseded = An outdated sign-in token was refused on { $device }
event-session-evicted = { $count ->
    [one] { $target } was signed out: it was the least recently used, and at most 1 session can be signed in at once
   *[other] { $target } was signed out: it was the least recently used, and at most { $count } sessions can be signed in at once
}
event-session-reported = You said “This wasn't me” and signed out { $target }
event-renamed = You renamed { $target } to “{ $name }”
event-name-removed = You removed the name “{ $previous }” from { $target }
event-name-cleared = You removed the name of { $target }
# A device the event names but that is no longer known, inside a sentence and at its start.
event-unknown-device = an unknown device
event-a-device = a device
event-a-device-start = A device

## Devices and places
device-unknown = Unknown device
device-on = { $browser } on { $os }
device-of-os = { $os } device
place-local-network = Local network
place-city = { $city }, { $country }

## Signing in and creating an account
sign-in-title = Sign in
sign-in-heading = Sign in
sign-in-button = Sign in
sign-in-pending = Signing in…
sign-in-new-here = New here?
sign-in-create-link = Create an account
sign-up-title = Create an account
sign-up-heading = Create an account
sign-up-button = Create account
sign-up-pending = Creating account…
sign-up-have-account = Already have an account?
sign-up-sign-in-link = Sign in
email-label = Email
password-label = Password
password-hint = At least 8 characters.

## Changing the password
password-title = Change password
password-heading = Change your password
password-lead = Choose a new password for your account. Signing your other devices out makes sure nobody stays signed in with the old one.
password-current = Current password
password-new = New password
password-new-hint = At least 8 characters. A few unrelated words make a strong password that is easy to remember.
password-strength = Strength: { $strength }
strength-too-short = too short
strength-weak = weak
strength-fair = fair
strength-strong = strong
strength-very-strong = very strong
password-sign-out-others = Sign out my other devices
password-sign-out-others-hint = Recommended. This device stays signed in.
password-submit = Change password
password-changed = { $count ->
    [0] Your password was changed. No other devices were signed in.
    [one] Your password was changed, and 1 other device was signed out.
   *[other] Your password was changed, and { $count } other devices were signed out.
}
password-changed-kept = Your password was changed. Your other devices stay signed in.
password-back = Back to your devices

## Pages that answer an alert email's links
alert-not-me-title = Wasn't you?
alert-was-me-title = Was this you?
alert-loading = Loading…
alert-went-wrong = Something went wrong
alert-sign-out-everywhere = Sign out everywhere
alert-sign-in-to-change-password = Sign in to change your password
alert-not-me-heading = Wasn't you?
alert-not-me-reported = This sign-in to your account was reported to you by email:
alert-not-me-explain = Sign that device out now. You don't need to be signed in to do this.
alert-not-me-button = Sign out that device
alert-signed-out-heading = That device is signed out
alert-signed-out-explain = It can no longer use your account. If someone else knows your password, sign out everywhere, then change your password.
alert-everywhere-heading = Signed out everywhere
alert-everywhere-explain = Every device is signed out of your account, this one included. Sign in again and change your password.
alert-was-me-heading = Was this you?
alert-was-me-explain = If you signed in here, say so and the device is no longer marked as new.
alert-was-me-button = Yes, it was me
alert-was-me-otherwise = If it wasn't you, use the email's “This wasn't me” link instead.
alert-thanks-heading = Thanks for confirming
alert-thanks-explain = The device is no longer marked as new.
alert-see-devices = See your devices
alert-unusable-heading = This link can't be used
alert-sign-in-to-see = Sign in to see your devices
alert-link-used = This link has already been used.
alert-link-expired = This link has expired: the links in alert emails work for 24 hours. Sign in to see your devices and sign out any you don't recognise.
alert-already-signed-out = That device is already signed out.
alert-link-invalid = This link isn't valid: it may have been cut short or changed. Open it again from the email, or sign in to see your devices.

## A page that does not exist
not-found-title = Page not found
not-found-heading = Page not found
not-found-explain = There is nothing at this address.
not-found-home = Go to the start page

## What went wrong (the API's problem details stay English; these are the page's words)
error-unauthorized = Please sign in to continue.
error-invalid-credentials = The email or password is incorrect.
error-wrong-password = That password is incorrect.
error-email-taken = An account with this email already exists. Try signing in instead.
error-session-not-found = That session has already ended. The list has been refreshed.
error-reauth-required = Please confirm your password to sign out other sessions.
error-rate-limited = { $seconds ->
    [one] Too many attempts. Please wait 1 second and try again.
   *[other] Too many attempts. Please wait { $seconds } seconds and try again.
}
error-cross-site = This request was refused because it came from another site.
error-unavailable = The service is briefly unavailable. Please try again in a moment.
error-internal = Something went wrong on our side. Please try again.
error-transport = Could not reach the server. Check your connection and try again.
invalid-email-required = Email: is required
invalid-email-too-long = Email: is too long (at most 254 characters)
invalid-email-has-spaces = Email: must not contain spaces
invalid-email-malformed = Email: must look like name@example.com
invalid-email-invisible = Email: must not contain invisible or text-direction characters
invalid-password-too-short = Password: must be at least 8 characters
invalid-password-too-long = Password: must be at most 1024 characters
invalid-session-prefix = That session was not recognised. Reload the page and try again.
invalid-name-too-long = Device name: must be at most 64 characters
invalid-name-control = Device name: must not contain control characters or line breaks
invalid-name-direction = Device name: must not contain text-direction characters
invalid-form-incomplete = The form was incomplete. Please fill in every field and try again.
invalid-other = Please check what you entered and try again.
