# Testigo — English texts.
# Every language file has exactly the same ids (a test checks).

## Public portal: frame
portal-brand = Testigo
search-label = Find a table, center or place
search-placeholder = Table, center or place
search-button = Search
language-switch = Language
breadcrumbs = Breadcrumbs
crumb-national = National
footer-about = Every acta published here carries the signature of the watcher's phone and the server's receipt: anyone can check them.
footer-keys = Keys to verify with
portal-tables =
    { $count ->
        [one] { $n } table
       *[other] { $n } tables
    }

## Results
national-results = National results
regions-below = Regions
centers = Polling centers
tables-published-of =
    { $count ->
        [one] { $n } of { $total } tables published ({ $percent })
       *[other] { $n } of { $total } tables published ({ $percent })
    }
registered-covered = Registered voters at the published tables: { $covered } of { $total }
nothing-published-yet = No acta has been published here yet.
col-candidate = Candidate
col-votes = Votes
col-share = Share
valid-votes = Valid votes
results-explained = The sum of the published actas, table by table: every number can be checked against its acta.

## Centers and tables
table-number = Table { $number }
table-published = published
table-not-published = not published
registered-voters =
    { $count ->
        [one] { $n } registered voter
       *[other] { $n } registered voters
    }
table-nothing-published = This table's acta has not been published yet.
table-all-withdrawn = What was published for this table was withdrawn; it is shown below with the reasons.
table-data-link = This table's data (JSON)
history-title = Earlier publications
history-explained = Nothing published is ever erased: a correction is published beside what it replaces, and a withdrawal stays on view with its reason.
published-at = Published { $at } (no. { $seq })
published-on-verification = on verification
published-by-hand = by the coordinators
withdrawn-at = withdrawn { $at }
withdrawn-reason = Withdrawn. Reason: { $reason }
replaces = Replaces publication no. { $seq }
review-verified = Verified against the photo
review-unreviewed = Not reviewed
review-disputed = Disputed
review-rejected = Rejected
photo-alt = Photo of the acta, page { $page }
photo-full = Full resolution
photo-zoom = Tap to zoom in or out
photo-size = { $kb } KB
photo-not-received = The photo of this page has not arrived yet.
col-option = Option
col-typed = Typed
col-qr = QR code
notes = Watcher's notes:

## Proof
proof-title = Proof
proof-sealed = Sealed on the phone
proof-sealed-clock = (phone's clock)
proof-received = Received by the server
proof-device = Device key
proof-record-hash = SHA-256 of the record
proof-photo-hash = SHA-256 of the photo, page { $page }
proof-original-hash = SHA-256 of the camera original, page { $page }
proof-signature = Device signature
proof-receipt = Server receipt
proof-receipt-key = (key { $key })

## Verification
verify-button = Verify this acta
verify-noscript = To verify outside this browser: testigo verify with this page's address.
verify-working = Verifying…
verify-valid = Valid: every check passed.
verify-invalid = Not valid: one or more checks failed.
verify-insecure = Verifying in the browser needs a secure connection (https).
verify-error = The data to verify could not be downloaded. Try again.
check-key = The device key is the one the record names
check-signature = The device's signature matches the record
check-numbers = The numbers shown are the ones signed
check-photo = The photo is the one the device signed
check-receipt = The server's receipt matches the record
check-photo-receipt = The server's receipt matches the photo

## Search
search-title = Search
search-help = Type a table's or a center's code, or the name of a place.
search-static-help = On this copy of the portal, type the exact table code; to find a place, go down through the regions from the national page.
search-none = Nothing found.
search-voter-label = Your ID number
search-voter-button = Find my table
search-voter-help = Type the number as it is on your ID; dots, dashes and spaces do not matter. It is not kept.
search-voter-none = That number is not in the voter register loaded here.
error-rate-limited = Too many searches from your connection. Wait a moment and try again.

## Errors
error-title = Not available
error-not-found = There is no such page.
error-no-election = No election is set up yet.
error-bad-request = The address is not valid.
error-internal = Internal error. Try again.

## Contrast with the official results
col-official = Official
col-region = Region
official-match = The authority's official numbers for this table equal this acta's.
official-differs =
    { $count ->
        [one] The authority's official numbers differ from this acta in { $n } number (marked).
       *[other] The authority's official numbers differ from this acta in { $n } numbers (marked).
    }
official-source = Official numbers from “{ $source }”, imported { $time }.
contrast-link = Compare with the official results
contrast-title = Our actas and the official results
contrast-explained = Every published acta beside the numbers the electoral authority published for the same table. A difference is ours minus official; each table's page shows the acta's photo and both sets of numbers.
contrast-compared = Tables compared
contrast-matching = Matching
contrast-differing = Differing
contrast-only-official = Official numbers without a published acta
contrast-by-candidate = Difference per candidate (ours minus official, over the differing tables)
contrast-col-compared = Compared
contrast-col-differing = Differ
contrast-col-difference = Difference
contrast-by-region = By region
contrast-largest = The largest differences
contrast-imports = The official results as imported
contrast-method = Each import is kept whole with the SHA-256 of the file as received; for each table the latest import that gives its numbers stands. Only the counts the authority gives are compared.
