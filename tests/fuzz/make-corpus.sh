#!/bin/sh
# SPDX-License-Identifier: MIT
#
# make-corpus - build the seed corpora of the fuzz targets, one directory
# per target under OUT (default build-fuzz/seeds): copies of the test
# fixtures and the demo data (contrib/demo holds the copies of the sample
# mails and master data), plus the hand-made seeds written below for the
# inputs that have no fixture file (commands, schedules,
# Authentication-Results, mail composition, values and orders) and for the
# hard limits.  Nothing of it is committed: `make fuzz` runs this first.
#
# Usage: tests/fuzz/make-corpus.sh [OUT]   (OUT relative to the repository
# root, which this script changes to).  OUT is made anew every time; the
# fuzzers keep what they find in build-fuzz/corpus/, not here.
set -eu
cd "$(dirname "$0")/../.."
C=${1:-build-fuzz/seeds}
case $C in
""|/) echo "make-corpus: refusing to replace '$C'" >&2; exit 1 ;;
esac
rm -rf "$C"
for t in mime form command csv json html bmecat schedule authres render \
    mailout mailto rendermail formprofile orderdoc mailwire; do
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
# mailwire: the sample mails behind an odd mode byte and a position byte
# (parsed, encoded, one byte changed, decoded).
for f in contrib/demo/mails/*.eml; do
	{ printf '\001\021'; cat "$f"; } >"$C/mailwire/$(echo "$f" | tr / _)"
done
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

# render_mail: byte 0 the template, byte 1 language and repetition of
# value 1, bytes 2-5 the list shapes, then values (see fuzz_rendermail.c).
V='Erika Musterfrau\0SO-2026-000042\0Zeile 1\r\nBcc: evil@exempla.test\r\n\0Gr\374\337e \303\0{{nr}}{{#positions}}\0 \t \0Subject: x\n\n\0=?utf-8?q?x?='
for i in $(seq 0 23); do
	seed rendermail "t$i-de" "\\$(printf '%03o' "$i")\000\006\005\007\004$V"
	seed rendermail "t$i-en" "\\$(printf '%03o' "$i")\001\004\006\005\007$V"
done
# 48 x 3 bytes, 2^15 times: past the body limit; 2400 bytes 8 times: past
# the subject limit (status_list has no name in its subject, and
# approval_refused its first name).
seed rendermail huge '\021\376\007\007\007\007%s' "$(rep 48 'x\r\n')"
seed rendermail long-subject '\003\362\000\000\000\000%s' "$(rep 300 'Betreff ')"

# form_profile_load: the profile fixtures alone, and with a form after a NUL.
seed_files formprofile contrib/form-profile.ini tests/data/form-profile-*.ini
for f in contrib/form-profile.ini tests/data/form-profile-artikel.ini \
    tests/data/form-profile-backtrack.ini; do
	{ cat "$f"; printf '\0'; cat tests/data/form-artikel.txt; } \
	    >"$C/formprofile/with-form-$(basename "$f")"
done
seed formprofile line-4097 '[labels]\nbesteller = ^(%s)$\n' "$(rep 4081 a)"
seed formprofile limits '[limits]\nmatch_limit = 100000000\ndepth_limit = 1000000\n[patterns]\nposition_row = ^(?<pos>(a|a)+)(?<menge>x)?(?<artikelnr>)$\n\0%sb\n' "$(rep 40 a)"
seed formprofile groups '[labels]\nbesteller =\nemail = (?i)^mail\\s*$\n[patterns]\nlabel_line = ^(?<label>[^=]+)=(?<value>.*)$\npositions_start =\noe_code = (?<code>\\d+)|(?<code2>x)\n\0Besteller = Erika\nOE = 10.2\n'

# orderdoc: fields cut at NUL, in the order of fuzz_orderdoc.c (order, shape,
# three delivery parties, four lines); fields not given keep valid defaults.
fields() { # fields FIELD...: the fields, each ended by a NUL
	for a; do printf '%s\0' "$a"; done
}
parties() {
	fields RH-214 Rathaus 'Marktplatz 1' 12345 Exempla 2.14 \
	    SCHULE-3 Schule 'Weg 2' 12345 Exempla '' \
	    BAUHOF Bauhof 'Hof 3' 12345 Exempla ''
}
O=$C/orderdoc
# Even length: a big output buffer; odd: a small one behind a prefix.
seed orderdoc defaults 'B-2026-00042'
seed orderdoc defaults-small 'B-2026-000042'
{
	fields '=HYPERLINK("x")' '+buyer' "$(printf 'Stadt "Exempla"; Amt\r\nZwei')" \
	    '@mail' '-1' "Lieferant <&> 's" '' '' \
	    "$(printf 'Bemerkung\r\nmit\tTab\001\177\302\200\357\277\276 ]]> <!--')" \
	    "$(printf '\003\002')"
	parties
	fields 'A;1' 'B"2' "$(printf '=1+1\r\nx')" "$(printf 'St\303\274ck')" \
	    '-4711' 'SO-1,SO-2, ,SO-3' SCHULE-3 3 0 '' \
	    "$(printf '\tMU-1')" '' "$(printf 'Papier\342\200\250A4 \355\237\277')" \
	    "$(printf ' PACK\r\n')" 4711 SO-4 BAUHOF 2 150 300
} >"$O/hostile"
{
	fields B-1 K Kaeufer '' L Lieferant '' '' '' "$(printf '\001\001')"
	parties
	fields '' '' Papier Pack KS SO-1 RH-214 1 9223372036854775807 '' \
	    '' '' Stifte Pack KS SO-2 SCHULE-3 1 9223372036854775807 ''
} >"$O/sum-overflow"
{
	fields B-1 K Kaeufer '' L Lieferant '' '' '' "$(printf '\001\002x')"
	parties
	fields '' '' Papier Pack KS SO-1 RH-214 3 5 15 \
	    '' '' Stifte Karton KS SO-2 SCHULE-3 1 100 ''
} >"$O/wrong-total"
{
	fields B-1 K Kaeufer '' L Lieferant '' '' '' 1
	parties
	fields '' '' Papier Pack KS "$(rep 1001 'S,')" RH-214
} >"$O/cases-1001"
{
	fields B-12 K "$(rep 60 "$(printf '\303\244')")" '' L Lieferant '' '' \
	    "$(rep 300 "$(printf 'Zeile\r\n')")" 1
	parties
	fields "$(rep 32 M)" "$(rep 50 B)" "$(rep 151 "$(printf '\342\202\254')")" \
	    Pack "$(rep 64 K)" "$(rep 250 S)" RH-214 1 429 ''
} >"$O/long"

echo "make-corpus: $(find "$C" -type f | wc -l) seeds in $C"
