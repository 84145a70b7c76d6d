# Issuing and importing: all or nothing, each failure with its own error.
+ licvault issuer keygen --out iss
+ licvault issuer keygen --out rogue
+ licvault init --trust-issuer iss/issuer.pub
+ licvault id --out me.id
+ licvault --store st2 --machine m2.key init --trust-issuer iss/issuer.pub && licvault --store st2 --machine m2.key id --out other.id
$ licvault issuer issue --key iss/issuer.key --to me.id --kid AAAAAAAAAAAAAAAAAAAAAA== --title "Song One" --plays 3 --out one.lic
> Issued license <KID> to one.lic
$ licvault issuer issue --key iss/issuer.key --to me.id --count 4 --allow-backup --title "Album" --out four.lic
> Issued 4 licenses to four.lic
$ licvault import one.lic four.lic
> one.lic: imported 1 licenses (0 already present)
> four.lic: imported 4 licenses (0 already present)
$ licvault list
> <KID>  0/3       -      Song One
> <KID>  0         backup Album
> <KID>  0         backup Album
> <KID>  0         backup Album
> <KID>  0         backup Album
$ licvault import one.lic
> one.lic: imported 0 licenses (1 already present)
$ licvault show AAAAAAAAAAAAAAAAAAAAAA==
> KID:              <KID>
> LID:              <ID32>
> title:            Song One
> issuer:           <ID16>
> issued:           <TIME>
> play:             allowed
> plays:            0 used of 3
> backup/restore:   not allowed
> min. app security: 1000
$ licvault --json show AAAAAAAAAAAAAAAAAAAAAA==
> [
> {"kid":"<KID>","lid":"<ID32>","issuer":"<ID16>","issued_at":"<TIME>","title":"Song One","rights":{"allow_play":true,"allow_backup_restore":false,"playcount":3,"begin_date":null,"expiration_date":null,"expiration_after_first_use_hours":0,"allow_burn_to_cd":false,"burn_to_cd_count":0,"allow_transfer_to_sdmi":false,"allow_transfer_to_nonsdmi":false,"transfer_count":0,"delete_on_clock_rollback":false,"disable_on_clock_rollback":false,"minimum_app_security":1000},"plays_used":0,"first_use":null}
> ]
$ licvault show AQEBAQEBAQEBAQEBAQEBAQ==
! licvault: <KID>: no license with that key id is stored (LV_E_NOT_FOUND, 0x80070490)
? 1
$ licvault list --json | head -c 1
> [
# an untrusted issuer
+ licvault issuer issue --key rogue/issuer.key --to me.id --count 2 --out rogue.lic
$ licvault import rogue.lic
! licvault: rogue.lic: license 1 (KID <KID>): the license issuer is not trusted by this computer (see 'licvault trust add') (LV_E_UNTRUSTED_ISSUER, 0x800B0109)
! licvault: nothing was imported from that file
? 1
# a license for another computer
+ licvault issuer issue --key iss/issuer.key --to other.id --count 2 --out other.lic
$ licvault import other.lic
! licvault: other.lic: license 1 (KID <KID>): the license was issued to another computer (LV_E_WRONG_MACHINE, 0xC00D271F)
! licvault: nothing was imported from that file
? 1
# truncated: nothing of it is imported
+ licvault issuer issue --key iss/issuer.key --to me.id --count 3 --out three.lic
+ head -c 700 three.lic > cut.lic
$ licvault import cut.lic
! licvault: cut.lic: license 3: the license file is damaged or truncated (LV_E_LICENSE_CORRUPT, 0xC00D2718)
! licvault: nothing was imported from that file
? 1
$ licvault --json info | grep licenses
>   "licenses": 5,
# one changed byte in the third license (its LID): its signature fails
+ cp three.lic flip.lic && flipbyte flip.lic 600
$ licvault import flip.lic
! licvault: flip.lic: license 3 (KID <KID>): a license's signature does not verify: it was altered or forged (LV_E_BAD_SIGNATURE, 0x80090006)
! licvault: nothing was imported from that file
? 1
# the trailer's count changed: the whole file is refused
+ cp three.lic count.lic && printf '\x07' | dd of=count.lic bs=1 seek=$(( $(stat -c %s three.lic) - 40 )) conv=notrunc status=none
$ licvault import count.lic
! licvault: count.lic: the license file is damaged or truncated (LV_E_LICENSE_CORRUPT, 0xC00D2718)
! licvault: nothing was imported from that file
? 1
# an unknown file version
+ cp three.lic v2.lic && printf '\x02' | dd of=v2.lic bs=1 seek=4 conv=notrunc status=none
$ licvault import v2.lic
! licvault: v2.lic: the file uses a format version this licvault does not know; upgrade licvault (LV_E_LICENSE_VERSION, 0xC00D274E)
! licvault: nothing was imported from that file
? 1
$ licvault import missing.lic
! licvault: missing.lic: no such file or folder (LV_E_NO_FILE, 0x80070002)
! licvault: nothing was imported from that file
? 1
$ licvault import me.id
! licvault: me.id: the license file is damaged or truncated (LV_E_LICENSE_CORRUPT, 0xC00D2718)
! licvault: nothing was imported from that file
? 1
$ licvault --json import one.lic
> {
>   "ok": true,
>   "files": [
>     {
>       "file": "one.lic",
>       "imported": 0,
>       "already_present": 1
>     }
>   ]
> }
$ licvault --json import cut.lic
> {
>   "ok": false,
>   "error": "LV_E_LICENSE_CORRUPT",
>   "message": "the license file is damaged or truncated",
>   "context": "cut.lic: license 3",
>   "hresult": "0xC00D2718"
> }
? 1
# issuing errors
$ licvault issuer issue --key iss/issuer.key --to me.id --out x.lic
! licvault: give exactly one of --kid and --count
! Try 'licvault issuer issue --help'.
? 2
$ licvault issuer issue --key iss/issuer.key --to me.id --kid nope --out x.lic
! licvault: 'nope' is not a key id (base64 of 16 bytes)
! Try 'licvault issuer issue --help'.
? 2
$ licvault issuer issue --key iss/issuer.key --to me.id --count 0 --out x.lic
! licvault: --count wants a number from 1 to 100000000
! Try 'licvault issuer issue --help'.
? 2
$ licvault issuer issue --key iss/issuer.pub --to me.id --count 1 --out x.lic
! licvault: iss/issuer.pub: the key file is damaged or of the wrong kind (LV_E_KEY_FILE, 0xC00D2721)
? 1
$ licvault issuer issue --key iss/issuer.key --to iss/issuer.pub --count 1 --out x.lic
! licvault: iss/issuer.pub: the key file is damaged or of the wrong kind (LV_E_KEY_FILE, 0xC00D2721)
? 1
$ licvault issuer issue --key iss/issuer.key --to me.id --count 1 --begin 2026-13-01 --out x.lic
! licvault: '2026-13-01' is not an ISO 8601 UTC date
! Try 'licvault issuer issue --help'.
? 2
$ licvault issuer issue --key iss/issuer.key --to me.id --count 1 --begin 2027-01-01 --expires 2026-01-01 --out x.lic
! licvault: --begin is after --expires
! Try 'licvault issuer issue --help'.
? 2
$ test ! -e x.lic && echo no-file-left
> no-file-left
$ licvault list | wc -l
> 5
