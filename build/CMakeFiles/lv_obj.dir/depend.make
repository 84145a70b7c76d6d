# Empty dependencies file for lv_obj.
# This may be replaced when dependencies are built.
