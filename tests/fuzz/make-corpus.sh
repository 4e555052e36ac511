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

# Write one hand-made seed: corpus $1, file $2, then printf's format and
# arguments (so that \0 and \n can be written).
seed() {
	c=$1; f=$2; shift 2
	# shellcheck disable=SC2059
	printf "$@" >"$C/$c/$f"
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
# Compact documents for the paths the fixtures do not take.
A='<PRODUCT><SUPPLIER_PID>A-1</SUPPLIER_PID><PRODUCT_DETAILS><DESCRIPTION_SHORT lang="eng">Pen</DESCRIPTION_SHORT><DESCRIPTION_SHORT lang="deu">Stift</DESCRIPTION_SHORT></PRODUCT_DETAILS><PRODUCT_ORDER_DETAILS><ORDER_UNIT>PK</ORDER_UNIT></PRODUCT_ORDER_DETAILS><PRODUCT_PRICE_DETAILS><PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>2.50</PRICE_AMOUNT><LOWER_BOUND>10</LOWER_BOUND></PRODUCT_PRICE><PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>2.90</PRICE_AMOUNT><PRICE_QUANTITY>1</PRICE_QUANTITY><LOWER_BOUND>1</LOWER_BOUND></PRODUCT_PRICE></PRODUCT_PRICE_DETAILS></PRODUCT>'
H='<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005" xmlns:x="urn:x"><HEADER><CATALOG><CATALOG_ID>C</CATALOG_ID><CURRENCY>EUR</CURRENCY></CATALOG><SUPPLIER><SUPPLIER_ID>S1</SUPPLIER_ID><SUPPLIER_NAME>S &amp; S</SUPPLIER_NAME></SUPPLIER></HEADER>'
seed bmecat compact "%s<T_NEW_CATALOG><x:ext><PRODUCT/></x:ext>%s</T_NEW_CATALOG></BMECAT>" "$H" "$A"
seed bmecat update "%s<T_UPDATE_PRODUCTS prev_version=\"1\">%s</T_UPDATE_PRODUCTS></BMECAT>" "$H" "$A"
seed bmecat entity-decl '<?xml version="1.0"?><!DOCTYPE BMECAT [<!ENTITY e "x">]><BMECAT version="1.2"><T_NEW_CATALOG><ARTICLE mode="&e;"><SUPPLIER_AID>&e;</SUPPLIER_AID></ARTICLE></T_NEW_CATALOG></BMECAT>'
seed bmecat deep "%s<T_NEW_CATALOG>$(printf '<D>%.0s' $(seq 70))</T_NEW_CATALOG></BMECAT>" "$H"
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

# Seeds at the hard limits, so that mutations land on both sides of them.
rep() { # rep COUNT TEXT: TEXT COUNT times
	awk -v n="$1" -v t="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", t }'
}
seed form positions-501 'Besteller: Erika\nPositionen:\n%s' \
    "$(awk 'BEGIN { for (i = 1; i <= 501; i++) printf "%d | 100234 | Papier | 1 | Pack | 4,29\n", i }')"
seed form line-4097 'Besteller: %s\303\274\nKostenstelle: 4711\n' "$(rep 4085 a)"
seed form json-value-4097 '{"besteller":"%s\303\274","positionen":[]}' "$(rep 4095 a)"
seed html cells-65 '<table><tr>%s</tr></table>' "$(rep 65 '<td>x</td>')"
seed html cell-4096 '<tr><td>%s\303\274&uuml;</td><td> &nbsp;</td></tr>' "$(rep 4095 a)"
seed json depth-33 '%s1%s' "$(rep 33 '[')" "$(rep 33 ']')"
seed json depth-32 '%s1%s' "$(rep 32 '{"a":')" "$(rep 32 '}')"
seed csv cols-1025 '%sx\n' "$(rep 1025 'a;')"
seed mime parens-101 'From: a@b.test %sx\nSubject: x\n\nBody\n' "$(rep 101 '(')"
seed mime boundary-257 'From: a@b.test\nContent-Type: multipart/mixed; boundary="%s"\n\n--%s\nContent-Type: text/plain\n\nx\n--%s--\n' \
    "$(rep 257 b)" "$(rep 257 b)" "$(rep 257 b)"
seed mime rfc2231-65 'From: a@b.test\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/json;\n%s name*64=x\nContent-Disposition: attachment; filename*0*=utf-8%s%%C3%%BC; filename*1=.json\n\n{}\n--b--\n' \
    "$(awk 'BEGIN { for (i = 0; i < 64; i++) printf " name*%d=s%d;", i, i }')" "''"

du -sh "$C"
