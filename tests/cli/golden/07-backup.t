# Backing up to a folder, and checking the set without any key.
+ licvaultd keygen --out svc
+ licvault issuer keygen --out iss
+ licvault init --trust-issuer iss/issuer.pub
+ licvault id --out me.id
+ licvault issuer issue --key iss/issuer.key --to me.id --count 200 --allow-backup --title Album --out a.lic && licvault import a.lic
+ licvault issuer issue --key iss/issuer.key --to me.id --kid AAAAAAAAAAAAAAAAAAAAAA== --title "Rental, no backup" --out b.lic && licvault import b.lic
# no service pinned yet: nothing to lock the set to
$ licvault backup usb
! licvault: usb: no License Management Service is pinned (LV_E_NO_SERVICE, 0xC00D2762)
? 1
+ licvault service set http://127.0.0.1:9 svc/service.pub
$ licvault backup usb
> restricted (not backed up, its rights forbid it): <KID>  Rental, no backup
> Backed up 200 licenses to usb (1 not backed up: their rights forbid it)
> set: usb, generation 1, 1 file(s), 0.2 MB, written <TIME>
> locked to: http://127.0.0.1:9 (service key <ID16>); from computer <ID32>
$ ls usb
> LV010000.DAT
> LVBACKUP.MAN
$ licvault verify usb
> Backup set sound: 200 licenses
> set: usb, generation 1, 1 file(s), 0.2 MB, written <TIME>
> locked to: http://127.0.0.1:9 (service key <ID16>); from computer <ID32>
$ licvault backup usb
! licvault: usb: licenses are already backed up in this location (LV_E_BACKUP_EXISTS, 0xC00D2742)
? 1
$ licvault --json backup usb --overwrite
> {
>   "restricted": [
>     {"kid":"<KID>","title":"Rental, no backup"}
>   ],
>   "ok": true,
>   "dir": "usb",
>   "licenses": 200,
>   "restricted_count": 1,
>   "status": "LV_OK",
>   "hresult": "0x00000000",
>   "generation": 2,
>   "files": 1,
>   "bytes": 168068
> }
$ licvault verify --json usb | grep -c '"ok": true'
> 1
# --verify reads the set back from the folder after writing it
$ licvault backup usb3 --verify --part-size 65536
> restricted (not backed up, its rights forbid it): <KID>  Rental, no backup
> Backed up 200 licenses to usb3 (1 not backed up: their rights forbid it)
> set: usb3, generation 1, 3 file(s), 0.2 MB, written <TIME>
> locked to: http://127.0.0.1:9 (service key <ID16>); from computer <ID32>
> Read back: every file of the set verifies
$ licvault --json backup usb3 --overwrite --verify | grep -E '"(verified|problems)"'
>   "verified": true,
>   "problems": []
$ licvault backup usb2 --overwrite --part-size 65536 | head -n 2
> restricted (not backed up, its rights forbid it): <KID>  Rental, no backup
> Backed up 200 licenses to usb2 (1 not backed up: their rights forbid it)
$ ls usb2 | wc -l
> 4
# damage: one byte, a truncated file, a missing file, an extra file
+ cp -a usb2 bad1 && flipbyte bad1/LV010001.DAT 100
$ licvault verify bad1
> problem: LV010001.DAT: altered
> The backup set in bad1 is NOT sound.
? 1
+ cp -a usb2 bad2 && truncate -s 1000 bad2/LV010001.DAT
$ licvault verify bad2
> problem: LV010001.DAT: truncated
> The backup set in bad2 is NOT sound.
? 1
+ cp -a usb2 bad3 && rm bad3/LV010002.DAT
$ licvault verify bad3
> problem: LV010002.DAT: missing
> The backup set in bad3 is NOT sound.
? 1
+ cp -a usb2 bad4 && cp usb2/LV010000.DAT bad4/LV01FFFF.DAT
$ licvault verify bad4
> problem: LV01FFFF.DAT: extra file: not part of this set
> The backup set in bad4 is NOT sound.
? 1
+ cp -a usb2 bad5 && sed -i 's/^licenses 200$/licenses 201/' bad5/LVBACKUP.MAN
$ licvault verify bad5
> problem: LVBACKUP.MAN: damaged or not signed by its computer
> The backup set in bad5 is NOT sound.
? 1
$ licvault verify empty-folder
! licvault: empty-folder: no backup set here (no LVBACKUP.MAN)
? 1
$ licvault --json verify bad3
> {
>   "ok": false,
>   "dir": "bad3",
>   "problems": [
>     {
>       "file": "LV010002.DAT",
>       "problem": "missing",
>       "error": "LV_E_NO_FILE"
>     }
>   ],
>   "licenses": 200,
>   "generation": 1,
>   "files": 3,
>   "bytes": 168068,
>   "created": "<TIME>",
>   "machine_id": "<ID32>",
>   "service_url": "http://127.0.0.1:9",
>   "error": "LV_E_BACKUP_CORRUPT"
> }
? 1
# unusable places
$ licvault backup /proc/version/usb
! licvault: /proc/version/usb: no such file or folder (LV_E_NO_FILE, 0x80070002)
? 1
$ licvault backup a.lic
! licvault: a.lic: not a folder
? 1
$ licvault backup
! licvault: expected one folder
! Try 'licvault backup --help'.
? 2
$ licvault backup usb --part-size 10
! licvault: --part-size is from 65536 to 1073741824 bytes
! Try 'licvault backup --help'.
? 2
