# Using licenses: rights enforced, state recorded, content key never shown.
+ licvault issuer keygen --out iss
+ licvault init --trust-issuer iss/issuer.pub
+ licvault id --out me.id
+ licvault issuer issue --key iss/issuer.key --to me.id --kid AAAAAAAAAAAAAAAAAAAAAA== --plays 2 --out a.lic && licvault import a.lic
+ licvault issuer issue --key iss/issuer.key --to me.id --kid AQEBAQEBAQEBAQEBAQEBAQ== --out b.lic && licvault import b.lic
+ licvault issuer issue --key iss/issuer.key --to me.id --kid AgICAgICAgICAgICAgICAg== --expires 2020-01-01 --out c.lic && licvault import c.lic
+ licvault issuer issue --key iss/issuer.key --to me.id --kid AwMDAwMDAwMDAwMDAwMDAw== --begin 2099-01-01 --out d.lic && licvault import d.lic
+ licvault issuer issue --key iss/issuer.key --to me.id --kid BAQEBAQEBAQEBAQEBAQEBA== --no-play --out e.lic && licvault import e.lic
+ licvault issuer issue --key iss/issuer.key --to me.id --kid BQUFBQUFBQUFBQUFBQUFBQ== --min-app-security 3000 --out f.lic && licvault import f.lic
$ licvault use AAAAAAAAAAAAAAAAAAAAAA==
> Playing <KID> (play 1, 1 left)
$ licvault use AAAAAAAAAAAAAAAAAAAAAA==
> Playing <KID> (play 2, 0 left)
$ licvault use AAAAAAAAAAAAAAAAAAAAAA==
! licvault: <KID>: the license does not allow this (no play right, or no plays left) (LV_E_NO_RIGHTS, 0xC00D2720)
? 1
$ licvault --json use AQEBAQEBAQEBAQEBAQEBAQ==
> {
>   "ok": true,
>   "kid": "<KID>",
>   "lid": "<ID32>",
>   "plays_used": 1,
>   "plays_left": null
> }
$ licvault use AgICAgICAgICAgICAgICAg==
! licvault: <KID>: the license has expired (LV_E_EXPIRED, 0xC00D27D8)
? 1
$ licvault use AwMDAwMDAwMDAwMDAwMDAw==
! licvault: <KID>: the license is not valid yet (LV_E_NOT_ENABLED, 0xC00D27D9)
? 1
$ licvault use BAQEBAQEBAQEBAQEBAQEBA==
! licvault: <KID>: the license does not allow this (no play right, or no plays left) (LV_E_NO_RIGHTS, 0xC00D2720)
? 1
$ licvault use BQUFBQUFBQUFBQUFBQUFBQ==
! licvault: <KID>: the license requires a more secure player (LV_E_APPSEC_LOW, 0xC00D27DA)
? 1
$ licvault use BgYGBgYGBgYGBgYGBgYGBg==
! licvault: <KID>: no license with that key id is stored (LV_E_NOT_FOUND, 0x80070490)
? 1
$ licvault list
> <KID>  2/2       -      
> <KID>  1         -      
> <KID>  0         -      
> <KID>  0         -      
> <KID>  0         -      
> <KID>  0         -      
$ licvault --json use AAAAAAAAAAAAAAAAAAAAAA==
> {
>   "ok": false,
>   "error": "LV_E_NO_RIGHTS",
>   "message": "the license does not allow this (no play right, or no plays left)",
>   "context": "<KID>",
>   "hresult": "0xC00D2720"
> }
? 1
