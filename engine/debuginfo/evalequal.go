package debuginfo

import (
	"errors"
	"fmt"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
)

// equalObjects is Go's == on comparable values that are not scalars:
// structs and arrays field by field, interfaces by dynamic type and value
// (Go spec "Comparison operators"). Slices, maps and funcs compare only
// with nil.
func (e *evaluator) equalObjects(a, b *object) (bool, error) {
	if err := comparable(a.typ, 0); err != nil {
		return false, err
	}
	return valuesEqual(e.i.decode(e.mem, a, 0), e.i.decode(e.mem, b, 0))
}

// comparable refuses the types Go's == refuses.
func comparable(t godwarf.Type, depth int) error {
	if depth > maxDepth {
		return errors.New("type nested too deep to compare")
	}
	if mapTypeOf(t) != nil {
		return fmt.Errorf("invalid operation: %s can only be compared to nil", typeString(t))
	}
	if _, ok := ifaceType(t); ok {
		return nil
	}
	switch tt := resolve(t).(type) {
	case *godwarf.SliceType, *godwarf.FuncType:
		return fmt.Errorf("invalid operation: %s can only be compared to nil", typeString(t))
	case *godwarf.StructType:
		for _, f := range tt.Field {
			if err := comparable(f.Type, depth+1); err != nil {
				return err
			}
		}
	case *godwarf.ArrayType:
		return comparable(tt.Type, depth+1)
	}
	return nil
}

// valuesEqual compares two decoded values of one type.
func valuesEqual(a, b Value) (bool, error) {
	if a.Kind == Unreadable || b.Kind == Unreadable {
		return false, errors.New(firstNonEmpty(a.Err, b.Err))
	}
	if a.Truncated || b.Truncated {
		return false, fmt.Errorf("%s is too long to compare", a.Type)
	}
	if a.Kind != b.Kind {
		return false, nil
	}
	switch a.Kind {
	case Int:
		return a.Int == b.Int, nil
	case Uint:
		return a.Uint == b.Uint, nil
	case Float:
		return a.Float == b.Float, nil
	case Bool:
		return a.Bool == b.Bool, nil
	case String:
		return a.Str == b.Str, nil
	case Pointer, Func:
		return a.Addr == b.Addr, nil
	case Nil:
		return true, nil
	case Interface:
		if a.Type != b.Type || len(a.Fields) != len(b.Fields) {
			return false, nil
		}
	case Struct, Array:
		if len(a.Fields) != len(b.Fields) {
			return false, nil
		}
	default:
		return false, fmt.Errorf("invalid operation: %s values cannot be compared", a.Kind)
	}
	for k := range a.Fields {
		if eq, err := valuesEqual(a.Fields[k], b.Fields[k]); err != nil || !eq {
			return false, err
		}
	}
	return true, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
