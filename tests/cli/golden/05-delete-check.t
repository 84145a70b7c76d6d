# Deleting licenses and checking the store.
+ licvault issuer keygen --out iss
+ licvault init --trust-issuer iss/issuer.pub
+ licvault id --out me.id
+ licvault issuer issue --key iss/issuer.key --to me.id --count 3 --out a.lic && licvault import a.lic
+ licvault issuer issue --key iss/issuer.key --to me.id --kid AAAAAAAAAAAAAAAAAAAAAA== --out b.lic && licvault import b.lic
$ licvault check
> Store is sound: 4 licenses verified
$ licvault --json check
> {
>   "ok": true,
>   "licenses": 4,
>   "problems": 0,
>   "details": []
> }
$ licvault delete AAAAAAAAAAAAAAAAAAAAAA==
> Deleted 1 license(s) with KID <KID>
$ licvault delete AAAAAAAAAAAAAAAAAAAAAA==
! licvault: <KID>: no license with that key id is stored (LV_E_NOT_FOUND, 0x80070490)
? 1
$ licvault list | wc -l
> 3
# damage one license behind licvault's back: check names it
+ sqlite3 store/store.db "UPDATE licenses SET body = zeroblob(length(body)) WHERE id = (SELECT min(id) FROM licenses)"
$ licvault check
> problem: <KID>: license record does not decode (LV_E_LICENSE_CORRUPT)
> 1 problem(s) found in 3 licenses
? 1
+ sqlite3 store/store.db "UPDATE licenses SET body = (SELECT body FROM licenses WHERE id = 3) WHERE id = 2"
$ licvault check
> problem: <KID>: license record does not decode (LV_E_LICENSE_CORRUPT)
> problem: <KID>: KID column disagrees with the license (LV_E_STORE_CORRUPT)
> problem: <KID>: LID column disagrees with the license (LV_E_STORE_CORRUPT)
> problem: <KID>: content key does not open (LV_E_DECRYPT)
> 4 problem(s) found in 3 licenses
? 1
+ sqlite3 store/store.db "UPDATE licenses SET plays_used = 5 WHERE id = (SELECT max(id) FROM licenses)"
$ licvault check | tail -n 2
> problem: <KID>: play state is inconsistent (LV_E_STORE_CORRUPT)
> 5 problem(s) found in 3 licenses
