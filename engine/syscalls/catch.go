package syscalls

import "sort"

// Catch asks for the entry and exit stops of some system calls (gdb's
// catch syscall).
type Catch struct {
	ID  int
	All bool         // every system call
	Nrs map[int]bool // else these x86-64 numbers
	// Data is the owner's payload (the bindings keep the Lua callback here).
	Data any

	deleted bool
}

// Deleted tells whether the catch was removed from its set.
func (c *Catch) Deleted() bool { return c.deleted }

// Wants tells whether c asks for x86-64 call nr.
func (c *Catch) Wants(nr int) bool { return c.All || c.Nrs[nr] }

// Set is a process's catches; the zero value is empty.
type Set struct {
	catches []*Catch
	nextID  int
}

// Add makes a catch of nrs (or of every call) with the next id.
func (s *Set) Add(all bool, nrs []int) *Catch {
	c := &Catch{All: all, Nrs: map[int]bool{}}
	for _, nr := range nrs {
		c.Nrs[nr] = true
	}
	s.nextID++
	c.ID = s.nextID
	s.catches = append(s.catches, c)
	return c
}

// Remove takes c out of the set and marks it deleted; false when it was
// already.
func (s *Set) Remove(c *Catch) bool {
	if c.deleted {
		return false
	}
	c.deleted = true
	for i, x := range s.catches {
		if x == c {
			s.catches = append(s.catches[:i], s.catches[i+1:]...)
			break
		}
	}
	return true
}

// Insert adds c, a catch of another set (a followed process's: the one
// catch object in every process), keeping the ids apart.
func (s *Set) Insert(c *Catch) {
	s.catches = append(s.catches, c)
	if c.ID > s.nextID {
		s.nextID = c.ID
	}
}

// Drop takes c out of the set without marking it (Remove, on the set
// that gave it, does).
func (s *Set) Drop(c *Catch) {
	for i, x := range s.catches {
		if x == c {
			s.catches = append(s.catches[:i], s.catches[i+1:]...)
			return
		}
	}
}

// Len is the number of catches.
func (s *Set) Len() int { return len(s.catches) }

// List is the catches, by id.
func (s *Set) List() []*Catch {
	cs := append([]*Catch(nil), s.catches...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return cs
}

// For is the catches that want call nr of its ABI: an i386 call (compat)
// is wanted by the catches of the x86-64 call of the same name (getpid, 20
// there, is 39 here), and by those of every call.
func (s *Set) For(nr int, compat bool) []*Catch {
	ok := true
	if compat {
		nr, ok = Number(Name32(nr))
	}
	var cs []*Catch
	for _, c := range s.catches {
		if c.All || (ok && c.Nrs[nr]) {
			cs = append(cs, c)
		}
	}
	return cs
}

// Unfiltered is what the catches ask for that the installed filters f do
// not trace yet: every call, or these numbers (sorted).
func (s *Set) Unfiltered(f *Filtered) (all bool, nrs []int) {
	if f.all {
		return false, nil
	}
	seen := map[int]bool{}
	for _, c := range s.catches {
		if c.All {
			return true, nil
		}
		for nr := range c.Nrs {
			if !f.nrs[nr] && !seen[nr] {
				seen[nr] = true
				nrs = append(nrs, nr)
			}
		}
	}
	sort.Ints(nrs)
	return false, nrs
}

// Clone is a set of the same catches (the same *Catch objects, so that a
// hit in either counts on one) that grows apart from s: a followed fork
// child's (engine/follow.go).
func (s *Set) Clone() Set {
	return Set{catches: append([]*Catch(nil), s.catches...), nextID: s.nextID}
}
