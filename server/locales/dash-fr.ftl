# Testigo — tableau de bord des coordinateurs, textes en français.
# Chaque fichier de langue a exactement les mêmes identifiants, tous préfixés par « dash- », et
# chaque message utilise les mêmes variables dans toutes les langues (un test le vérifie).

## Le cadre de chaque page
dash-brand = Testigo
dash-home = Accueil
dash-overview = Vue d’ensemble
dash-tally = Totaux
dash-batches = Lots
dash-devices = Appareils
dash-sign-out = Se déconnecter

## Connexion
dash-sign-in = Se connecter
dash-login-user = Identifiant
dash-login-password = Mot de passe
dash-login-throttled = Trop de tentatives. Patientez quelques minutes.
dash-login-incomplete = Saisissez l’identifiant et le mot de passe.
dash-login-wrong = Identifiant ou mot de passe incorrect.

## Erreurs
dash-error-title = Erreur { $status }
dash-error-not-found = Cela n’existe pas, ou n’est pas dans votre région.
dash-error-internal = Erreur interne. Réessayez.
dash-error-forbidden = Votre compte ne peut pas faire cela.
dash-error-bad-request = La requête n’est pas valide.
dash-error-bad-address = adresse mal formée
dash-error-bad-params = paramètres non valides
dash-error-incomplete-form = formulaire incomplet
dash-error-form-expired = Le formulaire a expiré. Rechargez la page.
dash-error-unknown-filter = filtre inconnu
dash-error-view-only = Votre compte peut consulter mais pas examiner.
dash-error-no-verdict = choisissez un état
dash-error-comment-too-long = le commentaire est trop long

## Régions
dash-region-title = { $region } — { $contest }
dash-stations-reported = Bureaux avec procès-verbal
dash-voters-covered = Électeurs couverts
dash-registered = Inscrits
dash-actas = Procès-verbaux
dash-photos = Photos
dash-with-warnings = Avec avertissements
dash-of-registered = sur { $registered } inscrits
dash-actas-received = Procès-verbaux reçus
dash-n-with-warnings = { $n } avec avertissements
dash-photos-received = Photos reçues
dash-region-tally = Totaux de cette région
dash-batches-received = Lots reçus
dash-arrivals = Arrivées par minute (3 dernières heures)
dash-arrivals-legend = Foncé : procès-verbaux · clair : photos
dash-subregions = Sous-régions
dash-col-region = Région
dash-centers = Centres de vote
dash-col-center = Centre

## Graphique des arrivées (libellé accessible et titres des barres)
dash-chart-arrivals = arrivées par minute
dash-chart-records =
    { $count ->
        [one] { $n } procès-verbal
       *[other] { $n } procès-verbaux
    }
dash-chart-photos =
    { $count ->
        [one] { $n } photo
       *[other] { $n } photos
    }

## Totaux
dash-tally-title = Totaux — { $region }
dash-tally-coverage = Couverture : { $stations } des bureaux, { $voters } des électeurs inscrits.
dash-by-candidate = Par candidat
dash-col-candidate = Candidat
dash-col-votes = Voix
dash-col-share = %
dash-by-option = Par option de vote (parti)
dash-col-option = Option
dash-other-numbers = Autres chiffres du procès-verbal
dash-valid-votes = Suffrages exprimés (somme des options)
dash-tally-typed-note = Les chiffres sont ceux qu’ont saisis les observateurs ; les écarts avec la photo apparaissent sur chaque procès-verbal.

## Listes de saisies
dash-review-verified = vérifiée
dash-review-disputed = contestée
dash-review-rejected = rejetée
dash-review-unreviewed = non examinée
dash-col-received = Reçue
dash-col-station = Bureau
dash-col-device = Appareil
dash-col-warnings = Avertissements
dash-col-review = Examen
dash-counts = retenue
dash-corrected = corrigée

## Centres et bureaux
dash-station = Bureau { $number }
dash-center-summary = Bureaux : { $stations } · Électeurs inscrits : { $registered } · Avec procès-verbal : { $reported }
dash-col-captures = Saisies
dash-col-counted-acta = Procès-verbal retenu
dash-view-acta = voir le procès-verbal
dash-station-title = Bureau { $number } — { $center }
dash-station-summary = { $center } · Électeurs inscrits : { $registered } · Saisies reçues : { $captures }
dash-station-no-captures = Aucun observateur n’a encore envoyé ce procès-verbal.

## Lots
dash-batches-title-scope = Lots reçus — { $scope }
dash-filter-all = Toutes
dash-filter-warnings = Avec avertissements
dash-filter-unreviewed = Non examinées
dash-filter-disputed = Contestées
dash-filter-missing-photo = Photo manquante
dash-nothing = Rien à afficher.
dash-older = Plus anciennes →

## Appareils
dash-devices-enrolled = Appareils inscrits
dash-devices-seen-15-min = Vus dans les 15 dernières min
dash-devices-seen-hour = Vus dans la dernière heure
dash-devices-never-seen = Jamais vus
dash-devices-recent = Silencieux depuis le plus longtemps d’abord
dash-col-stations = Bureaux
dash-col-last-seen = Vu pour la dernière fois
dash-revoked-at = révoqué le { $at }
dash-and-more = et { $n } de plus
dash-minutes-ago = (il y a { $minutes } min)
dash-never = jamais

## Le procès-verbal
dash-acta-title = Procès-verbal — bureau { $number } — { $center }
dash-counted = compte dans les totaux
dash-not-counted = ne compte pas dans les totaux
dash-phone-warnings = Avertissements du téléphone
dash-watcher-notes = Notes de l’observateur
dash-warning-count-missing = un chiffre manque
dash-warning-sum-mismatch = la somme des voix ne correspond pas aux votants
dash-warning-voted-exceeds-registered = plus de votants que d’inscrits
dash-warning-photo-missing = pas de photo
dash-warning-qr-mismatch = diffère du code QR
dash-no-photo = Cette saisie n’a pas de photo.
dash-photo-alt = Procès-verbal, page { $page }
dash-photo-caption = Page { $page } · touchez la photo pour l’agrandir · { $size } octets
dash-photo-pending = Page { $page } : la photo n’est pas encore arrivée ({ $size } octets attendus).
dash-col-field = Champ
dash-col-typed = Saisi
dash-col-qr = QR
dash-col-other = autre observateur (téléphone { $device })

## Examen
dash-review = Examen
dash-review-state = État :
dash-review-verified-option = Vérifiée
dash-review-disputed-option = Contestée
dash-review-rejected-option = Rejetée
dash-review-comment = Commentaire pour l’observateur
dash-review-save = Enregistrer l’examen
dash-audit = Journal des examens
dash-audit-comment = — « { $comment } »

## Provenance
dash-provenance = Provenance
dash-capture = Saisie
dash-device-revoked = Appareil révoqué
dash-phone-time = Heure du téléphone
dash-received-server = Reçue (serveur)
dash-record-sha = SHA-256 de l’enregistrement
dash-receipt-key = Reçu signé par
dash-photo-sha = Photo { $page } : SHA-256
dash-photo-original = Photo { $page } : original de l’appareil photo
dash-photo-received = Photo { $page } : reçue
dash-photo-not-received = non reçue
dash-corrections = Corrections (même appareil)
dash-this-one = (celle-ci)

## Comparaison avec les résultats officiels
dash-contrast = Comparaison officielle
dash-contrast-title = Comparaison avec les résultats officiels : { $region }
dash-contrast-none = Aucun résultat officiel n’a encore été importé (testigo official import, ou l’API d’administration).
dash-contrast-compared = Bureaux comparés
dash-contrast-matching = Concordants
dash-contrast-differing = Divergents
dash-contrast-only-official = Officiel seul
dash-contrast-only-ours = Nôtre seul
dash-contrast-by-candidate = Écart par candidat (le nôtre moins l’officiel, sur les bureaux divergents)
dash-contrast-by-region = Par région
dash-contrast-tables = Bureaux
dash-contrast-no-tables = Aucun bureau ici.
dash-contrast-sort-difference = Plus grand écart d’abord
dash-contrast-sort-table = Par bureau
dash-contrast-csv = Télécharger tous les écarts (CSV)
dash-contrast-open = Procès-verbal et chiffres
dash-contrast-showing = Bureaux { $from }–{ $to } sur { $total }
dash-contrast-imports = Résultats officiels importés
dash-col-difference = Écart
dash-col-differences = Ce qui diffère (le nôtre moins l’officiel)
dash-col-official = Officiel
dash-col-acta = Procès-verbal
dash-col-source = Source
dash-col-imported = Importé
dash-col-tables = Bureaux
dash-prev-page = Précédent
dash-next-page = Suivant

dash-report-link = Rapport imprimable
dash-report-title = Rapport de comparaison : { $region }
dash-report-print-hint = Utilisez Imprimer du navigateur (Ctrl+P) pour enregistrer ce rapport en PDF.
dash-report-intro-all = { $election }. Rapport établi le { $time }.
dash-report-intro = { $election } — { $region }. Rapport établi le { $time }.
dash-report-method = Méthode
dash-report-method-text = Le procès-verbal de chaque bureau a été photographié et saisi par un observateur accrédité, signé par son téléphone et reçu par les coordinateurs avec un reçu signé. Les résultats par bureau de l’autorité ont été importés tels que publiés (chaque fichier ci-dessous, conservé entier, avec son SHA-256) ; pour chaque bureau, le dernier import qui donne ses chiffres fait foi. Seuls les chiffres donnés par l’autorité sont comparés ; un écart est le chiffre de notre procès-verbal moins l’officiel.
dash-report-figures = Chiffres
dash-report-largest = Les { $n } plus grands écarts
dash-report-device = Clé de l’appareil de l’observateur

## Comptage rapide
dash-quickcount = Comptage rapide
dash-quickcount-none = L’échantillon n’a pas encore été tiré (testigo quickcount draw --size N --seed S).
dash-quickcount-in = { $in } bureaux de l’échantillon sur { $sample } reçus ({ $pct })
dash-quickcount-seed = Graine : « { $seed } » — chacun peut retirer l’échantillon avec elle.
dash-col-estimate = Part estimée
dash-col-margin = Marge d’erreur (95 %)
dash-quickcount-lead-beyond = L’avance du premier dépasse sa marge d’erreur (±{ $margin }).
dash-quickcount-lead-within = L’avance du premier reste dans sa marge d’erreur (±{ $margin }) : trop serré pour conclure.
dash-quickcount-chart = Marge d’erreur du premier à mesure que l’échantillon arrive
dash-quickcount-method = Méthode : échantillon aléatoire de bureaux tiré avant l’élection, stratifié par le premier niveau de régions et réparti en proportion des inscrits ; parts par un estimateur par le ratio à variance stratifiée ; marges à 95 % (approximation normale).

## Le bureau de vérification
dash-transcribe = Transcrire
dash-verify = Vérifier
dash-col-capture = Capture
dash-desk-progress = À transcrire : { $transcribing } · pour un vérificateur : { $verify } · réglés : { $confirmed }
dash-desk-empty = Rien à transcrire pour l’instant. Cette page vous donne le procès-verbal suivant dès qu’il arrive : rechargez-la.
dash-desk-to-verify = Procès-verbaux en attente d’un vérificateur
dash-desk-saved = Enregistré. Voici le procès-verbal suivant.
dash-desk-saved-confirmed = Enregistré : les deux transcriptions et l’observateur concordent, le procès-verbal est confirmé.
dash-desk-saved-verify = Enregistré : les transcriptions diffèrent, le procès-verbal passe à un vérificateur.
dash-desk-table = Bureau { $number }, { $center } · transcription { $slot } sur 2
dash-desk-missing = Saisissez un nombre pour { $field }.
dash-desk-not-a-count = { $field } doit être un nombre entier de 0 à 1 000 000.
dash-desk-submit = Enregistrer et continuer
dash-desk-blind = Saisissez ce que montre la photo, ligne par ligne. Vous ne voyez ni la saisie de l’observateur ni celle de l’autre transcripteur.
dash-desk-field = Voix pour { $field }
dash-desk-zoom = Agrandir la photo
dash-desk-verify-empty = Aucun procès-verbal n’attend de vérificateur.
dash-desk-col-clerks = Transcrit par
dash-desk-col-watcher = Observateur
dash-desk-col-decision = Le procès-verbal indique
dash-desk-decide = Enregistrer la décision
dash-desk-own-entry = Vous avez transcrit ce procès-verbal : un autre coordinateur doit le vérifier.
dash-desk-decided-by = Décidé par { $name }.
dash-desk-open-acta = Ouvrir la capture
dash-desk-verify-title = Vérifier le bureau { $number }, { $center }
dash-desk-state-transcribing = À transcrire
dash-desk-state-verify = En attente d’un vérificateur
dash-desk-state-confirmed = Confirmé par double saisie
dash-desk-state-decided = Décidé par un vérificateur

## Les opérations de la nuit : bureaux en retard, recherche
dash-missing = Manquants
dash-missing-title = { $list } — { $region }
dash-missing-count = { $missing } bureaux sur { $tables } n’ont pas encore de procès-verbal
dash-as-of = à { $time }
dash-missing-no-acta = Sans procès-verbal
dash-missing-no-photo = Procès-verbal sans sa photo
dash-missing-uploading = Photos en cours d’envoi
dash-missing-none = Aucun bureau n’est en retard ici.
dash-missing-open-acta = (ouvrir le procès-verbal)
dash-missing-no-device = aucun appareil attribué
dash-col-table = Bureau
dash-col-devices = Appareils (dernier signal)
dash-search = Rechercher
dash-search-hint = Saisissez le code ou le nom d’un bureau, d’un centre ou d’une région, ou l’identifiant d’une capture.
dash-search-none = Rien trouvé dans votre région.
dash-search-capture = Capture n° { $pk } (bureau { $table })
dash-search-table = Bureau { $number } ({ $id }), { $center }
dash-missing-disagree = Observateurs en désaccord
dash-attention = À traiter
dash-attention-none = Rien à traiter.
dash-attention-late = bureaux sans procès-verbal
dash-attention-disagree = bureaux où les observateurs ne concordent pas
dash-attention-disputed = bureaux au procès-verbal contesté
dash-attention-unreviewed = bureaux au procès-verbal non revu
dash-attention-no-photo = bureaux en attente de leur photo
dash-attention-warned = bureaux dont le procès-verbal est arrivé avec des avertissements
dash-missing-disputed = Contestés
dash-missing-unreviewed = Non revus
dash-missing-warned = Avec avertissements
dash-choice = Quel procès-verbal fait foi
dash-choice-latest = Le bureau compte avec son procès-verbal le plus récent.
dash-choice-made = Le procès-verbal n° { $pk } fait foi, choisi par { $name } le { $at } :
dash-choice-option = n° { $pk } du téléphone { $device }, reçu le { $at }
dash-choice-back-to-latest = Le plus récent (aucun choix)
dash-choice-reason = Motif (conservé dans le journal d’audit)
dash-choice-save = Enregistrer le choix
dash-choice-needs-reason = Indiquez le motif (1 000 caractères au plus).
dash-choice-not-standing = Ce procès-verbal ne peut pas faire foi pour ce bureau : il a été corrigé, rejeté, ou il est d’un autre bureau.
dash-audit-transcribe = transcrit (saisie { $slot } sur 2)
dash-audit-choose = choisi pour faire foi pour son bureau
dash-col-earlier = précédent, { $at }
dash-device-manage = Observateur, révoquer
dash-contact-name = Nom de l’observateur
dash-contact-phone = Téléphone
dash-contact-save = Enregistrer
dash-contact-invalid = Un nom de 100 caractères au plus et un numéro de chiffres, espaces et + - ( ) (32 au plus).
dash-revoke-reason = Pourquoi le révoquer (perdu, saisi…)
dash-revoke = Révoquer ce téléphone
dash-revoke-needs-reason = Indiquez le motif (500 caractères au plus).
dash-tally-latest = Chaque bureau compte avec son procès-verbal le plus récent, ni corrigé ni rejeté.
dash-tally-verified-only = Seuls les procès-verbaux vérifiés comptent : un bureau compte quand son procès-verbal est vérifié (double saisie, vérificateur ou revue).
dash-tally-count-verified = Ne compter que les procès-verbaux vérifiés
dash-tally-count-latest = Compter de nouveau les plus récents
dash-audit-nav = Audit
dash-audit-title = Journal d’audit
dash-audit-csv = Télécharger en CSV
dash-audit-none = Aucune entrée ne correspond.
dash-col-when = Quand
dash-col-who = Qui
dash-col-what = Quoi
dash-col-details = Détails
dash-enrollment = Inscription
dash-enrollment-center = Code du centre (un code par bureau)
dash-enrollment-make = Créer les codes
dash-enrollment-once = Les codes ne sont gardés que sous forme d’empreintes : imprimez ou enregistrez la feuille quand elle s’affiche, elle ne peut pas être réaffichée.
dash-enrollment-count = { $made } codes créés, { $used } utilisés.
dash-enrollment-unused = Codes pas encore utilisés
dash-enrollment-sheet = Codes d’inscription — { $center }
dash-enrollment-print = Imprimez cette page (une feuille par centre) : chaque observateur scanne le code de son bureau.
dash-enrollment-no-center = Aucun centre n’a ce code.
dash-refused = Enregistrements refusés
dash-refused-intro = Enregistrements que le serveur n’a pas comptés : refusés à l’arrivée (le téléphone les montre en attente, avec le motif) ou renvoyés avec un autre contenu sous un identifiant déjà utilisé (le premier fait foi).
dash-refused-none = Aucun enregistrement refusé dans votre région.
dash-refused-conflict = autre contenu sous un identifiant déjà utilisé
dash-refused-bad-signature = la signature ne se vérifie pas
dash-refused-wrong-device = désigne la clé d’un autre téléphone
dash-refused-not-assigned = un bureau qui n’est pas attribué au téléphone
dash-refused-wrong-election = ce n’est pas un procès-verbal de cette élection
dash-refused-invalid = dépasse une limite de l’enregistrement
dash-review-saved = Revue enregistrée ; le téléphone de l’observateur l’apprend à sa prochaine synchronisation.
dash-review-next = Procès-verbal suivant à revoir →
dash-review-none-left = Il ne reste aucun procès-verbal à revoir dans votre région.

## Comptes et téléphones d’un bureau
dash-accounts = Comptes
dash-accounts-roles = Les observateurs consultent leur région ; les réviseurs révisent aussi, transcrivent et vérifient les procès-verbaux et agissent sur les téléphones de leur région ; les administrateurs conduisent toute l’élection : comptes, inscription, téléphones des bureaux, imports, publication et journal d’audit.
dash-col-account = Nom
dash-col-role = Rôle
dash-col-scope = Région
dash-col-last-login = Dernière connexion
dash-col-actions = Actions
dash-role-observer = Observateur
dash-role-reviewer = Réviseur
dash-role-admin = Administrateur
dash-scope-all = Toute l’élection
dash-account-disabled = désactivé { $at }
dash-account-change = Modifier
dash-account-scope = Région (un chemin comme « Zulia/Maracaibo » ; vide pour toute l’élection)
dash-account-save = Enregistrer le rôle et la région
dash-account-reset = Nouveau mot de passe
dash-account-enable = Activer
dash-account-disable = Désactiver
dash-account-new = Nouveau compte
dash-account-make = Créer le compte
dash-account-password = Le mot de passe de { $name } :
dash-account-password-once = Il n’est montré que maintenant : remettez-le en main propre ou par un canal sûr.
dash-account-sessions-ended = Les sessions ouvertes du compte ont pris fin.
dash-account-bad-name = Un nom compte de 1 à 64 lettres, chiffres, « . », « _ » ou « - ».
dash-account-name-taken = Un compte porte déjà ce nom.
dash-account-unknown-scope = Aucune région de l’élection n’a ce chemin.
dash-account-admin-scope = Un administrateur voit toute l’élection : laissez la région vide.
dash-account-own = Vous ne pouvez pas modifier votre propre compte (rôle, région, mot de passe ou état) : un autre administrateur doit le faire.
dash-phones = Téléphones de ce bureau
dash-phones-none = Aucun téléphone n’est affecté à ce bureau.
dash-unassign = Retirer le bureau à { $device }
dash-unassign-note = Le téléphone cesse d’envoyer pour ce bureau : ce qu’il enverra pour lui désormais est refusé (et figure parmi les enregistrements refusés).
dash-assign-device = Identifiant du téléphone (ses 6 premiers caractères ou plus, comme sur la page des appareils)
dash-assign = Affecter le bureau à ce téléphone
dash-assign-note = Le téléphone l’apprend à sa prochaine synchronisation. Ce que son observateur a envoyé est conservé.
dash-assign-no-device = Aucun téléphone n’a cet identifiant, ou plusieurs commencent ainsi : donnez-en davantage.
dash-assign-revoked = Ce téléphone est révoqué : rien ne peut lui être affecté.

## Le journal d’audit en mots
dash-act-login = Connexion
dash-act-review = Révision
dash-act-transcribe = Transcription
dash-act-desk = Bureau de vérification
dash-act-choose = Choix du procès-verbal
dash-act-contact = Contact de l’observateur
dash-act-revoke = Téléphone révoqué
dash-act-enroll = Codes d’inscription
dash-act-official = Résultats officiels importés
dash-act-quickcount = Échantillon du comptage rapide tiré
dash-act-tally-setting = Ce qui compte
dash-act-publication-setting = Publication à la vérification
dash-act-publish = Publié
dash-act-withdraw = Publication retirée
dash-act-account-create = Compte créé
dash-act-account-disable = Compte désactivé
dash-act-account-enable = Compte activé
dash-act-account-password = Mot de passe renouvelé
dash-act-account-access = Rôle ou région modifiés
dash-act-station-assign = Bureau affecté à un téléphone
dash-act-station-unassign = Bureau retiré à un téléphone
dash-act-other = Autre
dash-audit-login-dash = tableau de bord
dash-audit-login-api = API d’administration
dash-audit-contact-noted = nom et numéro notés
dash-audit-contact-forgotten = nom et numéro oubliés
dash-audit-codes = codes : { $codes } · bureaux : { $stations }
dash-audit-tables = bureaux : { $tables }
dash-audit-draw = bureaux : { $size } · graine « { $seed } »
dash-audit-verified-only-on = seuls les procès-verbaux vérifiés comptent
dash-audit-verified-only-off = chaque procès-verbal en vigueur compte
dash-audit-publish-on-verification-on = vérifier un procès-verbal le publie
dash-audit-publish-on-verification-off = vérifier un procès-verbal ne le publie plus
dash-audit-table = bureau { $table }
dash-audit-published = publiés : { $published } · déjà publics : { $already }

## Ce qui est arrivé sans liaison de données (/dash/channels)
dash-channels = SMS et paquets
dash-channels-nav = SMS et paquets
dash-channels-intro = Ce que les observateurs sans liaison de données ont envoyé : des enregistrements par SMS via les passerelles, et des paquets portés par des coursiers ou importés à la main.
dash-channels-n-sms = Enregistrements arrivés d’abord par SMS : { $n }
dash-channels-n-aside = SMS mis de côté : { $n }
dash-channels-n-bundles = Paquets reçus : { $n }
dash-channels-n-refused = refusés en entier : { $n }
dash-channels-sms = SMS mis de côté
dash-channels-sms-intro = Des messages arrivés aux numéros des passerelles mais qui ne sont pas devenus un enregistrement. Aucun n’a reçu d’accusé : le téléphone de l’observateur garde l’enregistrement et le renvoie par SMS ou par données.
dash-channels-sms-none = Aucun SMS n’a été mis de côté.
dash-channels-col-sender = Expéditeur
dash-channels-col-text = Texte
dash-channels-sms-not-testigo = pas un message Testigo
dash-channels-sms-unreadable = cassé, altéré ou incomplet
dash-channels-sms-refused = un enregistrement refusé par les contrôles
dash-channels-unknown-device = d’un téléphone non inscrit ici (ou révoqué)
dash-channels-other = autre raison
dash-channels-bundles = Paquets reçus
dash-channels-bundles-intro = Chaque paquet est la boîte d’envoi d’un téléphone, scellée pour les coordinateurs. Nouveaux / tous : ce qu’il a apporté pour la première fois, sur ce qu’il contenait ; ce qui était déjà arrivé par une autre voie est ignoré.
dash-channels-bundles-none = Aucun paquet n’a été reçu.
dash-channels-col-carrier = Porté par
dash-channels-col-records = Enregistrements nouveaux / tous
dash-channels-col-photos = Photos nouvelles / toutes
dash-channels-by-hand = importé à la main
dash-channels-bundle-taken = accepté
dash-channels-bundle-some-refused = { $n } éléments refusés
dash-channels-bundle-unreadable = pas un paquet que ce serveur lit
dash-channels-bundle-foreign = scellé pour d’autres coordinateurs
dash-channels-bundle-tampered = modifié après avoir été scellé
