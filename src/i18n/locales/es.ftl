# signedin — los mensajes de la página en español (tuteo); en.ftl es la referencia.
# Los identificadores son estables; las variables de un mensaje ($name) las da el código y pueden usarse o no.
# Los plurales siguen las categorías CLDR del idioma (español: one, other).

## El marco de todas las páginas
site-name = signedin
skip-link = Saltar al contenido
nav-account = Cuenta
nav-signed-in-as = Sesión iniciada como
nav-devices = Dispositivos
nav-password = Contraseña
nav-sign-out = Cerrar sesión
nav-sign-in = Iniciar sesión
nav-create-account = Crear cuenta
footer-tagline = signedin · Consulta dónde tienes la sesión iniciada y ciérrala desde cualquier lugar.
language-label = Idioma
language-change = Cambiar idioma

## La página de inicio
home-title = Dónde has iniciado sesión
home-heading = Dónde has iniciado sesión
home-lead = Consulta todos los dispositivos con sesión iniciada en tu cuenta —qué navegador, dónde y cuándo estuvieron activos por última vez— y cierra la sesión en cualquiera de ellos con un solo clic.
home-sign-in = Iniciar sesión
home-create-account = Crear una cuenta
home-feature-see = Consulta cada dispositivo, navegador y lugar desde el que se ha iniciado sesión en tu cuenta.
home-feature-end = Cierra la sesión en un teléfono perdido o en un equipo compartido, estés donde estés.
home-feature-alerts = Recibe avisos de los nuevos inicios de sesión y cierra los que no hayas hecho tú.
home-summary-heading = Tu cuenta
home-summary-devices = { $count ->
    [one] 1 dispositivo con sesión iniciada
   *[other] { $count } dispositivos con sesión iniciada
}
home-summary-last = Último inicio de sesión nuevo: { $device }, { $when }
home-summary-last-place = Último inicio de sesión nuevo: { $device }, { $place }, { $when }
home-see-devices = Ver tus dispositivos
home-change-password = Cambiar la contraseña

## La página de dispositivos
devices-title = Tus dispositivos
devices-heading = Dónde has iniciado sesión
devices-lead = Estos dispositivos tienen la sesión iniciada en tu cuenta. Si no reconoces alguno, cierra su sesión.
devices-list-label = Dispositivos con sesión iniciada
devices-loading = Cargando dispositivos
devices-load-error = No se han podido cargar tus dispositivos.
devices-try-again = Volver a intentarlo
devices-only-this = Este es el único dispositivo con sesión iniciada en tu cuenta.
devices-show-more = Mostrar más dispositivos
devices-shown = Mostrando { $shown } de { $total }
devices-locations-approximate = Las ubicaciones son aproximadas.
devices-change-password = Cambiar la contraseña
device-this = Este dispositivo
device-new-location = Nueva ubicación
device-signed-in-local = Sesión iniciada en una red local
device-signed-in-from = Sesión iniciada desde { $place }
device-last-active = Última actividad
device-signed-in = Sesión iniciada
device-ip = IP
device-user-agent = Agente de usuario
device-sign-out = Cerrar sesión
device-sign-out-named = Cerrar sesión en { $device }
device-sign-out-this = Cerrar sesión en { $device } (este dispositivo)
device-rename = Cambiar nombre
device-rename-named = Cambiar el nombre de { $device }
device-name = Nombre del dispositivo
device-save = Guardar
device-rename-failed = No se ha podido cambiar el nombre de ese dispositivo.
device-signed-out = Se ha cerrado la sesión en { $device }.
device-sign-out-failed = No se ha podido cerrar la sesión en ese dispositivo.
you-were-signed-out = Se ha cerrado tu sesión
you-were-signed-out-on = Se ha cerrado tu sesión (en { $device })
you-were-signed-out-at = Se ha cerrado tu sesión ({ $when })
you-were-signed-out-on-at = Se ha cerrado tu sesión (en { $device }, { $when })
new-sign-in = Nuevo inicio de sesión: { $device }
new-sign-in-new-location = Nuevo inicio de sesión desde una ubicación nueva: { $device }

## Cerrar la sesión en los demás dispositivos
bulk-open = Cerrar todas las demás sesiones
bulk-explain = { $count ->
    [one] Se cerrará otra sesión. Ese dispositivo tendrá que volver a iniciar sesión.
   *[other] Se cerrarán otras { $count } sesiones. Esos dispositivos tendrán que volver a iniciar sesión.
}
bulk-confirm = { $count ->
    [one] Cerrar la otra sesión
   *[other] Cerrar las otras { $count } sesiones
}
bulk-password = Confirma tu contraseña
bulk-done = { $count ->
    [0] No había otras sesiones iniciadas.
    [one] Se ha cerrado otra sesión.
   *[other] Se han cerrado otras { $count } sesiones.
}

## Actividad de seguridad reciente
activity-heading = Actividad de seguridad reciente
activity-none = No hay actividad reciente.
sessions-count = { $count ->
    [one] { $count } sesión
   *[other] { $count } sesiones
}
event-with-place = { $text } · { $place }
event-account-created = Cuenta creada en { $device }
event-sign-in = Nuevo inicio de sesión: { $device }
event-sign-in-new-location = Nuevo inicio de sesión desde una ubicación nueva: { $device }
event-sign-in-failed = Intento de inicio de sesión fallido: { $device }
event-sign-out = Has cerrado la sesión en { $device }
event-session-revoked-by-you = Has cerrado la sesión de { $target }
event-session-revoked-by-admin = Un administrador ha cerrado la sesión de { $target }
event-others-revoked-by-you = { $count ->
    [one] Has cerrado 1 sesión en otros dispositivos
   *[other] Has cerrado { $count } sesiones en otros dispositivos
}
event-others-revoked-by-admin = { $count ->
    [one] Un administrador ha cerrado 1 sesión en otros dispositivos
   *[other] Un administrador ha cerrado { $count } sesiones en otros dispositivos
}
event-all-revoked-by-you = { $count ->
    [one] Has cerrado tu única sesión
   *[other] Has cerrado todas tus sesiones ({ $count })
}
event-all-revoked-by-admin = { $count ->
    [one] Un administrador ha cerrado tu única sesión
   *[other] Un administrador ha cerrado todas tus sesiones ({ $count })
}
event-reuse-detected = Se ha detectado un inicio de sesión robado y se ha cerrado la sesión en ese dispositivo
event-session-expired = Una sesión ha caducado
event-password-changed = Contraseña cambiada en { $device }
event-reauthenticated = Contraseña confirmada en { $device }
event-reauth-failed = Contraseña incorrecta introducida en { $device }
event-refresh-grace = Inicio de sesión renovado dos veces a la vez en { $device }
event-refresh-superseded = Se ha rechazado un token de inicio de sesión obsoleto en { $device }
event-session-evicted = { $count ->
    [one] Se ha cerrado la sesión de { $target }: era la que llevaba más tiempo sin usarse y solo puede haber 1 sesión iniciada a la vez
   *[other] Se ha cerrado la sesión de { $target }: era la que llevaba más tiempo sin usarse y puede haber como máximo { $count } sesiones iniciadas a la vez
}
event-session-reported = Has indicado «No he sido yo» y has cerrado la sesión de { $target }
event-renamed = Has cambiado el nombre de { $target } a «{ $name }»
event-name-removed = Has eliminado el nombre «{ $previous }» de { $target }
event-name-cleared = Has eliminado el nombre de { $target }
# Un dispositivo que el evento nombra pero que ya no se conoce, dentro de una frase y al principio.
event-unknown-device = un dispositivo desconocido
event-a-device = un dispositivo
event-a-device-start = Un dispositivo

## Dispositivos y lugares
device-unknown = Dispositivo desconocido
device-on = { $browser } en { $os }
device-of-os = Dispositivo { $os }
place-local-network = Red local
place-city = { $city }, { $country }

## Iniciar sesión y crear una cuenta
sign-in-title = Iniciar sesión
sign-in-heading = Iniciar sesión
sign-in-button = Iniciar sesión
sign-in-pending = Iniciando sesión…
sign-in-new-here = ¿Aún no tienes cuenta?
sign-in-create-link = Crear una cuenta
sign-up-title = Crear una cuenta
sign-up-heading = Crear una cuenta
sign-up-button = Crear cuenta
sign-up-pending = Creando cuenta…
sign-up-have-account = ¿Ya tienes una cuenta?
sign-up-sign-in-link = Iniciar sesión
email-label = Correo electrónico
password-label = Contraseña
password-hint = Al menos 8 caracteres.

## Cambiar la contraseña
password-title = Cambiar contraseña
password-heading = Cambiar la contraseña
password-lead = Elige una nueva contraseña para tu cuenta. Si cierras la sesión en tus otros dispositivos, nadie podrá seguir conectado con la anterior.
password-current = Contraseña actual
password-new = Nueva contraseña
password-new-hint = Al menos 8 caracteres. Unas cuantas palabras sin relación entre sí forman una contraseña segura y fácil de recordar.
password-strength = Seguridad: { $strength }
strength-too-short = demasiado corta
strength-weak = débil
strength-fair = aceptable
strength-strong = buena
strength-very-strong = muy buena
password-sign-out-others = Cerrar sesión en mis otros dispositivos
password-sign-out-others-hint = Recomendado. Este dispositivo mantendrá la sesión iniciada.
password-submit = Cambiar contraseña
password-changed = { $count ->
    [0] Se ha cambiado tu contraseña. No había otros dispositivos con sesión iniciada.
    [one] Se ha cambiado tu contraseña y se ha cerrado la sesión en otro dispositivo.
   *[other] Se ha cambiado tu contraseña y se ha cerrado la sesión en otros { $count } dispositivos.
}
password-changed-kept = Se ha cambiado tu contraseña. Tus otros dispositivos mantienen la sesión iniciada.
password-back = Volver a tus dispositivos

## Páginas que responden a los enlaces de un correo de alerta
alert-not-me-title = ¿No has sido tú?
alert-was-me-title = ¿Has sido tú?
alert-loading = Cargando…
alert-went-wrong = Algo ha salido mal
alert-sign-out-everywhere = Cerrar sesión en todas partes
alert-sign-in-to-change-password = Inicia sesión para cambiar tu contraseña
alert-not-me-heading = ¿No has sido tú?
alert-not-me-reported = Te hemos avisado por correo electrónico de este inicio de sesión en tu cuenta:
alert-not-me-explain = Cierra ya la sesión en ese dispositivo. No necesitas haber iniciado sesión para hacerlo.
alert-not-me-button = Cerrar sesión en ese dispositivo
alert-signed-out-heading = Se ha cerrado la sesión en ese dispositivo
alert-signed-out-explain = Ya no puede usar tu cuenta. Si otra persona conoce tu contraseña, cierra sesión en todas partes y, después, cambia tu contraseña.
alert-everywhere-heading = Sesión cerrada en todas partes
alert-everywhere-explain = Se ha cerrado la sesión de tu cuenta en todos los dispositivos, incluido este. Vuelve a iniciar sesión y cambia tu contraseña.
alert-was-me-heading = ¿Has sido tú?
alert-was-me-explain = Si has iniciado sesión tú, confírmalo y el dispositivo dejará de estar marcado como nuevo.
alert-was-me-button = Sí, he sido yo
alert-was-me-otherwise = Si no has sido tú, usa en su lugar el enlace «No he sido yo» del correo electrónico.
alert-thanks-heading = Gracias por confirmarlo
alert-thanks-explain = El dispositivo ya no está marcado como nuevo.
alert-see-devices = Ver tus dispositivos
alert-unusable-heading = No se puede usar este enlace
alert-sign-in-to-see = Inicia sesión para ver tus dispositivos
alert-link-used = Este enlace ya se ha usado.
alert-link-expired = Este enlace ha caducado: los enlaces de los correos de alerta son válidos durante 24 horas. Inicia sesión para ver tus dispositivos y cierra la sesión en los que no reconozcas.
alert-already-signed-out = Ya se ha cerrado la sesión en ese dispositivo.
alert-link-invalid = Este enlace no es válido: puede que esté incompleto o se haya modificado. Vuelve a abrirlo desde el correo electrónico o inicia sesión para ver tus dispositivos.

## Una página que no existe
not-found-title = Página no encontrada
not-found-heading = Página no encontrada
not-found-explain = No hay nada en esta dirección.
not-found-home = Ir a la página de inicio

## Qué ha salido mal (los detalles de problema de la API siguen en inglés; estas son las palabras de la página)
error-unauthorized = Inicia sesión para continuar.
error-invalid-credentials = El correo electrónico o la contraseña no son correctos.
error-wrong-password = La contraseña no es correcta.
error-email-taken = Ya existe una cuenta con este correo electrónico. Prueba a iniciar sesión.
error-session-not-found = Esa sesión ya había finalizado. Se ha actualizado la lista.
error-reauth-required = Confirma tu contraseña para cerrar las demás sesiones.
error-rate-limited = { $seconds ->
    [one] Demasiados intentos. Espera 1 segundo y vuelve a intentarlo.
   *[other] Demasiados intentos. Espera { $seconds } segundos y vuelve a intentarlo.
}
error-cross-site = Se ha rechazado esta solicitud porque procedía de otro sitio web.
error-unavailable = El servicio no está disponible temporalmente. Vuelve a intentarlo en un momento.
error-internal = Se ha producido un error por nuestra parte. Vuelve a intentarlo.
error-transport = No se ha podido conectar con el servidor. Comprueba tu conexión y vuelve a intentarlo.
invalid-email-required = Correo electrónico: es obligatorio
invalid-email-too-long = Correo electrónico: es demasiado largo (máximo 254 caracteres)
invalid-email-has-spaces = Correo electrónico: no puede contener espacios
invalid-email-malformed = Correo electrónico: debe tener el formato nombre@example.com
invalid-email-invisible = Correo electrónico: no puede contener caracteres invisibles ni de dirección del texto
invalid-password-too-short = Contraseña: debe tener al menos 8 caracteres
invalid-password-too-long = Contraseña: debe tener como máximo 1024 caracteres
invalid-session-prefix = No se ha reconocido esa sesión. Vuelve a cargar la página e inténtalo de nuevo.
invalid-name-too-long = Nombre del dispositivo: debe tener como máximo 64 caracteres
invalid-name-control = Nombre del dispositivo: no puede contener caracteres de control ni saltos de línea
invalid-name-direction = Nombre del dispositivo: no puede contener caracteres de dirección del texto
invalid-form-incomplete = El formulario estaba incompleto. Rellena todos los campos y vuelve a intentarlo.
invalid-other = Revisa los datos introducidos y vuelve a intentarlo.
