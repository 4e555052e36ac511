#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make-corpus - (re)build the seed corpora of the fuzz targets in
# tests/fuzz/corpus/<name>/ from the test fixtures and the demo data, plus
# a few hand-written seeds for the inputs that have no fixture file
# (commands, schedules, Authentication-Results, mail composition).
#
# Run from anywhere; it works relative to the repository root.  The result
# is committed: keep it small (only fixtures of a few KiB are copied).
# The fuzzers themselves work on a copy in build-fuzz/corpus/ (make fuzz).
set -eu
cd "$(dirname "$0")/../.."
C=tests/fuzz/corpus
rm -rf "$C"
for t in mime form command csv json html bmecat schedule authres render \
    mailout mailto; do
	mkdir -p "$C/$t"
done

# Copy the files given to corpus $1, named after their source; skip big ones.
seed_files() {
	dir=$1; shift
	for f in "$@"; do
		[ -f "$f" ] || continue
		[ "$(wc -c <"$f")" -le 16384 ] || continue
		cp "$f" "$C/$dir/$(echo "$f" | tr / _)"
	done
}

# Write one hand-made seed: corpus $1, file $2, printf format $3 (so that
# \0 and \n can be written).
seed() {
	printf "$3" >"$C/$1/$2"
}

seed_files mime tests/data/*.eml contrib/demo/mails/*.eml \
    tests/data/integration/*.eml
seed_files form tests/data/form-*.txt tests/data/form-*.html \
    tests/data/form-*.json
seed form plain-html-json 'Besteller: Erika Musterfrau\nKostenstelle: 4711\n\0<table><tr><td>OE</td><td>10.2 Personalamt</td></tr><tr><td>1</td><td>100234</td><td>Papier</td><td>5</td><td>Pack</td></tr></table>\0{"formular":"x","positionen":[{"menge":"1"}]}'
seed_files csv contrib/demo/stammdaten/*.csv
seed csv quoted 'a;b\n"x;""y""\n z";2\r\n\n3;4\n'
seed_files json tests/data/form-*.json
seed json escapes '{"a":"\\u00fc\\ud83d\\ude00","b":[1,-2.5e3,true,false,null],"c":{}}'
seed_files html tests/data/form-*.html
seed html entities '<p>a&amp;b &uuml;&#252;&#xFC;&nbsp;</p><script>x</script><table><tr><th>A<td>B<br>C</table>'
seed_files bmecat tests/data/bmecat-*.xml
seed_files render templates/de/confirmation.txt templates/de/approval_request.txt \
    templates/de/status_list.txt tests/data/render-templates/de/*.txt
seed render values '{{#positions}}{{bezeichnung}}{{/positions}}{{requester_name}}\0Max\0{{name}}\0x\0\0y\0z\0w'

seed command approve 'Re: GENEHMIGT SO-2026-000042 [3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6]\n\n> Bitte genehmigen\n'
seed command status 'STATUS SO-2026-000042\nDanke\n-- \nSignatur\n'
seed command body-keyword 'AW: [EXT] Re: Ihre Anforderung SO-2026-000042\nABGELEHNT weil zu teuer\n\nAm 1. Mai 2026 schrieb Erika:\n> GENEHMIGT\n'
seed command storno 'Fwd: =?UTF-8?Q?Storno?=\n-----Urspr\303\274ngliche Nachricht-----\nSTORNO SO-2026-000001\n'
seed command hilfe '\nhilfe\n'

seed schedule human 'Mo.-Fr. 7:15 Uhr; Sa 9:00'
seed schedule wrap 'Fr-Mo 18:00'
seed schedule daily 't\303\244glich 10:00'
seed schedule cron-step '*/15 9-17 * * 1-5'
seed schedule cron-names '0 10 1-7 Jan,Jul Mon-Sun'
seed schedule never '0 0 31 2 *'
seed schedule dst '30 2 * * *'

seed authres dkim 'exempla.test\nmx.exempla.test; dkim=pass header.d=exempla.test header.s=mail header.b=AbCd\n'
seed authres dmarc 'sub.exempla.test\nmx.google.com; dkim=pass\nmx.exempla.test 1; spf=pass smtp.mailfrom=exempla.test; dmarc=pass (p=none) header.from=exempla.test\n'
seed authres comments 'exempla.test\n(our server) "mx.exempla.test" (v1); dkim=fail (nested (; dkim=pass) x) reason="a \\"; dkim=pass"; dkim/1 = pass header.i=@exempla.test\n'
seed authres several 'exempla.test\nmx.exempla.test; dkim=pass header.d=exempla.test\nMX.EXEMPLA.TEST; dmarc=fail header.from=exempla.test\n'

seed mailout plain 'Erika Musterfrau\0Max\0Eingangsbest\303\244tigung SO-2026-000042\0Guten Tag,\n\nSumme: 12,50 EUR\n.\nFrom here\n\0<a@b.test> <c@d.test>'
seed mailout inject 'x\r\nBcc: evil@x.test\0"Quote\\d" <y>\0Subj\r\nBcc: evil@x.test\r\n\r\nbody\0body\r\n\0a@b\r\nc@d\0bestellung \303\244.csv\0text/csv; charset=utf-8'
seed mailout long 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\0=?utf-8?q?x?=\0word word word word word word word word word word word word word word word word word word word\0\0'

seed mailto plain 'erika.musterfrau@exempla.test\0GENEHMIGT SO-2026-000042 [3f9a0c1d]\0Begr\303\274ndung:\r\nx&y=z?#%%+\n'
seed mailto bad 'a b@x.test\0line\r\nBcc: x\0'
seed mailto quoted '"a"@x.test\0\0'

du -sh "$C"
