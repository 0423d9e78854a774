# signedin — les messages de la page en français (vouvoiement) ; en.ftl fait référence.
# Les identifiants sont stables ; les variables d'un message ($name) viennent du code et peuvent être utilisées ou non.
# Les pluriels suivent les catégories CLDR de la langue (français : one pour 0 et 1, other).

## Le cadre de chaque page
site-name = signedin
skip-link = Aller au contenu
nav-account = Compte
nav-signed-in-as = Connecté en tant que
nav-devices = Appareils
nav-password = Mot de passe
nav-sign-out = Se déconnecter
nav-sign-in = Se connecter
nav-create-account = Créer un compte
footer-tagline = signedin · Voyez où vous êtes connecté et déconnectez-vous de partout.
language-label = Langue
language-change = Changer de langue

## La page d'accueil
home-title = Où vous êtes connecté
home-heading = Où vous êtes connecté
home-lead = Consultez tous les appareils connectés à votre compte — navigateur, lieu et dernière activité — et déconnectez celui de votre choix en un clic.
home-sign-in = Se connecter
home-create-account = Créer un compte
home-feature-see = Visualisez chaque appareil, navigateur et lieu depuis lequel votre compte est connecté.
home-feature-end = Déconnectez un téléphone perdu ou un ordinateur partagé, où que vous soyez.
home-feature-alerts = Soyez averti des nouvelles connexions et mettez fin à celles qui ne viennent pas de vous.
home-summary-heading = Votre compte
home-summary-devices = { $count ->
    [one] { $count } appareil connecté
   *[other] { $count } appareils connectés
}
home-summary-last = Dernière nouvelle connexion : { $device }, { $when }
home-summary-last-place = Dernière nouvelle connexion : { $device }, { $place }, { $when }
home-see-devices = Voir vos appareils
home-change-password = Changer votre mot de passe

## La page des appareils
devices-title = Vos appareils
devices-heading = Où vous êtes connecté
devices-lead = Ces appareils sont connectés à votre compte. Si vous ne reconnaissez pas l'un d'eux, déconnectez-le.
devices-list-label = Appareils connectés
devices-loading = Chargement des appareils
devices-load-error = Impossible de charger vos appareils.
devices-try-again = Réessayer
devices-only-this = Cet appareil est le seul connecté à votre compte.
devices-show-more = Afficher plus d'appareils
devices-shown = Affichage : { $shown } sur { $total }
devices-locations-approximate = Les lieux indiqués sont approximatifs.
devices-change-password = Changer votre mot de passe
device-this = Cet appareil
device-new-location = Nouveau lieu
device-signed-in-local = Connecté sur un réseau local
device-signed-in-from = Connecté depuis { $place }
device-last-active = Dernière activité
device-signed-in = Connecté
device-ip = IP
device-user-agent = Agent utilisateur
device-sign-out = Déconnecter
device-sign-out-named = Déconnecter { $device }
device-sign-out-this = Déconnecter { $device } (cet appareil)
device-rename = Renommer
device-rename-named = Renommer { $device }
device-name = Nom de l'appareil
device-save = Enregistrer
device-rename-failed = Impossible de renommer cet appareil.
device-signed-out = { $device } a été déconnecté.
device-sign-out-failed = Impossible de déconnecter cet appareil.
you-were-signed-out = Vous avez été déconnecté
you-were-signed-out-on = Vous avez été déconnecté (sur { $device })
you-were-signed-out-at = Vous avez été déconnecté ({ $when })
you-were-signed-out-on-at = Vous avez été déconnecté (sur { $device }, { $when })
new-sign-in = Nouvelle connexion : { $device }
new-sign-in-new-location = Nouvelle connexion depuis un nouveau lieu : { $device }

## Déconnecter les autres appareils
bulk-open = Se déconnecter de toutes les autres sessions
bulk-explain = { $count ->
    [one] Cette action déconnecte { $count } autre session. L'appareil concerné devra se reconnecter.
   *[other] Cette action déconnecte { $count } autres sessions. Les appareils concernés devront se reconnecter.
}
bulk-confirm = { $count ->
    [one] Déconnecter { $count } autre session
   *[other] Déconnecter { $count } autres sessions
}
bulk-password = Confirmez votre mot de passe
bulk-done = { $count ->
    [0] Aucune autre session n'était ouverte.
    [one] { $count } autre session a été déconnectée.
   *[other] { $count } autres sessions ont été déconnectées.
}

## Activité de sécurité récente
activity-heading = Activité de sécurité récente
activity-none = Aucune activité récente.
sessions-count = { $count ->
    [one] { $count } session
   *[other] { $count } sessions
}
event-with-place = { $text } · { $place }
event-account-created = Compte créé sur { $device }
event-sign-in = Nouvelle connexion : { $device }
event-sign-in-new-location = Nouvelle connexion depuis un nouveau lieu : { $device }
event-sign-in-failed = Tentative de connexion échouée : { $device }
event-sign-out = Vous vous êtes déconnecté sur { $device }
event-session-revoked-by-you = Vous avez déconnecté { $target }
event-session-revoked-by-admin = Un administrateur a déconnecté { $target }
event-others-revoked-by-you = { $count ->
    [one] Vous avez mis fin à { $count } session sur d'autres appareils
   *[other] Vous avez mis fin à { $count } sessions sur d'autres appareils
}
event-others-revoked-by-admin = { $count ->
    [one] Un administrateur a mis fin à { $count } session sur d'autres appareils
   *[other] Un administrateur a mis fin à { $count } sessions sur d'autres appareils
}
event-all-revoked-by-you = { $count ->
    [one] Vous avez mis fin à votre unique session
   *[other] Vous avez mis fin à toutes vos sessions ({ $count })
}
event-all-revoked-by-admin = { $count ->
    [one] Un administrateur a mis fin à votre unique session
   *[other] Un administrateur a mis fin à toutes vos sessions ({ $count })
}
event-reuse-detected = Une connexion volée a été détectée et l'appareil concerné a été déconnecté
event-session-expired = Une session a expiré
event-password-changed = Mot de passe modifié sur { $device }
event-reauthenticated = Mot de passe confirmé sur { $device }
event-reauth-failed = Mot de passe incorrect saisi sur { $device }
event-refresh-grace = Connexion renouvelée deux fois simultanément sur { $device }
event-refresh-superseded = Un jeton de connexion périmé a été refusé sur { $device }
event-session-evicted = { $count ->
    [one] { $target } a été déconnecté : c'était la session utilisée le moins récemment, et { $count } seule session peut être ouverte à la fois
   *[other] { $target } a été déconnecté : c'était la session utilisée le moins récemment, et au plus { $count } sessions peuvent être ouvertes à la fois
}
event-session-reported = Vous avez indiqué « Ce n'était pas moi » et déconnecté { $target }
event-renamed = Vous avez renommé { $target } en « { $name } »
event-name-removed = Vous avez supprimé le nom « { $previous } » attribué à { $target }
event-name-cleared = Vous avez supprimé le nom attribué à { $target }
# Un appareil que l'événement désigne mais qui n'est plus connu, dans une phrase et en début de phrase.
event-unknown-device = un appareil inconnu
event-a-device = un appareil
event-a-device-start = Un appareil

## Appareils et lieux
device-unknown = Appareil inconnu
device-on = { $browser } sur { $os }
device-of-os = Appareil { $os }
place-local-network = Réseau local
place-city = { $city }, { $country }

## Se connecter et créer un compte
sign-in-title = Connexion
sign-in-heading = Connexion
sign-in-button = Se connecter
sign-in-pending = Connexion en cours…
sign-in-new-here = Pas encore de compte ?
sign-in-create-link = Créer un compte
sign-up-title = Créer un compte
sign-up-heading = Créer un compte
sign-up-button = Créer un compte
sign-up-pending = Création du compte…
sign-up-have-account = Vous avez déjà un compte ?
sign-up-sign-in-link = Se connecter
email-label = Adresse e-mail
password-label = Mot de passe
password-hint = Au moins 8 caractères.

## Changer le mot de passe
password-title = Changer le mot de passe
password-heading = Changer votre mot de passe
password-lead = Choisissez un nouveau mot de passe pour votre compte. En déconnectant vos autres appareils, vous vous assurez que personne ne reste connecté avec l'ancien.
password-current = Mot de passe actuel
password-new = Nouveau mot de passe
password-new-hint = Au moins 8 caractères. Quelques mots sans rapport entre eux forment un mot de passe robuste et facile à retenir.
password-strength = Niveau de sécurité : { $strength }
strength-too-short = trop court
strength-weak = faible
strength-fair = moyen
strength-strong = élevé
strength-very-strong = très élevé
password-sign-out-others = Déconnecter mes autres appareils
password-sign-out-others-hint = Recommandé. Cet appareil reste connecté.
password-submit = Changer le mot de passe
password-changed = { $count ->
    [0] Votre mot de passe a été modifié. Aucun autre appareil n'était connecté.
    [one] Votre mot de passe a été modifié et { $count } autre appareil a été déconnecté.
   *[other] Votre mot de passe a été modifié et { $count } autres appareils ont été déconnectés.
}
password-changed-kept = Votre mot de passe a été modifié. Vos autres appareils restent connectés.
password-back = Retour à vos appareils

## Les pages ouvertes par les liens des e-mails d'alerte
alert-not-me-title = Ce n'était pas vous ?
alert-was-me-title = Était-ce vous ?
alert-loading = Chargement…
alert-went-wrong = Un problème est survenu
alert-sign-out-everywhere = Se déconnecter partout
alert-sign-in-to-change-password = Se connecter pour changer de mot de passe
alert-not-me-heading = Ce n'était pas vous ?
alert-not-me-reported = Cette connexion à votre compte vous a été signalée par e-mail :
alert-not-me-explain = Déconnectez cet appareil dès maintenant. Vous n'avez pas besoin d'être connecté pour le faire.
alert-not-me-button = Déconnecter cet appareil
alert-signed-out-heading = Cet appareil est déconnecté
alert-signed-out-explain = Il ne peut plus utiliser votre compte. Si quelqu'un d'autre connaît votre mot de passe, déconnectez-vous partout, puis changez votre mot de passe.
alert-everywhere-heading = Déconnecté partout
alert-everywhere-explain = Tous les appareils sont déconnectés de votre compte, y compris celui-ci. Reconnectez-vous et changez votre mot de passe.
alert-was-me-heading = Était-ce vous ?
alert-was-me-explain = Si c'est bien vous qui vous êtes connecté, confirmez-le : l'appareil ne sera plus signalé comme nouveau.
alert-was-me-button = Oui, c'était moi
alert-was-me-otherwise = Si ce n'était pas vous, utilisez plutôt le lien « Ce n'était pas moi » de l'e-mail.
alert-thanks-heading = Merci de votre confirmation
alert-thanks-explain = L'appareil n'est plus signalé comme nouveau.
alert-see-devices = Voir vos appareils
alert-unusable-heading = Ce lien ne peut pas être utilisé
alert-sign-in-to-see = Connectez-vous pour voir vos appareils
alert-link-used = Ce lien a déjà été utilisé.
alert-link-expired = Ce lien a expiré : les liens des e-mails d'alerte sont valables 24 heures. Connectez-vous pour voir vos appareils et déconnectez ceux que vous ne reconnaissez pas.
alert-already-signed-out = Cet appareil est déjà déconnecté.
alert-link-invalid = Ce lien n'est pas valide : il a peut-être été tronqué ou modifié. Ouvrez-le à nouveau depuis l'e-mail, ou connectez-vous pour voir vos appareils.

## Une page qui n'existe pas
not-found-title = Page introuvable
not-found-heading = Page introuvable
not-found-explain = Il n'y a rien à cette adresse.
not-found-home = Aller à la page d'accueil

## Ce qui n'a pas fonctionné (les détails de problème de l'API restent en anglais ; voici les mots de la page)
error-unauthorized = Veuillez vous connecter pour continuer.
error-invalid-credentials = L'adresse e-mail ou le mot de passe est incorrect.
error-wrong-password = Ce mot de passe est incorrect.
error-email-taken = Un compte existe déjà avec cette adresse e-mail. Essayez plutôt de vous connecter.
error-session-not-found = Cette session a déjà pris fin. La liste a été actualisée.
error-reauth-required = Veuillez confirmer votre mot de passe pour déconnecter les autres sessions.
error-rate-limited = { $seconds ->
    [one] Trop de tentatives. Veuillez patienter { $seconds } seconde, puis réessayer.
   *[other] Trop de tentatives. Veuillez patienter { $seconds } secondes, puis réessayer.
}
error-cross-site = Cette requête a été refusée, car elle provenait d'un autre site.
error-unavailable = Le service est momentanément indisponible. Veuillez réessayer dans un instant.
error-internal = Un problème est survenu de notre côté. Veuillez réessayer.
error-transport = Impossible de joindre le serveur. Vérifiez votre connexion et réessayez.
invalid-email-required = Adresse e-mail : champ obligatoire
invalid-email-too-long = Adresse e-mail : trop longue (254 caractères maximum)
invalid-email-has-spaces = Adresse e-mail : ne doit pas contenir d'espaces
invalid-email-malformed = Adresse e-mail : doit être au format nom@example.com
invalid-email-invisible = Adresse e-mail : ne doit contenir ni caractères invisibles ni caractères de direction du texte
invalid-password-too-short = Mot de passe : doit contenir au moins 8 caractères
invalid-password-too-long = Mot de passe : ne doit pas dépasser 1 024 caractères
invalid-session-prefix = Cette session n'a pas été reconnue. Rechargez la page et réessayez.
invalid-name-too-long = Nom de l'appareil : ne doit pas dépasser 64 caractères
invalid-name-control = Nom de l'appareil : ne doit contenir ni caractères de contrôle ni sauts de ligne
invalid-name-direction = Nom de l'appareil : ne doit pas contenir de caractères de direction du texte
invalid-form-incomplete = Le formulaire est incomplet. Veuillez remplir tous les champs et réessayer.
invalid-other = Veuillez vérifier votre saisie et réessayer.
