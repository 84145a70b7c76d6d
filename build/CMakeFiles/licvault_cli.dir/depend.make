# Empty dependencies file for licvault_cli.
# This may be replaced when dependencies are built.
