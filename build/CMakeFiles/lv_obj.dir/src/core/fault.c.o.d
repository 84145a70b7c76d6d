CMakeFiles/lv_obj.dir/src/core/fault.c.o: /work/main/src/core/fault.c \
 /usr/include/stdc-predef.h /work/main/src/core/fault.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdatomic.h
