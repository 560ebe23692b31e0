# What the command line tells its operator. Machine-read lines (JSON reports, the server's
# "listening on" announcement) are not messages and stay as they are.
cli-error = error: { $message }
cli-election-created = created: { $centers } centers, { $stations } tables
cli-election-updated = updated from version { $from }: { $centers } centers, { $stations } tables
cli-election-unchanged = unchanged: { $centers } centers, { $stations } tables
cli-election-sample = wrote { $file } ({ $centers } centers, { $stations } tables)
cli-enroll-code = code { $code } (tables: { $stations })
cli-enroll-qr = QR code written to { $file }
cli-user-made = coordinator { $name } (#{ $id }) sees { $scope } as { $role }
cli-scope-all = the whole election
cli-password = password: { $password }
cli-reviewed = capture #{ $pk }: { $from } -> { $to }
cli-withdrawn = withdrawn: publication no. { $seq } (table { $table })
cli-export-full = full export to { $dir }: { $tables } tables rendered, { $written } files written, { $unchanged } unchanged, { $photos } photos linked, { $files } files in the manifest, { $seconds } s
cli-export-incremental = incremental export to { $dir }: { $tables } tables rendered, { $written } files written, { $unchanged } unchanged, { $photos } photos linked, { $files } files in the manifest, { $seconds } s
cli-verified-only-on = count only verified actas: on
cli-verified-only-off = count only verified actas: off
cli-on-verification-on = publish on verification: on
cli-on-verification-off = publish on verification: off
cli-voters-off = voter look-up off
cli-voters-on = voter look-up on: { $voters } voters
cli-published = published { $published }, already published { $already }, nothing to publish { $nothing } (publication now at no. { $seq })
cli-revoked = device { $device } revoked
cli-revoked-already = device { $device } was already revoked (at { $at })
cli-official-imported = import no. { $id }: { $tables } tables from { $file } ({ $bytes } bytes, SHA-256 { $sha256 }) in { $seconds } s; contrast recomputed in { $contrast_seconds } s
cli-contrast = { $contest }: { $compared } tables compared, { $matching } matching, { $differing } differing; { $official_only } official only, { $ours_only } ours only
cli-contrast-candidate = { $votes } votes for { $name } (ours minus official, over the differing tables)
cli-discrepancies-written = discrepancies written to { $file }
cli-quickcount-drawn = drew { $size } tables with seed “{ $seed }” from { $strata } strata:
cli-quickcount-stratum = { $name }: { $sample } of { $tables } tables ({ $registered } registered)
cli-quickcount-none = no sample drawn yet (testigo quickcount draw)
cli-quickcount-status = quick count (seed “{ $seed }”): { $reported } of { $size } sample tables in ({ $percent })
cli-quickcount-share = { $name }: { $share } ± { $margin }
cli-quickcount-beyond = the leader's lead is beyond its margin of error (± { $margin } points)
cli-quickcount-within = the leader's lead is within its margin of error (± { $margin } points)
cli-verify-manifest = manifest: { $files } files, election { $election } (package { $package }), server key { $key }
cli-verify-checked = checked { $files } files, { $captures } published captures
cli-verify-fail = FAIL { $failure }
cli-verify-valid = valid: every signature, receipt and hash checks
cli-verify-invalid = invalid: { $failures } failures
cli-sim-actas = wrote { $count } actas to { $dir }
cli-soak-rounds = { $rounds } rounds: { $server_kills } server kills, { $phone_kills } phone kills; after every kill nothing acknowledged was lost
cli-soak-drain = when the kills stopped the phone had sealed { $sealed } actas and held { $receipts } receipts
cli-soak-end = at the end: { $records } records and { $photos } photos on the server exactly once, { $receipts } receipts on the phone ({ $seconds } s)
cli-demo-serving =
    The dashboard: { $url }/dash (user: coordinador, password: { $password })
    The public portal: { $url }/ ({ $published } tables published)
    The data: { $dir }
    Ctrl-C to stop.
cli-demo-ok = ok
cli-demo-failed = FAILED
cli-demo-title = Election night: { $tables } tables, { $watchers } watchers ({ $twice } covered twice), profile { $profile }, seed { $seed }, { $seconds } s
cli-demo-label-tables = tables reported
cli-demo-label-records = records delivered
cli-demo-label-photos = photos delivered
cli-demo-label-duplicates = duplicates
cli-demo-label-mismatches = hash mismatches
cli-demo-label-receipts = receipts on phones
cli-demo-label-tally = tally vs truth
cli-demo-label-mistakes = mistakes
cli-demo-label-qr = QR codes
cli-demo-label-time = time to tables
cli-demo-label-contrast = official contrast
cli-demo-label-quickcount = quick count
cli-demo-label-network = network
cli-demo-tables = { $reported } of { $total }
cli-demo-records = { $delivered } of { $sealed } sealed
cli-demo-photos = { $delivered } of { $declared } declared
cli-demo-receipts = { $verified } verified of { $due } due, { $bad } not verifying, { $undelivered } undelivered items
cli-demo-tally-equal = equal, field by field
cli-demo-tally-differs = { $fields } fields differ
cli-demo-mistakes = { $typed } typed, { $flagged } flagged by the phone, { $corrected } corrected after sealing
cli-demo-qr = { $read } read of { $printed } printed
cli-demo-time = 50 %: { $p50 }, 90 %: { $p90 }, 100 %: { $p100 }
cli-demo-contrast = { $altered } tables altered by the authority, { $differing } found differing
cli-demo-quickcount = { $reported } of { $sample } sample tables; leader { $leader } { $share } % ± { $margin } (truth { $truth } %); { $within } of { $candidates } candidates within ±95 %
cli-demo-network = { $up } MB up, { $down } MB down; { $resets } resets, { $stalls } stalls, { $blackholes } black holes, { $cut } cut answers, { $errors } proxy errors, { $outages } outages
cli-demo-bar-sealed = actas sealed
cli-demo-bar-tables = tables on the server
cli-demo-bar-watchers = watchers done

cli-demo-label-channels = without a link
cli-demo-channels = { $cut } watchers without a data link, { $runners } runners; records by SMS { $sms }, in bundles { $bundles }, over a link { $link }; photos in bundles { $pbundles }, over a link { $plink }; { $sent } SMS sent ({ $lost } lost, { $twice } twice; { $split } messages split across both gateways), { $receipts } receipts by SMS

# testigo bundle import
cli-bundle-imported = { $file }: records stored { $stored }, already here { $known }, refused { $refused }; photos stored { $photos }, already here { $photos_known }, refused { $photos_refused }
cli-bundle-refused = { $file }: refused whole, nothing taken: { $reason }
cli-bundles-refused = { $count } bundle(s) refused
