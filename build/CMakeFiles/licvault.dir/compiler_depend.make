# Empty compiler generated dependencies file for licvault.
# This may be replaced when dependencies are built.
