# Testigo — textos en español (idioma por defecto).
# Cada archivo de idioma tiene exactamente los mismos identificadores (una prueba lo comprueba).

## Portal público: marco
portal-brand = Testigo
search-label = Buscar mesa, centro o lugar
search-placeholder = Mesa, centro o lugar
search-button = Buscar
language-switch = Idioma
breadcrumbs = Ruta
crumb-national = Nacional
footer-about = Cada acta publicada aquí lleva la firma del teléfono del testigo y el recibo del servidor: cualquiera puede comprobarlas.
footer-keys = Claves para verificar
portal-tables =
    { $count ->
        [one] { $n } mesa
       *[other] { $n } mesas
    }

## Resultados
national-results = Resultados nacionales
regions-below = Regiones
centers = Centros de votación
tables-published-of =
    { $count ->
        [one] { $n } de { $total } mesas publicada ({ $percent })
       *[other] { $n } de { $total } mesas publicadas ({ $percent })
    }
registered-covered = Electores inscritos en las mesas publicadas: { $covered } de { $total }
nothing-published-yet = Aún no se ha publicado ninguna acta aquí.
col-candidate = Candidato
col-votes = Votos
col-share = Porcentaje
valid-votes = Votos válidos
results-explained = Suma de las actas publicadas, mesa por mesa: cada número se puede comprobar en su acta.

## Centros y mesas
table-number = Mesa { $number }
table-published = publicada
table-not-published = sin publicar
registered-voters =
    { $count ->
        [one] { $n } elector inscrito
       *[other] { $n } electores inscritos
    }
table-nothing-published = Aún no se ha publicado el acta de esta mesa.
table-all-withdrawn = Lo publicado de esta mesa fue retirado; abajo se ve con sus motivos.
table-data-link = Datos de esta mesa (JSON)
history-title = Publicaciones anteriores
history-explained = Lo publicado nunca se borra: una corrección se publica junto a lo que reemplaza, y un retiro queda a la vista con su motivo.
published-at = Publicada el { $at } (n.º { $seq })
published-on-verification = al ser verificada
published-by-hand = por los coordinadores
withdrawn-at = retirada el { $at }
withdrawn-reason = Retirada. Motivo: { $reason }
replaces = Reemplaza la publicación n.º { $seq }
review-verified = Verificada contra la foto
review-unreviewed = Sin revisar
review-disputed = En disputa
review-rejected = Rechazada
photo-alt = Foto del acta, página { $page }
photo-full = Resolución completa
photo-zoom = Toque para ampliar o reducir
photo-size = { $kb } KB
photo-not-received = La foto de esta página aún no ha llegado.
col-option = Opción
col-typed = Transcrito
col-qr = Código QR
notes = Notas del testigo:

## Pruebas
proof-title = Pruebas
proof-sealed = Sellada en el teléfono
proof-sealed-clock = (reloj del teléfono)
proof-received = Recibida por el servidor
proof-device = Clave del dispositivo
proof-record-hash = SHA-256 del registro
proof-photo-hash = SHA-256 de la foto, página { $page }
proof-original-hash = SHA-256 del original de la cámara, página { $page }
proof-signature = Firma del dispositivo
proof-receipt = Recibo del servidor
proof-receipt-key = (clave { $key })

## Verificación
verify-button = Verificar esta acta
verify-noscript = Para verificar sin este navegador: testigo verify con la dirección de esta página.
verify-working = Verificando…
verify-valid = Válida: todas las comprobaciones pasaron.
verify-invalid = No válida: una o más comprobaciones fallaron.
verify-insecure = La verificación en el navegador necesita una conexión segura (https).
verify-error = No se pudieron descargar los datos para verificar. Inténtelo de nuevo.
check-key = La clave del dispositivo es la que nombra el registro
check-signature = La firma del dispositivo corresponde al registro
check-numbers = Los números mostrados son los firmados
check-photo = La foto es la que firmó el dispositivo
check-receipt = El recibo del servidor corresponde al registro
check-photo-receipt = El recibo del servidor corresponde a la foto

## Búsqueda
search-title = Buscar
search-help = Escriba el código de una mesa o de un centro, o el nombre de un lugar.
search-static-help = En esta copia del portal, escriba el código exacto de la mesa; para buscar por lugar, recorra las regiones desde la página nacional.
search-none = No se encontró nada.
search-voter-label = Su número de cédula
search-voter-button = Buscar mi mesa
search-voter-help = Escriba el número como aparece en su documento; los puntos, guiones y espacios no cuentan. No se guarda.
search-voter-none = Ese número no está en el registro cargado aquí.
error-rate-limited = Demasiadas búsquedas desde su conexión. Espere un momento y vuelva a intentarlo.

## Errores
error-title = No disponible
error-not-found = No existe esta página.
error-no-election = Todavía no hay una elección configurada.
error-bad-request = La dirección no es válida.
error-internal = Error interno. Inténtelo de nuevo.

## Contraste con los resultados oficiales
col-official = Oficial
col-region = Región
official-match = Los números oficiales de la autoridad para esta mesa son iguales a los de esta acta.
official-differs =
    { $count ->
        [one] Los números oficiales de la autoridad difieren de esta acta en { $n } número (marcado).
       *[other] Los números oficiales de la autoridad difieren de esta acta en { $n } números (marcados).
    }
official-source = Números oficiales de «{ $source }», importados el { $time }.
contrast-link = Comparar con los resultados oficiales
contrast-title = Nuestras actas y los resultados oficiales
contrast-explained = Cada acta publicada junto a los números que la autoridad electoral publicó para la misma mesa. Una diferencia es la nuestra menos la oficial; la página de cada mesa muestra la foto del acta y ambos juegos de números.
contrast-compared = Mesas comparadas
contrast-matching = Coinciden
contrast-differing = Difieren
contrast-only-official = Números oficiales sin acta publicada
contrast-by-candidate = Diferencia por candidato (nuestra menos oficial, en las mesas que difieren)
contrast-col-compared = Comparadas
contrast-col-differing = Difieren
contrast-col-difference = Diferencia
contrast-by-region = Por región
contrast-largest = Las mayores diferencias
contrast-imports = Los resultados oficiales tal como se importaron
contrast-method = Cada importación se guarda entera con el SHA-256 del archivo tal como llegó; para cada mesa vale la última importación que da sus números. Solo se comparan los números que da la autoridad.
