# Testigo — textos del panel de los coordinadores (español, idioma por defecto).
# Cada archivo de idioma tiene exactamente los mismos identificadores, todos con el prefijo
# «dash-», y cada mensaje usa las mismas variables en todos los idiomas (una prueba lo comprueba).

## Marco de cada página
dash-brand = Testigo
dash-home = Inicio
dash-overview = Resumen
dash-tally = Totales
dash-batches = Lotes
dash-devices = Dispositivos
dash-sign-out = Salir

## Entrar
dash-sign-in = Entrar
dash-login-user = Usuario
dash-login-password = Contraseña
dash-login-throttled = Demasiados intentos. Espere unos minutos.
dash-login-incomplete = Escriba usuario y contraseña.
dash-login-wrong = Usuario o contraseña incorrectos.

## Errores
dash-error-title = Error { $status }
dash-error-not-found = No existe, o no está en su región.
dash-error-internal = Error interno. Inténtelo de nuevo.
dash-error-forbidden = Su cuenta no puede hacer esto.
dash-error-bad-request = La solicitud no es válida.
dash-error-bad-address = dirección mal formada
dash-error-bad-params = parámetros no válidos
dash-error-incomplete-form = formulario incompleto
dash-error-form-expired = El formulario caducó. Recargue la página.
dash-error-unknown-filter = filtro desconocido
dash-error-view-only = Su cuenta puede ver pero no revisar.
dash-error-no-verdict = elija un estado
dash-error-comment-too-long = el comentario es demasiado largo

## Regiones
dash-region-title = { $region } — { $contest }
dash-stations-reported = Mesas con acta
dash-voters-covered = Electores cubiertos
dash-registered = Inscritos
dash-actas = Actas
dash-photos = Fotos
dash-with-warnings = Con advertencias
dash-of-registered = de { $registered } inscritos
dash-actas-received = Actas recibidas
dash-n-with-warnings = { $n } con advertencias
dash-photos-received = Fotos recibidas
dash-region-tally = Totales de esta región
dash-batches-received = Lotes recibidos
dash-arrivals = Llegadas por minuto (últimas 3 horas)
dash-arrivals-legend = Oscuro: actas · claro: fotos
dash-subregions = Subregiones
dash-col-region = Región
dash-centers = Centros de votación
dash-col-center = Centro

## Gráfico de llegadas (etiqueta accesible y títulos de las barras)
dash-chart-arrivals = llegadas por minuto
dash-chart-records =
    { $count ->
        [one] { $n } acta
       *[other] { $n } actas
    }
dash-chart-photos =
    { $count ->
        [one] { $n } foto
       *[other] { $n } fotos
    }

## Totales
dash-tally-title = Totales — { $region }
dash-tally-coverage = Cobertura: { $stations } de las mesas, { $voters } de los electores inscritos.
dash-by-candidate = Por candidato
dash-col-candidate = Candidato
dash-col-votes = Votos
dash-col-share = %
dash-by-option = Por tarjeta (partido)
dash-col-option = Tarjeta
dash-other-numbers = Otros números del acta
dash-valid-votes = Votos válidos (suma de tarjetas)
dash-tally-typed-note = Los números son los que escribieron los testigos; las diferencias con la foto se ven en cada acta.

## Listas de capturas
dash-review-verified = verificada
dash-review-disputed = en disputa
dash-review-rejected = rechazada
dash-review-unreviewed = sin revisar
dash-col-received = Recibida
dash-col-station = Mesa
dash-col-device = Dispositivo
dash-col-warnings = Advertencias
dash-col-review = Revisión
dash-counts = cuenta
dash-corrected = corregida

## Centros y mesas
dash-station = Mesa { $number }
dash-center-summary = { $stations } mesas · { $registered } inscritos · { $reported } con acta
dash-col-captures = Capturas
dash-col-counted-acta = Acta que cuenta
dash-view-acta = ver acta
dash-station-title = Mesa { $number } — { $center }
dash-station-summary = { $center } · { $registered } inscritos · { $captures } capturas recibidas
dash-station-no-captures = Ningún testigo ha enviado esta acta todavía.

## Lotes
dash-batches-title-scope = Lotes recibidos — { $scope }
dash-filter-all = Todas
dash-filter-warnings = Con advertencias
dash-filter-unreviewed = Sin revisar
dash-filter-disputed = En disputa
dash-filter-missing-photo = Falta foto
dash-nothing = Nada que mostrar.
dash-older = Más antiguas →

## Dispositivos
dash-devices-enrolled = Dispositivos inscritos
dash-devices-seen-15-min = Vistos en 15 min
dash-devices-seen-hour = Vistos en la última hora
dash-devices-never-seen = Nunca vistos
dash-devices-recent = Sin señal desde hace más tiempo primero
dash-col-stations = Mesas
dash-col-last-seen = Visto por última vez
dash-revoked-at = revocado { $at }
dash-and-more = y { $n } más
dash-minutes-ago = (hace { $minutes } min)
dash-never = nunca

## El acta
dash-acta-title = Acta — mesa { $number } — { $center }
dash-counted = cuenta en los totales
dash-not-counted = no cuenta en los totales
dash-phone-warnings = Advertencias del teléfono
dash-watcher-notes = Notas del testigo
dash-warning-count-missing = falta un número
dash-warning-sum-mismatch = la suma de votos no cuadra con los votantes
dash-warning-voted-exceeds-registered = más votantes que inscritos
dash-warning-photo-missing = sin foto
dash-warning-qr-mismatch = difiere del código QR
dash-no-photo = Esta captura no trae foto.
dash-photo-alt = Acta, página { $page }
dash-photo-caption = Página { $page } · toque la foto para ampliar · { $size } bytes
dash-photo-pending = Página { $page }: la foto aún no llega ({ $size } bytes esperados).
dash-col-field = Campo
dash-col-typed = Escrito
dash-col-qr = QR
dash-col-other = otro testigo (teléfono { $device })

## Revisión
dash-review = Revisión
dash-review-state = Estado:
dash-review-verified-option = Verificada
dash-review-disputed-option = En disputa
dash-review-rejected-option = Rechazada
dash-review-comment = Comentario para el testigo
dash-review-save = Guardar revisión
dash-audit = Registro de revisiones
dash-audit-comment = — «{ $comment }»

## Procedencia
dash-provenance = Procedencia
dash-capture = Captura
dash-device-revoked = Dispositivo revocado
dash-phone-time = Hora del teléfono
dash-received-server = Recibida (servidor)
dash-record-sha = SHA-256 del registro
dash-receipt-key = Recibo firmado por
dash-photo-sha = Foto { $page }: SHA-256
dash-photo-original = Foto { $page }: original de la cámara
dash-photo-received = Foto { $page }: recibida
dash-photo-not-received = no recibida
dash-corrections = Correcciones (mismo dispositivo)
dash-this-one = (esta)

## Contraste con los resultados oficiales
dash-contrast = Contraste oficial
dash-contrast-title = Contraste con los resultados oficiales: { $region }
dash-contrast-none = Todavía no se han importado resultados oficiales (testigo official import, o la API de administración).
dash-contrast-compared = Mesas comparadas
dash-contrast-matching = Coinciden
dash-contrast-differing = Difieren
dash-contrast-only-official = Solo oficial
dash-contrast-only-ours = Solo nuestra
dash-contrast-by-candidate = Diferencia por candidato (nuestra menos oficial, en las mesas que difieren)
dash-contrast-by-region = Por región
dash-contrast-tables = Mesas
dash-contrast-no-tables = Ninguna mesa aquí.
dash-contrast-sort-difference = Mayor diferencia primero
dash-contrast-sort-table = Por mesa
dash-contrast-csv = Descargar todas las discrepancias (CSV)
dash-contrast-open = Acta y números
dash-contrast-showing = Mesas { $from }–{ $to } de { $total }
dash-contrast-imports = Resultados oficiales importados
dash-col-difference = Diferencia
dash-col-differences = Qué difiere (nuestra menos oficial)
dash-col-official = Oficial
dash-col-acta = Acta
dash-col-source = Fuente
dash-col-imported = Importado
dash-col-tables = Mesas
dash-prev-page = Anterior
dash-next-page = Siguiente

dash-report-link = Informe imprimible
dash-report-title = Informe de contraste: { $region }
dash-report-print-hint = Use Imprimir del navegador (Ctrl+P) para guardar este informe como PDF.
dash-report-intro-all = { $election }. Informe generado el { $time }.
dash-report-intro = { $election } — { $region }. Informe generado el { $time }.
dash-report-method = Método
dash-report-method-text = El acta de cada mesa fue fotografiada y transcrita por un testigo acreditado, firmada por su teléfono y recibida por los coordinadores con un recibo firmado. Los resultados por mesa de la autoridad se importaron tal como se publicaron (cada archivo abajo, guardado entero, con su SHA-256); para cada mesa vale la última importación que da sus números. Solo se comparan los números que da la autoridad; una diferencia es el número de nuestra acta menos el oficial.
dash-report-figures = Cifras
dash-report-largest = Las { $n } mayores discrepancias
dash-report-device = Clave del dispositivo del testigo

## Conteo rápido
dash-quickcount = Conteo rápido
dash-quickcount-none = Todavía no se ha sorteado la muestra (testigo quickcount draw --size N --seed S).
dash-quickcount-in = { $in } de { $sample } mesas de la muestra recibidas ({ $pct })
dash-quickcount-seed = Semilla: «{ $seed }»; cualquiera puede volver a sortear la muestra con ella.
dash-col-estimate = Proporción estimada
dash-col-margin = Margen de error (95 %)
dash-quickcount-lead-beyond = La ventaja del primero supera su margen de error (±{ $margin }).
dash-quickcount-lead-within = La ventaja del primero está dentro de su margen de error (±{ $margin }): demasiado reñido.
dash-quickcount-chart = Margen de error del primero a medida que llega la muestra
dash-quickcount-method = Método: muestra aleatoria de mesas sorteada antes de la elección, estratificada por el primer nivel de regiones y repartida en proporción a los electores inscritos; proporciones con un estimador de razón y varianza estratificada; márgenes al 95 % (aproximación normal).

## La mesa de verificación
dash-transcribe = Transcribir
dash-verify = Verificar
dash-col-capture = Captura
dash-desk-progress = Por transcribir: { $transcribing } · para un verificador: { $verify } · resueltas: { $confirmed }
dash-desk-empty = No hay nada que transcribir ahora. Esta página le da la siguiente acta en cuanto llegue: recárguela.
dash-desk-to-verify = Actas que esperan un verificador
dash-desk-saved = Guardado. Aquí está la siguiente acta.
dash-desk-saved-confirmed = Guardado: las dos transcripciones y el testigo coinciden, el acta queda confirmada.
dash-desk-saved-verify = Guardado: las transcripciones difieren, el acta pasa a un verificador.
dash-desk-table = Mesa { $number }, { $center } · transcripción { $slot } de 2
dash-desk-missing = Escriba un número para { $field }.
dash-desk-not-a-count = { $field } debe ser un número entero de 0 a 1.000.000.
dash-desk-submit = Guardar y seguir
dash-desk-blind = Escriba lo que muestra la foto, fila por fila. No ve lo que escribieron el testigo ni el otro transcriptor.
dash-desk-field = Votos de { $field }
dash-desk-zoom = Ampliar la foto
dash-desk-verify-empty = Ninguna acta espera un verificador.
dash-desk-col-clerks = Transcrita por
dash-desk-col-watcher = Testigo
dash-desk-col-decision = El acta dice
dash-desk-decide = Guardar decisión
dash-desk-own-entry = Usted transcribió esta acta: debe verificarla otro coordinador.
dash-desk-decided-by = Decidida por { $name }.
dash-desk-open-acta = Abrir la captura
dash-desk-verify-title = Verificar la mesa { $number }, { $center }
dash-desk-state-transcribing = Por transcribir
dash-desk-state-verify = Espera un verificador
dash-desk-state-confirmed = Confirmada por doble transcripción
dash-desk-state-decided = Decidida por un verificador

## Las operaciones de la noche: mesas atrasadas, búsqueda
dash-missing = Faltantes
dash-missing-title = { $list } — { $region }
dash-missing-count = { $missing } de { $tables } mesas aún sin acta
dash-as-of = a las { $time }
dash-missing-no-acta = Sin acta
dash-missing-no-photo = Acta sin su foto
dash-missing-uploading = Fotos que siguen subiendo
dash-missing-none = Ninguna mesa está atrasada aquí.
dash-missing-open-acta = (abrir el acta)
dash-missing-no-device = ningún dispositivo asignado
dash-col-table = Mesa
dash-col-devices = Dispositivos (última señal)
dash-search = Buscar
dash-search-hint = Escriba el código o el nombre de una mesa, un centro o una región, o el id de una captura.
dash-search-none = Nada encontrado en su región.
dash-search-capture = Captura #{ $pk } (mesa { $table })
dash-search-table = Mesa { $number } ({ $id }), { $center }
dash-missing-disagree = Testigos en desacuerdo
dash-attention = Requiere atención
dash-attention-none = Nada requiere atención.
dash-attention-late = mesas sin acta
dash-attention-disagree = mesas donde los testigos no coinciden
dash-attention-disputed = mesas con el acta impugnada
dash-attention-unreviewed = mesas con el acta sin revisar
dash-attention-no-photo = mesas que esperan su foto
dash-attention-warned = mesas cuya acta llegó con advertencias
dash-missing-disputed = Impugnadas
dash-missing-unreviewed = Sin revisar
dash-missing-warned = Con advertencias
dash-choice = Qué acta vale
dash-choice-latest = La mesa cuenta con su acta más reciente.
dash-choice-made = Vale el acta #{ $pk }, elegida por { $name } el { $at }:
dash-choice-option = #{ $pk } del teléfono { $device }, recibida el { $at }
dash-choice-back-to-latest = La más reciente (sin elección)
dash-choice-reason = Motivo (queda en el registro de auditoría)
dash-choice-save = Guardar la elección
dash-choice-needs-reason = Indique el motivo (1.000 caracteres como máximo).
dash-choice-not-standing = Esa acta no puede valer para esta mesa: fue corregida, rechazada o es de otra mesa.
dash-audit-transcribe = transcrita (entrada { $slot } de 2)
dash-audit-choose = elegida para valer por su mesa
dash-col-earlier = anterior, { $at }
dash-device-manage = Testigo, revocar
dash-contact-name = Nombre del testigo
dash-contact-phone = Teléfono
dash-contact-save = Guardar
dash-contact-invalid = Un nombre de 100 caracteres como máximo y un teléfono de cifras, espacios y + - ( ) (32 como máximo).
dash-revoke-reason = Por qué revocarlo (perdido, incautado…)
dash-revoke = Revocar este teléfono
dash-revoke-needs-reason = Indique el motivo (500 caracteres como máximo).
dash-tally-latest = Cada mesa cuenta con su acta más reciente que no fue corregida ni rechazada.
dash-tally-verified-only = Solo cuentan las actas verificadas: una mesa cuenta cuando su acta está verificada (por doble transcripción, un verificador o una revisión).
dash-tally-count-verified = Contar solo las actas verificadas
dash-tally-count-latest = Volver a contar las actas más recientes
dash-audit-nav = Auditoría
dash-audit-title = Registro de auditoría
dash-audit-csv = Descargar en CSV
dash-audit-none = Ninguna entrada coincide.
dash-col-when = Cuándo
dash-col-who = Quién
dash-col-what = Qué
dash-col-details = Detalles
dash-enrollment = Inscripción
dash-enrollment-center = Código del centro (un código por mesa)
dash-enrollment-make = Crear los códigos
dash-enrollment-once = Los códigos solo se guardan como huellas: imprima o guarde la hoja cuando aparece, no se puede volver a mostrar.
dash-enrollment-count = { $made } códigos creados, { $used } usados.
dash-enrollment-unused = Códigos aún sin usar
dash-enrollment-sheet = Códigos de inscripción — { $center }
dash-enrollment-print = Imprima esta página (una hoja por centro): cada testigo escanea el código de su mesa.
dash-enrollment-no-center = No hay ningún centro con ese código.
dash-refused = Registros rechazados
dash-refused-intro = Registros que el servidor no contó: rechazados al llegar (el teléfono los muestra como detenidos, con el motivo) o enviados de nuevo con otro contenido bajo un id ya usado (vale el primero).
dash-refused-none = Ningún registro rechazado en su región.
dash-refused-conflict = otro contenido bajo un id ya usado
dash-refused-bad-signature = la firma no se verifica
dash-refused-wrong-device = nombra la clave de otro teléfono
dash-refused-not-assigned = una mesa que no está asignada al teléfono
dash-refused-wrong-election = no es un acta de esta elección
dash-refused-invalid = excede un límite del registro
dash-review-saved = Revisión guardada; el teléfono del testigo la recibe en su próxima sincronización.
dash-review-next = Siguiente acta por revisar →
dash-review-none-left = No queda ningún acta por revisar en su región.

## Cuentas y teléfonos de una mesa
dash-accounts = Cuentas
dash-accounts-roles = Los observadores miran su región; los revisores además revisan, transcriben y verifican actas y actúan sobre los teléfonos de su región; los administradores dirigen toda la elección: cuentas, inscripción, teléfonos de las mesas, importaciones, publicación y registro de auditoría.
dash-col-account = Nombre
dash-col-role = Rol
dash-col-scope = Región
dash-col-last-login = Último ingreso
dash-col-actions = Acciones
dash-role-observer = Observador
dash-role-reviewer = Revisor
dash-role-admin = Administrador
dash-scope-all = Toda la elección
dash-account-disabled = desactivada { $at }
dash-account-change = Cambiar
dash-account-scope = Región (una ruta como «Zulia/Maracaibo»; vacía para toda la elección)
dash-account-save = Guardar rol y región
dash-account-reset = Nueva contraseña
dash-account-enable = Activar
dash-account-disable = Desactivar
dash-account-new = Nueva cuenta
dash-account-make = Crear la cuenta
dash-account-password = La contraseña de { $name }:
dash-account-password-once = Solo se muestra ahora: entréguela en persona o por un canal seguro.
dash-account-sessions-ended = Las sesiones abiertas de la cuenta terminaron.
dash-account-bad-name = Un nombre tiene de 1 a 64 letras, cifras, «.», «_» o «-».
dash-account-name-taken = Ya hay una cuenta con ese nombre.
dash-account-unknown-scope = No hay ninguna región con esa ruta en la elección.
dash-account-admin-scope = Un administrador ve toda la elección: deje la región vacía.
dash-account-own = No puede cambiar su propia cuenta (rol, región, contraseña o estado): debe hacerlo otro administrador.
dash-phones = Teléfonos de esta mesa
dash-phones-none = Ningún teléfono tiene asignada esta mesa.
dash-unassign = Quitar la mesa a { $device }
dash-unassign-note = El teléfono deja de enviar por esta mesa: lo que envíe por ella desde ahora se rechaza (y aparece entre los registros rechazados).
dash-assign-device = Id del teléfono (sus primeros 6 caracteres o más, como en la página de dispositivos)
dash-assign = Asignar la mesa a este teléfono
dash-assign-note = El teléfono se entera en su próxima sincronización. Lo que su testigo envió se conserva.
dash-assign-no-device = Ningún teléfono tiene ese id, o más de uno empieza así: escriba más caracteres.
dash-assign-revoked = Ese teléfono está revocado: no se le puede asignar nada.

## El registro de auditoría en palabras
dash-act-login = Ingreso
dash-act-review = Revisión
dash-act-transcribe = Transcripción
dash-act-desk = Mesa de verificación
dash-act-choose = Elección del acta
dash-act-contact = Contacto del testigo
dash-act-revoke = Teléfono revocado
dash-act-enroll = Códigos de inscripción
dash-act-official = Resultados oficiales importados
dash-act-quickcount = Muestra del conteo rápido sorteada
dash-act-tally-setting = Qué cuenta
dash-act-publication-setting = Publicación al verificar
dash-act-publish = Publicado
dash-act-withdraw = Publicación retirada
dash-act-account-create = Cuenta creada
dash-act-account-disable = Cuenta desactivada
dash-act-account-enable = Cuenta activada
dash-act-account-password = Contraseña renovada
dash-act-account-access = Rol o región cambiados
dash-act-station-assign = Mesa asignada a un teléfono
dash-act-station-unassign = Mesa quitada a un teléfono
dash-act-other = Otro
dash-audit-login-dash = panel
dash-audit-login-api = API de administración
dash-audit-contact-noted = nombre y número anotados
dash-audit-contact-forgotten = nombre y número olvidados
dash-audit-codes = códigos: { $codes } · mesas: { $stations }
dash-audit-tables = mesas: { $tables }
dash-audit-draw = mesas: { $size } · semilla «{ $seed }»
dash-audit-verified-only-on = solo cuentan las actas verificadas
dash-audit-verified-only-off = cuenta cada acta vigente
dash-audit-publish-on-verification-on = verificar un acta la publica
dash-audit-publish-on-verification-off = verificar un acta ya no la publica
dash-audit-table = mesa { $table }
dash-audit-published = publicadas: { $published } · ya públicas: { $already }

## Lo que llegó sin enlace de datos (/dash/channels)
dash-channels = SMS y paquetes
dash-channels-nav = SMS y paquetes
dash-channels-intro = Lo que enviaron los testigos sin enlace de datos: registros por SMS a través de las pasarelas, y paquetes llevados por mensajeros o importados a mano.
dash-channels-n-sms = Registros llegados primero por SMS: { $n }
dash-channels-n-aside = SMS apartados: { $n }
dash-channels-n-bundles = Paquetes recibidos: { $n }
dash-channels-n-refused = rechazados enteros: { $n }
dash-channels-sms = SMS apartados
dash-channels-sms-intro = Mensajes que llegaron a los números de las pasarelas pero no se volvieron un registro. Ninguno recibió comprobante: el teléfono del testigo aún guarda el registro y lo reenvía por SMS o por datos.
dash-channels-sms-none = Ningún SMS quedó apartado.
dash-channels-col-sender = Remitente
dash-channels-col-text = Texto
dash-channels-sms-not-testigo = no es un mensaje de Testigo
dash-channels-sms-unreadable = roto, alterado o incompleto
dash-channels-sms-refused = un registro que las comprobaciones rechazaron
dash-channels-unknown-device = de un teléfono no inscrito aquí (o revocado)
dash-channels-other = otro motivo
dash-channels-bundles = Paquetes recibidos
dash-channels-bundles-intro = Cada paquete es la bandeja de salida de un teléfono, sellada para los coordinadores. Nuevos / todos: lo que trajo por primera vez, de lo que contenía; lo que ya había llegado por otra vía se omite.
dash-channels-bundles-none = No se recibió ningún paquete.
dash-channels-col-carrier = Llevado por
dash-channels-col-records = Registros nuevos / todos
dash-channels-col-photos = Fotos nuevas / todas
dash-channels-by-hand = importado a mano
dash-channels-bundle-taken = aceptado
dash-channels-bundle-some-refused = { $n } elementos rechazados
dash-channels-bundle-unreadable = no es un paquete que este servidor lea
dash-channels-bundle-foreign = sellado para otros coordinadores
dash-channels-bundle-tampered = modificado después de sellarse
