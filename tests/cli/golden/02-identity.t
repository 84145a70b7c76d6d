# Individualization, identity export, pinning the service, trusting issuers.
# Before init, every command that needs a store says to run init.
$ licvault list
! licvault: list: this computer has no identity yet; run 'licvault init' first (LV_E_NEEDS_INDIV, 0xC00D2728)
? 1
$ licvault id
! licvault: id: this computer has no identity yet; run 'licvault init' first (LV_E_NEEDS_INDIV, 0xC00D2728)
? 1
$ licvault --json info
> {
>   "ok": false,
>   "error": "LV_E_NEEDS_INDIV",
>   "message": "this computer has no identity yet; run 'licvault init' first",
>   "context": "info",
>   "hresult": "0xC00D2728"
> }
? 1
+ licvault issuer keygen --out iss
+ licvault issuer keygen --out iss2
+ cp iss/issuer.key not-a-pub
$ licvault init --trust-issuer iss/issuer.pub
> This computer is individualized: machine id <ID32>
> Trusted issuers: 1
$ licvault init
! licvault: init: this computer already has an identity in that store (LV_E_ALREADY_INDIV, 0xC00D2729)
? 1
$ licvault info
> machine id:       <ID32>
> service:          (none)
> trusted issuers:  1
> licenses:         0
$ licvault id --out me.id
! Identity written to me.id
$ test "$(stat -c %a store)" = 700 && test "$(stat -c %a store/store.db)" = 600 && test "$(stat -c %a machine.key)" = 600 && echo modes-ok
> modes-ok
$ test "$(stat -c %a iss/issuer.key)" = 600 && test "$(stat -c %a iss/issuer.pub)" = 644 && echo key-modes-ok
> key-modes-ok
$ licvault id | diff - me.id && echo same
> same
$ licvault trust add iss2/issuer.pub
> Trusted issuer <ID16>
$ licvault trust add iss2/issuer.pub
> Trusted issuer <ID16>
$ licvault trust add me.id
! licvault: me.id: the key file is damaged or of the wrong kind (LV_E_KEY_FILE, 0xC00D2721)
? 1
$ licvault trust add missing.pub
! licvault: missing.pub: no such file or folder (LV_E_NO_FILE, 0x80070002)
? 1
$ licvault service set ftp://example.org iss/issuer.pub
! licvault: the URL must start with http:// or https://
! Try 'licvault service --help'.
? 2
$ licvault service set http://127.0.0.1:9 iss/issuer.pub
! licvault: service set: the key file is damaged or of the wrong kind (LV_E_KEY_FILE, 0xC00D2721)
? 1
$ licvault --json info
> {
>   "machine_id": "<ID32>",
>   "service_url": null,
>   "service_key": null,
>   "licenses": 0,
>   "issuers": 2
> }
$ licvault init --service http://x
! licvault: --service and --service-key go together
! Try 'licvault init --help'.
? 2
$ licvault --store other init --trust-issuer not-a-pub
! licvault: init: the key file is damaged or of the wrong kind (LV_E_KEY_FILE, 0xC00D2721)
? 1
$ test ! -e other/store.db || licvault --store other list
! licvault: list: this computer has no identity yet; run 'licvault init' first (LV_E_NEEDS_INDIV, 0xC00D2728)
? 1
