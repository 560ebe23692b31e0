# Testigo — the coordinators' dashboard, English texts.
# Every language file has exactly the same ids, all prefixed "dash-", and each message uses the
# same variables in every language (a test checks).

## The frame of every page
dash-brand = Testigo
dash-home = Home
dash-overview = Overview
dash-tally = Totals
dash-batches = Batches
dash-devices = Devices
dash-sign-out = Sign out

## Signing in
dash-sign-in = Sign in
dash-login-user = User name
dash-login-password = Password
dash-login-throttled = Too many attempts. Wait a few minutes.
dash-login-incomplete = Enter your user name and password.
dash-login-wrong = Wrong user name or password.

## Errors
dash-error-title = Error { $status }
dash-error-not-found = It does not exist, or it is not in your region.
dash-error-internal = Internal error. Try again.
dash-error-forbidden = Your account may not do this.
dash-error-bad-request = The request is not valid.
dash-error-bad-address = malformed address
dash-error-bad-params = invalid parameters
dash-error-incomplete-form = incomplete form
dash-error-form-expired = The form has expired. Reload the page.
dash-error-unknown-filter = unknown filter
dash-error-view-only = Your account can view but not review.
dash-error-no-verdict = choose a state
dash-error-comment-too-long = the comment is too long

## Regions
dash-region-title = { $region } — { $contest }
dash-stations-reported = Tables with a tally sheet
dash-voters-covered = Voters covered
dash-registered = Registered
dash-actas = Tally sheets
dash-photos = Photos
dash-with-warnings = With warnings
dash-of-registered = of { $registered } registered voters
dash-actas-received = Tally sheets received
dash-n-with-warnings = { $n } with warnings
dash-photos-received = Photos received
dash-region-tally = Totals for this region
dash-batches-received = Received batches
dash-arrivals = Arrivals per minute (last 3 hours)
dash-arrivals-legend = Dark: tally sheets · light: photos
dash-subregions = Subregions
dash-col-region = Region
dash-centers = Polling centers
dash-col-center = Center

## Arrivals chart (accessible label and the bars' titles)
dash-chart-arrivals = arrivals per minute
dash-chart-records =
    { $count ->
        [one] { $n } tally sheet
       *[other] { $n } tally sheets
    }
dash-chart-photos =
    { $count ->
        [one] { $n } photo
       *[other] { $n } photos
    }

## Totals
dash-tally-title = Totals — { $region }
dash-tally-coverage = Coverage: { $stations } of the tables, { $voters } of the registered voters.
dash-by-candidate = By candidate
dash-col-candidate = Candidate
dash-col-votes = Votes
dash-col-share = %
dash-by-option = By ballot line (party)
dash-col-option = Ballot line
dash-other-numbers = Other numbers on the tally sheet
dash-valid-votes = Valid votes (sum of ballot lines)
dash-tally-typed-note = These are the numbers the watchers typed; any difference from the photo shows on each tally sheet.

## Lists of captures
dash-review-verified = verified
dash-review-disputed = disputed
dash-review-rejected = rejected
dash-review-unreviewed = not reviewed
dash-col-received = Received
dash-col-station = Table
dash-col-device = Device
dash-col-warnings = Warnings
dash-col-review = Review
dash-counts = counts
dash-corrected = corrected

## Centers and tables
dash-station = Table { $number }
dash-center-summary = Tables: { $stations } · Registered voters: { $registered } · With a tally sheet: { $reported }
dash-col-captures = Captures
dash-col-counted-acta = Tally sheet that counts
dash-view-acta = view tally sheet
dash-station-title = Table { $number } — { $center }
dash-station-summary = { $center } · Registered voters: { $registered } · Captures received: { $captures }
dash-station-no-captures = No watcher has sent this tally sheet yet.

## Batches
dash-batches-title-scope = Received batches — { $scope }
dash-filter-all = All
dash-filter-warnings = With warnings
dash-filter-unreviewed = Not reviewed
dash-filter-disputed = Disputed
dash-filter-missing-photo = Photo missing
dash-nothing = Nothing to show.
dash-older = Older →

## Devices
dash-devices-enrolled = Enrolled devices
dash-devices-seen-15-min = Seen in the last 15 min
dash-devices-seen-hour = Seen in the last hour
dash-devices-never-seen = Never seen
dash-devices-recent = Silent longest first
dash-col-stations = Tables
dash-col-last-seen = Last seen
dash-revoked-at = revoked { $at }
dash-and-more = and { $n } more
dash-minutes-ago = ({ $minutes } min ago)
dash-never = never

## The tally sheet
dash-acta-title = Tally sheet — table { $number } — { $center }
dash-counted = counts in the totals
dash-not-counted = does not count in the totals
dash-phone-warnings = Warnings from the phone
dash-watcher-notes = Watcher's notes
dash-warning-count-missing = a number is missing
dash-warning-sum-mismatch = the votes do not add up to the voters who voted
dash-warning-voted-exceeds-registered = more voters than registered
dash-warning-photo-missing = no photo
dash-warning-qr-mismatch = differs from the QR code
dash-no-photo = This capture has no photo.
dash-photo-alt = Tally sheet, page { $page }
dash-photo-caption = Page { $page } · tap the photo to zoom in · { $size } bytes
dash-photo-pending = Page { $page }: the photo has not arrived yet ({ $size } bytes expected).
dash-col-field = Field
dash-col-typed = Typed
dash-col-qr = QR
dash-col-other = another watcher (phone { $device })

## Review
dash-review = Review
dash-review-state = State:
dash-review-verified-option = Verified
dash-review-disputed-option = Disputed
dash-review-rejected-option = Rejected
dash-review-comment = Comment for the watcher
dash-review-save = Save review
dash-audit = Review log
dash-audit-comment = — “{ $comment }”

## Provenance
dash-provenance = Provenance
dash-capture = Capture
dash-device-revoked = Device revoked
dash-phone-time = Phone's time
dash-received-server = Received (server)
dash-record-sha = SHA-256 of the record
dash-receipt-key = Receipt signed by
dash-photo-sha = Photo { $page }: SHA-256
dash-photo-original = Photo { $page }: camera original
dash-photo-received = Photo { $page }: received
dash-photo-not-received = not received
dash-corrections = Corrections (same device)
dash-this-one = (this one)

## Contrast with the official results
dash-contrast = Official contrast
dash-contrast-title = Contrast with the official results: { $region }
dash-contrast-none = No official results have been imported yet (testigo official import, or the admin API).
dash-contrast-compared = Tables compared
dash-contrast-matching = Matching
dash-contrast-differing = Differing
dash-contrast-only-official = Official only
dash-contrast-only-ours = Ours only
dash-contrast-by-candidate = Difference per candidate (ours minus official, over the differing tables)
dash-contrast-by-region = By region
dash-contrast-tables = Tables
dash-contrast-no-tables = No table here.
dash-contrast-sort-difference = Largest difference first
dash-contrast-sort-table = By table
dash-contrast-csv = Download every discrepancy (CSV)
dash-contrast-open = Acta and numbers
dash-contrast-showing = Tables { $from }–{ $to } of { $total }
dash-contrast-imports = Official results imported
dash-col-difference = Difference
dash-col-differences = What differs (ours minus official)
dash-col-official = Official
dash-col-acta = Acta
dash-col-source = Source
dash-col-imported = Imported
dash-col-tables = Tables
dash-prev-page = Previous
dash-next-page = Next

dash-report-link = Printable report
dash-report-title = Contrast report: { $region }
dash-report-print-hint = Use your browser's Print (Ctrl+P) to save this report as PDF.
dash-report-intro-all = { $election }. Report generated { $time }.
dash-report-intro = { $election } — { $region }. Report generated { $time }.
dash-report-method = Method
dash-report-method-text = Each polling table's acta was photographed and typed by an accredited watcher, signed by the watcher's phone and received by the coordinators with a signed receipt. The authority's per-table results were imported as published (each file below, kept whole, with its SHA-256); for each table the latest import that gives its numbers stands. Only the counts the authority gives are compared; a difference is our acta's number minus the official one.
dash-report-figures = Figures
dash-report-largest = The { $n } largest discrepancies
dash-report-device = Watcher's device key

## Quick count
dash-quickcount = Quick count
dash-quickcount-none = No sample has been drawn yet (testigo quickcount draw --size N --seed S).
dash-quickcount-in = { $in } of { $sample } sample tables in ({ $pct })
dash-quickcount-seed = Seed: “{ $seed }” — anyone can redraw the sample from it.
dash-col-estimate = Estimated share
dash-col-margin = Margin of error (95%)
dash-quickcount-lead-beyond = The leader's lead exceeds its margin of error (±{ $margin }).
dash-quickcount-lead-within = The leader's lead is within its margin of error (±{ $margin }): too close to call.
dash-quickcount-chart = The leader's margin of error as the sample fills
dash-quickcount-method = Method: a random sample of tables drawn before the election, stratified by the first level of regions and shared in proportion to registered voters; shares by a ratio estimator with stratified variance; 95% margins (normal approximation).

## The verification desk
dash-transcribe = Transcribe
dash-verify = Verify
dash-col-capture = Capture
dash-desk-progress = Waiting for transcription: { $transcribing } · for a verifier: { $verify } · settled: { $confirmed }
dash-desk-empty = Nothing to transcribe right now. This page gives you the next tally sheet as soon as one arrives: reload it.
dash-desk-to-verify = Tally sheets waiting for a verifier
dash-desk-saved = Saved. Here is the next tally sheet.
dash-desk-saved-confirmed = Saved: both transcriptions and the watcher agree, the tally sheet is confirmed.
dash-desk-saved-verify = Saved: the transcriptions differ, the tally sheet goes to a verifier.
dash-desk-table = Table { $number }, { $center } · transcription { $slot } of 2
dash-desk-missing = Enter a number for { $field }.
dash-desk-not-a-count = { $field } must be a whole number from 0 to 1,000,000.
dash-desk-submit = Save and next
dash-desk-blind = Type what the photo shows, row by row. You do not see what the watcher or the other transcriber typed.
dash-desk-field = Votes for { $field }
dash-desk-zoom = Zoom the photo
dash-desk-verify-empty = No tally sheet is waiting for a verifier.
dash-desk-col-clerks = Transcribed by
dash-desk-col-watcher = Watcher
dash-desk-col-decision = The sheet says
dash-desk-decide = Save decision
dash-desk-own-entry = You transcribed this tally sheet: another coordinator must verify it.
dash-desk-decided-by = Decided by { $name }.
dash-desk-open-acta = Open the capture
dash-desk-verify-title = Verify table { $number }, { $center }
dash-desk-state-transcribing = Waiting for transcription
dash-desk-state-verify = Waiting for a verifier
dash-desk-state-confirmed = Confirmed by double entry
dash-desk-state-decided = Decided by a verifier

## The night's operations: late tables, search
dash-missing = Missing
dash-missing-title = { $list } — { $region }
dash-missing-count = { $missing } of { $tables } tables have no tally sheet yet
dash-as-of = as of { $time }
dash-missing-no-acta = No tally sheet
dash-missing-no-photo = Sheet without its photo
dash-missing-uploading = Photos still uploading
dash-missing-none = No table is late here.
dash-missing-open-acta = (open the sheet)
dash-missing-no-device = no device assigned
dash-col-table = Table
dash-col-devices = Devices (last heard from)
dash-search = Search
dash-search-hint = Type a table, center or region code or name, or a capture id.
dash-search-none = Nothing found in your region.
dash-search-capture = Capture #{ $pk } (table { $table })
dash-search-table = Table { $number } ({ $id }), { $center }
dash-missing-disagree = Watchers disagree
dash-attention = Needs attention
dash-attention-none = Nothing needs attention.
dash-attention-late = tables without a tally sheet
dash-attention-disagree = tables where watchers disagree
dash-attention-disputed = tables whose sheet is disputed
dash-attention-unreviewed = tables whose sheet is not reviewed
dash-attention-no-photo = tables waiting for their photo
dash-attention-warned = tables whose sheet came with warnings
dash-missing-disputed = Disputed
dash-missing-unreviewed = Not reviewed
dash-missing-warned = With warnings
dash-choice = Which sheet stands
dash-choice-latest = The table counts with its latest sheet.
dash-choice-made = Sheet #{ $pk } stands, chosen by { $name } at { $at }:
dash-choice-option = #{ $pk } from phone { $device }, received { $at }
dash-choice-back-to-latest = The latest sheet (no choice)
dash-choice-reason = Why (kept in the audit log)
dash-choice-save = Save the choice
dash-choice-needs-reason = Say why (at most 1,000 characters).
dash-choice-not-standing = That sheet cannot stand for this table: it was corrected, rejected, or is another table's.
dash-audit-transcribe = transcribed (entry { $slot } of 2)
dash-audit-choose = chosen to stand for its table
dash-col-earlier = earlier, { $at }
dash-device-manage = Watcher, revoke
dash-contact-name = Watcher's name
dash-contact-phone = Phone number
dash-contact-save = Save
dash-contact-invalid = A name of at most 100 characters and a phone number of digits, spaces and + - ( ) (at most 32).
dash-revoke-reason = Why revoke it (lost, seized…)
dash-revoke = Revoke this phone
dash-revoke-needs-reason = Say why (at most 500 characters).
dash-tally-latest = Each table counts with its latest sheet that was neither corrected nor rejected.
dash-tally-verified-only = Only verified sheets count: a table counts once its sheet is verified (by double entry, a verifier or a review).
dash-tally-count-verified = Count only verified sheets
dash-tally-count-latest = Count the latest sheets again
dash-audit-nav = Audit
dash-audit-title = Audit log
dash-audit-csv = Download as CSV
dash-audit-none = No entry matches.
dash-col-when = When
dash-col-who = Who
dash-col-what = What
dash-col-details = Details
dash-enrollment = Enrollment
dash-enrollment-center = Center code (one code per table)
dash-enrollment-make = Make the codes
dash-enrollment-once = Codes are kept only as fingerprints: print or save the sheet when it is shown, it cannot be shown again.
dash-enrollment-count = { $made } codes made, { $used } used.
dash-enrollment-unused = Codes not used yet
dash-enrollment-sheet = Enrollment codes — { $center }
dash-enrollment-print = Print this page (one sheet per center): each watcher scans the code of their table.
dash-enrollment-no-center = There is no center with that code.
dash-refused = Refused records
dash-refused-intro = Records the server did not count: refused at arrival (the phone shows them as parked, with the reason) or sent again with other content under an id already used (the first one stands).
dash-refused-none = No refused record in your region.
dash-refused-conflict = other content under an id already used
dash-refused-bad-signature = the signature does not verify
dash-refused-wrong-device = names another phone's key
dash-refused-not-assigned = a table the phone is not assigned to
dash-refused-wrong-election = not this election's acta
dash-refused-invalid = breaks a record limit
dash-review-saved = Review saved; the watcher's phone hears of it at its next sync.
dash-review-next = Next acta to review →
dash-review-none-left = No acta is left to review in your region.

## Accounts and a table's phones
dash-accounts = Accounts
dash-accounts-roles = Observers look at their region; reviewers also review, transcribe and verify actas and act on phones in their region; administrators run the whole election: accounts, enrollment, tables' phones, imports, publication and the audit log.
dash-col-account = Name
dash-col-role = Role
dash-col-scope = Region
dash-col-last-login = Last sign-in
dash-col-actions = Actions
dash-role-observer = Observer
dash-role-reviewer = Reviewer
dash-role-admin = Administrator
dash-scope-all = The whole election
dash-account-disabled = disabled { $at }
dash-account-change = Change
dash-account-scope = Region (a path such as “Zulia/Maracaibo”; empty for the whole election)
dash-account-save = Save role and region
dash-account-reset = New password
dash-account-enable = Enable
dash-account-disable = Disable
dash-account-new = New account
dash-account-make = Make the account
dash-account-password = The password of { $name }:
dash-account-password-once = It is shown only now: hand it over in person or by a safe channel.
dash-account-sessions-ended = The account’s open sessions have ended.
dash-account-bad-name = A name has 1 to 64 letters, digits, “.”, “_” or “-”.
dash-account-name-taken = An account already has that name.
dash-account-unknown-scope = There is no region with that path in the election.
dash-account-admin-scope = An administrator sees the whole election: leave the region empty.
dash-account-own = You cannot change your own account (its role, region, password or state): another administrator must.
dash-phones = Phones for this table
dash-phones-none = No phone is assigned to this table.
dash-unassign = Take the table from { $device }
dash-unassign-note = The phone stops sending for this table: records it sends for it from now on are refused (and listed among refused records).
dash-assign-device = Phone id (its first 6 characters or more, as on the devices page)
dash-assign = Assign the table to this phone
dash-assign-note = The phone learns of it at its next sync. What its watcher sent stays.
dash-assign-no-device = No phone has that id, or more than one starts with it: give more of it.
dash-assign-revoked = That phone is revoked: nothing can be assigned to it.

## The audit log in words
dash-act-login = Sign-in
dash-act-review = Review
dash-act-transcribe = Transcription
dash-act-desk = Desk
dash-act-choose = Choice of the acta
dash-act-contact = Watcher's contact
dash-act-revoke = Phone revoked
dash-act-enroll = Enrollment codes
dash-act-official = Official results imported
dash-act-quickcount = Quick-count sample drawn
dash-act-tally-setting = What counts
dash-act-publication-setting = Publication on verification
dash-act-publish = Published
dash-act-withdraw = Publication withdrawn
dash-act-account-create = Account made
dash-act-account-disable = Account disabled
dash-act-account-enable = Account enabled
dash-act-account-password = Password reset
dash-act-account-access = Role or region changed
dash-act-station-assign = Table assigned to a phone
dash-act-station-unassign = Table taken from a phone
dash-act-other = Other
dash-audit-login-dash = dashboard
dash-audit-login-api = admin API
dash-audit-contact-noted = name and number noted
dash-audit-contact-forgotten = name and number forgotten
dash-audit-codes = codes: { $codes } · tables: { $stations }
dash-audit-tables = tables: { $tables }
dash-audit-draw = tables: { $size } · seed “{ $seed }”
dash-audit-verified-only-on = only verified actas count
dash-audit-verified-only-off = every standing acta counts
dash-audit-publish-on-verification-on = verifying an acta publishes it
dash-audit-publish-on-verification-off = verifying an acta no longer publishes it
dash-audit-table = table { $table }
dash-audit-published = published: { $published } · already public: { $already }

## What came without a data link (/dash/channels)
dash-channels = SMS and bundles
dash-channels-nav = SMS and bundles
dash-channels-intro = What watchers without a data link sent: records by SMS through the gateways, and bundles carried by runners or imported by hand.
dash-channels-n-sms = Records that arrived first by SMS: { $n }
dash-channels-n-aside = SMS set aside: { $n }
dash-channels-n-bundles = Bundles received: { $n }
dash-channels-n-refused = refused whole: { $n }
dash-channels-sms = SMS set aside
dash-channels-sms-intro = Messages that reached the gateway numbers but did not become a record. None got a receipt: the watcher's phone still holds the record and sends it again by SMS or by data.
dash-channels-sms-none = No SMS was set aside.
dash-channels-col-sender = Sender
dash-channels-col-text = Text
dash-channels-sms-not-testigo = not a Testigo message
dash-channels-sms-unreadable = broken, altered or incomplete
dash-channels-sms-refused = a record the checks refused
dash-channels-unknown-device = from a phone not enrolled here (or revoked)
dash-channels-other = other reason
dash-channels-bundles = Bundles received
dash-channels-bundles-intro = Each bundle is a phone's outbox sealed to the coordinators. New / all: what it brought for the first time, of what it held; what had already arrived another way is skipped.
dash-channels-bundles-none = No bundle was received.
dash-channels-col-carrier = Carried by
dash-channels-col-records = Records new / all
dash-channels-col-photos = Photos new / all
dash-channels-by-hand = imported by hand
dash-channels-bundle-taken = taken
dash-channels-bundle-some-refused = { $n } items refused
dash-channels-bundle-unreadable = not a bundle this server reads
dash-channels-bundle-foreign = sealed to other coordinators
dash-channels-bundle-tampered = changed after it was sealed
