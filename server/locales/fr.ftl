# Testigo — textes en français.
# Chaque fichier de langue a exactement les mêmes identifiants (un test le vérifie).

## Portail public : cadre
portal-brand = Testigo
search-label = Chercher un bureau, un centre ou un lieu
search-placeholder = Bureau, centre ou lieu
search-button = Chercher
language-switch = Langue
breadcrumbs = Fil d’Ariane
crumb-national = National
footer-about = Chaque procès-verbal publié ici porte la signature du téléphone de l’observateur et le reçu du serveur : chacun peut les vérifier.
footer-keys = Clés pour vérifier
portal-tables =
    { $count ->
        [one] { $n } bureau
       *[other] { $n } bureaux
    }

## Résultats
national-results = Résultats nationaux
regions-below = Régions
centers = Centres de vote
tables-published-of =
    { $count ->
        [one] { $n } bureau sur { $total } publié ({ $percent })
       *[other] { $n } bureaux sur { $total } publiés ({ $percent })
    }
registered-covered = Électeurs inscrits dans les bureaux publiés : { $covered } sur { $total }
nothing-published-yet = Aucun procès-verbal n’a encore été publié ici.
col-candidate = Candidat
col-votes = Voix
col-share = Part
valid-votes = Suffrages exprimés
results-explained = La somme des procès-verbaux publiés, bureau par bureau : chaque chiffre peut être vérifié sur son procès-verbal.

## Centres et bureaux
table-number = Bureau { $number }
table-published = publié
table-not-published = non publié
registered-voters =
    { $count ->
        [one] { $n } électeur inscrit
       *[other] { $n } électeurs inscrits
    }
table-nothing-published = Le procès-verbal de ce bureau n’a pas encore été publié.
table-all-withdrawn = Ce qui avait été publié pour ce bureau a été retiré ; on le voit ci-dessous avec les motifs.
table-data-link = Données de ce bureau (JSON)
history-title = Publications antérieures
history-explained = Rien de ce qui est publié n’est effacé : une correction est publiée à côté de ce qu’elle remplace, et un retrait reste visible avec son motif.
published-at = Publié le { $at } (n° { $seq })
published-on-verification = à sa vérification
published-by-hand = par les coordinateurs
withdrawn-at = retiré le { $at }
withdrawn-reason = Retiré. Motif : { $reason }
replaces = Remplace la publication n° { $seq }
review-verified = Vérifié sur la photo
review-unreviewed = Non examiné
review-disputed = Contesté
review-rejected = Rejeté
photo-alt = Photo du procès-verbal, page { $page }
photo-full = Pleine résolution
photo-zoom = Touchez pour agrandir ou réduire
photo-size = { $kb } Ko
photo-not-received = La photo de cette page n’est pas encore arrivée.
col-option = Option
col-typed = Saisi
col-qr = Code QR
notes = Notes de l’observateur :

## Preuves
proof-title = Preuves
proof-sealed = Scellé sur le téléphone
proof-sealed-clock = (horloge du téléphone)
proof-received = Reçu par le serveur
proof-device = Clé de l’appareil
proof-record-hash = SHA-256 de l’enregistrement
proof-photo-hash = SHA-256 de la photo, page { $page }
proof-original-hash = SHA-256 de l’original de l’appareil photo, page { $page }
proof-signature = Signature de l’appareil
proof-receipt = Reçu du serveur
proof-receipt-key = (clé { $key })

## Vérification
verify-button = Vérifier ce procès-verbal
verify-noscript = Pour vérifier hors de ce navigateur : testigo verify avec l’adresse de cette page.
verify-working = Vérification…
verify-valid = Valide : toutes les vérifications ont réussi.
verify-invalid = Non valide : une ou plusieurs vérifications ont échoué.
verify-insecure = La vérification dans le navigateur nécessite une connexion sécurisée (https).
verify-error = Les données à vérifier n’ont pas pu être téléchargées. Réessayez.
check-key = La clé de l’appareil est celle que nomme l’enregistrement
check-signature = La signature de l’appareil correspond à l’enregistrement
check-numbers = Les chiffres affichés sont ceux qui ont été signés
check-photo = La photo est celle que l’appareil a signée
check-receipt = Le reçu du serveur correspond à l’enregistrement
check-photo-receipt = Le reçu du serveur correspond à la photo

## Recherche
search-title = Chercher
search-help = Saisissez le code d’un bureau ou d’un centre, ou le nom d’un lieu.
search-static-help = Sur cette copie du portail, saisissez le code exact du bureau ; pour trouver un lieu, parcourez les régions depuis la page nationale.
search-none = Rien n’a été trouvé.
search-voter-label = Votre numéro de pièce d’identité
search-voter-button = Trouver mon bureau de vote
search-voter-help = Saisissez le numéro tel qu’il figure sur votre pièce ; points, tirets et espaces ne comptent pas. Il n’est pas conservé.
search-voter-none = Ce numéro ne figure pas dans la liste électorale chargée ici.
error-rate-limited = Trop de recherches depuis votre connexion. Patientez un instant puis réessayez.

## Erreurs
error-title = Indisponible
error-not-found = Cette page n’existe pas.
error-no-election = Aucune élection n’est encore configurée.
error-bad-request = L’adresse n’est pas valide.
error-internal = Erreur interne. Réessayez.

## Comparaison avec les résultats officiels
col-official = Officiel
col-region = Région
official-match = Les chiffres officiels de l’autorité pour ce bureau sont égaux à ceux de ce procès-verbal.
official-differs =
    { $count ->
        [one] Les chiffres officiels de l’autorité diffèrent de ce procès-verbal sur { $n } chiffre (marqué).
       *[other] Les chiffres officiels de l’autorité diffèrent de ce procès-verbal sur { $n } chiffres (marqués).
    }
official-source = Chiffres officiels de « { $source } », importés le { $time }.
contrast-link = Comparer avec les résultats officiels
contrast-title = Nos procès-verbaux et les résultats officiels
contrast-explained = Chaque procès-verbal publié à côté des chiffres que l’autorité électorale a publiés pour le même bureau. Un écart est le nôtre moins l’officiel ; la page de chaque bureau montre la photo du procès-verbal et les deux séries de chiffres.
contrast-compared = Bureaux comparés
contrast-matching = Concordants
contrast-differing = Divergents
contrast-only-official = Chiffres officiels sans procès-verbal publié
contrast-by-candidate = Écart par candidat (le nôtre moins l’officiel, sur les bureaux divergents)
contrast-col-compared = Comparés
contrast-col-differing = Divergents
contrast-col-difference = Écart
contrast-by-region = Par région
contrast-largest = Les plus grands écarts
contrast-imports = Les résultats officiels tels qu’importés
contrast-method = Chaque import est conservé entier avec le SHA-256 du fichier tel que reçu ; pour chaque bureau, le dernier import qui donne ses chiffres fait foi. Seuls les chiffres donnés par l’autorité sont comparés.
