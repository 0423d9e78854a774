# signedin — die Meldungen der Seite auf Deutsch (Anrede „Sie“); en.ftl ist die Referenz.
# Die IDs sind fest; die Variablen einer Meldung ($name) liefert der Code, sie dürfen genutzt werden oder nicht.
# Pluralformen folgen den CLDR-Kategorien der Sprache (Deutsch: one, other).

## Der Rahmen um jede Seite
site-name = signedin
skip-link = Zum Inhalt springen
nav-account = Konto
nav-signed-in-as = Angemeldet als
nav-devices = Geräte
nav-password = Passwort
nav-sign-out = Abmelden
nav-sign-in = Anmelden
nav-create-account = Konto erstellen
footer-tagline = signedin · Sehen Sie, wo Sie angemeldet sind, und melden Sie sich überall ab.
language-label = Sprache
language-change = Sprache ändern

## Die Startseite
home-title = Wo Sie angemeldet sind
home-heading = Wo Sie angemeldet sind
home-lead = Sehen Sie alle Geräte, die in Ihrem Konto angemeldet sind – mit Browser, Ort und letzter Aktivität – und melden Sie jedes davon mit einem Klick ab.
home-sign-in = Anmelden
home-create-account = Konto erstellen
home-feature-see = Sehen Sie alle Geräte, Browser und Orte, an denen Ihr Konto angemeldet ist.
home-feature-end = Melden Sie ein verlorenes Smartphone oder einen gemeinsam genutzten Computer ab – ganz gleich, wo Sie gerade sind.
home-feature-alerts = Erfahren Sie von neuen Anmeldungen und beenden Sie jede, die nicht von Ihnen stammt.
home-summary-heading = Ihr Konto
home-summary-devices = { $count ->
    [one] 1 Gerät angemeldet
   *[other] { $count } Geräte angemeldet
}
home-summary-last = Letzte neue Anmeldung: { $device }, { $when }
home-summary-last-place = Letzte neue Anmeldung: { $device }, { $place }, { $when }
home-see-devices = Ihre Geräte ansehen
home-change-password = Passwort ändern

## Die Geräteseite
devices-title = Ihre Geräte
devices-heading = Wo Sie angemeldet sind
devices-lead = Diese Geräte sind in Ihrem Konto angemeldet. Wenn Sie eines nicht kennen, melden Sie es ab.
devices-list-label = Angemeldete Geräte
devices-loading = Geräte werden geladen
devices-load-error = Ihre Geräte konnten nicht geladen werden.
devices-try-again = Erneut versuchen
devices-only-this = Dies ist das einzige Gerät, das in Ihrem Konto angemeldet ist.
devices-show-more = Weitere Geräte anzeigen
devices-shown = { $shown } von { $total } angezeigt
devices-locations-approximate = Die Standorte sind ungefähre Angaben.
devices-change-password = Passwort ändern
device-this = Dieses Gerät
device-new-location = Neuer Standort
device-signed-in-local = In einem lokalen Netzwerk angemeldet
device-signed-in-from = Angemeldet in { $place }
device-last-active = Zuletzt aktiv
device-signed-in = Angemeldet
device-ip = IP
device-user-agent = User-Agent
device-sign-out = Abmelden
device-sign-out-named = { $device } abmelden
device-sign-out-this = { $device } abmelden (dieses Gerät)
device-rename = Umbenennen
device-rename-named = { $device } umbenennen
device-name = Gerätename
device-save = Speichern
device-rename-failed = Das Gerät konnte nicht umbenannt werden.
device-signed-out = { $device } wurde abgemeldet.
device-sign-out-failed = Das Gerät konnte nicht abgemeldet werden.
you-were-signed-out = Sie wurden abgemeldet
you-were-signed-out-on = Sie wurden abgemeldet (auf { $device })
you-were-signed-out-at = Sie wurden abgemeldet ({ $when })
you-were-signed-out-on-at = Sie wurden abgemeldet (auf { $device }, { $when })
new-sign-in = Neue Anmeldung: { $device }
new-sign-in-new-location = Neue Anmeldung von einem neuen Standort: { $device }

## Die anderen Geräte abmelden
bulk-open = Alle anderen Sitzungen beenden
bulk-explain = { $count ->
    [one] Dadurch wird 1 andere Sitzung beendet. Das Gerät muss sich danach erneut anmelden.
   *[other] Dadurch werden { $count } andere Sitzungen beendet. Diese Geräte müssen sich danach erneut anmelden.
}
bulk-confirm = { $count ->
    [one] 1 andere Sitzung beenden
   *[other] { $count } andere Sitzungen beenden
}
bulk-password = Passwort bestätigen
bulk-done = { $count ->
    [0] Es gab keine anderen angemeldeten Sitzungen.
    [one] 1 andere Sitzung wurde beendet.
   *[other] { $count } andere Sitzungen wurden beendet.
}

## Letzte Sicherheitsaktivitäten
activity-heading = Letzte Sicherheitsaktivitäten
activity-none = Keine aktuellen Aktivitäten.
sessions-count = { $count ->
    [one] { $count } Sitzung
   *[other] { $count } Sitzungen
}
event-with-place = { $text } · { $place }
event-account-created = Konto erstellt: { $device }
event-sign-in = Neue Anmeldung: { $device }
event-sign-in-new-location = Neue Anmeldung von einem neuen Standort: { $device }
event-sign-in-failed = Fehlgeschlagener Anmeldeversuch: { $device }
event-sign-out = Sie haben sich abgemeldet: { $device }
event-session-revoked-by-you = Sie haben { $target } abgemeldet
event-session-revoked-by-admin = Ein Administrator hat { $target } abgemeldet
event-others-revoked-by-you = { $count ->
    [one] Sie haben 1 Sitzung auf anderen Geräten beendet
   *[other] Sie haben { $count } Sitzungen auf anderen Geräten beendet
}
event-others-revoked-by-admin = { $count ->
    [one] Ein Administrator hat 1 Sitzung auf anderen Geräten beendet
   *[other] Ein Administrator hat { $count } Sitzungen auf anderen Geräten beendet
}
event-all-revoked-by-you = { $count ->
    [one] Sie haben Ihre einzige Sitzung beendet
   *[other] Sie haben alle { $count } Sitzungen beendet
}
event-all-revoked-by-admin = { $count ->
    [one] Ein Administrator hat Ihre einzige Sitzung beendet
   *[other] Ein Administrator hat alle { $count } Sitzungen beendet
}
event-reuse-detected = Eine gestohlene Anmeldung wurde erkannt und das betreffende Gerät abgemeldet
event-session-expired = Eine Sitzung ist abgelaufen
event-password-changed = Passwort geändert: { $device }
event-reauthenticated = Passwort bestätigt: { $device }
event-reauth-failed = Falsches Passwort eingegeben: { $device }
event-refresh-grace = Anmeldung gleichzeitig zweimal erneuert: { $device }
event-refresh-superseded = Veraltetes Anmeldetoken abgelehnt: { $device }
event-session-evicted = { $count ->
    [one] { $target } wurde abgemeldet: Es wurde am längsten nicht verwendet, und es kann höchstens 1 Sitzung gleichzeitig angemeldet sein
   *[other] { $target } wurde abgemeldet: Es wurde am längsten nicht verwendet, und es können höchstens { $count } Sitzungen gleichzeitig angemeldet sein
}
event-session-reported = Sie haben „Das war ich nicht“ gewählt und { $target } abgemeldet
event-renamed = Sie haben { $target } in „{ $name }“ umbenannt
event-name-removed = Sie haben den Namen „{ $previous }“ für { $target } entfernt
event-name-cleared = Sie haben den Namen für { $target } entfernt
# Ein Gerät, das das Ereignis nennt, das aber nicht mehr bekannt ist: im Satz und am Satzanfang.
event-unknown-device = ein unbekanntes Gerät
event-a-device = ein Gerät
event-a-device-start = Ein Gerät

## Geräte und Orte
device-unknown = Unbekanntes Gerät
device-on = { $browser } unter { $os }
device-of-os = { $os }-Gerät
place-local-network = Lokales Netzwerk
place-city = { $city }, { $country }

## Anmelden und Konto erstellen
sign-in-title = Anmelden
sign-in-heading = Anmelden
sign-in-button = Anmelden
sign-in-pending = Anmeldung läuft…
sign-in-new-here = Neu hier?
sign-in-create-link = Konto erstellen
sign-up-title = Konto erstellen
sign-up-heading = Konto erstellen
sign-up-button = Konto erstellen
sign-up-pending = Konto wird erstellt…
sign-up-have-account = Sie haben bereits ein Konto?
sign-up-sign-in-link = Anmelden
email-label = E-Mail-Adresse
password-label = Passwort
password-hint = Mindestens 8 Zeichen.

## Passwort ändern
password-title = Passwort ändern
password-heading = Passwort ändern
password-lead = Wählen Sie ein neues Passwort für Ihr Konto. Wenn Sie Ihre anderen Geräte abmelden, bleibt niemand mit dem alten Passwort angemeldet.
password-current = Aktuelles Passwort
password-new = Neues Passwort
password-new-hint = Mindestens 8 Zeichen. Einige Wörter ohne Zusammenhang ergeben ein starkes Passwort, das leicht zu merken ist.
password-strength = Stärke: { $strength }
strength-too-short = zu kurz
strength-weak = schwach
strength-fair = mittel
strength-strong = stark
strength-very-strong = sehr stark
password-sign-out-others = Meine anderen Geräte abmelden
password-sign-out-others-hint = Empfohlen. Dieses Gerät bleibt angemeldet.
password-submit = Passwort ändern
password-changed = { $count ->
    [0] Ihr Passwort wurde geändert. Es waren keine anderen Geräte angemeldet.
    [one] Ihr Passwort wurde geändert und 1 anderes Gerät wurde abgemeldet.
   *[other] Ihr Passwort wurde geändert und { $count } andere Geräte wurden abgemeldet.
}
password-changed-kept = Ihr Passwort wurde geändert. Ihre anderen Geräte bleiben angemeldet.
password-back = Zurück zu Ihren Geräten

## Seiten für die Links in Warn-E-Mails
alert-not-me-title = Das waren nicht Sie?
alert-was-me-title = Waren Sie das?
alert-loading = Wird geladen…
alert-went-wrong = Etwas ist schiefgelaufen
alert-sign-out-everywhere = Überall abmelden
alert-sign-in-to-change-password = Anmelden und Passwort ändern
alert-not-me-heading = Das waren nicht Sie?
alert-not-me-reported = Diese Anmeldung in Ihrem Konto wurde Ihnen per E-Mail gemeldet:
alert-not-me-explain = Melden Sie dieses Gerät jetzt ab. Dazu müssen Sie nicht angemeldet sein.
alert-not-me-button = Dieses Gerät abmelden
alert-signed-out-heading = Das Gerät ist abgemeldet
alert-signed-out-explain = Es kann Ihr Konto nicht mehr verwenden. Falls jemand anderes Ihr Passwort kennt, melden Sie sich überall ab und ändern Sie dann Ihr Passwort.
alert-everywhere-heading = Überall abgemeldet
alert-everywhere-explain = Alle Geräte sind von Ihrem Konto abgemeldet, auch dieses. Melden Sie sich erneut an und ändern Sie Ihr Passwort.
alert-was-me-heading = Waren Sie das?
alert-was-me-explain = Wenn Sie sich hier angemeldet haben, bestätigen Sie es – dann wird das Gerät nicht mehr als neu markiert.
alert-was-me-button = Ja, das war ich
alert-was-me-otherwise = Falls nicht, verwenden Sie stattdessen den Link „Das war ich nicht“ in der E-Mail.
alert-thanks-heading = Danke für Ihre Bestätigung
alert-thanks-explain = Das Gerät wird nicht mehr als neu markiert.
alert-see-devices = Ihre Geräte ansehen
alert-unusable-heading = Dieser Link kann nicht verwendet werden
alert-sign-in-to-see = Melden Sie sich an, um Ihre Geräte zu sehen
alert-link-used = Dieser Link wurde bereits verwendet.
alert-link-expired = Dieser Link ist abgelaufen: Links in Warn-E-Mails sind 24 Stunden lang gültig. Melden Sie sich an, um Ihre Geräte zu sehen, und melden Sie alle ab, die Sie nicht kennen.
alert-already-signed-out = Dieses Gerät ist bereits abgemeldet.
alert-link-invalid = Dieser Link ist ungültig: Möglicherweise wurde er gekürzt oder verändert. Öffnen Sie ihn erneut aus der E-Mail oder melden Sie sich an, um Ihre Geräte zu sehen.

## Eine Seite, die es nicht gibt
not-found-title = Seite nicht gefunden
not-found-heading = Seite nicht gefunden
not-found-explain = Unter dieser Adresse gibt es nichts.
not-found-home = Zur Startseite

## Was schiefgelaufen ist (die Problemdetails der API bleiben englisch; dies sind die Worte der Seite)
error-unauthorized = Bitte melden Sie sich an, um fortzufahren.
error-invalid-credentials = E-Mail-Adresse oder Passwort ist falsch.
error-wrong-password = Das Passwort ist falsch.
error-email-taken = Es gibt bereits ein Konto mit dieser E-Mail-Adresse. Versuchen Sie stattdessen, sich anzumelden.
error-session-not-found = Diese Sitzung wurde bereits beendet. Die Liste wurde aktualisiert.
error-reauth-required = Bitte bestätigen Sie Ihr Passwort, um andere Sitzungen zu beenden.
error-rate-limited = { $seconds ->
    [one] Zu viele Versuche. Bitte warten Sie 1 Sekunde und versuchen Sie es dann erneut.
   *[other] Zu viele Versuche. Bitte warten Sie { $seconds } Sekunden und versuchen Sie es dann erneut.
}
error-cross-site = Diese Anfrage wurde abgelehnt, weil sie von einer anderen Website stammt.
error-unavailable = Der Dienst ist kurzzeitig nicht verfügbar. Bitte versuchen Sie es gleich noch einmal.
error-internal = Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es erneut.
error-transport = Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.
invalid-email-required = E-Mail-Adresse: Angabe erforderlich
invalid-email-too-long = E-Mail-Adresse: zu lang (höchstens 254 Zeichen)
invalid-email-has-spaces = E-Mail-Adresse: darf keine Leerzeichen enthalten
invalid-email-malformed = E-Mail-Adresse: muss das Format name@example.com haben
invalid-email-invisible = E-Mail-Adresse: darf keine unsichtbaren Zeichen oder Textrichtungszeichen enthalten
invalid-password-too-short = Passwort: muss mindestens 8 Zeichen lang sein
invalid-password-too-long = Passwort: darf höchstens 1024 Zeichen lang sein
invalid-session-prefix = Diese Sitzung wurde nicht erkannt. Laden Sie die Seite neu und versuchen Sie es erneut.
invalid-name-too-long = Gerätename: darf höchstens 64 Zeichen lang sein
invalid-name-control = Gerätename: darf keine Steuerzeichen oder Zeilenumbrüche enthalten
invalid-name-direction = Gerätename: darf keine Textrichtungszeichen enthalten
invalid-form-incomplete = Das Formular war unvollständig. Bitte füllen Sie alle Felder aus und versuchen Sie es erneut.
invalid-other = Bitte überprüfen Sie Ihre Eingaben und versuchen Sie es erneut.
