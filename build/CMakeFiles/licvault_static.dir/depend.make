# Empty dependencies file for licvault_static.
# This may be replaced when dependencies are built.
