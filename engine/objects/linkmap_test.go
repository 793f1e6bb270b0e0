package objects

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// image is a sparse memory: each region's bytes at its address; a read
// outside every region fails, as an unmapped page does.
type image map[Addr][]byte

func (m image) ReadMemory(a Addr, b []byte) error {
	for base, bytes := range m {
		if a >= base && a+Addr(len(b)) <= base+Addr(len(bytes)) {
			copy(b, bytes[a-base:])
			return nil
		}
	}
	return fmt.Errorf("unmapped %#x", uint64(a))
}

// hx decodes golden bytes written as hex with spaces.
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// Golden structs, little-endian, as glibc lays them out on x86-64.
var (
	// r_debug at 0x1000: version 1, r_map 0x2000, r_brk 0x7ffff7fd3f90,
	// RT_CONSISTENT, r_ldbase 0x7ffff7fc3000.
	rdebugV1 = hx(`01000000 00000000  00200000 00000000  903ffdf7 ff7f0000
		00000000 00000000  0030fcf7 ff7f0000`)
	// The same, in state RT_ADD, before any list (r_map 0).
	rdebugEmpty = hx(`01000000 00000000  00000000 00000000  903ffdf7 ff7f0000
		01000000 00000000  0030fcf7 ff7f0000`)
	// r_debug_extended, version 2, r_map 0x2000, r_next 0x1100.
	rdebugV2 = hx(`02000000 00000000  00200000 00000000  903ffdf7 ff7f0000
		00000000 00000000  0030fcf7 ff7f0000  00110000 00000000`)
	// The second namespace's: r_map 0x2200, no r_next.
	rdebugNS = hx(`02000000 00000000  00220000 00000000  903ffdf7 ff7f0000
		00000000 00000000  0030fcf7 ff7f0000  00000000 00000000`)
	// link_maps: l_addr, l_name, l_ld, l_next, l_prev.
	// 0x2000: the program, bias 0x555555554000, l_name "" at 0x3000.
	lmProg = hx(`00405555 55550000  00300000 00000000  d04d5555 55550000
		00210000 00000000  00000000 00000000`)
	// 0x2100: libc, bias 0x7ffff7dd5000, name at 0x3010, next 0.
	lmLibc = hx(`0050ddf7 ff7f0000  10300000 00000000  c0bcf9f7 ff7f0000
		00000000 00000000  00200000 00000000`)
	// 0x2100 variant pointing back to 0x2000: a loop.
	lmLoop = hx(`0050ddf7 ff7f0000  10300000 00000000  c0bcf9f7 ff7f0000
		00200000 00000000  00200000 00000000`)
	// 0x2200: a library of the second namespace, name at 0x3030.
	lmNS = hx(`0000a0f7 ff7f0000  30300000 00000000  00e0a0f7 ff7f0000
		00000000 00000000  00000000 00000000`)
	// 0x3000 "", 0x3010 libc's path, 0x3030 /tmp/libns.so, in a page.
	names = append(append(append(make([]byte, 16),
		"/lib/x86_64-linux-gnu/libc.so.6\x00"...),
		"/tmp/libns.so\x00"...), make([]byte, 0x1000-0x3e)...)
)

func TestWalk(t *testing.T) {
	prog := Link{At: 0x2000, Addr: 0x555555554000, Ld: 0x555555554dd0}
	libc := Link{At: 0x2100, Addr: 0x7ffff7dd5000, Name: "/lib/x86_64-linux-gnu/libc.so.6", Ld: 0x7ffff7f9bcc0}
	for _, tc := range []struct {
		name  string
		mem   image
		want  RDebug
		links []Link
		err   string
	}{
		{
			name:  "one namespace",
			mem:   image{0x1000: rdebugV1, 0x2000: lmProg, 0x2100: lmLibc, 0x3000: names},
			want:  RDebug{Version: 1, Map: 0x2000, Brk: 0x7ffff7fd3f90, LdBase: 0x7ffff7fc3000},
			links: []Link{prog, libc},
		},
		{
			name: "before the loader's list",
			mem:  image{0x1000: rdebugEmpty},
			want: RDebug{Version: 1, Brk: 0x7ffff7fd3f90, State: Adding, LdBase: 0x7ffff7fc3000},
		},
		{
			name: "two namespaces",
			mem: image{0x1000: rdebugV2, 0x1100: rdebugNS, 0x2000: lmProg, 0x2100: lmLibc,
				0x2200: lmNS, 0x3000: names},
			want: RDebug{Version: 2, Map: 0x2000, Brk: 0x7ffff7fd3f90, LdBase: 0x7ffff7fc3000, Next: 0x1100},
			links: []Link{prog, libc,
				{At: 0x2200, Addr: 0x7ffff7a00000, Name: "/tmp/libns.so", Ld: 0x7ffff7a0e000}},
		},
		{
			name: "a loop",
			mem:  image{0x1000: rdebugV1, 0x2000: lmProg, 0x2100: lmLoop, 0x3000: names},
			err:  "link_map list loops at 0x2000",
		},
		{
			name: "a name unreadable",
			mem:  image{0x1000: rdebugV1, 0x2000: lmProg, 0x2100: lmLibc, 0x3000: names[:0x100]},
			err:  "link_map at 0x2100: l_name: unmapped 0x3010",
		},
		{
			name: "no r_debug",
			mem:  image{},
			err:  "r_debug at 0x1000: unmapped 0x1000",
		},
	} {
		r, links, err := Walk(tc.mem, 0x1000)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if r != tc.want {
			t.Errorf("%s: r_debug %+v, want %+v", tc.name, r, tc.want)
		}
		if !reflect.DeepEqual(links, tc.links) {
			t.Errorf("%s: links\n%+v\nwant\n%+v", tc.name, links, tc.links)
		}
	}
}

func TestDebugFromDynamic(t *testing.T) {
	// Elf64_Dyn entries: DT_NEEDED 1, DT_DEBUG 0x7ffff7ffe118, DT_NULL.
	dyn := hx(`01000000 00000000  01000000 00000000
		15000000 00000000  18e1fff7 ff7f0000
		00000000 00000000  00000000 00000000`)
	// Before the loader ran: DT_DEBUG 0.
	dyn0 := hx(`15000000 00000000  00000000 00000000
		00000000 00000000  00000000 00000000`)
	// No DT_DEBUG at all (a library's section).
	none := hx(`01000000 00000000  01000000 00000000
		00000000 00000000  00000000 00000000`)
	for _, tc := range []struct {
		name string
		mem  image
		want Addr
		err  string
	}{
		{"set", image{0x4000: dyn}, 0x7ffff7ffe118, ""},
		{"not yet", image{0x4000: dyn0}, 0, ""},
		{"none", image{0x4000: none}, 0, ""},
		{"unterminated", image{0x4000: dyn[:16]}, 0, "dynamic section: no DT_NULL"},
		{"unreadable", image{}, 0, "dynamic section: unmapped 0x4000"},
	} {
		got, err := DebugFromDynamic(tc.mem, 0x4000, uint64(len(tc.mem[0x4000])))
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %#x %v, want %#x", tc.name, uint64(got), err, uint64(tc.want))
		}
	}
}

func TestAllConsistent(t *testing.T) {
	// The second namespace's r_debug in state RT_ADD.
	nsAdding := append([]byte(nil), rdebugNS...)
	nsAdding[24] = 1
	for _, tc := range []struct {
		name string
		mem  image
		want bool
		err  string
	}{
		{"one, consistent", image{0x1000: rdebugV1}, true, ""},
		{"one, adding", image{0x1000: rdebugEmpty}, false, ""},
		{"two, consistent", image{0x1000: rdebugV2, 0x1100: rdebugNS}, true, ""},
		{"two, the second adding", image{0x1000: rdebugV2, 0x1100: nsAdding}, false, ""},
		{"two, the second unreadable", image{0x1000: rdebugV2}, false, "r_debug at 0x1100: unmapped 0x1100"},
	} {
		got, err := AllConsistent(tc.mem, 0x1000)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.name, got, err, tc.want)
		}
	}
}
