# The command's help and usage errors.
$ licvault --version
> licvault 0.1.0
$ licvault
! Usage: licvault [OPTIONS] COMMAND [ARGS]
! 
! Keeps this computer's content licenses: a machine-bound store of
! signed licenses, after the Windows Media Format SDK, backups of them
! locked to a License Management Service, and restores onto a new
! computer that the service approves.
! 
! Options:
!   --store DIR     the license store (default: $LICVAULT_STORE,
!                   else ~/.local/share/licvault)
!   --machine FILE  this computer's binding secret (default:
!                   $LICVAULT_MACHINE, else ~/.config/licvault/machine.key)
!   --json          machine-readable output
!   -q, --quiet     no progress or chatter
!   -h, --help      this help; COMMAND --help for a command's
!   -V, --version   the version
! 
! Commands:
!   init      give this computer an identity (individualize)
!   id        export this computer's public identity
!   info      show this computer's identity and store
!   service   pin the License Management Service: service set URL FILE
!   trust     trust a license issuer: trust add FILE
!   issuer    issuer tools: issuer keygen | issuer issue
!   import    verify and store license files
!   list      list stored licenses
!   show      show the licenses with a key id
!   delete    delete the licenses with a key id
!   use       play under a license: enforce and record its rights
!   check     verify the store's integrity
!   backup    back up the licenses to a folder (a backup set)
!   verify    check a backup set without the service
!   restore   restore a backup set through the service
! 
! Exit status: 0 success, 1 failure, 2 usage error, 3 partly done
! (restore: some licenses refused).
! See licvault(1).
? 2
$ licvault --help
> Usage: licvault [OPTIONS] COMMAND [ARGS]
> 
> Keeps this computer's content licenses: a machine-bound store of
> signed licenses, after the Windows Media Format SDK, backups of them
> locked to a License Management Service, and restores onto a new
> computer that the service approves.
> 
> Options:
>   --store DIR     the license store (default: $LICVAULT_STORE,
>                   else ~/.local/share/licvault)
>   --machine FILE  this computer's binding secret (default:
>                   $LICVAULT_MACHINE, else ~/.config/licvault/machine.key)
>   --json          machine-readable output
>   -q, --quiet     no progress or chatter
>   -h, --help      this help; COMMAND --help for a command's
>   -V, --version   the version
> 
> Commands:
>   init      give this computer an identity (individualize)
>   id        export this computer's public identity
>   info      show this computer's identity and store
>   service   pin the License Management Service: service set URL FILE
>   trust     trust a license issuer: trust add FILE
>   issuer    issuer tools: issuer keygen | issuer issue
>   import    verify and store license files
>   list      list stored licenses
>   show      show the licenses with a key id
>   delete    delete the licenses with a key id
>   use       play under a license: enforce and record its rights
>   check     verify the store's integrity
>   backup    back up the licenses to a folder (a backup set)
>   verify    check a backup set without the service
>   restore   restore a backup set through the service
> 
> Exit status: 0 success, 1 failure, 2 usage error, 3 partly done
> (restore: some licenses refused).
> See licvault(1).
$ licvault frobnicate
! licvault: unknown command 'frobnicate'
! Try 'licvault --help'.
? 2
$ licvault --bogus list
! licvault: unknown option '--bogus'
! Try 'licvault --help'.
? 2
$ licvault import --help
> Usage: licvault import FILE...
> 
> Verifies every license of each license file (issuer trusted,
> signature, for this computer) and stores them. Each file is
> imported whole or not at all; licenses already stored are kept
> as they are.
$ licvault issuer issue --help
> Usage: licvault issuer issue --key ISSUER_KEY --to IDENTITY_FILE
>          (--kid KID | --count N) --out FILE [RIGHTS]
> 
> Signs licenses for one computer into one license file.
>   --key FILE        the issuer's secret key (issuer.key)
>   --to FILE         the computer's identity (from 'licvault id')
>   --kid KID         the key id (base64 of 16 bytes)
>   --count N         N licenses with generated key ids (1..100000000)
>   --title TEXT      a title (UTF-8, at most 512 bytes)
>   --out FILE        the license file to write (atomically)
> Rights (default: play allowed, nothing else):
>   --allow-backup            AllowBackupRestore
>   --no-play                 withhold AllowPlay
>   --plays N                 Playcount
>   --begin DATE              BeginDate (ISO 8601 UTC: 2026-01-31 or
>                             <TIME>)
>   --expires DATE            ExpirationDate
>   --expire-after-first-use HOURS
>   --on-rollback delete|disable  DeleteOnClockRollback / DisableOnClockRollback
>   --allow-burn[=N]          AllowBurnToCD, BurnToCDCount
>   --allow-transfer[=N]      AllowTransferToSDMI and NonSDMI, TransferCount
>   --min-app-security N      MinimumAppSecurity (default 1000)
$ licvault list extra
! licvault: unexpected argument 'extra'
! Try 'licvault list --help'.
? 2
$ licvault show not-a-kid
! licvault: 'not-a-kid' is not a key id (base64 of 16 bytes)
! Try 'licvault show --help'.
? 2
$ licvault use
! licvault: expected one KID
! Try 'licvault use --help'.
? 2
$ licvault issuer
> Usage: licvault issuer keygen --out DIR
>        licvault issuer issue --key KEY --to IDENTITY ... --out FILE
> Try 'licvault issuer issue --help'.
? 2
$ licvault issuer mint
! licvault: unknown action 'mint'
! Try 'licvault issuer --help'.
? 2
$ licvault service
> Usage: licvault service set URL FILE
> 
> Pins (or changes) the License Management Service this computer
> uses for backup and restore: its URL and its public key file.
? 2
$ licvault trust remove x
! licvault: unknown action 'remove'
! Try 'licvault trust --help'.
? 2
