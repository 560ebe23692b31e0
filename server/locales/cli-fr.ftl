# Ce que la ligne de commande dit à qui l’utilise. Les lignes lues par des machines (rapports
# JSON, l’annonce « listening on » du serveur) ne sont pas des messages et restent telles quelles.
cli-error = erreur : { $message }
cli-election-created = créée : { $centers } centres, { $stations } bureaux
cli-election-updated = mise à jour depuis la version { $from } : { $centers } centres, { $stations } bureaux
cli-election-unchanged = inchangée : { $centers } centres, { $stations } bureaux
cli-election-sample = écrit { $file } ({ $centers } centres, { $stations } bureaux)
cli-enroll-code = code { $code } (bureaux : { $stations })
cli-enroll-qr = code QR écrit dans { $file }
cli-user-made = coordinateur { $name } (n° { $id }) voit { $scope } comme { $role }
cli-scope-all = toute l’élection
cli-password = mot de passe : { $password }
cli-reviewed = capture n° { $pk } : { $from } -> { $to }
cli-withdrawn = retirée : publication n° { $seq } (bureau { $table })
cli-export-full = export complet vers { $dir } : { $tables } bureaux rendus, { $written } fichiers écrits, { $unchanged } inchangés, { $photos } photos liées, { $files } fichiers dans le manifeste, { $seconds } s
cli-export-incremental = export incrémental vers { $dir } : { $tables } bureaux rendus, { $written } fichiers écrits, { $unchanged } inchangés, { $photos } photos liées, { $files } fichiers dans le manifeste, { $seconds } s
cli-verified-only-on = ne compter que les procès-verbaux vérifiés : oui
cli-verified-only-off = ne compter que les procès-verbaux vérifiés : non
cli-on-verification-on = publier à la vérification : oui
cli-on-verification-off = publier à la vérification : non
cli-voters-off = recherche des électeurs désactivée
cli-voters-on = recherche des électeurs activée : { $voters } électeurs
cli-published = publiés { $published }, déjà publiés { $already }, rien à publier { $nothing } (publication désormais au n° { $seq })
cli-revoked = appareil { $device } révoqué
cli-revoked-already = l’appareil { $device } était déjà révoqué (depuis { $at })
cli-official-imported = import n° { $id } : { $tables } bureaux de { $file } ({ $bytes } octets, SHA-256 { $sha256 }) en { $seconds } s ; contraste recalculé en { $contrast_seconds } s
cli-contrast = { $contest } : { $compared } bureaux comparés, { $matching } concordants, { $differing } divergents ; { $official_only } seulement officiels, { $ours_only } seulement les nôtres
cli-contrast-candidate = { $votes } voix pour { $name } (les nôtres moins les officielles, sur les bureaux divergents)
cli-discrepancies-written = écarts écrits dans { $file }
cli-quickcount-drawn = { $size } bureaux tirés avec la graine « { $seed } » parmi { $strata } strates :
cli-quickcount-stratum = { $name } : { $sample } sur { $tables } bureaux ({ $registered } inscrits)
cli-quickcount-none = aucun échantillon tiré pour l’instant (testigo quickcount draw)
cli-quickcount-status = comptage rapide (graine « { $seed } ») : { $reported } des { $size } bureaux de l’échantillon arrivés ({ $percent })
cli-quickcount-share = { $name } : { $share } ± { $margin }
cli-quickcount-beyond = l’avance du premier dépasse sa marge d’erreur (± { $margin } points)
cli-quickcount-within = l’avance du premier reste dans sa marge d’erreur (± { $margin } points)
cli-verify-manifest = manifeste : { $files } fichiers, élection { $election } (paquet { $package }), clé du serveur { $key }
cli-verify-checked = { $files } fichiers vérifiés, { $captures } captures publiées
cli-verify-fail = ÉCHEC { $failure }
cli-verify-valid = valide : chaque signature, reçu et empreinte se vérifie
cli-verify-invalid = invalide : { $failures } échecs
cli-sim-actas = { $count } procès-verbaux écrits dans { $dir }
cli-soak-rounds = { $rounds } tours : { $server_kills } arrêts du serveur, { $phone_kills } du téléphone ; après chaque arrêt rien d’accusé n’a été perdu
cli-soak-drain = quand les arrêts ont cessé, le téléphone avait scellé { $sealed } procès-verbaux et tenait { $receipts } reçus
cli-soak-end = à la fin : { $records } enregistrements et { $photos } photos sur le serveur exactement une fois, { $receipts } reçus sur le téléphone ({ $seconds } s)
cli-demo-serving =
    Le tableau de bord : { $url }/dash (utilisateur : coordinador, mot de passe : { $password })
    Le portail public : { $url }/ ({ $published } bureaux publiés)
    Les données : { $dir }
    Ctrl-C pour arrêter.
cli-demo-ok = ok
cli-demo-failed = ÉCHEC
cli-demo-title = Soir d’élection : { $tables } bureaux, { $watchers } observateurs ({ $twice } bureaux couverts deux fois), profil { $profile }, graine { $seed }, { $seconds } s
cli-demo-label-tables = bureaux reçus
cli-demo-label-records = enregistrements livrés
cli-demo-label-photos = photos livrées
cli-demo-label-duplicates = doublons
cli-demo-label-mismatches = empreintes divergentes
cli-demo-label-receipts = reçus sur les téléphones
cli-demo-label-tally = totaux vs vérité
cli-demo-label-mistakes = erreurs
cli-demo-label-qr = codes QR
cli-demo-label-time = délai des bureaux
cli-demo-label-contrast = contraste officiel
cli-demo-label-quickcount = comptage rapide
cli-demo-label-network = réseau
cli-demo-tables = { $reported } sur { $total }
cli-demo-records = { $delivered } sur { $sealed } scellés
cli-demo-photos = { $delivered } sur { $declared } déclarées
cli-demo-receipts = { $verified } vérifiés sur { $due } dus, { $bad } invalides, { $undelivered } éléments non livrés
cli-demo-tally-equal = égaux, champ par champ
cli-demo-tally-differs = { $fields } champs diffèrent
cli-demo-mistakes = { $typed } saisies, { $flagged } signalées par le téléphone, { $corrected } corrigées après scellement
cli-demo-qr = { $read } lus sur { $printed } imprimés
cli-demo-time = 50 % : { $p50 }, 90 % : { $p90 }, 100 % : { $p100 }
cli-demo-contrast = { $altered } bureaux altérés par l’autorité, { $differing } trouvés divergents
cli-demo-quickcount = { $reported } sur { $sample } bureaux de l’échantillon ; en tête { $leader } { $share } % ± { $margin } (vérité { $truth } %) ; { $within } sur { $candidates } candidats dans ±95 %
cli-demo-network = { $up } Mo envoyés, { $down } Mo reçus ; { $resets } réinitialisations, { $stalls } blocages, { $blackholes } trous noirs, { $cut } réponses coupées, { $errors } erreurs du proxy, { $outages } coupures
cli-demo-bar-sealed = procès-verbaux scellés
cli-demo-bar-tables = bureaux sur le serveur
cli-demo-bar-watchers = observateurs terminés

cli-demo-label-channels = sans connexion
cli-demo-channels = { $cut } observateurs sans données, { $runners } coursiers ; procès-verbaux par SMS { $sms }, en paquets { $bundles }, par le réseau { $link } ; photos en paquets { $pbundles }, par le réseau { $plink } ; { $sent } SMS envoyés ({ $lost } perdus, { $twice } en double ; { $split } messages répartis entre les deux passerelles), { $receipts } accusés par SMS

# testigo bundle import
cli-bundle-imported = { $file } : procès-verbaux enregistrés { $stored }, déjà reçus { $known }, refusés { $refused } ; photos enregistrées { $photos }, déjà reçues { $photos_known }, refusées { $photos_refused }
cli-bundle-refused = { $file } : refusé en entier, rien n’a été pris : { $reason }
cli-bundles-refused = { $count } paquet(s) refusé(s)
