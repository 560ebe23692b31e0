# Lo que la línea de órdenes dice a quien la opera. Las líneas que leen las máquinas (informes
# JSON, el anuncio «listening on» del servidor) no son mensajes y quedan como están.
cli-error = error: { $message }
cli-election-created = creada: { $centers } centros, { $stations } mesas
cli-election-updated = actualizada desde la versión { $from }: { $centers } centros, { $stations } mesas
cli-election-unchanged = sin cambios: { $centers } centros, { $stations } mesas
cli-election-sample = escrito { $file } ({ $centers } centros, { $stations } mesas)
cli-enroll-code = código { $code } (mesas: { $stations })
cli-enroll-qr = código QR escrito en { $file }
cli-user-made = coordinador { $name } (#{ $id }) ve { $scope } como { $role }
cli-scope-all = toda la elección
cli-password = contraseña: { $password }
cli-reviewed = captura #{ $pk }: { $from } -> { $to }
cli-withdrawn = retirada: publicación n.º { $seq } (mesa { $table })
cli-export-full = exportación completa a { $dir }: { $tables } mesas generadas, { $written } archivos escritos, { $unchanged } sin cambios, { $photos } fotos enlazadas, { $files } archivos en el manifiesto, { $seconds } s
cli-export-incremental = exportación incremental a { $dir }: { $tables } mesas generadas, { $written } archivos escritos, { $unchanged } sin cambios, { $photos } fotos enlazadas, { $files } archivos en el manifiesto, { $seconds } s
cli-verified-only-on = contar solo actas verificadas: sí
cli-verified-only-off = contar solo actas verificadas: no
cli-on-verification-on = publicar al verificar: sí
cli-on-verification-off = publicar al verificar: no
cli-voters-off = consulta de electores desactivada
cli-voters-on = consulta de electores activada: { $voters } electores
cli-published = publicadas { $published }, ya publicadas { $already }, nada que publicar { $nothing } (publicación ahora en el n.º { $seq })
cli-revoked = dispositivo { $device } revocado
cli-revoked-already = el dispositivo { $device } ya estaba revocado (desde { $at })
cli-official-imported = importación n.º { $id }: { $tables } mesas de { $file } ({ $bytes } bytes, SHA-256 { $sha256 }) en { $seconds } s; contraste recalculado en { $contrast_seconds } s
cli-contrast = { $contest }: { $compared } mesas comparadas, { $matching } coinciden, { $differing } difieren; { $official_only } solo oficiales, { $ours_only } solo nuestras
cli-contrast-candidate = { $votes } votos para { $name } (nuestros menos oficiales, en las mesas que difieren)
cli-discrepancies-written = discrepancias escritas en { $file }
cli-quickcount-drawn = sorteadas { $size } mesas con la semilla «{ $seed }» de { $strata } estratos:
cli-quickcount-stratum = { $name }: { $sample } de { $tables } mesas ({ $registered } inscritos)
cli-quickcount-none = aún no se sorteó la muestra (testigo quickcount draw)
cli-quickcount-status = conteo rápido (semilla «{ $seed }»): { $reported } de { $size } mesas de la muestra llegaron ({ $percent })
cli-quickcount-share = { $name }: { $share } ± { $margin }
cli-quickcount-beyond = la ventaja del primero supera su margen de error (± { $margin } puntos)
cli-quickcount-within = la ventaja del primero está dentro de su margen de error (± { $margin } puntos)
cli-verify-manifest = manifiesto: { $files } archivos, elección { $election } (paquete { $package }), clave del servidor { $key }
cli-verify-checked = revisados { $files } archivos, { $captures } capturas publicadas
cli-verify-fail = FALLA { $failure }
cli-verify-valid = válido: cada firma, recibo y huella se verifica
cli-verify-invalid = inválido: { $failures } fallas
cli-sim-actas = escritas { $count } actas en { $dir }
cli-soak-rounds = { $rounds } rondas: { $server_kills } caídas del servidor, { $phone_kills } del teléfono; tras cada caída no se perdió nada confirmado
cli-soak-drain = cuando pararon las caídas el teléfono había sellado { $sealed } actas y tenía { $receipts } recibos
cli-soak-end = al final: { $records } registros y { $photos } fotos en el servidor exactamente una vez, { $receipts } recibos en el teléfono ({ $seconds } s)
cli-demo-serving =
    El panel: { $url }/dash (usuario: coordinador, contraseña: { $password })
    El portal público: { $url }/ ({ $published } mesas publicadas)
    Los datos: { $dir }
    Ctrl-C para detener.
cli-demo-ok = bien
cli-demo-failed = FALLÓ
cli-demo-title = Noche electoral: { $tables } mesas, { $watchers } testigos ({ $twice } mesas con dos), perfil { $profile }, semilla { $seed }, { $seconds } s
cli-demo-label-tables = mesas recibidas
cli-demo-label-records = registros entregados
cli-demo-label-photos = fotos entregadas
cli-demo-label-duplicates = duplicados
cli-demo-label-mismatches = huellas distintas
cli-demo-label-receipts = recibos en teléfonos
cli-demo-label-tally = totales vs verdad
cli-demo-label-mistakes = errores
cli-demo-label-qr = códigos QR
cli-demo-label-time = tiempo hasta mesas
cli-demo-label-contrast = contraste oficial
cli-demo-label-quickcount = conteo rápido
cli-demo-label-network = red
cli-demo-tables = { $reported } de { $total }
cli-demo-records = { $delivered } de { $sealed } sellados
cli-demo-photos = { $delivered } de { $declared } declaradas
cli-demo-receipts = { $verified } verificados de { $due } debidos, { $bad } sin verificar, { $undelivered } elementos sin entregar
cli-demo-tally-equal = iguales, campo por campo
cli-demo-tally-differs = { $fields } campos difieren
cli-demo-mistakes = { $typed } tecleados, { $flagged } señalados por el teléfono, { $corrected } corregidos tras sellar
cli-demo-qr = { $read } leídos de { $printed } impresos
cli-demo-time = 50 %: { $p50 }, 90 %: { $p90 }, 100 %: { $p100 }
cli-demo-contrast = { $altered } mesas alteradas por la autoridad, { $differing } halladas distintas
cli-demo-quickcount = { $reported } de { $sample } mesas de la muestra; primero { $leader } { $share } % ± { $margin } (verdad { $truth } %); { $within } de { $candidates } candidatos dentro de ±95 %
cli-demo-network = { $up } MB subidos, { $down } MB bajados; { $resets } reinicios, { $stalls } bloqueos, { $blackholes } agujeros negros, { $cut } respuestas cortadas, { $errors } errores del proxy, { $outages } cortes
cli-demo-bar-sealed = actas selladas
cli-demo-bar-tables = mesas en el servidor
cli-demo-bar-watchers = testigos terminados

cli-demo-label-channels = sin conexión
cli-demo-channels = { $cut } testigos sin datos, { $runners } mensajeros; registros por SMS { $sms }, en paquetes { $bundles }, por la red { $link }; fotos en paquetes { $pbundles }, por la red { $plink }; { $sent } SMS enviados ({ $lost } perdidos, { $twice } duplicados; { $split } mensajes repartidos entre las dos pasarelas), { $receipts } acuses por SMS

# testigo bundle import
cli-bundle-imported = { $file }: registros guardados { $stored }, ya recibidos { $known }, rechazados { $refused }; fotos guardadas { $photos }, ya recibidas { $photos_known }, rechazadas { $photos_refused }
cli-bundle-refused = { $file }: rechazado entero, no se tomó nada: { $reason }
cli-bundles-refused = { $count } paquete(s) rechazado(s)
