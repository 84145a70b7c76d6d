file(REMOVE_RECURSE
  "liblicvault_static.a"
)
