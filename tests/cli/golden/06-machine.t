# A store copied to another computer refuses to open its licenses.
+ licvault issuer keygen --out iss
+ licvault init --trust-issuer iss/issuer.pub
+ licvault id --out me.id
+ licvault issuer issue --key iss/issuer.key --to me.id --kid AAAAAAAAAAAAAAAAAAAAAA== --out a.lic && licvault import a.lic
+ cp -a store copied
$ licvault --store copied --machine another-computer.key list
! licvault: list: this license store belongs to another computer; licenses cannot be copied between computers, move them with backup and restore (LV_E_INVALID_MACHINE, 0xC00D2719)
? 1
$ licvault --store copied --machine another-computer.key use AAAAAAAAAAAAAAAAAAAAAA==
! licvault: <KID>: this license store belongs to another computer; licenses cannot be copied between computers, move them with backup and restore (LV_E_INVALID_MACHINE, 0xC00D2719)
? 1
$ test ! -e another-computer.key && echo no-secret-created
> no-secret-created
# the same computer's secret, but edited: still refused
+ sed 's/^\(.\{25\}\)./\10/' machine.key > edited.key; cmp -s machine.key edited.key && sed 's/^\(.\{25\}\)./\11/' machine.key > edited.key; true
$ licvault --store copied --machine edited.key list
! licvault: list: this license store belongs to another computer; licenses cannot be copied between computers, move them with backup and restore (LV_E_INVALID_MACHINE, 0xC00D2719)
? 1
# the genuine computer still opens it
$ licvault --store copied use AAAAAAAAAAAAAAAAAAAAAA==
> Playing <KID> (play 1)
