# ifuncs.gdb: where gdb finds the implementation of strlen, memcpy and strchr
# in testdata/ifuncs.c (cmd/godbg/ifunc_test.go): with the GOT bound at load
# time, stepi from the call until the pc is in libc.
set pagination off
set environment LD_BIND_NOW 1
break ifuncs.c:14
break ifuncs.c:16
break ifuncs.c:20
run
while $pc < 0x7f0000000000
stepi
end
printf "strlen %#lx\n", $pc
info symbol $pc
delete 1
continue
while $pc < 0x7f0000000000
stepi
end
printf "memcpy %#lx\n", $pc
info symbol $pc
delete 2
continue
while $pc < 0x7f0000000000
stepi
end
printf "strchr %#lx\n", $pc
info symbol $pc
kill
