
// govalues' locals, as var() and locals() give them: an empty map is an
// empty table, a slice of interfaces keeps its nil elements' places (and
// says its length in _len), a string indexes to its bytes, a promoted
// field reads through its embedded struct, anonymous types have their Go
// names, and integers beyond 2^53 come as exact decimal strings.
func TestGoValues(t *testing.T) {
	prog := target(t, fixture.GoDebug(t, "govalues"))
	stop := strconv.Itoa(markerLine(t, "govalues/main.go", "// STOP"))
	out := filepath.Join(t.TempDir(), "out")
	r := godbg(t, "run", "-o", out, "-e", `brk("main.go:`+stop+`", function(ev)
		local e = var("empty")
		printf("empty: %s %d %s", type(e), #e, tostring(next(e)))
		local l = locals()
		local i = l.ifaces
		printf("ifaces: _len=%d [1]=%s [2]=%s [3]=%s [4]=%s", i._len, i[1].value, tostring(i[2]), i[3].value, tostring(i[4]))
		printf("str[0]=%d str[3]=%d %s", var("str[0]"), var("str[3]"), select(2, pcall(var, "str[4]")))
		printf("b.val=%d b.name=%s b.base.val=%d b.extra=%d", var("b.val"), var("b.name"), var("b.base.val"), var("b.extra"))
		printf("anonIface.type=%s", var("anonIface").type)
		print(select(2, pcall(var, "anon.Q")))
		printf("big=%s %s max=%s small=%s %s", var("big"), type(l.big), l.max, tostring(l.small), type(l.small))
		printf("equal=%s", tostring(var("big") == "9223372036854775809"))
	end)`, prog)
	b, _ := os.ReadFile(out)
	want := "empty: table 0 nil\n" +
		"ifaces: _len=4 [1]=1 [2]=nil [3]=two [4]=nil\n" +
		"str[0]=48 str[3]=51 <string>:7: var(\"str[4]\"): eval \"str[4]\": index 4 out of range [0,4)\n" +
		"b.val=7 b.name=inner b.base.val=7 b.extra=9\n" +
		"anonIface.type=struct { X int; Y string }\n" +
		"<string>:10: var(\"anon.Q\"): eval \"anon.Q\": anon (struct { X int; Y string }) has no field Q\n" +
		"big=9223372036854775809 string max=18446744073709551615 small=42 number\n" +
		"equal=true\n"
	if r.status != 0 || r.stderr != "" || string(b) != want {
		t.Errorf("status %d stderr %q; got\n%s\nwant\n%s", r.status, r.stderr, b, want)
	}
	noProcessLeft(t, prog)
}
